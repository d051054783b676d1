/*
 * move.c: `vmdeck move`: a stopped guest's disks and definition to another host over ssh, verified,
 * source kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "template.h"
#include "backup_dest.h"
#include "hosts.h"
#include "lvm.h"
#include "move.h"
#include "progress.h"
#include "storage.h"
#include "stream.h"
#include "events.h"
#include "jobfile.h"
#include "snapshot.h"
#include "util.h"
#include "vm.h"
#include "vmstate.h"

/*
 * An LV disk goes to the same VG/LV on the other host, or to the same LV name
 * in --vg (created there; an existing one is never overwritten). A file disk
 * goes to the same absolute path as here, or by the same name into
 * --file-dir, its bytes copied as they are (a qcow2 stays a qcow2), 0600.
 * A file is received under NAME.vmdeck-partial and takes its name only once
 * its checksum there is verified. The definition is written last, every
 * disk named by its absolute path (or VG/LV) there, checked, and renamed
 * into place: the other host never lists a guest whose disks are not all
 * there and verified, nor one whose relative path resolves elsewhere.
 */
struct mv_disk {
	char *src;         /* local path read */
	uint64_t size;     /* bytes sent */
	char *remote;      /* path on the other host (absolute) */
	char *tmp;         /* a file's name there until verified: REMOTE.vmdeck-partial */
	char *lv;          /* VG/LV there, or NULL for a file */
	bool made;         /* we created it there */
	bool placed;       /* a file renamed to its final name by us */
	char sha[65];
};

struct mv {
	const struct config *cfg;
	const struct vmdef *def;
	const struct move_opts *o;
	struct host h;
	struct mv_disk *d;
	struct progress_tracker prog;
	char *def_tmp;     /* the definition's partial name there, once sent */
	bool committing;   /* its rename into place was attempted */
};

static int remote_test_absent(struct mv *m, const char *path, char **err)
{
	char *q = sh_quote(path), *cmd = xasprintf("test ! -e %s", q);
	int rc = host_run(&m->h, cmd, NULL, NULL);

	free(cmd);
	free(q);
	return rc == 0 ? 0
		       : err_set(err, "%s: %s already exists there (never overwritten)", m->h.name,
				 path);
}

static int plan_disk(struct mv *m, size_t i, char **err)
{
	const struct vm_disk *vd = &m->def->disks[i];
	struct mv_disk *d = &m->d[i];
	char *vg, *lv;
	int rc;

	if (storage_disk_path(m->cfg, vd, &d->src, err) < 0)
		return -1;
	if (vd->file) {
		struct stat st;

		if (stat(d->src, &st) < 0)
			return err_set(err, "%s: %s", d->src, strerror(errno));
		d->size = (uint64_t)st.st_size;
		/*
		 * the path as resolved here, never the definition's text: a relative one means
		 * another folder there
		 */
		d->remote = m->o->file_dir ? path_join(m->o->file_dir, path_base(d->src))
					   : xstrdup(d->src);
		if (d->remote[0] != '/')
			return err_set(err, "%s: not an absolute path (give --file-dir)",
				       d->remote);
		d->tmp = xasprintf("%s.vmdeck-partial", d->remote);
		return remote_test_absent(m, d->remote, err);
	}
	if (storage_disk_size(m->cfg, vd, &d->size, err) < 0 ||
	    lvm_split(m->cfg, vd->lv, &vg, &lv, err) < 0)
		return -1;
	if (m->o->vg) {
		free(vg);
		vg = xstrdup(m->o->vg);
	}
	d->lv = xasprintf("%s/%s", vg, lv);
	rc = backup_dest_lv_query(&m->h, vg, lv, NULL, NULL, err);
	free(vg);
	free(lv);
	if (rc != 0)
		return rc < 0 ? -1
			      : err_set(err, "%s: %s already exists there (never overwritten)",
					m->h.name, d->lv);
	return 0;
}

/*
 * The receiving command: zstd into dd, into the LV, or into the file's
 * partial name (created 0600 whatever the login's umask). Both stages'
 * statuses count (POSIX sh has no pipefail): zstd's goes out on fd 3.
 */
static char *receiver(const struct mv_disk *d)
{
	char *q = sh_quote(d->remote), *qt = d->tmp ? sh_quote(d->tmp) : NULL, *pipe, *cmd;

	/* conv=sparse: zero blocks of a new file become holes, as they were here */
	pipe = xasprintf(
		"{ zs=$( { { zstd -q -dc; echo $? >&3; } | dd of=%s bs=4M iflag=fullblock "
		"conv=%sfsync status=none >&4; } 3>&1 ) && test \"$zs\" = 0; } 4>&1",
		qt ? qt : q, qt ? "sparse," : "");
	if (qt == NULL) {
		free(q);
		return pipe;
	}
	cmd = xasprintf("mkdir -p -- \"$(dirname -- %s)\" && umask 077 && rm -f -- %s && %s", q, qt,
			pipe);
	free(pipe);
	free(qt);
	free(q);
	return cmd;
}

