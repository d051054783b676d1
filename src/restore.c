/*
 * restore.c: `vmdeck restore`: an archive (a local folder, or HOST:/folder read
 * over ssh) back onto LVs or files, every SHA-256 checked, then its definition.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "hosts.h"
#include "manifest.h"
#include "spawn.h"
#include "storage.h"
#include "stream.h"
#include "events.h"
#include "util.h"
#include "vm.h"

/* Where one archived disk goes. */
struct target {
	char *lv;          /* VG/LV, or NULL */
	char *file;        /* or this file */
	const char *format;
	bool lv_created;   /* so a failure removes it again */
	char *tmp;         /* file targets are written beside, then renamed */
};

static char *with_index(const char *base, size_t i, const char *ext)
{
	return i ? xasprintf("%s-%zu%s", base, i, ext) : xasprintf("%s%s", base, ext);
}

/* A restored copy under a new name gets disks named after it, beside the originals. */
static void target_renamed(const struct config *cfg, const struct manifest_disk *md, const char *name, size_t i,
			   struct target *t)
{
	if (md->lv) {
		char *vg = NULL, *lv = NULL;

		if (storage_lv_split(cfg, md->lv, &vg, &lv, NULL) == 0) {
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

static int targets_plan(const struct config *cfg, const struct manifest *m, const struct restore_opts *o,
			const char *name, struct target *ts, char **err)
{
	bool renamed = strcmp(name, m->guest) != 0;

	if ((o->to_lv || o->to_file) && m->n_disks != 1)
		return err_set(err, "--to-lv/--to-file take an archive of one disk; this one has %zu", m->n_disks);
	for (size_t i = 0; i < m->n_disks; i++) {
		const struct manifest_disk *md = &m->disks[i];
		struct target *t = &ts[i];

		t->format = md->format && strcmp(md->format, "qcow2") == 0 ? "qcow2" : "raw";
		if (o->to_lv)
			t->lv = xstrdup(o->to_lv);
		else if (o->to_file)
			t->file = xstrdup(o->to_file);
		else if (renamed)
			target_renamed(cfg, md, name, i, t);
		else
			t->lv = md->lv ? xstrdup(md->lv) : NULL, t->file = md->lv ? NULL : xstrdup(md->source_file);
		if (t->lv == NULL && t->file == NULL)
			return err_set(err, "%s: cannot tell where to restore it", md->file);
		if (t->file && o->to_file == NULL && t->file[0] != '/')
			return err_set(err, "%s: not an absolute path", t->file);
		if (t->file && o->to_file)
			t->format = storage_file_format(t->file, NULL);
	}
	return 0;
}

/* A disk that a running guest uses is never written. */
static int targets_check_running(const struct config *cfg, const struct target *ts, size_t n, char **err)
{
	struct vmdef *defs = NULL;
	size_t nd = 0;
	int rc = 0;

	if (vmdefs_load_all(cfg, &defs, &nd, NULL) < 0)
		return 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct vmdef *o = storage_disk_owner(defs, nd, cfg, ts[i].lv, ts[i].file);

		if (o && vm_pid(cfg, o->name) > 0)
			rc = err_set(err, "%s is a disk of running guest %s (stop it first)", ts[i].lv ? ts[i].lv : ts[i].file,
				     o->name);
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

static int src_parse(const struct config *cfg, const char *archive, struct archive_src *s, char **err)
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

/* Decompresses archived disk i into out (-1: only verify) and compares its SHA-256. */
static int unpack(struct rs *r, size_t i, int out, char **err)
{
	const struct manifest_disk *md = &r->m->disks[i];
	struct stream_opts so = { r->m->compress, 0, 0, progress_add, &r->prog, r->o->hooks.cancel };
	struct stream_sums sums;
	int in, rc;

	r->prog.p.item = md->file;
	if ((in = src_open(&r->src, md->file, err)) < 0)
		return -1;
	rc = stream_decompress(in, out, md->size, &so, &sums, err);
	rc = src_close(&r->src, in, rc, r->o->hooks.cancel && *r->o->hooks.cancel, err);
	if (rc == 0 && strcmp(sums.raw_sha, md->sha256) != 0)
		rc = err_set(err, "%s: checksum mismatch, the archive is damaged (nothing restored from it)", md->file);
	if (rc < 0 && strncmp(*err, md->file, strlen(md->file)) != 0) {
		char *e = *err;

		*err = xasprintf("%s: %s", md->file, e);
		free(e);
	}
	return rc;
}

static int restore_lv(struct rs *r, size_t i, struct target *t, char **err)
{
	struct storage_lv info;
	int rc = storage_lv_info(r->cfg, t->lv, &info, err), fd;
	uint64_t size = r->m->disks[i].size;

	if (rc < 0)
		return -1;
	if (rc == 1 && info.size < size) {
		storage_lv_free(&info);
		return err_set(err, "%s is smaller than the archived disk (resize it first)", t->lv);
	}
	if (rc == 1) {
		storage_lv_free(&info);
		/* an existing volume is only overwritten by an archive known to be whole */
		r->prog.p.phase = "verify";
		if (unpack(r, i, -1, err) < 0)
			return -1;
		r->prog.p.phase = "restore";
	} else {
		if (storage_lv_create(r->cfg, t->lv, size, err) < 0)
			return -1;
		t->lv_created = true;
	}
	if (storage_lv_info(r->cfg, t->lv, &info, err) != 1)
		return -1;
	fd = open(info.path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = err_set(err, "cannot open %s: %s", info.path, strerror(errno));
		storage_lv_free(&info);
		return rc;
	}
	storage_lv_free(&info);
	rc = unpack(r, i, fd, err);
	if (rc == 0 && fsync(fd) < 0)
		rc = err_set(err, "cannot write %s: %s", t->lv, strerror(errno));
	close(fd);
	return rc;
}

static int to_qcow2(const char *raw, const char *dst, char **err)
{
	char *av[] = { (char *)"qemu-img", (char *)"convert", (char *)"-f", (char *)"raw", (char *)"-O",
		       (char *)"qcow2", (char *)raw, (char *)dst, NULL };

	return spawn_run(av, NULL, err);
}

static int restore_file(struct rs *r, size_t i, struct target *t, bool force, char **err)
{
	char *dir = xstrdup(t->file), *slash = strrchr(dir, '/'), *raw;
	sigset_t held;
	int fd, rc;

	if (access(t->file, F_OK) == 0 && !force) {
		free(dir);
		return err_set(err, "%s already exists (--force replaces it)", t->file);
	}
	if (slash)
		*slash = '\0';
	if (slash && mkdir_p(dir, 0755, err) < 0) {
		free(dir);
		return -1;
	}
	free(dir);
	t->tmp = xasprintf("%s.restore-%d", t->file, (int)getpid());
	raw = strcmp(t->format, "qcow2") == 0 ? xasprintf("%s.raw", t->tmp) : xstrdup(t->tmp);
	fd = open(raw, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = err_set(err, "cannot create %s: %s", raw, strerror(errno));
		free(raw);
		return rc;
	}
	rc = unpack(r, i, fd, err);
	if (rc == 0 && fsync(fd) < 0)
		rc = err_set(err, "cannot write %s: %s", raw, strerror(errno));
	close(fd);
	if (rc == 0 && strcmp(raw, t->tmp) != 0)
		rc = to_qcow2(raw, t->tmp, err);
	if (strcmp(raw, t->tmp) != 0)
		unlink(raw);
	free(raw);
	if (rc == 0 && (rc = commit_hold(r->o->hooks.cancel, &held, err)) == 0) {
		if (rename(t->tmp, t->file) < 0)
			rc = err_set(err, "cannot replace %s: %s", t->file, strerror(errno));
		commit_release(&held);
	}
	return rc;
}

/* True when the line's content (after indentation and "- ") is KEY: VALUE with VALUE (quotes, comment aside) == want. */
static bool line_is(const char *p, const char *end, const char *key, const char *want)
{
	size_t kl = strlen(key), vl;
	const char *v;

	if ((size_t)(end - p) <= kl || strncmp(p, key, kl) != 0)
		return false;
	v = p + kl;
	while (v < end && strchr(" \t\"'", *v))
		v++;
	for (vl = 0; v + vl < end && !strchr("\"'#", v[vl]); vl++)
		;
	while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	return want && vl == strlen(want) && strncmp(v, want, vl) == 0;
}

/* The archived disk whose "lv:"/"file:" line this is, or -1. */
static int line_disk(const char *p, const char *end, const struct manifest *m)
{
	for (size_t i = 0; i < m->n_disks; i++)
		if (m->disks[i].lv ? line_is(p, end, "lv:", m->disks[i].lv)
				   : line_is(p, end, "file:", m->disks[i].source_file))
			return (int)i;
	return -1;
}

/*
 * Rewrites the definition's "lv: OLD" / "file: OLD" lines to the restored
 * disks. A copy under a new name loses its MAC addresses (new ones are
 * generated on load), so it never collides with the original on a bridge;
 * a "- mac:" line that opens a list item keeps its dash.
 */
static char *definition_fix(const char *text, const struct manifest *m, const struct target *ts, bool new_macs)
{
	struct sbuf b = { 0 };

	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n'), *end = nl ? nl : line + strlen(line), *p = line;
		int i;

		while (p < end && (*p == ' ' || *p == '-'))
			p++;
		if ((i = line_disk(p, end, m)) >= 0) {
			sbuf_addn(&b, line, (size_t)(p - line));
			sbuf_printf(&b, "%s %s", ts[i].lv ? "lv:" : "file:", ts[i].lv ? ts[i].lv : ts[i].file);
		} else if (new_macs && end - p > 4 && strncmp(p, "mac:", 4) == 0) {
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

static void targets_undo(const struct config *cfg, struct target *ts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (ts[i].tmp)
			unlink(ts[i].tmp);
		if (ts[i].lv_created)
			storage_lv_remove(cfg, ts[i].lv, NULL);
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

static int restore_body(struct rs *r, const char *name, struct target *ts, char **err)
{
	char *defpath = xasprintf("%s/%s.yaml", r->cfg->vms_dir, name), *text;
	sigset_t held;
	uint64_t total = 0;
	bool exists = access(defpath, F_OK) == 0;
	int rc = 0;

	if (exists && !r->o->force)
		rc = err_set(err, "guest %s exists (--force restores over it, --as NAME restores a copy)", name);
	else if (vm_pid(r->cfg, name) > 0)
		rc = err_set(err, "guest %s is running (stop it first)", name);
	else if (targets_check_running(r->cfg, ts, r->m->n_disks, err) < 0)
		rc = -1;
	for (size_t i = 0; i < r->m->n_disks; i++)
		total += r->m->disks[i].size;
	progress_begin(&r->prog, r->o->hooks.progress, r->o->hooks.arg, "restore", total);
	for (size_t i = 0; i < r->m->n_disks && rc == 0; i++)
		rc = ts[i].lv ? restore_lv(r, i, &ts[i], err) : restore_file(r, i, &ts[i], r->o->force || exists, err);
	if (rc == 0) {
		progress_end(&r->prog);
		text = definition_fix(r->m->definition, r->m, ts, strcmp(name, r->m->guest) != 0);
		rc = mkdir_p(r->cfg->vms_dir, 0755, err);
		if (rc == 0 && (rc = commit_hold(r->o->hooks.cancel, &held, err)) == 0) {
			rc = file_write_atomic(defpath, text, strlen(text), 0600, err);
			commit_release(&held);
		}
		free(text);
	}
	free(defpath);
	return rc;
}

int restore_run(const struct config *cfg, const char *archive, const struct restore_opts *o, char **name_out,
		char **err)
{
	struct manifest m;
	struct rs r = { .cfg = cfg, .m = &m, .o = o };
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
		rc = restore_body(&r, name, ts, err);
		if (rc < 0)
			targets_undo(cfg, ts, m.n_disks);
		else
			vm_event_log(cfg, name, "restored from %s", archive);
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
