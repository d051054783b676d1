/*
 * hosts.c: other servers over OpenSSH: explicit ssh argv, remote commands with every argument
 * single-quoted.
 */
#include "hosts.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* host_run's callers read short answers: listings, a manifest, a checksum */
#define HOST_OUTPUT_MAX (8 << 20)

int host_resolve(const struct config *cfg, const char *arg, struct host *out, char **err)
{
	const struct host *h = config_host(cfg, arg);

	memset(out, 0, sizeof *out);
	if (h) {
		*out = *h;
		return 0;
	}
	/*
	 * not a configured name: a plain ssh destination; never one that ssh would read as an
	 * option
	 */
	if (arg[0] == '\0' || arg[0] == '-' || strpbrk(arg, " \t\n'\"\\;|&$`<>()") != NULL)
		return err_set(err,
			       "%s: not a configured host nor an ssh destination like user@host",
			       arg);
	out->name = (char *)(uintptr_t)arg;
	out->ssh = (char *)(uintptr_t)arg;
	return 0;
}

char *sh_quote(const char *s)
{
	struct sbuf b = { 0 };

	sbuf_add(&b, "'");
	for (; *s; s++) {
		if (*s == '\'')
			sbuf_add(&b, "'\\''");
		else
			sbuf_addn(&b, s, 1);
	}
	sbuf_add(&b, "'");
	return sbuf_take(&b);
}

void host_ssh_argv(const struct host *h, struct strv *av, const char *remote_cmd, bool tty)
{
	strv_add(av, "ssh");
	if (h->ssh_config) {
		strv_add(av, "-F");
		strv_add(av, h->ssh_config);
	}
	/* never stop to ask for a password or a host key: a script would hang */
	strv_add(av, "-o");
	strv_add(av, "BatchMode=yes");
	/* a dropped link ends the transfer within a minute instead of hanging forever */
	strv_add(av, "-o");
	strv_add(av, "ServerAliveInterval=15");
	strv_add(av, "-o");
	strv_add(av, "ServerAliveCountMax=4");
	/*
	 * a host that is down answers nothing: give up on it in seconds, not at TCP's two minutes
	 */
	strv_add(av, "-o");
	strv_add(av, "ConnectTimeout=10");
	strv_add(av, tty ? "-t" : "-T");
	strv_add(av, "--");
	strv_add(av, h->ssh);
	strv_add(av, remote_cmd);
}

char *host_failure(const struct host *h, int status, char *why)
{
	char *s;

	/* 255 is ssh's own failure (it cannot be 128 + a signal: signals end below 65) */
	if (status == 255) {
		const char *w = why && strncmp(why, "ssh: ", 5) == 0 ? why + 5 : why;

		s = xasprintf("%s: ssh: cannot reach the host (exit 255)%s%s", h->name,
			      w ? ": " : "", w ? w : "");
	} else if (why)
		s = xasprintf("%s: %s", h->name, why);
	else if (status > 128)  /* our ssh itself died: the link is gone */
		s = xasprintf("%s: the connection ended (ssh killed by signal %d)", h->name,
			      status - 128);
	else
		s = xasprintf("%s: the remote command failed (exit status %d)", h->name, status);
	free(why);
	return s;
}

static int host_fail(const struct host *h, int rc, char *why, char **err)
{
	char *s = host_failure(h, rc, why);

	err_set(err, "%s", s);
	free(s);
	return -1;
}

int host_spawn(const struct host *h, const char *remote_cmd, struct spawn *sp, int in, int out,
	       char **err)
{
	struct strv av = { 0 };
	int rc;

	host_ssh_argv(h, &av, remote_cmd, false);
	rc = spawn_start(sp, av.v, in, out, err);
	strv_free(&av);
	return rc;
}

int host_run(const struct host *h, const char *remote_cmd, char **out, char **err)
{
	struct spawn sp;
	struct sbuf b = { 0 };
	char *why = NULL;
	int rc;

	if (host_spawn(h, remote_cmd, &sp, SPAWN_NULL, SPAWN_PIPE, err) < 0)
		return -1;
	/* a failed read only ends the output early: the exit status decides */
	if (fd_read_max(sp.out, &b, HOST_OUTPUT_MAX) > 0) {
		kill(sp.pid, SIGTERM);  /* a remote /dev/zero would fill our memory */
		spawn_finish(&sp, NULL);
		sbuf_free(&b);
		return err_set(err, "%s: the remote command printed more than %d MiB: refused",
			       h->name, HOST_OUTPUT_MAX >> 20);
	}
	rc = spawn_finish(&sp, &why);
	if (rc != 0) {
		sbuf_free(&b);
		return host_fail(h, rc, why, err);
	}
	free(why);
	/* every caller reads text: a NUL would cut it short unseen */
	if (b.s && strlen(b.s) != b.len) {
		sbuf_free(&b);
		return err_set(err, "%s: the remote command printed a NUL byte: not text, refused",
			       h->name);
	}
	if (out)
		*out = sbuf_take(&b);
	else
		sbuf_free(&b);
	return 0;
}

char *host_lvm_cmd(const struct host *h, const char *tool)
{
	char *q, *s;

	if (h->lvm_config == NULL || h->lvm_config[0] == '\0')
		return xstrdup(tool);
	q = sh_quote(h->lvm_config);
	s = xasprintf("%s --config %s", tool, q);
	free(q);
	return s;
}

int host_exec_verb(const struct config *cfg, const char *host, int argc, char **argv, char **err)
{
	struct host h;
	struct strv av = { 0 };
	struct sbuf cmd = { 0 };
	char *cmdline;
	bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);

	if (host_resolve(cfg, host, &h, err) < 0)
		return 2;
	/*
	 * host.vmdeck is the admin's own command prefix (may carry -c FILE); the user's args are
	 * quoted
	 */
	sbuf_add(&cmd, h.vmdeck ? h.vmdeck : config_default("hosts.vmdeck"));
	for (int i = 0; i < argc; i++) {
		char *q = sh_quote(argv[i]);

		sbuf_printf(&cmd, " %s", q);
		free(q);
	}
	cmdline = sbuf_take(&cmd);
	host_ssh_argv(&h, &av, cmdline, tty);
	free(cmdline);
	fflush(stdout);
	execvp(av.v[0], av.v);
	err_set(err, "%s: cannot run ssh: %s", h.name, strerror(errno));
	strv_free(&av);
	return 1;
}
