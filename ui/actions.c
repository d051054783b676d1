/*
 * actions.c: what each console action does; long ones run as background jobs so the loop never
 * waits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "cmd_delete.h"
#include "remote_disk.h"
#include "guestfile.h"
#include "term.h"
#include "remote.h"
#include "remote_edit.h"
#include "ui.h"
#include "util.h"
#include "view_screen.h"
#include "vm.h"
#include "vmstate.h"
#include "vnc.h"

/* ---- navigation ---- */

/* Moves the selection by delta rows of the table as shown (filtered and sorted). */
static int move_sel(struct ui *ui, long delta)
{
	table_order_rebuild(ui);
	table_order_select_pos(ui, (long)ui->sel_pos + delta);
	return UI_REDRAW;
}

static long page_rows(void)
{
	return LINES > 16 ? LINES / 2 - 2 : 1;
}

int act_up(struct ui *ui) { return move_sel(ui, -1); }
int act_down(struct ui *ui) { return move_sel(ui, 1); }
int act_page_up(struct ui *ui) { return move_sel(ui, -page_rows()); }
int act_page_down(struct ui *ui) { return move_sel(ui, page_rows()); }
int act_home(struct ui *ui) { return move_sel(ui, -(long)ui->n); }
int act_end(struct ui *ui) { return move_sel(ui, (long)ui->n); }

/* ---- which rows, in what order (table_order.c) ---- */

int act_filter(struct ui *ui)
{
	ui_push(ui, &view_filter);
	return UI_REDRAW;
}

int act_sort_next(struct ui *ui)
{
	table_order_sort(ui, 1);
	return UI_REDRAW;
}

int act_sort_prev(struct ui *ui)
{
	table_order_sort(ui, -1);
	return UI_REDRAW;
}

int act_sort_reverse(struct ui *ui)
{
	table_order_reverse(ui);
	return UI_REDRAW;
}

/* ---- screens ---- */

int act_help(struct ui *ui)
{
	ui_push(ui, &view_help);
	return UI_REDRAW;
}

static int quit_now(struct ui *ui, void *arg)
{
	ui->quit = true;
	return UI_QUIT;
}

/*
 * Jobs are children of the console and end with it, so quitting while one
 * runs asks first and names them; a yes ends each through its own cancel
 * path (SIGTERM, then a wait; see ui_jobs_end), a no keeps everything.
 */
int act_quit(struct ui *ui)
{
	size_t n = 0;
	char *names = ui_jobs_running(ui, &n), *q;

	if (!names)
		return quit_now(ui, NULL);
	q = xasprintf(
		"Still running: %s. Quit and end %s? Each is asked to stop and removes what it had "
		"written (a backup, restore or move is not finished); the guests keep running.",
		names, n == 1 ? "it" : "them");
	confirm_ask(ui, n == 1 ? "Quit: a job is running" : "Quit: jobs are running", q, NULL,
		    quit_now, NULL);
	free(q);
	free(names);
	return UI_REDRAW;
}

int act_menu(struct ui *ui)
{
	ui_push(ui, &view_menu);
	return UI_REDRAW;
}

int act_cmdline(struct ui *ui)
{
	cmdline_open(ui);
	return UI_REDRAW;
}

int act_jobs(struct ui *ui)
{
	jobs_open(ui);
	return UI_REDRAW;
}

int act_refresh(struct ui *ui)
{
	clearok(curscr, TRUE);
	ui_rescan(ui);
	return UI_REDRAW;
}

int act_edit(struct ui *ui)
{
	if (ui_guest_extra(ui)->host) {
		remote_edit_open(ui, ui_guest_extra(ui)->host, ui_guest(ui)->name);
		return UI_REDRAW;
	}
	form_open_edit(ui);
	return UI_REDRAW;
}

int act_snapshots(struct ui *ui)
{
	ui_push(ui, &view_snapshot);
	return UI_REDRAW;
}

