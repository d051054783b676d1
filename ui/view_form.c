/*
 * view_form.c: the new-guest and edit forms; every keystroke re-checks the draft with the
 * definition schema.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "guest.h"
#include "guestedit.h"
#include "guestfile.h"
#include "hostinfo.h"
#include "storage.h"
#include "remote.h"
#include "ui.h"
#include "util.h"
#include "vm.h"
#include "vmstate.h"

enum fkind { F_TEXT, F_CHOICE, F_SECRET };

enum {
	FF_NAME,
	FF_TEMPLATE,
	FF_TPL_LINKED,
	FF_DESC,
	FF_MEMORY,
	FF_CPUS,
	FF_CPU,
	FF_MACHINE,
	FF_DISK_KIND,
	FF_DISK,
	FF_DISK_SIZE,
	FF_DISK_BUS,
	FF_NET,
	FF_NIC_MODEL,
	FF_AUTOSTART,
	FF_AS_ORDER,
	FF_AS_DELAY,
	FF_CDROM,
	FF_BOOT,
	FF_VNC_DISPLAY,
	FF_VNC_LISTEN,
	FF_VNC_PASSWORD,
	FF_RTC,
	FF_COUNT
};

enum { DK_NONE, DK_NEW_LV, DK_LV, DK_FILE };

static const char *const disk_kinds[] = { "none", "new LV", "existing LV", "image file", NULL };
/* In edit, a guest may have no card, or lose it: the last choice of Network. */
static const char net_none[] = "none";
static const char *const yes_no[] = { "false", "true", NULL };

struct field {
	const char *label;
	/* vmdef_set_key path when editing; NULL: the name, or the disk and NIC (edit_plan) */
	const char *key;
	enum fkind kind;
	const char *const *choices; /* F_CHOICE */
	const char *help;
	char value[256];
	char orig[256];             /* as loaded, for edits */
	bool ro;
};

static struct {
	struct dlg dlg;
	bool edit;
	struct field f[FF_COUNT];
	int cur;
	size_t cpos;               /* cursor in the current text field */
	int bad_field;             /* field the schema complains about, -1 */
	char *err;                 /* the complaint, NULL when the draft is valid */
	struct strv nets;          /* "user (NAT)" then the host's bridges (and "none" in edit) */
	struct strv templates;     /* new: "none" then the guests marked template: true */
	bool disk_touched;         /* the user typed a disk name: stop deriving it */
	char proposed[9];          /* a VNC password we proposed, shown while the field holds it */
	/* edit: the file says vnc.allow_no_password: true (no field; kept) */
	bool allow_open_vnc;
	int top;
} fv;

/*
 * A new guest on another host (remote.c fetched its `vmdeck hostinfo`): that
 * host's bridges, storage, free VNC display and taken names; its own
 * `vmdeck new` makes it and checks what only it can (ISO, volumes, ports).
 */
static struct {
	char host[64];          /* "" for this host */
	char vg[128], file_dir[1024];
	struct config cfg;      /* ours, with that host's storage: the derived disk name */
	struct strv taken;
	char help_cd[256];      /* "that host's ISOs: a.iso, b.iso" */
	char help_vnc[128];     /* "... free there: 3" */
} fr;

/*
 * An edit on another host whose guest has a VNC password: the field holds this stand-in (it
 * cannot be typed, shows as 8 stars) and the password itself never comes here. Untouched, it is
 * not sent; the first key typed in the field replaces it, Backspace removes the password.
 */
static const struct config *fv_cfg; /* the console's, for remote_info */

static const char pw_kept[] = "\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f";

static const struct field field_defs[FF_COUNT] = {
	[FF_NAME] = { "Name", NULL, F_TEXT, NULL,
		      "letters, digits, . _ - (the file is vms.d/NAME.yaml)" },
	[FF_TEMPLATE] = { "From template", NULL, F_CHOICE, NULL,
			  "none, or a template: the new guest is its clone (vmdeck clone), the "
			  "fields below unused" },
	[FF_TPL_LINKED] = { "  linked", NULL, F_CHOICE, NULL,
			    "no: its disks copied; yes: qcow2 overlays on the template's disks "
			    "(made at once)" },
	[FF_DESC] = { "Description", "description", F_TEXT, NULL, "free text" },
	[FF_MEMORY] = { "Memory", "memory", F_TEXT, NULL, "with M or G, e.g. 512M, 2G" },
	[FF_CPUS] = { "CPUs", "cpus", F_TEXT, NULL, "number of vCPUs" },
	[FF_CPU] = { "CPU model", "cpu", F_TEXT, NULL,
		     "QEMU -cpu model: qemu64, host, kvm64, ..." },
	[FF_MACHINE] = { "Machine", "machine", F_CHOICE, NULL, "Left/Right or Space: pc or q35" },
	[FF_DISK_KIND] = { "Disk", NULL, F_CHOICE, disk_kinds,
			   "none, a new LV, an existing LV, or an image file" },
	[FF_DISK] = { "  volume/file", NULL, F_TEXT, NULL, "VG/LV, or the image file's path" },
	[FF_DISK_SIZE] = { "  size", NULL, F_TEXT, NULL,
			   "size of a new volume or file, e.g. 20G; an image file without one is "
			   "used as it is" },
	[FF_DISK_BUS] = { "  bus", NULL, F_CHOICE, NULL,
			  "ide for old Windows, virtio when it has drivers" },
	[FF_NET] = { "Network", NULL, F_CHOICE, NULL, "user (NAT) or one of this host's bridges" },
	[FF_NIC_MODEL] = { "  NIC model", NULL, F_CHOICE, NULL, "e1000 works everywhere" },
	[FF_CDROM] = { "CD image", "cdrom", F_TEXT, NULL, "path of an ISO, empty for none" },
	[FF_BOOT] = { "Boot from", "boot", F_CHOICE, NULL, "disk or cdrom" },
	[FF_VNC_DISPLAY] = { "VNC display", "vnc.display", F_TEXT, NULL,
			     "port 5900+N; empty for no VNC" },
	[FF_VNC_LISTEN] = { "  listen", "vnc.listen", F_TEXT, NULL,
			    "address: 0.0.0.0 for all, 127.0.0.1 local" },
	[FF_VNC_PASSWORD] = { "  password", "vnc.password", F_SECRET, NULL,
			      "up to 8 characters; empty for none" },
	[FF_RTC] = { "RTC", "rtc", F_CHOICE, NULL, "localtime for Windows guests" },
	[FF_AUTOSTART] = { "Autostart", "autostart", F_CHOICE, yes_no,
			   "start with the host (vmdeck.service at boot)" },
	[FF_AS_ORDER] = { "  group", "autostart_order", F_TEXT, NULL,
			  "lower groups start first, equal ones together" },
	[FF_AS_DELAY] = { "  then wait", "autostart_delay", F_TEXT, NULL,
			  "seconds before the next group starts" },
};

