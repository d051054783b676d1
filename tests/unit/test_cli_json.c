/* test_cli_json.c: numbers in --json output: a time or CPU % rounded to tenths prints as written (2.1, not 2.1000000000000001). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "cli_out.h"
#include "scratch.h"
#include "util.h"

static char tmpdir[64];

/* What cli_json_print writes to stdout for o, without the newline. Allocated. */
static char *printed(json_t *o)
{
	char *path = xasprintf("%s/out", tmpdir), *text;
	int saved = dup(1);
	FILE *f;

	fflush(stdout);
	assert_non_null(f = fopen(path, "w"));
	dup2(fileno(f), 1);
	cli_json_print(o);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fclose(f);
	assert_non_null(text = file_read(path, NULL, NULL));
	text[strcspn(text, "\n")] = '\0';
	free(path);
	return text;
}

static void test_tenths_print_as_written(void **state)
{
	/* every tenth up to 999.9 s, the way stop --json gives its seconds */
	for (int k = 0; k < 10000; k++) {
		char want[64], *got;

		snprintf(want, sizeof want, "{\"seconds\":%d.%d}", k / 10, k % 10);
		got = printed(json_pack("{s:o}", "seconds", cli_json_tenths(k / 10.0)));
		if (strcmp(got, want) != 0)
			fail_msg("%d/10 printed as %s, expected %s", k, got, want);
		free(got);
	}
}

static void test_tenths_round(void **state)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 2.1000000000000001, "{\"seconds\":2.1}" },
		{ 4.06, "{\"seconds\":4.1}" },
		{ 4.04999, "{\"seconds\":4.0}" },
		{ 0.0, "{\"seconds\":0.0}" },
		{ 99.95, "{\"seconds\":100.0}" },
		{ 86400.33, "{\"seconds\":86400.3}" },
		{ 12.349, "{\"seconds\":12.3}" },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *got = printed(json_pack("{s:o}", "seconds", cli_json_tenths(cases[i].v)));

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%.17g printed as %s, expected %s", cases[i].v, got, cases[i].want);
		free(got);
	}
}

static int setup(void **state)
{
	return scratch_make(tmpdir, sizeof tmpdir, "test_cli_json");
}

static int teardown(void **state)
{
	scratch_remove(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tenths_print_as_written),
		cmocka_unit_test(test_tenths_round),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
