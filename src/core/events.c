/* events.c: a guest's persisted event log: appending whole lines, keeping it small, reading the newest. */
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

#include "util.h"
#include "vmstate.h"

#define EVENT_TEXT_MAX 480                   /* a longer text is cut: a line stays one small write */
#define EVENTS_READ_MAX (2 * EVENTS_TRIM_AT) /* readers look at the tail only */

static char *log_path(const struct config *cfg, const char *name)
{
	return vmstate_path(cfg, name, "events.log");
}

/* "EPOCH\tTEXT\n", the text cut to size (never inside a UTF-8 character) and on one line. */
static char *event_line(const char *text)
{
	size_t len = strnlen(text, EVENT_TEXT_MAX);
	char *line, *p;

	while (len == EVENT_TEXT_MAX && len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
		len--;
	line = xasprintf("%lld\t%.*s\n", (long long)time(NULL), (int)len, text);
	for (p = strchr(line, '\t') + 1; p[1]; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
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
		if (flock(fd, LOCK_EX) == 0 && fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
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

int events_log(const struct config *cfg, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *text, *line, *path;
	struct stat st;
	int fd, rc = -1;

	if (vmstate_dir_prepare(cfg, name, NULL) < 0)
		return -1;
	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	line = event_line(text);
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
	free(text);
	return rc;
}

/* "digits TAB text" with no control characters in the text, else false (garbage, a torn line). */
static bool event_parse(const char *line, size_t len, struct events_entry *e)
{
	const char *tab = memchr(line, '\t', len);
	size_t tlen;

	if (!tab || tab == line || tab - line > 18)
		return false;
	for (const char *p = line; p < tab; p++)
		if (*p < '0' || *p > '9')
			return false;
	tlen = len - (size_t)(tab + 1 - line);
	if (tlen == 0)
		return false;
	for (size_t k = 0; k < tlen; k++)
		if ((unsigned char)tab[1 + k] < 0x20)
			return false;
	e->when = (time_t)strtoll(line, NULL, 10);
	e->text = xstrndup(tab + 1, tlen);
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
	for (const char *s = b.s + skip, *nl; s < b.s + b.len && (nl = memchr(s, '\n', (size_t)(b.s + b.len - s)));
	     s = nl + 1) {
		struct events_entry e;

		if (!event_parse(s, (size_t)(nl - s), &e))
			continue;
		free(ring[head].text);
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
		ev[k].text = NULL;
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
	h = ((uint64_t)st.st_ino * 1099511628211ULL) ^ (uint64_t)st.st_size ^ ((uint64_t)st.st_mtime << 30) ^
	    (uint64_t)st.st_mtim.tv_nsec;
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
			to = k == 1 ? xasprintf("%s.deleted-%s", path, stamp) : xasprintf("%s.deleted-%s-%d", path, stamp, k);
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
