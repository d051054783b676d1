/* qemu_argv.c: turns a guest definition into QEMU's argv, one small emitter per definition key. */
#include "qemu_argv.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <unistd.h>

#include "storage.h"
#include "vmstate.h"
#include "vnc.h"

/*
 * The machine types and where their storage goes. "pc" (i440FX) has two PATA
 * channels with two units each: the CD sits on the secondary master, as on
 * real hardware, and IDE disks take the other three places; SATA needs an
 * added AHCI controller. "q35" has a six-port AHCI controller built in (its
 * buses are named ide.0 .. ide.5): both ide and sata disks go there, and the
 * CD takes port 2.
 */
struct bus_slot {
	const char *bus;
	int unit; /* -1: the bus has a single unit, leave it out */
};

struct machine_spec {
	const char *name;        /* as in the definition */
	const char *qemu_type;   /* -machine */
	struct bus_slot cd;
	struct bus_slot ide[5];  /* for "ide" disks, in order */
	size_t n_ide;
	bool sata_builtin;       /* "sata" shares the ide slots */
};

static const struct machine_spec machines[] = {
	{ "pc",
	  "pc",
	  { "ide.1", 0 },
	  { { "ide.0", 0 }, { "ide.0", 1 }, { "ide.1", 1 } },
	  3,
	  false },
	{ "q35",
	  "q35",
	  { "ide.2", -1 },
	  { { "ide.0", -1 }, { "ide.1", -1 }, { "ide.3", -1 }, { "ide.4", -1 }, { "ide.5", -1 } },
	  5,
	  true },
};

#define AHCI_PORTS 6

/* What a NIC model in the definition is called as a QEMU device. */
static const struct {
	const char *model;
	const char *device;
} nic_models[] = {
	{ "e1000", "e1000" },
	{ "rtl8139", "rtl8139" },
	{ "virtio", "virtio-net-pci" },
};

/* Everything the emitters share while one argv is built. */
struct argv_ctx {
	const struct config *cfg;
	const struct vmdef *def;
	const struct qemu_argv_opts *o;
	const struct machine_spec *m;
	struct strv *out;
	size_t ide_used;   /* slots of m->ide taken */
	size_t ahci_used;  /* ports of the added AHCI controller (pc) taken */
	bool ahci_added;
	bool scsi_added;
};

typedef int (*emit_fn)(struct argv_ctx *c, char **err);

static void add2(struct argv_ctx *c, const char *opt, const char *val)
{
	strv_add(c->out, opt);
	strv_add(c->out, val);
}

/* QEMU option values end at a comma; a literal comma is written twice. */
static char *opt_escape(const char *s)
{
	struct sbuf b = { 0 };

	for (const char *p = s; *p; p++) {
		if (*p == ',')
			sbuf_add(&b, ",");
		sbuf_addn(&b, p, 1);
	}
	return sbuf_take(&b);
}

static const char *cdrom_path(const struct argv_ctx *c)
{
	const char *p = c->o && c->o->cdrom ? c->o->cdrom : c->def->cdrom;

	return p && *p ? p : NULL;
}

static bool boot_from_cdrom(const struct argv_ctx *c)
{
	const char *b = c->o && c->o->boot ? c->o->boot : c->def->boot;

	return b && strcmp(b, "cdrom") == 0;
}

/*
 * Boot order by bootindex: the CD first when booting from it, else the disks
 * in order, then the CD. Numbering starts at 1 because QEMU gives 0 to the
 * option ROM that boots a -kernel passed in extra_args.
 */
static int disk_bootindex(const struct argv_ctx *c, size_t i)
{
	return (int)i + 1 + (boot_from_cdrom(c) ? 1 : 0);
}

static int cdrom_bootindex(const struct argv_ctx *c)
{
	return boot_from_cdrom(c) ? 1 : (int)c->def->n_disks + 1;
}

/* ---- the machine and the processor ---- */

static int emit_name(struct argv_ctx *c, char **err)
{
	strv_add(c->out, c->cfg->qemu_binary ? c->cfg->qemu_binary : config_default("qemu.binary"));
	add2(c, "-name", c->def->name);
	return 0;
}

static int emit_machine(struct argv_ctx *c, char **err)
{
	const char *accel = c->o && c->o->accel ? c->o->accel : "tcg";

	add2(c, "-machine", c->m->qemu_type);
	add2(c, "-accel", accel);
	/* No implicit NIC, VGA, serial, monitor or CD: every device is spelled out below. */
	strv_add(c->out, "-nodefaults");
	return 0;
}