static void set(int i, const char *v)
{
	snprintf(fv.f[i].value, sizeof fv.f[i].value, "%s", v ? v : "");
}

static const char *val(int i)
{
	return fv.f[i].value;
}

/* The choice fields whose values are the definition schema's (the others list their own). */
static const struct {
	int field;
	const char *path;
} choice_fields[] = {
	{ FF_MACHINE, "machine" },
	{ FF_DISK_BUS, "disks.interface" },
	{ FF_NIC_MODEL, "nics.model" },
	{ FF_BOOT, "boot" },
	{ FF_RTC, "rtc" },
};

static const char *const no_yes[] = { "no", "yes", NULL };

static const char *const *choices_of(int i)
{
	if (i == FF_NET)
		return (const char *const *)fv.nets.v;
	if (i == FF_TEMPLATE)
		return (const char *const *)fv.templates.v;
	if (i == FF_TPL_LINKED)
		return no_yes;
	for (size_t k = 0; k < ARRAY_LEN(choice_fields); k++)
		if (choice_fields[k].field == i)
			return vmdef_choices(choice_fields[k].path);
	return fv.f[i].choices;
}

static int disk_kind(void)
{
	for (int k = 0; disk_kinds[k]; k++)
		if (strcmp(val(FF_DISK_KIND), disk_kinds[k]) == 0)
			return k;
	return DK_NONE;
}

/* A new guest cloned from a template: only its name, the template and linked apply. */
static bool templates_offered(void)
{
	/* this host's templates, for this host */
	return !fv.edit && !fr.host[0] && fv.templates.n > 1;
}

static bool from_template(void)
{
	return templates_offered() && strcmp(val(FF_TEMPLATE), "none") != 0;
}

/* Fields that do not apply are skipped (no disk: no size or bus; no VNC: no listen or password). */
static bool field_shown(int i)
{
	int dk = disk_kind();

	if (i == FF_TEMPLATE)
		return templates_offered();
	if (i == FF_TPL_LINKED || from_template())
		return i == FF_NAME || (i == FF_TPL_LINKED && from_template());

	if (i == FF_DISK || i == FF_DISK_BUS)
		return dk != DK_NONE;
	if (i == FF_DISK_SIZE)
		return dk == DK_NEW_LV || dk == DK_FILE;
	if (i == FF_NIC_MODEL)
		return strcmp(val(FF_NET), net_none) != 0;
	if (i == FF_VNC_LISTEN || i == FF_VNC_PASSWORD)
		return *val(FF_VNC_DISPLAY) != 0;
	if (i == FF_AS_ORDER || i == FF_AS_DELAY)
		return strcmp(val(FF_AUTOSTART), "true") == 0;
	return true;
}

static bool changed(int i);

/* ---- validation: the schema, field by field (vmdef_set_field), then across keys ---- */

static void complain(int field, char *msg)
{
	free(fv.err);
	fv.err = msg;
	fv.bad_field = field;
}

/* Sets one key through the schema; a refusal is pinned on the field that holds the value. */
static bool put(struct vmdef *d, int field, const char *key, const char *v)
{
	char *err = NULL;

	if (vmdef_set_field(d, key, v, &err) == 0)
		return true;
	complain(field, err);
	return false;
}

static bool build_disk(struct vmdef *d)
{
	int dk = disk_kind();

	if (dk == DK_NONE)
		return true;
	vmdef_add_disk(d);
	return put(d, FF_DISK, dk == DK_FILE ? "disks.file" : "disks.lv", val(FF_DISK)) &&
	       put(d, FF_DISK_BUS, "disks.interface", val(FF_DISK_BUS)) &&
	       (!*val(FF_DISK_SIZE) || (dk != DK_NEW_LV && dk != DK_FILE) ||
		put(d, FF_DISK_SIZE, "disks.size", val(FF_DISK_SIZE)));
}

static bool build_nic(struct vmdef *d)
{
	struct vm_nic *n;

	if (strcmp(val(FF_NET), net_none) == 0)
		return true;
	n = vmdef_add_nic(d);
	if (strcmp(val(FF_NET), fv.nets.v[0]) == 0)
		n->user = true;
	else if (!put(d, FF_NET, "nics.bridge", val(FF_NET)))
		return false;
	return put(d, FF_NIC_MODEL, "nics.model", val(FF_NIC_MODEL));
}

static bool build_vnc(struct vmdef *d)
{
	if (!*val(FF_VNC_DISPLAY))
		return true;
	d->vnc_allow_no_password = fv.allow_open_vnc;
	return put(d, FF_VNC_DISPLAY, "vnc.display", val(FF_VNC_DISPLAY)) &&
	       (!*val(FF_VNC_LISTEN) || put(d, FF_VNC_LISTEN, "vnc.listen", val(FF_VNC_LISTEN))) &&
	       (!*val(FF_VNC_PASSWORD) ||
		put(d, FF_VNC_PASSWORD, "vnc.password", val(FF_VNC_PASSWORD)));
}

/* Top-level keys that hold one value each, in form order. */
static const struct {
	int field;
	const char *key;
} scalar_keys[] = {
	{ FF_DESC, "description" }, { FF_MEMORY, "memory" }, { FF_CPUS, "cpus" }, { FF_CPU, "cpu" },
	{ FF_MACHINE, "machine" },  { FF_BOOT, "boot" },     { FF_RTC, "rtc" },
	{ FF_AUTOSTART, "autostart" }, { FF_AS_ORDER, "autostart_order" },
	{ FF_AS_DELAY, "autostart_delay" },
};

