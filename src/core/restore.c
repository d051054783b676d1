/*
 * restore.c: `vmdeck restore`: an archive (a local folder, or HOST:/folder read
 * over ssh) back onto LVs or files, every SHA-256 checked, then its definition.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "template.h"
#include "guest.h"
#include "hosts.h"
#include "lvm.h"
#include "manifest.h"
#include "progress.h"
#include "restore.h"
#include "spawn.h"
#include "storage.h"
#include "stream.h"
#include "events.h"
#include "jobfile.h"
#include "util.h"
#include "vnc.h"
#include "vm.h"
#include "vmstate.h"
#include "vnc.h"

/* Where one archived disk goes. */
struct target {
	char *lv;          /* VG/LV, or NULL */
	char *file;        /* or this file */
	const char *format;
	bool lv_created;   /* so a failure removes it again */
	char *tmp;         /* file targets are written beside, then renamed */
	bool *placed; /* restore --as: guest_create's "created" flag, set once the file is in place
		       */
	bool named;        /* --to-lv / --to-file: the admin's own choice */
};

static char *with_index(const char *base, size_t i, const char *ext)
{
	return i ? xasprintf("%s-%zu%s", base, i, ext) : xasprintf("%s%s", base, ext);
}

/* A restored copy under a new name gets disks named after it, beside the originals. */
static void target_renamed(const struct config *cfg, const struct manifest_disk *md,
			   const char *name, size_t i, struct target *t)
{
	if (md->lv) {
		char *vg = NULL, *lv = NULL;

		if (lvm_split(cfg, md->lv, &vg, &lv, NULL) == 0) {
			char *base = xasprintf("%s/%s", vg, name);

			t->lv = with_index(base, i, "");
			free(base);
		}
		free(vg);
		free(lv);
		return;
	}
	char *dir = xstrdup(md->source_file), *slash = strrchr(dir, '/');
	const char *ext = strcmp(t->format, "qcow2") == 0 ? ".qcow2" : ".raw";
	char *base;

	if (slash)
		*slash = '\0';
	base = path_join(slash ? dir : cfg->file_dir, name);
	t->file = with_index(base, i, ext);
	free(base);
	free(dir);
}

/*
 * --to-file ./x.raw is the admin's file here, so the definition gets it absolute (a relative one
 * means file_dir).
 */
static char *file_absolute(const char *p)
{
	char *dir = xstrdup(p), *slash = strrchr(dir, '/'), *real, *out;

	if (slash)
		*slash = '\0';
	real = realpath(slash ? (dir[0] ? dir : "/") : ".", NULL);
	out = real ? path_join(real, slash ? slash + 1 : p) : xstrdup(p);
	free(real);
	free(dir);
	return out;
}

/* "LV" (in storage.vg) or "VG/LV" as the definition must write it: "VG/LV". */
static char *lv_full(const struct config *cfg, const char *ref)
{
	char *vg = NULL, *lv = NULL, *full;

	if (lvm_split(cfg, ref, &vg, &lv, NULL) < 0)
		return xstrdup(ref);
	full = xasprintf("%s/%s", vg, lv);
	free(vg);
	free(lv);
	return full;
}

static int targets_plan(const struct config *cfg, const struct manifest *m,
			const struct restore_opts *o, const char *name, struct target *ts,
			char **err)
{
	bool renamed = strcmp(name, m->guest) != 0;

	if ((o->to_lv || o->to_file) && m->n_disks != 1)
		return err_set(err,
			       "--to-lv/--to-file take an archive of one disk; this one has %zu",
			       m->n_disks);
	for (size_t i = 0; i < m->n_disks; i++) {
		const struct manifest_disk *md = &m->disks[i];
		struct target *t = &ts[i];

		t->format = md->format && strcmp(md->format, "qcow2") == 0 ? "qcow2" : "raw";
		t->named = o->to_lv || o->to_file;
		if (o->to_lv)
			t->lv = lv_full(cfg, o->to_lv);
		else if (o->to_file)
			t->file = file_absolute(o->to_file);
		else if (renamed)
			target_renamed(cfg, md, name, i, t);
		else
			t->lv = md->lv ? xstrdup(md->lv) : NULL,
			t->file = md->lv ? NULL : xstrdup(md->source_file);
		if (t->lv == NULL && t->file == NULL)
			return err_set(err, "%s: cannot tell where to restore it", md->file);
		if (t->file && !manifest_path_ok(t->file))
			return err_set(err, "%s: not an absolute path without . or .. parts",
				       t->file);
		if (t->lv && !t->named && !manifest_lv_ok(t->lv))
			return err_set(err, "%s: not a VG/LV name", t->lv);
		if (t->file && o->to_file)
			t->format = storage_file_format(t->file, NULL);
		for (size_t j = 0; j < i; j++)
			if (ts[j].lv ? t->lv && strcmp(ts[j].lv, t->lv) == 0
				     : t->file && strcmp(ts[j].file, t->file) == 0)
				return err_set(err, "the archive puts two disks on %s",
					       t->lv ? t->lv : t->file);
	}
	return 0;
}

/*
 * Whether path lies in dir: by its text (the caller has refused "." and ".."
 * parts), and, for the part that exists, by where it really is, so a link
 * inside dir that points out of it does not count as inside.
 */
static bool path_inside(const char *dir, const char *path)
{
	size_t n = strlen(dir);
	char *rdir, *p, *real = NULL;
	bool in;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (strncmp(path, dir, n) != 0 || path[n] != '/')
		return false;
	if ((rdir = realpath(dir, NULL)) == NULL)
		return true;  /* nothing there yet to point elsewhere */
	p = xstrdup(path);
	for (char *slash; real == NULL && (slash = strrchr(p, '/')) != NULL && slash > p;) {
		*slash = '\0';
		real = realpath(p, NULL);
	}
	n = strlen(rdir);
	in = real && strncmp(real, rdir, n) == 0 && (real[n] == '\0' || real[n] == '/' || n == 1);
	free(real);
	free(p);
	free(rdir);
	return in;
}

