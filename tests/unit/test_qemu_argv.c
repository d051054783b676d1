/* test_qemu_argv.c: golden tests: every definition key gives exactly the expected QEMU argv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "qemu_argv.h"
#include "util.h"
#include "vmdef.h"

static struct config cfg;
static struct vmdef def;
static struct vm_disk disks[6];
static struct vm_nic nics[3];
static struct qemu_argv_opts opts;

/* A small pc guest with no disk, no NIC and no VNC: each test changes what it is about. */
static int setup(void **state)
{
	memset(&cfg, 0, sizeof cfg);
	cfg.qemu_binary = (char *)"qemu-system-x86_64";
	cfg.state_dir = (char *)"/run/vmdeck";
	memset(&def, 0, sizeof def);
	memset(disks, 0, sizeof disks);
	memset(nics, 0, sizeof nics);
	def.name = (char *)"g1";
	def.memory = 512ull << 20;
	def.cpus = 2;
	def.cpu = (char *)"qemu64";
	def.machine = (char *)"pc";
	def.boot = (char *)"disk";
	def.rtc = (char *)"utc";
	def.disks = disks;
	def.nics = nics;
	opts = (struct qemu_argv_opts){ .accel = "tcg", .daemonize = true, .paused = true };
	return 0;
}

/* The start and the end every guest named g1 shares (pc, 2 CPUs, 512M, UTC, daemonized, paused). */
#define HEAD(machine)                                                                                            \
	"qemu-system-x86_64", "-name", "g1", "-machine", machine, "-accel", "tcg", "-nodefaults", "-cpu", "qemu64", \
		"-smp", "2", "-m", "512M", "-rtc", "base=utc", "-vga", "std"
#define NO_VNC "-display", "none"
#define CD_EMPTY_PC(idx) "-drive", "if=none,id=cd0,media=cdrom,readonly=on", \
	"-device", "ide-cd,drive=cd0,id=cd0,bus=ide.1,unit=0,bootindex=" idx
#define CONTROL                                                                                  \
	"-qmp", "unix:/run/vmdeck/g1/qmp.sock,server=on,wait=off", "-qmp",                      \
		"unix:/run/vmdeck/g1/status.sock,server=on,wait=off", "-qmp",                   \
		"unix:/run/vmdeck/g1/events.sock,server=on,wait=off", "-monitor",               \
		"unix:/run/vmdeck/g1/hmp.sock,server=on,wait=off", "-serial",                   \
		"unix:/run/vmdeck/g1/serial.sock,server=on,wait=off"
#define TAIL CONTROL, "-pidfile", "/run/vmdeck/g1/qemu.pid", "-D", "/run/vmdeck/g1/qemu-run.log", "-daemonize", "-S"

/* Builds the argv and compares it whole; on a difference it prints both, one argument a line. */
static void expect_argv(const char *const *want)
{
	struct strv out = { 0 };
	char *err = NULL;
	size_t n = 0;
	bool same;

	if (qemu_argv_build(&cfg, &def, &opts, &out, &err) < 0)
		fail_msg("build failed: %s", err);
	while (want[n])
		n++;
	same = out.n == n;
	for (size_t i = 0; same && i < n; i++)
		same = strcmp(out.v[i], want[i]) == 0;
	if (!same) {
		for (size_t i = 0; i < n || i < out.n; i++)
			print_message("# %-3zu want %-60s got %s\n", i, i < n ? want[i] : "(end)",
				      i < out.n ? out.v[i] : "(end)");
		strv_free(&out);
		fail_msg("argv differs");
	}
	strv_free(&out);
}

#define EXPECT(...) expect_argv((const char *const[]){ __VA_ARGS__, NULL })

static void expect_error(const char *fragment)
{
	struct strv out = { 0 };
	char *err = NULL;

	assert_int_equal(qemu_argv_build(&cfg, &def, &opts, &out, &err), -1);
	assert_non_null(err);
	if (strstr(err, fragment) == NULL)
		fail_msg("error '%s' lacks '%s'", err, fragment);
	assert_null(out.v);
	free(err);
}

static void add_lv(const char *lv, enum disk_iface iface)
{
	disks[def.n_disks++] = (struct vm_disk){ .lv = (char *)lv, .iface = iface };
}

