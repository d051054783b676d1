/*
 * view_storage.c: the small forms for disks, backup, restore, move, clone and snapshots; each runs
 * a vmdeck verb as a job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions.h"
#include "backup.h"
#include "clone.h"
#include "job.h"
#include "orphans.h"
#include "remote_disk.h"
#include "remote.h"
#include "remote_move.h"
#include "ui.h"
#include "util.h"
#include "vmstate.h"

#define SF_FIELDS 8
#define SF_CHOICES 32

/* A field is free text, or a choice among opts cycled with Left/Right/Space. */
struct sf_field {
	const char *label;
	char text[256];
	char *opts[SF_CHOICES];
	int n_opts, opt;
};

struct sf_form {
	const char *title;
	const char *hint;            /* one line under the fields */
	char guest[256];             /* the guest it acts on, "" for none */
	char host[64];               /* another host's (its hosts[] name): runs there; "" here */
	struct sf_field f[SF_FIELDS];
	int n, cur;
	void (*submit)(struct ui *ui, struct sf_form *s);
	void (*changed)(struct sf_form *s, int field);  /* after an edit of that field, or NULL */
	/*
	 * before submit: why the form cannot go (it stays open, the cursor on the field at fault),
	 * or NULL
	 */
	char *(*check)(struct ui *ui, struct sf_form *s);
	char *err;                   /* the last refusal, shown above the hint */
	struct dlg dlg;
};

static struct sf_form sf;
static char sf_title[128];  /* a title naming the form's host (sf_on_host) */

static void sf_reset(const char *title, const char *guest,
		     void (*submit)(struct ui *, struct sf_form *))
{
	for (int i = 0; i < SF_FIELDS; i++)
		for (int k = 0; k < sf.f[i].n_opts; k++)
			free(sf.f[i].opts[k]);
	dlg_close(&sf.dlg);
	free(sf.err);
	memset(&sf, 0, sizeof sf);
	sf.title = title;
	sf.submit = submit;
	snprintf(sf.guest, sizeof sf.guest, "%s", guest ? guest : "");
}

static struct sf_field *sf_text(const char *label, const char *value)
{
	struct sf_field *f = &sf.f[sf.n++];

	f->label = label;
	snprintf(f->text, sizeof f->text, "%s", value ? value : "");
	return f;
}

/* After sf_reset: the form acts on host (NULL: this one), and its title says where. */
static void sf_on_host(struct ui *ui, const char *host, const char *what)
{
	snprintf(sf.host, sizeof sf.host, "%s", host ? host : "");
	if (!host && ui->n_links == 0)
		return;  /* one host only: no need to name it */
	snprintf(sf_title, sizeof sf_title, "%s on %s", what, host ? host : ui->hostname);
	sf.title = sf_title;
}

static void sf_opt(struct sf_field *f, const char *opt)
{
	if (f->n_opts < SF_CHOICES)
		f->opts[f->n_opts++] = xstrdup(opt);
}

static struct sf_field *sf_yesno(const char *label, bool yes)
{
	struct sf_field *f = sf_text(label, NULL);

	sf_opt(f, "no");
	sf_opt(f, "yes");
	f->opt = yes;
	return f;
}

static const char *sf_val(int i)
{
	return sf.f[i].n_opts ? sf.f[i].opts[sf.f[i].opt] : sf.f[i].text;
}

static bool sf_yes(int i)
{
	return strcmp(sf_val(i), "yes") == 0;
}

static void sf_init(struct ui *ui)
{
	(void)ui;
}