/* A definition from the fields, or false with the first complaint set. */
static bool build(struct vmdef *d)
{
	char *err = NULL;

	vmdef_init(d, val(FF_NAME));
	if (!name_valid(val(FF_NAME))) {
		complain(
			FF_NAME,
			xstrdup("name: up to 64 letters, digits, '.', '_' or '-', first a letter "
			        "or digit"));
		return false;
	}
	for (size_t i = 0; i < ARRAY_LEN(scalar_keys); i++)
		if (!put(d, scalar_keys[i].field, scalar_keys[i].key, val(scalar_keys[i].field)))
			return false;
	if (*val(FF_CDROM) && !put(d, FF_CDROM, "cdrom", val(FF_CDROM)))
		return false;
	if (!build_disk(d) || !build_nic(d) || !build_vnc(d))
		return false;
	if (vmdef_validate(d, &err) < 0) {
		complain(strncmp(err, "disks", 5) == 0	       ? FF_DISK
			 : strncmp(err, "nics", 4) == 0	       ? FF_NET
			 : strncmp(err, "vnc.listen", 10) == 0 ? FF_VNC_PASSWORD
			 : strncmp(err, "vnc", 3) == 0	       ? FF_VNC_DISPLAY
							       : -1,
			 err);
		return false;
	}
	return true;
}

/*
 * The display and listen address: free of other definitions and listeners, an address of this host.
 */
static bool vnc_free(struct ui *ui)
{
	const char *listen = *val(FF_VNC_LISTEN) ? val(FF_VNC_LISTEN) : NULL;
	char *who, *err = NULL;

	if (fv.edit && !changed(FF_VNC_DISPLAY) && !changed(FF_VNC_LISTEN))
		return true; /* as it was: a running guest's own listener is not another's */
	if (listen && guest_listen_check(listen, &err) < 0) {
		complain(FF_VNC_LISTEN, err);
		return false;
	}
	/* the display as it was, on a new address: other definitions may hold it there; its own
	 * running VNC server is no listener of another's */
	if (fv.edit && !changed(FF_VNC_DISPLAY))
		who = guest_vnc_display_def_user(ui->defs, ui->n_local, val(FF_NAME),
						 atoi(val(FF_VNC_DISPLAY)), listen);
	else
		who = guest_vnc_display_user(ui->defs, ui->n_local, fv.edit ? val(FF_NAME) : NULL,
					     atoi(val(FF_VNC_DISPLAY)), listen);
	if (who == NULL)
		return true;
	complain(FF_VNC_DISPLAY, xasprintf("display %s is used by %s", val(FF_VNC_DISPLAY), who));
	free(who);
	return false;
}

/* What only this host can tell: names, volumes and ports already in use. */
/*
 * A CD typed (or changed) is looked up as a start would: a bare name in iso_dirs, else the path
 * itself.
 */
static bool cd_found(struct ui *ui)
{
	char *err = NULL, *path;

	if (!*val(FF_CDROM) || strcmp(fv.f[FF_CDROM].value, fv.f[FF_CDROM].orig) == 0)
		return true;
	if ((path = vm_iso_resolve(ui->cfg, val(FF_CDROM), &err)) == NULL) {
		complain(FF_CDROM, err);
		return false;
	}
	free(path);
	return true;
}

/* Another host's new guest: what this side can know; its `vmdeck new` checks the rest. */
static bool remote_checks(void)
{
	for (size_t i = 0; !fv.edit && i < fr.taken.n; i++)
		if (strcmp(fr.taken.v[i], val(FF_NAME)) == 0) {
			complain(FF_NAME, xasprintf("%s has a guest named %s already", fr.host,
						    val(FF_NAME)));
			return false;
		}
	if (disk_kind() == DK_NEW_LV && !*val(FF_DISK_SIZE)) {
		complain(FF_DISK_SIZE, xstrdup("a new volume needs a size"));
		return false;
	}
	return true;
}

static bool host_checks(struct ui *ui)
{
	if (fr.host[0])
		return remote_checks();
	if (!fv.edit && ui_guest_index(ui, val(FF_NAME)) >= 0) {
		complain(FF_NAME, xasprintf("a guest named %s exists already", val(FF_NAME)));
		return false;
	}
	if (disk_kind() == DK_NEW_LV && !*val(FF_DISK_SIZE)) {
		complain(FF_DISK_SIZE, xstrdup("a new volume needs a size"));
		return false;
	}
	if (disk_kind() == DK_FILE && *val(FF_DISK_SIZE) && access(val(FF_DISK), F_OK) == 0) {
		complain(FF_DISK,
			 xasprintf("%s exists: empty the size to use it as it is", val(FF_DISK)));
		return false;
	}
	if (!cd_found(ui))
		return false;
	return !*val(FF_VNC_DISPLAY) || vnc_free(ui);
}

/*
 * Re-checks everything; true when the guest would pass `vmdeck check`. parsed (may be NULL) gets
 * it.
 */
/*
 * A clone's name: the rule, and not taken (the rest is the template's, checked by `vmdeck clone`).
 */
static bool template_validate(struct ui *ui)
{
	if (!name_valid(val(FF_NAME)))
		complain(FF_NAME,
			 xstrdup("Name: letters, digits, '.', '_', '-'; a letter or digit first"));
	else if (ui_guest_index(ui, val(FF_NAME)) >= 0)
		complain(FF_NAME, xasprintf("Name: %s exists", val(FF_NAME)));
	return fv.err == NULL;
}

static bool form_validate(struct ui *ui, struct vmdef *parsed)
{
	struct vmdef d;
	bool ok;

	complain(-1, NULL);
	if (from_template())
		return template_validate(ui);
	ok = build(&d) && host_checks(ui);
	if (ok && parsed)
		*parsed = d;
	else
		vmdef_free(&d);
	return ok;
}

/* ---- opening ---- */

static void form_reset(struct ui *ui)
{
	memcpy(fv.f, field_defs, sizeof fv.f);
	strv_free(&fv.nets);
	strv_add(&fv.nets, "user (NAT)");
	strv_free(&fv.templates);
	strv_add(&fv.templates, "none");
	for (size_t i = 0; i < ui->n; i++)
		if (!ui->defs[i].error && ui->defs[i].template)
			strv_add(&fv.templates, ui->defs[i].name);
	hostinfo_bridges(&fv.nets);
	fv.cur = 0;
	fv.top = 0;
	fv.disk_touched = false;
	fv.allow_open_vnc = false;
	explicit_bzero(fv.proposed, sizeof fv.proposed);
	complain(-1, NULL);
}

