/* vmdef.c: loads guest definitions (vms.d/NAME.yaml, libyaml) from one schema table; edits them in place. */
#include "vmdef.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "config.h"
#include "util.h"
#include "yamlcheck.h"

/* Where a key lives: the top level, an item of disks/nics, or the vnc mapping. */
enum vsec { SEC_TOP, SEC_DISK, SEC_NIC, SEC_VNC, SEC_NONE };

enum vtype {
	VT_STR,       /* a string; check() may restrict it */
	VT_PATH,      /* a path; empty or null means none */
	VT_SIZE,      /* 512M, 2G ... (bytes, uint64_t) */
	VT_INT,
	VT_BOOL,
	VT_ENUM,      /* one of choices, stored as a string */
	VT_ENUM_IDX,  /* one of choices, stored as its index (an enum) */
	VT_USER,      /* user networking: {} or true */
	VT_STRLIST,   /* a list of strings */
	VT_SEQ,       /* a list of mappings of section sub */
	VT_MAP,       /* a mapping of section sub */
};

struct vkey {
	enum vsec sec;
	const char *key;
	enum vtype type;
	const char *def;        /* default as text; NULL: none */
	int64_t min, max;       /* numbers and sizes */
	const char *choices;    /* "pc|q35" */
	size_t off;             /* in struct vmdef, vm_disk or vm_nic */
	bool (*check)(const char *v);
	const char *want;       /* what check() expects, for messages */
	enum vsec sub;          /* VT_SEQ / VT_MAP */
	const char *help;
};

static bool check_lv(const char *v);
static bool check_mac(const char *v);
static bool check_password(const char *v);
static bool check_ifname(const char *v);
static bool check_listen(const char *v);
static bool check_nonempty(const char *v);

#define D(f) offsetof(struct vmdef, f)
#define K(f) offsetof(struct vm_disk, f)
#define N(f) offsetof(struct vm_nic, f)
#define MiB (INT64_C(1) << 20)

/* Every key of a guest definition: parsing, defaults, checks, help and `vmdeck new` come from here. */
static const struct vkey vkeys[] = {
	{ SEC_TOP, "description", VT_STR, "", 0, 0, NULL, D(description), NULL, NULL, SEC_NONE,
	  "free text shown in the console" },
	{ SEC_TOP, "memory", VT_SIZE, "1G", 16 * MiB, INT64_C(16) << 40, NULL, D(memory), NULL, NULL, SEC_NONE,
	  "RAM, with an M or G suffix" },
	{ SEC_TOP, "cpus", VT_INT, "1", 1, 255, NULL, D(cpus), NULL, NULL, SEC_NONE,
	  "virtual CPUs" },
	{ SEC_TOP, "cpu", VT_STR, "qemu64", 0, 0, NULL, D(cpu), check_nonempty, "a QEMU -cpu model like qemu64 or host", SEC_NONE,
	  "QEMU -cpu model" },
	{ SEC_TOP, "machine", VT_ENUM, "pc", 0, 0, "pc|q35", D(machine), NULL, NULL, SEC_NONE,
	  "chipset: pc (i440FX, best for old Windows) or q35" },
	{ SEC_TOP, "disks", VT_SEQ, NULL, 0, 0, NULL, 0, NULL, NULL, SEC_DISK,
	  "hard disks, in boot order" },
	{ SEC_DISK, "lv", VT_STR, NULL, 0, 0, NULL, K(lv), check_lv, "VG/LV like vg0/av-server", SEC_NONE,
	  "an LVM logical volume (give lv or file)" },
	{ SEC_DISK, "file", VT_PATH, NULL, 0, 0, NULL, K(file), NULL, NULL, SEC_NONE,
	  "a disk image file; relative to storage.file_dir (give lv or file)" },
	{ SEC_DISK, "format", VT_ENUM, NULL, 0, 0, "raw|qcow2", K(format), NULL, NULL, SEC_NONE,
	  "image format; default raw for lv, qcow2 for *.qcow2 files, else raw" },
	{ SEC_DISK, "interface", VT_ENUM_IDX, "ide", 0, 0, "ide|virtio|scsi|sata", K(iface), NULL, NULL, SEC_NONE,
	  "disk controller; old Windows needs ide" },
	{ SEC_DISK, "size", VT_SIZE, NULL, MiB, INT64_C(64) << 40, NULL, K(size), NULL, NULL, SEC_NONE,
	  "size used when the volume is created" },
	{ SEC_TOP, "cdrom", VT_PATH, NULL, 0, 0, NULL, D(cdrom), NULL, NULL, SEC_NONE,
	  "ISO image in the CD drive; a bare name is looked up in iso_dirs" },
	{ SEC_TOP, "boot", VT_ENUM, "disk", 0, 0, "disk|cdrom", D(boot), NULL, NULL, SEC_NONE,
	  "boot device" },
	{ SEC_TOP, "nics", VT_SEQ, NULL, 0, 0, NULL, 0, NULL, NULL, SEC_NIC,
	  "network cards" },
	{ SEC_NIC, "bridge", VT_STR, NULL, 0, 0, NULL, N(bridge), check_ifname, "a bridge name of at most 15 characters like br0", SEC_NONE,
	  "host bridge to attach to (give bridge or user)" },
	{ SEC_NIC, "user", VT_USER, NULL, 0, 0, NULL, N(user), NULL, NULL, SEC_NONE,
	  "user-mode NAT networking, no bridge needed: user: {}" },
	{ SEC_NIC, "model", VT_ENUM, "e1000", 0, 0, "e1000|rtl8139|virtio", N(model), NULL, NULL, SEC_NONE,
	  "emulated card" },
	{ SEC_NIC, "mac", VT_STR, NULL, 0, 0, NULL, N(mac), check_mac, "a unicast MAC like 52:54:00:a1:b2:c3", SEC_NONE,
	  "MAC address; generated and written back when missing" },
	{ SEC_TOP, "vnc", VT_MAP, NULL, 0, 0, NULL, D(vnc), NULL, NULL, SEC_VNC,
	  "the guest's screen over VNC" },
	{ SEC_VNC, "display", VT_INT, NULL, 0, 99, NULL, D(vnc_display), NULL, NULL, SEC_NONE,
	  "display number; the port is 5900 + display (required)" },
	{ SEC_VNC, "listen", VT_STR, "127.0.0.1", 0, 0, NULL, D(vnc_listen), check_listen, "an address like 127.0.0.1 or 0.0.0.0", SEC_NONE,
	  "address to listen on" },
	{ SEC_VNC, "password", VT_STR, NULL, 0, 0, NULL, D(vnc_password), check_password, "1 to 8 characters (the VNC limit)", SEC_NONE,
	  "VNC password; the file must then be mode 0600" },
	{ SEC_VNC, "allow_no_password", VT_BOOL, "false", 0, 0, NULL, D(vnc_allow_no_password), NULL, NULL, SEC_NONE,
	  "true: a listen beyond loopback may go without a password (an open screen)" },
	{ SEC_TOP, "rtc", VT_ENUM, "utc", 0, 0, "utc|localtime", D(rtc), NULL, NULL, SEC_NONE,
	  "guest clock; Windows guests want localtime" },
	{ SEC_TOP, "usb_tablet", VT_BOOL, "true", 0, 0, NULL, D(usb_tablet), NULL, NULL, SEC_NONE,
	  "absolute pointer, so the VNC mouse follows" },
	{ SEC_TOP, "autostart", VT_BOOL, "false", 0, 0, NULL, D(autostart), NULL, NULL, SEC_NONE,
	  "start with the host" },
	{ SEC_TOP, "guest_agent", VT_BOOL, "false", 0, 0, NULL, D(guest_agent), NULL, NULL, SEC_NONE,
	  "QEMU guest agent channel (filesystem freeze for live backups)" },
	{ SEC_TOP, "extra_args", VT_STRLIST, NULL, 0, 0, NULL, 0, NULL, NULL, SEC_NONE,
	  "extra QEMU arguments, passed as-is" },
	/* the host starts and stops its guests (systemd units, autostart): one block */
	{ SEC_TOP, "autostart_order", VT_INT, "0", 0, 9999, NULL, D(autostart_order), NULL, NULL, SEC_NONE,
	  "autostart group: lower values start first, equal values start together" },
	{ SEC_TOP, "autostart_delay", VT_INT, "0", 0, 86400, NULL, D(autostart_delay), NULL, NULL, SEC_NONE,
	  "seconds to wait after this guest starts before the next autostart group starts" },
	{ SEC_TOP, "shutdown_timeout", VT_INT, "0", 0, 86400, NULL, D(shutdown_timeout), NULL, NULL, SEC_NONE,
	  "seconds the ACPI power button gets before quit and kill; 0: the configuration's shutdown_timeout" },
};

static const char *const sec_names[] = {
	[SEC_TOP] = "", [SEC_DISK] = "disks[]", [SEC_NIC] = "nics[]", [SEC_VNC] = "vnc",
};

/* ---- value checks ---- */

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

	return slash && lvm_name_ok(v, (size_t)(slash - v)) && lvm_name_ok(slash + 1, strlen(slash + 1));
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

/* ---- loading ---- */

struct vload {
	const char *path;
	yaml_document_t *doc;
	struct vmdef *def;
	char **err;
	const yaml_node_t *password_node;
};

static int verr(struct vload *L, const yaml_node_t *n, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int verr(struct vload *L, const yaml_node_t *n, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	err_set(L->err, "%s:%zu:%zu: %s%s%s", L->path, n->start_mark.line + 1, n->start_mark.column + 1,
		key ? key : "", key ? ": " : "", what);
	free(what);
	return -1;
}

static const char *node_word(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	return "a value";
}

static const char *scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A plain ~, null or nothing at all stands for "not set". */
static bool is_null(const yaml_node_t *n)
{
	const char *s = scalar(n);

	if (s == NULL || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	       strcmp(s, "NULL") == 0;
}

static void *slot(void *base, const struct vkey *k)
{
	return (char *)base + k->off;
}

static void set_str(void *base, const struct vkey *k, char *v)
{
	char **s = slot(base, k);

	free(*s);
	*s = v;
}

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "on", "On" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No", "off", "Off" };

	for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
		if (strcmp(s, yes[i]) == 0)
			return *out = true;
		if (strcmp(s, no[i]) == 0)
			return !(*out = false);
	}
	return false;
}

