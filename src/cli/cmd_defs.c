/*
 * cmd_defs.c: the definition verbs: `vmdeck check` validates everything, `vmdeck new` creates a
 * guest.
 */
#include "cli_out.h"
#include "cmd_defs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>

#include "template.h"
#include "cmd_opts.h"
#include "guest.h"
#include "schedule.h"
#include "storage.h"
#include "events.h"
#include "systemd.h"
#include "util.h"
#include "verb.h"
#include "vmdef.h"
#include "vnc.h"

/* ---- check ---- */

struct findings {
	struct strv errors, warnings;
	struct strv templates;  /* "NAME: linked clones a, b" */
	json_t *linked;         /* {"NAME": ["a", "b"]} */
};

/*
 * A guest whose disks back other guests' qcow2 overlays: named with them; a template without the
 * flag warned of.
 */
static void check_template(struct findings *f, const struct config *cfg, const struct vmdef *defs,
			   size_t n, const struct vmdef *d)
{
	struct strv names = { 0 };
	struct sbuf b = { 0 };
	json_t *a;
	char *text;

	if (template_linked_find(cfg, defs, n, d, &names, NULL) < 0 ||
	    (names.n == 0 && !d->template)) {
		strv_free(&names);
		return;
	}
	a = json_array();
	for (size_t i = 0; i < names.n; i++) {
		sbuf_printf(&b, "%s%s", i ? ", " : "", names.v[i]);
		json_array_append_new(a, json_string(names.v[i]));
	}
	json_object_set_new(f->linked, d->name, a);
	text = sbuf_take(&b);
	strv_addf(&f->templates, "template %s: %s%s", d->name,
		  names.n ? "linked clones " : "no linked clones", text);
	if (names.n && !d->template)
		strv_addf(&f->warnings,
			  "%s: linked clones %s use its disks, but it lacks template: true "
			  "(it does not start while they exist)",
			  d->path, text);
	free(text);
	strv_free(&names);
}

static bool disk_same(const struct vm_disk *a, const struct vm_disk *b)
{
	if (a->lv && b->lv)
		return strcmp(a->lv, b->lv) == 0;
	return a->file && b->file && strcmp(a->file, b->file) == 0;
}

static void check_pair(struct findings *f, const struct vmdef *a, const struct vmdef *b)
{
	if (guest_vnc_clash(a, b))
		strv_addf(&f->errors, "%s: vnc.display %d is also used by %s (port %d)", b->path,
			  b->vnc_display, a->name, 5900 + b->vnc_display);
	for (size_t i = 0; i < a->n_nics; i++)
		for (size_t j = 0; j < b->n_nics; j++)
			if (a->nics[i].mac && b->nics[j].mac &&
			    strcasecmp(a->nics[i].mac, b->nics[j].mac) == 0)
				strv_addf(&f->errors, "%s: mac %s is also used by %s", b->path,
					  b->nics[j].mac,
					  a == b ? "another card of this guest" : a->name);
	for (size_t i = 0; i < a->n_disks; i++)
		for (size_t j = 0; j < b->n_disks; j++)
			if (disk_same(&a->disks[i], &b->disks[j]))
				strv_addf(&f->errors, "%s: disk %s is also used by %s", b->path,
					  b->disks[j].lv ? b->disks[j].lv : b->disks[j].file,
					  a == b ? "another disk of this guest" : a->name);
}

/* Within one guest: only later items against earlier ones; and no open VNC door. */
static void check_self(struct findings *f, const struct vmdef *d)
{
	char *err = NULL;

	if (vmdef_check_vnc(d, &err) < 0) {
		strv_addf(&f->errors, "%s: %s", d->path, err);
		free(err);
	}
	for (size_t i = 0; i < d->n_nics; i++)
		for (size_t j = i + 1; j < d->n_nics; j++)
			if (d->nics[i].mac && d->nics[j].mac &&
			    strcasecmp(d->nics[i].mac, d->nics[j].mac) == 0)
				strv_addf(&f->errors, "%s: mac %s is given to two cards", d->path,
					  d->nics[j].mac);
	for (size_t i = 0; i < d->n_disks; i++)
		for (size_t j = i + 1; j < d->n_disks; j++)
			if (disk_same(&d->disks[i], &d->disks[j]))
				strv_addf(&f->errors, "%s: disk %s is listed twice", d->path,
					  d->disks[j].lv ? d->disks[j].lv : d->disks[j].file);
}

