/*
 * cmd_watch.c: `vmdeck watch [--json]`: the full status, then one line per
 * change, until stdin closes. The console of another host reads it over ssh
 * (the line format is an interface: README, "vmdeck watch"). It shares the
 * console's status machinery: a watcher holds the guests' event monitors,
 * and a round asks only the guests that had news (watcher.h).
 *
 * Lines, one JSON object each (--json), "type" first:
 *   full       {"type","protocol","version","heartbeat","time","host":{...},"guests":[list
 * objects]}
 *   guest      {"type","time","guest":{list object}}   a guest's object changed (uptime aside)
 *   removed    {"type","time","name"}                  a definition went away
 *   event      {"type","time","name","event"}          QEMU's event (STOP, RESUME, ...)
 *   log        {"type","time","name","text"}           a line of the guest's event log
 *   job        {"type","time","name","job"}            a long verb's progress (jobfile.h), null
 *                                                      at its end; guest objects carry "job" too
 *   heartbeat  {"type","time","host":{...}}            every `heartbeat` seconds
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd_watch.h"
#include "cli_out.h"
#include "verb.h"
#include "cmd_status.h"
#include "events.h"
#include "hostinfo.h"
#include "job.h"
#include "jobfile.h"
#include "status.h"
#include "util.h"
#include "vmstate.h"
#include "vmdef.h"
#include "watcher.h"

#define WATCH_PROTOCOL 1     /* raised when a line changes meaning; new fields do not raise it */
#define WATCH_VG_EVERY 30.0  /* seconds between VG queries (each runs lvm) */
#define WATCH_MAX_FDS 1024
#define WATCH_LOG_LINES 8    /* newest event-log lines read per change of the log */

struct watch {
	struct cli *c;
	const struct config *cfg;
	struct vmdef *defs;
	struct vm_status *st;
	size_t n;
	uint64_t defs_stamp;
	struct watcher *w;
	struct status_poll *poll;
	json_t *shown;        /* name -> the guest's object as last sent, uptime aside */
	json_t *logs; /* name -> {"stamp", "when", "at_when"}: what of its event log was sent */
	struct jobfile_seen *jobs;  /* per guest: its job file as last looked at */
	struct jobfile_stamp jobs_stamp; /* state_dir/jobs.stamp as last seen */
	json_t *jobs_sent;    /* name -> {"verb","pid","phase","percent"} last sent */
	double next_round, next_beat, next_vg;
	struct job *vg_job;
	long long vg_free;
	bool started, quit;
	char host[64];
};

/* ---- output ---- */

static void emit(struct watch *wa, json_t *o)
{
	char *line;

	if (!wa->c->json) {
		json_decref(o);
		return;
	}
	line = json_dumps(o, JSON_COMPACT | CLI_JSON_REALS);
	json_decref(o);
	if (!line || fputs(line, stdout) < 0 || fputc('\n', stdout) < 0 || fflush(stdout) != 0)
		wa->quit = true;  /* the reader went away */
	free(line);
}

/* The text form, for a person at a terminal: one line per change. */
static void say(struct watch *wa, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct watch *wa, const char *fmt, ...)
{
	char when[16], *s, *safe;
	time_t t = time(NULL);
	struct tm tm;
	va_list ap;

	if (wa->c->json)
		return;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	safe = text_escape(s, true);
	strftime(when, sizeof when, "%H:%M:%S", localtime_r(&t, &tm));
	if (printf("%s %s\n", when, safe) < 0 || fflush(stdout) != 0)
		wa->quit = true;
	free(safe);
	free(s);
}

static json_t *line_new(const char *type)
{
	return json_pack("{s:s, s:I}", "type", type, "time", (json_int_t)time(NULL));
}

