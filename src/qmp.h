/* qmp.h: a QMP client over a unix socket: framing, commands, replies and events, with deadlines. */
#ifndef VMDECK_QMP_H
#define VMDECK_QMP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* One connection. Never blocks past the deadline the caller gives. */
struct qmp {
	int fd;
	char *buf;          /* bytes received and not yet framed */
	size_t len, cap;
	json_t *events;     /* array of events seen while waiting for replies */
	unsigned id;        /* next command id */
};

/* Connects, reads the greeting and negotiates capabilities, within timeout_ms. */
int qmp_open(struct qmp *q, const char *sock_path, int timeout_ms, char **err);
void qmp_close(struct qmp *q);

/*
 * Runs one command (args may be NULL; ownership is not taken) and waits for
 * its reply until timeout_ms. On success *ret (if given) gets the "return"
 * value (a new reference). A QMP "error" reply gives -1 and its "desc".
 */
int qmp_exec(struct qmp *q, const char *cmd, json_t *args, json_t **ret, int timeout_ms, char **err);

/* Convenience: open, exec one command, close. */
int qmp_call(const char *sock_path, const char *cmd, json_t *args, json_t **ret, int timeout_ms, char **err);

/*
 * Framing, exposed for tests and for the non-blocking status poller: feed
 * bytes, then take complete JSON messages one at a time (NULL when none is
 * complete yet; -1 in *bad when a line is not JSON).
 */
void qmp_feed(struct qmp *q, const char *data, size_t n);
json_t *qmp_next_message(struct qmp *q, int *bad);

/* Classifies a reply: 0 for "return", -1 for "error" (message in *err). */
int qmp_reply_result(json_t *msg, json_t **ret, char **err);

#endif
