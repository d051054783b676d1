/* vmdef.h: guest definitions (vms.d/NAME.yaml, libyaml), driven by one schema table. */
#ifndef VMDECK_VMDEF_H
#define VMDECK_VMDEF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schema.h"

struct config;

enum disk_iface { DISK_IDE, DISK_VIRTIO, DISK_SCSI, DISK_SATA };

struct vm_disk {
	char *lv;              /* "vg/lv" or NULL */
	char *file;            /* absolute path or NULL; exactly one of lv/file */
	char *format;          /* raw | qcow2; NULL = raw for lv, by extension for file */
	enum disk_iface iface;
	uint64_t size;         /* bytes; 0 when not given */
	/* the active qcow2 overlay of an external snapshot chain, or NULL (snapshot.h) */
	char *overlay;
};

struct vm_nic {
	char *bridge;          /* NULL for user networking */
	bool user;
	char *model;           /* e1000 | rtl8139 | virtio */
	char *mac;             /* 52:54:00:xx:xx:xx */
};

struct vmdef {
	char *name;            /* from the file name */
	char *path;            /* the YAML file */
	char *description;     /* "" when absent */
	uint64_t memory;       /* bytes */
	int cpus;
	char *cpu;             /* -cpu model */
	char *machine;         /* pc | q35 */
	struct vm_disk *disks;
	size_t n_disks;
	char *cdrom;           /* NULL = empty drive */
	char *boot;            /* disk | cdrom */
	struct vm_nic *nics;
	size_t n_nics;
	bool vnc;              /* a vnc: mapping is present */
	int vnc_display;       /* port 5900 + display */
	char *vnc_listen;
	char *vnc_password;    /* NULL = none; never printed */
	bool vnc_allow_no_password; /* a listen beyond loopback may go without a password */
	char *rtc;             /* utc | localtime */
	bool usb_tablet;
	bool autostart;
	bool guest_agent;      /* a virtio-serial QEMU guest agent channel */
	bool template;         /* a base for clones; refuses to start while linked clones exist */
	char **extra_args;
	size_t n_extra_args;
	/*
	 * backup_schedule: true follows backup.schedule; a list gives the guest its own calendar
	 * expressions
	 */
	bool backup_schedule;
	/* NULL-terminated; n_backup_calendars 0 = follow backup.schedule */
	char **backup_calendars;
	size_t n_backup_calendars;
	int autostart_order;   /* autostart group: lower first, equal together */
	int autostart_delay;   /* seconds after this guest starts before the next group */
	int shutdown_timeout;  /* seconds for ACPI at a stop; 0 = the configuration's */
	char *error;           /* set when the file is invalid: "FILE:L:C: ..." */
};

/*
 * Parses and validates one file; name comes from the file name. On failure
 * def still holds name, path, every default and ->error (the same message as
 * *err, "FILE:LINE:COL: key: what was expected"), so it can be listed; free
 * it either way. Paths are kept as written: vmdef_load_by_name and
 * vmdefs_load_all resolve a relative disk file against storage.file_dir and
 * a bare CD name against iso_dirs (where it exists; else it stays as written).
 */
int vmdef_load(const char *path, struct vmdef *def, char **err);
void vmdef_free(struct vmdef *def);

/*
 * Loads every *.yaml in cfg->vms_dir, sorted by name. A file that does not
 * parse still gives an entry, with ->error set and the name from its file,
 * so one broken file never hides the others.
 */
int vmdefs_load_all(const struct config *cfg, struct vmdef **defs, size_t *n, char **err);
void vmdefs_free(struct vmdef *defs, size_t n);
/* Loads cfg->vms_dir/NAME.yaml. Fails for invalid names. */
int vmdef_load_by_name(const struct config *cfg, const char *name, struct vmdef *def, char **err);

/*
 * Writes generated MAC addresses into NICs that lack one, editing the file
 * text in place so comments and key order survive (only the new "mac:" lines
 * or ", mac: ..." in a flow mapping are added; the file keeps its mode).
 * Sets def->nics[i].mac too. Returns how many were added (0 if none), -1 on
 * error. `vmdeck start` calls it before starting; the console should too.
 */
int vmdef_fill_macs(struct vmdef *def, char **err);

/* A random locally administered MAC in QEMU's 52:54:00 range. */
void vmdef_random_mac(char out[18]);

/*
 * Building a definition in memory (`vmdeck new`, the console's form), checked
 * by the same schema as files. vmdef_init gives every default. set_field takes
 * a key as text: "memory", "vnc.display" (also turns VNC on), "disks.size" or
 * "nics.model" (the last disk / NIC added); errors read "KEY: expected ...".
 * vmdef_validate runs the checks that span keys (one of lv/file, bridge/user,
 * a VNC display) and reports the first failure.
 */
/*
 * The schema's default of a key, as text: "cpu", "vnc.listen", "nics.model"
 * (a key of the vnc mapping or of a list's items). NULL for a key without
 * one. The one source of defaults: nothing else spells them.
 */
