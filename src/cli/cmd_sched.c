/*
 * cmd_sched.c: `vmdeck prune`, `vmdeck verify` and `vmdeck backup --scheduled`: the unattended side
 * of backups.
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup.h"
#include "cli_out.h"
#include "verb.h"
#include "cmd_opts.h"
#include "cmd_sched.h"
#include "notify.h"
#include "prune.h"
#include "schedule.h"
#include "util.h"
#include "verify.h"
#include "vmstate.h"
#include "vmdef.h"

/*
 * Where prune and verify --all look: --to when given, else backup.dir and backup.schedule_to (when
 * set).
 */
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
	return json_pack("{s:s, s:s, s:s, s:I, s:b, s:s, s:s?, s:b, s:s?}", "destination", e->where,
			 "guest", e->guest, "archive", e->name, "time", (json_int_t)e->time,
			 "partial", e->partial, "action", e->keep ? "keep" : "remove", "rule",
			 e->rule, "removed", !e->keep && !dry_run && !e->error, "error", e->error);
}

static void prune_print(const struct prune_report *r, bool dry_run, json_t *arr, struct sbuf *fails)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct prune_entry *e = &r->e[i];

		if (arr)
			json_array_append_new(arr, prune_entry_json(e, dry_run));
		else
			printf("%-8s %-13s %s/%s\n", action_word(e, dry_run),
			       e->rule ? e->rule : "-", e->where, e->name);
		if (e->error)
			sbuf_printf(fails, "%s/%s: %s\n", e->where, e->name, e->error);
	}
}

/* Prunes every destination for guest (NULL: all); failures go to *fails, one line each. */
static int sched_prune(struct cli *c, const char *guest, const char *to, bool dry_run, json_t *arr,
		       struct sbuf *fails)
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
		printf("%zu kept, %zu %s\n", kept, gone,
		       dry_run ? "to remove (dry run: nothing removed)" : "removed");
	return fails->len ? -1 : 0;
}

/* A failure of unattended work: each line on stderr, and one alert with all of them. */
static int sched_failed(struct cli *c, const char *subject, struct sbuf *fails)
{
	char *err = NULL, *body = sbuf_take(fails), *copy = xstrdup(body);

	for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
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
	struct opt_spec specs[] = { { "dry-run", OPT_FLAG, &dry_run },
				    { "to", OPT_VALUE, &to },
				    { NULL, 0, NULL } };
	json_t *arr;
	struct sbuf fails = { 0 };
	int rc;

	if (cmd_opts_parse(specs, &argc, argv) < 0 || argc > 2)
		return cli_usage(c);
	if (argc == 2 && !name_valid(argv[1]))
		return cli_error(EXIT_USAGE, "%s: not a guest name", argv[1]);
	arr = c->json ? json_array() : NULL;
	rc = sched_prune(c, argc == 2 ? argv[1] : NULL, to, dry_run, arr, &fails);
	if (arr)
		cli_json_print(arr);
	return rc < 0 ? sched_failed(c, "prune failed", &fails) : EXIT_DONE;
}

/*
 * Verifies one archive: a line "ok ARCHIVE" (or a JSON object); a damaged one adds a line to fails.
 */
