/*
 * remote.c: the other hosts in the console: one hostlink each (hostlink.h), rows, header lines,
 * remote actions.
 */
#include "remote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostinfo.h"
#include "ui.h"
#include "util.h"

void remote_start(struct ui *ui)
{
	ui->n_links = ui->cfg->n_hosts;
	ui->links = xcalloc(ui->n_links ? ui->n_links : 1, sizeof *ui->links);
	for (size_t i = 0; i < ui->n_links; i++)
		ui->links[i] = hostlink_new(ui->cfg, &ui->cfg->hosts[i]);
}

void remote_stop(struct ui *ui)
{
	for (size_t i = 0; i < ui->n_links; i++)
		hostlink_free(ui->links[i]);
	free(ui->links);
	ui->links = NULL;
	ui->n_links = 0;
}

int remote_fds(struct ui *ui, struct pollfd *fds, int max)
{
	int k = 0;

	for (size_t i = 0; i < ui->n_links && k < max; i++)
		k += hostlink_fds(ui->links[i], fds + k, max - k);
	return k;
}

int remote_timeout(const struct ui *ui)
{
	int best = -1;

	for (size_t i = 0; i < ui->n_links; i++) {
		int t = hostlink_timeout(ui->links[i]);

		if (t >= 0 && (best < 0 || t < best))
			best = t;
	}
	return best;
}

void remote_process(struct ui *ui, const struct pollfd *fds, int nfds)
{
	for (size_t i = 0; i < ui->n_links; i++) {
		struct pollfd pf;
		short rev = 0;

		if (hostlink_fds(ui->links[i], &pf, 1) == 1)
			for (int k = 0; k < nfds; k++)
				if (fds[k].fd == pf.fd)
					rev = fds[k].revents;
		hostlink_process(ui->links[i], rev);
		if (hostlink_take_changed(ui->links[i])) {
			ui->links_changed = true;
			ui->dirty = true;
		}
	}
}

/* "unreachable since HH:MM:SS: why" for every row of a host that is down. */
static void mark_down(const struct hostlink *hl, struct vm_status *st)
{
	char when[16];
	time_t t = (time_t)hostlink_since(hl);
	struct tm tm;

	strftime(when, sizeof when, "%H:%M:%S", localtime_r(&t, &tm));
	st->state = VM_UNREACHABLE;
	free(st->reason);
	st->reason =
		xasprintf("%s since %s: %s",
			  hostlink_state(hl) == HL_INCOMPATIBLE ? "incompatible" : "unreachable",
			  when, hostlink_reason(hl) ? hostlink_reason(hl) : "?");
}

void remote_rows(struct ui *ui, struct vmdef **defs, struct vm_status **st, const char ***hosts,
		 size_t *n)
{
	size_t total = 0, k = 0;

	for (size_t i = 0; i < ui->n_links; i++)
		total += json_array_size(hostlink_guests(ui->links[i]));
	*defs = xcalloc(total ? total : 1, sizeof **defs);
	*st = xcalloc(total ? total : 1, sizeof **st);
	*hosts = xcalloc(total ? total : 1, sizeof **hosts);
	for (size_t i = 0; i < ui->n_links; i++) {
		const struct hostlink *hl = ui->links[i];
		bool down = hostlink_state(hl) == HL_DOWN || hostlink_state(hl) == HL_INCOMPATIBLE;
		json_t *o;
		size_t j;

		json_array_foreach(hostlink_guests(hl), j, o) {
			hostlink_guest_model(o, &(*defs)[k], &(*st)[k]);
			if (down)
				mark_down(hl, &(*st)[k]);
			(*hosts)[k++] = hostlink_name(hl);
		}
	}
	*n = k;
}

struct hostlink *remote_link(const struct ui *ui, const char *host)
{
	for (size_t i = 0; host && i < ui->n_links; i++)
		if (strcmp(hostlink_name(ui->links[i]), host) == 0)
			return ui->links[i];
	return NULL;
}

const char *remote_host_name(const struct ui *ui, size_t i)
{
	return i < ui->n && ui->ex[i].host ? ui->ex[i].host : ui->hostname;
}

int remote_header_lines(const struct ui *ui)
{
	if (ui->n_links == 0)
		return 0;
	return LINES >= 30 ? (int)ui->n_links : 1;
}

/*
 * One host, long ("kvm2  load 0.12  mem free 3.1G  vg free 20G  up") or short ("kvm2 0.12 3.1G").
 */
