/*
 * view_screen.c: the selected guest's display, full-size, refreshed about once
 * a second; typed keys go to the guest, F9 opens a menu of the combinations a
 * terminal cannot send, Ctrl-] leaves.
 *
 * The picture is taken in a child (job_call: screendump into a 0600 file in
 * the guest's folder), so a guest slow to answer never holds the console up.
 * Every frame draws every cell; curses sends only the cells that changed, so
 * a still screen costs next to nothing on the SSH link. Cells are upper half
 * blocks with two colours, through colour pairs made on demand.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h"
#include "screen.h"
#include "ui.h"
#include "view_screen.h"

#define GRAB_MS     2000     /* the child's bound on QEMU's answer */
#define KEY_MS      1000     /* a key press's bound */
#define PAIR_BASE   (R_COUNT + 1)   /* pairs below are the theme's */
#define PAIR_SLOTS  4096

static struct {
	char *name;              /* the guest shown */
	struct image img;        /* the last picture, unscaled */
	struct job *job;         /* the grab in flight */
	char *file;              /* where the child writes it */
	char *err;               /* why there is no picture */
	double asked;            /* now_mono() when the grab in flight was asked */
	char *note;              /* what the last menu choice sent, for the title */
	bool menu;               /* the key menu is open */
	int menu_sel;
	int pairs_max;
	int n_pairs;
	int pair_key[PAIR_SLOTS];   /* fg << 8 | bg, -1 free */
	short pair_no[PAIR_SLOTS];
	bool truecolor_256;         /* 256 colours (else 16 or 8) */
} sv;

/* The combinations a terminal cannot send, in the menu's order. */
struct menu_key {
	const char *label, *combo;
};

static const struct menu_key menu_keys[] = {
	{ "Ctrl-Alt-Del", "ctrl-alt-delete" },
	{ "Alt-Tab", "alt-tab" },
	{ "Alt-F4", "alt-f4" },
	{ "Windows key", "meta_l" },
	{ "Windows-R", "meta_l-r" },
	{ "F9", "f9" },
	{ "Ctrl-]", "ctrl-bracket_right" },
	{ "Ctrl-Alt-F1", "ctrl-alt-f1" },
	{ "Ctrl-Alt-F2", "ctrl-alt-f2" },
	{ "Ctrl-Alt-F3", "ctrl-alt-f3" },
	{ "Ctrl-Alt-F4", "ctrl-alt-f4" },
	{ "Ctrl-Alt-F5", "ctrl-alt-f5" },
	{ "Ctrl-Alt-F6", "ctrl-alt-f6" },
	{ "Ctrl-Alt-F7", "ctrl-alt-f7" },
	{ "Ctrl-Alt-F8", "ctrl-alt-f8" },
	{ "Ctrl-Alt-F9", "ctrl-alt-f9" },
	{ "Ctrl-Alt-F10", "ctrl-alt-f10" },
	{ "Ctrl-Alt-F11", "ctrl-alt-f11" },
	{ "Ctrl-Alt-F12", "ctrl-alt-f12" },
};
#define MENU_N ((int)(sizeof menu_keys / sizeof menu_keys[0]))

/* ---- the picture, taken in a child ---- */

struct grab_arg {
	const struct config *cfg;
	const struct vmdef *def;
	const char *file;
};

static int grab_child(void *p)
{
	struct grab_arg *a = p;
	struct image img;
	char *err = NULL;
	uint8_t *ppm;
	size_t len;
	int rc;

	if (screen_grab_ms(a->cfg, a->def, &img, GRAB_MS, &err) < 0) {
		printf("%s\n", err);
		return 1;
	}
	ppm = image_ppm_encode(&img, &len);
	rc = file_write_atomic(a->file, (const char *)ppm, len, 0600, &err) < 0;
	if (rc)
		printf("%s\n", err);
	free(ppm);
	image_free(&img);
	return rc;
}

static void grab_start(struct ui *ui)
{
	ssize_t i = ui_guest_index(ui, sv.name);
	struct grab_arg a;

	if (sv.job || i < 0)
		return;
	a = (struct grab_arg){ ui->cfg, &ui->defs[i], sv.file };
	sv.job = job_call(sv.name, "screen", grab_child, &a, NULL);
	sv.asked = now_mono();
}

/* The grab ended: its picture, or why not. */
static void grab_done(struct ui *ui)
{
	struct image img;
	char *err = NULL;

	if (job_exit_code(sv.job) == 0 && image_ppm_read(sv.file, &img, &err) == 0) {
		image_free(&sv.img);
		sv.img = img;
		free(sv.err);
		sv.err = NULL;
	} else {
		free(sv.err);
		sv.err = xstrdup(err ? err : sv.job->last_line ? sv.job->last_line : "no picture");
	}
	free(err);
	unlink(sv.file);
	job_free(sv.job);
	sv.job = NULL;
	ui->dirty = true;
}

