/*
 * status.c: the live state of many guests at once: /proc for the process, and
 * every guest's QMP socket asked concurrently in one poll() with its own deadline.
 *
 * How a state is decided (first match wins):
 *   - the definition did not load                         -> invalid (reason: the error)
 *   - no qemu.pid                                         -> stopped
 *   - qemu.pid names no live QEMU (gone, zombie, reused):
 *       a `stopping` marker is present (vm_stop ran)      -> stopped
 *       qemu.pid is older than the host's boot            -> stopped (a host crash, not QEMU's)
 *       otherwise                                         -> crashed: QEMU removes its pidfile
 *         whenever it exits cleanly, so a pidfile left behind means it was killed or died
 *   - the process is stopped by a signal (SIGSTOP, ptrace) -> unresponsive at once
 *   - QMP answers: its run state, mapped by qmp_states[] (shutdown -> shutting-down,
 *     guest-panicked -> crashed, prelaunch -> starting while the lock is held, else
 *     paused); running or paused while vm_stop holds the lock with its `stopping`
 *     marker                                              -> shutting-down
 *   - QMP does not answer within the deadline, or refuses: -> unresponsive, except while
 *     a vmdeck operation holds the guest's lock (the monitor takes one client at a time):
 *     then starting or shutting-down if that is what it does.
 *
 * Busy is not hung. QEMU serves one client per monitor, and `list` loops, consoles and
 * operations (start, stop, cdrom, live backup) all want one. So status readers ask on a
 * monitor of their own, VM_STATUS_SOCK (another -qmp; qmp.sock is left to operations,
 * which then never queue behind a poll), and every client of either socket holds its
 * SOCK.lock for its exchange (qmp.h): a reader that finds the lock held retries every
 * few ms within one deadline, and QEMU's deadline only starts once the monitor is the
 * reader's own. And the holder leaves its verdict in the lock file (qmp_note_write): a
 * waiting reader takes one given after it began to ask, on the same QEMU, so readers share
 * exchanges instead of queueing for their own (under load, eight in a row outlast a
 * deadline). Only when nobody got an answer for a whole deadline is the guest unresponsive:
 * a hung QEMU costs one deadline, two for a reader that waited for the lock first. A
 * separate socket alone would still let eight `list`s collide; the lock alone would make
 * starts wait behind every poll. A guest started before its argv had VM_STATUS_SOCK is
 * asked on qmp.sock (and its lock). A SIGSTOPped QEMU is seen in /proc at once, whoever
 * holds its monitor.
 */
#include "status.h"
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "qmp.h"
#include "util.h"
#include "vmstate.h"

/*
 * PH_WAIT: no connection yet, tried again at retry_at (the lock is another's, or QEMU's backlog is
 * full).
 */
enum phase { PH_DONE, PH_WAIT, PH_TALK };

/* How often a waiting reader tries again for a monitor another client holds. */
#define STATUS_RETRY_MS 2

struct guest {
	const struct vmdef *def;
	const struct vm_status *prev;
	struct vm_status st;
	enum phase phase;
	struct qmp q;
	char *sock;            /* the monitor asked: VM_STATUS_SOCK, else qmp.sock */
	bool locked;           /* the monitor lock is ours: deadline now counts QEMU's silence */
	bool checked;          /* check_process ran: connect errors are judged at once */
	/* when this poll began to ask (wall clock): a shared answer must be newer */
	double asked_real;
	/* the note last read while waiting, so an unchanged one is not parsed again */
	char *seen_note;
	bool rechecked;        /* a "prelaunch" with no start holding the lock was asked again */
	int64_t retry_at;
	struct stat pidfile;   /* its mtime tells a host crash from a QEMU crash */
	char *connect_err;     /* why connect() failed, judged once the process is known */
	size_t out_off;        /* how much of questions[] is written */
	int answers;           /* non-event messages so far: greeting, then one per question */
	char *qmp_status;      /* query-status's answer, kept until query-block's arrives */
	bool qmp_running;
	int64_t deadline;
};

