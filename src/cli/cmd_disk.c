/*
 * cmd_disk.c: `vmdeck disk create|resize|delete|list`: volumes for guests, with the refusals an
 * admin expects.
 */
#include "cli_out.h"
#include "cmd_disk.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "template.h"
#include "cmd_opts.h"
#include "lvm.h"
#include "orphans.h"
#include "snapshot.h"
#include "storage.h"
#include "util.h"
#include "verb.h"
#include "vmdef.h"
#include "vmstate.h"

/*
 * A disk named on the command line: a file when it looks like a path, else an LV ("VG/LV" or "LV").
 */
struct disk_target {
	const char *arg;
	char *file;    /* absolute path, or NULL */
	char *lv;      /* "VG/LV", or NULL */
};

static int target_parse(struct cli *c, const char *arg, struct disk_target *t)
{
	char *vg, *lv, *err = NULL;

	memset(t, 0, sizeof *t);
	t->arg = arg;
	if (arg[0] == '/' || arg[0] == '.') {
		char cwd[4096];

		t->file = arg[0] == '/' || getcwd(cwd, sizeof cwd) == NULL ? xstrdup(arg)
									   : path_join(cwd, arg);
		return 0;
	}
	if (lvm_split(&c->cfg, arg, &vg, &lv, &err) < 0) {
		cli_error(EXIT_USAGE, "%s (a file disk is given as a path: /... or ./...)", err);
		free(err);
		return -1;
	}
	t->lv = xasprintf("%s/%s", vg, lv);
	free(vg);
	free(lv);
	return 0;
}

static void target_free(struct disk_target *t)
{
	free(t->file);
	free(t->lv);
}

/*
 * The guest using this disk, loaded from vms.d; *running tells whether its
 * QEMU is alive, *snaps how many snapshots it has (a resize or delete under
 * them would break every one).
 */
static char *target_owner(struct cli *c, const struct disk_target *t, bool *running, size_t *snaps)
{
	struct vmdef *defs = NULL;
	size_t n = 0;
	const struct vmdef *o;
	char *name = NULL;

	*running = false;
	*snaps = 0;
	if (vmdefs_load_all(&c->cfg, &defs, &n, NULL) < 0)
		return NULL;
	o = storage_disk_owner(defs, n, &c->cfg, t->lv, t->file);
	if (o) {
		name = xstrdup(o->name);
		*running = vmstate_pid_find(&c->cfg, o->name) > 0;
		*snaps = snapshot_count(&c->cfg, o, NULL);
	}
	vmdefs_free(defs, n);
	return name;
}

static int fail_with(int code, const char *what, char *err)
{
	cli_error(code, "%s: %s", what, err);
	free(err);
	return code;
}

/*
 * The one ending of create, resize and delete: the error line, or what was
 * done ("created VG/LV", "resized X to 30G": TO is the size as typed), or
 * with --json {"disk": ..., "action": ..., "size": bytes or null}.
 */
static int disk_done(const struct cli *c, int rc, char *err, const char *action, const char *disk,
		     uint64_t size, const char *to)
{
	if (rc < 0) {
		char *what = xasprintf("cannot %.*s disk", (int)strlen(action) - 1,
				       action); /* "created" -> "create" */
		int code = fail_with(EXIT_FAILED, what, err);

		free(what);
		return code;
	}
	if (c->json)
		cli_json_print(json_pack("{s:s, s:s, s:o}", "disk", disk, "action", action, "size",
					 size ? json_integer((json_int_t)size) : json_null()));
	else
		printf("%s %s%s%s\n", action, disk, to ? " to " : "", to ? to : "");
	return EXIT_DONE;
}

/*
 * "disk VERB TARGET SIZE": the size (non-zero) and the target, or an exit code for the usage error.
 */
static int sized_target(struct cli *c, char **argv, uint64_t *size, struct disk_target *t)
{
	if (size_parse(argv[2], size) < 0 || *size == 0)
		return cli_error(EXIT_USAGE, "disk: '%s' is not a size (like 20G)", argv[2]);
	return target_parse(c, argv[1], t) < 0 ? EXIT_USAGE : 0;
}

