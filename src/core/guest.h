/* guest.h: the one way a guest comes to be: checks, a free VNC display, disks, the definition. */
#ifndef VMDECK_GUEST_H
#define VMDECK_GUEST_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "progress.h"
#include "vmdef.h"

/*
 * Every creator goes through guest_create: `vmdeck new`, the console's
 * new-guest form, `vmdeck restore --as`, and `vmdeck clone`. They share:
 *   - the checks (guest_check_new): the name rule, a name not taken, a valid
 *     listen address this host has, a VNC display that no other definition
 *     and no listener uses;
 *   - the VNC numbering: the first free display from GUEST_VNC_FIRST (1,
 *     port 5901) up to 99; 0 (port 5900) is taken only when asked for by
 *     number;
 *   - the order: every disk first, the definition last (mode 0600, never
 *     over an existing file); if anything fails, the disks this call created
 *     are removed again, so a failure leaves neither a disk nor a definition;
 *   - the default disk: storage.vg/NAME when storage.vg is set, else the
 *     absolute storage.file_dir/NAME.qcow2 (guest_disk_default).
 */

/*
 * `vmdeck clone SRC NEW` (clone.c): SRC's definition loaded, renamed NEW, its
 * disks renamed to NEW's volumes (VG/NEW, VG/NEW-1 ... or file_dir/NEW.EXT,
 * NEW-1.EXT ...), its MACs freed to NULL (new ones are generated),
 * vnc_display = GUEST_VNC_ANY, and one plan per disk: { GUEST_DISK_COPY,
 * .from = SRC's storage_disk_path } (copied with progress, o->progress), or
 * for a linked clone { GUEST_DISK_OVERLAY, .from = the same }. A running SRC
 * fails the copy (qemu-img takes its image lock): refuse it first.
 */

#define GUEST_VNC_FIRST 1  /* display 0 (port 5900) is left to a VNC server of the host */
#define GUEST_VNC_LAST 99
#define GUEST_VNC_ANY (-1) /* def->vnc_display: guest_create picks the first free display */

/* What guest_create does with disk i of the definition. */
enum guest_disk_how {
	GUEST_DISK_AUTO = 0, /* created (empty) when it has a size, else used as it is */
	GUEST_DISK_USE,      /* an existing volume, used as it is, never removed */
	GUEST_DISK_CREATE,   /* a new empty volume of size (or disks[i].size) */
	GUEST_DISK_COPY,     /* a new volume of the source's size holding a copy of from */
	GUEST_DISK_MAKE,     /* the caller's make() puts it there (restore: an archive's disk) */
	GUEST_DISK_OVERLAY,  /* a new qcow2 file whose backing file is from (a linked clone) */
};

struct guest_disk_plan {
	enum guest_disk_how how;
	uint64_t size;           /* CREATE: bytes; 0 = disks[i].size */
	/* COPY, OVERLAY: the source's host path (an image file or /dev/VG/LV), and its format */
	const char *from;
	const char *from_format; /* "raw" | "qcow2"; NULL: by the extension of from */
	/*
	 * MAKE: writes disk i (as the definition names it, or a temporary name
	 * that o->commit puts in place); *created = true when it made a new
	 * volume (even if it then fails): guest_create removes that volume again
	 * on any failure. A volume that o->commit puts in place may instead be
	 * marked there, through the same pointer (it lives until guest_create
	 * returns). Anything else it leaves behind is the caller's.
	 */
	int (*make)(void *arg, size_t i, bool *created, char **err);
	void *arg;
};