struct status_poll {
	const struct config *cfg;
	size_t n;
	struct guest *g;
	int timeout_ms;
	bool host_known;       /* boot and uptime read (only once some guest has a pidfile) */
	double boot, uptime;
};

/* ---- small files ---- */

static bool exists_in_state(const struct config *cfg, const char *name, const char *file)
{
	char *p = vmstate_path(cfg, name, file);
	int rc = access(p, F_OK);

	free(p);
	return rc == 0;
}

/* Seconds since the epoch when the host booted (btime in /proc/stat), 0 if unknown. */
static double host_boot_time(void)
{
	char buf[8192];
	const char *b;

	if (file_read_small("/proc/stat", buf, sizeof buf) <= 0 ||
	    (b = strstr(buf, "\nbtime ")) == NULL)
		return 0;
	return strtod(b + 7, NULL);
}

/*
 * Whether some process holds an exclusive flock on state_dir/NAME/lock, read
 * from /proc/locks so the check never takes (and so never steals) the lock.
 */
static bool lock_held(const struct config *cfg, const char *name)
{
	char *path = vmstate_path(cfg, name, "lock");
	struct stat sb;
	char want[64];
	char *text;
	bool held = false;

	if (stat(path, &sb) < 0) {
		free(path);
		return false;
	}
	free(path);
	snprintf(want, sizeof want, " %02x:%02x:%lu ", major(sb.st_dev), minor(sb.st_dev),
		 (unsigned long)sb.st_ino);
	/* a busy host has many */
	if ((text = file_read_max("/proc/locks", 64 << 20, 0, NULL, NULL)) == NULL)
		return false;
	for (char *line = strtok(text, "\n"); line && !held; line = strtok(NULL, "\n"))
		held = strstr(line, " FLOCK ") && strstr(line, " WRITE ") && !strstr(line, "->") &&
		       strstr(line, want);
	free(text);
	return held;
}

/* ---- the process, from /proc ---- */

struct proc_sample {
	char state;
	unsigned long long ticks;     /* utime + stime */
	unsigned long long start;     /* starttime, ticks after boot */
	uint64_t rss;
};

/*
 * One read of /proc/PID/stat gives state, CPU ticks, start time and resident pages (as statm
 * would).
 */