static void host_text(const struct hostlink *hl, bool longer, struct sbuf *b)
{
	json_t *f = hostlink_facts(hl);
	json_t *load = json_object_get(f, "load"), *mem = json_object_get(f, "mem_available");
	json_t *vg = json_object_get(f, "vg_free");
	char m[16], v[16];
	enum hostlink_state s = hostlink_state(hl);

	sbuf_printf(b, "%s", hostlink_name(hl));
	if (s == HL_DOWN || s == HL_INCOMPATIBLE) {
		char when[16];
		time_t t = (time_t)hostlink_since(hl);
		struct tm tm;

		strftime(when, sizeof when, "%H:%M:%S", localtime_r(&t, &tm));
		sbuf_printf(b, " %s since %s", s == HL_DOWN ? "UNREACHABLE" : "INCOMPATIBLE", when);
		if (longer && hostlink_reason(hl))
			sbuf_printf(b, ": %s", hostlink_reason(hl));
		return;
	}
	if (s == HL_CONNECTING || !f) {
		sbuf_add(b, " connecting...");
		return;
	}
	if (json_is_number(load))
		sbuf_printf(b, longer ? "  load %.2f" : " %.2f", json_number_value(load));
	if (json_is_integer(mem))
		sbuf_printf(b, longer ? "  mem free %s" : " %s",
			    size_human((uint64_t)json_integer_value(mem), m, sizeof m));
	if (longer && json_is_integer(vg))
		sbuf_printf(b, "  vg free %s",
			    size_human((uint64_t)json_integer_value(vg), v, sizeof v));
	if (longer)
		sbuf_add(b, "  reachable");
}

void remote_header_text(const struct ui *ui, int k, char *buf, size_t len)
{
	struct sbuf b = { 0 };

	if (remote_header_lines(ui) == (int)ui->n_links) {
		sbuf_add(&b, " ");
		host_text(ui->links[k], true, &b);
	} else {
		sbuf_add(&b, " hosts:");
		for (size_t i = 0; i < ui->n_links; i++) {
			sbuf_add(&b, i ? " | " : " ");
			host_text(ui->links[i], false, &b);
		}
	}
	snprintf(buf, len, "%s", b.s ? b.s : "");
	sbuf_free(&b);
}

struct job *remote_run_verb(struct ui *ui, const char *host, const char *guest,
			    const char *const *words, void (*done)(struct ui *ui, struct job *j))
{
	return remote_run_verb_input(ui, host, guest, words, NULL, 0, done);
}

struct job *remote_run_verb_input(struct ui *ui, const char *host, const char *guest,
				  const char *const *words, const void *input, size_t len,
				  void (*done)(struct ui *ui, struct job *j))
{
	struct hostlink *hl = remote_link(ui, host);
	struct strv av = { 0 };
	struct sbuf title = { 0 };
	char *err = NULL;
	struct job *j;

	if (!hl) {
		ui_status(ui, true, "%s: no such host", host);
		return NULL;
	}
	hostlink_verb_argv(hl, words, false, &av);
	for (size_t i = 0; words[i]; i++)
		sbuf_printf(&title, "%s%s", i ? " " : "", words[i]);
	sbuf_printf(&title, " (on %s)", host);
	j = input ? job_run_argv_input((const char *const *)av.v, guest, title.s, input, len, &err)
		  : job_run_argv((const char *const *)av.v, guest, title.s, &err);
	strv_free(&av);
	sbuf_free(&title);
	if (!j) {
		ui_status(ui, true, "%s: %s", words[0], err);
		free(err);
		return NULL;
	}
	if (done)
		j->out_keep = REMOTE_ANSWER_MAX;  /* an answer to read: whole, or not at all */
	if (!ui_job_add(ui, j, done))
		return NULL;
	ui_status(ui, false, "%s ...", j->title);
	return j;
}

/*
 * ---- the CD picker for another host's guest: that host's ISOs, from its `vmdeck hostinfo --json`
 * ----
 */

bool remote_on_main_screen(struct ui *ui, const char *what, const char *host)
{
	if (ui_top(ui) == &view_list)
		return true;
	ui_status(ui, false, "%s: %s answered; press the key again on the main screen", what, host);
	return false;
}

json_t *remote_answer(struct ui *ui, const struct job *j)
{
	const char *s = j->out.s ? memchr(j->out.s, '{', j->out.len) : NULL;

	if (j->out_cut) {
		ui_status(ui, true, "%s: its answer is over %d MiB: not read", j->title,
			  REMOTE_ANSWER_MAX >> 20);
		return NULL;
	}
	return s ? json_loadb(s, j->out.len - (size_t)(s - j->out.s), JSON_DISABLE_EOF_CHECK, NULL)
		 : NULL;
}

