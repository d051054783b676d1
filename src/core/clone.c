/* clone.c: `vmdeck clone`: a new guest from a stopped one, disks copied or linked; templates. */
#include "clone.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events.h"
#include "guest.h"
#include "jobfile.h"
#include "lvm.h"
#include "snapshot.h"
#include "storage.h"
#include "template.h"
#include "vm.h"
#include "vmstate.h"

char *clone_name_propose(const struct config *cfg, const char *src)
{
	for (int i = 1; i < 1000; i++) {
		char *name = i == 1 ? xasprintf("%s-clone", src) : xasprintf("%s-clone-%d", src, i);
		char *path = xasprintf("%s/%s.yaml", cfg->vms_dir, name);
		bool free_name = name_valid(name) && access(path, F_OK) < 0;

		free(path);
		if (free_name)
			return name;
		free(name);
	}
	return xstrdup("");
}

/* ---- the new definition ---- */

static char *with_index(const char *base, size_t i, const char *ext)
{
	return i ? xasprintf("%s-%zu%s", base, i, ext) : xasprintf("%s%s", base, ext);
}

/* Disk i of NEW: an LV beside SRC's, or a file in file_dir (qcow2 when linked). */
static int disk_rename(const struct config *cfg, struct vm_disk *d, const char *name, size_t i,
		       bool linked, char **err)
{
	char *vg = NULL, *lv = NULL, *base;

	if (d->lv && !linked) {
		if (lvm_split(cfg, d->lv, &vg, &lv, err) < 0)
			return -1;
		base = xasprintf("%s/%s", vg, name);
		free(d->lv);
		d->lv = with_index(base, i, "");
		free(base);
		free(vg);
		free(lv);
		return 0;
	}
	const char *fmt = linked ? "qcow2" : storage_disk_format(d);
	char *file;

	base = path_join(cfg->file_dir, name);
	file = with_index(base, i, strcmp(fmt, "qcow2") == 0 ? ".qcow2" : ".raw");
	free(base);
	if (linked || d->lv) {  /* the name says the format */
		free(d->format);
		d->format = NULL;
	}
	free(d->lv);
	d->lv = NULL;
	free(d->file);
	d->file = file;
	return 0;
}

/* A VNC password of 8 letters and digits (the VNC limit), from the kernel's random pool. */
static char *random_password(char **err)
{
	static const char set[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char r[8];
	char *p;

	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
		err_set(err, "cannot make a VNC password: getrandom: %s", strerror(errno));
		return NULL;
	}
	p = xcalloc(9, 1);
	for (size_t i = 0; i < sizeof r; i++)
		p[i] = set[r[i] % (sizeof set - 1)];
	explicit_bzero(r, sizeof r);
	return p;
}

