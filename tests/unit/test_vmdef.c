/* test_vmdef.c: guest definitions: the full example, defaults, every error kind, MAC write-back, edits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "util.h"
#include "vmdef.h"

static char tmpdir[] = "/tmp/vmdeck-test-vmdef.XXXXXX";

static char *write_def(const char *name, const char *text, mode_t mode)
{
	char *file = xasprintf("%s.yaml", name);
	char *path = path_join(tmpdir, file);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
	free(file);
	return path;
}

/* Loads NAME.yaml holding text; expects the error "PATH:SUFFIX". */
static void expect_error_mode(const char *text, mode_t mode, const char *suffix)
{
	char *path = write_def("g", text, mode), *err = NULL;
	char *want = xasprintf("%s:%s", path, suffix);
	struct vmdef def;

	assert_int_equal(vmdef_load(path, &def, &err), -1);
	assert_non_null(err);
	assert_string_equal(err, want);
	assert_string_equal(def.error, want);
	assert_string_equal(def.name, "g");
	vmdef_free(&def);
	free(err);
	free(want);
	unlink(path);
	free(path);
}

static void expect_error(const char *text, const char *suffix)
{
	expect_error_mode(text, 0644, suffix);
}

static const char full_example[] =
	"description: XP Pro antivirus server\n"
	"memory: 1G                  # M or G suffix\n"
	"cpus: 2\n"
	"cpu: qemu64                 # QEMU -cpu model\n"
	"machine: pc                 # pc | q35\n"
	"disks:\n"
	"  - lv: vg0/av-server       # or  file: /var/lib/vmdeck/disks/av.qcow2\n"
	"    interface: ide          # ide | virtio | scsi | sata\n"
	"    size: 20G               # used when the volume is created\n"
	"  - file: /srv/d/data.qcow2\n"
	"    interface: virtio\n"
	"cdrom: /srv/iso/xp-sp3.iso  # optional; attached at start, changeable live\n"
	"boot: disk                  # disk | cdrom\n"
	"nics:\n"
	"  - bridge: br0             # or  user: {}   (NAT, no bridge needed)\n"
	"    model: e1000            # e1000 | rtl8139 | virtio\n"
	"    mac: 52:54:00:a1:b2:c3  # generated and written back when missing\n"
	"  - user: {}\n"
	"    model: virtio\n"
	"vnc:\n"
	"  display: 1                # port 5901\n"
	"  listen: 0.0.0.0\n"
	"  password: s3cret          # max 8 characters (VNC); file must then be 0600\n"
	"rtc: localtime              # Windows guests want localtime\n"
	"usb_tablet: true\n"
	"autostart: false\n"
	"guest_agent: yes\n"
	"extra_args: [\"-device\", \"intel-hda\"]\n";

static void test_full_example(void **state)
{
	char *path = write_def("av-server", full_example, 0600), *err = NULL;
	struct vmdef def;

	assert_int_equal(vmdef_load(path, &def, &err), 0);
	assert_null(def.error);
	assert_string_equal(def.name, "av-server");
	assert_string_equal(def.path, path);
	assert_string_equal(def.description, "XP Pro antivirus server");
	assert_int_equal(def.memory, 1 << 30);
	assert_int_equal(def.cpus, 2);
	assert_string_equal(def.cpu, "qemu64");
	assert_string_equal(def.machine, "pc");
	assert_int_equal(def.n_disks, 2);
	assert_string_equal(def.disks[0].lv, "vg0/av-server");
	assert_null(def.disks[0].file);
	assert_string_equal(def.disks[0].format, "raw");
	assert_int_equal(def.disks[0].iface, DISK_IDE);
	assert_int_equal(def.disks[0].size, 20ULL << 30);
	assert_string_equal(def.disks[1].file, "/srv/d/data.qcow2");
	assert_string_equal(def.disks[1].format, "qcow2");
	assert_int_equal(def.disks[1].iface, DISK_VIRTIO);
	assert_int_equal(def.disks[1].size, 0);
	assert_string_equal(def.cdrom, "/srv/iso/xp-sp3.iso");
	assert_string_equal(def.boot, "disk");
	assert_int_equal(def.n_nics, 2);
	assert_string_equal(def.nics[0].bridge, "br0");
	assert_false(def.nics[0].user);
	assert_string_equal(def.nics[0].model, "e1000");
	assert_string_equal(def.nics[0].mac, "52:54:00:a1:b2:c3");
	assert_null(def.nics[1].bridge);
	assert_true(def.nics[1].user);
	assert_string_equal(def.nics[1].model, "virtio");
	assert_null(def.nics[1].mac);
	assert_true(def.vnc);
	assert_int_equal(def.vnc_display, 1);
	assert_string_equal(def.vnc_listen, "0.0.0.0");
	assert_string_equal(def.vnc_password, "s3cret");
	assert_string_equal(def.rtc, "localtime");
	assert_true(def.usb_tablet);
	assert_false(def.autostart);
	assert_true(def.guest_agent);
	assert_int_equal(def.n_extra_args, 2);
	assert_string_equal(def.extra_args[0], "-device");
	assert_string_equal(def.extra_args[1], "intel-hda");
	assert_null(def.extra_args[2]);
	vmdef_free(&def);
	unlink(path);
	free(path);
}

static void test_defaults(void **state)
{
	char *path = write_def("tiny", "# nothing but a comment\n", 0644), *err = NULL;
	struct vmdef def;

	assert_int_equal(vmdef_load(path, &def, &err), 0);
	assert_string_equal(def.description, "");
	assert_int_equal(def.memory, 1 << 30);
	assert_int_equal(def.cpus, 1);
	assert_string_equal(def.cpu, "qemu64");
	assert_string_equal(def.machine, "pc");
	assert_int_equal(def.n_disks, 0);
	assert_non_null(def.disks);
	assert_null(def.cdrom);
	assert_string_equal(def.boot, "disk");
	assert_int_equal(def.n_nics, 0);
	assert_false(def.vnc);
	assert_null(def.vnc_password);
	assert_string_equal(def.rtc, "utc");
	assert_true(def.usb_tablet);
	assert_false(def.autostart);
	assert_false(def.guest_agent);
	assert_int_equal(def.n_extra_args, 0);
	assert_non_null(def.extra_args);
	assert_null(def.extra_args[0]);
	vmdef_free(&def);

	/* defaults inside list items and vnc */
	free(path);
	path = write_def("tiny", "disks:\n  - file: a.img\nnics:\n  - user: {}\nvnc:\n  display: 7\n", 0644);
	assert_int_equal(vmdef_load(path, &def, &err), 0);
	assert_string_equal(def.disks[0].format, "raw");
	assert_int_equal(def.disks[0].iface, DISK_IDE);
	assert_string_equal(def.nics[0].model, "e1000");
	assert_int_equal(def.vnc_display, 7);
	assert_string_equal(def.vnc_listen, "127.0.0.1");
	vmdef_free(&def);
	unlink(path);
	free(path);
}

