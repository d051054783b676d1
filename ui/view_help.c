/* view_help.c: every key and what it does, generated from the key table that dispatches them. */
#include <stdio.h>

#include "ui.h"

static struct {
	struct dlg dlg;
	int scroll;
} hv;

static int help_rows(void)
{
	int n = 0;

	for (const struct key_bind *k = key_binds; k->fn; k++)
		n++;
	return n;
}

static void help_init(struct ui *ui)
{
	hv.scroll = 0;
}

static void help_draw(struct ui *ui)
{
	int h = LINES - 3, w = 78, rows = help_rows(), y = 0, i = 0;
	WINDOW *win = dlg_open(&hv.dlg, h, w);

	draw_box(ui, win, R_DIALOG, "Help: keys");
	for (const struct key_bind *k = key_binds; k->fn && y < h - 3; k++, i++) {
		char key[16], fkey[16] = "";

		if (i < hv.scroll)
			continue;
		key_text(k->key, key, sizeof key);
		if (k->fkey)
			key_text(k->fkey, fkey, sizeof fkey);
		draw_text(win, 1 + y, 2, 8, R_HELP_KEY, key);
		draw_text(win, 1 + y, 10, 5, R_HELP_KEY, fkey);
		draw_text(win, 1 + y, 16, w - 18, R_DIALOG, k->help);
		y++;
	}
	draw_text(win, h - 2, 2, w - 4, R_DIALOG_TITLE,
		  rows > h - 3 ? "Up/Down scroll, Esc/q/F1 closes" : "Esc, q or F1 closes");
}

static int help_key(struct ui *ui, int ch)
{
	int max = help_rows() - (LINES - 6);

	if (ch == KEY_DOWN || ch == 'j') {
		hv.scroll = hv.scroll < max ? hv.scroll + 1 : hv.scroll;
		return UI_REDRAW;
	}
	if (ch == KEY_UP || ch == 'k') {
		hv.scroll = hv.scroll > 0 ? hv.scroll - 1 : 0;
		return UI_REDRAW;
	}
	if (ch == 27 || ch == 'q' || ch == KEY_F(1) || ch == '?' || ch == '\n' || ch == '\r' ||
	    ch == KEY_F(10)) {
		dlg_close(&hv.dlg);
		ui_pop(ui);
	}
	return UI_REDRAW;
}

const struct view view_help = { "help", help_init, help_draw, help_key };
