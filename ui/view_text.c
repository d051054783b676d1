/*
 * view_text.c: a box of read-only text, word-wrapped (VNC details, a job's output); any key closes
 * it.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

static struct {
	struct dlg dlg;
	char *title, *body;
	int scroll;                 /* first row shown; -1: the last page, worked out when drawn */
	/* opens at its last page (a job's output: the result is last) */
	bool at_end;
} tv;

static void text_open(struct ui *ui, const char *title, const char *body, bool at_end)
{
	free(tv.title);
	free(tv.body);
	tv.title = xstrdup(title);
	tv.body = xstrdup(body);
	tv.at_end = at_end;
	ui_push(ui, &view_text);
}

void text_show(struct ui *ui, const char *title, const char *body)
{
	text_open(ui, title, body, false);
}

void text_show_end(struct ui *ui, const char *title, const char *body)
{
	text_open(ui, title, body, true);
}

static void text_init(struct ui *ui)
{
	tv.scroll = tv.at_end ? -1 : 0;
}

/* The box is 8 columns narrower than the screen, and its text 4 narrower than the box. */
static int text_cols(void)
{
	return COLS - 12;
}

static void text_draw(struct ui *ui)
{
	int w = text_cols() + 4, rows = wrap_rows(tv.body, text_cols()), h = rows + 4, y = 0,
	    row = 0, take;
	WINDOW *win;

	if (h > LINES - 4)
		h = LINES - 4;
	if (tv.scroll < 0)
		tv.scroll = rows > h - 3 ? rows - (h - 3) : 0;
	win = dlg_open(&tv.dlg, h, w);
	draw_box(ui, win, R_DIALOG, tv.title);
	for (const char *s = tv.body; *s && y < h - 3; row++) {
		const char *next = wrap_row(s, text_cols(), &take);

		if (row >= tv.scroll) {
			wattrset(win, role_attr(R_DIALOG));
			mvwaddnstr(win, 1 + y++, 2, s, take);
		}
		s = next;
	}
	draw_text(win, h - 2, 2, w - 4, R_DIALOG_TITLE,
		  rows > h - 3 ? "Up/Down scroll, any other key closes" : "any key closes");
}

static int text_key(struct ui *ui, int ch)
{
	if (ch == KEY_DOWN || ch == KEY_NPAGE) {
		tv.scroll += ch == KEY_DOWN ? 1 : 10;
		if (tv.scroll > wrap_rows(tv.body, text_cols()) - 1)
			tv.scroll = wrap_rows(tv.body, text_cols()) - 1;
		return UI_REDRAW;
	}
	if (ch == KEY_UP || ch == KEY_PPAGE) {
		tv.scroll -= ch == KEY_UP ? 1 : 10;
		if (tv.scroll < 0)
			tv.scroll = 0;
		return UI_REDRAW;
	}
	dlg_close(&tv.dlg);
	ui_pop(ui);
	return UI_REDRAW;
}

const struct view view_text = { "text", text_init, text_draw, text_key };