/* Things that only fail at start: worth knowing, but the definition itself is fine. */
static void check_host(struct findings *f, const struct vmdef *d)
{
	char path[300];

	if (d->cdrom && access(d->cdrom, R_OK) < 0)
		strv_addf(&f->warnings, "%s: cdrom %s: %s", d->path, d->cdrom, strerror(errno));
	for (size_t i = 0; i < d->n_nics; i++) {
		if (d->nics[i].bridge) {
			snprintf(path, sizeof path, "/sys/class/net/%s/bridge", d->nics[i].bridge);
			if (access(path, F_OK) < 0)
				strv_addf(&f->warnings, "%s: bridge %s is not present on this host",
					  d->path, d->nics[i].bridge);
		}
		if (d->nics[i].mac == NULL)
			strv_addf(&f->warnings,
				  "%s: nics[%zu] has no mac yet; one is written at the next start",
				  d->path, i);
	}
}

/* A program name without a slash is looked up in PATH, as exec does. */
static bool program_found(const char *prog)
{
	const char *path = getenv("PATH");
	char *dirs, *save = NULL, *p;
	bool found = false;

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	dirs = xstrdup(path ? path : "/usr/bin:/bin");
	for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		p = path_join(d, prog);
		found = access(p, X_OK) == 0;
		free(p);
	}
	free(dirs);
	return found;
}

/* The configuration itself loaded; these are things on this host it points at. */
static void check_config_host(struct findings *f, const struct config *cfg)
{
	if (!program_found(cfg->qemu_binary))
		strv_addf(&f->warnings, "%s: qemu.binary %s is not found%s", cfg->path,
			  cfg->qemu_binary, strchr(cfg->qemu_binary, '/') ? "" : " in PATH");
	for (size_t i = 0; i < cfg->n_iso_dirs; i++)
		if (access(cfg->iso_dirs[i], R_OK | X_OK) < 0)
			strv_addf(&f->warnings, "%s: iso_dirs: %s: %s", cfg->path, cfg->iso_dirs[i],
				  strerror(errno));
}

/* The summary, after the start mode (guests as systemd units, or QEMU daemonized by vmdeck). */
static int check_print(const struct cli *c, struct findings *f, size_t n_ok, size_t n)
{
	json_t *o, *e, *w;
	char *mode = NULL;
	bool units = systemd_units_in_use(&mode);

	if (c->json) {
		e = json_array();
		w = json_array();
		for (size_t i = 0; i < f->errors.n; i++)
			json_array_append_new(e, json_string(f->errors.v[i]));
		for (size_t i = 0; i < f->warnings.n; i++)
			json_array_append_new(w, json_string(f->warnings.v[i]));
		o = json_pack("{s:s, s:I, s:I, s:o, s:o, s:s, s:s, s:O}", "config", c->cfg.path,
			      "guests", (json_int_t)n, "valid", (json_int_t)n_ok, "errors", e,
			      "warnings", w, "start_mode", units ? "systemd" : "direct",
			      "start_mode_why", mode, "templates", f->linked);
		cli_json_print_indented(o);
	} else {
		for (size_t i = 0; i < f->warnings.n; i++)
			fprintf(stderr, "vmdeck: warning: %s\n", f->warnings.v[i]);
		for (size_t i = 0; i < f->errors.n; i++)
			cli_error(EXIT_USAGE, "%s", f->errors.v[i]);
		printf("start mode: %s\n", mode);
		for (size_t i = 0; i < f->templates.n; i++)
			printf("%s\n", f->templates.v[i]);
		if (f->errors.n == 0)
			printf("%zu guest%s OK\n", n, n == 1 ? "" : "s");
		else
			printf("%zu error%s; %zu of %zu guests OK\n", f->errors.n,
			       f->errors.n == 1 ? "" : "s", n_ok, n);
	}
	free(mode);
	return f->errors.n ? EXIT_USAGE : EXIT_DONE;
}

