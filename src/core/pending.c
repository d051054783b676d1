/*
 * pending.c: which settings of a running guest wait for its next start (its command line against
 * its definition's).
 */
#include "pending.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_argv.h"
#include "util.h"
#include "vmstate.h"

/* Which key decides the value of an option (match: only values holding it). Checked in order. */
static const struct {
	const char *opt, *match;
	unsigned key;
	const char *name;
} pending_opts[] = {
	{ "-m", NULL, PENDING_MEMORY, "memory" },
	{ "-smp", NULL, PENDING_CPUS, "cpus" },
	{ "-cpu", NULL, PENDING_CPU, "cpu" },
	{ "-machine", NULL, PENDING_MACHINE, "machine" },
	{ "-drive", "id=disk", PENDING_DISKS, "disks" },
	{ "-device", "drive=disk", PENDING_DISKS, NULL },
	{ "-netdev", NULL, PENDING_NICS, "nics" },
	{ "-device", "netdev=", PENDING_NICS, NULL },
	{ "-vnc", NULL, PENDING_VNC, "vnc" },
	{ "-drive", "id=cd0", 0, NULL },  /* the CD: changed live over QMP, never pending */
	{ "-device", "drive=cd0", PENDING_BOOT, "boot" },
	{ "-rtc", NULL, PENDING_RTC, "rtc" },
	{ NULL, NULL, PENDING_OTHER, "other settings" },
};

/*
 * /proc/PID/cmdline as an argv, or -1 (unreadable, or cut at the bound: not all of it to compare).
 */
static int read_cmdline(pid_t pid, struct strv *out)
{
	size_t len;
	char *buf = vmstate_proc_cmdline(pid, &len);

	if (buf == NULL || len == 0 || buf[len - 1] != '\0') {
		free(buf);
		return -1;
	}
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		strv_add(out, buf + i);
	free(buf);
	return 0;
}

/* The row of pending_opts that decides option opt with value v (the last row: none does). */
static size_t row_of(const char *opt, const char *v)
{
	size_t r = 0;

	for (; pending_opts[r].opt; r++)
		if (strcmp(pending_opts[r].opt, opt) == 0 &&
		    (!pending_opts[r].match || strstr(v, pending_opts[r].match)))
			break;
	return r;
}

/*
 * Every option's value, one line each, into the text of the row that decides
 * it. Left out: what differs between two starts of one definition (the
 * accelerator "auto" picked, paths in the guest's state folder) and the
 * boot order, which the boot row reads from the bootindex of each device.
 */
static void collect(const struct strv *argv, const char *state, struct sbuf *rows)
{
	for (size_t i = 1; i < argv->n; i++) {
		const char *opt = argv->v[i],
			   *v = i + 1 < argv->n && argv->v[i + 1][0] != '-' ? argv->v[++i] : "";
		const char *boot = strstr(v, ",bootindex=");
		size_t r = row_of(opt, v);

		if (strcmp(opt, "-accel") == 0 || (*state && strstr(v, state)) ||
		    strcmp(opt, "-S") == 0)
			continue;
		if (boot) {
			sbuf_printf(&rows[row_of("-device", "drive=cd0")], "%.*s %s\n",
				    (int)strcspn(v, ","), v, boot);
			sbuf_printf(&rows[r], "%s %.*s\n", opt, (int)(boot - v), v);
		} else {
			sbuf_printf(&rows[r], "%s %s\n", opt, v);
		}
	}
}

unsigned pending_changes(const struct config *cfg, const struct vmdef *def, pid_t pid)
{
	enum { ROWS = sizeof pending_opts / sizeof pending_opts[0] };
	struct qemu_argv_opts o = { .accel = "tcg", .daemonize = true, .paused = true };
	struct strv now = { 0 }, ran = { 0 };
	struct sbuf a[ROWS], b[ROWS];
	char *state = vmstate_path(cfg, def->name, ""), *err = NULL;
	unsigned mask = 0;

	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	if (pid > 0 && read_cmdline(pid, &ran) == 0 &&
	    qemu_argv_build(cfg, def, &o, &now, &err) == 0) {
		collect(&ran, state, a);
		collect(&now, state, b);
		for (size_t r = 0; r < ROWS; r++)
			if (strcmp(a[r].s ? a[r].s : "", b[r].s ? b[r].s : "") != 0)
				mask |= pending_opts[r].key;
	}
	for (size_t r = 0; r < ROWS; r++) {
		sbuf_free(&a[r]);
		sbuf_free(&b[r]);
	}
	strv_free(&now);
	strv_free(&ran);
	free(state);
	free(err);
	return mask;
}

const char *pending_names(unsigned mask, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (size_t r = 0; r < sizeof pending_opts / sizeof pending_opts[0] && at < len; r++)
		if ((mask & pending_opts[r].key) && pending_opts[r].name)
			at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "",
					       pending_opts[r].name);
	return buf;
}