static void add_file(const char *file, const char *format, enum disk_iface iface)
{
	disks[def.n_disks++] = (struct vm_disk){ .file = (char *)file, .format = (char *)format, .iface = iface };
}

/* ---- machine, processor, memory, rtc ---- */

static void test_minimal_pc(void **state)
{
	EXPECT(HEAD("pc"), NO_VNC, CD_EMPTY_PC("1"), TAIL);
}

static void test_minimal_q35(void **state)
{
	def.machine = (char *)"q35";
	EXPECT(HEAD("q35"), NO_VNC, "-drive", "if=none,id=cd0,media=cdrom,readonly=on", "-device",
	       "ide-cd,drive=cd0,id=cd0,bus=ide.2,bootindex=1", TAIL);
}

static void test_unknown_machine(void **state)
{
	def.machine = (char *)"isapc";
	expect_error("machine must be pc or q35");
}

static void test_cpu_smp_memory_kvm(void **state)
{
	def.cpu = (char *)"host";
	def.cpus = 4;
	def.memory = 3ull << 30;
	opts.accel = "kvm";
	EXPECT("qemu-system-x86_64", "-name", "g1", "-machine", "pc", "-accel", "kvm", "-nodefaults", "-cpu", "host",
	       "-smp", "4", "-m", "3072M", "-rtc", "base=utc", "-vga", "std", NO_VNC, CD_EMPTY_PC("1"), TAIL);
}

/* Memory that is not a whole number of MiB is given in KiB, never rounded. */
static void test_memory_not_whole_mib(void **state)
{
	def.memory = (512ull << 20) + (512 << 10);
	EXPECT("qemu-system-x86_64", "-name", "g1", "-machine", "pc", "-accel", "tcg", "-nodefaults", "-cpu", "qemu64",
	       "-smp", "2", "-m", "524800K", "-rtc", "base=utc", "-vga", "std", NO_VNC, CD_EMPTY_PC("1"), TAIL);
}

static void test_rtc_localtime(void **state)
{
	def.rtc = (char *)"localtime";
	EXPECT("qemu-system-x86_64", "-name", "g1", "-machine", "pc", "-accel", "tcg", "-nodefaults", "-cpu", "qemu64",
	       "-smp", "2", "-m", "512M", "-rtc", "base=localtime", "-vga", "std", NO_VNC, CD_EMPTY_PC("1"), TAIL);
}

/* ---- disks ---- */

static void test_lv_ide(void **state)
{
	add_lv("vg0/av-server", DISK_IDE);
	EXPECT(HEAD("pc"), NO_VNC, "-drive", "file=/dev/vg0/av-server,format=raw,if=none,id=disk0,node-name=node-disk0,cache=none",
	       "-device", "ide-hd,drive=disk0,bus=ide.0,unit=0,bootindex=1", CD_EMPTY_PC("2"), TAIL);
}

static void test_lv_virtio(void **state)
{
	add_lv("vg0/lin", DISK_VIRTIO);
	EXPECT(HEAD("pc"), NO_VNC, "-drive", "file=/dev/vg0/lin,format=raw,if=none,id=disk0,node-name=node-disk0,cache=none", "-device",
	       "virtio-blk-pci,drive=disk0,bootindex=1", CD_EMPTY_PC("2"), TAIL);
}

/* SCSI disks share one virtio-scsi controller, added before the first. */
static void test_lv_scsi_two_disks_one_controller(void **state)
{
	add_lv("vg0/a", DISK_SCSI);
	add_lv("vg0/b", DISK_SCSI);
	EXPECT(HEAD("pc"), NO_VNC, "-drive", "file=/dev/vg0/a,format=raw,if=none,id=disk0,node-name=node-disk0,cache=none", "-device",
	       "virtio-scsi-pci,id=scsi0", "-device", "scsi-hd,drive=disk0,bus=scsi0.0,bootindex=1", "-drive",
	       "file=/dev/vg0/b,format=raw,if=none,id=disk1,node-name=node-disk1,cache=none", "-device",
	       "scsi-hd,drive=disk1,bus=scsi0.0,bootindex=2", CD_EMPTY_PC("3"), TAIL);
}

