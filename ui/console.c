/*
 * console.c: `vmdeck` with no verb: sets up the terminal, keeps the guests' model live, runs the
 * loop.
 */
#include <dirent.h>
#include <locale.h>
#include <panel.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_out.h"
#include "hostinfo.h"
#include "lvm.h"
#include "pending.h"
#include "remote.h"
#include "status.h"
#include "storage.h"
#include "ui.h"
#include "util.h"
#include "verb.h"
#include "view_screen.h"
#include "vmstate.h"

#define VG_EVERY 30.0  /* seconds between volume group queries (each runs lvm) */
#define STATUS_FADE 20.0 /* seconds a non-error message stays in the status line */

/* ---- selection helpers ---- */

struct vmdef *ui_guest(struct ui *ui)
{
	return ui->n && table_order_shows(ui, ui->sel) ? &ui->defs[ui->sel] : NULL;
}

struct vm_status *ui_guest_status(struct ui *ui)
{
	return ui->n && table_order_shows(ui, ui->sel) ? &ui->st[ui->sel] : NULL;
}

struct guest_extra *ui_guest_extra(struct ui *ui)
{
	return ui->n && table_order_shows(ui, ui->sel) ? &ui->ex[ui->sel] : NULL;
}

/* This host's guest of that name (other hosts' rows are never found by name). */
ssize_t ui_guest_index(const struct ui *ui, const char *name)
{
	for (size_t i = 0; i < ui->n_local; i++)
		if (strcmp(ui->defs[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

/* ---- events (the guests' events.log files) and the status line ---- */

/* Rereads a guest's newest events when its log changed (one stat when it did not). */
static void events_refresh(struct ui *ui, size_t i)
{
	struct guest_extra *ex = &ui->ex[i];
	uint64_t stamp = events_stamp(ui->cfg, ui->defs[i].name);

	if (stamp == ex->events_stamp)
		return;
	events_free(ex->events, ex->n_events);
	ex->n_events = events_recent(ui->cfg, ui->defs[i].name, GUEST_EVENTS, ex->events);
	ex->events_stamp = stamp;
	ui->dirty = true;
}

void ui_event(struct ui *ui, const char *guest, enum events_kind kind, const char *fmt, ...)
{
	ssize_t i = ui_guest_index(ui, guest);
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	events_write(ui->cfg, guest, kind, events_actor(kind), text);
	free(text);
	if (i >= 0)
		events_refresh(ui, (size_t)i);
}

void ui_status(struct ui *ui, bool error, const char *fmt, ...)
{
	va_list ap;

	free(ui->status_msg);
	va_start(ap, fmt);
	ui->status_msg = xvasprintf(fmt, ap);
	va_end(ap);
	ui->status_error = error;
	ui->status_at = now_mono();
	ui->dirty = true;
}

/* The status line goes back to the hint line. */
void ui_status_clear(struct ui *ui)
{
	free(ui->status_msg);
	ui->status_msg = NULL;
	ui->dirty = true;
}

/* Good news goes after a while, so the hint line comes back; errors stay until the next message. */
static void status_fade(struct ui *ui, double now)
{
	if (ui->status_msg && !ui->status_error && now - ui->status_at > STATUS_FADE)
		ui_status_clear(ui);
}

static void extra_free(struct guest_extra *ex)
{
	events_free(ex->events, ex->n_events);
	free(ex->pending);
}

/* ---- definitions: reloaded when vms_dir changes, statuses and events kept by name ---- */

/* Row i's guest: host (NULL for this host's) and name. */
static ssize_t row_index(const struct ui *ui, const char *host, const char *name)
{
	for (size_t i = 0; i < ui->n; i++) {
		const char *h = ui->ex[i].host;

		if (strcmp(ui->defs[i].name, name) == 0 && (host ? h && strcmp(h, host) == 0 : !h))
			return (ssize_t)i;
	}
	return -1;
}

/*
 * The new rows take the old ones' statuses (this host's) and extras by host and name; the selection
 * follows.
 */
static size_t rows_carry(struct ui *ui, struct vmdef *defs, struct vm_status *st,
			 struct guest_extra *ex, size_t n, size_t n_local,
			 const char *const *rhosts)
{
	const char *selhost = NULL, *selname = ui->want_sel;
	size_t newsel = 0;

	if (!selname && ui->n) {
		selname = ui->defs[ui->sel].name;
		selhost = ui->ex[ui->sel].host;
	}
	for (size_t i = 0; i < n; i++) {
		const char *host = i < n_local ? NULL : rhosts[i - n_local];
		ssize_t old = row_index(ui, host, defs[i].name);

		/* another host's status is its own word, not ours */
		if (old >= 0 && i < n_local) {
			st[i] = ui->st[old];
			memset(&ui->st[old], 0, sizeof ui->st[old]);
		}
		if (old >= 0) {
			ex[i] = ui->ex[old];
			memset(&ui->ex[old], 0, sizeof ui->ex[old]);
		}
		ex[i].host = host;
		if (selname && strcmp(defs[i].name, selname) == 0 &&
		    (selhost ? host && strcmp(host, selhost) == 0 : !host))
			newsel = i;
	}
	return newsel;
}

/* Another host's guests' jobs, as their watch last told (hostlink keeps them in the objects). */
static void remote_jobs(struct ui *ui)
{
	for (size_t i = ui->n_local; i < ui->n; i++) {
		struct hostlink *hl = remote_link(ui, ui->ex[i].host);
		json_t *o;
		size_t k;

		memset(&ui->ex[i].job, 0, sizeof ui->ex[i].job);
		json_array_foreach(hl ? hostlink_guests(hl) : NULL, k, o)
			if (strcmp(json_string_value(json_object_get(o, "name")),
				   ui->defs[i].name) == 0)
				ui->ex[i].job.present = hostlink_guest_job(o, &ui->ex[i].job.info);
	}
}

/*
 * The rows: this host's definitions (local, n_local; NULL keeps the current
 * ones) and then every other host's guests (remote_rows).
 */
static void model_replace(struct ui *ui, struct vmdef *local, size_t n_local)
{
	struct vmdef *rdefs, *defs;
	struct vm_status *rst, *st;
	struct guest_extra *ex;
	const char **rhosts;
	size_t rn, n, newsel;
	bool keep = local == NULL;

	if (keep) {
		n_local = ui->n_local;
		local = xcalloc(n_local ? n_local : 1, sizeof *local);
		memcpy(local, ui->defs, n_local * sizeof *local);
	}
	remote_rows(ui, &rdefs, &rst, &rhosts, &rn);
	n = n_local + rn;
	defs = xcalloc(n ? n : 1, sizeof *defs);
	st = xcalloc(n ? n : 1, sizeof *st);
	ex = xcalloc(n ? n : 1, sizeof *ex);
	memcpy(defs, local, n_local * sizeof *defs);
	memcpy(defs + n_local, rdefs, rn * sizeof *defs);
	memcpy(st + n_local, rst, rn * sizeof *st);
	free(local);
	free(rdefs);
	free(rst);
	newsel = rows_carry(ui, defs, st, ex, n, n_local, rhosts);
	free(rhosts);
	for (size_t i = 0; i < ui->n; i++) {
		vmstate_status_clear(&ui->st[i]);
		extra_free(&ui->ex[i]);
	}
	if (keep)  /* moved into defs above: not to be freed with the old rows */
		memset(ui->defs, 0, ui->n_local * sizeof *ui->defs);
	free(ui->st);
	free(ui->ex);
	vmdefs_free(ui->defs, ui->n);
	ui->defs = defs;
	ui->st = st;
	ui->ex = ex;
	ui->n = n;
	ui->n_local = n_local;
	ui->sel = n ? (newsel < n ? newsel : n - 1) : 0;
	if (ui->want_sel && ui_guest_index(ui, ui->want_sel) >= 0) {
		free(ui->want_sel);
		ui->want_sel = NULL;
	}	remote_jobs(ui);
}

/* The other hosts' rows again, once no status round points into the rows. */
static void remote_rows_refresh(struct ui *ui)
{
	if (ui->poll || !ui->links_changed)
		return;
	ui->links_changed = false;
	model_replace(ui, NULL, 0);
	ui->dirty = true;
}

void ui_select(struct ui *ui, const char *name)
{
	ssize_t i = ui_guest_index(ui, name);

	if (i >= 0) {
		ui->sel = (size_t)i;
		ui->dirty = true;
		return;
	}
	free(ui->want_sel);
	ui->want_sel = xstrdup(name);
}

static void defs_reload(struct ui *ui)
{
	struct vmdef *defs = NULL;
	size_t n = 0;
	char *err = NULL;

	ui->defs_stamp = watcher_defs_stamp(ui->cfg);
	memset(&ui->jobs_stamp, 0, sizeof ui->jobs_stamp);  /* new rows: the next round looks */
	free(ui->load_err);
	ui->load_err = NULL;
	if (vmdefs_load_all(ui->cfg, &defs, &n, &err) < 0) {
		ui->load_err = err;
		defs = NULL;
		n = 0;
	}
	/* NULL would keep the old ones */
	model_replace(ui, defs ? defs : xcalloc(1, sizeof *defs), n);
	ui->dirty = true;
}

void ui_poll_now(struct ui *ui)
{
	ui->next_poll = 0;
}

void ui_rescan(struct ui *ui)
{
	if (ui->poll) {
		ui->rescan_pending = true; /* the poll in flight points into the definitions */
		return;
	}
	defs_reload(ui);
	ui_poll_now(ui);
}

/* ---- status polling: one round at a time, driven by the loop ---- */

static void status_finish(struct ui *ui);

static void status_start(struct ui *ui)
{
	if (ui->rescan_pending || watcher_defs_stamp(ui->cfg) != ui->defs_stamp) {
		ui->rescan_pending = false;
		defs_reload(ui);
	}
	bool *quiet = xcalloc(ui->n ? ui->n : 1, sizeof *quiet);

	watcher_quiet_mask(ui->watcher, ui->defs, ui->n_local, ui->st, quiet);
	ui->poll = status_poll_start_quiet(ui->cfg, ui->defs, ui->n_local, ui->st, quiet,
					   ui->cfg->status_timeout_ms);
	free(quiet);
	if (status_poll_done(ui->poll))
		/* nothing to ask (no guest running): no reason to wait for a timer */
		status_finish(ui);
}

/* What a change of state means to the person watching, for the guest's event log. */
static const char *transition_text(enum vm_state from, enum vm_state to, bool stopping)
{
	if (to == VM_RUNNING)
		return from == VM_PAUSED	 ? "resumed"
		       : from == VM_UNRESPONSIVE ? "responding again"
						 : "started";
	if (to == VM_PAUSED)
		return "paused";
	if (to == VM_STOPPED)
		return from == VM_INVALID || from == VM_CRASHED ? NULL
		       : stopping				? "powered off by ACPI"
				  : "stopped on its own (powered off inside, or QEMU ended)";
	if (to == VM_UNRESPONSIVE)
		return "became unresponsive";
	if (to == VM_CRASHED)
		return "crashed";
	if (to == VM_SHUTTING_DOWN)
		return "shutting down";
	if (to == VM_INVALID)
		return "definition became invalid";
	return NULL;
}

/* Logs the pending change unless a verb's line explains it; clears it either way. */
static void pending_judge(struct ui *ui, size_t i)
{
	struct guest_extra *ex = &ui->ex[i];

	if (!ex->pending)
		return;
	if (!events_already_logged(ui->cfg, ui->defs[i].name, ex->pending_state, ex->pending_at))
		ui_event(ui, ui->defs[i].name, events_kind_seen(ex->pending_state), "%s",
			 ex->pending);
	free(ex->pending);
	ex->pending = NULL;
}

/*
 * The event line for a change: a crash with its reason, a guest that ended on its own with QEMU's
 * last words.
 */
static char *transition_line(const struct ui *ui, size_t i, const char *t,
			     const struct vm_status *now)
{
	char *why;

	if (now->state == VM_CRASHED && now->reason)
		return xasprintf("%s: %s", t, now->reason);
	if (now->state == VM_STOPPED && ui->ex[i].stop_deadline == 0 &&
	    (why = vmstate_log_last_line(ui->cfg, ui->defs[i].name, VM_RUN_LOG)) != NULL) {
		char *line = xasprintf("stopped: %s", why);

		free(why);
		return line;
	}
	return xstrdup(t);
}

static void note_transitions(struct ui *ui, const struct vm_status *now)
{
	for (size_t i = 0; i < ui->n_local; i++) {
		struct guest_extra *ex = &ui->ex[i];
		bool changed = ex->seen && ex->last_state != now[i].state;
		const char *t;

		if (ex->pending && (changed || now_real() - ex->pending_at >= EVENTS_EXPLAIN_GRACE))
			pending_judge(ui, i);
		if (changed && (t = transition_text(ex->last_state, now[i].state,
						    ex->stop_deadline > 0)) != NULL) {
			ex->pending = transition_line(ui, i, t, &now[i]);
			ex->pending_state = now[i].state;
			ex->pending_at = now_real();
		}
		if (now[i].state == VM_STOPPED || now[i].state == VM_CRASHED)
			ex->stop_deadline = 0;
		ex->last_state = now[i].state;
		ex->seen = true;
		events_refresh(ui, i);
	}
}

/*
 * What each running guest's definition changed since its QEMU started
 * (shown as applying at the next start): worked out again only when its
 * QEMU or the definitions change, so an idle console reads nothing.
 */
static void note_next_start(struct ui *ui, const struct vm_status *fresh)
{
	for (size_t i = 0; i < ui->n_local; i++) {
		struct guest_extra *ex = &ui->ex[i];

		if (fresh[i].pid <= 0) {
			ex->next_start = 0;
			ex->next_start_pid = 0;
		} else if (fresh[i].pid != ex->next_start_pid ||
			   ui->defs_stamp != ex->next_start_stamp) {
			ex->next_start = pending_changes(ui->cfg, &ui->defs[i], fresh[i].pid);
			ex->next_start_pid = fresh[i].pid;
			ex->next_start_stamp = ui->defs_stamp;
		}
	}
}

/* This host's guests' job files: while nothing runs, one lstat for all (jobfile.h). */
static void note_jobs(struct ui *ui)
{
	bool busy = false;

	for (size_t i = 0; i < ui->n_local && !busy; i++)
		busy = ui->ex[i].job.present;
	if (!jobfile_look(ui->cfg, &ui->jobs_stamp, busy))
		return;
	for (size_t i = 0; i < ui->n_local; i++)
		if (jobfile_poll(ui->cfg, ui->defs[i].name, &ui->ex[i].job))
			ui->dirty = true;
}

static void status_finish(struct ui *ui)
{
	struct vm_status *fresh = xcalloc(ui->n ? ui->n : 1, sizeof *fresh);

	/* the first n_local; the other hosts' rows move over as they are */
	status_poll_finish(ui->poll, fresh);
	ui->poll = NULL;
	note_transitions(ui, fresh);
	note_next_start(ui, fresh);
	note_jobs(ui);
	for (size_t i = 0; i < ui->n; i++) {
		if (i >= ui->n_local) {
			fresh[i] = ui->st[i];
			continue;
		}
		vmstate_status_clear(&ui->st[i]);
	}
	free(ui->st);
	ui->st = fresh;
	watcher_track(ui->watcher, ui->defs, ui->n_local, ui->st);
	ui->polled_once = true;
	ui->dirty = true;
}

void ui_status_progress(struct ui *ui, const struct pollfd *fds, int nfds)
{
	status_poll_process(ui->poll, fds, nfds);
	if (status_poll_done(ui->poll))
		status_finish(ui);
}

/*
 * QEMU told of a change: a round now (it asks only the guests that had news), not at the next
 * refresh.
 */
void ui_watch_progress(struct ui *ui, const struct pollfd *fds, int nfds)
{
	size_t n;
	char **ev;

	watcher_process(ui->watcher, fds, nfds);
	remote_rows_refresh(ui);
	ev = watcher_take_events(ui->watcher, &n);  /* the console needs only the marks */
	for (size_t i = 0; i < n; i++)
		free(ev[i]);
	free(ev);
	if (watcher_dirty(ui->watcher))
		ui_poll_now(ui);
}

/* ---- jobs ---- */

static int job_lines(const struct job *j)
{
	int n = 0;

	for (size_t i = 0; i < j->out.len; i++)
		n += j->out.s[i] == '\n';
	return n;
}

/*
 * A finished job: one line in the status bar, the outcome first and led by
 * the guest's name ("web: backup done: .../web-20261201-101500"); the
 * command it ran is in the jobs list (J), with its whole output. Then a
 * fresh status round (the verb logged its own event).
 */
static void job_report(struct ui *ui, struct ui_job *uj)
{
	struct job *j = uj->job;
	const char *res = job_result(j);
	bool failed = job_exit_code(j) != 0;
	size_t gl = j->guest ? strlen(j->guest) : 0;
	int lines = job_lines(j), verb = (int)strcspn(j->title, " ");
	char more[48] = "", head[160], fit[512];

	if (strncmp(res, "vmdeck: ", 8) == 0)
		res += 8;
	uj->reported = true;
	if (uj->done)
		uj->done(ui, j);
	if (uj->silent && !failed) {
		ui_poll_now(ui);
		return;
	}
	if (lines > 1)
		snprintf(more, sizeof more, "   (J: all %d lines)", lines);
	if (gl && strncmp(res, j->guest, gl) == 0 && res[gl] == ':') {
		ui_status(ui, failed, "%s%s", res, more);
	} else if (gl) {
		int room = COLS -
			   snprintf(head, sizeof head, "%s: %.*s %s: ", j->guest, verb, j->title,
				    failed ? "failed" : "done") -
			   (int)strlen(more);

		/* a bare path (an archive) keeps its end, the part that names it */
		if (!strchr(res, ' '))
			res = draw_fit_left(res, room, fit, sizeof fit);
		ui_status(ui, failed, "%s%s%s", head, res, more);
	} else {
		ui_status(ui, failed, "%.*s: %s%s", verb, j->title, res, more);
	}
	ui_poll_now(ui);
}

/* Room for one more job: the oldest finished one goes. */
static void jobs_make_room(struct ui *ui)
{
	if (ui->n_jobs < UI_MAX_JOBS)
		return;
	for (size_t i = 0; i < ui->n_jobs; i++) {
		if (!job_done(ui->jobs[i].job))
			continue;
		job_free(ui->jobs[i].job);
		memmove(&ui->jobs[i], &ui->jobs[i + 1], (ui->n_jobs - i - 1) * sizeof ui->jobs[0]);
		ui->n_jobs--;
		return;
	}
}

bool ui_job_add(struct ui *ui, struct job *j, void (*done)(struct ui *ui, struct job *j))
{
	jobs_make_room(ui);
	if (ui->n_jobs >= UI_MAX_JOBS) {
		ui_status(ui, true, "too many jobs running; %s was cancelled", j->title);
		job_free(j);
		return false;
	}
	ui->jobs[ui->n_jobs++] = (struct ui_job){ .job = j, .done = done };
	ui->dirty = true;
	return true;
}

struct job *ui_run_verb_then(struct ui *ui, const char *guest, const char *const *words,
			     void (*done)(struct ui *ui, struct job *j))
{
	char *err = NULL;

	struct job *j = job_run_verb(ui->config_path, words, guest, &err);

	if (!j) {
		ui_status(ui, true, "%s: %s", words[0], err);
		free(err);
		return NULL;
	}
	if (!ui_job_add(ui, j, done))
		return NULL;
	ui_status(ui, false, "%s ...", j->title);
	return j;
}

struct job *ui_run_verb(struct ui *ui, const char *guest, const char *const *words)
{
	return ui_run_verb_then(ui, guest, words, NULL);
}

struct job *ui_run_guest_verb(struct ui *ui, const char *guest, const char *const *words)
{
	const struct guest_extra *sel = ui_guest_extra(ui);
	const struct vmdef *d = ui_guest(ui);

	if (guest && sel && d && sel->host && strcmp(d->name, guest) == 0)
		return remote_run_verb(ui, sel->host, guest, words, NULL);
	return ui_run_verb_then(ui, guest, words, NULL);
}

char *ui_jobs_running(const struct ui *ui, size_t *n)
{
	struct sbuf b = { 0 };

	*n = 0;
	for (size_t i = 0; i < ui->n_jobs; i++)
		if (!ui->jobs[i].job->exited) {
			sbuf_printf(&b, "%s%s", *n ? ", " : "", ui->jobs[i].job->title);
			(*n)++;
		}
	return *n ? sbuf_take(&b) : NULL;
}

/*
 * One job ended at exit: SIGTERM and a wait; what it said last tells whether it cleaned up. Curses
 * is gone: its words (another host's, too) are escaped on their way to the terminal.
 */
static void job_end_told(struct job *j)
{
	char *title = text_escape(j->title, false), *said;
	int killed;

	printf("vmdeck: ending %s (asked to stop; waiting up to %.0f s) ...\n", title,
	       JOB_STOP_WAIT);
	fflush(stdout);
	killed = job_stop(j, JOB_STOP_WAIT);
	job_read(j); /* its last words are in the pipe already */
	said = text_escape(job_result(j), false);
	if (killed)
		printf("vmdeck: %s did not stop within %.0f s and was killed\n", title,
		       JOB_STOP_WAIT);
	else
		printf("vmdeck: %s ended: %s\n", title, said);
	free(said);
	free(title);
}

void ui_jobs_end(struct ui *ui)
{
	for (size_t i = 0; i < ui->n_jobs; i++)
		if (!ui->jobs[i].job->exited)
			job_end_told(ui->jobs[i].job);
}

int ui_jobs_fds(struct ui *ui, struct pollfd *fds, int max)
{
	int n = 0;

	for (size_t i = 0; i < ui->n_jobs && n < max; i++)
		if (ui->jobs[i].job->fd >= 0)
			fds[n++] = (struct pollfd){ .fd = ui->jobs[i].job->fd, .events = POLLIN };
	if (ui->vg_job && ui->vg_job->fd >= 0 && n < max)
		fds[n++] = (struct pollfd){ .fd = ui->vg_job->fd, .events = POLLIN };
	return n + view_screen_fds(fds + n, max - n);
}

static void vg_job_check(struct ui *ui)
{
	if (!ui->vg_job || !job_done(ui->vg_job))
		return;
	ui->vg_free = hostinfo_vg_free_result(ui->vg_job);
	job_free(ui->vg_job);
	ui->vg_job = NULL;
	ui->dirty = true;
}

static void jobs_check(struct ui *ui)
{
	for (size_t i = 0; i < ui->n_jobs; i++)
		if (!ui->jobs[i].reported && job_done(ui->jobs[i].job))
			job_report(ui, &ui->jobs[i]);
	vg_job_check(ui);
}

void ui_jobs_process(struct ui *ui, const struct pollfd *fds, int nfds)
{
	for (int k = 0; k < nfds; k++) {
		if (!fds[k].revents)
			continue;
		for (size_t i = 0; i < ui->n_jobs; i++)
			if (ui->jobs[i].job->fd == fds[k].fd) {
				job_read(ui->jobs[i].job);
				ui->dirty = true;
			}
		if (ui->vg_job && ui->vg_job->fd == fds[k].fd)
			job_read(ui->vg_job);
	}
	view_screen_process(ui, fds, nfds);
	jobs_check(ui);
}

void ui_jobs_reap(struct ui *ui)
{
	for (size_t i = 0; i < ui->n_jobs; i++)
		job_reap(ui->jobs[i].job);
	if (ui->vg_job)
		job_reap(ui->vg_job);
	view_screen_process(ui, NULL, 0);
	jobs_check(ui);
}

/* ---- host facts ---- */

static void host_refresh(struct ui *ui, double now)
{
	uint64_t mem;

	hostinfo_load(&ui->load1);
	if (hostinfo_mem_available(&mem) == 0)
		ui->mem_avail = mem;
	if (!ui->vg_job && now >= ui->next_vg && ui->cfg->vg && *ui->cfg->vg) {
		ui->next_vg = now + VG_EVERY;
		ui->vg_job = hostinfo_vg_free_start(ui->cfg);
	}
}

/* ---- timers ---- */

double ui_next_timer(struct ui *ui)
{
	double next = ui->next_tick;

	if (!ui->poll && ui->next_poll < next)
		next = ui->next_poll;
	return next;
}

void ui_timers(struct ui *ui)
{
	double now = now_mono();
	double every = ui->cfg->ui_refresh > 0.05 ? ui->cfg->ui_refresh : 1.0;

	if (!ui->poll && now >= ui->next_poll) {
		ui->next_poll = now + every;
		host_refresh(ui, now);
		status_start(ui);
	}
	if (now >= ui->next_tick) {
		ui->next_tick = now + 1.0;
		actions_tick(ui);
		view_screen_tick(ui);
		status_fade(ui, now);
	}
}

/* ---- views ---- */

void ui_push(struct ui *ui, const struct view *v)
{
	if (ui->depth >= UI_STACK)
		return;
	ui->stack[ui->depth++] = v;
	if (v->init)
		v->init(ui);
	ui->dirty = true;
}

void ui_pop(struct ui *ui)
{
	if (ui->depth > 1)
		ui->depth--;
	ui->dirty = true;
}

const struct view *ui_top(const struct ui *ui)
{
	return ui->stack[ui->depth - 1];
}

/* ---- setup and teardown ---- */

/* No line drawing when asked, or when the terminal has no alternate character set. */
static bool want_ascii(const struct ui *ui)
{
	const char *acsc = tigetstr("acsc");

	if (ui->cfg->ui_ascii)
		return true;
	return acsc == NULL || acsc == (char *)-1 || *acsc == 0;
}

static void curses_start(struct ui *ui)
{
	initscr();
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	key_define_sequences();
	nodelay(stdscr, TRUE);
	/*
	 * clicks and the wheel, as PuTTY and xterm report them; a click acts at once (no
	 * double-click wait)
	 */
	mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	set_escdelay(50);
	curs_set(0);
	ui->ascii = want_ascii(ui);
	theme_init(ui);
	wbkgdset(stdscr, ' ' | role_attr(R_NORMAL));
}

static void ui_free(struct ui *ui)
{
	for (size_t i = 0; i < ui->n_local; i++)
		pending_judge(ui, i); /* a change seen just before quitting still goes to the log */
	if (ui->poll) {
		struct vm_status *tmp = xcalloc(ui->n ? ui->n : 1, sizeof *tmp);

		status_poll_finish(ui->poll, tmp);
		for (size_t i = 0; i < ui->n; i++)
			vmstate_status_clear(&tmp[i]);
		free(tmp);
	}
	watcher_free(ui->watcher);
	remote_stop(ui);
	model_replace(ui, xcalloc(1, sizeof(struct vmdef)), 0);
	vmdefs_free(ui->defs, ui->n);  /* model_replace's empty table */
	free(ui->st);
	free(ui->ex);
	for (size_t i = 0; i < ui->n_jobs; i++)
		job_free(ui->jobs[i].job);
	job_free(ui->vg_job);
	free(ui->status_msg);
	free(ui->theme_note);
	free(ui->load_err);
	free(ui->want_sel);
	free(ui->order);
}

int ui_console_main(struct cli *c, int argc, char **argv)
{
	struct ui ui = { 0 };
	char *err = NULL;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return cli_error(EXIT_USAGE,
				 "the console needs a terminal (for scripts: vmdeck help)");
	setlocale(LC_ALL, "");
	ui.utf8 = MB_CUR_MAX > 1;
	ui.cfg = &c->cfg;
	ui.config_path = c->config_path;
	ui.vg_free = -1;
	ui.watcher = watcher_new(ui.cfg);
	hostinfo_host_name(ui.cfg, ui.hostname, sizeof ui.hostname);
	if (ui_signals_install(&ui, &err) < 0) {
		cli_error(EXIT_FAILED, "%s", err);
		free(err);
		return EXIT_FAILED;
	}
	remote_start(&ui);
	defs_reload(&ui);
	curses_start(&ui);
	if (ui.theme_note)
		ui_status(&ui, true, "%s", ui.theme_note);
	ui_push(&ui, &view_list);
	ui_loop_run(&ui);
	cmdline_save_history(&ui);
	endwin();
	ui_jobs_end(&ui);
	ui_signals_restore();
	ui_free(&ui);
	return EXIT_DONE;
}
