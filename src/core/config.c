/*
 * config.c: loads vmdeck.conf (libconfig); one schema table drives parsing, checks, defaults and
 * help.
 */
#include "config.h"

#include <libconfig.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schema.h"
#include "util.h"

#define CONFIG_SYSTEM_PATH "/etc/vmdeck/vmdeck.conf"

/* Sections of the table: the file's top level (dotted paths like "qemu.accel"), a host's group. */
enum { CSEC_TOP, CSEC_HOST };

/* A row: path, type, default, min, max, choices, offset, help. */
#define KEY(sec_, path, type_, def_, lo, hi, ch, o, h)                                       \
	{                                                                                    \
		.sec = sec_, .name = path, .type = type_, .def = def_, .min = lo, .max = hi, \
		.choices = ch, .off = o, .help = h                                           \
	}
#define TOP(...) KEY(CSEC_TOP, __VA_ARGS__)
#define HOST(...) KEY(CSEC_HOST, __VA_ARGS__)

#define O(f) offsetof(struct config, f)
#define H(f) offsetof(struct host, f)

static const char *const accels[] = { "kvm", "tcg", "auto", NULL };
static const char *const compressors[] = { "zstd", "gzip", NULL };
static const char *const notify_whens[] = { "failure", "always", NULL };

/*
 * Every key of vmdeck.conf. Parsing, validation, defaults and `vmdeck help config` come from here.
 */
