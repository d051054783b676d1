/* events.c: a guest's event log: typed lines appended whole, kept small, read back. */
#include "events.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actor.h"
#include "util.h"
#include "vmstate.h"

#define EVENT_TEXT_MAX 480 /* a longer text is cut: a line stays one small write */
#define EVENT_ACTOR_MAX 120                  /* user@address, likewise */
#define EVENTS_READ_MAX (2 * EVENTS_TRIM_AT) /* readers look at the tail only */

#define EXPLAINS_NONE VM_STATE_COUNT

/* Each kind's word in the log, and the state a change to which it explains. */
static const struct {
	const char *name;
	enum vm_state explains;
} kinds[EV_KIND_COUNT] = {
	[EV_LEGACY] = { "legacy", EXPLAINS_NONE },
	[EV_UNKNOWN] = { "unknown", EXPLAINS_NONE },
	[EV_NOTE] = { "note", EXPLAINS_NONE },
	[EV_DEF_CREATE] = { "def.create", EXPLAINS_NONE },
	[EV_DEF_EDIT] = { "def.edit", EXPLAINS_NONE },
	[EV_DEF_DELETE] = { "def.delete", EXPLAINS_NONE },
	[EV_START] = { "start", VM_RUNNING },
	[EV_START_FAIL] = { "start.fail", VM_STOPPED },
	[EV_STOP_BUTTON] = { "stop.button", VM_SHUTTING_DOWN },
	[EV_STOP_ACPI] = { "stop.acpi", VM_STOPPED },
	[EV_STOP_REFUSED] = { "stop.refused", VM_STOPPED },
	[EV_STOP_TIMEOUT] = { "stop.timeout", VM_STOPPED },
	[EV_STOP_FAIL] = { "stop.fail", EXPLAINS_NONE },
	[EV_KILL] = { "kill", VM_STOPPED },
	[EV_RESET] = { "reset", VM_RUNNING },
	[EV_PAUSE] = { "pause", VM_PAUSED },
	[EV_RESUME] = { "resume", VM_RUNNING },
	[EV_ACTION_FAIL] = { "action.fail", EXPLAINS_NONE },
	[EV_CDROM] = { "cdrom", EXPLAINS_NONE },
	[EV_CDROM_FAIL] = { "cdrom.fail", EXPLAINS_NONE },
	[EV_CDROM_NEXT] = { "cdrom.next", EXPLAINS_NONE },
	[EV_DISK_ATTACH] = { "disk.attach", EXPLAINS_NONE },
	[EV_BACKUP] = { "backup", EXPLAINS_NONE },
	[EV_BACKUP_FAIL] = { "backup.fail", EXPLAINS_NONE },
	[EV_BACKUP_FROZEN] = { "backup.frozen", EXPLAINS_NONE },
	[EV_RESTORE] = { "restore", EXPLAINS_NONE },
	[EV_RESTORE_CLEANUP] = { "restore.cleanup", EXPLAINS_NONE },
	[EV_MOVE] = { "move", EXPLAINS_NONE },
	[EV_SNAPSHOT] = { "snapshot", EXPLAINS_NONE },
	[EV_SNAPSHOT_FAIL] = { "snapshot.fail", EXPLAINS_NONE },
	[EV_SEEN_RUNNING] = { "seen.running", VM_RUNNING },
	[EV_SEEN_PAUSED] = { "seen.paused", VM_PAUSED },
	[EV_SEEN_STOPPED] = { "seen.stopped", VM_STOPPED },
	[EV_SEEN_SHUTTING_DOWN] = { "seen.shutting-down", VM_SHUTTING_DOWN },
	[EV_SEEN_UNRESPONSIVE] = { "seen.unresponsive", VM_UNRESPONSIVE },
	[EV_SEEN_CRASHED] = { "seen.crashed", VM_CRASHED },
	[EV_SEEN_INVALID] = { "seen.invalid", VM_INVALID },
};

/*
 * Lines from before kinds were written: the opening words that explained
 * a state then. Read only; nothing writes these any more.
 */