static json_t *host_json(struct watch *wa)
{
	double load = -1;
	uint64_t mem = 0;
	bool has_mem = hostinfo_mem_available(&mem) == 0;

	hostinfo_load(&load);
	return json_pack("{s:s, s:o, s:o, s:o, s:s}", "name", wa->host, "load",
			 load >= 0 ? json_real((double)(long)(load * 100 + 0.5) / 100)
				   : json_null(),
			 "mem_available", has_mem ? json_integer((json_int_t)mem) : json_null(),
			 "vg_free", wa->vg_free >= 0 ? json_integer(wa->vg_free) : json_null(),
			 "version", VMDECK_VERSION);
}

/* ---- the guests ---- */

static void model_free(struct watch *wa)
{
	for (size_t i = 0; i < wa->n; i++)
		vmstate_status_clear(&wa->st[i]);
	free(wa->st);
	free(wa->jobs);
	vmdefs_free(wa->defs, wa->n);
	wa->defs = NULL;
	wa->st = NULL;
	wa->jobs = NULL;
	wa->n = 0;
}

/* Definitions again when vms_dir changed; statuses start afresh (one CPU sample is lost). */
static void defs_reload(struct watch *wa)
{
	char *err = NULL;

	model_free(wa);
	wa->defs_stamp = watcher_defs_stamp(wa->cfg);
	if (vmdefs_load_all(wa->cfg, &wa->defs, &wa->n, &err) < 0) {
		say(wa, "cannot read the definitions: %s", err);
		free(err);
		wa->defs = NULL;
		wa->n = 0;
	}
	wa->st = xcalloc(wa->n ? wa->n : 1, sizeof *wa->st);
	wa->jobs = xcalloc(wa->n ? wa->n : 1, sizeof *wa->jobs);
	memset(&wa->jobs_stamp, 0, sizeof wa->jobs_stamp);  /* the next round looks at each */
	for (size_t i = 0; i < wa->n; i++)
		vmstate_status_clear(&wa->st[i]);
}

static void round_start(struct watch *wa)
{
	bool *quiet;

	if (watcher_defs_stamp(wa->cfg) != wa->defs_stamp)
		defs_reload(wa);
	quiet = xcalloc(wa->n ? wa->n : 1, sizeof *quiet);
	watcher_quiet_mask(wa->w, wa->defs, wa->n, wa->st, quiet);
	wa->poll = status_poll_start_quiet(wa->cfg, wa->defs, wa->n, wa->st, quiet,
					   wa->cfg->status_timeout_ms);
	free(quiet);
	wa->next_round = now_mono() + (wa->cfg->ui_refresh > 0.05 ? wa->cfg->ui_refresh : 1.0);
}

/* Guest i's job as sent: the object, or null when none runs. */
static json_t *job_of(const struct watch *wa, size_t i)
{
	return wa->jobs[i].present ? jobfile_json(&wa->jobs[i].info) : json_null();
}

/* list --json's object, and the guest's job. */
static json_t *guest_object(const struct watch *wa, size_t i)
{
	json_t *o = cmd_status_json(wa->cfg, &wa->defs[i], &wa->st[i], 0);

	json_object_set_new(o, "job", job_of(wa, i));
	return o;
}

/* What of a job is news: a job began, its phase or percent moved, or it ended. */
static json_t *job_key(const struct watch *wa, size_t i)
{
	const struct jobfile_info *j = &wa->jobs[i].info;

	if (!wa->jobs[i].present)
		return json_null();
	return json_pack("{s:s, s:I, s:s, s:I}", "verb", j->verb, "pid", (json_int_t)j->pid,
			 "phase", j->phase, "percent", (json_int_t)j->percent);
}

/* Guest i's job file looked at (one lstat when nothing runs); a line when it is news. */
static void job_changes(struct watch *wa, size_t i, bool send)
{
	const char *name = wa->defs[i].name;
	json_t *key, *sent = json_object_get(wa->jobs_sent, name), *l;

	jobfile_poll(wa->cfg, name, &wa->jobs[i]);
	key = job_key(wa, i);
	if (json_equal(key, sent ? sent : json_null())) {
		json_decref(key);
		return;
	}
	json_object_set_new(wa->jobs_sent, name, key);
	if (!send)
		return;
	if (wa->jobs[i].present)
		say(wa, "%s: %s (by %s)", name, wa->jobs[i].info.text, wa->jobs[i].info.by);
	else
		say(wa, "%s: its job ended", name);
	l = line_new("job");
	json_object_set_new(l, "name", json_string(name));
	json_object_set_new(l, "job", job_of(wa, i));
	emit(wa, l);
}