static void sf_draw(struct ui *ui)
{
	int w = 70, h = sf.n * 2 + 5;
	WINDOW *win = dlg_open(&sf.dlg, h, w);

	draw_box(ui, win, R_DIALOG, sf.title);
	for (int i = 0; i < sf.n; i++) {
		int y = 2 + i * 2;
		const struct sf_field *f = &sf.f[i];
		enum role r = i == sf.cur ? R_INPUT : R_DIALOG;
		char buf[300], fit[300];

		draw_text(win, y, 2, 22, R_DIALOG, f->label);
		if (f->n_opts)  /* a long path keeps its end, the part that names it */
			snprintf(buf, sizeof buf, "< %s >",
				 draw_fit_left(f->opts[f->opt], w - 31, fit, sizeof fit));
		else
			snprintf(buf, sizeof buf, "%s", f->text);
		draw_fill(win, y, 25, w - 27, r);
		draw_text(win, y, 25, w - 27, r, buf);
		if (i == sf.cur && !f->n_opts) {
			ui->cursor_y = getbegy(win) + y;
			ui->cursor_x = getbegx(win) + 25 + (int)strlen(f->text);
		}
	}
	if (sf.err)
		draw_text(win, h - 3, 2, w - 4, R_INPUT_ERROR, sf.err);
	draw_text(win, h - 2, 2, w - 4, R_DIALOG_TITLE,
		  sf.hint ? sf.hint
			  : "Enter: go   Tab/Up/Down: field   Left/Right: choose   Esc: cancel");
}

static int sf_edit(struct sf_field *f, int ch)
{
	size_t len = strlen(f->text);

	if (f->n_opts) {
		if (ch == KEY_LEFT)
			f->opt = (f->opt + f->n_opts - 1) % f->n_opts;
		else if (ch == KEY_RIGHT || ch == ' ')
			f->opt = (f->opt + 1) % f->n_opts;
		return UI_REDRAW;
	}
	if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && len > 0)
		f->text[len - 1] = '\0';
	else if (ch == 21)  /* Ctrl-U clears */
		f->text[0] = '\0';
	else if (ch >= 32 && ch < 127 && len + 1 < sizeof f->text)
		f->text[len] = (char)ch, f->text[len + 1] = '\0';
	return UI_REDRAW;
}

static int sf_key(struct ui *ui, int ch)
{
	if (ch == 27 || ch == 3) {
		dlg_close(&sf.dlg);
		ui_pop(ui);
		ui_status(ui, false, "%s: cancelled", sf.title);
		return UI_REDRAW;
	}
	if ((ch == '\n' || ch == '\r' || ch == KEY_ENTER) && sf.check) {
		free(sf.err);
		if ((sf.err = sf.check(ui, &sf)) != NULL)
			return UI_REDRAW;
	}
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		dlg_close(&sf.dlg);
		ui_pop(ui);
		sf.submit(ui, &sf);
		return UI_REDRAW;
	}
	if (ch == '\t' || ch == KEY_DOWN)
		sf.cur = (sf.cur + 1) % sf.n;
	else if (ch == KEY_BTAB || ch == KEY_UP)
		sf.cur = (sf.cur + sf.n - 1) % sf.n;
	else {
		sf_edit(&sf.f[sf.cur], ch);
		if (sf.changed)
			sf.changed(&sf, sf.cur);
	}
	return UI_REDRAW;
}

static const struct view view_storage = { "storage-form", sf_init, sf_draw, sf_key };

/*
 * Runs `vmdeck WORDS...` as a background job on the form's guest; the job list and the guest's row
 * show it.
 */
static void sf_run(struct ui *ui, const char *const *words)
{
	if (sf.host[0])
		remote_run_verb(ui, sf.host, sf.guest[0] ? sf.guest : NULL, words, NULL);
	else
		ui_run_verb(ui, sf.guest[0] ? sf.guest : NULL, words);
}

/* Has host ("" this one) a guest of that name? Another host's: as its rows show them. */
static bool sf_taken(const struct ui *ui, const char *host, const char *name)
{
	if (!host[0])
		return ui_guest_index(ui, name) >= 0;
	for (size_t i = ui->n_local; i < ui->n; i++)
		if (ui->ex[i].host && strcmp(ui->ex[i].host, host) == 0 &&
		    strcmp(ui->defs[i].name, name) == 0)
			return true;
	return false;
}