static int disk_create(struct cli *c, int argc, char **argv)
{
	const char *format = NULL;
	struct opt_spec specs[] = { { "format", OPT_VALUE, &format }, { NULL, 0, NULL } };
	struct disk_target t;
	uint64_t size;
	char *err = NULL;
	int rc;

	if (cmd_opts_parse(specs, &argc, argv) < 0 || argc != 3)
		return cli_usage(c);
	if ((rc = sized_target(c, argv, &size, &t)) != 0)
		return rc;
	if (t.file)
		rc = storage_file_create(t.file, format, size, &err);
	else
		rc = lvm_create(&c->cfg, t.lv, size, &err);
	rc = disk_done(c, rc, err, "created", t.file ? t.file : t.lv, size, NULL);
	target_free(&t);
	return rc;
}

static int disk_resize(struct cli *c, int argc, char **argv)
{
	bool shrink = false;
	struct opt_spec specs[] = { { "shrink", OPT_FLAG, &shrink }, { NULL, 0, NULL } };
	struct disk_target t;
	uint64_t size, cur = 0;
	char *err = NULL, *owner;
	bool running;
	size_t snaps;
	int rc;

	if (cmd_opts_parse(specs, &argc, argv) < 0 || argc != 3)
		return cli_usage(c);
	if ((rc = sized_target(c, argv, &size, &t)) != 0)
		return rc;
	owner = target_owner(c, &t, &running, &snaps);
	rc = t.file ? storage_file_info(t.file, &cur, NULL, &err)
		    : storage_disk_size(&c->cfg, &(struct vm_disk){ .lv = t.lv }, &cur, &err);
	if (rc == 0 && snaps)
		rc = err_set(
			&err,
			"%s has %zu snapshot%s of guest %s: delete them first (vmdeck snapshot %s "
			"list)",
			t.arg, snaps, snaps == 1 ? "" : "s", owner, owner);
	if (rc == 0 && running && (t.file || size < cur))
		rc = err_set(&err, "%s is in use by running guest %s (stop it first)", t.arg,
			     owner);
	if (rc == 0)  /* overlays on it see a base of another size */
		rc = template_base_check(&c->cfg, &(struct vm_disk){ .lv = t.lv, .file = t.file },
					 &err);
	if (rc == 0)
		rc = t.file ? storage_file_resize(t.file, NULL, size, shrink, &err)
			    : lvm_resize(&c->cfg, t.lv, size, shrink, &err);
	free(owner);
	rc = disk_done(c, rc, err, "resized", t.arg, size, argv[2]);
	target_free(&t);
	return rc;
}

static int disk_delete(struct cli *c, int argc, char **argv)
{
	bool yes = false;
	struct opt_spec specs[] = { { "yes", OPT_FLAG, &yes }, { NULL, 0, NULL } };
	struct disk_target t;
	char *err = NULL, *owner, *q;
	bool running;
	size_t snaps;
	int rc = 0, ok = 1;

	if (cmd_opts_parse(specs, &argc, argv) < 0 || argc != 2)
		return cli_usage(c);
	if (target_parse(c, argv[1], &t) < 0)
		return EXIT_USAGE;
	owner = target_owner(c, &t, &running, &snaps);
	if (snaps) {
		cli_error(
			EXIT_FAILED,
			"cannot delete disk: %s has %zu snapshot%s of guest %s: delete them first",
			t.arg, snaps, snaps == 1 ? "" : "s", owner);
		rc = EXIT_FAILED;
	} else if (running) {
		cli_error(EXIT_FAILED, "cannot delete disk: %s is in use by running guest %s",
			  t.arg, owner);
		rc = EXIT_FAILED;
	} else if (template_base_check(&c->cfg, &(struct vm_disk){ .lv = t.lv, .file = t.file },
				       &err) < 0) {
		rc = fail_with(EXIT_FAILED, "cannot delete disk", err);
	} else if (!yes) {
		q = xasprintf("Delete %s%s%s%s? Its data is lost.", t.arg,
			      owner ? " (disk of guest " : "", owner ? owner : "",
			      owner ? ")" : "");
		ok = cmd_opts_confirm(q);
		free(q);
		if (ok < 0)
			rc = cli_error(
				EXIT_USAGE,
				"cannot delete disk: %s: confirm with --yes (stdin is not a "
				"terminal)",
				t.arg);
		else if (ok == 0)
			rc = cli_error(EXIT_FAILED, "cannot delete disk: %s: not confirmed", t.arg);
	}
	free(owner);
	if (rc == 0) {
		if (t.file)
			rc = unlink(t.file) < 0 ? err_set(&err, "%s: %m", t.file) : 0;
		else
			rc = lvm_remove(&c->cfg, t.lv, &err);
		rc = disk_done(c, rc, err, "deleted", t.arg, 0, NULL);
	}
	target_free(&t);
	return rc;
}

