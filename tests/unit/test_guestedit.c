/* test_guestedit.c: the edit plan as JSON (sent to another host) and its refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guestedit.h"
#include "util.h"

static void test_plan_round_trip(void **state)
{
	struct guestedit e, back;
	json_t *o;
	char *err = NULL;

	guestedit_init(&e, "web");
	guestedit_disk(&e, "lv", "vg0/web2", "virtio", "20G");
	guestedit_key(&e, "memory", "2G");
	guestedit_key(&e, "vnc.password", "pw");
	guestedit_nic(&e, "user", NULL, "e1000");
	o = guestedit_to_json(&e);
	guestedit_init(&back, "web");
	assert_int_equal(guestedit_from_json(&back, o, &err), 0);
	assert_int_equal(back.n_keys, 2);
	assert_string_equal(back.keys[0].key, "memory");
	assert_string_equal(back.keys[1].value, "pw");
	assert_true(back.disk);
	assert_string_equal(back.disk_kind, "lv");
	assert_string_equal(back.disk_value, "vg0/web2");
	assert_string_equal(back.size, "20G");
	assert_true(back.nic);
	assert_string_equal(back.nic_kind, "user");
	assert_null(back.net);
	json_decref(o);
	guestedit_free(&e);
	guestedit_free(&back);
}

/* A remote answer is untrusted: every shape that is not the plan is refused with a reason. */
static void test_plan_refusals(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"keys\": 5}",
		"{\"keys\": [[\"memory\"]]}",
		"{\"keys\": [[\"memory\", 5]]}",
		"{\"keys\": [], \"extra\": 1}",
		"{\"disk\": {\"kind\": \"tape\", \"value\": \"x\"}}",
		"{\"disk\": {\"kind\": \"lv\"}}",
		"{\"nic\": {\"kind\": \"bridge\"}}",
		"{\"nic\": {\"kind\": \"user\", \"mac\": \"52:54:00:00:00:01\"}}",
	};

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *o = json_loads(bad[i], 0, NULL);
		struct guestedit e;
		char *err = NULL;

		assert_non_null(o);
		guestedit_init(&e, "g");
		assert_int_equal(guestedit_from_json(&e, o, &err), -1);
		assert_non_null(err);
		assert_non_null(strstr(err, "changes"));
		free(err);
		guestedit_free(&e);
		json_decref(o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_round_trip),
		cmocka_unit_test(test_plan_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
