/*
 * live.c: point-in-time copy of a running guest's disks: QMP drive-backup jobs, optional fs freeze
 * via the guest agent.
 */
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "live.h"
#include "progress.h"
#include "qmp.h"
#include "util.h"
#include "vmstate.h"

#define QMP_TIMEOUT_MS 5000
#define QGA_TIMEOUT_MS 10000

/* ---- the guest agent: one JSON line out, lines back until the answer ---- */

static int qga_connect(const char *path, char **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (strlen(path) >= sizeof sa.sun_path)
		return err_set(err, "%s: path too long", path);
	strcpy(sa.sun_path, path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		err_set(err, "cannot reach the guest agent (%s): %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * Sends one command and returns the first reply whose "return" passes match (or any reply if
 * want_id < 0).
 */
static json_t *qga_exec(int fd, const char *json, long long want_id, char **err)
{
	struct sbuf b = { 0 };
	int64_t deadline = now_ms() + QGA_TIMEOUT_MS;
	char chunk[4096];

	if (write(fd, json, strlen(json)) != (ssize_t)strlen(json))
		return err_set(err, "guest agent: %s", strerror(errno)), NULL;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int left = (int)(deadline - now_ms());
		char *nl;

		while (b.s && (nl = strchr(b.s, '\n')) != NULL) {
			json_t *msg = json_loadb(b.s, (size_t)(nl - b.s), 0, NULL);
			json_t *ret = json_object_get(msg, "return");

			memmove(b.s, nl + 1, strlen(nl + 1) + 1);
			b.len = strlen(b.s);
			if (json_object_get(msg, "error")) {
				err_set(err, "guest agent: %s",
					json_string_value(json_object_get(
						json_object_get(msg, "error"), "desc"))
						?: "error");
				json_decref(msg);
				sbuf_free(&b);
				return NULL;
			}
			if (ret && (want_id < 0 || json_integer_value(ret) == want_id)) {
				json_incref(ret);
				json_decref(msg);
				sbuf_free(&b);
				return ret;
			}
			json_decref(msg);
		}
		ssize_t r;
		int pr = left > 0 ? poll(&p, 1, left) : 0;

		if (pr < 0 && errno == EINTR)
			/*
			 * a signal (Ctrl-C) does not end the wait: a freeze under way must be
			 * answered, then undone
			 */
			continue;
		if (pr <= 0 || (r = read(fd, chunk, sizeof chunk)) <= 0) {
			sbuf_free(&b);
			return err_set(err,
				       "the guest agent did not answer (is qemu-guest-agent "
				       "running in the guest?)"),
			       NULL;
		}
		sbuf_addn(&b, chunk, (size_t)r);
	}
}

/* guest-sync with a fresh id: every older answer (a late freeze reply) is read and dropped. */
static int qga_sync(int fd, char **err)
{
	static long long turn;
	/* two syncs in one ms still differ */
	long long id = (long long)((now_ms() + ++turn) & 0x7fffffff);
	char cmd[128];
	json_t *r;

	snprintf(cmd, sizeof cmd, "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":%lld}}\n", id);
	if ((r = qga_exec(fd, cmd, id, err)) == NULL)
		return -1;
	json_decref(r);
	return 0;
}

/* Sends the thaw and asks guest-fsfreeze-status: 0 only when the agent says "thawed". */
static int qga_thaw_on(int fd, char **err)
{
	json_t *r;
	int rc;

	/* a stale error (the freeze's own) can answer the first sync: one more try */
	if (qga_sync(fd, NULL) < 0 && qga_sync(fd, err) < 0)
		return -1;
	json_decref(qga_exec(fd, "{\"execute\":\"guest-fsfreeze-thaw\"}\n", -1, NULL));
	if ((r = qga_exec(fd, "{\"execute\":\"guest-fsfreeze-status\"}\n", -1, err)) == NULL)
		return -1;
	rc = json_is_string(r) && strcmp(json_string_value(r), "thawed") == 0
		     ? 0
		     : err_set(err, "the agent says its filesystems are %s",
			       json_is_string(r) ? json_string_value(r) : "in an unknown state");
	json_decref(r);
	return rc;
}

