/* view_confirm.c: the confirmation dialog: y/n, or a word (the guest's name) to be typed. */
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

/*
 * Seconds a question that no key asked for ignores keys: typing that runs on into it is no answer.
 */
#define CONFIRM_GUARD 0.5
#define CONFIRM_WAITING 8

static struct {
	struct dlg dlg;
	char *title, *text, *typed;
	confirm_fn on_yes;
	void *arg;
	char input[80];
	size_t len;
	double guard_until;   /* now_mono() before which keys are dropped */
} cv;

/* Questions no key asked for, oldest first, until the main screen is free (confirm_ask_later). */
static struct waiting {
	char *title, *text;
	confirm_fn on_yes;
	confirm_still_fn still;
	void *arg;
} waiting[CONFIRM_WAITING];
static size_t n_waiting;

void confirm_ask(struct ui *ui, const char *title, const char *text, const char *typed,
		 confirm_fn on_yes, void *arg)
{
	if (ui_top(ui) == &view_confirm) { /* one question at a time: the newer one wins */
		free(cv.arg);
		ui_pop(ui);
	}
	free(cv.title);
	free(cv.text);
	free(cv.typed);
	cv.title = xstrdup(title);
	cv.text = xstrdup(text);
	cv.typed = typed ? xstrdup(typed) : NULL;
	cv.on_yes = on_yes;
	cv.arg = arg;
	cv.guard_until = 0;
	ui_push(ui, &view_confirm);
}

static void waiting_free(struct waiting *q)
{
	free(q->title);
	free(q->text);
	free(q->arg);
}

void confirm_ask_later(struct ui *ui, const char *title, const char *text, confirm_fn on_yes,
		       void *arg, confirm_still_fn still)
{
	struct waiting *q = NULL;

	for (size_t i = 0; i < n_waiting && !q; i++)  /* the same question twice is asked once */
		if (strcmp(waiting[i].text, text) == 0) {
			q = &waiting[i];
			waiting_free(q);
		}
	if (!q && n_waiting == CONFIRM_WAITING) {
		ui_status(ui, true, "%s (not asked: too many questions waiting)", text);
		free(arg);
		return;
	}
	if (!q)
		q = &waiting[n_waiting++];
	*q = (struct waiting){ xstrdup(title), xstrdup(text), on_yes, still, arg };
	if (ui->depth > 1 || ui->too_small)
		ui_status(ui, true, "%s (asked on the main screen)", text);
	ui->dirty = true;
}

/* The oldest waiting question that still applies, once nothing else is open. */
void confirm_show_waiting(struct ui *ui)
{
	while (n_waiting > 0 && ui->depth == 1 && !ui->too_small) {
		struct waiting q = waiting[0];

		memmove(&waiting[0], &waiting[1], --n_waiting * sizeof waiting[0]);
		if (q.still && !q.still(ui, q.arg)) {
			waiting_free(&q);
			continue;
		}
		confirm_ask(ui, q.title, q.text, NULL, q.on_yes, q.arg);
		q.arg = NULL;  /* the dialog has it now */
		waiting_free(&q);
		flushinp();    /* keys typed before it showed were meant for something else */
		cv.guard_until = now_mono() + CONFIRM_GUARD;
	}
}

static void confirm_init(struct ui *ui)
{
	cv.len = 0;
	cv.input[0] = 0;
}

/* Word-wraps text into the window from row y, above row end; returns the next row. */
static int wrap(WINDOW *win, int y, int end, int w, const char *s)
{
	int take;

	while (*s && y < end) {
		const char *next = wrap_row(s, w, &take);

		wattrset(win, role_attr(R_DIALOG));
		mvwaddnstr(win, y++, 2, s, take);
		s = next;
	}
	return y;
}

static void confirm_draw(struct ui *ui)
{
	int w = 72, h = wrap_rows(cv.text, w - 4) + (cv.typed ? 5 : 4);
	WINDOW *win = dlg_open(&cv.dlg, h, w);
	int y;

	/* a question taller than the screen loses its last lines, never the answer's */
	h = getmaxy(win);
	draw_box(ui, win, R_DIALOG, cv.title);
	y = wrap(win, 1, h - (cv.typed ? 4 : 3), w - 4, cv.text) + 1;
	if (cv.typed) {
		bool ok = strcmp(cv.input, cv.typed) == 0;

		draw_fill(win, y, 2, w - 4, ok ? R_INPUT : R_INPUT_ERROR);
		draw_text(win, y, 2, w - 4, ok ? R_INPUT : R_INPUT_ERROR, cv.input);
		ui->cursor_y = getbegy(win) + y;
		ui->cursor_x = getbegx(win) + 2 + (int)cv.len;
		draw_text(win, h - 2, 2, w - 4, R_DIALOG_TITLE,
			  "Enter confirms when the name matches, Esc cancels");
	} else {
		draw_text(win, h - 2, 2, w - 4, R_DIALOG_TITLE, "y: yes   n or Esc: no");
	}
}

static int confirm_close(struct ui *ui, bool yes)
{
	confirm_fn fn = cv.on_yes;
	void *arg = cv.arg;
	int r = UI_REDRAW;

	cv.arg = NULL;
	dlg_close(&cv.dlg);
	ui_pop(ui);
	if (yes)
		r |= fn(ui, arg);
	else
		ui_status(ui, false, "%s: cancelled", cv.title);
	free(arg);
	return r;
}

static int typed_key(struct ui *ui, int ch)
{
	if ((ch == '\n' || ch == '\r' || ch == KEY_ENTER) && strcmp(cv.input, cv.typed) == 0)
		return confirm_close(ui, true);
	if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && cv.len > 0)
		cv.input[--cv.len] = 0;
	else if (ch >= 32 && ch < 127 && cv.len + 1 < sizeof cv.input) {
		cv.input[cv.len++] = (char)ch;
		cv.input[cv.len] = 0;
	}
	return UI_REDRAW;
}

static int confirm_key(struct ui *ui, int ch)
{
	if (now_mono() < cv.guard_until)
		return UI_HANDLED;
	if (ch == 27 || ch == 3)
		return confirm_close(ui, false);
	if (cv.typed)
		return typed_key(ui, ch);
	if (ch == 'y' || ch == 'Y')
		return confirm_close(ui, true);
	if (ch == 'n' || ch == 'N')
		return confirm_close(ui, false);
	return UI_HANDLED;
}

const struct view view_confirm = { "confirm", confirm_init, confirm_draw, confirm_key };
