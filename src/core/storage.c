/*
 * storage.c: image files through qemu-img, and a guest disk's path, size and format whatever its
 * kind.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lvm.h"
#include "spawn.h"
#include "storage.h"
#include "util.h"

const char *storage_file_format(const char *path, const char *format)
{
	size_t n = strlen(path);

	if (format && format[0])
		return format;
	return n > 6 && strcmp(path + n - 6, ".qcow2") == 0 ? "qcow2" : "raw";
}

bool storage_format_known(const char *format)
{
	return format && choice_index(vmdef_choices("disks.format"), format) >= 0;
}

int storage_file_create(const char *path, const char *format, uint64_t size, char **err)
{
	const char *fmt = storage_file_format(path, format);
	char sz[32], *dir, *slash;
	char *av[] = { (char *)"qemu-img", (char *)"create", (char *)"-q", (char *)"-f",
		       (char *)fmt,	   (char *)path,     sz,	   NULL };
	int rc, fd;
	char *known;

	if (!storage_format_known(fmt)) {
		known = choices_text(vmdef_choices("disks.format"));
		err_set(err, "%s: unknown image format '%s' (%s)", path, fmt, known);
		free(known);
		return -1;
	}
	if (size == 0)
		return err_set(err, "%s: no size given", path);
	if (access(path, F_OK) == 0)
		return err_set(err, "%s already exists (not overwritten)", path);
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		rc = mkdir_p(dir, 0755, err);
		if (rc < 0) {
			free(dir);
			return -1;
		}
	}
	free(dir);
	/*
	 * The image is born 0600 (a guest's disk is its data): the file is made
	 * here, exclusively and without following a link, and qemu-img writes
	 * into it, keeping its mode whatever the umask.
	 */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return err_set(err, "cannot create %s: %s", path, strerror(errno));
	close(fd);
	snprintf(sz, sizeof sz, "%llu", (unsigned long long)size);
	if ((rc = spawn_run(av, NULL, err)) < 0)
		unlink(path);
	return rc;
}

int storage_file_info(const char *path, uint64_t *virtual_size, uint64_t *allocated, char **err)
{
	char *av[] = { (char *)"qemu-img", (char *)"info", (char *)"-U", (char *)"--output=json",
			(char *)path, NULL };
	char *text = NULL;
	json_t *root;

	if (access(path, F_OK) < 0)
		return err_set(err, "%s: %s", path, strerror(errno));
	if (spawn_run(av, &text, err) < 0)
		return -1;
	root = json_loads(text, 0, NULL);
	free(text);
	if (!json_is_object(root)) {
		json_decref(root);
		return err_set(err, "%s: cannot read qemu-img info", path);
	}
	if (virtual_size)
		*virtual_size = (uint64_t)json_integer_value(json_object_get(root, "virtual-size"));
	if (allocated)
		*allocated = (uint64_t)json_integer_value(json_object_get(root, "actual-size"));
	json_decref(root);
	return 0;
}

int storage_file_resize(const char *path, const char *format, uint64_t size, bool allow_shrink,
			char **err)
{
	const char *fmt = storage_file_format(path, format);
	uint64_t cur;
	char sz[32];
	struct strv av = { 0 };
	int rc;

	if (storage_file_info(path, &cur, NULL, err) < 0)
		return -1;
	if (size < cur && !allow_shrink)
		return err_set(err, "%s: shrinking loses data at its end (confirm with --shrink)",
			       path);
	if (size == cur)
		return 0;
	snprintf(sz, sizeof sz, "%llu", (unsigned long long)size);
	strv_add(&av, "qemu-img");
	strv_add(&av, "resize");
	strv_add(&av, "-q");
	strv_add(&av, "-f");
	strv_add(&av, fmt);
	if (size < cur)
		strv_add(&av, "--shrink");
	strv_add(&av, path);
	strv_add(&av, sz);
	rc = spawn_run(av.v, NULL, err);
	strv_free(&av);
	return rc;
}

const char *storage_disk_format(const struct vm_disk *d)
{
	if (d->lv)
		return d->format && d->format[0] ? d->format : "raw";
	return storage_file_format(d->file, d->format);
}

int storage_disk_path(const struct config *cfg, const struct vm_disk *d, char **path, char **err)
{
	struct lvm_lv info;
	int rc;

	if (d->file) {
		*path = xstrdup(d->file);
		return 0;
	}
	if ((rc = lvm_info(cfg, d->lv, &info, err)) <= 0)
		return rc < 0 ? -1 : err_set(err, "logical volume %s does not exist", d->lv);
	*path = info.path;
	info.path = NULL;
	lvm_lv_free(&info);
	return 0;
}