static int proc_sample(pid_t pid, struct proc_sample *ps)
{
	char path[64], buf[1024];
	const char *rp;
	unsigned long long ut, stt, pages;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if (file_read_small(path, buf, sizeof buf) <= 0 || (rp = strrchr(buf, ')')) == NULL)
		return -1;
	if (sscanf(rp + 2,
		   "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d "
		   "%llu %*u %llu",
		   &ps->state, &ut, &stt, &ps->start, &pages) != 5)
		return -1;
	ps->ticks = ut + stt;
	ps->rss = (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
	return 0;
}

static double host_uptime(void)
{
	char buf[128];

	return file_read_small("/proc/uptime", buf, sizeof buf) > 0 ? strtod(buf, NULL) : -1;
}

/*
 * CPU % as a rate since the previous sample of the same process, else averaged over its life (like
 * ps).
 */
static void fill_process(struct guest *g, const struct proc_sample *ps, double uptime_now)
{
	double hz = (double)sysconf(_SC_CLK_TCK);
	const struct vm_status *prev = g->prev;
	double now = now_mono();

	g->st.rss = ps->rss;
	g->st.cpu_ticks = ps->ticks;
	g->st.sampled_at = now;
	if (uptime_now >= 0)
		g->st.uptime = uptime_now - (double)ps->start / hz;
	if (g->st.uptime < 0 && uptime_now >= 0)
		g->st.uptime = 0;
	if (prev && prev->pid == g->st.pid && prev->sampled_at > 0 &&
	    now - prev->sampled_at > 0.05 && ps->ticks >= prev->cpu_ticks)
		g->st.cpu_percent = (double)(ps->ticks - prev->cpu_ticks) / hz /
				    (now - prev->sampled_at) * 100.0;
	else if (g->st.uptime > 0)
		g->st.cpu_percent = (double)ps->ticks / hz / g->st.uptime * 100.0;
	else
		g->st.cpu_percent = 0;
}

/* ---- deciding ---- */

static void finish(struct guest *g, enum vm_state state, char *reason)
{
	g->st.state = state;
	free(g->st.reason);
	g->st.reason = reason;
	g->phase = PH_DONE;
	qmp_close(&g->q);
	free(g->qmp_status);
	g->qmp_status = NULL;
	free(g->connect_err);
	g->connect_err = NULL;
	free(g->sock);
	g->sock = NULL;
	free(g->seen_note);
	g->seen_note = NULL;
}

/* A pidfile that names no live QEMU: see the rules at the top. */
static void judge_dead(const struct config *cfg, struct guest *g, const struct stat *pidfile,
		       double boot)
{
	const char *name = g->def->name;
	char *last;

	g->st.pid = 0;
	if (exists_in_state(cfg, name, "stopping") ||
	    (boot > 0 && (double)pidfile->st_mtime < boot)) {
		finish(g, VM_STOPPED, NULL);
		return;
	}
	/* what QEMU said while running (a KVM error, an assertion), else while starting */
	if ((last = vmstate_log_last_line(cfg, name, VM_RUN_LOG)) == NULL)
		last = vmstate_log_last_line(cfg, name, "qemu.log");
	finish(g, VM_CRASHED, last ? xasprintf("QEMU ended without a clean shutdown: %s", last)
				   : xstrdup("QEMU ended without a clean shutdown (killed?)"));
	free(last);
}

/* While a vmdeck operation holds the lock, a busy or absent monitor is expected. */
static void judge_silent(const struct config *cfg, struct guest *g, char *reason)
{
	const char *name = g->def->name;

	if (g->rechecked) { /* QEMU said prelaunch, then not again: that answer stands */
		free(reason);
		finish(g, VM_PAUSED, NULL);
		return;
	}
	if (!vmstate_pid_alive(g->st.pid)) {
		free(reason);
		g->st.pid = 0;
		g->st.cpu_percent = -1;
		g->st.uptime = -1;
		g->st.rss = 0;
		finish(g, VM_STOPPED, NULL);
		return;
	}
	if (lock_held(cfg, name)) {
		free(reason);
		finish(g, exists_in_state(cfg, name, "stopping") ? VM_SHUTTING_DOWN : VM_STARTING,
		       NULL);
		return;
	}
	finish(g, VM_UNRESPONSIVE, reason);
}

/* ---- answers shared between readers (see the top) ---- */

/*
 * The verdict on QEMU's answer, as this reader reports it (the lock and the
 * stopping marker as they were when QEMU answered), left in the monitor's
 * lock file while the lock is still ours, for the readers waiting for it.
 * The wall clock and the pid say which QEMU it is about, and when.
 */
static void answer_share(struct guest *g, enum vm_state state, const char *reason)
{
	json_t *a =
		json_pack("{s:f, s:i, s:i, s:s?, s:s?}", "at", now_real(), "pid", (int)g->st.pid,
			  "state", (int)state, "reason", reason, "cdrom", g->st.cdrom);
	char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;

	if (text)
		qmp_note_write(&g->q, text);
	free(text);
	json_decref(a);
}

/* Judges g from a verdict another reader left after g began to ask, on the same QEMU: 0 when so. */
static int answer_take(struct guest *g)
{
	char *text = qmp_note_read(&g->q);
	json_t *a, *jstate;
	json_int_t state;
	const char *reason, *cd;

	if (text == NULL || (g->seen_note && strcmp(text, g->seen_note) == 0)) {
		free(text);
		return -1;
	}
	free(g->seen_note);
	g->seen_note = text;
	a = json_loads(text, 0, NULL);
	jstate = json_object_get(a, "state");
	state = json_integer_value(jstate);
	if (!json_is_integer(jstate) || state < 0 || state >= VM_STATE_COUNT ||
	    json_integer_value(json_object_get(a, "pid")) != (json_int_t)g->st.pid ||
	    json_number_value(json_object_get(a, "at")) < g->asked_real) {
		json_decref(a);
		return -1;
	}
	cd = json_string_value(json_object_get(a, "cdrom"));
	reason = json_string_value(json_object_get(a, "reason"));
	g->st.cdrom = cd && *cd ? xstrdup(cd) : NULL;
	finish(g, (enum vm_state)state, reason ? xstrdup(reason) : NULL);
	json_decref(a);
	return 0;
}

/* One more query-status on the open connection; its answer is judged alone (on_answer). */
static int ask_again(struct guest *g)
{
	static const char again[] = "{\"execute\":\"query-status\"}";

	g->rechecked = true;
	return send(g->q.fd, again, sizeof again - 1, MSG_NOSIGNAL | MSG_DONTWAIT) ==
			       (ssize_t)sizeof again - 1
		       ? 0
		       : -1;
}

struct qmp_state_map {
	const char *qmp;
	enum vm_state state;
	const char *reason;
};

/* QMP RunState names (QEMU's qapi/run-state.json) to ours; prelaunch is handled apart. */
static const struct qmp_state_map qmp_states[] = {
	{ "running", VM_RUNNING, NULL },
	{ "colo", VM_RUNNING, NULL },
	{ "paused", VM_PAUSED, NULL },
	{ "suspended", VM_PAUSED, NULL },
	{ "debug", VM_PAUSED, NULL },
	{ "io-error", VM_PAUSED, NULL },
	{ "watchdog", VM_PAUSED, NULL },
	{ "postmigrate", VM_PAUSED, NULL },
	{ "finish-migrate", VM_PAUSED, NULL },
	{ "save-vm", VM_PAUSED, NULL },
	{ "inmigrate", VM_STARTING, NULL },
	{ "restore-vm", VM_STARTING, NULL },
	{ "shutdown", VM_SHUTTING_DOWN, NULL },
	{ "guest-panicked", VM_CRASHED, "the guest OS panicked" },
	{ "internal-error", VM_CRASHED, "QEMU stopped on an internal error" },
};

static void judge_answer(const struct config *cfg, struct guest *g, const char *status,
			 bool running)
{
	const char *name = g->def->name;
	enum vm_state state = running ? VM_RUNNING : VM_PAUSED;
	const char *reason = NULL;

	for (size_t i = 0; i < ARRAY_LEN(qmp_states); i++)
		if (strcmp(status, qmp_states[i].qmp) == 0) {
			state = qmp_states[i].state;
			reason = qmp_states[i].reason;
		}
	/*
	 * every vmdeck start passes through prelaunch (-S) until its `cont`, and
	 * holds the lock until after it. Its `cont` goes to qmp.sock, so it may
	 * have been sent, and the lock let go, since QEMU answered: with no lock
	 * held now, QEMU is asked once more (running then: it was a start).
	 */
	if (strcmp(status, "prelaunch") == 0 && lock_held(cfg, name))
		state = VM_STARTING;
	else if (strcmp(status, "prelaunch") == 0 && !g->rechecked && ask_again(g) == 0)
		return;
	else if (strcmp(status, "prelaunch") == 0)
		state = VM_PAUSED;
	if ((state == VM_RUNNING || state == VM_PAUSED) && exists_in_state(cfg, name, "stopping") &&
	    lock_held(cfg, name))
		state = VM_SHUTTING_DOWN;
	answer_share(g, state, reason);
	finish(g, state, reason ? xstrdup(reason) : NULL);
}

/*
 * The medium in the CD drive: drive "cd0" as qemu_argv names it, else the
 * first removable drive. A tray the guest opened (its own eject) reads as
 * empty: QEMU keeps the medium, but the guest can read nothing from it.
 */
static char *cdrom_from_blocks(json_t *blocks)
{
	json_t *pick = NULL, *b;
	size_t i;
	const char *file;

	json_array_foreach(blocks, i, b) {
		const char *dev = json_string_value(json_object_get(b, "device"));
		const char *qdev = json_string_value(json_object_get(b, "qdev"));

		if ((dev && strcmp(dev, "cd0") == 0) || (qdev && strcmp(qdev, "cd0") == 0)) {
			pick = b;
			break;
		}
		if (pick == NULL && json_is_true(json_object_get(b, "removable")))
			pick = b;
	}
	if (json_is_true(json_object_get(pick, "tray_open")))
		return NULL;
	file = json_string_value(json_object_get(json_object_get(pick, "inserted"), "file"));
	return file && *file ? xstrdup(file) : NULL;
}

/* ---- the conversation ---- */

/*
 * All three questions go out at once, right after connect() and before the
 * greeting: QEMU reads them once it has greeted, so no round trip is spent
 * waiting. They carry no ids: without out-of-band commands QEMU answers in
 * order, so the n-th reply answers the n-th question. QEMU reads its monitor
 * input a byte at a time, each byte a trip through its main loop: the text is
 * kept as short as QMP allows.
 */
static const char questions[] = "{\"execute\":\"qmp_capabilities\"}{\"execute\":\"query-status\"}"
				"{\"execute\":\"query-block\"}";
enum { ANS_GREETING, ANS_CAPS, ANS_STATUS, ANS_BLOCK, ANS_ALL };
static const char *const question_names[] = { "greeting", "qmp_capabilities", "query-status",
					      "query-block" };

static void send_pending(const struct config *cfg, struct guest *g)
{
	while (g->out_off < sizeof questions - 1) {
		ssize_t w = send(g->q.fd, questions + g->out_off, sizeof questions - 1 - g->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w > 0) {
			g->out_off += (size_t)w;
		} else if (w < 0 && errno == EINTR) {
			continue;
		} else if (w < 0 && errno == EAGAIN) {
			return;
		} else {
			judge_silent(cfg, g,
				     xasprintf("cannot write to the monitor: %s", strerror(errno)));
			return;
		}
	}
}

static void on_answer(const struct config *cfg, struct guest *g, json_t *msg)
{
	json_t *ret = NULL;
	char *err = NULL;
	int n = g->answers++;

	if (n == ANS_GREETING) {
		if (!qmp_is_greeting(msg))
			judge_silent(cfg, g, xstrdup("the monitor socket does not speak QMP"));
		return;
	}
	if (qmp_reply_result(msg, &ret, &err) < 0) {
		judge_silent(cfg, g,
			     xasprintf("the monitor refused %s: %s",
				       n < ANS_ALL ? question_names[n] : "query-status", err));
		free(err);
		return;
	}
	if (n >= ANS_ALL) { /* ask_again's */
		const char *st = json_string_value(json_object_get(ret, "status"));

		judge_answer(cfg, g, st ? st : "", json_is_true(json_object_get(ret, "running")));
		json_decref(ret);
		return;
	}
	if (n == ANS_STATUS) {
		const char *st = json_string_value(json_object_get(ret, "status"));

		g->qmp_status = xstrdup(st ? st : "");
		g->qmp_running = json_is_true(json_object_get(ret, "running"));
	} else if (n == ANS_BLOCK) {
		g->st.cdrom = cdrom_from_blocks(ret);
	}
	json_decref(ret);
	if (g->answers == ANS_ALL) {
		char *status = g->qmp_status;

		g->qmp_status = NULL;
		judge_answer(cfg, g, status ? status : "", g->qmp_running);
		free(status);
	}
}

static void on_readable(const struct config *cfg, struct guest *g)
{
	ssize_t r = qmp_read(&g->q);
	json_t *msg;
	int bad;

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		judge_silent(cfg, g, xstrdup(r == 0 ? "QEMU closed the monitor connection"
					       : "cannot read the monitor socket"));
		return;
	}
	while (g->phase != PH_DONE && (msg = qmp_next_message(&g->q, &bad)) != NULL) {
		if (!qmp_is_event(msg))
			on_answer(cfg, g, msg);
		json_decref(msg);
	}
	if (g->phase != PH_DONE && bad)
		judge_silent(cfg, g, xstrdup("the monitor socket sent something that is not QMP"));
}