static const struct schema_key cfg_keys[] = {
	TOP("vms_dir", SCHEMA_PATH, "vms.d", 0, 0, NULL, O(vms_dir),
	    "folder of guest definitions, one NAME.yaml per guest"),
	TOP("state_dir", SCHEMA_PATH, "/run/vmdeck", 0, 0, NULL, O(state_dir),
	    "runtime state: one 0700 folder per guest (sockets, pidfile, log, lock)"),
	TOP("iso_dirs", SCHEMA_PATHS, NULL, 0, 0, NULL, O(iso_dirs),
	    "folders offered when choosing a CD image (list of paths)"),
	TOP("qemu", SCHEMA_GROUP, NULL, 0, 0, NULL, 0, "how QEMU is run"),
	TOP("qemu.binary", SCHEMA_STR, "qemu-system-x86_64", 0, 0, NULL, O(qemu_binary),
	    "QEMU program, a name looked up in PATH or a full path"),
	TOP("qemu.accel", SCHEMA_ENUM, "auto", 0, 0, accels, O(accel),
	    "accelerator; auto uses KVM when /dev/kvm works, else TCG with a warning"),
	TOP("storage", SCHEMA_GROUP, NULL, 0, 0, NULL, 0, "where new guest disks are created"),
	TOP("storage.vg", SCHEMA_STR, "", 0, 0, NULL, O(vg),
	    "LVM volume group for new disks; empty means file disks in storage.file_dir"),
	TOP("storage.file_dir", SCHEMA_PATH, "/var/lib/vmdeck/disks", 0, 0, NULL, O(file_dir),
	    "folder for file-backed disks"),
	TOP("storage.lvm_config", SCHEMA_STR, "", 0, 0, NULL, O(lvm_config),
	    "passed to every LVM command as --config (filters, activation)"),
	TOP("backup", SCHEMA_GROUP, NULL, 0, 0, NULL, 0, "backups"),
	TOP("backup.dir", SCHEMA_PATH, "/var/lib/vmdeck/backup", 0, 0, NULL, O(backup_dir),
	    "where backups are written unless --to is given"),
	TOP("backup.compress", SCHEMA_ENUM, "zstd", 0, 0, compressors, O(backup_compress),
	    "compression of backup images"),
	TOP("backup.level", SCHEMA_INT, "3", 1, 19, NULL, O(backup_level),
	    "compression level (zstd 1..19, gzip 1..9)"),
	TOP("backup.threads", SCHEMA_INT, "0", 0, 256, NULL, O(backup_threads),
	    "compression threads; 0 means one per core"),
	/* schedules, retention and alerts (issue 8) */
	TOP("backup.schedule", SCHEMA_STR, "", 0, 0, NULL, O(backup_schedule),
	    "when vmdeck-backup.timer runs `backup --scheduled`: a systemd calendar expression "
	    "(\"*-*-* 02:00\", "
	    "\"Sun 03:00\"; \"daily 02:00\" is read as \"*-*-* 02:00\"); empty: never"),
	TOP("backup.schedule_to", SCHEMA_STR, "", 0, 0, NULL, O(backup_schedule_to),
	    "where scheduled backups go: empty for backup.dir, a folder, or HOST:/folder; prune "
	    "and verify --all look here too"),
	TOP("backup.verify_schedule", SCHEMA_STR, "", 0, 0, NULL, O(backup_verify_schedule),
	    "when vmdeck-verify.timer runs `verify --all` (a calendar expression as "
	    "backup.schedule); empty: never"),
	TOP("backup.keep", SCHEMA_GROUP, NULL, 0, 0, NULL, 0,
	    "retention per guest and destination (Proxmox prune rules, applied in this order; none "
	    "set: keep all)"),
	TOP("backup.keep.last", SCHEMA_INT, "0", 0, 100000, NULL, O(backup_keep.last),
	    "keep the newest N backups"),
	TOP("backup.keep.hourly", SCHEMA_INT, "0", 0, 100000, NULL, O(backup_keep.hourly),
	    "keep the newest backup of each of the last N hours that have one"),
	TOP("backup.keep.daily", SCHEMA_INT, "0", 0, 100000, NULL, O(backup_keep.daily),
	    "keep the newest backup of each of the last N days that have one"),
	TOP("backup.keep.weekly", SCHEMA_INT, "0", 0, 100000, NULL, O(backup_keep.weekly),
	    "keep the newest backup of each of the last N ISO weeks that have one"),
	TOP("backup.keep.monthly", SCHEMA_INT, "0", 0, 100000, NULL, O(backup_keep.monthly),
	    "keep the newest backup of each of the last N months that have one"),
	TOP("backup.keep.yearly", SCHEMA_INT, "0", 0, 100000, NULL, O(backup_keep.yearly),
	    "keep the newest backup of each of the last N years that have one"),
	TOP("notify", SCHEMA_STRLIST, NULL, 0, 0, NULL, O(notify),
	    "alert program and its arguments, run without a shell, a report on stdin: "
	    "[ \"/usr/bin/mail\", \"-s\", \"vmdeck on %h: %s\", \"root\" ] (%h host, %s subject, "
	    "%% a %)"),
	TOP("notify_on", SCHEMA_ENUM, "failure", 0, 0, notify_whens, O(notify_on),
	    "when notify runs: only on failures, or after every scheduled job too"),
	TOP("notify_timeout", SCHEMA_INT, "60", 1, 3600, NULL, O(notify_timeout),
	    "seconds notify may take before it is killed (a hung mailer never holds up a backup)"),
	{ .name = "hosts",
	  .type = SCHEMA_GROUPS,
	  .sub = CSEC_HOST,
	  .help = "other servers: ( { name = \"kvm2\"; ssh = \"root@kvm2\"; vmdeck = \"vmdeck\"; "
		  "vms_dir = \"...\"; } )" },
	HOST("name", SCHEMA_STR, NULL, 0, 0, NULL, H(name),
	     "name used with --host and `move` (required); one equal to host_name is this host"),
	HOST("ssh", SCHEMA_STR, NULL, 0, 0, NULL, H(ssh),
	     "ssh destination, user@host or host (required)"),
	HOST("vmdeck", SCHEMA_STR, "vmdeck", 0, 0, NULL, H(vmdeck), "vmdeck program on that host"),
	HOST("vms_dir", SCHEMA_STR, NULL, 0, 0, NULL, H(vms_dir),
	     "definitions folder on that host (default: that host's configuration)"),
	HOST("ssh_config", SCHEMA_PATH, NULL, 0, 0, NULL, H(ssh_config),
	     "ssh client configuration file for that host (given to ssh as -F)"),
	HOST("lvm_config", SCHEMA_STR, NULL, 0, 0, NULL, H(lvm_config),
	     "passed as --config to LVM commands run on that host"),
	TOP("ui", SCHEMA_GROUP, NULL, 0, 0, NULL, 0, "the full-screen console"),
	TOP("ui.theme", SCHEMA_STR, "default", 0, 0, NULL, O(ui_theme),
	    "colour theme: a name from themes/ or a path to a theme file"),
	TOP("ui.refresh", SCHEMA_FLOAT, "1.0", 0.1, 60, NULL, O(ui_refresh),
	    "seconds between status refreshes"),
	TOP("ui.ascii", SCHEMA_BOOL, "false", 0, 0, NULL, O(ui_ascii),
	    "draw lines and marks with plain ASCII (for terminals without line drawing)"),
	TOP("shutdown_timeout", SCHEMA_INT, "120", 1, 86400, NULL, O(shutdown_timeout),
	    "seconds `stop` waits after the ACPI power button before it quits QEMU"),
	TOP("status_timeout", SCHEMA_INT, "500", 10, 60000, NULL, O(status_timeout_ms),
	    "milliseconds each guest's monitor gets to answer a status query"),
	TOP("host_name", SCHEMA_STR, "", 0, 0, NULL, O(host_name),
	    "this host's name in `list --all-hosts` and the console; empty means the machine's "
	    "hostname"),
	TOP("heartbeat", SCHEMA_FLOAT, "2.0", 0.5, 60, NULL, O(heartbeat),
	    "seconds between `vmdeck watch` heartbeats; a host silent for 3 heartbeats is "
	    "unreachable"),
};