/* VG/LV names the same volume as ref (a bare LV means storage.vg). */
static bool lv_eq(const struct config *cfg, const char *a, const char *b)
{
	char *va = NULL, *la = NULL, *vb = NULL, *lb = NULL;
	bool same = lvm_split(cfg, a, &va, &la, NULL) == 0 &&
		    lvm_split(cfg, b, &vb, &lb, NULL) == 0 && strcmp(va, vb) == 0 &&
		    strcmp(la, lb) == 0;

	free(va);
	free(la);
	free(vb);
	free(lb);
	return same;
}

static bool target_in_storage(const struct config *cfg, const struct target *t)
{
	char *vg = NULL, *lv = NULL;
	bool in;

	if (t->file)
		return path_inside(cfg->file_dir, t->file);
	in = cfg->vg && cfg->vg[0] && lvm_split(cfg, t->lv, &vg, &lv, NULL) == 0 &&
	     strcmp(vg, cfg->vg) == 0;
	free(vg);
	free(lv);
	return in;
}

/* Whether def (may be NULL) uses the target as a disk. */
static bool def_uses(const struct config *cfg, const struct vmdef *def, const struct target *t)
{
	return def && !def->error && storage_disk_owner(def, 1, cfg, t->lv, t->file) != NULL;
}

/*
 * An archive is untrusted input: it is written only to the disks of the
 * definition it replaces (old), into storage.file_dir or storage.vg, or to
 * the target the admin named; anything else only with --allow-paths.
 * Every path that needs it is named in the one line of the refusal.
 */
static void targets_outside(const struct config *cfg, const struct target *ts, size_t n,
			    const struct vmdef *old, struct sbuf *outside)
{
	for (size_t i = 0; i < n; i++) {
		const struct target *t = &ts[i];

		if (t->named || def_uses(cfg, old, t) || target_in_storage(cfg, t))
			continue;
		sbuf_printf(outside, "%s%s", outside->len ? ", " : "", t->lv ? t->lv : t->file);
	}
}

/* Existing disks are replaced only with --force: checked for all before the first is written. */
static int targets_check_exist(const struct config *cfg, const struct target *ts, size_t n,
			       bool force, char **err)
{
	for (size_t i = 0; i < n && !force; i++) {
		int rc = ts[i].lv ? lvm_info(cfg, ts[i].lv, NULL, err)
				  : access(ts[i].file, F_OK) == 0;

		if (rc < 0)
			return -1;
		if (rc == 1)
			return err_set(err, "%s already exists (--force replaces it)",
				       ts[i].lv ? ts[i].lv : ts[i].file);
	}
	return 0;
}

/* The lock of every other guest whose disk is written, held until the restore ends. */
struct owner_locks {
	int fds[16];
	size_t n;
};

static void owner_locks_release(struct owner_locks *l)
{
	while (l->n > 0)
		vm_unlock(l->fds[--l->n]);
}

/*
 * A disk of another guest is written only when the admin named it
 * (--to-lv/--to-file), and never while that guest runs: its lock is taken
 * (so it cannot start meanwhile) before its pid is looked at, and kept.
 */
static int targets_check_owners(const struct config *cfg, const char *name, const struct target *ts,
				size_t n, struct owner_locks *locks, char **err)
{
	struct vmdef *defs = NULL;
	size_t nd = 0;
	int rc = 0;

	/* who uses what cannot be told: refused, never taken for "nobody" */
	if (vmdefs_load_all(cfg, &defs, &nd, err) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *what = ts[i].lv ? ts[i].lv : ts[i].file;

		/*
		 * a template's disk under linked clones: written over, every clone would read
		 * garbage
		 */
		rc = template_base_check(
			cfg, &(struct vm_disk){ .lv = ts[i].lv, .file = ts[i].file }, err);

		for (size_t j = 0; j < nd && rc == 0; j++) {
			const struct vmdef *d = &defs[j];
			int fd;

			if (strcmp(d->name, name) != 0 && d->error &&
			    vmstate_pid_find(cfg, d->name) > 0)
				rc = err_set(
					err,
					"guest %s runs and its definition does not load: cannot "
					"tell whether it uses %s (mend %s first)",
					d->name, what, d->path ? d->path : d->name);
			if (rc < 0 || strcmp(d->name, name) == 0 || !def_uses(cfg, d, &ts[i]))
				continue;
			if (!ts[i].named)
				rc = err_set(
					err,
					"%s is a disk of guest %s: an archive of another guest "
					"never overwrites it",
					what, d->name);
			else if (locks->n >= sizeof locks->fds / sizeof locks->fds[0])
				rc = err_set(err, "%s: too many guests to lock", what);
			else if ((fd = vm_lock(cfg, d->name, false, err)) < 0)
				rc = -1;
			else if ((locks->fds[locks->n++] = fd, vmstate_pid_find(cfg, d->name) > 0))
				rc = err_set(err,
					     "%s is a disk of running guest %s (stop it first)",
					     what, d->name);
		}
	}
	vmdefs_free(defs, nd);
	return rc;
}

/*
 * Where the archive is read from. A remote one (HOST:/folder, HOST a hosts
 * entry or user@host, as for backup --to) needs only `cat` on that server:
 * each file is streamed through ssh and checked here like a local one.
 */
struct archive_src {
	char *dir;          /* the archive folder (on that host when remote) */
	char *host_arg;     /* NULL when local */
	struct host host;
	struct spawn sp;    /* the ssh cat of the file being read */
};

static int src_parse(const struct config *cfg, const char *archive, struct archive_src *s,
		     char **err)
{
	const char *colon = strchr(archive, ':'), *slash = strchr(archive, '/');

	memset(s, 0, sizeof *s);
	s->sp.pid = -1;
	if (colon == NULL || (slash && slash < colon)) {
		s->dir = xstrdup(archive);
		return 0;
	}
	if (colon[1] != '/')
		return err_set(err, "%s: a remote archive is HOST:/folder", archive);
	s->host_arg = xstrndup(archive, (size_t)(colon - archive));
	s->dir = xstrdup(colon + 1);
	return host_resolve(cfg, s->host_arg, &s->host, err);
}