/* 8 characters (the VNC limit) from letters and digits that cannot be misread (no 0/O, 1/l/I). */
static void random_password(char out[9])
{
	static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	const unsigned n = sizeof alphabet - 1, limit = 256 / n * n;
	unsigned char b;
	int i = 0;

	while (i < 8) {
		if (getrandom(&b, 1, 0) != 1)
			continue;
		if (b < limit) /* no modulo bias */
			out[i++] = alphabet[b % n];
	}
	out[8] = 0;
}

static bool proposal_shown(void)
{
	return fv.proposed[0] && strcmp(fv.proposed, val(FF_VNC_PASSWORD)) == 0;
}

/*
 * A listen address other than loopback opens the screen to the network: a
 * random password goes into the empty password field at once and is shown
 * in clear (the field itself shows stars) while the field holds it; one per
 * form, so typing an address never shows several. Back on loopback, the
 * untouched proposal is taken back.
 */
static void propose_password(void)
{
	const char *listen = *val(FF_VNC_LISTEN) ? val(FF_VNC_LISTEN) : NULL;

	if (!*val(FF_VNC_DISPLAY) || fv.allow_open_vnc)
		return;
	if (vmdef_vnc_loopback(listen)) {
		if (proposal_shown())
			set(FF_VNC_PASSWORD, "");
		return;
	}
	if (*val(FF_VNC_PASSWORD))
		return;
	if (!fv.proposed[0])
		random_password(fv.proposed);
	set(FF_VNC_PASSWORD, fv.proposed);
}

static const char *first_choice(int i, const char *want)
{
	const char *const *c = choices_of(i);

	for (int k = 0; c && c[k]; k++)
		if (want && strcmp(c[k], want) == 0)
			return c[k];
	return c ? c[0] : "";
}

static void new_defaults(struct ui *ui, int d, bool has_vg)
{
	char disp[16] = "";

	fv.edit = false;
	set(FF_TEMPLATE, "none");
	set(FF_TPL_LINKED, "no");
	/* what a new guest gets is what the schema gives a definition that leaves a key out */
	set(FF_MEMORY, vmdef_default("memory"));
	set(FF_CPUS, vmdef_default("cpus"));
	set(FF_CPU, vmdef_default("cpu"));
	set(FF_MACHINE, vmdef_default("machine"));
	set(FF_DISK_KIND, has_vg ? "new LV" : "none");
	set(FF_DISK_SIZE, "20G");
	set(FF_DISK_BUS, vmdef_default("disks.interface"));
	set(FF_NET, first_choice(FF_NET, fv.nets.n > 1 ? fv.nets.v[1] : NULL));
	set(FF_NIC_MODEL, vmdef_default("nics.model"));
	set(FF_BOOT, vmdef_default("boot"));
	if (d >= 0)
		snprintf(disp, sizeof disp, "%d", d);
	set(FF_VNC_DISPLAY, disp);
	set(FF_VNC_LISTEN, vmdef_default("vnc.listen"));
	set(FF_RTC, vmdef_default("rtc"));
	set(FF_AUTOSTART, vmdef_default("autostart"));
	set(FF_AS_ORDER, vmdef_default("autostart_order"));
	set(FF_AS_DELAY, vmdef_default("autostart_delay"));
	ui_push(ui, &view_form);
}

void form_open_new(struct ui *ui)
{
	struct vmdef probe;
	int d;

	fr.host[0] = '\0';
	vmdef_init(&probe, "");
	/* as `vmdeck new` picks: the files now, not the table's copy */
	d = guest_vnc_pick(ui->cfg, &probe, NULL);
	vmdef_free(&probe);
	form_reset(ui);
	new_defaults(ui, d, ui->cfg->vg && *ui->cfg->vg);
}

/* That host's storage, taken names, bridges and ISOs from its `vmdeck hostinfo --json`. */
static void remote_info(const char *host, const json_t *info)
{
	const char *vg = json_string_value(json_object_get(info, "vg"));
	const char *dir = json_string_value(json_object_get(info, "file_dir"));
	json_int_t d = json_integer_value(json_object_get(info, "free_vnc_display"));
	size_t i, at;
	json_t *x;

	snprintf(fr.host, sizeof fr.host, "%s", host);
	snprintf(fr.vg, sizeof fr.vg, "%s", vg ? vg : "");
	snprintf(fr.file_dir, sizeof fr.file_dir, "%s", dir ? dir : "");
	fr.cfg = *fv_cfg;
	fr.cfg.vg = fr.vg;
	fr.cfg.file_dir = fr.file_dir;
	strv_free(&fr.taken);
	json_array_foreach(json_object_get(info, "guests"), i, x)
		if (json_is_string(x))
			strv_add(&fr.taken, json_string_value(x));
	strv_free(&fv.nets);
	strv_add(&fv.nets, "user (NAT)");
	json_array_foreach(json_object_get(info, "bridges"), i, x)
		if (json_is_string(x))
			strv_add(&fv.nets, json_string_value(x));
	at = (size_t)snprintf(fr.help_cd, sizeof fr.help_cd, "ISO name or path on %s:", host);
	json_array_foreach(json_object_get(info, "iso"), i, x) {
		const char *n = json_string_value(json_object_get(x, "name"));

		if (n && at < sizeof fr.help_cd)
			at += (size_t)snprintf(fr.help_cd + at, sizeof fr.help_cd - at, "%s %s",
					       i ? "," : "", n);
	}
	snprintf(fr.help_vnc, sizeof fr.help_vnc, "port 5900+N; empty for no VNC; free on %s: %d",
		 host, (int)d);
}

void form_open_new_remote(struct ui *ui, const char *host, const json_t *info)
{
	const char *vg = json_string_value(json_object_get(info, "vg"));

	form_reset(ui);
	fv_cfg = ui->cfg;
	remote_info(host, info);
	new_defaults(ui, (int)json_integer_value(json_object_get(info, "free_vnc_display")),
		     vg && *vg);
}

