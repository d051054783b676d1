/*
 * systemd.h: guests as systemd units: whether systemd runs the host, starting through
 * vmdeck@NAME.service, sd_notify.
 */
#ifndef VMDECK_SYSTEMD_H
#define VMDECK_SYSTEMD_H

#include <stdbool.h>

#include "config.h"
#include "vm.h"

#define SYSTEMD_GUEST_UNIT "vmdeck@%s.service"
/*
 * What `vmdeck start` hands the unit: the unit's EnvironmentFile, one per
 * guest, read at each start (no daemon-reload). Holds VMDECK_CONFIG, the
 * start's options and who asked for it (VMDECK_START_*).
 */
#define SYSTEMD_ENV_DIR "/run/vmdeck-units"
/*
 * In the guest's folder: the unit's start writes how it went ("ok", "warning\tTEXT", "error\tTEXT"
 * lines).
 */
#define SYSTEMD_START_RESULT "unit-start.result"

/*
 * Whether starts go through vmdeck@NAME.service: systemd is PID 1 (as
 * sd_booted: /run/systemd/system exists; and /proc/1/comm is systemd), we
 * are root, and the template unit is installed. Else the direct daemonized
 * start. *why (may be NULL) gets a sentence saying which and why; allocated.
 */
bool systemd_units_in_use(char **why);
/* systemd runs this host as PID 1. */
bool systemd_booted(void);
/* Whether the host is shutting down or rebooting (systemctl is-system-running says "stopping"). */
bool systemd_host_stopping(void);

/*
 * Sends STATE ("READY=1\nMAINPID=42") to $NOTIFY_SOCKET. 0 when sent, 1
 * when there is no socket (not run by systemd), -1 on error.
 */
int systemd_notify(const char *state);

/*
 * Starts guest NAME through its unit: writes the environment file (the
 * configuration's absolute path, opts, actor), runs `systemctl start` and
 * returns the unit's own outcome: its error line in *err (what vm_start said
 * inside the unit, not "see journalctl"), its warning in *warn.
 */
int systemd_start_guest(const struct config *cfg, const char *name,
			const struct vm_start_opts *opts, const char *actor, char **warn,
			char **err);
/*
 * Several guests at once (one systemctl start for all, so they start together); errs[i]/warns[i]
 * per guest.
 */
int systemd_start_guests(const struct config *cfg, const char *const *names, size_t n,
			 const char *actor, char **warns, char **errs);

/*
 * Inside the unit: the start's outcome for systemd_start_guest to read (rc 0 or -1, warn and err
 * may be NULL).
 */
void systemd_start_result_write(const struct config *cfg, const char *name, int rc,
				const char *warn, const char *err);
/*
 * Whether the unit's last start failed (its result file says error): a stop after that is no crash.
 */
bool systemd_start_failed(const struct config *cfg, const char *name);

#endif
