/* test_config.c: vmdeck.conf loading: defaults, relative paths, hosts and every error kind. */
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

#include "config.h"
#include "lvm.h"
#include "util.h"

static char tmpdir[] = "/tmp/vmdeck-test-config.XXXXXX";

static char *write_conf(const char *text)
{
	char *path = path_join(tmpdir, "vmdeck.conf");
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Loads text, expects failure, returns the message (to free). */
static char *load_error(const char *text)
{
	char *path = write_conf(text), *err = NULL;
	struct config cfg;

	assert_int_equal(config_load(path, &cfg, &err), -1);
	assert_non_null(err);
	free(path);
	return err;
}

static void expect_error(const char *text, const char *expected_suffix)
{
	char *err = load_error(text);
	char *want = xasprintf("%s/vmdeck.conf:%s", tmpdir, expected_suffix);

	assert_string_equal(err, want);
	free(err);
	free(want);
}

static void test_defaults_when_empty(void **state)
{
	char *path = write_conf("# nothing set\n"), *err = NULL;
	struct config cfg;
	char *vms = path_join(tmpdir, "vms.d");

	assert_int_equal(config_load(path, &cfg, &err), 0);
	assert_string_equal(cfg.vms_dir, vms);
	assert_string_equal(cfg.state_dir, "/run/vmdeck");
	assert_string_equal(cfg.qemu_binary, "qemu-system-x86_64");
	assert_string_equal(cfg.accel, "auto");
	assert_string_equal(cfg.vg, "");
	assert_string_equal(cfg.lvm_config, "");
	assert_string_equal(cfg.backup_compress, "zstd");
	assert_int_equal(cfg.backup_level, 3);
	assert_int_equal(cfg.backup_threads, 0);
	assert_int_equal(cfg.shutdown_timeout, 120);
	assert_int_equal(cfg.status_timeout_ms, 500);
	assert_int_equal(cfg.n_iso_dirs, 0);
	assert_int_equal(cfg.n_hosts, 0);
	assert_string_equal(cfg.ui_theme, "default");
	assert_true(cfg.ui_refresh > 0.99 && cfg.ui_refresh < 1.01);
	assert_false(cfg.ui_ascii);
	config_free(&cfg);
	free(vms);
	free(path);
}

static void test_full_file_and_relative_paths(void **state)
{
	char *path = write_conf(
		"vms_dir = \"guests\";\n"
		"state_dir = \"var/state\";\n"
		"iso_dirs = [ \"iso\", \"/srv/iso\" ];\n"
		"qemu = { binary = \"/usr/bin/qemu-system-x86_64\"; accel = \"tcg\"; };\n"
		"storage = { vg = \"vg0\"; file_dir = \"/var/lib/d\"; lvm_config = \"global/activation=0\"; };\n"
		"backup = { dir = \"bk\"; compress = \"gzip\"; level = 9; threads = 4; };\n"
		"hosts = ( { name = \"kvm2\"; ssh = \"root@kvm2\"; },\n"
		"          { name = \"kvm3\"; ssh = \"kvm3\"; vmdeck = \"/opt/vmdeck\"; vms_dir = \"/etc/v\"; } );\n"
		"ui = { theme = \"mono\"; refresh = 2; ascii = true; };\n"
		"shutdown_timeout = 30;\n"
		"status_timeout = 250;\n");
	char *err = NULL, *want;
	struct config cfg;

	assert_int_equal(config_load(path, &cfg, &err), 0);
	want = path_join(tmpdir, "guests");
	assert_string_equal(cfg.vms_dir, want);
	free(want);
	want = path_join(tmpdir, "var/state");
	assert_string_equal(cfg.state_dir, want);
	free(want);
	assert_int_equal(cfg.n_iso_dirs, 2);
	want = path_join(tmpdir, "iso");
	assert_string_equal(cfg.iso_dirs[0], want);
	free(want);
	assert_string_equal(cfg.iso_dirs[1], "/srv/iso");
	assert_string_equal(cfg.accel, "tcg");
	assert_string_equal(cfg.vg, "vg0");
	assert_string_equal(cfg.file_dir, "/var/lib/d");
	assert_string_equal(cfg.lvm_config, "global/activation=0");
	assert_string_equal(cfg.backup_compress, "gzip");
	assert_int_equal(cfg.backup_level, 9);
	assert_int_equal(cfg.backup_threads, 4);
	assert_int_equal(cfg.n_hosts, 2);
	assert_string_equal(config_host(&cfg, "kvm2")->ssh, "root@kvm2");
	assert_string_equal(config_host(&cfg, "kvm2")->vmdeck, "vmdeck");
	assert_null(config_host(&cfg, "kvm2")->vms_dir);
	assert_string_equal(config_host(&cfg, "kvm3")->vmdeck, "/opt/vmdeck");
	assert_string_equal(config_host(&cfg, "kvm3")->vms_dir, "/etc/v");
	assert_null(config_host(&cfg, "nope"));
	assert_string_equal(cfg.ui_theme, "mono");
	assert_true(cfg.ui_refresh > 1.99 && cfg.ui_refresh < 2.01);
	assert_true(cfg.ui_ascii);
	assert_int_equal(cfg.shutdown_timeout, 30);
	assert_int_equal(cfg.status_timeout_ms, 250);
	config_free(&cfg);
	free(path);
}

static void test_unknown_key(void **state)
{
	expect_error("vms_dir = \"v\";\n\nvm_dir = \"x\";\n",
		     "3: vm_dir: unknown key (see `vmdeck help config`)");
	expect_error("qemu = {\n  binary = \"q\";\n  acel = \"kvm\";\n};\n",
		     "3: qemu.acel: unknown key (see `vmdeck help config`)");
}

static void test_wrong_type(void **state)
{
	expect_error("shutdown_timeout = \"soon\";\n",
		     "1: shutdown_timeout: expected an integer between 1 and 86400, got a string");
	expect_error("\nvms_dir = 3;\n", "2: vms_dir: expected a path (string), got an integer");
	expect_error("ui = { ascii = 1; };\n", "1: ui.ascii: expected true or false, got an integer");
	expect_error("qemu = \"kvm\";\n", "1: qemu: expected a group { ... }, got a string");
	expect_error("iso_dirs = \"/srv/iso\";\n",
		     "1: iso_dirs: expected a list of paths like [ \"/srv/iso\" ], got a string");
	expect_error("iso_dirs = ( \"/a\",\n 4 );\n", "2: iso_dirs: expected a path (string), got an integer");
}

static void test_out_of_range_and_choices(void **state)
{
	expect_error("backup = { level = 25; };\n",
		     "1: backup.level: expected a value between 1 and 19, got 25");
	expect_error("status_timeout = 0;\n",
		     "1: status_timeout: expected a value between 10 and 60000, got 0");
	expect_error("qemu = { accel = \"xen\"; };\n",
		     "1: qemu.accel: expected kvm, tcg or auto, got \"xen\"");
	expect_error("backup = { compress = \"xz\"; };\n",
		     "1: backup.compress: expected zstd or gzip, got \"xz\"");
	expect_error("backup = { compress = \"gzip\";\n level = 12; };\n",
		     "2: backup.level: expected 1..9 with gzip compression, got 12");
	expect_error("ui = { refresh = 0.01; };\n",
		     "1: ui.refresh: expected a value between 0.1 and 60, got 0.01");
}

static void test_hosts_errors(void **state)
{
	expect_error("hosts = ( { name = \"a\"; } );\n", "1: hosts: each host needs name and ssh");
	expect_error("hosts = ( { name = \"a\"; ssh = \"a\";\n port = 22; } );\n",
		     "2: hosts.port: unknown key (expected name, ssh, vmdeck, vms_dir, ssh_config or lvm_config)");
	expect_error("hosts = ( { name = \"a\"; ssh = \"a\"; },\n { name = \"a\"; ssh = \"b\"; } );\n",
		     "2: hosts.name: host \"a\" is listed twice");
	expect_error("hosts = { name = \"a\"; };\n",
		     "1: hosts: expected a list like ( { name = \"kvm2\"; ssh = \"root@kvm2\"; } ), got a group");
	expect_error("hosts = ( { name = \"bad name\"; ssh = \"x\"; } );\n",
		     "1: hosts.name: expected a name of letters, digits, '.', '_' or '-', got \"bad name\"");
}

static void test_syntax_error_has_line(void **state)
{
	char *err = load_error("vms_dir = \"v\";\nstate_dir = ;\n");
	char *want = xasprintf("%s/vmdeck.conf:2: ", tmpdir);

	assert_memory_equal(err, want, strlen(want));
	free(err);
	free(want);
}

static void test_missing_file(void **state)
{
	char *err = NULL;
	struct config cfg;

	assert_int_equal(config_load("/nonexistent/vmdeck.conf", &cfg, &err), -1);
	assert_non_null(strstr(err, "/nonexistent/vmdeck.conf"));
	free(err);
}

static void test_locate_order(void **state)
{
	setenv("VMDECK_CONFIG", "/env/vmdeck.conf", 1);
	assert_string_equal(config_locate("/cli.conf"), "/cli.conf");
	assert_string_equal(config_locate(NULL), "/env/vmdeck.conf");
	unsetenv("VMDECK_CONFIG");
	assert_string_equal(config_locate(NULL), "/etc/vmdeck/vmdeck.conf");
}

static void test_relative_config_path(void **state)
{
	char *path = write_conf("vms_dir = \"g\";\n"), *err = NULL, *cwd = getcwd(NULL, 0);
	struct config cfg;
	char *want = path_join(tmpdir, "g");

	assert_int_equal(chdir("/tmp"), 0);
	assert_int_equal(config_load(path + strlen("/tmp/"), &cfg, &err), 0);
	assert_string_equal(cfg.vms_dir, want);
	config_free(&cfg);
	assert_int_equal(chdir(cwd), 0);
	free(cwd);
	free(want);
	free(path);
}

/* @include names a file next to the configuration, wherever vmdeck was started. */
static void test_include_is_relative_to_the_file(void **state)
{
	char *inc = path_join(tmpdir, "hosts.inc"), *path, *err = NULL;
	struct config cfg;
	FILE *f = fopen(inc, "w");

	assert_non_null(f);
	fputs("hosts = ( { name = \"kvm2\"; ssh = \"root@kvm2\"; } );\n", f);
	fclose(f);
	path = write_conf("@include \"hosts.inc\"\nshutdown_timeout = 5;\n");
	assert_int_equal(chdir("/"), 0);
	assert_int_equal(config_load(path, &cfg, &err), 0);
	assert_int_equal(cfg.n_hosts, 1);
	assert_string_equal(cfg.hosts[0].ssh, "root@kvm2");
	config_free(&cfg);
	unlink(inc);
	free(inc);
	free(path);
}

/* libconfig would cut a string at a NUL byte: the file is refused with the line. */
static void test_nul_byte_refused(void **state)
{
	static const char text[] = "vms_dir = \"v\";\nstate_dir = \"/run/x\0y\";\n";
	char *path = path_join(tmpdir, "vmdeck.conf"), *err = NULL;
	char *want = xasprintf("%s:2: a NUL byte: not a text file", path);
	struct config cfg;
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, sizeof text - 1, f), sizeof text - 1);
	fclose(f);
	assert_int_equal(config_load(path, &cfg, &err), -1);
	assert_string_equal(err, want);
	free(err);
	free(want);
	free(path);
}