static const char *const cfg_sec_prefix[] = { [CSEC_TOP] = "", [CSEC_HOST] = "hosts[]." };

static const struct schema cfg_schema = { cfg_keys, ARRAY_LEN(cfg_keys), cfg_sec_prefix, true };

const char *config_locate(const char *cli_path)
{
	const char *env = getenv("VMDECK_CONFIG");

	if (cli_path && cli_path[0])
		return cli_path;
	if (env && env[0])
		return env;
	return CONFIG_SYSTEM_PATH;
}

/* "FILE:LINE: " for a setting; libconfig knows the file even through @include. */
static char *where(const struct config *cfg, const config_setting_t *s)
{
	const char *file = config_setting_source_file(s);

	return xasprintf("%s:%u", file ? file : cfg->path, config_setting_source_line(s));
}

static int key_error(const struct config *cfg, char **err, const config_setting_t *s,
		     const char *key, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int key_error(const struct config *cfg, char **err, const config_setting_t *s,
		     const char *key, const char *fmt, ...)
{
	char *w = where(cfg, s), *what;
	va_list ap;

	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	err_set(err, "%s: %s: %s", w, key, what);
	free(w);
	free(what);
	return -1;
}

static const char *type_word(const config_setting_t *s)
{
	static const char *const words[] = {
		[CONFIG_TYPE_NONE] = "nothing", [CONFIG_TYPE_GROUP] = "a group",
		[CONFIG_TYPE_INT] = "an integer", [CONFIG_TYPE_INT64] = "an integer",
		[CONFIG_TYPE_FLOAT] = "a number", [CONFIG_TYPE_STRING] = "a string",
		[CONFIG_TYPE_BOOL] = "a boolean", [CONFIG_TYPE_ARRAY] = "an array",
		[CONFIG_TYPE_LIST] = "a list",
	};
	int t = config_setting_type(s);

	return t >= 0 && (size_t)t < ARRAY_LEN(words) && words[t] ? words[t] : "something else";
}

static int store_number(const struct config *cfg, void *base, const struct schema_key *k,
			const config_setting_t *s, const char *key, char **err)
{
	int t = config_setting_type(s);
	bool integral = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
	double v;

	if (!integral && !(k->type == SCHEMA_FLOAT && t == CONFIG_TYPE_FLOAT))
		return key_error(cfg, err, s, key, "expected %s between %g and %g, got %s",
				 k->type == SCHEMA_INT ? "an integer" : "a number",
				 k->min, k->max, type_word(s));
	v = integral ? (double)config_setting_get_int64(s) : config_setting_get_float(s);
	if (!schema_in_range(k, v))
		return key_error(cfg, err, s, key, "expected a value between %g and %g, got %g",
				 k->min, k->max, v);
	schema_store_number(base, k, v);
	return 0;
}

static int store_paths(struct config *cfg, const config_setting_t *s, const char *key, char **err)
{
	int t = config_setting_type(s), n;

	if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
		return key_error(cfg, err, s, key,
				 "expected a list of paths like [ \"/srv/iso\" ], got %s",
				 type_word(s));
	n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return key_error(cfg, err, e, key, "expected a path (string), got %s",
					 type_word(e));
	}
	for (size_t i = 0; i < cfg->n_iso_dirs; i++)
		free(cfg->iso_dirs[i]);
	free(cfg->iso_dirs);
	cfg->iso_dirs = xcalloc((size_t)n + 1, sizeof *cfg->iso_dirs);
	cfg->n_iso_dirs = (size_t)n;
	for (int i = 0; i < n; i++)
		cfg->iso_dirs[i] =
			path_resolve(cfg->dir, config_setting_get_string_elem(s, (unsigned)i));
	return 0;
}

