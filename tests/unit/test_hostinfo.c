/* test_hostinfo.c: ISO images in iso_dirs, load and memory figures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "hostinfo.h"
#include "util.h"

static void touch(const char *dir, const char *name, size_t size)
{
	char *p = path_join(dir, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	for (size_t i = 0; i < size; i++)
		fputc('x', f);
	fclose(f);
	free(p);
}

static void remove_all(const char *dir, const char *const *names)
{
	for (size_t i = 0; names[i]; i++) {
		char *p = path_join(dir, names[i]);

		unlink(p);
		free(p);
	}
	rmdir(dir);
}

static void test_iso_list(void **state)
{
	char a[] = "/tmp/test_hostinfo.XXXXXX", b[] = "/tmp/test_hostinfo.XXXXXX";
	char *dirs[2];
	struct config cfg = { 0 };
	struct iso_entry *e;
	size_t n;

	assert_non_null(mkdtemp(a));
	assert_non_null(mkdtemp(b));
	touch(a, "Zeta.ISO", 10);
	touch(a, "notes.txt", 1);
	touch(b, "alpha.iso", 3);
	touch(b, "floppy.img", 5);
	dirs[0] = a;
	dirs[1] = b;
	cfg.iso_dirs = dirs;
	cfg.n_iso_dirs = 2;
	assert_int_equal(hostinfo_iso_list(&cfg, &e, &n, NULL), 0);
	assert_int_equal(n, 3); /* .iso and .img in any case, not the text file */
	assert_string_equal(e[0].name, "alpha.iso");
	assert_string_equal(e[1].name, "floppy.img");
	assert_string_equal(e[2].name, "Zeta.ISO");
	assert_int_equal(e[2].size, 10);
	assert_true(strncmp(e[2].path, a, strlen(a)) == 0);
	assert_true(e[0].mtime > 0);
	hostinfo_iso_free(e, n);

	cfg.n_iso_dirs = 0;
	assert_int_equal(hostinfo_iso_list(&cfg, &e, &n, NULL), -1);
	assert_int_equal(n, 0);
	hostinfo_iso_free(e, n);
	remove_all(a, (const char *const[]){ "Zeta.ISO", "notes.txt", NULL });
	remove_all(b, (const char *const[]){ "alpha.iso", "floppy.img", NULL });
}

static void test_load_and_memory(void **state)
{
	double load = -1;
	uint64_t mem = 0;
	char name[64];

	assert_int_equal(hostinfo_load(&load), 0);
	assert_true(load >= 0);
	assert_int_equal(hostinfo_mem_available(&mem), 0);
	assert_true(mem > 1024 * 1024);
	hostinfo_name(name, sizeof name);
	assert_true(name[0] != 0);
	assert_null(strchr(name, '.'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso_list),
		cmocka_unit_test(test_load_and_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
