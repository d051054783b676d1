/* cmd_iso.c: `vmdeck iso list|make|put|delete`: the ISO library in iso_dirs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_out.h"
#include "cmd_iso.h"
#include "cmd_opts.h"
#include "iso.h"
#include "util.h"
#include "verb.h"
#include "status.h"
#include "vm.h"
#include "vmdef.h"

/* Every guest and its live status, for "used by". */
struct guests {
	struct vmdef *defs;
	struct vm_status *sts;
	size_t n;
};

static int guests_load(struct cli *c, struct guests *g)
{
	if (cli_load_all(c, &g->defs, &g->n) != 0)
		return -1;
	g->sts = xcalloc(g->n ? g->n : 1, sizeof *g->sts);
	status_all(&c->cfg, g->defs, g->n, g->sts, c->cfg.status_timeout_ms);
	return 0;
}

static void guests_free(struct guests *g)
{
	for (size_t i = 0; i < g->n; i++)
		vmstate_status_clear(&g->sts[i]);
	free(g->sts);
	vmdefs_free(g->defs, g->n);
}

static json_t *entry_json(const struct iso_image *e)
{
	json_t *used = json_array();

	for (size_t k = 0; k < e->used_by.n; k++)
		json_array_append_new(used, json_string(e->used_by.v[k]));
	return json_pack("{s:s, s:s, s:I, s:I, s:o}", "name", e->name, "path", e->path, "size",
			 (json_int_t)e->size, "mtime", (json_int_t)e->mtime, "used_by", used);
}

static void entry_print(const struct iso_image *e)
{
	char size[16], when[24];
	struct tm tm;
	struct sbuf who = { 0 };

	for (size_t k = 0; k < e->used_by.n; k++)
		sbuf_printf(&who, "%s%s", k ? "," : "", e->used_by.v[k]);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M", localtime_r(&e->mtime, &tm));
	printf("%-40s %7s  %s  %s\n", e->name, size_human(e->size, size, sizeof size), when,
	       who.s ? who.s : "-");
	sbuf_free(&who);
}

static int iso_list_verb(struct cli *c, int argc, char **argv)
{
	struct guests g;
	struct iso_image *e;
	size_t n;

	if (argc != 2)
		return cli_usage(c);
	if (guests_load(c, &g) < 0)
		return EXIT_USAGE;
	iso_scan(&c->cfg, &e, &n, NULL);
	iso_used_by(&c->cfg, g.defs, g.sts, g.n, e, n);
	if (c->json) {
		json_t *a = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, entry_json(&e[i]));
		cli_json_print_indented(a);
	} else {
		printf("%-40s %7s  %-16s  %s\n", "IMAGE", "SIZE", "DATE", "USED BY");
		for (size_t i = 0; i < n; i++)
			entry_print(&e[i]);
	}
	iso_entries_free(e, n);
	guests_free(&g);
	return EXIT_DONE;
}

static int done_or_fail(struct cli *c, const char *name, const char *what, int rc, char *err,
			uint64_t bytes)
{
	if (rc < 0) {
		cli_error(EXIT_FAILED, "%s: cannot %s: %s", name, what, err);
		free(err);
		return EXIT_FAILED;
	}
	if (c->json)
		cli_json_print(json_pack("{s:s, s:s, s:I}", "name", name, "done", what, "size",
					 (json_int_t)bytes));
	else
		printf("%s: %s done\n", name, what);
	return EXIT_DONE;
}

static int iso_make_verb(struct cli *c, int argc, char **argv)
{
	const char *label = NULL;
	const struct opt_spec specs[] = { { "label", OPT_VALUE, &label }, { NULL, 0, NULL } };
	char *err = NULL;
	int rc;

	if (cmd_opts_parse(specs, &argc, argv) < 0 || argc != 4)
		return cli_usage(c);
	if (!iso_name_valid(argv[2]))
		return cli_error(EXIT_USAGE,
				 "'%s' is not an image name (NAME.iso: letters, digits, . _ + -)",
				 argv[2]);
	rc = iso_make(&c->cfg, argv[2], argv[3], label, &err);
	return done_or_fail(c, argv[2], "make", rc, err, 0);
}

static int iso_put_verb(struct cli *c, int argc, char **argv)
{
	char *err = NULL;
	uint64_t bytes = 0;
	int rc;

	if (argc != 3)
		return cli_usage(c);
	if (!iso_name_valid(argv[2]))
		return cli_error(EXIT_USAGE,
				 "'%s' is not an image name (NAME.iso: letters, digits, . _ + -)",
				 argv[2]);
	if (isatty(STDIN_FILENO))
		return cli_error(EXIT_USAGE,
				 "%s: the image comes on stdin (vmdeck iso put %s < FILE)", argv[2],
				 argv[2]);
	rc = iso_put(&c->cfg, argv[2], STDIN_FILENO, &bytes, &err);
	return done_or_fail(c, argv[2], "put", rc, err, bytes);
}

static int iso_delete_verb(struct cli *c, int argc, char **argv)
{
	struct guests g;
	char *err = NULL;
	int rc;

	if (argc != 3)
		return cli_usage(c);
	if (guests_load(c, &g) < 0)
		return EXIT_USAGE;
	rc = iso_delete(&c->cfg, argv[2], g.defs, g.sts, g.n, &err);
	guests_free(&g);
	return done_or_fail(c, argv[2], "delete", rc, err, 0);
}

int cmd_iso(struct cli *c, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct cli *, int, char **);
	} subs[] = {
		{ "list", iso_list_verb },
		{ "make", iso_make_verb },
		{ "put", iso_put_verb },
		{ "delete", iso_delete_verb },
	};

	for (size_t i = 0; argc >= 2 && i < ARRAY_LEN(subs); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].fn(c, argc, argv);
	return cli_usage(c);
}
