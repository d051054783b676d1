/* test_vmstate.c: pid liveness (zombies are dead), the pidfile check, runtime paths and state names. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch.h"
#include "util.h"
#include "vmstate.h"

static char tmpdir[64];
static struct config cfg;

static int setup(void **state)
{
	if (scratch_make(tmpdir, sizeof tmpdir, "test_vmstate") < 0)
		return -1;
	memset(&cfg, 0, sizeof cfg);
	cfg.state_dir = tmpdir;
	cfg.qemu_binary = (char *)"/opt/qemu/bin/my-emulator";
	{
		char *g1 = vmstate_path(&cfg, "g1", NULL);
		int rc = mkdir(g1, 0700);

		free(g1);
		return rc;
	}
}

static int teardown(void **state)
{
	scratch_remove(tmpdir);
	return 0;
}

static void write_pidfile(const char *text)
{
	char *p = vmstate_path(&cfg, "g1", "qemu.pid");
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

/* Waits (up to a second) until exec has replaced pid's command line: argv0 first, with arguments after it if more. */
static void exec_wait(pid_t pid, const char *argv0, bool more)
{
	for (int i = 0; i < 200; i++) {
		char path[64], buf[256] = "";
		FILE *f;

		snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
		if ((f = fopen(path, "r")) != NULL) {
			size_t n = fread(buf, 1, sizeof buf - 1, f);

			buf[n] = '\0';
			fclose(f);
			if (strcmp(buf, argv0) == 0 && (!more || n > strlen(argv0) + 1))
				return;
		}
		usleep(5000);
	}
}

/* A child that sleeps under the given argv[0]. */
static pid_t spawn_named(const char *argv0)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/sleep", argv0, "30", (char *)NULL);
		_exit(127);
	}
	exec_wait(pid, argv0, false);
	return pid;
}

static void test_pid_alive_and_zombie(void **state)
{
	pid_t pid = spawn_named("sleeper");

	assert_true(vmstate_pid_alive(getpid()));
	assert_true(vmstate_pid_alive(pid));
	kill(pid, SIGKILL);
	for (int i = 0; i < 200 && vmstate_pid_alive(pid); i++)
		usleep(5000);
	/* not reaped yet: a zombie, which kill(pid, 0) would still accept */
	assert_int_equal(kill(pid, 0), 0);
	assert_false(vmstate_pid_alive(pid));
	waitpid(pid, NULL, 0);
	assert_false(vmstate_pid_alive(pid));
	assert_false(vmstate_pid_alive(0));
	assert_false(vmstate_pid_alive(-1));
}

/*
 * A child that sleeps under the given argv (argv[0] first, NULL-terminated):
 * a shell under that name, which keeps its command line while it waits.
 */
static pid_t spawn_argv(const char *const *args)
{
	struct strv argv = { 0 };
	pid_t pid;

	strv_add(&argv, args[0]);
	strv_add(&argv, "-c");
	strv_add(&argv, "while :; do sleep 1; done");
	strv_add(&argv, "sh");
	for (size_t i = 1; args[i]; i++)
		strv_add(&argv, args[i]);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execv("/bin/sh", argv.v);
		_exit(127);
	}
	strv_free(&argv);
	exec_wait(pid, args[0], true);
	return pid;
}

/* "-qmp" "unix:STATE/NAME/qmp.sock,server=on,wait=off", as qemu_argv writes it (commas doubled). */
static char *qmp_arg(const char *name)
{
	char *sock = vmstate_path(&cfg, name, "qmp.sock");
	struct sbuf b = { 0 };

	sbuf_add(&b, "unix:");
	for (const char *p = sock; *p; p++)
		sbuf_add(&b, *p == ',' ? ",," : (char[]){ *p, '\0' });
	sbuf_add(&b, ",server=on,wait=off");
	free(sock);
	return sbuf_take(&b);
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void write_pid(pid_t pid)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%d\n", (int)pid);
	write_pidfile(buf);
}