/* The object compared between rounds: uptime grows every second and is not news. */
static json_t *comparable(json_t *o)
{
	json_t *k = json_deep_copy(o);

	json_object_del(k, "uptime");
	json_object_del(k, "job");  /* its own line */
	return k;
}

/* The text form tells a person of a new state, reason or CD, not of every CPU figure. */
static bool text_news(json_t *before, json_t *now)
{
	static const char *const keys[] = { "state", "error", "cdrom" };

	for (size_t k = 0; k < ARRAY_LEN(keys); k++)
		if (!before ||
		    !json_equal(json_object_get(before, keys[k]), json_object_get(now, keys[k])))
			return true;
	return false;
}

static void guest_changes(struct watch *wa, size_t i)
{
	json_t *o = guest_object(wa, i);
	json_t *k = comparable(o);
	json_t *l;

	if (json_equal(k, json_object_get(wa->shown, wa->defs[i].name))) {
		json_decref(k);
		json_decref(o);
		return;
	}
	if (text_news(json_object_get(wa->shown, wa->defs[i].name), k))
		say(wa, "%s is %s%s%s%s%s", wa->defs[i].name, vmstate_name(wa->st[i].state),
		    wa->st[i].reason ? ": " : "", wa->st[i].reason ? wa->st[i].reason : "",
		    json_is_string(json_object_get(k, "cdrom")) ? ", CD " : "",
		    json_is_string(json_object_get(k, "cdrom"))
			    ? json_string_value(json_object_get(k, "cdrom"))
			    : "");
	json_object_set_new(wa->shown, wa->defs[i].name, k);
	l = line_new("guest");
	json_object_set_new(l, "guest", o);
	emit(wa, l);
}

/* Names sent before that no definition has now. */
static void guests_removed(struct watch *wa)
{
	const char *name;
	json_t *v, *gone = json_array();
	size_t k;
	void *tmp;

	json_object_foreach_safe(wa->shown, tmp, name, v) {
		bool found = false;

		for (size_t i = 0; i < wa->n && !found; i++)
			found = strcmp(wa->defs[i].name, name) == 0;
		if (!found)
			json_array_append_new(gone, json_string(name));
	}
	json_array_foreach(gone, k, v) {
		json_t *l = line_new("removed");

		json_object_set(l, "name", v);
		say(wa, "%s: removed", json_string_value(v));
		json_object_del(wa->shown, json_string_value(v));
		json_object_del(wa->logs, json_string_value(v));
		json_object_del(wa->jobs_sent, json_string_value(v));
		emit(wa, l);
	}
	json_decref(gone);
}

/*
 * New lines of guest i's event log since the last look: those newer than
 * the newest one sent, and of the lines in that same second, the ones after
 * the count already sent. With send false, only the place is remembered.
 */
static void log_changes(struct watch *wa, size_t i, bool send)
{
	const char *name = wa->defs[i].name;
	json_t *seen = json_object_get(wa->logs, name);
	uint64_t stamp = events_stamp(wa->cfg, name);
	json_int_t when = json_integer_value(json_object_get(seen, "when"));
	json_int_t at_when = json_integer_value(json_object_get(seen, "at_when"));
	struct events_entry ev[WATCH_LOG_LINES];
	size_t n, same = 0;

	if (seen && (uint64_t)json_integer_value(json_object_get(seen, "stamp")) == stamp)
		return;
	n = events_recent(wa->cfg, name, WATCH_LOG_LINES, ev);
	for (size_t k = 0; k < n; k++) {  /* oldest first */
		if ((json_int_t)ev[k].when < when ||
		    ((json_int_t)ev[k].when == when && same++ < (size_t)at_when))
			continue;
		if ((json_int_t)ev[k].when > when) {
			when = (json_int_t)ev[k].when;
			at_when = 0;
			same = 1;
		}
		at_when++;
		if (send) {
			json_t *l =
				json_pack("{s:s, s:I, s:s, s:s}", "type", "log", "time",
					  (json_int_t)ev[k].when, "name", name, "text", ev[k].text);

			say(wa, "%s: %s", name, ev[k].text);
			emit(wa, l);
		}
	}
	events_free(ev, n);
	json_object_set_new(wa->logs, name,
			    json_pack("{s:I, s:I, s:I}", "stamp", (json_int_t)stamp, "when", when,
				      "at_when", at_when));
}