static int set_number(struct vload *L, const struct vkey *k, void *base, const yaml_node_t *v,
		      const char *key, const char *s)
{
	char *end, hmin[16], hmax[16];
	long long n;
	uint64_t size;

	if (k->type == VT_SIZE) {
		if (size_parse(s, &size) < 0)
			return verr(L, v, key, "expected a size like 512M or 2G, got \"%s\"", s);
		if (size < (uint64_t)k->min || size > (uint64_t)k->max)
			return verr(L, v, key, "expected a size between %s and %s, got \"%s\"",
				    size_human((uint64_t)k->min, hmin, sizeof hmin),
				    size_human((uint64_t)k->max, hmax, sizeof hmax), s);
		if (k->sec == SEC_TOP && size % (uint64_t)MiB != 0)
			return verr(L, v, key, "expected a whole number of megabytes, got \"%s\"", s);
		*(uint64_t *)slot(base, k) = size;
		return 0;
	}
	errno = 0;
	n = strtoll(s, &end, 10);
	if (!isdigit((unsigned char)s[0]) || *end != '\0' || errno != 0)
		return verr(L, v, key, "expected a whole number between %lld and %lld, got \"%s\"",
			    (long long)k->min, (long long)k->max, s);
	if (n < k->min || n > k->max)
		return verr(L, v, key, "expected a number between %lld and %lld, got %lld",
			    (long long)k->min, (long long)k->max, n);
	*(int *)slot(base, k) = (int)n;
	return 0;
}

static int set_enum(struct vload *L, const struct vkey *k, void *base, const yaml_node_t *v,
		    const char *key, const char *s)
{
	int i = choice_index(k->choices, s);
	char *want;

	if (i < 0) {
		want = choices_text(k->choices);
		verr(L, v, key, "expected %s, got \"%s\"", want, s);
		free(want);
		return -1;
	}
	if (k->type == VT_ENUM_IDX)
		*(int *)slot(base, k) = i;
	else
		set_str(base, k, xstrdup(s));
	return 0;
}

/* A scalar value: checked by its schema row, stored at its offset. */
static int set_scalar(struct vload *L, const struct vkey *k, void *base, const yaml_node_t *v, const char *key)
{
	const char *s = scalar(v);
	bool b;

	if (s == NULL)
		return verr(L, v, key, "expected %s, got %s",
			    k->type == VT_BOOL ? "true or false" : k->want ? k->want : "a single value", node_word(v));
	switch (k->type) {
	case VT_SIZE:
	case VT_INT:
		return set_number(L, k, base, v, key, s);
	case VT_ENUM:
	case VT_ENUM_IDX:
		return set_enum(L, k, base, v, key, s);
	case VT_BOOL:
		if (!parse_bool(s, &b))
			return verr(L, v, key, "expected true or false, got \"%s\"", s);
		*(bool *)slot(base, k) = b;
		return 0;
	case VT_PATH:
		set_str(base, k, s[0] ? xstrdup(s) : NULL);
		return 0;
	default:
		break;
	}
	if (k->check && !k->check(s) && k->off == D(vnc_password) && k->sec == SEC_VNC)
		return verr(L, v, key, "expected %s, got %zu characters", k->want, strlen(s));	/* never echo a password */
	if (k->check && !k->check(s))
		return verr(L, v, key, "expected %s, got \"%s\"", k->want, s);
	set_str(base, k, xstrdup(s));
	if (k->off == D(vnc_password) && k->sec == SEC_VNC)
		L->password_node = v;
	return 0;
}

static void apply_defaults(enum vsec sec, void *base)
{
	for (size_t i = 0; i < ARRAY_LEN(vkeys); i++) {
		const struct vkey *k = &vkeys[i];

		if (k->sec != sec || k->def == NULL)
			continue;
		switch (k->type) {
		case VT_SIZE:
			size_parse(k->def, slot(base, k));
			break;
		case VT_INT:
			*(int *)slot(base, k) = atoi(k->def);
			break;
		case VT_BOOL:
			*(bool *)slot(base, k) = strcmp(k->def, "true") == 0;
			break;
		case VT_ENUM_IDX:
			*(int *)slot(base, k) = choice_index(k->choices, k->def);
			break;
		default:
			set_str(base, k, xstrdup(k->def));
			break;
		}
	}
}

static const struct vkey *key_find(enum vsec sec, const char *key)
{
	for (size_t i = 0; i < ARRAY_LEN(vkeys); i++)
		if (vkeys[i].sec == sec && strcmp(vkeys[i].key, key) == 0)
			return &vkeys[i];
	return NULL;
}

const char *vmdef_default(const char *path)
{
	const char *dot = strchr(path, '.');
	char *top = dot ? xstrndup(path, (size_t)(dot - path)) : xstrdup(path);
	const struct vkey *k = key_find(SEC_TOP, top);
	enum vsec sub = k && (k->type == VT_MAP || k->type == VT_SEQ) ? k->sub : SEC_NONE;

	free(top);
	if (dot)  /* "vnc.listen", "nics.model": a key of the mapping or of a list's items */
		k = sub != SEC_NONE ? key_find(sub, dot + 1) : NULL;
	return k ? k->def : NULL;
}

static char *keys_of(enum vsec sec)
{
	struct sbuf b = { 0 };

	for (size_t i = 0; i < ARRAY_LEN(vkeys); i++)
		if (vkeys[i].sec == sec)
			sbuf_printf(&b, "%s%s", b.len ? ", " : "", vkeys[i].key);
	return sbuf_take(&b);
}

static int load_mapping(struct vload *L, enum vsec sec, void *base, const yaml_node_t *map, const char *prefix);

static int load_strlist(struct vload *L, const yaml_node_t *v, const char *key)
{
	struct strv sv = { 0 };
	struct vmdef *def = L->def;

	if (is_null(v))
		return 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return verr(L, v, key, "expected a list of strings like [\"-device\", \"...\"], got %s", node_word(v));
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		const yaml_node_t *e = yaml_document_get_node(L->doc, *it);

		if (scalar(e) == NULL) {
			strv_free(&sv);
			return verr(L, e, key, "expected a string, got %s", node_word(e));
		}
		strv_add(&sv, scalar(e));
	}
	free(def->extra_args);
	def->extra_args = sv.v ? sv.v : xcalloc(1, sizeof(char *));
	def->n_extra_args = sv.n;
	return 0;
}