int view_screen_fds(struct pollfd *fds, int max)
{
	if (!sv.job || sv.job->fd < 0 || max < 1)
		return 0;
	fds[0] = (struct pollfd){ .fd = sv.job->fd, .events = POLLIN };
	return 1;
}

void view_screen_process(struct ui *ui, const struct pollfd *fds, int nfds)
{
	for (int k = 0; sv.job && k < nfds; k++)
		if (fds[k].revents && fds[k].fd == sv.job->fd)
			job_read(sv.job);
	if (sv.job)
		job_reap(sv.job);
	if (sv.job && job_done(sv.job))
		grab_done(ui);
}

void view_screen_tick(struct ui *ui)
{
	if (ui_top(ui) == &view_screen && !sv.job)
		grab_start(ui);
}

/* ---- colour pairs on demand ---- */

static void pairs_reset(void)
{
	for (int i = 0; i < PAIR_SLOTS; i++)
		sv.pair_key[i] = -1;
	sv.n_pairs = 0;
}

static short pair_for(int fg, int bg)
{
	int key = fg << 8 | bg, h = (int)(((unsigned)key * 2654435761u) >> 20) % PAIR_SLOTS;

	for (;; h = (h + 1) % PAIR_SLOTS) {
		if (sv.pair_key[h] == key)
			return sv.pair_no[h];
		if (sv.pair_key[h] < 0)
			break;
	}
	/* a picture with more colour pairs than the terminal: start over */
	if (sv.n_pairs >= sv.pairs_max) {
		pairs_reset();
		return pair_for(fg, bg);
	}
	sv.pair_key[h] = key;
	sv.pair_no[h] = (short)(PAIR_BASE + sv.n_pairs++);
	init_pair(sv.pair_no[h], (short)fg, (short)bg);
	return sv.pair_no[h];
}

static int colour_of(const uint8_t *rgb)
{
	if (sv.truecolor_256)
		return image_rgb_to_256(rgb);
	return COLORS >= 16 ? image_rgb_to_16(rgb) : image_rgb_to_16(rgb) % 8;
}

/* ---- drawing ---- */

static void draw_cells(struct ui *ui, const struct image *px, int y0, int x0)
{
	for (int r = 0; r < px->h / 2; r++)
		for (int c = 0; c < px->w; c++) {
			const uint8_t *top =
				px->px + ((size_t)(2 * r) * (size_t)px->w + (size_t)c) * 3;
			const uint8_t *bot = top + (size_t)px->w * 3;
			short pair = pair_for(colour_of(top), colour_of(bot));
			cchar_t cc;

			if (ui->utf8)
				setcchar(&cc, L"\u2580", 0, pair, NULL);
			else  /* no half block: one colour a cell, the lower pixel's */
				setcchar(&cc, L" ", 0, pair, NULL);
			mvadd_wch(y0 + r, x0 + c, &cc);
		}
}

static void draw_menu(struct ui *ui)
{
	int h = MENU_N + 2, w = 22, y0 = 2, x0 = COLS - w - 2;

	attrset(role_attr(R_DIALOG));
	for (int y = 0; y < h; y++)
		mvhline(y0 + y, x0, ' ', w);
	attrset(role_attr(R_DIALOG_TITLE));
	mvaddstr(y0, x0 + 1, "Send to the guest");
	for (int i = 0; i < MENU_N; i++) {
		attrset(role_attr(i == sv.menu_sel ? R_DIALOG_SEL : R_DIALOG));
		mvprintw(y0 + 1 + i, x0 + 1, " %-19s", menu_keys[i].label);
	}
	attrset(A_NORMAL);
}

static void screen_draw(struct ui *ui)
{
	char title[160];
	int cols, rows;

	/* the whole screen is the guest's: nothing of the list shows at the sides */
	attrset(A_NORMAL);
	for (int y = 1; y < LINES; y++)
		mvhline(y, 0, ' ', COLS);
	attrset(role_attr(R_HEADER));
	mvhline(0, 0, ' ', COLS);
	if (sv.img.px)
		snprintf(title, sizeof title,
			 " %s  %dx%d  keys go to the guest  F9 key menu  Ctrl-] back%s%s", sv.name,
			 sv.img.w, sv.img.h, sv.note ? "  | " : "", sv.note ? sv.note : "");
	else
		snprintf(title, sizeof title, " %s  %s  Ctrl-] back", sv.name,
			 sv.err ? sv.err : "taking the picture...");
	mvaddnstr(0, 0, title, COLS);
	attrset(A_NORMAL);
	if (sv.img.px) {
		struct image px;

		image_fit(sv.img.w, sv.img.h, COLS, LINES - 1, &cols, &rows);
		image_scale(&sv.img, cols, rows * 2, &px);
		draw_cells(ui, &px, 1, (COLS - cols) / 2);
		image_free(&px);
	}
	if (sv.menu)
		draw_menu(ui);
}