static const struct {
	enum vm_state state;
	const char *words[6];
} legacy_explains[] = {
	{ VM_STOPPED,
	  { "powered off", "did not power off", "the power button was not taken", "forced off",
	    "stopped", "start failed" } },
	{ VM_RUNNING, { "started", "resumed", "reset", "responding again" } },
	{ VM_PAUSED, { "paused" } },
	{ VM_SHUTTING_DOWN, { "stopping", "ACPI power button pressed", "shutting down" } },
	{ VM_CRASHED, { "crashed" } },
	{ VM_UNRESPONSIVE, { "became unresponsive" } },
	{ VM_INVALID, { "definition became invalid" } },
};

const char *events_kind_name(enum events_kind kind)
{
	return (unsigned)kind < EV_KIND_COUNT ? kinds[kind].name : "unknown";
}

enum events_kind events_kind_parse(const char *word)
{
	for (int k = EV_NOTE; k < EV_KIND_COUNT; k++)
		if (strcmp(kinds[k].name, word) == 0)
			return (enum events_kind)k;
	return EV_UNKNOWN;
}

enum events_kind events_kind_seen(enum vm_state state)
{
	for (int k = EV_SEEN_RUNNING; k <= EV_SEEN_INVALID; k++)
		if (kinds[k].explains == state)
			return (enum events_kind)k;
	return EV_NOTE;
}

static char *log_path(const struct config *cfg, const char *name)
{
	return vmstate_path(cfg, name, "events.log");
}

