/* test_notify.c: the notify argv: %h/%s expansion, the report on stdin, notify_on, failures and a hung mailer killed in time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "notify.h"
#include "scratch.h"
#include "util.h"

static char dir[64];

/* A recorder: each argument on a line of DIR/argv, stdin into DIR/stdin. */
static char *write_script(const char *name, const char *body)
{
	char *path = path_join(dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
	return path;
}

static void cfg_with(struct config *cfg, const char *prog, const char *on)
{
	memset(cfg, 0, sizeof *cfg);
	config_defaults(cfg);
	strv_add(&cfg->notify, prog);
	strv_add(&cfg->notify, "-s");
	strv_add(&cfg->notify, "vmdeck on %h: %s (100%%)");
	strv_add(&cfg->notify, "root");
	free(cfg->notify_on);
	cfg->notify_on = xstrdup(on);
	cfg->notify_timeout = 2;
}

static char *slurp(const char *name)
{
	char *p = path_join(dir, name), *text = file_read(p, NULL, NULL);

	free(p);
	return text;
}

static void test_expand(void **state)
{
	char *s = notify_expand("vmdeck on %h: %s; 50%% %x%", "kvm1", "backup failed");

	assert_string_equal(s, "vmdeck on kvm1: backup failed; 50% %x%");
	free(s);
}

static void test_failure_runs_argv_with_report(void **state)
{
	char *prog = write_script("rec", "cd \"$(dirname \"$0\")\"; for a; do echo \"$a\"; done > argv; cat > stdin");
	char *host = notify_host_name(), *want, *argv, *in, *err = NULL;
	struct config cfg;

	cfg_with(&cfg, prog, "failure");
	assert_int_equal(notify_send(&cfg, true, "backup of dc1 failed", "dc1: disk read error\n", &err), 0);
	assert_null(err);
	argv = slurp("argv");
	in = slurp("stdin");
	want = xasprintf("-s\nvmdeck on %s: backup of dc1 failed (100%%)\nroot\n", host);
	assert_string_equal(argv, want);
	assert_string_equal(in, "dc1: disk read error\n");
	free(want);
	free(argv);
	free(in);
	free(host);
	free(prog);
	config_free(&cfg);
}

static void test_success_only_when_always(void **state)
{
	char *prog = write_script("rec2", "cd \"$(dirname \"$0\")\"; cat > stdin2");
	char *p = path_join(dir, "stdin2"), *in, *err = NULL;
	struct config cfg;

	cfg_with(&cfg, prog, "failure");
	assert_int_equal(notify_send(&cfg, false, "backup done", "ok\n", &err), 0);
	assert_int_equal(access(p, F_OK), -1);
	free(cfg.notify_on);
	cfg.notify_on = xstrdup("always");
	assert_int_equal(notify_send(&cfg, false, "backup done", "ok\n", &err), 0);
	in = slurp("stdin2");
	assert_string_equal(in, "ok\n");
	free(in);
	free(p);
	free(prog);
	config_free(&cfg);
}

static void test_failing_and_missing_program(void **state)
{
	char *prog = write_script("bad", "echo 'mail: no such user root' >&2; exit 3");
	char *err = NULL;
	struct config cfg;

	cfg_with(&cfg, prog, "failure");
	assert_int_equal(notify_send(&cfg, true, "x", "y", &err), -1);
	assert_non_null(strstr(err, "mail: no such user root"));
	free(err);
	err = NULL;
	free(cfg.notify.v[0]);
	cfg.notify.v[0] = xstrdup("/nonexistent/mail");
	assert_int_equal(notify_send(&cfg, true, "x", "y", &err), -1);
	assert_non_null(strstr(err, "/nonexistent/mail"));
	free(err);
	free(prog);
	config_free(&cfg);
}

/* A mailer that never ends (and ignores SIGTERM, and never reads stdin) costs timeout + grace, no more. */
static void test_hung_mailer_is_killed(void **state)
{
	char *prog = write_script("hang", "trap '' TERM; while :; do sleep 1; done");
	char *err = NULL, *big = xmalloc(200000);
	struct config cfg;
	double t0;

	memset(big, 'x', 199999);
	big[199999] = '\0';
	cfg_with(&cfg, prog, "failure");
	cfg.notify_timeout = 1;
	t0 = now_mono();
	assert_int_equal(notify_send(&cfg, true, "x", big, &err), -1);
	assert_true(now_mono() - t0 < 4.5);
	assert_non_null(strstr(err, "killed"));
	free(err);
	free(big);
	free(prog);
	config_free(&cfg);
}

static int put(const char *path, const char *text)
{
	return file_write_atomic(path, text, strlen(text), 0600, NULL);
}

/* The notify, notify_on and backup.keep keys of vmdeck.conf. */
static void test_config_keys(void **state)
{
	char *path = path_join(dir, "vmdeck.conf"), *err = NULL;
	struct config cfg;

	assert_int_equal(put(path, "notify = [ \"/usr/bin/mail\", \"-s\", \"vmdeck on %h: %s\", \"root\" ];\n"
					   "notify_on = \"always\";\nbackup = { schedule = \"daily 02:00\";\n"
					   "  keep = { last = 3; daily = 7; yearly = 1; }; };\n"), 0);
	assert_int_equal(config_load(path, &cfg, &err), 0);
	assert_int_equal(cfg.notify.n, 4);
	assert_string_equal(cfg.notify.v[2], "vmdeck on %h: %s");
	assert_null(cfg.notify.v[4]);
	assert_string_equal(cfg.notify_on, "always");
	assert_int_equal(cfg.notify_timeout, 60);
	assert_string_equal(cfg.backup_schedule, "daily 02:00");
	assert_string_equal(cfg.backup_verify_schedule, "");
	assert_int_equal(cfg.backup_keep.last, 3);
	assert_int_equal(cfg.backup_keep.daily, 7);
	assert_int_equal(cfg.backup_keep.weekly, 0);
	assert_int_equal(cfg.backup_keep.yearly, 1);
	config_free(&cfg);
	assert_int_equal(put(path, "\nnotify = ( \"mail\", 3 );\n"), 0);
	assert_int_equal(config_load(path, &cfg, &err), -1);
	assert_non_null(strstr(err, ":2: notify: expected a non-empty string, got an integer"));
	free(err);
	err = NULL;
	assert_int_equal(put(path, "notify = \"mail root\";\n"), 0);
	assert_int_equal(config_load(path, &cfg, &err), -1);
	assert_non_null(strstr(err, "notify: expected a list of strings"));
	free(err);
	free(path);
}

static int setup(void **state)
{
	return scratch_make(dir, sizeof dir, "vmdeck-test-notify");
}

static int teardown(void **state)
{
	scratch_remove(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_config_keys),
		cmocka_unit_test(test_failure_runs_argv_with_report),
		cmocka_unit_test(test_success_only_when_always),
		cmocka_unit_test(test_failing_and_missing_program),
		cmocka_unit_test(test_hung_mailer_is_killed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