static void on_event(const struct config *cfg, struct guest *g, short revents)
{
	if (revents & (POLLIN | POLLHUP | POLLERR))
		on_readable(cfg, g);
	if (g->phase != PH_DONE && (revents & POLLOUT))
		send_pending(cfg, g);
}

/* ---- starting each guest ---- */

/*
 * The pid in qemu.pid, and the file's times in *sb: 0 when there is no pidfile, -1 when it holds no
 * pid.
 */
static pid_t pidfile_open(const struct config *cfg, const char *name, struct stat *sb)
{
	char *path = vmstate_path(cfg, name, "qemu.pid");
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	char buf[32];
	ssize_t r;
	long v;

	free(path);
	if (fd < 0)
		return 0;
	r = fstat(fd, sb) == 0 ? read(fd, buf, sizeof buf - 1) : -1;
	close(fd);
	if (r <= 0)
		return -1;
	buf[r] = '\0';
	v = strtol(buf, NULL, 10);
	return v > 0 && v < INT32_MAX ? (pid_t)v : -1;
}

/* The monitor a reader asks: its own (VM_STATUS_SOCK) when this QEMU has one. */
static char *status_socket(const struct config *cfg, const char *name)
{
	char *sock = vmstate_path(cfg, name, VM_STATUS_SOCK);
	struct stat sb;

	if (lstat(sock, &sb) == 0 && S_ISSOCK(sb.st_mode))
		return sock;
	free(sock);
	return vmstate_path(cfg, name, "qmp.sock");
}

