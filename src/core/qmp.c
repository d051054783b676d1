/*
 * qmp.c: a QMP client over a unix socket: non-blocking I/O with poll() deadlines, line framing,
 * replies and events.
 */
#include "qmp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* Events kept while waiting for replies; older ones are dropped beyond this. */
#define QMP_MAX_EVENTS 256
/* A line longer than this is not a QMP message; it guards against a runaway peer. */
#define QMP_MAX_LINE (16u << 20)
/* How often a blocking call tries again for a monitor another client holds. */
#define QMP_RETRY_MS 2

void qmp_init(struct qmp *q)
{
	memset(q, 0, sizeof *q);
	q->fd = -1;
	q->lock_fd = -1;
	q->id = 1;
}

void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	if (q->lock_fd >= 0)
		close(q->lock_fd); /* after the hang-up: the next client finds the monitor free */
	free(q->buf);
	json_decref(q->events);
	qmp_init(q);
}

/* ---- framing: QEMU ends every message with a newline ---- */

void qmp_feed(struct qmp *q, const char *data, size_t n)
{
	if (q->len + n + 1 > q->cap) {
		q->cap = (q->len + n + 1) * 2;
		q->buf = xrealloc(q->buf, q->cap);
	}
	memcpy(q->buf + q->len, data, n);
	q->len += n;
}

