/*
 * cmd_status.c: `vmdeck list` and `vmdeck show NAME`: live state as a table or as JSON.
 *
 * Exit codes: list exits 0 when it could list, even when some definitions are
 * invalid (they appear with state "invalid" and the reason, and `vmdeck check`
 * is the verb that fails on them); show exits 2 for an unknown guest, and also
 * for an invalid definition after printing it, since the definition is at fault.
 * "error" in the JSON carries the reason for invalid, crashed and unresponsive.
 */
#include "cli_out.h"
#include "cmd_status.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autostart.h"
#include "events.h"
#include "guestip.h"
#include "status.h"
#include "util.h"
#include "verb.h"
#include "vmdef.h"
#include "vmstate.h"

static bool live(const struct vm_status *st)
{
	return st->pid > 0;
}

/* While QEMU runs, its CD drive tells what is inserted; otherwise the definition does. */
static const char *cdrom_shown(const struct vmdef *d, const struct vm_status *st)
{
	return live(st) && st->state != VM_UNRESPONSIVE ? st->cdrom : d->cdrom;
}

/* ---- JSON (the shape DESIGN.md fixes) ---- */

static json_t *json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *vnc_json(const struct vmdef *d)
{
	if (!d->vnc)
		return json_null();
	return json_pack("{s:i, s:i, s:o, s:b}", "display", d->vnc_display, "port",
			 5900 + d->vnc_display, "listen", json_str_or_null(d->vnc_listen),
			 "password", d->vnc_password != NULL);
}

static json_t *disks_json(const struct vmdef *d)
{
	json_t *a = json_array();

	for (size_t i = 0; i < d->n_disks; i++) {
		const struct vm_disk *k = &d->disks[i];

		json_array_append_new(
			a, json_pack("{s:o, s:o, s:s, s:o}", "lv", json_str_or_null(k->lv), "file",
				     json_str_or_null(k->file), "interface",
				     disk_iface_name(k->iface), "size",
				     k->size ? json_integer((json_int_t)k->size) : json_null()));
	}
	return a;
}

static json_t *nics_json(const struct vmdef *d)
{
	json_t *a = json_array();

	for (size_t i = 0; i < d->n_nics; i++) {
		const struct vm_nic *n = &d->nics[i];

		/* "bridge": null is user networking, the only other kind */
		json_array_append_new(a, json_pack("{s:o, s:o, s:o}", "bridge",
						   json_str_or_null(n->bridge), "model",
						   json_str_or_null(n->model), "mac",
						   json_str_or_null(n->mac)));
	}
	return a;
}

/*
 * How long list and show wait for a guest agent's addresses: list asks many
 * guests and must stay fast (answers are cached, see guestip.h).
 */
#define LIST_AGENT_MS CMD_STATUS_LIST_AGENT_MS
#define SHOW_AGENT_MS 1500

/* The guest's addresses (a list), or null while nothing is known. */
static json_t *ip_json(const struct config *cfg, const struct vmdef *d, const struct vm_status *st,
		       int agent_ms)
{
	struct strv ips = { 0 };
	json_t *a;

	if (!cfg || !live(st) || st->state == VM_INVALID || st->state == VM_UNRESPONSIVE)
		return json_null();
	guestip_get(cfg, d, st->pid, agent_ms, &ips);
	a = ips.n || d->guest_agent ? json_array() : json_null();
	for (size_t i = 0; i < ips.n; i++)
		json_array_append_new(a, json_string(ips.v[i]));
	strv_free(&ips);
	return a;
}

json_t *cmd_status_json(const struct config *cfg, const struct vmdef *d, const struct vm_status *st,
			int agent_ms)
{
	bool valid = st->state != VM_INVALID, on = live(st);
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(d->name));
	json_object_set_new(o, "state", json_string(vmstate_name(st->state)));
	json_object_set_new(o, "pid", on ? json_integer(st->pid) : json_null());
	json_object_set_new(o, "cpus", valid ? json_integer(d->cpus) : json_null());
	json_object_set_new(o, "memory", valid ? json_integer((json_int_t)d->memory) : json_null());
	json_object_set_new(o, "cpu_percent",
			    on && st->cpu_percent >= 0 ? cli_json_tenths(st->cpu_percent)
						       : json_null());
	json_object_set_new(o, "rss", on ? json_integer((json_int_t)st->rss) : json_null());
	json_object_set_new(o, "uptime",
			    on && st->uptime >= 0 ? json_integer((json_int_t)st->uptime)
						  : json_null());
	json_object_set_new(o, "vnc", valid ? vnc_json(d) : json_null());
	json_object_set_new(o, "cdrom", valid ? json_str_or_null(cdrom_shown(d, st)) : json_null());
	json_object_set_new(o, "disks", valid ? disks_json(d) : json_array());
	json_object_set_new(o, "nics", valid ? nics_json(d) : json_array());
	json_object_set_new(o, "ip", ip_json(cfg, d, st, agent_ms));
	json_object_set_new(o, "error", json_str_or_null(st->reason));
	return o;
}

