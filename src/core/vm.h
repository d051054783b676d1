/* vm.h: a guest's runtime: state folder, lock, start, stop and the other lifecycle actions, and live status. */
#ifndef VMDECK_VM_H
#define VMDECK_VM_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "vmdef.h"

enum vm_state {
	VM_STOPPED,
	VM_STARTING,
	VM_RUNNING,
	VM_PAUSED,
	VM_SHUTTING_DOWN,
	VM_UNRESPONSIVE,
	VM_CRASHED,
	VM_INVALID,
	VM_STATE_COUNT
};
const char *vm_state_name(enum vm_state s);

/* ---- runtime folder: state_dir/NAME/ ---- */

/* state_dir/NAME/FILE (file may be NULL for the folder itself). Allocated. */
char *vm_path(const struct config *cfg, const char *name, const char *file);
/* Creates state_dir/NAME with mode 0700 (and fixes the mode if it exists). */
int vm_dir_prepare(const struct config *cfg, const char *name, char **err);
/*
 * QEMU's last words: the last line (200 bytes at most) of FILE in the
 * guest's folder that is neither empty nor a warning, without QEMU's
 * "qemu-system-x86_64: " in front; NULL when there is none. qemu-run.log holds what QEMU
 * printed while it ran (its stderr after daemonizing, through -D): why it
 * ended, when it ended on its own; qemu.log what it printed while starting.
 */
char *vm_log_last_line(const struct config *cfg, const char *name, const char *file);
/* One line QEMU printed, without "PROG: " in front ("qemu-system-x86_64: why" -> "why"); line itself if not so. */
const char *qemu_message(const char *line, const char *prog);
#define VM_RUN_LOG "qemu-run.log"
/*
 * A second QMP monitor for status readers (list, the console's poll): see
 * status.c. Named no longer than serial.sock, so no state_dir that worked
 * before is now too deep for a socket path.
 */
#define VM_STATUS_SOCK "status.sock"
/* The pid from qemu.pid if that process is alive (not a zombie) and proven to be this guest's QEMU, else 0. */
pid_t vm_pid(const struct config *cfg, const char *name);
/* True while pid exists and is not a zombie (/proc/PID/stat state != Z). */
bool pid_alive(pid_t pid);
/*
 * Whether pid is guest NAME's own QEMU: its /proc/PID/cmdline runs a QEMU
 * (argv[0] names qemu or is the configured binary) and has -qmp on
 * state_dir/NAME/qmp.sock, as only that guest's QEMU has. A reused pid, or
 * another guest's QEMU named by a stale or copied pidfile, is not taken for it.
 */
bool vm_pid_is_guest(const struct config *cfg, const char *name, pid_t pid);
/*
 * vm_pid, else the guest's QEMU looked for in /proc (a pidfile deleted, or
 * overwritten while it runs): for start, stop, kill and every check that
 * guards a write (restore, move, offline backup, disk delete and resize, CD,
 * delete), which must not take a running guest for a stopped one. A scan
 * of /proc: not for polls.
 */
pid_t vm_pid_find(const struct config *cfg, const char *name);
/* /proc/PID/cmdline, NUL-separated, bounded (256 KiB); its length in *len. NULL when unreadable. */
char *vm_proc_cmdline(pid_t pid, size_t *len);

/*
 * The flock on state_dir/NAME/lock, held while starting, stopping or backing
 * up. wait=false fails at once with "NAME is busy (...)" when another holds it.
 * Returns an fd to pass to vm_unlock.
 */
int vm_lock(const struct config *cfg, const char *name, bool wait, char **err);
void vm_unlock(int fd);

/* ---- lifecycle (each takes the lock where the action needs it) ---- */

struct vm_start_opts {
	const char *cdrom;  /* override the definition's CD, NULL = as defined */
	const char *boot;   /* "cdrom" or "disk", NULL = as defined */
};
/*
 * Takes state_dir/NAME/start.lock, then the lock (busy -> error; a kill
 * waits for start.lock and, through a marker, makes the start give up with
 * "stopped by vmdeck kill while starting"), refuses a running guest, cleans stale
 * runtime files, pre-checks ISO, disks (creating a missing file disk of the
 * defined size), bridges and the VNC port, runs QEMU daemonized and paused,
 * sets the VNC password over QMP, then cont. Blocks well under a second on a
 * healthy host. *warn (may be NULL) receives a non-fatal note such as "no
 * KVM, using TCG"; *err one line ("ISO not found: /x", "could not open ...").
 */
int vm_start(const struct config *cfg, const struct vmdef *def, const struct vm_start_opts *opts,
	     char **warn, char **err);

