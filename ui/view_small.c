/* view_small.c: below 80x24 the console shows this instead of a garbled screen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

static void small_init(struct ui *ui)
{
}

static void small_draw(struct ui *ui)
{
	char l1[64], l2[64];
	const char *l3;
	size_t n;
	int y = LINES / 2 - 1;

	free(ui_jobs_running(ui, &n));
	/* quitting would end them, and that question needs room: the larger window asks it */
	l3 = n ? "jobs are running: enlarge the window to quit" : "q quits";
	snprintf(l1, sizeof l1, "terminal too small");
	snprintf(l2, sizeof l2, "%dx%d, need 80x24", COLS, LINES);
	if (y < 0)
		y = 0;
	draw_text(stdscr, y, (COLS - (int)strlen(l1)) / 2 > 0 ? (COLS - (int)strlen(l1)) / 2 : 0,
		  COLS, R_TOO_SMALL, l1);
	draw_text(stdscr, y + 1,
		  (COLS - (int)strlen(l2)) / 2 > 0 ? (COLS - (int)strlen(l2)) / 2 : 0, COLS,
		  R_NORMAL, l2);
	draw_text(stdscr, y + 2,
		  (COLS - (int)strlen(l3)) / 2 > 0 ? (COLS - (int)strlen(l3)) / 2 : 0, COLS,
		  R_NORMAL, l3);
}

static int small_key(struct ui *ui, int ch)
{
	size_t n;

	free(ui_jobs_running(ui, &n));
	if ((ch == 'q' || ch == KEY_F(10)) && n == 0)
		return UI_QUIT;
	return UI_HANDLED;
}

const struct view view_small = { "too-small", small_init, small_draw, small_key };
