/* qmp.h: a QMP client over a unix socket: framing, commands, replies and events, with deadlines. */
#ifndef VMDECK_QMP_H
#define VMDECK_QMP_H

#include <jansson.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* One connection. Never blocks past the deadline the caller gives. */
struct qmp {
	int fd;
	int lock_fd;        /* the monitor lock (SOCK.lock) while held, else -1 */
	char *buf;          /* bytes received and not yet framed */
	size_t len, cap;
	json_t *events;     /* array of events seen while waiting for replies */
	unsigned id;        /* next command id */
};

/*
 * Takes the monitor lock, connects, reads the greeting and negotiates
 * capabilities. q needs no initialising; on failure it is left closed
 * (qmp_close is harmless).
 *
 * QEMU's monitor serves one client at a time; a second one waits unseen in
 * the listen backlog, or is refused once that is full. So every vmdeck
 * client first takes an flock on SOCK.lock (created 0600 next to the
 * socket) and holds it until qmp_close: waiting for another vmdeck client
 * is bounded by timeout_ms (then EBUSY), and QEMU's own time to answer,
 * timeout_ms again, only starts once the monitor is ours, so a busy monitor
 * is never taken for a hung QEMU. Keep connections short.
 */
int qmp_open(struct qmp *q, const char *sock_path, int timeout_ms, char **err);
void qmp_close(struct qmp *q);

/*
 * Runs one command (args may be NULL; ownership is not taken) and waits for
 * its reply until timeout_ms. On success *ret (if given) gets the "return"
 * value (a new reference). A QMP "error" reply gives -1 and its "desc".
 */
int qmp_exec(struct qmp *q, const char *cmd, json_t *args, json_t **ret, int timeout_ms,
	     char **err);

/*
 * Convenience: open, exec one command, close; timeout_ms bounds the wait for the lock, then the
 * exchange.
 */
int qmp_call(const char *sock_path, const char *cmd, json_t *args, json_t **ret, int timeout_ms,
	     char **err);

/*
 * Framing, exposed for tests and for the non-blocking status poller: feed
 * bytes, then take complete JSON messages one at a time (NULL when none is
 * complete yet; -1 in *bad when a line is not a JSON object: that line is
 * dropped, and the next call goes on with what follows).
 */
void qmp_feed(struct qmp *q, const char *data, size_t n);
json_t *qmp_next_message(struct qmp *q, int *bad);

/* Classifies a reply: 0 for "return", -1 for "error" (message in *err). */
int qmp_reply_result(json_t *msg, json_t **ret, char **err);

/*
 * Non-blocking pieces, for callers that run their own poll() loop (the status
 * poller). The blocking calls above are built from these.
 *
 * When a blocking call fails, errno tells why, for callers that must act on
 * it: ENOENT/ECONNREFUSED (nobody listens: QEMU is not running), ETIMEDOUT
 * (the deadline passed), EBUSY (another vmdeck client kept the monitor),
 * ECONNRESET (QEMU closed the connection, as it does after "quit"), EPROTO
 * (not QMP), 0 for a QMP error reply.
 */
void qmp_init(struct qmp *q);                 /* fd = lock_fd = -1, empty buffers */
/*
 * Tries the monitor lock once, without waiting: 0 when it is ours (or cannot
 * be had at all: no lock file can be made there, so none is kept), 1 while
 * another process holds it.
 */
int qmp_lock_try(struct qmp *q, const char *sock_path);
/*
 * A note in the monitor's lock file, for the clients waiting for it: the
 * holder of the lock writes one (text without NUL, at most QMP_NOTE_MAX
 * bytes), anyone with the lock file open (a waiter too) reads the last one,
 * whole or not at all (a checksum tells a note caught mid-write). 0 / NULL
 * when there is no lock file, no note, or none whole.
 */
#define QMP_NOTE_MAX 4096
int qmp_note_write(struct qmp *q, const char *text);
char *qmp_note_read(struct qmp *q);
/*
 * Connects without blocking: 0 connected, 1 when the listen backlog is full
 * (a unix socket's EAGAIN: the socket is closed again, try later), -1 error.
 */
int qmp_connect(struct qmp *q, const char *sock_path, char **err);
/*
 * Reads what is available: > 0 bytes framed in, 0 at EOF, -1 error (errno; EAGAIN = nothing yet).
 */
ssize_t qmp_read(struct qmp *q);
/* The next command as one line ready to send, allocated; *id (may be NULL) gets its id. */
char *qmp_command_line(struct qmp *q, const char *cmd, json_t *args, unsigned *id);
bool qmp_is_greeting(const json_t *msg);       /* {"QMP": {...}} */
bool qmp_is_event(const json_t *msg);          /* {"event": ...} */
bool qmp_is_reply_to(const json_t *msg, unsigned id);

#endif
