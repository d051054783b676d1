/* test_backup.c: the backup data path and formats: manifest round trip and errors, stream round trips
 * (zstd with zero-block frames, gzip), damage detection, remote quoting, the archive list's order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "hosts.h"
#include "manifest.h"
#include "scratch.h"
#include "stream.h"
#include "util.h"
#include "verify.h"

static const char *sha_a = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void fill_manifest(struct manifest *m)
{
	static struct manifest_disk d;

	memset(m, 0, sizeof *m);
	memset(&d, 0, sizeof d);
	m->guest = (char *)"av-server";
	m->tool = (char *)"vmdeck 0.1.0";
	m->created = (char *)"2026-01-02T03:04:05Z";
	m->live = true;
	m->compress = (char *)"zstd";
	m->definition = (char *)"memory: 1G\n# a comment: with 'quotes'\ndisks:\n  - lv: vg0/av\n";
	d.file = (char *)"av.raw.zst";
	d.lv = (char *)"vg0/av";
	d.format = (char *)"raw";
	d.size = 21474836480ULL;
	memcpy(d.sha256, sha_a, 65);
	d.stored = 12345;
	memcpy(d.stored_sha256, sha_a, 65);
	m->disks = &d;
	m->n_disks = 1;
}

static void test_manifest_round_trip(void **state)
{
	struct manifest m, back;
	char *text, *err = NULL;

	fill_manifest(&m);
	text = manifest_emit(&m);
	assert_int_equal(manifest_parse(text, &back, &err), 0);
	assert_string_equal(back.guest, "av-server");
	assert_string_equal(back.definition, m.definition);  /* verbatim, comments and all */
	assert_true(back.live);
	assert_int_equal(back.n_disks, 1);
	assert_string_equal(back.disks[0].lv, "vg0/av");
	assert_true(back.disks[0].size == 21474836480ULL);
	assert_string_equal(back.disks[0].sha256, sha_a);
	manifest_free(&back);
	free(text);
}

static void expect_bad(const char *text, const char *want)
{
	struct manifest m;
	char *err = NULL;

	assert_int_equal(manifest_parse(text, &m, &err), -1);
	assert_non_null(strstr(err, want));
	free(err);
}

static void test_manifest_errors(void **state)
{
	expect_bad("format: something else\n", "not a vmdeck backup");
	expect_bad("format: vmdeck-backup 1\nguest: ../x\ncompress: zstd\ndefinition: x\ndisks: []\n", "invalid");
	expect_bad("format: vmdeck-backup 1\nguest: a\ncompress: zstd\ndefinition: x\ndisks:\n"
		   "  - file: ../../etc/passwd\n    lv: v/l\n    size: 1\n    sha256: x\n", "lacks");
	expect_bad("format: [unclosed\n", "manifest: line");
}

/* A one-disk manifest whose disk comes from SOURCE (a "lv: ..." or "source_file: ..." line). */
static char *disk_manifest(const char *source)
{
	return xasprintf("format: vmdeck-backup 1\nguest: a\ncompress: zstd\ndefinition: x\ndisks:\n"
			 "  - file: a.raw.zst\n    %s\n    size: 1\n    sha256: %s\n    stored: 1\n"
			 "    stored_sha256: %s\n", source, sha_a, sha_a);
}

static void expect_source(const char *source, const char *want)
{
	char *text = disk_manifest(source), *err = NULL;
	struct manifest m;

	if (want == NULL) {
		assert_int_equal(manifest_parse(text, &m, &err), 0);
		manifest_free(&m);
	} else {
		expect_bad(text, want);
	}
	free(text);
}