int cmd_check(struct cli *c, int argc, char **argv)
{
	struct findings f = { { 0 }, { 0 }, { 0 }, NULL };
	struct vmdef *defs;
	size_t n, n_ok = 0;
	int rc;

	if (argc != 1)
		return cli_usage(c);
	if (cli_load_all(c, &defs, &n) != 0)
		return EXIT_USAGE;
	f.linked = json_object();
	check_config_host(&f, &c->cfg);
	schedule_check_config(&c->cfg, &f.errors, &f.warnings);
	for (size_t i = 0; i < n; i++) {
		/* the errors below name guest i's file: it is not OK */
		size_t before = f.errors.n;

		if (defs[i].error) {
			strv_add(&f.errors, defs[i].error);
			continue;
		}
		check_self(&f, &defs[i]);
		check_host(&f, &defs[i]);
		schedule_check_def(&c->cfg, &defs[i], &f.errors, &f.warnings);
		for (size_t j = 0; j < i; j++)
			if (!defs[j].error)
				check_pair(&f, &defs[j], &defs[i]);
		check_template(&f, &c->cfg, defs, n, &defs[i]);
		if (f.errors.n == before)
			n_ok++;
	}
	rc = check_print(c, &f, n_ok, n);
	strv_free(&f.errors);
	strv_free(&f.warnings);
	strv_free(&f.templates);
	json_decref(f.linked);
	vmdefs_free(defs, n);
	return rc;
}

/* ---- new ---- */

struct new_opts {
	const char *memory, *cpus, *cpu, *machine, *disk, *lv, *file, *interface, *format;
	const char *bridge, *model, *cdrom, *boot, *vnc, *vnc_listen, *vnc_password_file;
	const char *rtc, *description;
	bool user_net, no_vnc, guest_agent, autostart;
};

/* The terminal as it was, while a password is typed with its echo off. */
static struct termios tty_saved;
static volatile sig_atomic_t tty_quiet;

