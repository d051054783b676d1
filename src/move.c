/* move.c: `vmdeck move`: a stopped guest's disks and definition to another host over ssh, verified, source kept. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "backup_dest.h"
#include "hosts.h"
#include "storage.h"
#include "stream.h"
#include "events.h"
#include "util.h"
#include "vm.h"

/*
 * An LV disk goes to the same VG/LV on the other host, or to the same LV name
 * in --vg (created there; an existing one is never overwritten). A file disk
 * goes to the same path, or by the same name into --file-dir, its bytes
 * copied as they are (a qcow2 stays a qcow2). The definition is written
 * last, naming the disks where they went, so the other host never lists a
 * guest whose disks are not all there and verified.
 */
struct mv_disk {
	char *src;         /* local path read */
	uint64_t size;     /* bytes sent */
	char *remote;      /* path on the other host */
	char *lv;          /* VG/LV there, or NULL for a file */
	bool made;         /* we created it there */
	char sha[65];
};

struct mv {
	const struct config *cfg;
	const struct vmdef *def;
	const struct move_opts *o;
	struct host h;
	struct mv_disk *d;
	struct progress_tracker prog;
};

static int remote_test_absent(struct mv *m, const char *path, char **err)
{
	char *q = sh_quote(path), *cmd = xasprintf("test ! -e %s", q);
	int rc = host_run(&m->h, cmd, NULL, NULL);

	free(cmd);
	free(q);
	return rc == 0 ? 0 : err_set(err, "%s: %s already exists there (never overwritten)", m->h.name, path);
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
		d->remote = m->o->file_dir ? path_join(m->o->file_dir, path_base(vd->file)) : xstrdup(vd->file);
		return remote_test_absent(m, d->remote, err);
	}
	if (storage_disk_size(m->cfg, vd, &d->size, err) < 0 || storage_lv_split(m->cfg, vd->lv, &vg, &lv, err) < 0)
		return -1;
	if (m->o->vg) {
		free(vg);
		vg = xstrdup(m->o->vg);
	}
	d->lv = xasprintf("%s/%s", vg, lv);
	rc = remote_lv_query(&m->h, vg, lv, NULL, NULL, err);
	free(vg);
	free(lv);
	if (rc != 0)
		return rc < 0 ? -1 : err_set(err, "%s: %s already exists there (never overwritten)", m->h.name, d->lv);
	return 0;
}

/* The receiving command: decompress into the LV, or into a temporary file renamed when complete. */
static char *receiver(const struct mv_disk *d)
{
	char *q = sh_quote(d->remote), *tmp, *qt, *cmd;

	if (d->lv) {
		cmd = xasprintf("zstd -q -dc | dd of=%s bs=4M iflag=fullblock conv=fsync status=none", q);
		free(q);
		return cmd;
	}
	tmp = xasprintf("%s.vmdeck-partial", d->remote);
	qt = sh_quote(tmp);
	/* conv=sparse: zero blocks of a new file become holes, as they were here */
	cmd = xasprintf("mkdir -p -- \"$(dirname -- %s)\" && zstd -q -dc | dd of=%s bs=4M iflag=fullblock "
			"conv=sparse,fsync status=none && mv -- %s %s", q, qt, qt, q);
	free(tmp);
	free(qt);
	free(q);
	return cmd;
}

