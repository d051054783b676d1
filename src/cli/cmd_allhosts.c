/*
 * cmd_allhosts.c: `vmdeck list --all-hosts [--json]`: this host's guests and
 * every configured host's (its own `vmdeck list --json` over ssh, all hosts
 * asked at once), each object with "host". A host that cannot be reached
 * or answers nonsense is one object {"host", "state": "unreachable",
 * "error"}, the others are still listed, and the exit code is 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_allhosts.h"
#include "cli_out.h"
#include "verb.h"
#include "cmd_status.h"
#include "hostinfo.h"
#include "hosts.h"
#include "spawn.h"
#include "status.h"
#include "util.h"
#include "vmstate.h"
#include "vmdef.h"

#define ALL_HOSTS_WAIT_MS 20000       /* a host that has not answered by then is unreachable */
#define ALL_HOSTS_OUTPUT_MAX (8 << 20)

struct peer {
	struct host h;
	struct spawn sp;
	struct sbuf out;
	bool running;
	char *error;          /* why it is unreachable, NULL while fine */
};

/* This host's guests, each with "host". */
static int local_objects(struct cli *c, const char *host, json_t *all)
{
	struct vmdef *defs = NULL;
	struct vm_status *sts;
	size_t n = 0;
	char *err = NULL;

	if (vmdefs_load_all(&c->cfg, &defs, &n, &err) < 0) {
		json_array_append_new(all, json_pack("{s:s, s:s, s:s}", "host", host, "state",
						     "unreachable", "error", err));
		free(err);
		return -1;
	}
	sts = xcalloc(n ? n : 1, sizeof *sts);
	status_all(&c->cfg, defs, n, sts, c->cfg.status_timeout_ms);
	for (size_t i = 0; i < n; i++) {
		json_t *o = cmd_status_json(&c->cfg, &defs[i], &sts[i], CMD_STATUS_LIST_AGENT_MS);

		json_object_set_new(o, "host", json_string(host));
		json_array_append_new(all, o);
		vmstate_status_clear(&sts[i]);
	}
	free(sts);
	vmdefs_free(defs, n);
	return 0;
}

static void peer_start(struct peer *p, const struct host *h)
{
	char *cmd = xasprintf("%s list --json", h->vmdeck ? h->vmdeck : "vmdeck");
	char *err = NULL;

	p->h = *h;
	if (host_spawn(h, cmd, &p->sp, SPAWN_NULL, SPAWN_PIPE, &err) < 0) {
		p->error = err;
	} else {
		p->running = true;
		fcntl(p->sp.out, F_SETFL, O_NONBLOCK);
	}
	free(cmd);
}

/* Reads what p sent; at its end (or when it sent too much) the ssh is finished and judged. */
static void peer_read(struct peer *p)
{
	char buf[65536];
	ssize_t r;

	while ((r = read(p->sp.out, buf, sizeof buf)) > 0 && p->out.len <= ALL_HOSTS_OUTPUT_MAX)
		sbuf_addn(&p->out, buf, (size_t)r);
	if (r < 0 && (errno == EAGAIN || errno == EINTR) && p->out.len <= ALL_HOSTS_OUTPUT_MAX)
		return;
	if (p->out.len > ALL_HOSTS_OUTPUT_MAX) {
		kill(p->sp.pid, SIGTERM);
		p->error = xasprintf("%s: the remote list printed more than %d MiB: refused",
				     p->h.name, ALL_HOSTS_OUTPUT_MAX >> 20);
	}
	p->running = false;
	{
		char *why = NULL;
		int rc = spawn_finish(&p->sp, &why);

		if (!p->error && rc != 0)
			p->error = host_failure(&p->h, rc, why);
		else
			free(why);
	}
}

/*
 * Waits for every host at once, up to ALL_HOSTS_WAIT_MS; the late ones are ended and unreachable.
 */