/*
 * Ends a freeze that was asked for (done, failed, or still under way): thaw,
 * then check. Through fd, or a new connection when that one is broken. A
 * guest left frozen is said loudly: in *err (joined to the run's own error,
 * if any) and in its event log. Returns rc, or -1 when the thaw failed.
 */
int live_thaw(const struct config *cfg, const char *name, int fd, int rc, char **err)
{
	char *why = NULL, *path;
	int ok = qga_thaw_on(fd, &why);

	close(fd);
	if (ok < 0) {
		path = vmstate_path(cfg, name, "qga.sock");
		free(why);
		why = NULL;
		fd = qga_connect(path, &why);
		free(path);
		if (fd >= 0) {
			ok = qga_thaw_on(fd, &why);
			close(fd);
		}
	}
	if (ok == 0)
		return rc;
	events_log(
		cfg, name, EV_BACKUP_FROZEN,
		"live backup: THE GUEST'S FILESYSTEMS MAY STILL BE FROZEN (thaw not confirmed: %s)",
		why);
	if (err && rc < 0 && *err) {
		char *first = *err;

		*err = xasprintf(
			"%s; and THE GUEST'S FILESYSTEMS MAY STILL BE FROZEN (thaw not confirmed: "
			"%s)",
			first, why);
		free(first);
	} else {
		err_set(err, "THE GUEST'S FILESYSTEMS MAY STILL BE FROZEN (thaw not confirmed: %s)",
			why);
	}
	free(why);
	return -1;
}

/* Freezes the guest's filesystems; returns the agent fd to thaw through later (live_thaw). */
int live_freeze(const struct config *cfg, const char *name, volatile sig_atomic_t *cancel,
		char **err)
{
	char *path = vmstate_path(cfg, name, "qga.sock");
	int fd = qga_connect(path, err);
	json_t *r;

	free(path);
	if (fd < 0)
		return -1;
	/* guest-sync skips any stale reply a previous client left in the channel */
	if (qga_sync(fd, err) < 0) {
		close(fd);
		return -1;
	}
	r = qga_exec(fd, "{\"execute\":\"guest-fsfreeze-freeze\"}\n", -1, err);
	json_decref(r);
	/* from here on the freeze was asked: whatever ends this, a thaw follows */
	if (r == NULL)
		return live_thaw(cfg, name, fd, -1, err);
	if (cancel && *cancel) {
		err_set(err, "interrupted");
		return live_thaw(cfg, name, fd, -1, err);
	}
	return fd;
}

/* ---- QMP backup jobs ---- */

static json_t *backup_actions(const struct vmdef *def, char **paths)
{
	json_t *acts = json_array();

	for (size_t i = 0; i < def->n_disks; i++) {
		char dev[32], job[48];

		/* the drive ids are the ones qemu_argv gives: disk0, disk1, ... */
		snprintf(dev, sizeof dev, "disk%zu", i);
		snprintf(job, sizeof job, "vmdeck-backup-%zu", i);
		json_array_append_new(acts,
				      json_pack("{s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s}}", "type",
						"drive-backup", "data", "device", dev, "job-id",
						job, "target", paths[i], "sync", "full", "format",
						"raw", "mode", "absolute-paths"));
	}
	return acts;
}

/* Sums our jobs' offsets; *running = how many are still listed. */
static int jobs_poll(struct qmp *q, uint64_t *done, uint64_t *total, int *running, char **err)
{
	json_t *ret = NULL;
	size_t i;
	json_t *j;

	if (qmp_exec(q, "query-block-jobs", NULL, &ret, QMP_TIMEOUT_MS, err) < 0)
		return -1;
	*done = *total = 0;
	*running = 0;
	json_array_foreach(ret, i, j) {
		const char *dev = json_string_value(json_object_get(j, "device"));

		if (dev == NULL || strncmp(dev, "vmdeck-backup-", 14) != 0)
			continue;
		(*running)++;
		*done += (uint64_t)json_integer_value(json_object_get(j, "offset"));
		*total += (uint64_t)json_integer_value(json_object_get(j, "len"));
	}
	json_decref(ret);
	return 0;
}