/* ---- backup ---- */

static void backup_submit(struct ui *ui, struct sf_form *s)
{
	char *to = s->f[0].opt == 0 ? xstrdup(sf_val(1)) : xasprintf("%s:%s", sf_val(0), sf_val(1));
	const char *words[] = { "backup", s->guest, "--to", to, sf_yes(2) ? "--live" : NULL, NULL };

	sf_run(ui, words);
	free(to);
}

int act_backup(struct ui *ui)
{
	struct vmdef *d = ui_guest(ui);
	struct vm_status *st = ui_guest_status(ui);
	struct sf_field *f;

	if (ui_guest_extra(ui)->host) {  /* another host's guest: backed up there (remote.c) */
		remote_backup(ui, ui_guest_extra(ui)->host, d->name, st && st->state != VM_STOPPED);
		return UI_REDRAW;
	}
	sf_reset("Back up", d->name, backup_submit);
	f = sf_text("Destination", NULL);
	sf_opt(f, "this host");
	for (size_t i = 0; i < ui->cfg->n_hosts; i++)
		sf_opt(f, ui->cfg->hosts[i].name);
	sf_text("Folder, or VG/LV there", ui->cfg->backup_dir);
	sf_yesno("Live (guest running)", st && st->state != VM_STOPPED);
	ui_push(ui, &view_storage);
	return UI_REDRAW;
}

/*
 * ---- restore: an archive picked from backup.dir, or one typed (another
 * folder, or HOST:/path on the backup server); under its own name or another,
 * optionally onto a given LV or file ----
 */

enum { RS_PICK, RS_PATH, RS_AS, RS_ONTO, RS_FORCE, RS_PATHS, RS_EXTRA, RS_NETWORK };

/*
 * The name last proposed for "Restore as": while the field still holds it, it follows the archive.
 */
static char rs_proposed[72];
static bool rs_listed;  /* backup.dir had archives to pick from */
static char *rs_dir;    /* the backup.dir the picked names are in (the form's host's) */
static char rs_title[96];

/*
 * The archive as the form names it: the typed one when given, else the picked one's name (NULL if
 * neither).
 */
static const char *restore_named(const struct sf_form *s)
{
	if (s->f[RS_PATH].text[0])
		return s->f[RS_PATH].text;
	return rs_listed ? sf_val(RS_PICK) : NULL;
}

/* The archive to restore: restore_named, a picked name joined to backup.dir. */
static char *restore_archive(struct ui *ui, const struct sf_form *s)
{
	const char *named = restore_named(s);

	if (!named)
		return NULL;
	return s->f[RS_PATH].text[0] ? xstrdup(named) : path_join(rs_dir, named);
}

/* "HOST:/x/av-server-20260102-030405/" -> "av-server" */
static void archive_guest(const char *archive, char *out, size_t len)
{
	char buf[300];
	const char *base, *stamp;

	snprintf(buf, sizeof buf, "%s", archive);
	for (size_t n = strlen(buf); n > 1 && buf[n - 1] == '/'; n--)
		buf[n - 1] = '\0';
	base = path_base(buf);
	snprintf(out, len, "%s", strchr(base, ':') ? strchr(base, ':') + 1 : base);
	if (*(stamp = backup_archive_stamp(out)))
		out[stamp - out - 1] = '\0';  /* and the '-' before it */
}

static void restore_changed(struct sf_form *s, int field)
{
	const char *archive = restore_named(s) ? restore_named(s) : "";

	if ((field != RS_PICK && field != RS_PATH) || strcmp(s->f[RS_AS].text, rs_proposed) != 0)
		return;
	archive_guest(archive, rs_proposed, sizeof rs_proposed);
	snprintf(s->f[RS_AS].text, sizeof s->f[RS_AS].text, "%s", rs_proposed);
}

/*
 * A guest of that name exists: the form says which of its own fields decide, not the CLI's flags.
 */
