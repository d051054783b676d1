/* cmd_life.c: the lifecycle verbs: start, stop, kill, reset, pause, resume, cdrom, vnc. */
#include "cli_out.h"
#include "cmd_life.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor.h"
#include "cdrom.h"
#include "cmd_opts.h"
#include "hostinfo.h"
#include "systemd.h"
#include "util.h"
#include "verb.h"
#include "vm.h"
#include "vmdef.h"
#include "vmstate.h"
#include "vnc.h"

/* "vmdeck: NAME: cannot VERB: why", then frees why; returns EXIT_FAILED. */
static int fail_action(const char *name, const char *what, char *why)
{
	cli_error(EXIT_FAILED, "%s: cannot %s: %s", name, what, why ? why : "unknown error");
	free(why);
	return EXIT_FAILED;
}

/*
 * Options (from specs) out, then exactly one positional: the guest's name. NULL after printing why.
 */
static const char *one_name(struct cli *c, const struct opt_spec *specs, int argc, char **argv)
{
	if (cmd_opts_parse(specs, &argc, argv) < 0)
		return NULL;
	if (argc != 2 || argv[1][0] == '-') {
		cli_usage(c);
		return NULL;
	}
	return argv[1];
}

/* ---- start ---- */

static void start_report(const struct cli *c, const struct vmdef *def, pid_t pid, const char *warn)
{
	if (c->json)
		cli_json_print(json_pack("{s:s, s:s, s:i, s:s?}", "name", def->name, "state",
					 "running", "pid", (int)pid, "warning", warn));
	else if (def->vnc)
		printf("%s: started (pid %d, VNC on %s:%d)\n", def->name, (int)pid, vnc_listen(def),
		       5900 + def->vnc_display);
	else
		printf("%s: started (pid %d)\n", def->name, (int)pid);
}

int cmd_start(struct cli *c, int argc, char **argv)
{
	struct vm_start_opts o = { 0 };
	const struct opt_spec specs[] = {
		{ "cdrom", OPT_VALUE, &o.cdrom }, { "boot", OPT_VALUE, &o.boot }, { NULL, 0, NULL },
	};
	const char *name = one_name(c, specs, argc, argv);
	struct vmdef def;
	char *warn = NULL, *err = NULL;
	int rc;

	if (!name)
		return EXIT_USAGE;
	if (o.boot && choice_index(vmdef_choices("boot"), o.boot) < 0)
		return cli_error(EXIT_USAGE, "%s: --boot takes cdrom or disk", name);
	if (o.cdrom && !o.cdrom[0])
		return cli_error(EXIT_USAGE, "%s: --cdrom needs an ISO", name);
	if ((rc = cli_load_def(c, name, &def)) != 0)
		return rc;
	/* a card without a MAC gets one written into its file, so it keeps it at every start */
	if (vmdef_fill_macs(&def, &err) < 0) {
		vmdef_free(&def);
		return fail_action(name, "start", err);
	}
	/*
	 * where systemd runs the host, QEMU lives in the guest's unit, not in this login's process
	 * tree
	 */
	if (systemd_units_in_use(NULL))
		rc = systemd_start_guest(&c->cfg, name, &o, actor_describe(), &warn, &err);
	else
		rc = vm_start(&c->cfg, &def, &o, &warn, &err);
	if (warn)
		cli_error(0, "%s: warning: %s", name, warn);
	if (rc == 0)
		start_report(c, &def, vmstate_pid(&c->cfg, name), warn);
	free(warn);
	vmdef_free(&def);
	return rc == 0 ? EXIT_DONE : fail_action(name, "start", err);
}

/* ---- stop ---- */

static const char *const stop_step_keys[] = {
	[STOP_WAS_STOPPED] = "was-stopped",
	[STOP_ACPI] = "acpi",
	[STOP_QUIT] = "quit",
	[STOP_KILL] = "kill",
};

/* A countdown on a terminal, so a long ACPI wait does not look like a hang. */
static void stop_progress(void *arg, int left)
{
	fprintf(stderr, "\r%s: waiting for ACPI power-off, %d s left ", (const char *)arg, left);
}

static void stop_report(const struct cli *c, const char *name, enum vm_stop_step how, int timeout,
			double secs)
{
	if (c->json) {
		cli_json_print(json_pack("{s:s, s:s, s:o}", "name", name, "stopped_by",
					 stop_step_keys[how], "seconds", cli_json_tenths(secs)));
	} else if (how == STOP_ACPI) {
		printf("%s: %s after %.*f s\n", name, vm_stop_step_text(how), secs < 10 ? 1 : 0,
		       secs);
	} else if (how == STOP_QUIT) {
		printf("%s: did not power off in %d s; quit QEMU\n", name, timeout);
	} else if (how == STOP_KILL) {
		printf("%s: did not power off in %d s, nor quit; %s\n", name, timeout,
		       vm_stop_step_text(how));
	} else {
		printf("%s: %s\n", name, vm_stop_step_text(how));
	}
}

/* --timeout S: whole seconds, at most a day; -1 when malformed. */
static int parse_timeout(const char *tv)
{
	char *end;
	long t = strtol(tv, &end, 10);

	return *tv == '\0' || *end != '\0' || t < 0 || t > 86400 ? -1 : (int)t;
}