int act_new(struct ui *ui)
{
	/* H or :host chose another host */
	if (ui->host_filter[0] && remote_link(ui, ui->host_filter)) {
		remote_new_guest(ui, ui->host_filter);
		return UI_REDRAW;
	}
	form_open_new(ui);
	return UI_REDRAW;
}

/* ---- lifecycle through `vmdeck VERB` jobs ---- */

static bool state_is(struct ui *ui, enum vm_state s)
{
	struct vm_status *st = ui_guest_status(ui);

	return st && st->state == s;
}

static bool guest_up(struct ui *ui)
{
	struct vm_status *st = ui_guest_status(ui);

	return st && (st->state == VM_RUNNING || st->state == VM_PAUSED ||
		      st->state == VM_SHUTTING_DOWN || st->state == VM_UNRESPONSIVE ||
		      st->state == VM_STARTING);
}

static int need_up(struct ui *ui, const char *what)
{
	if (guest_up(ui))
		return 0;
	ui_status(ui, true, "%s: not running, cannot %s", ui_guest(ui)->name, what);
	return -1;
}

static int verb1(struct ui *ui, const char *verb, const char *name)
{
	const char *w[] = { verb, name, NULL };

	ui_run_guest_verb(ui, name, w);
	return UI_REDRAW;
}

int action_start_with(struct ui *ui, const char *guest, const char *iso, bool boot_cd)
{
	const char *w[8];
	int i = 0;

	w[i++] = "start";
	w[i++] = guest;
	if (iso) {
		w[i++] = "--cdrom";
		w[i++] = iso;
	}
	if (boot_cd) {
		w[i++] = "--boot";
		w[i++] = "cdrom";
	}
	w[i] = NULL;
	ui_run_guest_verb(ui, guest, w);
	return UI_REDRAW;
}

int act_start(struct ui *ui)
{
	struct vmdef *d = ui_guest(ui);

	if (d->error) {
		ui_status(ui, true, "%s: invalid definition: %s", d->name, d->error);
		return UI_REDRAW;
	}
	if (guest_up(ui)) {
		ui_status(ui, true, "%s is already running", d->name);
		return UI_REDRAW;
	}
	return action_start_with(ui, d->name, NULL, false);
}

int act_start_cd(struct ui *ui)
{
	if (guest_up(ui)) {
		ui_status(ui, true, "%s is already running", ui_guest(ui)->name);
		return UI_REDRAW;
	}
	if (ui_guest_extra(ui)->host) {
		remote_iso_pick(ui, ui_guest_extra(ui)->host, ui_guest(ui)->name, true);
		return UI_REDRAW;
	}
	iso_open(ui, true);
	return UI_REDRAW;
}

int act_pause(struct ui *ui)
{
	const char *name = ui_guest(ui)->name;

	if (state_is(ui, VM_PAUSED))
		return verb1(ui, "resume", name);
	if (need_up(ui, "pause") < 0)
		return UI_REDRAW;
	return verb1(ui, "pause", name);
}

int action_cdrom_insert(struct ui *ui, const char *guest, const char *iso)
{
	const char *w[] = { "cdrom", guest, iso, NULL };

	ui_run_guest_verb(ui, guest, w);
	return UI_REDRAW;
}

int act_cdrom(struct ui *ui)
{
	if (ui_guest_extra(ui)->host) {
		remote_iso_pick(ui, ui_guest_extra(ui)->host, ui_guest(ui)->name, false);
		return UI_REDRAW;
	}
	iso_open(ui, false);
	return UI_REDRAW;
}

int act_eject(struct ui *ui)
{
	const char *w[] = { "cdrom", ui_guest(ui)->name, "--eject", NULL };

	/* a stopped guest's definition loses its CD, as `vmdeck cdrom` does */
	ui_run_guest_verb(ui, w[1], w);
	return UI_REDRAW;
}

/* ---- destructive actions ask first ---- */

