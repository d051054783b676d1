/* clone.h: `vmdeck clone`: a new guest from a stopped one, disks copied or linked; templates. */
#ifndef VMDECK_CLONE_H
#define VMDECK_CLONE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "progress.h"
#include "util.h"
#include "vmdef.h"

/*
 * A clone is made through guest_create (guest.h), so it passes the checks
 * of every new guest and a failure leaves neither a disk nor a definition.
 *
 * NEW gets SRC's definition with: new MACs, the first free VNC display, a
 * new random VNC password when SRC has one (keep_vnc_password: SRC's), no
 * template flag, and its own disks:
 *   - full: a copy of each disk, the same kind and size: an LV in SRC's VG
 *     named NEW, NEW-1, NEW-2 ... (by disk index), or a file in
 *     storage.file_dir named NEW.qcow2 / NEW-1.raw ... in SRC's format;
 *   - linked: each disk a qcow2 file file_dir/NEW[-i].qcow2 (0600) whose
 *     backing file is SRC's disk. SRC is then marked template: true (its
 *     file edited in place, comments kept) and never starts while a linked
 *     clone exists (template.h).
 * SRC must be stopped; its lock is held throughout, so no start or backup
 * begins meanwhile.
 */
struct clone_opts {
	bool linked;
	bool keep_vnc_password;
	struct job_hooks hooks;  /* the copy's progress, and Ctrl-C as a clean cancel */
};

int clone_run(const struct config *cfg, const char *src, const char *name,
	      const struct clone_opts *o, char **err);

/* A free name for a clone of src: "SRC-clone", then "SRC-clone-2" ...; allocated. */
char *clone_name_propose(const struct config *cfg, const char *src);

#endif