/*
 * Takes the monitor: its lock (from then on the deadline is QEMU's), a
 * connection, and the questions go out. While another client has it, the
 * next try is due in STATUS_RETRY_MS.
 */
static void try_talk(const struct status_poll *sp, struct guest *g)
{
	char *err = NULL;
	int rc;

	if (!g->locked) {
		if (qmp_lock_try(&g->q, g->sock) == 1) {
			if (answer_take(g) < 0)
				g->retry_at = now_ms() + STATUS_RETRY_MS;
			return;
		}
		g->locked = true;
		g->deadline = now_ms() + sp->timeout_ms;
	}
	if ((rc = qmp_connect(&g->q, g->sock, &err)) == 1) {
		g->retry_at = now_ms() + STATUS_RETRY_MS;
		return;
	}
	g->phase = PH_TALK;
	if (rc == 0)
		send_pending(sp->cfg, g);
	else if (g->checked)
		judge_silent(sp->cfg, g, err);
	else
		g->connect_err = err; /* judged once the process is known */
}

/*
 * First pass, kept short so QEMU starts on its answer early: invalid and
 * stopped guests are settled; any guest with a pidfile gets its connection
 * and its questions, or waits for its monitor.
 */
static void begin_guest(struct status_poll *sp, struct guest *g)
{
	const struct config *cfg = sp->cfg;

	if (g->def->error) {
		finish(g, VM_INVALID, xstrdup(g->def->error));
		return;
	}
	if ((g->st.pid = pidfile_open(cfg, g->def->name, &g->pidfile)) == 0) {
		finish(g, VM_STOPPED, NULL); /* the common case, at the cost of one failed open() */
		return;
	}
	g->asked_real = now_real();
	g->deadline = now_ms() + sp->timeout_ms; /* for the lock; once it is ours, for QEMU */
	g->phase = PH_TALK;
	if (g->st.pid < 0)
		return; /* judged dead in the second pass */
	g->phase = PH_WAIT;
	g->sock = status_socket(cfg, g->def->name);
	try_talk(sp, g);
}