/*
 * The guest's host is the one asked about, never the selection's at the answer: a later question
 * (the stop countdown's) may be answered with a same-named guest of another host selected.
 */
static int confirmed_verb(struct ui *ui, void *arg)
{
	char *const *w = arg;
	const char *words[] = { w[0], w[1], NULL };

	if (w[2])
		remote_run_verb(ui, w[2], w[1], words, NULL);
	else
		ui_run_verb_then(ui, w[1], words, NULL);
	return UI_REDRAW;
}

/* arg for confirmed_verb: verb, name and host (NULL: this one) in one allocation, free()d. */
static void *verb_arg(const char *verb, const char *name, const char *host)
{
	size_t lv = strlen(verb) + 1, ln = strlen(name) + 1, lh = host ? strlen(host) + 1 : 0;
	char **a = xmalloc(3 * sizeof(char *) + lv + ln + lh);
	char *p = (char *)(a + 3);

	memcpy(p, verb, lv);
	memcpy(p + lv, name, ln);
	if (host)
		memcpy(p + lv + ln, host, lh);
	a[0] = p;
	a[1] = p + lv;
	a[2] = host ? p + lv + ln : NULL;
	return a;
}

int act_kill(struct ui *ui)
{
	const char *name = ui_guest(ui)->name;
	char *q;

	if (need_up(ui, "force off") < 0)
		return UI_REDRAW;
	q = xasprintf("Force %s off now? Like pulling the plug: unsaved data in the guest is lost.",
		      name);
	confirm_ask(ui, "Force off", q, NULL, confirmed_verb,
		    verb_arg("kill", name, ui_guest_extra(ui)->host));
	free(q);
	return UI_REDRAW;
}

int act_reset(struct ui *ui)
{
	const char *name = ui_guest(ui)->name;
	char *q;

	if (need_up(ui, "reset") < 0)
		return UI_REDRAW;
	q = xasprintf(
		"Reset %s now? Like pressing the reset button: unsaved data in the guest is lost.",
		name);
	confirm_ask(ui, "Reset", q, NULL, confirmed_verb,
		    verb_arg("reset", name, ui_guest_extra(ui)->host));
	free(q);
	return UI_REDRAW;
}

/* ---- graceful stop: the power button now, a countdown in the loop, then the offer to force off */

struct powerdown_arg {
	const struct config *cfg;
	const struct vmdef *def;
};

/* Runs in the job's child, so a guest that does not answer never holds up the console. */
static int powerdown_child(void *arg)
{
	struct powerdown_arg *a = arg;
	char *err = NULL;

	if (vm_powerdown(a->cfg, a->def, &err) < 0) {
		fprintf(stderr, "%s: cannot stop: %s\n", a->def->name, err);
		return 1;
	}
	printf("%s: ACPI power button pressed\n", a->def->name);
	return 0;
}

static void powerdown_done(struct ui *ui, struct job *j)
{
	ssize_t i = j->guest ? ui_guest_index(ui, j->guest) : -1;

	if (i >= 0 && job_exit_code(j) != 0)
		ui->ex[i].stop_deadline = 0; /* the button was never pressed: no countdown */
}

int act_stop(struct ui *ui)
{
	struct vmdef *d = ui_guest(ui);
	struct guest_extra *ex = ui_guest_extra(ui);
	struct powerdown_arg a = { ui->cfg, d };
	char *err = NULL;
	struct job *j;

	if (need_up(ui, "stop") < 0)
		return UI_REDRAW;
	/* another host's guest: its own vmdeck stop (button, its timeout, then quit) */
	if (ex->host)
		return verb1(ui, "stop", d->name);
	if (!(j = job_call(d->name, "stop (ACPI)", powerdown_child, &a, &err))) {
		ui_status(ui, true, "%s: cannot stop: %s", d->name, err);
		free(err);
		return UI_REDRAW;
	}
	ui_job_add(ui, j, powerdown_done);
	ex->stop_deadline = now_mono() + vm_shutdown_timeout(ui->cfg, d);
	ex->stop_offered = false;
	ui_status(ui, false, "%s: power button pressed; waiting up to %d s", d->name,
		  vm_shutdown_timeout(ui->cfg, d));
	return UI_REDRAW;
}

