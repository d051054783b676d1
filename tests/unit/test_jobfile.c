/* test_jobfile.c: a long verb's published progress: written, chained to the caller's callback, read back, polled cheaply, removed; leftovers, reused pids, links, big files and remote words refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobfile.h"
#include "scratch.h"
#include "util.h"
#include "vmstate.h"

static char tmpdir[64];
static struct config cfg;

static int setup(void **state)
{
	if (scratch_make(tmpdir, sizeof tmpdir, "test_jobfile") < 0)
		return -1;
	memset(&cfg, 0, sizeof cfg);
	cfg.state_dir = tmpdir;
	return vmstate_dir_prepare(&cfg, "g1", NULL);
}

static int teardown(void **state)
{
	scratch_remove(tmpdir);
	return 0;
}

static int calls;
static uint64_t last_done;

static void callers_own(void *arg, const struct backup_progress *p)
{
	assert_ptr_equal(arg, &calls);
	calls++;
	last_done = p->done;
}

static char *job_path(void)
{
	return vmstate_path(&cfg, "g1", JOBFILE_NAME);
}

static void test_publish_read_end(void **state)
{
	struct job_hooks h = { .progress = callers_own, .arg = &calls };
	struct backup_progress p = { .phase = "backup", .done = 50, .total = 200, .eta = -1 };
	struct jobfile_info info;
	struct jobfile *jf;
	struct stat st;
	char *path = job_path();

	calls = 0;
	jf = jobfile_begin(&cfg, "g1", "backup", &h);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(jobfile_read(&cfg, "g1", &info), 1);
	assert_string_equal(info.verb, "backup");
	assert_int_equal(info.pid, getpid());
	assert_string_equal(info.phase, "starting");
	assert_int_equal(info.percent, -1);
	/* the hook publishes (a new phase at once) and hands on to the caller's callback */
	h.progress(h.arg, &p);
	assert_int_equal(calls, 1);
	assert_int_equal(last_done, 50);
	assert_int_equal(jobfile_read(&cfg, "g1", &info), 1);
	assert_string_equal(info.phase, "backup");
	assert_int_equal(info.percent, 25);
	assert_int_equal(info.total, 200);
	assert_non_null(strstr(info.text, "25%"));
	/* within the same phase, not more than once a second */
	p.done = 100;
	h.progress(h.arg, &p);
	assert_int_equal(calls, 2);
	assert_int_equal(jobfile_read(&cfg, "g1", &info), 1);
	assert_int_equal(info.percent, 25);
	jobfile_end(jf);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(jobfile_read(&cfg, "g1", &info), 0);
	free(path);
}

static void test_poll(void **state)
{
	struct jobfile_seen seen = { 0 };
	struct jobfile *jf;

	assert_false(jobfile_poll(&cfg, "g1", &seen));   /* nothing, nothing changed */
	jf = jobfile_begin(&cfg, "g1", "restore", NULL);
	assert_true(jobfile_poll(&cfg, "g1", &seen));
	assert_true(seen.present);
	assert_string_equal(seen.info.verb, "restore");
	assert_false(jobfile_poll(&cfg, "g1", &seen));  /* the same file: no news */
	jobfile_step(jf, "verify", 1, 4);
	assert_true(jobfile_poll(&cfg, "g1", &seen));   /* a new phase */
	assert_int_equal(seen.info.percent, 25);
	jobfile_end(jf);
	assert_true(jobfile_poll(&cfg, "g1", &seen));
	assert_false(seen.present);
}

/* One lstat decides a round: a begin or an end is seen; an old, unchanged stamp is not news. */
static void test_look(void **state)
{
	struct jobfile_stamp s = { 0 };
	char *stamp = xasprintf("%s/%s", tmpdir, JOBFILE_STAMP);
	struct timespec old[2] = { { .tv_sec = 1000000000 }, { .tv_sec = 1000000000 } };

	assert_false(jobfile_look(&cfg, &s, false));  /* no job ever ran */
	assert_true(jobfile_look(&cfg, &s, true));    /* one ran at the last look */
	jobfile_end(jobfile_begin(&cfg, "g1", "clone", NULL));
	assert_true(jobfile_look(&cfg, &s, false));   /* touched */
	assert_true(jobfile_look(&cfg, &s, false));   /* and lately: still looked at */
	assert_int_equal(utimensat(AT_FDCWD, stamp, old, 0), 0);
	assert_true(jobfile_look(&cfg, &s, false));   /* changed */
	assert_false(jobfile_look(&cfg, &s, false));  /* old and the same: nothing to look at */
	memset(&s, 0, sizeof s);
	assert_true(jobfile_look(&cfg, &s, false));   /* a reader that forgot looks again */
	free(stamp);
}