static int emit_cpu(struct argv_ctx *c, char **err)
{
	if (c->def->cpu && *c->def->cpu)
		add2(c, "-cpu", c->def->cpu);
	strv_add(c->out, "-smp");
	strv_addf(c->out, "%d", c->def->cpus > 0 ? c->def->cpus : 1);
	return 0;
}

static int emit_memory(struct argv_ctx *c, char **err)
{
	uint64_t m = c->def->memory;

	if (m < (1u << 20))
		return err_set(err, "memory %llu bytes is below 1M", (unsigned long long)m);
	strv_add(c->out, "-m");
	if (m % (1u << 20) == 0)
		strv_addf(c->out, "%lluM", (unsigned long long)(m >> 20));
	else
		strv_addf(c->out, "%lluK", (unsigned long long)(m >> 10));
	return 0;
}

static int emit_rtc(struct argv_ctx *c, char **err)
{
	const char *base = c->def->rtc && *c->def->rtc ? c->def->rtc : vmdef_default("rtc");
	char *want;

	if (choice_index(vmdef_choices("rtc"), base) < 0) {
		want = choices_text(vmdef_choices("rtc"));
		err_set(err, "rtc must be %s, not '%s'", want, base);
		free(want);
		return -1;
	}
	strv_add(c->out, "-rtc");
	strv_addf(c->out, "base=%s", base);
	return 0;
}

/* ---- display ---- */

static int emit_display(struct argv_ctx *c, char **err)
{
	char *listen;

	add2(c, "-vga", "std");
	if (!c->def->vnc) {
		/* Daemonized QEMU must not look for a window system. */
		add2(c, "-display", "none");
		return 0;
	}
	if (c->def->vnc_display < 0 || c->def->vnc_display > 59635)
		return err_set(err, "vnc display %d is out of range", c->def->vnc_display);
	listen = opt_escape(vnc_listen(c->def));
	strv_add(c->out, "-vnc");
	/*
	 * password=on only makes QEMU demand one; the secret itself is set over
	 * QMP after start, so it never shows in /proc/PID/cmdline.
	 */
	strv_addf(c->out, "%s%s%s:%d%s", strchr(listen, ':') ? "[" : "", listen,
		  strchr(listen, ':') ? "]" : "", c->def->vnc_display,
		  c->def->vnc_password ? ",password=on" : "");
	free(listen);
	return 0;
}

/* ---- disks ---- */

/* An LV "vg/lv" is the block device /dev/vg/lv. */
static char *disk_path(const struct vm_disk *d)
{
	if (d->lv)
		return d->lv[0] == '/' ? xstrdup(d->lv) : xasprintf("/dev/%s", d->lv);
	return xstrdup(d->file);
}

static void add_slot_device(struct argv_ctx *c, const char *driver, const char *drive,
			    const struct bus_slot *s, const char *bus_prefix, int bootindex)
{
	strv_add(c->out, "-device");
	if (s->unit >= 0)
		strv_addf(c->out, "%s,drive=%s,bus=%s%s,unit=%d,bootindex=%d", driver, drive,
			  bus_prefix, s->bus, s->unit, bootindex);
	else
		strv_addf(c->out, "%s,drive=%s,bus=%s%s,bootindex=%d", driver, drive, bus_prefix,
			  s->bus, bootindex);
}

static int disk_dev_ide(struct argv_ctx *c, const char *drive, int bootindex, char **err)
{
	if (c->ide_used >= c->m->n_ide)
		return err_set(err,
			       "at most %zu ide%s disks fit on machine %s (one place holds the CD)",
			       c->m->n_ide, c->m->sata_builtin ? "/sata" : "", c->m->name);
	add_slot_device(c, "ide-hd", drive, &c->m->ide[c->ide_used++], "", bootindex);
	return 0;
}

static int disk_dev_sata(struct argv_ctx *c, const char *drive, int bootindex, char **err)
{
	char bus[16];
	struct bus_slot s = { bus, -1 };

	if (c->m->sata_builtin)
		return disk_dev_ide(c, drive, bootindex, err);
	if (c->ahci_used >= AHCI_PORTS)
		return err_set(err, "at most %d sata disks fit on machine %s", AHCI_PORTS,
			       c->m->name);
	if (!c->ahci_added) {
		add2(c, "-device", "ahci,id=ahci0");
		c->ahci_added = true;
	}
	snprintf(bus, sizeof bus, "ahci0.%zu", c->ahci_used++);
	add_slot_device(c, "ide-hd", drive, &s, "", bootindex);
	return 0;
}