static void peers_wait(struct peer *ps, size_t n)
{
	struct pollfd *fds = xcalloc(n ? n : 1, sizeof *fds);
	int64_t deadline = now_ms() + ALL_HOSTS_WAIT_MS;

	for (;;) {
		int k = 0;
		int64_t left = deadline - now_ms();

		for (size_t i = 0; i < n; i++)
			if (ps[i].running)
				fds[k++] = (struct pollfd){ .fd = ps[i].sp.out, .events = POLLIN };
		if (k == 0 || left <= 0)
			break;
		if (poll(fds, (nfds_t)k, (int)left) < 0 && errno != EINTR)
			break;
		for (size_t i = 0; i < n; i++)
			if (ps[i].running)
				peer_read(&ps[i]);
	}
	for (size_t i = 0; i < n; i++) {
		if (!ps[i].running)
			continue;
		kill(ps[i].sp.pid, SIGTERM);
		ps[i].error = xasprintf("%s: no answer within %d s", ps[i].h.name,
					ALL_HOSTS_WAIT_MS / 1000);
		ps[i].running = false;
		spawn_finish(&ps[i].sp, NULL);
	}
	free(fds);
}

/* The remote objects, each stamped with the host's name: 0, or -1 with p->error set. */
static int peer_objects(struct peer *p, json_t *all)
{
	json_error_t je;
	json_t *a, *o;
	size_t i;

	if (p->error)
		return -1;
	a = json_loadb(p->out.s ? p->out.s : "", p->out.len, 0, &je);
	if (!json_is_array(a)) {
		p->error = xasprintf("%s: its `vmdeck list --json` did not give a JSON array: %s",
				     p->h.name, a ? "another JSON value" : je.text);
		json_decref(a);
		return -1;
	}
	json_array_foreach(a, i, o) {
		if (!json_is_object(o) || !json_is_string(json_object_get(o, "name")))
			continue;
		json_object_set_new(o, "host", json_string(p->h.name));
		json_array_append(all, o);
	}
	json_decref(a);
	return 0;
}

static void table_print(json_t *all)
{
	json_t *o;
	size_t i;

	printf("%-12s %-20s %-13s %5s %6s %s\n", "HOST", "NAME", "STATE", "CPU%", "RSS",
	       "ERROR/CD");
	json_array_foreach(all, i, o) {
		const char *name = json_string_value(json_object_get(o, "name"));
		json_t *cpu = json_object_get(o, "cpu_percent"), *rss = json_object_get(o, "rss");
		const char *cd = json_string_value(json_object_get(o, "cdrom"));
		const char *why = json_string_value(json_object_get(o, "error"));
		const char *host = json_string_value(json_object_get(o, "host"));
		const char *state = json_string_value(json_object_get(o, "state"));
		char cpus[16] = "-", rsss[16] = "-";
		char *line;

		if (json_is_number(cpu))
			snprintf(cpus, sizeof cpus, "%.1f", json_number_value(cpu));
		if (json_is_integer(rss))
			size_human((uint64_t)json_integer_value(rss), rsss, sizeof rsss);
		line = xasprintf("%-12s %-20s %-13s %5s %6s %s",
				 host ? host : "-", name ? name : "-", state ? state : "-", cpus,
				 rsss,
				 why  ? why
				 : cd ? path_base(cd)
				      : "-");
		{
			/* remote words never reach the terminal raw */
			char *safe = text_escape(line, false);

			puts(safe);
			free(safe);
		}
		free(line);
	}
}

static int list_all_hosts(struct cli *c)
{
	json_t *all = json_array();
	struct peer *ps = xcalloc(c->cfg.n_hosts ? c->cfg.n_hosts : 1, sizeof *ps);
	char me[64];
	size_t np = 0;
	int rc = EXIT_DONE;

	hostinfo_host_name(&c->cfg, me, sizeof me);
	/* the remote ones work while this one is asked */
	for (size_t i = 0; i < c->cfg.n_hosts; i++)
		if (!hostinfo_is_self(&c->cfg, c->cfg.hosts[i].name))  /* listed as this host */
			peer_start(&ps[np++], &c->cfg.hosts[i]);
	if (local_objects(c, me, all) < 0)
		rc = EXIT_FAILED;
	peers_wait(ps, np);
	for (size_t i = 0; i < np; i++) {
		if (peer_objects(&ps[i], all) < 0) {
			json_array_append_new(all, json_pack("{s:s, s:s, s:s}", "host",
							     ps[i].h.name, "state", "unreachable",
							     "error", ps[i].error));
			rc = EXIT_FAILED;
		}
		free(ps[i].error);
		sbuf_free(&ps[i].out);
	}
	free(ps);
	if (c->json)
		cli_json_print_indented(all);
	else
		table_print(all), json_decref(all);
	return rc;
}

int cmd_allhosts_list(struct cli *c, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--all-hosts") == 0)
		return list_all_hosts(c);
	return cmd_list(c, argc, argv);
}
