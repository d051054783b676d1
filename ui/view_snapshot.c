/*
 * view_snapshot.c: a guest's snapshots (tag, date, RAM or disk-only, size, description); create,
 * revert, delete run as jobs. Another host's guest: its list is that host's `vmdeck snapshot NAME
 * list --json` (a job), and the verbs run there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "remote.h"
#include "snapshot.h"
#include "ui.h"
#include "util.h"

static struct {
	struct dlg dlg;
	char guest[128];
	struct snapshot *s;
	size_t n;
	int sel, top;
	char *err;              /* why the list could not be read */
	char host[64];          /* another host's guest (its hosts[] name); "" this host's */
	bool loading;           /* that host's list is on its way */
} sv;

/* A revert that waits for the guest's power-off (the "stop" job it started). */
static char after_stop_guest[128], after_stop_tag[128], after_stop_host[64];

/* The guest's row: this host's, or (sv.host) that host's. */
static ssize_t sv_index(const struct ui *ui)
{
	if (!sv.host[0])
		return ui_guest_index(ui, sv.guest);
	for (size_t i = ui->n_local; i < ui->n; i++)
		if (ui->ex[i].host && strcmp(ui->ex[i].host, sv.host) == 0 &&
		    strcmp(ui->defs[i].name, sv.guest) == 0)
			return (ssize_t)i;
	return -1;
}

static const struct vmdef *sv_def(struct ui *ui)
{
	ssize_t i = sv_index(ui);

	return i < 0 ? NULL : &ui->defs[i];
}

/* A verb on the guest (on host when given), done called when it ends. */
static struct job *sv_verb(struct ui *ui, const char *host, const char *guest,
			   const char *const *words, void (*done)(struct ui *ui, struct job *j))
{
	if (host && host[0])
		return remote_run_verb(ui, host, guest, words, done);
	return ui_run_verb_then(ui, guest, words, done);
}

/* Another host's answer: its snapshots as `snapshot NAME list --json` gives them, oldest first. */
static void sv_take_list(const struct job *j)
{
	const char *a = j->out.s ? memchr(j->out.s, '[', j->out.len) : NULL;
	json_t *arr = a ? json_loadb(a, j->out.len - (size_t)(a - j->out.s),
				     JSON_DISABLE_EOF_CHECK, NULL)
			: NULL, *x;
	size_t i;

	/* an answer to an earlier ask may have filled the view already: this one replaces it */
	snapshot_list_free(sv.s, sv.n);
	sv.n = 0;
	free(sv.err);
	sv.err = NULL;
	sv.s = xcalloc(json_array_size(arr) + 1, sizeof *sv.s);
	json_array_foreach(arr, i, x) {
		const char *tag = json_string_value(json_object_get(x, "tag"));
		const char *desc = json_string_value(json_object_get(x, "description"));
		struct snapshot *p = &sv.s[sv.n];

		if (!tag)
			continue;
		p->tag = xstrdup(tag);
		p->date = (int64_t)json_integer_value(json_object_get(x, "date"));
		p->ram = json_is_string(json_object_get(x, "kind")) &&
			 strcmp(json_string_value(json_object_get(x, "kind")), "ram") == 0;
		p->size = (uint64_t)json_integer_value(json_object_get(x, "size"));
		p->description = xstrdup(desc ? desc : "");
		sv.n++;
	}
	if (!json_is_array(arr))
		sv.err = xasprintf("%s: no snapshot list from %s", sv.guest, sv.host);
	json_decref(arr);
}

/* The view is open (under a form or a question, maybe). */
static bool sv_open(const struct ui *ui)
{
	for (int i = 0; i < ui->depth; i++)
		if (ui->stack[i] == &view_snapshot)
			return true;
	return false;
}

static void sv_list_arrived(struct ui *ui, struct job *j)
{
	char *host = j->data;

	j->data = NULL;
	/* the view may have closed, or opened on another guest, meanwhile */
	if (host && sv_open(ui) && strcmp(host, sv.host) == 0 && j->guest &&
	    strcmp(j->guest, sv.guest) == 0) {
		sv.loading = false;
		if (job_exit_code(j) == 0) {
			sv_take_list(j);
		} else {
			free(sv.err);
			sv.err = xasprintf("%s", job_result(j));
		}
		sv.sel = sv.n ? (int)sv.n - 1 : 0;  /* the newest */
		ui->dirty = true;
	}
	free(host);
}

