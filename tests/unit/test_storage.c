/* test_storage.c: the storage rules every caller shares: formats, known formats, files on demand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch.h"
#include "storage.h"
#include "util.h"

static char dir[64];

static int setup(void **state)
{
	return scratch_make(dir, sizeof dir, "vmdeck-test-storage");
}

static int teardown(void **state)
{
	scratch_remove(dir);
	return 0;
}

static void test_formats(void **state)
{
	struct vm_disk lv = { .lv = (char *)"vg0/a" }, img = { .file = (char *)"/srv/a.qcow2" };
	struct vm_disk rawf = { .file = (char *)"/srv/a.img" }, given = { .file = (char *)"/srv/a.img",
									 .format = (char *)"qcow2" };

	assert_string_equal(storage_disk_format(&lv), "raw");
	assert_string_equal(storage_disk_format(&img), "qcow2");
	assert_string_equal(storage_disk_format(&rawf), "raw");
	assert_string_equal(storage_disk_format(&given), "qcow2");	/* written beats the name */
	assert_string_equal(storage_file_format("x.qcow2", NULL), "qcow2");
	assert_string_equal(storage_file_format("x.qcow2.bak", ""), "raw");
	assert_true(storage_format_known("raw"));
	assert_true(storage_format_known("qcow2"));
	assert_false(storage_format_known("vmdk"));
	assert_false(storage_format_known(""));
	assert_false(storage_format_known(NULL));
}

/* The start path and `disk create` make files the same way: 0600 whatever the umask. */
static void test_file_ensure(void **state)
{
	char *path = path_join(dir, "d.qcow2"), *err = NULL;
	struct vm_disk d = { .file = path, .size = UINT64_C(1) << 20 };
	struct vm_disk none = { .file = path_join(dir, "none.img") };
	struct stat st;
	mode_t old = umask(022);

	assert_int_equal(storage_file_ensure(&d, &err), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(storage_file_ensure(&d, &err), 0);	/* there already: used as it is */
	assert_int_equal(storage_file_ensure(&none, &err), -1);
	assert_non_null(strstr(err, "does not exist (give it a size: to create it)"));
	free(err);
	err = NULL;
	d.format = (char *)"vmdk";
	d.file = none.file;
	d.size = 1 << 20;
	assert_int_equal(storage_file_ensure(&d, &err), -1);
	assert_non_null(strstr(err, "unknown image format 'vmdk' (raw or qcow2)"));
	assert_int_equal(access(none.file, F_OK), -1);
	free(err);
	free(none.file);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_file_ensure),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