/* A non-empty list of non-empty strings, kept as given (an argv: notify). */
static int store_argv(struct config *cfg, void *base, const struct schema_key *k,
		      const config_setting_t *s, const char *key, char **err)
{
	struct strv *sv = schema_slot(base, k);
	int t = config_setting_type(s), n = config_setting_length(s);

	if ((t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST) || n == 0)
		return key_error(
			cfg, err, s, key,
			"expected a list of strings like [ \"/usr/bin/mail\", \"root\" ], got %s",
			n == 0 && (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST)
				? "an empty list"
				: type_word(s));
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING ||
		    !config_setting_get_string(e)[0])
			return key_error(cfg, err, e, key, "expected a non-empty string, got %s",
					 config_setting_type(e) == CONFIG_TYPE_STRING
						 ? "\"\""
						 : type_word(e));
	}
	strv_free(sv);
	for (int i = 0; i < n; i++)
		strv_add(sv, config_setting_get_string_elem(s, (unsigned)i));
	return 0;
}

/* Checks one scalar setting against its schema row and stores it into base. */
static int store_value(struct config *cfg, void *base, const struct schema_key *k,
		       const config_setting_t *s, const char *key, char **err)
{
	const char *str;
	char *want;

	switch (k->type) {
	case SCHEMA_INT:
	case SCHEMA_FLOAT:
		return store_number(cfg, base, k, s, key, err);
	case SCHEMA_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return key_error(cfg, err, s, key, "expected true or false, got %s",
					 type_word(s));
		*(bool *)schema_slot(base, k) = config_setting_get_bool(s);
		return 0;
	case SCHEMA_PATHS:
		return store_paths(cfg, s, key, err);
	case SCHEMA_STRLIST:
		return store_argv(cfg, base, k, s, key, err);
	default:
		break;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		want = k->type == SCHEMA_ENUM
			       ? choices_text(k->choices)
			       : xstrdup(k->type == SCHEMA_PATH ? "a path (string)" : "a string");
		key_error(cfg, err, s, key, "expected %s, got %s", want, type_word(s));
		free(want);
		return -1;
	}
	str = config_setting_get_string(s);
	if (k->type == SCHEMA_ENUM && choice_index(k->choices, str) < 0) {
		want = choices_text(k->choices);
		key_error(cfg, err, s, key, "expected %s, got \"%s\"", want, str);
		free(want);
		return -1;
	}
	if (k->type == SCHEMA_PATH && str[0] == '\0')
		return key_error(cfg, err, s, key, "expected a path, got an empty string");
	schema_set_string(base, k,
			  k->type == SCHEMA_PATH ? path_resolve(cfg->dir, str) : xstrdup(str));
	return 0;
}

/* The expected keys come from the table, so the message never falls behind it. */
static int host_key_unknown(const struct config *cfg, char **err, const config_setting_t *s,
			    const char *key)
{
	char *known = schema_keys_text(&cfg_schema, CSEC_HOST, " or ");
	int rc = key_error(cfg, err, s, key, "unknown key (expected %s)", known);

	free(known);
	return rc;
}

