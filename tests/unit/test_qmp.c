/* test_qmp.c: QMP framing, reply classification, events before replies and deadlines, against a scripted peer. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "qmp.h"
#include "util.h"

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": []}}\r\n"
#define EVENT(name) "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"" name "\"}\r\n"

/* ---- framing ---- */

static void feed_str(struct qmp *q, const char *s)
{
	qmp_feed(q, s, strlen(s));
}

static void test_split_message(void **state)
{
	struct qmp q;
	int bad;
	json_t *m;

	qmp_init(&q);
	feed_str(&q, "{\"return\": ");
	assert_null(qmp_next_message(&q, &bad));
	assert_int_equal(bad, 0);
	feed_str(&q, "{\"status\": \"running\"}");
	assert_null(qmp_next_message(&q, &bad));
	feed_str(&q, ", \"id\": 3}\r");
	assert_null(qmp_next_message(&q, &bad));
	feed_str(&q, "\n");
	m = qmp_next_message(&q, &bad);
	assert_non_null(m);
	assert_true(qmp_is_reply_to(m, 3));
	assert_false(qmp_is_reply_to(m, 4));
	assert_string_equal(json_string_value(json_object_get(json_object_get(m, "return"), "status")), "running");
	json_decref(m);
	assert_int_equal(q.len, 0);
	qmp_close(&q);
}

static void test_many_messages_in_one_read(void **state)
{
	struct qmp q;
	int bad;
	json_t *m;

	qmp_init(&q);
	feed_str(&q, EVENT("STOP") "\r\n" EVENT("RESUME") "{\"return\": {}, \"id\": 1}\r\n{\"ret");
	m = qmp_next_message(&q, &bad);
	assert_true(qmp_is_event(m));
	assert_string_equal(json_string_value(json_object_get(m, "event")), "STOP");
	json_decref(m);
	m = qmp_next_message(&q, &bad); /* the blank line is skipped */
	assert_string_equal(json_string_value(json_object_get(m, "event")), "RESUME");
	json_decref(m);
	m = qmp_next_message(&q, &bad);
	assert_true(qmp_is_reply_to(m, 1));
	json_decref(m);
	assert_null(qmp_next_message(&q, &bad)); /* the partial tail waits */
	assert_int_equal(bad, 0);
	assert_int_equal(q.len, strlen("{\"ret"));
	qmp_close(&q);
}

static void test_bad_json_is_reported_and_skipped(void **state)
{
	struct qmp q;
	int bad;
	json_t *m;

	qmp_init(&q);
	feed_str(&q, "{\"return\": {\n[1, 2]\n{\"return\": {}, \"id\": 7}\n");
	assert_null(qmp_next_message(&q, &bad));
	assert_int_equal(bad, -1);
	assert_null(qmp_next_message(&q, &bad)); /* valid JSON, but not an object */
	assert_int_equal(bad, -1);
	m = qmp_next_message(&q, &bad);
	assert_int_equal(bad, 0);
	assert_true(qmp_is_reply_to(m, 7));
	json_decref(m);
	qmp_close(&q);
}

/* ---- reply classification ---- */

static json_t *parse(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);

	assert_non_null(j);
	return j;
}

static void test_reply_return(void **state)
{
	json_t *m = parse("{\"return\": {\"status\": \"paused\", \"running\": false}, \"id\": 2}");
	json_t *ret = NULL;
	char *err = NULL;

	assert_int_equal(qmp_reply_result(m, &ret, &err), 0);
	assert_null(err);
	assert_string_equal(json_string_value(json_object_get(ret, "status")), "paused");
	json_decref(ret);
	json_decref(m);
}

static void test_reply_error_uses_desc(void **state)
{
	json_t *m = parse("{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device 'cd9' not found\"}, \"id\": 2}");
	json_t *ret = (json_t *)1;
	char *err = NULL;

	assert_int_equal(qmp_reply_result(m, &ret, &err), -1);
	assert_null(ret);
	assert_string_equal(err, "Device 'cd9' not found");
	free(err);
	json_decref(m);
}