/* disks: and nics: lists of mappings. */
static int load_seq(struct vload *L, const struct vkey *k, const yaml_node_t *v)
{
	size_t n, esize = k->sub == SEC_DISK ? sizeof(struct vm_disk) : sizeof(struct vm_nic);
	char *items;

	if (is_null(v))
		return 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return verr(L, v, k->key, "expected a list of mappings (lines starting with \"- \"), got %s",
			    node_word(v));
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	items = xcalloc(n + 1, esize);
	if (k->sub == SEC_DISK) {
		free(L->def->disks);
		L->def->disks = (struct vm_disk *)items;
		L->def->n_disks = n;
	} else {
		free(L->def->nics);
		L->def->nics = (struct vm_nic *)items;
		L->def->n_nics = n;
	}
	for (size_t i = 0; i < n; i++)
		apply_defaults(k->sub, items + i * esize);
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *e = yaml_document_get_node(L->doc, v->data.sequence.items.start[i]);
		char *prefix = xasprintf("%s[%zu]", k->key, i);
		int rc;

		if (e->type != YAML_MAPPING_NODE)
			rc = verr(L, e, prefix, "expected a mapping like \"%s\", got %s",
				  k->sub == SEC_DISK ? "lv: vg0/NAME" : "bridge: br0", node_word(e));
		else
			rc = load_mapping(L, k->sub, items + i * esize, e, prefix);
		free(prefix);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int load_value(struct vload *L, const struct vkey *k, void *base, const yaml_node_t *v, const char *key)
{
	switch (k->type) {
	case VT_SEQ:
		return load_seq(L, k, v);
	case VT_STRLIST:
		return load_strlist(L, v, key);
	case VT_MAP:
		if (is_null(v))
			return 0;	/* "vnc:" with nothing under it: no VNC */
		if (v->type != YAML_MAPPING_NODE)
			return verr(L, v, key, "expected a mapping like \"display: 1\", got %s", node_word(v));
		*(bool *)slot(base, k) = true;
		return load_mapping(L, k->sub, base, v, key);
	case VT_USER:
		if (v->type == YAML_MAPPING_NODE && v->data.mapping.pairs.top == v->data.mapping.pairs.start) {
			*(bool *)slot(base, k) = true;
			return 0;
		}
		if (scalar(v) && !is_null(v) && parse_bool(scalar(v), slot(base, k)))
			return 0;
		return verr(L, v, key, "expected {} (user networking takes no settings here)");
	default:
		if (is_null(v))
			return 0;	/* "key:" with nothing after it keeps the default */
		return set_scalar(L, k, base, v, key);
	}
}

static int check_disk(struct vload *L, struct vm_disk *d, const yaml_node_t *map, const char *prefix)
{
	size_t n;

	if ((d->lv == NULL) == (d->file == NULL))
		return verr(L, map, prefix, "expected exactly one of lv or file");
	if (d->format == NULL) {
		n = d->file ? strlen(d->file) : 0;
		d->format = xstrdup(n > 6 && strcmp(d->file + n - 6, ".qcow2") == 0 ? "qcow2" : "raw");
	}
	if (d->lv && strcmp(d->format, "raw") != 0)
		return verr(L, map, prefix, "expected format raw for an LVM volume, got \"%s\"", d->format);
	return 0;
}

/* vnc.listen's default, from its schema row. */
static const char *vnc_listen_default(void)
{
	const struct vkey *k = key_find(SEC_VNC, "listen");

	return k && k->def ? k->def : "";
}

bool vmdef_vnc_loopback(const char *listen)
{
	char host[64];
	size_t n;
	struct in_addr a4;
	struct in6_addr a6;

	if (listen == NULL)
		listen = vnc_listen_default();
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
	if (!def->vnc || def->vnc_password || def->vnc_allow_no_password || vmdef_vnc_loopback(def->vnc_listen))
		return 0;
	return err_set(err,
		       "vnc.listen %s opens the guest's screen to the network without a password: add vnc.password "
		       "(up to 8 characters; the file must then be 0600), listen on %s, or set vnc.allow_no_password: true",
		       def->vnc_listen, vnc_listen_default());
}

static int check_section(struct vload *L, enum vsec sec, void *base, const yaml_node_t *map, const char *prefix)
{
	struct vm_nic *nic = base;

	if (sec == SEC_DISK)
		return check_disk(L, base, map, prefix);
	if (sec == SEC_NIC && (nic->bridge != NULL) == nic->user)
		return verr(L, map, prefix, "expected exactly one of bridge or user");
	if (sec == SEC_VNC && L->def->vnc_display < 0)
		return verr(L, map, prefix, "expected display: a number between 0 and 99 (port 5900 + display)");
	return 0;
}

/* The key node of an earlier pair (from start up to p) named name, or NULL. */
static const yaml_node_t *earlier_key(yaml_document_t *doc, const yaml_node_pair_t *start,
				      const yaml_node_pair_t *p, const char *name)
{
	for (const yaml_node_pair_t *q = start; q < p; q++) {
		const yaml_node_t *k = yaml_document_get_node(doc, q->key);

		if (scalar(k) && strcmp(scalar(k), name) == 0)
			return k;
	}
	return NULL;
}

/* Matches every pair of a mapping against the schema: unknown and duplicate keys are errors. */
static int load_mapping(struct vload *L, enum vsec sec, void *base, const yaml_node_t *map, const char *prefix)
{
	yaml_node_pair_t *start = map->data.mapping.pairs.start;

	for (yaml_node_pair_t *p = start; p < map->data.mapping.pairs.top; p++) {
		const yaml_node_t *kn = yaml_document_get_node(L->doc, p->key);
		const yaml_node_t *vn = yaml_document_get_node(L->doc, p->value), *first;
		const char *name = scalar(kn);
		const struct vkey *k;
		char *key, *known;
		int rc;

		if (name == NULL)
			return verr(L, kn, prefix[0] ? prefix : NULL, "expected a key name, got %s", node_word(kn));
		key = prefix[0] ? xasprintf("%s.%s", prefix, name) : xstrdup(name);
		if ((first = earlier_key(L->doc, start, p, name)) != NULL) {
			rc = verr(L, kn, key, "duplicate key (first given on line %zu)", first->start_mark.line + 1);
		} else if ((k = key_find(sec, name)) == NULL) {
			known = keys_of(sec);
			rc = verr(L, kn, key, "unknown key (expected one of: %s)", known);
			free(known);
		} else {
			rc = load_value(L, k, base, vn, key);
		}
		free(key);
		if (rc < 0)
			return -1;
	}
	return check_section(L, sec, base, map, prefix);
}

static void vmdef_defaults(struct vmdef *def)
{
	apply_defaults(SEC_TOP, def);
	apply_defaults(SEC_VNC, def);
	def->vnc_display = -1;
	def->disks = xcalloc(1, sizeof *def->disks);
	def->nics = xcalloc(1, sizeof *def->nics);
	def->extra_args = xcalloc(1, sizeof *def->extra_args);
}

static char *name_from_path(const char *path)
{
	const char *base = path_base(path);
	size_t n = strlen(base);

	if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
		n -= 5;
	return xstrndup(base, n);
}

static int syntax_error(struct vload *L, const yaml_parser_t *p)
{
	const yaml_mark_t *m = &p->problem_mark;

	if (p->error == YAML_READER_ERROR)
		return err_set(L->err, "%s: not a text file: %s at byte %zu", L->path, p->problem, p->problem_offset);
	return err_set(L->err, "%s:%zu:%zu: YAML syntax error: %s%s%s", L->path, m->line + 1, m->column + 1,
		       p->problem ? p->problem : "unknown problem", p->context ? " " : "",
		       p->context ? p->context : "");
}

/* The file's text is parsed into a document; marks give every node's line and column. */
static int parse_text(struct vload *L, const char *text, size_t len, yaml_document_t *doc)
{
	yaml_parser_t parser;
	int rc = 0;

	size_t line;
	const char *what;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, doc)) {
		rc = syntax_error(L, &parser);
	} else if (yamlcheck_doc(&parser, doc, &line, &what) < 0) {
		rc = err_set(L->err, "%s:%zu: %s", L->path, line, what);
		yaml_document_delete(doc);
	}
	yaml_parser_delete(&parser);
	return rc;
}

static int check_file_mode(struct vload *L, const struct stat *st)
{
	if (L->def->vnc_password == NULL || (st->st_mode & 077) == 0)
		return 0;
	return verr(L, L->password_node, "vnc.password",
		    "this file holds a VNC password but is readable by group or others (mode %04o); run: chmod 600 %s",
		    (unsigned)(st->st_mode & 07777), L->path);
}

static int load_text(struct vload *L, const char *text, size_t len, const struct stat *st)
{
	yaml_document_t doc;
	const yaml_node_t *root;
	int rc = 0;

	if (parse_text(L, text, len, &doc) < 0)
		return -1;
	L->doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root && !is_null(root)) {
		if (root->type != YAML_MAPPING_NODE)
			rc = verr(L, root, NULL, "expected a mapping of keys like \"memory: 1G\", got %s",
				  node_word(root));
		else
			rc = load_mapping(L, SEC_TOP, L->def, root, "");
	}
	if (rc == 0 && st)
		rc = check_file_mode(L, st);
	yaml_document_delete(&doc);
	L->doc = NULL;
	return rc;
}

int vmdef_load(const char *path, struct vmdef *def, char **err)
{
	struct vload L = { .path = path, .def = def, .err = err };
	struct stat st;
	char *text, *msg = NULL;
	size_t len;
	int rc = -1;

	memset(def, 0, sizeof *def);
	def->path = xstrdup(path);
	def->name = name_from_path(path);
	vmdef_defaults(def);
	L.err = &msg;
	if (!name_valid(def->name))
		err_set(&msg, "%s: \"%s\" is not a valid guest name (letters, digits, '.', '_', '-'; at most 64)",
			path, def->name);
	else if ((text = file_read(path, &len, &msg)) != NULL) {
		if (stat(path, &st) < 0)
			err_set(&msg, "cannot stat %s: %s", path, strerror(errno));
		else
			rc = load_text(&L, text, len, &st);
		free(text);
	}
	if (rc < 0) {
		def->error = msg;
		if (err)
			*err = xstrdup(msg);
	}
	return rc;
}

void vmdef_free(struct vmdef *def)
{
	for (size_t i = 0; i < def->n_disks; i++) {
		free(def->disks[i].lv);
		free(def->disks[i].file);
		free(def->disks[i].format);
	}
	for (size_t i = 0; i < def->n_nics; i++) {
		free(def->nics[i].bridge);
		free(def->nics[i].model);
		free(def->nics[i].mac);
	}
	for (size_t i = 0; i < def->n_extra_args; i++)
		free(def->extra_args[i]);
	free(def->extra_args);
	free(def->disks);
	free(def->nics);
	free(def->name);
	free(def->path);
	free(def->description);
	free(def->cpu);
	free(def->machine);
	free(def->cdrom);
	free(def->boot);
	free(def->vnc_listen);
	if (def->vnc_password)
		explicit_bzero(def->vnc_password, strlen(def->vnc_password));
	free(def->vnc_password);
	free(def->rtc);
	free(def->error);
	memset(def, 0, sizeof *def);
}

/* Relative disk files live in storage.file_dir; relative CDs are looked up in iso_dirs. */
static void resolve_paths(const struct config *cfg, struct vmdef *def)
{
	char *p;

	for (size_t i = 0; i < def->n_disks; i++)
		if (def->disks[i].file && def->disks[i].file[0] != '/') {
			p = path_resolve(cfg->file_dir, def->disks[i].file);
			free(def->disks[i].file);
			def->disks[i].file = p;
		}
	if (def->cdrom == NULL || def->cdrom[0] == '/' || cfg->n_iso_dirs == 0)
		return;
	/* not found: left as written, so the start names the file the admin wrote */
	for (size_t i = 0; i < cfg->n_iso_dirs; i++) {
		p = path_join(cfg->iso_dirs[i], def->cdrom);
		if (access(p, F_OK) == 0) {
			free(def->cdrom);
			def->cdrom = p;
			return;
		}
		free(p);
	}
}

