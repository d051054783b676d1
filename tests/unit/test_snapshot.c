/* test_snapshot.c: which kind of snapshot a guest gets, and the per-guest snapshots file: read, bounded, judged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch.h"
#include "snapshot.h"
#include "util.h"
#include "vmdef.h"

static char tmpdir[64];
static struct config cfg;

static int setup(void **state)
{
	if (scratch_make(tmpdir, sizeof tmpdir, "test_snapshot") < 0)
		return -1;
	memset(&cfg, 0, sizeof cfg);
	cfg.vms_dir = xstrdup(tmpdir);
	cfg.file_dir = xstrdup(tmpdir);
	return 0;
}

static int teardown(void **state)
{
	scratch_remove(tmpdir);
	free(cfg.vms_dir);
	free(cfg.file_dir);
	return 0;
}

static void write_meta(const char *name, const char *text)
{
	char *p = snapshot_meta_path(&cfg, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

/* An LV guest: external snapshots, listed from the file alone. */
static void lv_guest(struct vmdef *d, const char *name)
{
	vmdef_init(d, name);
	vmdef_add_disk(d)->lv = xstrdup("vg0/x");
}

static void test_kind_follows_the_disks(void **state)
{
	struct vmdef d;

	vmdef_init(&d, "q");
	assert_false(snapshot_internal(&d));  /* no disks: nothing to snapshot */
	vmdef_add_disk(&d)->file = xstrdup("/srv/a.qcow2");
	assert_true(snapshot_internal(&d));
	vmdef_add_disk(&d)->file = xstrdup("/srv/b.raw");
	assert_false(snapshot_internal(&d));  /* one raw disk: overlays for all */
	free(d.disks[1].file);
	d.disks[1].file = xstrdup("/srv/b.qcow2");
	assert_true(snapshot_internal(&d));
	d.disks[0].overlay = xstrdup("/srv/a-s1.qcow2");
	assert_false(snapshot_internal(&d));  /* on a chain already */
	vmdef_free(&d);
	lv_guest(&d, "l");
	assert_false(snapshot_internal(&d));
	vmdef_free(&d);
}

static void test_missing_file_is_no_snapshots(void **state)
{
	struct vmdef d;
	struct snapshot *s;
	size_t n = 9;
	char *newest = (char *)"x";

	lv_guest(&d, "none");
	assert_int_equal(snapshot_list(&cfg, &d, &s, &n, NULL), 0);
	assert_int_equal(n, 0);
	snapshot_list_free(s, n);
	assert_int_equal(snapshot_summary(&cfg, "none", &newest), 0);
	assert_null(newest);
	vmdef_free(&d);
}

static void test_listed_oldest_first(void **state)
{
	struct vmdef d;
	struct snapshot *s;
	size_t n;
	struct strv tags = { 0 };
	char *newest = NULL;

	write_meta("two", "{\"snapshots\": ["
		   "{\"tag\": \"a\", \"date\": 100, \"ram\": false, \"description\": \"first\", \"overlays\": [\"/nowhere/a\"]},"
		   "{\"tag\": \"b\", \"date\": 200, \"ram\": false, \"description\": \"\", \"overlays\": [\"/nowhere/b\"]}]}");
	lv_guest(&d, "two");
	assert_int_equal(snapshot_list(&cfg, &d, &s, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(s[0].tag, "a");
	assert_string_equal(s[0].description, "first");
	assert_int_equal(s[0].date, 100);
	assert_false(s[0].ram);
	assert_int_equal(s[1].size, 0);  /* an overlay that is not there weighs nothing */
	snapshot_list_free(s, n);
	assert_int_equal(snapshot_summary(&cfg, "two", &newest), 2);
	assert_string_equal(newest, "b");
	free(newest);
	snapshot_tags(&cfg, "two", &tags);
	assert_int_equal(tags.n, 2);
	assert_string_equal(tags.v[1], "b");
	strv_free(&tags);
	vmdef_free(&d);
}

/* A damaged or hostile file is one error naming it, never half a list. */
static void expect_bad(const char *text, const char *want)
{
	struct vmdef d;
	struct snapshot *s = NULL;
	size_t n = 0;
	char *err = NULL;

	write_meta("bad", text);
	lv_guest(&d, "bad");
	assert_int_equal(snapshot_list(&cfg, &d, &s, &n, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, "bad.snapshots.json"));
	assert_non_null(strstr(err, want));
	assert_int_equal(snapshot_summary(&cfg, "bad", NULL), 0);
	free(err);
	snapshot_list_free(s, n);
	vmdef_free(&d);
}

static void test_bad_files(void **state)
{
	expect_bad("{\"snapshots\": [", ":1: ");
	expect_bad("{\"snapshots\": [{\"tag\": \"../x\", \"date\": 1, \"ram\": false, \"description\": \"\"}]}",
		   "snapshot 1: expected");
	expect_bad("{\"snapshots\": [{\"tag\": \"ok\", \"date\": 1, \"ram\": false, \"description\": \"\","
		   " \"overlays\": [\"relative\"]}]}", "snapshot 1: expected");
	expect_bad("{\"snapshots\": {}}", "expected");
	expect_bad("{\"snapshots\": [], \"snapshots\": []}", "duplicate");
}

static void test_not_a_regular_file(void **state)
{
	char *p = snapshot_meta_path(&cfg, "fifo"), *err = NULL;
	struct vmdef d;
	struct snapshot *s = NULL;
	size_t n = 0;

	assert_int_equal(mkfifo(p, 0600), 0);
	lv_guest(&d, "fifo");
	assert_int_equal(snapshot_list(&cfg, &d, &s, &n, &err), -1);  /* refused, never waited on */
	assert_non_null(err);
	free(err);
	free(p);
	vmdef_free(&d);
}

/* A disk on a snapshot chain keeps its volume through an edit; other keys may change. */
static void test_chain_keeps_its_volume(void **state)
{
	char *path = path_join(tmpdir, "chain.yaml"), *err = NULL;
	const char *with[] = { "interface", "virtio", NULL };
	FILE *f = fopen(path, "w");
	struct vmdef d;

	assert_non_null(f);
	fprintf(f, "disks:\n  - lv: vg0/a\n    overlay: /srv/chain-disk0-s1.qcow2\n");
	fclose(f);
	assert_int_equal(vmdef_set_item_kind(path, "disks", "lv", "vg0/b", NULL, &err), -1);
	assert_non_null(strstr(err, "the disk has snapshots"));
	free(err);
	err = NULL;
	assert_int_equal(vmdef_set_item_kind(path, "disks", "file", "/srv/x.raw", NULL, &err), -1);
	free(err);
	err = NULL;
	assert_int_equal(vmdef_set_item_kind(path, "disks", "lv", "vg0/a", with, &err), 0);
	assert_int_equal(vmdef_load(path, &d, NULL), 0);
	assert_string_equal(d.disks[0].lv, "vg0/a");
	assert_string_equal(d.disks[0].overlay, "/srv/chain-disk0-s1.qcow2");
	assert_int_equal(d.disks[0].iface, DISK_VIRTIO);
	vmdef_free(&d);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_follows_the_disks),
		cmocka_unit_test(test_missing_file_is_no_snapshots),
		cmocka_unit_test(test_listed_oldest_first),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_not_a_regular_file),
		cmocka_unit_test(test_chain_keeps_its_volume),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
