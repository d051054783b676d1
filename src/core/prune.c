/*
 * prune.c: Proxmox-style retention over a guest's archives, and pruning a local folder or one on
 * another host.
 */
#include "prune.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup_dest.h"
#include "hosts.h"
#include "manifest.h"
#include "util.h"

#define PERIOD_LEN 32

enum { UNMARKED, KEPT, REMOVED };

enum period { P_EACH, P_HOUR, P_DAY, P_WEEK, P_MONTH, P_YEAR };

/* The rules in the order they run, each with the period it keeps one item of. */
static const struct prune_rule {
	const char *name;
	size_t off;
	enum period period;
} prune_rules[] = {
	{ "keep-last", offsetof(struct backup_keep, last), P_EACH },
	{ "keep-hourly", offsetof(struct backup_keep, hourly), P_HOUR },
	{ "keep-daily", offsetof(struct backup_keep, daily), P_DAY },
	{ "keep-weekly", offsetof(struct backup_keep, weekly), P_WEEK },
	{ "keep-monthly", offsetof(struct backup_keep, monthly), P_MONTH },
	{ "keep-yearly", offsetof(struct backup_keep, yearly), P_YEAR },
};

static int cmp_newest_item(const void *a, const void *b)
{
	const struct prune_item *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? 1 : -1;
	return strcmp(y->name, x->name);
}

/* A text naming the item's period in local time (ISO weeks: %G/%V); keep-last: the item itself. */
static void period_of(const struct prune_item *it, enum period p, size_t idx, char *buf)
{
	struct tm tm;

	localtime_r(&it->time, &tm);
	switch (p) {
	case P_EACH:
		snprintf(buf, PERIOD_LEN, "#%zu", idx);
		break;
	case P_HOUR:
		strftime(buf, PERIOD_LEN, "%Y/%m/%d/%H", &tm);
		break;
	case P_DAY:
		strftime(buf, PERIOD_LEN, "%Y/%m/%d", &tm);
		break;
	case P_WEEK:
		strftime(buf, PERIOD_LEN, "%G/%V", &tm);
		break;
	case P_MONTH:
		strftime(buf, PERIOD_LEN, "%Y/%m", &tm);
		break;
	case P_YEAR:
		strftime(buf, PERIOD_LEN, "%Y", &tm);
		break;
	}
}

/* Is period p held by an item whose mark is KEPT and whose "before this rule" flag is before? */
static bool period_held(char (*per)[PERIOD_LEN], const char *mark, const bool *pre, size_t n,
			const char *p, bool before)
{
	for (size_t j = 0; j < n; j++)
		if (mark[j] == KEPT && pre[j] == before && strcmp(per[j], p) == 0)
			return true;
	return false;
}

/*
 * One rule's pass (Proxmox's mark_selections): newest first over the items no earlier rule marked.
 */
static void mark_rule(struct prune_item *items, char *mark, size_t n, int keep,
		      const struct prune_rule *r)
{
	char (*per)[PERIOD_LEN] = xcalloc(n ? n : 1, PERIOD_LEN);
	bool *pre = xcalloc(n ? n : 1, sizeof *pre);
	int taken = 0;

	for (size_t i = 0; i < n; i++) {
		period_of(&items[i], r->period, i, per[i]);
		pre[i] = mark[i] == KEPT;
	}
	for (size_t i = 0; i < n; i++) {
		if (mark[i] != UNMARKED || period_held(per, mark, pre, n, per[i], true))
			continue;  /* marked already, or a period an earlier rule covers */
		if (period_held(per, mark, pre, n, per[i], false)) {
			mark[i] = REMOVED;  /* an older one in a period this rule took */
			continue;
		}
		if (taken >= keep)
			break;
		taken++;
		mark[i] = KEPT;
		items[i].rule = r->name;
	}
	free(per);
	free(pre);
}

void prune_plan(const struct backup_keep *keep, struct prune_item *items, size_t n)
{
	char *mark = xcalloc(n ? n : 1, 1);
	bool any = false;

	if (n)
		qsort(items, n, sizeof *items, cmp_newest_item);
	for (size_t i = 0; i < n; i++)
		items[i].rule = NULL;
	for (size_t r = 0; r < ARRAY_LEN(prune_rules); r++) {
		int k = *(const int *)((const char *)keep + prune_rules[r].off);

		if (k > 0) {
			any = true;
			mark_rule(items, mark, n, k, &prune_rules[r]);
		}
	}
	for (size_t i = 0; i < n; i++) {
		items[i].keep = !any || mark[i] == KEPT;
		if (!any)
			items[i].rule = "keep-all";
		else if (!items[i].keep)
			items[i].rule = NULL;
	}
	free(mark);
}

