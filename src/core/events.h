/*
 * events.h: a guest's persisted event log, state_dir/NAME/events.log, shared by the CLI and the
 * console.
 */
#ifndef VMDECK_EVENTS_H
#define VMDECK_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "vmstate.h"

/*
 * One line of the log:
 *
 *   EPOCH <TAB> KIND [<TAB> KEY=VALUE]... <TAB> TEXT <NEWLINE>
 *   1796112000	stop.acpi	powered off by ACPI after 4.2 s
 *
 * KIND says what happened, for programs (the names in enum events_kind's
 * table in events.c); TEXT says it for people. Between the two, fields
 * KEY=VALUE (lowercase key, no TAB): `by=` is kept for who did it (the
 * user, the ssh client's address), and readers skip keys they do not know.
 * Lines written before kinds existed, EPOCH <TAB> TEXT, read as
 * EV_LEGACY; a kind word this version does not know reads as EV_UNKNOWN.
 */
enum events_kind {
	EV_LEGACY,          /* an old line without a kind */
	EV_UNKNOWN,         /* a kind word from a newer vmdeck */
	EV_NOTE,            /* anything else worth a line */
	EV_DEF_CREATE,
	EV_DEF_EDIT,
	EV_DEF_DELETE,
	EV_START,
	EV_START_FAIL,
	EV_STOP_BUTTON,     /* the ACPI power button pressed */
	EV_STOP_ACPI,       /* powered off by ACPI */
	EV_STOP_REFUSED,    /* the button was not taken: ended with quit or SIGKILL */
	EV_STOP_TIMEOUT,    /* did not power off in time: ended with quit or SIGKILL */
	EV_STOP_FAIL,
	EV_KILL,            /* forced off */
	EV_RESET,
	EV_PAUSE,
	EV_RESUME,
	EV_ACTION_FAIL,     /* reset, pause, resume or the button asked, not done */
	EV_CDROM,           /* the running guest's CD changed or ejected */
	EV_CDROM_FAIL,
	EV_CDROM_NEXT,      /* the CD of the next start */
	EV_DISK_ATTACH,
	EV_BACKUP,
	EV_BACKUP_FAIL,
	EV_BACKUP_FROZEN,   /* a live backup could not confirm the thaw */
	EV_RESTORE,
	EV_RESTORE_CLEANUP,
	EV_MOVE,
	EV_SNAPSHOT,        /* a snapshot created, reverted to or deleted */
	EV_SNAPSHOT_FAIL,
	/* what the console saw happen, no verb having said so */
	EV_SEEN_RUNNING,
	EV_SEEN_PAUSED,
	EV_SEEN_STOPPED,
	EV_SEEN_SHUTTING_DOWN,
	EV_SEEN_UNRESPONSIVE,
	EV_SEEN_CRASHED,
	EV_SEEN_INVALID,
	EV_KIND_COUNT
};
/* "stop.acpi", ...; "legacy" and "unknown" for the two that are never written. */
const char *events_kind_name(enum events_kind kind);
/* The kind of a word from a line; EV_UNKNOWN for a word not in the table. */
enum events_kind events_kind_parse(const char *word);
/* The kind of a change of state the console saw (VM_CRASHED -> EV_SEEN_CRASHED). */
enum events_kind events_kind_seen(enum vm_state state);

struct events_entry {
	time_t when;
	enum events_kind kind;
	char *actor;            /* the line's by= field; NULL when it has none */
	char *text;
};

#define EVENTS_TRIM_AT (64 * 1024) /* bytes: past this the log is cut back ... */
#define EVENTS_KEEP 200            /* ... to its newest lines */

/*
 * Appends one event with the current time. The line goes out in one
 * O_APPEND write, so the CLI and consoles writing at once never mix lines;
 * newlines, tabs and other control characters in text and actor become
 * spaces. actor (may be NULL) is written as the by= field. Never fails the
 * caller's action: returns -1 (nothing written) on error.
 */
int events_write(const struct config *cfg, const char *name, enum events_kind kind,
		 const char *actor, const char *text);
/*
 * Who did it, for a line of this kind: actor_describe() (the user and ssh
 * client, sudo's user, or boot / host shutdown / backup timer), or NULL for
 * what was only seen happening (EV_SEEN_*).
 */
const char *events_actor(enum events_kind kind);
/* events_write with a printf text, and events_actor(kind) as its actor. */
int events_log(const struct config *cfg, const char *name, enum events_kind kind, const char *fmt,
	       ...) __attribute__((format(printf, 4, 5)));

/*
 * The newest n events, oldest first, into out[0..n) (texts allocated; free
 * with events_free). Lines that are not of the form above (a torn write,
 * garbage) are skipped. Returns how many were read; 0 when there is no log.
 */
size_t events_recent(const struct config *cfg, const char *name, size_t n,
		     struct events_entry *out);
void events_free(struct events_entry *ev, size_t n);

/* A fingerprint of the log file (inode, size, mtime), 0 if absent: cheap change detection. */
uint64_t events_stamp(const struct config *cfg, const char *name);

/*
 * Renames the log to events.log.deleted-YYYYmmdd-HHMMSS (local time; 0600)
 * beside it, so a new guest that takes the name starts with an empty log.
 * 0 also when there is no log; *archived (may be NULL) gets the new path.
 */
int events_archive(const struct config *cfg, const char *name, char **archived, char **err);

/*
 * Whether a change of state is already in the log. Verbs (from the CLI or
 * a console job) log what they do themselves, so the console logs a change
 * it sees only when no line explains it: one of the guest's newest
 * EVENTS_EXPLAIN_LINES lines, at most EVENTS_EXPLAIN_WINDOW seconds older
 * than the change (seen_at, epoch seconds), of a kind that leads to the
 * new state (stop.acpi, kill, start.fail, seen.stopped -> stopped). The
 * console judges a change EVENTS_EXPLAIN_GRACE seconds after seeing it, as
 * a verb may write its line just after the change shows. Crashes and hangs
 * have no verb: only the same observation (another console's) explains
 * them. An old line without a kind explains by its opening words.
 */
#define EVENTS_EXPLAIN_GRACE 2.0
#define EVENTS_EXPLAIN_WINDOW 10.0
#define EVENTS_EXPLAIN_LINES 4
bool events_explains(const struct events_entry *e, enum vm_state state, double seen_at);
bool events_already_logged(const struct config *cfg, const char *name, enum vm_state state,
			   double seen_at);

#endif
