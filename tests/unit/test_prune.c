/* test_prune.c: retention tables: dated archives with the expected keep/remove and rule, Proxmox's worked examples among them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prune.h"
#include "util.h"

/* "WHEN RULE": RULE is the rule expected to keep it, or "-" for remove. */
struct prune_case {
	const char *title;
	struct backup_keep keep;
	const char *rows[16];
};

#define K(...) { __VA_ARGS__ }

/* Proxmox Backup Server's prune tests (tests/prune.rs): the "simple" list. */
#define S1 "2019-12-02T11:59:15"
#define S2 "2019-12-03T11:59:15"
#define S3 "2019-12-04T11:59:15"
#define S4 "2019-12-04T12:59:15"
/* ... the "simple2" list, one a day or less, across weeks, months and a year. */
#define Y18 "2018-11-15T11:59:15"
#define N15 "2019-11-15T11:59:15"
#define N21 "2019-11-21T11:59:15"
#define N22 "2019-11-22T11:59:15"
#define N29 "2019-11-29T11:59:15"
#define D01 "2019-12-01T11:59:15"
#define D02 "2019-12-02T11:59:15"
#define D03 "2019-12-03T11:59:15"
#define D04 "2019-12-04T11:59:15"
/* ... and the "hourly" list. */
#define H1 "2019-11-15T09:39:15"
#define H2 "2019-11-15T10:49:15"
#define H3 "2019-11-15T10:59:15"
#define H4 "2019-11-15T11:39:15"
#define H5 "2019-11-15T11:49:15"
#define H6 "2019-11-15T11:59:15"

static const struct prune_case cases[] = {
	{ "no rule: keep all", K(0), { S1 " keep-all", S2 " keep-all", S3 " keep-all", S4 " keep-all" } },
	{ "pbs simple: last=4", K(.last = 4), { S1 " keep-last", S2 " keep-last", S3 " keep-last", S4 " keep-last" } },
	{ "pbs simple: last=3", K(.last = 3), { S1 " -", S2 " keep-last", S3 " keep-last", S4 " keep-last" } },
	{ "pbs simple: last=2", K(.last = 2), { S1 " -", S2 " -", S3 " keep-last", S4 " keep-last" } },
	{ "pbs simple: last=1", K(.last = 1), { S1 " -", S2 " -", S3 " -", S4 " keep-last" } },
	{ "pbs simple: last=2 daily=2", K(.last = 2, .daily = 2),
	  { S1 " keep-daily", S2 " keep-daily", S3 " keep-last", S4 " keep-last" } },
	{ "pbs simple: daily=3", K(.daily = 3), { S1 " keep-daily", S2 " keep-daily", S3 " -", S4 " keep-daily" } },
	{ "pbs simple: daily=2", K(.daily = 2), { S1 " -", S2 " keep-daily", S3 " -", S4 " keep-daily" } },
	{ "pbs simple: weekly=5 (one week)", K(.weekly = 5), { S1 " -", S2 " -", S3 " -", S4 " keep-weekly" } },
	{ "pbs simple: daily=1 weekly=5", K(.daily = 1, .weekly = 5), { S1 " -", S2 " -", S3 " -", S4 " keep-daily" } },
	{ "pbs simple: monthly=6 (one month)", K(.monthly = 6), { S1 " -", S2 " -", S3 " -", S4 " keep-monthly" } },
	{ "pbs simple: yearly=7 (one year)", K(.yearly = 7), { S1 " -", S2 " -", S3 " -", S4 " keep-yearly" } },
	{ "pbs simple: weekly=5 monthly=6 yearly=7", K(.weekly = 5, .monthly = 6, .yearly = 7),
	  { S1 " -", S2 " -", S3 " -", S4 " keep-weekly" } },
	{ "pbs simple2: daily=1", K(.daily = 1),
	  { Y18 " -", N15 " -", N21 " -", N22 " -", N29 " -", D01 " -", D02 " -", D03 " -", D04 " keep-daily" } },
	{ "pbs simple2: last=1 daily=1", K(.last = 1, .daily = 1),
	  { Y18 " -", N15 " -", N21 " -", N22 " -", N29 " -", D01 " -", D02 " -", D03 " keep-daily", D04 " keep-last" } },
	{ "pbs simple2: daily=1 weekly=1", K(.daily = 1, .weekly = 1),
	  { Y18 " -", N15 " -", N21 " -", N22 " -", N29 " -", D01 " keep-weekly", D02 " -", D03 " -",
	    D04 " keep-daily" } },
	/*
	 * The documented subtlety: the week keep-weekly took (Mon 25 Nov - Sun 1 Dec)
	 * is not looked at again by keep-monthly, so November's pick is the 22nd,
	 * not the 29th, although the 29th is the newest of November.
	 */
	{ "pbs simple2: daily=1 weekly=1 monthly=1", K(.daily = 1, .weekly = 1, .monthly = 1),
	  { Y18 " -", N15 " -", N21 " -", N22 " keep-monthly", N29 " -", D01 " keep-weekly", D02 " -", D03 " -",
	    D04 " keep-daily" } },
	{ "pbs simple2: monthly=1 yearly=1", K(.monthly = 1, .yearly = 1),
	  { Y18 " keep-yearly", N15 " -", N21 " -", N22 " -", N29 " -", D01 " -", D02 " -", D03 " -",
	    D04 " keep-monthly" } },
	{ "pbs hourly: hourly=3", K(.hourly = 3),
	  { H1 " keep-hourly", H2 " -", H3 " keep-hourly", H4 " -", H5 " -", H6 " keep-hourly" } },
	{ "pbs hourly: hourly=2", K(.hourly = 2), { H1 " -", H2 " -", H3 " keep-hourly", H4 " -", H5 " -", H6 " keep-hourly" } },
	/* ISO weeks across New Year: Thu 31 Dec 2020 and Sun 3 Jan 2021 are both week 2020-W53. */
	{ "iso week 53 spans the new year", K(.weekly = 2),
	  { "2020-12-24T02:00:00 keep-weekly", "2020-12-31T02:00:00 -", "2021-01-03T02:00:00 keep-weekly" } },
	/* Days without backups do not count: daily=3 reaches back over the gap. */
	{ "gaps do not count", K(.daily = 3),
	  { "2024-03-01T02:00:00 keep-daily", "2024-03-10T02:00:00 keep-daily", "2024-03-10T01:00:00 -",
	    "2024-03-20T02:00:00 keep-daily", "2024-02-01T02:00:00 -" } },
	/* The whole ladder at once: last, then each rule only on what is left, in order. */
	{ "every rule", K(.last = 1, .hourly = 1, .daily = 1, .weekly = 1, .monthly = 1, .yearly = 1),
	  { "2024-06-05T12:30:00 keep-last", "2024-06-05T12:10:00 -", "2024-06-05T11:00:00 keep-hourly",
	    "2024-06-04T23:00:00 keep-daily", "2024-06-01T10:00:00 keep-weekly", "2024-05-20T10:00:00 keep-monthly",
	    "2023-12-31T10:00:00 keep-yearly", "2023-11-30T10:00:00 -" } },
};

