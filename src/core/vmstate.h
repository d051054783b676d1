/*
 * vmstate.h: a guest's runtime folder and process: paths, the pidfile, liveness from /proc, state
 * names.
 */
#ifndef VMDECK_VMSTATE_H
#define VMDECK_VMSTATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

enum vm_state {
	VM_STOPPED,
	VM_STARTING,
	VM_RUNNING,
	VM_PAUSED,
	VM_SHUTTING_DOWN,
	VM_UNRESPONSIVE,
	VM_CRASHED,
	VM_INVALID,
	/* a guest of another host that cannot be reached now (console, list --all-hosts) */
	VM_UNREACHABLE,
	VM_STATE_COUNT
};
const char *vmstate_name(enum vm_state s);

/* ---- runtime folder: state_dir/NAME/ ---- */

/* state_dir/NAME/FILE (file may be NULL for the folder itself). Allocated. */
char *vmstate_path(const struct config *cfg, const char *name, const char *file);
/* Creates state_dir/NAME with mode 0700 (and fixes the mode if it exists). */
int vmstate_dir_prepare(const struct config *cfg, const char *name, char **err);
/*
 * QEMU's last words: the last line (200 bytes at most) of FILE in the
 * guest's folder that is neither empty nor a warning, without QEMU's
 * "qemu-system-x86_64: " in front; NULL when there is none. qemu-run.log holds what QEMU
 * printed while it ran (its stderr after daemonizing, through -D): why it
 * ended, when it ended on its own; qemu.log what it printed while starting.
 */
char *vmstate_log_last_line(const struct config *cfg, const char *name, const char *file);
/*
 * One line QEMU printed, without "PROG: " in front ("qemu-system-x86_64: why" -> "why"); line
 * itself if not so.
 */
const char *vmstate_qemu_message(const char *line, const char *prog);
#define VM_RUN_LOG "qemu-run.log"
/*
 * A second QMP monitor for status readers (list, the console's poll): see
 * status.c. Named no longer than serial.sock, so no state_dir that worked
 * before is now too deep for a socket path.
 */
#define VM_STATUS_SOCK "status.sock"
/*
 * A third QMP monitor, held open by one watcher (the console, `vmdeck watch`)
 * that listens for QEMU's events instead of asking: see watcher.h. Named no
 * longer than serial.sock, for the same reason.
 */
#define VM_EVENTS_SOCK "events.sock"
/*
 * The pid from qemu.pid if that process is alive (not a zombie) and proven to be this guest's QEMU,
 * else 0.
 */
pid_t vmstate_pid(const struct config *cfg, const char *name);
/* True while pid exists and is not a zombie (/proc/PID/stat state != Z). */
bool vmstate_pid_alive(pid_t pid);
/*
 * Whether pid is guest NAME's own QEMU: its /proc/PID/cmdline runs a QEMU
 * (argv[0] names qemu or is the configured binary) and has -qmp on
 * state_dir/NAME/qmp.sock, as only that guest's QEMU has. A reused pid, or
 * another guest's QEMU named by a stale or copied pidfile, is not taken for it.
 */
bool vmstate_pid_is_guest(const struct config *cfg, const char *name, pid_t pid);
/*
 * vmstate_pid, else the guest's QEMU looked for in /proc (a pidfile deleted, or
 * overwritten while it runs): for start, stop, kill and every check that
 * guards a write (restore, move, offline backup, disk delete and resize, CD,
 * delete), which must not take a running guest for a stopped one. A scan
 * of /proc: not for polls.
 */
pid_t vmstate_pid_find(const struct config *cfg, const char *name);
/* /proc/PID/cmdline, NUL-separated, bounded (256 KiB); its length in *len. NULL when unreadable. */
char *vmstate_proc_cmdline(pid_t pid, size_t *len);

/* ---- live status ---- */

struct vm_status {
	enum vm_state state;
	pid_t pid;              /* 0 when not running */
	double cpu_percent;     /* < 0 when unknown */
	uint64_t rss;           /* bytes, 0 when not running */
	double uptime;          /* seconds, < 0 when not running */
	char *cdrom;            /* medium in the CD drive, NULL if none/unknown */
	char *reason;           /* why invalid / crashed / unresponsive, else NULL */
	/* raw sample, so the next poll can give a real CPU rate */
	unsigned long long cpu_ticks;
	double sampled_at;
};
/* Frees the fields and resets to "stopped, nothing known"; st must be zeroed or a status. */
void vmstate_status_clear(struct vm_status *st);

#endif