const char *vmdef_default(const char *path);
/*
 * The allowed values of a choice key ("machine", "disks.interface",
 * "nics.model", "boot", "rtc"), NULL-terminated, in the schema's order; NULL
 * for a key that is not a choice. Static: never freed.
 */
const char *const *vmdef_choices(const char *path);

void vmdef_init(struct vmdef *def, const char *name);
struct vm_disk *vmdef_add_disk(struct vmdef *def);
struct vm_nic *vmdef_add_nic(struct vmdef *def);
int vmdef_set_field(struct vmdef *def, const char *key, const char *value, char **err);
int vmdef_validate(struct vmdef *def, char **err);

/*
 * The VNC rule that keeps a guest's screen from being an open door: a listen
 * address other than loopback needs a password, unless the definition says
 * vnc.allow_no_password: true. -1 with one line saying how to fix it. Not a
 * load error (a running guest must stay manageable); `check`, `start` and
 * vmdef_validate (new guests) apply it.
 */
int vmdef_check_vnc(const struct vmdef *def, char **err);
/* listen (NULL: the default) is a loopback address: 127.0.0.0/8, ::1 or localhost. */
bool vmdef_vnc_loopback(const char *listen);

/* Emits a whole new definition file (used by `vmdeck new` and the console form). */
char *vmdef_to_yaml(const struct vmdef *def);
/*
 * Sets scalar KEY to VALUE in an existing file, keeping comments and order
 * (adds the key at the end of its mapping when missing). KEY is top-level
 * ("memory", "cdrom"), inside vnc ("vnc.display"), or a key of one item of
 * the disks or nics list ("disks.0.interface", "nics.1.model"; such a key
 * takes a value, it is not removed). The edited text must
 * still load, else nothing is written. The file keeps its mode. Used by edits.
 * VALUE NULL removes KEY with its lines (also a whole top-level list or
 * mapping: "nics", "vnc"). An empty VALUE
 * means "none": description and cdrom become empty, any other key is
 * removed, and an empty vnc.display removes the whole vnc mapping.
 */
int vmdef_set_key(const char *path, const char *key, const char *value, char **err);

/*
 * Sets what item 0 of LIST ("disks" or "nics") is, editing the file's text in
 * place like vmdef_set_key. KIND is "lv" (VALUE "VG/LV") or "file" (VALUE a
 * path) for a disk, "bridge" (VALUE the bridge) or "user" (VALUE ignored,
 * written "user: {}") for a NIC. The item's kind key and value are replaced on
 * its line: its other keys and every comment stay, except a disk's format and
 * size, which describe the old volume and go when the volume changes (an LV
 * is raw; a file's format follows its name). WITH is NULL or "key", "value",
 * ... NULL: more keys of the item set as well ("interface", "size", "model",
 * "mac"). A missing or empty list ("disks: []") gets one item: KIND: VALUE and
 * the WITH keys. KIND NULL removes the whole list from the definition; no
 * volume or file is ever touched here. One write: the edited text must still
 * load, else nothing is written. The file keeps its mode. Used by the edit form.
 */
int vmdef_set_item_kind(const char *path, const char *list, const char *kind, const char *value,
			const char *const *with, char **err);

/*
 * Adds an item at the end of LIST ("disks" or "nics"): KIND: VALUE and the
 * WITH keys, as vmdef_set_item_kind writes them, indented like the items
 * before it (or inside a flow list's brackets); a missing or empty list gets
 * it as its first item. Comments and the other items stay. One write: the
 * edited text must still load, else nothing is written. The file keeps its
 * mode. Used to attach a disk as a guest's second (third, ...) disk.
 */
int vmdef_add_item(const char *path, const char *list, const char *kind, const char *value,
		   const char *const *with, char **err);

/*
 * One change of an edit: KEY set to VALUE as vmdef_set_key does, or, when
 * LIST is set, item 0 of LIST made KIND VALUE with the WITH keys as
 * vmdef_set_item_kind does (or, with ADD, a new item appended).
 */
struct vmdef_change {
	const char *key;
	const char *value;
	const char *list;
	const char *kind;
	const char *const *with;
	bool add;               /* with LIST: a new last item of LIST, as vmdef_add_item */
};

/*
 * Makes every change in one write: the file is replaced whole (temporary
 * file, fsync, rename) when the result loads, else it is left as it was and
 * *bad is the index of the change at fault. The file keeps its mode.
 */
int vmdef_apply_changes(const char *path, const struct vmdef_change *c, size_t n, size_t *bad,
			char **err);

const char *disk_iface_name(enum disk_iface iface);
int disk_iface_parse(const char *s, enum disk_iface *out);

/* Help text for each key, generated from the schema table. */
void vmdef_print_reference(void);
/* Every key as the reference describes it ("disks[].lv", its type, default ...), for generators. */
void vmdef_reference_each(schema_doc_fn *fn, void *arg);

#endif