static char *restore_check(struct ui *ui, struct sf_form *s)
{
	const char *as = sf_val(RS_AS)[0] ? sf_val(RS_AS) : rs_proposed;

	if (!as[0] || !sf_taken(ui, s->host, as) || sf_yes(RS_FORCE))
		return NULL;
	s->cur = RS_AS;
	return xasprintf("%s exists%s%s: change Restore as guest, or Replace it: yes", as,
			 s->host[0] ? " on " : "", s->host);
}

static void restore_submit(struct ui *ui, struct sf_form *s)
{
	char *archive = restore_archive(ui, s);
	const char *as = sf_val(RS_AS), *onto = sf_val(RS_ONTO);
	const char *words[12] = { "restore", archive };
	int n = 2;

	if (!archive) {
		ui_status(ui, true, "restore: no archive in backup.dir, and none typed");
		return;
	}
	if (as[0]) {
		words[n++] = "--as";
		words[n++] = as;
	}
	if (onto[0]) {
		words[n++] = onto[0] == '/' ? "--to-file" : "--to-lv";
		words[n++] = onto;
	}
	if (sf_yes(RS_FORCE))
		words[n++] = "--force";
	if (sf_yes(RS_PATHS))
		words[n++] = "--allow-paths";
	if (sf_yes(RS_EXTRA))
		words[n++] = "--allow-extra-args";
	if (sf_yes(RS_NETWORK))
		words[n++] = "--allow-network";
	words[n] = NULL;
	snprintf(s->guest, sizeof s->guest, "%s", as);
	sf_run(ui, words);
	if (as[0] && !s->host[0])
		ui_select(ui, as);
	free(archive);
}

void restore_form_open(struct ui *ui, const char *host, const char *dir, char **names, size_t n)
{
	struct sf_field *f;

	snprintf(rs_title, sizeof rs_title, "Restore%s%s", host ? " on " : "", host ? host : "");
	sf_reset(rs_title, NULL, restore_submit);
	snprintf(sf.host, sizeof sf.host, "%s", host ? host : "");
	free(rs_dir);
	rs_dir = xstrdup(dir);
	sf.changed = restore_changed;
	f = sf_text("Archive (newest first)", NULL);
	for (size_t i = 0; i < n; i++)
		sf_opt(f, names[i]);
	rs_listed = n > 0;
	if (!rs_listed)
		sf_opt(f, "(none in backup.dir)");
	sf_text(host ? "Or path there" : "Or path, HOST:/path", NULL);
	sf_text("Restore as guest", NULL);
	sf_text("Onto LV or /file", NULL);
	sf_yesno("Replace it if it exists", false);
	/*
	 * what an archive from elsewhere may ask for: refused unless the admin, shown it, says so
	 */
	sf_yesno("Allow outside paths", false);
	sf_yesno("Allow its extra_args", false);
	sf_yesno("Allow open VNC/bridge", false);
	sf.check = restore_check;
	rs_proposed[0] = '\0';
	restore_changed(&sf, RS_PICK);
	sf.hint = "Left/Right: archive  Tab: field  Enter: restore  Esc: cancel";
	ui_push(ui, &view_storage);
}

int act_restore(struct ui *ui)
{
	char **names = NULL, *err = NULL;
	size_t n = 0;
	const char *host = remote_move_restore_host(ui);

	if (host) {  /* the table shows another host, or its guest is selected: restored there */
		remote_move_restore(ui, host);
		return UI_REDRAW;
	}
	/* no archive here is no reason to refuse: the admin may type one elsewhere */
	if (backup_list_archives(ui->cfg->backup_dir, &names, &n, &err) < 0)
		ui_status(ui, true, "restore: %s", err);
	free(err);
	restore_form_open(ui, NULL, ui->cfg->backup_dir, names, n);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return UI_REDRAW;
}

/* ---- move ---- */

