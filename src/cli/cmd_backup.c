/*
 * cmd_backup.c: `vmdeck backup|restore|move|clone`: progress bar on a terminal, plain lines or JSON
 * lines otherwise.
 */
#include "cli_out.h"
#include "cmd_backup.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backup.h"
#include "clone.h"
#include "cmd_opts.h"
#include "cmd_sched.h"
#include "move.h"
#include "progress.h"
#include "restore.h"
#include "util.h"
#include "verb.h"
#include "vm.h"
#include "vmdef.h"

struct printer {
	bool tty, json;
	double last;
	bool drew;
};

static const char *eta_text(double eta, char *b, size_t n)
{
	if (eta < 0)
		return "--:--";
	snprintf(b, n, "%d:%02d", (int)eta / 60, (int)eta % 60);
	return b;
}

/* The terminal's width now (asked at each draw, so a resized PuTTY is followed), 80 if unknown. */
static int term_cols(void)
{
	struct winsize ws;

	return ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
}

/* One row that never wraps: the figures whole, and a bar of up to 30 in the columns left. */
static void print_bar(struct printer *pr, const struct backup_progress *p)
{
	char a[16], b[16], r[16], e[16], bar[31], figures[96];
	double frac = p->total ? (double)p->done / (double)p->total : 1.0;
	int cols = term_cols() - 1, room, fill;

	snprintf(figures, sizeof figures, "%3d%% %s/%s %s/s ETA %s", (int)(frac * 100),
		 size_human(p->done, a, sizeof a), size_human(p->total, b, sizeof b),
		 size_human((uint64_t)p->rate, r, sizeof r), eta_text(p->eta, e, sizeof e));
	room = cols - (int)strlen(p->phase) - (int)strlen(figures) - 4;  /* " [", "] " */
	if (room > 30)
		room = 30;
	if (room >= 5) {
		fill = (int)(frac * room);
		for (int i = 0; i < room; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[room] = '\0';
		fprintf(stderr, "\r%s [%s] %s\033[K", p->phase, bar, figures);
	} else {
		fprintf(stderr, "\r%.*s\033[K", cols > 0 ? cols : 1, figures);
	}
	if (p->final)
		fputc('\n', stderr);
	pr->drew = !p->final;
}

static void on_progress(void *arg, const struct backup_progress *p)
{
	struct printer *pr = arg;
	double now = now_mono();
	char a[16], b[16], r[16], e[16];

	if (pr->json) {  /* one object per line on stdout: what a job runner reads */
		printf("{\"progress\": {\"phase\": \"%s\", \"done\": %llu, \"total\": %llu, "
		       "\"rate\": %.0f, \"eta\": %.0f}}\n",
		       p->phase, (unsigned long long)p->done, (unsigned long long)p->total, p->rate,
		       p->eta);
		fflush(stdout);
		return;
	}
	if (pr->tty) {
		print_bar(pr, p);
		return;
	}
	if (!p->final && now - pr->last < 1.0)
		return;
	pr->last = now;
	fprintf(stderr, "%s: %d%% %s of %s, %s/s, ETA %s\n", p->phase,
		p->total ? (int)((double)p->done * 100 / (double)p->total) : 100,
		size_human(p->done, a, sizeof a), size_human(p->total, b, sizeof b),
		size_human((uint64_t)p->rate, r, sizeof r), eta_text(p->eta, e, sizeof e));
}

/*
 * The printer for this run, Ctrl-C as a clean cancel, and both handed to the copy through its
 * hooks.
 */
static void hooks_setup(struct job_hooks *h, struct printer *pr, const struct cli *c)
{
	memset(pr, 0, sizeof *pr);
	pr->json = c->json;
	pr->tty = !c->json && isatty(STDERR_FILENO);
	pr->last = now_mono();  /* plain lines once a second: a short run prints only its result */
	h->progress = on_progress;
	h->arg = pr;
	h->cancel = cmd_opts_cancel_on_signals(true);
}

static int finish(struct cli *c, struct printer *pr, const char *name, const char *what, int rc,
		  char *err, const char *key, const char *value)
{
	if (pr->drew)
		fputc('\n', stderr);
	if (rc < 0) {
		cli_error(EXIT_FAILED, "%s: cannot %s: %s", name, what, err);
		free(err);
		return EXIT_FAILED;
	}
	if (c->json) {
		cli_json_print(json_pack("{s:s, s:s?}", "name", name, key, value));
	} else if (value) {
		printf("%s\n", value);
	}
	return EXIT_DONE;
}

int cmd_backup(struct cli *c, int argc, char **argv)
{
	struct backup_opts o = { 0 };
	bool scheduled = false;
	struct opt_spec specs[] = { { "to", OPT_VALUE, &o.to },
				    { "live", OPT_FLAG, &o.live },
				    { "force", OPT_FLAG, &o.force },
				    { "scheduled", OPT_FLAG, &scheduled },
				    { NULL, 0, NULL } };
	struct vmdef def;
	struct printer pr;
	char *err = NULL, *where = NULL;
	int rc;

	if (cmd_opts_parse(specs, &argc, argv) < 0 || argc != (scheduled ? 1 : 2) ||
	    (scheduled && (o.live || o.force)))
		return cli_usage(c);
	if (scheduled)
		return cmd_backup_scheduled(c, o.to);
	if ((rc = cli_load_def(c, argv[1], &def)) != 0)
		return rc;
	hooks_setup(&o.hooks, &pr, c);
	rc = backup_run(&c->cfg, &def, &o, &where, &err);
	rc = finish(c, &pr, def.name, "back up", rc, err, "archive", where);
	free(where);
	vmdef_free(&def);
	return rc;
}

int cmd_restore(struct cli *c, int argc, char **argv)
{
	struct restore_opts o = { 0 };
	struct opt_spec specs[] = { { "as", OPT_VALUE, &o.as },
				    { "to-lv", OPT_VALUE, &o.to_lv },
				    { "to-file", OPT_VALUE, &o.to_file },
				    { "force", OPT_FLAG, &o.force },
				    { "allow-paths", OPT_FLAG, &o.allow_paths },
				    { "allow-extra-args", OPT_FLAG, &o.allow_extra_args },
				    { "allow-network", OPT_FLAG, &o.allow_network },
				    { NULL, 0, NULL } };
	struct printer pr;
	char *err = NULL, *name = NULL, *msg = NULL;
	int rc;

	if (cmd_opts_parse(specs, &argc, argv) < 0 || argc != 2)
		return cli_usage(c);
	if (o.to_lv && o.to_file)
		return cli_error(EXIT_USAGE, "restore: give --to-lv or --to-file, not both");
	hooks_setup(&o.hooks, &pr, c);
	rc = restore_run(&c->cfg, argv[1], &o, &name, &err);
	if (rc == 0 && !c->json)
		msg = xasprintf("restored %s (every checksum verified)", name);
	rc = finish(c, &pr, name ? name : argv[1], "restore", rc, err, "restored",
		    c->json ? name : msg);
	free(msg);
	free(name);
	return rc;
}

int cmd_move(struct cli *c, int argc, char **argv)
{
	struct move_opts o = { 0 };
	struct opt_spec specs[] = { { "delete-source", OPT_FLAG, &o.delete_source },
				    { "vg", OPT_VALUE, &o.vg },
				    { "file-dir", OPT_VALUE, &o.file_dir },
				    { NULL, 0, NULL } };
	struct vmdef def;
	struct printer pr;
	char *err = NULL, *msg;
	int rc;

	if (cmd_opts_parse(specs, &argc, argv) < 0 || argc != 3)
		return cli_usage(c);
	if ((rc = cli_load_def(c, argv[1], &def)) != 0)
		return rc;
	hooks_setup(&o.hooks, &pr, c);
	rc = move_run(&c->cfg, &def, argv[2], &o, &err);
	msg = xasprintf("moved to %s (verified)%s", argv[2],
			o.delete_source ? ", source deleted" : ", source kept");
	rc = finish(c, &pr, def.name, "move", rc, err, "host", c->json ? argv[2] : msg);
	free(msg);
	vmdef_free(&def);
	return rc;
}

/*
 * After the clone: start it when asked; a start that fails leaves the clone made (exit 1, one
 * line).
 */
static int clone_start(struct cli *c, const char *name, char **err)
{
	struct vmdef def;
	char *warn = NULL;
	int rc;

	if (vmdef_load_by_name(&c->cfg, name, &def, err) < 0)
		return -1;
	rc = vm_start(&c->cfg, &def, NULL, &warn, err);
	if (warn)
		cli_error(0, "%s: warning: %s", name, warn);
	free(warn);
	vmdef_free(&def);
	return rc;
}

int cmd_clone(struct cli *c, int argc, char **argv)
{
	struct clone_opts o = { 0 };
	bool start = false;
	struct opt_spec specs[] = { { "linked", OPT_FLAG, &o.linked },
				    { "start", OPT_FLAG, &start },
				    { "keep-vnc-password", OPT_FLAG, &o.keep_vnc_password },
				    { NULL, 0, NULL } };
	struct printer pr;
	char *err = NULL, *msg;
	int rc;

	if (cmd_opts_parse(specs, &argc, argv) < 0 || argc != 3 || argv[1][0] == '-' ||
	    argv[2][0] == '-')
		return cli_usage(c);
	hooks_setup(&o.hooks, &pr, c);
	rc = clone_run(&c->cfg, argv[1], argv[2], &o, &err);
	if (rc < 0)
		return finish(c, &pr, argv[1], "clone", rc, err, NULL, NULL);
	msg = xasprintf("%s: a %s clone of %s%s", argv[2], o.linked ? "linked" : "full", argv[1],
			o.linked ? " (now a template: it does not start while linked clones exist)"
				 : "");
	rc = finish(c, &pr, argv[2], "clone", 0, NULL, "source", c->json ? argv[1] : msg);
	free(msg);
	if (start && clone_start(c, argv[2], &err) < 0) {
		cli_error(EXIT_FAILED, "%s: cannot start: %s", argv[2], err);
		free(err);
		return EXIT_FAILED;
	}
	if (start && !c->json)
		printf("%s: started\n", argv[2]);
	return rc;
}