static void fill_from_def(const struct vmdef *d)
{
	char num[32];

	set(FF_NAME, d->name);
	set(FF_DESC, d->description);
	size_human(d->memory, num, sizeof num);
	set(FF_MEMORY, num);
	snprintf(num, sizeof num, "%d", d->cpus);
	set(FF_CPUS, num);
	set(FF_CPU, d->cpu ? d->cpu : vmdef_default("cpu"));
	set(FF_MACHINE, first_choice(FF_MACHINE, d->machine));
	set(FF_DISK_KIND, d->n_disks == 0 ? "none" : d->disks[0].lv ? "existing LV" : "image file");
	if (d->n_disks)
		set(FF_DISK, d->disks[0].lv ? d->disks[0].lv : d->disks[0].file);
	set(FF_DISK_BUS,
	    d->n_disks ? disk_iface_name(d->disks[0].iface) : vmdef_default("disks.interface"));
	set(FF_NET, d->n_nics == 0	? net_none
		    : d->nics[0].bridge ? first_choice(FF_NET, d->nics[0].bridge)
					: fv.nets.v[0]);
	if (d->n_nics && d->nics[0].bridge && strcmp(val(FF_NET), d->nics[0].bridge) != 0) {
		/* a bridge not on this host still shows as it is */
		strv_add(&fv.nets, d->nics[0].bridge);
		set(FF_NET, d->nics[0].bridge);
	}
	set(FF_NIC_MODEL, first_choice(FF_NIC_MODEL, d->n_nics ? d->nics[0].model : NULL));
	set(FF_CDROM, d->cdrom);
	set(FF_BOOT, first_choice(FF_BOOT, d->boot));
	if (d->vnc) {
		snprintf(num, sizeof num, "%d", d->vnc_display);
		set(FF_VNC_DISPLAY, num);
		set(FF_VNC_LISTEN, d->vnc_listen);
		set(FF_VNC_PASSWORD, d->vnc_password);
		fv.allow_open_vnc = d->vnc_allow_no_password;
	}
	set(FF_RTC, first_choice(FF_RTC, d->rtc));
	set(FF_AUTOSTART, d->autostart ? "true" : "false");
	snprintf(num, sizeof num, "%d", d->autostart_order);
	set(FF_AS_ORDER, num);
	snprintf(num, sizeof num, "%d", d->autostart_delay);
	set(FF_AS_DELAY, num);
}

/* Both edits: the fields from d, as loaded; the name is the file's and stays. */
static void edit_start(struct ui *ui, const struct vmdef *d)
{
	fv.edit = true;
	strv_add(&fv.nets, net_none);
	fill_from_def(d);
	/* the first disk and NIC are planned by plan_disk and plan_nic, whatever their kind */
	for (int i = 0; i < FF_COUNT; i++) {
		memcpy(fv.f[i].orig, fv.f[i].value, sizeof fv.f[i].orig);
		fv.f[i].ro = i == FF_NAME;
	}
	fv.cur = FF_DESC;
	ui_push(ui, &view_form);
}

void form_open_edit(struct ui *ui)
{
	const struct vmdef *d = ui_guest(ui);

	if (d->error) {
		ui_status(ui, true, "%s: fix the file first: %s", d->name, d->error);
		return;
	}
	form_reset(ui);
	fr.host[0] = '\0';
	edit_start(ui, d);
}

static char *json_str_dup(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? xstrdup(v) : NULL;
}

/* The keys list leaves out, from show's "definition". */
static void definition_keys(struct vmdef *d, const json_t *def)
{
	free(d->description);
	d->description = json_str_dup(def, "description");
	d->cpu = json_str_dup(def, "cpu");
	d->machine = json_str_dup(def, "machine");
	d->boot = json_str_dup(def, "boot");
	d->rtc = json_str_dup(def, "rtc");
	d->autostart = json_is_true(json_object_get(def, "autostart"));
	d->autostart_order = (int)json_integer_value(json_object_get(def, "autostart_order"));
	d->autostart_delay = (int)json_integer_value(json_object_get(def, "autostart_delay"));
	d->vnc_allow_no_password = json_is_true(json_object_get(def, "vnc_allow_no_password"));
}

void form_open_edit_remote(struct ui *ui, const char *host, const json_t *info, const json_t *show)
{
	const json_t *def = json_object_get(show, "definition");
	struct vmdef d;
	struct vm_status st;

	if (!json_is_object(def)) {
		ui_status(ui, true, "%s on %s: fix the file there first: %s",
			  json_string_value(json_object_get(show, "name")), host,
			  json_string_value(json_object_get(show, "error"))
				  ? json_string_value(json_object_get(show, "error"))
				  : "its vmdeck gives no definition (too old?)");
		return;
	}
	hostlink_guest_model(show, &d, &st);
	definition_keys(&d, def);
	if (d.vnc_password) {
		free(d.vnc_password);
		d.vnc_password = xstrdup(pw_kept);
	}
	form_reset(ui);
	fv_cfg = ui->cfg;
	remote_info(host, info);
	edit_start(ui, &d);
	vmdef_free(&d);
	vmstate_status_clear(&st);
}

static void form_init(struct ui *ui)
{
	fv.cpos = strlen(val(fv.cur));
	form_validate(ui, NULL);
}

/* ---- drawing ---- */

static void draw_field(struct ui *ui, WINDOW *win, int y, int i, int w)
{
	const struct field *f = &fv.f[i];
	bool cur = i == fv.cur, bad = i == fv.bad_field;
	enum role r = f->ro ? R_DIALOG : bad ? R_INPUT_ERROR : R_INPUT;
	char shown[300];

	draw_text(win, y, 2, 16, cur ? R_DIALOG_TITLE : R_DIALOG, f->label);
	if (f->kind == F_SECRET) {
		size_t n = strlen(f->value);

		memset(shown, '*', n);
		shown[n] = 0;
	} else if (f->kind == F_CHOICE) {
		snprintf(shown, sizeof shown, f->ro ? "%s" : "< %s >", f->value);
	} else {
		snprintf(shown, sizeof shown, "%s", f->value);
	}
	draw_fill(win, y, 19, w - 21, f->ro ? R_DIALOG : r);
	draw_text(win, y, 19, w - 21, f->ro ? R_DIALOG : r, shown);
	if (cur && f->kind != F_CHOICE && !f->ro) {
		ui->cursor_y = getbegy(win) + y;
		ui->cursor_x = getbegx(win) + 19 + (int)fv.cpos;
	}
}