/* A FIFO or a device as the config is refused at once (libconfig would wait, or read forever). */
static void test_not_a_regular_file(void **state)
{
	char *fifo = path_join(tmpdir, "fifo.conf"), *zero = path_join(tmpdir, "zero.conf"), *err = NULL;
	char *want = xasprintf("cannot read %s: not a regular file", fifo);
	struct config cfg;

	assert_int_equal(mkfifo(fifo, 0644), 0);
	assert_int_equal(config_load(fifo, &cfg, &err), -1);
	assert_string_equal(err, want);
	free(err), free(want);
	err = NULL;
	assert_int_equal(symlink("/dev/zero", zero), 0);
	want = xasprintf("cannot read %s: not a regular file", zero);
	assert_int_equal(config_load(zero, &cfg, &err), -1);
	assert_string_equal(err, want);
	free(err), free(want);
	unlink(fifo), unlink(zero);
	free(fifo), free(zero);
}

static int setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *path = path_join(tmpdir, "vmdeck.conf");

	unlink(path);
	free(path);
	return rmdir(tmpdir);
}

/* Defaults and choices as the rest of vmdeck reads them: from the table, never spelled again. */
static void test_defaults_and_choices_from_the_table(void **state)
{
	struct config cfg;

	memset(&cfg, 0, sizeof cfg);
	cfg.dir = xstrdup("/etc/vmdeck");
	config_defaults(&cfg);
	assert_string_equal(config_default("qemu.binary"), cfg.qemu_binary);
	assert_int_equal(atoi(config_default("status_timeout")), cfg.status_timeout_ms);
	assert_string_equal(config_default("hosts.vmdeck"), "vmdeck");
	assert_null(config_default("hosts.ssh"));
	assert_null(config_default("nosuch"));
	assert_null(config_default("hosts.nosuch"));
	assert_string_equal(config_choices("backup.compress")[1], "gzip");
	assert_int_equal(choice_index(config_choices("qemu.accel"), cfg.accel), 2);
	assert_null(config_choices("qemu.binary"));
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_when_empty),
		cmocka_unit_test(test_nul_byte_refused),
		cmocka_unit_test(test_not_a_regular_file),
		cmocka_unit_test(test_full_file_and_relative_paths),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_out_of_range_and_choices),
		cmocka_unit_test(test_hosts_errors),
		cmocka_unit_test(test_syntax_error_has_line),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_locate_order),
		cmocka_unit_test(test_relative_config_path),
		cmocka_unit_test(test_include_is_relative_to_the_file),
		cmocka_unit_test(test_defaults_and_choices_from_the_table),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