int storage_disk_size(const struct config *cfg, const struct vm_disk *d, uint64_t *size, char **err)
{
	struct lvm_lv info;
	int rc;

	if (d->file)
		return storage_file_info(d->file, size, NULL, err);
	if ((rc = lvm_info(cfg, d->lv, &info, err)) <= 0)
		return rc < 0 ? -1 : err_set(err, "logical volume %s does not exist", d->lv);
	*size = info.size;
	lvm_lv_free(&info);
	return 0;
}

int storage_create_for_new(const struct config *cfg, const struct vmdef *def, char **err)
{
	for (size_t i = 0; i < def->n_disks; i++) {
		const struct vm_disk *d = &def->disks[i];
		int rc;

		if (d->size == 0)
			continue;  /* an existing volume the admin named; nothing to create */
		if (d->lv) {
			rc = lvm_create(cfg, d->lv, d->size, err);
		} else {
			/* a bare name is where the definition will find it: in storage.file_dir */
			char *path = path_resolve(cfg->file_dir, d->file);

			rc = storage_file_create(path, d->format, d->size, err);
			free(path);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

int storage_file_ensure(const struct vm_disk *d, char **err)
{
	struct stat st;
	int rc;

	if (stat(d->file, &st) == 0)
		return access(d->file, R_OK | W_OK) == 0 ? 0 :
			err_set(err, "disk file %s: %s", d->file, strerror(errno));
	if (errno != ENOENT)
		return err_set(err, "disk file %s: %s", d->file, strerror(errno));
	if (d->size == 0)
		return err_set(err, "disk file %s does not exist (give it a size: to create it)",
			       d->file);
	rc = storage_file_create(d->file, d->format, d->size, err);
	if (rc < 0 && err && *err) {
		char *why = *err;

		*err = NULL;
		err_set(err, "cannot create disk %s: %s", d->file, why);
		free(why);
	}
	return rc;
}

/* True when the two LV references name the same volume (a bare LV means storage.vg). */
static bool lv_same(const struct config *cfg, const char *a, const char *b)
{
	char *va, *la, *vb, *lb;
	bool same = false;

	if (lvm_split(cfg, a, &va, &la, NULL) < 0)
		return false;
	if (lvm_split(cfg, b, &vb, &lb, NULL) == 0) {
		same = strcmp(va, vb) == 0 && strcmp(la, lb) == 0;
		free(vb);
		free(lb);
	}
	free(va);
	free(la);
	return same;
}

static bool file_same(const char *a, const char *b)
{
	struct stat sa, sb;

	if (strcmp(a, b) == 0)
		return true;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/*
 * Is file the overlay top or a layer below it down to the disk itself (a snapshot chain: each
 * qcow2 names its backing file)? Never past the disk (a linked clone's base is the template's).
 * Bounded, so a chain that loops ends.
 */
static bool chain_has(const struct vm_disk *d, const char *file)
{
	char *p = xstrdup(d->overlay), *next;
	bool found = false;

	for (int k = 0; p && k < 64 && !found; k++) {
		found = file_same(file, p);
		next = found || (d->file && file_same(p, d->file)) ? NULL : storage_backing_file(p);
		free(p);
		p = next;
	}
	free(p);
	return found;
}

const struct vmdef *storage_disk_owner(const struct vmdef *defs, size_t n, const struct config *cfg,
				       const char *lv_ref, const char *file)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < defs[i].n_disks; j++) {
			const struct vm_disk *d = &defs[i].disks[j];

			if ((lv_ref && d->lv && lv_same(cfg, lv_ref, d->lv)) ||
			    (file && d->file && file_same(file, d->file)))
				return &defs[i];
		}
	}
	/* a snapshot's overlays are the guest's disk as much as the disk itself */
	for (size_t i = 0; file && i < n; i++)
		for (size_t j = 0; j < defs[i].n_disks; j++)
			if (defs[i].disks[j].overlay && chain_has(&defs[i].disks[j], file))
				return &defs[i];
	return NULL;
}

/* ---- copies and overlays ---- */

/* The last "(NN.NN/100%)" qemu-img -p wrote, as a fraction; < 0 if none in buf. */
static double last_percent(const char *buf, size_t len)
{
	double pct = -1;

	for (size_t i = 0; i < len; i++) {
		double v;

		if (buf[i] == '(' && sscanf(buf + i, "(%lf/100%%)", &v) == 1)
			pct = v / 100.0;
	}
	return pct;
}

/* Reads qemu-img's progress until it closes stdout; SIGTERM to it once cancel is set. */
static void convert_follow(struct spawn *sp, uint64_t size, void (*add)(void *, uint64_t),
			   void *arg, volatile sig_atomic_t *cancel)
{
	char buf[512];
	uint64_t told = 0;
	bool killed = false;

	for (;;) {
		struct pollfd pfd = { .fd = sp->out, .events = POLLIN };
		ssize_t n;
		double pct;

		if (cancel && *cancel && !killed) {
			kill(sp->pid, SIGTERM);
			killed = true;
		}
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		if ((n = read(sp->out, buf, sizeof buf - 1)) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		buf[n] = '\0';
		pct = last_percent(buf, (size_t)n);
		if (pct >= 0 && add && (uint64_t)(pct * (double)size) > told) {
			add(arg, (uint64_t)(pct * (double)size) - told);
			told = (uint64_t)(pct * (double)size);
		}
	}
	if (add && size > told && !(cancel && *cancel))
		add(arg, size - told);
}

int storage_convert(const char *from, const char *sfmt, const char *to, const char *dfmt, bool into,
		    uint64_t size, void (*add)(void *arg, uint64_t bytes), void *arg,
		    volatile sig_atomic_t *cancel, char **err)
{
	struct strv av = { 0 };
	struct spawn sp;
	char *why = NULL;
	int st;

	strv_add(&av, "qemu-img");
	strv_add(&av, "convert");
	strv_add(&av, "-p");
	if (into)
		strv_add(&av, "-n"); /* the target exists (an LV, a 0600 file): written as it is */
	strv_add(&av, "-f");
	strv_add(&av, sfmt);
	strv_add(&av, "-O");
	strv_add(&av, dfmt);
	strv_add(&av, from);
	strv_add(&av, to);
	st = spawn_start(&sp, av.v, SPAWN_NULL, SPAWN_PIPE, err);
	strv_free(&av);
	if (st < 0)
		return -1;
	convert_follow(&sp, size, add, arg, cancel);
	st = spawn_finish(&sp, &why);
	if (cancel && *cancel) {
		free(why);
		return err_set(err, "interrupted");
	}
	if (st != 0) {
		err_set(err, "cannot copy %s to %s: %s", from, to, why ? why : "qemu-img failed");
		free(why);
		return -1;
	}
	free(why);
	return 0;
}

int storage_overlay_create(const char *path, const char *backing, const char *bfmt, char **err)
{
	char *av[] = { (char *)"qemu-img",
		       (char *)"create",
		       (char *)"-q",
		       (char *)"-f",
		       (char *)"qcow2",
		       (char *)"-b",
		       (char *)backing,
		       (char *)"-F",
		       (char *)bfmt,
		       (char *)path,
		       NULL };
	int fd, rc;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return err_set(err, "cannot create %s: %s", path, strerror(errno));
	close(fd); /* born 0600 here; qemu-img writes into it and keeps its mode */
	if ((rc = spawn_run(av, NULL, err)) < 0)
		unlink(path);
	return rc;
}

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

char *storage_backing_file(const char *path)
{
	unsigned char h[20];
	char name[1024], *dir, *out;
	uint64_t off;
	uint32_t len;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	bool ok;

	if (fd < 0)
		return NULL;
	ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	     pread(fd, h, sizeof h, 0) == (ssize_t)sizeof h && memcmp(h, "QFI\xfb", 4) == 0;
	off = ok ? be64(h + 8) : 0;
	len = ok ? (uint32_t)h[16] << 24 | (uint32_t)h[17] << 16 | (uint32_t)h[18] << 8 | h[19] : 0;
	ok = ok && off && len && len < sizeof name &&
	     pread(fd, name, len, (off_t)off) == (ssize_t)len;
	close(fd);
	if (!ok)
		return NULL;
	name[len] = '\0';
	if (name[0] == '/' || strchr(name, ':'))
		return xstrdup(name);
	dir = xstrdup(path);
	*(strrchr(dir, '/') ? strrchr(dir, '/') : dir) = '\0';
	out = path_join(dir[0] ? dir : ".", name);
	free(dir);
	return out;
}
