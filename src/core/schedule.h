/*
 * schedule.h: backup schedules: calendar expressions (systemd-analyze), due guests, last-backup
 * status, timer drop-ins.
 */
#ifndef VMDECK_SCHEDULE_H
#define VMDECK_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "vmdef.h"

/*
 * A guest's last backup, kept in backup.dir/.vmdeck-status/NAME (a few
 * lines, written atomically by every backup run): what the console shows
 * without listing archives, and what `backup --scheduled` decides from.
 */
struct backup_status {
	time_t time;        /* of the last attempt; 0 = never */
	bool ok;            /* its result */
	bool scheduled;     /* it was a scheduled one */
	time_t last_ok;     /* the last successful one; 0 = never */
	char *text;         /* where it went, or why it failed */
};

#define SCHEDULE_STATUS_DIR ".vmdeck-status"

/* 0 with *st filled, -1 when there is none (st zeroed). */
int schedule_status_read(const struct config *cfg, const char *guest, struct backup_status *st);
/* Records an attempt; a failure to write is only ignored (the backup itself stands). */
void schedule_status_write(const struct config *cfg, const char *guest, bool ok, bool scheduled,
			   const char *text);
void schedule_status_free(struct backup_status *st);

/*
 * "daily 02:00" -> "*-*-* 02:00" (the form the admins write); anything else as given.
 * Allocated.
 */
char *schedule_normalize(const char *expr);

/*
 * Checks a calendar expression with `systemd-analyze calendar`: 1 valid,
 * 0 when systemd-analyze is not there (unchecked), -1 invalid with *err.
 */
int schedule_calendar_check(const char *expr, char **err);

/*
 * The first time expr elapses after `after` (local time rules), through
 * systemd-analyze, remembered (schedule.c says how). 0 with *next;
 * 1 when it never elapses again; -1 when it cannot be computed.
 */
int schedule_next(const char *expr, time_t after, time_t *next);

/*
 * The guest's calendar expressions: its own list, or backup.schedule when true (and set); none: 0.
 */
size_t schedule_calendars(const struct config *cfg, const struct vmdef *def,
			  const char *const **out);

/*
 * Is a scheduled backup of def due at now? Never attempted: yes; else when
 * one of its calendars elapsed after the last attempt, at or before now.
 */
bool schedule_due(const struct config *cfg, const struct vmdef *def, const struct backup_status *st,
		  time_t now);

/* The guest's next scheduled run after now, or 0 when it has none. */
time_t schedule_next_run(const struct config *cfg, const struct vmdef *def, time_t now);

/*
 * Overdue: scheduled, and a run it should have had (after its last
 * successful backup, or after its first attempt when none succeeded) is more
 * than an hour past without a success since.
 */
bool schedule_overdue(const struct config *cfg, const struct vmdef *def,
		      const struct backup_status *st, time_t now);

/*
 * The systemd generator's work (vmdeck schedule --generate DIR): into DIR,
 * a drop-in vmdeck-backup.timer.d/50-vmdeck-schedule.conf with one
 * OnCalendar= per distinct calendar (backup.schedule and the guests' own),
 * and timers.target.wants/vmdeck-backup.timer -> unit_dir's timer; the same
 * for vmdeck-verify.timer from backup.verify_schedule. No schedule: nothing
 * is written, so the timer stays inactive.
 */
int schedule_generate(const struct config *cfg, const struct vmdef *defs, size_t n, const char *dir,
		      const char *unit_dir, char **err);

/* What the console shows of a guest's backups; fixed size, nothing to free. */
struct schedule_info {
	bool has_last;      /* a backup was ever attempted */
	time_t last;        /* its time */
	bool last_ok;
	time_t next;        /* next scheduled run, 0 = none */
	bool overdue;
	char why[160];      /* the last failure's reason, "" when it went well */
};

/* Reads the guest's status file and works out its next run (cached): cheap enough for a refresh. */
void schedule_info_get(const struct config *cfg, const struct vmdef *def, time_t now,
		       struct schedule_info *out);

/* `vmdeck check`: calendar expressions of the config and of one guest, one line each. */
void schedule_check_config(const struct config *cfg, struct strv *errors, struct strv *warnings);
void schedule_check_def(const struct config *cfg, const struct vmdef *def, struct strv *errors,
			struct strv *warnings);

#endif