/* Where a disk came from must name what it seems to: the restore checks the rest against its storage. */
static void test_manifest_sources(void **state)
{
	expect_source("source_file: /srv/disks/a.raw", NULL);
	expect_source("lv: vg0/a", NULL);
	expect_source("source_file: disks/a.raw", "absolute path without");
	expect_source("source_file: /srv/disks/../../etc/shadow", "absolute path without");
	expect_source("source_file: /srv/./a.raw", "absolute path without");
	expect_source("source_file: /srv//a.raw", "absolute path without");
	expect_source("source_file: /", "absolute path without");
	expect_source("source_file: \"/srv/a\\x1b[2J.raw\"", "absolute path without");
	expect_source("lv: vg0/../a", "not a VG/LV name");
	expect_source("lv: /dev/vg0/a", "not a VG/LV name");
	expect_source("lv: vg0/-a", "not a VG/LV name");
	expect_source("lv: vg0/a\n    source_file: /srv/a.raw", "both lv and source_file");
	expect_source("format: vmdk\n    lv: vg0/a", "format must be raw or qcow2");
	assert_true(manifest_path_ok("/srv/disks/a.raw"));
	assert_false(manifest_path_ok("/srv/disks/.."));
	assert_true(manifest_lv_ok("vg0/av-server_2.0"));
	assert_false(manifest_lv_ok("vg0/av/x"));
}

/* A temporary file holding n bytes from gen. */
static int tmp_with(const unsigned char *data, size_t n)
{
	char path[] = "/tmp/vmdeck-test-stream.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(fd_write_all(fd, data, n), 0);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static int tmp_empty(void)
{
	char path[] = "/tmp/vmdeck-test-stream.XXXXXX";
	int fd = mkstemp(path);

	unlink(path);
	return fd;
}

/* 10.5 blocks: random, zero blocks (as frames), text, a short zero tail. */
static unsigned char *sample(size_t *n)
{
	size_t len = STREAM_BLOCK * 10 + STREAM_BLOCK / 2;
	unsigned char *p = xcalloc(1, len);

	srand(7);
	for (size_t i = 0; i < STREAM_BLOCK; i++)
		p[i] = (unsigned char)rand();
	for (size_t i = 4 * (size_t)STREAM_BLOCK; i < 5 * (size_t)STREAM_BLOCK; i++)
		p[i] = (unsigned char)("vmdeck text "[i % 12]);
	p[7 * (size_t)STREAM_BLOCK + 5] = 1;
	*n = len;
	return p;
}

static void round_trip(const char *codec)
{
	struct stream_opts o = { codec, 3, 2, NULL, NULL, NULL };
	struct stream_sums c, d;
	size_t n;
	unsigned char *data = sample(&n), *back = xmalloc(n);
	int in = tmp_with(data, n), z = tmp_empty(), out = tmp_empty();
	char *err = NULL;
	struct stat st;

	assert_int_equal(stream_compress(in, n, z, &o, &c, &err), 0);
	assert_true(c.raw_bytes == n);
	assert_true(c.zero_bytes >= 5 * (uint64_t)STREAM_BLOCK);
	lseek(z, 0, SEEK_SET);
	assert_int_equal(stream_decompress(z, out, n, &o, &d, &err), 0);
	assert_string_equal(c.raw_sha, d.raw_sha);
	assert_string_equal(c.comp_sha, d.comp_sha);
	assert_true(pread(out, back, n, 0) == (ssize_t)n);
	assert_memory_equal(back, data, n);
	fstat(out, &st);
	assert_true((uint64_t)st.st_blocks * 512 < n);  /* zero blocks became holes */
	close(in);
	close(z);
	close(out);
	free(data);
	free(back);
}

static void test_stream_zstd(void **state) { round_trip("zstd"); }
static void test_stream_gzip(void **state) { round_trip("gzip"); }

static void test_stream_damage(void **state)
{
	struct stream_opts o = { "zstd", 3, 1, NULL, NULL, NULL };
	struct stream_sums c, d;
	size_t n;
	unsigned char *data = sample(&n);
	int in = tmp_with(data, n), z = tmp_empty();
	char *err = NULL;
	off_t len;

	assert_int_equal(stream_compress(in, n, z, &o, &c, &err), 0);
	len = lseek(z, 0, SEEK_END);
	assert_int_equal(ftruncate(z, len / 2), 0);  /* a truncated archive */
	lseek(z, 0, SEEK_SET);
	assert_int_equal(stream_decompress(z, -1, n, &o, &d, &err), -1);
	assert_non_null(err);
	free(err);
	err = NULL;
	/* a source shorter than announced is an error, not a short archive */
	lseek(in, 0, SEEK_SET);
	assert_int_equal(stream_compress(in, n + 1, tmp_empty(), &o, &c, &err), -1);
	assert_non_null(strstr(err, "ended early"));
	free(err);
	close(in);
	close(z);
	free(data);
}

/* Complete archives only (a manifest, no leading dot), newest first whichever guest; none is not an error. */
static void test_list_archives(void **state)
{
	static const char *const made[] = {
		"zeta-20260101-010101", "alpha-20260301-120000", "alpha-20260101-090000",
		"beta-20260301-120000", ".beta-20260401-000000.partial", "notes",
	};
	static const char *const want[] = {
		"alpha-20260301-120000", "beta-20260301-120000", "alpha-20260101-090000",
		"zeta-20260101-010101", "notes",
	};
	char dir[64], p[256], **names = NULL, *err = NULL;
	size_t n = 99;

	(void)state;
	assert_string_equal(backup_archive_stamp("av-server-20260102-030405"), "20260102-030405");
	assert_string_equal(backup_archive_stamp("notes"), "");
	assert_string_equal(backup_archive_stamp("x-20260102_030405"), "");
	assert_int_equal(scratch_make(dir, sizeof dir, "vmdeck-list"), 0);
	snprintf(p, sizeof p, "%s/none", dir);
	assert_int_equal(backup_list_archives(p, &names, &n, &err), 0);
	assert_int_equal(n, 0);
	for (size_t i = 0; i < sizeof made / sizeof *made; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, made[i]);
		assert_int_equal(mkdir(p, 0700), 0);
		snprintf(p, sizeof p, "%s/%s/" MANIFEST_FILE, dir, made[i]);
		assert_int_equal(file_write_atomic(p, "x", 1, 0600, &err), 0);
	}
	snprintf(p, sizeof p, "%s/no-manifest-20261231-235959", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(backup_list_archives(dir, &names, &n, &err), 0);
	assert_int_equal(n, sizeof want / sizeof *want);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(names[i], want[i]);
		free(names[i]);
	}
	free(names);
	scratch_remove(dir);
}