/* What a killed run leaves, a pid now someone else's, a link, a big file: no job. */
static void test_leftovers(void **state)
{
	char *path = job_path(), *big;
	struct jobfile_info info;
	struct jobfile_seen seen = { 0 };
	const char *dead = "{\"verb\":\"backup\",\"pid\":999999999,\"pid_start\":5}";
	char *reused = xasprintf("{\"verb\":\"backup\",\"pid\":%d,\"pid_start\":1}", (int)getppid());

	assert_int_equal(file_write_atomic(path, dead, strlen(dead), 0600, NULL), 0);
	assert_int_equal(jobfile_read(&cfg, "g1", &info), 0);
	assert_false(jobfile_poll(&cfg, "g1", &seen));
	assert_false(seen.present);
	assert_int_equal(file_write_atomic(path, reused, strlen(reused), 0600, NULL), 0);
	assert_int_equal(jobfile_read(&cfg, "g1", &info), 0);
	unlink(path);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_int_equal(jobfile_read(&cfg, "g1", &info), 0);
	unlink(path);
	big = xcalloc(1, JOBFILE_MAX + 2);
	memset(big, ' ', JOBFILE_MAX + 1);
	big[0] = '{';
	big[JOBFILE_MAX] = '}';
	assert_int_equal(file_write_atomic(path, big, strlen(big), 0600, NULL), 0);
	assert_int_equal(jobfile_read(&cfg, "g1", &info), 0);
	unlink(path);
	free(big);
	free(reused);
	free(path);
}

/* Another host's words: control characters made harmless, a bad percent unknown, no verb no job. */
static void test_from_json(void **state)
{
	struct jobfile_info info;
	json_t *o = json_pack("{s:s, s:s, s:i, s:s}", "verb", "backup\033[2J", "by",
			      "eve\n", "percent", 420, "text", "x\xc2\x9by");
	char buf[32];

	assert_int_equal(jobfile_from_json(o, &info), 0);
	assert_string_equal(info.verb, "backup?[2J");
	assert_string_equal(info.by, "eve?");
	assert_string_equal(info.text, "x??y");
	assert_int_equal(info.percent, -1);
	assert_string_equal(jobfile_short(&info, buf, sizeof buf), "backup?[2J");
	json_decref(o);
	o = json_pack("{s:i}", "percent", 3);
	assert_int_equal(jobfile_from_json(o, &info), -1);
	json_decref(o);
	assert_int_equal(jobfile_from_json(json_null(), &info), -1);
}

/* Another host's figures out of range: unknown (0, or -1 for eta), never a cast out of range. */
static void test_from_json_figures(void **state)
{
	struct jobfile_info info;
	json_t *o = json_pack("{s:s, s:f, s:f, s:f, s:f}", "verb", "backup", "done", -5.0, "total",
			      1e300, "rate", -3.0, "eta", 1e300);

	assert_int_equal(jobfile_from_json(o, &info), 0);
	assert_true(info.done == 0);
	assert_true(info.total == 0);
	assert_true(info.rate == 0);
	assert_true(info.eta == -1);
	json_decref(o);
	o = json_pack("{s:s, s:I, s:I, s:f}", "verb", "backup", "done", (json_int_t)1 << 40, "total",
		      (json_int_t)1 << 41, "eta", 90.0);
	assert_int_equal(jobfile_from_json(o, &info), 0);
	assert_true(info.done == (uint64_t)1 << 40);
	assert_true(info.total == (uint64_t)1 << 41);
	assert_true(info.eta == 90.0);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_publish_read_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_look, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leftovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_from_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_from_json_figures, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
