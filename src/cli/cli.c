/* cli.c: global options, the verb table and dispatch; verbs live in cmd_*.c. */
#include "cli.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_out.h"
#include "cmd_allhosts.h"
#include "cmd_argv.h"
#include "cmd_autostart.h"
#include "cmd_backup.h"
#include "cmd_complete.h"
#include "cmd_defs.h"
#include "cmd_delete.h"
#include "cmd_disk.h"
#include "cmd_hostinfo.h"
#include "cmd_iso.h"
#include "cmd_life.h"
#include "cmd_screen.h"
#include "cmd_sched.h"
#include "cmd_set.h"
#include "cmd_snapshot.h"
#include "cmd_status.h"
#include "cmd_term.h"
#include "cmd_unit.h"
#include "cmd_watch.h"
#include "hosts.h"
#include "util.h"
#include "vmdef.h"

static int cmd_help(struct cli *c, int argc, char **argv);
static int cmd_version(struct cli *c, int argc, char **argv);

/*
 * Every verb, in the order `vmdeck help` shows them: one row per verb, read
 * by both the help text and dispatch. The execs live in cmd_*.c.
 */
const struct cli_verb cli_verbs[] = {
	{ "help", "[VERB | config | yaml]", "show the verbs, or one verb's usage", VERB_NO_CONFIG,
	  cmd_help },
	{ "version", "", "print the version", VERB_NO_CONFIG, cmd_version },
	{ "list", "[--all-hosts] [--json]",
	  "every guest with its live state (--all-hosts: and every host's)", 0, cmd_allhosts_list },
	{ "hostinfo", "[--json]",
	  "this host's ISOs, bridges, storage, free VNC display, taken names", 0, cmd_hostinfo },
	{ "watch", "[--json]", "the full status, then one line per change, until stdin closes", 0,
	  cmd_watch },
	{ "show", "NAME [--json]", "one guest's definition and live state", 0, cmd_show },
	{ "check", "[--json]", "validate the configuration and every guest definition", 0,
	  cmd_check },
	{ "new",
	  "NAME [--memory {=memory}] [--cpus N] [--cpu M] [--machine {machine}] [--disk SIZE] "
	  "[--lv VG/LV | --file PATH] [--format {disks.format}] [--interface {disks.interface}] "
	  "[--bridge BR | --user-net] [--model M] [--cdrom ISO] "
	  "[--boot {boot}] [--vnc DISPLAY | --no-vnc] [--vnc-listen ADDR] [--vnc-password-file "
	  "FILE|-] [--rtc {rtc}] [--description TEXT] [--guest-agent] [--autostart]",
	  "write a guest definition (and create its disk)", VERB_NEW_NAME, cmd_new },
	{ "set",
	  "NAME KEY=VALUE [MORE] [--vnc-password-file FILE|-] | NAME --changes FILE|-",
	  "edit a guest's definition: keys as in its file (memory=2G cpus=2 description=TEXT), "
	  "checked by the schema, written at once; --changes: the edit form's plan as JSON",
	  0, cmd_set },
	{ "argv", "NAME [--cdrom ISO] [--boot B]", "print the QEMU command line (dry run)", 0,
	  cmd_argv },
	{ "start", "NAME [--cdrom ISO] [--boot {boot}]",
	  "start a guest (paused, set up over QMP, then run)", 0, cmd_start },
	{ "stop", "NAME [--timeout S]", "ACPI power button, then quit, then SIGKILL", 0, cmd_stop },
	{ "kill", "NAME", "force power-off now", 0, cmd_simple },
	{ "reset", "NAME", "hard reset", 0, cmd_simple },
	{ "pause", "NAME", "pause the guest's CPUs", 0, cmd_simple },
	{ "resume", "NAME", "resume a paused guest", 0, cmd_simple },
	{ "cdrom", "NAME ISO | NAME --eject",
	  "change or eject the CD (a stopped guest: in its definition)", 0, cmd_cdrom },
	{ "console", "NAME", "serial console; Ctrl-] detaches", 0, cmd_console },
	{ "monitor", "NAME", "QEMU human monitor with readline (quit is refused)", 0, cmd_monitor },
	{ "vnc", "NAME", "VNC port, listen address, password or not, how to reach it", 0, cmd_vnc },
	{ "screen", "NAME [--width COLS] [--height ROWS] [--ppm FILE]",
	  "the guest's screen drawn in the terminal (or saved as a PPM)", 0, cmd_screen },
	{ "sendkey", "NAME KEY [MORE]",
	  "press keys on the guest's keyboard (ctrl-alt-delete, alt-f4, ret, a)", 0, cmd_sendkey },
	{ "type", "NAME TEXT|-",
	  "type text on the guest's keyboard (US layout); - reads it from stdin", 0, cmd_type },
	{ "iso", "list | make NAME.iso DIR [--label LABEL] | put NAME.iso < FILE | delete NAME.iso",
	  "the ISO library in iso_dirs: list (with the guests using each), make from a folder, "
	  "upload, delete",
	  0, cmd_iso },
	{ "delete", "NAME [--yes]",
	  "delete a stopped guest's definition; its disks are kept (and named)", 0, cmd_delete },
	{ "disk",
	  "create VG/LV|/PATH SIZE [--format {disks.format}] | resize VG/LV|/PATH SIZE [--shrink] "
	  "| delete VG/LV|/PATH [--yes] | list [VG] | attach VG/LV|/PATH GUEST [--interface IF]",
	  "create, grow, delete, list (orphans marked) or attach volumes", 0, cmd_disk },
	{ "backup",
	  "NAME [--to DIR|HOST:/DIR|HOST:VG/LV] [--live] [--force] | --scheduled [--to "
	  "DIR|HOST:/DIR]",
	  "back up a guest's disks and definition into a verified archive", 0, cmd_backup },
	{ "restore",
	  "ARCHIVE|HOST:/ARCHIVE [--as NAME] [--to-lv VG/LV | --to-file PATH] [--force] "
	  "[--allow-paths] [--allow-extra-args] [--allow-network]",
	  "restore an archive, checking every SHA-256", 0, cmd_restore },
	{ "move", "NAME HOST [--vg VG] [--file-dir DIR] [--delete-source]",
	  "copy a stopped guest to another host, verified", 0, cmd_move },
	{ "clone", "NAME NEW [--linked] [--start] [--keep-vnc-password]",
	  "a new guest from a stopped one: disks copied, or qcow2 overlays on them (--linked)", 0,
	  cmd_clone },
	/* unattended backups (issue 8) */
	{ "prune", "[NAME] [--dry-run] [--to DIR|HOST:/DIR]",
	  "apply backup.keep: keep or remove each archive, and old partial ones", 0, cmd_prune },
	{ "verify", "ARCHIVE|HOST:/ARCHIVE [MORE] | --all [--to DIR|HOST:/DIR]",
	  "re-read archives and check every SHA-256, writing nothing", 0, cmd_verify },
	{ "schedule", "[--json] | --generate DIR [--unit-dir DIR]",
	  "each guest's last backup and next scheduled run (--generate: systemd's timer drop-ins)",
	  0, cmd_schedule },
	{ "complete", "guest|iso|host|tag [GUEST]",
	  "names for the shell's Tab completion, one per line (no YAML is parsed)", 0,
	  cmd_complete },
	{ "autostart", "[--dry-run]",
	  "start the guests marked autostart, group by group (vmdeck.service runs it at boot)", 0,
	  cmd_autostart },
	{ "unit", "start|stop|stopped NAME", "what vmdeck@NAME.service runs", VERB_HIDDEN,
	  cmd_unit },
	{ "snapshot",
	  "NAME create TAG [--with-ram] [--description TEXT] | NAME list [--json] | NAME revert "
	  "TAG | NAME delete TAG",
	  "save every disk (and RAM) at one instant, go back to it, or drop it", 0, cmd_snapshot },
	{ NULL, NULL, NULL, 0, NULL },
};

