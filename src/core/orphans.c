/*
 * orphans.c: disks that no definition names, found by comparing the volumes there with every
 * definition.
 */
#include "lvm.h"
#include "orphans.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events.h"
#include "storage.h"
#include "snapshot.h"
#include "util.h"
#include "vm.h"
#include "vmstate.h"

void orphans_free(struct orphan *o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(o[i].name);
	free(o);
}

static void orphan_add(struct orphan **out, size_t *n, char *name, bool lv, uint64_t size)
{
	*out = xrealloc(*out, (*n + 1) * sizeof **out);
	(*out)[(*n)++] = (struct orphan){ name, lv, size };
}

const struct vmdef *orphans_unsure(const struct vmdef *defs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (defs[i].error)
			return &defs[i];
	return NULL;
}

/* A name in file_dir worth listing: not hidden, no control characters (it is shown on one line). */
static bool file_name_listed(const char *name)
{
	if (name[0] == '.')
		return false;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static int orphan_cmp(const void *a, const void *b)
{
	return strcmp(((const struct orphan *)a)->name, ((const struct orphan *)b)->name);
}

void orphans_files(const struct config *cfg, const struct vmdef *defs, size_t n,
		   struct orphan **out, size_t *n_out)
{
	size_t first = *n_out;

	DIR *d = cfg->file_dir ? opendir(cfg->file_dir) : NULL;
	struct dirent *e;
	struct stat st;

	while (d && (e = readdir(d)) != NULL) {
		char *path;

		if (!file_name_listed(e->d_name) || fstatat(dirfd(d), e->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		path = path_join(cfg->file_dir, e->d_name);
		if (storage_disk_owner(defs, n, cfg, NULL, path) == NULL) {
			uint64_t size;

			if (storage_file_info(path, &size, NULL, NULL) < 0)
				/* not an image qemu-img knows: its bytes */
				size = (uint64_t)st.st_size;
			orphan_add(out, n_out, path, false, size);
		} else {
			free(path);
		}
	}
	if (d)
		closedir(d);
	if (*n_out > first)
		/* readdir's order is no order */
		qsort(*out + first, *n_out - first, sizeof **out, orphan_cmp);
}

int orphans_lvs(const struct config *cfg, const struct vmdef *defs, size_t n, const char *vg,
		struct orphan **out, size_t *n_out, char **err)
{
	struct lvm_lv *lvs = NULL;
	size_t nl = 0;

	if (!vg)
		vg = cfg->vg && cfg->vg[0] ? cfg->vg : NULL;
	if (!vg)
		return 0;
	if (lvm_list(cfg, vg, &lvs, &nl, err) < 0)
		return -1;
	for (size_t i = 0; i < nl; i++) {
		char *name = xasprintf("%s/%s", lvs[i].vg, lvs[i].lv);

		if (storage_disk_owner(defs, n, cfg, name, NULL) == NULL)
			orphan_add(out, n_out, name, true, lvs[i].size);
		else
			free(name);
	}
	lvm_lvs_free(lvs, nl);
	return 0;
}

int orphans_find(const struct config *cfg, struct orphan **out, size_t *n_out, char **unsure,
		 char **err)
{
	struct vmdef *defs = NULL;
	const struct vmdef *bad;
	size_t n = 0;
	int rc;

	*out = NULL;
	*n_out = 0;
	if (unsure)
		*unsure = NULL;
	if (vmdefs_load_all(cfg, &defs, &n, err) < 0)
		return -1;
	rc = orphans_lvs(cfg, defs, n, NULL, out, n_out, err);
	if (rc == 0)
		orphans_files(cfg, defs, n, out, n_out);
	if (rc == 0 && unsure && (bad = orphans_unsure(defs, n)) != NULL)
		*unsure = xstrdup(bad->path);
	vmdefs_free(defs, n);
	return rc;
}

int orphans_print(const struct config *cfg)
{
	struct orphan *o;
	size_t n;
	char *err = NULL, *unsure = NULL;

	if (orphans_find(cfg, &o, &n, &unsure, &err) < 0) {
		fprintf(stderr, "vmdeck: cannot list disks: %s\n", err);
		free(err);
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		printf("orphan\t%s\t%llu\n", o[i].name, (unsigned long long)o[i].size);
	if (unsure)
		printf("unsure\t%s\n", unsure);
	if (n == 0)
		printf("every disk in %s%s%s belongs to a guest\n",
		       cfg->vg && cfg->vg[0] ? cfg->vg : "", cfg->vg && cfg->vg[0] ? " and " : "",
		       cfg->file_dir);
	else
		printf("%zu disk%s no guest uses\n", n, n == 1 ? "" : "s");
	fflush(stdout);
	free(unsure);
	orphans_free(o, n);
	return 0;
}

/*
 * The disk as the definition will name it: kind "lv" with "VG/LV", or "file" with an absolute path.
 */
static int attach_target(const struct config *cfg, const char *disk, const char **kind,
			 char **value, char **err)
{
	char *vg, *lv;

	if (disk[0] == '/') {
		struct stat st;

		if (stat(disk, &st) < 0)
			return err_set(err, "%s: %s", disk, strerror(errno));
		if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
			return err_set(err, "%s is not an image file", disk);
		*kind = "file";
		*value = xstrdup(disk);
		return 0;
	}
	if (lvm_split(cfg, disk, &vg, &lv, err) < 0)
		return -1;
	*kind = "lv";
	*value = xasprintf("%s/%s", vg, lv);
	free(vg);
	free(lv);
	if (lvm_info(cfg, *value, NULL, err) != 1) {
		if (err && !*err)
			err_set(err, "logical volume %s does not exist", *value);
		free(*value);
		return -1;
	}
	return 0;
}

/*
 * Under the guest's lock: the check that nobody names the disk and the edit are one step for
 * vmdeck.
 */
static int attach_locked(const struct config *cfg, const struct vmdef *def,
			 const struct vmdef *defs, size_t n, const char *kind, const char *value,
			 const char *interface, char **err)
{
	const bool is_lv = strcmp(kind, "lv") == 0;
	const struct vmdef *owner =
		storage_disk_owner(defs, n, cfg, is_lv ? value : NULL, is_lv ? NULL : value);
	const char *with[] = { "interface", interface, NULL };

	if (owner)
		return err_set(err, "%s is already a disk of guest %s", value, owner->name);
	if (vmdef_add_item(def->path, "disks", kind, value, interface ? with : NULL, err) < 0)
		return -1;
	events_log(cfg, def->name, EV_DISK_ATTACH, "disk %s attached", value);
	return 0;
}

int orphans_attach(const struct config *cfg, const char *name, const char *disk,
		   const char *interface, bool *running, char **err)
{
	struct vmdef *defs = NULL, *def = NULL;
	size_t n = 0;
	const char *kind;
	char *value = NULL;
	int lock, rc = -1;

	*running = false;
	if (attach_target(cfg, disk, &kind, &value, err) < 0)
		return -1;
	if (vmdefs_load_all(cfg, &defs, &n, err) < 0) {
		free(value);
		return -1;
	}
	for (size_t i = 0; i < n && !def; i++)
		if (strcmp(defs[i].name, name) == 0)
			def = &defs[i];
	if (!def)
		err_set(err, "no guest named %s", name);
	else if (def->error)
		err_set(err, "%s", def->error);
	/* its snapshots would not cover the new disk */
	else if (snapshot_summary(cfg, name, NULL) > 0)
		err_set(err, "%s has snapshots: delete them first (vmdeck snapshot %s list)", name,
			name);
	else if ((lock = vm_lock(cfg, name, false, err)) >= 0) {
		rc = attach_locked(cfg, def, defs, n, kind, value, interface, err);
		*running = vmstate_pid_find(cfg, name) > 0;
		vm_unlock(lock);
	}
	vmdefs_free(defs, n);
	free(value);
	return rc;
}
