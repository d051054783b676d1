/*
 * guestedit.c: one edit of a guest's definition (the console's edit form, `vmdeck set`): checks,
 * a new volume, one write, the event line.
 */
#include "guestedit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "guest.h"
#include "pending.h"
#include "storage.h"
#include "util.h"
#include "vm.h"
#include "vmdef.h"
#include "vmstate.h"

/* Bounds on a plan read from JSON (another host's console sends it). */
#define GUESTEDIT_MAX_KEYS 64
#define GUESTEDIT_MAX_VALUE 4096

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void guestedit_init(struct guestedit *e, const char *name)
{
	memset(e, 0, sizeof *e);
	e->name = xstrdup(name);
}

void guestedit_free(struct guestedit *e)
{
	for (size_t i = 0; i < e->n_keys; i++) {
		free(e->keys[i].key);
		if (e->keys[i].value) {
			/* it may be a VNC password */
			explicit_bzero(e->keys[i].value, strlen(e->keys[i].value));
			free(e->keys[i].value);
		}
	}
	free(e->keys);
	free(e->name);
	free(e->disk_kind);
	free(e->disk_value);
	free(e->bus);
	free(e->size);
	free(e->nic_kind);
	free(e->net);
	free(e->model);
	memset(e, 0, sizeof *e);
}

void guestedit_key(struct guestedit *e, const char *key, const char *value)
{
	e->keys = xrealloc(e->keys, (e->n_keys + 1) * sizeof *e->keys);
	e->keys[e->n_keys].key = xstrdup(key);
	e->keys[e->n_keys].value = xstrdup(value ? value : "");
	e->n_keys++;
}

void guestedit_disk(struct guestedit *e, const char *kind, const char *value, const char *bus,
		    const char *size)
{
	e->disk = true;
	e->disk_kind = dup_or_null(kind);
	e->disk_value = dup_or_null(value);
	e->bus = dup_or_null(bus);
	e->size = size && *size ? xstrdup(size) : NULL;
}

void guestedit_nic(struct guestedit *e, const char *kind, const char *bridge, const char *model)
{
	e->nic = true;
	e->nic_kind = dup_or_null(kind);
	e->net = dup_or_null(bridge);
	e->model = dup_or_null(model);
}

/* ---- JSON ---- */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *guestedit_to_json(const struct guestedit *e)
{
	json_t *o = json_object(), *keys = json_array();

	for (size_t i = 0; i < e->n_keys; i++)
		json_array_append_new(keys, json_pack("[s, s]", e->keys[i].key, e->keys[i].value));
	json_object_set_new(o, "keys", keys);
	if (e->disk)
		json_object_set_new(o, "disk",
				    json_pack("{s:o, s:o, s:o, s:o}", "kind",
					      str_or_null(e->disk_kind), "value",
					      str_or_null(e->disk_value), "interface",
					      str_or_null(e->bus), "size", str_or_null(e->size)));
	if (e->nic)
		json_object_set_new(o, "nic",
				    json_pack("{s:o, s:o, s:o}", "kind", str_or_null(e->nic_kind),
					      "bridge", str_or_null(e->net), "model",
					      str_or_null(e->model)));
	return o;
}

/* Member name of o: a bounded string, null, or missing (NULL both); -1 for anything else. */
static int member(const json_t *o, const char *name, const char **out, char **err)
{
	json_t *v = json_object_get(o, name);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) > GUESTEDIT_MAX_VALUE ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return err_set(err, "changes: %s: not a string of at most %d bytes", name,
			       GUESTEDIT_MAX_VALUE);
	*out = json_string_value(v);
	return 0;
}

static int only_members(const json_t *o, const char *what, const char *const *names, char **err)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o))
		return err_set(err, "changes: %s: not an object", what);
	json_object_foreach((json_t *)o, k, v) {
		size_t i = 0;

		while (names[i] && strcmp(names[i], k) != 0)
			i++;
		if (!names[i])
			return err_set(err, "changes: %s: unknown member \"%.64s\"", what, k);
	}
	return 0;
}

