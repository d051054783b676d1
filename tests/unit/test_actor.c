/* test_actor.c: who did it: the words events.log names, from the environment an action runs in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "actor.h"

static void env(const char *actor, const char *sudo, const char *user, const char *ssh)
{
	const char *keys[] = { "VMDECK_ACTOR", "SUDO_USER", "USER", "SSH_CONNECTION" };
	const char *vals[] = { actor, sudo, user, ssh };

	for (int i = 0; i < 4; i++)
		if (vals[i])
			setenv(keys[i], vals[i], 1);
		else
			unsetenv(keys[i]);
	actor_reset();
}

static void test_login_user_and_client(void **state)
{
	env(NULL, NULL, "alice", "192.0.2.7 50022 192.0.2.1 22");
	assert_string_equal(actor_describe(), "alice from 192.0.2.7");
	env(NULL, NULL, "alice", "2001:db8::7 50022 2001:db8::1 22");
	assert_string_equal(actor_describe(), "alice from 2001:db8::7");
	env(NULL, NULL, "alice", NULL);
	assert_string_equal(actor_describe(), "alice");
}

static void test_sudo_user_wins(void **state)
{
	env(NULL, "bob", "root", "192.0.2.9 1 192.0.2.1 22");
	assert_string_equal(actor_describe(), "bob via sudo from 192.0.2.9");
}

/* The units say who: boot, host shutdown, backup timer. */
static void test_units_set_it(void **state)
{
	env("boot", "bob", "root", "192.0.2.9 1 192.0.2.1 22");
	assert_string_equal(actor_describe(), "boot");
	env("host\nshutdown", NULL, NULL, NULL);
	assert_string_equal(actor_describe(), "host shutdown");
}

/* Computed once: a later change of the environment needs actor_reset. */
static void test_cached(void **state)
{
	env(NULL, NULL, "carol", NULL);
	assert_string_equal(actor_describe(), "carol");
	setenv("USER", "dave", 1);
	assert_string_equal(actor_describe(), "carol");
	actor_reset();
	assert_string_equal(actor_describe(), "dave");
}

static void test_bounded(void **state)
{
	char long_name[300];

	memset(long_name, 'x', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	env(NULL, NULL, long_name, "192.0.2.7 1 2 3");
	assert_int_equal(strlen(actor_describe()), ACTOR_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_user_and_client),
		cmocka_unit_test(test_sudo_user_wins),
		cmocka_unit_test(test_units_set_it),
		cmocka_unit_test(test_cached),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