static void tty_restore_and_die(int sig)
{
	if (tty_quiet)
		tcsetattr(0, TCSAFLUSH, &tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * A password typed at the terminal: asked for on stderr, not echoed (a screen, its scrollback or
 * a tmux log would keep it), the line Enter ends, as passwd does. 0, 1 when over max, -1.
 */
static int tty_password(struct sbuf *b, size_t max)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = tty_restore_and_die }, old[4];
	struct termios quiet;
	ssize_t n;
	char c = 0;
	int rc = 0;

	if (tcgetattr(0, &tty_saved) < 0)
		return -1;
	quiet = tty_saved;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	for (size_t i = 0; i < 4; i++)
		sigaction(sigs[i], &sa, &old[i]);
	fputs("VNC password: ", stderr);
	fflush(stderr);
	tty_quiet = 1;
	tcsetattr(0, TCSAFLUSH, &quiet);
	while ((n = read(0, &c, 1)) == 1 && c != '\n' && rc == 0)
		if (b->len >= max)
			rc = 1;
		else
			sbuf_addn(b, &c, 1);
	if (n < 0)
		rc = -1;
	tcsetattr(0, TCSAFLUSH, &tty_saved);
	tty_quiet = 0;
	for (size_t i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	c = 0;
	return rc;
}

/*
 * The admin's own file, a pipe included (`<(pass show x)`): read up to a bound, never to the end of
 * /dev/zero.
 */
static char *password_text(const char *path, char **err)
{
	/* "-": our stdin (another host's console sends it there, never on a command line) */
	bool in = strcmp(path, "-") == 0;
	int fd = in ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	struct sbuf b = { 0 };
	int rc;

	if (fd < 0) {
		err_set(err, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	rc = in && isatty(0) ? tty_password(&b, 4096) : fd_read_max(fd, &b, 4096);
	if (rc < 0)
		err_set(err, "cannot read %s: %s", path, strerror(errno));
	else if (rc > 0)
		err_set(err, "%s: not a password file (over 4 KiB)", in ? "stdin" : path);
	if (!in)
		close(fd);
	if (rc != 0) {
		if (b.s)
			explicit_bzero(b.s, b.len);
		sbuf_free(&b);
		return NULL;
	}
	return sbuf_take(&b);
}

char *cmd_defs_read_password(const char *path, char **err)
{
	char *text = password_text(path, err), *nl;

	if (text == NULL)
		return NULL;
	if ((nl = strpbrk(text, "\r\n")) != NULL)
		*nl = '\0';
	if (text[0] == '\0') {
		free(text);
		err_set(err, "%s: the password file is empty", path);
		return NULL;
	}
	return text;
}

/*
 * A path typed on the command line: "dir/x.iso" or "./x.img" mean the current
 * folder; a bare name stays as it is and is found the way the file says
 * (iso_dirs for a CD, storage.file_dir for a disk).
 */
static char *typed_path(const char *p)
{
	char *cwd, *abs;

	if (p == NULL || p[0] == '/' || strchr(p, '/') == NULL)
		return p ? xstrdup(p) : NULL;
	if ((cwd = getcwd(NULL, 0)) == NULL)
		return xstrdup(p);
	abs = path_join(cwd, p[0] == '.' && p[1] == '/' ? p + 2 : p);
	free(cwd);
	return abs;
}

/* Each option is one schema key: the table in vmdef_schema.c checks it as it would in a file. */
static int set_opt(struct vmdef *def, const char *key, const char *value, const char *opt,
		   char **err)
{
	char *why = NULL;
	size_t n = strlen(key);

	if (value == NULL || vmdef_set_field(def, key, value, &why) == 0)
		return 0;
	/* "--memory: expected ..." reads better than "--memory: memory: expected ..." */
	err_set(err, "--%s: %s", opt,
		strncmp(why, key, n) == 0 && why[n] == ':' ? why + n + 2 : why);
	free(why);
	return -1;
}

static int new_disk(const struct cli *c, struct vmdef *def, const struct new_opts *o, char **err)
{
	char *ref = NULL;
	int rc = 0;

	if (o->lv && o->file)
		return err_set(err, "give one of --lv and --file");
	if (!o->disk && !o->lv && !o->file)
		return 0;
	vmdef_add_disk(def);
	if (o->lv)
		rc = set_opt(def, "disks.lv", o->lv, "lv", err);
	else if (o->file)
		rc = set_opt(def, "disks.file", ref = typed_path(o->file), "file", err);
	else if (c->cfg.vg && c->cfg.vg[0])
		rc = set_opt(def, "disks.lv", ref = guest_disk_default(&c->cfg, def->name, true),
			     "disk", err);
	else
		rc = set_opt(def, "disks.file", ref = guest_disk_default(&c->cfg, def->name, false),
			     "disk", err);
	free(ref);
	if (rc == 0)
		rc = set_opt(def, "disks.size", o->disk, "disk", err);
	if (rc == 0)
		rc = set_opt(def, "disks.interface", o->interface, "interface", err);
	if (rc == 0)
		rc = set_opt(def, "disks.format", o->format, "format", err);
	return rc;
}

static int new_nic(struct vmdef *def, const struct new_opts *o, char **err)
{
	char mac[18];

	if (o->bridge && o->user_net)
		return err_set(err, "give one of --bridge and --user-net");
	vmdef_add_nic(def);
	if (set_opt(def, o->bridge ? "nics.bridge" : "nics.user", o->bridge ? o->bridge : "true",
		    o->bridge ? "bridge" : "user-net", err) < 0 ||
	    set_opt(def, "nics.model", o->model, "model", err) < 0)
		return -1;
	vmdef_random_mac(mac);
	return set_opt(def, "nics.mac", mac, "mac", err);
}

static int new_vnc(const struct cli *c, struct vmdef *def, const struct new_opts *o, char **err)
{
	const char *listen = o->vnc_listen ? o->vnc_listen : vmdef_default("vnc.listen");
	char *pw;
	int rc;

	if (o->no_vnc)
		return 0;
	if (set_opt(def, "vnc.listen", listen, "vnc-listen", err) < 0)
		return -1;
	rc = 0;
	if (o->vnc)
		rc = set_opt(def, "vnc.display", o->vnc, "vnc", err);
	else
		def->vnc_display = GUEST_VNC_ANY;  /* guest_create picks it, in turn with others */
	if (rc < 0 || o->vnc_password_file == NULL)
		return rc;
	if ((pw = cmd_defs_read_password(o->vnc_password_file, err)) == NULL)
		return -1;
	rc = set_opt(def, "vnc.password", pw, "vnc-password-file", err);
	explicit_bzero(pw, strlen(pw));
	free(pw);
	return rc;
}

static int new_build(const struct cli *c, struct vmdef *def, const struct new_opts *o, char **err)
{
	static const struct { const char *key, *opt; size_t off; } simple[] = {
		{ "description", "description", offsetof(struct new_opts, description) },
		{ "memory", "memory", offsetof(struct new_opts, memory) },
		{ "cpus", "cpus", offsetof(struct new_opts, cpus) },
		{ "cpu", "cpu", offsetof(struct new_opts, cpu) },
		{ "machine", "machine", offsetof(struct new_opts, machine) },
		{ "boot", "boot", offsetof(struct new_opts, boot) },
		{ "rtc", "rtc", offsetof(struct new_opts, rtc) },
	};
	char *cdrom;
	int rc;

	for (size_t i = 0; i < ARRAY_LEN(simple); i++)
		if (set_opt(def, simple[i].key,
			    *(const char *const *)((const char *)o + simple[i].off), simple[i].opt,
			    err) < 0)
			return -1;
	cdrom = typed_path(o->cdrom);
	rc = set_opt(def, "cdrom", cdrom, "cdrom", err);
	free(cdrom);
	if (rc < 0)
		return -1;
	if (o->guest_agent && set_opt(def, "guest_agent", "true", "guest-agent", err) < 0)
		return -1;
	if (o->autostart && set_opt(def, "autostart", "true", "autostart", err) < 0)
		return -1;
	if (new_disk(c, def, o, err) < 0 || new_nic(def, o, err) < 0 || new_vnc(c, def, o, err) < 0)
		return -1;
	if (def->vnc && def->vnc_display == GUEST_VNC_ANY)
		return 0;  /* guest_create validates it once its display is picked */
	return vmdef_validate(def, err);
}

static void new_report(const struct cli *c, const struct vmdef *def, const char *path)
{
	char size[32];

	if (c->json) {
		cli_json_print(json_pack("{s:s, s:s, s:o}", "name", def->name, "path", path,
					 "vnc_display",
					 def->vnc ? json_integer(def->vnc_display) : json_null()));
		return;
	}
	printf("wrote %s\n", path);
	for (size_t i = 0; i < def->n_disks; i++)
		if (def->disks[i].size) {
			char *file = def->disks[i].file
					     ? path_resolve(c->cfg.file_dir, def->disks[i].file)
					     : NULL;

			printf("created disk %s (%s)\n", file ? file : def->disks[i].lv,
			       size_human(def->disks[i].size, size, sizeof size));
			free(file);
		}
	if (def->vnc)
		printf("vnc display %d (port %d) on %s\n", def->vnc_display,
		       5900 + def->vnc_display, def->vnc_listen);
}

int cmd_new(struct cli *c, int argc, char **argv)
{
	struct new_opts o = { 0 };
	struct opt_spec specs[] = {
		{ "memory", OPT_VALUE, &o.memory },
		{ "cpus", OPT_VALUE, &o.cpus },
		{ "cpu", OPT_VALUE, &o.cpu },
		{ "machine", OPT_VALUE, &o.machine },
		{ "disk", OPT_VALUE, &o.disk },
		{ "lv", OPT_VALUE, &o.lv },
		{ "file", OPT_VALUE, &o.file },
		{ "format", OPT_VALUE, &o.format },
		{ "interface", OPT_VALUE, &o.interface },
		{ "bridge", OPT_VALUE, &o.bridge },
		{ "user-net", OPT_FLAG, &o.user_net },
		{ "model", OPT_VALUE, &o.model },
		{ "cdrom", OPT_VALUE, &o.cdrom },
		{ "boot", OPT_VALUE, &o.boot },
		{ "vnc", OPT_VALUE, &o.vnc },
		{ "no-vnc", OPT_FLAG, &o.no_vnc },
		{ "vnc-listen", OPT_VALUE, &o.vnc_listen },
		{ "vnc-password-file", OPT_VALUE, &o.vnc_password_file },
		{ "rtc", OPT_VALUE, &o.rtc },
		{ "description", OPT_VALUE, &o.description },
		{ "guest-agent", OPT_FLAG, &o.guest_agent },
		{ "autostart", OPT_FLAG, &o.autostart },
		{ NULL, 0, NULL },
	};
	struct vmdef def;
	char *err = NULL, *path;
	int rc = EXIT_DONE;

	if (cmd_opts_parse(specs, &argc, argv) < 0 || argc != 2)
		return cli_usage(c);
	if (!name_valid(argv[1]))
		return cli_error(
			EXIT_USAGE,
			"%s: cannot create: not a valid guest name "
			"(letters, digits, '.', '_', '-'; at most 64, starting with a letter or "
			"digit)",
			argv[1]);
	vmdef_init(&def, argv[1]);
	if (new_build(c, &def, &o, &err) < 0)
		rc = EXIT_USAGE;
	else if (guest_create(&c->cfg, &def, NULL, &err) < 0)
		rc = EXIT_FAILED;
	if (rc != EXIT_DONE) {
		cli_error(rc, "%s: cannot create: %s", argv[1], err);
	} else {
		path = xasprintf("%s/%s.yaml", c->cfg.vms_dir, def.name);
		new_report(c, &def, path);
		free(path);
	}
	free(err);
	vmdef_free(&def);
	return rc;
}