/* An archive's manifest is read in the archive: a link to a file elsewhere is refused. */
static void test_manifest_no_link(void **state)
{
	char dir[64], p[256], q[256], *err = NULL;
	struct manifest m;

	(void)state;
	assert_int_equal(scratch_make(dir, sizeof dir, "vmdeck-mlink"), 0);
	snprintf(p, sizeof p, "%s/elsewhere.yaml", dir);
	assert_int_equal(file_write_atomic(p, "x", 1, 0600, &err), 0);
	snprintf(q, sizeof q, "%s/" MANIFEST_FILE, dir);
	assert_int_equal(symlink(p, q), 0);
	assert_int_equal(manifest_load(q, &m, &err), -1);
	assert_non_null(strstr(err, "symbolic link"));
	free(err);
	scratch_remove(dir);
}

/* A disk "file" that is a FIFO (no writer ever comes): refused at once, verify does not hang. */
static void test_verify_fifo(void **state)
{
	char dir[64], p[256], *text, *err = NULL;
	struct manifest m;
	struct config cfg = { 0 };

	(void)state;
	assert_int_equal(scratch_make(dir, sizeof dir, "vmdeck-vfifo"), 0);
	fill_manifest(&m);
	text = manifest_emit(&m);
	snprintf(p, sizeof p, "%s/" MANIFEST_FILE, dir);
	assert_int_equal(file_write_atomic(p, text, strlen(text), 0600, &err), 0);
	snprintf(p, sizeof p, "%s/av.raw.zst", dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	alarm(10);  /* a hang is a failure */
	assert_int_equal(verify_archive(&cfg, dir, NULL, NULL, &err), -1);
	alarm(0);
	assert_non_null(strstr(err, "not a regular file"));
	free(err);
	free(text);
	scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest_round_trip),
		cmocka_unit_test(test_manifest_errors),
		cmocka_unit_test(test_manifest_sources),
		cmocka_unit_test(test_stream_zstd),
		cmocka_unit_test(test_stream_gzip),
		cmocka_unit_test(test_stream_damage),
		cmocka_unit_test(test_list_archives),
		cmocka_unit_test(test_manifest_no_link),
		cmocka_unit_test(test_verify_fifo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
