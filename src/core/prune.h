/*
 * prune.h: retention (Proxmox's prune rules) over archive lists, and pruning a local or remote
 * backup folder.
 */
#ifndef VMDECK_PRUNE_H
#define VMDECK_PRUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"

/* One archive of one guest; prune_plan fills keep and rule. */
struct prune_item {
	const char *name;    /* the archive folder's name (not owned) */
	time_t time;         /* when it was made */
	bool keep;
	const char *rule; /* keep: "keep-last" ... "keep-yearly", or "keep-all" when no rule is set;
			     remove: NULL */
};

/*
 * Proxmox's prune, pure: items (one guest, one destination; any order) are
 * sorted newest first, then each rule in the order last, hourly, daily,
 * weekly, monthly, yearly looks only at items no earlier rule marked, and
 * keeps the newest item of each of its newest N periods (local time; weeks
 * are ISO weeks). A period that already holds a kept item is skipped; a
 * second item in a period this rule took is marked remove. Whatever no rule
 * kept is removed. With every count 0, everything is kept ("keep-all").
 */
void prune_plan(const struct backup_keep *keep, struct prune_item *items, size_t n);

/* One line of a prune: an archive or a partial folder, and what was (or would be) done. */
struct prune_entry {
	char *where;         /* the destination: a folder, or HOST:/folder */
	char *guest;
	char *name;          /* folder name */
	time_t time;
	bool partial;        /* a dot-named unfinished archive */
	bool keep;
	const char *rule;    /* as prune_item; "partial" for a partial folder */
	char *error;         /* removing it failed: why; else NULL */
};

struct prune_report {
	struct prune_entry *e;
	size_t n;
};

/*
 * Prunes one destination: to = NULL for backup.dir, a folder, or
 * HOST:/folder. guest NULL = every guest found there. A partial folder is
 * removed when it is older than that guest's newest complete archive.
 * dry_run only fills the report. -1 when the destination cannot be read;
 * a removal that fails is an entry's error (and prune_failed says so).
 */
/*
 * Lists a destination's archives and partial folders (of guest, or all; NULL), by guest then newest
 * first; keep is true.
 */
int prune_list(const struct config *cfg, const char *to, const char *guest, struct prune_report *r,
	       char **err);
int prune_run(const struct config *cfg, const char *to, const char *guest, bool dry_run,
	      struct prune_report *r, char **err);
bool prune_failed(const struct prune_report *r);
void prune_report_free(struct prune_report *r);
void prune_entry_free(struct prune_entry *e);

/*
 * "NAME-YYYYmmdd-HHMMSS" (or ".NAME-....partial") -> guest and local time; -1 for a name not made
 * so.
 */
int prune_parse_name(const char *folder, char **guest, time_t *t, bool *partial);

#endif