int vmdef_load_by_name(const struct config *cfg, const char *name, struct vmdef *def, char **err)
{
	char *file, *path;
	int rc;

	if (!name_valid(name)) {
		memset(def, 0, sizeof *def);
		return err_set(err, "\"%s\" is not a valid guest name", name);
	}
	file = xasprintf("%s.yaml", name);
	path = path_join(cfg->vms_dir, file);
	free(file);
	if (access(path, F_OK) < 0) {
		memset(def, 0, sizeof *def);
		err_set(err, "%s: no such guest (no %s)", name, path);
		free(path);
		return -1;
	}
	rc = vmdef_load(path, def, err);
	free(path);
	if (rc == 0)
		resolve_paths(cfg, def);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_yaml_name(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && len > 5 && strcmp(n + len - 5, ".yaml") == 0;
}

int vmdefs_load_all(const struct config *cfg, struct vmdef **defs, size_t *n, char **err)
{
	DIR *d = opendir(cfg->vms_dir);
	struct dirent *e;
	struct strv names = { 0 };

	*defs = NULL;
	*n = 0;
	if (d == NULL)
		return err_set(err, "cannot read vms_dir %s: %s", cfg->vms_dir, strerror(errno));
	while ((e = readdir(d)) != NULL)
		if (is_yaml_name(e->d_name))
			strv_add(&names, e->d_name);
	closedir(d);
	if (names.n > 0)
		qsort(names.v, names.n, sizeof *names.v, cmp_str);
	*defs = xcalloc(names.n + 1, sizeof **defs);
	for (size_t i = 0; i < names.n; i++) {
		char *path = path_join(cfg->vms_dir, names.v[i]);

		if (vmdef_load(path, &(*defs)[i], NULL) == 0)
			resolve_paths(cfg, &(*defs)[i]);
		free(path);
	}
	*n = names.n;
	strv_free(&names);
	return 0;
}

void vmdefs_free(struct vmdef *defs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vmdef_free(&defs[i]);
	free(defs);
}

const char *disk_iface_name(enum disk_iface iface)
{
	static const char *const names[] = { "ide", "virtio", "scsi", "sata" };

	return (size_t)iface < ARRAY_LEN(names) ? names[iface] : "ide";
}

int disk_iface_parse(const char *s, enum disk_iface *out)
{
	int i = choice_index("ide|virtio|scsi|sata", s);

	if (i < 0)
		return -1;
	*out = (enum disk_iface)i;
	return 0;
}

void vmdef_random_mac(char out[18])
{
	unsigned char b[3] = { 0 };

	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
		/* getrandom only fails before the pool is seeded; any distinct value will do */
		uint64_t t = (uint64_t)now_ms() ^ ((uint64_t)getpid() << 16);

		b[0] = (unsigned char)t, b[1] = (unsigned char)(t >> 8), b[2] = (unsigned char)(t >> 16);
	}
	snprintf(out, 18, "52:54:00:%02x:%02x:%02x", b[0], b[1], b[2]);
}

/* ---- the reference ---- */

static const char *vtype_name(const struct vkey *k)
{
	static const char *const names[] = {
		[VT_STR] = "string", [VT_PATH] = "path", [VT_SIZE] = "size", [VT_INT] = "integer",
		[VT_BOOL] = "boolean", [VT_ENUM] = "choice", [VT_ENUM_IDX] = "choice", [VT_USER] = "{}",
		[VT_STRLIST] = "list of strings", [VT_SEQ] = "list", [VT_MAP] = "mapping",
	};
	return names[k->type];
}

static void print_vkey(const struct vkey *k)
{
	char *choices = k->choices ? choices_text(k->choices) : NULL;
	char lo[16], hi[16];

	if (k->sec == SEC_TOP)
		printf("%s (%s", k->key, vtype_name(k));
	else
		printf("  %s.%s (%s", sec_names[k->sec], k->key, vtype_name(k));
	if (choices)
		printf(": %s", choices);
	if (k->want)
		printf(": %s", k->want);
	if (k->type == VT_INT)
		printf(", %lld..%lld", (long long)k->min, (long long)k->max);
	if (k->type == VT_SIZE)
		printf(", %s..%s", size_human((uint64_t)k->min, lo, sizeof lo), size_human((uint64_t)k->max, hi, sizeof hi));
	if (k->def)
		printf(", default %s", k->def[0] ? k->def : "\"\"");
	printf(")\n%s    %s\n", k->sec == SEC_TOP ? "" : "  ", k->help);
	free(choices);
}

void vmdef_print_reference(void)
{
	printf("vms.d/NAME.yaml (YAML). The file name is the guest's name: [A-Za-z0-9][A-Za-z0-9._-]{0,63}.\n"
	       "Sizes take K, M, G or T (binary). Unknown keys, wrong types and out-of-range values are errors.\n\n");
	for (size_t i = 0; i < ARRAY_LEN(vkeys); i++)
		print_vkey(&vkeys[i]);
}

/* ---- writing: scalars, whole files, and edits that keep comments and order ---- */

/* A scalar as YAML text: plain when that reads back the same, else double-quoted. */
static char *yaml_quote(const char *s)
{
	struct sbuf b = { 0 };
	size_t n = strlen(s);
	bool plain = n > 0 && (isalnum((unsigned char)s[0]) || s[0] == '/' || s[0] == '.') &&
		     s[n - 1] != ' ' && s[n - 1] != ':';

	for (size_t i = 0; plain && i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && !strchr(" ._/:@+=,()-", c))
			plain = false;
		if ((c == ':' || c == ' ') && s[i + 1] == ' ')
			plain = false;
		if (c == ' ' && s[i + 1] == '#')
			plain = false;
	}
	if (plain)
		return xstrdup(s);
	sbuf_add(&b, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			sbuf_printf(&b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			sbuf_printf(&b, "\\x%02x", c);
		else
			sbuf_addn(&b, (const char *)&s[i], 1);
	}
	sbuf_add(&b, "\"");
	return sbuf_take(&b);
}

/* Sizes as the largest unit that divides them exactly, so they parse back unchanged. */
static void size_text(uint64_t v, char *buf, size_t len)
{
	static const char units[] = "TGMK";

	for (int i = 0; i < 4; i++) {
		unsigned shift = (unsigned)(40 - 10 * i);

		if (v != 0 && v % (UINT64_C(1) << shift) == 0) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(v >> shift), units[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)v);
}

static const char *help_of(enum vsec sec, const char *key)
{
	const struct vkey *k = key_find(sec, key);

	return k ? k->help : "";
}

/* "  key: value    # help", the comment aligned where the examples put it. */
static void emit(struct sbuf *b, const char *lead, enum vsec sec, const char *key, const char *value)
{
	char *q = value ? yaml_quote(value) : NULL;
	size_t start = b->len;

	sbuf_printf(b, "%s%s:%s%s", lead, key, q ? " " : "", q ? q : "");
	if (b->len - start < 27)
		sbuf_printf(b, "%*s", (int)(27 - (b->len - start)), "");
	sbuf_printf(b, " # %s\n", help_of(sec, key));
	free(q);
}

static void emit_raw(struct sbuf *b, const char *lead, enum vsec sec, const char *key, const char *text)
{
	size_t start = b->len;

	sbuf_printf(b, "%s%s: %s", lead, key, text);
	if (b->len - start < 27)
		sbuf_printf(b, "%*s", (int)(27 - (b->len - start)), "");
	sbuf_printf(b, " # %s\n", help_of(sec, key));
}

static void emit_disks(struct sbuf *b, const struct vmdef *def)
{
	char size[32];

	if (def->n_disks == 0) {
		emit_raw(b, "", SEC_TOP, "disks", "[]");
		return;
	}
	emit(b, "", SEC_TOP, "disks", NULL);
	for (size_t i = 0; i < def->n_disks; i++) {
		const struct vm_disk *d = &def->disks[i];

		if (d->lv)
			emit(b, "  - ", SEC_DISK, "lv", d->lv);
		else
			emit(b, "  - ", SEC_DISK, "file", d->file ? d->file : "");
		if (d->format)
			emit(b, "    ", SEC_DISK, "format", d->format);
		emit(b, "    ", SEC_DISK, "interface", disk_iface_name(d->iface));
		if (d->size) {
			size_text(d->size, size, sizeof size);
			emit(b, "    ", SEC_DISK, "size", size);
		}
	}
}

static void emit_nics(struct sbuf *b, const struct vmdef *def)
{
	if (def->n_nics == 0) {
		emit_raw(b, "", SEC_TOP, "nics", "[]");
		return;
	}
	emit(b, "", SEC_TOP, "nics", NULL);
	for (size_t i = 0; i < def->n_nics; i++) {
		const struct vm_nic *n = &def->nics[i];

		if (n->bridge)
			emit(b, "  - ", SEC_NIC, "bridge", n->bridge);
		else
			emit_raw(b, "  - ", SEC_NIC, "user", "{}");
		emit(b, "    ", SEC_NIC, "model", n->model ? n->model : vmdef_default("nics.model"));
		if (n->mac)
			emit(b, "    ", SEC_NIC, "mac", n->mac);
	}
}

static void emit_vnc(struct sbuf *b, const struct vmdef *def)
{
	char num[16];

	if (!def->vnc)
		return;
	emit(b, "", SEC_TOP, "vnc", NULL);
	snprintf(num, sizeof num, "%d", def->vnc_display);
	emit(b, "  ", SEC_VNC, "display", num);
	emit(b, "  ", SEC_VNC, "listen", def->vnc_listen ? def->vnc_listen : vmdef_default("vnc.listen"));
	if (def->vnc_password)
		emit(b, "  ", SEC_VNC, "password", def->vnc_password);
	if (def->vnc_allow_no_password)
		emit_raw(b, "  ", SEC_VNC, "allow_no_password", "true");
}

static void emit_extra_args(struct sbuf *b, const struct vmdef *def)
{
	struct sbuf list = { 0 };
	char *l;

	sbuf_add(&list, "[");
	for (size_t i = 0; i < def->n_extra_args; i++) {
		char *q = yaml_quote(def->extra_args[i]);

		/* always quoted in a flow list, where a plain comma would split the item */
		if (q[0] != '"') {
			free(q);
			q = xasprintf("\"%s\"", def->extra_args[i]);
		}
		sbuf_printf(&list, "%s%s", i ? ", " : "", q);
		free(q);
	}
	sbuf_add(&list, "]");
	l = sbuf_take(&list);
	emit_raw(b, "", SEC_TOP, "extra_args", l);
	free(l);
}

