/*
 * view_iso.c: the ISO picker over iso_dirs: size and date, a type-ahead filter; Enter inserts or
 * boots.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "hostinfo.h"
#include "iso.h"
#include "remote.h"
#include "ui.h"
#include "util.h"

static struct {
	struct dlg dlg;
	struct iso_entry *all;
	size_t n_all;
	char **users;      /* per image: the guests using it, "av,dc" or "" */
	size_t *shown;     /* indexes into all that match the filter */
	size_t n_shown, sel, top;
	char filter[64];
	size_t flen;
	bool start_after;  /* start the guest from this CD instead of inserting it */
	char guest[80];
	char host[64]; /* another host's guest: its ISOs (given), the choice runs there; "" here */
	struct iso_entry *given;
	size_t n_given;
} iv;

static void iso_filter(void)
{
	iv.n_shown = 0;
	for (size_t i = 0; i < iv.n_all; i++)
		if (!iv.flen || strcasestr(iv.all[i].name, iv.filter))
			iv.shown[iv.n_shown++] = i;
	if (iv.sel >= iv.n_shown)
		iv.sel = iv.n_shown ? iv.n_shown - 1 : 0;
}

void iso_open(struct ui *ui, bool start_after)
{
	iv.start_after = start_after;
	snprintf(iv.guest, sizeof iv.guest, "%s", ui_guest(ui)->name);
	iv.host[0] = '\0';
	ui_push(ui, &view_iso);
}

void iso_open_remote(struct ui *ui, bool start_after, const char *host, const char *guest,
		     struct iso_entry *all, size_t n)
{
	iv.start_after = start_after;
	snprintf(iv.guest, sizeof iv.guest, "%s", guest);
	snprintf(iv.host, sizeof iv.host, "%s", host);
	iv.given = all;
	iv.n_given = n;
	ui_push(ui, &view_iso);
}

static void iso_release(void)
{
	for (size_t i = 0; iv.users && i < iv.n_all; i++)
		free(iv.users[i]);
	free(iv.users);
	iv.users = NULL;
	hostinfo_iso_free(iv.all, iv.n_all);
	free(iv.shown);
	iv.all = NULL;
	iv.shown = NULL;
	iv.n_all = iv.n_shown = 0;
}

static void iso_init(struct ui *ui)
{
	char *err = NULL;

	iso_release();
	if (iv.host[0]) {
		iv.all = iv.given;
		iv.n_all = iv.n_given;
		iv.given = NULL;
		iv.n_given = 0;
	} else if (hostinfo_iso_list(ui->cfg, &iv.all, &iv.n_all, &err) < 0) {
		ui_status(ui, true, "ISO images: %s", err);
		free(err);
	}
	iv.shown = xcalloc(iv.n_all ? iv.n_all : 1, sizeof *iv.shown);
	iv.users = xcalloc(iv.n_all ? iv.n_all : 1, sizeof *iv.users);
	for (size_t i = 0; i < iv.n_all; i++) {
		struct strv who = { 0 };
		struct sbuf b = { 0 };

		iso_users(ui->cfg, ui->defs, ui->st, ui->n, iv.all[i].path, &who);
		for (size_t k = 0; k < who.n; k++)
			sbuf_printf(&b, "%s%s", k ? "," : "", who.v[k]);
		iv.users[i] = sbuf_take(&b);
		strv_free(&who);
	}
	iv.flen = 0;
	iv.filter[0] = 0;
	iv.sel = iv.top = 0;
	iso_filter();
}

static void iso_row(WINDOW *win, int y, int w, const struct iso_entry *e, const char *users,
		    bool selected)
{
	char size[16], date[20], line[512], cut[256];
	struct tm tm;
	enum role r = selected ? R_DIALOG_SEL : R_DIALOG;
	const char *name = draw_fit_middle(e->name, w - 46, cut, sizeof cut);

	localtime_r(&e->mtime, &tm);
	strftime(date, sizeof date, "%Y-%m-%d %H:%M", &tm);
	snprintf(line, sizeof line, "%-*.*s %7s  %s  %-.*s", w - 46, w - 46, name,
		 size_human(e->size, size, sizeof size), date, 14, *users ? users : "-");
	draw_fill(win, y, 1, w - 2, r);
	draw_text(win, y, 2, w - 4, r, line);
}

