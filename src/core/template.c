/*
 * template.c: templates: the guests whose disks back other guests' qcow2 overlays, and what they
 * refuse.
 */
#include "template.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage.h"

/* The same file or device, by name or by what the names lead to. */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (strcmp(a, b) == 0)
		return true;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int template_disk_paths(const struct config *cfg, const struct vmdef *src, struct strv *paths,
			char **err)
{
	for (size_t i = 0; i < src->n_disks; i++) {
		char *p = NULL;

		if (storage_disk_path(cfg, &src->disks[i], &p, err) < 0)
			return -1;
		strv_add(paths, p);
		free(p);
	}
	return 0;
}

/*
 * Whether d has a qcow2 file disk whose backing file is one of paths (looked up when first needed).
 */
static int backed_by(const struct config *cfg, const struct vmdef *d, const struct vmdef *src,
		     struct strv *paths, bool *looked, char **err)
{
	int hit = 0;

	for (size_t i = 0; i < d->n_disks && !hit; i++) {
		char *b;

		if (!d->disks[i].file || strcmp(storage_disk_format(&d->disks[i]), "qcow2") != 0)
			continue;
		if ((b = storage_backing_file(d->disks[i].file)) == NULL)
			continue;
		if (!*looked && template_disk_paths(cfg, src, paths, err) < 0) {
			free(b);
			return -1;
		}
		*looked = true;
		for (size_t k = 0; k < paths->n && !hit; k++)
			hit = same_file(b, paths->v[k]);
		free(b);
	}
	return hit;
}

int template_linked_find(const struct config *cfg, const struct vmdef *defs, size_t n,
			 const struct vmdef *src, struct strv *names, char **err)
{
	struct strv paths = { 0 };
	bool looked = false;
	int rc = 0;

	for (size_t i = 0; i < n && rc >= 0; i++) {
		if (defs[i].error || strcmp(defs[i].name, src->name) == 0)
			continue;
		rc = backed_by(cfg, &defs[i], src, &paths, &looked, err);
		if (rc == 1)
			strv_add(names, defs[i].name);
	}
	strv_free(&paths);
	return rc < 0 ? -1 : 0;
}

static char *names_text(const struct strv *names)
{
	struct sbuf b = { 0 };

	for (size_t i = 0; i < names->n; i++)
		sbuf_printf(&b, "%s%s", i ? ", " : "", names->v[i]);
	return sbuf_take(&b);
}

int template_start_check(const struct config *cfg, const struct vmdef *def, char **err)
{
	return template_check(cfg, def, "starting it", err);
}

int template_check(const struct config *cfg, const struct vmdef *def, const char *what, char **err)
{
	struct strv names = { 0 };
	struct vmdef *defs;
	size_t n;
	char *list;
	int rc = 0;

	/* nothing to check against is no reason to refuse */
	if (def->n_disks == 0 || access(cfg->vms_dir, F_OK) < 0 ||
	    vmdefs_load_all(cfg, &defs, &n, NULL) < 0)
		return 0;
	if (template_linked_find(cfg, defs, n, def, &names, NULL) == 0 && names.n) {
		list = names_text(&names);
		rc = err_set(
			err,
			"it is a template with linked clones: %s (they read its disks; delete them "
			"before %s)",
			list, what);
		free(list);
	}
	strv_free(&names);
	vmdefs_free(defs, n);
	return rc;
}

int template_base_check(const struct config *cfg, const struct vm_disk *d, char **err)
{
	struct vmdef base = { .name = (char *)"", .disks = (struct vm_disk *)d, .n_disks = 1 };
	struct strv names = { 0 };
	struct vmdef *defs;
	size_t n;
	char *list;
	int rc = 0;

	if (access(cfg->vms_dir, F_OK) < 0 || vmdefs_load_all(cfg, &defs, &n, NULL) < 0)
		return 0;
	if (template_linked_find(cfg, defs, n, &base, &names, NULL) == 0 && names.n) {
		list = names_text(&names);
		rc = err_set(
			err,
			"%s is the base of linked clones %s (their disks are overlays on it: "
			"delete them first)",
			d->lv ? d->lv : d->file, list);
		free(list);
	}
	strv_free(&names);
	vmdefs_free(defs, n);
	return rc;
}
