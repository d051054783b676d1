/*
 * guestedit.h: one edit of a guest's definition, applied in one place: the
 * console's edit form (here, or through `vmdeck set` on another host) and
 * `vmdeck set` all go through guestedit_apply.
 */
#ifndef VMDECK_GUESTEDIT_H
#define VMDECK_GUESTEDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

struct guestedit_key {
	char *key;   /* a vmdef_set_key path: "memory", "vnc.password", "disks.0.interface" */
	char *value; /* "" means none (vmdef_set_key) */
};

/*
 * What changes, worked out before anything is written: single keys in
 * place, and the first disk and the first NIC, which may become another one
 * (or come, or go). A disk given a size is created first.
 */
struct guestedit {
	char *name;
	struct guestedit_key *keys;
	size_t n_keys;
	bool disk;             /* item 0 of disks becomes another one */
	char *disk_kind;       /* "lv", "file", or NULL: no disks at all */
	char *disk_value;      /* VG/LV or the file */
	char *bus;             /* its interface */
	char *size;            /* "" or NULL: used as it is; else created with this size first */
	bool nic;              /* item 0 of nics becomes another one */
	char *nic_kind;        /* "bridge", "user", or NULL: no cards at all */
	char *net;             /* the bridge */
	char *model;
};

void guestedit_init(struct guestedit *e, const char *name);
void guestedit_free(struct guestedit *e);
void guestedit_key(struct guestedit *e, const char *key, const char *value);
void guestedit_disk(struct guestedit *e, const char *kind, const char *value, const char *bus,
		    const char *size);
void guestedit_nic(struct guestedit *e, const char *kind, const char *bridge, const char *model);

/*
 * The plan as JSON, for `vmdeck set NAME --changes -` on another host (it
 * travels on stdin: it may hold vnc.password):
 *   {"keys": [["memory", "4G"], ...],
 *    "disk": {"kind": "lv"|"file"|null, "value": ..., "interface": ..., "size": ...},
 *    "nic": {"kind": "bridge"|"user"|null, "bridge": ..., "model": ...}}
 * "disk" and "nic" only when they change.
 */
json_t *guestedit_to_json(const struct guestedit *e);
/* Reads that shape (untrusted: every member checked); -1 with *err naming what is wrong. */
int guestedit_from_json(struct guestedit *e, const json_t *o, char **err);

struct guestedit_result {
	/* "NAME: 2 changes saved; disk X is kept; takes effect at the next start" */
	char *msg;
	int changes;
	bool next_start;  /* the guest runs and QEMU's command line would differ */
	/* on failure: "disks", "nics", or the key at fault (borrowed from the plan), else NULL */
	const char *bad;
	bool usage;       /* the failure is the plan's (a value, a taken display), not the host's */
};

/*
 * Applies the edit to guest e->name in cfg's vms_dir: what this host alone
 * can check first (a typed CD is found, a VNC display is free, a new volume
 * has a size), then the new volume if any, then every change in one write of
 * the file (it must load, else nothing is written; it keeps its mode), then
 * the event line. Returns the number of changes, -1 with *err (and r->bad).
 */
int guestedit_apply(const struct config *cfg, const struct guestedit *e, struct guestedit_result *r,
		    char **err);
void guestedit_result_free(struct guestedit_result *r);

#endif