static void iso_draw(struct ui *ui)
{
	int h = LINES - 4, w = COLS - 8 > 100 ? 100 : COLS - 8, rows = h - 6;
	WINDOW *win = dlg_open(&iv.dlg, h, w);
	char title[192], flt[96];

	snprintf(title, sizeof title, "%s: %s%s%s", iv.start_after ? "Start from CD" : "Insert CD",
		 iv.guest, iv.host[0] ? " on " : "", iv.host);
	draw_box(ui, win, R_DIALOG, title);
	snprintf(flt, sizeof flt, "Filter: %s", iv.filter);
	draw_fill(win, 1, 2, w - 4, R_INPUT);
	draw_text(win, 1, 2, w - 4, R_INPUT, flt);
	wattrset(win, role_attr(R_DIALOG_TITLE));
	mvwprintw(win, 2, 2, "%-*s %7s  %-16s  %s", w - 46, "IMAGE", "SIZE", "DATE", "USED BY");
	if (iv.sel < iv.top)
		iv.top = iv.sel;
	if (iv.sel >= iv.top + (size_t)rows)
		iv.top = iv.sel - (size_t)rows + 1;
	if (iv.n_shown == 0)
		draw_text(win, 3, 2, w - 4, R_DIALOG,
			  iv.n_all ? "nothing matches the filter"
				   : "no .iso or .img files in iso_dirs");
	for (int y = 0; y < rows && iv.top + (size_t)y < iv.n_shown; y++)
		iso_row(win, 3 + y, w, &iv.all[iv.shown[iv.top + (size_t)y]],
			iv.users[iv.shown[iv.top + (size_t)y]], iv.top + (size_t)y == iv.sel);
	/* whole at 80 columns (68 inside the box) */
	draw_text(win, h - 2, 2, w - 4, R_DIALOG_TITLE,
		  "type to filter  Enter: take it  F7: image from a folder  Esc: close");
	ui->cursor_y = getbegy(win) + 1;
	ui->cursor_x = getbegx(win) + 2 + 8 + (int)iv.flen;
}

static void iso_close(struct ui *ui)
{
	dlg_close(&iv.dlg);
	iso_release();
	ui_pop(ui);
}

static int iso_choose(struct ui *ui)
{
	char *path = xstrdup(iv.all[iv.shown[iv.sel]].path);
	char guest[80], host[64];

	snprintf(guest, sizeof guest, "%s", iv.guest);
	snprintf(host, sizeof host, "%s", iv.host);
	iso_close(ui);
	if (host[0]) {  /* that host's path, for that host's vmdeck */
		const char *start[] = { "start", guest, "--cdrom", path, "--boot", "cdrom", NULL };
		const char *insert[] = { "cdrom", guest, path, NULL };

		remote_run_verb(ui, host, guest, iv.start_after ? start : insert, NULL);
	} else if (iv.start_after)
		action_start_with(ui, guest, path, true);
	else  /* `vmdeck cdrom`: the drive of a running guest, the definition of a stopped one */
		action_cdrom_insert(ui, guest, path);
	free(path);
	return UI_REDRAW | UI_RESCAN;
}

static int iso_key(struct ui *ui, int ch)
{
	if (ch == 27 || ch == 3 || ch == KEY_F(10)) {
		iso_close(ui);
		return UI_REDRAW;
	}
	if ((ch == '\n' || ch == '\r' || ch == KEY_ENTER) && iv.n_shown)
		return iso_choose(ui);
	/* `vmdeck iso make` on the command line: the admin types name and folder */
	if (ch == KEY_F(7)) {
		iso_close(ui);
		cmdline_open_with(ui, "iso make ");
		return UI_REDRAW;
	}
	if (ch == KEY_UP && iv.sel > 0)
		iv.sel--;
	else if (ch == KEY_DOWN && iv.sel + 1 < iv.n_shown)
		iv.sel++;
	else if (ch == KEY_PPAGE)
		iv.sel = iv.sel > 10 ? iv.sel - 10 : 0;
	else if (ch == KEY_NPAGE)
		iv.sel = iv.sel + 10 < iv.n_shown ? iv.sel + 10 : (iv.n_shown ? iv.n_shown - 1 : 0);
	else if (ch == KEY_HOME)
		iv.sel = 0;
	else if (ch == KEY_END)
		iv.sel = iv.n_shown ? iv.n_shown - 1 : 0;
	else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && iv.flen > 0) {
		iv.filter[--iv.flen] = 0;
		iso_filter();
	} else if (ch >= 32 && ch < 127 && iv.flen + 1 < sizeof iv.filter) {
		iv.filter[iv.flen++] = (char)ch;
		iv.filter[iv.flen] = 0;
		iv.sel = 0;
		iso_filter();
	}
	return UI_REDRAW;
}

const struct view view_iso = { "iso", iso_init, iso_draw, iso_key };
