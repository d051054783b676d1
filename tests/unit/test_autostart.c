/* test_autostart.c: the boot plan: which guests, in which groups, in which order, with which delay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "autostart.h"
#include "util.h"

struct row {
	const char *name;
	int autostart, order, delay;
	const char *error;
};

/* The plan of rows, written as "order:delay:a,b order:delay:c". */
static char *plan_text(const struct row *rows, size_t n)
{
	struct vmdef *defs = xcalloc(n, sizeof *defs);
	struct autostart_group *g;
	struct sbuf b = { 0 };
	size_t ng;

	for (size_t i = 0; i < n; i++)
		defs[i] = (struct vmdef){ .name = (char *)rows[i].name, .autostart = rows[i].autostart,
					  .autostart_order = rows[i].order, .autostart_delay = rows[i].delay,
					  .error = (char *)rows[i].error };
	ng = autostart_plan(defs, n, &g);
	for (size_t i = 0; i < ng; i++) {
		sbuf_printf(&b, "%s%d:%d:", i ? " " : "", g[i].order, g[i].delay);
		for (size_t k = 0; k < g[i].n; k++)
			sbuf_printf(&b, "%s%s", k ? "," : "", g[i].guests[k]->name);
	}
	autostart_plan_free(g, ng);
	free(defs);
	return sbuf_take(&b);
}

static void expect_plan(const struct row *rows, size_t n, const char *want)
{
	char *got = plan_text(rows, n);

	assert_string_equal(got, want);
	free(got);
}

/* The seed's case: the domain controller first, then the servers that log into it, together. */
static void test_dc_first_then_servers(void **state)
{
	const struct row rows[] = {
		{ "app-2008r2", 1, 10, 0, NULL }, { "dc-2003", 1, 0, 60, NULL },
		{ "av-server", 1, 10, 5, NULL }, { "legacy-2000", 0, 0, 0, NULL },
	};

	expect_plan(rows, ARRAY_LEN(rows), "0:60:dc-2003 10:5:app-2008r2,av-server");
}

static void test_only_autostart_and_valid(void **state)
{
	const struct row rows[] = {
		{ "a", 0, 0, 0, NULL }, { "b", 1, 0, 0, "b.yaml:1:1: broken" }, { "c", 1, 3, 0, NULL },
	};

	expect_plan(rows, ARRAY_LEN(rows), "3:0:c");
}

static void test_empty(void **state)
{
	const struct row rows[] = { { "a", 0, 0, 0, NULL } };

	expect_plan(rows, ARRAY_LEN(rows), "");
}

/* Equal orders start together whatever their file order; the group waits for its longest delay. */
static void test_groups_sorted_delay_is_max(void **state)
{
	const struct row rows[] = {
		{ "z", 1, 2, 1, NULL }, { "y", 1, 1, 0, NULL }, { "x", 1, 2, 7, NULL }, { "w", 1, 9999, 0, NULL },
	};

	expect_plan(rows, ARRAY_LEN(rows), "1:0:y 2:7:x,z 9999:0:w");
}

static void test_describe(void **state)
{
	struct vmdef d = { .autostart = true, .autostart_order = 10, .autostart_delay = 30 };
	char *s = autostart_describe(&d);

	assert_string_equal(s, "yes, group 10, then 30 s");
	free(s);
	d.autostart_delay = 0;
	s = autostart_describe(&d);
	assert_string_equal(s, "yes, group 10");
	free(s);
	d.autostart = false;
	s = autostart_describe(&d);
	assert_string_equal(s, "no");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dc_first_then_servers),
		cmocka_unit_test(test_only_autostart_and_valid),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_groups_sorted_delay_is_max),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
