/*
 * remote_edit.c: the edit form for another host's guest: its definition as that host has it and
 * that host's choices, fetched as jobs; saving runs `vmdeck set` there (view_form.c).
 */
#include "remote_edit.h"

#include <stdlib.h>
#include <string.h>

#include "remote.h"
#include "ui.h"
#include "util.h"

/* What the two answers are collected in (a job's data). */
struct fetch {
	char host[64];
	char name[256];
	json_t *info;  /* the hostinfo, once it came */
};

static void fetch_free(struct fetch *f)
{
	if (f)
		json_decref(f->info);
	free(f);
}

static bool same_name(const json_t *show, const char *name)
{
	const char *n = json_string_value(json_object_get(show, "name"));

	return n && strcmp(n, name) == 0;
}

static void show_arrived(struct ui *ui, struct job *j)
{
	struct fetch *f = j->data;
	json_t *show;

	j->data = NULL;
	if (!f)
		return;
	show = remote_answer(ui, j);
	if (json_is_object(show) && !same_name(show, f->name))
		/* the form's name is where F2 sends the edit: only the guest asked for */
		ui_status(ui, true, "%s: %s answered for another guest", f->name, f->host);
	else if (json_is_object(show)) {
		if (remote_on_main_screen(ui, "edit", f->host))
			form_open_edit_remote(ui, f->host, f->info, show);
	} else if (job_exit_code(j) == 0)
		ui_status(ui, true, "%s on %s: no definition in its answer", f->name, f->host);
	json_decref(show);
	fetch_free(f);
}

/* Silent: a failure is said by job_report (the job's last line), a success opens the form. */
static bool fetch(struct ui *ui, struct fetch *f, const char *const *words,
		  void (*done)(struct ui *ui, struct job *j))
{
	struct job *j = remote_run_verb(ui, f->host, f->name, words, done);

	if (!j)
		return false;
	j->data = f;
	ui->jobs[ui->n_jobs - 1].silent = true;
	return true;
}

static void info_arrived(struct ui *ui, struct job *j)
{
	struct fetch *f = j->data;
	const char *words[] = { "show", f ? f->name : "", "--json", NULL };

	j->data = NULL;
	if (!f)
		return;
	f->info = remote_answer(ui, j);
	if (job_exit_code(j) != 0 || !json_is_object(f->info)) {
		fetch_free(f);
		return;
	}
	if (!remote_on_main_screen(ui, "edit", f->host)) {
		fetch_free(f);
		return;
	}
	if (!fetch(ui, f, words, show_arrived))
		fetch_free(f);
	else
		ui_status(ui, false, "%s: asking %s for its definition ...", f->name, f->host);
}

void remote_edit_open(struct ui *ui, const char *host, const char *name)
{
	static const char *const words[] = { "hostinfo", "--json", NULL };
	struct fetch *f = xcalloc(1, sizeof *f);

	snprintf(f->host, sizeof f->host, "%s", host);
	snprintf(f->name, sizeof f->name, "%s", name);
	if (!fetch(ui, f, words, info_arrived)) {
		fetch_free(f);
		return;
	}
	ui_status(ui, false, "%s: asking %s for its bridges, storage and ISOs ...", name, host);
}
