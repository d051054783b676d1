/* cmd_sched.c: `vmdeck prune`, `vmdeck verify` and `vmdeck backup --scheduled`: the unattended side of backups. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmd_opts.h"
#include "notify.h"
#include "prune.h"
#include "util.h"
#include "verify.h"

/* Where prune and verify --all look: --to when given, else backup.dir and backup.schedule_to (when set). */
static size_t sched_dests(const struct config *cfg, const char *to, const char *out[2])
{
	if (to) {
		out[0] = to;
		return 1;
	}
	out[0] = NULL;  /* backup.dir */
	if (cfg->backup_schedule_to[0] && strcmp(cfg->backup_schedule_to, cfg->backup_dir) != 0) {
		out[1] = cfg->backup_schedule_to;
		return 2;
	}
	return 1;
}

static const char *dest_name(const struct config *cfg, const char *to)
{
	return to ? to : cfg->backup_dir;
}

static const char *action_word(const struct prune_entry *e, bool dry_run)
{
	if (e->keep)
		return "keep";
	if (e->error)
		return "failed";
	return dry_run ? "remove" : "removed";
}

static json_t *prune_entry_json(const struct prune_entry *e, bool dry_run)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:b, s:s, s:s?, s:b, s:s?}", "destination", e->where, "guest", e->guest,
			 "archive", e->name, "time", (json_int_t)e->time, "partial", e->partial, "action",
			 e->keep ? "keep" : "remove", "rule", e->rule, "removed", !e->keep && !dry_run && !e->error,
			 "error", e->error);
}

static void prune_print(const struct prune_report *r, bool dry_run, json_t *arr, struct sbuf *fails)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct prune_entry *e = &r->e[i];

		if (arr)
			json_array_append_new(arr, prune_entry_json(e, dry_run));
		else
			printf("%-8s %-13s %s/%s\n", action_word(e, dry_run), e->rule ? e->rule : "-", e->where, e->name);
		if (e->error)
			sbuf_printf(fails, "%s/%s: %s\n", e->where, e->name, e->error);
	}
}

/* Prunes every destination for guest (NULL: all); failures go to *fails, one line each. */
static int sched_prune(struct cli *c, const char *guest, const char *to, bool dry_run, json_t *arr, struct sbuf *fails)
{
	const char *dests[2];
	size_t nd = sched_dests(&c->cfg, to, dests), kept = 0, gone = 0;

	for (size_t i = 0; i < nd; i++) {
		struct prune_report r;
		char *err = NULL;

		if (prune_run(&c->cfg, dests[i], guest, dry_run, &r, &err) < 0) {
			sbuf_printf(fails, "%s: %s\n", dest_name(&c->cfg, dests[i]), err);
			free(err);
			continue;
		}
		prune_print(&r, dry_run, arr, fails);
		for (size_t j = 0; j < r.n; j++)
			r.e[j].keep ? kept++ : gone++;
		prune_report_free(&r);
	}
	if (!arr && !c->json)
		printf("%zu kept, %zu %s\n", kept, gone, dry_run ? "to remove (dry run: nothing removed)" : "removed");
	return fails->len ? -1 : 0;
}

/* A failure of unattended work: each line on stderr, and one alert with all of them. */
static int sched_failed(struct cli *c, const char *subject, struct sbuf *fails)
{
	char *err = NULL, *body = sbuf_take(fails), *copy = xstrdup(body);

	for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		cli_error(EXIT_FAILED, "%s", l);
	free(copy);
	if (notify_send(&c->cfg, true, subject, body, &err) < 0) {
		cli_error(EXIT_FAILED, "%s", err);
		free(err);
	}
	free(body);
	return EXIT_FAILED;
}

int cmd_prune(struct cli *c, int argc, char **argv)
{
	bool dry_run = false;
	const char *to = NULL;
	struct opt_spec specs[] = { { "dry-run", OPT_FLAG, &dry_run }, { "to", OPT_VALUE, &to }, { NULL, 0, NULL } };
	json_t *arr;
	struct sbuf fails = { 0 };
	int rc;

	if (opts_parse(specs, &argc, argv) < 0 || argc > 2)
		return cli_usage(c);
	if (argc == 2 && !name_valid(argv[1]))
		return cli_error(EXIT_USAGE, "%s: not a guest name", argv[1]);
	arr = c->json ? json_array() : NULL;
	rc = sched_prune(c, argc == 2 ? argv[1] : NULL, to, dry_run, arr, &fails);
	if (arr)
		cli_json_print(arr);
	return rc < 0 ? sched_failed(c, "prune failed", &fails) : EXIT_DONE;
}

/* Verifies one archive: a line "ok ARCHIVE" (or a JSON object); a damaged one adds a line to fails. */
static void verify_one(struct cli *c, const char *archive, json_t *arr, struct sbuf *fails)
{
	char *err = NULL, sz[16];
	uint64_t bytes = 0;
	int rc = verify_archive(&c->cfg, archive, NULL, &bytes, &err);

	if (arr)
		json_array_append_new(arr, json_pack("{s:s, s:b, s:I, s:s?}", "archive", archive, "ok", rc == 0, "bytes",
						     (json_int_t)bytes, "error", err));
	else if (rc == 0)
		printf("ok %s (%s checked)\n", archive, size_human(bytes, sz, sizeof sz));
	if (rc < 0)
		sbuf_printf(fails, "%s: damaged or unreadable: %s\n", archive, err ? err : "?");
	free(err);
}

/* Every complete archive of every destination (or of --to). */
static void verify_all(struct cli *c, const char *to, json_t *arr, struct sbuf *fails, size_t *n)
{
	const char *dests[2];
	size_t nd = sched_dests(&c->cfg, to, dests);

	for (size_t i = 0; i < nd; i++) {
		struct prune_report r;
		char *err = NULL;

		if (prune_list(&c->cfg, dests[i], NULL, &r, &err) < 0) {
			sbuf_printf(fails, "%s: %s\n", dest_name(&c->cfg, dests[i]), err);
			free(err);
			continue;
		}
		for (size_t j = 0; j < r.n; j++) {
			char *a;

			if (r.e[j].partial)
				continue;
			a = xasprintf("%s/%s", r.e[j].where, r.e[j].name);
			verify_one(c, a, arr, fails);
			free(a);
			(*n)++;
		}
		prune_report_free(&r);
	}
}

int cmd_verify(struct cli *c, int argc, char **argv)
{
	bool all = false;
	const char *to = NULL;
	struct opt_spec specs[] = { { "all", OPT_FLAG, &all }, { "to", OPT_VALUE, &to }, { NULL, 0, NULL } };
	json_t *arr;
	struct sbuf fails = { 0 };
	size_t n = 0;

	if (opts_parse(specs, &argc, argv) < 0 || (all ? argc != 1 : argc < 2) || (to && !all))
		return cli_usage(c);
	arr = c->json ? json_array() : NULL;
	if (all)
		verify_all(c, to, arr, &fails, &n);
	for (int i = 1; i < argc; i++, n++)
		verify_one(c, argv[i], arr, &fails);
	if (arr)
		cli_json_print(arr);
	else if (all && fails.len == 0)
		printf("%zu archive%s verified\n", n, n == 1 ? "" : "s");
	return fails.len ? sched_failed(c, "verify found a damaged archive", &fails) : EXIT_DONE;
}