static void test_reply_error_without_desc_and_garbage(void **state)
{
	json_t *m = parse("{\"error\": {\"class\": \"GenericError\"}}");
	char *err = NULL;

	assert_int_equal(qmp_reply_result(m, NULL, &err), -1);
	assert_non_null(strstr(err, "GenericError"));
	free(err);
	err = NULL;
	json_decref(m);
	m = parse("{\"id\": 2}");
	assert_int_equal(qmp_reply_result(m, NULL, &err), -1);
	assert_non_null(err);
	free(err);
	json_decref(m);
	/* an event is never a reply, even with a matching id */
	m = parse("{\"event\": \"STOP\", \"id\": 2}");
	assert_false(qmp_is_reply_to(m, 2));
	assert_true(qmp_is_event(m));
	json_decref(m);
}

static void test_command_line_ids(void **state)
{
	struct qmp q;
	unsigned id1, id2;
	json_t *args = json_pack("{s:s, s:b}", "device", "cd0", "force", 1);
	char *l1, *l2;
	json_t *m;

	qmp_init(&q);
	l1 = qmp_command_line(&q, "query-status", NULL, &id1);
	l2 = qmp_command_line(&q, "eject", args, &id2);
	assert_int_not_equal(id1, id2);
	assert_int_equal(l1[strlen(l1) - 1], '\n');
	assert_ptr_equal(strchr(l2, '\n'), l2 + strlen(l2) - 1); /* one line, newline last */
	m = parse(l2);
	assert_string_equal(json_string_value(json_object_get(m, "execute")), "eject");
	assert_true(json_equal(json_object_get(m, "arguments"), args));
	assert_int_equal(json_integer_value(json_object_get(m, "id")), id2);
	json_decref(m);
	assert_int_equal(args->refcount, 1); /* ownership not taken */
	json_decref(args);
	free(l1);
	free(l2);
	qmp_close(&q);
}

/* ---- a scripted QMP peer on a real unix socket ---- */

enum peer_mode {
	PEER_NORMAL,     /* greeting in pieces, events before replies, a stale reply */
	PEER_ERROR,      /* the command gets an error reply */
	PEER_SILENT,     /* accepts, never greets (a stopped QEMU looks like this) */
	PEER_HANGUP,     /* greets, answers capabilities, closes on the command */
	PEER_NOT_QMP,    /* sends something else */
	PEER_FLOOD,      /* greets, then floods events and never answers the command */
	PEER_QUEUE,      /* like QEMU: one client at a time, each greeted 100 ms after it is accepted */
};

struct peer {
	char dir[64];
	char path[128];
	int lfd;
	enum peer_mode mode;
	pthread_t thread;
	char last_cmd[64];
};

/*
 * The peer runs in its own thread, where a cmocka assertion cannot fail the
 * test; a client that already gave up (closed) is not a crash: MSG_NOSIGNAL.
 */