static void test_error_kinds(void **state)
{
	expect_error("description: dc\ncpus: 2\n\n\n\n\nmemory: lots\n",
		     "7:9: memory: expected a size like 512M or 2G, got \"lots\"");
	expect_error("memory: 8K\n", "1:9: memory: expected a size between 16M and 16T, got \"8K\"");
	expect_error("memory: 20000K\n", "1:9: memory: expected a whole number of megabytes, got \"20000K\"");
	expect_error("cpus: 0\n", "1:7: cpus: expected a number between 1 and 255, got 0");
	expect_error("cpus: two\n", "1:7: cpus: expected a whole number between 1 and 255, got \"two\"");
	expect_error("cpus: [1]\n", "1:7: cpus: expected a single value, got a list");
	expect_error("machine: isapc\n", "1:10: machine: expected pc or q35, got \"isapc\"");
	expect_error("memory: 1G\nmemroy: 2G\n",
		     "2:1: memroy: unknown key (expected one of: description, memory, cpus, cpu, machine, "
		     "disks, cdrom, boot, nics, vnc, rtc, usb_tablet, autostart, guest_agent, extra_args, backup_schedule)");
	expect_error("cpus: 1\nmemory: 1G\ncpus: 2\n", "3:1: cpus: duplicate key (first given on line 1)");
	expect_error("usb_tablet: maybe\n", "1:13: usb_tablet: expected true or false, got \"maybe\"");
	expect_error("boot: floppy\n", "1:7: boot: expected disk or cdrom, got \"floppy\"");
	expect_error("rtc: gmt\n", "1:6: rtc: expected utc or localtime, got \"gmt\"");
	expect_error("extra_args: -snapshot\n",
		     "1:13: extra_args: expected a list of strings like [\"-device\", \"...\"], got a value");
	expect_error("- memory: 1G\n", "1:1: expected a mapping of keys like \"memory: 1G\", got a list");
	expect_error("cpu: \"\"\n", "1:6: cpu: expected a QEMU -cpu model like qemu64 or host, got \"\"");
}

static void test_disk_errors(void **state)
{
	expect_error("disks:\n  - lv: vg0\n", "2:9: disks[0].lv: expected VG/LV like vg0/av-server, got \"vg0\"");
	expect_error("disks:\n  - lv: vg0/a\n  - lv: vg0/b\n    file: /x.img\n",
		     "3:5: disks[1]: expected exactly one of lv or file");
	expect_error("disks:\n  - size: 10G\n", "2:5: disks[0]: expected exactly one of lv or file");
	expect_error("disks:\n  - lv: vg0/a\n    interface: usb\n",
		     "3:16: disks[0].interface: expected ide, virtio, scsi or sata, got \"usb\"");
	expect_error("disks:\n  - lv: vg0/a\n    format: qcow2\n",
		     "2:5: disks[0]: expected format raw for an LVM volume, got \"qcow2\"");
	expect_error("disks:\n  - lv: vg0/a\n    sise: 1G\n",
		     "3:5: disks[0].sise: unknown key (expected one of: lv, file, format, interface, size, overlay)");
	expect_error("disks: vg0/a\n",
		     "1:8: disks: expected a list of mappings (lines starting with \"- \"), got a value");
	expect_error("disks:\n  - vg0/a\n", "2:5: disks[0]: expected a mapping like \"lv: vg0/NAME\", got a value");
}

static void test_nic_and_vnc_errors(void **state)
{
	expect_error("nics:\n  - bridge: br0\n    mac: 52:54:00:zz:00:01\n",
		     "3:10: nics[0].mac: expected a unicast MAC like 52:54:00:a1:b2:c3, got \"52:54:00:zz:00:01\"");
	expect_error("nics:\n  - bridge: br0\n    mac: 01:54:00:00:00:01\n",
		     "3:10: nics[0].mac: expected a unicast MAC like 52:54:00:a1:b2:c3, got \"01:54:00:00:00:01\"");
	expect_error("nics:\n  - bridge: br0\n    user: {}\n", "2:5: nics[0]: expected exactly one of bridge or user");
	expect_error("nics:\n  - model: e1000\n", "2:5: nics[0]: expected exactly one of bridge or user");
	expect_error("nics:\n  - bridge: br0\n    model: ne2000\n",
		     "3:12: nics[0].model: expected e1000, rtl8139 or virtio, got \"ne2000\"");
	expect_error("nics:\n  - bridge: a-very-long-bridge-name\n",
		     "2:13: nics[0].bridge: expected a bridge name of at most 15 characters like br0, got \"a-very-long-bridge-name\"");
	expect_error("vnc:\n  display: 100\n", "2:12: vnc.display: expected a number between 0 and 99, got 100");
	expect_error("vnc:\n  listen: 0.0.0.0\n",
		     "2:3: vnc: expected display: a number between 0 and 99 (port 5900 + display)");
	expect_error("vnc: 1\n", "1:6: vnc: expected a mapping like \"display: 1\", got a value");
	expect_error_mode("vnc:\n  display: 1\n  password: toolongpw\n", 0600,
			  "3:13: vnc.password: expected 1 to 8 characters (the VNC limit), got 9 characters");
}

static void test_password_file_mode(void **state)
{
	char *path = write_def("pw", "vnc:\n  display: 1\n  password: s3cret\n", 0640), *err = NULL;
	char *want = xasprintf("%s:3:13: vnc.password: this file holds a VNC password but is readable by "
			       "group or others (mode 0640); run: chmod 600 %s", path, path);
	struct vmdef def;

	assert_int_equal(vmdef_load(path, &def, &err), -1);
	assert_string_equal(err, want);
	/* the message must not leak the password */
	assert_null(strstr(err, "s3cret"));
	vmdef_free(&def);
	free(err);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(vmdef_load(path, &def, &err), 0);
	vmdef_free(&def);
	unlink(path);
	free(path);
	free(want);
}

static void test_vnc_loopback(void **state)
{
	static const char *const loop[] = { "127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LocalHost", NULL };
	static const char *const open[] = { "0.0.0.0", "::", "[::]", "192.168.1.5", "10.0.0.1", "128.0.0.1",
					    "kvm1.example.org", "::ffff:10.0.0.1", NULL };

	for (int i = 0; loop[i]; i++)
		if (!vmdef_vnc_loopback(loop[i]))
			fail_msg("%s is loopback", loop[i]);
	for (int i = 0; open[i]; i++)
		if (vmdef_vnc_loopback(open[i]))
			fail_msg("%s is not loopback", open[i]);
	assert_true(vmdef_vnc_loopback(NULL)); /* the schema's default */
}

