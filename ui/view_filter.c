/*
 * view_filter.c: the "/" prompt on the status line: the table shows the guests whose name or
 * description holds it.
 */
#include <string.h>

#include "ui.h"

/* the filter when the prompt opened: Esc goes back to it */
static char before[sizeof ((struct ui *)0)->filter];

static void filter_init(struct ui *ui)
{
	memcpy(before, ui->filter, sizeof before);
}

static void filter_draw(struct ui *ui)
{
	char line[160];
	int y = LINES - 2;

	snprintf(line, sizeof line, "Filter (name or description): %s", ui->filter);
	draw_fill(stdscr, y, 0, COLS, R_INPUT);
	draw_text(stdscr, y, 0, COLS, R_INPUT, line);
	ui->cursor_y = y;
	ui->cursor_x = (int)strlen(line) < COLS ? (int)strlen(line) : COLS - 1;
}

/*
 * Each key narrows or widens the table at once; Enter keeps the filter, Esc puts the old one back.
 */
static int filter_key(struct ui *ui, int ch)
{
	size_t len = strlen(ui->filter);

	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		ui_pop(ui);
		if (ui->filter[0])
			ui_status(ui, false,
				  "filter \"%s\": %zu of %zu guests (/ then Ctrl-U clears it)",
				  ui->filter, ui->n_order, ui->n);
	} else if (ch == 27) {
		memcpy(ui->filter, before, sizeof before);
		ui_pop(ui);
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (len)
			ui->filter[len - 1] = '\0';
	} else if (ch == ('u' & 0x1f)) {
		ui->filter[0] = '\0';
	} else if (ch >= 0x20 && ch < 0x7f && len + 1 < sizeof ui->filter) {
		ui->filter[len] = (char)ch;
		ui->filter[len + 1] = '\0';
	}
	table_order_rebuild(ui);
	return UI_REDRAW;
}

const struct view view_filter = { "filter", filter_init, filter_draw, filter_key };
