/*
 * remote_disk.c: delete, new disk and resize for another host: its answer is fetched as a job,
 * then the question or form this host uses opens with that host's facts, and its verb runs there.
 */
#include "remote_disk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "cmd_delete.h"
#include "hostlink.h"
#include "remote.h"
#include "ui.h"
#include "util.h"
#include "vmdef.h"
#include "vmstate.h"

enum rd_want { RD_NEW, RD_RESIZE, RD_DELETE, RD_ORPHANS };

/* What a fetch is for: the job's data, freed when its answer has been used. */
struct rd_ask {
	enum rd_want want;
	char host[64];
};

static const char *const rd_what[] = { [RD_NEW] = "new disk", [RD_RESIZE] = "resize",
				       [RD_DELETE] = "delete", [RD_ORPHANS] = "disks" };

const char *remote_disk_host(const struct ui *ui)
{
	const struct guest_extra *ex;

	if (ui->host_filter[0])
		return remote_link(ui, ui->host_filter) ? ui->host_filter : NULL;
	ex = ui->sel < ui->n ? &ui->ex[ui->sel] : NULL;
	return ex ? ex->host : NULL;
}

static bool up(enum vm_state s)
{
	return s == VM_RUNNING || s == VM_PAUSED || s == VM_SHUTTING_DOWN || s == VM_UNRESPONSIVE ||
	       s == VM_STARTING;
}

/* arg: "HOST\0NAME\0", one allocation (freed by the dialog). */
static int delete_confirmed(struct ui *ui, void *arg)
{
	const char *host = arg, *name = host + strlen(host) + 1;
	const char *w[] = { "delete", name, "--yes", NULL };

	remote_run_verb(ui, host, name, w, NULL);
	return UI_REDRAW;
}

static void delete_ask(struct ui *ui, const char *host, const struct vmdef *d,
		       const struct vm_status *st)
{
	size_t hl = strlen(host) + 1, nl = strlen(d->name) + 1;
	char *arg, *q;

	if (up(st->state)) {
		ui_status(ui, true, "%s is %s on %s: stop it before deleting", d->name,
			  vmstate_name(st->state), host);
		return;
	}
	arg = xmalloc(hl + nl);
	memcpy(arg, host, hl);
	memcpy(arg + hl, d->name, nl);
	q = cmd_delete_question(d, host);
	confirm_ask(ui, "Delete guest", q, d->name, delete_confirmed, arg);
	free(q);
}

/* `show NAME --json` came back: the guest as its host has it (an invalid one exits 2, told). */
static void guest_arrived(struct ui *ui, const struct rd_ask *a, struct job *j, json_t *o)
{
	struct vmdef d;
	struct vm_status st = { 0 };

	const char *name = json_string_value(json_object_get(o, "name"));

	if (!name)
		return;  /* job_report says why */
	/* an untrusted answer: used only when it is about the guest asked */
	if (!j->guest || strcmp(name, j->guest) != 0) {
		ui_status(ui, true, "%s: %s answered for %s, not %s", rd_what[a->want], a->host,
			  name, j->guest ? j->guest : "?");
		return;
	}
	hostlink_guest_model(o, &d, &st);
	if (a->want == RD_DELETE)
		delete_ask(ui, a->host, &d, &st);
	else if (job_exit_code(j) == 0)
		view_storage_disk_resize(ui, a->host, &d);
	vmdef_free(&d);
	vmstate_status_clear(&st);
}

static void arrived(struct ui *ui, struct job *j)
{
	struct rd_ask *a = j->data;
	json_t *o;

	j->data = NULL;
	if (!a)
		return;
	o = remote_answer(ui, j);
	if (!json_is_object(o)) {
		/* the failed job says why; a finished one that said nothing useful does here */
		if (job_exit_code(j) == 0)
			ui_status(ui, true, "%s: no answer from %s", rd_what[a->want], a->host);
	} else if (ui_top(ui) != &view_list) {
		/* the admin has moved on: a dialog never opens over another view */
		ui_status(ui, false, "%s: %s answered; press the key again on the main screen",
			  rd_what[a->want], a->host);
	} else if (a->want == RD_NEW) {
		if (job_exit_code(j) == 0)
			view_storage_disk_new(ui, a->host,
					      json_string_value(json_object_get(o, "vg")),
					      json_string_value(json_object_get(o, "file_dir")));
	} else if (a->want == RD_ORPHANS) {
		if (job_exit_code(j) == 0)
			view_storage_orphans(ui, a->host, o);
	} else {
		guest_arrived(ui, a, j, o);
	}
	json_decref(o);
	free(a);
}

/* `vmdeck WORDS` on host as a quiet job; arrived() takes its answer. */
static void ask(struct ui *ui, const char *host, const char *guest, const char *const *words,
		enum rd_want want)
{
	struct job *j = remote_run_verb(ui, host, guest, words, arrived);
	struct rd_ask *a;

	if (!j)
		return;
	a = xcalloc(1, sizeof *a);
	a->want = want;
	snprintf(a->host, sizeof a->host, "%s", host);
	j->data = a;
	ui->jobs[ui->n_jobs - 1].silent = true;
	if (guest)
		ui_status(ui, false, "%s: asking %s for its definition ...", guest, host);
	else if (want == RD_ORPHANS)
		ui_status(ui, false, "asking %s for the disks no guest uses ...", host);
	else
		ui_status(ui, false, "asking %s for its VG and disk folder ...", host);
}

void remote_disk_new(struct ui *ui, const char *host)
{
	static const char *const words[] = { "hostinfo", "--json", NULL };

	ask(ui, host, NULL, words, RD_NEW);
}

void remote_disk_resize(struct ui *ui, const char *host, const char *name)
{
	const char *words[] = { "show", name, "--json", NULL };

	ask(ui, host, name, words, RD_RESIZE);
}

void remote_disk_delete(struct ui *ui, const char *host, const char *name)
{
	const char *words[] = { "show", name, "--json", NULL };

	ask(ui, host, name, words, RD_DELETE);
}

void remote_disk_orphans(struct ui *ui, const char *host)
{
	static const char *const words[] = { "disk", "list", "--json", NULL };

	ask(ui, host, NULL, words, RD_ORPHANS);
}