static int keys_from_json(struct guestedit *e, const json_t *keys, char **err)
{
	json_t *x;
	size_t i;

	if (keys == NULL)
		return 0;
	if (!json_is_array(keys) || json_array_size(keys) > GUESTEDIT_MAX_KEYS)
		return err_set(err, "changes: keys: not a list of at most %d [key, value] pairs",
			       GUESTEDIT_MAX_KEYS);
	json_array_foreach(keys, i, x) {
		json_t *k = json_array_get(x, 0), *v = json_array_get(x, 1);

		if (!json_is_array(x) || json_array_size(x) != 2 || !json_is_string(k) ||
		    !json_is_string(v) || json_string_length(k) > 64 ||
		    json_string_length(v) > GUESTEDIT_MAX_VALUE ||
		    strlen(json_string_value(v)) != json_string_length(v) ||
		    strlen(json_string_value(k)) != json_string_length(k))
			return err_set(err, "changes: keys: item %zu is not a [key, value] pair",
				       i);
		guestedit_key(e, json_string_value(k), json_string_value(v));
	}
	return 0;
}

int guestedit_from_json(struct guestedit *e, const json_t *o, char **err)
{
	static const char *const top[] = { "keys", "disk", "nic", NULL };
	static const char *const disk[] = { "kind", "value", "interface", "size", NULL };
	static const char *const nic[] = { "kind", "bridge", "model", NULL };
	const json_t *d = json_object_get(o, "disk"), *n = json_object_get(o, "nic");
	const char *a, *b, *c, *s;

	if (only_members(o, "the plan", top, err) < 0 ||
	    keys_from_json(e, json_object_get(o, "keys"), err) < 0)
		return -1;
	if (d) {
		if (only_members(d, "disk", disk, err) < 0 || member(d, "kind", &a, err) < 0 ||
		    member(d, "value", &b, err) < 0 || member(d, "interface", &c, err) < 0 ||
		    member(d, "size", &s, err) < 0)
			return -1;
		if (a && strcmp(a, "lv") != 0 && strcmp(a, "file") != 0)
			return err_set(err, "changes: disk: kind is lv, file or null");
		if (a && (!b || !*b))
			return err_set(err, "changes: disk: no value (VG/LV or file)");
		guestedit_disk(e, a, b, c, s);
	}
	if (n) {
		if (only_members(n, "nic", nic, err) < 0 || member(n, "kind", &a, err) < 0 ||
		    member(n, "bridge", &b, err) < 0 || member(n, "model", &c, err) < 0)
			return -1;
		if (a && strcmp(a, "bridge") != 0 && strcmp(a, "user") != 0)
			return err_set(err, "changes: nic: kind is bridge, user or null");
		if (a && strcmp(a, "bridge") == 0 && (!b || !*b))
			return err_set(err, "changes: nic: no bridge");
		guestedit_nic(e, a, b, c);
	}
	return 0;
}

/* ---- checks before anything is written ---- */

static int fail(struct guestedit_result *r, const char *bad, char **err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct guestedit_result *r, const char *bad, char **err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (err) {
		free(*err);
		*err = xvasprintf(fmt, ap);
	}
	va_end(ap);
	r->bad = bad;
	r->usage = true;
	return -1;
}