static int disk_dev_virtio(struct argv_ctx *c, const char *drive, int bootindex, char **err)
{
	strv_add(c->out, "-device");
	strv_addf(c->out, "virtio-blk-pci,drive=%s,bootindex=%d", drive, bootindex);
	return 0;
}

static int disk_dev_scsi(struct argv_ctx *c, const char *drive, int bootindex, char **err)
{
	if (!c->scsi_added) {
		add2(c, "-device", "virtio-scsi-pci,id=scsi0");
		c->scsi_added = true;
	}
	strv_add(c->out, "-device");
	strv_addf(c->out, "scsi-hd,drive=%s,bus=scsi0.0,bootindex=%d", drive, bootindex);
	return 0;
}

/* Indexed by enum disk_iface. */
static int (*const disk_devices[])(struct argv_ctx *, const char *, int, char **) = {
	[DISK_IDE] = disk_dev_ide,
	[DISK_VIRTIO] = disk_dev_virtio,
	[DISK_SCSI] = disk_dev_scsi,
	[DISK_SATA] = disk_dev_sata,
};

static int emit_disk(struct argv_ctx *c, size_t i, char **err)
{
	const struct vm_disk *d = &c->def->disks[i];
	char *path, *esc, *why = NULL, drive[32];

	if (!d->lv == !d->file)
		return err_set(err, "disk %zu needs exactly one of lv and file", i + 1);
	if ((size_t)d->iface >= ARRAY_LEN(disk_devices))
		return err_set(err, "disk %zu has an unknown interface", i + 1);
	snprintf(drive, sizeof drive, "disk%zu", i);
	path = d->overlay ? xstrdup(d->overlay) : disk_path(d);
	esc = opt_escape(path);
	strv_add(c->out, "-drive");
	/*
	 * An LV is already a block device: cache=none keeps it out of the host
	 * page cache a second time. The node-name lets QMP snapshot and commit
	 * jobs name the disk's top node (QEMU wants it apart from the drive id).
	 * A snapshot overlay is a qcow2 file whose header names the chain below.
	 */
	strv_addf(c->out, "file=%s,format=%s,if=none,id=%s,node-name=node-%s%s", esc,
		  d->overlay ? "qcow2" : storage_disk_format(d), drive, drive,
		  d->lv && !d->overlay ? ",cache=none" : "");
	free(esc);
	free(path);
	if (disk_devices[d->iface](c, drive, disk_bootindex(c, i), &why) < 0) {
		err_set(err, "disk %zu: %s", i + 1, why);
		free(why);
		return -1;
	}
	return 0;
}

static int emit_disks(struct argv_ctx *c, char **err)
{
	for (size_t i = 0; i < c->def->n_disks; i++)
		if (emit_disk(c, i, err) < 0)
			return -1;
	return 0;
}

/*
 * The CD drive always exists, empty or not, so that an ISO can be put in
 * while the guest runs. Drive and device are both "cd0" for QMP.
 */
static int emit_cdrom(struct argv_ctx *c, char **err)
{
	const char *iso = cdrom_path(c);
	char *esc;

	strv_add(c->out, "-drive");
	if (iso) {
		esc = opt_escape(iso);
		strv_addf(c->out, "if=none,id=cd0,media=cdrom,readonly=on,format=raw,file=%s", esc);
		free(esc);
	} else {
		strv_add(c->out, "if=none,id=cd0,media=cdrom,readonly=on");
	}
	strv_add(c->out, "-device");
	if (c->m->cd.unit >= 0)
		strv_addf(c->out, "ide-cd,drive=cd0,id=cd0,bus=%s,unit=%d,bootindex=%d",
			  c->m->cd.bus, c->m->cd.unit, cdrom_bootindex(c));
	else
		strv_addf(c->out, "ide-cd,drive=cd0,id=cd0,bus=%s,bootindex=%d", c->m->cd.bus,
			  cdrom_bootindex(c));
	return 0;
}

/* ---- network ---- */

static const char *nic_device(const char *model)
{
	for (size_t i = 0; i < ARRAY_LEN(nic_models); i++)
		if (strcmp(nic_models[i].model, model) == 0)
			return nic_models[i].device;
	return NULL;
}