/* pc has no SATA of its own: an AHCI controller is added once. */
static void test_lv_sata_pc(void **state)
{
	add_lv("vg0/a", DISK_SATA);
	add_lv("vg0/b", DISK_SATA);
	EXPECT(HEAD("pc"), NO_VNC, "-drive", "file=/dev/vg0/a,format=raw,if=none,id=disk0,node-name=node-disk0,cache=none", "-device",
	       "ahci,id=ahci0", "-device", "ide-hd,drive=disk0,bus=ahci0.0,bootindex=1", "-drive",
	       "file=/dev/vg0/b,format=raw,if=none,id=disk1,node-name=node-disk1,cache=none", "-device",
	       "ide-hd,drive=disk1,bus=ahci0.1,bootindex=2", CD_EMPTY_PC("3"), TAIL);
}

/* q35's AHCI is built in: sata and ide disks both take its ports, around the CD's port 2. */
static void test_q35_sata_and_ide(void **state)
{
	def.machine = (char *)"q35";
	add_lv("vg0/a", DISK_SATA);
	add_lv("vg0/b", DISK_IDE);
	add_lv("vg0/c", DISK_SATA);
	EXPECT(HEAD("q35"), NO_VNC, "-drive", "file=/dev/vg0/a,format=raw,if=none,id=disk0,node-name=node-disk0,cache=none", "-device",
	       "ide-hd,drive=disk0,bus=ide.0,bootindex=1", "-drive",
	       "file=/dev/vg0/b,format=raw,if=none,id=disk1,node-name=node-disk1,cache=none", "-device",
	       "ide-hd,drive=disk1,bus=ide.1,bootindex=2", "-drive",
	       "file=/dev/vg0/c,format=raw,if=none,id=disk2,node-name=node-disk2,cache=none", "-device",
	       "ide-hd,drive=disk2,bus=ide.3,bootindex=3", "-drive", "if=none,id=cd0,media=cdrom,readonly=on",
	       "-device", "ide-cd,drive=cd0,id=cd0,bus=ide.2,bootindex=4", TAIL);
}

/* Three IDE disks fill pc's channels around the CD (secondary master). */
static void test_pc_ide_slots_and_limit(void **state)
{
	add_lv("vg0/a", DISK_IDE);
	add_lv("vg0/b", DISK_IDE);
	add_lv("vg0/c", DISK_IDE);
	EXPECT(HEAD("pc"), NO_VNC, "-drive", "file=/dev/vg0/a,format=raw,if=none,id=disk0,node-name=node-disk0,cache=none", "-device",
	       "ide-hd,drive=disk0,bus=ide.0,unit=0,bootindex=1", "-drive",
	       "file=/dev/vg0/b,format=raw,if=none,id=disk1,node-name=node-disk1,cache=none", "-device",
	       "ide-hd,drive=disk1,bus=ide.0,unit=1,bootindex=2", "-drive",
	       "file=/dev/vg0/c,format=raw,if=none,id=disk2,node-name=node-disk2,cache=none", "-device",
	       "ide-hd,drive=disk2,bus=ide.1,unit=1,bootindex=3", CD_EMPTY_PC("4"), TAIL);
	add_lv("vg0/d", DISK_IDE);
	expect_error("disk 4: at most 3 ide disks fit on machine pc");
}

static void test_file_formats_and_interfaces(void **state)
{
	add_file("/var/lib/vmdeck/disks/w.qcow2", NULL, DISK_IDE);
	add_file("/var/lib/vmdeck/disks/d.img", NULL, DISK_VIRTIO);
	add_file("/var/lib/vmdeck/disks/s.raw", NULL, DISK_SCSI);
	add_file("/var/lib/vmdeck/disks/odd.bin", "qcow2", DISK_SATA);
	EXPECT(HEAD("pc"), NO_VNC, "-drive", "file=/var/lib/vmdeck/disks/w.qcow2,format=qcow2,if=none,id=disk0,node-name=node-disk0",
	       "-device", "ide-hd,drive=disk0,bus=ide.0,unit=0,bootindex=1", "-drive",
	       "file=/var/lib/vmdeck/disks/d.img,format=raw,if=none,id=disk1,node-name=node-disk1", "-device",
	       "virtio-blk-pci,drive=disk1,bootindex=2", "-drive",
	       "file=/var/lib/vmdeck/disks/s.raw,format=raw,if=none,id=disk2,node-name=node-disk2", "-device", "virtio-scsi-pci,id=scsi0",
	       "-device", "scsi-hd,drive=disk2,bus=scsi0.0,bootindex=3", "-drive",
	       "file=/var/lib/vmdeck/disks/odd.bin,format=qcow2,if=none,id=disk3,node-name=node-disk3", "-device", "ahci,id=ahci0",
	       "-device", "ide-hd,drive=disk3,bus=ahci0.0,bootindex=4", CD_EMPTY_PC("5"), TAIL);
}