static void consume(struct qmp *q, size_t n)
{
	memmove(q->buf, q->buf + n, q->len - n);
	q->len -= n;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

json_t *qmp_next_message(struct qmp *q, int *bad)
{
	*bad = 0;
	for (;;) {
		char *nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;
		size_t line;
		json_t *msg;

		if (nl == NULL) {
			if (q->len > QMP_MAX_LINE) {
				q->len = 0;
				*bad = -1;
			}
			return NULL;
		}
		line = (size_t)(nl - q->buf);
		if (blank(q->buf, line)) {
			consume(q, line + 1);
			continue;
		}
		msg = json_loadb(q->buf, line, 0, NULL);
		consume(q, line + 1);
		if (msg == NULL || !json_is_object(msg)) {
			json_decref(msg);
			*bad = -1;
			return NULL;
		}
		return msg;
	}
}

/* ---- classification ---- */

bool qmp_is_greeting(const json_t *msg)
{
	return json_is_object(json_object_get(msg, "QMP"));
}

bool qmp_is_event(const json_t *msg)
{
	return json_is_string(json_object_get(msg, "event"));
}

bool qmp_is_reply_to(const json_t *msg, unsigned id)
{
	json_t *jid = json_object_get(msg, "id");

	if (!json_is_integer(jid) || json_integer_value(jid) != (json_int_t)id)
		return false;
	return json_object_get(msg, "return") != NULL || json_object_get(msg, "error") != NULL;
}

int qmp_reply_result(json_t *msg, json_t **ret, char **err)
{
	json_t *r = json_object_get(msg, "return");
	json_t *e = json_object_get(msg, "error");

	if (ret)
		*ret = NULL;
	if (r != NULL) {
		if (ret)
			*ret = json_incref(r);
		return 0;
	}
	if (json_is_object(e)) {
		const char *desc = json_string_value(json_object_get(e, "desc"));
		const char *cls = json_string_value(json_object_get(e, "class"));

		if (desc && *desc)
			return err_set(err, "%s", desc);
		return err_set(err, "QEMU reported an error (%s)", cls ? cls : "no description");
	}
	return err_set(err, "QMP reply has neither \"return\" nor \"error\"");
}

char *qmp_command_line(struct qmp *q, const char *cmd, json_t *args, unsigned *id)
{
	json_t *msg = json_object();
	char *text, *line;

	json_object_set_new(msg, "execute", json_string(cmd));
	if (args)
		json_object_set(msg, "arguments", args);
	json_object_set_new(msg, "id", json_integer(q->id));
	if (id)
		*id = q->id;
	q->id++;
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (text == NULL)
		fatal("cannot encode a QMP command");
	line = xasprintf("%s\n", text);
	free(text);
	return line;
}

static void keep_event(struct qmp *q, json_t *msg)
{
	if (q->events == NULL)
		q->events = json_array();
	if (json_array_size(q->events) >= QMP_MAX_EVENTS)
		json_array_remove(q->events, 0);
	json_array_append_new(q->events, msg);
}

/* ---- the monitor lock ---- */

/*
 * Why a lock and not just QEMU's own queue: a client QEMU has not accepted
 * yet cannot tell a monitor busy with someone else from a hung QEMU; one
 * that holds the lock knows the monitor is its own, so only QEMU's silence
 * counts against its deadline. The lock is a file beside the socket, never
 * removed (removing a lock file others may hold would split the queue).
 * Its bytes are the holder's note (below).
 */
int qmp_lock_try(struct qmp *q, const char *sock_path)
{
	char *path;
	struct stat sb;

	if (q->lock_fd < 0) {
		path = xasprintf("%s.lock", sock_path);
		q->lock_fd =
			open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
		free(path);
		if (q->lock_fd >= 0 && (fstat(q->lock_fd, &sb) < 0 || !S_ISREG(sb.st_mode))) {
			close(q->lock_fd);
			q->lock_fd = -1;
		}
		if (q->lock_fd < 0)
			/*
			 * no lock to be had here (read-only folder, planted non-file): go on
			 * without
			 */
			return 0;
	}
	if (flock(q->lock_fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK || errno == EINTR)
		return 1;
	close(q->lock_fd);
	q->lock_fd = -1;
	return 0;
}

/*
 * "vmdeck-note HASH LEN\n" and the text, written in place at offset 0: no
 * temp file and rename, as a status reader writes one for every guest on
 * every poll. Written only under the lock; a reader without it may catch a
 * write half done, which the FNV-1a hash tells. Nothing in it outlives its
 * use: readers judge its freshness from what it says.
 */
static uint32_t note_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

int qmp_note_write(struct qmp *q, const char *text)
{
	size_t n = strlen(text);
	char *rec;
	ssize_t w;

	if (q->lock_fd < 0 || n > QMP_NOTE_MAX)
		return -1;
	rec = xasprintf("vmdeck-note %08x %zu\n%s", note_hash(text, n), n, text);
	w = pwrite(q->lock_fd, rec, strlen(rec), 0);
	n = strlen(rec);
	free(rec);
	return w == (ssize_t)n ? 0 : -1;
}

char *qmp_note_read(struct qmp *q)
{
	char buf[QMP_NOTE_MAX + 64];
	unsigned hash;
	size_t len;
	int head = 0;
	ssize_t r;

	if (q->lock_fd < 0 || (r = pread(q->lock_fd, buf, sizeof buf - 1, 0)) <= 0)
		return NULL;
	buf[r] = '\0';
	if (sscanf(buf, "vmdeck-note %8x %zu\n%n", &hash, &len, &head) != 2 || head == 0 ||
	    len > (size_t)r - (size_t)head || note_hash(buf + head, len) != hash)
		return NULL;
	return xstrndup(buf + head, len);
}

/* ---- socket ---- */

/*
 * sun_path holds 108 bytes; a longer path is reached through the folder's
 * descriptor in /proc/self/fd, so deep state_dirs still work.
 */
static int fill_addr(struct sockaddr_un *sa, const char *path, int *dirfd)
{
	const char *slash;
	char *dir;

	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	*dirfd = -1;
	if (strlen(path) < sizeof sa->sun_path) {
		memcpy(sa->sun_path, path, strlen(path) + 1);
		return 0;
	}
	if ((slash = strrchr(path, '/')) == NULL) {
		errno = ENAMETOOLONG;
		return -1;
	}
	dir = xstrndup(path, (size_t)(slash - path));
	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (*dirfd < 0)
		return -1;
	if (snprintf(sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d/%s", *dirfd, slash + 1) >=
	    (int)sizeof sa->sun_path) {
		close(*dirfd);
		*dirfd = -1;
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int qmp_connect(struct qmp *q, const char *sock_path, char **err)
{
	struct sockaddr_un sa;
	int dirfd, rc, e;

	if (fill_addr(&sa, sock_path, &dirfd) < 0) {
		e = errno;
		err_set(err, "cannot reach %s: %s", sock_path, strerror(e));
		errno = e;
		return -1;
	}
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (q->fd < 0) {
		e = errno;
		if (dirfd >= 0)
			close(dirfd);
		err_set(err, "cannot create a socket: %s", strerror(e));
		errno = e;
		return -1;
	}
	rc = connect(q->fd, (struct sockaddr *)&sa, sizeof sa);
	e = errno;
	if (dirfd >= 0)
		close(dirfd);
	if (rc == 0)
		return 0;
	close(q->fd);
	q->fd = -1;
	/*
	 * A unix socket's connect() is never in progress: EAGAIN means the
	 * listen backlog is full and this socket is not connected at all
	 * (waiting for POLLOUT and writing gave ENOTCONN, reading EINVAL).
	 */
	if (e == EAGAIN || e == EINPROGRESS)
		return 1;
	err_set(err, "cannot connect to %s: %s", sock_path, strerror(e));
	errno = e;
	return -1;
}

ssize_t qmp_read(struct qmp *q)
{
	char chunk[8192];
	ssize_t r;

	do
		r = recv(q->fd, chunk, sizeof chunk, 0);
	while (r < 0 && errno == EINTR);
	if (r > 0)
		qmp_feed(q, chunk, (size_t)r);
	return r;
}

/* ---- blocking calls, each bounded by an absolute deadline (now_ms() clock) ---- */

static int time_left(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left > 0 ? (int)left : 0;
}

static void nap_ms(int ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };

	nanosleep(&ts, NULL);
}

static int timed_out(char **err)
{
	err_set(err, "QEMU did not answer on its monitor socket in time");
	errno = ETIMEDOUT;
	return -1;
}

static int wait_fd(struct qmp *q, short events, int64_t deadline, char **err)
{
	struct pollfd pfd = { .fd = q->fd, .events = events };
	int rc;

	for (;;) {
		rc = poll(&pfd, 1, time_left(deadline));
		if (rc > 0)
			return 0;
		if (rc == 0)
			return timed_out(err);
		if (errno != EINTR) {
			int e = errno;

			err_set(err, "poll: %s", strerror(e));
			errno = e;
			return -1;
		}
	}
}

static int send_all(struct qmp *q, const char *data, size_t len, int64_t deadline, char **err)
{
	while (len > 0) {
		ssize_t w = send(q->fd, data, len, MSG_NOSIGNAL);

		if (w > 0) {
			data += w;
			len -= (size_t)w;
		} else if (w < 0 && errno == EINTR) {
			continue;
		} else if (w < 0 && errno == EAGAIN) {
			if (wait_fd(q, POLLOUT, deadline, err) < 0)
				return -1;
		} else {
			int e = errno;

			err_set(err, "cannot write to the monitor socket: %s", strerror(e));
			errno = e == EPIPE ? ECONNRESET : e;
			return -1;
		}
	}
	return 0;
}

/*
 * The next message, waiting for more bytes as needed; NULL with *err on EOF,
 * error or deadline. The deadline is checked before every message, not only
 * when the socket runs dry: a flood of events must not outlast it.
 */
static json_t *recv_message(struct qmp *q, int64_t deadline, char **err)
{
	for (;;) {
		int bad;
		json_t *msg;
		ssize_t r;

		if (now_ms() >= deadline) {
			timed_out(err);
			return NULL;
		}
		if ((msg = qmp_next_message(q, &bad)) != NULL)
			return msg;
		if (bad) {
			err_set(err, "the monitor socket sent something that is not QMP");
			errno = EPROTO;
			return NULL;
		}
		r = qmp_read(q);
		if (r > 0)
			continue;
		if (r == 0) {
			err_set(err, "QEMU closed its monitor connection");
			errno = ECONNRESET;
			return NULL;
		}
		if (errno != EAGAIN) {
			int e = errno;

			err_set(err, "cannot read the monitor socket: %s", strerror(e));
			errno = e;
			return NULL;
		}
		if (wait_fd(q, POLLIN, deadline, err) < 0)
			return NULL;
	}
}

static int exec_until(struct qmp *q, const char *cmd, json_t *args, json_t **ret, int64_t deadline,
		      char **err)
{
	unsigned id;
	char *line = qmp_command_line(q, cmd, args, &id);
	int rc = send_all(q, line, strlen(line), deadline, err);

	free(line);
	if (ret)
		*ret = NULL;
	while (rc == 0) {
		json_t *msg = recv_message(q, deadline, err);

		if (msg == NULL)
			return -1;
		if (qmp_is_event(msg)) {
			keep_event(q, msg);
			continue;
		}
		if (qmp_is_reply_to(msg, id)) {
			rc = qmp_reply_result(msg, ret, err);
			json_decref(msg);
			errno = 0;
			return rc;
		}
		json_decref(msg); /* a late reply to an earlier command that timed out */
	}
	return -1;
}

/* Waits for the monitor lock until deadline; the lock_fd stays in q. */
static int lock_until(struct qmp *q, const char *sock_path, int64_t deadline, char **err)
{
	while (qmp_lock_try(q, sock_path) == 1) {
		if (now_ms() >= deadline) {
			err_set(err, "the monitor stayed busy with another vmdeck client (%s.lock)",
				sock_path);
			errno = EBUSY;
			return -1;
		}
		nap_ms(QMP_RETRY_MS);
	}
	return 0;
}

/*
 * Connects, trying again while the listen backlog is full (a client that is not vmdeck holds the
 * monitor).
 */
static int connect_until(struct qmp *q, const char *sock_path, int64_t deadline, char **err)
{
	int rc;

	while ((rc = qmp_connect(q, sock_path, err)) == 1) {
		if (now_ms() >= deadline) {
			err_set(err,
				"QEMU did not take the monitor connection in time (its queue is "
				"full)");
			errno = ETIMEDOUT;
			return -1;
		}
		nap_ms(QMP_RETRY_MS);
	}
	return rc;
}

/*
 * timeout_ms bounds the wait for the lock, then again the exchange from the moment the monitor is
 * ours.
 */
static int open_until(struct qmp *q, const char *sock_path, int timeout_ms, int64_t *deadline,
		      char **err)
{
	json_t *msg;
	int rc;

	qmp_init(q);
	if (lock_until(q, sock_path, now_ms() + timeout_ms, err) < 0)
		goto fail;
	*deadline = now_ms() + timeout_ms;
	if (connect_until(q, sock_path, *deadline, err) < 0)
		goto fail;
	/* QEMU greets first; nothing else may come before it */
	if ((msg = recv_message(q, *deadline, err)) == NULL)
		goto fail;
	rc = qmp_is_greeting(msg);
	json_decref(msg);
	if (!rc) {
		err_set(err, "%s does not speak QMP", sock_path);
		errno = EPROTO;
		goto fail;
	}
	if (exec_until(q, "qmp_capabilities", NULL, NULL, *deadline, err) < 0) {
		if (errno == 0)
			errno = EPROTO;
		goto fail;
	}
	return 0;
fail:
	rc = errno;
	qmp_close(q);
	errno = rc;
	return -1;
}

int qmp_open(struct qmp *q, const char *sock_path, int timeout_ms, char **err)
{
	int64_t deadline;

	return open_until(q, sock_path, timeout_ms, &deadline, err);
}

int qmp_exec(struct qmp *q, const char *cmd, json_t *args, json_t **ret, int timeout_ms, char **err)
{
	if (q->fd < 0) {
		errno = ENOTCONN;
		return err_set(err, "the monitor connection is closed");
	}
	return exec_until(q, cmd, args, ret, now_ms() + timeout_ms, err);
}

int qmp_call(const char *sock_path, const char *cmd, json_t *args, json_t **ret, int timeout_ms,
	     char **err)
{
	int64_t deadline;
	struct qmp q;
	int rc, e;

	if (ret)
		*ret = NULL;
	if (open_until(&q, sock_path, timeout_ms, &deadline, err) < 0)
		return -1;
	rc = exec_until(&q, cmd, args, ret, deadline, err);
	e = errno;
	qmp_close(&q);
	errno = e;
	return rc;
}
