/* move.h: a stopped guest's disks and definition to another host over ssh, verified. */
#ifndef VMDECK_MOVE_H
#define VMDECK_MOVE_H

#include <stdbool.h>

#include "config.h"
#include "progress.h"
#include "vmdef.h"

struct move_opts {
	bool delete_source;
	/* LV disks go into this VG there (same LV names); NULL = the same VG */
	const char *vg;
	/* file disks go into this folder there (same names); NULL = the same paths */
	const char *file_dir;
	struct job_hooks hooks;
};

/*
 * Copies a stopped guest's disks and definition to host (a hosts entry or user@host) and verifies
 * them.
 */
int move_run(const struct config *cfg, const struct vmdef *def, const char *host,
	     const struct move_opts *o, char **err);

#endif