static void src_free(struct archive_src *s)
{
	free(s->dir);
	free(s->host_arg);
}

static char *src_remote_cat(const struct archive_src *s, const char *file)
{
	char *path = path_join(s->dir, file), *q = sh_quote(path), *cmd = xasprintf("cat -- %s", q);

	free(path);
	free(q);
	return cmd;
}

static int src_manifest(const struct archive_src *s, struct manifest *m, char **err)
{
	char *cmd, *text = NULL;
	int rc;

	if (!s->host_arg) {
		char *mp = path_join(s->dir, MANIFEST_FILE);

		rc = manifest_load(mp, m, err);
		free(mp);
		return rc;
	}
	cmd = src_remote_cat(s, MANIFEST_FILE);
	rc = host_run(&s->host, cmd, &text, err);
	free(cmd);
	if (rc == 0)
		rc = manifest_parse(text, m, err);
	free(text);
	return rc;
}

/* An fd to read one archived file from; src_close after. */
static int src_open(struct archive_src *s, const char *file, char **err)
{
	char *cmd;
	int rc, fd;

	if (!s->host_arg) {
		char *p = path_join(s->dir, file);

		if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
			err_set(err, "cannot read %s: %s", p, strerror(errno));
		free(p);
		return fd;
	}
	cmd = src_remote_cat(s, file);
	rc = host_spawn(&s->host, cmd, &s->sp, SPAWN_NULL, SPAWN_PIPE, err);
	free(cmd);
	return rc < 0 ? -1 : s->sp.out;
}

/*
 * Ends the read of one file. Remote: a failed ssh or cat is the real reason
 * of any error the stream saw (a short stream is only its symptom), so it
 * replaces *err; a read given up here (an error of ours, a cancel: ssh got
 * our SIGTERM or the terminal's SIGINT) ends the transfer and keeps *err.
 */
static int src_close(struct archive_src *s, int fd, int rc, bool cancelled, char **err)
{
	char *why = NULL;
	int st;

	if (!s->host_arg) {
		close(fd);
		return rc;
	}
	if (rc < 0)
		kill(s->sp.pid, SIGTERM);
	st = spawn_finish(&s->sp, &why);
	s->sp.pid = -1;
	if (st == 0 || (rc < 0 && (cancelled || st == 128 + SIGTERM))) {
		free(why);
		return rc;
	}
	why = host_failure(&s->host, st, why);
	err_set(err, "%s", why);
	free(why);
	return -1;
}

struct rs {
	const struct config *cfg;
	struct archive_src src;
	const struct manifest *m;
	const struct restore_opts *o;
	struct progress_tracker prog;
};

/* Adds "DISK: " in front of an error that does not name the disk yet. */
static int disk_err(const struct manifest_disk *md, int rc, char **err)
{
	if (rc < 0 && *err && strncmp(*err, md->file, strlen(md->file)) != 0) {
		char *e = *err;

		*err = xasprintf("%s: %s", md->file, e);
		free(e);
	}
	return rc;
}

/* Decompresses archived disk i from in into out (-1: only verify) and compares its SHA-256. */
static int unpack_fd(struct rs *r, size_t i, int in, int out, char **err)
{
	const struct manifest_disk *md = &r->m->disks[i];
	struct stream_opts so = {
		r->m->compress, 0, 0, progress_add, &r->prog, r->o->hooks.cancel
	};
	struct stream_sums sums;
	int rc;

	r->prog.p.item = md->file;
	rc = stream_decompress(in, out, md->size, &so, &sums, err);
	if (rc == 0 && strcmp(sums.raw_sha, md->sha256) != 0)
		rc = err_set(
			err,
			"%s: checksum mismatch, the archive is damaged (nothing restored from it)",
			md->file);
	return disk_err(md, rc, err);
}

/* The same, reading the archived file from the source. */
static int unpack(struct rs *r, size_t i, int out, char **err)
{
	const struct manifest_disk *md = &r->m->disks[i];
	struct stream_opts so = {
		r->m->compress, 0, 0, progress_add, &r->prog, r->o->hooks.cancel
	};
	struct stream_sums sums;
	int in, rc;

	r->prog.p.item = md->file;
	if ((in = src_open(&r->src, md->file, err)) < 0)
		return disk_err(md, -1, err);
	rc = stream_decompress(in, out, md->size, &so, &sums, err);
	rc = src_close(&r->src, in, rc, r->o->hooks.cancel && *r->o->hooks.cancel, err);
	if (rc == 0 && strcmp(sums.raw_sha, md->sha256) != 0)
		rc = err_set(
			err,
			"%s: checksum mismatch, the archive is damaged (nothing restored from it)",
			md->file);
	return disk_err(md, rc, err);
}

