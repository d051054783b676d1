/*
 * systemd.c: guests as systemd units: whether systemd runs the host, starting through
 * vmdeck@NAME.service, sd_notify.
 */
#include "systemd.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "spawn.h"
#include "util.h"
#include "vmstate.h"

/*
 * Where systemd looks for system units (systemd-analyze unit-paths), for "is the template
 * installed".
 */
static const char *const unit_dirs[] = {
	"/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system",
	"/lib/systemd/system", "/usr/lib/systemd/system",
};

bool systemd_booted(void)
{
	char comm[32] = "";
	FILE *f;

	if (access("/run/systemd/system", F_OK) < 0)
		return false;
	if ((f = fopen("/proc/1/comm", "re")) == NULL)
		return false;
	if (fgets(comm, sizeof comm, f) == NULL)
		comm[0] = '\0';
	fclose(f);
	return strcmp(comm, "systemd\n") == 0;
}

static bool template_installed(void)
{
	for (size_t i = 0; i < ARRAY_LEN(unit_dirs); i++) {
		char *p = xasprintf("%s/vmdeck@.service", unit_dirs[i]);
		bool there = access(p, F_OK) == 0;

		free(p);
		if (there)
			return true;
	}
	return false;
}

bool systemd_units_in_use(char **why)
{
	const char *force = getenv("VMDECK_SYSTEMD");
	const char *text;
	bool units = false;

	if (force && strcmp(force, "no") == 0)
		text = "direct: QEMU daemonized by vmdeck (VMDECK_SYSTEMD=no)";
	else if (!systemd_booted())
		text = "direct: QEMU daemonized by vmdeck (systemd is not PID 1)";
	else if (geteuid() != 0)
		text = "direct: QEMU daemonized by vmdeck (systemd is PID 1, but units need root)";
	else if (!template_installed())
		text = "direct: QEMU daemonized by vmdeck (systemd is PID 1, but vmdeck@.service "
		       "is not installed: make install)";
	else {
		text = "systemd: each guest runs as vmdeck@NAME.service";
		units = true;
	}
	if (why)
		*why = xstrdup(text);
	return units;
}

bool systemd_host_stopping(void)
{
	char *argv[] = { (char *)"systemctl", (char *)"is-system-running", NULL };
	struct spawn sp;
	struct sbuf b = { 0 };
	bool stopping;

	/* it exits nonzero for every state but "running": the words decide */
	if (spawn_start(&sp, argv, SPAWN_NULL, SPAWN_PIPE, NULL) < 0)
		return false;
	(void)fd_read_all(sp.out, &b);
	spawn_finish(&sp, NULL);
	stopping = b.s && strncmp(b.s, "stopping", 8) == 0;
	sbuf_free(&b);
	return stopping;
}

int systemd_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	socklen_t salen;
	int fd, rc;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return 1;
	if ((len = strlen(path)) >= sizeof sa.sun_path)
		return -1;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')  /* an abstract socket */
		sa.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	rc = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen) < 0 ? -1
											       : 0;
	close(fd);
	return rc;
}

/* ---- the start's hand-over: environment file in, result file out ---- */

/* KEY="VALUE" as an EnvironmentFile reads it: \ " ` $ escaped; a newline cannot be carried. */
static int env_add(struct sbuf *b, const char *key, const char *value, char **err)
{
	if (value == NULL)
		return 0;
	if (strchr(value, '\n'))
		return err_set(err, "%s holds a newline: it cannot be passed to the unit", key);
	sbuf_printf(b, "%s=\"", key);
	for (const char *p = value; *p; p++) {
		if (strchr("\\\"`$", *p))
			sbuf_add(b, "\\");
		sbuf_addn(b, p, 1);
	}
	sbuf_add(b, "\"\n");
	return 0;
}

static int env_write(const struct config *cfg, const char *name, const struct vm_start_opts *o,
		     const char *actor, char **err)
{
	struct sbuf b = { 0 };
	char *conf = realpath(cfg->path, NULL), *path = NULL;
	int rc = -1;

	if (conf == NULL)
		return err_set(err, "cannot resolve %s: %s", cfg->path, strerror(errno));
	if (env_add(&b, "VMDECK_CONFIG", conf, err) == 0 &&
	    env_add(&b, "VMDECK_START_CDROM", o ? o->cdrom : NULL, err) == 0 &&
	    env_add(&b, "VMDECK_START_BOOT", o ? o->boot : NULL, err) == 0 &&
	    env_add(&b, "VMDECK_START_ACTOR", actor, err) == 0 &&
	    mkdir_p(SYSTEMD_ENV_DIR, 0755, err) == 0) {
		path = xasprintf("%s/%s.env", SYSTEMD_ENV_DIR, name);
		rc = file_write_atomic(path, b.s ? b.s : "", b.len, 0600, err);
	}
	free(path);
	free(conf);
	sbuf_free(&b);
	return rc;
}