/* A comma in a path would end QEMU's option value: it is doubled. */
static void test_comma_in_path_escaped(void **state)
{
	add_file("/srv/disks/a,b.img", NULL, DISK_VIRTIO);
	def.cdrom = (char *)"/srv/iso/x,format=qcow2.iso";
	EXPECT(HEAD("pc"), NO_VNC, "-drive", "file=/srv/disks/a,,b.img,format=raw,if=none,id=disk0,node-name=node-disk0", "-device",
	       "virtio-blk-pci,drive=disk0,bootindex=1", "-drive",
	       "if=none,id=cd0,media=cdrom,readonly=on,format=raw,file=/srv/iso/x,,format=qcow2.iso", "-device",
	       "ide-cd,drive=cd0,id=cd0,bus=ide.1,unit=0,bootindex=2", TAIL);
}

static void test_disk_needs_one_source(void **state)
{
	disks[def.n_disks++] = (struct vm_disk){ .iface = DISK_IDE };
	expect_error("disk 1 needs exactly one of lv and file");
}

/* ---- CD and boot order ---- */

static void test_cdrom_with_iso(void **state)
{
	add_lv("vg0/xp", DISK_IDE);
	def.cdrom = (char *)"/srv/iso/xp-sp3.iso";
	EXPECT(HEAD("pc"), NO_VNC, "-drive", "file=/dev/vg0/xp,format=raw,if=none,id=disk0,node-name=node-disk0,cache=none", "-device",
	       "ide-hd,drive=disk0,bus=ide.0,unit=0,bootindex=1", "-drive",
	       "if=none,id=cd0,media=cdrom,readonly=on,format=raw,file=/srv/iso/xp-sp3.iso", "-device",
	       "ide-cd,drive=cd0,id=cd0,bus=ide.1,unit=0,bootindex=2", TAIL);
}

static void test_boot_cdrom(void **state)
{
	add_lv("vg0/xp", DISK_IDE);
	add_lv("vg0/data", DISK_VIRTIO);
	def.cdrom = (char *)"/srv/iso/xp-sp3.iso";
	def.boot = (char *)"cdrom";
	EXPECT(HEAD("pc"), NO_VNC, "-drive", "file=/dev/vg0/xp,format=raw,if=none,id=disk0,node-name=node-disk0,cache=none", "-device",
	       "ide-hd,drive=disk0,bus=ide.0,unit=0,bootindex=2", "-drive",
	       "file=/dev/vg0/data,format=raw,if=none,id=disk1,node-name=node-disk1,cache=none", "-device",
	       "virtio-blk-pci,drive=disk1,bootindex=3", "-drive",
	       "if=none,id=cd0,media=cdrom,readonly=on,format=raw,file=/srv/iso/xp-sp3.iso", "-device",
	       "ide-cd,drive=cd0,id=cd0,bus=ide.1,unit=0,bootindex=1", TAIL);
}

/* `start --cdrom ISO --boot cdrom` overrides the definition; an empty override empties the drive. */
static void test_start_overrides(void **state)
{
	add_lv("vg0/xp", DISK_IDE);
	def.cdrom = (char *)"/srv/iso/xp-sp3.iso";
	opts.cdrom = "/srv/iso/drivers.iso";
	opts.boot = "cdrom";
	EXPECT(HEAD("pc"), NO_VNC, "-drive", "file=/dev/vg0/xp,format=raw,if=none,id=disk0,node-name=node-disk0,cache=none", "-device",
	       "ide-hd,drive=disk0,bus=ide.0,unit=0,bootindex=2", "-drive",
	       "if=none,id=cd0,media=cdrom,readonly=on,format=raw,file=/srv/iso/drivers.iso", "-device",
	       "ide-cd,drive=cd0,id=cd0,bus=ide.1,unit=0,bootindex=1", TAIL);
	opts.cdrom = "";
	opts.boot = "disk";
	EXPECT(HEAD("pc"), NO_VNC, "-drive", "file=/dev/vg0/xp,format=raw,if=none,id=disk0,node-name=node-disk0,cache=none", "-device",
	       "ide-hd,drive=disk0,bus=ide.0,unit=0,bootindex=1", CD_EMPTY_PC("2"), TAIL);
}

