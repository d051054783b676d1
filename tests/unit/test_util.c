/* test_util.c: the small helpers that meet untrusted input: mkdir_p, bounded reads, terminal-safe text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch.h"
#include "util.h"

static char tmpdir[64];

/* mkdir_p("") read past the string (`backup --to ""`): now one clear refusal. */
static void test_mkdir_p_empty(void **state)
{
	char *err = NULL;
	char *empty = xstrdup("");  /* on the heap, as the option's copy was: ASan sees a read past it */

	assert_int_equal(mkdir_p(empty, 0755, &err), -1);
	assert_string_equal(err, "cannot create a folder with an empty name");
	free(err);
	free(empty);
}

static void test_mkdir_p_nested(void **state)
{
	char *p = xasprintf("%s/a/b/c", tmpdir), *err = NULL;
	struct stat st;

	assert_int_equal(mkdir_p(p, 0755, &err), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(mkdir_p(p, 0755, &err), 0);  /* already there */
	free(p);
}

static char *write_file(const char *name, size_t size)
{
	char *p = path_join(tmpdir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char *buf = xmalloc(size);

	memset(buf, 'x', size);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, size), (ssize_t)size);
	close(fd);
	free(buf);
	return p;
}

/* Exactly max bytes are read; one more is refused with the file's name. */
static void test_file_read_max_bound(void **state)
{
	char *at = write_file("at", 4096), *over = write_file("over", 4097), *err = NULL, *text;
	char *want = xasprintf("cannot read %s: larger than 4 KiB", over);
	size_t len = 0;

	text = file_read_max(at, 4096, 0, &len, &err);
	assert_non_null(text);
	assert_int_equal(len, 4096);
	free(text);
	assert_null(file_read_max(over, 4096, 0, &len, &err));
	assert_string_equal(err, want);
	free(err), free(want), free(at), free(over);
}

/* A FIFO without a writer would block open() and read(); a device never ends: both refused at once. */
static void test_file_read_refuses_fifo_and_device(void **state)
{
	char *fifo = path_join(tmpdir, "fifo"), *err = NULL;
	char *want = xasprintf("cannot read %s: not a regular file", fifo);

	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_null(file_read(fifo, NULL, &err));
	assert_string_equal(err, want);
	free(err);
	err = NULL;
	assert_null(file_read("/dev/zero", NULL, &err));
	assert_string_equal(err, "cannot read /dev/zero: not a regular file");
	free(err), free(want), free(fifo);
}

/* With O_NOFOLLOW a link is refused, and said to be one. */
static void test_file_read_nofollow(void **state)
{
	char *target = write_file("target", 10), *link = path_join(tmpdir, "link"), *err = NULL, *text;
	char *want = xasprintf("cannot open %s: it is a symbolic link", link);

	assert_int_equal(symlink(target, link), 0);
	text = file_read(link, NULL, &err);  /* links are followed by default */
	assert_non_null(text);
	free(text);
	assert_null(file_read_max(link, FILE_READ_MAX, O_NOFOLLOW, NULL, &err));
	assert_string_equal(err, want);
	assert_null(file_read_tail(link, 100, O_NOFOLLOW));
	text = file_read_tail(target, 4, O_NOFOLLOW);
	assert_string_equal(text, "xxxx");
	free(text), free(err), free(want), free(target), free(link);
}

/* ESC, BEL, DEL and C1 (U+009B) never reach the terminal; UTF-8 text stays as it is. */
static void test_text_escape(void **state)
{
	char *s = text_escape("a\x1b]0;t\a\x1b[2Jb\x7f \xc2\x9b" "1m \xc3\xa4 \xe2\x82\xac", false);

	assert_string_equal(s, "a\\x1b]0;t\\x07\\x1b[2Jb\\x7f \\u009b1m \xc3\xa4 \xe2\x82\xac");
	free(s);
	s = text_escape("one\ntwo\tthree\r", false);
	assert_string_equal(s, "one\\ntwo\\tthree\\r");
	free(s);
	s = text_escape("one\ntwo\n", true);
	assert_string_equal(s, "one\ntwo\n");
	free(s);
}

static int setup(void **state)
{
	return scratch_make(tmpdir, sizeof tmpdir, "vmdeck-test-util");
}

static int teardown(void **state)
{
	scratch_remove(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mkdir_p_empty),
		cmocka_unit_test(test_mkdir_p_nested),
		cmocka_unit_test(test_file_read_max_bound),
		cmocka_unit_test(test_file_read_refuses_fifo_and_device),
		cmocka_unit_test(test_file_read_nofollow),
		cmocka_unit_test(test_text_escape),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