static int offer_kill(struct ui *ui, void *arg)
{
	return confirmed_verb(ui, arg);
}

/*
 * By the time the question's turn comes the guest may have stopped after
 * all, or stopped and been started again: a new run is not the one that
 * did not power off, and is never asked about.
 */
static bool kill_still_wanted(struct ui *ui, const void *arg)
{
	char *const *w = arg;
	ssize_t i = ui_guest_index(ui, w[1]);

	return i >= 0 && ui->st[i].state != VM_STOPPED && ui->st[i].state != VM_CRASHED &&
	       ui->st[i].pid == ui->ex[i].offer_pid;
}

/* Once a second: finished countdowns, and the force-off offer when one runs out. */
void actions_tick(struct ui *ui)
{
	double now = now_mono();

	for (size_t i = 0; i < ui->n; i++) {
		struct guest_extra *ex = &ui->ex[i];
		char *q;

		if (ex->stop_deadline == 0)
			continue;
		if (ui->st[i].state == VM_STOPPED || ui->st[i].state == VM_CRASHED) {
			ex->stop_deadline = 0;
			continue;
		}
		ui->dirty = true;
		if (now < ex->stop_deadline || ex->stop_offered)
			continue;
		ex->stop_offered = true;
		ex->stop_deadline = 0; /* the question replaces the countdown */
		ex->offer_pid = ui->st[i].pid;
		int secs = vm_shutdown_timeout(ui->cfg, &ui->defs[i]);

		ui_event(ui, ui->defs[i].name, EV_STOP_TIMEOUT, "did not power off within %d s",
			 secs);
		q = xasprintf("%s did not power off within %d s. Force it off now?",
			      ui->defs[i].name, secs);
		confirm_ask_later(ui, "Stop timed out", q, offer_kill,
				  verb_arg("kill", ui->defs[i].name, ex->host), kill_still_wanted);
		free(q);
	}
}

/* ---- VNC details ---- */

/* The guest's display, full-size, keys going to it (view_screen.c). */
int act_screen(struct ui *ui)
{
	if (!guest_up(ui)) {
		ui_status(ui, true, "%s is not running: no screen to show", ui_guest(ui)->name);
		return UI_REDRAW;
	}
	ui_push(ui, &view_screen);
	return UI_REDRAW;
}

/*
 * Whom the viewer or the tunnel goes to: this host, or another host's ssh
 * destination (user@host for `ssh -L`, the bare host for a viewer).
 */
static const char *vnc_host(struct ui *ui, const char *listen)
{
	const char *name = ui_guest_extra(ui)->host;
	const struct host *h = name ? config_host(ui->cfg, name) : NULL;
	bool loopback = strncmp(listen, "127.", 4) == 0 || strcmp(listen, "::1") == 0 ||
			strcmp(listen, "localhost") == 0;

	if (!h)
		return ui->hostname;
	if (loopback || !strchr(h->ssh, '@'))
		return h->ssh;
	return strchr(h->ssh, '@') + 1;
}

int act_vnc(struct ui *ui)
{
	struct vmdef *d = ui_guest(ui);
	const char *listen;
	char *body, *how;

	if (!d->vnc) {
		text_show(ui, "VNC",
			  "This guest has no VNC display (add a vnc: section to its definition).");
		return UI_REDRAW;
	}
	listen = vnc_listen(d);
	how = vnc_howto(d, vnc_host(ui, listen), guest_up(ui));
	body = xasprintf(
		"Guest:     %s%s%s\nDisplay:   :%d\nPort:      %d\nListen:    %s\nPassword:  "
		"%s\n\n%s",
		d->name, ui_guest_extra(ui)->host ? " on " : "",
		ui_guest_extra(ui)->host ? ui_guest_extra(ui)->host : "", d->vnc_display,
		5900 + d->vnc_display, listen,
		d->vnc_password ? "set (from the definition)" : "none", how);
	free(how);
	text_show(ui, "VNC", body);
	free(body);
	return UI_REDRAW;
}