static void isos_arrived(struct ui *ui, struct job *j)
{
	json_t *o = remote_answer(ui, j), *isos = json_object_get(o, "iso"), *x;
	char *want = j->data;  /* "HOST\0start|insert" */
	struct iso_entry *all;
	size_t n = 0, i;

	j->data = NULL;
	if (!want)
		return;
	if (job_exit_code(j) != 0 || !json_is_array(isos) ||
	    !remote_on_main_screen(ui, "CD", want)) {
		json_decref(o);
		free(want);
		return;  /* job_report, or the status line, says why */
	}
	all = xcalloc(json_array_size(isos) + 1, sizeof *all);
	json_array_foreach(isos, i, x) {
		const char *path = json_string_value(json_object_get(x, "path"));
		const char *name = json_string_value(json_object_get(x, "name"));

		if (!path || !name)
			continue;
		all[n].path = xstrdup(path);
		all[n].name = xstrdup(name);
		all[n].size = (uint64_t)json_integer_value(json_object_get(x, "size"));
		all[n].mtime = (time_t)json_integer_value(json_object_get(x, "mtime"));
		n++;
	}
	iso_open_remote(ui, strcmp(want + strlen(want) + 1, "start") == 0, want, j->guest, all, n);
	json_decref(o);
	free(want);
}

void remote_iso_pick(struct ui *ui, const char *host, const char *guest, bool start_after)
{
	static const char *const words[] = { "hostinfo", "--json", NULL };
	struct job *j = remote_run_verb(ui, host, guest, words, isos_arrived);
	size_t hl = strlen(host);
	char *want;

	if (!j)
		return;
	want = xmalloc(hl + 8);
	memcpy(want, host, hl + 1);
	strcpy(want + hl + 1, start_after ? "start" : "insert");
	j->data = want;
	ui->jobs[ui->n_jobs - 1].silent = true;
	ui_status(ui, false, "%s: asking %s for its ISO images ...", guest, host);
}

/* ---- B on another host's guest: its own `vmdeck backup`, to that host's backup.dir ---- */

/* arg: "HOST\0NAME\0" and a last byte, 1 for a live backup (one allocation, freed by the dialog) */
static int backup_confirmed(struct ui *ui, void *arg)
{
	const char *host = arg, *name = host + strlen(host) + 1;
	bool live = name[strlen(name) + 1] == 1;
	const char *w[] = { "backup", name, live ? "--live" : NULL, NULL };

	remote_run_verb(ui, host, name, w, NULL);
	return UI_REDRAW;
}

void remote_backup(struct ui *ui, const char *host, const char *name, bool live)
{
	size_t hl = strlen(host) + 1, nl = strlen(name) + 1;
	char *arg = xmalloc(hl + nl + 1), *q;

	memcpy(arg, host, hl);
	memcpy(arg + hl, name, nl);
	arg[hl + nl] = live ? 1 : 0;
	q = xasprintf("Back up %s on %s into %s's own backup.dir%s? (Other destinations: `:` then "
		      "--host %s backup %s --to ...)",
		      name, host, host, live ? ", live (it runs)" : "", host, name);
	confirm_ask(ui, "Back up", q, NULL, backup_confirmed, arg);
	free(q);
}

/* ---- n while the table shows another host only: the new-guest form with that host's choices */

static void info_arrived(struct ui *ui, struct job *j)
{
	json_t *o = remote_answer(ui, j);
	char *host = j->data;

	j->data = NULL;
	if (host && job_exit_code(j) == 0 && json_is_object(o) &&
	    remote_on_main_screen(ui, "new guest", host))
		form_open_new_remote(ui, host, o);
	json_decref(o);
	free(host);
}

void remote_new_guest(struct ui *ui, const char *host)
{
	static const char *const words[] = { "hostinfo", "--json", NULL };
	struct job *j = remote_run_verb(ui, host, NULL, words, info_arrived);

	if (!j)
		return;
	j->data = xstrdup(host);
	ui->jobs[ui->n_jobs - 1].silent = true;
	ui_status(ui, false, "asking %s for its bridges, storage and free VNC display ...", host);
}

void remote_filter(struct ui *ui, const char *name)
{
	if (!name || !*name || strcmp(name, "all") == 0) {
		ui->host_filter[0] = '\0';
		ui_status(ui, false, "every host's guests");
	} else if (strcmp(name, ui->hostname) == 0 || remote_link(ui, name)) {
		snprintf(ui->host_filter, sizeof ui->host_filter, "%s", name);
		ui_status(ui, false, "only %s's guests (H or :host all: every host)", name);
	} else {
		ui_status(ui, true, "%s: no such host (this one is %s)", name, ui->hostname);
	}
	ui->dirty = true;
}

int act_host_next(struct ui *ui)
{
	size_t at = 0;  /* 0 all, 1 this host, 2.. hosts[] */

	if (ui->n_links == 0) {
		ui_status(ui, true, "no other hosts configured (hosts in the configuration)");
		return UI_REDRAW;
	}
	if (strcmp(ui->host_filter, ui->hostname) == 0)
		at = 1;
	for (size_t i = 0; i < ui->n_links; i++)
		if (strcmp(ui->host_filter, hostlink_name(ui->links[i])) == 0)
			at = i + 2;
	at = (at + 1) % (ui->n_links + 2);
	remote_filter(ui, at == 0 ? "" : at == 1 ? ui->hostname : hostlink_name(ui->links[at - 2]));
	return UI_REDRAW;
}