int prune_parse_name(const char *folder, char **guest, time_t *t, bool *partial)
{
	size_t n = strlen(folder);
	const char *stamp;
	char *g;
	struct tm tm;

	*partial = folder[0] == '.';
	if (*partial) {
		if (n < 9 || strcmp(folder + n - 8, ".partial") != 0)
			return -1;
		folder++;
		n -= 9;
	}
	if (n < 17 || folder[n - 16] != '-' || folder[n - 7] != '-')
		return -1;
	stamp = folder + n - 15;
	for (size_t i = 0; i < 15; i++)
		if (i != 8 && (stamp[i] < '0' || stamp[i] > '9'))
			return -1;
	memset(&tm, 0, sizeof tm);
	if (sscanf(stamp, "%4d%2d%2d-%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	g = xstrndup(folder, n - 16);
	if (!name_valid(g)) {
		free(g);
		return -1;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;  /* the stamp is the backup's local time */
	*t = mktime(&tm);
	*guest = g;
	return 0;
}

/* ---- a destination's archives ---- */

static void entry_add(struct prune_report *r, const char *where, const char *name, bool complete)
{
	struct prune_entry e = { 0 };
	bool partial;

	if (prune_parse_name(name, &e.guest, &e.time, &partial) < 0 || partial == complete)
		return;  /* not an archive's name, or a dot-named folder holding a manifest */
	e.where = xstrdup(where);
	e.name = xstrdup(name);
	e.partial = partial;
	e.keep = true;
	r->e = xrealloc(r->e, (r->n + 1) * sizeof *r->e);
	r->e[r->n++] = e;
}

/* A real folder (never through a link) holding a regular manifest.yaml. */
static int local_kind(int dfd, const char *name, bool *complete)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return -1;
	char *mp = path_join(name, MANIFEST_FILE);

	*complete = fstatat(dfd, mp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
	free(mp);
	return 0;
}

static int list_local(const char *dir, struct prune_report *r, char **err)
{
	DIR *dh = opendir(dir);
	struct dirent *e;

	if (dh == NULL)
		return errno == ENOENT ? 0
				       : err_set(err, "cannot read %s: %s", dir, strerror(errno));
	while ((e = readdir(dh)) != NULL) {
		bool complete;

		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    local_kind(dirfd(dh), e->d_name, &complete) == 0)
			entry_add(r, dir, e->d_name, complete);
	}
	closedir(dh);
	return 0;
}

/* One ssh command lists the folder there: "c NAME" complete, "p NAME" without a manifest. */
static int list_remote(const struct backup_dest *d, const char *where, struct prune_report *r,
		       char **err)
{
	char *q = sh_quote(d->dir), *out = NULL, *cmd;
	int rc;

	cmd = xasprintf(
		"cd -- %s 2>/dev/null || exit 0; for d in */ .*.partial/; do "
		"[ -d \"$d\" ] && [ ! -L \"${d%%/}\" ] || continue; d=${d%%/}; "
		/* one name a line: a newline in a name would make a second, made-up one */
		"case $d in *[!A-Za-z0-9._-]*) continue;; esac; "
		"if [ -f \"$d/manifest.yaml\" ]; then echo \"c $d\"; else echo \"p $d\"; fi; done",
		q);
	rc = host_run(&d->host, cmd, &out, err);
	for (char *save = NULL, *l = rc == 0 ? strtok_r(out, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save))
		if ((l[0] == 'c' || l[0] == 'p') && l[1] == ' ')
			entry_add(r, where, l + 2, l[0] == 'c');
	free(out);
	free(cmd);
	free(q);
	return rc;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct prune_entry *x = a, *y = b;
	int c = strcmp(x->guest, y->guest);

	if (c)
		return c;
	if (x->time != y->time)
		return x->time < y->time ? 1 : -1;
	return strcmp(x->name, y->name);
}

int prune_list(const struct config *cfg, const char *to, const char *guest, struct prune_report *r,
	       char **err)
{
	struct backup_dest d;
	char *where = NULL;
	int rc;

	memset(r, 0, sizeof *r);
	if (backup_dest_parse(cfg, to, &d, err) < 0) {
		backup_dest_free(&d);
		return -1;
	}
	if (d.kind == DEST_REMOTE_LV) {
		rc = err_set(err,
			     "%s: an LV holds no archives to list (give a folder or HOST:/folder)",
			     to);
	} else if (d.kind == DEST_DIR) {
		rc = list_local(d.dir, r, err);
	} else {
		where = xasprintf("%s:%s", d.host_arg, d.dir);
		rc = list_remote(&d, where, r, err);
	}
	free(where);
	backup_dest_free(&d);
	for (size_t i = 0; rc == 0 && guest && i < r->n; i++)
		if (strcmp(r->e[i].guest, guest) != 0) {
			prune_entry_free(&r->e[i]);
			r->e[i--] = r->e[--r->n];
		}
	if (rc == 0 && r->n)
		qsort(r->e, r->n, sizeof *r->e, cmp_entry);
	if (rc < 0)
		prune_report_free(r);
	return rc;
}

void prune_entry_free(struct prune_entry *e)
{
	free(e->where);
	free(e->guest);
	free(e->name);
	free(e->error);
	memset(e, 0, sizeof *e);
}

void prune_report_free(struct prune_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		prune_entry_free(&r->e[i]);
	free(r->e);
	memset(r, 0, sizeof *r);
}

bool prune_failed(const struct prune_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].error)
			return true;
	return false;
}