/* An open listen without a password loads (a running guest stays manageable) but fails the VNC check. */
static void test_vnc_open_door(void **state)
{
	char *path = write_def("door", "vnc:\n  display: 1\n  listen: 0.0.0.0\n", 0644), *err = NULL, *yaml;
	struct vmdef def;

	assert_int_equal(vmdef_load(path, &def, &err), 0);
	assert_false(def.vnc_allow_no_password);
	assert_int_equal(vmdef_check_vnc(&def, &err), -1);
	assert_string_equal(err, "vnc.listen 0.0.0.0 opens the guest's screen to the network without a password: "
				 "add vnc.password (up to 8 characters; the file must then be 0600), listen on 127.0.0.1, "
				 "or set vnc.allow_no_password: true");
	free(err);
	err = NULL;
	assert_int_equal(vmdef_validate(&def, &err), -1); /* a new guest is refused the same way */
	free(err);
	vmdef_free(&def);
	unlink(path);
	free(path);

	path = write_def("door", "vnc:\n  display: 1\n  listen: 0.0.0.0\n  allow_no_password: true\n", 0644);
	assert_int_equal(vmdef_load(path, &def, &err), 0);
	assert_true(def.vnc_allow_no_password);
	assert_int_equal(vmdef_check_vnc(&def, &err), 0);
	yaml = vmdef_to_yaml(&def);
	assert_non_null(strstr(yaml, "\n  allow_no_password: true "));
	free(yaml);
	vmdef_free(&def);
	unlink(path);
	free(path);

	path = write_def("door", "vnc:\n  display: 1\n  listen: 0.0.0.0\n  password: s3cret\n", 0600);
	assert_int_equal(vmdef_load(path, &def, &err), 0);
	assert_int_equal(vmdef_check_vnc(&def, &err), 0);
	vmdef_free(&def);
	unlink(path);
	free(path);
}

static void test_syntax_errors(void **state)
{
	expect_error("memory: 1G\ndisks:\n  - lv: a/b\n   interface: ide\n",
		     "4:4: YAML syntax error: did not find expected '-' indicator while parsing a block collection");
	expect_error("description: \"unterminated\n",
		     "2:1: YAML syntax error: found unexpected end of stream while scanning a quoted scalar");
}

static void test_bad_file_name(void **state)
{
	char *path = write_def("bad name", "memory: 1G\n", 0644), *err = NULL;
	struct vmdef def;

	assert_int_equal(vmdef_load(path, &def, &err), -1);
	assert_non_null(strstr(err, "\"bad name\" is not a valid guest name"));
	assert_string_equal(def.name, "bad name");
	vmdef_free(&def);
	free(err);
	unlink(path);
	free(path);
}