static int disk_attach(struct cli *c, int argc, char **argv)
{
	const char *interface = NULL;
	struct opt_spec specs[] = { { "interface", OPT_VALUE, &interface }, { NULL, 0, NULL } };
	struct disk_target t;
	char *err = NULL;
	bool running;
	int rc;

	if (cmd_opts_parse(specs, &argc, argv) < 0 || argc != 3)
		return cli_usage(c);
	if (target_parse(c, argv[1], &t) < 0)
		return EXIT_USAGE;
	rc = orphans_attach(&c->cfg, argv[2], t.file ? t.file : t.lv, interface, &running, &err);
	if (rc < 0) {
		cli_error(EXIT_FAILED, "%s: cannot attach %s: %s", argv[2], t.arg, err);
		free(err);
		target_free(&t);
		return EXIT_FAILED;
	}
	if (c->json)
		cli_json_print(json_pack("{s:s, s:s, s:s}", "disk", t.file ? t.file : t.lv,
					 "action", "attached", "guest", argv[2]));
	else
		printf("%s: disk %s attached%s\n", argv[2], t.file ? t.file : t.lv,
		       running ? " (applies at next start)" : "");
	target_free(&t);
	return EXIT_DONE;
}

/* One row of `disk list`: every LV of the VG, plus every disk a definition names. */
struct disk_row {
	char *name;       /* VG/LV or the file path */
	uint64_t size;    /* 0 when unknown */
	const char *guest;
	const char *state; /* "missing" when a definition names a volume that is not there */
};

static void rows_add(struct disk_row **rows, size_t *n, const char *name, uint64_t size,
		     const char *guest, const char *state)
{
	*rows = xrealloc(*rows, (*n + 1) * sizeof **rows);
	(*rows)[(*n)++] = (struct disk_row){ xstrdup(name), size, guest, state };
}

static bool rows_has(struct disk_row *rows, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].name, name) == 0)
			return true;
	return false;
}

static void rows_from_defs(struct cli *c, const struct vmdef *defs, size_t n,
			   struct disk_row **rows, size_t *nr)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < defs[i].n_disks; j++) {
			const struct vm_disk *d = &defs[i].disks[j];
			char *vg, *lv, *name;
			uint64_t size = 0;
			const char *state = "ok";

			if (d->lv && lvm_split(&c->cfg, d->lv, &vg, &lv, NULL) == 0) {
				name = xasprintf("%s/%s", vg, lv);
				free(vg);
				free(lv);
			} else {
				name = xstrdup(d->lv ? d->lv : d->file);
			}
			if (!rows_has(*rows, *nr, name)) {
				if (storage_disk_size(&c->cfg, d, &size, NULL) < 0)
					state = "missing";
				rows_add(rows, nr, name, size, defs[i].name, state);
			}
			free(name);
		}
	}
}

/*
 * Image files in storage.file_dir that no definition names (the files definitions name are rows
 * already).
 */
static void rows_add_orphan_files(struct cli *c, const struct vmdef *defs, size_t n,
				  struct disk_row **rows, size_t *nr)
{
	struct orphan *o = NULL;
	size_t no = 0;

	orphans_files(&c->cfg, defs, n, &o, &no);
	for (size_t i = 0; i < no; i++)
		rows_add(rows, nr, o[i].name, o[i].size, NULL, "orphan");
	orphans_free(o, no);
}

