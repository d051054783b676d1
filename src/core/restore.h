/*
 * restore.h: an archive (local or HOST:/folder) back onto LVs or files, checked, then its
 * definition.
 */
#ifndef VMDECK_RESTORE_H
#define VMDECK_RESTORE_H

#include <stdbool.h>

#include "config.h"
#include "progress.h"

struct restore_opts {
	const char *as;         /* new guest name; NULL = the archived name */
	const char *to_lv;      /* put the (single) disk into this VG/LV */
	const char *to_file;    /* or into this file */
	bool force;             /* replace an existing definition of that name, existing disks */
	/* write disks outside storage.file_dir / storage.vg, a CD outside iso_dirs */
	bool allow_paths;
	bool allow_extra_args;  /* take the archived definition's extra_args */
	/* take its VNC beyond loopback without a password, a bridge the guest here lacks */
	bool allow_network;
	struct job_hooks hooks;
};

/* Restores an archive folder; *name (may be NULL) receives the restored guest's name. */
int restore_run(const struct config *cfg, const char *archive, const struct restore_opts *o,
		char **name, char **err);

#endif