/* Empty VG or folder: the same as here. */
static void move_submit(struct ui *ui, struct sf_form *s)
{
	const char *words[10] = { "move", s->guest, sf_val(0) };
	int n = 3;

	if (sf_val(1)[0]) {
		words[n++] = "--vg";
		words[n++] = sf_val(1);
	}
	if (sf_val(2)[0]) {
		words[n++] = "--file-dir";
		words[n++] = sf_val(2);
	}
	if (sf_yes(3))
		words[n++] = "--delete-source";
	words[n] = NULL;
	sf_run(ui, words);
}

void move_form_open(struct ui *ui, const char *host, const char *guest, const char *const *dests,
		    size_t n)
{
	static char title[96];
	struct sf_field *f;

	snprintf(title, sizeof title, "Move%s%s to another host", host ? " from " : "",
		 host ? host : "");
	sf_reset(title, guest, move_submit);
	snprintf(sf.host, sizeof sf.host, "%s", host ? host : "");
	f = sf_text("To host", NULL);
	for (size_t i = 0; i < n; i++)
		sf_opt(f, dests[i]);
	sf_text("VG there (empty: same)", NULL);
	sf_text("Disk folder there", NULL);
	sf_yesno(host ? "Delete src if verified" : "Delete here when verified", false);
	ui_push(ui, &view_storage);
}

int act_move(struct ui *ui)
{
	struct vmdef *d = ui_guest(ui);
	const struct guest_extra *ex = ui_guest_extra(ui);
	const char **dests;

	if (ex->host) {  /* another host's guest: moved from there to one of its own hosts[] */
		remote_move_move(ui, ex->host, d->name, ui_guest_status(ui));
		return UI_REDRAW;
	}
	if (ui->cfg->n_hosts == 0) {
		ui_status(ui, true, "move: no hosts in the configuration");
		return UI_REDRAW;
	}
	dests = xcalloc(ui->cfg->n_hosts, sizeof *dests);
	for (size_t i = 0; i < ui->cfg->n_hosts; i++)
		dests[i] = ui->cfg->hosts[i].name;
	move_form_open(ui, NULL, d->name, dests, ui->cfg->n_hosts);
	free(dests);
	return UI_REDRAW;
}

/* ---- disks ---- */

static void disk_new_submit(struct ui *ui, struct sf_form *s)
{
	const char *words[] = { "disk", "create", sf_val(0), sf_val(1), NULL };

	sf_run(ui, words);
}

void view_storage_disk_new(struct ui *ui, const char *host, const char *vg, const char *file_dir)
{
	char *def = vg && vg[0] ? xasprintf("%s/", vg) : xasprintf("%s/", file_dir ? file_dir : "");

	sf_reset("New disk", NULL, disk_new_submit);
	sf_on_host(ui, host, "New disk");
	sf_text("VG/LV or /path/file", def);
	sf_text("Size (like 20G)", "20G");
	free(def);
	ui_push(ui, &view_storage);
}

int act_disk_new(struct ui *ui)
{
	const char *host = remote_disk_host(ui);

	if (host)  /* its VG and file_dir first (remote_disk.c) */
		remote_disk_new(ui, host);
	else
		view_storage_disk_new(ui, NULL, ui->cfg->vg, ui->cfg->file_dir);
	return UI_REDRAW;
}

static void disk_resize_submit(struct ui *ui, struct sf_form *s)
{
	const char *words[] = {
		"disk", "resize", sf_val(0), sf_val(1), sf_yes(2) ? "--shrink" : NULL, NULL
	};

	sf_run(ui, words);
}

void view_storage_disk_resize(struct ui *ui, const char *host, const struct vmdef *d)
{
	struct sf_field *f;
	char what[300];

	if (d->n_disks == 0) {
		ui_status(ui, true, "%s has no disks", d->name);
		return;
	}
	sf_reset("Resize disk", d->name, disk_resize_submit);
	snprintf(what, sizeof what, "Resize a disk of %s", d->name);
	if (host)
		sf_on_host(ui, host, what);
	f = sf_text("Disk", NULL);
	for (size_t i = 0; i < d->n_disks; i++)
		sf_opt(f, d->disks[i].lv ? d->disks[i].lv : d->disks[i].file);
	sf_text("New size (like 30G)", "");
	sf_yesno("Allow shrinking", false);
	sf.cur = 1;
	ui_push(ui, &view_storage);
}