void systemd_start_result_write(const struct config *cfg, const char *name, int rc,
				const char *warn, const char *err)
{
	char *path = vmstate_path(cfg, name, SYSTEMD_START_RESULT);
	struct sbuf b = { 0 };

	sbuf_add(&b, rc == 0 ? "ok\n" : "");
	if (warn)
		sbuf_printf(&b, "warning\t%s\n", warn);
	if (rc != 0)
		sbuf_printf(&b, "error\t%s\n", err ? err : "unknown error");
	file_write_atomic(path, b.s, b.len, 0600, NULL);
	sbuf_free(&b);
	free(path);
}

/* The text after "KEY\t" on the result's line for key, allocated; NULL when absent. */
static char *result_line(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, key, klen) == 0 && p[klen] == '\t')
			return xstrndup(p + klen + 1, strcspn(p + klen + 1, "\n"));
	return NULL;
}

static char *result_read(const struct config *cfg, const char *name)
{
	char *path = vmstate_path(cfg, name, SYSTEMD_START_RESULT);
	char *text = file_read_max(path, 4096, O_NOFOLLOW, NULL, NULL);

	free(path);
	return text;
}

bool systemd_start_failed(const struct config *cfg, const char *name)
{
	char *text = result_read(cfg, name);
	char *e = text ? result_line(text, "error") : NULL;
	bool failed = e != NULL;

	free(e);
	free(text);
	return failed;
}

static void result_clear(const struct config *cfg, const char *name)
{
	char *path = vmstate_path(cfg, name, SYSTEMD_START_RESULT);

	unlink(path);
	free(path);
}

/*
 * After systemctl returned: the unit's words, else systemctl's (the unit never ran: not installed,
 * refused).
 */
static int result_take(const struct config *cfg, const char *name, const char *systemctl_err,
		       char **warn, char **err)
{
	char *text = result_read(cfg, name);
	char *e = text ? result_line(text, "error") : NULL;
	int rc = 0;

	if (warn)
		*warn = text ? result_line(text, "warning") : NULL;
	if (e)
		rc = err_set(err, "%s", e);
	else if (text == NULL || strncmp(text, "ok\n", 3) != 0)
		rc = err_set(err, "%s",
			     systemctl_err ? systemctl_err
					   : "the unit did not start (journalctl -u vmdeck@NAME)");
	result_clear(cfg, name);
	free(e);
	free(text);
	return rc;
}

int systemd_start_guests(const struct config *cfg, const char *const *names, size_t n,
			 const char *actor, char **warns, char **errs)
{
	struct strv argv = { 0 };
	char *sysctl_err = NULL;
	int rc = 0;

	strv_add(&argv, "systemctl");
	strv_add(&argv, "start");
	for (size_t i = 0; i < n; i++) {
		warns[i] = errs[i] = NULL;
		if (vmstate_dir_prepare(cfg, names[i], &errs[i]) < 0 ||
		    env_write(cfg, names[i], NULL, actor, &errs[i]) < 0) {
			rc = -1;
			continue;
		}
		result_clear(cfg, names[i]);
		strv_addf(&argv, SYSTEMD_GUEST_UNIT, names[i]);
	}
	if (argv.n > 2)
		spawn_run(argv.v, NULL, &sysctl_err);
	for (size_t i = 0; i < n; i++)
		if (errs[i] == NULL &&
		    result_take(cfg, names[i], sysctl_err, &warns[i], &errs[i]) < 0)
			rc = -1;
	free(sysctl_err);
	strv_free(&argv);
	return rc;
}

int systemd_start_guest(const struct config *cfg, const char *name,
			const struct vm_start_opts *opts, const char *actor, char **warn,
			char **err)
{
	char *unit = xasprintf(SYSTEMD_GUEST_UNIT, name);
	char *argv[] = { (char *)"systemctl", (char *)"start", unit, NULL };
	char *sysctl_err = NULL;
	int rc = -1;

	if (warn)
		*warn = NULL;
	if (vmstate_dir_prepare(cfg, name, err) == 0 &&
	    env_write(cfg, name, opts, actor, err) == 0) {
		result_clear(cfg, name);
		spawn_run(argv, NULL, &sysctl_err);
		rc = result_take(cfg, name, sysctl_err, warn, err);
	}
	free(sysctl_err);
	free(unit);
	return rc;
}
