/*
 * snapshot.h: a guest's snapshots: internal qcow2 snapshots, or external qcow2 overlays over LV and
 * raw disks.
 */
#ifndef VMDECK_SNAPSHOT_H
#define VMDECK_SNAPSHOT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "util.h"
#include "vmdef.h"

/*
 * Two kinds, chosen by the guest's disks:
 *
 * - internal: every disk is a qcow2 file. A snapshot is a qcow2 snapshot of
 *   the same tag in every disk (QMP snapshot-save/-load/-delete jobs, or a
 *   transaction of blockdev-snapshot-internal-sync while the guest is paused
 *   for a disk-only one; qemu-img snapshot when the guest is off). With RAM,
 *   the device and RAM state go into the first disk.
 * - external: any LV or raw disk. A snapshot freezes each disk's current top
 *   layer and puts a new qcow2 overlay on it (file_dir/NAME-diskN-TAG.qcow2,
 *   0600; blockdev-snapshot-sync while running). The definition's
 *   disks[].overlay names the newest overlay (the guest's active layer);
 *   each overlay's header names the layer below, down to the LV or file.
 *   Revert (guest off) replaces the newest overlay with an empty one; delete
 *   commits the tag's overlay into the layer below (block-commit, live).
 *   No RAM state. Only the newest tag can be reverted to.
 *
 * Tags, dates, descriptions and the overlays of each tag are kept in
 * vms_dir/NAME.snapshots.json (0600), next to the definition; for internal
 * snapshots the qcow2 images are the truth and the file adds descriptions.
 */
struct snapshot {
	char *tag;
	int64_t date;           /* seconds since the epoch */
	bool ram;               /* RAM and device state saved (revert resumes where it was) */
	uint64_t size;          /* bytes: the RAM state, or the overlays on the host */
	char *description;      /* "" when none */
};

/* Progress of a long step (a commit, a RAM save): called a few times a second at most. */
typedef void (*snapshot_progress_fn)(void *arg, const char *what, uint64_t done, uint64_t total);

struct snapshot_opts {
	bool with_ram;
	const char *description;    /* may be NULL */
	snapshot_progress_fn progress;
	void *arg;
	volatile sig_atomic_t *cancel;  /* stops a commit job (the chain stays as it was) */
	/* out: how long a running guest was paused (STOP to RESUME), < 0 if not */
	double paused_ms;
	bool froze;                 /* out: the guest agent froze the guest's filesystems for it */
};

/* True when the guest's snapshots are qcow2-internal (every disk a qcow2 file without overlay). */
bool snapshot_internal(const struct vmdef *def);

/* The guest's snapshots, oldest first. */
int snapshot_list(const struct config *cfg, const struct vmdef *def, struct snapshot **out,
		  size_t *n, char **err);
void snapshot_list_free(struct snapshot *s, size_t n);

/*
 * How many snapshots the guest has (0 on any error) and, when newest is not
 * NULL, the newest one's tag (allocated, NULL when none): the detail pane.
 */
size_t snapshot_count(const struct config *cfg, const struct vmdef *def, char **newest);

/* Each takes the guest's lock (busy: "NAME is busy (...)"); errors are one line. */
int snapshot_create(const struct config *cfg, const struct vmdef *def, const char *tag,
		    struct snapshot_opts *o, char **err);
/* *note (may be NULL) gets a line for the user ("the guest jumped back to ..."). */
int snapshot_revert(const struct config *cfg, const struct vmdef *def, const char *tag,
		    struct snapshot_opts *o, char **note, char **err);
int snapshot_delete(const struct config *cfg, const struct vmdef *def, const char *tag,
		    struct snapshot_opts *o, char **err);

/*
 * From vms_dir/NAME.snapshots.json alone (one small file, no qemu-img): how
 * many snapshots vmdeck made of NAME and the newest one's tag (allocated,
 * NULL when none). For the console's detail pane and shell completion.
 */
size_t snapshot_summary(const struct config *cfg, const char *name, char **newest);

/* The tags in vms_dir/NAME.snapshots.json, oldest first, added to out (shell completion). */
void snapshot_tags(const struct config *cfg, const char *name, struct strv *out);

/* vms_dir/NAME.snapshots.json (allocated). */
char *snapshot_meta_path(const struct config *cfg, const char *name);

#endif