/* "disks.0.interface" is checked as "disks.interface" on a scratch disk. */
static int key_check(const struct guestedit_key *k, struct guestedit_result *r, char **err)
{
	struct vmdef d;
	char *why = NULL, *path = NULL;
	const char *dot = strchr(k->key, '.');
	int rc = 0;

	vmdef_init(&d, "x");
	if (dot && (strncmp(k->key, "disks.", 6) == 0 || strncmp(k->key, "nics.", 5) == 0)) {
		const char *rest = strchr(dot + 1, '.');

		if (!rest || dot[1] < '0' || dot[1] > '9')
			rc = fail(r, k->key, err, "%s: a list item's key is LIST.N.KEY",
				  k->key);
		else
			path = xasprintf("%.*s%s", (int)(dot - k->key), k->key, rest);
		if (k->key[0] == 'd')
			vmdef_add_disk(&d);
		else
			vmdef_add_nic(&d);
	}
	/* an empty value removes the key: only the key itself is checked then */
	if (rc == 0 && vmdef_set_field(&d, path ? path : k->key, *k->value ? k->value : "1",
				       &why) < 0 &&
	    (*k->value || strstr(why, "not a key"))) {
		size_t n = path ? strlen(path) : 0;

		/* "nics.0.model: ...", as it was given, not the scratch disk's "nics.model" */
		if (n && strncmp(why, path, n) == 0)
			rc = fail(r, k->key, err, "%s%s", k->key, why + n);
		else
			rc = fail(r, k->key, err, "%s", why);
	}
	free(why);
	free(path);
	vmdef_free(&d);
	return rc;
}

static const char *key_value(const struct guestedit *e, const char *key)
{
	for (size_t i = e->n_keys; i-- > 0;)
		if (strcmp(e->keys[i].key, key) == 0)
			return e->keys[i].value;
	return NULL;
}

/* A display or address that changes must be free of the other definitions and listeners. */
static int vnc_check(const struct config *cfg, const struct guestedit *e, const struct vmdef *def,
		     struct guestedit_result *r, char **err)
{
	const char *disp = key_value(e, "vnc.display"), *listen = key_value(e, "vnc.listen");
	const char *l = listen && *listen ? listen : listen ? NULL : def->vnc_listen;
	struct vmdef *defs = NULL;
	size_t n = 0;
	char *who = NULL, *end, *why = NULL;
	long d;

	if (listen && *listen && guest_listen_check(listen, &why) < 0) {
		fail(r, "vnc.listen", err, "%s", why);
		free(why);
		return -1;
	}
	if ((!disp && !listen) || (disp && !*disp) || (!disp && !def->vnc))
		return 0;
	d = disp ? strtol(disp, &end, 10) : def->vnc_display;
	if (disp && (*end || d < 0 || d > 1000))
		return 0; /* the schema says what is wrong with it */
	if (vmdefs_load_all(cfg, &defs, &n, &why) < 0) {
		free(why);
		return 0; /* no list: start finds a clash */
	}
	if (disp && !(def->vnc && d == def->vnc_display))
		who = guest_vnc_display_user(defs, n, def->name, (int)d, l);
	else
		who = guest_vnc_display_def_user(defs, n, def->name, (int)d, l);
	vmdefs_free(defs, n);
	if (!who)
		return 0;
	fail(r, disp ? "vnc.display" : "vnc.listen", err, "display %ld is used by %s", d, who);
	free(who);
	return -1;
}

/* vnc.KEY of v as the edit leaves it: its value, or the default when the edit removes it. */
static void screen_key(struct vmdef *v, const char *key, const char *value)
{
	char *why = NULL;

	vmdef_set_field(v, key, *value ? value : vmdef_default(key), &why);
	free(why);
}

/* The screen the edit leaves is never open to the network without a password: start refuses it. */
static int open_screen_check(const struct guestedit *e, const struct vmdef *def,
			     struct guestedit_result *r, char **err)
{
	const char *disp = key_value(e, "vnc.display"), *listen = key_value(e, "vnc.listen");
	const char *pw = key_value(e, "vnc.password");
	const char *allow = key_value(e, "vnc.allow_no_password");
	struct vmdef v;
	char *why = NULL;
	int rc = 0;

	vmdef_init(&v, def->name);
	if (def->vnc_listen)
		screen_key(&v, "vnc.listen", def->vnc_listen);
	if (listen)
		screen_key(&v, "vnc.listen", listen);
	v.vnc_allow_no_password = def->vnc_allow_no_password;
	if (allow)
		screen_key(&v, "vnc.allow_no_password", allow);
	/* only whether there is one counts */
	free(v.vnc_password);
	v.vnc_password = (pw ? *pw : def->vnc_password != NULL) ? xstrdup("x") : NULL;
	v.vnc = disp ? *disp != '\0' : def->vnc;
	if (vmdef_check_vnc(&v, &why) < 0)
		rc = fail(r, listen ? "vnc.listen" : pw ? "vnc.password" : "vnc.display", err, "%s",
			  why);
	free(why);
	vmdef_free(&v);
	return rc;
}

