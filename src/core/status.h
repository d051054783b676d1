/*
 * status.h: live status of many guests at once, each asked over its own QMP socket with its own
 * deadline.
 */
#ifndef VMDECK_STATUS_H
#define VMDECK_STATUS_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "vmdef.h"
#include "vmstate.h"

/*
 * Non-blocking, concurrent status of many guests: all QMP sockets are asked
 * at once, each with its own deadline. The console drives it from its own
 * poll loop; status_all drives it to completion for the CLI.
 * prev (may be NULL) holds the previous statuses, for CPU rates.
 */
struct status_poll;
struct status_poll *status_poll_start(const struct config *cfg, const struct vmdef *defs, size_t n,
				      const struct vm_status *prev, int timeout_ms);
/*
 * The same, where quiet[i] (quiet may be NULL) says guest i's QEMU need not
 * be asked: its state and CD are prev[i]'s, only /proc is read (watcher.h).
 */
struct status_poll *status_poll_start_quiet(const struct config *cfg, const struct vmdef *defs,
					    size_t n, const struct vm_status *prev,
					    const bool *quiet, int timeout_ms);
int status_poll_fds(struct status_poll *sp, struct pollfd *fds, int max); /* fills, returns count */
int status_poll_timeout(const struct status_poll *sp);   /* ms until the next deadline, -1 none */
void status_poll_process(struct status_poll *sp, const struct pollfd *fds, int nfds);
bool status_poll_done(const struct status_poll *sp);
/* Moves results into out[n] (which it clears first) and frees sp. */
void status_poll_finish(struct status_poll *sp, struct vm_status *out);

int status_all(const struct config *cfg, const struct vmdef *defs, size_t n, struct vm_status *out,
	       int timeout_ms);

#endif