/*
 * The complaint, wrapped whole (it ends with the fix, e.g. "run: chmod 600 FILE"), above the help
 * lines.
 */
static void draw_complaint(WINDOW *win, int y, int w, int rows)
{
	const char *s = fv.err;
	int take;

	for (int row = 0; row < rows && *s; row++) {
		const char *next = wrap_row(s, w, &take);

		draw_fill(win, y + row, 2, w, R_INPUT_ERROR);
		draw_text(win, y + row, 2, take, R_INPUT_ERROR, s);
		s = next;
	}
}

/* Another host's choices in the help line: its ISOs, its free VNC display, the kept password. */
static const char *help_of(int i)
{
	if (fr.host[0] && i == FF_CDROM && fr.help_cd[0])
		return fr.help_cd;
	if (fr.host[0] && i == FF_VNC_DISPLAY && fr.help_vnc[0])
		return fr.help_vnc;
	if (i == FF_VNC_PASSWORD && strcmp(val(i), pw_kept) == 0)
		return "set on its host (not shown): type a new one, or Backspace for none";
	return fv.f[i].help;
}

static void form_draw(struct ui *ui)
{
	int h = LINES - 3, w = COLS - 4 > 90 ? 90 : COLS - 4, y = 1;
	int err_rows = fv.err ? wrap_rows(fv.err, w - 4) : 1, rows;
	WINDOW *win = dlg_open(&fv.dlg, h, w);
	char title[128];
	int shown_before = 0;

	if (err_rows > (h - 5) / 2)
		err_rows = (h - 5) / 2 > 1 ? (h - 5) / 2 : 1;
	rows = h - 4 - err_rows;
	if (fr.host[0] && !fv.edit)
		snprintf(title, sizeof title, "New guest on %s", fr.host);
	else
		snprintf(title, sizeof title, fv.edit ? "Edit %s" : "New guest%s",
			 fv.edit ? val(FF_NAME) : "");
	draw_box(ui, win, R_DIALOG, title);
	for (int i = 0; i < fv.cur; i++)
		shown_before += field_shown(i);
	if (shown_before < fv.top)
		fv.top = shown_before;
	if (shown_before >= fv.top + rows)
		fv.top = shown_before - rows + 1;
	for (int i = 0, k = 0; i < FF_COUNT; i++) {
		if (!field_shown(i))
			continue;
		if (k++ < fv.top || y > rows)
			continue;
		draw_field(ui, win, y++, i, w);
	}
	if (fv.err) {
		draw_complaint(win, h - 3 - err_rows, w - 4, err_rows);
	} else if (proposal_shown()) {
		char note[160];

		snprintf(note, sizeof note,
			 "VNC password proposed: %s (note it now: shown only here); F2 saves",
			 fv.proposed);
		draw_text(win, h - 4, 2, w - 4, R_DIALOG_TITLE, note);
		explicit_bzero(note, sizeof note);
	} else {
		draw_text(win, h - 4, 2, w - 4, R_DIALOG, "valid: F2 saves");
	}
	draw_text(win, h - 3, 2, w - 4, R_DIALOG,
		  fv.f[fv.cur].ro ? "(not changed here: the name is the file's name)"
				  : help_of(fv.cur));
	draw_text(win, h - 2, 2, w - 4, R_DIALOG_TITLE,
		  "Up/Down/Tab move  Left/Right choose  F2 or Ctrl-S save  Esc cancel");
}

/* ---- saving ---- */

struct save_arg {
	const struct config *cfg;
	struct vmdef def;           /* a new guest: its disks with a size are created first */
	struct guestedit edit;      /* an edit whose new volume takes a while (edit_child) */
};

static bool changed(int i)
{
	return strcmp(fv.f[i].value, fv.f[i].orig) != 0;
}

/*
 * A disk to create (a new LV, or an image file given a size) or another volume: the whole item
 * changes.
 */
static void plan_disk(struct guestedit *e)
{
	int dk = disk_kind();
	bool create = dk == DK_NEW_LV || (dk == DK_FILE && *val(FF_DISK_SIZE));

	if (!create && !changed(FF_DISK_KIND) && !changed(FF_DISK)) {
		if (dk != DK_NONE && changed(FF_DISK_BUS))
			guestedit_key(e, "disks.0.interface", val(FF_DISK_BUS));
		return;
	}
	guestedit_disk(e, dk == DK_NONE ? NULL : dk == DK_FILE ? "file" : "lv", val(FF_DISK),
		       val(FF_DISK_BUS), create ? val(FF_DISK_SIZE) : NULL);
}

static void plan_nic(struct guestedit *e)
{
	bool none = strcmp(val(FF_NET), net_none) == 0;
	bool user = !none && strcmp(val(FF_NET), fv.nets.v[0]) == 0;

	if (!changed(FF_NET)) {
		if (!none && changed(FF_NIC_MODEL))
			guestedit_key(e, "nics.0.model", val(FF_NIC_MODEL));
		return;
	}
	guestedit_nic(e, none ? NULL : user ? "user" : "bridge", none || user ? NULL : val(FF_NET),
		      val(FF_NIC_MODEL));
}

/*
 * What the edit changes, from the fields: the first disk, the single keys that changed (in form
 * order), the first NIC. guestedit_apply (here, or `vmdeck set` on the guest's host) writes it.
 */
static void plan_edit(struct guestedit *e)
{
	guestedit_init(e, val(FF_NAME));
	plan_disk(e);
	for (int i = 0; i < FF_COUNT; i++)
		if (!fv.f[i].ro && fv.f[i].key && changed(i))
			guestedit_key(e, fv.f[i].key, val(i));
	plan_nic(e);
}

/* The field that holds what guestedit_apply refused ("disks", "nics", or a key). */
static int field_of(const char *bad)
{
	if (!bad)
		return -1;
	if (strncmp(bad, "disks", 5) == 0)
		return strcmp(bad, "disks.0.interface") == 0 ? FF_DISK_BUS : FF_DISK_KIND;
	if (strncmp(bad, "nics", 4) == 0)
		return strcmp(bad, "nics.0.model") == 0 ? FF_NIC_MODEL : FF_NET;
	for (int i = 0; i < FF_COUNT; i++)
		if (fv.f[i].key && strcmp(fv.f[i].key, bad) == 0)
			return i;
	return -1;
}