/* Whether LV ref or file (a bare name: in file_dir) is another guest's disk; -1 and *err if so. */
static int owner_check(const struct config *cfg, const struct guestedit *e, const char *bad,
		       bool lv, const char *value, struct guestedit_result *r, char **err)
{
	struct vmdef *defs = NULL;
	size_t n = 0;
	char *file = lv ? NULL : path_resolve(cfg->file_dir, value), *why = NULL;
	const struct vmdef *owner;
	int rc = 0;

	if (vmdefs_load_all(cfg, &defs, &n, &why) == 0 &&
	    (owner = storage_disk_owner(defs, n, cfg, lv ? value : NULL, file)) != NULL &&
	    strcmp(owner->name, e->name) != 0)
		rc = fail(r, bad, err, "%s is already a disk of guest %s", value, owner->name);
	vmdefs_free(defs, n);
	free(why);
	free(file);
	return rc;
}

/* A volume the edit names as it is (no size: not created) must be no other guest's disk. */
static int disks_free(const struct config *cfg, const struct guestedit *e,
		      struct guestedit_result *r, char **err)
{
	if (e->disk && e->disk_kind && !e->size && e->disk_value &&
	    owner_check(cfg, e, "disks", strcmp(e->disk_kind, "lv") == 0, e->disk_value, r,
			err) < 0)
		return -1;
	for (size_t i = 0; i < e->n_keys; i++) {
		const char *k = e->keys[i].key, *v = e->keys[i].value, *leaf = strrchr(k, '.');

		if (strncmp(k, "disks.", 6) != 0 || !leaf || !*v ||
		    (strcmp(leaf, ".lv") != 0 && strcmp(leaf, ".file") != 0))
			continue;
		if (owner_check(cfg, e, k, strcmp(leaf, ".lv") == 0, v, r, err) < 0)
			return -1;
	}
	return 0;
}

static int plan_checks(const struct config *cfg, const struct guestedit *e,
		       const struct vmdef *def, struct guestedit_result *r, char **err)
{
	const char *cd = key_value(e, "cdrom");
	char *path, *why = NULL;

	for (size_t i = 0; i < e->n_keys; i++)
		if (key_check(&e->keys[i], r, err) < 0)
			return -1;
	if (cd && *cd && !(def->cdrom && strcmp(cd, def->cdrom) == 0)) {
		if ((path = vm_iso_resolve(cfg, cd, &why)) == NULL) {
			fail(r, "cdrom", err, "%s", why);
			free(why);
			return -1;
		}
		free(path);
	}
	if (open_screen_check(e, def, r, err) < 0 || disks_free(cfg, e, r, err) < 0)
		return -1;
	return vnc_check(cfg, e, def, r, err);
}

/* ---- applying ---- */

static const char *disk_name(const struct vm_disk *k)
{
	return k->lv ? k->lv : k->file;
}

/* Volumes the definition stops naming: said in the message, never deleted. */
static int kept_disks(const struct guestedit *e, const struct vmdef *def, struct sbuf *b)
{
	if (!e->disk || def->n_disks == 0)
		return 0;
	if (!e->disk_kind) {
		for (size_t k = 0; k < def->n_disks; k++)
			sbuf_printf(b, "%s%s", k ? ", " : "", disk_name(&def->disks[k]));
		return (int)def->n_disks;
	}
	if (e->disk_value && strcmp(e->disk_value, disk_name(&def->disks[0])) == 0)
		return 0;
	sbuf_add(b, disk_name(&def->disks[0]));
	return 1;
}

/* The new volume, exactly as for a new guest (storage_create_for_new). */
static int create_disk(const struct config *cfg, const struct guestedit *e,
		       struct guestedit_result *r, char **err)
{
	struct vmdef nd;
	char *why = NULL;
	int rc = 0;