int act_disk_resize(struct ui *ui)
{
	if (ui_guest_extra(ui)->host)  /* its disks as its host has them (remote_disk.c) */
		remote_disk_resize(ui, ui_guest_extra(ui)->host, ui_guest(ui)->name);
	else
		view_storage_disk_resize(ui, NULL, ui_guest(ui));
	return UI_REDRAW;
}

/*
 * ---- disks no guest uses: found in a job (LVM is asked), then a form to
 * attach one to a guest or delete it (asking, naming it) ----
 */

enum { OR_DISK, OR_DO, OR_GUEST };

static char *or_names[SF_CHOICES];  /* the disks, in the order of the form's choices */
/* the same as the form shows them: a file in file_dir by its name, and the size */
static char *or_shown[SF_CHOICES];
static int or_n;
static char or_unsure[300];         /* a definition that does not load: deleting waits */
static char or_host[64];            /* the host they are on, "" for this one */

static void orphans_forget(void)
{
	for (int i = 0; i < or_n; i++) {
		free(or_names[i]);
		free(or_shown[i]);
	}
	or_n = 0;
	or_unsure[0] = '\0';
	or_host[0] = '\0';
}

/* arg: "HOST\0DISK" (HOST "" for this one), one allocation freed by the dialog */
static int orphan_delete_confirmed(struct ui *ui, void *arg)
{
	const char *host = arg, *disk = host + strlen(host) + 1;
	const char *words[] = { "disk", "delete", disk, "--yes", NULL };

	if (host[0])
		remote_run_verb(ui, host, NULL, words, NULL);
	else
		ui_run_verb(ui, NULL, words);
	return UI_REDRAW;
}

static void orphan_delete_ask(struct ui *ui, const char *host, const char *disk)
{
	size_t hl = strlen(host) + 1, dl = strlen(disk) + 1;
	char *arg = xmalloc(hl + dl), *q;

	memcpy(arg, host, hl);
	memcpy(arg + hl, disk, dl);
	q = xasprintf("Delete disk %s%s%s? No guest uses it. Its data is lost.", disk,
		      host[0] ? " on " : "", host);
	confirm_ask(ui, "Delete disk", q, NULL, orphan_delete_confirmed, arg);
	free(q);
}

static void orphans_submit(struct ui *ui, struct sf_form *s)
{
	const char *disk = or_names[s->f[OR_DISK].opt];

	if (s->f[OR_DO].opt == 0) {
		const char *words[] = { "disk", "attach", disk, sf_val(OR_GUEST), NULL };

		if (s->f[OR_GUEST].n_opts == 1 && sf_val(OR_GUEST)[0] == '(') {
			ui_status(ui, true, "attach: there is no guest to attach %s to", disk);
			return;
		}
		snprintf(s->guest, sizeof s->guest, "%s", sf_val(OR_GUEST));
		sf_run(ui, words);
		return;
	}
	if (or_unsure[0]) {
		ui_status(ui, true, "%s: not deleted: %s does not load, and may name it", disk,
			  or_unsure);
		return;
	}
	orphan_delete_ask(ui, or_host, disk);
}

/* "NAME  SIZE": a file in file_dir (NULL: another host's) by its name. */
static char *orphan_shown(const char *file_dir, const char *name, uint64_t size)
{
	size_t dl = file_dir ? strlen(file_dir) : 0;
	char h[32];

	if (file_dir && strncmp(name, file_dir, dl) == 0 && name[dl] == '/')
		name += dl + 1;
	return xasprintf("%s  %s", name, size_human(size, h, sizeof h));
}

static void orphan_add(const char *file_dir, const char *name, uint64_t size)
{
	if (or_n >= SF_CHOICES)
		return;
	or_shown[or_n] = orphan_shown(file_dir, name, size);
	or_names[or_n++] = xstrdup(name);
}