/* ---- network ---- */

static void test_nics_each_model(void **state)
{
	nics[0] = (struct vm_nic){ .bridge = (char *)"br0", .model = (char *)"e1000", .mac = (char *)"52:54:00:a1:b2:c3" };
	nics[1] = (struct vm_nic){ .user = true, .model = (char *)"rtl8139", .mac = (char *)"52:54:00:00:00:02" };
	nics[2] = (struct vm_nic){ .bridge = (char *)"br1", .model = (char *)"virtio", .mac = (char *)"52:54:00:00:00:03" };
	def.n_nics = 3;
	EXPECT(HEAD("pc"), NO_VNC, CD_EMPTY_PC("1"), "-netdev", "bridge,id=net0,br=br0", "-device",
	       "e1000,netdev=net0,mac=52:54:00:a1:b2:c3,id=nic0", "-netdev", "user,id=net1", "-device",
	       "rtl8139,netdev=net1,mac=52:54:00:00:00:02,id=nic1", "-netdev", "bridge,id=net2,br=br1", "-device",
	       "virtio-net-pci,netdev=net2,mac=52:54:00:00:00:03,id=nic2", TAIL);
}

static void test_user_virtio_nic_without_mac(void **state)
{
	nics[0] = (struct vm_nic){ .user = true, .model = (char *)"virtio" };
	def.n_nics = 1;
	EXPECT(HEAD("pc"), NO_VNC, CD_EMPTY_PC("1"), "-netdev", "user,id=net0", "-device",
	       "virtio-net-pci,netdev=net0,id=nic0", TAIL);
}

static void test_unknown_nic_model(void **state)
{
	nics[0] = (struct vm_nic){ .user = true, .model = (char *)"ne2k_pci" };
	def.n_nics = 1;
	expect_error("nic 1: unknown model 'ne2k_pci' (e1000, rtl8139 or virtio)");
}

/* Every model the schema (and so the form) offers has a QEMU device: the two lists cannot part. */
static void test_every_schema_model_has_a_device(void **state)
{
	const char *const *models = vmdef_choices("nics.model");
	struct strv out = { 0 };
	char *err = NULL;

	def.n_nics = 1;
	for (size_t i = 0; models[i]; i++) {
		nics[0] = (struct vm_nic){ .user = true, .model = (char *)models[i] };
		if (qemu_argv_build(&cfg, &def, &opts, &out, &err) < 0)
			fail_msg("model %s: %s", models[i], err);
		strv_free(&out);
	}
}

/* ---- VNC ---- */

static bool argv_contains(const char *needle)
{
	struct strv out = { 0 };
	char *err = NULL;
	bool found = false;

	assert_int_equal(qemu_argv_build(&cfg, &def, &opts, &out, &err), 0);
	for (size_t i = 0; i < out.n; i++)
		found = found || strstr(out.v[i], needle) != NULL;
	strv_free(&out);
	return found;
}

/* The password only switches on password=on; the secret goes over QMP, never on argv. */
static void test_vnc_with_password(void **state)
{
	def.vnc = true;
	def.vnc_display = 1;
	def.vnc_listen = (char *)"0.0.0.0";
	def.vnc_password = (char *)"s3cret";
	EXPECT(HEAD("pc"), "-vnc", "0.0.0.0:1,password=on", CD_EMPTY_PC("1"), TAIL);
	assert_false(argv_contains("s3cret"));
}

static void test_vnc_without_password(void **state)
{
	def.vnc = true;
	def.vnc_display = 12;
	def.vnc_listen = (char *)"127.0.0.1";
	EXPECT(HEAD("pc"), "-vnc", "127.0.0.1:12", CD_EMPTY_PC("1"), TAIL);
}

