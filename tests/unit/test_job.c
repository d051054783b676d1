/* test_job.c: background jobs (output through a pipe, progress lines, exit codes, cancel) and word splitting. */
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "job.h"
#include "util.h"

/* Drives a job to its end the way the console's loop does: poll the pipe, read, reap. */
static void run_to_end(struct job *j)
{
	double limit = now_mono() + 10;

	while (!job_done(j) && now_mono() < limit) {
		struct pollfd p = { .fd = j->fd, .events = POLLIN };

		if (j->fd >= 0 && poll(&p, 1, 50) > 0)
			job_read(j);
		job_reap(j);
	}
	assert_true(job_done(j));
}

static int child_progress(void *arg)
{
	const char *name = arg;

	printf("%s: reading\n", name);
	printf("backup: 10%% 100M of 1.0G\n");
	fflush(stdout);
	printf("backup: 42%% 420M of 1.0G, 110M/s\n");
	fprintf(stderr, "%s: done, 3 files\n", name);
	return 0;
}

static void test_call_output_and_progress(void **state)
{
	struct job *j = job_call("g1", "backup g1", child_progress, (void *)"g1", NULL);

	assert_non_null(j);
	assert_true(j->pid > 0);
	assert_int_equal(job_exit_code(j), -1);
	run_to_end(j);
	assert_int_equal(job_exit_code(j), 0);
	assert_int_equal(j->progress, 42);
	assert_string_equal(job_result(j), "g1: done, 3 files");
	assert_non_null(strstr(j->out.s, "g1: reading\n"));
	assert_string_equal(j->guest, "g1");
	job_free(j);
}

static int child_fails(void *arg)
{
	return 3;
}

static void test_call_failure_without_output(void **state)
{
	struct job *j = job_call(NULL, "nothing", child_fails, NULL, NULL);

	assert_non_null(j);
	run_to_end(j);
	assert_int_equal(job_exit_code(j), 3);
	assert_null(j->last_line);
	assert_string_equal(job_result(j), "failed (exit 3)");
	assert_int_equal(j->progress, -1);
	job_free(j);
}

/* The input reaches the child's stdin whole, then EOF (cat ends); its argv holds none of it. */
static void test_argv_input_on_stdin(void **state)
{
	const char *argv[] = { "sh", "-c", "cat; echo end", NULL };
	static const char in[] = "s3cret\n{\"keys\": []}\n";
	struct job *j = job_run_argv_input(argv, NULL, "input", in, strlen(in), NULL);
	char *big = xcalloc(1, 1 << 20), *err = NULL;

	assert_non_null(j);
	run_to_end(j);
	assert_int_equal(job_exit_code(j), 0);
	assert_non_null(strstr(j->out.s, "s3cret\n{\"keys\": []}\nend\n"));
	assert_null(strstr(j->title, "s3cret"));
	job_free(j);
	/* more than a pipe holds is refused, not a hang */
	assert_null(job_run_argv_input(argv, NULL, "big", big, 1 << 20, &err));
	assert_non_null(strstr(err, "does not fit"));
	free(err);
	free(big);
}

static void test_argv_job_and_cancel(void **state)
{
	const char *argv[] = { "sleep", "30", NULL };
	struct job *j = job_run_argv(argv, NULL, "sleep", NULL);

	assert_non_null(j);
	job_cancel(j);
	run_to_end(j);
	assert_int_equal(job_exit_code(j), 128 + SIGTERM);
	assert_string_equal(job_result(j), "killed by signal 15");
	job_free(j);
}

/* A job that cleans up on SIGTERM, printing a lot while it does (more than a pipe holds). */
static const char *const tidy_argv[] = {
	"sh", "-c",
	"trap 'i=0; while [ $i -lt 3000 ]; do echo cleaning up $i of a long line to fill the pipe; i=$((i+1)); done; "
	"echo interrupted; exit 1' TERM; echo started; while :; do sleep 0.05; done",
	NULL
};

static void wait_started(struct job *j)
{
	double limit = now_mono() + 5;

	while (!(j->last_line && strcmp(j->last_line, "started") == 0) && now_mono() < limit) {
		struct pollfd p = { .fd = j->fd, .events = POLLIN };

		if (poll(&p, 1, 50) > 0)
			job_read(j);
	}
	assert_string_equal(j->last_line, "started");
}

static void test_stop_goes_through_the_jobs_cancel_path(void **state)
{
	struct job *j = job_run_argv((const char *const *)tidy_argv, NULL, "tidy", NULL);

	assert_non_null(j);
	wait_started(j);
	assert_int_equal(job_stop(j, 10), 0); /* ended by itself: SIGTERM came first, not SIGKILL */
	assert_true(j->exited);
	assert_int_equal(job_exit_code(j), 1);
	job_read(j);
	assert_string_equal(job_result(j), "interrupted");
	job_free(j);
}

static void test_stop_kills_only_after_the_wait(void **state)
{
	const char *argv[] = { "sh", "-c", "trap '' TERM; echo started; while :; do sleep 0.05; done", NULL };
	struct job *j = job_run_argv(argv, NULL, "stubborn", NULL);
	double t0;

	assert_non_null(j);
	wait_started(j);
	t0 = now_mono();
	assert_int_equal(job_stop(j, 0.5), 1);
	assert_true(now_mono() - t0 >= 0.5);
	assert_int_equal(job_exit_code(j), 128 + SIGKILL);
	job_free(j);
}