/*
 * A bridge NIC uses QEMU's own "bridge" backend: qemu-bridge-helper makes a
 * tap device and enslaves it to the bridge, and it goes away with QEMU. The
 * bridge must be allowed in /etc/qemu/bridge.conf ("allow br0").
 */
static int emit_nic(struct argv_ctx *c, size_t i, char **err)
{
	const struct vm_nic *n = &c->def->nics[i];
	const char *model = n->model && *n->model ? n->model : vmdef_default("nics.model");
	const char *dev = nic_device(model);
	char *br;

	if (!dev) {
		char *want = choices_text(vmdef_choices("nics.model"));

		err_set(err, "nic %zu: unknown model '%s' (%s)", i + 1, model, want);
		free(want);
		return -1;
	}
	strv_add(c->out, "-netdev");
	if (n->bridge) {
		br = opt_escape(n->bridge);
		strv_addf(c->out, "bridge,id=net%zu,br=%s", i, br);
		free(br);
	} else {
		strv_addf(c->out, "user,id=net%zu", i);
	}
	strv_add(c->out, "-device");
	if (n->mac && *n->mac)
		strv_addf(c->out, "%s,netdev=net%zu,mac=%s,id=nic%zu", dev, i, n->mac, i);
	else
		strv_addf(c->out, "%s,netdev=net%zu,id=nic%zu", dev, i, i);
	return 0;
}

static int emit_nics(struct argv_ctx *c, char **err)
{
	for (size_t i = 0; i < c->def->n_nics; i++)
		if (emit_nic(c, i, err) < 0)
			return -1;
	return 0;
}

/* ---- small devices ---- */

/* An absolute pointer, so the VNC cursor follows the mouse without grabbing. */
static int emit_usb_tablet(struct argv_ctx *c, char **err)
{
	if (!c->def->usb_tablet)
		return 0;
	strv_add(c->out, "-usb");
	add2(c, "-device", "usb-tablet");
	return 0;
}

static int sock_check(const char *path, char **err)
{
	struct sockaddr_un sa;

	if (strlen(path) >= sizeof sa.sun_path)
		return err_set(err, "socket path too long (%zu bytes, at most %zu): %s; "
			       "use a shorter state_dir",
			       strlen(path), sizeof sa.sun_path - 1, path);
	return 0;
}

/* Emits OPT unix:state_dir/NAME/FILE,server=on,wait=off: a listening socket QEMU never waits on. */
static int emit_socket(struct argv_ctx *c, const char *opt, const char *file, char **err)
{
	char *path = vmstate_path(c->cfg, c->def->name, file);
	char *esc;
	int rc = sock_check(path, err);

	if (rc == 0) {
		esc = opt_escape(path);
		strv_add(c->out, opt);
		strv_addf(c->out, "unix:%s,server=on,wait=off", esc);
		free(esc);
	}
	free(path);
	return rc;
}

/* The QEMU guest agent's channel: a virtio serial port named as the agent expects, on qga.sock. */
static int emit_guest_agent(struct argv_ctx *c, char **err)
{
	char *path, *esc;

	if (!c->def->guest_agent)
		return 0;
	path = vmstate_path(c->cfg, c->def->name, "qga.sock");
	if (sock_check(path, err) < 0) {
		free(path);
		return -1;
	}
	esc = opt_escape(path);
	add2(c, "-device", "virtio-serial-pci,id=vserial0");
	strv_add(c->out, "-chardev");
	strv_addf(c->out, "socket,id=qga0,path=%s,server=on,wait=off", esc);
	add2(c, "-device",
	     "virtserialport,bus=vserial0.0,chardev=qga0,name=org.qemu.guest_agent.0");
	free(esc);
	free(path);
	return 0;
}

/* ---- runtime: control sockets and the process ---- */

static int emit_control(struct argv_ctx *c, char **err)
{
	/*
	 * three QMP monitors: operations, status readers (see status.c), one event watcher
	 * (watcher.c)
	 */
	if (emit_socket(c, "-qmp", "qmp.sock", err) < 0 ||
	    emit_socket(c, "-qmp", VM_STATUS_SOCK, err) < 0 ||
	    emit_socket(c, "-qmp", VM_EVENTS_SOCK, err) < 0 ||
	    emit_socket(c, "-monitor", "hmp.sock", err) < 0 ||
	    emit_socket(c, "-serial", "serial.sock", err) < 0)
		return -1;
	return 0;
}