static void test_vnc_ipv6_listen(void **state)
{
	def.vnc = true;
	def.vnc_display = 3;
	def.vnc_listen = (char *)"::";
	def.vnc_password = (char *)"pw";
	EXPECT(HEAD("pc"), "-vnc", "[::]:3,password=on", CD_EMPTY_PC("1"), TAIL);
}

/* ---- small devices, agent, extra args, process ---- */

static void test_usb_tablet(void **state)
{
	def.usb_tablet = true;
	EXPECT(HEAD("pc"), NO_VNC, CD_EMPTY_PC("1"), "-usb", "-device", "usb-tablet", TAIL);
}

static void test_guest_agent(void **state)
{
	def.guest_agent = true;
	EXPECT(HEAD("pc"), NO_VNC, CD_EMPTY_PC("1"), "-device", "virtio-serial-pci,id=vserial0", "-chardev",
	       "socket,id=qga0,path=/run/vmdeck/g1/qga.sock,server=on,wait=off", "-device",
	       "virtserialport,bus=vserial0.0,chardev=qga0,name=org.qemu.guest_agent.0", TAIL);
}

/* extra_args come last, verbatim, so they can add devices or override what came before. */
static void test_extra_args_last_and_verbatim(void **state)
{
	char *extra[] = { (char *)"-kernel", (char *)"/boot/vmlinuz", (char *)"-append", (char *)"console=ttyS0 quiet" };

	def.extra_args = extra;
	def.n_extra_args = 4;
	EXPECT(HEAD("pc"), NO_VNC, CD_EMPTY_PC("1"), TAIL, "-kernel", "/boot/vmlinuz", "-append", "console=ttyS0 quiet");
}

static void test_foreground_not_paused(void **state)
{
	opts.daemonize = false;
	opts.paused = false;
	EXPECT(HEAD("pc"), NO_VNC, CD_EMPTY_PC("1"), CONTROL);
}

/* A unix socket path has a hard length limit; say so instead of letting QEMU fail obscurely. */
static void test_socket_path_too_long(void **state)
{
	char dir[120];

	memset(dir, 'x', sizeof dir - 1);
	dir[0] = '/';
	dir[sizeof dir - 1] = '\0';
	cfg.state_dir = dir;
	expect_error("socket path too long");
}

static void test_every_key_together_q35(void **state)
{
	char *extra[] = { (char *)"-no-hpet" };

	def.machine = (char *)"q35";
	def.rtc = (char *)"localtime";
	def.usb_tablet = true;
	def.guest_agent = true;
	def.vnc = true;
	def.vnc_display = 2;
	def.vnc_listen = (char *)"0.0.0.0";
	def.vnc_password = (char *)"topsecr8";
	def.cdrom = (char *)"/srv/iso/w2k8r2.iso";
	def.boot = (char *)"cdrom";
	def.extra_args = extra;
	def.n_extra_args = 1;
	add_lv("vg0/app", DISK_SATA);
	add_file("/var/lib/vmdeck/disks/data.qcow2", NULL, DISK_SCSI);
	nics[0] = (struct vm_nic){ .bridge = (char *)"br0", .model = (char *)"e1000", .mac = (char *)"52:54:00:a1:b2:c3" };
	def.n_nics = 1;
	EXPECT("qemu-system-x86_64", "-name", "g1", "-machine", "q35", "-accel", "tcg", "-nodefaults", "-cpu", "qemu64",
	       "-smp", "2", "-m", "512M", "-rtc", "base=localtime", "-vga", "std", "-vnc", "0.0.0.0:2,password=on",
	       "-drive", "file=/dev/vg0/app,format=raw,if=none,id=disk0,node-name=node-disk0,cache=none", "-device",
	       "ide-hd,drive=disk0,bus=ide.0,bootindex=2", "-drive",
	       "file=/var/lib/vmdeck/disks/data.qcow2,format=qcow2,if=none,id=disk1,node-name=node-disk1", "-device",
	       "virtio-scsi-pci,id=scsi0", "-device", "scsi-hd,drive=disk1,bus=scsi0.0,bootindex=3", "-drive",
	       "if=none,id=cd0,media=cdrom,readonly=on,format=raw,file=/srv/iso/w2k8r2.iso", "-device",
	       "ide-cd,drive=cd0,id=cd0,bus=ide.2,bootindex=1", "-netdev", "bridge,id=net0,br=br0", "-device",
	       "e1000,netdev=net0,mac=52:54:00:a1:b2:c3,id=nic0", "-usb", "-device", "usb-tablet", "-device",
	       "virtio-serial-pci,id=vserial0", "-chardev",
	       "socket,id=qga0,path=/run/vmdeck/g1/qga.sock,server=on,wait=off", "-device",
	       "virtserialport,bus=vserial0.0,chardev=qga0,name=org.qemu.guest_agent.0", TAIL, "-no-hpet");
	assert_false(argv_contains("topsecr8"));
}