/* unsure: a definition that does not load (a disk it names may be shown as orphan), or NULL */
static void rows_print(struct cli *c, struct disk_row *rows, size_t n, const char *vg, int vg_rc,
		       uint64_t vg_size, uint64_t vg_free, const char *unsure)
{
	char a[32], b[32];

	if (c->json) {
		json_t *arr = json_array(), *o = json_object();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(
				arr, json_pack("{s:s, s:I, s:s?, s:s}", "name", rows[i].name,
					       "size", (json_int_t)rows[i].size, "guest",
					       rows[i].guest, "state", rows[i].state));
		json_object_set_new(o, "disks", arr);
		json_object_set_new(o, "vg", vg ? json_string(vg) : json_null());
		json_object_set_new(o, "vg_size",
				    vg_rc == 0 ? json_integer((json_int_t)vg_size) : json_null());
		json_object_set_new(o, "vg_free",
				    vg_rc == 0 ? json_integer((json_int_t)vg_free) : json_null());
		json_object_set_new(o, "unsure", unsure ? json_string(unsure) : json_null());
		cli_json_print(o);
		return;
	}
	printf("%-40s %8s  %-16s %s\n", "DISK", "SIZE", "GUEST", "STATE");
	for (size_t i = 0; i < n; i++)
		printf("%-40s %8s  %-16s %s\n", rows[i].name,
		       rows[i].size ? size_human(rows[i].size, a, sizeof a) : "-",
		       rows[i].guest ? rows[i].guest : "-", rows[i].state);
	if (vg && vg_rc == 0)
		printf("volume group %s: %s free of %s\n", vg, size_human(vg_free, a, sizeof a),
		       size_human(vg_size, b, sizeof b));
}

static int disk_list(struct cli *c, int argc, char **argv)
{
	struct vmdef *defs = NULL;
	struct lvm_lv *lvs = NULL;
	struct disk_row *rows = NULL;
	size_t n = 0, nl = 0, nr = 0;
	const char *vg = argc > 1 ? argv[1] : (c->cfg.vg && c->cfg.vg[0] ? c->cfg.vg : NULL);
	uint64_t vg_size = 0, vg_free = 0;
	char *err = NULL, *name;
	const struct vmdef *unsure;
	int vg_rc = -1;

	if (argc > 2)
		return cli_usage(c);
	vmdefs_load_all(&c->cfg, &defs, &n, NULL);
	if (vg) {
		if ((vg_rc = lvm_vg_space(&c->cfg, vg, &vg_size, &vg_free, &err)) < 0 ||
		    lvm_list(&c->cfg, vg, &lvs, &nl, &err) < 0) {
			vmdefs_free(defs, n);
			return fail_with(EXIT_FAILED, "cannot list disks", err);
		}
	}
	for (size_t i = 0; i < nl; i++) {
		const struct vmdef *o;

		name = xasprintf("%s/%s", lvs[i].vg, lvs[i].lv);
		o = storage_disk_owner(defs, n, &c->cfg, name, NULL);
		rows_add(&rows, &nr, name, lvs[i].size, o ? o->name : NULL, o ? "ok" : "orphan");
		free(name);
	}
	rows_from_defs(c, defs, n, &rows, &nr);
	rows_add_orphan_files(c, defs, n, &rows, &nr);
	unsure = orphans_unsure(defs, n);
	rows_print(c, rows, nr, vg, vg_rc, vg_size, vg_free, unsure ? unsure->path : NULL);
	if (unsure)
		fprintf(stderr,
			"vmdeck: warning: %s does not load: a disk it names may show as orphan\n",
			unsure->path);
	for (size_t i = 0; i < nr; i++)
		free(rows[i].name);
	free(rows);
	lvm_lvs_free(lvs, nl);
	vmdefs_free(defs, n);
	return EXIT_DONE;
}

static const struct {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
} disk_subs[] = {
	{ "create", disk_create },
	{ "resize", disk_resize },
	{ "delete", disk_delete },
	{ "list", disk_list },
	{ "attach", disk_attach },
};

int cmd_disk(struct cli *c, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(c);
	for (size_t i = 0; i < ARRAY_LEN(disk_subs); i++)
		if (strcmp(argv[1], disk_subs[i].name) == 0)
			return disk_subs[i].fn(c, argc - 1, argv + 1);
	return cli_usage(c);
}