/* A private unlinked file in backup.dir for a local copy of a remote stream. */
static int spool_create(const struct config *cfg, char **err)
{
	char *tmpl;
	int fd;

	if (mkdir_p(cfg->backup_dir, 0755, err) < 0)
		return -1;
	fd = open(cfg->backup_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd >= 0 ? fd
			       : err_set(err, "cannot create a file in %s: %s", cfg->backup_dir,
					 strerror(errno));
	tmpl = path_join(cfg->backup_dir, ".restore-spool-XXXXXX");
	fd = mkostemp(tmpl, O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		err_set(err, "cannot create a file in %s: %s", cfg->backup_dir, strerror(errno));
	else
		unlink(tmpl);
	free(tmpl);
	return fd;
}

/* Copies in to out whole, hashing it; the cancel flag ends it. */
static int spool_copy(int in, int out, volatile sig_atomic_t *cancel, char hex[65], char **err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char buf[1 << 16], d[32];
	unsigned len = 0;
	ssize_t n;
	int rc = 0;

	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	while (rc == 0 && (n = read(in, buf, sizeof buf)) != 0) {
		if (cancel && *cancel)
			rc = err_set(err, "interrupted");
		else if (n < 0 && errno != EINTR)
			rc = err_set(err, "cannot read the archive: %s", strerror(errno));
		else if (n > 0 && fd_write_all(out, buf, (size_t)n) < 0)
			rc = err_set(err, "cannot write the local copy: %s", strerror(errno));
		else if (n > 0)
			EVP_DigestUpdate(md, buf, (size_t)n);
	}
	EVP_DigestFinal_ex(md, d, &len);
	EVP_MD_CTX_free(md);
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return rc;
}

/*
 * A remote archived file, read once over ssh into a local private copy:
 * what overwrites an existing volume is then the very bytes verified, even
 * if the file on the server changes in between.
 */
static int spool_fetch(struct rs *r, size_t i, char **err)
{
	const struct manifest_disk *md = &r->m->disks[i];
	char hex[65];
	int in, fd = spool_create(r->cfg, err), rc;

	if (fd < 0)
		return -1;
	if ((in = src_open(&r->src, md->file, err)) < 0) {
		close(fd);
		return disk_err(md, -1, err);
	}
	rc = spool_copy(in, fd, r->o->hooks.cancel, hex, err);
	rc = src_close(&r->src, in, rc, r->o->hooks.cancel && *r->o->hooks.cancel, err);
	if (rc == 0 && strcmp(hex, md->stored_sha256) != 0)
		rc = err_set(
			err,
			"%s: checksum mismatch, the archive is damaged (nothing restored from it)",
			md->file);
	if (rc == 0 && lseek(fd, 0, SEEK_SET) != 0)
		rc = err_set(err, "cannot read the local copy: %s", strerror(errno));
	if (rc < 0) {
		close(fd);
		return disk_err(md, -1, err);
	}
	return fd;
}

/*
 * Verifies, then writes disk i into out: from a local archive, or from a local copy of a remote
 * one.
 */
static int unpack_verified(struct rs *r, size_t i, int out, char **err)
{
	int sp, rc;

	r->prog.p.phase = "verify";
	if (r->src.host_arg == NULL) {
		rc = unpack(r, i, -1, err);
		r->prog.p.phase = "restore";
		return rc < 0 ? -1 : unpack(r, i, out, err);
	}
	if ((sp = spool_fetch(r, i, err)) < 0)
		return -1;
	rc = unpack_fd(r, i, sp, -1, err);
	r->prog.p.phase = "restore";
	if (rc == 0 && lseek(sp, 0, SEEK_SET) != 0)
		rc = err_set(err, "cannot read the local copy: %s", strerror(errno));
	if (rc == 0)
		rc = unpack_fd(r, i, sp, out, err);
	close(sp);
	return rc;
}

static int restore_lv(struct rs *r, size_t i, struct target *t, bool force, char **err)
{
	struct lvm_lv info;
	int rc = lvm_info(r->cfg, t->lv, &info, err), fd;
	uint64_t size = r->m->disks[i].size;
	bool existed = rc == 1;

	if (rc < 0)
		return -1;
	if (rc == 1 && !force)
		rc = err_set(err, "%s already exists (--force replaces it)", t->lv);
	else if (rc == 1 && info.size < size)
		rc = err_set(err, "%s is smaller than the archived disk (resize it first)", t->lv);
	if (existed)
		lvm_lv_free(&info);
	if (rc < 0)
		return -1;
	if (!existed) {
		if (lvm_create(r->cfg, t->lv, size, err) < 0)
			return -1;
		t->lv_created = true;
	}
	if (lvm_info(r->cfg, t->lv, &info, err) != 1)
		return -1;
	fd = open(info.path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = err_set(err, "cannot open %s: %s", info.path, strerror(errno));
		lvm_lv_free(&info);
		return rc;
	}
	lvm_lv_free(&info);
	/* an existing volume is only overwritten by an archive known to be whole */
	rc = existed ? unpack_verified(r, i, fd, err) : unpack(r, i, fd, err);
	if (rc == 0 && fsync(fd) < 0)
		rc = err_set(err, "cannot write %s: %s", t->lv, strerror(errno));
	close(fd);
	return rc;
}

static int to_qcow2(const char *raw, const char *dst, char **err)
{
	char *av[] = { (char *)"qemu-img", (char *)"convert", (char *)"-f",
		       (char *)"raw",	   (char *)"-O",      (char *)"qcow2",
		       (char *)raw,	   (char *)dst,	      NULL };

	return spawn_run(av, NULL, err);
}

/* A temporary name beside the target, new (never an existing file or a link), 0600. */
static int tmp_create(const char *path, char **err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	return fd >= 0 ? fd : err_set(err, "cannot create %s: %s", path, strerror(errno));
}

/*
 * The temporary names of a restore into file: FILE.restore-PID, and FILE.restore-PID.raw before a
 * qcow2 conversion.
 */
static bool is_leftover(const char *entry, const char *base, pid_t *pid)
{
	size_t n = strlen(base);
	const char *p = entry + n + strlen(".restore-");
	char *end;
	long v;

	if (strncmp(entry, base, n) != 0 ||
	    strncmp(entry + n, ".restore-", strlen(".restore-")) != 0 || *p < '1' || *p > '9')
		return false;
	v = strtol(p, &end, 10);
	*pid = (pid_t)v;
	return v > 0 && v <= INT_MAX && (*end == '\0' || strcmp(end, ".raw") == 0);
}

/*
 * What a restore killed with -9 left beside the target (its temporary
 * names): removed, unless the process that made it still runs; each is
 * noted in the guest's event log. A link planted under such a name goes
 * too (only the link); the name is then created new, never followed.
 */
static void leftovers_remove(const struct config *cfg, const char *name, const char *file)
{
	char *dir = xstrdup(file), *slash = strrchr(dir, '/');
	const char *base = path_base(file), *where;
	struct dirent *e;
	DIR *dh;
	pid_t pid;

	if (slash)
		*slash = '\0';
	where = slash == NULL ? "." : dir[0] ? dir : "/";
	if ((dh = opendir(where)) == NULL) {
		free(dir);
		return;
	}
	while ((e = readdir(dh)) != NULL) {
		struct stat st;
		char *p;

		if (!is_leftover(e->d_name, base, &pid) ||
		    (pid != getpid() && vmstate_pid_alive(pid)))
			continue;
		p = path_join(where, e->d_name);
		if (lstat(p, &st) == 0 && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) &&
		    unlink(p) == 0)
			events_log(cfg, name, EV_RESTORE_CLEANUP,
				   "removed %s, left by an interrupted restore", p);
		free(p);
	}
	closedir(dh);
	free(dir);
}

static int restore_file(struct rs *r, size_t i, struct target *t, bool force, char **err)
{
	char *dir = xstrdup(t->file), *slash = strrchr(dir, '/'), *raw;
	bool qcow2 = strcmp(t->format, "qcow2") == 0;
	int fd, rc;

	if (access(t->file, F_OK) == 0 && !force) {
		free(dir);
		return err_set(err, "%s already exists (--force replaces it)", t->file);
	}
	if (slash)
		*slash = '\0';
	if (slash && dir[0] && mkdir_p(dir, 0755, err) < 0) {
		free(dir);
		return -1;
	}
	free(dir);
	t->tmp = xasprintf("%s.restore-%d", t->file, (int)getpid());
	raw = qcow2 ? xasprintf("%s.raw", t->tmp) : xstrdup(t->tmp);
	/* qemu-img writes the qcow2 into this file: made here, it is 0600 from the start */
	if (qcow2 && (fd = tmp_create(t->tmp, err)) >= 0)
		close(fd);
	else if (qcow2) {
		free(t->tmp);
		t->tmp = NULL;
		free(raw);
		return -1;
	}
	if ((fd = tmp_create(raw, err)) < 0) {
		free(raw);
		return -1;
	}
	rc = unpack(r, i, fd, err);
	if (rc == 0 && fsync(fd) < 0)
		rc = err_set(err, "cannot write %s: %s", raw, strerror(errno));
	close(fd);
	if (rc == 0 && qcow2)
		rc = to_qcow2(raw, t->tmp, err);
	if (qcow2)
		unlink(raw);
	free(raw);
	if (rc == 0 && chmod(t->tmp, 0600) < 0)
		rc = err_set(err, "cannot write %s: %s", t->tmp, strerror(errno));
	/* placed under its final name by restore_commit, with the others and the definition */
	return rc;
}

/* tmp renamed to file only while that name is free; a file system without the flag: a link. */
static int place_new(const char *tmp, const char *file)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, file, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (link(tmp, file) < 0)
		return -1;
	unlink(tmp);
	return 0;
}

