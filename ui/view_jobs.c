/* view_jobs.c: the job list: every background job, its progress or result; Enter shows its output. */
#include <stdio.h>
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

/* Two rows per job: what it is, then the last thing it said. */
static void job_lines(const struct job *j, char *head, char *tail, size_t len)
{
	double secs = (j->exited ? j->ended : now_mono()) - j->started;
	char state[48];

	if (!j->exited && j->progress >= 0)
		snprintf(state, sizeof state, "%3d%%", j->progress);
	else if (!j->exited)
		snprintf(state, sizeof state, "running");
	else
		snprintf(state, sizeof state, job_exit_code(j) == 0 ? "done" : "failed");
	snprintf(head, len, "#%-3d %-7s %5.0fs  %s", j->id, state, secs, j->title);
	snprintf(tail, len, "                    %s", j->last_line ? j->last_line : "");
}

static void jobs_draw(struct ui *ui)
{
	int h = LINES - 4, w = COLS - 4, rows = (h - 4) / 2;
	size_t first = jv.sel >= (size_t)rows ? jv.sel - (size_t)rows + 1 : 0;
	WINDOW *win = dlg_open(&jv.dlg, h, w);

	draw_box(ui, win, R_DIALOG, "Jobs");
	if (ui->n_jobs == 0)
		draw_text(win, 1, 2, w - 4, R_DIALOG, "No jobs yet: starts, stops, CD changes and : commands run here.");
	for (int y = 0; y < rows && first + (size_t)y < ui->n_jobs; y++) {
		size_t i = first + (size_t)y;
		const struct job *j = ui->jobs[i].job;
		enum role r = i == jv.sel ? R_SELECTION : !j->exited ? R_RUNNING : job_exit_code(j) ? R_ERROR : R_DIALOG;
		char head[512], tail[512];

		job_lines(j, head, tail, sizeof head);
		draw_fill(win, 1 + 2 * y, 1, w - 2, r);
		draw_text(win, 1 + 2 * y, 2, w - 4, r, head);
		draw_fill(win, 2 + 2 * y, 1, w - 2, r);
		draw_text(win, 2 + 2 * y, 2, w - 4, r, tail);
	}
	draw_text(win, h - 2, 2, w - 4, R_DIALOG_TITLE, "Enter: output   c: cancel the job   Esc: close");
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
	else if (ch == 'c' && j && !j->exited) {
		job_cancel(j);
		ui_status(ui, false, "%s: asked to stop", j->title);
	} else if (ch == 27 || ch == 'q' || ch == 'J' || ch == KEY_F(10)) {
		dlg_close(&jv.dlg);
		ui_pop(ui);
	}
	return UI_REDRAW;
}

const struct view view_jobs = { "jobs", jobs_init, jobs_draw, jobs_key };