/* "orphan TAB NAME TAB SIZE" lines from orphans_print. */
static void orphans_read(const struct ui *ui, const char *out)
{
	char *text = xstrdup(out ? out : ""), *save = NULL;

	orphans_forget();
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t'), *end;

		if (!tab)
			continue;
		*tab = '\0';
		if (strcmp(line, "unsure") == 0)
			snprintf(or_unsure, sizeof or_unsure, "%s", tab + 1);
		else if (strcmp(line, "orphan") == 0 && (end = strchr(tab + 1, '\t')) != NULL) {
			*end = '\0';
			orphan_add(ui->cfg->file_dir, tab + 1, strtoull(end + 1, NULL, 10));
		}
	}
	free(text);
}

/* The guests a disk may be attached to: those of the host the disks are on. */
static void orphans_guests(struct ui *ui, struct sf_field *f)
{
	for (size_t i = 0; i < ui->n; i++) {
		const char *h = ui->ex[i].host ? ui->ex[i].host : "";

		if (strcmp(h, or_host) != 0 || f->n_opts >= SF_CHOICES)
			continue;
		if (i == ui->sel)
			f->opt = f->n_opts;
		sf_opt(f, ui->defs[i].name);
	}
	if (f->n_opts == 0)
		sf_opt(f, "(no guests)");
}

static void orphans_form(struct ui *ui)
{
	struct sf_field *f;
	char host[64];

	snprintf(host, sizeof host, "%s", or_host);
	sf_reset("Disks no guest uses", NULL, orphans_submit);
	sf_on_host(ui, host[0] ? host : NULL, "Disks no guest uses");
	f = sf_text("Disk", NULL);
	for (int i = 0; i < or_n; i++)
		sf_opt(f, or_shown[i]);
	f = sf_text("Do", NULL);
	sf_opt(f, "attach to a guest");
	sf_opt(f, "delete it");
	orphans_guests(ui, sf_text("Guest", NULL));
	sf.hint = "Left/Right: choose  Tab: field  Enter: go  Esc: cancel";
	ui_push(ui, &view_storage);
}

void view_storage_orphans(struct ui *ui, const char *host, const struct json_t *list)
{
	json_t *x;
	size_t i;

	orphans_forget();
	snprintf(or_host, sizeof or_host, "%s", host);
	snprintf(or_unsure, sizeof or_unsure, "%s",
		 json_string_value(json_object_get(list, "unsure")) ?: "");
	json_array_foreach(json_object_get(list, "disks"), i, x) {
		const char *name = json_string_value(json_object_get(x, "name"));
		const char *state = json_string_value(json_object_get(x, "state"));
		json_int_t size = json_integer_value(json_object_get(x, "size"));

		if (name && state && strcmp(state, "orphan") == 0)
			orphan_add(NULL, name, (uint64_t)size);
	}
	if (or_n == 0)
		ui_status(ui, false, "every disk on %s belongs to a guest", host);
	else
		orphans_form(ui);
}

/*
 * The job's end: the form opens on the main screen only, never over a view the admin has moved on
 * to.
 */
static void orphans_listed(struct ui *ui, struct job *j)
{
	if (job_exit_code(j) != 0)
		return;
	if (ui_top(ui) != &view_list) {
		/* an open orphans form (maybe another host's) holds or_*: left as it is */
		ui_status(ui, false, "disks: listed; press O again on the main screen");
		return;
	}
	orphans_read(ui, j->out.s);
	if (or_n > 0)
		orphans_form(ui);
}

static int orphans_child(void *arg)
{
	return orphans_print(arg);
}