	vmdef_init(&nd, e->name);
	vmdef_add_disk(&nd);
	if (vmdef_set_field(&nd, strcmp(e->disk_kind, "lv") == 0 ? "disks.lv" : "disks.file",
			    e->disk_value, &why) < 0 ||
	    vmdef_set_field(&nd, "disks.size", e->size, &why) < 0 ||
	    (e->bus && vmdef_set_field(&nd, "disks.interface", e->bus, &why) < 0))
		rc = fail(r, "disks", err, "%s", why);
	else if (storage_create_for_new(cfg, &nd, &why) < 0) {
		rc = fail(r, "disks", err, "cannot create its disk: %s", why);
		r->usage = false;
	}
	free(why);
	vmdef_free(&nd);
	return rc;
}

/* The plan as vmdef_apply_changes' list: the first disk, the single keys, the first NIC. */
static size_t changes_of(const struct guestedit *e, const struct vmdef *def, struct vmdef_change *c,
			 const char **disk_with, const char **nic_with, char mac[18])
{
	size_t n = 0, w = 0;

	if (e->disk) {
		if (e->bus)
			disk_with[w++] = "interface", disk_with[w++] = e->bus;
		if (e->size)
			disk_with[w++] = "size", disk_with[w++] = e->size;
		disk_with[w] = NULL;
		c[n++] = (struct vmdef_change){ .list = "disks", .kind = e->disk_kind,
						.value = e->disk_value, .with = disk_with };
	}
	for (size_t i = 0; i < e->n_keys; i++)
		c[n++] = (struct vmdef_change){ .key = e->keys[i].key, .value = e->keys[i].value };
	if (e->nic) {
		w = 0;
		if (e->model)
			nic_with[w++] = "model", nic_with[w++] = e->model;
		/* a new card gets its MAC now, as a new guest's does */
		if (e->nic_kind && def->n_nics == 0) {
			vmdef_random_mac(mac);
			nic_with[w++] = "mac", nic_with[w++] = mac;
		}
		nic_with[w] = NULL;
		c[n++] = (struct vmdef_change){ .list = "nics", .kind = e->nic_kind,
						.value = e->net ? e->net : "", .with = nic_with };
	}
	return n;
}

/* Keys that QEMU's command line does not hold, or that change live (the CD, the password). */
static bool touches_hardware(const struct guestedit *e)
{
	static const char *const soft[] = {
		"description",	   "cdrom",	       "autostart",	   "autostart_order",
		"autostart_delay", "vnc.password",     "backup_schedule", "shutdown_timeout",
		"template",	   NULL,
	};

	if (e->disk || e->nic)
		return true;
	for (size_t i = 0; i < e->n_keys; i++) {
		size_t k = 0;

		while (soft[k] && strcmp(soft[k], e->keys[i].key) != 0)
			k++;
		if (!soft[k])
			return true;
	}
	return false;
}

/*
 * What an edit of a running guest cannot hand to QEMU at once: a new VNC password is set over
 * QMP now (the old one, perhaps leaked, must stop working), unless the display moves or the
 * password goes (QEMU's command line decides those); a CD in the definition is not the drive's.
 */
static bool soft_waits(const struct config *cfg, const struct guestedit *e)
{
	const char *pw = key_value(e, "vnc.password");
	struct vmdef now;
	char *why = NULL;
	bool waits = false;

	if (!pw)
		return key_value(e, "cdrom") != NULL;
	if (!*pw || key_value(e, "vnc.display") || key_value(e, "vnc.listen"))
		return true;
	if (vmdef_load_by_name(cfg, e->name, &now, &why) < 0 || !now.vnc ||
	    vm_vnc_password(cfg, &now, pw, &why) < 0)
		waits = true;
	free(why);
	vmdef_free(&now);
	return waits || key_value(e, "cdrom") != NULL;
}

/*
 * The edit changed hardware of a running guest whose QEMU's command line now differs from the
 * definition: it applies at the next start.
 */
