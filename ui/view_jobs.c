/*
 * view_jobs.c: the job list: every background job, its progress or result; Enter shows its output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

static struct {
	struct dlg dlg;
	size_t sel;
} jv;

void jobs_open(struct ui *ui)
{
	ui_push(ui, &view_jobs);
}

static void jobs_init(struct ui *ui)
{
	jv.sel = ui->n_jobs ? ui->n_jobs - 1 : 0;
}

static const char *job_state(const struct job *j, char *buf, size_t len)
{
	if (!j->exited && j->progress >= 0)
		snprintf(buf, len, "%3d%%", j->progress);
	else
		snprintf(buf, len, "%s",
			 !j->exited		 ? "running"
			 : job_exit_code(j) == 0 ? "done"
						 : "failed");
	return buf;
}

static enum role job_state_role(const struct job *j)
{
	return !j->exited ? R_RUNNING : job_exit_code(j) ? R_ERROR : R_DIALOG;
}

/* Two rows per job: what it is, then the last thing it said. */
static void job_lines(const struct job *j, char *head, char *tail, size_t len)
{
	double secs = (j->exited ? j->ended : now_mono()) - j->started;
	char state[48];

	snprintf(head, len, "#%-3d %-7s %5.0fs  %s", j->id, job_state(j, state, sizeof state), secs,
		 j->title);
	snprintf(tail, len, "                    %s", j->last_line ? j->last_line : "");
}

/*
 * The selected job is the one highlighted row pair; the others keep the
 * dialog's colours with only their state word coloured, so nothing else
 * looks selected.
 */
static void jobs_row(WINDOW *win, int y, int w, const struct job *j, bool selected)
{
	enum role r = selected ? R_DIALOG_SEL : R_DIALOG;
	char head[512], tail[512], state[48];

	job_lines(j, head, tail, sizeof head);
	draw_fill(win, y, 1, w - 2, r);
	draw_text(win, y, 2, w - 4, r, head);
	if (!selected)
		draw_text(win, y, 7, 7, job_state_role(j), job_state(j, state, sizeof state));
	draw_fill(win, y + 1, 1, w - 2, r);
	draw_text(win, y + 1, 2, w - 4, r, tail);
}

static void jobs_draw(struct ui *ui)
{
	int h = LINES - 4, w = COLS - 4, rows = (h - 4) / 2;
	size_t first = jv.sel >= (size_t)rows ? jv.sel - (size_t)rows + 1 : 0;
	WINDOW *win = dlg_open(&jv.dlg, h, w);

	draw_box(ui, win, R_DIALOG, "Jobs");
	if (ui->n_jobs == 0)
		draw_text(win, 1, 2, w - 4, R_DIALOG,
			  "No jobs yet: starts, stops, CD changes and : commands run here.");
	for (int y = 0; y < rows && first + (size_t)y < ui->n_jobs; y++)
		jobs_row(win, 1 + 2 * y, w, ui->jobs[first + (size_t)y].job,
			 first + (size_t)y == jv.sel);
	draw_text(win, h - 2, 2, w - 4, R_DIALOG_TITLE,
		  "Enter: output   c: cancel the job   Esc: close");
}

/* The job is found again by its number: the list may have moved while the question was open. */
static int cancel_confirmed(struct ui *ui, void *arg)
{
	int id = *(int *)arg;

	for (size_t i = 0; i < ui->n_jobs; i++) {
		struct job *j = ui->jobs[i].job;

		if (j->id != id)
			continue;
		if (j->exited) {
			ui_status(ui, false, "%s: already ended", j->title);
		} else {
			job_cancel(j);
			ui_status(ui, false, "%s: asked to stop", j->title);
		}
	}
	return UI_REDRAW;
}

static void cancel_ask(struct ui *ui, const struct job *j)
{
	int *id = xmalloc(sizeof *id);
	char *q = xasprintf("Cancel job #%d \"%s\"? Its command is asked to stop (SIGTERM).", j->id,
			    j->title);

	*id = j->id;
	confirm_ask(ui, "Cancel job", q, NULL, cancel_confirmed, id);
	free(q);
}

static int jobs_key(struct ui *ui, int ch)
{
	struct job *j = ui->n_jobs ? ui->jobs[jv.sel].job : NULL;

	if (ch == KEY_UP && jv.sel > 0)
		jv.sel--;
	else if (ch == KEY_DOWN && jv.sel + 1 < ui->n_jobs)
		jv.sel++;
	else if ((ch == '\n' || ch == '\r' || ch == KEY_ENTER) && j)
		text_show_end(ui, j->title, j->out.len ? j->out.s : "(no output)");
	else if (ch == 'c' && j && !j->exited)
		cancel_ask(ui, j);
	else if (ch == 27 || ch == 'q' || ch == 'J' || ch == KEY_F(10)) {
		dlg_close(&jv.dlg);
		ui_pop(ui);
	}
	return UI_REDRAW;
}

const struct view view_jobs = { "jobs", jobs_init, jobs_draw, jobs_key };
