/*
 * schedule.c: calendar expressions through systemd-analyze, due and overdue guests, last-backup
 * status files, timer drop-ins.
 */
#include "schedule.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spawn.h"
#include "util.h"

#define STATUS_MAX 4096
#define OVERDUE_GRACE 3600     /* a run may take this long before it counts as missed */
#define NEXT_CACHE 64

/* ---- last-backup status ---- */

static char *status_path(const struct config *cfg, const char *guest)
{
	return xasprintf("%s/" SCHEDULE_STATUS_DIR "/%s", cfg->backup_dir, guest);
}

void schedule_status_free(struct backup_status *st)
{
	free(st->text);
	memset(st, 0, sizeof *st);
}

int schedule_status_read(const struct config *cfg, const char *guest, struct backup_status *st)
{
	char *p, *text;

	memset(st, 0, sizeof *st);
	if (!name_valid(guest))
		return -1;
	p = status_path(cfg, guest);
	text = file_read_max(p, STATUS_MAX, O_NOFOLLOW, NULL, NULL);
	free(p);
	if (text == NULL)
		return -1;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "time=", 5) == 0)
			st->time = (time_t)strtoll(l + 5, NULL, 10);
		else if (strncmp(l, "last_ok=", 8) == 0)
			st->last_ok = (time_t)strtoll(l + 8, NULL, 10);
		else if (strncmp(l, "result=", 7) == 0)
			st->ok = strcmp(l + 7, "ok") == 0;
		else if (strncmp(l, "scheduled=", 10) == 0)
			st->scheduled = strcmp(l + 10, "1") == 0;
		else if (strncmp(l, "text=", 5) == 0 && st->text == NULL)
			st->text = xstrdup(l + 5);
	}
	free(text);
	if (st->time > 0)
		return 0;
	schedule_status_free(st);
	return -1;
}

void schedule_status_write(const struct config *cfg, const char *guest, bool ok, bool scheduled,
			   const char *text)
{
	struct backup_status old;
	time_t now = time(NULL);
	char *dir = path_join(cfg->backup_dir, SCHEDULE_STATUS_DIR), *p, *body,
	     *flat = xstrdup(text ? text : "");

	for (char *c = flat; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	schedule_status_read(cfg, guest, &old);
	body = xasprintf("time=%lld\nresult=%s\nscheduled=%d\nlast_ok=%lld\ntext=%s\n",
			 (long long)now, ok ? "ok" : "failed", scheduled,
			 (long long)(ok ? now : old.last_ok), flat);
	p = status_path(cfg, guest);
	if (mkdir_p(dir, 0755, NULL) == 0)
		file_write_atomic(p, body, strlen(body), 0644, NULL);
	schedule_status_free(&old);
	free(flat);
	free(body);
	free(p);
	free(dir);
}

/* ---- calendar expressions ---- */

char *schedule_normalize(const char *expr)
{
	if (strncmp(expr, "daily ", 6) == 0 && expr[6] >= '0' && expr[6] <= '9')
		return xasprintf("*-*-* %s", expr + 6);
	return xstrdup(expr);
}

static bool analyze_available(void)
{
	const char *path = getenv("PATH");
	char *copy = xstrdup(path ? path : "/usr/bin:/bin"), *save = NULL;
	bool found = false;

	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = path_join(d, "systemd-analyze");

		found = access(p, X_OK) == 0;
		free(p);
	}
	free(copy);
	return found;
}

int schedule_calendar_check(const char *expr, char **err)
{
	char *e = schedule_normalize(expr), *why = NULL;
	char *argv[] = { (char *)"systemd-analyze", (char *)"calendar", (char *)"--", e, NULL };
	int rc;

	if (!analyze_available()) {
		free(e);
		return 0;
	}
	rc = spawn_run(argv, NULL, &why) == 0 ? 1 : -1;
	if (rc < 0)
		err_set(err, "\"%s\" is not a systemd calendar expression (see systemd.time(7))",
			expr);
	free(why);
	free(e);
	return rc;
}