/*
 * Every file disk written beside its target put in place: over the file
 * there only with --force; else only while the name is free (it fails if a
 * file of that name appeared since the check), so a restore never replaces
 * a file it did not mean to.
 */
static int files_place(const struct rs *r, struct target *ts, char **err)
{
	for (size_t i = 0; i < r->m->n_disks; i++) {
		if (!ts[i].tmp)
			continue;
		if (r->o->force && rename(ts[i].tmp, ts[i].file) < 0)
			return err_set(err, "cannot replace %s: %s", ts[i].file, strerror(errno));
		if (!r->o->force && place_new(ts[i].tmp, ts[i].file) < 0)
			return errno == EEXIST
				       ? err_set(err, "%s appeared meanwhile (--force replaces it)",
						 ts[i].file)
				       : err_set(err, "cannot write %s: %s", ts[i].file,
						 strerror(errno));
		if (ts[i].placed)
			*ts[i].placed = true;
		free(ts[i].tmp);
		ts[i].tmp = NULL;
	}
	return 0;
}

/*
 * Every file disk renamed into place and the definition written, all under
 * one commit: a signal before it leaves the old disks and definition as
 * they were (the temporary files are removed by the undo); none after it
 * stops the run half-way. LVs were written in place (they have no rename).
 */
static int restore_commit(struct rs *r, struct target *ts, const char *name, bool exists,
			  const char *text, char **err)
{
	sigset_t held;
	int rc = progress_commit_hold(r->o->hooks.cancel, &held, err);
	bool holding = rc == 0;

	if (rc == 0)
		rc = files_place(r, ts, err);
	if (rc == 0)
		rc = guest_definition_place(r->cfg, name, text, exists, err);
	if (holding)
		progress_commit_release(&held);
	return rc;
}

/*
 * A copy under a new name loses its MAC addresses (new ones are generated
 * on load), so it never collides with the original on a bridge; a "- mac:"
 * line that opens a list item keeps its dash. Its leading comment, which
 * described the original, becomes a line of its own.
 */
static char *definition_for_copy(const char *text, const char *name)
{
	struct sbuf b = { 0 };
	char day[16];
	time_t now = time(NULL);
	struct tm tm;
	bool head = true;

	strftime(day, sizeof day, "%Y-%m-%d", gmtime_r(&now, &tm));
	sbuf_printf(&b, "# %s: a copy restored by `vmdeck restore --as %s` on %s.\n", name, name,
		    day);
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n'), *end = nl ? nl : line + strlen(line),
			   *p = line;

		while (p < end && (*p == ' ' || *p == '-'))
			p++;
		if (head && p < end && *p == '#') {
			line = nl ? nl + 1 : end;
			continue;
		}
		head = false;
		if (end - p > 4 && strncmp(p, "mac:", 4) == 0) {
			const char *dash = memchr(line, '-', (size_t)(p - line));

			if (dash == NULL) {  /* the whole line goes */
				line = nl ? nl + 1 : end;
				continue;
			}
			sbuf_addn(&b, line, (size_t)(dash - line) + 1);
		} else {
			sbuf_addn(&b, line, (size_t)(end - line));
		}
		if (nl)
			sbuf_add(&b, "\n");
		line = nl ? nl + 1 : end;
	}
	return sbuf_take(&b);
}

/* Text for a person: control characters as \xNN, so an archive cannot drive the terminal. */
static void add_escaped(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '\\')
			sbuf_printf(b, "\\x%02x", (unsigned char)*s);
		else
			sbuf_addn(b, s, 1);
	}
}