char *vmdef_to_yaml(const struct vmdef *def)
{
	struct sbuf b = { 0 };
	char num[32];

	sbuf_printf(&b, "# %s: a vmdeck guest definition. Every key is described by `vmdeck help yaml`.\n",
		    def->name ? def->name : "guest");
	emit(&b, "", SEC_TOP, "description", def->description ? def->description : "");
	size_text(def->memory, num, sizeof num);
	emit(&b, "", SEC_TOP, "memory", num);
	snprintf(num, sizeof num, "%d", def->cpus);
	emit(&b, "", SEC_TOP, "cpus", num);
	emit(&b, "", SEC_TOP, "cpu", def->cpu ? def->cpu : vmdef_default("cpu"));
	emit(&b, "", SEC_TOP, "machine", def->machine ? def->machine : vmdef_default("machine"));
	emit_disks(&b, def);
	if (def->cdrom)
		emit(&b, "", SEC_TOP, "cdrom", def->cdrom);
	emit(&b, "", SEC_TOP, "boot", def->boot ? def->boot : vmdef_default("boot"));
	emit_nics(&b, def);
	emit_vnc(&b, def);
	emit(&b, "", SEC_TOP, "rtc", def->rtc ? def->rtc : "utc");
	emit(&b, "", SEC_TOP, "usb_tablet", def->usb_tablet ? "true" : "false");
	emit(&b, "", SEC_TOP, "autostart", def->autostart ? "true" : "false");
	emit(&b, "", SEC_TOP, "guest_agent", def->guest_agent ? "true" : "false");
	emit_extra_args(&b, def);
	if (def->autostart_order) {
		snprintf(num, sizeof num, "%d", def->autostart_order);
		emit(&b, "", SEC_TOP, "autostart_order", num);
	}
	if (def->autostart_delay) {
		snprintf(num, sizeof num, "%d", def->autostart_delay);
		emit(&b, "", SEC_TOP, "autostart_delay", num);
	}
	if (def->shutdown_timeout) {
		snprintf(num, sizeof num, "%d", def->shutdown_timeout);
		emit(&b, "", SEC_TOP, "shutdown_timeout", num);
	}
	return sbuf_take(&b);
}

/*
 * Byte offset of a libyaml mark. Marks count characters, so the column is
 * walked in UTF-8 from the start of the mark's line.
 */
static size_t mark_offset(const char *text, size_t len, yaml_mark_t m)
{
	size_t off = 0, line = 0, col = 0;

	while (off < len && line < m.line) {
		if (text[off] == '\r' && off + 1 < len && text[off + 1] == '\n')
			off++;
		if (text[off] == '\n' || text[off] == '\r')
			line++;
		off++;
	}
	while (off < len && col < m.column && text[off] != '\n') {
		off++;
		while (off < len && ((unsigned char)text[off] & 0xC0) == 0x80)
			off++;
		col++;
	}
	return off;
}

/* Where a new line can go after node n: the start of the line after it ends. */
static size_t after_node(const char *text, size_t len, yaml_document_t *doc, const yaml_node_t *n)
{
	size_t off;

	if (n->type == YAML_SEQUENCE_NODE && n->data.sequence.style == YAML_BLOCK_SEQUENCE_STYLE &&
	    n->data.sequence.items.top > n->data.sequence.items.start)
		return after_node(text, len, doc, yaml_document_get_node(doc, n->data.sequence.items.top[-1]));
	if (n->type == YAML_MAPPING_NODE && n->data.mapping.style == YAML_BLOCK_MAPPING_STYLE &&
	    n->data.mapping.pairs.top > n->data.mapping.pairs.start)
		return after_node(text, len, doc, yaml_document_get_node(doc, n->data.mapping.pairs.top[-1].value));
	off = mark_offset(text, len, n->end_mark);
	if (n->end_mark.column == 0 && off > 0)
		return off;	/* a block scalar ends at the start of the next line */
	while (off < len && text[off] != '\n')
		off++;
	return off < len ? off + 1 : len;
}

struct edit {
	size_t at, del;   /* replace text[at, at + del) */
	char *with;
};

static int cmp_edit(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;

	return x->at < y->at ? 1 : x->at > y->at ? -1 : 0;
}

/* Applies edits back to front so earlier offsets stay valid. */
static char *apply_edits(const char *text, size_t len, struct edit *e, size_t n, size_t *out_len)
{
	struct sbuf b = { 0 };
	char *cur = xstrndup(text, len);
	size_t cur_len = len;

	qsort(e, n, sizeof *e, cmp_edit);
	for (size_t i = 0; i < n; i++) {
		sbuf_addn(&b, cur, e[i].at);
		sbuf_add(&b, e[i].with);
		sbuf_addn(&b, cur + e[i].at + e[i].del, cur_len - e[i].at - e[i].del);
		free(cur);
		cur_len = b.len;
		cur = sbuf_take(&b);
	}
	*out_len = cur_len;
	return cur;
}

static const yaml_node_t *map_get(yaml_document_t *doc, const yaml_node_t *map, const char *key,
				  const yaml_node_t **key_node)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (scalar(k) && strcmp(scalar(k), key) == 0) {
			if (key_node)
				*key_node = k;
			return yaml_document_get_node(doc, p->value);
		}
	}
	return NULL;
}

/*
 * An edit that adds "key: value" (value already YAML text, possibly several
 * lines for nested keys) at the end of mapping map.
 */
static void edit_add_to_map(const char *text, size_t len, yaml_document_t *doc, const yaml_node_t *map,
			    const char *key, const char *value, struct edit *e)
{
	const yaml_node_t *first;
	size_t indent = 0, at;
	struct sbuf b = { 0 };

	if (map->data.mapping.style == YAML_FLOW_MAPPING_STYLE) {
		bool empty = map->data.mapping.pairs.top == map->data.mapping.pairs.start;

		/* after the last value, or just inside the braces of {} */
		e->at = empty ? mark_offset(text, len, map->end_mark) - 1
			      : mark_offset(text, len, yaml_document_get_node(doc, map->data.mapping.pairs.top[-1].value)->end_mark);
		e->del = 0;
		e->with = xasprintf("%s%s: %s", empty ? "" : ", ", key, value);
		return;
	}
	first = yaml_document_get_node(doc, map->data.mapping.pairs.start->key);
	indent = first->start_mark.column;
	at = after_node(text, len, doc, map);
	if (at > 0 && text[at - 1] != '\n')
		sbuf_add(&b, "\n");
	sbuf_printf(&b, "%*s%s:%s%s\n", (int)indent, "", key, value[0] == '\n' ? "" : " ", value);
	e->at = at;
	e->del = 0;
	e->with = sbuf_take(&b);
}

/* An edit that gives existing key (key node kn, value node v) a new scalar value. */
static void edit_replace_value(const char *text, size_t len, const yaml_node_t *kn, const yaml_node_t *v,
			       const char *value, struct edit *e)
{
	size_t colon = mark_offset(text, len, kn->end_mark);

	while (colon < len && text[colon] != ':')
		colon++;
	if (is_null(v) && (size_t)mark_offset(text, len, v->start_mark) <= colon + 1) {
		e->at = colon + 1;
		e->del = 0;
		e->with = xasprintf("%s%s", value[0] == '\n' ? "" : " ", value);
		return;
	}
	e->at = mark_offset(text, len, v->start_mark);
	e->del = mark_offset(text, len, v->end_mark) - e->at;
	e->with = xstrdup(value);
}

/* The new file replaces the old one: it gets the old one's mode, and its owner when we may set it. */
static int write_keeping_mode(const char *path, const char *text, size_t len, char **err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return err_set(err, "cannot stat %s: %s", path, strerror(errno));
	if (file_write_atomic(path, text, len, st.st_mode & 07777, err) < 0)
		return -1;
	if ((st.st_uid != geteuid() || st.st_gid != getegid()) && chown(path, st.st_uid, st.st_gid) < 0 &&
	    errno != EPERM)
		return err_set(err, "cannot give %s back its owner: %s", path, strerror(errno));
	return 0;
}

/* The file's text and its parsed document; *text is NULL when it cannot be read or parsed. */
static int read_doc(const char *path, char **text, size_t *len, yaml_document_t *doc, char **err)
{
	struct vload L = { .path = path, .err = err };

	if ((*text = file_read(path, len, err)) == NULL)
		return -1;
	if (parse_text(&L, *text, *len, doc) < 0) {
		free(*text);
		*text = NULL;
		return -1;
	}
	return 0;
}

int vmdef_fill_macs(struct vmdef *def, char **err)
{
	yaml_document_t doc;
	const yaml_node_t *nics;
	struct edit edits[64];
	char macs[64][18], *text, *out;
	size_t len, out_len, n = 0, idx = 0;
	int rc = 0;

	for (size_t i = 0; i < def->n_nics; i++)
		n += def->nics[i].mac == NULL;
	if (n == 0)
		return 0;
	if (read_doc(def->path, &text, &len, &doc, err) < 0)
		return -1;
	nics = map_get(&doc, yaml_document_get_root_node(&doc), "nics", NULL);
	n = 0;
	for (yaml_node_item_t *it = nics && nics->type == YAML_SEQUENCE_NODE ? nics->data.sequence.items.start : NULL;
	     it && it < nics->data.sequence.items.top && n < ARRAY_LEN(edits); it++, idx++) {
		const yaml_node_t *nic = yaml_document_get_node(&doc, *it);
		const yaml_node_t *kn = NULL, *mac = map_get(&doc, nic, "mac", &kn);

		if (nic->type != YAML_MAPPING_NODE || (mac && !is_null(mac)) || idx >= def->n_nics ||
		    def->nics[idx].mac)
			continue;
		for (yaml_node_item_t *prev = nics->data.sequence.items.start; prev < it; prev++)
			if (*prev == *it) {	/* "- *card": one text for two cards, which need two MACs */
				rc = err_set(err, "%s:%zu:%zu: nics[%zu]: an alias of another card needs its own mac",
					     def->path, nic->start_mark.line + 1, nic->start_mark.column + 1, idx);
				break;
			}
		if (rc < 0)
			break;
		vmdef_random_mac(macs[n]);
		if (mac)
			edit_replace_value(text, len, kn, mac, macs[n], &edits[n]);
		else
			edit_add_to_map(text, len, &doc, nic, "mac", macs[n], &edits[n]);
		def->nics[idx].mac = xstrdup(macs[n]);
		n++;
	}
	yaml_document_delete(&doc);
	if (n > 0 && rc == 0) {
		out = apply_edits(text, len, edits, n, &out_len);
		rc = write_keeping_mode(def->path, out, out_len, err) < 0 ? -1 : (int)n;
		free(out);
	}
	for (size_t i = 0; i < n; i++)
		free(edits[i].with);
	free(text);
	return rc;
}

/* Column where a mapping's keys start (0 for an empty one). */
static size_t map_indent(yaml_document_t *doc, const yaml_node_t *map)
{
	if (map->data.mapping.pairs.top == map->data.mapping.pairs.start)
		return 0;
	return yaml_document_get_node(doc, map->data.mapping.pairs.start->key)->start_mark.column;
}