static int load_host(struct config *cfg, const config_setting_t *g, struct host *h, char **err)
{
	int n = config_setting_length(g);

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return key_error(
			cfg, err, g, "hosts",
			"expected a group like { name = \"kvm2\"; ssh = \"root@kvm2\"; }, got %s",
			type_word(g));
	schema_apply_defaults(&cfg_schema, CSEC_HOST, h, cfg->dir);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const struct schema_key *k =
			schema_find(&cfg_schema, CSEC_HOST, config_setting_name(s));
		char *key = xasprintf("hosts.%s", config_setting_name(s));
		int rc;

		if (k == NULL)
			rc = host_key_unknown(cfg, err, s, key);
		else if (config_setting_type(s) != CONFIG_TYPE_STRING ||
			 !config_setting_get_string(s)[0])
			rc = key_error(cfg, err, s, key, "expected a non-empty string, got %s",
				       config_setting_type(s) == CONFIG_TYPE_STRING ? "\"\""
										    : type_word(s));
		else
			rc = store_value(cfg, h, k, s, key, err);
		free(key);
		if (rc < 0)
			return -1;
	}
	if (h->name == NULL || h->ssh == NULL)
		return key_error(cfg, err, g, "hosts", "each host needs name and ssh");
	if (!name_valid(h->name))
		return key_error(cfg, err, g, "hosts.name",
				 "expected a name of letters, digits, '.', '_' or '-', got \"%s\"",
				 h->name);
	return 0;
}

static int load_hosts(struct config *cfg, const config_setting_t *s, char **err)
{
	int t = config_setting_type(s), n = config_setting_length(s);

	if (t != CONFIG_TYPE_LIST)
		return key_error(cfg, err, s, "hosts",
				 "expected a list like ( { name = \"kvm2\"; "
				 "ssh = \"root@kvm2\"; } ), got %s", type_word(s));
	cfg->hosts = xcalloc((size_t)n + 1, sizeof *cfg->hosts);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);

		cfg->n_hosts = (size_t)i + 1;
		if (load_host(cfg, g, &cfg->hosts[i], err) < 0)
			return -1;
		for (int j = 0; j < i; j++)
			if (strcmp(cfg->hosts[j].name, cfg->hosts[i].name) == 0)
				return key_error(cfg, err, g, "hosts.name",
						 "host \"%s\" is listed twice", cfg->hosts[i].name);
	}
	return 0;
}