/* That host's list, asked for (a job); sv_list_arrived fills it in. */
static void sv_load_remote(struct ui *ui)
{
	const char *w[] = { "snapshot", sv.guest, "list", "--json", NULL };
	struct job *j = remote_run_verb(ui, sv.host, sv.guest, w, sv_list_arrived);

	if (!j) {
		sv.err = xasprintf("%s: cannot ask %s", sv.guest, sv.host);
		return;
	}
	j->data = xstrdup(sv.host);
	ui->jobs[ui->n_jobs - 1].silent = true;
	sv.loading = true;
}

static void sv_load(struct ui *ui)
{
	const struct vmdef *d = sv_def(ui);

	snapshot_list_free(sv.s, sv.n);
	sv.s = NULL;
	sv.n = 0;
	free(sv.err);
	sv.err = NULL;
	if (d == NULL)
		sv.err = xasprintf("%s: no such guest", sv.guest);
	else if (sv.host[0])
		sv_load_remote(ui);
	else if (snapshot_list(ui->cfg, d, &sv.s, &sv.n, &sv.err) < 0)
		sv.n = 0;
	if (sv.sel >= (int)sv.n)
		sv.sel = sv.n ? (int)sv.n - 1 : 0;
}

static void sv_init(struct ui *ui)
{
	const struct guest_extra *ex = ui_guest_extra(ui);

	snprintf(sv.guest, sizeof sv.guest, "%s", ui_guest(ui) ? ui_guest(ui)->name : "");
	snprintf(sv.host, sizeof sv.host, "%s", ex && ex->host ? ex->host : "");
	sv.sel = sv.top = 0;
	sv.loading = false;
	sv_load(ui);
	sv.sel = sv.n ? (int)sv.n - 1 : 0;  /* the newest */
}

static void sv_row(WINDOW *win, int y, int w, size_t i)
{
	const struct snapshot *s = &sv.s[i];
	enum role r = (int)i == sv.sel ? R_DIALOG_SEL : R_DIALOG;
	char date[32], size[16], line[512], *desc = text_escape(s->description, false);
	time_t t = (time_t)s->date;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%d %H:%M", &tm);
	snprintf(line, sizeof line, "%-20.20s %-16s %-4s %6s  %s", s->tag, date,
		 s->ram ? "RAM" : "disk", s->size ? size_human(s->size, size, sizeof size) : "-",
		 desc);
	free(desc);
	draw_fill(win, y, 1, w - 2, r);
	draw_text(win, y, 2, w - 4, r, line);
}

static void sv_draw(struct ui *ui)
{
	char title[224];
	WINDOW *win = dlg_open(&sv.dlg, (int)sv.n + 7 > 10 ? (int)sv.n + 7 : 10, 78);
	int h = getmaxy(win), w = getmaxx(win), rows = h - 6;

	snprintf(title, sizeof title, "Snapshots: %s%s%s", sv.guest, sv.host[0] ? " on " : "",
		 sv.host);
	draw_box(ui, win, R_DIALOG, title);
	draw_text(win, 1, 2, w - 4, R_TABLE_HEAD,
		  "TAG                  DATE             KIND   SIZE  DESCRIPTION");
	if (sv.sel < sv.top)
		sv.top = sv.sel;
	if (rows > 0 && sv.sel >= sv.top + rows)
		sv.top = sv.sel - rows + 1;
	if (sv.err)
		draw_text(win, 2, 2, w - 4, R_INPUT_ERROR, sv.err);
	else if (sv.loading)
		draw_text(win, 2, 2, w - 4, R_DIALOG, "asking its host ...");
	else if (sv.n == 0)
		draw_text(win, 2, 2, w - 4, R_DIALOG, "none yet: c makes one");
	for (int y = 0; y < rows && sv.top + y < (int)sv.n; y++)
		sv_row(win, 2 + y, w, (size_t)(sv.top + y));
	draw_text(win, h - 3, 2, w - 4, R_DIALOG,
		  sv_def(ui) && snapshot_internal(sv_def(ui))
			  ? "qcow2 disks: internal snapshots, RAM possible"
			  : "LV/raw disks: overlays in file_dir, disk-only");
	draw_text(win, h - 2, 2, w - 4, R_DIALOG_TITLE,
		  "c: create   r/Enter: revert   d: delete   Esc: back");
}

static void sv_job_done(struct ui *ui, struct job *j)
{
	if (ui_top(ui) == &view_snapshot)
		sv_load(ui);
	ui_rescan(ui);
}

void snapshot_view_run(struct ui *ui, const char *guest, const char *const *words)
{
	sv_verb(ui, sv.host, guest, words, sv_job_done);
}

/* confirm_ask's arg: the guest, its host ("" this one) and the tag, one allocation. */
struct sv_arg {
	char guest[128];
	char host[64];
	char tag[128];
};

static struct sv_arg *sv_arg(const char *tag)
{
	struct sv_arg *a = xcalloc(1, sizeof *a);