static void verify_one(struct cli *c, const char *archive, json_t *arr, struct sbuf *fails)
{
	char *err = NULL, sz[16];
	uint64_t bytes = 0;
	int rc = verify_archive(&c->cfg, archive, NULL, &bytes, &err);

	if (arr)
		json_array_append_new(arr,
				      json_pack("{s:s, s:b, s:I, s:s?}", "archive", archive, "ok",
						rc == 0, "bytes", (json_int_t)bytes, "error", err));
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
	struct opt_spec specs[] = { { "all", OPT_FLAG, &all },
				    { "to", OPT_VALUE, &to },
				    { NULL, 0, NULL } };
	json_t *arr;
	struct sbuf fails = { 0 };
	size_t n = 0;

	if (cmd_opts_parse(specs, &argc, argv) < 0 || (all ? argc != 1 : argc < 2) || (to && !all))
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

/* ---- backup --scheduled ---- */

struct sched_run {
	struct cli *c;
	/* systemctl stop (SIGTERM) or Ctrl-C ends the running backup cleanly and skips the rest */
	volatile sig_atomic_t *cancel;
	const char *to;         /* NULL: backup.dir */
	struct sbuf report;     /* one line per guest, the alert's body */
	struct sbuf fails;
	size_t done, failed;
	json_t *arr;
};

/* One due guest: live when it runs, offline when not; then its archives there are pruned. */
static void sched_one(struct sched_run *s, const struct vmdef *def)
{
	struct backup_opts o = { .to = s->to,
				 .scheduled = true,
				 .hooks = { .cancel = s->cancel } };
	char *err = NULL, *where = NULL, *line;
	json_t *pj;
	double t0 = now_mono();
	int rc;

	o.live = vmstate_pid_find(&s->c->cfg, def->name) > 0;
	rc = backup_run(&s->c->cfg, def, &o, &where, &err);
	if (rc == 0) {
		s->done++;
		line = xasprintf("%s: backed up %s to %s in %.0f s\n", def->name,
				 o.live ? "live" : "offline", where, now_mono() - t0);
	} else {
		s->failed++;
		line = xasprintf("%s: backup FAILED: %s\n", def->name, err ? err : "?");
		sbuf_printf(&s->fails, "%s: scheduled backup failed: %s\n", def->name,
			    err ? err : "?");
	}
	sbuf_add(&s->report, line);
	if (s->arr)
		json_array_append_new(s->arr, json_pack("{s:s, s:b, s:b, s:s?, s:s?}", "name",
							def->name, "ok", rc == 0, "live", o.live,
							"archive", where, "error", err));
	else
		fputs(line, stdout);
	fflush(stdout);
	pj = s->arr ? json_array() : NULL;  /* with --json the prune rows are not printed */
	if (rc == 0 && sched_prune(s->c, def->name, s->to, false, pj, &s->fails) < 0)
		sbuf_printf(&s->report, "%s: prune failed\n", def->name);
	json_decref(pj);
	free(line);
	free(where);
	free(err);
}

static int sched_finish(struct sched_run *s)
{
	bool failed = s->failed > 0 || s->fails.len > 0;
	char *subject = xasprintf("scheduled backup: %zu done, %zu failed", s->done, s->failed);
	char *body, *err = NULL;

	if (s->fails.len)
		sbuf_printf(&s->report, "\n%s", s->fails.s);
	body = sbuf_take(&s->report);
	if (s->done + s->failed > 0 && notify_send(&s->c->cfg, failed, subject, body, &err) < 0) {
		cli_error(EXIT_FAILED, "%s", err);
		free(err);
	}
	if (s->arr)
		cli_json_print(s->arr);
	else
		printf("%s\n", subject);
	if (s->fails.len && !s->arr) {
		char *copy = sbuf_take(&s->fails);

		for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save))
			cli_error(EXIT_FAILED, "%s", l);
		free(copy);
	}
	sbuf_free(&s->fails);
	free(body);
	free(subject);
	return failed ? EXIT_FAILED : EXIT_DONE;
}

