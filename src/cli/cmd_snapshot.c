/*
 * cmd_snapshot.c: `vmdeck snapshot NAME create|list|revert|delete`: one sub-verb table over
 * snapshot.h.
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_snapshot.h"
#include "cli_out.h"
#include "verb.h"
#include "cmd_opts.h"
#include "snapshot.h"
#include "util.h"
#include "vmdef.h"

/* Ctrl-C during a commit cancels QEMU's job (the chain stays as it was) rather than killing us. */
static volatile sig_atomic_t *cancel;

/* "commit disk 1: 42% 120M of 300M": a line with NN% is what a console job's bar follows. */
static void on_progress(void *arg, const char *what, uint64_t done, uint64_t total)
{
	int *last = arg, pct = total ? (int)(done * 100 / total) : 0;
	char a[16], b[16];

	if (pct == *last || total <= 1)  /* a job without a measure (a RAM save) says 0 or 1 */
		return;
	*last = pct;
	printf("%s: %d%% %s of %s\n", what, pct, size_human(done, a, sizeof a),
	       size_human(total, b, sizeof b));
	fflush(stdout);
}

static const char *date_text(int64_t t, char *b, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	strftime(b, n, "%Y-%m-%d %H:%M", &tm);
	return b;
}

static json_t *snap_json(const struct snapshot *s)
{
	return json_pack("{s:s, s:I, s:s, s:I, s:s}", "tag", s->tag, "date", (json_int_t)s->date,
			 "kind", s->ram ? "ram" : "disk", "size", (json_int_t)s->size,
			 "description", s->description);
}

static int sub_list(struct cli *c, const struct vmdef *def, int argc, char **argv)
{
	struct snapshot *s;
	size_t n;
	char *err = NULL, d[32], z[16];

	if (argc != 1)
		return cli_usage(c);
	if (snapshot_list(&c->cfg, def, &s, &n, &err) < 0) {
		cli_error(EXIT_FAILED, "%s: %s", def->name, err);
		free(err);
		return EXIT_FAILED;
	}
	if (c->json) {
		json_t *a = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, snap_json(&s[i]));
		cli_json_print_indented(a);
	} else {
		if (n)
			printf("%-24s %-16s %-4s %7s  %s\n", "TAG", "DATE", "KIND", "SIZE",
			       "DESCRIPTION");
		for (size_t i = 0; i < n; i++) {
			char *desc = text_escape(s[i].description, false);

			printf("%-24s %-16s %-4s %7s  %s\n", s[i].tag,
			       date_text(s[i].date, d, sizeof d), s[i].ram ? "ram" : "disk",
			       s[i].size ? size_human(s[i].size, z, sizeof z) : "-", desc);
			free(desc);
		}
	}
	snapshot_list_free(s, n);
	return EXIT_DONE;
}

static int report(struct cli *c, const struct vmdef *def, int rc, const char *tag, const char *done,
		  char *note, const struct snapshot_opts *o, char *err)
{
	if (rc < 0) {
		cli_error(EXIT_FAILED, "%s: %s", def->name, err);
	} else if (c->json) {
		json_t *j =
			json_pack("{s:s, s:s, s:s}", "name", def->name, "tag", tag, "done", done);

		json_object_set_new(j, "paused_ms",
				    o->paused_ms >= 0 ? cli_json_tenths(o->paused_ms)
						      : json_null());
		json_object_set_new(j, "note", note ? json_string(note) : json_null());
		json_object_set_new(j, "frozen", json_boolean(o->froze));
		cli_json_print(j);
	} else {
		if (strcmp(done, "reverted") == 0)
			printf("%s: reverted to snapshot %s", def->name, tag);
		else
			printf("%s: snapshot %s %s", def->name, tag, done);
		if (o->paused_ms >= 0)
			printf(" (the guest was paused %.1f ms%s)", o->paused_ms,
			       o->froze ? ", its filesystems frozen by its agent" : "");
		printf("\n");
		if (note)
			printf("%s: %s\n", def->name, note);
	}
	free(note);
	free(err);
	return rc < 0 ? EXIT_FAILED : EXIT_DONE;
}

static int sub_create(struct cli *c, const struct vmdef *def, int argc, char **argv)
{
	int last = -1;
	struct snapshot_opts o = { .progress = on_progress, .arg = &last, .cancel = cancel };
	const struct opt_spec specs[] = {
		{ "with-ram", OPT_FLAG, &o.with_ram },
		{ "description", OPT_VALUE, &o.description },
		{ NULL, OPT_FLAG, NULL },
	};
	char *err = NULL;
	int rc;

	if (cmd_opts_parse(specs, &argc, argv) < 0)
		return EXIT_USAGE;
	if (argc != 2)
		return cli_usage(c);
	rc = snapshot_create(&c->cfg, def, argv[1], &o, &err);
	return report(c, def, rc, argv[1],
		      o.with_ram ? "created (with RAM)" : "created (disks only)", NULL, &o, err);
}

static int sub_revert(struct cli *c, const struct vmdef *def, int argc, char **argv)
{
	int last = -1;
	struct snapshot_opts o = { .progress = on_progress, .arg = &last, .cancel = cancel };
	char *err = NULL, *note = NULL;
	int rc;

	if (argc != 2)
		return cli_usage(c);
	rc = snapshot_revert(&c->cfg, def, argv[1], &o, &note, &err);
	return report(c, def, rc, argv[1], "reverted", note, &o, err);
}

static int sub_delete(struct cli *c, const struct vmdef *def, int argc, char **argv)
{
	int last = -1;
	struct snapshot_opts o = { .progress = on_progress, .arg = &last, .cancel = cancel };
	char *err = NULL;
	int rc;

	if (argc != 2)
		return cli_usage(c);
	rc = snapshot_delete(&c->cfg, def, argv[1], &o, &err);
	return report(c, def, rc, argv[1], "deleted", NULL, &o, err);
}

static const struct {
	const char *name;
	int (*fn)(struct cli *c, const struct vmdef *def, int argc, char **argv);
} subs[] = {
	{ "list", sub_list },
	{ "create", sub_create },
	{ "revert", sub_revert },
	{ "delete", sub_delete },
};

int cmd_snapshot(struct cli *c, int argc, char **argv)
{
	struct vmdef def;
	int rc;

	if (argc < 3)
		return cli_usage(c);
	for (size_t i = 0; i < ARRAY_LEN(subs); i++) {
		if (strcmp(argv[2], subs[i].name) != 0)
			continue;
		if ((rc = cli_load_def(c, argv[1], &def)) != 0)
			return rc;
		cancel = cmd_opts_cancel_on_signals(false);
		/* the sub-verb sees "SUB [TAG] [options]" */
		rc = subs[i].fn(c, &def, argc - 2, argv + 2);
		vmdef_free(&def);
		return rc;
	}
	return cli_usage(c);
}
