/* test_hosts.c: how a remote command's failure is told: ssh's own exit 255, a signal, the command's status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hosts.h"
#include "util.h"

static const struct host kvm2 = { .name = (char *)"kvm2", .ssh = (char *)"root@kvm2" };

static void expect_failure(int status, const char *why, const char *want)
{
	char *s = host_failure(&kvm2, status, why ? xstrdup(why) : NULL);

	assert_string_equal(s, want);
	free(s);
}

/* 255 is ssh failing, not "killed by signal 127" (255 - 128), whether or not ssh said why. */
static void test_exit_255_is_ssh(void **state)
{
	expect_failure(255, NULL, "kvm2: ssh: cannot reach the host (exit 255)");
	expect_failure(255, "ssh: connect to host kvm2 port 22: Connection refused",
		       "kvm2: ssh: cannot reach the host (exit 255): connect to host kvm2 port 22: Connection refused");
}

static void test_signal_and_status(void **state)
{
	expect_failure(128 + 15, NULL, "kvm2: the connection ended (ssh killed by signal 15)");
	expect_failure(3, NULL, "kvm2: the remote command failed (exit status 3)");
	expect_failure(1, "mkdir: cannot create directory", "kvm2: mkdir: cannot create directory");
}

static void test_sh_quote(void **state)
{
	char *q = sh_quote("a b'c; $(x)");

	assert_string_equal(q, "'a b'\\''c; $(x)'");
	free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sh_quote),
		cmocka_unit_test(test_exit_255_is_ssh),
		cmocka_unit_test(test_signal_and_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
