/* view_menu.c: the action menu on Enter: the key table's KB_MENU rows for the selected guest. */
#include <stdio.h>
#include <string.h>

#include "ui.h"

static struct {
	struct dlg dlg;
	int sel, top;
	const struct key_bind *rows[32];
	int n;
} mv;

static void menu_init(struct ui *ui)
{
	mv.n = 0;
	mv.sel = mv.top = 0;
	for (const struct key_bind *k = key_binds; k->fn && mv.n < 32; k++)
		if (k->flags & KB_MENU)
			mv.rows[mv.n++] = k;
}

/* Keeps the selected row among the rows that fit (a menu taller than the screen scrolls). */
static void menu_scroll(int rows)
{
	if (mv.sel < mv.top)
		mv.top = mv.sel;
	if (mv.sel >= mv.top + rows)
		mv.top = mv.sel - rows + 1;
}

static void menu_row(WINDOW *win, int y, int w, int i)
{
	char key[16];
	enum role r = i == mv.sel ? R_DIALOG_SEL : R_DIALOG;

	draw_fill(win, y, 1, w - 2, r);
	draw_text(win, y, 2, 3, i == mv.sel ? R_DIALOG_SEL : R_MENU_KEY,
		  key_text(mv.rows[i]->key, key, sizeof key));
	draw_text(win, y, 6, w - 8, r, mv.rows[i]->help);
}

static void menu_draw(struct ui *ui)
{
	const struct vmdef *d = ui_guest(ui);
	char title[96];
	int w = 44, h, rows;
	WINDOW *win;

	/* wide enough for every row's text (dlg_open keeps it on screen) */
	for (int i = 0; i < mv.n; i++)
		if ((int)strlen(mv.rows[i]->help) + 8 > w)
			w = (int)strlen(mv.rows[i]->help) + 8;
	win = dlg_open(&mv.dlg, mv.n + 4, w);
	w = getmaxx(win);
	h = getmaxy(win);
	rows = h - 4;
	menu_scroll(rows);

	snprintf(title, sizeof title, "Actions: %s", d ? d->name : "");
	draw_box(ui, win, R_DIALOG, title);
	for (int y = 0; y < rows && mv.top + y < mv.n; y++)
		menu_row(win, 1 + y, w, mv.top + y);
	if (mv.top > 0)
		draw_text(win, 0, w - 10, 8, R_DIALOG_TITLE, " more ^ ");
	if (mv.top + rows < mv.n)
		draw_text(win, h - 3, w - 10, 8, R_DIALOG_TITLE, " more v ");
	draw_text(win, h - 2, 2, w - 4, R_DIALOG_TITLE, "Enter or the key runs it, Esc closes");
}

static int menu_run(struct ui *ui, const struct key_bind *k)
{
	dlg_close(&mv.dlg);
	ui_pop(ui);
	if (!key_allowed(ui, k))
		return UI_REDRAW;
	return k->fn(ui) | UI_REDRAW;
}

static int menu_key(struct ui *ui, int ch)
{
	switch (ch) {
	case KEY_UP:
		mv.sel = mv.sel > 0 ? mv.sel - 1 : mv.n - 1;
		return UI_REDRAW;
	case KEY_DOWN:
		mv.sel = mv.sel + 1 < mv.n ? mv.sel + 1 : 0;
		return UI_REDRAW;
	case '\n':
	case '\r':
	case KEY_ENTER:
		return menu_run(ui, mv.rows[mv.sel]);
	case 27:
	case KEY_F(9):
	case KEY_F(10):
		dlg_close(&mv.dlg);
		ui_pop(ui);
		return UI_REDRAW;
	}
	for (int i = 0; i < mv.n; i++)
		if (mv.rows[i]->key == ch || (mv.rows[i]->fkey && mv.rows[i]->fkey == ch))
			return menu_run(ui, mv.rows[i]);
	return UI_HANDLED;
}

const struct view view_menu = { "menu", menu_init, menu_draw, menu_key };
