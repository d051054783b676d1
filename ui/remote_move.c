/*
 * remote_move.c: U (restore) and M (move) on another host: that host's archives and its own
 * hosts[], from its `vmdeck hostinfo --json`, then the form whose verb runs there.
 */
#include "remote_move.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remote.h"
#include "ui.h"
#include "util.h"
#include "vmstate.h"

#define RM_MAX_OFFERS 32  /* the form's choices; the newest archives come first */

const char *remote_move_restore_host(const struct ui *ui)
{
	const char *f = ui->host_filter;

	if (!f[0])  /* every host shown: the selected guest's */
		return ui->sel < ui->n && table_order_shows(ui, ui->sel) ? ui->ex[ui->sel].host
									 : NULL;
	return remote_link(ui, f) && strcmp(f, ui->hostname) != 0 ? f : NULL;
}

/*
 * Up to RM_MAX_OFFERS strings out of arr: the elements themselves, or each object's key member.
 * Borrowed from arr. Names that could pass for an option or hold a control character are left out.
 */
static size_t offers(const json_t *arr, const char *key, const char **out)
{
	size_t n = 0, i;
	json_t *x;

	json_array_foreach(arr, i, x) {
		const char *v = json_string_value(key ? json_object_get(x, key) : x);
		bool plain = v && *v && *v != '-';

		for (const char *p = v; plain && *p; p++)
			plain = (unsigned char)*p >= 32 && *p != 127;
		if (plain && n < RM_MAX_OFFERS)
			out[n++] = v;
	}
	return n;
}

/* Starts `vmdeck hostinfo --json` on host; done gets the job, its data the host's name. */
static void hostinfo_ask(struct ui *ui, const char *host, const char *guest,
			 void (*done)(struct ui *ui, struct job *j), const char *what)
{
	static const char *const words[] = { "hostinfo", "--json", NULL };
	struct job *j = remote_run_verb(ui, host, guest, words, done);

	if (!j)
		return;
	j->data = xstrdup(host);
	ui->jobs[ui->n_jobs - 1].silent = true;
	ui_status(ui, false, "asking %s for %s ...", host, what);
}

static void backups_arrived(struct ui *ui, struct job *j)
{
	json_t *o = remote_answer(ui, j);
	const char *dir = json_string_value(json_object_get(o, "backup_dir"));
	const char *names[RM_MAX_OFFERS];
	char *host = j->data;
	size_t n;

	j->data = NULL;
	if (host && job_exit_code(j) == 0 && json_is_object(o) &&
	    remote_on_main_screen(ui, "restore", host)) {
		if (!dir) {
			ui_status(ui, true, "restore on %s: its vmdeck does not list its archives "
				  "(too old?)", host);
		} else {
			n = offers(json_object_get(o, "backups"), "name", names);
			restore_form_open(ui, host, dir, (char **)names, n);
		}
	}
	json_decref(o);
	free(host);
}

void remote_move_restore(struct ui *ui, const char *host)
{
	hostinfo_ask(ui, host, NULL, backups_arrived, "the archives in its backup.dir");
}

static void hosts_arrived(struct ui *ui, struct job *j)
{
	json_t *o = remote_answer(ui, j), *hosts = json_object_get(o, "hosts");
	const char *names[RM_MAX_OFFERS];
	char *host = j->data;
	size_t n;

	j->data = NULL;
	if (host && j->guest && job_exit_code(j) == 0 && json_is_object(o) &&
	    remote_on_main_screen(ui, "move", host)) {
		n = offers(hosts, NULL, names);
		if (!json_is_array(hosts))
			ui_status(ui, true, "move from %s: its vmdeck does not name its hosts (too "
				  "old?)", host);
		else if (n == 0)
			ui_status(ui, true, "move: %s has no hosts in its configuration", host);
		else
			move_form_open(ui, host, j->guest, names, n);
	}
	json_decref(o);
	free(host);
}

void remote_move_move(struct ui *ui, const char *host, const char *guest,
		      const struct vm_status *st)
{
	if (st && st->state != VM_STOPPED) {
		ui_status(ui, true, "move: %s on %s is %s (stop it first)", guest, host,
			  vmstate_name(st->state));
		return;
	}
	hostinfo_ask(ui, host, guest, hosts_arrived, "the hosts it can move to");
}
