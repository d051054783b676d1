/*
 * iso.c: the ISO library: images in iso_dirs, who uses them, and making, uploading and deleting
 * them.
 */
#include "iso.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spawn.h"

bool iso_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len < 5 || len > 200 || strcmp(name + len - 4, ".iso") != 0)
		return false;
	if (!((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z') ||
	      (name[0] >= '0' && name[0] <= '9')))
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-") ==
	       len;
}

/* ---- listing ---- */

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct iso_image *)a)->name, ((const struct iso_image *)b)->name);
}

static void scan_dir(const char *dir, struct iso_image **out, size_t *n, size_t *cap)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t first = *n;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		struct stat st;
		char *p;

		if (len < 5 || strcmp(de->d_name + len - 4, ".iso") != 0 || de->d_name[0] == '.')
			continue;
		p = path_join(dir, de->d_name);
		if (lstat(p, &st) < 0 || !S_ISREG(st.st_mode)) {  /* no links, folders or devices */
			free(p);
			continue;
		}
		if (*n == *cap)
			*out = xrealloc(*out, (*cap = *cap ? *cap * 2 : 16) * sizeof **out);
		(*out)[(*n)++] = (struct iso_image){ .path = p,
						     .name = path_base(p),
						     .size = (uint64_t)st.st_size,
						     .mtime = st.st_mtime };
	}
	closedir(d);
	qsort(*out + first, *n - first, sizeof **out, by_name);
}

int iso_scan(const struct config *cfg, struct iso_image **out, size_t *n, char **err)
{
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < cfg->n_iso_dirs; i++)
		scan_dir(cfg->iso_dirs[i], out, n, &cap);
	return 0;
}

void iso_entries_free(struct iso_image *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].path);
		strv_free(&e[i].used_by);
	}
	free(e);
}

