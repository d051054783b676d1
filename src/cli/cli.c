/* cli.c: global options, the verb table and dispatch; verbs live in cmd_*.c. */
#include "cli.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_argv.h"
#include "cmd_backup.h"
#include "cmd_complete.h"
#include "cmd_defs.h"
#include "cmd_disk.h"
#include "cmd_iso.h"
#include "cmd_life.h"
#include "cmd_screen.h"
#include "cmd_status.h"
#include "cmd_term.h"
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
	{ "help", "[VERB | config | yaml]", "show the verbs, or one verb's usage", VERB_NO_CONFIG, cmd_help },
	{ "version", "", "print the version", VERB_NO_CONFIG, cmd_version },
	{ "list", "[--json]", "every guest with its live state", 0, cmd_list },
	{ "show", "NAME [--json]", "one guest's definition and live state", 0, cmd_show },
	{ "check", "[--json]", "validate the configuration and every guest definition", 0, cmd_check },
	{ "new", "NAME [--memory 1G] [--cpus N] [--cpu M] [--machine pc|q35] [--disk SIZE] [--lv VG/LV | --file PATH] "
	  "[--format raw|qcow2] [--interface ide|virtio|scsi|sata] [--bridge BR | --user-net] [--model M] [--cdrom ISO] "
	  "[--boot cdrom|disk] [--vnc DISPLAY | --no-vnc] [--vnc-listen ADDR] [--vnc-password-file FILE] "
	  "[--rtc localtime|utc] [--description TEXT] [--guest-agent] [--autostart]",
	  "write a guest definition (and create its disk)", VERB_NEW_NAME, cmd_new },
	{ "argv", "NAME [--cdrom ISO] [--boot B]", "print the QEMU command line (dry run)", 0, cmd_argv },
	{ "start", "NAME [--cdrom ISO] [--boot cdrom|disk]", "start a guest (paused, set up over QMP, then run)", 0, cmd_start },
	{ "stop", "NAME [--timeout S]", "ACPI power button, then quit, then SIGKILL", 0, cmd_stop },
	{ "kill", "NAME", "force power-off now", 0, cmd_simple },
	{ "reset", "NAME", "hard reset", 0, cmd_simple },
	{ "pause", "NAME", "pause the guest's CPUs", 0, cmd_simple },
	{ "resume", "NAME", "resume a paused guest", 0, cmd_simple },
	{ "cdrom", "NAME ISO | NAME --eject", "change or eject the CD (a stopped guest: in its definition)", 0, cmd_cdrom },
	{ "console", "NAME", "serial console; Ctrl-] detaches", 0, cmd_console },
	{ "monitor", "NAME", "QEMU human monitor with readline (quit is refused)", 0, cmd_monitor },
	{ "vnc", "NAME", "VNC port, listen address, password or not, how to reach it", 0, cmd_vnc },
	{ "screen", "NAME [--width COLS] [--height ROWS] [--ppm FILE]",
	  "the guest's screen drawn in the terminal (or saved as a PPM)", 0, cmd_screen },
	{ "sendkey", "NAME KEY...", "press keys on the guest's keyboard (ctrl-alt-delete, alt-f4, ret, a)", 0, cmd_sendkey },
	{ "type", "NAME TEXT", "type text on the guest's keyboard (US layout)", 0, cmd_type },
	{ "iso", "list | make NAME.iso DIR [--label LABEL] | put NAME.iso < FILE | delete NAME.iso",
	  "the ISO library in iso_dirs: list (with the guests using each), make from a folder, upload, delete", 0,
	  cmd_iso },
	{ "disk", "create VG/LV|/PATH SIZE [--format raw|qcow2] | resize VG/LV|/PATH SIZE [--shrink] | delete VG/LV|/PATH [--yes] | list [VG] | attach VG/LV|/PATH GUEST [--interface IF]",
	  "create, grow, delete, list (orphans marked) or attach volumes", 0, cmd_disk },
	{ "backup", "NAME [--to DIR|HOST:/DIR|HOST:VG/LV] [--live] [--force]",
	  "back up a guest's disks and definition into a verified archive", 0, cmd_backup },
	{ "restore", "ARCHIVE|HOST:/ARCHIVE [--as NAME] [--to-lv VG/LV | --to-file PATH] [--force] [--allow-paths]"
		     " [--allow-extra-args]",
	  "restore an archive, checking every SHA-256", 0, cmd_restore },
	{ "move", "NAME HOST [--vg VG] [--file-dir DIR] [--delete-source]",
	  "copy a stopped guest to another host, verified", 0, cmd_move },
	{ "complete", "guest|iso|host|tag [GUEST]",
	  "names for the shell's Tab completion, one per line (no YAML is parsed)", 0, cmd_complete },
	{ NULL, NULL, NULL, 0, NULL },
};