/* A job killed after the wait takes what it started with it (its own process group). */
static void test_stop_kill_takes_the_jobs_children(void **state)
{
	const char *argv[] = { "sh", "-c", "trap '' TERM; sleep 1000 & echo \"child $!\"; echo started; wait", NULL };
	struct job *j = job_run_argv(argv, NULL, "stubborn parent", NULL);
	const char *line;
	long child = 0;
	double limit;

	assert_non_null(j);
	wait_started(j);
	line = strstr(j->out.s, "child ");
	assert_non_null(line);
	child = strtol(line + 6, NULL, 10);
	assert_true(child > 0);
	assert_int_equal(job_stop(j, 0.3), 1);
	/* gone, or a zombie until init reaps it */
	limit = now_mono() + 3;
	while (now_mono() < limit && kill((pid_t)child, 0) == 0) {
		char path[64], st[256] = "";
		FILE *f;

		snprintf(path, sizeof path, "/proc/%ld/stat", child);
		if ((f = fopen(path, "r")) != NULL) {
			if (fgets(st, sizeof st, f) == NULL)
				st[0] = 0;
			fclose(f);
		}
		if (strstr(st, ") Z "))
			break;
		usleep(20 * 1000);
	}
	assert_true(kill((pid_t)child, 0) < 0 || now_mono() < limit);
	job_free(j);
}

/* job_free on a running job uses the same path: the child gets to clean up. */
static void test_free_of_a_running_job_lets_it_clean_up(void **state)
{
	char *path = xasprintf("/tmp/vmdeck-test-job-%d", (int)getpid());
	char *script = xasprintf("trap 'rm -f %s; exit 1' TERM; : > %s; echo started; while :; do sleep 0.05; done",
				 path, path);
	const char *argv[] = { "sh", "-c", script, NULL };
	struct job *j = job_run_argv(argv, NULL, "tidy", NULL);

	assert_non_null(j);
	wait_started(j);
	assert_int_equal(access(path, F_OK), 0);
	job_free(j);
	assert_int_not_equal(access(path, F_OK), 0);
	free(script);
	free(path);
}

static void test_missing_program(void **state)
{
	const char *argv[] = { "/nonexistent/vmdeck-test-prog", NULL };
	struct job *j = job_run_argv(argv, NULL, "missing", NULL);

	assert_non_null(j);
	run_to_end(j);
	assert_int_equal(job_exit_code(j), 127);
	assert_non_null(strstr(job_result(j), "cannot run /nonexistent/vmdeck-test-prog"));
	job_free(j);
}

static int fcntl_ok(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* The child sees no fd of ours beyond 0-2: other jobs' pipes would keep them from ending. */
static int child_counts_fds(void *arg)
{
	int n = 0;

	for (int fd = 3; fd < 256; fd++)
		n += fcntl_ok(fd);
	printf("%d\n", n);
	return 0;
}

static void test_child_inherits_no_fds(void **state)
{
	int p[2];
	struct job *j;

	assert_int_equal(pipe(p), 0); /* not close-on-exec, like a careless caller's */
	j = job_call(NULL, "fds", child_counts_fds, NULL, NULL);
	assert_non_null(j);
	run_to_end(j);
	assert_string_equal(job_result(j), "0");
	job_free(j);
	close(p[0]);
	close(p[1]);
}

static void test_split_words(void **state)
{
	struct strv w = { 0 };
	char *err = NULL;

	assert_int_equal(job_split_words("  cdrom  dc-2003 '/srv/iso/my disk.iso' ", &w, &err), 0);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.v[0], "cdrom");
	assert_string_equal(w.v[1], "dc-2003");
	assert_string_equal(w.v[2], "/srv/iso/my disk.iso");
	strv_free(&w);
	assert_int_equal(job_split_words("a \"b \\\"c\\\"\" d\\ e ''", &w, &err), 0);
	assert_int_equal(w.n, 4);
	assert_string_equal(w.v[1], "b \"c\"");
	assert_string_equal(w.v[2], "d e");
	assert_string_equal(w.v[3], ""); /* '' is an empty word, as in a shell */
	strv_free(&w);
	assert_int_equal(job_split_words("start 'x", &w, &err), -1);
	assert_string_equal(err, "unterminated ' quote");
	free(err);
	strv_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_output_and_progress),
		cmocka_unit_test(test_call_failure_without_output),
		cmocka_unit_test(test_argv_input_on_stdin),
		cmocka_unit_test(test_argv_job_and_cancel),
		cmocka_unit_test(test_missing_program),
		cmocka_unit_test(test_stop_goes_through_the_jobs_cancel_path),
		cmocka_unit_test(test_stop_kills_only_after_the_wait),
		cmocka_unit_test(test_stop_kill_takes_the_jobs_children),
		cmocka_unit_test(test_free_of_a_running_job_lets_it_clean_up),
		cmocka_unit_test(test_child_inherits_no_fds),
		cmocka_unit_test(test_split_words),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