static bool same_args(const struct vmdef *a, const struct vmdef *b)
{
	if (a == NULL || a->error || a->n_extra_args != b->n_extra_args)
		return false;
	for (size_t i = 0; i < a->n_extra_args; i++)
		if (strcmp(a->extra_args[i], b->extra_args[i]) != 0)
			return false;
	return true;
}

/*
 * What restore checks and writes besides the disks: the archive's definition and the guests here it
 * is compared with.
 */
struct defcheck {
	const struct config *cfg;
	const char *name;
	const char *file;          /* the definition being edited, in state_dir/NAME/incoming */
	const struct vmdef *old;   /* the definition it replaces, or NULL */
	const struct vmdef *orig;  /* the archived guest's definition here, or NULL */
	const struct restore_opts *o;
};

/*
 * extra_args reach QEMU's argv as they are: an archive's are shown and need
 * --allow-extra-args, unless this host already runs the same for that guest.
 */
static int check_extra_args(const struct defcheck *c, const struct vmdef *def, char **err)
{
	struct sbuf b = { 0 };

	if (def->n_extra_args == 0 || c->o->allow_extra_args || same_args(c->old, def) ||
	    same_args(c->orig, def))
		return 0;
	for (size_t i = 0; i < def->n_extra_args; i++) {
		sbuf_add(&b, i ? " \"" : "\"");
		add_escaped(&b, def->extra_args[i]);
		sbuf_add(&b, "\"");
	}
	err_set(err,
		"the archive's definition passes extra_args to QEMU: %s (--allow-extra-args after "
		"checking them)",
		b.s);
	sbuf_free(&b);
	return -1;
}

/* The definition here that an archive's network settings are compared with, or NULL. */
static const struct vmdef *def_before(const struct defcheck *c)
{
	if (c->old && !c->old->error)
		return c->old;
	return c->orig && !c->orig->error ? c->orig : NULL;
}

static bool has_bridge(const struct vmdef *d, const char *bridge)
{
	for (size_t i = 0; d && i < d->n_nics; i++)
		if (d->nics[i].bridge && strcmp(d->nics[i].bridge, bridge) == 0)
			return true;
	return false;
}

/* VNC that anyone on the network may open: beyond loopback and without a password. */
static bool vnc_open(const struct vmdef *d)
{
	return d && d->vnc && !d->vnc_password && !vmdef_vnc_loopback(vnc_listen(d));
}

/*
 * What the archive's definition opens to the network that the guest here did
 * not: VNC without a password beyond loopback, a bridge the definition here
 * does not name (with no definition here, any bridge is the archived guest's
 * own). Shown and refused without --allow-network.
 */
static int check_network(const struct defcheck *c, const struct vmdef *def, char **err)
{
	const struct vmdef *before = def_before(c);
	struct sbuf b = { 0 };
	bool same_vnc = vnc_open(before) && strcmp(vnc_listen(before), vnc_listen(def)) == 0;

	if (c->o->allow_network)
		return 0;
	if (vnc_open(def) && !same_vnc) {
		sbuf_add(&b, "VNC on ");
		add_escaped(&b, vnc_listen(def));
		sbuf_add(&b, " without a password");
	}
	for (size_t i = 0; before && i < def->n_nics; i++)
		if (def->nics[i].bridge && !has_bridge(before, def->nics[i].bridge)) {
			const char *has = before->n_nics ? before->nics[0].bridge : NULL;

			sbuf_add(&b, b.len ? ", bridge " : "bridge ");
			add_escaped(&b, def->nics[i].bridge);
			sbuf_printf(&b, " (%s has %s)", before->name, has ? has : "no bridge");
		}
	if (b.len == 0)
		return 0;
	err_set(err, "the archive's definition opens %s (--allow-network after checking it)", b.s);
	sbuf_free(&b);
	return -1;
}

/* A CD outside iso_dirs is a file of this host the guest would read. */
static bool cdrom_trusted(const struct defcheck *c, const char *cd)
{
	if (cd == NULL || cd[0] == '\0' || strchr(cd, '/') == NULL)
		return true;  /* a bare name is looked up in iso_dirs */
	if (c->old && !c->old->error && c->old->cdrom && strcmp(c->old->cdrom, cd) == 0)
		return true;
	if (!manifest_path_ok(cd))
		return false;
	for (size_t i = 0; i < c->cfg->n_iso_dirs; i++)
		if (path_inside(c->cfg->iso_dirs[i], cd))
			return true;
	return false;
}

/* Sets disk k of the definition to its target, if it names something else. */
static int fix_disk(const struct defcheck *c, const struct vmdef *def, size_t k,
		    const struct target *t, char **err)
{
	const struct vm_disk *d = &def->disks[k];
	char *have = d->file ? path_resolve(c->cfg->file_dir, d->file) : NULL, *key;
	bool same =
		t->lv ? d->lv && lv_eq(c->cfg, d->lv, t->lv) : have && strcmp(have, t->file) == 0;
	int rc = 0;

	free(have);
	/*
	 * a restore gives a flat disk (the archive holds the chain's content): the overlay goes
	 * first
	 */
	if (d->overlay) {
		key = xasprintf("disks.%zu.overlay", k);
		rc = vmdef_set_key(c->file, key, "", err);  /* overlay: "" is none */
		free(key);
		if (rc < 0)
			return -1;
	}
	if (!same && (t->lv ? d->lv == NULL : d->file == NULL)) {
		if (def->n_disks != 1)
			return err_set(
				err,
				"the archive's definition and manifest disagree about disk %zu",
				k + 1);
		rc = vmdef_set_item_kind(c->file, "disks", t->lv ? "lv" : "file",
					 t->lv ? t->lv : t->file, NULL, err);
	} else {
		key = xasprintf("disks.%zu.%s", k, t->lv ? "lv" : "file");
		if (!same)
			rc = vmdef_set_key(c->file, key, t->lv ? t->lv : t->file, err);
		free(key);
	}
	if (rc == 0 && t->file && d->format && strcmp(d->format, t->format) != 0) {
		key = xasprintf("disks.%zu.format", k);
		rc = vmdef_set_key(c->file, key, t->format, err);
		free(key);
	}
	return rc;
}

