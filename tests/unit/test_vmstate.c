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
#include "vm.h"

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
		char *g1 = vm_path(&cfg, "g1", NULL);
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
	char *p = vm_path(&cfg, "g1", "qemu.pid");
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
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
	for (int i = 0; i < 200; i++) { /* until exec has replaced the cmdline */
		char path[64], buf[256] = "";
		FILE *f;

		snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
		if ((f = fopen(path, "r")) != NULL) {
			size_t n = fread(buf, 1, sizeof buf - 1, f);

			buf[n] = '\0';
			fclose(f);
			if (strcmp(buf, argv0) == 0)
				break;
		}
		usleep(5000);
	}
	return pid;
}

static void test_pid_alive_and_zombie(void **state)
{
	pid_t pid = spawn_named("sleeper");

	assert_true(pid_alive(getpid()));
	assert_true(pid_alive(pid));
	kill(pid, SIGKILL);
	for (int i = 0; i < 200 && pid_alive(pid); i++)
		usleep(5000);
	/* not reaped yet: a zombie, which kill(pid, 0) would still accept */
	assert_int_equal(kill(pid, 0), 0);
	assert_false(pid_alive(pid));
	waitpid(pid, NULL, 0);
	assert_false(pid_alive(pid));
	assert_false(pid_alive(0));
	assert_false(pid_alive(-1));
}

static void test_vm_pid_checks_the_process(void **state)
{
	pid_t q = spawn_named("/usr/bin/qemu-system-x86_64");
	pid_t other = spawn_named("my-emulator");
	char buf[32];

	snprintf(buf, sizeof buf, "%d\n", q);
	write_pidfile(buf);
	assert_int_equal(vm_pid(&cfg, "g1"), q);
	/* the configured binary's name counts as QEMU too */
	snprintf(buf, sizeof buf, "%d", other);
	write_pidfile(buf);
	assert_int_equal(vm_pid(&cfg, "g1"), other);
	/* a reused pid of an unrelated process does not */
	snprintf(buf, sizeof buf, "%d\n", getpid());
	write_pidfile(buf);
	assert_int_equal(vm_pid(&cfg, "g1"), 0);
	write_pidfile("12x\n");
	assert_int_equal(vm_pid(&cfg, "g1"), 0);
	write_pidfile("");
	assert_int_equal(vm_pid(&cfg, "g1"), 0);
	assert_int_equal(vm_pid(&cfg, "no-such-guest"), 0);
	/* QEMU dead (zombie, not yet reaped) */
	snprintf(buf, sizeof buf, "%d\n", q);
	write_pidfile(buf);
	kill(q, SIGKILL);
	for (int i = 0; i < 200 && pid_alive(q); i++)
		usleep(5000);
	assert_int_equal(vm_pid(&cfg, "g1"), 0);
	kill(other, SIGKILL);
	waitpid(q, NULL, 0);
	waitpid(other, NULL, 0);
}

static void test_paths_and_names(void **state)
{
	char *p = vm_path(&cfg, "av-server", "qmp.sock");
	char *want = xasprintf("%s/av-server/qmp.sock", tmpdir);

	assert_string_equal(p, want);
	free(p);
	free(want);
	p = vm_path(&cfg, "av-server", NULL);
	want = xasprintf("%s/av-server", tmpdir);
	assert_string_equal(p, want);
	free(p);
	free(want);
	assert_string_equal(vm_state_name(VM_SHUTTING_DOWN), "shutting-down");
	assert_string_equal(vm_state_name(VM_UNRESPONSIVE), "unresponsive");
	assert_string_equal(vm_state_name(VM_INVALID), "invalid");
	for (int s = 0; s < VM_STATE_COUNT; s++)
		assert_non_null(vm_state_name((enum vm_state)s));
}

static void test_status_clear(void **state)
{
	struct vm_status st = { 0 };

	st.state = VM_RUNNING;
	st.cdrom = xstrdup("/srv/iso/x.iso");
	st.reason = xstrdup("why");
	st.pid = 42;
	vm_status_clear(&st);
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
		cmocka_unit_test(test_paths_and_names),
		cmocka_unit_test(test_status_clear),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
