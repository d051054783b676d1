/* test_vm.c: the runtime folder's mode, the guest lock, stop step texts, where an ISO is found, how a VNC display is reached. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch.h"
#include "util.h"
#include "vm.h"
#include "vmstate.h"
#include "vnc.h"

static char tmpdir[64];
static char *iso_dir;
static struct config cfg;

static int setup(void **state)
{
	if (scratch_make(tmpdir, sizeof tmpdir, "test_vm") < 0)
		return -1;
	memset(&cfg, 0, sizeof cfg);
	cfg.state_dir = path_join(tmpdir, "state");
	iso_dir = path_join(tmpdir, "iso");
	cfg.iso_dirs = &iso_dir;
	cfg.n_iso_dirs = 1;
	return mkdir(iso_dir, 0755);
}

static int teardown(void **state)
{
	scratch_remove(tmpdir);
	free(cfg.state_dir);
	free(iso_dir);
	return 0;
}

static mode_t mode_of(const char *p)
{
	struct stat st;

	assert_int_equal(stat(p, &st), 0);
	return st.st_mode & 07777;
}

static void test_dir_created_0700(void **state)
{
	char *err = NULL, *dir = vmstate_path(&cfg, "g1", NULL);

	assert_int_equal(vmstate_dir_prepare(&cfg, "g1", &err), 0);
	assert_int_equal(mode_of(dir), 0700);
	free(dir);
}

static void test_dir_mode_fixed(void **state)
{
	char *err = NULL, *dir = vmstate_path(&cfg, "g2", NULL);

	assert_int_equal(mkdir_p(dir, 0755, NULL), 0);
	chmod(dir, 0755);
	assert_int_equal(vmstate_dir_prepare(&cfg, "g2", &err), 0);
	assert_int_equal(mode_of(dir), 0700);
	free(dir);
}

static void test_dir_bad_name(void **state)
{
	char *err = NULL;

	assert_int_equal(vmstate_dir_prepare(&cfg, "../etc", &err), -1);
	assert_string_equal(err, "invalid guest name '../etc'");
	free(err);
}

/* Two open file descriptions conflict even in one process: the second one is "busy". */
static void test_lock_busy(void **state)
{
	char *err = NULL;
	int a = vm_lock(&cfg, "g3", false, &err), b;

	assert_true(a >= 0);
	b = vm_lock(&cfg, "g3", false, &err);
	assert_int_equal(b, -1);
	assert_string_equal(err, "g3 is busy: another vmdeck is starting/stopping/backing it up");
	free(err);
	err = NULL;
	vm_unlock(a);
	b = vm_lock(&cfg, "g3", false, &err);
	assert_true(b >= 0);
	vm_unlock(b);
}

static void test_stop_texts(void **state)
{
	assert_string_equal(vm_stop_step_text(STOP_ACPI), "powered off by ACPI");
	assert_string_equal(vm_stop_step_text(STOP_QUIT), "did not power off; quit QEMU");
	assert_string_equal(vm_stop_step_text(STOP_KILL), "killed");
	assert_string_equal(vm_stop_step_text(STOP_WAS_STOPPED), "was not running");
}

static void test_iso_bare_name_in_iso_dirs(void **state)
{
	char *iso = path_join(iso_dir, "xp.iso"), *got, *err = NULL;

	assert_int_equal(file_write_atomic(iso, "x", 1, 0644, NULL), 0);
	got = vm_iso_resolve(&cfg, "xp.iso", &err);
	assert_non_null(got);
	assert_string_equal(got, iso);
	free(got);
	got = vm_iso_resolve(&cfg, iso, &err);
	assert_string_equal(got, iso);
	free(got);
	free(iso);
}

static void test_iso_missing(void **state)
{
	char *err = NULL, *want;

	assert_null(vm_iso_resolve(&cfg, "nope.iso", &err));
	want = xasprintf("ISO not found: nope.iso (looked in %s, and the current folder)", iso_dir);
	assert_string_equal(err, want);
	free(want);
	free(err);
	err = NULL;
	assert_null(vm_iso_resolve(&cfg, "x; touch /tmp/pwned", &err));
	assert_string_equal(err, "ISO not found: x; touch /tmp/pwned");
	free(err);
}

/* howto(LISTEN, RUNNING): vnc_howto's text for display 3 on a server called kvm1 */
static char *howto(const char *listen, bool running)
{
	struct vmdef d;

	memset(&d, 0, sizeof d);
	d.vnc = true;
	d.vnc_display = 3;
	d.vnc_listen = (char *)listen;
	return vnc_howto(&d, "kvm1", running);
}

static void test_vnc_howto(void **state)
{
	static const struct {
		const char *listen;
		bool running;
		const char *want, *never;
	} cases[] = {
		{ NULL, true, "ssh -L 5903:127.0.0.1:5903 kvm1\n", "once the guest runs" },
		{ "127.0.0.1", false, "at localhost::5903 once the guest runs.", NULL },
		{ "127.0.0.1", true, "source port 5903,\n  destination 127.0.0.1:5903;", NULL },
		{ "::1", true, "ssh -L 5903:[::1]:5903 kvm1", NULL },
		{ "0.0.0.0", true, "Point a VNC viewer (TigerVNC, RealVNC) at kvm1::5903.", "ssh" },
		{ "192.168.1.20", false, "at 192.168.1.20::5903 once the guest runs.", "kvm1" },
		{ "fd00::20", true, "at [fd00::20]::5903.", "ssh" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *t = howto(cases[i].listen, cases[i].running);

		if (!strstr(t, cases[i].want) || (cases[i].never && strstr(t, cases[i].never)))
			fail_msg("listen %s: '%s' not as expected in:\n%s", cases[i].listen ? cases[i].listen : "(none)",
				 cases[i].want, t);
		free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dir_created_0700),
		cmocka_unit_test(test_dir_mode_fixed),
		cmocka_unit_test(test_dir_bad_name),
		cmocka_unit_test(test_lock_busy),
		cmocka_unit_test(test_stop_texts),
		cmocka_unit_test(test_iso_bare_name_in_iso_dirs),
		cmocka_unit_test(test_iso_missing),
		cmocka_unit_test(test_vnc_howto),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