/* The same guest from a YAML file through the real loader, defaults included. */
static void test_from_yaml_definition(void **state)
{
	char dir[] = "/tmp/test_qemu_argv.XXXXXX", *path, *err = NULL;
	struct vmdef loaded = { 0 };
	struct strv out = { 0 };
	const char *yaml = "memory: 1G\n"
			   "cpus: 2\n"
			   "disks:\n"
			   "  - lv: vg0/av-server\n"
			   "    interface: ide\n"
			   "cdrom: /srv/iso/xp-sp3.iso\n"
			   "boot: cdrom\n"
			   "nics:\n"
			   "  - bridge: br0\n"
			   "    model: e1000\n"
			   "    mac: 52:54:00:a1:b2:c3\n"
			   "vnc:\n"
			   "  display: 1\n"
			   "  listen: 0.0.0.0\n"
			   "  password: s3cret\n"
			   "rtc: localtime\n"
			   "usb_tablet: true\n";
	const char *want[] = {
		"qemu-system-x86_64", "-name", "av-server", "-machine", "pc", "-accel", "tcg", "-nodefaults", "-cpu",
		"qemu64", "-smp", "2", "-m", "1024M", "-rtc", "base=localtime", "-vga", "std", "-vnc",
		"0.0.0.0:1,password=on", "-drive", "file=/dev/vg0/av-server,format=raw,if=none,id=disk0,node-name=node-disk0,cache=none",
		"-device", "ide-hd,drive=disk0,bus=ide.0,unit=0,bootindex=2", "-drive",
		"if=none,id=cd0,media=cdrom,readonly=on,format=raw,file=/srv/iso/xp-sp3.iso", "-device",
		"ide-cd,drive=cd0,id=cd0,bus=ide.1,unit=0,bootindex=1", "-netdev", "bridge,id=net0,br=br0", "-device",
		"e1000,netdev=net0,mac=52:54:00:a1:b2:c3,id=nic0", "-usb", "-device", "usb-tablet", "-qmp",
		"unix:/run/vmdeck/av-server/qmp.sock,server=on,wait=off", "-qmp",
		"unix:/run/vmdeck/av-server/status.sock,server=on,wait=off", "-qmp",
		"unix:/run/vmdeck/av-server/events.sock,server=on,wait=off", "-monitor",
		"unix:/run/vmdeck/av-server/hmp.sock,server=on,wait=off", "-serial",
		"unix:/run/vmdeck/av-server/serial.sock,server=on,wait=off", "-pidfile",
		"/run/vmdeck/av-server/qemu.pid", "-D", "/run/vmdeck/av-server/qemu-run.log", "-daemonize", "-S", NULL,
	};

	assert_non_null(mkdtemp(dir));
	path = path_join(dir, "av-server.yaml");
	assert_int_equal(file_write_atomic(path, yaml, strlen(yaml), 0600, &err), 0);
	if (vmdef_load(path, &loaded, &err) < 0)
		fail_msg("load: %s", err);
	assert_int_equal(qemu_argv_build(&cfg, &loaded, &opts, &out, &err), 0);
	for (size_t i = 0; want[i] || i < out.n; i++) {
		if (!want[i] || i >= out.n || strcmp(want[i], out.v[i]) != 0)
			fail_msg("argument %zu: want '%s', got '%s'", i, want[i] ? want[i] : "(end)",
				 i < out.n ? out.v[i] : "(end)");
	}
	strv_free(&out);
	vmdef_free(&loaded);
	unlink(path);
	free(path);
	rmdir(dir);
}

