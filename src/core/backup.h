/*
 * backup.h: backup of a guest into an archive folder (local, HOST:/path or HOST:VG/LV); listing
 * archives.
 */
#ifndef VMDECK_BACKUP_H
#define VMDECK_BACKUP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "progress.h"
#include "vmdef.h"

/*
 * An archive is a folder NAME-YYYYmmdd-HHMMSS/ holding DISK.raw.zst (or
 * .raw.gz) per disk, each a plain zstd/gzip stream of the disk's raw
 * content (so `zstd -dc F | dd of=DEV` restores it without vmdeck), and
 * manifest.yaml. It is written as .NAME-...partial and renamed only after
 * every byte is on stable storage: a folder without the dot is complete.
 */

struct backup_opts {
	const char *to;         /* NULL = backup.dir; a local folder; HOST:/path; HOST:VG/LV */
	bool live;              /* the guest runs: copy through a QEMU backup job */
	bool force;             /* HOST:VG/LV may overwrite an existing LV */
	/* run by `backup --scheduled` (recorded in the guest's backup status) */
	bool scheduled;
	struct job_hooks hooks;
};

/*
 * Backs up def; *where (may be NULL) receives the archive's final name. Holds the guest's lock.
 * Every run that got the lock is recorded in backup.dir/.vmdeck-status/NAME (schedule.h).
 */
int backup_run(const struct config *cfg, const struct vmdef *def, const struct backup_opts *o,
	       char **where, char **err);

/* "NAME-YYYYmmdd-HHMMSS" -> its "YYYYmmdd-HHMMSS" part; "" for a name not made so. */
const char *backup_archive_stamp(const char *name);
/* Archives (complete ones) in a folder, newest first, for the console's restore form. */
int backup_list_archives(const char *dir, char ***names, size_t *n, char **err);

#endif
