/* template.c: linked clones and their template: which guests' qcow2 disks are backed by a guest's disks. */
#include "template.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a qcow2 image's backing file, from its header ---- */

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The backing file named in a qcow2 header (allocated), NULL when none or not qcow2. Bounded reads only. */
static char *qcow2_backing(const char *path)
{
	unsigned char h[20];
	char *name = NULL;
	uint64_t off;
	uint32_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return NULL;
	if (pread(fd, h, sizeof h, 0) == (ssize_t)sizeof h && memcmp(h, "QFI\xfb", 4) == 0) {
		off = be64(h + 8);
		len = be32(h + 16);
		if (off && len > 0 && len < 1024) {
			name = xcalloc(1, len + 1);
			if (pread(fd, name, len, (off_t)off) != (ssize_t)len || memchr(name, '\0', len)) {
				free(name);
				name = NULL;
			}
		}
	}
	close(fd);
	return name;
}

/* def's disk i as a host path: the LV's /dev/VG/LV (as QEMU opens it), or the file. */
static char *disk_host_path(const struct vm_disk *d)
{
	if (d->lv)
		return d->lv[0] == '/' ? xstrdup(d->lv) : xasprintf("/dev/%s", d->lv);
	return xstrdup(d->file);
}

static bool backed_by(const struct vm_disk *d, const struct vmdef *tpl)
{
	const char *img = d->overlay ? NULL : d->file;
	char *b = img ? qcow2_backing(img) : NULL;
	bool hit = false;

	for (size_t i = 0; b && !hit && i < tpl->n_disks; i++) {
		char *p = disk_host_path(&tpl->disks[i]);

		hit = strcmp(p, b) == 0;
		free(p);
	}
	free(b);
	return hit;
}

int template_children(const struct config *cfg, const struct vmdef *def, struct strv *out, char **err)
{
	struct vmdef *defs;
	size_t n;

	if (vmdefs_load_all(cfg, &defs, &n, err) < 0)
		return -1;
	for (size_t g = 0; g < n; g++) {
		if (defs[g].error || strcmp(defs[g].name, def->name) == 0)
			continue;
		for (size_t i = 0; i < defs[g].n_disks; i++)
			if (backed_by(&defs[g].disks[i], def)) {
				strv_add(out, defs[g].name);
				break;
			}
	}
	vmdefs_free(defs, n);
	return 0;
}

int template_check(const struct config *cfg, const struct vmdef *def, char **err)
{
	struct strv kids = { 0 };
	struct sbuf b = { 0 };
	int rc = 0;

	if (!def->template || template_children(cfg, def, &kids, NULL) < 0 || kids.n == 0) {
		strv_free(&kids);
		return 0;
	}
	for (size_t i = 0; i < kids.n; i++)
		sbuf_printf(&b, "%s%s", i ? ", " : "", kids.v[i]);
	rc = err_set(err, "%s is a template: linked clone%s %s use%s its disks, which must not change", def->name,
		     kids.n == 1 ? "" : "s", b.s, kids.n == 1 ? "s" : "");
	sbuf_free(&b);
	strv_free(&kids);
	return rc;
}