/*
 * A guest whose event monitor a watcher holds, with no event since its last
 * round (watcher.h): its state stands, only /proc is read. Anything odd (a
 * new pid, a process gone or stopped by a signal) and it is asked as usual:
 * 1 when settled here, 0 when not.
 */
static int begin_quiet(struct status_poll *sp, struct guest *g)
{
	struct proc_sample ps;
	pid_t pid;

	if (g->def->error || !g->prev ||
	    (pid = pidfile_open(sp->cfg, g->def->name, &g->pidfile)) <= 0 || pid != g->prev->pid ||
	    proc_sample(pid, &ps) < 0 || ps.state == 'Z' || ps.state == 'X' || ps.state == 'T' ||
	    ps.state == 't')
		return 0;
	if (!sp->host_known) {
		sp->uptime = host_uptime();
		sp->boot = host_boot_time();
		sp->host_known = true;
	}
	g->st.pid = pid;
	fill_process(g, &ps, sp->uptime);
	g->st.cdrom = g->prev->cdrom ? xstrdup(g->prev->cdrom) : NULL;
	finish(g, g->prev->state, g->prev->reason ? xstrdup(g->prev->reason) : NULL);
	return 1;
}

/* Second pass, while QEMU answers: the process itself, from /proc. */
static void check_process(struct status_poll *sp, struct guest *g)
{
	const struct config *cfg = sp->cfg;
	struct proc_sample ps;
	char *err;

	if (g->phase == PH_DONE)
		return;
	g->checked = true;
	if (!sp->host_known) {
		sp->boot = host_boot_time();
		sp->uptime = host_uptime();
		sp->host_known = true;
	}
	/* a zombie or a reused pid after a host crash is no QEMU of ours */
	if (g->st.pid < 0 || proc_sample(g->st.pid, &ps) < 0 || ps.state == 'Z' ||
	    ps.state == 'X' || !vmstate_pid_is_guest(cfg, g->def->name, g->st.pid)) {
		judge_dead(cfg, g, &g->pidfile, sp->boot);
		return;
	}
	fill_process(g, &ps, sp->uptime);
	if (ps.state == 'T' || ps.state == 't') {
		finish(g, VM_UNRESPONSIVE,
		       xasprintf("QEMU (pid %ld) is stopped by a signal", (long)g->st.pid));
		return;
	}
	if ((err = g->connect_err) != NULL) {
		g->connect_err = NULL;
		judge_silent(cfg, g, err);
	}
}