/* s cut to max bytes (never inside a UTF-8 character), control characters as spaces. Allocated. */
static char *one_line(const char *s, size_t max)
{
	size_t len = strnlen(s, max);
	char *out;

	while (len == max && len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
		len--;
	out = xstrndup(s, len);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return out;
}

/* "EPOCH\tKIND[\tby=ACTOR]\tTEXT\n" (the format in events.h), every field on one line. */
static char *event_line(enum events_kind kind, const char *actor, const char *text)
{
	char *t = one_line(text, EVENT_TEXT_MAX),
	     *a = actor ? one_line(actor, EVENT_ACTOR_MAX) : NULL;
	char *line = xasprintf("%lld\t%s%s%s\t%s\n", (long long)time(NULL), events_kind_name(kind),
			       a ? "\tby=" : "", a ? a : "", t);

	free(t);
	free(a);
	return line;
}

/*
 * Opens and flocks the log. A trim renames a fresh file over the old one, so
 * a writer that waited for the lock on the old file opens the new one again.
 */
static int log_open_locked(const char *path)
{
	for (int tries = 0; tries < 5; tries++) {
		int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		struct stat a, b;

		if (fd < 0)
			return -1;
		if (flock(fd, LOCK_EX) == 0 && fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return fd;
		close(fd);
	}
	return -1;
}

/*
 * The log without a newline at its end was torn (a full disk, a crash): the
 * next line must not join it, and the fragment must not pass for an event
 * either, so it is ended with TAB NEWLINE (a TAB in a text marks it garbage).
 */
static bool ends_torn(int fd, off_t size)
{
	char c;

	return size > 0 && pread(fd, &c, 1, size - 1) == 1 && c != '\n';
}

/* Cuts the log (locked by the caller) back to its newest EVENTS_KEEP lines. */
static void log_trim(int fd, const char *path)
{
	struct sbuf b = { 0 };
	const char *start;
	int lines = 0;

	if (lseek(fd, 0, SEEK_SET) == 0 && fd_read_all(fd, &b) == 0 && b.len > 0) {
		start = b.s + b.len - 1; /* the final newline */
		while (start > b.s && !(start[-1] == '\n' && ++lines == EVENTS_KEEP))
			start--;
		file_write_atomic(path, start, b.len - (size_t)(start - b.s), 0600, NULL);
	}
	sbuf_free(&b);
}

int events_write(const struct config *cfg, const char *name, enum events_kind kind,
		 const char *actor, const char *text)
{
	char *line, *path;
	struct stat st;
	int fd, rc = -1;

	if (vmstate_dir_prepare(cfg, name, NULL) < 0)
		return -1;
	line = event_line(kind, actor, text);
	path = log_path(cfg, name);
	if ((fd = log_open_locked(path)) >= 0 && fstat(fd, &st) == 0) {
		const char *out = line;
		size_t len = strlen(line);
		char *fixed = NULL;

		if (ends_torn(fd, st.st_size)) {
			out = fixed = xasprintf("\t\n%s", line);
			len += 2;
		}
		if (write(fd, out, len) == (ssize_t)len) /* one write: O_APPEND keeps it whole */
			rc = 0;
		if (rc == 0 && (size_t)st.st_size + len > EVENTS_TRIM_AT)
			log_trim(fd, path);
		free(fixed);
	}
	if (fd >= 0)
		close(fd);
	free(path);
	free(line);
	return rc;
}

/* What the console (or a unit's stop hook) saw happen on its own has no author: no by=. */
const char *events_actor(enum events_kind kind)
{
	return kind >= EV_SEEN_RUNNING && kind <= EV_SEEN_INVALID ? NULL : actor_describe();
}

int events_log(const struct config *cfg, const char *name, enum events_kind kind, const char *fmt,
	       ...)
{
	va_list ap;
	char *text;
	int rc;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	rc = events_write(cfg, name, kind, events_actor(kind), text);
	free(text);
	return rc;
}

/* s[0..len) holds no control character (a TAB included). */
static bool plain(const char *s, size_t len)
{
	for (size_t k = 0; k < len; k++)
		if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
			return false;
	return true;
}

/* The word of a kind: lowercase letters, digits, '.', '-'. */
static bool kind_word(const char *s, size_t len)
{
	if (len == 0 || len > 40)
		return false;
	for (size_t k = 0; k < len; k++)
		if (!((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9') || s[k] == '.' ||
		      s[k] == '-'))
			return false;
	return true;
}

/* A KEY=VALUE field between kind and text: by= kept as the actor, other keys skipped. */
static bool field_parse(const char *f, size_t len, struct events_entry *e)
{
	const char *eq = memchr(f, '=', len);

	if (!eq || eq == f || eq + 1 == f + len || !plain(f, len))
		return false;
	for (const char *p = f; p < eq; p++)
		if (*p < 'a' || *p > 'z')
			return false;
	if (eq - f == 2 && strncmp(f, "by", 2) == 0 && e->actor == NULL)
		e->actor = xstrndup(eq + 1, (size_t)(f + len - eq - 1));
	return true;
}

/* KIND [TAB KEY=VALUE]... between the time and the text. */
static bool middle_parse(const char *s, const char *end, struct events_entry *e)
{
	const char *tab = memchr(s, '\t', (size_t)(end - s));
	const char *stop = tab ? tab : end;
	char word[48];

	if (!kind_word(s, (size_t)(stop - s)))
		return false;
	snprintf(word, sizeof word, "%.*s", (int)(stop - s), s);
	e->kind = events_kind_parse(word);
	while (tab) {
		s = tab + 1;
		tab = memchr(s, '\t', (size_t)(end - s));
		if (!field_parse(s, (size_t)((tab ? tab : end) - s), e))
			return false;
	}
	return true;
}

/*
 * A line in the format of events.h, or an old "EPOCH TAB TEXT" (kind
 * EV_LEGACY); false for garbage or a torn line (a torn write is ended with
 * TAB NEWLINE, so its text is empty).
 */
static bool event_parse(const char *line, size_t len, struct events_entry *e)
{
	const char *first = memchr(line, '\t', len), *last = memrchr(line, '\t', len);
	const char *text = last ? last + 1 : NULL;
	size_t tlen = text ? len - (size_t)(text - line) : 0;

	if (!first || first == line || first - line > 18 || tlen == 0 || !plain(text, tlen))
		return false;
	for (const char *p = line; p < first; p++)
		if (*p < '0' || *p > '9')
			return false;
	memset(e, 0, sizeof *e);
	e->kind = EV_LEGACY;
	if (first != last && !middle_parse(first + 1, last, e)) {
		free(e->actor);
		return false;
	}
	e->when = (time_t)strtoll(line, NULL, 10);
	e->text = xstrndup(text, tlen);
	return true;
}

/* The log's last EVENTS_READ_MAX bytes, starting at a line boundary. */
static int read_tail(const char *path, struct sbuf *b, size_t *skip)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	off_t off = 0;
	int rc = -1;

	*skip = 0;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		off = st.st_size > EVENTS_READ_MAX ? st.st_size - EVENTS_READ_MAX : 0;
		if (lseek(fd, off, SEEK_SET) == off && fd_read_all(fd, b) == 0)
			rc = 0;
	}
	close(fd);
	if (rc == 0 && off > 0) {
		const char *nl = b->len ? memchr(b->s, '\n', b->len) : NULL;

		*skip = nl ? (size_t)(nl + 1 - b->s) : b->len;
	}
	return rc;
}

size_t events_recent(const struct config *cfg, const char *name, size_t n, struct events_entry *out)
{
	char *path = log_path(cfg, name);
	struct sbuf b = { 0 };
	struct events_entry *ring;
	size_t skip, got = 0, head = 0;

	if (n == 0 || read_tail(path, &b, &skip) < 0) {
		free(path);
		sbuf_free(&b);
		return 0;
	}
	free(path);
	ring = xcalloc(n, sizeof *ring);
	/* only lines with their newline count: a final fragment is a write still torn */
	for (const char *s = b.s + skip, *nl;
	     s < b.s + b.len && (nl = memchr(s, '\n', (size_t)(b.s + b.len - s))); s = nl + 1) {
		struct events_entry e;

		if (!event_parse(s, (size_t)(nl - s), &e))
			continue;
		events_free(&ring[head], 1);
		ring[head] = e;
		head = (head + 1) % n;
		got += got < n;
	}
	for (size_t k = 0; k < got; k++)
		out[k] = ring[(head + n - got + k) % n];
	free(ring);
	sbuf_free(&b);
	return got;
}

void events_free(struct events_entry *ev, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		free(ev[k].text);
		free(ev[k].actor);
		ev[k].text = ev[k].actor = NULL;
	}
}

