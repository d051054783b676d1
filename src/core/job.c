/*
 * job.c: background jobs run in child processes, their output read through a pipe by the caller's
 * loop.
 */
#include "job.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define JOB_OUT_MAX (64 * 1024)

static int job_next_id = 1;

/* In the child: output to the pipe, nothing else inherited, signals as for a fresh program. */
static void child_setup(int wfd, int in_fd)
{
	static const int sigs[] = { SIGCHLD, SIGWINCH, SIGINT,	SIGTERM,
				    SIGPIPE, SIGHUP,   SIGQUIT, SIGTSTP };
	sigset_t none;
	int null_fd = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY);

	for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
		signal(sigs[i], SIG_DFL);
	/*
	 * a group of its own: a job that must be killed takes what it started (ssh, zstd, qemu-img)
	 * with it
	 */
	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (null_fd >= 0 && null_fd != 0) {
		dup2(null_fd, 0);
		close(null_fd);
	}
	dup2(wfd, 1);
	dup2(wfd, 2);
	/* other jobs' pipes and the console's sockets must not leak into the child */
	close_range(3, ~0U, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static struct job *job_new(const char *guest, const char *title)
{
	struct job *j = xcalloc(1, sizeof *j);

	j->id = job_next_id++;
	j->fd = -1;
	j->guest = guest ? xstrdup(guest) : NULL;
	j->title = xstrdup(title);
	j->progress = -1;
	j->started = now_mono();
	return j;
}

/*
 * A new job and its child, joined by a pipe: returns the job in both (the
 * child's output already goes into the pipe), with *child telling which side
 * this is. NULL when no child could be made.
 */
static struct job *job_fork(const char *guest, const char *title, int in_fd, bool *child,
			    char **err)
{
	struct job *j = job_new(guest, title);
	int p[2];
	pid_t pid;

	*child = false;
	if (pipe2(p, O_CLOEXEC) < 0) {
		err_set(err, "cannot make a pipe: %s", strerror(errno));
		job_free(j);
		return NULL;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		err_set(err, "cannot fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		job_free(j);
		return NULL;
	}
	if (pid == 0) {
		close(p[0]);
		child_setup(p[1], in_fd);
		*child = true;
		return j;
	}
	close(p[1]);
	/* as the child does: whichever runs first, the group exists before a kill */
	setpgid(pid, pid);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	j->fd = p[0];
	j->pid = pid;
	return j;
}

struct job *job_call(const char *guest, const char *title, job_fn fn, void *arg, char **err)
{
	bool child;
	struct job *j = job_fork(guest, title, -1, &child, err);

	if (j && child) {
		int rc = fn(arg);

		fflush(stdout);
		fflush(stderr);
		_exit(rc & 0xff);
	}
	return j;
}

static struct job *job_exec(const char *path, char *const *argv, bool use_path, const char *guest,
			    const char *title, int in_fd, char **err)
{
	bool child;
	struct job *j = job_fork(guest, title, in_fd, &child, err);

	if (j && child) {
		if (use_path)
			execvp(path, argv);
		else
			execv(path, argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return j;
}

/* "vmdeck -c CONFIG WORDS..." as an argv for re-executing ourselves. */
static void verb_argv(const char *config_path, const char *const *words, struct strv *argv)
{
	strv_add(argv, "vmdeck");
	if (config_path) {
		strv_add(argv, "-c");
		strv_add(argv, config_path);
	}
	for (size_t i = 0; words[i]; i++)
		strv_add(argv, words[i]);
}

struct job *job_run_verb(const char *config_path, const char *const *words, const char *guest,
			 char **err)
{
	struct strv argv = { 0 };
	struct sbuf title = { 0 };
	struct job *j;

	verb_argv(config_path, words, &argv);
	for (size_t i = 0; words[i]; i++)
		sbuf_printf(&title, "%s%s", i ? " " : "", words[i]);
	if (!words[0]) {
		strv_free(&argv);
		sbuf_free(&title);
		err_set(err, "no verb given");
		return NULL;
	}
	j = job_exec("/proc/self/exe", argv.v, false, guest, title.s ? title.s : "", -1, err);
	strv_free(&argv);
	sbuf_free(&title);
	return j;
}

int job_run_foreground(const char *config_path, const char *const *words, char **err)
{
	struct strv argv = { 0 };
	pid_t pid, r;
	int st = 0;

	verb_argv(config_path, words, &argv);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		strv_free(&argv);
		return err_set(err, "cannot fork: %s", strerror(errno));
	}
	if (pid == 0) {
		signal(SIGCHLD, SIG_DFL);
		signal(SIGWINCH, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		close_range(3, ~0U, 0);
		execv("/proc/self/exe", argv.v);
		fprintf(stderr, "cannot run vmdeck: %s\n", strerror(errno));
		_exit(127);
	}
	strv_free(&argv);
	do
		r = waitpid(pid, &st, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return err_set(err, "lost the child: %s", strerror(errno));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

struct job *job_run_argv(const char *const *argv, const char *guest, const char *title, char **err)
{
	return job_exec(argv[0], (char *const *)argv, true, guest, title, -1, err);
}

/*
 * The input goes whole into a fresh pipe before the fork (it must fit in the pipe's buffer, so
 * nothing waits on the child to read), and the write end is closed: the child reads it, then EOF.
 */
struct job *job_run_argv_input(const char *const *argv, const char *guest, const char *title,
			       const void *input, size_t len, char **err)
{
	int p[2], cap;
	struct job *j = NULL;

	if (pipe2(p, O_CLOEXEC) < 0) {
		err_set(err, "cannot make a pipe: %s", strerror(errno));
		return NULL;
	}
	cap = fcntl(p[1], F_GETPIPE_SZ);
	if (len > (size_t)(cap > 0 ? cap : 4096))
		err_set(err, "input of %zu bytes does not fit a pipe", len);
	else if (len && write(p[1], input, len) != (ssize_t)len)
		err_set(err, "cannot write the input: %s", strerror(errno));
	else {
		close(p[1]);
		p[1] = -1;
		j = job_exec(argv[0], (char *const *)argv, true, guest, title, p[0], err);
	}
	if (p[1] >= 0)
		close(p[1]);
	close(p[0]);
	return j;
}

/* The newest "NN%" in a line, or -1. */
static int line_progress(const char *line)
{
	int found = -1;

	for (const char *p = strchr(line, '%'); p; p = strchr(p + 1, '%')) {
		const char *d = p;
		int v = 0, mul = 1;

		while (d > line && d[-1] >= '0' && d[-1] <= '9' && mul <= 100) {
			d--;
			v += (*d - '0') * mul;
			mul *= 10;
		}
		if (d != p && v <= 100)
			found = v;
	}
	return found;
}

/* Notes the last complete non-empty line of what has been read so far. */
static void scan_lines(struct job *j, size_t from)
{
	char *s = j->out.s;
	size_t start = from;

	while (start > 0 && s[start - 1] != '\n')
		start--;
	for (size_t i = start; i < j->out.len; i++) {
		size_t a = i, b;
		int pr;

		while (i < j->out.len && s[i] != '\n' && s[i] != '\r')
			i++;
		if (i >= j->out.len)
			break; /* incomplete line: wait for the rest */
		b = i;
		while (a < b && (s[a] == ' ' || s[a] == '\t'))
			a++;
		if (b > a) {
			free(j->last_line);
			j->last_line = xstrndup(s + a, b - a);
			if ((pr = line_progress(j->last_line)) >= 0)
				j->progress = pr;
		}
	}
}

static void trim_output(struct job *j)
{
	size_t drop;

	if (j->out_keep) {
		if (j->out.len > j->out_keep) {
			j->out.len = j->out_keep;
			j->out.s[j->out.len] = '\0';
			j->out_cut = true;
		}
		return;
	}
	if (j->out.len <= JOB_OUT_MAX)
		return;
	drop = j->out.len - JOB_OUT_MAX / 2;
	memmove(j->out.s, j->out.s + drop, j->out.len - drop + 1);
	j->out.len -= drop;
}

int job_read(struct job *j)
{
	char buf[4096];

	while (j->fd >= 0) {
		ssize_t r = read(j->fd, buf, sizeof buf);

		if (r > 0) {
			size_t from = j->out.len;

			sbuf_addn(&j->out, buf, (size_t)r);
			scan_lines(j, from);
			trim_output(j);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		/* EOF or error: a final unterminated line still counts */
		if (j->out.len && j->out.s[j->out.len - 1] != '\n') {
			sbuf_add(&j->out, "\n");
			scan_lines(j, j->out.len - 1);
		}
		close(j->fd);
		j->fd = -1;
	}
	return 0;
}

bool job_reap(struct job *j)
{
	int st;
	pid_t r;

	if (j->exited)
		return true;
	do
		r = waitpid(j->pid, &st, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == j->pid || (r < 0 && errno == ECHILD)) {
		j->exited = true;
		j->status = r == j->pid ? st : 0;
		j->ended = now_mono();
	}
	return j->exited;
}

bool job_done(const struct job *j)
{
	return j->exited && j->fd < 0;
}

int job_exit_code(const struct job *j)
{
	if (!j->exited)
		return -1;
	if (WIFEXITED(j->status))
		return WEXITSTATUS(j->status);
	if (WIFSIGNALED(j->status))
		return 128 + WTERMSIG(j->status);
	return 1;
}

const char *job_result(const struct job *j)
{
	static char buf[64];
	int code = job_exit_code(j);

	if (j->last_line)
		return j->last_line;
	if (code < 0)
		return "running";
	if (code == 0)
		return "done";
	if (code > 128)
		snprintf(buf, sizeof buf, "killed by signal %d", code - 128);
	else
		snprintf(buf, sizeof buf, "failed (exit %d)", code);
	return buf;
}

void job_cancel(struct job *j)
{
	if (!j->exited && j->pid > 0)
		kill(j->pid, SIGTERM);
}

/*
 * Waits up to timeout_s for the child to exit, reading its output so a full pipe never holds it up.
 */
static bool job_wait_exit(struct job *j, double timeout_s)
{
	double end = now_mono() + timeout_s;

	while (!job_reap(j) && now_mono() < end) {
		struct pollfd p = { .fd = j->fd, .events = POLLIN };

		if (j->fd < 0)
			usleep(50 * 1000);
		else if (poll(&p, 1, 100) > 0)
			job_read(j);
	}
	return j->exited;
}

int job_stop(struct job *j, double timeout_s)
{
	int st = 0;

	if (j->exited || j->pid <= 0)
		return 0;
	kill(j->pid, SIGTERM);
	if (job_wait_exit(j, timeout_s))
		return 0;
	/*
	 * SIGTERM went to the job alone (it ends its own children); SIGKILL goes to its whole group
	 */
	kill(-j->pid, SIGKILL);
	while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR)
		;
	j->exited = true;
	j->status = st;
	j->ended = now_mono();
	return 1;
}

void job_free(struct job *j)
{
	if (!j)
		return;
	job_stop(j, JOB_STOP_WAIT);
	if (j->fd >= 0)
		close(j->fd);
	sbuf_free(&j->out);
	free(j->last_line);
	free(j->guest);
	free(j->title);
	free(j);
}

/* One character of a word, handling quotes and backslashes; returns the new position. */
static const char *split_take(const char *p, struct sbuf *w, char *quote)
{
	if (*quote) {
		if (*p == *quote)
			*quote = 0;
		else if (*p == '\\' && *quote == '"' && p[1])
			sbuf_addn(w, ++p, 1);
		else
			sbuf_addn(w, p, 1);
		return p + 1;
	}
	if (*p == '\'' || *p == '"')
		*quote = *p;
	else if (*p == '\\' && p[1])
		sbuf_addn(w, ++p, 1);
	else
		sbuf_addn(w, p, 1);
	return p + 1;
}

int job_split_words(const char *line, struct strv *out, char **err)
{
	const char *p = line;

	for (;;) {
		struct sbuf w = { 0 };
		char quote = 0;
		bool any = false;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return 0;
		while (*p && (quote || (*p != ' ' && *p != '\t'))) {
			p = split_take(p, &w, &quote);
			any = true;
		}
		if (quote) {
			sbuf_free(&w);
			return err_set(err, "unterminated %c quote", quote);
		}
		if (any) {
			char *s = sbuf_take(&w);

			strv_add(out, s);
			free(s);
		}
		sbuf_free(&w);
	}
}