/* ---- deciding and removing ---- */

/*
 * The plan for one guest's entries e[0..n): archives by the rules; partials by the newest complete
 * one.
 */
static void decide_guest(const struct backup_keep *keep, struct prune_entry *e, size_t n)
{
	struct prune_item *items = xcalloc(n ? n : 1, sizeof *items);
	size_t m = 0;
	time_t newest = 0;
	bool have = false;

	for (size_t i = 0; i < n; i++) {
		if (e[i].partial)
			continue;
		if (!have || e[i].time > newest)
			newest = e[i].time;
		have = true;
		items[m].name = e[i].name;
		items[m++].time = e[i].time;
	}
	prune_plan(keep, items, m);
	for (size_t i = 0; i < n; i++) {
		if (e[i].partial) {
			e[i].keep = !have || e[i].time >= newest;  /* maybe still being written */
			e[i].rule = "partial";
			continue;
		}
		for (size_t j = 0; j < m; j++)
			if (items[j].name == e[i].name) {
				e[i].keep = items[j].keep;
				e[i].rule = items[j].rule;
			}
	}
	free(items);
}

/* Removes an archive folder's files, then the folder; never follows a link, never descends. */
static int remove_local(const char *dir, const char *name, char **err)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd = -1;
	DIR *dh = NULL;
	struct dirent *e;
	int rc = 0;

	if (dfd >= 0)
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		dh = fdopendir(fd);
	if (dh == NULL) {
		rc = err_set(err, "cannot open %s/%s: %s", dir, name, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	while (dh && (e = readdir(dh)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    unlinkat(dirfd(dh), e->d_name, 0) < 0)
			rc = err_set(err, "cannot remove %s/%s/%s: %s", dir, name, e->d_name,
				     strerror(errno));
	if (dh)
		closedir(dh);
	if (rc == 0 && unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		rc = err_set(err, "cannot remove %s/%s: %s", dir, name, strerror(errno));
	if (dfd >= 0)
		close(dfd);
	return rc;
}

static int remove_remote(const struct backup_dest *d, const char *name, char **err)
{
	char *p = path_join(d->dir, name), *q = sh_quote(p), *cmd = xasprintf("rm -rf -- %s", q);
	int rc = host_run(&d->host, cmd, NULL, err);

	free(cmd);
	free(q);
	free(p);
	return rc;
}

static void remove_marked(const struct config *cfg, const char *to, struct prune_report *r)
{
	struct backup_dest d;
	char *err = NULL;

	if (backup_dest_parse(cfg, to, &d, &err) < 0) {
		free(err);
		backup_dest_free(&d);
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		struct prune_entry *e = &r->e[i];

		if (e->keep)
			continue;
		if ((d.kind == DEST_DIR ? remove_local(d.dir, e->name, &err)
					: remove_remote(&d, e->name, &err)) < 0) {
			e->error = err ? err : xstrdup("cannot remove it");
			err = NULL;
		}
	}
	if (d.kind == DEST_DIR)
		dir_sync(d.dir, NULL);
	backup_dest_free(&d);
}

int prune_run(const struct config *cfg, const char *to, const char *guest, bool dry_run,
	      struct prune_report *r, char **err)
{
	if (prune_list(cfg, to, guest, r, err) < 0)
		return -1;
	for (size_t i = 0, j; i < r->n; i = j) {
		for (j = i; j < r->n && strcmp(r->e[j].guest, r->e[i].guest) == 0; j++)
			;
		decide_guest(&cfg->backup_keep, &r->e[i], j - i);
	}
	if (!dry_run)
		remove_marked(cfg, to, r);
	return 0;
}