const struct cli_verb *cli_verb_find(const char *name)
{
	for (const struct cli_verb *v = cli_verbs; v->name; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

/*
 * With --json a script reads stdout: a verb that fails before printing its
 * object still prints one, {"error": LAST ERROR LINE, "exit": CODE}.
 */
static bool json_printed;
static char *last_error;

json_t *cli_json_tenths(double v)
{
	return json_real(round(v * 10) / 10);
}

/* The verb's JSON on stdout (compact, or indented for a person), taking o. */
static void json_out(json_t *o, size_t flags)
{
	char *s = json_dumps(o, flags | JSON_PRESERVE_ORDER | CLI_JSON_REALS);

	json_printed = true;
	puts(s ? s : "null");
	free(s);
	json_decref(o);
}

void cli_json_print(json_t *o)
{
	json_out(o, JSON_COMPACT);
}

void cli_json_print_indented(json_t *o)
{
	json_out(o, JSON_INDENT(2));
}

int cli_error(int code, const char *fmt, ...)
{
	va_list ap;
	char *s;

	fflush(stdout);
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	/* a message may quote a definition's value or a remote host's words: no raw ESC reaches the terminal */
	free(last_error);
	last_error = text_escape(s, true);
	fprintf(stderr, "vmdeck: %s\n", last_error);
	free(s);
	return code;
}

/* A JSON string of s; bytes that are not UTF-8 (a file name, a remote host's words) become '?'. */
static json_t *json_text(const char *s)
{
	json_t *j = json_string(s);

	if (j == NULL) {
		char *copy = xstrdup(s);

		for (char *p = copy; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		j = json_string(copy);
		free(copy);
	}
	return j;
}

/* The error object of a --json verb that failed without printing anything. */
static int json_failure(const struct cli *c, int rc)
{
	if (c->json && rc != EXIT_DONE && !json_printed)
		cli_json_print(json_pack("{s:o, s:i}", "error", json_text(last_error ? last_error : "failed"), "exit", rc));
	free(last_error);
	last_error = NULL;
	return rc;
}

int cli_usage(const struct cli *c)
{
	const struct cli_verb *v = c->verb ? cli_verb_find(c->verb) : NULL;

	if (v)
		fprintf(stderr, "usage: vmdeck %s %s\n", v->name, v->usage);
	else
		fprintf(stderr, "usage: vmdeck [-c FILE] [--host NAME] VERB [ARGS] [--json]\n");
	return EXIT_USAGE;
}

int cli_load_def(struct cli *c, const char *name, struct vmdef *def)
{
	char *err = NULL;

	if (vmdef_load_by_name(&c->cfg, name, def, &err) < 0) {
		cli_error(EXIT_USAGE, "%s", err);
		free(err);
		vmdef_free(def);  /* a failed load still fills def; callers only free on success */
		return EXIT_USAGE;
	}
	return 0;
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
	char *line = xasprintf("usage: vmdeck %s %s", v->name, v->usage);

	print_wrapped(line, 0, 8);
	printf("  ");
	print_wrapped(v->help, 2, 2);
	free(line);
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
			return cli_error(EXIT_USAGE, "unknown verb '%s' (or: help config, help yaml)", argv[1]);
		print_verb_usage(v);
		return EXIT_DONE;
	}
	printf("usage: vmdeck [-c FILE] [--host NAME] [VERB [ARGS]] [--json]\n\n"
	       "With no verb, vmdeck opens the full-screen console.\n"
	       "`vmdeck help config` and `vmdeck help yaml` describe every key of the two\n"
	       "file kinds. Every verb takes --help.\n\n");
	for (v = cli_verbs; v->name; v++) {
		char *left = xasprintf("%s %s", v->name, v->usage);

		/* a usage that fits beside its text stays on one row; a longer one wraps above it */
		if (strlen(left) <= 36) {
			printf("  %-36s ", left);
		} else {
			printf("  ");
			print_wrapped(left, 2, 6);
			printf("%39s", "");
		}
		print_wrapped(v->help, 39, 39);
		free(left);
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
		} else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0 || strcmp(a, "--host") == 0) {
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

int cli_main(int argc, char **argv, cli_console_fn console)
{
	struct cli c = { 0 };
	const struct cli_verb *v;
	int rc;

	argc--, argv++;
	if ((rc = take_global_options(&c, &argc, argv)) != 0)
		return rc;
	if (c.host) {  /* the whole verb runs on that host, with its vmdeck and its configuration */
		if ((rc = load_config(&c)) != 0)
			return rc;
		if (c.json)
			argv[argc++] = (char *)"--json";  /* take_global_options left room: it only removes */
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
	if (wants_help(argc, argv)) {
		print_verb_usage(v);
		return EXIT_DONE;
	}
	if (!(v->flags & VERB_NO_CONFIG) && (rc = load_config(&c)) != 0)
		return json_failure(&c, rc);
	rc = json_failure(&c, v->exec(&c, argc, argv));
	if (c.config_loaded)
		config_free(&c.cfg);
	return rc;
}
