/* notify.c: alerts through the configured argv (no shell, bounded time) and the journal. */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"
#include "util.h"

#define NOTIFY_BODY_MAX (64 * 1024)  /* a report longer than this is cut */
#define NOTIFY_TERM_GRACE 2.0        /* seconds between SIGTERM and SIGKILL */

char *notify_host_name(void)
{
	struct utsname u;

	return xstrdup(uname(&u) == 0 && u.nodename[0] ? u.nodename : "localhost");
}

char *notify_expand(const char *arg, const char *host, const char *subject)
{
	struct sbuf b = { 0 };

	for (const char *p = arg; *p; p++) {
		if (p[0] == '%' && p[1] == 'h')
			sbuf_add(&b, host);
		else if (p[0] == '%' && p[1] == 's')
			sbuf_add(&b, subject);
		else if (p[0] == '%' && p[1] == '%')
			sbuf_add(&b, "%");
		else {
			sbuf_addn(&b, p, 1);
			continue;
		}
		p++;
	}
	return sbuf_take(&b);
}

/* Each line of text to the journal: stderr with a priority prefix under systemd, else syslog. */
static void journal_lines(int prio, const char *subject, const char *body)
{
	bool to_stderr = getenv("JOURNAL_STREAM") != NULL;
	char *copy = xstrdup(body ? body : "");

	if (to_stderr)
		fprintf(stderr, "<%d>vmdeck: %s\n", prio, subject);
	else {
		openlog("vmdeck", LOG_PID, LOG_DAEMON);
		syslog(prio, "%s", subject);
	}
	for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (to_stderr)
			fprintf(stderr, "<%d>vmdeck:   %s\n", prio, l);
		else
			syslog(prio, "  %s", l);
	}
	if (!to_stderr)
		closelog();
	free(copy);
}

/* Has the child exited? Looks without reaping it, so spawn_finish still gets its status. */
static bool child_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof si);
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

static bool wait_until(pid_t pid, double deadline)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	while (!child_exited(pid)) {
		if (now_mono() >= deadline)
			return false;
		nanosleep(&ts, NULL);
	}
	return true;
}

/* Feeds the body to the child's stdin without ever blocking past the deadline. */
static void feed_body(int fd, const char *body, double deadline)
{
	size_t len = strnlen(body, NOTIFY_BODY_MAX), done = 0;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;

	sigaction(SIGPIPE, &ign, &old);  /* a mailer that closes stdin early is not our death */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (done < len) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int ms = (int)((deadline - now_mono()) * 1000);
		ssize_t w;

		if (ms <= 0 || poll(&p, 1, ms) <= 0)
			break;
		w = write(fd, body + done, len - done);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	sigaction(SIGPIPE, &old, NULL);
}

/* Runs the expanded argv with body on stdin; SIGTERM then SIGKILL when it overstays. */
static int run_notifier(char *const argv[], const char *body, int timeout, char **err)
{
	struct spawn sp;
	double deadline = now_mono() + timeout;
	bool hung = false;
	char *why = NULL;
	int rc;

	if (spawn_start(&sp, argv, SPAWN_PIPE, SPAWN_NULL, err) < 0)
		return -1;
	feed_body(sp.in, body, deadline);
	close(sp.in);
	sp.in = -1;
	if (!wait_until(sp.pid, deadline)) {
		hung = true;
		kill(sp.pid, SIGTERM);
		if (!wait_until(sp.pid, now_mono() + NOTIFY_TERM_GRACE))
			kill(sp.pid, SIGKILL);
	}
	rc = spawn_finish(&sp, &why);
	if (hung)
		err_set(err, "notify: %s: still running after %d s, killed", argv[0], timeout);
	else if (rc != 0 && why)
		err_set(err, "notify: %s: %s", argv[0], why);
	else if (rc != 0)
		err_set(err, "notify: %s failed (exit status %d)", argv[0], rc);
	free(why);
	return hung || rc != 0 ? -1 : 0;
}

int notify_send(const struct config *cfg, bool failed, const char *subject, const char *body,
		char **err)
{
	struct strv av = { 0 };
	char *host;
	int rc;

	journal_lines(failed ? LOG_ERR : LOG_INFO, subject, body);
	if (cfg->notify.n == 0 || (!failed && strcmp(cfg->notify_on, "always") != 0))
		return 0;
	host = notify_host_name();
	for (size_t i = 0; i < cfg->notify.n; i++) {
		char *a = notify_expand(cfg->notify.v[i], host, subject);

		strv_add(&av, a);
		free(a);
	}
	rc = run_notifier(av.v, body ? body : "", cfg->notify_timeout, err);
	if (rc < 0 && err && *err)
		journal_lines(LOG_ERR, *err, NULL);
	strv_free(&av);
	free(host);
	return rc;
}