/* ---- text ---- */

/*
 * printf for the text output: a definition's values, QEMU's last words and
 * event lines may hold control characters; they are shown escaped, never
 * sent to the terminal (an ESC could rewrite the screen or the title).
 */
static void tprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void tprintf(const char *fmt, ...)
{
	va_list ap;
	char *s, *safe;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	safe = text_escape(s, true);
	fputs(safe, stdout);
	free(safe);
	free(s);
}

static const char *uptime_text(double secs, char *buf, size_t len)
{
	long s = (long)secs;

	if (secs < 0)
		return "-";
	if (s < 60)
		snprintf(buf, len, "%lds", s);
	else if (s < 3600)
		snprintf(buf, len, "%ldm%02lds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%ldh%02ldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%ldd%02ldh", s / 86400, s % 86400 / 3600);
	return buf;
}

static void table_row(int w, const struct vmdef *d, const struct vm_status *st)
{
	char cpu[16] = "-", mem[16] = "-", rss[16] = "-", up[24], vnc[16] = "-";
	const char *cd = cdrom_shown(d, st);
	bool valid = st->state != VM_INVALID;

	if (live(st) && st->cpu_percent >= 0)
		snprintf(cpu, sizeof cpu, "%.1f", st->cpu_percent);
	if (valid)
		size_human(d->memory, mem, sizeof mem);
	if (live(st))
		size_human(st->rss, rss, sizeof rss);
	if (valid && d->vnc)
		snprintf(vnc, sizeof vnc, "%d", 5900 + d->vnc_display);
	tprintf("%-*s %-13s %5s %6s %6s %7s %5s %s\n", w, d->name, vmstate_name(st->state), cpu,
		mem, rss, uptime_text(live(st) ? st->uptime : -1, up, sizeof up), vnc,
		valid && cd ? path_base(cd) : "-");
}

static void table_print(const struct vmdef *defs, const struct vm_status *sts, size_t n)
{
	int w = 4;

	for (size_t i = 0; i < n; i++)
		if ((int)strlen(defs[i].name) > w)
			w = (int)strlen(defs[i].name);
	printf("%-*s %-13s %5s %6s %6s %7s %5s %s\n", w, "NAME", "STATE", "CPU%", "MEM", "RSS",
	       "UPTIME", "VNC", "CD");
	for (size_t i = 0; i < n; i++)
		table_row(w, &defs[i], &sts[i]);
	/* the reasons, where the admin looks next */
	for (size_t i = 0; i < n; i++)
		if (sts[i].reason)
			tprintf("%s: %s: %s\n", defs[i].name, vmstate_name(sts[i].state),
				sts[i].reason);
}

/* "ip: 10.0.2.15, fd00::5" for a running guest whose addresses are known. */
static void show_ip(const struct config *cfg, const struct vmdef *d, const struct vm_status *st)
{
	struct strv ips = { 0 };
	struct sbuf b = { 0 };

	if (!live(st) || st->state == VM_UNRESPONSIVE)
		return;
	guestip_get(cfg, d, st->pid, SHOW_AGENT_MS, &ips);
	for (size_t i = 0; i < ips.n; i++)
		sbuf_printf(&b, "%s%s", i ? ", " : "", ips.v[i]);
	tprintf("ip:          %s\n", ips.n ? b.s : "(unknown)");
	sbuf_free(&b);
	strv_free(&ips);
}

static void show_print(const struct config *cfg, const struct vmdef *d, const struct vm_status *st)
{
	char buf[32];
	bool valid = st->state != VM_INVALID;

	tprintf("name:        %s\nstate:       %s\n", d->name, vmstate_name(st->state));
	if (st->reason)
		tprintf("reason:      %s\n", st->reason);
	if (!valid)
		return;
	if (d->description && *d->description) {
		char *desc = text_escape(d->description, false);  /* one line, whatever it holds */

		tprintf("description: %s\n", desc);
		free(desc);
	}
	if (live(st)) {
		printf("pid:         %ld\n", (long)st->pid);
		if (st->cpu_percent >= 0)
			printf("cpu:         %.1f%%\n", st->cpu_percent);
		tprintf("resident:    %s\n", size_human(st->rss, buf, sizeof buf));
		tprintf("uptime:      %s\n", uptime_text(st->uptime, buf, sizeof buf));
		show_ip(cfg, d, st);
	}
	tprintf("cpus:        %d (%s, %s)\n", d->cpus, d->cpu ? d->cpu : "-",
		d->machine ? d->machine : "-");
	tprintf("memory:      %s\n", size_human(d->memory, buf, sizeof buf));
	if (d->vnc)
		tprintf("vnc:         %s:%d (display %d)%s\n", d->vnc_listen ? d->vnc_listen : "",
			5900 + d->vnc_display, d->vnc_display,
			d->vnc_password ? ", password set" : ", no password");
	tprintf("cdrom:       %s\n", cdrom_shown(d, st) ? cdrom_shown(d, st) : "(empty)");
	tprintf("boot:        %s\n", d->boot ? d->boot : vmdef_default("boot"));
	char *as = autostart_describe(d);

	tprintf("autostart:   %s\n", as);
	free(as);
	for (size_t i = 0; i < d->n_disks; i++)
		tprintf("disk %zu:      %s %s %s\n", i,
			d->disks[i].lv ? d->disks[i].lv : d->disks[i].file,
			disk_iface_name(d->disks[i].iface),
			d->disks[i].size ? size_human(d->disks[i].size, buf, sizeof buf) : "");
	for (size_t i = 0; i < d->n_nics; i++)
		tprintf("nic %zu:       %s %s %s\n", i,
			d->nics[i].bridge ? d->nics[i].bridge : "user",
			d->nics[i].model ? d->nics[i].model : "",
			d->nics[i].mac ? d->nics[i].mac : "");
}