static time_t utc(const char *when)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	assert_non_null(strptime(when, "%Y-%m-%dT%H:%M:%S", &tm));
	return timegm(&tm);
}

static void run_case(const struct prune_case *c)
{
	struct prune_item items[16];
	size_t n = 0;

	for (; n < ARRAY_LEN(c->rows) && c->rows[n]; n++) {
		items[n].name = c->rows[n];
		items[n].time = utc(c->rows[n]);
	}
	prune_plan(&c->keep, items, n);
	for (size_t i = 0; i < n; i++) {
		const char *want = strchr(items[i].name, ' ') + 1;
		const char *got = items[i].keep ? items[i].rule : "-";

		if (i > 0)  /* the plan lists newest first */
			assert_true(items[i - 1].time >= items[i].time);
		if (got == NULL || strcmp(got, want) != 0)
			fail_msg("%s: %.19s: expected %s, got %s", c->title, items[i].name, want, got ? got : "(null)");
		assert_true(items[i].keep == (strcmp(want, "-") != 0));
	}
}

static void test_tables(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		run_case(&cases[i]);
}

static void test_parse_name(void **state)
{
	char *g = NULL;
	time_t t;
	bool partial;

	assert_int_equal(prune_parse_name("dc-1-20240605-023000", &g, &t, &partial), 0);
	assert_string_equal(g, "dc-1");
	assert_false(partial);
	assert_true(t == utc("2024-06-05T02:30:00"));
	free(g);
	assert_int_equal(prune_parse_name(".web.x-20240605-023001.partial", &g, &t, &partial), 0);
	assert_string_equal(g, "web.x");
	assert_true(partial);
	free(g);
	assert_int_equal(prune_parse_name("dc1-2024060-023000", &g, &t, &partial), -1);
	assert_int_equal(prune_parse_name("-20240605-023000", &g, &t, &partial), -1);
	assert_int_equal(prune_parse_name(".dc1-20240605-023000", &g, &t, &partial), -1);
	assert_int_equal(prune_parse_name("dc1-2024a605-023000", &g, &t, &partial), -1);
	assert_int_equal(prune_parse_name("lost+found", &g, &t, &partial), -1);
}

static int setup(void **state)
{
	setenv("TZ", "UTC", 1);  /* periods are local time; the tables are written in UTC */
	tzset();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_parse_name),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