/* A copy gets a VNC display of its own (the lowest free one), not its original's. */
static int fix_vnc(const struct defcheck *c, const struct vmdef *def, char **err)
{
	struct vmdef *defs = NULL;
	size_t nd = 0;
	int disp, rc = 0;
	char num[16];

	if (!def->vnc || vmdefs_load_all(c->cfg, &defs, &nd, NULL) < 0)
		return 0;
	/* the definition it replaces is not another's */
	disp = guest_vnc_free_display(defs, nd, c->name, vnc_listen(def));
	vmdefs_free(defs, nd);
	if (disp >= 0 && disp != def->vnc_display) {
		snprintf(num, sizeof num, "%d", disp);
		rc = vmdef_set_key(c->file, "vnc.display", num, err);
	}
	return rc;
}

/* "/run/vmdeck/g/incoming/g.yaml:3:5: ..." -> "the archive's definition:3:5: ..." */
static int as_archive_err(const char *file, char **err)
{
	size_t n = strlen(file);

	if (*err && strncmp(*err, file, n) == 0) {
		char *e = *err;

		*err = xasprintf("the archive's definition%s", e + n);
		free(e);
	}
	return -1;
}

/*
 * Checks the edited definition as a vms.d file and applies the edits it needs; def is loaded from
 * c->file.
 */
static int definition_edit(const struct defcheck *c, const struct manifest *m,
			   const struct target *ts, struct sbuf *outside, char **err)
{
	struct vmdef def;
	int rc = vmdef_load(c->file, &def, err);

	if (rc == 0 && def.n_disks != m->n_disks)
		rc = err_set(err, "the archive's definition has %zu disks, its manifest %zu",
			     def.n_disks, m->n_disks);
	if (rc == 0)
		rc = check_extra_args(c, &def, err);
	if (rc == 0)
		rc = check_network(c, &def, err);
	if (rc == 0 && !cdrom_trusted(c, def.cdrom))
		sbuf_printf(outside, "%sCD %s", outside->len ? ", " : "", def.cdrom);
	for (size_t k = 0; k < def.n_disks && rc == 0; k++)
		rc = fix_disk(c, &def, k, &ts[k], err);
	if (rc == 0 && strcmp(c->name, m->guest) != 0)
		rc = fix_vnc(c, &def, err);
	vmdef_free(&def);
	return rc;
}

/*
 * The definition restore will write: the archive's, checked by the same
 * schema as a file in vms.d, its disks naming where they are restored to
 * (relative names resolved as a definition resolves them), edited in place
 * (comments kept) in a private file in the guest's state folder.
 */
static int definition_prepare(const struct defcheck *c, const struct manifest *m,
			      const struct target *ts, struct sbuf *outside, char **text,
			      struct vmdef *def, char **err)
{
	char *dir = vmstate_path(c->cfg, c->name, "incoming"),
	     *file = xasprintf("%s/%s.yaml", dir, c->name);
	char *src = strcmp(c->name, m->guest) != 0 ? definition_for_copy(m->definition, c->name)
						   : xstrdup(m->definition);
	struct defcheck dc = *c;
	int rc;

	struct stat st;

	dc.file = file;
	*text = NULL;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		rc = err_set(err, "cannot create %s: %s", dir, strerror(errno));
	else if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
		 (st.st_mode & 077))
		rc = err_set(err, "%s is not a private folder of this user (remove it)", dir);
	else
		rc = file_write_atomic(file, src, strlen(src), 0600, err);
	if (rc == 0 && definition_edit(&dc, m, ts, outside, err) < 0)
		rc = as_archive_err(file, err);
	if (rc == 0 && (*text = file_read(file, NULL, err)) == NULL)
		rc = -1;
	/* what guest_create checks and makes */
	if (rc == 0 && def && vmdef_load(file, def, err) < 0)
		rc = as_archive_err(file, err);
	unlink(file);
	rmdir(dir);
	free(src);
	free(file);
	free(dir);
	return rc;
}

static void targets_undo(const struct config *cfg, struct target *ts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (ts[i].tmp)
			unlink(ts[i].tmp);
		if (ts[i].lv_created)
			lvm_remove(cfg, ts[i].lv, NULL);
	}
}

static void targets_free(struct target *ts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(ts[i].lv);
		free(ts[i].file);
		free(ts[i].tmp);
	}
	free(ts);
}

/* A guest's current definition, or NULL when there is none (or it does not load). */
static struct vmdef *def_here(const struct config *cfg, const char *name)
{
	struct vmdef *d = xcalloc(1, sizeof *d);

	if (vmdef_load_by_name(cfg, name, d, NULL) == 0)
		return d;
	vmdef_free(d);
	free(d);
	return NULL;
}

static void def_drop(struct vmdef *d)
{
	if (d) {
		vmdef_free(d);
		free(d);
	}
}

/*
 * Everything checked before a byte is written: the archive's paths and definition, then the guests
 * involved.
 */
static int restore_checks(struct rs *r, const char *name, struct target *ts, bool exists,
			  struct owner_locks *locks, char **text, struct vmdef *def, char **err)
{
	struct vmdef *old = exists ? def_here(r->cfg, name) : NULL;
	struct vmdef *orig = strcmp(name, r->m->guest) != 0 ? def_here(r->cfg, r->m->guest) : NULL;
	struct defcheck c = { r->cfg, name, NULL, old, orig, r->o };
	struct sbuf outside = { 0 };
	int rc = 0;