/* Walks a group (the root or qemu/storage/...), matching every setting against the table. */
static int load_group(struct config *cfg, const config_setting_t *g, const char *prefix, char **err)
{
	int n = config_setting_length(g);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		char *key = prefix ? xasprintf("%s.%s", prefix, config_setting_name(s))
				   : xstrdup(config_setting_name(s));
		const struct schema_key *k = schema_find(&cfg_schema, CSEC_TOP, key);
		int rc;

		if (k == NULL)
			rc = key_error(cfg, err, s, key, "unknown key (see `vmdeck help config`)");
		else if (k->type == SCHEMA_GROUP && config_setting_type(s) != CONFIG_TYPE_GROUP)
			rc = key_error(cfg, err, s, key, "expected a group { ... }, got %s",
				       type_word(s));
		else if (k->type == SCHEMA_GROUP)
			rc = load_group(cfg, s, key, err);
		else if (k->type == SCHEMA_GROUPS)
			rc = load_hosts(cfg, s, err);
		else
			rc = store_value(cfg, cfg, k, s, key, err);
		free(key);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Checks that involve two keys. */
static int check_combined(struct config *cfg, config_t *lc, char **err)
{
	const config_setting_t *s = config_lookup(lc, "backup.level");

	if (s && strcmp(cfg->backup_compress, "gzip") == 0 && cfg->backup_level > 9)
		return key_error(cfg, err, s, "backup.level",
				 "expected 1..9 with gzip compression, got %d", cfg->backup_level);
	return 0;
}

void config_defaults(struct config *cfg)
{
	char *path = cfg->path, *dir = cfg->dir;

	memset(cfg, 0, sizeof *cfg);
	cfg->path = path;
	cfg->dir = dir;
	/* defaults are stored through the same slots as the file's values */
	schema_apply_defaults(&cfg_schema, CSEC_TOP, cfg, cfg->dir);
	cfg->iso_dirs = xcalloc(1, sizeof *cfg->iso_dirs);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *cwd, *d;

	if (slash == path)
		return xstrdup("/");
	if (slash && path[0] == '/')
		return xstrndup(path, (size_t)(slash - path));
	cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		cwd = xstrdup(".");
	d = slash ? xasprintf("%s/%.*s", cwd, (int)(slash - path), path) : xstrdup(cwd);
	free(cwd);
	return d;
}

/*
 * The file is read once, bounded, before libconfig opens it: a FIFO, a
 * device or a huge file is refused with one line, and so is a NUL byte
 * (libconfig would cut a string short there).
 */
static int config_text_check(const char *path, char **err)
{
	char *e = NULL, *nul;
	size_t len = 0;
	char *text = file_read(path, &len, &e);
	int rc = 0;

	if (text == NULL) {
		rc = err_set(err, "%s%s", e ? e : path,
			     strcmp(path, CONFIG_SYSTEM_PATH) == 0
				     ? " (give -c FILE or set VMDECK_CONFIG)"
				     : "");
	} else if ((nul = memchr(text, '\0', len)) != NULL) {
		size_t line = 1;

		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		rc = err_set(err, "%s:%zu: a NUL byte: not a text file", path, line);
	}
	free(e);
	free(text);
	return rc;
}

int config_load(const char *path, struct config *cfg, char **err)
{
	config_t lc;
	int rc = -1;

	memset(cfg, 0, sizeof *cfg);
	cfg->path = xstrdup(path);
	cfg->dir = dir_of(path);
	config_defaults(cfg);
	if (config_text_check(path, err) < 0) {
		config_free(cfg);
		return -1;
	}
	config_init(&lc);
	config_set_include_dir(
		&lc, cfg->dir); /* @include "x" is relative to this file, like every path */
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		err_set(err, "%s:%d: %s", config_error_file(&lc) ? config_error_file(&lc) : path,
			config_error_line(&lc), config_error_text(&lc));
	} else if (load_group(cfg, config_root_setting(&lc), NULL, err) == 0 &&
		   check_combined(cfg, &lc, err) == 0) {
		rc = 0;
	}
	config_destroy(&lc);
	if (rc < 0)
		config_free(cfg);
	return rc;
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < ARRAY_LEN(cfg_keys); i++) {
		const struct schema_key *k = &cfg_keys[i];

		if (k->sec == CSEC_TOP &&
		    (k->type == SCHEMA_STR || k->type == SCHEMA_PATH || k->type == SCHEMA_ENUM))
			free(*(char **)schema_slot(cfg, k));
		else if (k->sec == CSEC_TOP && k->type == SCHEMA_STRLIST)
			strv_free(schema_slot(cfg, k));
	}
	for (size_t i = 0; i < cfg->n_iso_dirs; i++)
		free(cfg->iso_dirs[i]);
	free(cfg->iso_dirs);
	for (size_t i = 0; i < cfg->n_hosts; i++) {
		free(cfg->hosts[i].name);
		free(cfg->hosts[i].ssh);
		free(cfg->hosts[i].vmdeck);
		free(cfg->hosts[i].vms_dir);
		free(cfg->hosts[i].ssh_config);
		free(cfg->hosts[i].lvm_config);
	}
	free(cfg->hosts);
	free(cfg->path);
	free(cfg->dir);
	memset(cfg, 0, sizeof *cfg);
}

const struct host *config_host(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_hosts; i++)
		if (strcmp(cfg->hosts[i].name, name) == 0)
			return &cfg->hosts[i];
	return NULL;
}

const char *config_default(const char *path)
{
	return schema_default(&cfg_schema, path);
}

const char *const *config_choices(const char *path)
{
	return schema_choices(&cfg_schema, path);
}

void config_reference_each(schema_doc_fn *fn, void *arg)
{
	schema_each(&cfg_schema, fn, arg);
}

void config_print_reference(void)
{
	printf("vmdeck.conf (libconfig syntax). Relative paths are relative to the file's folder.\n"
	       "Looked up as -c FILE, then $VMDECK_CONFIG, then " CONFIG_SYSTEM_PATH ".\n\n");
	schema_print_reference(&cfg_schema);
}