/* ---- serial console and monitor: curses steps aside and the terminal goes to the guest ---- */

typedef int (*term_fn)(const struct config *cfg, const struct vmdef *def, char **err);

/* Another host's guest: `vmdeck --host HOST console|monitor NAME` on our terminal (ssh -t). */
static int hand_over_remote(struct ui *ui, const char *what, const char *name, const char *hint)
{
	const char *host = ui_guest_extra(ui)->host;
	const char *w[] = { "--host", host, strcmp(what, "monitor") == 0 ? "monitor" : "console",
			    name, NULL };
	char *err = NULL;
	int rc;

	ui_suspend(ui);
	printf("vmdeck: %s of %s on %s; %s\n", what, name, host, hint);
	fflush(stdout);
	cmdline_readline_lend();
	rc = job_run_foreground(ui->config_path, w, &err);
	cmdline_readline_reclaim();
	ui_resume(ui);
	if (rc != 0)
		ui_status(ui, true, "%s: %s on %s: %s", name, what, host,
			  err ? err : "ended with an error");
	else
		ui_status(ui, false, "%s: back from the %s on %s", name, what, host);
	free(err);
	return UI_REDRAW;
}

static int hand_over(struct ui *ui, const char *what, term_fn fn, const char *hint)
{
	struct vmdef *d = ui_guest(ui);
	char *err = NULL;
	int rc;

	if (need_up(ui, what) < 0)
		return UI_REDRAW;
	if (ui_guest_extra(ui)->host)
		return hand_over_remote(ui, what, d->name, hint);
	ui_suspend(ui);
	printf("vmdeck: %s of %s; %s\n", what, d->name, hint);
	fflush(stdout);
	cmdline_readline_lend();
	rc = fn(ui->cfg, d, &err);
	cmdline_readline_reclaim();
	ui_resume(ui);
	if (rc < 0)
		ui_status(ui, true, "%s: %s: %s", d->name, what, err);
	else
		ui_status(ui, false, "%s: back from the %s", d->name, what);
	free(err);
	return UI_REDRAW;
}

int act_console(struct ui *ui)
{
	return hand_over(ui, "serial console", term_serial, "Ctrl-] comes back to the console");
}

int act_monitor(struct ui *ui)
{
	return hand_over(ui, "monitor", term_monitor, "Ctrl-D comes back to the console");
}

/* ---- delete ---- */

static int delete_confirmed(struct ui *ui, void *arg)
{
	const char *name = arg;
	char *err = NULL;
	ssize_t i = ui_guest_index(ui, name);

	if (i < 0)
		return UI_REDRAW;
	if (guestfile_delete(ui->cfg, &ui->defs[i], &err) < 0) {
		ui_status(ui, true, "%s: cannot delete: %s", name, err);
		free(err);
		return UI_REDRAW;
	}
	ui_status(ui, false, "%s: definition deleted; its disks were kept", name);
	return UI_REDRAW | UI_RESCAN;
}

int act_delete(struct ui *ui)
{
	struct vmdef *d = ui_guest(ui);
	char *q;

	if (guest_up(ui)) {
		ui_status(ui, true, "%s is running: stop it before deleting", d->name);
		return UI_REDRAW;
	}
	if (ui_guest_extra(ui)->host) {  /* asked from its host's answer, deleted there */
		remote_disk_delete(ui, ui_guest_extra(ui)->host, d->name);
		return UI_REDRAW;
	}
	q = cmd_delete_question(d, NULL);  /* the question `vmdeck delete` asks */
	confirm_ask(ui, "Delete guest", q, d->name, delete_confirmed, xstrdup(d->name));
	free(q);
	return UI_REDRAW;
}
