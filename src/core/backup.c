/*
 * backup.c: `vmdeck backup`: a stopped (or, with --live, running) guest's disks into a verified,
 * atomic archive.
 */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup_dest.h"
#include "live.h"
#include "manifest.h"
#include "progress.h"
#include "spawn.h"
#include "storage.h"
#include "schedule.h"
#include "stream.h"
#include "events.h"
#include "jobfile.h"
#include "util.h"
#include "vm.h"
#include "vmstate.h"

/* ---- the disks we read ---- */

struct src_disk {
	const struct vm_disk *d;
	char *path;       /* what is read: the LV, the raw file, or a temporary raw copy */
	/* that temporary copy (qcow2 converted, or a live copy), removed at the end */
	char *tmp;
	uint64_t size;
	char *file;       /* name inside the archive */
};

static void srcs_free(struct src_disk *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		if (s[i].tmp)
			unlink(s[i].tmp);
		free(s[i].tmp);
		free(s[i].path);
		free(s[i].file);
	}
	free(s);
}

/* "av-server" from vg0/av-server or /x/av-server.qcow2; made unique with -N. */
static char *archive_file_name(const struct vm_disk *d, size_t i, const struct src_disk *prev,
			       const char *ext)
{
	const char *base = d->lv ? (strchr(d->lv, '/') ? strchr(d->lv, '/') + 1 : d->lv)
				 : path_base(d->file);
	char *stem = xstrdup(base), *dot = strrchr(stem, '.'), *name;

	if (dot && dot != stem &&
	    (!strcmp(dot, ".qcow2") || !strcmp(dot, ".raw") || !strcmp(dot, ".img")))
		*dot = '\0';
	for (char *p = stem; *p; p++)
		if (*p == '/' || *p == ' ')
			*p = '_';
	name = xasprintf("%s%s.raw%s", stem[0] == '.' ? "disk" : "", stem, ext);
	for (size_t j = 0; j < i; j++) {
		if (strcmp(prev[j].file, name) == 0) {
			free(name);
			name = xasprintf("%s-%zu.raw%s", stem, i, ext);
			break;
		}
	}
	free(stem);
	return name;
}

