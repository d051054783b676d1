/* live.h: a point-in-time copy of a running guest's disks through QEMU backup jobs. */
#ifndef VMDECK_LIVE_H
#define VMDECK_LIVE_H

#include <signal.h>

#include "config.h"
#include "progress.h"
#include "vmdef.h"

/*
 * The guest agent's filesystem freeze, for a point in time that the guest's
 * filesystems agree with (live backup, disk-only snapshots): live_freeze
 * returns the agent's fd; live_thaw thaws through it (or a new connection),
 * checks, closes it and returns rc, or -1 when the thaw is not confirmed
 * (said loudly in *err and the guest's event log).
 */
int live_freeze(const struct config *cfg, const char *name, volatile sig_atomic_t *cancel,
		char **err);
int live_thaw(const struct config *cfg, const char *name, int fd, int rc, char **err);

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
