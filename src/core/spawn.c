/*
 * spawn.c: fork/exec of helper programs with explicit argv, pipes, and their stderr kept for
 * errors.
 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

/* Connects child fd target to what the caller asked for; runs in the child only. */
static void child_fd(int want, int pipe_end, int target)
{
	int fd = want;

	if (want == SPAWN_PIPE)
		fd = pipe_end;
	else if (want == SPAWN_NULL)
		fd = open("/dev/null", O_RDWR);
	if (fd >= 0 && fd != target)
		dup2(fd, target);
}

static void child_exec(char *const argv[], int in, int out, int p_in, int p_out, int errfd)
{
	child_fd(in, p_in, 0);
	child_fd(out, p_out, 1);
	dup2(errfd, 2);
	/* only 0-2 survive: lvm complains about (and others may hold) stray fds */
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int spawn_start(struct spawn *sp, char *const argv[], int in, int out, char **err)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 };

	sp->pid = -1;
	sp->in = sp->out = -1;
	sp->errfd = memfd_create("stderr", MFD_CLOEXEC);
	if (sp->errfd < 0 || (in == SPAWN_PIPE && pipe2(pin, O_CLOEXEC) < 0) ||
	    (out == SPAWN_PIPE && pipe2(pout, O_CLOEXEC) < 0)) {
		err_set(err, "cannot run %s: %s", argv[0], strerror(errno));
		goto fail;
	}
	sp->pid = fork();
	if (sp->pid < 0) {
		err_set(err, "cannot run %s: %s", argv[0], strerror(errno));
		goto fail;
	}
	if (sp->pid == 0)
		child_exec(argv, in, out, pin[0], pout[1], sp->errfd);
	if (in == SPAWN_PIPE) {
		close(pin[0]);
		sp->in = pin[1];
	}
	if (out == SPAWN_PIPE) {
		close(pout[1]);
		sp->out = pout[0];
	}
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (pin[i] >= 0)
			close(pin[i]);
		if (pout[i] >= 0)
			close(pout[i]);
	}
	if (sp->errfd >= 0)
		close(sp->errfd);
	sp->errfd = -1;
	return -1;
}

/* lvm prints this on every call when activation is off; it is never the reason for a failure. */
static bool line_is_noise(const char *s)
{
	return strstr(s, "Activation disabled") || strstr(s, "not zeroed") ||
	       strstr(s, "Skipping zeroing") || strstr(s, "leaked on");
}

/* The last non-empty, meaningful line of the child's stderr, trimmed. */
static char *last_line(int fd)
{
	char buf[8192];
	off_t size = lseek(fd, 0, SEEK_END);
	off_t from = size > (off_t)sizeof buf - 1 ? size - (off_t)sizeof buf + 1 : 0;
	ssize_t n = pread(fd, buf, sizeof buf - 1, from);
	char *best = NULL;

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		while (*l == ' ' || *l == '\t')
			l++;
		size_t len = strlen(l);
		while (len > 0 && (l[len - 1] == '\r' || l[len - 1] == ' '))
			l[--len] = '\0';
		if (len > 0 && !line_is_noise(l))
			best = l;
	}
	return best ? xstrdup(best) : NULL;
}

int spawn_finish(struct spawn *sp, char **errtext)
{
	int status = 0, rc;

	if (sp->in >= 0)
		close(sp->in);
	if (sp->out >= 0)
		close(sp->out);
	sp->in = sp->out = -1;
	while (waitpid(sp->pid, &status, 0) < 0 && errno == EINTR)
		;
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (errtext)
		*errtext = last_line(sp->errfd);
	close(sp->errfd);
	sp->errfd = -1;
	return rc;
}

int spawn_run(char *const argv[], char **out, char **err)
{
	struct spawn sp;
	struct sbuf b = { 0 };
	char *why = NULL;
	int rc;

	if (spawn_start(&sp, argv, SPAWN_NULL, SPAWN_PIPE, err) < 0)
		return -1;
	/* a failed read only ends the output early: the exit status decides */
	(void)fd_read_all(sp.out, &b);
	rc = spawn_finish(&sp, &why);
	if (rc != 0) {
		if (why)
			err_set(err, "%s: %s", argv[0], why);
		else
			err_set(err, "%s failed (exit status %d)", argv[0], rc);
		free(why);
		sbuf_free(&b);
		return -1;
	}
	free(why);
	if (out)
		*out = sbuf_take(&b);
	else
		sbuf_free(&b);
	return 0;
}