/* qemu-img cannot write raw to a pipe, so a qcow2 disk is read through a sparse raw copy. */
static int qcow2_to_raw(struct src_disk *s, const char *tmpdir, size_t i, char **err)
{
	char *tmp = xasprintf("%s/.convert-%d-%zu.raw", tmpdir, (int)getpid(), i);
	char *av[] = {
		(char *)"qemu-img", (char *)"convert", (char *)"-U", (char *)"-f", (char *)"qcow2",
		(char *)"-O",	    (char *)"raw",     s->path,	     tmp,	   NULL
	};

	if (spawn_run(av, NULL, err) < 0) {
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(s->path);
	s->path = xstrdup(tmp);
	s->tmp = tmp;
	return 0;
}

static int srcs_prepare(const struct config *cfg, const struct vmdef *def, const char *ext,
			struct src_disk **out, char **err)
{
	struct src_disk *s = xcalloc(def->n_disks, sizeof *s);

	*out = s;
	for (size_t i = 0; i < def->n_disks; i++) {
		s[i].d = &def->disks[i];
		s[i].file = archive_file_name(s[i].d, i, s, ext);
		if (storage_disk_path(cfg, s[i].d, &s[i].path, err) < 0 ||
		    storage_disk_size(cfg, s[i].d, &s[i].size, err) < 0)
			return -1;
		/* a snapshot chain: what the guest sees is read through its top */
		if (s[i].d->overlay) {
			free(s[i].path);
			s[i].path = xstrdup(s[i].d->overlay);
		}
	}
	return 0;
}

static char *iso_time_utc(time_t t)
{
	char b[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(b);
}

/* ---- one run ---- */

struct run {
	const struct config *cfg;
	const struct vmdef *def;
	const struct backup_opts *o;
	struct backup_dest dest;
	struct src_disk *srcs;
	struct manifest m;
	struct progress_tracker prog;
	char *tmpdir;      /* for qcow2 conversions and live copies */
	bool tmpdir_made;
};

static int copy_disk(struct run *r, size_t i, char **err)
{
	struct src_disk *s = &r->srcs[i];
	struct manifest_disk *md = &r->m.disks[i];
	struct stream_opts so = {
		r->dest.compress, r->cfg->backup_level, r->cfg->backup_threads, progress_add,
		&r->prog,	  r->o->hooks.cancel
	};
	struct stream_sums sums;
	int in, rc;
	char *cerr = NULL;

	r->prog.p.item = s->file;
	if ((in = open(s->path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(err, "cannot read %s: %s", s->path, strerror(errno));
	if (backup_dest_open(&r->dest, s->file, err) < 0) {
		close(in);
		return -1;
	}
	rc = stream_compress(in, s->size, r->dest.fd, &so, &sums, err);
	close(in);
	if (s->tmp) {  /* a temporary raw copy is not part of the archive */
		unlink(s->tmp);
		free(s->tmp);
		s->tmp = NULL;
	}
	/*
	 * when the receiver died, its own reason ("No space left", "Connection closed") is the one
	 * to show
	 */
	if (backup_dest_close(&r->dest, &cerr) < 0) {
		if (rc == 0 || r->dest.kind != DEST_DIR)
			err_set(err, "%s", cerr);
		rc = -1;
	}
	free(cerr);
	if (rc < 0)
		return -1;
	/*
	 * the receiving side's own complaint ("No space left on device") says more than the
	 * checksum
	 */
	if (r->dest.kind == DEST_REMOTE_DIR && strcmp(r->dest.recv_sha, sums.comp_sha) != 0)
		return r->dest.recv_why
			       ? err_set(err, "%s", r->dest.recv_why)
			       : err_set(err,
					 "%s: %s arrived damaged or incomplete (its checksum there "
					 "differs)",
					 r->dest.host.name, s->file);
	md->file = xstrdup(s->file);
	md->lv = s->d->lv ? xstrdup(s->d->lv) : NULL;
	md->source_file = s->d->file ? xstrdup(s->d->file) : NULL;
	md->format = xstrdup(storage_disk_format(s->d));
	md->size = s->size;
	md->stored = sums.comp_bytes;
	memcpy(md->sha256, sums.raw_sha, 65);
	memcpy(md->stored_sha256, sums.comp_sha, 65);
	return 0;
}

static int make_tmpdir(struct run *r, char **err)
{
	if (r->dest.kind == DEST_DIR) {
		r->tmpdir = xstrdup(r->dest.partial);
		return 0;
	}
	if (mkdir_p(r->cfg->backup_dir, 0755, err) < 0)
		return -1;
	r->tmpdir = xasprintf("%s/.tmp-%s-%d", r->cfg->backup_dir, r->def->name, (int)getpid());
	if (mkdir(r->tmpdir, 0700) < 0)
		return err_set(err, "cannot create %s: %s", r->tmpdir, strerror(errno));
	r->tmpdir_made = true;
	return 0;
}

/*
 * Sources that are not plain raw content become temporary raw files: live copies, qcow2
 * conversions.
 */
static int prepare_raw_sources(struct run *r, char **err)
{
	if (r->o->live) {
		char **paths = xcalloc(r->def->n_disks, sizeof *paths);
		int rc = live_copy(r->cfg, r->def, r->tmpdir, paths, &r->prog, r->o->hooks.cancel,
				   err);

		for (size_t i = 0; i < r->def->n_disks; i++) {
			if (paths[i] == NULL)
				continue;
			free(r->srcs[i].path);
			r->srcs[i].path = xstrdup(paths[i]);
			r->srcs[i].tmp = paths[i];
		}
		free(paths);
		return rc;
	}
	for (size_t i = 0; i < r->def->n_disks; i++)
		if ((r->srcs[i].d->overlay ||
		     strcmp(storage_disk_format(r->srcs[i].d), "qcow2") == 0) &&
		    qcow2_to_raw(&r->srcs[i], r->tmpdir, i, err) < 0)
			return -1;
	return 0;
}

static int check_state(const struct run *r, char **err)
{
	bool running = vmstate_pid_find(r->cfg, r->def->name) > 0;

	if (r->def->n_disks == 0)
		return err_set(err, "it has no disks");
	if (running && !r->o->live)
		return err_set(err, "it is running (stop it first, or use --live)");
	if (!running && r->o->live)
		return err_set(err, "it is not running (leave out --live)");
	return 0;
}

static int backup_body(struct run *r, char **err)
{
	char stamp[32];
	uint64_t total = 0, *sizes;
	int rc;
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	if (check_state(r, err) < 0 ||
	    srcs_prepare(r->cfg, r->def, stream_ext(r->dest.compress), &r->srcs, err) < 0)
		return -1;
	sizes = xcalloc(r->def->n_disks, sizeof *sizes);
	for (size_t i = 0; i < r->def->n_disks; i++)
		total += sizes[i] = r->srcs[i].size;
	rc = backup_dest_begin(&r->dest, r->def->name, stamp, sizes, r->def->n_disks, r->o->force,
			       err);
	free(sizes);
	if (rc < 0 || make_tmpdir(r, err) < 0)
		return -1;
	progress_begin(&r->prog, r->o->hooks.progress, r->o->hooks.arg,
		       r->o->live ? "live copy" : "convert", total);
	if (prepare_raw_sources(r, err) < 0)
		return -1;
	r->m.guest = xstrdup(r->def->name);
	r->m.tool = xstrdup("vmdeck " VMDECK_VERSION);
	r->m.created = iso_time_utc(now);
	r->m.live = r->o->live;
	r->m.compress = xstrdup(r->dest.compress);
	if ((r->m.definition = file_read(r->def->path, NULL, err)) == NULL)
		return -1;
	r->m.n_disks = r->def->n_disks;
	r->m.disks = xcalloc(r->m.n_disks, sizeof *r->m.disks);
	progress_begin(&r->prog, r->o->hooks.progress, r->o->hooks.arg, "backup", total);
	for (size_t i = 0; i < r->def->n_disks; i++)
		if (copy_disk(r, i, err) < 0)
			return -1;
	progress_end(&r->prog);
	return backup_dest_commit(&r->dest, &r->m, err);
}

int backup_run(const struct config *cfg, const struct vmdef *def, const struct backup_opts *o,
	       char **where, char **err)
{
	struct backup_opts mine = *o;  /* its hooks publish the progress too (jobfile.h) */
	struct run r = { .cfg = cfg, .def = def, .o = &mine };
	struct jobfile *jf;
	int lock, rc;

	if (def->error)
		return err_set(err, "%s", def->error);
	if (backup_dest_parse(cfg, o->to, &r.dest, err) < 0)
		return -1;
	r.dest.cancel = o->hooks.cancel;
	if ((lock = vm_lock(cfg, def->name, false, err)) < 0) {
		/*
		 * a scheduled backup that found the guest busy is worth a line in its log; a typo
		 * above is not
		 */
		events_log(cfg, def->name, EV_BACKUP_FAIL, "backup failed: %s",
			   err && *err ? *err : "guest busy");
		schedule_status_write(cfg, def->name, false, o->scheduled,
				      err && *err ? *err : "guest busy");
		backup_dest_free(&r.dest);
		return -1;
	}
	jf = jobfile_begin(cfg, def->name, "backup", &mine.hooks);
	rc = backup_body(&r, err);
	jobfile_end(jf);
	if (rc < 0) {
		backup_dest_abort(&r.dest);
		events_log(cfg, def->name, EV_BACKUP_FAIL, "backup failed: %s",
			   err && *err ? *err : "unknown error");
		schedule_status_write(cfg, def->name, false, o->scheduled,
				      err && *err ? *err : "unknown error");
	} else {
		char *to = backup_dest_describe(&r.dest);

		events_log(cfg, def->name, EV_BACKUP, "backup done: %s%s", to,
			   o->live ? " (live)" : "");
		schedule_status_write(cfg, def->name, true, o->scheduled, to);
		if (where)
			*where = to;
		else
			free(to);
	}
	srcs_free(r.srcs, def->n_disks);
	if (r.tmpdir_made)
		rmdir(r.tmpdir);
	free(r.tmpdir);
	manifest_free(&r.m);
	backup_dest_free(&r.dest);
	vm_unlock(lock);
	return rc;
}

/* ---- archives in a folder ---- */

const char *backup_archive_stamp(const char *name)
{
	size_t n = strlen(name);

	return n > 16 && name[n - 16] == '-' && name[n - 7] == '-' ? name + n - 15 : "";
}

/* Newest first by the time in the name, whichever guest it is; then by name. */
static int cmp_newest(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int c = strcmp(backup_archive_stamp(y), backup_archive_stamp(x));

	return c ? c : strcmp(x, y);
}

int backup_list_archives(const char *dir, char ***names, size_t *n, char **err)
{
	DIR *dh = opendir(dir);
	struct dirent *e;
	struct strv sv = { 0 };

	*names = NULL;
	*n = 0;
	if (dh == NULL)
		return errno == ENOENT ? 0
				       : err_set(err, "cannot read %s: %s", dir, strerror(errno));
	while ((e = readdir(dh)) != NULL) {
		char *mp;

		if (e->d_name[0] == '.')
			continue;  /* partial archives and temporary folders start with a dot */
		mp = xasprintf("%s/%s/%s", dir, e->d_name, MANIFEST_FILE);
		if (access(mp, R_OK) == 0)
			strv_add(&sv, e->d_name);
		free(mp);
	}
	closedir(dh);
	if (sv.n)
		qsort(sv.v, sv.n, sizeof *sv.v, cmp_newest);
	*names = sv.v;
	*n = sv.n;
	return 0;
}