/* "Thu 2024-06-06 00:00:00 UTC" after the label; 1 for "never". */
static int parse_elapse(const char *out, time_t *next)
{
	const char *l = strstr(out, "(in UTC): "), *lab = "(in UTC): ";
	struct tm tm;

	if (l == NULL) {
		lab = "Next elapse: ";
		l = strstr(out, lab);
	}
	if (l == NULL)
		return -1;
	l += strlen(lab);
	if (strncmp(l, "never", 5) == 0)
		return 1;
	memset(&tm, 0, sizeof tm);
	if (sscanf(l, "%*s %d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*next = timegm(&tm);
	return 0;
}

/*
 * Next elapses already asked for. An answer never goes stale: the first
 * elapse after a fixed time is fixed. One also answers any later base
 * before that elapse (nothing elapses in between), so a refresh asks
 * systemd-analyze once per elapse, not once per call.
 */
static struct next_cache {
	char *expr;
	time_t after, next;
	int rc;
	double used;
} next_cache[NEXT_CACHE];

static int next_uncached(const char *expr, time_t after, time_t *next)
{
	char *e = schedule_normalize(expr),
	     *base = xasprintf("--base-time=@%lld", (long long)after), *out = NULL;
	char *argv[] = { (char *)"systemd-analyze",
			 (char *)"calendar",
			 (char *)"--iterations=1",
			 base,
			 (char *)"--",
			 e,
			 NULL };
	int rc = -1;

	if (analyze_available() && spawn_run(argv, &out, NULL) == 0)
		rc = parse_elapse(out, next);
	free(out);
	free(base);
	free(e);
	return rc;
}

static bool cache_answers(const struct next_cache *c, const char *expr, time_t after)
{
	if (c->expr == NULL || strcmp(c->expr, expr) != 0)
		return false;
	if (c->after == after)
		return c->rc >= 0;
	return c->rc == 0 && c->after <= after && after < c->next;
}

int schedule_next(const char *expr, time_t after, time_t *next)
{
	struct next_cache *slot = &next_cache[0];
	int rc;

	for (size_t i = 0; i < NEXT_CACHE; i++) {
		struct next_cache *c = &next_cache[i];

		if (cache_answers(c, expr, after)) {
			c->used = now_mono();
			*next = c->next;
			return c->rc;
		}
		if (c->expr == NULL || (slot->expr && c->used < slot->used))
			slot = c;  /* an empty slot, else the least recently used */
	}
	rc = next_uncached(expr, after, next);
	if (rc < 0)
		return rc;  /* not kept: systemd-analyze may be there next time */
	free(slot->expr);
	slot->expr = xstrdup(expr);
	slot->after = after;
	slot->next = rc == 0 ? *next : 0;
	slot->rc = rc;
	slot->used = now_mono();
	return rc;
}

/* ---- which guests, when ---- */

size_t schedule_calendars(const struct config *cfg, const struct vmdef *def,
			  const char *const **out)
{
	static const char *one[2];

	*out = NULL;
	if (def->error || !def->backup_schedule)
		return 0;
	if (def->n_backup_calendars) {
		*out = (const char *const *)def->backup_calendars;
		return def->n_backup_calendars;
	}
	if (cfg->backup_schedule[0] == '\0')
		return 0;
	one[0] = cfg->backup_schedule;
	*out = one;
	return 1;
}

bool schedule_due(const struct config *cfg, const struct vmdef *def, const struct backup_status *st,
		  time_t now)
{
	const char *const *cals;
	size_t n = schedule_calendars(cfg, def, &cals);

	if (n == 0)
		return false;
	if (st == NULL || st->time == 0)
		return true;
	for (size_t i = 0; i < n; i++) {
		time_t next = 0;
		int rc = schedule_next(cals[i], st->time, &next);

		if (rc < 0 || (rc == 0 && next <= now))
			/* elapsed since the last attempt (or not computable: rather back up) */
			return true;
	}
	return false;
}

/* The earliest next elapse of the guest's calendars after base; 0 when none. */
static time_t earliest_after(const struct config *cfg, const struct vmdef *def, time_t base)
{
	const char *const *cals;
	size_t n = schedule_calendars(cfg, def, &cals);
	time_t best = 0;

	for (size_t i = 0; i < n; i++) {
		time_t next = 0;

		if (schedule_next(cals[i], base, &next) == 0 && (best == 0 || next < best))
			best = next;
	}
	return best;
}

time_t schedule_next_run(const struct config *cfg, const struct vmdef *def, time_t now)
{
	return earliest_after(cfg, def, now);
}

bool schedule_overdue(const struct config *cfg, const struct vmdef *def,
		      const struct backup_status *st, time_t now)
{
	time_t base, due;

	if (st == NULL || st->time == 0)
		return false;
	base = st->last_ok ? st->last_ok : st->time;
	due = earliest_after(cfg, def, base);
	return due != 0 && due + OVERDUE_GRACE < now;
}

/* ---- the generator ---- */

/*
 * Adds expr once, escaped for a unit file; one systemd would refuse is left out (`vmdeck check`
 * names it).
 */
static void add_calendar(struct strv *sv, const char *expr)
{
	char *e = schedule_normalize(expr);
	struct sbuf b = { 0 };

	if (schedule_calendar_check(expr, NULL) < 0)
		goto out;
	for (const char *c = e; *c; c++) {
		if ((unsigned char)*c < 0x20)
			goto out;  /* a unit file line must stay one line */
		sbuf_addn(&b, c, 1);
		if (*c == '%')
			sbuf_add(&b, "%");  /* systemd expands % specifiers */
	}
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], b.s ? b.s : "") == 0)
			goto out;
	if (b.len)
		strv_add(sv, b.s);