	if (exists && !r->o->force)
		rc = err_set(
			err,
			"guest %s exists (--force restores over it, --as NAME restores a copy)",
			name);
	else if (vmstate_pid_find(r->cfg, name) > 0)
		rc = err_set(err, "guest %s is running (stop it first)", name);
	if (rc == 0) {
		targets_outside(r->cfg, ts, r->m->n_disks, old, &outside);
		rc = definition_prepare(&c, r->m, ts, &outside, text, def, err);
	}
	if (rc == 0 && outside.len && !r->o->allow_paths) {
		struct sbuf b = { 0 };

		add_escaped(&b, outside.s);
		rc = err_set(
			err,
			"the archive names %s, outside storage.file_dir, storage.vg and iso_dirs "
			"(--allow-paths after checking it)",
			b.s);
		sbuf_free(&b);
	}
	if (rc == 0)
		rc = targets_check_owners(r->cfg, name, ts, r->m->n_disks, locks, err);
	if (rc == 0)
		rc = targets_check_exist(r->cfg, ts, r->m->n_disks, r->o->force, err);
	sbuf_free(&outside);
	def_drop(old);
	def_drop(orig);
	return rc;
}

/*
 * A copy under a new name is a new guest: guest_create makes it, as it makes one for `new` and the
 * form.
 */
struct copy_make {
	struct rs *r;
	struct target *ts;
};

/*
 * Disk i onto its target (a file beside it, placed by copy_commit); guest_create owns a volume made
 * new.
 */
static int copy_make_disk(void *arg, size_t i, bool *created, char **err)
{
	struct copy_make *c = arg;
	struct target *t = &c->ts[i];
	int rc = t->lv ? restore_lv(c->r, i, t, c->r->o->force, err)
		       : restore_file(c->r, i, t, c->r->o->force, err);

	/* a file is new only once copy_commit puts it in place, if its name is still free */
	*created = t->lv ? t->lv_created : false;
	t->placed = t->file ? created : NULL;
	t->lv_created = false;
	return rc;
}

static int copy_commit(void *arg, char **err)
{
	struct copy_make *c = arg;

	progress_end(&c->r->prog);
	return files_place(c->r, c->ts, err);
}

static int copy_create(struct rs *r, struct target *ts, struct vmdef *def, const char *text,
		       char **err)
{
	struct guest_disk_plan *plan = xcalloc(def->n_disks ? def->n_disks : 1, sizeof *plan);
	struct copy_make c = { r, ts };
	struct guest_create_opts o = { .disks = plan,
				       .text = text,
				       .event = "",
				       .commit = copy_commit,
				       .commit_arg = &c,
				       .cancel = r->o->hooks.cancel };
	int rc;

	for (size_t i = 0; i < def->n_disks; i++)
		plan[i] = (struct guest_disk_plan){ .how = GUEST_DISK_MAKE,
						    .make = copy_make_disk,
						    .arg = &c };
	rc = guest_create(r->cfg, def, &o, err);
	free(plan);
	return rc;
}

static int restore_body(struct rs *r, const char *name, struct target *ts, char **err)
{
	char *defpath = xasprintf("%s/%s.yaml", r->cfg->vms_dir, name), *text = NULL;
	struct owner_locks locks = { .n = 0 };
	uint64_t total = 0;
	bool exists = access(defpath, F_OK) == 0, copy = !exists && strcmp(name, r->m->guest) != 0;
	struct vmdef def = { 0 };
	int rc = restore_checks(r, name, ts, exists, &locks, &text, copy ? &def : NULL, err);

	for (size_t i = 0; i < r->m->n_disks && rc == 0; i++)
		if (ts[i].file)
			leftovers_remove(r->cfg, name, ts[i].file);
	/* an existing LV is read twice: verify, then restore */
	for (size_t i = 0; i < r->m->n_disks && rc == 0; i++)
		total += r->m->disks[i].size *
			 (ts[i].lv && lvm_info(r->cfg, ts[i].lv, NULL, NULL) == 1 ? 2 : 1);
	if (rc == 0)
		progress_begin(&r->prog, r->o->hooks.progress, r->o->hooks.arg, "restore", total);
	if (rc == 0 && copy) {
		rc = copy_create(r, ts, &def, text, err);
	} else {
		for (size_t i = 0; i < r->m->n_disks && rc == 0; i++)
			rc = ts[i].lv ? restore_lv(r, i, &ts[i], r->o->force, err)
				      : restore_file(r, i, &ts[i], r->o->force, err);
		if (rc == 0) {
			progress_end(&r->prog);
			rc = restore_commit(r, ts, name, exists, text, err);
		}
	}
	if (copy)
		vmdef_free(&def);
	owner_locks_release(&locks);
	free(text);
	free(defpath);
	return rc;
}

int restore_run(const struct config *cfg, const char *archive, const struct restore_opts *o,
		char **name_out, char **err)
{
	struct manifest m;
	struct restore_opts mine = *o;  /* its hooks publish the progress too (jobfile.h) */
	struct rs r = { .cfg = cfg, .m = &m, .o = &mine };
	struct jobfile *jf;
	const char *base = path_base(archive);
	struct target *ts;
	const char *name;
	int lock, rc;

	if (base[0] == '.' || strstr(base, ".partial"))
		return err_set(err, "%s is an incomplete backup (it never finished)", archive);
	if (src_parse(cfg, archive, &r.src, err) < 0 || src_manifest(&r.src, &m, err) < 0) {
		src_free(&r.src);
		return -1;
	}
	name = o->as ? o->as : m.guest;
	if (!name_valid(name)) {
		manifest_free(&m);
		src_free(&r.src);
		return err_set(err, "%s: not a valid guest name", name);
	}
	ts = xcalloc(m.n_disks, sizeof *ts);
	rc = targets_plan(cfg, &m, o, name, ts, err);
	if (rc == 0 && (lock = vm_lock(cfg, name, false, err)) >= 0) {
		/* under the name it restores as; a new guest's row comes with its definition */
		jf = jobfile_begin(cfg, name, "restore", &mine.hooks);
		rc = restore_body(&r, name, ts, err);
		jobfile_end(jf);
		if (rc < 0)
			targets_undo(cfg, ts, m.n_disks);
		else
			events_log(cfg, name, EV_RESTORE, "restored from %s", archive);
		vm_unlock(lock);
	} else {
		rc = -1;
	}
	if (rc == 0 && name_out)
		*name_out = xstrdup(name);
	targets_free(ts, m.n_disks);
	manifest_free(&m);
	src_free(&r.src);
	return rc;
}