static int not_single(const char *path, const yaml_node_t *v, const char *key, char **err)
{
	return err_set(err, "%s:%zu:%zu: %s holds %s, not a single value", path, v->start_mark.line + 1,
		       v->start_mark.column + 1, key, node_word(v));
}

/* An edit that removes a key and its value: whole lines, for a key that starts its line. */
static int edit_remove(const char *path, const char *text, size_t len, yaml_document_t *doc,
		       const yaml_node_t *kn, const yaml_node_t *v, const char *key, struct edit *e, char **err)
{
	size_t ks = mark_offset(text, len, kn->start_mark), ls = ks, end;

	while (ls > 0 && text[ls - 1] != '\n')
		ls--;
	for (size_t p = ls; p < ks; p++)
		if (text[p] != ' ')
			return err_set(err, "%s:%zu:%zu: %s cannot be removed from here; edit the file", path,
				       kn->start_mark.line + 1, kn->start_mark.column + 1, key);
	/* an empty value may be marked on the next line: the key's own line ends it */
	if (v->type == YAML_SCALAR_NODE && (is_null(v) || v->start_mark.line != kn->start_mark.line))
		end = after_node(text, len, doc, kn);
	else
		end = after_node(text, len, doc, v);
	e->at = ls;
	e->del = end - ls;
	e->with = xstrdup("");
	return 0;
}

/* Removes parts[0] or parts[0].parts[1]; a key that is not there is already removed. */
static int plan_remove(const char *path, const char *text, size_t len, yaml_document_t *doc, char **parts,
		       size_t n, struct edit *e, char **err)
{
	const yaml_node_t *root = yaml_document_get_root_node(doc), *kn = NULL, *v;

	e->with = xstrdup("");
	if (root == NULL || root->type != YAML_MAPPING_NODE || (v = map_get(doc, root, parts[0], &kn)) == NULL)
		return 0;
	if (n == 2 && (v = map_get(doc, v, parts[1], &kn)) == NULL)
		return 0;
	free(e->with);
	e->with = NULL;
	return edit_remove(path, text, len, doc, kn, v, n == 2 ? parts[1] : parts[0], e, err);
}

/*
 * Builds the one edit that sets parts[0] (n == 1) or parts[0].parts[1]: the
 * value replaced where it is, or the key added at the end of its mapping.
 */
static int plan_set(const char *path, const char *text, size_t len, yaml_document_t *doc, char **parts,
		    size_t n, const char *value, struct edit *e, char **err)
{
	const yaml_node_t *root = yaml_document_get_root_node(doc), *kn = NULL, *v, *inner;
	char *sub = n == 2 ? xasprintf("\n%*s%s: %s", (int)(root && root->type == YAML_MAPPING_NODE ?
					map_indent(doc, root) + 2 : 2), "", parts[1], value) : NULL;
	const char *add = sub ? sub : value;
	int rc = 0;

	if (root == NULL || is_null(root)) {
		e->at = len;	/* an empty file */
		e->with = xasprintf("%s%s:%s%s\n", len > 0 && text[len - 1] != '\n' ? "\n" : "", parts[0],
				    sub ? "" : " ", add);
	} else if (root->type != YAML_MAPPING_NODE) {
		rc = err_set(err, "%s:%zu:%zu: the file is not a mapping of keys", path, root->start_mark.line + 1,
			     root->start_mark.column + 1);
	} else if ((v = map_get(doc, root, parts[0], &kn)) == NULL) {
		edit_add_to_map(text, len, doc, root, parts[0], add, e);
	} else if (n == 1 || is_null(v)) {
		rc = v->type == YAML_SCALAR_NODE ? 0 : not_single(path, v, parts[0], err);
		if (rc == 0)
			edit_replace_value(text, len, kn, v, add, e);
	} else if (v->type != YAML_MAPPING_NODE) {
		rc = err_set(err, "%s:%zu:%zu: %s is not a mapping", path, v->start_mark.line + 1,
			     v->start_mark.column + 1, parts[0]);
	} else if ((inner = map_get(doc, v, parts[1], &kn)) == NULL) {
		edit_add_to_map(text, len, doc, v, parts[1], value, e);
	} else {
		rc = inner->type == YAML_SCALAR_NODE ? 0 : not_single(path, inner, parts[1], err);
		if (rc == 0)
			edit_replace_value(text, len, kn, inner, value, e);
	}
	free(sub);
	return rc;
}

/* "disks.0.interface": the value replaced in that item of the list, or the key added to the item. */
static int plan_set_item(const char *path, const char *text, size_t len, yaml_document_t *doc, char **parts,
			 const char *value, struct edit *e, char **err)
{
	const yaml_node_t *root = yaml_document_get_root_node(doc), *kn = NULL, *seq, *item, *v;
	long idx = strtol(parts[1], NULL, 10);

	seq = root && root->type == YAML_MAPPING_NODE ? map_get(doc, root, parts[0], &kn) : NULL;
	if (!seq || seq->type != YAML_SEQUENCE_NODE ||
	    idx >= seq->data.sequence.items.top - seq->data.sequence.items.start)
		return err_set(err, "%s: there is no %s[%ld] to set %s on", path, parts[0], idx, parts[2]);
	item = yaml_document_get_node(doc, seq->data.sequence.items.start[idx]);
	if (item->type != YAML_MAPPING_NODE || item->data.mapping.pairs.top == item->data.mapping.pairs.start)
		return err_set(err, "%s:%zu:%zu: %s[%ld] is not a mapping of keys", path, item->start_mark.line + 1,
			       item->start_mark.column + 1, parts[0], idx);
	if ((v = map_get(doc, item, parts[2], &kn)) == NULL) {
		edit_add_to_map(text, len, doc, item, parts[2], value, e);
		return 0;
	}
	if (v->type != YAML_SCALAR_NODE)
		return not_single(path, v, parts[2], err);
	edit_replace_value(text, len, kn, v, value, e);
	return 0;
}

/* Parses text as the definition at path would be, to refuse an edit that breaks it. */
static int validate_text(const char *path, const char *text, size_t len, char **err)
{
	struct vmdef def;
	struct vload L = { .path = path, .def = &def, .err = err };
	struct stat st;
	int rc;

	memset(&def, 0, sizeof def);
	def.name = name_from_path(path);
	vmdef_defaults(&def);
	rc = load_text(&L, text, len, stat(path, &st) == 0 ? &st : NULL);
	vmdef_free(&def);
	return rc;
}

/* The schema row of "memory" or "vnc.display": a key at the top or in vnc. */
static const struct vkey *path_key(char **parts, size_t n)
{
	const struct vkey *k = n >= 1 ? key_find(SEC_TOP, parts[0]) : NULL;

	if (k && n == 2 && k->type == VT_MAP)
		return key_find(k->sub, parts[1]);
	/* "disks.0.interface": a key of one item of a list of mappings */
	if (k && n == 3 && k->type == VT_SEQ && parts[1][0] && strspn(parts[1], "0123456789") == strlen(parts[1])) {
		const struct vkey *item = key_find(k->sub, parts[2]);

		return item && item->type != VT_USER ? item : NULL;
	}
	return n == 1 ? k : NULL;
}

static bool single_value(const struct vkey *k)
{
	return k && k->type != VT_SEQ && k->type != VT_MAP && k->type != VT_STRLIST;
}

/*
 * An empty value from a form means "none": a key that can hold "" keeps it
 * (description, cdrom); any other is removed, and removing vnc.display, which
 * vnc cannot do without, removes the whole vnc mapping.
 */
static bool empty_means_remove(const struct vkey *k, const char *value)
{
	return value == NULL || (value[0] == '\0' && !(k->type == VT_PATH || (k->type == VT_STR && !k->check)));
}

/* ---- the first disk or NIC: what it is (lv/file, bridge/user), or the whole list added or removed ---- */

/*
 * The keys that say what an item of a list is (a valid item has exactly one),
 * and the keys that describe the volume behind a disk rather than the disk.
 */
static const struct item_kinds {
	const char *list;
	const char *kinds[2];
	const char *volume_keys[2];
} item_kinds[] = {
	{ "disks", { "lv", "file" }, { "format", "size" } },
	{ "nics", { "bridge", "user" }, { NULL, NULL } },
};

static const struct item_kinds *item_kinds_of(const char *list)
{
	for (size_t i = 0; i < ARRAY_LEN(item_kinds); i++)
		if (strcmp(item_kinds[i].list, list) == 0)
			return &item_kinds[i];
	return NULL;
}

/* A definition's text while several edits are made to it, each planned on the text the last one left. */
struct etext {
	const char *path;
	char *text;
	size_t len;
	yaml_document_t doc;
	bool parsed;
};

static int etext_parse(struct etext *t, char **err)
{
	struct vload L = { .path = t->path, .err = err };

	if (t->parsed)
		yaml_document_delete(&t->doc);
	t->parsed = parse_text(&L, t->text, t->len, &t->doc) == 0;
	return t->parsed ? 0 : -1;
}

/* Applies planned edits and parses the result for the next step. */
static int etext_apply(struct etext *t, struct edit *e, size_t n, char **err)
{
	size_t len;
	char *out = apply_edits(t->text, t->len, e, n, &len);

	for (size_t i = 0; i < n; i++) {
		free(e[i].with);
		e[i].with = NULL;
	}
	free(t->text);
	t->text = out;
	t->len = len;
	return etext_parse(t, err);
}

