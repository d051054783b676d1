/* vm.h: a guest's lifecycle: the lock, start, stop, kill and the other live actions, VNC and CD. */
#ifndef VMDECK_VM_H
#define VMDECK_VM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "vmdef.h"

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
int vm_stop(const struct config *cfg, const struct vmdef *def, int timeout_s,
	    enum vm_stop_step *how, void (*progress)(void *arg, int left), void *arg, char **err);
/* The guest's own shutdown_timeout, else the configuration's: how long a stop waits for ACPI. */
int vm_shutdown_timeout(const struct config *cfg, const struct vmdef *def);
/*
 * vm_stop whose event lines name the occasion: "powered off by ACPI at host shutdown after 4.0 s".
 */
int vm_stop_at(const struct config *cfg, const struct vmdef *def, int timeout_s,
	       const char *occasion, enum vm_stop_step *how, void (*progress)(void *arg, int left),
	       void *arg, char **err);
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
/* A running guest's VNC password, set over QMP (as at its start): the old one stops working. */
int vm_vnc_password(const struct config *cfg, const struct vmdef *def, const char *password,
		    char **err);
/* An ISO's absolute path: a bare name is looked up in iso_dirs, a path is taken as is. */
char *vm_iso_resolve(const struct config *cfg, const char *iso, char **err);

#endif