#define SHOW_EVENTS 10

/* The end of `show`: the newest lines of the guest's event log, local times. */
static void show_events(const struct config *cfg, const char *name)
{
	struct events_entry ev[SHOW_EVENTS];
	size_t n = events_recent(cfg, name, SHOW_EVENTS, ev);

	printf("\nRecent events:\n");
	if (n == 0)
		printf("  (none)\n");
	for (size_t k = 0; k < n; k++) {
		char when[32];
		struct tm tm;

		strftime(when, sizeof when, "%Y-%m-%d %H:%M", localtime_r(&ev[k].when, &tm));
		tprintf("  %s  %s%s%s%s\n", when, ev[k].text, ev[k].actor ? "  (by " : "",
			ev[k].actor ? ev[k].actor : "", ev[k].actor ? ")" : "");
	}
	events_free(ev, n);
}

/* ---- verbs ---- */

int cmd_list(struct cli *c, int argc, char **argv)
{
	struct vmdef *defs = NULL;
	struct vm_status *sts;
	size_t n = 0;

	if (argc > 1)
		return cli_usage(c);
	if (cli_load_all(c, &defs, &n) != 0)
		return EXIT_USAGE;
	sts = xcalloc(n ? n : 1, sizeof *sts);
	status_all(&c->cfg, defs, n, sts, c->cfg.status_timeout_ms);
	if (c->json) {
		json_t *a = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(
				a, cmd_status_json(&c->cfg, &defs[i], &sts[i], LIST_AGENT_MS));
		cli_json_print_indented(a);
	} else {
		table_print(defs, sts, n);
	}
	for (size_t i = 0; i < n; i++)
		vmstate_status_clear(&sts[i]);
	free(sts);
	vmdefs_free(defs, n);
	return EXIT_DONE;
}

/*
 * show --json only: the keys the edit form shows that list's objects leave out (another host's
 * console opens its edit form on them). The VNC password never: only whether one is set.
 */
static json_t *definition_json(const struct vmdef *d)
{
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:b, s:i, s:i, s:b, s:b}", "description",
			 d->description ? d->description : "", "cpu", json_str_or_null(d->cpu),
			 "machine", json_str_or_null(d->machine), "boot",
			 json_str_or_null(d->boot), "rtc", json_str_or_null(d->rtc), "autostart",
			 d->autostart, "autostart_order", d->autostart_order, "autostart_delay",
			 d->autostart_delay, "vnc_allow_no_password", d->vnc_allow_no_password,
			 "guest_agent", d->guest_agent);
}

int cmd_show(struct cli *c, int argc, char **argv)
{
	struct vmdef def;
	struct vm_status st = { 0 };
	char *err = NULL;
	int rc = EXIT_DONE;

	if (argc != 2)
		return cli_usage(c);
	if (vmdef_load_by_name(&c->cfg, argv[1], &def, &err) < 0) {
		if (def.error == NULL) { /* no such file, or not a guest name */
			cli_error(EXIT_USAGE, "%s", err);
			free(err);
			vmdef_free(&def);
			return EXIT_USAGE;
		}
		rc = EXIT_USAGE;
	}
	free(err);
	status_all(&c->cfg, &def, 1, &st, c->cfg.status_timeout_ms);
	if (c->json) {
		json_t *o = cmd_status_json(&c->cfg, &def, &st, SHOW_AGENT_MS);

		if (def.error == NULL)
			json_object_set_new(o, "definition", definition_json(&def));

		cli_json_print_indented(o);
	} else {
		show_print(&c->cfg, &def, &st);
		show_events(&c->cfg, def.name);
	}
	vmstate_status_clear(&st);
	vmdef_free(&def);
	return rc;
}
