/*
 * watcher.h: live status without polling. A watcher holds each running
 * guest's event monitor (VM_EVENTS_SOCK, a -qmp of its own) open and is told
 * by QEMU when something happens (STOP, RESUME, SHUTDOWN, POWERDOWN, RESET,
 * DEVICE_TRAY_MOVED, BLOCK_JOB_*, ...). A guest whose monitor is held and
 * that sent nothing since its last status round is "quiet": the next round
 * reads only /proc for it (CPU, RSS, that the process lives) and asks QEMU
 * nothing. An event makes it "dirty": the caller starts a round at once,
 * which asks that guest's QEMU over status.sock as before.
 *
 * One watcher per guest. QEMU serves one client per monitor, and a second
 * client would wait unseen in the listen backlog; -qmp sockets are fixed when
 * QEMU starts, so there cannot be one per watcher. So the holder keeps
 * events.sock.lock (flock) for as long as it holds the connection; a second
 * watcher (another console, a remote `vmdeck watch` next to a local console)
 * finds the lock taken and polls that guest as before, trying again every
 * WATCHER_RETRY_S. A guest started before its argv had VM_EVENTS_SOCK is
 * polled too. Used by the console and by `vmdeck watch`.
 */
#ifndef VMDECK_WATCHER_H
#define VMDECK_WATCHER_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "vmstate.h"
#include "vmdef.h"

#define WATCHER_RETRY_S 10.0   /* a busy or silent event monitor is tried again after this */

struct watcher;

struct watcher *watcher_new(const struct config *cfg);
void watcher_free(struct watcher *w);

/*
 * After a status round: holds an event monitor for every guest that is
 * running or paused (connecting without blocking), lets go of every other.
 */
void watcher_track(struct watcher *w, const struct vmdef *defs, size_t n,
		   const struct vm_status *st);

int watcher_fds(struct watcher *w, struct pollfd *fds, int max);   /* fills, returns count */
/* ms to the next deadline, -1 none */
int watcher_timeout(const struct watcher *w);
void watcher_process(struct watcher *w, const struct pollfd *fds, int nfds);

/*
 * quiet[i] for each guest: whether the next round may skip asking its QEMU.
 * Clears the guests' dirty marks: an event after this makes them dirty again.
 */
void watcher_quiet_mask(struct watcher *w, const struct vmdef *defs, size_t n,
			const struct vm_status *st, bool *quiet);
/* Whether some guest had an event since the last mask: a round is due now. */
bool watcher_dirty(const struct watcher *w);
/* How many guests' monitors are held (the rest are polled). */
size_t watcher_held(const struct watcher *w);

/*
 * The events seen since the last call, oldest first, as "GUEST EVENT"
 * strings (EVENT is QEMU's name, e.g. "web STOP"); *n gets the count. The
 * caller frees each string and the array.
 */
char **watcher_take_events(struct watcher *w, size_t *n);

/* A cheap fingerprint of vms_dir: changes when a definition is added, removed or rewritten. */
uint64_t watcher_defs_stamp(const struct config *cfg);

#endif
