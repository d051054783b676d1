/* clone.h: new guests as copies of a stopped one (full or linked), and the templates linked clones lean on. */
#ifndef VMDECK_CLONE_H
#define VMDECK_CLONE_H

#include <stdbool.h>

#include "config.h"
#include "util.h"
#include "vmdef.h"

/*
 * `vmdeck clone SRC NEW`: SRC must be stopped (its lock is held meanwhile).
 * NEW is made by guest_create with SRC's definition: new MACs, the first free
 * VNC display, and disks of its own:
 *   - full: a copy of what SRC's disk shows (through a snapshot chain): an
 *     LV of the same size in the same VG (VG/NEW, VG/NEW-1 ...), or a file
 *     in storage.file_dir named after NEW with the source's extension;
 *   - linked: file_dir/NEW[-N].qcow2, a qcow2 overlay whose backing file is
 *     SRC's disk; SRC's definition then gets template: true.
 * A linked clone of a guest with snapshots is refused (their commits would
 * change what the clone stands on).
 */
struct clone_opts {
	bool linked;
};
int clone_run(const struct config *cfg, const char *src, const char *dst, const struct clone_opts *o, char **err);

#endif