/*
 * Runs in a job: creating a volume can take a while. guest_create makes the disk first, the
 * definition last.
 */
static int save_child(void *arg)
{
	struct save_arg *a = arg;
	char *err = NULL;

	if (guest_create(a->cfg, &a->def, NULL, &err) < 0) {
		fprintf(stderr, "%s: cannot create: %s\n", a->def.name, err);
		return 1;
	}
	printf("%s: created\n", a->def.name);
	return 0;
}

/* The edit's job: the new volume exactly as for a new guest, then the definition edited. */
static int edit_child(void *arg)
{
	struct save_arg *a = arg;
	struct guestedit_result r;
	char *err = NULL;

	if (guestedit_apply(a->cfg, &a->edit, &r, &err) < 0) {
		fprintf(stderr, "%s: %s\n", a->edit.name, err);
		return 1;
	}
	printf("%s\n", r.msg);
	return 0;
}

static void save_done(struct ui *ui, struct job *j)
{
	ui_rescan(ui);
	if (job_exit_code(j) == 0 && j->guest)
		ui_select(ui, j->guest);
}

/*
 * Only a new LV, or an image file given a size, is created; a named existing volume is used as it
 * is.
 */
static void keep_existing_disks(struct vmdef *d)
{
	if (disk_kind() == DK_LV || (disk_kind() == DK_FILE && !*val(FF_DISK_SIZE)))
		for (size_t k = 0; k < d->n_disks; k++)
			d->disks[k].size = 0;
}

/* Runs fn (save_child, edit_child) as a job titled "VERB NAME" and closes the form. */
static int save_in_job(struct ui *ui, const char *verb, job_fn fn, struct save_arg *a)
{
	char *err = NULL;
	struct job *j = job_call(val(FF_NAME), verb, fn, a, &err);

	vmdef_free(&a->def);
	guestedit_free(&a->edit);
	if (!j) {
		ui_status(ui, true, "%s: %s", val(FF_NAME), err);
		free(err);
		return UI_REDRAW;
	}
	free(j->title);
	j->title = xasprintf("%s %s", verb, val(FF_NAME));
	ui_job_add(ui, j, save_done);
	ui_status(ui, false, "%s %s ...", verb, val(FF_NAME));
	dlg_close(&fv.dlg);
	ui_pop(ui);
	return UI_REDRAW;
}

/* From a template: `vmdeck clone TEMPLATE NAME` as a job, its progress in the status line. */
static int save_clone(struct ui *ui)
{
	const char *words[] = { "clone", val(FF_TEMPLATE), val(FF_NAME),
				strcmp(val(FF_TPL_LINKED), "yes") == 0 ? "--linked" : NULL, NULL };

	if (!form_validate(ui, NULL))
		return UI_REDRAW;
	ui_run_verb(ui, val(FF_TEMPLATE), words);
	dlg_close(&fv.dlg);
	ui_pop(ui);
	return UI_REDRAW;
}

/*
 * Another host's new guest: the form as `vmdeck new` options, run there (its answer in the status
 * line).
 */
static int save_remote(struct ui *ui)
{
	struct strv w = { 0 };
	int k = disk_kind();

	strv_add(&w, "new");
	strv_add(&w, val(FF_NAME));
	if (*val(FF_DESC)) {
		strv_add(&w, "--description");
		strv_add(&w, val(FF_DESC));
	}
	strv_addf(&w, "--memory=%s", val(FF_MEMORY));
	strv_addf(&w, "--cpus=%s", val(FF_CPUS));
	strv_addf(&w, "--cpu=%s", val(FF_CPU));
	strv_addf(&w, "--machine=%s", val(FF_MACHINE));
	if (k != DK_NONE) {
		strv_addf(&w, k == DK_FILE ? "--file=%s" : "--lv=%s", val(FF_DISK));
		if (k != DK_LV && *val(FF_DISK_SIZE))
			strv_addf(&w, "--disk=%s", val(FF_DISK_SIZE));
		strv_addf(&w, "--interface=%s", val(FF_DISK_BUS));
	}
	if (strcmp(val(FF_NET), fv.nets.v[0]) == 0)
		strv_add(&w, "--user-net");
	else
		strv_addf(&w, "--bridge=%s", val(FF_NET));
	strv_addf(&w, "--model=%s", val(FF_NIC_MODEL));
	if (*val(FF_CDROM))
		strv_addf(&w, "--cdrom=%s", val(FF_CDROM));
	strv_addf(&w, "--boot=%s", val(FF_BOOT));
	if (*val(FF_VNC_DISPLAY)) {
		strv_addf(&w, "--vnc=%s", val(FF_VNC_DISPLAY));
		strv_addf(&w, "--vnc-listen=%s", val(FF_VNC_LISTEN));
	} else {
		strv_add(&w, "--no-vnc");
	}
	strv_addf(&w, "--rtc=%s", val(FF_RTC));
	/* the password on its stdin, never on the command line (ps shows argv to everyone) */
	if (*val(FF_VNC_DISPLAY) && *val(FF_VNC_PASSWORD))
		strv_add(&w, "--vnc-password-file=-");
	remote_run_verb_input(ui, fr.host, val(FF_NAME), (const char *const *)w.v,
			      *val(FF_VNC_DISPLAY) ? val(FF_VNC_PASSWORD) : NULL,
			      strlen(val(FF_VNC_PASSWORD)), NULL);
	strv_free(&w);
	dlg_close(&fv.dlg);
	ui_pop(ui);
	return UI_REDRAW;
}

static int save_new(struct ui *ui)
{
	struct save_arg a = { ui->cfg, { 0 }, { 0 } };

	if (from_template())
		return save_clone(ui);
	if (!form_validate(ui, &a.def))
		return UI_REDRAW;
	if (fr.host[0]) {
		vmdef_free(&a.def);
		return save_remote(ui);
	}
	keep_existing_disks(&a.def);
	return save_in_job(ui, "new", save_child, &a);
}

/*
 * Another host's guest: the plan as JSON on the stdin of `vmdeck set NAME --changes -` there (it
 * may hold the VNC password: never on the command line); its answer in the status line.
 */