static void full_send(struct watch *wa)
{
	json_t *l = line_new("full"), *a = json_array();

	for (size_t i = 0; i < wa->n; i++) {
		json_t *o;

		job_changes(wa, i, false);
		o = guest_object(wa, i);

		json_object_set_new(wa->shown, wa->defs[i].name, comparable(o));
		json_array_append_new(a, o);
		log_changes(wa, i, false);
		say(wa, "%s is %s", wa->defs[i].name, vmstate_name(wa->st[i].state));
	}
	json_object_set_new(l, "protocol", json_integer(WATCH_PROTOCOL));
	json_object_set_new(l, "version", json_string(VMDECK_VERSION));
	json_object_set_new(l, "heartbeat", json_real(wa->cfg->heartbeat));
	json_object_set_new(l, "host", host_json(wa));
	json_object_set_new(l, "guests", a);
	emit(wa, l);
	wa->started = true;
	wa->next_beat = now_mono() + wa->cfg->heartbeat;
}

/* Whether this round looks at the guests' job files: while nothing runs, one lstat decides. */
static bool jobs_look(struct watch *wa)
{
	bool busy = false;

	for (size_t i = 0; i < wa->n && !busy; i++)
		busy = wa->jobs[i].present;
	return jobfile_look(wa->cfg, &wa->jobs_stamp, busy);
}

static void round_finish(struct watch *wa)
{
	struct vm_status *fresh = xcalloc(wa->n ? wa->n : 1, sizeof *fresh);
	bool look;

	status_poll_finish(wa->poll, fresh);
	wa->poll = NULL;
	for (size_t i = 0; i < wa->n; i++)
		vmstate_status_clear(&wa->st[i]);
	free(wa->st);
	wa->st = fresh;
	watcher_track(wa->w, wa->defs, wa->n, wa->st);
	if (!wa->started) {
		full_send(wa);
		return;
	}
	look = jobs_look(wa);
	for (size_t i = 0; i < wa->n && !wa->quit; i++) {
		if (look)
			job_changes(wa, i, true);
		guest_changes(wa, i);
		log_changes(wa, i, true);
	}
	guests_removed(wa);
}

/* ---- the loop ---- */

static void qemu_events(struct watch *wa)
{
	size_t n;
	char **ev = watcher_take_events(wa->w, &n);

	for (size_t i = 0; i < n; i++) {
		char *sp = strchr(ev[i], ' ');

		if (sp && wa->started) {
			*sp = '\0';
			say(wa, "%s: QEMU event %s", ev[i], sp + 1);
			emit(wa, json_pack("{s:s, s:I, s:s, s:s}", "type", "event", "time",
					   (json_int_t)time(NULL), "name", ev[i], "event", sp + 1));
		}
		free(ev[i]);
	}
	free(ev);
}

static void timers(struct watch *wa)
{
	double now = now_mono();

	if (wa->vg_job && (job_reap(wa->vg_job), job_done(wa->vg_job))) {
		wa->vg_free = hostinfo_vg_free_result(wa->vg_job);
		job_free(wa->vg_job);
		wa->vg_job = NULL;
	}
	if (!wa->vg_job && now >= wa->next_vg) {
		wa->next_vg = now + WATCH_VG_EVERY;
		wa->vg_job = hostinfo_vg_free_start(wa->cfg);
	}
	if (!wa->poll && (now >= wa->next_round || watcher_dirty(wa->w)))
		round_start(wa);
	if (wa->started && now >= wa->next_beat) {
		json_t *l = line_new("heartbeat");

		json_object_set_new(l, "host", host_json(wa));
		emit(wa, l);
		wa->next_beat = now + wa->cfg->heartbeat;
	}
}