/* SRC's definition turned into NEW's: name, disks, MACs, display, password, no template flag. */
static int def_for_clone(const struct config *cfg, struct vmdef *def, const char *name,
			 const struct clone_opts *o, char **err)
{
	free(def->name);
	def->name = xstrdup(name);
	free(def->path);
	def->path = NULL;
	def->template = false;
	for (size_t i = 0; i < def->n_disks; i++) {
		free(def->disks[i].overlay);  /* SRC's snapshots stay SRC's: NEW's disks are flat */
		def->disks[i].overlay = NULL;
		if (disk_rename(cfg, &def->disks[i], name, i, o->linked, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < def->n_nics; i++) {
		free(def->nics[i].mac);
		def->nics[i].mac = NULL;  /* guest_create gives each card a new one */
	}
	if (def->vnc)
		def->vnc_display = GUEST_VNC_ANY;
	if (def->vnc_password && !o->keep_vnc_password) {
		explicit_bzero(def->vnc_password, strlen(def->vnc_password));
		free(def->vnc_password);
		if ((def->vnc_password = random_password(err)) == NULL)
			return -1;
	}
	return 0;
}

/* ---- the run ---- */

struct cl {
	const struct config *cfg;
	const struct vmdef *src;
	const struct clone_opts *o;
};

/*
 * Once NEW's disks exist: a linked clone's SRC becomes a template, in its file, before NEW is
 * placed.
 */
static int mark_template(void *arg, char **err)
{
	struct cl *c = arg;
	struct vmdef_change ch = { .key = "template", .value = "true" };
	size_t bad;

	if (!c->o->linked || c->src->template)
		return 0;
	return vmdef_apply_changes(c->src->path, &ch, 1, &bad, err);
}

/* The disk's format as a literal: def_for_clone frees the definition's own text. */
static const char *fmt_static(const struct vm_disk *d)
{
	return strcmp(storage_disk_format(d), "qcow2") == 0 ? "qcow2" : "raw";
}

/*
 * Where each disk comes from. A full copy reads what the guest sees: the
 * top of a snapshot chain (qemu-img flattens it) or the disk itself. A
 * linked clone needs a base that never changes, so SRC's snapshots refuse
 * it: a revert or a commit would rewrite the layer its overlays read.
 */
static int clone_sources(struct cl *c, const struct vmdef *def, struct strv *from,
			 struct guest_disk_plan *plan, char **err)
{
	size_t n = c->o->linked ? snapshot_count(c->cfg, def, NULL) : 0;

	/* a chain the metadata lost is a snapshot still */
	for (size_t i = 0; i < def->n_disks && c->o->linked && n == 0; i++)
		n = def->disks[i].overlay != NULL;
	if (n)
		return err_set(
			err,
			"it has %zu snapshot%s: a linked clone needs a base that never changes "
			"(delete them, or make a full clone)",
			n, n == 1 ? "" : "s");
	if (template_disk_paths(c->cfg, def, from, err) < 0)
		return -1;
	for (size_t i = 0; i < def->n_disks; i++) {
		const char *top = def->disks[i].overlay;

		if (top && !c->o->linked) {
			free(from->v[i]);
			from->v[i] = xstrdup(top);
		}
		plan[i] = (struct guest_disk_plan){
			.how = c->o->linked ? GUEST_DISK_OVERLAY : GUEST_DISK_COPY,
			.from = from->v[i],
			.from_format = top && !c->o->linked ? "qcow2" : fmt_static(&def->disks[i])
		};
	}
	return 0;
}

static int clone_locked(struct cl *c, const char *name, char **err)
{
	struct vmdef def;
	struct guest_disk_plan *plan;
	struct strv from = { 0 };
	char *e = NULL;
	int rc;

	if (vmstate_pid_find(c->cfg, c->src->name) > 0)
		return err_set(
			err,
			"it is running: stop it first (a clone is made from a stopped guest's "
			"disks)");
	if (vmdef_load_by_name(c->cfg, c->src->name, &def, err) < 0)
		return -1;
	plan = xcalloc(def.n_disks ? def.n_disks : 1, sizeof *plan);
	rc = clone_sources(c, &def, &from, plan, err);
	if (rc == 0)
		rc = def_for_clone(c->cfg, &def, name, c->o, err);
	if (rc == 0) {
		struct guest_create_opts go = {
			.disks = plan,
			.commit = mark_template,
			.commit_arg = c,
			.cancel = c->o->hooks.cancel,
			.progress = c->o->hooks.progress,
			.progress_arg = c->o->hooks.arg,
		};

		e = xasprintf("definition created: a %s clone of %s",
			      c->o->linked ? "linked" : "full", c->src->name);
		go.event = e;
		rc = guest_create(c->cfg, &def, &go, err);
	}
	free(e);
	free(plan);
	strv_free(&from);
	vmdef_free(&def);
	return rc;
}

int clone_run(const struct config *cfg, const char *src, const char *name,
	      const struct clone_opts *o, char **err)
{
	struct vmdef def;
	struct clone_opts mine = *o;  /* its hooks publish the progress too (jobfile.h) */
	struct cl c = { cfg, &def, &mine };
	struct jobfile *jf;
	int lock, rc;

	if (!name_valid(name))
		return err_set(
			err,
			"%s: not a valid guest name (letters, digits, '.', '_', '-'; at most 64, "
			"starting with a letter or digit)",
			name);
	if (vmdef_load_by_name(cfg, src, &def, err) < 0)
		return -1;
	if ((lock = vm_lock(cfg, src, false, err)) < 0) {
		vmdef_free(&def);
		return -1;
	}
	/* under the source's name: the clone has no row until its definition is written */
	jf = jobfile_begin(cfg, src, "clone", &mine.hooks);
	rc = clone_locked(&c, name, err);
	jobfile_end(jf);
	if (rc == 0)
		events_log(cfg, src, EV_NOTE, "cloned to %s (%s)", name,
			   o->linked ? "linked: now a template" : "full copy");
	vm_unlock(lock);
	vmdef_free(&def);
	return rc;
}
