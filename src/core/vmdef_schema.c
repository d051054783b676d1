/* vmdef_schema.c: the definition schema: every key, its type, default, choices, check, help. */
#include "vmdef_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static bool check_lv(const char *v);
static bool check_mac(const char *v);
static bool check_password(const char *v);
static bool check_ifname(const char *v);
static bool check_listen(const char *v);
static bool check_nonempty(const char *v);

/* The allowed values of each choice key (vmdef_choices gives them out). */
static const char *const ch_machine[] = { "pc", "q35", NULL };
static const char *const ch_format[] = { "raw", "qcow2", NULL };
static const char *const ch_iface[] = { "ide", "virtio", "scsi", "sata", NULL };
static const char *const ch_boot[] = { "disk", "cdrom", NULL };
static const char *const ch_model[] = { "e1000", "rtl8139", "virtio", NULL };
static const char *const ch_rtc[] = { "utc", "localtime", NULL };

/*
 * Every key of a guest definition: parsing, defaults, checks, help and `vmdeck new` come from here.
 */
static const struct schema_key vmdef_keys[] = {
	{ SEC_TOP, "description", SCHEMA_STR, "", 0, 0, NULL, D(description), NULL, NULL, SEC_NONE,
	  "free text shown in the console" },
	{ SEC_TOP, "memory", SCHEMA_SIZE, "1G", 16 * MiB, INT64_C(16) << 40, NULL, D(memory), NULL,
	  NULL, SEC_NONE, "RAM, with an M or G suffix" },
	{ SEC_TOP, "cpus", SCHEMA_INT, "1", 1, 255, NULL, D(cpus), NULL, NULL, SEC_NONE,
	  "virtual CPUs" },
	{ SEC_TOP, "cpu", SCHEMA_STR, "qemu64", 0, 0, NULL, D(cpu), check_nonempty,
	  "a QEMU -cpu model like qemu64 or host", SEC_NONE, "QEMU -cpu model" },
	{ SEC_TOP, "machine", SCHEMA_ENUM, "pc", 0, 0, ch_machine, D(machine), NULL, NULL, SEC_NONE,
	  "chipset: pc (i440FX, best for old Windows) or q35" },
	{ SEC_TOP, "disks", SCHEMA_SEQ, NULL, 0, 0, NULL, 0, NULL, NULL, SEC_DISK,
	  "hard disks, in boot order" },
	{ SEC_DISK, "lv", SCHEMA_STR, NULL, 0, 0, NULL, K(lv), check_lv, "VG/LV like vg0/av-server",
	  SEC_NONE, "an LVM logical volume (give lv or file)" },
	{ SEC_DISK, "file", SCHEMA_PATH, NULL, 0, 0, NULL, K(file), NULL, NULL, SEC_NONE,
	  "a disk image file; relative to storage.file_dir (give lv or file)" },
	{ SEC_DISK, "format", SCHEMA_ENUM, NULL, 0, 0, ch_format, K(format), NULL, NULL, SEC_NONE,
	  "image format; default raw for lv, qcow2 for *.qcow2 files, else raw" },
	{ SEC_DISK, "interface", SCHEMA_ENUM_IDX, "ide", 0, 0, ch_iface, K(iface), NULL, NULL,
	  SEC_NONE, "disk controller; old Windows needs ide" },
	{ SEC_DISK, "size", SCHEMA_SIZE, NULL, MiB, INT64_C(64) << 40, NULL, K(size), NULL, NULL,
	  SEC_NONE, "size used when the volume is created" },
	{ SEC_TOP, "cdrom", SCHEMA_PATH, NULL, 0, 0, NULL, D(cdrom), NULL, NULL, SEC_NONE,
	  "ISO image in the CD drive; a bare name is looked up in iso_dirs" },
	{ SEC_TOP, "boot", SCHEMA_ENUM, "disk", 0, 0, ch_boot, D(boot), NULL, NULL, SEC_NONE,
	  "boot device" },
	{ SEC_TOP, "nics", SCHEMA_SEQ, NULL, 0, 0, NULL, 0, NULL, NULL, SEC_NIC, "network cards" },
	{ SEC_NIC, "bridge", SCHEMA_STR, NULL, 0, 0, NULL, N(bridge), check_ifname,
	  "a bridge name of at most 15 characters like br0", SEC_NONE,
	  "host bridge to attach to (give bridge or user)" },
	{ SEC_NIC, "user", SCHEMA_USER, NULL, 0, 0, NULL, N(user), NULL, NULL, SEC_NONE,
	  "user-mode NAT networking, no bridge needed: user: {}" },
	{ SEC_NIC, "model", SCHEMA_ENUM, "e1000", 0, 0, ch_model, N(model), NULL, NULL, SEC_NONE,
	  "emulated card" },
	{ SEC_NIC, "mac", SCHEMA_STR, NULL, 0, 0, NULL, N(mac), check_mac,
	  "a unicast MAC like 52:54:00:a1:b2:c3", SEC_NONE,
	  "MAC address; generated and written back when missing" },
	{ SEC_TOP, "vnc", SCHEMA_MAP, NULL, 0, 0, NULL, D(vnc), NULL, NULL, SEC_VNC,
	  "the guest's screen over VNC" },
	{ SEC_VNC, "display", SCHEMA_INT, NULL, 0, 99, NULL, D(vnc_display), NULL, NULL, SEC_NONE,
	  "display number; the port is 5900 + display (required)" },
	{ SEC_VNC, "listen", SCHEMA_STR, "127.0.0.1", 0, 0, NULL, D(vnc_listen), check_listen,
	  "an address like 127.0.0.1 or 0.0.0.0", SEC_NONE, "address to listen on" },
	{ SEC_VNC, "password", SCHEMA_STR, NULL, 0, 0, NULL, D(vnc_password), check_password,
	  "1 to 8 characters (the VNC limit)", SEC_NONE,
	  "VNC password; the file must then be mode 0600" },
	{ SEC_VNC, "allow_no_password", SCHEMA_BOOL, "false", 0, 0, NULL, D(vnc_allow_no_password),
	  NULL, NULL, SEC_NONE,
	  "true: a listen beyond loopback may go without a password (an open screen)" },
	{ SEC_TOP, "rtc", SCHEMA_ENUM, "utc", 0, 0, ch_rtc, D(rtc), NULL, NULL, SEC_NONE,
	  "guest clock; Windows guests want localtime" },
	{ SEC_TOP, "usb_tablet", SCHEMA_BOOL, "true", 0, 0, NULL, D(usb_tablet), NULL, NULL,
	  SEC_NONE, "absolute pointer, so the VNC mouse follows" },
	{ SEC_TOP, "autostart", SCHEMA_BOOL, "false", 0, 0, NULL, D(autostart), NULL, NULL,
	  SEC_NONE, "start with the host" },
	{ SEC_TOP, "guest_agent", SCHEMA_BOOL, "false", 0, 0, NULL, D(guest_agent), NULL, NULL,
	  SEC_NONE, "QEMU guest agent channel (filesystem freeze for live backups)" },
	{ SEC_TOP, "extra_args", SCHEMA_STRLIST, NULL, 0, 0, NULL, 0, NULL, NULL, SEC_NONE,
	  "extra QEMU arguments, passed as-is" },
	/* snapshots (snapshot.c) */
	{ SEC_DISK, "overlay", SCHEMA_PATH, NULL, 0, 0, NULL, K(overlay), NULL, NULL, SEC_NONE,
	  "set by vmdeck snapshot: the qcow2 overlay the guest runs on (its chain ends at "
	  "lv/file)" },
	/* scheduled backups (issue 8) */
	{ SEC_TOP, "backup_schedule", SCHEMA_SCHEDULE, "false", 0, 0, NULL, D(backup_schedule),
	  NULL, NULL, SEC_NONE,
	  "scheduled backups: true at backup.schedule, or a list of its own systemd calendar "
	  "expressions like [\"Sun 03:00\"]" },
	/* the host starts and stops its guests (systemd units, autostart): one block */
	{ SEC_TOP, "autostart_order", SCHEMA_INT, "0", 0, 9999, NULL, D(autostart_order), NULL,
	  NULL, SEC_NONE,
	  "autostart group: lower values start first, equal values start together" },
	{ SEC_TOP, "autostart_delay", SCHEMA_INT, "0", 0, 86400, NULL, D(autostart_delay), NULL,
	  NULL, SEC_NONE,
	  "seconds to wait after this guest starts before the next autostart group starts" },
	{ SEC_TOP, "shutdown_timeout", SCHEMA_INT, "0", 0, 86400, NULL, D(shutdown_timeout), NULL,
	  NULL, SEC_NONE,
	  "seconds the ACPI power button gets before quit and kill; 0: the configuration's "
	  "shutdown_timeout" },
	{ SEC_TOP, "template", SCHEMA_BOOL, "false", 0, 0, NULL, D(template), NULL, NULL, SEC_NONE,
	  "a base for clones (vmdeck clone); never starts while linked clones use its disks" },
};

