/* live.h: a point-in-time copy of a running guest's disks through QEMU backup jobs. */
#ifndef VMDECK_LIVE_H
#define VMDECK_LIVE_H

#include <signal.h>

#include "config.h"
#include "progress.h"
#include "vmdef.h"

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
