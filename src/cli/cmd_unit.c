/*
 * cmd_unit.c: `vmdeck unit start|stop|stopped NAME`, what vmdeck@NAME.service runs (not for admins:
 * hidden from help).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor.h"
#include "cmd_unit.h"
#include "cli_out.h"
#include "verb.h"
#include "events.h"
#include "notify.h"
#include "systemd.h"
#include "util.h"
#include "vm.h"
#include "vmstate.h"
#include "vmdef.h"

/*
 * ExecStop's ladder after the ACPI wait: QMP quit and its wait, SIGKILL and its wait, with room to
 * spare.
 */
#define LADDER_REST_S 30

/*
 * An alert (the configured notify program; the journal either way); a notify that fails is one more
 * line.
 */
static void unit_alert(struct cli *c, const char *subject, const char *body)
{
	char *err = NULL;

	if (notify_send(&c->cfg, true, subject, body, &err) < 0) {
		cli_error(EXIT_FAILED, "%s", err);
		free(err);
	}
}

/* An empty environment value counts as unset: the unit's file writes only what was given. */
static const char *env_opt(const char *key)
{
	const char *v = getenv(key);

	return v && v[0] ? v : NULL;
}

/*
 * ExecStart: the direct start, inside the unit's cgroup. QEMU daemonizes;
 * its pid becomes the unit's main pid (Type=notify, MAINPID=), so a QEMU
 * that dies makes the unit stop, or fail when it did not exit cleanly.
 */
static int unit_start(struct cli *c, struct vmdef *def)
{
	struct vm_start_opts o = { .cdrom = env_opt("VMDECK_START_CDROM"),
				   .boot = env_opt("VMDECK_START_BOOT") };
	char *warn = NULL, *err = NULL, *state;
	int rc;

	/* the start is the caller's: its events name who ran `vmdeck start`, not systemd */
	if (env_opt("VMDECK_START_ACTOR"))
		setenv("VMDECK_ACTOR", env_opt("VMDECK_START_ACTOR"), 1);
	actor_reset();
	rc = vmdef_fill_macs(def, &err);

	if (rc == 0)
		rc = vm_start(&c->cfg, def, &o, &warn, &err);
	systemd_start_result_write(&c->cfg, def->name, rc, warn, err);
	if (rc < 0) {
		cli_error(EXIT_FAILED, "%s: cannot start: %s", def->name,
			  err ? err : "unknown error");
		free(warn);
		free(err);
		return EXIT_FAILED;
	}
	if (warn)
		fprintf(stderr, "vmdeck: %s: warning: %s\n", def->name, warn);
	state = xasprintf("MAINPID=%d\nREADY=1\nSTATUS=running",
			  (int)vmstate_pid(&c->cfg, def->name));
	systemd_notify(state);
	free(state);
	free(warn);
	return EXIT_DONE;
}

/*
 * ExecStop: the stop ladder (ACPI, shutdown_timeout, quit, kill). The unit's
 * TimeoutStopSec is only a floor: the ladder first extends it to what this
 * guest's timeout needs (EXTEND_TIMEOUT_USEC), so systemd never cuts a
 * guest's ACPI wait short, and a hung vmdeck is still ended in the end.
 */
static int unit_stop(struct cli *c, struct vmdef *def)
{
	int timeout = vm_shutdown_timeout(&c->cfg, def);
	bool host = systemd_host_stopping();
	enum vm_stop_step how;
	char *ext = xasprintf("EXTEND_TIMEOUT_USEC=%llu\nSTATUS=stopping",
			      (unsigned long long)(timeout + LADDER_REST_S) * 1000000ULL);
	char *err = NULL;
	int rc;

	systemd_notify(ext);
	free(ext);
	setenv("VMDECK_ACTOR", host ? "host shutdown" : "systemctl stop", 1);
	actor_reset();
	rc = vm_stop_at(&c->cfg, def, timeout, host ? "host shutdown" : "systemctl stop", &how,
			NULL, NULL, &err);
	if (rc < 0) {
		char *subject = xasprintf("%s: stop %s failed", def->name,
					  host ? "at host shutdown" : "by systemctl");

		cli_error(EXIT_FAILED, "%s: cannot stop: %s", def->name,
			  err ? err : "unknown error");
		unit_alert(c, subject, err ? err : "unknown error");
		free(subject);
		free(err);
		return EXIT_FAILED;
	}
	printf("%s: %s%s\n", def->name, vm_stop_step_text(how), host ? " at host shutdown" : "");
	return EXIT_DONE;
}

/*
 * ExecStopPost: after the unit stopped for any reason. A start that failed
 * was reported already; a QEMU that vmdeck killed is no crash; any other
 * failure of the unit is QEMU dying on its own: an event, the journal, and
 * the alert. Stale runtime files go once QEMU is gone.
 */
static int unit_stopped(struct cli *c, struct vmdef *def)
{
	const char *result = getenv("SERVICE_RESULT"), *code = getenv("EXIT_CODE"),
		   *status = getenv("EXIT_STATUS");
	bool killed = vm_killed_by_vmdeck(&c->cfg, def->name);

	if (vmstate_pid_find(&c->cfg, def->name) > 0)
		/* a start refused because another QEMU of this guest runs: leave it be */
		return EXIT_DONE;
	if (result && strcmp(result, "success") != 0 && !killed &&
	    !systemd_start_failed(&c->cfg, def->name)) {
		char *subject = xasprintf("%s: QEMU ended on its own", def->name);
		char *body = xasprintf(
			"guest %s: QEMU ended on its own (%s %s); unit vmdeck@%s.service: %s\n"
			"see journalctl -u vmdeck@%s and %s/%s/qemu-run.log\n",
			def->name, code ? code : "?", status ? status : "?", def->name, result,
			def->name, c->cfg.state_dir, def->name);

		events_log(&c->cfg, def->name, EV_SEEN_CRASHED,
			   "QEMU ended on its own: %s %s (unit %s)", code ? code : "?",
			   status ? status : "?", result);
		unit_alert(c, subject, body);
		free(subject);
		free(body);
	}
	return EXIT_DONE;
}

static const struct {
	const char *what;
	int (*fn)(struct cli *c, struct vmdef *def);
} unit_steps[] = {
	{ "start", unit_start },
	{ "stop", unit_stop },
	{ "stopped", unit_stopped },
};

int cmd_unit(struct cli *c, int argc, char **argv)
{
	struct vmdef def;
	int rc;

	if (argc != 3)
		return cli_usage(c);
	for (size_t i = 0; i < ARRAY_LEN(unit_steps); i++) {
		if (strcmp(argv[1], unit_steps[i].what) != 0)
			continue;
		if ((rc = cli_load_def(c, argv[2], &def)) != 0)
			return rc;
		rc = unit_steps[i].fn(c, &def);
		vmdef_free(&def);
		return rc;
	}
	return cli_usage(c);
}