/* ---- display and accelerator ---- */

static void test_display_quotes_for_the_shell(void **state)
{
	struct strv sv = { 0 };
	char *line;

	strv_add(&sv, "qemu-system-x86_64");
	strv_add(&sv, "-append");
	strv_add(&sv, "console=ttyS0 quiet");
	strv_add(&sv, "-drive");
	strv_add(&sv, "file=/srv/it's; rm -rf x,format=raw");
	strv_add(&sv, "");
	line = qemu_argv_display(&sv);
	assert_string_equal(line, "qemu-system-x86_64 -append 'console=ttyS0 quiet' -drive "
				  "'file=/srv/it'\\''s; rm -rf x,format=raw' ''");
	free(line);
	strv_free(&sv);
}

static bool kvm_device_here(void)
{
	struct stat st;

	return stat("/dev/kvm", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 10 &&
	       minor(st.st_rdev) == 232 && access("/dev/kvm", R_OK | W_OK) == 0;
}

static void test_accel_resolve(void **state)
{
	char *warn = NULL;
	const char *a;

	assert_string_equal(qemu_argv_accel_resolve("tcg", &warn), "tcg");
	assert_string_equal(qemu_argv_accel_resolve("kvm", &warn), "kvm");
	assert_null(warn);
	a = qemu_argv_accel_resolve("auto", &warn);
	/* KVM is the misc device 10:232; /dev/null bound over /dev/kvm (CI hiding it) opens, but is not it */
	if (kvm_device_here()) {
		assert_string_equal(a, "kvm");
		assert_null(warn);
	} else {
		assert_string_equal(a, "tcg");
		assert_non_null(warn);
		assert_non_null(strstr(warn, "TCG"));
		free(warn);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_minimal_pc, setup),
		cmocka_unit_test_setup(test_minimal_q35, setup),
		cmocka_unit_test_setup(test_unknown_machine, setup),
		cmocka_unit_test_setup(test_cpu_smp_memory_kvm, setup),
		cmocka_unit_test_setup(test_memory_not_whole_mib, setup),
		cmocka_unit_test_setup(test_rtc_localtime, setup),
		cmocka_unit_test_setup(test_lv_ide, setup),
		cmocka_unit_test_setup(test_lv_virtio, setup),
		cmocka_unit_test_setup(test_lv_scsi_two_disks_one_controller, setup),
		cmocka_unit_test_setup(test_lv_sata_pc, setup),
		cmocka_unit_test_setup(test_q35_sata_and_ide, setup),
		cmocka_unit_test_setup(test_pc_ide_slots_and_limit, setup),
		cmocka_unit_test_setup(test_file_formats_and_interfaces, setup),
		cmocka_unit_test_setup(test_comma_in_path_escaped, setup),
		cmocka_unit_test_setup(test_disk_needs_one_source, setup),
		cmocka_unit_test_setup(test_cdrom_with_iso, setup),
		cmocka_unit_test_setup(test_boot_cdrom, setup),
		cmocka_unit_test_setup(test_start_overrides, setup),
		cmocka_unit_test_setup(test_nics_each_model, setup),
		cmocka_unit_test_setup(test_user_virtio_nic_without_mac, setup),
		cmocka_unit_test_setup(test_every_schema_model_has_a_device, setup),
		cmocka_unit_test_setup(test_unknown_nic_model, setup),
		cmocka_unit_test_setup(test_vnc_with_password, setup),
		cmocka_unit_test_setup(test_vnc_without_password, setup),
		cmocka_unit_test_setup(test_vnc_ipv6_listen, setup),
		cmocka_unit_test_setup(test_usb_tablet, setup),
		cmocka_unit_test_setup(test_guest_agent, setup),
		cmocka_unit_test_setup(test_extra_args_last_and_verbatim, setup),
		cmocka_unit_test_setup(test_foreground_not_paused, setup),
		cmocka_unit_test_setup(test_socket_path_too_long, setup),
		cmocka_unit_test_setup(test_every_key_together_q35, setup),
		cmocka_unit_test_setup(test_from_yaml_definition, setup),
		cmocka_unit_test(test_display_quotes_for_the_shell),
		cmocka_unit_test(test_accel_resolve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
