/* test_schema.c: the shared schema engine: lookup, ranges, stores, defaults, key lists, the reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "schema.h"
#include "util.h"
#include "vmdef.h"

struct rec {
	char *name;
	char *path;
	int n;
	uint64_t size;
	double ratio;
	bool on;
	int idx;
};

static const char *const colours[] = { "red", "green", "blue", NULL };

#define R(f) offsetof(struct rec, f)

static const struct schema_key rows[] = {
	{ .name = "name", .type = SCHEMA_STR, .def = "box", .off = R(name), .help = "a name" },
	{ .name = "path", .type = SCHEMA_PATH, .def = "data", .off = R(path), .help = "a folder" },
	{ .name = "n", .type = SCHEMA_INT, .def = "7", .min = 1, .max = 10, .off = R(n), .help = "a count" },
	{ .name = "size", .type = SCHEMA_SIZE, .def = "2G", .min = 1 << 20, .max = (double)(UINT64_C(1) << 40),
	  .off = R(size), .help = "a size" },
	{ .name = "inner", .type = SCHEMA_MAP, .sub = 1, .help = "a mapping" },
	{ .sec = 1, .name = "ratio", .type = SCHEMA_FLOAT, .def = "0.5", .min = 0.1, .max = 2, .off = R(ratio),
	  .help = "a ratio" },
	{ .sec = 1, .name = "on", .type = SCHEMA_BOOL, .def = "true", .off = R(on), .help = "a switch" },
	{ .sec = 1, .name = "colour", .type = SCHEMA_ENUM_IDX, .def = "blue", .choices = colours, .off = R(idx),
	  .help = "a colour" },
};

static const char *const prefixes[] = { "", "inner." };
static const struct schema plain = { rows, sizeof rows / sizeof rows[0], prefixes, false };
static const struct schema quoted = { rows, sizeof rows / sizeof rows[0], prefixes, true };

static void test_find_and_keys(void **state)
{
	char *t;

	assert_ptr_equal(schema_find(&plain, 0, "n"), &rows[2]);
	assert_ptr_equal(schema_find(&plain, 1, "on"), &rows[6]);
	assert_null(schema_find(&plain, 0, "on"));	/* another section's key */
	assert_null(schema_find(&plain, 1, "nosuch"));
	t = schema_keys_text(&plain, 1, " or ");
	assert_string_equal(t, "ratio, on or colour");
	free(t);
	t = schema_keys_text(&plain, 0, ", ");
	assert_string_equal(t, "name, path, n, size, inner");
	free(t);
	assert_ptr_equal(schema_path(&plain, "inner.on"), &rows[6]);	/* a key of the mapping */
	assert_ptr_equal(schema_path(&plain, "size"), &rows[3]);
	assert_null(schema_path(&plain, "inner.size"));		/* not the mapping's */
	assert_null(schema_path(&plain, "name.on"));		/* name holds no keys */
	assert_null(schema_path(&plain, "on"));
	assert_string_equal(schema_default(&plain, "inner.colour"), "blue");
	assert_ptr_equal(schema_choices(&plain, "inner.colour"), colours);
	assert_null(schema_choices(&plain, "n"));
	assert_null(schema_default(&plain, "nosuch.n"));
}

static void test_defaults_and_stores(void **state)
{
	struct rec r = { 0 };

	schema_apply_defaults(&plain, 0, &r, "/srv");
	assert_string_equal(r.name, "box");
	assert_string_equal(r.path, "/srv/data");	/* a path default resolves against dir */
	assert_int_equal(r.n, 7);
	assert_int_equal(r.size, UINT64_C(2) << 30);
	assert_false(r.on);				/* section 1 untouched */
	schema_apply_defaults(&plain, 1, &r, NULL);
	assert_true(r.on);
	assert_int_equal(r.idx, 2);
	assert_true(r.ratio > 0.49 && r.ratio < 0.51);
	assert_true(schema_in_range(&rows[2], 10));
	assert_false(schema_in_range(&rows[2], 11));
	assert_false(schema_in_range(&rows[2], 0));
	assert_false(schema_in_range(&rows[3], (double)UINT64_MAX));
	schema_store_number(&r, &rows[2], 9);
	schema_store_number(&r, &rows[3], (double)(UINT64_C(3) << 30));
	schema_store_number(&r, &rows[5], 1.5);
	assert_int_equal(r.n, 9);
	assert_int_equal(r.size, UINT64_C(3) << 30);
	assert_true(r.ratio > 1.49 && r.ratio < 1.51);
	schema_set_string(&r, &rows[0], xstrdup("other"));	/* the old string is freed (ASan) */
	assert_string_equal(r.name, "other");
	free(r.name);
	free(r.path);
}

struct seen {
	struct sbuf b;
	int n;
};

static void collect(const struct schema_doc *d, void *arg)
{
	struct seen *s = arg;

	s->n++;
	sbuf_printf(&s->b, "%s|%s|%s|%s|%s|%s|%d\n", d->path, d->type, d->choices ? d->choices : "-",
		    d->min ? d->min : "-", d->max ? d->max : "-", d->def ? d->def : "-", d->nested);
}

static void test_reference_docs(void **state)
{
	struct seen s = { { 0 }, 0 };

	schema_each(&quoted, collect, &s);
	assert_int_equal(s.n, 8);
	assert_non_null(strstr(s.b.s, "name|string|-|-|-|\"box\"|0\n"));
	assert_non_null(strstr(s.b.s, "n|integer|-|1|10|7|0\n"));
	assert_non_null(strstr(s.b.s, "size|size|-|1M|1T|2G|0\n"));
	assert_non_null(strstr(s.b.s, "inner.ratio|number|-|0.1|2|0.5|1\n"));
	assert_non_null(strstr(s.b.s, "inner.colour|choice|red, green or blue|-|-|\"blue\"|1\n"));
	sbuf_free(&s.b);
	s = (struct seen){ { 0 }, 0 };
	schema_each(&plain, collect, &s);
	assert_non_null(strstr(s.b.s, "name|string|-|-|-|box|0\n"));	/* YAML style: no quotes */
	sbuf_free(&s.b);
}

/* The two real tables go through the same iteration: generators see what `vmdeck help` prints. */
static void test_real_tables(void **state)
{
	struct seen s = { { 0 }, 0 };

	config_reference_each(collect, &s);
	assert_non_null(strstr(s.b.s, "hosts[].ssh|string|-|-|-|-|1\n"));
	assert_non_null(strstr(s.b.s, "qemu.accel|choice|kvm, tcg or auto|-|-|\"auto\"|0\n"));
	assert_non_null(strstr(s.b.s, "backup.level|integer|-|1|19|3|0\n"));
	sbuf_free(&s.b);
	s = (struct seen){ { 0 }, 0 };
	vmdef_reference_each(collect, &s);
	assert_non_null(strstr(s.b.s, "disks[].interface|choice|ide, virtio, scsi or sata|-|-|ide|1\n"));
	assert_non_null(strstr(s.b.s, "vnc.listen|string|-|-|-|127.0.0.1|1\n"));
	assert_non_null(strstr(s.b.s, "memory|size|-|16M|16T|1G|0\n"));
	assert_non_null(strstr(s.b.s, "description|string|-|-|-|\"\"|0\n"));
	sbuf_free(&s.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_and_keys),
		cmocka_unit_test(test_defaults_and_stores),
		cmocka_unit_test(test_reference_docs),
		cmocka_unit_test(test_real_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
