/* events.h: a guest's persisted event log, state_dir/NAME/events.log, shared by the CLI and the console. */
#ifndef VMDECK_EVENTS_H
#define VMDECK_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

/* One line of the log: "EPOCH_SECONDS<TAB>TEXT\n". */
struct events_entry {
	time_t when;
	char *text;
};

#define EVENTS_TRIM_AT (64 * 1024) /* bytes: past this the log is cut back ... */
#define EVENTS_KEEP 200            /* ... to its newest lines */

/*
 * Appends one event with the current time. The line goes out in one
 * O_APPEND write, so the CLI and consoles writing at once never mix lines;
 * newlines, tabs and other control characters in the text become spaces.
 * Never fails the caller's action: returns -1 (nothing written) on error.
 */
int events_log(const struct config *cfg, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The newest n events, oldest first, into out[0..n) (texts allocated; free
 * with events_free). Lines that are not "digits TAB text" (a torn write,
 * garbage) are skipped. Returns how many were read; 0 when there is no log.
 */
size_t events_recent(const struct config *cfg, const char *name, size_t n, struct events_entry *out);
void events_free(struct events_entry *ev, size_t n);

/* A fingerprint of the log file (inode, size, mtime), 0 if absent: cheap change detection. */
uint64_t events_stamp(const struct config *cfg, const char *name);

/*
 * Renames the log to events.log.deleted-YYYYmmdd-HHMMSS (local time; 0600)
 * beside it, so a new guest that takes the name starts with an empty log.
 * 0 also when there is no log; *archived (may be NULL) gets the new path.
 */
int events_archive(const struct config *cfg, const char *name, char **archived, char **err);

#endif