static int send_disk(struct mv *m, size_t i, char **err)
{
	struct mv_disk *d = &m->d[i];
	struct stream_opts so = { "zstd", 1, m->cfg->backup_threads, progress_add, &m->prog, m->o->hooks.cancel };
	struct stream_sums sums;
	struct spawn sp;
	char *cmd, *why = NULL;
	int in, rc, xrc;

	if (d->lv) {
		if (remote_lv_create(&m->h, d->lv, d->size, &d->remote, err) < 0)
			return -1;
		d->made = true;
	}
	if ((in = open(d->src, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(err, "cannot read %s: %s", d->src, strerror(errno));
	cmd = receiver(d);
	rc = host_spawn(&m->h, cmd, &sp, SPAWN_PIPE, SPAWN_NULL, err);
	free(cmd);
	if (rc < 0) {
		close(in);
		return -1;
	}
	d->made = true;
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
	int rc = remote_readback(&m->h, d->remote, d->size, d->sha, what, err);

	free(what);
	return rc;
}

static char *remote_def_path(const struct mv *m)
{
	return xasprintf("%s/%s.yaml", m->h.vms_dir ? m->h.vms_dir : m->cfg->vms_dir, m->def->name);
}

/* Whether disk i lands under another name there (--vg, --file-dir). */
static bool disk_renamed(const struct mv *m, size_t i)
{
	const struct vm_disk *vd = &m->def->disks[i];

	return vd->lv ? strcmp(m->d[i].lv, vd->lv) != 0 : strcmp(m->d[i].remote, vd->file) != 0;
}

/* Sets the disk keys of the copy at FILE to where the disks went. */
static int rename_disks(const struct mv *m, const char *file, char **err)
{
	int rc = 0;

	for (size_t i = 0; i < m->def->n_disks && rc == 0; i++) {
		char *key = xasprintf("disks.%zu.%s", i, m->def->disks[i].lv ? "lv" : "file");

		if (disk_renamed(m, i))
			rc = vmdef_set_key(file, key, m->d[i].lv ? m->d[i].lv : m->d[i].remote, err);
		free(key);
	}
	return rc;
}

/*
 * The definition as the other host must see it: the file itself, or, when
 * disks land elsewhere, a copy (in the guest's state folder, named like the
 * guest so it loads as that guest) whose disk lines are changed in place,
 * comments and all, through the same edit as the console's form.
 */
static char *definition_for_there(const struct mv *m, char **err)
{
	char *dir, *file, *text;
	bool renamed = false;

	for (size_t i = 0; i < m->def->n_disks; i++)
		renamed |= disk_renamed(m, i);
	if (!renamed)
		return file_read(m->def->path, NULL, err);
	dir = vm_path(m->cfg, m->def->name, "outgoing");
	file = xasprintf("%s/%s.yaml", dir, m->def->name);
	text = file_read(m->def->path, NULL, err);
	if (text && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_set(err, "cannot create %s: %s", dir, strerror(errno));
		free(text);
		text = NULL;
	} else if (text) {
		int rc = file_write_atomic(file, text, strlen(text), 0600, err) == 0 ? rename_disks(m, file, err) : -1;

		free(text);
		text = rc == 0 ? file_read(file, NULL, err) : NULL;
	}
	unlink(file);
	rmdir(dir);
	free(file);
	free(dir);
	return text;
}

static int send_definition(struct mv *m, char **err)
{
	char *path = remote_def_path(m), *tmp = xasprintf("%s.vmdeck-partial", path);
	char *qp = sh_quote(path), *qt = sh_quote(tmp), *cmd, *text, *why = NULL;
	struct spawn sp;
	int rc;

	cmd = xasprintf("mkdir -p -- \"$(dirname -- %s)\" && umask 077 && cat > %s && test ! -e %s && mv -- %s %s",
			qp, qt, qp, qt, qp);
	text = definition_for_there(m, err);
	rc = text ? host_spawn(&m->h, cmd, &sp, SPAWN_PIPE, SPAWN_NULL, err) : -1;
	if (rc == 0) {
		if (fd_write_all(sp.in, text, strlen(text)) < 0)
			rc = err_set(err, "%s: cannot send the definition: %s", m->h.name, strerror(errno));
		int xrc = spawn_finish(&sp, &why);

		if (xrc != 0) {
			char *s = host_failure(&m->h, xrc, why);

			rc = err_set(err, "cannot write %s there: %s", path, s);
			free(s);
		} else {
			free(why);
		}
	}
	free(text);
	free(cmd);
	free(qp);
	free(qt);
	free(tmp);
	free(path);
	return rc;
}

static void undo_remote(struct mv *m)
{
	for (size_t i = 0; i < m->def->n_disks; i++) {
		struct mv_disk *d = &m->d[i];
		char *tmp, *q, *cmd;

		if (!d->made)
			continue;
		if (d->lv) {
			remote_lv_remove(&m->h, d->lv);
			continue;
		}
		tmp = xasprintf("%s.vmdeck-partial", d->remote);
		q = sh_quote(tmp);
		cmd = xasprintf("rm -f -- %s", q);
		host_run(&m->h, cmd, NULL, NULL);
		free(cmd);
		free(q);
		free(tmp);
	}
}

static int delete_source(struct mv *m, char **err)
{
	/* the definition first: a crash in between leaves spare volumes, never a guest without its disks */
	if (unlink(m->def->path) < 0)
		return err_set(err, "copied and verified, but cannot delete %s: %s", m->def->path, strerror(errno));
	for (size_t i = 0; i < m->def->n_disks; i++) {
		const struct vm_disk *vd = &m->def->disks[i];
		char *e = NULL;

		if (vd->lv ? storage_lv_remove(m->cfg, vd->lv, &e) < 0 : unlink(vd->file) < 0) {
			err_set(err, "copied and verified, but cannot delete the source disk: %s", e ? e : strerror(errno));
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

	if (vm_pid(m->cfg, m->def->name) > 0)
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
	if (rc == 0)
		rc = send_definition(m, err);
	if (rc < 0) {
		undo_remote(m);
		return -1;
	}
	progress_end(&m->prog);
	return m->o->delete_source ? delete_source(m, err) : 0;
}

int move_run(const struct config *cfg, const struct vmdef *def, const char *host, const struct move_opts *o,
	     char **err)
{
	struct mv m = { .cfg = cfg, .def = def, .o = o };
	int lock, rc;

	if (def->error)
		return err_set(err, "%s", def->error);
	if (o->vg && !lvm_name_valid(o->vg))
		return err_set(err, "--vg %s: not a valid volume group name", o->vg);
	if (o->file_dir && o->file_dir[0] != '/')
		return err_set(err, "--file-dir %s: give an absolute folder (it names a folder there)", o->file_dir);
	if (host_resolve(cfg, host, &m.h, err) < 0)
		return -1;
	if ((lock = vm_lock(cfg, def->name, false, err)) < 0)
		return -1;
	m.d = xcalloc(def->n_disks ? def->n_disks : 1, sizeof *m.d);
	rc = move_body(&m, err);
	if (rc == 0)
		vm_event_log(cfg, def->name, "moved to %s (%s)", host, o->delete_source ? "source deleted" : "source kept");
	for (size_t i = 0; i < def->n_disks; i++) {
		free(m.d[i].src);
		free(m.d[i].remote);
		free(m.d[i].lv);
	}
	free(m.d);
	vm_unlock(lock);
	return rc;
}