/* The real path of what a definition's cdrom names, or NULL. */
static char *def_iso(const struct config *cfg, const struct vmdef *d)
{
	char *p, *real;

	if (!d->cdrom || !*d->cdrom || (p = vm_iso_resolve(cfg, d->cdrom, NULL)) == NULL)
		return NULL;
	real = realpath(p, NULL);
	free(p);
	return real;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

void iso_used_by(const struct config *cfg, const struct vmdef *defs, const struct vm_status *sts,
		 size_t n_defs, struct iso_image *e, size_t n)
{
	for (size_t g = 0; g < n_defs; g++) {
		char *mine = def_iso(cfg, &defs[g]);
		const char *drive = sts && sts[g].pid > 0 ? sts[g].cdrom : NULL;

		for (size_t i = 0; i < n; i++)
			if (same_file(mine, e[i].path) || same_file(drive, e[i].path))
				strv_add(&e[i].used_by, defs[g].name);
		free(mine);
	}
}

void iso_users(const struct config *cfg, const struct vmdef *defs, const struct vm_status *sts,
	       size_t n_defs, const char *path, struct strv *out)
{
	struct iso_image one = { .path = (char *)path };

	iso_used_by(cfg, defs, sts, n_defs, &one, 1);
	*out = one.used_by;
}

/* ---- put, make, delete ---- */

static int target_path(const struct config *cfg, const char *name, char **path, char **err)
{
	struct stat st;

	if (!iso_name_valid(name))
		return err_set(err,
			       "'%s' is not an image name (NAME.iso: letters, digits, . _ + -)",
			       name);
	if (cfg->n_iso_dirs == 0)
		return err_set(err, "no iso_dirs in the configuration");
	*path = path_join(cfg->iso_dirs[0], name);
	if (lstat(*path, &st) == 0) {
		err_set(err, "%s already exists (delete it first)", *path);
		free(*path);
		return -1;
	}
	return 0;
}

/* Copies fd into tmpfd; the bytes copied, or -1. */
static int64_t copy_stream(int fd, int tmpfd, char **err)
{
	static char buf[1 << 20];
	int64_t total = 0;
	ssize_t r;

	while ((r = read(fd, buf, sizeof buf)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_set(err, "reading the image: %s", strerror(errno));
		if (fd_write_all(tmpfd, buf, (size_t)r) < 0)
			return err_set(err, "writing the image: %s", strerror(errno));
		total += r;
	}
	return total;
}

/* fsync, rename tmp to path, fsync the folder; tmp is removed on failure. */
static int commit_file(int tmpfd, const char *tmp, const char *path, char **err)
{
	char *dir = xstrndup(path, (size_t)(path_base(path) - path));
	int rc = 0;

	if (fsync(tmpfd) < 0 || close(tmpfd) < 0)
		rc = err_set(err, "%s: %s", tmp, strerror(errno));
	/* like rename, but never replaces an image that appeared meanwhile */
	else if (link(tmp, path) < 0)
		rc = err_set(err, "%s: %s", path, strerror(errno));
	unlink(tmp);
	if (rc == 0)
		rc = dir_sync(dir, err);
	free(dir);
	return rc;
}

/*
 * An ISO 9660 image says how long it is (the primary volume descriptor at 32 KiB: blocks at 80,
 * block size at 128, little-endian first): a stream that ended before that is a broken upload (the
 * sender gone, stdin just ends), never an image. Other data is taken as it comes.
 */
static int check_length(int tmpfd, int64_t n, char **err)
{
	unsigned char pvd[136];
	uint64_t want;

	if (pread(tmpfd, pvd, sizeof pvd, 32768) != (ssize_t)sizeof pvd || pvd[0] != 1 ||
	    memcmp(pvd + 1, "CD001", 5) != 0)
		return 0;
	want = (uint64_t)(pvd[80] | pvd[81] << 8 | pvd[82] << 16 | (uint32_t)pvd[83] << 24) *
	       (uint64_t)(pvd[128] | pvd[129] << 8);
	if ((uint64_t)n < want)
		return err_set(err,
			       "the stream ended after %lld bytes of an image of %llu: not stored "
			       "(a broken upload?)",
			       (long long)n, (unsigned long long)want);
	return 0;
}

int iso_put(const struct config *cfg, const char *name, int fd, uint64_t *bytes, char **err)
{
	char *path, *tmp;
	int tmpfd;
	int64_t n;

	if (target_path(cfg, name, &path, err) < 0)
		return -1;
	tmp = xasprintf("%s/.%s.XXXXXX", cfg->iso_dirs[0], name);
	if ((tmpfd = mkstemp(tmp)) < 0) {
		err_set(err, "%s: %s", cfg->iso_dirs[0], strerror(errno));
	} else if ((n = copy_stream(fd, tmpfd, err)) <= 0 || check_length(tmpfd, n, err) < 0) {
		if (n == 0)
			err_set(err, "no image came on stdin");
		close(tmpfd);
		unlink(tmp);
		tmpfd = -1;
	} else {
		fchmod(tmpfd, 0644);
		*bytes = (uint64_t)n;
		if (commit_file(tmpfd, tmp, path, err) == 0) {
			free(tmp);
			free(path);
			return 0;
		}
	}
	free(tmp);
	free(path);
	return -1;
}

int iso_make(const struct config *cfg, const char *name, const char *dir, const char *label,
	     char **err)
{
	char *path, *tmp, *vol = xstrdup(label && *label ? label : name);
	struct stat st;
	int fd, rc = -1;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(vol);
		return err_set(err, "%s is not a folder", dir);
	}
	if (!label || !*label)
		vol[strlen(vol) - 4] = '\0';  /* the name without .iso */
	if (target_path(cfg, name, &path, err) < 0) {
		free(vol);
		return -1;
	}
	tmp = xasprintf("%s/.%s.XXXXXX", cfg->iso_dirs[0], name);
	if ((fd = mkstemp(tmp)) < 0) {
		err_set(err, "%s: %s", cfg->iso_dirs[0], strerror(errno));
	} else {
		/*
		 * -J Joliet (Windows), -R Rock Ridge (Unix names and modes), -V the label. "--"
		 * would end
		 * xorriso's mkisofs emulation, so a folder that looks like an option is given as
		 * ./-x.
		 */
		char *src = dir[0] == '-' ? xasprintf("./%s", dir) : xstrdup(dir);
		char *argv[] = { (char *)"xorriso",
				 (char *)"-as",
				 (char *)"mkisofs",
				 (char *)"-quiet",
				 (char *)"-J",
				 (char *)"-R",
				 (char *)"-V",
				 vol,
				 (char *)"-o",
				 tmp,
				 src,
				 NULL };

		rc = spawn_run(argv, NULL, err);
		free(src);
		if (rc == 0) {
			fchmod(fd, 0644);
			rc = commit_file(fd, tmp, path, err);
			fd = -1;
		} else {
			rc = -1;
		}
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
	}
	free(tmp);
	free(path);
	free(vol);
	return rc;
}

int iso_delete(const struct config *cfg, const char *name, const struct vmdef *defs,
	       const struct vm_status *sts, size_t n_defs, char **err)
{
	struct iso_image *e;
	size_t n;
	int rc = -1;

	if (!iso_name_valid(name))
		return err_set(err,
			       "'%s' is not an image name (NAME.iso: letters, digits, . _ + -)",
			       name);
	iso_scan(cfg, &e, &n, NULL);
	for (size_t i = 0; i < n && rc < 0; i++) {
		if (strcmp(e[i].name, name) != 0)
			continue;
		iso_used_by(cfg, defs, sts, n_defs, &e[i], 1);
		if (e[i].used_by.n) {
			struct sbuf who = { 0 };

			for (size_t k = 0; k < e[i].used_by.n; k++)
				sbuf_printf(&who, "%s%s", k ? ", " : "", e[i].used_by.v[k]);
			err_set(err, "%s is in use by %s", e[i].path, who.s);
			sbuf_free(&who);
			break;
		}
		if (unlink(e[i].path) < 0)
			err_set(err, "%s: %s", e[i].path, strerror(errno));
		else
			rc = 0;
		break;
	}
	if (rc < 0 && err && !*err)
		err_set(err, "no image %s in iso_dirs", name);
	iso_entries_free(e, n);
	return rc;
}