/* KEY set to VALUE in the text being edited (see vmdef_set_key); t is parsed again for the next change. */
static int set_key_in(struct etext *t, const char *key, const char *value, char **err)
{
	struct strv parts = { 0 };
	struct edit e = { 0 };
	char *q = NULL, *dup = xstrdup(key), *save = NULL;
	const struct vkey *k;
	int rc = -1;

	for (char *tok = strtok_r(dup, ".", &save); tok; tok = strtok_r(NULL, ".", &save))
		strv_add(&parts, tok);
	free(dup);
	k = path_key(parts.v, parts.n);
	if (!single_value(k) && !(k && parts.n == 1 && value == NULL))
		err_set(err, "%s: not a key that takes one value (see `vmdeck help yaml`)", key);
	else if (parts.n == 3 && (value == NULL || !*value))
		err_set(err, "%s: needs a value (a list item's key is changed, not removed)", key);
	else if (parts.n == 3) {
		q = yaml_quote(value);
		rc = plan_set_item(t->path, t->text, t->len, &t->doc, parts.v, q, &e, err);
	} else if (empty_means_remove(k, value)) {
		/* vnc.display goes with its mapping */
		rc = plan_remove(t->path, t->text, t->len, &t->doc, parts.v,
				 k->sec == SEC_VNC && k->type == VT_INT ? 1 : parts.n, &e, err);
	} else {
		q = yaml_quote(value);
		rc = plan_set(t->path, t->text, t->len, &t->doc, parts.v, parts.n, q, &e, err);
	}
	if (rc == 0)
		rc = etext_apply(t, &e, 1, err);
	free(e.with);
	free(q);
	strv_free(&parts);
	return rc;
}

static const yaml_node_t *etext_root(struct etext *t)
{
	const yaml_node_t *root = yaml_document_get_root_node(&t->doc);

	return root && root->type == YAML_MAPPING_NODE ? root : NULL;
}

/* Item 0 of list, or NULL when the list is missing, empty or null. */
static const yaml_node_t *first_item(struct etext *t, const char *list)
{
	const yaml_node_t *seq = map_get(&t->doc, etext_root(t), list, NULL);

	if (!seq || seq->type != YAML_SEQUENCE_NODE || seq->data.sequence.items.top == seq->data.sequence.items.start)
		return NULL;
	return yaml_document_get_node(&t->doc, seq->data.sequence.items.start[0]);
}

/* "- KIND: VALUE" and the with pairs, as lines of a block list indented by indent. */
static char *item_lines(size_t indent, const char *kind, const char *vtext, const char *const *with)
{
	struct sbuf b = { 0 };

	sbuf_printf(&b, "%*s- %s: %s\n", (int)indent, "", kind, vtext);
	for (size_t i = 0; with && with[i] && with[i + 1]; i += 2) {
		char *q = yaml_quote(with[i + 1]);

		sbuf_printf(&b, "%*s  %s: %s\n", (int)indent, "", with[i], q);
		free(q);
	}
	return sbuf_take(&b);
}

/*
 * A list with one item where there is none: "list:" added at the end of the
 * file, or an empty "list: []" (or "list:") given its item on the lines after
 * it, so a comment on that line stays where it is.
 */
static int plan_new_list(struct etext *t, const char *list, const char *kind, const char *vtext,
			 const char *const *with, struct edit e[2], size_t *n, char **err)
{
	const yaml_node_t *root = etext_root(t), *kn = NULL, *v = map_get(&t->doc, root, list, &kn);
	char *lines;

	if (root == NULL || root->data.mapping.pairs.top == root->data.mapping.pairs.start)
		return err_set(err, "%s: the file is not a mapping of keys", t->path);
	if (v == NULL) {
		char *val;

		lines = item_lines(map_indent(&t->doc, root) + 2, kind, vtext, with);
		lines[strlen(lines) - 1] = '\0';	/* edit_add_to_map ends the line */
		val = xasprintf("\n%s", lines);
		edit_add_to_map(t->text, t->len, &t->doc, root, list, val, &e[0]);
		free(val);
		free(lines);
		*n = 1;
		return 0;
	}
	if (!is_null(v) && v->type != YAML_SEQUENCE_NODE)
		return err_set(err, "%s:%zu:%zu: %s is not a list", t->path, v->start_mark.line + 1,
			       v->start_mark.column + 1, list);
	/* " []" goes; the item lines follow the key's line */
	e[0].at = mark_offset(t->text, t->len, v->start_mark);
	e[0].del = is_null(v) ? 0 : mark_offset(t->text, t->len, v->end_mark) - e[0].at;
	for (; !is_null(v) && e[0].at > 0 && t->text[e[0].at - 1] == ' '; e[0].at--)
		e[0].del++;
	e[0].with = xstrdup("");
	e[1].at = after_node(t->text, t->len, &t->doc, is_null(v) ? kn : v);
	lines = item_lines(kn->start_mark.column + 2, kind, vtext, with);
	e[1].del = 0;
	e[1].with = xasprintf("%s%s", e[1].at > 0 && t->text[e[1].at - 1] != '\n' ? "\n" : "", lines);
	free(lines);
	*n = 2;
	return 0;
}

/* The end of a value node in the text; a block scalar's end (the next line's start) stays before its newline. */
static size_t value_end(const char *text, size_t len, const yaml_node_t *v)
{
	size_t end = mark_offset(text, len, v->end_mark);

	while (v->end_mark.column == 0 && end > 0 && text[end - 1] == '\n')
		end--;
	return end;
}

/*
 * Item 0 becomes KIND: VALUE: its kind key and value are replaced where they
 * are (its other keys and the comments stay). *changed tells whether it names
 * another volume or network than before.
 */
static int plan_item_kind(struct etext *t, const struct item_kinds *ik, const yaml_node_t *item, const char *kind,
			  const char *value, const char *vtext, struct edit *e, bool *changed, char **err)
{
	const yaml_node_t *kn = NULL, *v = NULL;
	const char *old = NULL;

	if (item->type != YAML_MAPPING_NODE || item->data.mapping.pairs.top == item->data.mapping.pairs.start)
		return err_set(err, "%s:%zu:%zu: %s[0] is not a mapping of keys", t->path, item->start_mark.line + 1,
			       item->start_mark.column + 1, ik->list);
	for (size_t i = 0; i < 2 && !v; i++)
		if ((v = map_get(&t->doc, item, ik->kinds[i], &kn)) != NULL)
			old = ik->kinds[i];
	if (v == NULL) {
		*changed = true;
		edit_add_to_map(t->text, t->len, &t->doc, item, kind, vtext, e);
		return 0;
	}
	*changed = strcmp(old, kind) != 0 || (value && (!scalar(v) || strcmp(scalar(v), value) != 0));
	e->at = mark_offset(t->text, t->len, kn->start_mark);
	e->del = value_end(t->text, t->len, v) - e->at;
	e->with = xasprintf("%s: %s", kind, vtext);
	return 0;
}

/* Keys that described the old volume (a disk's format and size) go when the volume changes. */
static int plan_drop_volume_keys(struct etext *t, const struct item_kinds *ik, struct edit e[2], size_t *n,
				 char **err)
{
	const yaml_node_t *item = first_item(t, ik->list);

	*n = 0;
	for (size_t i = 0; i < 2 && ik->volume_keys[i]; i++) {
		const yaml_node_t *kn = NULL, *v = map_get(&t->doc, item, ik->volume_keys[i], &kn);

		if (v && edit_remove(t->path, t->text, t->len, &t->doc, kn, v, ik->volume_keys[i], &e[(*n)++], err) < 0)
			return -1;
	}
	return 0;
}

/* The with pairs set on item 0 one by one, each replaced where it is or added to the item. */
static int set_with_keys(struct etext *t, const char *list, const char *const *with, char **err)
{
	for (size_t i = 0; with && with[i] && with[i + 1]; i += 2) {
		char *parts[3] = { (char *)list, (char *)"0", (char *)with[i] }, *q = yaml_quote(with[i + 1]);
		struct edit e = { 0 };
		int rc = plan_set_item(t->path, t->text, t->len, &t->doc, parts, q, &e, err);

		free(q);
		if (rc < 0 || etext_apply(t, &e, 1, err) < 0) {
			free(e.with);
			return -1;
		}
	}
	return 0;
}

/* Every step of vmdef_set_item_kind on the text in memory; the caller validates and writes. */
static int item_kind_edit(struct etext *t, const struct item_kinds *ik, const char *kind, const char *value,
			  const char *const *with, char **err)
{
	char *vtext = strcmp(kind, "user") == 0 ? xstrdup("{}") : yaml_quote(value);
	const yaml_node_t *item = first_item(t, ik->list);
	struct edit e[2] = { { 0 } };
	size_t n = 1;
	bool changed = false, new_list = item == NULL;	/* a new item has its with pairs already */
	int rc;

	if (new_list)
		rc = plan_new_list(t, ik->list, kind, vtext, with, e, &n, err);
	else
		rc = plan_item_kind(t, ik, item, kind, value, vtext, &e[0], &changed, err);
	free(vtext);
	if (rc == 0)
		rc = etext_apply(t, e, n, err);
	if (rc == 0 && changed && (rc = plan_drop_volume_keys(t, ik, e, &n, err)) == 0 && n > 0)
		rc = etext_apply(t, e, n, err);
	if (rc == 0 && !new_list)
		rc = set_with_keys(t, ik->list, with, err);
	for (size_t i = 0; i < 2; i++)
		free(e[i].with);
	return rc;
}

static int check_item_kind(const struct item_kinds *ik, const char *list, const char *kind, const char *value,
			   char **err)
{
	if (ik == NULL)
		return err_set(err, "%s: not a list whose items have a kind (disks or nics)", list);
	if (kind && strcmp(kind, ik->kinds[0]) != 0 && strcmp(kind, ik->kinds[1]) != 0)
		return err_set(err, "%s: an item is %s or %s, not \"%s\"", list, ik->kinds[0], ik->kinds[1], kind);
	if (kind && strcmp(kind, "user") != 0 && (value == NULL || value[0] == '\0'))
		return err_set(err, "%s.0.%s: needs a value", list, kind);
	return 0;
}

/* What item 0 of LIST is, in the text being edited (see vmdef_set_item_kind). */
static int item_kind_in(struct etext *t, const char *list, const char *kind, const char *value,
			const char *const *with, char **err)
{
	const struct item_kinds *ik = item_kinds_of(list);
	struct edit e = { 0 };
	char *parts[1] = { (char *)list };
	int rc;

	if (check_item_kind(ik, list, kind, value, err) < 0)
		return -1;
	if (kind != NULL)
		return item_kind_edit(t, ik, kind, value, with, err);
	/* the definition only: the volumes and files it named are never touched here */
	rc = plan_remove(t->path, t->text, t->len, &t->doc, parts, 1, &e, err);
	rc = rc == 0 ? etext_apply(t, &e, 1, err) : rc;
	free(e.with);
	return rc;
}

