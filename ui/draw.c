/* draw.c: painting the screen once per turn, and the small drawing helpers every view shares. */
#include <panel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui.h"
#include "util.h"
#include "vmstate.h"

void draw_fill(WINDOW *w, int y, int x, int width, enum role r)
{
	wattrset(w, role_attr(r));
	for (int i = 0; i < width; i++)
		mvwaddch(w, y, x + i, ' ');
}

/*
 * Text clipped to width (multibyte-aware through waddnstr's byte limit being generous enough for
 * ASCII names).
 */
void draw_text(WINDOW *w, int y, int x, int width, enum role r, const char *s)
{
	int maxx = getmaxx(w);

	if (width <= 0 || x >= maxx)
		return;
	if (x + width > maxx)
		width = maxx - x;
	wattrset(w, role_attr(r));
	mvwaddnstr(w, y, x, s, width);
}

const char *wrap_row(const char *s, int w, int *take)
{
	const char *nl = strchr(s, '\n');
	int len = nl ? (int)(nl - s) : (int)strlen(s);

	if (w < 1)
		w = 1;  /* a row always moves on */
	*take = len;
	if (len > w) {
		/* break at the last space that fits; a word longer than the row is cut */
		for (*take = w; *take > 0 && s[*take] != ' ';)
			(*take)--;
		if (*take == 0)
			*take = w;
	}
	s += *take;
	while (*s == ' ')
		s++;
	return *s == '\n' ? s + 1 : s;
}

int wrap_rows(const char *s, int w)
{
	int rows = 0, take;

	for (; *s; rows++)
		s = wrap_row(s, w, &take);
	return rows;
}

static chtype line_ch(const struct ui *ui, chtype acs, chtype ascii)
{
	return ui->ascii ? ascii : acs;
}

/*
 * In a UTF-8 locale lines are drawn with the Unicode box characters
 * (ncursesw's WACS_*), which every UTF-8 terminal shows, tmux included;
 * otherwise with the terminal's alternate character set; with ui.ascii, or
 * when the terminal has none, with - | +.
 */
void draw_hline(struct ui *ui, WINDOW *w, int y, int x, int width, enum role r)
{
	wattrset(w, role_attr(r));
	if (!ui->ascii && ui->utf8)
		mvwhline_set(w, y, x, WACS_HLINE, width);
	else
		mvwhline(w, y, x, line_ch(ui, ACS_HLINE, '-'), width);
}

void draw_box(struct ui *ui, WINDOW *w, enum role r, const char *title)
{
	int wd = getmaxx(w);

	wattrset(w, role_attr(r));
	if (!ui->ascii && ui->utf8)
		wborder_set(w, WACS_VLINE, WACS_VLINE, WACS_HLINE, WACS_HLINE, WACS_ULCORNER,
			    WACS_URCORNER, WACS_LLCORNER, WACS_LRCORNER);
	else
		wborder(w, line_ch(ui, ACS_VLINE, '|'), line_ch(ui, ACS_VLINE, '|'),
			line_ch(ui, ACS_HLINE, '-'), line_ch(ui, ACS_HLINE, '-'),
			line_ch(ui, ACS_ULCORNER, '+'), line_ch(ui, ACS_URCORNER, '+'),
			line_ch(ui, ACS_LLCORNER, '+'), line_ch(ui, ACS_LRCORNER, '+'));
	if (title && *title) {
		char buf[128];

		snprintf(buf, sizeof buf, " %s ", title);
		draw_text(w, 0, 2, wd - 4, R_DIALOG_TITLE, buf);
	}
}

enum role role_for_state(enum vm_state s)
{
	static const enum role map[VM_STATE_COUNT] = {
		[VM_STOPPED] = R_STOPPED,
		[VM_STARTING] = R_STARTING,
		[VM_RUNNING] = R_RUNNING,
		[VM_PAUSED] = R_PAUSED,
		[VM_SHUTTING_DOWN] = R_SHUTTING_DOWN,
		[VM_UNRESPONSIVE] = R_UNRESPONSIVE,
		[VM_CRASHED] = R_CRASHED,
		[VM_INVALID] = R_INVALID,
		[VM_UNREACHABLE] = R_UNRESPONSIVE,
	};
	return (unsigned)s < VM_STATE_COUNT ? map[s] : R_NORMAL;
}

const char *fmt_uptime(double s, char *buf, size_t len)
{
	long t = (long)s;

	if (s < 0)
		snprintf(buf, len, "-");
	else if (t >= 86400)
		snprintf(buf, len, "%ldd%02ldh", t / 86400, t % 86400 / 3600);
	else if (t >= 3600)
		snprintf(buf, len, "%ldh%02ldm", t / 3600, t % 3600 / 60);
	else
		snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
	return buf;
}

const char *fmt_clock(double when, char *buf, size_t len)
{
	time_t t = (time_t)when;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
	return buf;
}

/*
 * The F-key bar's labels, from the key table: "1Help 2Start ...". Gives the
 * one after F-key *f (start at 0), with its width; NULL after the last, or
 * where the next would pass the screen's edge at column x. Drawing and
 * clicking both walk it, so a click lands on what is drawn.
 */
static const struct key_bind *fkey_next(int *f, int x, int *w)
{
	while (++*f <= 12)
		for (const struct key_bind *k = key_binds; k->fn; k++)
			if (k->fkey == KEY_F(*f) && k->label) {
				*w = snprintf(NULL, 0, "%d", *f) + (int)strlen(k->label);
				return x + *w > COLS ? NULL : k;
			}
	return NULL;
}

