/*
 * hostlink.h: the console's live view of another host. One `ssh` process per
 * host runs that host's `vmdeck watch --json` (README, "vmdeck watch"); its
 * lines are read without blocking from the caller's poll loop and kept as the
 * host's guests (list --json objects) and facts (load, free memory, free VG).
 *
 * ssh runs with BatchMode, ServerAliveInterval, the host's ssh_config, and a
 * ControlMaster/ControlPath under state_dir (ControlPersist 60), so actions
 * on that host's guests (hostlink_verb_argv) reuse the connection.
 *
 * A host is unreachable when ssh ends, or when no line came for 3 heartbeats
 * (its own `heartbeat`, from its first line, else ours): the reason and the
 * time are kept. A link that is silent stays open (a frozen link that thaws
 * comes back by itself); one that ended is started again with backoff (1 s,
 * doubling, at most HOSTLINK_BACKOFF_MAX). A remote vmdeck without `watch`,
 * or whose protocol differs, is incompatible, with its version. Lines of a
 * type it does not know are skipped, so a newer watch may add types (as
 * "job" was) without a new protocol.
 * Closing the link closes ssh's stdin: the remote watch ends with it.
 */
#ifndef VMDECK_HOSTLINK_H
#define VMDECK_HOSTLINK_H

#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "util.h"
#include "vmstate.h"
#include "vmdef.h"

#define HOSTLINK_PROTOCOL 1
#define HOSTLINK_BACKOFF_MAX 30.0

enum hostlink_state { HL_CONNECTING, HL_UP, HL_DOWN, HL_INCOMPATIBLE };

struct hostlink;

struct hostlink *hostlink_new(const struct config *cfg, const struct host *h);
/* Ends ssh (stdin closed, then SIGTERM) and frees. */
void hostlink_free(struct hostlink *hl);

const char *hostlink_name(const struct hostlink *hl);
enum hostlink_state hostlink_state(const struct hostlink *hl);
const char *hostlink_reason(const struct hostlink *hl);   /* why down or incompatible, else NULL */
/* epoch seconds it went down, 0 while up */
double hostlink_since(const struct hostlink *hl);
pid_t hostlink_pid(const struct hostlink *hl);            /* the ssh process, 0 when none */
/*
 * The host's facts from its last line ("name", "load", "mem_available", "vg_free", "version"), or
 * NULL.
 */
json_t *hostlink_facts(const struct hostlink *hl);
/*
 * Its guests, list --json objects sorted by name (borrowed; valid until the next hostlink_process).
 */
json_t *hostlink_guests(const struct hostlink *hl);
/* True once after the guests or the state changed (the caller rebuilds its rows). */
bool hostlink_take_changed(struct hostlink *hl);

/* Fills at most one pollfd (ssh's stdout); 0 when there is none. */
int hostlink_fds(struct hostlink *hl, struct pollfd *fds, int max);
int hostlink_timeout(const struct hostlink *hl);          /* ms to its next deadline, -1 none */
/* Reads what ssh sent (revents from the pollfd, 0 on a timer turn) and runs the deadlines. */
void hostlink_process(struct hostlink *hl, short revents);

/* ssh argv that runs `VMDECK WORDS...` on the host through the shared connection (words quoted). */
void hostlink_verb_argv(const struct hostlink *hl, const char *const *words, bool tty,
			struct strv *av);

/*
 * A guest object from the host as the console's model: def and st are filled from scratch (what
 * they held is not freed; they may be uninitialised); free them as usual.
 */
void hostlink_guest_model(const json_t *o, struct vmdef *def, struct vm_status *st);
/*
 * The guest's job on its host (watch's "job", kept up to date from its job lines): 1 with *info
 * filled (strings made safe for a terminal), 0 when none runs.
 */
struct jobfile_info;
int hostlink_guest_job(const json_t *o, struct jobfile_info *info);

#endif