uint64_t events_stamp(const struct config *cfg, const char *name)
{
	char *path = log_path(cfg, name);
	struct stat st;
	uint64_t h;

	if (stat(path, &st) < 0) {
		free(path);
		return 0;
	}
	free(path);
	h = ((uint64_t)st.st_ino * 1099511628211ULL) ^ (uint64_t)st.st_size ^
	    ((uint64_t)st.st_mtime << 30) ^ (uint64_t)st.st_mtim.tv_nsec;
	return h ? h : 1;
}

/*
 * The log is renamed under its lock: a writer that waited for the lock on the
 * old file opens the path again and starts a new log (log_open_locked).
 */
int events_archive(const struct config *cfg, const char *name, char **archived, char **err)
{
	char *path = log_path(cfg, name), *to = NULL, stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int fd, rc = -1;

	if (archived)
		*archived = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		rc = errno == ENOENT ? 0 : err_set(err, "%s: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	if (flock(fd, LOCK_EX) < 0) {
		err_set(err, "%s: %s", path, strerror(errno));
	} else {
		for (int k = 1; k < 100 && rc < 0; k++) {  /* two deletes in one second keep both */
			free(to);
			to = k == 1 ? xasprintf("%s.deleted-%s", path, stamp)
				    : xasprintf("%s.deleted-%s-%d", path, stamp, k);
			if (renameat2(AT_FDCWD, path, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
				rc = 0;
			else if (errno != EEXIST)
				break;
		}
		if (rc < 0)
			err_set(err, "cannot archive %s: %s", path, strerror(errno));
		else
			fchmod(fd, 0600);
	}
	close(fd);
	if (rc == 0 && archived)
		*archived = to;
	else
		free(to);
	free(path);
	return rc;
}

bool events_explains(const struct events_entry *e, enum vm_state state, double seen_at)
{
	if ((double)e->when < seen_at - EVENTS_EXPLAIN_WINDOW || (unsigned)state >= VM_STATE_COUNT)
		return false;
	if (e->kind != EV_LEGACY)
		return (unsigned)e->kind < EV_KIND_COUNT && kinds[e->kind].explains == state;
	for (size_t k = 0; k < ARRAY_LEN(legacy_explains); k++)
		for (size_t w = 0;
		     legacy_explains[k].state == state && w < ARRAY_LEN(legacy_explains[k].words) &&
		     legacy_explains[k].words[w];
		     w++)
			if (strncmp(e->text, legacy_explains[k].words[w],
				    strlen(legacy_explains[k].words[w])) == 0)
				return true;
	return false;
}

bool events_already_logged(const struct config *cfg, const char *name, enum vm_state state,
			   double seen_at)
{
	struct events_entry last[EVENTS_EXPLAIN_LINES];
	size_t n = events_recent(cfg, name, EVENTS_EXPLAIN_LINES, last);
	bool explained = false;

	for (size_t k = 0; k < n && !explained; k++)
		explained = events_explains(&last[k], state, seen_at);
	events_free(last, n);
	return explained;
}