void draw_fkey_bar(struct ui *ui, int y)
{
	const struct key_bind *k;
	int f = 0, x = 0, w;

	draw_fill(stdscr, y, 0, COLS, R_FKEY_LABEL);
	for (; (k = fkey_next(&f, x, &w)) != NULL; x += w + 1) {
		char num[16];

		snprintf(num, sizeof num, "%d", f);
		draw_text(stdscr, y, x, COLS - x, R_FKEY_NUM, num);
		draw_text(stdscr, y, x + (int)strlen(num), COLS - x, R_FKEY_LABEL, k->label);
	}
}

int draw_fkey_at(int col)
{
	const struct key_bind *k;
	int f = 0, x = 0, w;

	for (; (k = fkey_next(&f, x, &w)) != NULL; x += w + 1)
		if (col >= x && col < x + w)
			return k->fkey;
	return 0;
}

static int jobs_running(const struct ui *ui)
{
	int n = 0;

	for (size_t i = 0; i < ui->n_jobs; i++)
		n += !ui->jobs[i].job->exited;
	return n;
}

void draw_status_line(struct ui *ui, int y)
{
	char right[48] = "";
	int running = jobs_running(ui);
	int rw;

	draw_fill(stdscr, y, 0, COLS, R_STATUS);
	if (running)
		snprintf(right, sizeof right, " %d job%s running (J) ", running,
			 running == 1 ? "" : "s");
	rw = (int)strlen(right);
	if (ui->status_msg)
		draw_text(stdscr, y, 0, COLS - rw, ui->status_error ? R_ERROR : R_STATUS,
			  ui->status_msg);
	else
		draw_text(stdscr, y, 0, COLS - rw, R_STATUS,
			  "Enter: actions  :: command line  ?: help  q: quit");
	if (rw)
		draw_text(stdscr, y, COLS - rw, rw, R_PROGRESS, right);
}

/* ---- dialogs on panels ---- */

/*
 * Bumped by a resize or Ctrl-L: every dialog window is made anew at its next
 * draw. resizeterm() shrinks and stretches windows on its own, so a window
 * from before a resize cannot be trusted to have the size it was made with.
 */
static unsigned dlg_epoch;

void dlg_invalidate_all(void)
{
	dlg_epoch++;
}

/*
 * Dialogs keep to the rows between the header and the status line, so those and the F-key bar stay
 * in view.
 */
WINDOW *dlg_open(struct dlg *d, int h, int w)
{
	int top = 1, rows = LINES - 3, y, x;

	if (h > rows)
		h = rows;
	if (w > COLS)
		w = COLS;
	y = top + (rows - h) / 2;
	x = (COLS - w) / 2;
	if (d->win && (d->epoch != dlg_epoch || getmaxy(d->win) != h || getmaxx(d->win) != w ||
		       getbegy(d->win) != y || getbegx(d->win) != x))
		dlg_close(d);
	if (!d->win) {
		d->win = newwin(h, w, y, x);
		d->panel = new_panel(d->win);
		d->h = h;
		d->w = w;
		d->epoch = dlg_epoch;
	}
	top_panel(d->panel);
	wattrset(d->win, role_attr(R_DIALOG));
	wbkgdset(d->win, ' ' | role_attr(R_DIALOG));
	werase(d->win);
	return d->win;
}

void dlg_close(struct dlg *d)
{
	if (d->panel)
		del_panel(d->panel);
	if (d->win)
		delwin(d->win);
	d->panel = NULL;
	d->win = NULL;
}

/* One frame: every view on the stack paints, bottom first; panels put dialogs on top. */
void ui_draw(struct ui *ui)
{
	ui->too_small = LINES < 24 || COLS < 80;
	curs_set(0);
	werase(stdscr);
	if (ui->too_small) {
		view_small.draw(ui);
		touchwin(stdscr);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	ui->cursor_y = -1;
	for (int i = 0; i < ui->depth; i++)
		ui->stack[i]->draw(ui);
	wnoutrefresh(stdscr);
	update_panels();
	if (ui->cursor_y >= 0) {
		setsyx(ui->cursor_y, ui->cursor_x);
		curs_set(1);
	}
	doupdate();
}

/*
 * A name cut to w columns in its middle, as "head~tail": an ISO's start
 * names the product and its end the disc ("..._cd1.iso", "..._cd2.iso"),
 * so both stay. Never cuts inside a UTF-8 character.
 */
const char *draw_fit_middle(const char *s, int w, char *buf, size_t len)
{
	size_t n = strlen(s), head, tail;

	if (w < 8 || n <= (size_t)w || len < (size_t)w + 1)
		return s;
	head = (size_t)(w - 1) / 2;
	tail = (size_t)(w - 1) - head;
	while (head > 0 && (s[head] & 0xC0) == 0x80)
		head--;
	while (tail > 0 && (s[n - tail] & 0xC0) == 0x80)
		tail--;
	snprintf(buf, len, "%.*s~%s", (int)head, s, s + n - tail);
	return buf;
}

/*
 * A path cut to w columns from the left, as ".../tail" (at a '/' where one
 * is left): the end of a path, the file's name, is what tells disks and
 * images apart. Never starts in the middle of a UTF-8 character.
 */
const char *draw_fit_left(const char *s, int w, char *buf, size_t len)
{
	size_t n = strlen(s);
	const char *tail, *slash;

	if (w < 8 || n <= (size_t)w)
		return s;
	tail = s + n - (size_t)(w - 3);
	if ((slash = strchr(tail, '/')) != NULL && slash[1])
		tail = slash;  /* start at a folder boundary where one is left */
	for (; (*tail & 0xC0) == 0x80; tail++)
		;
	snprintf(buf, len, "...%s", tail);
	return buf;
}