static const char *const sec_prefix[] = {
	[SEC_TOP] = "", [SEC_DISK] = "disks[].", [SEC_NIC] = "nics[].", [SEC_VNC] = "vnc.",
};

const struct schema vmdef_schema = { vmdef_keys, ARRAY_LEN(vmdef_keys), sec_prefix, false };

static bool check_nonempty(const char *v)
{
	return v[0] != '\0';
}

static bool lvm_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 127 || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("+_.-", s[i]))
			return false;
	return !(n == 1 && s[0] == '.') && !(n == 2 && s[0] == '.' && s[1] == '.');
}

static bool check_lv(const char *v)
{
	const char *slash = strchr(v, '/');

	return slash && lvm_name_ok(v, (size_t)(slash - v)) &&
	       lvm_name_ok(slash + 1, strlen(slash + 1));
}

static bool check_mac(const char *v)
{
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? v[i] != ':' : !isxdigit((unsigned char)v[i]))
			return false;
	if (v[17] != '\0')
		return false;
	/* the low bit of the first octet marks multicast: never valid for a card */
	return (strtoul(v, NULL, 16) & 1) == 0;
}

static bool check_password(const char *v)
{
	return strlen(v) <= 8 && v[0] != '\0';
}

static bool check_ifname(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 15)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && !strchr("._-", v[i]))
			return false;
	return true;
}