struct status_poll *status_poll_start(const struct config *cfg, const struct vmdef *defs, size_t n,
				      const struct vm_status *prev, int timeout_ms)
{
	return status_poll_start_quiet(cfg, defs, n, prev, NULL, timeout_ms);
}

struct status_poll *status_poll_start_quiet(const struct config *cfg, const struct vmdef *defs,
					    size_t n, const struct vm_status *prev,
					    const bool *quiet, int timeout_ms)
{
	struct status_poll *sp = xcalloc(1, sizeof *sp);

	sp->cfg = cfg;
	sp->n = n;
	sp->g = xcalloc(n, sizeof *sp->g);
	sp->timeout_ms = timeout_ms > 0 ? timeout_ms : atoi(config_default("status_timeout"));
	for (size_t i = 0; i < n; i++) {
		struct guest *g = &sp->g[i];

		g->def = &defs[i];
		g->prev = prev ? &prev[i] : NULL;
		qmp_init(&g->q);
		vmstate_status_clear(&g->st);
		if (!quiet || !quiet[i] || !begin_quiet(sp, g))
			begin_guest(sp, g);
	}
	for (size_t i = 0; i < n; i++)
		check_process(sp, &sp->g[i]);
	return sp;
}

int status_poll_fds(struct status_poll *sp, struct pollfd *fds, int max)
{
	int k = 0;

	for (size_t i = 0; i < sp->n && k < max; i++) {
		struct guest *g = &sp->g[i];

		if (g->phase != PH_TALK)
			continue;
		fds[k].fd = g->q.fd;
		fds[k].events = POLLIN;
		if (g->out_off < sizeof questions - 1)
			fds[k].events |= POLLOUT;
		fds[k].revents = 0;
		k++;
	}
	return k;
}