/* A finished job reported an error, or was cancelled: its event says which. */
static int jobs_check_events(struct qmp *q, size_t n, char **err)
{
	size_t i, ok = 0;
	json_t *ev;

	json_array_foreach(q->events, i, ev) {
		const char *name = json_string_value(json_object_get(ev, "event"));
		json_t *data = json_object_get(ev, "data");
		const char *dev = json_string_value(json_object_get(data, "device"));

		if (name == NULL || dev == NULL || strncmp(dev, "vmdeck-backup-", 14) != 0)
			continue;
		if (strcmp(name, "BLOCK_JOB_CANCELLED") == 0)
			return err_set(err, "the QEMU backup job was cancelled");
		if (strcmp(name, "BLOCK_JOB_COMPLETED") == 0) {
			const char *e = json_string_value(json_object_get(data, "error"));

			if (e)
				return err_set(err, "the QEMU backup job failed: %s", e);
			ok++;
		}
	}
	return ok == n ? 0 : err_set(err, "the QEMU backup job ended without completing");
}

static void jobs_cancel(struct qmp *q, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_t *a = json_pack("{s:s, s:b}", "device", "", "force", 1);
		char job[48];

		snprintf(job, sizeof job, "vmdeck-backup-%zu", i);
		json_object_set_new(a, "device", json_string(job));
		qmp_exec(q, "block-job-cancel", a, NULL, QMP_TIMEOUT_MS, NULL);
		json_decref(a);
	}
}

static int jobs_wait(struct qmp *q, size_t n, struct progress_tracker *t,
		     volatile sig_atomic_t *cancel, char **err)
{
	uint64_t done, total, last = 0;
	int running = (int)n;
	struct timespec nap = { 0, 200 * 1000 * 1000 };

	while (running > 0) {
		if (cancel && *cancel) {
			jobs_cancel(q, n);
			return err_set(err, "interrupted");
		}
		if (jobs_poll(q, &done, &total, &running, err) < 0)
			return -1;
		if (running > 0 && done > last) {
			progress_add(t, done - last);
			last = done;
		}
		if (running > 0)
			nanosleep(&nap, NULL);
	}
	/* the completion events may trail the job's disappearance by a moment */
	for (int tries = 0; tries < 10; tries++) {
		if (jobs_check_events(q, n, NULL) == 0)
			break;
		qmp_exec(q, "query-status", NULL, NULL, QMP_TIMEOUT_MS, NULL);
		nanosleep(&nap, NULL);
	}
	return jobs_check_events(q, n, err);
}

int live_copy(const struct config *cfg, const struct vmdef *def, const char *tmpdir, char **paths,
	      struct progress_tracker *t, volatile sig_atomic_t *cancel, char **err)
{
	struct qmp q;
	char *sock = vmstate_path(cfg, def->name, "qmp.sock");
	json_t *args;
	int agent = -1, rc;

	for (size_t i = 0; i < def->n_disks; i++)
		paths[i] = xasprintf("%s/.live-%d-%zu.raw", tmpdir, (int)getpid(), i);
	rc = qmp_open(&q, sock, QMP_TIMEOUT_MS, err);
	free(sock);
	if (rc < 0)
		return -1;
	if (def->guest_agent && (agent = live_freeze(cfg, def->name, cancel, err)) < 0) {
		qmp_close(&q);
		return -1;
	}
	/* one transaction: every disk's copy starts at the same instant */
	args = json_pack("{s:o}", "actions", backup_actions(def, paths));
	rc = qmp_exec(&q, "transaction", args, NULL, QMP_TIMEOUT_MS, err);
	json_decref(args);
	if (agent >= 0)  /* the jobs hold the point in time; the guest may write again */
		rc = live_thaw(cfg, def->name, agent, rc, err);
	if (rc < 0 && agent >= 0)
		jobs_cancel(&q, def->n_disks);
	if (rc == 0)
		rc = jobs_wait(&q, def->n_disks, t, cancel, err);
	qmp_close(&q);
	return rc;
}