static void test_vm_pid_checks_the_process(void **state)
{
	char *g1 = qmp_arg("g1");
	pid_t q = spawn_argv((const char *const[]){ "/usr/bin/qemu-system-x86_64", "-name", "g1", "-qmp", g1, NULL });
	pid_t other = spawn_argv((const char *const[]){ "my-emulator", "-qmp", g1, NULL });

	write_pid(q);
	assert_int_equal(vmstate_pid(&cfg, "g1"), q);
	/* the configured binary's name counts as QEMU too */
	write_pid(other);
	assert_int_equal(vmstate_pid(&cfg, "g1"), other);
	/* a reused pid of an unrelated process does not */
	write_pid(getpid());
	assert_int_equal(vmstate_pid(&cfg, "g1"), 0);
	write_pidfile("12x\n");
	assert_int_equal(vmstate_pid(&cfg, "g1"), 0);
	write_pidfile("");
	assert_int_equal(vmstate_pid(&cfg, "g1"), 0);
	assert_int_equal(vmstate_pid(&cfg, "no-such-guest"), 0);
	/* QEMU dead (zombie, not yet reaped) */
	write_pid(q);
	kill(q, SIGKILL);
	for (int i = 0; i < 200 && vmstate_pid_alive(q); i++)
		usleep(5000);
	assert_int_equal(vmstate_pid(&cfg, "g1"), 0);
	reap(other);
	waitpid(q, NULL, 0);
	free(g1);
}

/* A pidfile copied from another guest, or naming a QEMU that is not this guest's: never taken for it (B1). */
static void test_vm_pid_refuses_another_guests_qemu(void **state)
{
	char *g1 = qmp_arg("g1"), *g2 = qmp_arg("g2"), *g10 = qmp_arg("g10");
	char *g1_sock = vmstate_path(&cfg, "g1", "qmp.sock");
	char *g1_pidfile = vmstate_path(&cfg, "g1", "qemu.pid");
	char *g1_longer = xasprintf("unix:%s.old,server=on,wait=off", g1_sock);
	pid_t gb = spawn_argv((const char *const[]){ "qemu-system-x86_64", "-qmp", g2, NULL });
	pid_t prefix = spawn_argv((const char *const[]){ "qemu-system-x86_64", "-qmp", g10, NULL });
	pid_t longer = spawn_argv((const char *const[]){ "qemu-system-x86_64", "-qmp", g1_longer, NULL });
	pid_t elsewhere = spawn_argv((const char *const[]){ "qemu-system-x86_64", "-pidfile", g1_pidfile, "-monitor", g1, NULL });
	pid_t not_qemu = spawn_argv((const char *const[]){ "socat", "-qmp", g1, NULL });

	assert_true(vmstate_pid_is_guest(&cfg, "g2", gb));
	assert_false(vmstate_pid_is_guest(&cfg, "g1", gb));
	write_pid(gb);
	assert_int_equal(vmstate_pid(&cfg, "g1"), 0);
	assert_false(vmstate_pid_is_guest(&cfg, "g1", prefix));
	assert_false(vmstate_pid_is_guest(&cfg, "g1", longer));
	assert_false(vmstate_pid_is_guest(&cfg, "g1", elsewhere));
	assert_false(vmstate_pid_is_guest(&cfg, "g1", not_qemu));
	assert_false(vmstate_pid_is_guest(&cfg, "g1", 0));
	reap(gb);
	reap(prefix);
	reap(longer);
	reap(elsewhere);
	reap(not_qemu);
	free(g1);
	free(g2);
	free(g10);
	free(g1_sock);
	free(g1_pidfile);
	free(g1_longer);
}

