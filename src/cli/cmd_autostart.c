/*
 * cmd_autostart.c: `vmdeck autostart [--dry-run]`: the boot plan (vmdeck.service runs it), shown or
 * carried out.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "actor.h"
#include "autostart.h"
#include "cmd_autostart.h"
#include "cli_out.h"
#include "verb.h"
#include "cmd_opts.h"
#include "notify.h"
#include "systemd.h"
#include "util.h"
#include "vm.h"
#include "vmstate.h"
#include "vmdef.h"

enum as_result { AS_PLANNED, AS_STARTED, AS_RUNNING, AS_FAILED };
static const char *const as_words[] = {
	[AS_PLANNED] = "planned",
	[AS_STARTED] = "started",
	[AS_RUNNING] = "already running",
	[AS_FAILED] = "failed",
};

struct as_outcome {
	enum as_result result;
	char *error;
	double at;   /* wall clock when its start returned */
};

/* Direct mode: one after another (each start returns in well under a second). */
static void start_direct(struct cli *c, const struct autostart_group *g, const size_t *todo,
			 size_t n, struct as_outcome *out)
{
	for (size_t k = 0; k < n; k++) {
		struct vmdef *d = (struct vmdef *)g->guests[todo[k]];
		char *warn = NULL, *err = NULL;
		int rc = vmdef_fill_macs(d, &err);

		if (rc == 0)
			rc = vm_start(&c->cfg, d, NULL, &warn, &err);
		out[todo[k]].result = rc == 0 ? AS_STARTED : AS_FAILED;
		out[todo[k]].error = err;
		free(warn);
	}
}

/* Under systemd: one `systemctl start` for the whole group, so its guests start together. */
static void start_units(struct cli *c, const struct autostart_group *g, const size_t *todo,
			size_t n, struct as_outcome *out)
{
	const char **names = xcalloc(n ? n : 1, sizeof *names);
	char **warns = xcalloc(n ? n : 1, sizeof *warns), **errs = xcalloc(n ? n : 1, sizeof *errs);

	for (size_t k = 0; k < n; k++)
		names[k] = g->guests[todo[k]]->name;
	systemd_start_guests(&c->cfg, names, n, actor_describe(), warns, errs);
	for (size_t k = 0; k < n; k++) {
		out[todo[k]].result = errs[k] ? AS_FAILED : AS_STARTED;
		out[todo[k]].error = errs[k];
		free(warns[k]);
	}
	free(names);
	free(warns);
	free(errs);
}

/* A guest that did not start: one line for the admin (the journal at boot), and the alert. */
static void autostart_failed(struct cli *c, const char *name, const char *why)
{
	char *subject = xasprintf("%s: autostart failed", name);
	char *body = xasprintf("guest %s did not start (autostart, by %s): %s\n", name,
			       actor_describe(), why ? why : "unknown error");
	char *err = NULL;

	cli_error(EXIT_FAILED, "%s: cannot start: %s", name, why ? why : "unknown error");
	if (notify_send(&c->cfg, true, subject, body, &err) < 0) {
		cli_error(EXIT_FAILED, "%s", err);
		free(err);
	}
	free(subject);
	free(body);
}

/* One group: the guests not yet running are started together; a running one is left as it is. */
static void group_start(struct cli *c, const struct autostart_group *g, bool units,
			struct as_outcome *out)
{
	size_t *todo = xcalloc(g->n ? g->n : 1, sizeof *todo), n = 0;

	for (size_t k = 0; k < g->n; k++) {
		if (vmstate_pid_find(&c->cfg, g->guests[k]->name) > 0)
			out[k].result = AS_RUNNING;
		else
			todo[n++] = k;
	}
	(units ? start_units : start_direct)(c, g, todo, n, out);
	for (size_t k = 0; k < g->n; k++) {
		out[k].at = now_real();
		if (out[k].result == AS_FAILED)
			autostart_failed(c, g->guests[k]->name, out[k].error);
		else if (!c->json)
			printf("%s: %s (group %d)\n", g->guests[k]->name, as_words[out[k].result],
			       g->order);
	}
	fflush(stdout);
	free(todo);
}

static json_t *group_json(const struct autostart_group *g, const struct as_outcome *out)
{
	json_t *a = json_array();

	for (size_t k = 0; k < g->n; k++)
		json_array_append_new(
			a, json_pack("{s:s, s:s, s:s?, s:o}", "name", g->guests[k]->name, "result",
				     as_words[out[k].result], "error", out[k].error, "at",
				     out[k].at > 0 ? cli_json_tenths(out[k].at) : json_null()));
	return json_pack("{s:i, s:i, s:o}", "order", g->order, "delay", g->delay, "guests", a);
}

static void plan_print(const struct autostart_group *g, size_t ng, bool units)
{
	printf("autostart plan (%s):\n", units ? "through systemd units" : "direct starts");
	if (ng == 0)
		printf("  no guest has autostart: true\n");
	for (size_t i = 0; i < ng; i++) {
		printf("  group %d:", g[i].order);
		for (size_t k = 0; k < g[i].n; k++)
			printf(" %s", g[i].guests[k]->name);
		if (g[i].delay && i + 1 < ng)
			printf("; then wait %d s", g[i].delay);
		printf("\n");
	}
}

/* Carries the plan out (or only shows it): groups in order, each group's delay between them. */
static int plan_run(struct cli *c, struct autostart_group *g, size_t ng, bool dry_run)
{
	bool units = systemd_units_in_use(NULL), failed = false;
	json_t *all = json_array();

	if (dry_run && !c->json)
		plan_print(g, ng, units);
	for (size_t i = 0; i < ng; i++) {
		struct as_outcome *out = xcalloc(g[i].n, sizeof *out);

		if (!dry_run) {
			group_start(c, &g[i], units, out);
			if (i + 1 < ng && g[i].delay > 0)
				sleep((unsigned)g[i].delay);
		}
		for (size_t k = 0; k < g[i].n; k++)
			failed = failed || out[k].result == AS_FAILED;
		json_array_append_new(all, group_json(&g[i], out));
		for (size_t k = 0; k < g[i].n; k++)
			free(out[k].error);
		free(out);
	}
	if (c->json)
		cli_json_print_indented(json_pack("{s:b, s:s, s:o}", "dry_run", dry_run, "mode",
						  units ? "systemd" : "direct", "groups", all));
	else
		json_decref(all);
	return failed ? EXIT_FAILED : EXIT_DONE;
}

int cmd_autostart(struct cli *c, int argc, char **argv)
{
	bool dry_run = false;
	const struct opt_spec specs[] = { { "dry-run", OPT_FLAG, &dry_run }, { NULL, 0, NULL } };
	struct autostart_group *g;
	struct vmdef *defs;
	size_t n, ng;
	int rc;

	if (cmd_opts_parse(specs, &argc, argv) < 0 || argc != 1)
		return cli_usage(c);
	if (cli_load_all(c, &defs, &n) != 0)
		return EXIT_USAGE;
	ng = autostart_plan(defs, n, &g);
	rc = plan_run(c, g, ng, dry_run);
	autostart_plan_free(g, ng);
	vmdefs_free(defs, n);
	return rc;
}