static int sleep_ms(struct watch *wa)
{
	double now = now_mono(), next = wa->started ? wa->next_beat : now + 1;
	int ms, t;

	if (!wa->poll && wa->next_round < next)
		next = wa->next_round;
	if (wa->vg_job)
		/* its pipe is read by job_read below */
		next = next < now + 0.2 ? next : now + 0.2;
	ms = next <= now ? 0 : (int)((next - now) * 1000.0) + 1;
	if (wa->poll && (t = status_poll_timeout(wa->poll)) >= 0 && t < ms)
		ms = t;
	if ((t = watcher_timeout(wa->w)) >= 0 && t < ms)
		ms = t;
	return ms;
}

/* stdin: its end (the ssh session's end) ends watch; what arrives on it is read and dropped. */
static void on_stdin(struct watch *wa, short revents)
{
	char buf[512];
	ssize_t r = read(STDIN_FILENO, buf, sizeof buf);

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR) ||
	    (r < 0 && (revents & (POLLHUP | POLLERR))))
		wa->quit = true;
}

static void turn(struct watch *wa, struct pollfd *fds)
{
	int nfds = 1, n_status = 0, first_watch, n_watch;

	fds[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	if (wa->poll)
		n_status = status_poll_fds(wa->poll, fds + nfds, WATCH_MAX_FDS / 2);
	nfds += n_status;
	first_watch = nfds;
	n_watch = watcher_fds(wa->w, fds + nfds, WATCH_MAX_FDS / 2 - 2);
	nfds += n_watch;
	if (wa->vg_job && wa->vg_job->fd >= 0)
		fds[nfds++] = (struct pollfd){ .fd = wa->vg_job->fd, .events = POLLIN };
	if (poll(fds, (nfds_t)nfds, sleep_ms(wa)) < 0 && errno != EINTR) {
		wa->quit = true;
		return;
	}
	if (fds[0].revents)
		on_stdin(wa, fds[0].revents);
	if (wa->vg_job && wa->vg_job->fd >= 0)
		job_read(wa->vg_job);
	if (wa->poll) {
		status_poll_process(wa->poll, fds + 1, n_status);
		if (status_poll_done(wa->poll))
			round_finish(wa);
	}
	watcher_process(wa->w, fds + first_watch, n_watch);
	qemu_events(wa);
	timers(wa);
}

int cmd_watch(struct cli *c, int argc, char **argv)
{
	struct watch wa = { .c = c, .cfg = &c->cfg, .vg_free = -1 };
	struct pollfd *fds;

	if (argc > 1)
		return cli_usage(c);
	signal(SIGPIPE, SIG_IGN);
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
	hostinfo_host_name(wa.cfg, wa.host, sizeof wa.host);
	wa.w = watcher_new(wa.cfg);
	wa.shown = json_object();
	wa.logs = json_object();
	wa.jobs_sent = json_object();
	wa.defs_stamp = ~(uint64_t)0;  /* the first round loads them */
	fds = xcalloc(WATCH_MAX_FDS, sizeof *fds);
	timers(&wa);
	while (!wa.quit)
		turn(&wa, fds);
	free(fds);
	if (wa.poll) {  /* a round cut short: its results go nowhere */
		struct vm_status *tmp = xcalloc(wa.n ? wa.n : 1, sizeof *tmp);

		status_poll_finish(wa.poll, tmp);
		for (size_t i = 0; i < wa.n; i++)
			vmstate_status_clear(&tmp[i]);
		free(tmp);
	}
	if (wa.vg_job) {
		job_stop(wa.vg_job, 1);
		job_free(wa.vg_job);
	}
	watcher_free(wa.w);
	json_decref(wa.shown);
	json_decref(wa.logs);
	json_decref(wa.jobs_sent);
	model_free(&wa);
	return EXIT_DONE;
}