out:
	sbuf_free(&b);
	free(e);
}

/* DIR/UNIT.d/50-vmdeck-schedule.conf and DIR/timers.target.wants/UNIT, for one timer. */
static int generate_timer(const char *dir, const char *unit, const char *unit_dir,
			  const struct strv *cals, const char *source, char **err)
{
	struct sbuf b = { 0 };
	char *d = xasprintf("%s/%s.d", dir, unit), *f = path_join(d, "50-vmdeck-schedule.conf");
	char *w = path_join(dir, "timers.target.wants"), *link = path_join(w, unit),
	     *target = path_join(unit_dir, unit);
	int rc = -1;

	sbuf_printf(
		&b,
		"# Written by vmdeck's systemd generator from %s at each boot and daemon-reload.\n"
		"# Edit vmdeck.conf (backup.schedule, backup.verify_schedule, backup_schedule), "
		"then\n"
		"# run systemctl daemon-reload.\n[Timer]\nOnCalendar=\n",
		source);
	for (size_t i = 0; i < cals->n; i++)
		sbuf_printf(&b, "OnCalendar=%s\n", cals->v[i]);
	if (mkdir_p(d, 0755, err) == 0 && file_write_atomic(f, b.s, b.len, 0644, err) == 0 &&
	    mkdir_p(w, 0755, err) == 0) {
		unlink(link);
		rc = symlink(target, link) == 0
			     ? 0
			     : err_set(err, "cannot link %s: %s", link, strerror(errno));
	}
	sbuf_free(&b);
	free(d);
	free(f);
	free(w);
	free(link);
	free(target);
	return rc;
}

int schedule_generate(const struct config *cfg, const struct vmdef *defs, size_t n, const char *dir,
		      const char *unit_dir, char **err)
{
	struct strv backup = { 0 }, verify = { 0 };
	int rc = 0;

	if (cfg->backup_schedule[0])
		add_calendar(&backup, cfg->backup_schedule);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; !defs[i].error && j < defs[i].n_backup_calendars; j++)
			add_calendar(&backup, defs[i].backup_calendars[j]);
	if (cfg->backup_verify_schedule[0])
		add_calendar(&verify, cfg->backup_verify_schedule);
	if (backup.n)
		rc = generate_timer(dir, "vmdeck-backup.timer", unit_dir, &backup, cfg->path, err);
	if (rc == 0 && verify.n)
		rc = generate_timer(dir, "vmdeck-verify.timer", unit_dir, &verify, cfg->path, err);
	strv_free(&backup);
	strv_free(&verify);
	return rc;
}

/* ---- vmdeck check ---- */

static void check_one(const char *where, const char *key, const char *expr, struct strv *errors,
		      struct strv *warnings)
{
	char *err = NULL;
	int rc = schedule_calendar_check(expr, &err);

	if (rc < 0)
		strv_addf(errors, "%s: %s: %s", where, key, err);
	else if (rc == 0)
		strv_addf(warnings,
			  "%s: %s: systemd-analyze is not installed: \"%s\" was not checked", where,
			  key, expr);
	free(err);
}

void schedule_check_config(const struct config *cfg, struct strv *errors, struct strv *warnings)
{
	if (cfg->backup_schedule[0])
		check_one(cfg->path, "backup.schedule", cfg->backup_schedule, errors, warnings);
	if (cfg->backup_verify_schedule[0])
		check_one(cfg->path, "backup.verify_schedule", cfg->backup_verify_schedule, errors,
			  warnings);
}

void schedule_check_def(const struct config *cfg, const struct vmdef *def, struct strv *errors,
			struct strv *warnings)
{
	if (def->error || !def->backup_schedule)
		return;
	for (size_t i = 0; i < def->n_backup_calendars; i++)
		check_one(def->path, "backup_schedule", def->backup_calendars[i], errors, warnings);
	if (def->n_backup_calendars == 0 && cfg->backup_schedule[0] == '\0')
		strv_addf(
			warnings,
			"%s: backup_schedule: true, but backup.schedule is empty: it is never "
			"backed up on schedule",
			def->path);
}

/* ---- the console ---- */

void schedule_info_get(const struct config *cfg, const struct vmdef *def, time_t now,
		       struct schedule_info *out)
{
	struct backup_status st;

	memset(out, 0, sizeof *out);
	if (def->error)
		return;
	out->next = schedule_next_run(cfg, def, now);
	if (schedule_status_read(cfg, def->name, &st) < 0)
		return;
	out->has_last = true;
	out->last = st.time;
	out->last_ok = st.ok;
	out->overdue = schedule_overdue(cfg, def, &st, now);
	if (!st.ok)
		snprintf(out->why, sizeof out->why, "%s", st.text ? st.text : "");
	schedule_status_free(&st);
}