static int send_disk(struct mv *m, size_t i, char **err)
{
	struct mv_disk *d = &m->d[i];
	struct stream_opts so = { "zstd",	1,	  m->cfg->backup_threads,
				  progress_add, &m->prog, m->o->hooks.cancel };
	struct stream_sums sums;
	struct spawn sp;
	char *cmd, *why = NULL;
	int in, rc, xrc;

	if (d->lv) {
		if (backup_dest_lv_create(&m->h, d->lv, d->size, &d->remote, err) < 0)
			return -1;
		d->made = true;
	}
	if ((in = open(d->src, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(err, "cannot read %s: %s", d->src, strerror(errno));
	cmd = receiver(d);
	d->made = true;  /* from here a failure removes the partial there */
	rc = host_spawn(&m->h, cmd, &sp, SPAWN_PIPE, SPAWN_NULL, err);
	free(cmd);
	if (rc < 0) {
		close(in);
		return -1;
	}
	m->prog.p.item = d->lv ? d->lv : d->remote;
	rc = stream_compress(in, d->size, sp.in, &so, &sums, err);
	close(in);
	xrc = spawn_finish(&sp, &why);
	if (xrc != 0) {
		char *s = host_failure(&m->h, xrc, why);

		rc = err_set(err, "%s", s);
		free(s);
	} else {
		free(why);
	}
	memcpy(d->sha, sums.raw_sha, 65);
	return rc;
}

static int verify_disk(struct mv *m, size_t i, char **err)
{
	struct mv_disk *d = &m->d[i];
	char *what = xasprintf("%s: %s", m->h.name, d->remote);
	int rc = backup_dest_readback(&m->h, d->tmp ? d->tmp : d->remote, d->size, d->sha, what,
				      err);

	free(what);
	return rc;
}

/*
 * A verified file takes its final name there (never over an existing one), the rename made durable.
 */
static int place_disk(struct mv *m, size_t i, char **err)
{
	struct mv_disk *d = &m->d[i];
	char *q, *qt, *cmd;
	int rc;

	if (d->tmp == NULL)
		return 0;
	q = sh_quote(d->remote);
	qt = sh_quote(d->tmp);
	cmd = xasprintf("test ! -e %s && mv -- %s %s && sync -- %s \"$(dirname -- %s)\"", q, qt, q,
			q, q);
	rc = host_run(&m->h, cmd, NULL, err);
	d->placed = rc == 0;
	free(cmd);
	free(qt);
	free(q);
	return rc;
}

static char *remote_def_path(const struct mv *m)
{
	return xasprintf("%s/%s.yaml", m->h.vms_dir ? m->h.vms_dir : m->cfg->vms_dir, m->def->name);
}

/*
 * Sets every disk key of the copy at FILE to where the disk went: VG/LV, or the absolute path
 * there.
 */
static int rename_disks(const struct mv *m, const char *file, char **err)
{
	int rc = 0;

	for (size_t i = 0; i < m->def->n_disks && rc == 0; i++) {
		char *key = xasprintf("disks.%zu.%s", i, m->def->disks[i].lv ? "lv" : "file");

		rc = vmdef_set_key(file, key, m->d[i].lv ? m->d[i].lv : m->d[i].remote, err);
		free(key);
	}
	return rc;
}

/*
 * The edited copy must name each disk exactly where its verified bytes are, needing no folder to
 * resolve.
 */
static int check_copy(const struct mv *m, const char *file, char **err)
{
	struct vmdef def;
	int rc = vmdef_load(file, &def, err);

	for (size_t i = 0; i < def.n_disks && rc == 0; i++) {
		const struct vm_disk *vd = &def.disks[i];
		const char *want = m->d[i].lv ? m->d[i].lv : m->d[i].remote,
			   *got = vd->lv ? vd->lv : vd->file;

		if (got == NULL || strcmp(got, want) != 0 || (vd->file && vd->file[0] != '/'))
			rc = err_set(err, "the definition for there names disk %zu as %s, not %s",
				     i + 1, got ? got : "nothing", want);
	}
	if (rc == 0 && def.n_disks != m->def->n_disks)
		rc = err_set(err, "the definition for there lists %zu disks, not %zu", def.n_disks,
			     m->def->n_disks);
	vmdef_free(&def);
	return rc;
}

/*
 * The definition as the other host must see it: a copy (in the guest's
 * state folder, named like the guest so it loads as that guest) whose disk
 * lines are changed in place, comments and all, through the same edit as
 * the console's form, then loaded and checked.
 */
static char *definition_for_there(const struct mv *m, char **err)
{
	char *dir, *file, *text;

	dir = vmstate_path(m->cfg, m->def->name, "outgoing");
	file = xasprintf("%s/%s.yaml", dir, m->def->name);
	text = file_read(m->def->path, NULL, err);
	if (text && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_set(err, "cannot create %s: %s", dir, strerror(errno));
		free(text);
		text = NULL;
	} else if (text) {
		int rc = file_write_atomic(file, text, strlen(text), 0600, err);

		if (rc == 0)
			rc = rename_disks(m, file, err) == 0 ? check_copy(m, file, err) : -1;
		free(text);
		text = rc == 0 ? file_read(file, NULL, err) : NULL;
	}
	unlink(file);
	rmdir(dir);
	free(file);
	free(dir);
	return text;
}

/*
 * Sends text to path's partial name there (0600, synced); what is stored there must read back as
 * text.
 */
static int send_definition_text(struct mv *m, const char *path, const char *tmp, const char *text,
				char **err)
{
	char *qp = sh_quote(path), *qt = sh_quote(tmp), *cmd, *why = NULL, *back = NULL;
	struct spawn sp;
	int rc;

	cmd = xasprintf(
		"mkdir -p -- \"$(dirname -- %s)\" && umask 077 && rm -f -- %s && cat > %s && sync "
		"-- %s",
		qp, qt, qt, qt);
	rc = host_spawn(&m->h, cmd, &sp, SPAWN_PIPE, SPAWN_NULL, err);
	free(cmd);
	if (rc == 0) {
		if (fd_write_all(sp.in, text, strlen(text)) < 0)
			rc = err_set(err, "%s: cannot send the definition: %s", m->h.name,
				     strerror(errno));
		int xrc = spawn_finish(&sp, &why);

		if (xrc != 0) {
			char *s = host_failure(&m->h, xrc, why);

			rc = err_set(err, "cannot write %s there: %s", path, s);
			free(s);
		} else {
			free(why);
		}
	}
	cmd = xasprintf("cat -- %s", qt);
	if (rc == 0 && (rc = host_run(&m->h, cmd, &back, err)) == 0 && strcmp(back, text) != 0)
		rc = err_set(err, "%s: the definition arrived damaged at %s", m->h.name, tmp);
	free(back);
	free(cmd);
	free(qp);
	free(qt);
	return rc;
}

/*
 * The definition there, last: sent and read back under a partial name, then (the commit) renamed
 * into place.
 */
static int send_definition(struct mv *m, char **err)
{
	char *path = remote_def_path(m), *tmp = xasprintf("%s.vmdeck-partial", path);
	char *qp = sh_quote(path), *qt = sh_quote(tmp), *cmd, *text = definition_for_there(m, err);
	sigset_t held;
	int rc = text ? send_definition_text(m, path, tmp, text, err) : -1;

	m->def_tmp = tmp;
	if (rc == 0 && (rc = progress_commit_hold(m->o->hooks.cancel, &held, err)) == 0) {
		cmd = xasprintf("test ! -e %s && mv -- %s %s && sync -- \"$(dirname -- %s)\"", qp,
				qt, qp, qp);
		m->committing = true;
		rc = host_run(&m->h, cmd, NULL, err);
		free(cmd);
		progress_commit_release(&held);
	}
	free(text);
	free(qp);
	free(qt);
	free(path);
	return rc;
}

/* Whether a definition of this name is there now (after a rename whose outcome we did not hear). */
static bool remote_def_there(struct mv *m)
{
	char *path = remote_def_path(m), *q = sh_quote(path), *cmd = xasprintf("test -e %s", q);
	bool there = host_run(&m->h, cmd, NULL, NULL) == 0;

	free(cmd);
	free(q);
	free(path);
	return there;
}

static void undo_remote(struct mv *m)
{
	char *q, *qt, *cmd;
	/* a definition that may be ours is never left naming removed disks: then the disks stay */
	bool keep_placed = m->committing && remote_def_there(m);

	for (size_t i = 0; i < m->def->n_disks; i++) {
		struct mv_disk *d = &m->d[i];

		if (!d->made)
			continue;
		if (d->lv) {
			if (!keep_placed)
				backup_dest_lv_remove(&m->h, d->lv);
			continue;
		}
		/* the partial, and the final name if this run gave it (nothing refers to it yet) */
		qt = sh_quote(d->tmp);
		q = sh_quote(d->remote);
		cmd = d->placed && !keep_placed ? xasprintf("rm -f -- %s %s", qt, q)
						: xasprintf("rm -f -- %s", qt);
		host_run(&m->h, cmd, NULL, NULL);
		free(cmd);
		free(q);
		free(qt);
	}
	if (m->def_tmp) {
		q = sh_quote(m->def_tmp);
		cmd = xasprintf("rm -f -- %s", q);
		host_run(&m->h, cmd, NULL, NULL);
		free(cmd);
		free(q);
	}
}

static int delete_source(struct mv *m, char **err)
{
	/*
	 * the definition first: a crash in between leaves spare volumes, never a guest without its
	 * disks
	 */
	if (unlink(m->def->path) < 0)
		return err_set(err, "copied and verified, but cannot delete %s: %s", m->def->path,
			       strerror(errno));
	for (size_t i = 0; i < m->def->n_disks; i++) {
		const struct vm_disk *vd = &m->def->disks[i];
		char *e = NULL;

		if (vd->lv ? lvm_remove(m->cfg, vd->lv, &e) < 0 : unlink(vd->file) < 0) {
			err_set(err, "copied and verified, but cannot delete the source disk: %s",
				e ? e : strerror(errno));
			free(e);
			return -1;
		}
	}
	return 0;
}

static int move_body(struct mv *m, char **err)
{
	char *defpath = remote_def_path(m);
	uint64_t total = 0;
	int rc;

	if (vmstate_pid_find(m->cfg, m->def->name) > 0)
		rc = err_set(err, "it is running (stop it first)");
	else
		rc = remote_test_absent(m, defpath, err);
	free(defpath);
	for (size_t i = 0; i < m->def->n_disks && rc == 0; i++)
		rc = plan_disk(m, i, err);
	for (size_t i = 0; i < m->def->n_disks && rc == 0; i++)
		total += m->d[i].size;
	progress_begin(&m->prog, m->o->hooks.progress, m->o->hooks.arg, "copy", total);
	for (size_t i = 0; i < m->def->n_disks && rc == 0; i++)
		rc = send_disk(m, i, err);
	for (size_t i = 0; i < m->def->n_disks && rc == 0; i++)
		rc = verify_disk(m, i, err);
	if (rc == 0 && m->o->hooks.cancel && *m->o->hooks.cancel)
		rc = err_set(err, "interrupted");
	for (size_t i = 0; i < m->def->n_disks && rc == 0; i++)
		rc = place_disk(m, i, err);
	if (rc == 0)
		rc = send_definition(m, err);
	if (rc < 0) {
		undo_remote(m);
		return -1;
	}
	progress_end(&m->prog);
	return m->o->delete_source ? delete_source(m, err) : 0;
}

int move_run(const struct config *cfg, const struct vmdef *def, const char *host,
	     const struct move_opts *o, char **err)
{
	struct move_opts mine = *o;  /* its hooks publish the progress too (jobfile.h) */
	struct mv m = { .cfg = cfg, .def = def, .o = &mine };
	struct jobfile *jf;
	int lock, rc;

	if (def->error)
		return err_set(err, "%s", def->error);
	if (o->vg && !lvm_name_valid(o->vg))
		return err_set(err, "--vg %s: not a valid volume group name", o->vg);
	if (o->file_dir && o->file_dir[0] != '/')
		return err_set(err,
			       "--file-dir %s: give an absolute folder (it names a folder there)",
			       o->file_dir);
	for (size_t i = 0; i < def->n_disks && o->delete_source; i++)
		if (template_base_check(cfg, &def->disks[i], err) < 0)
			/*
			 * deleting a template's disks would leave its linked clones without a base
			 */
			return -1;
	if (host_resolve(cfg, host, &m.h, err) < 0)
		return -1;
	if ((lock = vm_lock(cfg, def->name, false, err)) < 0)
		return -1;
	/*
	 * snapshots stay with the host they were made on: a copy of the base alone would be stale
	 */
	if (snapshot_count(cfg, def, NULL) > 0) {
		vm_unlock(lock);
		return err_set(
			err,
			"it has snapshots, which do not travel: delete them first (vmdeck snapshot "
			"%s list)",
			def->name);
	}
	m.d = xcalloc(def->n_disks ? def->n_disks : 1, sizeof *m.d);
	jf = jobfile_begin(cfg, def->name, "move", &mine.hooks);
	rc = move_body(&m, err);
	jobfile_end(jf);
	if (rc == 0)
		events_log(cfg, def->name, EV_MOVE, "moved to %s (%s)", host,
			   o->delete_source ? "source deleted" : "source kept");
	for (size_t i = 0; i < def->n_disks; i++) {
		free(m.d[i].src);
		free(m.d[i].remote);
		free(m.d[i].tmp);
		free(m.d[i].lv);
	}
	free(m.d);
	free(m.def_tmp);
	vm_unlock(lock);
	return rc;
}