int cmd_backup_scheduled(struct cli *c, const char *to)
{
	struct sched_run s = { .c = c, .to = to };
	struct vmdef *defs = NULL;
	size_t n = 0;
	char *err = NULL;
	time_t now = time(NULL);

	if (s.to == NULL && c->cfg.backup_schedule_to[0])
		s.to = c->cfg.backup_schedule_to;
	if (vmdefs_load_all(&c->cfg, &defs, &n, &err) < 0) {
		sbuf_printf(&s.fails, "cannot read the definitions: %s\n", err);
		free(err);
		s.failed++;
		return sched_finish(&s);
	}
	s.arr = c->json ? json_array() : NULL;
	s.cancel = cmd_opts_cancel_on_signals(true);
	for (size_t i = 0; i < n && !*s.cancel; i++) {
		struct backup_status st;
		bool have = schedule_status_read(&c->cfg, defs[i].name, &st) == 0;

		if (schedule_due(&c->cfg, &defs[i], have ? &st : NULL, now))
			sched_one(&s, &defs[i]);
		schedule_status_free(&st);
	}
	if (*s.cancel)
		sbuf_printf(
			&s.fails,
			"interrupted: the guests after the last one listed were not backed up\n");
	vmdefs_free(defs, n);
	return sched_finish(&s);
}

/* ---- schedule: the plan, and the systemd generator ---- */

static const char *when_text(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (t == 0)
		return "-";
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
	return buf;
}

static char *calendars_text(const struct config *cfg, const struct vmdef *def)
{
	const char *const *cals;
	size_t n = schedule_calendars(cfg, def, &cals);
	struct sbuf b = { 0 };

	for (size_t i = 0; i < n; i++)
		sbuf_printf(&b, "%s%s", i ? ", " : "", cals[i]);
	return n ? sbuf_take(&b) : xstrdup("-");
}

static void schedule_row(struct cli *c, const struct vmdef *def, time_t now, json_t *arr)
{
	struct backup_status st;
	bool have = schedule_status_read(&c->cfg, def->name, &st) == 0;
	bool overdue = have && schedule_overdue(&c->cfg, def, &st, now);
	time_t next = schedule_next_run(&c->cfg, def, now);
	char *cals = calendars_text(&c->cfg, def), a[32], b[32];

	if (arr) {
		json_array_append_new(
			arr, json_pack("{s:s, s:s, s:o, s:o, s:o, s:b}", "name", def->name,
				       "schedule", cals, "last_backup",
				       have ? json_integer(st.time) : json_null(), "last_result",
				       have ? json_string(st.ok ? "ok" : "failed") : json_null(),
				       "next_run", next ? json_integer(next) : json_null(),
				       "overdue", overdue));
	} else {
		printf("%-16s %-16s %-7s %-16s %s%s\n", def->name,
		       when_text(have ? st.time : 0, a, sizeof a),
		       have ? st.ok ? "ok" : "FAILED" : "-", when_text(next, b, sizeof b), cals,
		       overdue ? "  OVERDUE" : "");
	}
	free(cals);
	schedule_status_free(&st);
}

int cmd_schedule(struct cli *c, int argc, char **argv)
{
	const char *gen = NULL, *unit_dir = "/etc/systemd/system";
	struct opt_spec specs[] = { { "generate", OPT_VALUE, &gen },
				    { "unit-dir", OPT_VALUE, &unit_dir },
				    { NULL, 0, NULL } };
	struct vmdef *defs = NULL;
	size_t n = 0;
	char *err = NULL;
	json_t *arr;
	time_t now = time(NULL);
	int rc = EXIT_DONE;

	if (cmd_opts_parse(specs, &argc, argv) < 0 || argc != 1)
		return cli_usage(c);
	if (cli_load_all(c, &defs, &n) != 0)
		return EXIT_USAGE;
	if (gen) {
		if (schedule_generate(&c->cfg, defs, n, gen, unit_dir, &err) < 0)
			rc = cli_error(EXIT_FAILED, "schedule: %s", err);
		free(err);
		vmdefs_free(defs, n);
		return rc;
	}
	arr = c->json ? json_array() : NULL;
	if (!arr)
		printf("%-16s %-16s %-7s %-16s %s\n", "NAME", "LAST BACKUP", "RESULT", "NEXT RUN",
		       "SCHEDULE");
	for (size_t i = 0; i < n; i++)
		if (!defs[i].error)
			schedule_row(c, &defs[i], now, arr);
	if (arr)
		cli_json_print(arr);
	vmdefs_free(defs, n);
	return rc;
}