static bool at_next_start(const struct config *cfg, const struct guestedit *e)
{
	const char *name = e->name;
	pid_t pid = touches_hardware(e) ? vmstate_pid(cfg, name) : 0;
	struct vmdef now;
	char *why = NULL;
	/* a new password goes to QEMU whatever else the edit changes */
	bool pending = vmstate_pid(cfg, name) > 0 && soft_waits(cfg, e);

	if (pid <= 0 || pending)
		return pending;
	if (vmdef_load_by_name(cfg, name, &now, &why) == 0)
		pending = pending_changes(cfg, &now, pid) != 0;
	free(why);
	vmdef_free(&now);
	return pending;
}

static void result_message(const struct guestedit *e, const struct vmdef *def,
			   struct guestedit_result *r)
{
	struct sbuf b = { 0 }, kept = { 0 };
	int n_kept = kept_disks(e, def, &kept);

	sbuf_printf(&b, "%s: %d change%s saved", e->name, r->changes, r->changes == 1 ? "" : "s");
	if (n_kept)
		sbuf_printf(&b, "; disk%s %s %s kept", n_kept > 1 ? "s" : "", kept.s,
			    n_kept > 1 ? "are" : "is");
	if (r->next_start)
		sbuf_add(&b, "; takes effect at the next start");
	sbuf_free(&kept);
	r->msg = sbuf_take(&b);
}

static int write_changes(const struct guestedit *e, const struct vmdef *def,
			 struct guestedit_result *r, char **err)
{
	struct vmdef_change *c = xcalloc(e->n_keys + 2, sizeof *c);
	const char *disk_with[5], *nic_with[5];
	char mac[18] = "";
	size_t n = changes_of(e, def, c, disk_with, nic_with, mac), at = 0;
	int rc = 0;

	if (n > 0 && vmdef_apply_changes(def->path, c, n, &at, err) < 0) {
		r->bad = c[at].list ? c[at].list : c[at].key;
		r->usage = true;
		rc = -1;
	}
	free(c);
	return rc < 0 ? -1 : (int)n;
}

int guestedit_apply(const struct config *cfg, const struct guestedit *e, struct guestedit_result *r,
		    char **err)
{
	struct vmdef def;
	char *why = NULL;
	int n, lock;

	memset(r, 0, sizeof *r);
	if (vmdef_load_by_name(cfg, e->name, &def, &why) < 0) {
		fail(r, NULL, err, "%s", why);
		free(why);
		vmdef_free(&def);
		return -1;
	}
	if (plan_checks(cfg, e, &def, r, err) < 0 ||
	    (e->disk && e->disk_kind && e->size && create_disk(cfg, e, r, err) < 0)) {
		vmdef_free(&def);
		return -1;
	}
	/* a display that moves is checked again, in turn with creations (guest_create) */
	lock = key_value(e, "vnc.display") || key_value(e, "vnc.listen") ? guest_creation_lock(cfg)
									  : -1;
	if ((lock >= 0 && vnc_check(cfg, e, &def, r, err) < 0) ||
	    (n = write_changes(e, &def, r, err)) < 0) {
		if (lock >= 0)
			close(lock);
		if (e->disk && e->disk_kind && e->size) {
			why = *err;
			*err = xasprintf("%s was created, but the definition was not changed: %s",
					 e->disk_value, why);
			free(why);
		}
		vmdef_free(&def);
		return -1;
	}
	if (lock >= 0)
		close(lock);  /* drops the flock */
	r->changes = n;
	if (n > 0) {
		if (e->disk && e->disk_kind && e->size)
			events_log(cfg, e->name, EV_DEF_EDIT, "definition edited (new disk %s)",
				   e->disk_value);
		else
			events_log(cfg, e->name, EV_DEF_EDIT, "definition edited");
		r->next_start = at_next_start(cfg, e);
	}
	result_message(e, &def, r);
	vmdef_free(&def);
	return n;
}

void guestedit_result_free(struct guestedit_result *r)
{
	free(r->msg);
	memset(r, 0, sizeof *r);
}