static int item_add_in(struct etext *t, const struct item_kinds *ik, const char *kind, const char *value,
		       const char *const *with, char **err);

static int change_in(struct etext *t, const struct vmdef_change *c, char **err)
{
	const struct item_kinds *ik = c->add ? item_kinds_of(c->list) : NULL;

	if (c->add && check_item_kind(ik, c->list, c->kind, c->value, err) < 0)
		return -1;
	if (c->add && c->kind == NULL)
		return err_set(err, "%s: a new item needs a kind", c->list);
	if (c->add)
		return item_add_in(t, ik, c->kind, c->value, c->with, err);
	return c->list ? item_kind_in(t, c->list, c->kind, c->value, c->with, err)
		       : set_key_in(t, c->key, c->value, err);
}

/*
 * Every change is made to the text in memory; the file is written once, by
 * temporary file, fsync and rename, and only when the whole result loads.
 * A refusal is blamed on the first change after which the text no longer
 * loads (a later change may mend an earlier one, e.g. a listen address and
 * its password).
 */
int vmdef_apply_changes(const char *path, const struct vmdef_change *c, size_t n, size_t *bad, char **err)
{
	struct etext t = { .path = path };
	size_t first_bad = n;
	char *why = NULL;
	int rc = 0;

	*bad = 0;
	if ((t.text = file_read(path, &t.len, err)) == NULL)
		return -1;
	rc = etext_parse(&t, err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if ((rc = change_in(&t, &c[i], err)) < 0)
			*bad = i;
		else if (first_bad == n && validate_text(path, t.text, t.len, &why) < 0)
			first_bad = i;
		free(why);
		why = NULL;
	}
	if (rc == 0 && (rc = validate_text(path, t.text, t.len, err)) < 0)
		*bad = first_bad < n ? first_bad : (n ? n - 1 : 0);
	if (rc == 0)
		rc = write_keeping_mode(path, t.text, t.len, err);
	if (t.parsed)
		yaml_document_delete(&t.doc);
	free(t.text);
	return rc;
}

int vmdef_set_key(const char *path, const char *key, const char *value, char **err)
{
	struct vmdef_change c = { .key = key, .value = value };
	size_t bad;

	return vmdef_apply_changes(path, &c, 1, &bad, err);
}

int vmdef_set_item_kind(const char *path, const char *list, const char *kind, const char *value,
			const char *const *with, char **err)
{
	struct vmdef_change c = { .list = list, .kind = kind, .value = value, .with = with };
	size_t bad;

	return vmdef_apply_changes(path, &c, 1, &bad, err);
}

/* A new last item of a block list, "- KIND: VALUE" lines at the column of the list's dashes. */
static void plan_append_block(struct etext *t, const yaml_node_t *seq, const char *kind, const char *vtext,
			      const char *const *with, struct edit *e)
{
	size_t at = after_node(t->text, t->len, &t->doc, seq);
	char *lines = item_lines(seq->start_mark.column, kind, vtext, with);

	e->at = at;
	e->del = 0;
	e->with = xasprintf("%s%s", at > 0 && t->text[at - 1] != '\n' ? "\n" : "", lines);
	free(lines);
}

/* A new last item of a flow list: ", {KIND: VALUE, ...}" just inside its "]". */
static int plan_append_flow(struct etext *t, const yaml_node_t *seq, const char *kind, const char *vtext,
			    const char *const *with, struct edit *e, char **err)
{
	size_t end = mark_offset(t->text, t->len, seq->end_mark);
	struct sbuf b = { 0 };

	if (end == 0 || t->text[end - 1] != ']')
		return err_set(err, "%s:%zu:%zu: cannot add to this list", t->path, seq->start_mark.line + 1,
			       seq->start_mark.column + 1);
	sbuf_printf(&b, ", {%s: %s", kind, vtext);
	for (size_t i = 0; with && with[i] && with[i + 1]; i += 2) {
		char *q = yaml_quote(with[i + 1]);

		sbuf_printf(&b, ", %s: %s", with[i], q);
		free(q);
	}
	sbuf_add(&b, "}");
	e->at = end - 1;
	e->del = 0;
	e->with = sbuf_take(&b);
	return 0;
}

static int item_add_in(struct etext *t, const struct item_kinds *ik, const char *kind, const char *value,
		       const char *const *with, char **err)
{
	char *vtext = strcmp(kind, "user") == 0 ? xstrdup("{}") : yaml_quote(value);
	const yaml_node_t *seq = map_get(&t->doc, etext_root(t), ik->list, NULL);
	struct edit e[2] = { { 0 } };
	size_t n = 1;
	int rc = 0;

	if (first_item(t, ik->list) == NULL)
		rc = plan_new_list(t, ik->list, kind, vtext, with, e, &n, err);
	else if (seq->data.sequence.style == YAML_FLOW_SEQUENCE_STYLE)
		rc = plan_append_flow(t, seq, kind, vtext, with, &e[0], err);
	else
		plan_append_block(t, seq, kind, vtext, with, &e[0]);
	free(vtext);
	if (rc == 0)
		return etext_apply(t, e, n, err);
	for (size_t i = 0; i < 2; i++)
		free(e[i].with);
	return rc;
}

int vmdef_add_item(const char *path, const char *list, const char *kind, const char *value,
		   const char *const *with, char **err)
{
	struct vmdef_change c = { .list = list, .kind = kind, .value = value, .with = with, .add = true };
	size_t bad;

	return vmdef_apply_changes(path, &c, 1, &bad, err);
}

/* ---- building a definition in memory ---- */

void vmdef_init(struct vmdef *def, const char *name)
{
	memset(def, 0, sizeof *def);
	def->name = xstrdup(name);
	vmdef_defaults(def);
}

struct vm_disk *vmdef_add_disk(struct vmdef *def)
{
	def->disks = xrealloc(def->disks, (def->n_disks + 2) * sizeof *def->disks);
	memset(&def->disks[def->n_disks], 0, 2 * sizeof *def->disks);
	apply_defaults(SEC_DISK, &def->disks[def->n_disks]);
	return &def->disks[def->n_disks++];
}

struct vm_nic *vmdef_add_nic(struct vmdef *def)
{
	def->nics = xrealloc(def->nics, (def->n_nics + 2) * sizeof *def->nics);
	memset(&def->nics[def->n_nics], 0, 2 * sizeof *def->nics);
	apply_defaults(SEC_NIC, &def->nics[def->n_nics]);
	return &def->nics[def->n_nics++];
}

/* A stand-in node: values that come from a command line or a form have no place in a file. */
static yaml_node_t text_node(const char *value)
{
	yaml_node_t n;

	memset(&n, 0, sizeof n);
	n.type = YAML_SCALAR_NODE;
	n.data.scalar.value = (yaml_char_t *)(uintptr_t)value;
	n.data.scalar.length = strlen(value);
	n.data.scalar.style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;	/* never read as null */
	return n;
}

static int field_error(char **err, char *msg)
{
	/* verr without a file writes ":L:C: " first; a field has no position */
	char *colon = strstr(msg, ": ");

	err_set(err, "%s", colon ? colon + 2 : msg);
	free(msg);
	return -1;
}

int vmdef_set_field(struct vmdef *def, const char *key, const char *value, char **err)
{
	const char *dot = strchr(key, '.'), *name = dot ? dot + 1 : key;
	char *msg = NULL, *sec_name = dot ? xstrndup(key, (size_t)(dot - key)) : NULL;
	struct vload L = { .path = "", .def = def, .err = &msg };
	const struct vkey *sk = sec_name ? key_find(SEC_TOP, sec_name) : NULL;
	enum vsec sec = sk ? sk->sub : SEC_TOP;
	void *base = def;
	const struct vkey *k;
	yaml_node_t n = text_node(value);

	free(sec_name);
	if ((dot && (sk == NULL || sk->sub == SEC_NONE)) || (k = key_find(sec, name)) == NULL ||
	    k->type == VT_SEQ || k->type == VT_MAP || k->type == VT_STRLIST)
		return err_set(err, "%s: not a key that takes one value (see `vmdeck help yaml`)", key);
	if (sec == SEC_DISK && def->n_disks == 0)
		return err_set(err, "%s: no disk to set it on", key);
	if (sec == SEC_NIC && def->n_nics == 0)
		return err_set(err, "%s: no network card to set it on", key);
	if (sec == SEC_DISK)
		base = &def->disks[def->n_disks - 1];
	else if (sec == SEC_NIC)
		base = &def->nics[def->n_nics - 1];
	if (load_value(&L, k, base, &n, key) < 0)
		return field_error(err, msg);
	if (sec == SEC_VNC)
		def->vnc = true;
	return 0;
}

int vmdef_validate(struct vmdef *def, char **err)
{
	char *msg = NULL, *prefix;
	struct vload L = { .path = "", .def = def, .err = &msg };
	yaml_node_t n = text_node("");
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < def->n_disks; i++) {
		prefix = xasprintf("disks[%zu]", i);
		rc = check_section(&L, SEC_DISK, &def->disks[i], &n, prefix);
		free(prefix);
	}
	for (size_t i = 0; rc == 0 && i < def->n_nics; i++) {
		prefix = xasprintf("nics[%zu]", i);
		rc = check_section(&L, SEC_NIC, &def->nics[i], &n, prefix);
		free(prefix);
	}
	if (rc == 0 && def->vnc)
		rc = check_section(&L, SEC_VNC, def, &n, "vnc");
	if (rc == 0 && !name_valid(def->name ? def->name : ""))
		return err_set(err, "\"%s\" is not a valid guest name (letters, digits, '.', '_', '-'; at most 64)",
			       def->name ? def->name : "");
	if (rc == 0)
		return vmdef_check_vnc(def, err);
	return rc < 0 ? field_error(err, msg) : 0;
}