struct guest_create_opts {
	/* def->n_disks entries; NULL: every disk GUEST_DISK_AUTO (`new`, the form) */
	const struct guest_disk_plan *disks;
	/* the YAML written as it is (restore keeps the archive's comments); it must
	 * describe def. NULL: vmdef_to_yaml(def) */
	const char *text;
	bool replace;            /* an existing definition of that name is replaced */
	const char *event;       /* the event-log line; NULL: "definition created"; "": none */
	/*
	 * Called once every disk is made, with SIGINT, SIGTERM and SIGHUP held
	 * (progress_commit_hold: a signal that came before fails the run, "interrupted";
	 * one that comes now waits until the definition is placed too), so that
	 * temporaries and the definition land together. NULL: none, no holding.
	 */
	int (*commit)(void *arg, char **err);
	void *commit_arg;
	volatile sig_atomic_t *cancel; /* set by the caller's signal handler; stops a copy too */
	/* COPY disks: the bytes copied over all of them, phase "copy" (may be NULL) */
	backup_progress_fn progress;
	void *progress_arg;
};

/*
 * Creates guest def->name: checks (guest_check_new, skipping "name taken"
 * when o->replace), gives NICs without a MAC a random one and a VNC display
 * of GUEST_VNC_ANY the first free one (both written into def), makes the
 * disks in order, then writes cfg->vms_dir/NAME.yaml (0600) and logs the
 * event. o may be NULL. -1 with *err ("display 3 is used by web1", "cannot
 * create /srv/x.qcow2: ...") and nothing left behind.
 */
int guest_create(const struct config *cfg, struct vmdef *def, const struct guest_create_opts *o,
		 char **err);

/*
 * Writes text as cfg->vms_dir/NAME.yaml, mode 0600: a temporary file in
 * vms_dir (fsynced), then linked to its name, which fails when the name
 * exists (a concurrent creator is never overwritten), or renamed over it when
 * replace; the folder is fsynced. guest_create's last step.
 */
int guest_definition_place(const struct config *cfg, const char *name, const char *text,
			   bool replace, char **err);

/*
 * The checks a new guest must pass, against the definitions in cfg->vms_dir
 * and this host: name rule, name not taken (unless replace), listen address
 * valid here, display (unless GUEST_VNC_ANY) not used by another definition
 * (any listen address that meets this one) nor by a listener now.
 */
int guest_check_new(const struct config *cfg, const struct vmdef *def, bool replace, char **err);

/*
 * The first display from GUEST_VNC_FIRST to GUEST_VNC_LAST that no
 * definition in defs (other than one named self, may be NULL) uses on an
 * address that meets listen (NULL: the default), and nothing listens on
 * now. -1 when every one is taken.
 */
int guest_vnc_free_display(const struct vmdef *defs, size_t n, const char *self,
			   const char *listen);

/* Sets def->vnc_display to the first free display for def's listen (turns VNC on); it, or -1. */
int guest_vnc_pick(const struct config *cfg, struct vmdef *def, char **err);
/*
 * Creations of this host take turns at their last step (the display checked again, the
 * definition written), and so do edits that move a display: an flock on vms_dir itself (no file
 * of ours in the admins' folder). The fd to close, or -1 when vms_dir cannot be opened: the
 * definition's own link-or-fail still keeps names apart.
 */
int guest_creation_lock(const struct config *cfg);

/*
 * Whether display on listen is taken, and by whom: "web1" (a definition
 * other than self) or "a listener on port 5903". NULL when it is free.
 * Allocated.
 */
char *guest_vnc_display_user(const struct vmdef *defs, size_t n, const char *self, int display,
			     const char *listen);

/*
 * The same, for the definitions only (no listener is asked): a guest's own
 * display on a new address, which its own running VNC server still holds.
 */
char *guest_vnc_display_def_user(const struct vmdef *defs, size_t n, const char *self, int display,
				 const char *listen);

/* Two definitions whose VNC servers would meet: same display, and an address in common. */
bool guest_vnc_clash(const struct vmdef *a, const struct vmdef *b);

/*
 * listen is an address this host can listen on: 0.0.0.0, ::, one of its
 * own, or localhost. Another host name is not looked up (no DNS wait in a
 * form) and is left to QEMU.
 */
int guest_listen_check(const char *listen, char **err);

/* A new guest's disk by the naming rule: "VG/NAME" when lv, else "file_dir/NAME.qcow2". */
char *guest_disk_default(const struct config *cfg, const char *name, bool lv);

#endif