static void test_size_parse(void **state)
{
	uint64_t v;

	assert_int_equal(size_parse("512M", &v), 0);
	assert_int_equal(v, 512ULL << 20);
	assert_int_equal(size_parse("2G", &v), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(size_parse("1t", &v), 0);
	assert_int_equal(v, 1ULL << 40);
	assert_int_equal(size_parse("1048576", &v), 0);
	assert_int_equal(v, 1048576);
	assert_int_equal(size_parse("2GiB", &v), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(size_parse("lots", &v), -1);
	assert_int_equal(size_parse("", &v), -1);
	assert_int_equal(size_parse("-1G", &v), -1);
	assert_int_equal(size_parse("1X", &v), -1);
	assert_int_equal(size_parse("1GG", &v), -1);
	assert_int_equal(size_parse("99999999999P", &v), -1);
}

static void test_load_all_broken_does_not_hide_others(void **state)
{
	char *a = write_def("alpha", "memory: 512M\n", 0644);
	char *b = write_def("beta", "memory: [\n", 0644);
	char *c = write_def("gamma", "cpus: 3\n", 0644);
	char *skip = path_join(tmpdir, "notes.txt");
	struct config cfg = { 0 };
	struct vmdef *defs;
	size_t n;
	char *err = NULL;
	FILE *f = fopen(skip, "w");

	fclose(f);
	cfg.vms_dir = tmpdir;
	cfg.file_dir = tmpdir;
	assert_int_equal(vmdefs_load_all(&cfg, &defs, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(defs[0].name, "alpha");
	assert_null(defs[0].error);
	assert_int_equal(defs[0].memory, 512 << 20);
	assert_string_equal(defs[1].name, "beta");
	assert_non_null(defs[1].error);
	assert_non_null(strstr(defs[1].error, "beta.yaml:2:1: YAML syntax error"));
	assert_string_equal(defs[2].name, "gamma");
	assert_null(defs[2].error);
	assert_int_equal(defs[2].cpus, 3);
	vmdefs_free(defs, n);
	unlink(a), unlink(b), unlink(c), unlink(skip);
	free(a), free(b), free(c), free(skip);
}

/* A "\0" escape would cut a password (or any value) short as a C string: refused with file:line. */
static void test_nul_in_value_refused(void **state)
{
	expect_error_mode("memory: 32M\nvnc:\n  listen: 127.0.0.1\n  password: \"ab\\0cdefgh\"\n", 0600,
			  "4: a NUL byte (\\0) in a value: refused, it would cut the value short");
	expect_error("description: \"x\\0y\"\n", "1: a NUL byte (\\0) in a value: refused, it would cut the value short");
	expect_error("\"me\\0mory\": 32M\n", "1: a NUL byte (\\0) in a value: refused, it would cut the value short");
}

/* libyaml reads one document and would leave the rest unread: a second one is refused with its line. */
static void test_second_document_refused(void **state)
{
	static const char why[] = "a second YAML document (after ---): only one is read, so none is accepted";
	char *want3 = xasprintf("3: %s", why), *want2 = xasprintf("2: %s", why);
	char *path = write_def("one", "---\nmemory: 64M\n...\n", 0644), *err = NULL;
	struct vmdef def;

	expect_error("memory: 32M\ncpus: 1\n---\nmemory: 64M\n", want3);
	expect_error("memory: 32M\n---\n", want2);
	expect_error("memory: 32M\n...\n--- {cpus: 4}\n", want3);
	/* one document, with its markers, still loads */
	assert_int_equal(vmdef_load(path, &def, &err), 0);
	assert_int_equal(def.memory, 64 << 20);
	vmdef_free(&def);
	unlink(path);
	free(path);
	free(want3);
	free(want2);
}

/* A FIFO would hang `list`, a link to /dev/zero exhaust memory, a huge file too: each is refused alone. */
static void test_load_all_unreadable_kinds(void **state)
{
	char *ok = write_def("ok", "memory: 64M\n", 0644);
	char *fifo = path_join(tmpdir, "fifo.yaml"), *zero = path_join(tmpdir, "zero.yaml");
	char *big = write_def("big", "memory: 64M\n", 0644);
	struct config cfg = { .vms_dir = tmpdir, .file_dir = tmpdir };
	struct vmdef *defs;
	size_t n;
	char *want;

	assert_int_equal(mkfifo(fifo, 0644), 0);
	assert_int_equal(symlink("/dev/zero", zero), 0);
	assert_int_equal(truncate(big, 2 << 20), 0);
	assert_int_equal(vmdefs_load_all(&cfg, &defs, &n, NULL), 0);
	assert_int_equal(n, 4);
	want = xasprintf("cannot read %s: larger than 1024 KiB", big);
	assert_string_equal(defs[0].error, want);
	free(want);
	want = xasprintf("cannot read %s: not a regular file", fifo);
	assert_string_equal(defs[1].error, want);
	free(want);
	assert_string_equal(defs[2].name, "ok");
	assert_null(defs[2].error);
	assert_int_equal(defs[2].memory, 64 << 20);
	want = xasprintf("cannot read %s: not a regular file", zero);
	assert_string_equal(defs[3].error, want);
	free(want);
	vmdefs_free(defs, n);
	unlink(ok), unlink(fifo), unlink(zero), unlink(big);
	free(ok), free(fifo), free(zero), free(big);
}

static void test_load_by_name_resolves_paths(void **state)
{
	char *p = write_def("res", "disks:\n  - file: res.qcow2\ncdrom: xp.iso\n", 0644), *err = NULL;
	char *want_disk = xasprintf("%s/disks/res.qcow2", tmpdir);
	char *want_iso = xasprintf("%s/iso/xp.iso", tmpdir);
	char *iso_dir = path_join(tmpdir, "iso"), *disk_dir = path_join(tmpdir, "disks");
	char *iso_dirs[] = { iso_dir, NULL };
	struct config cfg = { .vms_dir = tmpdir, .file_dir = disk_dir, .iso_dirs = iso_dirs, .n_iso_dirs = 1 };
	struct vmdef def;

	FILE *f;

	/* an ISO that is not in iso_dirs stays as written */
	assert_int_equal(vmdef_load_by_name(&cfg, "res", &def, &err), 0);
	assert_string_equal(def.disks[0].file, want_disk);
	assert_string_equal(def.disks[0].format, "qcow2");
	assert_string_equal(def.cdrom, "xp.iso");
	vmdef_free(&def);
	assert_int_equal(mkdir(iso_dir, 0755), 0);
	assert_non_null(f = fopen(want_iso, "w"));
	fclose(f);
	assert_int_equal(vmdef_load_by_name(&cfg, "res", &def, &err), 0);
	assert_string_equal(def.cdrom, want_iso);
	vmdef_free(&def);
	unlink(want_iso);
	rmdir(iso_dir);
	assert_int_equal(vmdef_load_by_name(&cfg, "../etc", &def, &err), -1);
	assert_string_equal(err, "\"../etc\" is not a valid guest name");
	free(err);
	err = NULL;
	assert_int_equal(vmdef_load_by_name(&cfg, "nosuch", &def, &err), -1);
	assert_non_null(strstr(err, "nosuch: no such guest"));
	free(err);
	unlink(p);
	free(p), free(want_disk), free(want_iso), free(iso_dir), free(disk_dir);
}


static char *read_all(const char *path)
{
	char *err = NULL, *t = file_read(path, NULL, &err);

	assert_non_null(t);
	return t;
}

/* The MAC write-back changes nothing but the inserted lines: comments, order and spacing survive. */
static void test_fill_macs_keeps_text(void **state)
{
	static const char before[] =
		"# the antivirus box\n"
		"memory: 1G   # enough\n"
		"nics:\n"
		"  - bridge: br0     # office LAN\n"
		"    model: e1000\n"
		"  # the second card is for backups\n"
		"  - user: {}\n"
		"  - bridge: br1\n"
		"    mac: 52:54:00:00:00:01\n"
		"  - { bridge: br2, model: virtio }\n"
		"  - model: rtl8139\n"
		"    user:\n"
		"      {}\n"
		"cpus: 2  # last key, after the list\n";
	char *path = write_def("macs", before, 0640), *err = NULL, *after, *want;
	struct vmdef def;
	struct stat st;

	assert_int_equal(vmdef_load(path, &def, &err), 0);
	assert_int_equal(vmdef_fill_macs(&def, &err), 4);
	for (size_t i = 0; i < 5; i++) {
		assert_non_null(def.nics[i].mac);
		assert_memory_equal(def.nics[i].mac, "52:54:00:", 9);
	}
	assert_string_equal(def.nics[2].mac, "52:54:00:00:00:01");
	after = read_all(path);
	want = xasprintf("# the antivirus box\n"
			 "memory: 1G   # enough\n"
			 "nics:\n"
			 "  - bridge: br0     # office LAN\n"
			 "    model: e1000\n"
			 "    mac: %s\n"
			 "  # the second card is for backups\n"
			 "  - user: {}\n"
			 "    mac: %s\n"
			 "  - bridge: br1\n"
			 "    mac: 52:54:00:00:00:01\n"
			 "  - { bridge: br2, model: virtio, mac: %s }\n"
			 "  - model: rtl8139\n"
			 "    user:\n"
			 "      {}\n"
			 "    mac: %s\n"
			 "cpus: 2  # last key, after the list\n",
			 def.nics[0].mac, def.nics[1].mac, def.nics[3].mac, def.nics[4].mac);
	assert_string_equal(after, want);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	vmdef_free(&def);
	free(after);
	free(want);

	/* a second pass finds nothing to do, and the file reloads with the same MACs */
	assert_int_equal(vmdef_load(path, &def, &err), 0);
	assert_int_equal(vmdef_fill_macs(&def, &err), 0);
	vmdef_free(&def);
	unlink(path);
	free(path);
}

static void test_fill_macs_empty_value_and_no_newline(void **state)
{
	/* multi-byte characters before the edit: libyaml counts characters, the file holds bytes */
	char *path = write_def("macs2", "description: Zürich – Büro\nnics:\n  - {user: {}, model: e1000}  # ü\n"
				"  - user: {}\n    mac:   # fill me\n  - bridge: br0", 0644);
	char *err = NULL, *after, *want;
	struct vmdef def;

	assert_int_equal(vmdef_load(path, &def, &err), 0);
	assert_int_equal(vmdef_fill_macs(&def, &err), 3);
	after = read_all(path);
	want = xasprintf("description: Zürich – Büro\nnics:\n  - {user: {}, model: e1000, mac: %s}  # ü\n"
			 "  - user: {}\n    mac: %s   # fill me\n  - bridge: br0\n    mac: %s\n",
			 def.nics[0].mac, def.nics[1].mac, def.nics[2].mac);
	assert_string_equal(after, want);
	vmdef_free(&def);
	free(after);
	free(want);
	unlink(path);
	free(path);
}

static void test_fill_macs_refuses_alias(void **state)
{
	char *path = write_def("alias", "nics:\n  - &card {user: {}}\n  - *card\n", 0644), *err = NULL;
	struct vmdef def;

	assert_int_equal(vmdef_load(path, &def, &err), 0);
	assert_int_equal(def.n_nics, 2);
	assert_int_equal(vmdef_fill_macs(&def, &err), -1);
	assert_non_null(strstr(err, "alias.yaml:2:5: nics[1]: an alias of another card needs its own mac"));
	free(err);
	vmdef_free(&def);
	free(err = read_all(path));
	unlink(path);
	free(path);
}

static void test_random_mac(void **state)
{
	char a[18], b[18];

	vmdef_random_mac(a);
	vmdef_random_mac(b);
	assert_int_equal(strlen(a), 17);
	assert_memory_equal(a, "52:54:00:", 9);
	assert_string_not_equal(a, b);
}

/* What vmdef_to_yaml writes, vmdef_load reads back the same. */
static void test_to_yaml_round_trip(void **state)
{
	char *path = write_def("av-server", full_example, 0600), *err = NULL, *yaml, *path2;
	struct vmdef def, back;

	assert_int_equal(vmdef_load(path, &def, &err), 0);
	free(def.description);
	def.description = xstrdup("needs \"quotes\": and # marks");
	yaml = vmdef_to_yaml(&def);
	assert_non_null(strstr(yaml, "memory: 1G"));
	assert_non_null(strstr(yaml, "# RAM, with an M or G suffix"));
	path2 = write_def("copy", yaml, 0600);
	assert_int_equal(vmdef_load(path2, &back, &err), 0);
	assert_string_equal(back.description, def.description);
	assert_int_equal(back.memory, def.memory);
	assert_int_equal(back.cpus, def.cpus);
	assert_string_equal(back.cpu, def.cpu);
	assert_string_equal(back.machine, def.machine);
	assert_int_equal(back.n_disks, 2);
	assert_string_equal(back.disks[0].lv, "vg0/av-server");
	assert_int_equal(back.disks[0].size, 20ULL << 30);
	assert_string_equal(back.disks[1].file, "/srv/d/data.qcow2");
	assert_int_equal(back.disks[1].iface, DISK_VIRTIO);
	assert_string_equal(back.cdrom, def.cdrom);
	assert_int_equal(back.n_nics, 2);
	assert_string_equal(back.nics[0].mac, "52:54:00:a1:b2:c3");
	assert_true(back.nics[1].user);
	assert_string_equal(back.nics[1].model, "virtio");
	assert_int_equal(back.vnc_display, 1);
	assert_string_equal(back.vnc_listen, "0.0.0.0");
	assert_string_equal(back.vnc_password, "s3cret");
	assert_string_equal(back.rtc, "localtime");
	assert_true(back.guest_agent);
	assert_int_equal(back.n_extra_args, 2);
	assert_string_equal(back.extra_args[1], "intel-hda");
	vmdef_free(&back);
	vmdef_free(&def);
	unlink(path);
	unlink(path2);
	free(path), free(path2), free(yaml);
}

static void test_set_key(void **state)
{
	static const char before[] =
		"# header comment\n"
		"description: old   # shown in the console\n"
		"memory: 1G\n"
		"nics:\n"
		"  - user: {}\n"
		"vnc:\n"
		"  display: 3    # port 5903\n"
		"rtc: utc\n";
	char *path = write_def("edit", before, 0644), *err = NULL, *after;

	assert_int_equal(vmdef_set_key(path, "memory", "2G", &err), 0);
	assert_int_equal(vmdef_set_key(path, "description", "Domain controller: main", &err), 0);
	assert_int_equal(vmdef_set_key(path, "vnc.display", "4", &err), 0);
	assert_int_equal(vmdef_set_key(path, "cdrom", "/srv/iso/x.iso", &err), 0);
	assert_int_equal(vmdef_set_key(path, "vnc.listen", "0.0.0.0", &err), 0);
	after = read_all(path);
	assert_string_equal(after,
			    "# header comment\n"
			    "description: \"Domain controller: main\"   # shown in the console\n"
			    "memory: 2G\n"
			    "nics:\n"
			    "  - user: {}\n"
			    "vnc:\n"
			    "  display: 4    # port 5903\n"
			    "  listen: 0.0.0.0\n"
			    "rtc: utc\n"
			    "cdrom: /srv/iso/x.iso\n");
	free(after);
	/* an edit that would break the definition is refused and the file kept */
	assert_int_equal(vmdef_set_key(path, "memory", "lots", &err), -1);
	assert_non_null(strstr(err, "memory: expected a size like 512M or 2G, got \"lots\""));
	free(err);
	err = NULL;
	assert_int_equal(vmdef_set_key(path, "nics", "x", &err), -1);
	assert_string_equal(err, "nics: not a key that takes one value (see `vmdeck help yaml`)");
	free(err);
	err = NULL;
	assert_int_equal(vmdef_set_key(path, "colour", "red", &err), -1);
	assert_string_equal(err, "colour: not a key that takes one value (see `vmdeck help yaml`)");
	free(err);
	err = NULL;
	after = read_all(path);
	assert_non_null(strstr(after, "memory: 2G\n"));
	free(after);
	unlink(path);
	free(path);

	/* a new nested key in a file without that mapping */
	path = write_def("edit", "memory: 1G", 0644);
	assert_int_equal(vmdef_set_key(path, "vnc.display", "9", &err), 0);
	after = read_all(path);
	assert_string_equal(after, "memory: 1G\nvnc:\n  display: 9\n");
	free(after);
	unlink(path);
	free(path);

	/* the file holds a list where a single value belongs */
	path = write_def("edit", "cdrom: [a, b]\n", 0644);
	assert_int_equal(vmdef_set_key(path, "cdrom", "x.iso", &err), -1);
	assert_non_null(strstr(err, "edit.yaml:1:8: cdrom holds a list, not a single value"));
	free(err);
	err = NULL;
	unlink(path);
	free(path);

	/* an empty vnc: gets its first key; an empty file gets the key */
	path = write_def("edit", "vnc:   # later\nrtc: utc\n", 0644);
	assert_int_equal(vmdef_set_key(path, "vnc.display", "2", &err), 0);
	after = read_all(path);
	assert_string_equal(after, "vnc:\n  display: 2   # later\nrtc: utc\n");
	free(after);
	unlink(path);
	free(path);
	path = write_def("edit", "", 0600);
	assert_int_equal(vmdef_set_key(path, "cpus", "4", &err), 0);
	after = read_all(path);
	assert_string_equal(after, "cpus: 4\n");
	free(after);
	assert_int_equal(vmdef_set_key(path, "cpus", "x", &err), -1);
	free(err);
	err = NULL;
	assert_int_equal(vmdef_set_key(path, "usb_tablet", "false", &err), 0);
	after = read_all(path);
	assert_string_equal(after, "cpus: 4\nusb_tablet: false\n");
	free(after);
	{
		struct stat st;

		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	unlink(path);
	free(path);
}

/* Emptying a field in the console form: "none" removes the key, keeping everything else. */
static void test_set_key_remove(void **state)
{
	static const char before[] =
		"memory: 1G   # m\n"
		"vnc:\n"
		"  display: 3    # port 5903\n"
		"  password: pw  # secret\n"
		"  listen: 0.0.0.0\n"
		"cdrom: /x.iso\n"
		"description: d\n"
		"nics:\n"
		"  - user: {}\n"
		"    mac: 52:54:00:00:00:01\n"
		"rtc: utc\n";
	char *path = write_def("rm", before, 0600), *err = NULL, *after;

	assert_int_equal(vmdef_set_key(path, "vnc.password", "", &err), 0);
	assert_int_equal(vmdef_set_key(path, "cdrom", "", &err), 0);
	assert_int_equal(vmdef_set_key(path, "description", "", &err), 0);
	assert_int_equal(vmdef_set_key(path, "autostart", NULL, &err), 0);	/* not there: nothing to do */
	after = read_all(path);
	assert_string_equal(after,
			    "memory: 1G   # m\n"
			    "vnc:\n"
			    "  display: 3    # port 5903\n"
			    "  listen: 0.0.0.0\n"
			    "cdrom: \"\"\n"
			    "description: \"\"\n"
			    "nics:\n"
			    "  - user: {}\n"
			    "    mac: 52:54:00:00:00:01\n"
			    "rtc: utc\n");
	free(after);
	/* no display: no VNC at all */
	assert_int_equal(vmdef_set_key(path, "vnc.display", "", &err), 0);
	assert_int_equal(vmdef_set_key(path, "nics", NULL, &err), 0);
	after = read_all(path);
	assert_string_equal(after, "memory: 1G   # m\ncdrom: \"\"\ndescription: \"\"\nrtc: utc\n");
	free(after);
	/* a key the schema requires a value for cannot be emptied into an invalid file */
	assert_int_equal(vmdef_set_key(path, "memory", "", &err), 0);
	after = read_all(path);
	assert_string_equal(after, "cdrom: \"\"\ndescription: \"\"\nrtc: utc\n");
	free(after);
	unlink(path);
	free(path);

	/* an empty value at the end of a key's line, with the next key right after */
	path = write_def("rm", "vnc:\n  display: 1\n  password:\n  listen: 1.2.3.4\n", 0600);
	assert_int_equal(vmdef_set_key(path, "vnc.password", NULL, &err), 0);
	after = read_all(path);
	assert_string_equal(after, "vnc:\n  display: 1\n  listen: 1.2.3.4\n");
	free(after);
	unlink(path);
	free(path);
}

/* Sets item 0's kind with vmdef_set_item_kind and expects the whole file to read want afterwards. */
static void expect_item_kind(const char *before, const char *list, const char *kind, const char *value,
			     const char *const *with, const char *want)
{
	char *path = write_def("kind", before, 0600), *err = NULL, *after;
	struct stat st;

	assert_int_equal(vmdef_set_item_kind(path, list, kind, value, with, &err), 0);
	assert_null(err);
	after = read_all(path);
	assert_string_equal(after, want);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(after);
	unlink(path);
	free(path);
}

/* The first disk switches between an image file and an LV on its own line; the rest of the file stays. */
static void test_item_kind_disk_switch(void **state)
{
	static const char before[] =
		"# disk test\n"
		"memory: 1G\n"
		"disks:            # hard disks\n"
		"  - file: /d/a.qcow2   # the old one\n"
		"    format: qcow2\n"
		"    interface: virtio  # drivers installed\n"
		"    size: 20G\n"
		"  - lv: vg0/data\n"
		"rtc: utc\n";
	const char *const to_lv[] = { "size", "64M", NULL };
	const char *const to_file[] = { "interface", "ide", NULL };

	/* format and size described the old file: they go, and the new size is written */
	expect_item_kind(before, "disks", "lv", "vg0/new", to_lv,
			 "# disk test\n"
			 "memory: 1G\n"
			 "disks:            # hard disks\n"
			 "  - lv: vg0/new   # the old one\n"
			 "    interface: virtio  # drivers installed\n"
			 "    size: 64M\n"
			 "  - lv: vg0/data\n"
			 "rtc: utc\n");
	expect_item_kind("disks:\n  - lv: vg0/x   # c\n    size: 1G\n    interface: sata\n", "disks", "file",
			 "/srv/my disk.img", to_file, "disks:\n  - file: /srv/my disk.img   # c\n    interface: ide\n");
	/* the same volume again: its format and size stay */
	expect_item_kind(before, "disks", "file", "/d/a.qcow2", to_file,
			 "# disk test\n"
			 "memory: 1G\n"
			 "disks:            # hard disks\n"
			 "  - file: /d/a.qcow2   # the old one\n"
			 "    format: qcow2\n"
			 "    interface: ide  # drivers installed\n"
			 "    size: 20G\n"
			 "  - lv: vg0/data\n"
			 "rtc: utc\n");
	/* a flow-style item is edited inside its braces */
	expect_item_kind("disks: [{lv: vg0/a, interface: ide}]\n", "disks", "file", "/x.raw", NULL,
			 "disks: [{file: /x.raw, interface: ide}]\n");
}

/* A guest without a disk gets a list with one item; "none" removes the list, never the volume. */
static void test_item_kind_disk_add_remove(void **state)
{
	const char *const with[] = { "interface", "virtio", "size", "64M", NULL };
	char *disk = path_join(tmpdir, "kept.raw"), *path, *err = NULL, *after;
	FILE *f;

	expect_item_kind("memory: 1G\ndisks: []          # hard disks, in boot order\nrtc: utc\n", "disks", "lv",
			 "vg0/g", with,
			 "memory: 1G\ndisks:          # hard disks, in boot order\n"
			 "  - lv: vg0/g\n    interface: virtio\n    size: 64M\nrtc: utc\n");
	expect_item_kind("memory: 1G   # m\n", "disks", "file", "/x.qcow2", with,
			 "memory: 1G   # m\ndisks:\n  - file: /x.qcow2\n    interface: virtio\n    size: 64M\n");
	expect_item_kind("disks:\nrtc: utc", "disks", "lv", "vg0/g", NULL, "disks:\n  - lv: vg0/g\nrtc: utc");

	f = fopen(disk, "w");
	assert_non_null(f);
	fputs("data", f);
	fclose(f);
	after = xasprintf("# keep me\ndisks:   # list\n  - file: %s  # c\n    interface: ide\n  - lv: vg0/b\nrtc: utc\n",
			  disk);
	path = write_def("kind", after, 0644);
	free(after);
	assert_int_equal(vmdef_set_item_kind(path, "disks", NULL, NULL, NULL, &err), 0);
	after = read_all(path);
	assert_string_equal(after, "# keep me\nrtc: utc\n");
	free(after);
	assert_int_equal(access(disk, F_OK), 0);	/* the definition changed; the disk is still there */
	/* nothing to remove is not an error */
	assert_int_equal(vmdef_set_item_kind(path, "disks", NULL, NULL, NULL, &err), 0);
	unlink(path);
	free(path);
	unlink(disk);
	free(disk);
}

/* The first NIC switches between user networking and a bridge, keeping its model, MAC and comments. */
static void test_item_kind_nic(void **state)
{
	static const char user[] =
		"nics:   # cards\n"
		"  - user: {}    # NAT for now\n"
		"    model: e1000\n"
		"    mac: 52:54:00:00:00:01\n"
		"rtc: utc\n";
	static const char bridged[] =
		"nics:   # cards\n"
		"  - bridge: br0    # NAT for now\n"
		"    model: virtio\n"
		"    mac: 52:54:00:00:00:01\n"
		"rtc: utc\n";
	const char *const virtio[] = { "model", "virtio", NULL };
	const char *const card[] = { "model", "rtl8139", "mac", "52:54:00:aa:bb:cc", NULL };

	expect_item_kind(user, "nics", "bridge", "br0", virtio, bridged);
	expect_item_kind(bridged, "nics", "user", NULL, NULL,
			 "nics:   # cards\n"
			 "  - user: {}    # NAT for now\n"
			 "    model: virtio\n"
			 "    mac: 52:54:00:00:00:01\n"
			 "rtc: utc\n");
	expect_item_kind("nics: [{bridge: br0, model: e1000}]\n", "nics", "user", NULL, NULL,
			 "nics: [{user: {}, model: e1000}]\n");
	expect_item_kind("memory: 1G\n", "nics", "bridge", "br1", card,
			 "memory: 1G\nnics:\n  - bridge: br1\n    model: rtl8139\n    mac: 52:54:00:aa:bb:cc\n");
	expect_item_kind("nics: []\n", "nics", "user", NULL, NULL, "nics:\n  - user: {}\n");
	expect_item_kind(user, "nics", NULL, NULL, NULL, "rtc: utc\n");
}

/* A change the schema refuses, or that cannot be made on the text, leaves the file as it was. */
static void test_item_kind_refused(void **state)
{
	static const char before[] =
		"disks:\n"
		"  - file: /d/a.img   # keep\n"
		"nics:\n"
		"  - user: {}\n";
	static const struct {
		const char *list, *kind, *value, *want;
	} bad[] = {
		{ "disks", "lv", "no slash", "disks[0].lv: expected VG/LV like vg0/av-server, got \"no slash\"" },
		{ "nics", "bridge", "a-bridge-name-too-long", "nics[0].bridge: expected a bridge name of at most 15" },
		{ "nics", "lv", "vg/x", "nics: an item is bridge or user, not \"lv\"" },
		{ "disks", "file", "", "disks.0.file: needs a value" },
		{ "cdrom", "file", "/x", "cdrom: not a list whose items have a kind (disks or nics)" },
	};
	char *path = write_def("kind", before, 0644), *err = NULL, *after;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(vmdef_set_item_kind(path, bad[i].list, bad[i].kind, bad[i].value, NULL, &err), -1);
		assert_non_null(err);
		assert_non_null(strstr(err, bad[i].want));
		free(err);
		err = NULL;
		after = read_all(path);
		assert_string_equal(after, before);
		free(after);
	}
	unlink(path);
	free(path);
	/* an LV cannot keep a qcow2 format; a format that opens the item cannot be cut out of its line */
	path = write_def("kind", "disks:\n  - format: qcow2\n    file: /a.qcow2\n", 0644);
	assert_int_equal(vmdef_set_item_kind(path, "disks", "lv", "vg0/a", NULL, &err), -1);
	assert_non_null(strstr(err, "format cannot be removed from here; edit the file"));
	free(err);
	after = read_all(path);
	assert_string_equal(after, "disks:\n  - format: qcow2\n    file: /a.qcow2\n");
	free(after);
	unlink(path);
	free(path);
}

/* Building in memory (`vmdeck new`, the console form) goes through the same schema checks. */
static void test_set_field_and_validate(void **state)
{
	struct vmdef def;
	char *err = NULL;

	vmdef_init(&def, "built");
	assert_int_equal(def.memory, 1 << 30);
	assert_int_equal(vmdef_set_field(&def, "memory", "3G", &err), 0);
	assert_int_equal(def.memory, 3ULL << 30);
	assert_int_equal(vmdef_set_field(&def, "memory", "lots", &err), -1);
	assert_string_equal(err, "memory: expected a size like 512M or 2G, got \"lots\"");
	free(err);
	err = NULL;
	assert_int_equal(vmdef_set_field(&def, "disks.size", "1G", &err), -1);
	assert_string_equal(err, "disks.size: no disk to set it on");
	free(err);
	err = NULL;
	vmdef_add_disk(&def);
	assert_int_equal(vmdef_set_field(&def, "disks.size", "1G", &err), 0);
	assert_int_equal(def.disks[0].size, 1ULL << 30);
	/* a disk with neither lv nor file is refused, like in a file */
	assert_int_equal(vmdef_validate(&def, &err), -1);
	assert_string_equal(err, "disks[0]: expected exactly one of lv or file");
	free(err);
	err = NULL;
	assert_int_equal(vmdef_set_field(&def, "disks.lv", "vg0/built", &err), 0);
	vmdef_add_nic(&def);
	assert_int_equal(vmdef_set_field(&def, "nics.user", "true", &err), 0);
	assert_int_equal(vmdef_set_field(&def, "nics.model", "ne2000", &err), -1);
	assert_string_equal(err, "nics.model: expected e1000, rtl8139 or virtio, got \"ne2000\"");
	free(err);
	err = NULL;
	assert_int_equal(vmdef_set_field(&def, "vnc.listen", "0.0.0.0", &err), 0);
	assert_true(def.vnc);
	assert_int_equal(vmdef_validate(&def, &err), -1);
	assert_string_equal(err, "vnc: expected display: a number between 0 and 99 (port 5900 + display)");
	free(err);
	err = NULL;
	assert_int_equal(vmdef_set_field(&def, "vnc.display", "5", &err), 0);
	assert_int_equal(vmdef_set_field(&def, "vnc.password", "123456789", &err), -1);
	assert_string_equal(err, "vnc.password: expected 1 to 8 characters (the VNC limit), got 9 characters");
	free(err);
	err = NULL;
	assert_int_equal(vmdef_set_field(&def, "colour", "red", &err), -1);
	free(err);
	err = NULL;
	assert_int_equal(vmdef_set_field(&def, "disks", "x", &err), -1);
	free(err);
	err = NULL;
	/* listening on every address without a password is an open door */
	assert_int_equal(vmdef_validate(&def, &err), -1);
	assert_non_null(strstr(err, "vnc.listen 0.0.0.0 opens the guest's screen to the network without a password"));
	free(err);
	err = NULL;
	assert_int_equal(vmdef_set_field(&def, "vnc.password", "s3cret", &err), 0);
	assert_int_equal(vmdef_validate(&def, &err), 0);
	vmdef_free(&def);
}

/* Adds an item with vmdef_add_item and expects the whole file to read want afterwards. */
static void expect_add_item(const char *before, const char *kind, const char *value, const char *const *with,
			    const char *want)
{
	char *path = write_def("add", before, 0600), *err = NULL, *after;

	assert_int_equal(vmdef_add_item(path, "disks", kind, value, with, &err), 0);
	assert_null(err);
	after = read_all(path);
	assert_string_equal(after, want);
	free(after);
	unlink(path);
	free(path);
}

/* A second disk goes after the last one, at its indentation; comments and the other keys stay. */
static void test_add_item_disk(void **state)
{
	const char *const with[] = { "interface", "virtio", NULL };
	char *path, *err = NULL, *after;

	expect_add_item("memory: 1G\n"
			"disks:        # boot disk first\n"
			"  - lv: vg0/a   # system\n"
			"    interface: ide\n"
			"rtc: utc  # keep\n",
			"file", "/srv/data disk.img", with,
			"memory: 1G\n"
			"disks:        # boot disk first\n"
			"  - lv: vg0/a   # system\n"
			"    interface: ide\n"
			"  - file: /srv/data disk.img\n"
			"    interface: virtio\n"
			"rtc: utc  # keep\n");
	expect_add_item("disks:\n- lv: vg0/a\n", "lv", "vg0/b", NULL, "disks:\n- lv: vg0/a\n- lv: vg0/b\n");
	expect_add_item("disks: [{lv: vg0/a}]   # flow\n", "lv", "vg0/b", with,
			"disks: [{lv: vg0/a}, {lv: vg0/b, interface: virtio}]   # flow\n");
	/* none yet: the list is made */
	expect_add_item("memory: 1G\ndisks: []\n", "lv", "vg0/b", NULL, "memory: 1G\ndisks:\n  - lv: vg0/b\n");
	expect_add_item("memory: 1G\n", "file", "/x.raw", NULL, "memory: 1G\ndisks:\n  - file: /x.raw\n");
	/* a result that does not load is not written */
	path = write_def("add", "disks:\n  - lv: vg0/a\n", 0600);
	assert_int_equal(vmdef_add_item(path, "disks", "lv", "bad name!", NULL, &err), -1);
	assert_non_null(err);
	free(err);
	after = read_all(path);
	assert_string_equal(after, "disks:\n  - lv: vg0/a\n");
	free(after);
	unlink(path);
	free(path);
}

static int setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	struct dirent *e;
	DIR *d = opendir(tmpdir);

	while (d && (e = readdir(d)) != NULL) {
		char *p = path_join(tmpdir, e->d_name);

		if (e->d_name[0] != '.')
			unlink(p);
		free(p);
	}
	if (d)
		closedir(d);
	return rmdir(tmpdir);
}

/* The schema's defaults are what the form, `new`, the argv and the YAML writer use. */
static void test_defaults_from_the_schema(void **state)
{
	assert_string_equal(vmdef_default("cpu"), "qemu64");
	assert_string_equal(vmdef_default("memory"), "1G");
	assert_string_equal(vmdef_default("vnc.listen"), "127.0.0.1");
	assert_string_equal(vmdef_default("nics.model"), "e1000");
	assert_string_equal(vmdef_default("disks.interface"), "ide");
	assert_null(vmdef_default("nosuch"));
	assert_null(vmdef_default("vnc.nosuch"));
	assert_null(vmdef_default("cpu.listen"));
}

/* The choice lists the form offers and the checks accept come from the same rows. */
static void test_choices_from_the_schema(void **state)
{
	const char *const *c = vmdef_choices("nics.model");
	struct vmdef def;
	char *err = NULL;
	size_t n = 0;

	assert_non_null(c);
	for (; c[n]; n++) {
		vmdef_init(&def, "g");
		vmdef_add_nic(&def);
		assert_int_equal(vmdef_set_field(&def, "nics.model", c[n], &err), 0);
		vmdef_free(&def);
	}
	assert_int_equal(n, 3);
	assert_string_equal(vmdef_choices("machine")[1], "q35");
	assert_string_equal(vmdef_choices("disks.interface")[0], vmdef_default("disks.interface"));
	assert_int_equal(choice_index(vmdef_choices("disks.interface"), "sata"), DISK_SATA);
	assert_string_equal(disk_iface_name(DISK_VIRTIO), "virtio");
	assert_string_equal(vmdef_choices("rtc")[1], "localtime");
	assert_null(vmdef_choices("boot")[2]);
	assert_null(vmdef_choices("cpu"));
	assert_null(vmdef_choices("nosuch.model"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_error_kinds),
		cmocka_unit_test(test_disk_errors),
		cmocka_unit_test(test_nic_and_vnc_errors),
		cmocka_unit_test(test_password_file_mode),
		cmocka_unit_test(test_vnc_loopback),
		cmocka_unit_test(test_vnc_open_door),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_bad_file_name),
		cmocka_unit_test(test_size_parse),
		cmocka_unit_test(test_load_all_broken_does_not_hide_others),
		cmocka_unit_test(test_nul_in_value_refused),
		cmocka_unit_test(test_second_document_refused),
		cmocka_unit_test(test_load_all_unreadable_kinds),
		cmocka_unit_test(test_load_by_name_resolves_paths),
		cmocka_unit_test(test_fill_macs_keeps_text),
		cmocka_unit_test(test_fill_macs_empty_value_and_no_newline),
		cmocka_unit_test(test_fill_macs_refuses_alias),
		cmocka_unit_test(test_random_mac),
		cmocka_unit_test(test_to_yaml_round_trip),
		cmocka_unit_test(test_set_key),
		cmocka_unit_test(test_set_key_remove),
		cmocka_unit_test(test_item_kind_disk_switch),
		cmocka_unit_test(test_item_kind_disk_add_remove),
		cmocka_unit_test(test_item_kind_nic),
		cmocka_unit_test(test_item_kind_refused),
		cmocka_unit_test(test_add_item_disk),
		cmocka_unit_test(test_defaults_from_the_schema),
		cmocka_unit_test(test_choices_from_the_schema),
		cmocka_unit_test(test_set_field_and_validate),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