static bool check_listen(const char *v)
{
	if (v[0] == '\0')
		return false;
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".:-[]", *p))
			return false;
	return true;
}

const char *vmdef_default(const char *path)
{
	return schema_default(&vmdef_schema, path);
}

const char *const *vmdef_choices(const char *path)
{
	return schema_choices(&vmdef_schema, path);
}

bool vmdef_vnc_loopback(const char *listen)
{
	char host[64];
	size_t n;
	struct in_addr a4;
	struct in6_addr a6;

	if (listen == NULL)
		listen = vmdef_default("vnc.listen");
	n = strlen(listen);
	if (n >= 2 && listen[0] == '[' && listen[n - 1] == ']') { /* [::1] */
		listen++;
		n -= 2;
	}
	if (n >= sizeof host)
		return false;
	memcpy(host, listen, n);
	host[n] = 0;
	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

int vmdef_check_vnc(const struct vmdef *def, char **err)
{
	if (!def->vnc || def->vnc_password || def->vnc_allow_no_password ||
	    vmdef_vnc_loopback(def->vnc_listen))
		return 0;
	return err_set(
		err,
		"vnc.listen %s opens the guest's screen to the network without a password: add "
		"vnc.password "
		"(up to 8 characters; the file must then be 0600), listen on %s, or set "
		"vnc.allow_no_password: true",
		def->vnc_listen, vmdef_default("vnc.listen"));
}

const char *disk_iface_name(enum disk_iface iface)
{
	size_t n = 0;

	while (ch_iface[n])
		n++;
	return (size_t)iface < n ? ch_iface[iface] : vmdef_default("disks.interface");
}

int disk_iface_parse(const char *s, enum disk_iface *out)
{
	int i = choice_index(ch_iface, s);

	if (i < 0)
		return -1;
	*out = (enum disk_iface)i;
	return 0;
}

void vmdef_reference_each(schema_doc_fn *fn, void *arg)
{
	schema_each(&vmdef_schema, fn, arg);
}

void vmdef_print_reference(void)
{
	printf("vms.d/NAME.yaml (YAML). The file name is the guest's name: "
	       "[A-Za-z0-9][A-Za-z0-9._-]{0,63}.\n"
	       "Sizes take K, M, G or T (binary). Unknown keys, wrong types and out-of-range "
	       "values are errors.\n\n");
	schema_print_reference(&vmdef_schema);
}