enum vm_stop_step { STOP_WAS_STOPPED, STOP_ACPI, STOP_QUIT, STOP_KILL };
const char *vm_stop_step_text(enum vm_stop_step s); /* "powered off by ACPI", ... */
/*
 * Takes the lock, writes the "stopping" marker (status: shutting-down),
 * resumes a paused guest, presses the ACPI power button, waits up to
 * timeout_s, then QMP quit, then SIGKILL; removes pidfile, sockets and the
 * marker. Blocks for up to timeout_s + a few seconds: the console uses
 * vm_powerdown and its own countdown instead. A stopped guest gives 0 and
 * STOP_WAS_STOPPED. progress (may be NULL) is called about once a second
 * with the seconds left.
 */
int vm_stop(const struct config *cfg, const struct vmdef *def, int timeout_s, enum vm_stop_step *how,
	    void (*progress)(void *arg, int left), void *arg, char **err);
/* The guest's own shutdown_timeout, else the configuration's: how long a stop waits for ACPI. */
int vm_shutdown_timeout(const struct config *cfg, const struct vmdef *def);
/* vm_stop whose event lines name the occasion: "powered off by ACPI at host shutdown after 4.0 s". */
int vm_stop_at(const struct config *cfg, const struct vmdef *def, int timeout_s, const char *occasion,
	       enum vm_stop_step *how, void (*progress)(void *arg, int left), void *arg, char **err);
int vm_powerdown(const struct config *cfg, const struct vmdef *def, char **err); /* button only */
/*
 * QMP quit, or SIGKILL when QMP does not answer within a second (a hung or
 * SIGSTOPped QEMU); not the main lock, so it also ends a hanging start or
 * stop. A start under way is made to give up (its QEMU killed as soon as it
 * exists) and waited for, so on return the guest is off. A stopped guest is
 * not an error (its stale files are removed). 1 when it ended a QEMU, 0
 * when there was none, -1 on error.
 */
int vm_kill(const struct config *cfg, const struct vmdef *def, char **err);
/*
 * Whether vmdeck itself sent the last SIGKILL to the guest's QEMU (kill,
 * stop's last step, an aborted start); the mark is taken away. The unit's
 * stop hook tells such an end from a crash with it.
 */
#define VM_KILLED_MARK "killed-by-vmdeck"
bool vm_killed_by_vmdeck(const struct config *cfg, const char *name);
/* These need a running guest ("not running" otherwise); one QMP command each. */
int vm_reset(const struct config *cfg, const struct vmdef *def, char **err);
int vm_pause(const struct config *cfg, const struct vmdef *def, char **err);
int vm_resume(const struct config *cfg, const struct vmdef *def, char **err);
/*
 * iso: a bare name is looked up in cfg->iso_dirs, then the current folder;
 * a path with a '/' is used as it is. The old medium is ejected with force
 * first, so a tray the guest locked does not block.
 */
int vm_cdrom_change(const struct config *cfg, const struct vmdef *def, const char *iso, char **err);
int vm_cdrom_eject(const struct config *cfg, const struct vmdef *def, char **err);
/* The address QEMU's VNC server listens on (the definition's, or 127.0.0.1 as in the argv). */
const char *vm_vnc_listen(const struct vmdef *def);
/*
 * How an admin reaches the display from a PC, as text for a person: for one
 * on loopback the SSH tunnel (ssh -L, and the same in PuTTY's terms) through
 * host, the server's name; else the address to point a viewer at. running
 * false adds "once the guest runs". Allocated; the definition must have VNC.
 */
char *vm_vnc_howto(const struct vmdef *def, const char *host, bool running);
/* An ISO's absolute path: a bare name is looked up in iso_dirs, a path is taken as is. */
char *vm_iso_resolve(const struct config *cfg, const char *iso, char **err);

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
void vm_status_clear(struct vm_status *st);

/*
 * Non-blocking, concurrent status of many guests: all QMP sockets are asked
 * at once, each with its own deadline. The console drives it from its own
 * poll loop; vm_status_all drives it to completion for the CLI.
 * prev (may be NULL) holds the previous statuses, for CPU rates.
 */
struct status_poll;
struct status_poll *status_poll_start(const struct config *cfg, const struct vmdef *defs, size_t n,
				      const struct vm_status *prev, int timeout_ms);
int status_poll_fds(struct status_poll *sp, struct pollfd *fds, int max); /* fills, returns count */
int status_poll_timeout(const struct status_poll *sp);   /* ms until the next deadline, -1 none */
void status_poll_process(struct status_poll *sp, const struct pollfd *fds, int nfds);
bool status_poll_done(const struct status_poll *sp);
/* Moves results into out[n] (which it clears first) and frees sp. */
void status_poll_finish(struct status_poll *sp, struct vm_status *out);

int vm_status_all(const struct config *cfg, const struct vmdef *defs, size_t n,
		  struct vm_status *out, int timeout_ms);

#endif