static void say(int fd, const char *s)
{
	if (send(fd, s, strlen(s), MSG_NOSIGNAL) < 0)
		return;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Reads one command line from the client; returns its id (or -1 at EOF). */
static long read_command(int fd, char *name, size_t name_len)
{
	char line[4096];
	size_t n = 0;
	json_t *m;
	long id;

	while (n < sizeof line - 1) {
		if (read(fd, line + n, 1) != 1)
			return -1;
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	m = json_loads(line, 0, NULL);
	if (m == NULL)
		return -1;
	snprintf(name, name_len, "%s", json_string_value(json_object_get(m, "execute")));
	id = (long)json_integer_value(json_object_get(m, "id"));
	json_decref(m);
	return id;
}

static void reply(int fd, const char *before, const char *body, long id, const char *after)
{
	char *s = xasprintf("%s{%s, \"id\": %ld}\r\n%s", before, body, id, after);

	say(fd, s);
	free(s);
}

static void peer_normal(struct peer *p, int fd)
{
	char cmd[64];
	long id;

	/* the greeting arrives in two pieces */
	say(fd, "{\"QMP\": {\"version\": ");
	nap_ms(20);
	say(fd, GREETING + strlen("{\"QMP\": {\"version\": "));
	if ((id = read_command(fd, cmd, sizeof cmd)) < 0)
		return;
	assert_string_equal(cmd, "qmp_capabilities");
	reply(fd, "", "\"return\": {}", id, "");
	if ((id = read_command(fd, cmd, sizeof cmd)) < 0)
		return;
	snprintf(p->last_cmd, sizeof p->last_cmd, "%s", cmd);
	/* a stale reply to another id and two events, then the reply with an event behind it */
	reply(fd, EVENT("STOP"), "\"return\": {\"status\": \"wrong\"}", id + 100, EVENT("RESUME"));
	nap_ms(10);
	reply(fd, "", "\"return\": {\"status\": \"running\", \"running\": true}", id, EVENT("AFTER"));
	nap_ms(50);
}

static void peer_after_greeting(struct peer *p, int fd)
{
	char cmd[64];
	long id;

	say(fd, GREETING);
	if ((id = read_command(fd, cmd, sizeof cmd)) < 0)
		return;
	reply(fd, "", "\"return\": {}", id, "");
	if ((id = read_command(fd, cmd, sizeof cmd)) < 0)
		return;
	if (p->mode == PEER_ERROR)
		reply(fd, "", "\"error\": {\"class\": \"GenericError\", \"desc\": \"Could not open '/x.iso'\"}", id, "");
}

/* For up to 3 s, as fast as the client reads: the socket is never empty for long. */
static void peer_flood(int fd)
{
	struct sbuf burst = { 0 };
	char cmd[64];
	long id;
	int64_t end = now_ms() + 3000;

	say(fd, GREETING);
	if ((id = read_command(fd, cmd, sizeof cmd)) < 0)
		return;
	reply(fd, "", "\"return\": {}", id, "");
	for (int i = 0; i < 500; i++)
		sbuf_add(&burst, EVENT("BLOCK_IO_ERROR"));
	while (now_ms() < end && send(fd, burst.s, burst.len, MSG_NOSIGNAL) > 0)
		;
	free(burst.s);
}

static void peer_serve(int fd)
{
	char cmd[64];
	long id;

	nap_ms(100);
	say(fd, GREETING);
	while ((id = read_command(fd, cmd, sizeof cmd)) >= 0)
		reply(fd, "", "\"return\": {}", id, "");
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	int fd = accept(p->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	switch (p->mode) {
	case PEER_NORMAL:
		peer_normal(p, fd);
		break;
	case PEER_ERROR:
	case PEER_HANGUP:
		peer_after_greeting(p, fd);
		break;
	case PEER_SILENT:
		nap_ms(1500); /* well past every deadline used here */
		break;
	case PEER_NOT_QMP:
		say(fd, "SSH-2.0-OpenSSH_9.2\r\n");
		nap_ms(200);
		break;
	case PEER_FLOOD:
		peer_flood(fd);
		break;
	case PEER_QUEUE:
		peer_serve(fd);
		close(fd);
		if ((fd = accept(p->lfd, NULL, NULL)) >= 0)
			peer_serve(fd);
		break;
	}
	close(fd);
	return NULL;
}

static void peer_listen(struct peer *p)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(p->dir, sizeof p->dir, "/tmp/test_qmp.XXXXXX");
	assert_non_null(mkdtemp(p->dir));
	snprintf(p->path, sizeof p->path, "%s/qmp.sock", p->dir);
	memcpy(sa.sun_path, p->path, strlen(p->path) + 1); /* short: /tmp/test_qmp.XXXXXX/qmp.sock */
	p->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(p->lfd >= 0);
	assert_int_equal(bind(p->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(p->lfd, 4), 0);
}

static void peer_start(struct peer *p, enum peer_mode mode)
{
	memset(p, 0, sizeof *p);
	p->mode = mode;
	peer_listen(p);
	assert_int_equal(pthread_create(&p->thread, NULL, peer_main, p), 0);
}

static void peer_stop(struct peer *p, bool joined)
{
	char lock[sizeof p->path + 8];

	if (!joined)
		pthread_join(p->thread, NULL);
	close(p->lfd);
	unlink(p->path);
	snprintf(lock, sizeof lock, "%s.lock", p->path);
	unlink(lock);
	rmdir(p->dir);
}

static void test_exec_collects_events_before_reply(void **state)
{
	struct peer p;
	struct qmp q;
	json_t *ret = NULL;
	char *err = NULL;

	peer_start(&p, PEER_NORMAL);
	assert_int_equal(qmp_open(&q, p.path, 2000, &err), 0);
	assert_int_equal(qmp_exec(&q, "query-status", NULL, &ret, 2000, &err), 0);
	assert_null(err);
	assert_string_equal(json_string_value(json_object_get(ret, "status")), "running");
	json_decref(ret);
	assert_string_equal(p.last_cmd, "query-status");
	/* STOP and RESUME came before the reply; AFTER may or may not have been read yet */
	assert_true(json_array_size(q.events) >= 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(q.events, 0), "event")), "STOP");
	assert_string_equal(json_string_value(json_object_get(json_array_get(q.events, 1), "event")), "RESUME");
	qmp_close(&q);
	peer_stop(&p, false);
}

static void test_error_reply_gives_desc(void **state)
{
	struct peer p;
	json_t *ret = NULL;
	char *err = NULL;

	peer_start(&p, PEER_ERROR);
	assert_int_equal(qmp_call(p.path, "blockdev-change-medium", NULL, &ret, 2000, &err), -1);
	assert_null(ret);
	assert_string_equal(err, "Could not open '/x.iso'");
	assert_int_equal(errno, 0);
	free(err);
	peer_stop(&p, false);
}

static void test_silent_peer_hits_deadline(void **state)
{
	struct peer p;
	struct qmp q;
	char *err = NULL;
	int64_t t0;

	peer_start(&p, PEER_SILENT);
	t0 = now_ms();
	assert_int_equal(qmp_open(&q, p.path, 200, &err), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_true(now_ms() - t0 >= 190);
	assert_true(now_ms() - t0 < 1000); /* near the deadline; slack for a busy machine */
	assert_non_null(err);
	assert_int_equal(q.fd, -1);
	free(err);
	peer_stop(&p, false);
}

/* A stopped process never accepts, but connect() still succeeds into the backlog. */
static void test_backlog_only_hits_deadline(void **state)
{
	struct peer p;
	struct qmp q;
	char *err = NULL;
	int64_t t0;

	memset(&p, 0, sizeof p);
	peer_listen(&p);
	t0 = now_ms();
	assert_int_equal(qmp_open(&q, p.path, 150, &err), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_true(now_ms() - t0 >= 140 && now_ms() - t0 < 1000);
	free(err);
	peer_stop(&p, true);
}

/* B15: events that never stop coming must not carry a call past its deadline. */
static void test_event_flood_cannot_outlast_deadline(void **state)
{
	struct peer p;
	char *err = NULL;
	int64_t t0;

	peer_start(&p, PEER_FLOOD);
	t0 = now_ms();
	assert_int_equal(qmp_call(p.path, "query-status", NULL, NULL, 200, &err), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_true(now_ms() - t0 >= 190);
	assert_true(now_ms() - t0 < 1000); /* the flood lasts 3 s */
	free(err);
	peer_stop(&p, false);
}

/* A full listen backlog (a unix socket's EAGAIN) is a queue to wait in, not "not connected". */
static void test_full_backlog_is_waited_for(void **state)
{
	struct peer p;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct qmp q;
	char *err = NULL;
	int filler;
	int64_t t0;

	memset(&p, 0, sizeof p);
	peer_listen(&p);
	assert_int_equal(listen(p.lfd, 0), 0); /* room for one waiting client */
	memcpy(sa.sun_path, p.path, strlen(p.path) + 1);
	filler = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(filler, (struct sockaddr *)&sa, sizeof sa), 0);
	t0 = now_ms();
	assert_int_equal(qmp_open(&q, p.path, 150, &err), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_true(now_ms() - t0 >= 140 && now_ms() - t0 < 1000);
	free(err);
	close(filler);
	peer_stop(&p, true);
}

struct holder {
	struct qmp q;
	pthread_t thread;
};

static void *hang_up_later(void *arg)
{
	struct holder *h = arg;

	nap_ms(150);
	qmp_close(&h->q);
	return NULL;
}

/*
 * B17: another vmdeck client has the monitor for 150 ms, and QEMU takes
 * 100 ms to greet: 250 ms in all, but the 200 ms deadline counts only
 * QEMU's time, from when the monitor is ours. Busy is not hung.
 */
static void test_busy_monitor_is_not_hung(void **state)
{
	struct peer p;
	struct holder h;
	char *err = NULL;
	int64_t t0;

	peer_start(&p, PEER_QUEUE);
	assert_int_equal(qmp_open(&h.q, p.path, 2000, &err), 0);
	assert_int_equal(pthread_create(&h.thread, NULL, hang_up_later, &h), 0);
	t0 = now_ms();
	if (qmp_call(p.path, "query-status", NULL, NULL, 200, &err) < 0)
		fail_msg("a busy monitor was taken for a hung one: %s", err);
	assert_true(now_ms() - t0 >= 240);
	pthread_join(h.thread, NULL);
	peer_stop(&p, false);
}

/* A monitor another vmdeck client keeps is given up after one deadline, as busy. */
static void test_lock_wait_is_bounded(void **state)
{
	struct peer p;
	char *lock, *err = NULL;
	int fd;
	int64_t t0;

	memset(&p, 0, sizeof p);
	peer_listen(&p);
	lock = xasprintf("%s.lock", p.path);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	t0 = now_ms();
	assert_int_equal(qmp_call(p.path, "query-status", NULL, NULL, 150, &err), -1);
	assert_int_equal(errno, EBUSY);
	assert_true(now_ms() - t0 >= 140 && now_ms() - t0 < 1000);
	assert_non_null(strstr(err, "busy with another vmdeck client"));
	free(err);
	close(fd);
	free(lock);
	peer_stop(&p, true);
}

/* The lock file is the caller's own: 0600, never followed through a link. */
static void test_lock_file_mode_and_links(void **state)
{
	struct peer p;
	struct stat sb;
	char *lock, *victim, *err = NULL;

	peer_start(&p, PEER_ERROR);
	lock = xasprintf("%s.lock", p.path);
	assert_int_equal(qmp_call(p.path, "query-status", NULL, NULL, 2000, &err), -1);
	assert_string_equal(err, "Could not open '/x.iso'");
	assert_int_equal(lstat(lock, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0600);
	peer_stop(&p, false);
	free(lock);

	/* a planted link: not followed, and the call still goes through (without the lock) */
	peer_start(&p, PEER_ERROR);
	lock = xasprintf("%s.lock", p.path);
	victim = xasprintf("%s/victim", p.dir);
	assert_int_equal(symlink(victim, lock), 0);
	assert_int_equal(qmp_call(p.path, "query-status", NULL, NULL, 2000, &err), -1);
	assert_string_equal(err, "Could not open '/x.iso'");
	assert_int_equal(lstat(victim, &sb), -1);
	free(err);
	free(victim);
	free(lock);
	peer_stop(&p, false);
}

/* The lock holder's note: read by a waiter, whole or not at all. */
static void test_note_whole_or_nothing(void **state)
{
	struct peer p;
	struct qmp holder, waiter;
	char *note;

	memset(&p, 0, sizeof p);
	peer_listen(&p);
	qmp_init(&holder);
	qmp_init(&waiter);
	assert_int_equal(qmp_lock_try(&holder, p.path), 0);
	assert_int_equal(qmp_lock_try(&waiter, p.path), 1);
	assert_null(qmp_note_read(&waiter));
	assert_int_equal(qmp_note_write(&holder, "{\"state\": \"a longer first note\"}"), 0);
	note = qmp_note_read(&waiter);
	assert_string_equal(note, "{\"state\": \"a longer first note\"}");
	free(note);
	assert_int_equal(qmp_note_write(&holder, "short"), 0); /* the longer one's tail stays in the file */
	note = qmp_note_read(&waiter);
	assert_string_equal(note, "short");
	free(note);
	/* caught mid-write: a byte of the text changed under the checksum */
	assert_int_equal(pwrite(holder.lock_fd, "S", 1, (off_t)strlen("vmdeck-note 00000000 5\n")), 1);
	assert_null(qmp_note_read(&waiter));
	qmp_close(&holder);
	assert_int_equal(qmp_lock_try(&waiter, p.path), 0);
	qmp_close(&waiter);
	peer_stop(&p, true);
}

static void test_hangup_and_not_qmp(void **state)
{
	struct peer p;
	char *err = NULL;

	peer_start(&p, PEER_HANGUP);
	assert_int_equal(qmp_call(p.path, "quit", NULL, NULL, 2000, &err), -1);
	assert_int_equal(errno, ECONNRESET);
	free(err);
	err = NULL;
	peer_stop(&p, false);

	peer_start(&p, PEER_NOT_QMP);
	assert_int_equal(qmp_call(p.path, "query-status", NULL, NULL, 2000, &err), -1);
	assert_int_equal(errno, EPROTO);
	free(err);
	peer_stop(&p, false);
}

static void test_nobody_listening(void **state)
{
	char *err = NULL;
	struct qmp q;

	assert_int_equal(qmp_open(&q, "/nonexistent/vmdeck/qmp.sock", 500, &err), -1);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "/nonexistent/vmdeck/qmp.sock"));
	free(err);
}

/* Paths longer than sun_path still connect (through /proc/self/fd). */
static void test_long_socket_path(void **state)
{
	struct peer p;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char deep[512];
	char *loop, *link_path, *err = NULL;
	json_t *ret = NULL;

	peer_start(&p, PEER_ERROR);
	/* a chain of links back to the same folder makes the path long without a long real path */
	loop = xasprintf("%s/loop-back-to-the-same-folder", p.dir);
	assert_int_equal(symlink(".", loop), 0);
	snprintf(deep, sizeof deep, "%s", p.dir);
	for (int i = 0; i < 12; i++)
		strcat(deep, "/loop-back-to-the-same-folder");
	link_path = xasprintf("%s/qmp.sock", deep);
	assert_true(strlen(link_path) >= sizeof sa.sun_path);
	assert_int_equal(qmp_call(link_path, "query-status", NULL, &ret, 2000, &err), -1);
	assert_string_equal(err, "Could not open '/x.iso'"); /* the peer was reached */
	free(err);
	free(link_path);
	unlink(loop);
	free(loop);
	peer_stop(&p, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_message),
		cmocka_unit_test(test_many_messages_in_one_read),
		cmocka_unit_test(test_bad_json_is_reported_and_skipped),
		cmocka_unit_test(test_reply_return),
		cmocka_unit_test(test_reply_error_uses_desc),
		cmocka_unit_test(test_reply_error_without_desc_and_garbage),
		cmocka_unit_test(test_command_line_ids),
		cmocka_unit_test(test_exec_collects_events_before_reply),
		cmocka_unit_test(test_error_reply_gives_desc),
		cmocka_unit_test(test_silent_peer_hits_deadline),
		cmocka_unit_test(test_backlog_only_hits_deadline),
		cmocka_unit_test(test_event_flood_cannot_outlast_deadline),
		cmocka_unit_test(test_full_backlog_is_waited_for),
		cmocka_unit_test(test_busy_monitor_is_not_hung),
		cmocka_unit_test(test_lock_wait_is_bounded),
		cmocka_unit_test(test_lock_file_mode_and_links),
		cmocka_unit_test(test_note_whole_or_nothing),
		cmocka_unit_test(test_hangup_and_not_qmp),
		cmocka_unit_test(test_nobody_listening),
		cmocka_unit_test(test_long_socket_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