char *cli_usage_text(const struct cli_verb *v)
{
	struct sbuf b = { 0 };
	const char *p = v->usage, *open, *close;

	while ((open = strchr(p, '{')) != NULL && (close = strchr(open, '}')) != NULL) {
		char *key = xstrndup(open + 1, (size_t)(close - open - 1));
		const char *const *c = key[0] == '=' ? NULL : vmdef_choices(key);
		const char *def = key[0] == '=' ? vmdef_default(key + 1) : NULL;

		sbuf_addn(&b, p, (size_t)(open - p));
		for (size_t i = 0; c && c[i]; i++)
			sbuf_printf(&b, "%s%s", i ? "|" : "", c[i]);
		sbuf_add(&b, def ? def : c ? "" : "VALUE");
		free(key);
		p = close + 1;
	}
	sbuf_add(&b, p);
	return sbuf_take(&b);
}

const struct cli_verb *cli_verb_find(const char *name)
{
	for (const struct cli_verb *v = cli_verbs; v->name; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

/*
 * Prints text from column col (the caller has printed what comes before),
 * broken at spaces so that no row passes 79 columns; a new row starts at
 * column indent. Usages and help texts are never cut.
 */
static void print_wrapped(const char *text, int col, int indent)
{
	bool fresh = true;  /* no word on this row yet */

	while (*text) {
		int word = (int)strcspn(text, " ");

		if (!fresh && col + 1 + word > 79) {
			printf("\n%*s", indent, "");
			col = indent;
			fresh = true;
		}
		if (!fresh) {
			putchar(' ');
			col++;
		}
		printf("%.*s", word, text);
		col += word;
		fresh = false;
		text += word;
		text += strspn(text, " ");
	}
	putchar('\n');
}

/* "usage: vmdeck VERB USAGE" wrapped, then what it does. */
static void print_verb_usage(const struct cli_verb *v)
{
	char *usage = cli_usage_text(v), *line = xasprintf("usage: vmdeck %s %s", v->name, usage);

	print_wrapped(line, 0, 8);
	printf("  ");
	print_wrapped(v->help, 2, 2);
	free(line);
	free(usage);
}

static int cmd_help(struct cli *c, int argc, char **argv)
{
	const struct cli_verb *v;

	if (argc > 1) {
		/* the file references come from the schema tables in config.c and vmdef_schema.c */
		if (strcmp(argv[1], "config") == 0) {
			config_print_reference();
			return EXIT_DONE;
		}
		if (strcmp(argv[1], "yaml") == 0) {
			vmdef_print_reference();
			return EXIT_DONE;
		}
		if ((v = cli_verb_find(argv[1])) == NULL)
			return cli_error(EXIT_USAGE,
					 "unknown verb '%s' (or: help config, help yaml)", argv[1]);
		print_verb_usage(v);
		return EXIT_DONE;
	}
	printf("usage: vmdeck [-c FILE] [--host NAME] [VERB [ARGS]] [--json]\n\n"
	       "With no verb, vmdeck opens the full-screen console.\n"
	       "`vmdeck help config` and `vmdeck help yaml` describe every key of the two\n"
	       "file kinds. Every verb takes --help.\n\n");
	for (v = cli_verbs; v->name; v++) {
		if (v->flags & VERB_HIDDEN)
			continue;
		char *usage = cli_usage_text(v), *left = xasprintf("%s %s", v->name, usage);

		/*
		 * a usage that fits beside its text stays on one row; a longer one wraps above it
		 */
		if (strlen(left) <= 36) {
			printf("  %-36s ", left);
		} else {
			printf("  ");
			print_wrapped(left, 2, 6);
			printf("%39s", "");
		}
		print_wrapped(v->help, 39, 39);
		free(left);
		free(usage);
	}
	return EXIT_DONE;
}

/* VERB --help (or -h) anywhere before "--": that verb's usage, whatever else was typed. */
static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

static int cmd_version(struct cli *c, int argc, char **argv)
{
	printf("vmdeck %s\n", VMDECK_VERSION);
	return EXIT_DONE;
}

/* Global options may stand anywhere; they are taken out before the verb sees argv. */
static int take_global_options(struct cli *c, int *argc, char **argv)
{
	int out = 0;

	for (int i = 0; i < *argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(a, "--json") == 0) {
			c->json = true;
		} else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0 ||
			   strcmp(a, "--host") == 0) {
			if (i + 1 >= *argc)
				return cli_error(EXIT_USAGE, "%s needs a value", a);
			if (a[1] == 'c' || a[2] == 'c')
				c->config_path = argv[++i];
			else
				c->host = argv[++i];
		} else if (strncmp(a, "--config=", 9) == 0) {
			c->config_path = a + 9;
		} else if (strncmp(a, "--host=", 7) == 0) {
			c->host = a + 7;
		} else {
			argv[out++] = argv[i];
		}
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

static int load_config(struct cli *c)
{
	char *err = NULL;

	c->config_path = config_locate(c->config_path);
	if (config_load(c->config_path, &c->cfg, &err) < 0) {
		cli_error(EXIT_USAGE, "%s", err);
		free(err);
		return EXIT_USAGE;
	}
	c->config_loaded = true;
	return 0;
}

/* After the verb's name: its help, its configuration, the verb itself. */
static int run_verb(struct cli *c, const struct cli_verb *v, int argc, char **argv)
{
	int rc;

	if (wants_help(argc, argv)) {
		print_verb_usage(v);
		return EXIT_DONE;
	}
	if (!(v->flags & VERB_NO_CONFIG) && (rc = load_config(c)) != 0)
		return cli_json_failure(c, rc);
	rc = cli_json_failure(c, v->exec(c, argc, argv));
	if (c->config_loaded)
		config_free(&c->cfg);
	return rc;
}

int cli_main(int argc, char **argv, cli_console_fn console)
{
	struct cli c = { 0 };
	const struct cli_verb *v;
	char *usage;
	int rc;

	argc--, argv++;
	if ((rc = take_global_options(&c, &argc, argv)) != 0)
		return rc;
	if (c.host) {  /* the whole verb runs on that host, with its vmdeck and its configuration */
		if ((rc = load_config(&c)) != 0)
			return rc;
		if (c.json)
			/* take_global_options left room: it only removes */
			argv[argc++] = (char *)"--json";
		char *err = NULL;

		rc = host_exec_verb(&c.cfg, c.host, argc, argv, &err);
		cli_error(rc, "%s", err);
		free(err);
		config_free(&c.cfg);
		return rc;
	}
	if (argc == 0) {
		c.verb = "";
		if ((rc = load_config(&c)) != 0)
			return rc;
		rc = console(&c, argc, argv);
		config_free(&c.cfg);
		return rc;
	}
	if (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0)
		argv[0] = (char *)"help";
	if (strcmp(argv[0], "--version") == 0)
		argv[0] = (char *)"version";
	if ((v = cli_verb_find(argv[0])) == NULL) {
		cli_error(EXIT_USAGE, "unknown verb '%s' (try: vmdeck help)", argv[0]);
		return EXIT_USAGE;
	}
	c.verb = v->name;
	/* the usage with the schema's words filled in, for cli_usage */
	c.usage = usage = cli_usage_text(v);
	rc = run_verb(&c, v, argc, argv);
	free(usage);
	return rc;
}