	snprintf(a->guest, sizeof a->guest, "%s", sv.guest);
	snprintf(a->host, sizeof a->host, "%s", sv.host);
	snprintf(a->tag, sizeof a->tag, "%s", tag);
	return a;
}

static int do_revert(struct ui *ui, void *arg)
{
	struct sv_arg *a = arg;
	const char *w[] = { "snapshot", a->guest, "revert", a->tag, NULL };

	sv_verb(ui, a->host, a->guest, w, sv_job_done);
	return UI_REDRAW;
}

static void stopped_then_revert(struct ui *ui, struct job *j)
{
	const char *w[] = { "snapshot", after_stop_guest, "revert", after_stop_tag, NULL };

	if (job_exit_code(j) == 0)
		sv_verb(ui, after_stop_host, after_stop_guest, w, sv_job_done);
	else
		ui_status(ui, true, "%s did not power off: not reverted to %s", after_stop_guest,
			  after_stop_tag);
}

static int do_stop_revert(struct ui *ui, void *arg)
{
	struct sv_arg *a = arg;
	const char *w[] = { "stop", a->guest, NULL };

	snprintf(after_stop_guest, sizeof after_stop_guest, "%s", a->guest);
	snprintf(after_stop_tag, sizeof after_stop_tag, "%s", a->tag);
	snprintf(after_stop_host, sizeof after_stop_host, "%s", a->host);
	sv_verb(ui, a->host, a->guest, w, stopped_then_revert);
	return UI_REDRAW;
}

static int do_delete(struct ui *ui, void *arg)
{
	struct sv_arg *a = arg;
	const char *w[] = { "snapshot", a->guest, "delete", a->tag, NULL };

	sv_verb(ui, a->host, a->guest, w, sv_job_done);
	return UI_REDRAW;
}

static bool guest_running(struct ui *ui)
{
	ssize_t i = sv_index(ui);

	return i >= 0 && ui->st[i].pid > 0;
}

static int sv_revert(struct ui *ui)
{
	const struct snapshot *s = &sv.s[sv.sel];
	bool live = sv_def(ui) && snapshot_internal(sv_def(ui)) && s->ram;
	char *q;

	if (guest_running(ui) && live)
		q = xasprintf(
			"Revert %s to %s? The running guest jumps back to that moment, RAM and "
			"all: what it did since is lost.",
			sv.guest, s->tag);
	else if (guest_running(ui))
		q = xasprintf(
			"%s is running and %s is a disk-only snapshot: power it off first (ACPI "
			"button), then revert its disks? What was written since is lost.",
			sv.guest, s->tag);
	else
		q = xasprintf("Revert %s's disks to %s? What was written since is lost.", sv.guest,
			      s->tag);
	confirm_ask(ui, "Revert", q, NULL, guest_running(ui) && !live ? do_stop_revert : do_revert,
		    sv_arg(s->tag));
	free(q);
	return UI_REDRAW;
}

static int sv_delete(struct ui *ui)
{
	const struct snapshot *s = &sv.s[sv.sel];
	char *q = xasprintf("Delete snapshot %s of %s? Its moment can no longer be gone back to%s.",
			    s->tag, sv.guest,
			    sv_def(ui) && snapshot_internal(sv_def(ui))
				    ? ""
				    : " (its overlay is merged into the layer below: a job)");

	confirm_ask(ui, "Delete snapshot", q, NULL, do_delete, sv_arg(s->tag));
	free(q);
	return UI_REDRAW;
}

static int sv_key(struct ui *ui, int ch)
{
	switch (ch) {
	case KEY_UP:
	case 'k':
		sv.sel = sv.sel > 0 ? sv.sel - 1 : sv.sel;
		return UI_REDRAW;
	case KEY_DOWN:
	case 'j':
		sv.sel = sv.sel + 1 < (int)sv.n ? sv.sel + 1 : sv.sel;
		return UI_REDRAW;
	case 'c':
	case 'n': {
		const struct vmdef *d = sv_def(ui);

		if (d)
			snapshot_form_open(ui, d->name, guest_running(ui) && snapshot_internal(d));
		return UI_REDRAW;
	}
	case 'r':
	case '\n':
	case '\r':
	case KEY_ENTER:
		return sv.n ? sv_revert(ui) : UI_HANDLED;
	case 'd':
	case KEY_DC:
		return sv.n ? sv_delete(ui) : UI_HANDLED;
	case 27:
	case 'q':
		dlg_close(&sv.dlg);
		ui_pop(ui);
		return UI_REDRAW;
	}
	return UI_HANDLED;
}

const struct view view_snapshot = { "snapshots", sv_init, sv_draw, sv_key };
