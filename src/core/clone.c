/* clone.c: `vmdeck clone`: full and linked copies of a stopped guest through guest_create; template checks. */
#include "clone.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"
#include "snapshot.h"
#include "spawn.h"
#include "storage.h"
#include "vm.h"
#include "vmstate.h"

/* ---- the new guest's definition ---- */

/* NEW's name for disk i: NEW, then NEW-1, NEW-2 ... (as restore --as names them). */
static char *disk_stem(const char *dst, size_t i)
{
	return i == 0 ? xstrdup(dst) : xasprintf("%s-%zu", dst, i);
}

static const char *file_ext(const char *path)
{
	const char *base = path_base(path), *dot = strrchr(base, '.');

	return dot && dot != base ? dot : "";
}

struct clone_ctx {
	const struct config *cfg;
	const struct vmdef *src;
	struct vmdef *nd;
	char **from;            /* per disk: what SRC's disk shows (its overlay, or the LV or file) */
};

/* A linked clone's disk: an empty qcow2 over SRC's disk, 0600. */
static int make_linked(void *arg, size_t i, bool *created, char **err)
{
	struct clone_ctx *c = arg;
	const char *file = c->nd->disks[i].file;
	char *av[] = { (char *)"qemu-img", (char *)"create", (char *)"-q", (char *)"-f", (char *)"qcow2",
		       (char *)"-F", (char *)storage_disk_format(&c->src->disks[i]), (char *)"-b", c->from[i],
		       (char *)file, NULL };
	char *dir = xstrdup(file);
	int rc;

	*strrchr(dir, '/') = '\0';
	rc = mkdir_p(dir, 0755, err);
	free(dir);
	if (rc < 0)
		return -1;
	if (access(file, F_OK) == 0)
		return err_set(err, "%s already exists", file);
	*created = true;
	if (spawn_run(av, NULL, err) < 0)
		return -1;
	return chmod(file, 0600) < 0 ? err_set(err, "%s: %s", file, strerror(errno)) : 0;
}

static void disk_set(char **field, char *value)
{
	free(*field);
	*field = value;
}

/* Disk i of the copy: where it goes (NEW's name) and how it is made. */
static int clone_disk(struct clone_ctx *c, size_t i, bool linked, struct guest_disk_plan *p, char **err)
{
	const struct vm_disk *s = &c->src->disks[i];
	struct vm_disk *d = &c->nd->disks[i];
	char *stem = disk_stem(c->nd->name, i);

	if (storage_disk_path(c->cfg, s, &c->from[i], err) < 0) {
		free(stem);
		return -1;
	}
	if (s->overlay)  /* a full copy takes what the guest sees, through its chain */
		disk_set(&c->from[i], xstrdup(s->overlay));
	disk_set(&d->overlay, NULL);
	if (linked) {
		disk_set(&d->lv, NULL);
		disk_set(&d->file, xasprintf("%s/%s.qcow2", c->cfg->file_dir, stem));
		disk_set(&d->format, xstrdup("qcow2"));
		*p = (struct guest_disk_plan){ .how = GUEST_DISK_MAKE, .make = make_linked, .arg = c };
	} else {
		if (s->lv && strchr(s->lv, '/'))
			disk_set(&d->lv, xasprintf("%.*s/%s", (int)(strchr(s->lv, '/') - s->lv), s->lv, stem));
		else if (s->lv)
			disk_set(&d->lv, xasprintf("%s/%s", c->cfg->vg, stem));
		else
			disk_set(&d->file, xasprintf("%s/%s%s", c->cfg->file_dir, stem, file_ext(s->file)));
		*p = (struct guest_disk_plan){ .how = GUEST_DISK_COPY, .from = c->from[i],
					       .from_format = s->overlay ? "qcow2" : storage_disk_format(s) };
	}
	free(stem);
	return 0;
}

/* SRC's definition as NEW's: its name, no MACs (new ones come), any free VNC display, not a template. */
static void clone_def(struct vmdef *nd, const char *dst)
{
	disk_set(&nd->name, xstrdup(dst));
	disk_set(&nd->path, NULL);
	for (size_t i = 0; i < nd->n_nics; i++)
		disk_set(&nd->nics[i].mac, NULL);
	if (nd->vnc)
		nd->vnc_display = GUEST_VNC_ANY;
	nd->template = false;
}

static int clone_check(const struct config *cfg, const struct vmdef *src, const struct clone_opts *o, char **err)
{
	if (src->error)
		return err_set(err, "%s", src->error);
	if (src->n_disks == 0)
		return err_set(err, "%s has no disks", src->name);
	if (vmstate_pid_find(cfg, src->name) > 0)
		return err_set(err, "%s is running: stop it first (a copy needs its disks at rest)", src->name);
	if (o->linked && snapshot_summary(cfg, src->name, NULL) > 0)
		return err_set(err, "%s has snapshots: delete them first (their commits would change what a linked "
			       "clone stands on)", src->name);
	return 0;
}

static int clone_body(const struct config *cfg, const struct vmdef *src, const char *dst,
		      const struct clone_opts *o, char **err)
{
	struct vmdef nd;
	struct clone_ctx c = { cfg, src, &nd, NULL };
	struct guest_disk_plan *plans;
	char *event = xasprintf("%s clone of %s", o->linked ? "linked" : "full", src->name);
	struct guest_create_opts go = { .event = event };
	int rc = vmdef_load_by_name(cfg, src->name, &nd, err);

	if (rc < 0) {
		free(event);
		vmdef_free(&nd);
		return -1;
	}
	clone_def(&nd, dst);
	plans = xcalloc(nd.n_disks, sizeof *plans);
	c.from = xcalloc(nd.n_disks, sizeof *c.from);
	for (size_t i = 0; rc == 0 && i < nd.n_disks; i++)
		rc = clone_disk(&c, i, o->linked, &plans[i], err);
	go.disks = plans;
	if (rc == 0)
		rc = guest_create(cfg, &nd, &go, err);
	if (rc == 0 && o->linked && !src->template)
		rc = vmdef_set_key(src->path, "template", "true", err);
	for (size_t i = 0; i < nd.n_disks; i++)
		free(c.from[i]);
	free(c.from);
	free(plans);
	free(event);
	vmdef_free(&nd);
	return rc;
}

int clone_run(const struct config *cfg, const char *src, const char *dst, const struct clone_opts *o, char **err)
{
	struct vmdef sd;
	int lock, rc;

	if (vmdef_load_by_name(cfg, src, &sd, err) < 0) {
		vmdef_free(&sd);
		return -1;
	}
	if (clone_check(cfg, &sd, o, err) < 0 || (lock = vm_lock(cfg, src, false, err)) < 0) {
		vmdef_free(&sd);
		return -1;
	}
	/* checked again under the lock: a start that slipped in between is not copied mid-write */
	rc = vmstate_pid_find(cfg, src) > 0 ? err_set(err, "%s is running: stop it first", src)
					    : clone_body(cfg, &sd, dst, o, err);
	vm_unlock(lock);
	vmdef_free(&sd);
	return rc;
}