static int save_edit_remote(struct ui *ui, struct guestedit *e)
{
	const char *w[] = { "set", val(FF_NAME), "--changes", "-", NULL };
	json_t *o = guestedit_to_json(e);
	char *plan = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	guestedit_free(e);
	remote_run_verb_input(ui, fr.host, val(FF_NAME), w, plan, strlen(plan), NULL);
	explicit_bzero(plan, strlen(plan));
	free(plan);
	dlg_close(&fv.dlg);
	ui_pop(ui);
	return UI_REDRAW;
}

/* Edits change only the keys that changed, in place, so the file's comments and order stay. */
static int save_edit(struct ui *ui)
{
	struct save_arg a = { ui->cfg, { 0 }, { 0 } };
	struct guestedit_result r;
	char *err = NULL;

	if (!form_validate(ui, NULL))
		return UI_REDRAW;
	plan_edit(&a.edit);
	if (fr.host[0])
		return save_edit_remote(ui, &a.edit);
	if (a.edit.disk && a.edit.size)
		return save_in_job(ui, "edit", edit_child, &a);
	if (guestedit_apply(ui->cfg, &a.edit, &r, &err) < 0) {
		complain(field_of(r.bad), err);
		guestedit_free(&a.edit);
		return UI_REDRAW;
	}
	guestedit_free(&a.edit);
	ui_status(ui, false, "%s", r.msg);
	/* guestedit_apply wrote the event line: the pane rereads it at the next poll */
	guestedit_result_free(&r);
	dlg_close(&fv.dlg);
	ui_pop(ui);
	return UI_REDRAW | UI_RESCAN;
}

/* ---- keys ---- */

static void move_field(int dir)
{
	int i = fv.cur;

	do
		i = (i + dir + FF_COUNT) % FF_COUNT;
	while (!field_shown(i));
	fv.cur = i;
	fv.cpos = strlen(val(i));
}

static void cycle_choice(int dir)
{
	const char *const *c = choices_of(fv.cur);
	int n = 0, at = 0;

	while (c && c[n]) {
		if (strcmp(c[n], val(fv.cur)) == 0)
			at = n;
		n++;
	}
	if (!n)
		return;
	at = (at + dir + n) % n;
	set(fv.cur, c[at]);
}

/* The new-LV name follows the guest's name until the user types one. */
static void derive_disk(struct ui *ui)
{
	const struct config *cfg = fr.host[0] ? &fr.cfg : ui->cfg;
	char *v;

	if (fv.disk_touched)
		return;
	if (fv.edit && !changed(FF_DISK_KIND))
		/* back to the kind it had: its own volume again */
		v = xstrdup(fv.f[FF_DISK].orig);
	else if (disk_kind() == DK_NEW_LV && cfg->vg && *cfg->vg)
		v = guest_disk_default(cfg, val(FF_NAME), true);
	else if (disk_kind() == DK_FILE)
		v = guest_disk_default(cfg, val(FF_NAME), false);
	else
		return;
	set(FF_DISK, v);
	free(v);
}

static bool edit_text(int ch)
{
	struct field *f = &fv.f[fv.cur];
	size_t len;
	bool typing = ch >= 32 && ch < 127;

	if (strcmp(f->value, pw_kept) == 0 &&
	    (typing || ch == KEY_BACKSPACE || ch == 127 || ch == 8 || ch == KEY_DC || ch == 21)) {
		f->value[0] = '\0';
		fv.cpos = 0;
		if (!typing)
			return true;
	}
	len = strlen(f->value);

	if (ch == KEY_LEFT && fv.cpos > 0)
		fv.cpos--;
	else if (ch == KEY_RIGHT && fv.cpos < len)
		fv.cpos++;
	else if (ch == KEY_HOME || ch == 1)
		fv.cpos = 0;
	else if (ch == KEY_END || ch == 5)
		fv.cpos = len;
	else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && fv.cpos > 0) {
		memmove(f->value + fv.cpos - 1, f->value + fv.cpos, len - fv.cpos + 1);
		fv.cpos--;
	} else if (ch == KEY_DC && fv.cpos < len)
		memmove(f->value + fv.cpos, f->value + fv.cpos + 1, len - fv.cpos);
	else if (ch == 21) { /* Ctrl-U */
		f->value[0] = 0;
		fv.cpos = 0;
	} else if (ch >= 32 && ch < 127 && len + 1 < sizeof f->value) {
		memmove(f->value + fv.cpos + 1, f->value + fv.cpos, len - fv.cpos + 1);
		f->value[fv.cpos++] = (char)ch;
	} else
		return false;
	return true;
}

static int form_key(struct ui *ui, int ch)
{
	struct field *f = &fv.f[fv.cur];

	if (ch == 27 || ch == 3 || ch == KEY_F(10)) {
		dlg_close(&fv.dlg);
		ui_pop(ui);
		ui_status(ui, false, "%s: nothing saved", fv.edit ? val(FF_NAME) : "new guest");
		return UI_REDRAW;
	}
	if (ch == KEY_F(2) || ch == 19) /* F2, Ctrl-S */
		return fv.edit ? save_edit(ui) : save_new(ui);
	if (ch == KEY_UP || ch == KEY_BTAB || ch == KEY_DOWN || ch == '\t' || ch == '\n' ||
	    ch == '\r' || ch == KEY_ENTER) {
		move_field(ch == KEY_UP || ch == KEY_BTAB ? -1 : 1);
		return UI_REDRAW;
	}
	if (f->ro)
		return UI_REDRAW;
	if (f->kind == F_CHOICE && (ch == KEY_LEFT || ch == KEY_RIGHT || ch == ' '))
		cycle_choice(ch == KEY_LEFT ? -1 : 1);
	else if (f->kind == F_CHOICE || !edit_text(ch))
		return UI_REDRAW;
	if (fv.cur == FF_DISK)
		fv.disk_touched = true;
	if (fv.cur == FF_NAME || fv.cur == FF_DISK_KIND)
		derive_disk(ui);
	if (fv.cur == FF_VNC_LISTEN)
		propose_password();
	form_validate(ui, NULL);
	return UI_REDRAW;
}

const struct view view_form = { "form", form_init, form_draw, form_key };