/* With no pidfile, or one naming another process, the guest's own QEMU is still found (start, stop, kill). */
static void test_vm_pid_find_without_pidfile(void **state)
{
	char *g1 = qmp_arg("g1"), *g2 = qmp_arg("g2");
	char *pidfile = vmstate_path(&cfg, "g1", "qemu.pid");
	pid_t gb = spawn_argv((const char *const[]){ "qemu-system-x86_64", "-qmp", g2, NULL });

	unlink(pidfile);
	assert_int_equal(vmstate_pid_find(&cfg, "g1"), 0);
	pid_t q = spawn_argv((const char *const[]){ "qemu-system-x86_64", "-qmp", g1, NULL });

	assert_int_equal(vmstate_pid(&cfg, "g1"), 0);
	assert_int_equal(vmstate_pid_find(&cfg, "g1"), q);
	write_pid(gb);
	assert_int_equal(vmstate_pid(&cfg, "g1"), 0);
	assert_int_equal(vmstate_pid_find(&cfg, "g1"), q);
	reap(q);
	assert_int_equal(vmstate_pid_find(&cfg, "g1"), 0);
	reap(gb);
	unlink(pidfile);
	free(pidfile);
	free(g1);
	free(g2);
}

/* A state_dir with a comma: QEMU's option has it doubled, the proof reads it back. */
static void test_vm_pid_is_guest_comma_in_path(void **state)
{
	struct config saved = cfg;
	char *dir = xasprintf("%s/a,b", tmpdir);
	char *arg, *sock;
	pid_t q;

	cfg.state_dir = dir;
	arg = qmp_arg("g1");
	sock = vmstate_path(&cfg, "g1", "qmp.sock");
	assert_non_null(strstr(arg, "a,,b"));
	q = spawn_argv((const char *const[]){ "qemu-system-x86_64", "-qmp", arg, NULL });
	assert_true(vmstate_pid_is_guest(&cfg, "g1", q));
	reap(q);
	/* the undoubled form would be QEMU reading "unix:.../a" and an option "b/g1/..." */
	char *raw = xasprintf("unix:%s,server=on", sock);

	q = spawn_argv((const char *const[]){ "qemu-system-x86_64", "-qmp", raw, NULL });
	assert_false(vmstate_pid_is_guest(&cfg, "g1", q));
	reap(q);
	free(raw);
	free(arg);
	free(sock);
	free(dir);
	cfg = saved;
}

static void test_paths_and_names(void **state)
{
	char *p = vmstate_path(&cfg, "av-server", "qmp.sock");
	char *want = xasprintf("%s/av-server/qmp.sock", tmpdir);

	assert_string_equal(p, want);
	free(p);
	free(want);
	p = vmstate_path(&cfg, "av-server", NULL);
	want = xasprintf("%s/av-server", tmpdir);
	assert_string_equal(p, want);
	free(p);
	free(want);
	assert_string_equal(vmstate_name(VM_SHUTTING_DOWN), "shutting-down");
	assert_string_equal(vmstate_name(VM_UNRESPONSIVE), "unresponsive");
	assert_string_equal(vmstate_name(VM_INVALID), "invalid");
	for (int s = 0; s < VM_STATE_COUNT; s++)
		assert_non_null(vmstate_name((enum vm_state)s));
}

static void test_status_clear(void **state)
{
	struct vm_status st = { 0 };

	st.state = VM_RUNNING;
	st.cdrom = xstrdup("/srv/iso/x.iso");
	st.reason = xstrdup("why");
	st.pid = 42;
	vmstate_status_clear(&st);
	assert_int_equal(st.state, VM_STOPPED);
	assert_null(st.cdrom);
	assert_null(st.reason);
	assert_int_equal(st.pid, 0);
	assert_true(st.cpu_percent < 0);
	assert_true(st.uptime < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pid_alive_and_zombie),
		cmocka_unit_test(test_vm_pid_checks_the_process),
		cmocka_unit_test(test_vm_pid_refuses_another_guests_qemu),
		cmocka_unit_test(test_vm_pid_is_guest_comma_in_path),
		cmocka_unit_test(test_vm_pid_find_without_pidfile),
		cmocka_unit_test(test_paths_and_names),
		cmocka_unit_test(test_status_clear),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