static int emit_process(struct argv_ctx *c, char **err)
{
	char *pidfile, *runlog;

	if (c->o && c->o->daemonize) {
		pidfile = vmstate_path(c->cfg, c->def->name, "qemu.pid");
		/*
		 * a daemon's stderr would be /dev/null: with -D it goes here, so a crash leaves its
		 * reason
		 */
		runlog = vmstate_path(c->cfg, c->def->name, VM_RUN_LOG);
		add2(c, "-pidfile", pidfile);
		add2(c, "-D", runlog);
		strv_add(c->out, "-daemonize");
		free(pidfile);
		free(runlog);
	}
	if (c->o && c->o->paused)
		strv_add(c->out, "-S");
	return 0;
}

/* Last, so an administrator's extra arguments can add to or override what came before. */
static int emit_extra_args(struct argv_ctx *c, char **err)
{
	for (size_t i = 0; i < c->def->n_extra_args; i++)
		strv_add(c->out, c->def->extra_args[i]);
	return 0;
}

/* The order of the command line. */
static const struct {
	const char *key;
	emit_fn emit;
} emitters[] = {
	{ "name", emit_name },
	{ "machine", emit_machine },
	{ "cpu", emit_cpu },
	{ "memory", emit_memory },
	{ "rtc", emit_rtc },
	{ "vnc", emit_display },
	{ "disks", emit_disks },
	{ "cdrom", emit_cdrom },
	{ "nics", emit_nics },
	{ "usb_tablet", emit_usb_tablet },
	{ "guest_agent", emit_guest_agent },
	{ "control", emit_control },
	{ "process", emit_process },
	{ "extra_args", emit_extra_args },
};

static const struct machine_spec *machine_find(const char *name)
{
	if (!name || !*name)
		name = vmdef_default("machine");
	for (size_t i = 0; i < ARRAY_LEN(machines); i++)
		if (strcmp(machines[i].name, name) == 0)
			return &machines[i];
	return NULL;
}

int qemu_argv_build(const struct config *cfg, const struct vmdef *def,
		    const struct qemu_argv_opts *o, struct strv *out, char **err)
{
	struct argv_ctx c = { .cfg = cfg, .def = def, .o = o, .out = out };

	if (!name_valid(def->name))
		return err_set(err, "invalid guest name '%s'", def->name ? def->name : "");
	if ((c.m = machine_find(def->machine)) == NULL)
		return err_set(err, "%s: machine must be pc or q35, not '%s'", def->name,
			       def->machine);
	for (size_t i = 0; i < ARRAY_LEN(emitters); i++) {
		if (emitters[i].emit(&c, err) < 0) {
			strv_free(out);
			return -1;
		}
	}
	return 0;
}

const char *qemu_argv_accel_resolve(const char *accel, char **warn)
{
	int fd;

	if (accel && strcmp(accel, "auto") != 0)
		return strcmp(accel, "kvm") == 0 ? "kvm" : "tcg";
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		/*
		 * the device answers as KVM does, not merely opens: a container may put anything
		 * there
		 */
		int version = ioctl(fd, KVM_GET_API_VERSION, 0);

		close(fd);
		if (version == KVM_API_VERSION)
			return "kvm";
		if (warn)
			*warn = xasprintf(
				"/dev/kvm is not a KVM device (it does not answer "
				"KVM_GET_API_VERSION), using TCG: guests run slowly");
		return "tcg";
	}
	if (warn)
		*warn = xasprintf("no KVM (/dev/kvm: %s), using TCG: guests run slowly",
				  strerror(errno));
	return "tcg";
}

/* Characters that need no quoting in a POSIX shell word. */
static bool shell_safe(const char *s)
{
	static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				   "0123456789_@%+=:,./-";

	return *s && s[strspn(s, safe)] == '\0';
}

static void add_quoted(struct sbuf *b, const char *s)
{
	if (shell_safe(s)) {
		sbuf_add(b, s);
		return;
	}
	sbuf_add(b, "'");
	for (const char *p = s; *p; p++)
		sbuf_add(b, *p == '\'' ? "'\\''" : (char[]){ *p, 0 });
	sbuf_add(b, "'");
}

char *qemu_argv_display(const struct strv *argv)
{
	struct sbuf b = { 0 };

	for (size_t i = 0; i < argv->n; i++) {
		if (i)
			sbuf_add(&b, " ");
		add_quoted(&b, argv->v[i]);
	}
	return sbuf_take(&b);
}