int status_poll_timeout(const struct status_poll *sp)
{
	int64_t now = now_ms(), next = -1;

	for (size_t i = 0; i < sp->n; i++) {
		const struct guest *g = &sp->g[i];
		int64_t t = g->phase == PH_WAIT && g->retry_at < g->deadline ? g->retry_at
									     : g->deadline;

		if (g->phase != PH_DONE && (next < 0 || t < next))
			next = t;
	}
	if (next < 0)
		return -1;
	return next > now ? (int)(next - now) : 0;
}

static struct guest *guest_by_fd(struct status_poll *sp, int fd)
{
	for (size_t i = 0; i < sp->n; i++)
		if (sp->g[i].phase != PH_DONE && sp->g[i].q.fd == fd)
			return &sp->g[i];
	return NULL;
}

void status_poll_process(struct status_poll *sp, const struct pollfd *fds, int nfds)
{
	int64_t now;

	for (int i = 0; i < nfds; i++) {
		struct guest *g;

		if (fds[i].revents == 0 || fds[i].fd < 0 ||
		    (g = guest_by_fd(sp, fds[i].fd)) == NULL)
			continue;
		on_event(sp->cfg, g, fds[i].revents);
	}
	now = now_ms();
	for (size_t i = 0; i < sp->n; i++)
		if (sp->g[i].phase == PH_WAIT && now >= sp->g[i].retry_at)
			try_talk(sp, &sp->g[i]);
	now = now_ms();
	for (size_t i = 0; i < sp->n; i++) {
		struct guest *g = &sp->g[i];

		if (g->phase == PH_DONE || now < g->deadline)
			continue;
		if (g->phase == PH_WAIT && !g->locked && answer_take(g) == 0)
			continue;
		if (g->phase == PH_WAIT && !g->locked)
			judge_silent(
				sp->cfg, g,
				xasprintf(
					"its monitor stayed busy with other vmdeck clients for %d "
					"ms",
					sp->timeout_ms));
		else if (g->phase == PH_WAIT)
			judge_silent(
				sp->cfg, g,
				xasprintf("QEMU did not take the monitor connection within %d ms",
					  sp->timeout_ms));
		else
			judge_silent(sp->cfg, g,
				     xasprintf("QEMU's monitor did not answer within %d ms",
					       sp->timeout_ms));
	}
}

bool status_poll_done(const struct status_poll *sp)
{
	for (size_t i = 0; i < sp->n; i++)
		if (sp->g[i].phase != PH_DONE)
			return false;
	return true;
}

void status_poll_finish(struct status_poll *sp, struct vm_status *out)
{
	for (size_t i = 0; i < sp->n; i++) {
		struct guest *g = &sp->g[i];

		if (g->phase != PH_DONE)
			finish(g, VM_UNRESPONSIVE,
			       xstrdup("status poll abandoned before QEMU answered"));
		vmstate_status_clear(&out[i]);
		out[i] = g->st;
	}
	free(sp->g);
	free(sp);
}

int status_all(const struct config *cfg, const struct vmdef *defs, size_t n, struct vm_status *out,
	       int timeout_ms)
{
	struct status_poll *sp = status_poll_start(cfg, defs, n, NULL, timeout_ms);
	struct pollfd *fds = xcalloc(n ? n : 1, sizeof *fds);

	while (!status_poll_done(sp)) {
		int k = status_poll_fds(sp, fds, (int)n);

		if (poll(fds, (nfds_t)k, status_poll_timeout(sp)) < 0 && errno != EINTR)
			break;
		status_poll_process(sp, fds, k);
	}
	free(fds);
	status_poll_finish(sp, out);
	return 0;
}