/* ---- keys ---- */

/* What the guest gets for a terminal key, allocated; NULL when it has no counterpart. */
static char *key_combo(int ch)
{
	static const struct { int key; const char *combo;
	} special[] = {
		{ '\n', "ret" },	   { '\r', "ret" },
		{ KEY_ENTER, "ret" },	   { '\t', "tab" },
		{ KEY_BTAB, "shift-tab" }, { 27, "esc" },
		{ 127, "backspace" },	   { KEY_BACKSPACE, "backspace" },
		{ KEY_UP, "up" },	   { KEY_DOWN, "down" },
		{ KEY_LEFT, "left" },	   { KEY_RIGHT, "right" },
		{ KEY_HOME, "home" },	   { KEY_END, "end" },
		{ KEY_PPAGE, "pgup" },	   { KEY_NPAGE, "pgdn" },
		{ KEY_IC, "insert" },	   { KEY_DC, "delete" },
	};

	for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
		if (special[i].key == ch)
			return xstrdup(special[i].combo);
	if (ch >= KEY_F(1) && ch <= KEY_F(12))
		return xasprintf("f%d", ch - KEY_F(0));
	if (ch >= 1 && ch <= 26)
		return xasprintf("ctrl-%c", 'a' + ch - 1);
	if (ch >= 32 && ch < 127)
		return screen_char_combo((unsigned char)ch);
	return NULL;
}

static void send_combo(struct ui *ui, const char *combo)
{
	ssize_t i = ui_guest_index(ui, sv.name);
	char *err = NULL;

	if (i < 0)
		return;
	if (screen_send_combo(ui->cfg, &ui->defs[i], combo, KEY_MS, &err) < 0)
		ui_status(ui, true, "%s: cannot send %s: %s", sv.name, combo, err);
	free(err);
}

static int menu_key(struct ui *ui, int ch)
{
	if (ch == KEY_UP && sv.menu_sel > 0)
		sv.menu_sel--;
	else if (ch == KEY_DOWN && sv.menu_sel < MENU_N - 1)
		sv.menu_sel++;
	else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		send_combo(ui, menu_keys[sv.menu_sel].combo);
		free(sv.note);
		sv.note = xasprintf("sent %s", menu_keys[sv.menu_sel].label);
		sv.menu = false;
	} else if (ch == 27 || ch == KEY_F(9) || ch == 'q') {
		sv.menu = false;
	}
	return UI_HANDLED | UI_REDRAW;
}

static int screen_key(struct ui *ui, int ch)
{
	char *combo;

	if (ch == 0x1d) {           /* Ctrl-] */
		ui_pop(ui);
		return UI_HANDLED | UI_REDRAW;
	}
	if (sv.menu)
		return menu_key(ui, ch);
	if (ch == KEY_F(9)) {
		sv.menu = true;
		sv.menu_sel = 0;
		return UI_HANDLED | UI_REDRAW;
	}
	if ((combo = key_combo(ch)) != NULL) {
		send_combo(ui, combo);
		free(combo);
	}
	return UI_HANDLED;
}

static void screen_init(struct ui *ui)
{
	const struct vmdef *d = ui_guest(ui);

	free(sv.name);
	free(sv.file);
	free(sv.err);
	image_free(&sv.img);
	sv.err = NULL;
	free(sv.note);
	sv.note = NULL;
	sv.name = xstrdup(d ? d->name : "");
	sv.file =
		d ? vmstate_path(ui->cfg, d->name, "console-screen.ppm") : xstrdup("/nonexistent");
	sv.menu = false;
	sv.menu_sel = 0;
	sv.truecolor_256 = COLORS >= 256;
	sv.pairs_max =
		COLOR_PAIRS - PAIR_BASE < PAIR_SLOTS / 2 ? COLOR_PAIRS - PAIR_BASE : PAIR_SLOTS / 2;
	if (sv.pairs_max > 32767 - PAIR_BASE)
		sv.pairs_max = 32767 - PAIR_BASE;
	pairs_reset();
	if (!has_colors() || COLORS < 8 || sv.pairs_max < 8)
		sv.err = xstrdup("this terminal has too few colours for a picture");
	else if (d && ui_guest_status(ui)->pid <= 0)
		sv.err = xstrdup("not running");
	else
		grab_start(ui);
}

const struct view view_screen = { "screen", screen_init, screen_draw, screen_key };