int act_disk_orphans(struct ui *ui)
{
	const char *host = remote_disk_host(ui);
	char *err = NULL;
	struct job *j;

	if (host) {  /* its own `vmdeck disk list --json` (remote_disk.c) */
		remote_disk_orphans(ui, host);
		return UI_REDRAW;
	}
	if (!(j = job_call(NULL, "disks", orphans_child, (void *)ui->cfg, &err))) {
		ui_status(ui, true, "disks: %s", err);
		free(err);
		return UI_REDRAW;
	}
	if (ui_job_add(ui, j, orphans_listed))
		ui_status(ui, false, "looking for disks no guest uses ...");
	return UI_REDRAW;
}

/* ---- clone ---- */

static char *clone_check(struct ui *ui, struct sf_form *s)
{
	const char *name = sf_val(0);

	s->cur = 0;
	if (!name_valid(name))
		return xstrdup(
			"not a valid guest name (letters, digits, '.', '_', '-'; a letter or digit "
			"first)");
	if (sf_taken(ui, s->host, name))
		return xasprintf("%s exists%s%s: give another name", name, s->host[0] ? " on " : "",
				 s->host);
	return NULL;
}

/* Another host's NAME-clone, NAME-clone-2 ...: the first its rows do not show. */
static char *clone_name_there(const struct ui *ui, const char *host, const char *src)
{
	for (int i = 1; i < 1000; i++) {
		char *name = i == 1 ? xasprintf("%s-clone", src) : xasprintf("%s-clone-%d", src, i);

		if (name_valid(name) && !sf_taken(ui, host, name))
			return name;
		free(name);
	}
	return xstrdup("");
}

static void clone_submit(struct ui *ui, struct sf_form *s)
{
	const char *words[] = { "clone", s->guest, sf_val(0), sf_yes(1) ? "--linked" : NULL, NULL };

	sf_run(ui, words);
}

int act_clone(struct ui *ui)
{
	struct vmdef *d = ui_guest(ui);
	struct vm_status *st = ui_guest_status(ui);
	const char *host = ui_guest_extra(ui)->host;  /* another host's guest: cloned there */
	static char title[96];
	char *name;

	if (st && st->state != VM_STOPPED) {
		ui_status(ui, true,
			  "clone: %s is %s: stop it first (a clone copies a stopped guest's disks)",
			  d->name, vmstate_name(st->state));
		return UI_REDRAW;
	}
	name = host ? clone_name_there(ui, host, d->name) : clone_name_propose(ui->cfg, d->name);
	snprintf(title, sizeof title, "Clone%s%s", host ? " on " : "", host ? host : "");
	sf_reset(title, d->name, clone_submit);
	snprintf(sf.host, sizeof sf.host, "%s", host ? host : "");
	sf_text("New guest name", name);
	sf_yesno("Linked (overlays)", false);
	sf.check = clone_check;
	sf.hint = "Left/Right: linked  Tab: field  Enter: clone  Esc: cancel";
	free(name);
	ui_push(ui, &view_storage);
	return UI_REDRAW;
}

/* ---- snapshot create (from the snapshot list) ---- */

static void snapshot_submit(struct ui *ui, struct sf_form *s)
{
	const char *words[] = { "snapshot",
				s->guest,
				"create",
				sf_val(0),
				"--description",
				sf_val(2),
				sf_yes(1) ? "--with-ram" : NULL,
				NULL };

	snapshot_view_run(ui, s->guest, words);
}

static char *snapshot_check(struct ui *ui, struct sf_form *s)
{
	if (!name_valid(sf_val(0))) {
		s->cur = 0;
		return xstrdup(
			"Tag: letters, digits, '.', '_', '-' (at most 64, a letter or digit "
			"first)");
	}
	return NULL;
}

void snapshot_form_open(struct ui *ui, const char *guest, bool ram)
{
	char tag[32];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(tag, sizeof tag, "pre-%Y%m%d-%H%M", &tm);
	sf_reset("New snapshot", guest, snapshot_submit);
	sf.check = snapshot_check;
	sf_text("Tag", tag);
	sf_yesno("With RAM (running qcow2)", ram);
	sf_text("Description", NULL);
	ui_push(ui, &view_storage);
}
