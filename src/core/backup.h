/* backup.h: backup, restore and move of guests: archives, remote destinations, progress for the CLI and console. */
#ifndef VMDECK_BACKUP_H
#define VMDECK_BACKUP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "vmdef.h"

/*
 * An archive is a folder NAME-YYYYmmdd-HHMMSS/ holding DISK.raw.zst (or
 * .raw.gz) per disk, each a plain zstd/gzip stream of the disk's raw
 * content (so `zstd -dc F | dd of=DEV` restores it without vmdeck), and
 * manifest.yaml. It is written as .NAME-...partial and renamed only after
 * every byte is on stable storage: a folder without the dot is complete.
 */

struct backup_progress {
	const char *phase;      /* "backup", "restore", "verify", "copy", "live copy" */
	const char *item;       /* the disk being worked on */
	uint64_t done, total;   /* raw bytes over all disks */
	double rate;            /* bytes per second since the phase began */
	double eta;             /* seconds left, < 0 when unknown */
	bool final;             /* the last call of this phase */
};
typedef void (*backup_progress_fn)(void *arg, const struct backup_progress *p);

/* What a long copy takes from its caller, the same for backup, restore and move. */
struct job_hooks {
	backup_progress_fn progress;  /* may be NULL; called a few times a second at most */
	void *arg;
	volatile sig_atomic_t *cancel; /* when set non-zero, the run stops and cleans up */
};

struct backup_opts {
	const char *to;         /* NULL = backup.dir; a local folder; HOST:/path; HOST:VG/LV */
	bool live;              /* the guest runs: copy through a QEMU backup job */
	bool force;             /* HOST:VG/LV may overwrite an existing LV */
	bool scheduled;         /* run by `backup --scheduled` (recorded in the guest's backup status) */
	struct job_hooks hooks;
};

/*
 * Backs up def; *where (may be NULL) receives the archive's final name. Holds the guest's lock.
 * Every run that got the lock is recorded in backup.dir/.vmdeck-status/NAME (schedule.h).
 */
int backup_run(const struct config *cfg, const struct vmdef *def, const struct backup_opts *o, char **where,
	       char **err);

struct restore_opts {
	const char *as;         /* new guest name; NULL = the archived name */
	const char *to_lv;      /* put the (single) disk into this VG/LV */
	const char *to_file;    /* or into this file */
	bool force;             /* replace an existing definition of that name, existing disks */
	bool allow_paths;       /* write disks outside storage.file_dir / storage.vg, a CD outside iso_dirs */
	bool allow_extra_args;  /* take the archived definition's extra_args */
	struct job_hooks hooks;
};

/* Restores an archive folder; *name (may be NULL) receives the restored guest's name. */
int restore_run(const struct config *cfg, const char *archive, const struct restore_opts *o, char **name,
		char **err);

struct move_opts {
	bool delete_source;
	const char *vg;         /* LV disks go into this VG there (same LV names); NULL = the same VG */
	const char *file_dir;   /* file disks go into this folder there (same names); NULL = the same paths */
	struct job_hooks hooks;
};

/* Copies a stopped guest's disks and definition to host (a hosts entry or user@host) and verifies them. */
int move_run(const struct config *cfg, const struct vmdef *def, const char *host, const struct move_opts *o,
	     char **err);

/* "NAME-YYYYmmdd-HHMMSS" -> its "YYYYmmdd-HHMMSS" part; "" for a name not made so. */
const char *backup_archive_stamp(const char *name);
/* Archives (complete ones) in a folder, newest first, for the console's restore form. */
int backup_list_archives(const char *dir, char ***names, size_t *n, char **err);

/* ---- shared by backup, restore, move and the live copy ---- */

struct progress_tracker {
	backup_progress_fn fn;
	void *arg;
	struct backup_progress p;
	double t0, last;
};
void progress_begin(struct progress_tracker *t, backup_progress_fn fn, void *arg, const char *phase, uint64_t total);
void progress_add(void *tracker, uint64_t bytes);  /* a stream_opts progress callback */
void progress_end(struct progress_tracker *t);

/*
 * Around the step that puts a result in place (a rename, a definition
 * written): commit_hold holds SIGINT, SIGTERM and SIGHUP, then fails with
 * "interrupted" if the run was cancelled before; a signal arriving after it
 * is delivered at commit_release, once the result is in place, and the run
 * ends as done. Nothing between the two may wait long; a program run
 * meanwhile (the remote rename's ssh) inherits the held signals, so a Ctrl-C
 * to the process group cannot cut the rename off half-way either.
 */
int commit_hold(volatile sig_atomic_t *cancel, sigset_t *old, char **err);
void commit_release(const sigset_t *old);

/*
 * A point-in-time copy of a running guest's disks (live.c): one QEMU
 * drive-backup job per disk, started together in one QMP transaction
 * (with the guest's filesystems frozen through its agent when the
 * definition has guest_agent: true), into raw files tmpdir/live-N.raw.
 * paths[n_disks] receives those files; the caller removes them.
 */
int live_copy(const struct config *cfg, const struct vmdef *def, const char *tmpdir, char **paths,
	      struct progress_tracker *t, volatile sig_atomic_t *cancel, char **err);

#endif