int cmd_stop(struct cli *c, int argc, char **argv)
{
	const char *tv = NULL;
	const struct opt_spec specs[] = { { "timeout", OPT_VALUE, &tv }, { NULL, 0, NULL } };
	const char *name = one_name(c, specs, argc, argv);
	int timeout = -1, rc;
	bool tty = isatty(2) && !c->json;
	enum vm_stop_step how = STOP_WAS_STOPPED;
	struct vmdef def;
	char *err = NULL;

	if (!name)
		return EXIT_USAGE;
	if (tv && (timeout = parse_timeout(tv)) < 0)
		return cli_error(EXIT_USAGE, "%s: --timeout takes seconds (0-86400), not '%s'",
				 name, tv);
	if ((rc = cli_load_def(c, name, &def)) != 0)
		return rc;
	if (timeout < 0)
		timeout = vm_shutdown_timeout(&c->cfg, &def);
	double t0 = now_mono();

	rc = vm_stop(&c->cfg, &def, timeout, &how, tty ? stop_progress : NULL, (void *)name, &err);
	if (tty && how != STOP_WAS_STOPPED)
		fputs("\r\033[K", stderr);
	vmdef_free(&def);
	if (rc < 0)
		return fail_action(name, "stop", err);
	stop_report(c, name, how, timeout, now_mono() - t0);
	return EXIT_DONE;
}

/* ---- kill, reset, pause, resume: one guest, one action ---- */

struct simple_action {
	const char *verb;
	int (*fn)(const struct config *, const struct vmdef *, char **);
	const char *done;   /* what the guest now is */
	bool needs_running; /* a stopped guest is an error, not a no-op */
};

static const struct simple_action simple_actions[] = {
	{ "kill", vm_kill, "killed", false },
	{ "reset", vm_reset, "reset", true },
	{ "pause", vm_pause, "paused", true },
	{ "resume", vm_resume, "running", true },
};

int cmd_simple(struct cli *c, int argc, char **argv)
{
	const struct simple_action *a = NULL;
	struct vmdef def;
	char *err = NULL;
	int rc;

	for (size_t i = 0; i < ARRAY_LEN(simple_actions); i++)
		if (strcmp(simple_actions[i].verb, argv[0]) == 0)
			a = &simple_actions[i];
	if (!a || argc != 2 || argv[1][0] == '-')
		return cli_usage(c);
	if ((rc = cli_load_def(c, argv[1], &def)) != 0)
		return rc;
	bool was_running = vmstate_pid(&c->cfg, def.name) > 0;

	rc = a->fn(&c->cfg, &def, &err);
	vmdef_free(&def);
	if (rc < 0)
		return fail_action(argv[1], a->verb, err);
	/* kill: it ended a QEMU, maybe one a start under way made */
	was_running = was_running || rc > 0;
	const char *done = was_running || a->needs_running ? a->done : "was not running";

	if (c->json)
		cli_json_print(json_pack("{s:s, s:s, s:b}", "name", argv[1], "action", a->verb,
					 "was_running", was_running));
	else
		printf("%s: %s\n", argv[1], done);
	return EXIT_DONE;
}

/* ---- cdrom ---- */

int cmd_cdrom(struct cli *c, int argc, char **argv)
{
	struct vmdef def;
	char *err = NULL;
	bool eject, live = false;
	int rc;

	if (argc != 3 || argv[1][0] == '-')
		return cli_usage(c);
	eject = strcmp(argv[2], "--eject") == 0;
	if (!eject && argv[2][0] == '-')
		return cli_usage(c);
	if ((rc = cli_load_def(c, argv[1], &def)) != 0)
		return rc;
	rc = cdrom_set(&c->cfg, &def, eject ? NULL : argv[2], &live, &err);
	vmdef_free(&def);
	if (rc < 0)
		return fail_action(argv[1], eject ? "eject the CD" : "change the CD", err);
	if (c->json)
		cli_json_print(json_pack("{s:s, s:s?, s:s}", "name", argv[1], "cdrom",
					 eject ? NULL : argv[2], "applies",
					 live ? "now" : "next start"));
	else if (live && eject)
		printf("%s: CD ejected\n", argv[1]);
	else if (live)
		printf("%s: CD is now %s\n", argv[1], argv[2]);
	else if (eject)
		printf("%s: CD removed from the definition (applies at next start)\n", argv[1]);
	else
		printf("%s: CD set to %s in the definition (applies at next start)\n", argv[1],
		       argv[2]);
	return EXIT_DONE;
}

/* ---- vnc ---- */

int cmd_vnc(struct cli *c, int argc, char **argv)
{
	struct vmdef def;
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return cli_usage(c);
	if ((rc = cli_load_def(c, argv[1], &def)) != 0)
		return rc;
	if (c->json) {
		json_t *v =
			def.vnc ? json_pack("{s:i, s:i, s:s, s:b}", "display", def.vnc_display,
					    "port", 5900 + def.vnc_display, "listen",
					    vnc_listen(&def), "password", def.vnc_password != NULL)
				: json_null();

		cli_json_print(json_pack("{s:s, s:o}", "name", def.name, "vnc", v));
	} else if (!def.vnc) {
		printf("%s: no VNC display (add a vnc: section to %s)\n", def.name, def.path);
	} else {
		char host[256];
		char *how;

		hostinfo_name(host, sizeof host);
		how = vnc_howto(&def, host, vmstate_pid(&c->cfg, def.name) > 0);
		printf("display   %d\nport      %d\nlisten    %s\npassword  %s\n\n%s\n",
		       def.vnc_display, 5900 + def.vnc_display, vnc_listen(&def),
		       def.vnc_password ? "set"
					: "none (anyone who reaches the port gets the screen)",
		       how);
		free(how);
	}
	vmdef_free(&def);
	return EXIT_DONE;
}
