/*
 * backup_dest.c: archive destinations: local folder (fsync + rename), remote folder or LV over ssh
 * with standard tools.
 */
#include "backup_dest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hosts.h"
#include "progress.h"
#include "util.h"

int backup_dest_parse(const struct config *cfg, const char *to, struct backup_dest *d, char **err)
{
	const char *colon = to ? strchr(to, ':') : NULL;
	const char *slash = to ? strchr(to, '/') : NULL;

	memset(d, 0, sizeof *d);
	d->fd = -1;
	d->compress =
		cfg->backup_compress && strcmp(cfg->backup_compress, "gzip") == 0 ? "gzip" : "zstd";
	if (to && to[0] == '\0')
		return err_set(err, "--to is empty: give a folder, HOST:/folder or HOST:VG/LV");
	if (to == NULL || colon == NULL || (slash && slash < colon)) {
		d->kind = DEST_DIR;
		d->dir = xstrdup(to ? to : cfg->backup_dir);
		return 0;
	}
	d->host_arg = xstrndup(to, (size_t)(colon - to));
	if (host_resolve(cfg, d->host_arg, &d->host, err) < 0)
		return -1;
	if (colon[1] == '/') {
		d->kind = DEST_REMOTE_DIR;
		d->dir = xstrdup(colon + 1);
	} else if (strchr(colon + 1, '/') && colon[1] != '\0') {
		d->kind = DEST_REMOTE_LV;
		d->lv = xstrdup(colon + 1);
	} else {
		return err_set(err, "%s: give HOST:/folder or HOST:VG/LV", to);
	}
	return 0;
}

void backup_dest_free(struct backup_dest *d)
{
	free(d->host_arg);
	free(d->recv_why);
	free(d->dir);
	free(d->lv);
	for (size_t i = 0; i < d->n_lvs; i++) {
		free(d->lvs[i].name);
		free(d->lvs[i].path);
	}
	free(d->lvs);
	free(d->partial);
	free(d->final);
	memset(d, 0, sizeof *d);
	d->fd = -1;
}

char *backup_dest_describe(const struct backup_dest *d)
{
	switch (d->kind) {
	case DEST_DIR:
		return xstrdup(d->final ? d->final : d->dir);
	case DEST_REMOTE_DIR:
		return xasprintf("%s:%s", d->host.name, d->final ? d->final : d->dir);
	case DEST_REMOTE_LV:
		break;
	}
	if (d->n_lvs > 1) {
		struct sbuf b = { 0 };

		sbuf_printf(&b, "%s:", d->host.name);
		for (size_t i = 0; i < d->n_lvs; i++)
			sbuf_printf(&b, "%s%s", i ? ", " : "", d->lvs[i].name);
		return sbuf_take(&b);
	}
	return xasprintf("%s:%s", d->host.name, d->lv);
}

/* ---- remote LVs ---- */

int backup_dest_lv_query(const struct host *h, const char *vg, const char *lv, uint64_t *size,
			 char **path, char **err)
{
	char *lvs = host_lvm_cmd(h, "lvs"), *qvg = sh_quote(vg), *cmd, *out = NULL;
	json_t *root, *rows;
	int found = 0;

	cmd = xasprintf(
		"%s --reportformat json --units b --nosuffix -o lv_name,lv_size,lv_path -- %s", lvs,
		qvg);
	free(lvs);
	free(qvg);
	if (host_run(h, cmd, &out, err) < 0) {
		free(cmd);
		return -1;
	}
	free(cmd);
	root = json_loads(out, 0, NULL);
	free(out);
	rows = json_object_get(json_array_get(json_object_get(root, "report"), 0), "lv");
	if (!json_is_array(rows)) {
		json_decref(root);
		return err_set(err, "%s: cannot read the lvs report", h->name);
	}
	for (size_t i = 0; i < json_array_size(rows) && !found; i++) {
		json_t *r = json_array_get(rows, i);
		const char *name = json_string_value(json_object_get(r, "lv_name"));
		const char *p = json_string_value(json_object_get(r, "lv_path"));

		if (name == NULL || strcmp(name, lv) != 0)
			continue;
		found = 1;
		if (size)
			*size = strtoull(json_string_value(json_object_get(r, "lv_size")) ?: "0",
					 NULL, 10);
		if (path)
			*path = p && p[0] ? xstrdup(p) : xasprintf("/dev/%s/%s", vg, lv);
	}
	json_decref(root);
	return found;
}

static int split_vglv(const char *vglv, char **vg, char **lv, char **err)
{
	const char *s = strchr(vglv, '/');

	if (s == NULL || s == vglv || s[1] == '\0' || strchr(s + 1, '/') || vglv[0] == '-' ||
	    s[1] == '-')
		return err_set(err, "%s: expected VG/LV", vglv);
	*vg = xstrndup(vglv, (size_t)(s - vglv));
	*lv = xstrdup(s + 1);
	return 0;
}

int backup_dest_lv_create(const struct host *h, const char *vglv, uint64_t size, char **path,
			  char **err)
{
	char *vg, *lv, *tool, *qvg, *qlv, *cmd;
	int rc;

	if (split_vglv(vglv, &vg, &lv, err) < 0)
		return -1;
	tool = host_lvm_cmd(h, "lvcreate");
	qvg = sh_quote(vg);
	qlv = sh_quote(lv);
	cmd = xasprintf("%s --yes -n %s -L %llub -- %s", tool, qlv, (unsigned long long)size, qvg);
	rc = host_run(h, cmd, NULL, err);
	free(cmd);
	free(tool);
	free(qvg);
	free(qlv);
	if (rc == 0 && backup_dest_lv_query(h, vg, lv, NULL, path, err) != 1)
		rc = err_set(err, "%s: %s was not created", h->name, vglv);
	free(vg);
	free(lv);
	return rc;
}

void backup_dest_lv_remove(const struct host *h, const char *vglv)
{
	char *tool = host_lvm_cmd(h, "lvremove"), *q = sh_quote(vglv),
	     *cmd = xasprintf("%s --yes -- %s", tool, q);

	host_run(h, cmd, NULL, NULL);
	free(cmd);
	free(q);
	free(tool);
}

int backup_dest_readback(const struct host *h, const char *path, uint64_t size, const char *sha,
			 const char *what, char **err)
{
	char *q = sh_quote(path),
	     *cmd = xasprintf("head -c %llu -- %s | sha256sum", (unsigned long long)size, q);
	char *out = NULL;
	int rc = host_run(h, cmd, &out, err);

	if (rc == 0 && strncmp(out, sha, 64) != 0)
		rc = err_set(err, "%s does not read back as sent (checksum differs)", what);
	free(out);
	free(cmd);
	free(q);
	return rc;
}

/*
 * Whether a process there holds the LV open (a running guest's QEMU, a
 * mount): its "PID COMMAND" in *who, "" when none. Any user counts, since
 * a guest there need not be one of vmdeck's.
 */
static int remote_lv_user(const struct host *h, const char *path, char **who, char **err)
{
	char *q = sh_quote(path), *cmd, *out = NULL;
	int rc;

	cmd = xasprintf(
		"d=$(readlink -f -- %s) || exit 1; "
		"f=$(find /proc/[0-9]*/fd -maxdepth 1 -lname \"$d\" 2>/dev/null | head -n 1); "
		"[ -z \"$f\" ] && exit 0; p=${f#/proc/}; p=${p%%%%/*}; echo \"$p $(cat "
		"/proc/$p/comm 2>/dev/null)\"",
		q);
	rc = host_run(h, cmd, &out, err);
	free(cmd);
	free(q);
	if (rc == 0) {
		*who = out ? out : xstrdup("");
		(*who)[strcspn(*who, "\n")] = '\0';
	} else {
		free(out);
	}
	return rc;
}

/*
 * The LV for one disk there: used when it exists (with force, large enough, not in use), else
 * created.
 */
static int begin_one_lv(struct backup_dest *d, struct dest_lv *t, uint64_t size, bool force,
			char **err)
{
	char *vg, *lv;
	uint64_t have = 0;
	int rc;

	if (split_vglv(t->name, &vg, &lv, err) < 0)
		return -1;
	rc = backup_dest_lv_query(&d->host, vg, lv, &have, &t->path, err);
	free(vg);
	free(lv);
	if (rc < 0)
		return -1;
	if (rc == 1 && !force)
		return err_set(err, "%s:%s already exists (--force overwrites it)", d->host.name,
			       t->name);
	if (rc == 1 && have < size)
		return err_set(err, "%s:%s is smaller than the disk (%llu < %llu bytes)",
			       d->host.name, t->name, (unsigned long long)have,
			       (unsigned long long)size);
	if (rc == 1) {
		char *who = NULL;

		if (remote_lv_user(&d->host, t->path, &who, err) < 0 || who == NULL)
			return -1;
		if (who[0])
			rc = err_set(
				err,
				"%s:%s is in use there (pid %s; a running guest?): stop it first",
				d->host.name, t->name, who);
		free(who);
		return rc == 1 ? 0 : -1;
	}
	t->created = backup_dest_lv_create(&d->host, t->name, size, &t->path, err) == 0;
	return t->created ? 0 : -1;
}

/* Every disk's LV, named as restore --as names a copy's: VG/LV, VG/LV-1, ... */
static int begin_remote_lvs(struct backup_dest *d, const uint64_t *sizes, size_t n, bool force,
			    char **err)
{
	d->lvs = xcalloc(n, sizeof *d->lvs);
	for (d->n_lvs = 0; d->n_lvs < n; d->n_lvs++) {
		struct dest_lv *t = &d->lvs[d->n_lvs];

		t->name = d->n_lvs ? xasprintf("%s-%zu", d->lv, d->n_lvs) : xstrdup(d->lv);
		if (begin_one_lv(d, t, sizes[d->n_lvs], force, err) < 0) {
			d->n_lvs++; /* so backup_dest_abort and backup_dest_free see it */
			return -1;
		}
	}
	return 0;
}

int backup_dest_begin(struct backup_dest *d, const char *name, const char *stamp,
		      const uint64_t *sizes, size_t n, bool force, char **err)
{
	char *cmd, *qd, *qp;
	int rc;

	if (d->kind == DEST_REMOTE_LV)
		return begin_remote_lvs(d, sizes, n, force, err);
	d->final = xasprintf("%s/%s-%s", d->dir, name, stamp);
	d->partial = xasprintf("%s/.%s-%s.partial", d->dir, name, stamp);
	if (d->kind == DEST_DIR) {
		if (mkdir_p(d->dir, 0755, err) < 0)
			return -1;
		if (access(d->final, F_OK) == 0)
			return err_set(err, "%s already exists", d->final);
		if (mkdir(d->partial, 0700) < 0)
			return err_set(err, "cannot create %s: %s", d->partial, strerror(errno));
		return 0;
	}
	qd = sh_quote(d->dir);
	qp = sh_quote(d->partial);
	cmd = xasprintf("mkdir -p -- %s && mkdir -m 700 -- %s", qd, qp);
	rc = host_run(&d->host, cmd, NULL, err);
	free(cmd);
	free(qd);
	free(qp);
	return rc;
}

int backup_dest_open(struct backup_dest *d, const char *file, char **err)
{
	char *cmd, *q, *p;
	int rc;

	if (d->kind == DEST_DIR) {
		p = path_join(d->partial, file);
		d->fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		rc = d->fd < 0 ? err_set(err, "cannot create %s: %s", p, strerror(errno)) : 0;
		free(p);
		return rc;
	}
	if (d->kind == DEST_REMOTE_DIR) {
		p = path_join(d->partial, file);
		q = sh_quote(p);
		free(p);
		/*
		 * Hash what is stored while it is stored (no second pass there); a
		 * failing tee adds a line to the hashed stream, so the sums differ.
		 * The file is a guest's data: 0600 whatever the login's umask.
		 */
		cmd = xasprintf("umask 077 && { tee -- %s || echo tee-failed; } | sha256sum", q);
	} else {
		if (d->next_lv >= d->n_lvs)
			return err_set(err, "%s: no LV left for %s", d->host.name, file);
		q = sh_quote(d->lvs[d->next_lv++].path);
		cmd = xasprintf("%s -dc | dd of=%s bs=4M iflag=fullblock conv=fsync status=none",
				strcmp(d->compress, "gzip") == 0 ? "gzip" : "zstd -q", q);
	}
	free(q);
	rc = host_spawn(&d->host, cmd, &d->sp, SPAWN_PIPE,
			d->kind == DEST_REMOTE_DIR ? SPAWN_PIPE : SPAWN_NULL, err);
	free(cmd);
	if (rc == 0) {
		d->sp_open = true;
		d->fd = d->sp.in;
	}
	return rc;
}

int backup_dest_close(struct backup_dest *d, char **err)
{
	char *why = NULL;
	int rc = 0;

	if (d->kind == DEST_DIR) {
		if (d->fd >= 0 && fsync(d->fd) < 0)
			rc = err_set(err, "cannot write the archive: %s", strerror(errno));
		if (d->fd >= 0 && close(d->fd) < 0 && rc == 0)
			rc = err_set(err, "cannot write the archive: %s", strerror(errno));
		d->fd = -1;
		return rc;
	}
	if (!d->sp_open)
		return 0;
	d->sp_open = false;
	d->fd = -1;
	d->recv_sha[0] = '\0';
	if (d->sp.out >= 0) {  /* the end of our stream lets the remote hash finish */
		char line[128] = "";
		ssize_t n;

		close(d->sp.in);
		d->sp.in = -1;
		n = fd_read_full(d->sp.out, line, sizeof line - 1);
		if (n >= 64 && strspn(line, "0123456789abcdef") >= 64)
			memcpy(d->recv_sha, line, 64), d->recv_sha[64] = '\0';
	}
	rc = spawn_finish(&d->sp, &why);
	free(d->recv_why);
	d->recv_why = why ? xasprintf("%s: %s", d->host.name, why) : NULL;
	if (rc != 0) {
		char *s = host_failure(&d->host, rc, why);

		err_set(err, "%s", s);
		free(s);
		return -1;
	}
	free(why);
	return 0;
}

static int write_local_file(const char *path, const char *text, char **err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return err_set(err, "cannot create %s: %s", path, strerror(errno));
	if (fd_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
		err_set(err, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return close(fd) < 0 ? err_set(err, "cannot write %s: %s", path, strerror(errno)) : 0;
}

static int commit_local(struct backup_dest *d, const char *text, char **err)
{
	char *mp = path_join(d->partial, MANIFEST_FILE);
	int rc = write_local_file(mp, text, err);

	sigset_t old;

	free(mp);
	if (rc < 0 || dir_sync(d->partial, err) < 0 ||
	    progress_commit_hold(d->cancel, &old, err) < 0)
		return -1;
	if (rename(d->partial, d->final) < 0)
		rc = err_set(err, "cannot rename %s: %s", d->partial, strerror(errno));
	else
		rc = dir_sync(d->dir, err);
	progress_commit_release(&old);
	return rc;
}

static bool sha_matches(const char *text, const char *hex)
{
	unsigned char md[32];
	unsigned len = 0;
	char mine[65];

	EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(mine + 2 * i, 3, "%02x", md[i]);
	return strcmp(mine, hex) == 0;
}

static int commit_remote_dir(struct backup_dest *d, const struct manifest *m, const char *text,
			     char **err)
{
	struct sbuf files = { 0 };
	char *qp = sh_quote(d->partial), *qf = sh_quote(d->final), *qd = sh_quote(d->dir), *cmd;
	sigset_t old;
	int rc;

	rc = backup_dest_open(d, MANIFEST_FILE, err);
	if (rc == 0 && fd_write_all(d->fd, text, strlen(text)) < 0)
		rc = err_set(err, "%s: cannot send the manifest: %s", d->host.name,
			     strerror(errno));
	if (backup_dest_close(d, rc == 0 ? err : NULL) < 0)
		rc = -1;
	if (rc == 0 && !sha_matches(text, d->recv_sha))
		rc = d->recv_why
			     ? err_set(err, "%s", d->recv_why)
			     : err_set(err,
				       "%s: the manifest arrived damaged (its checksum there "
				       "differs)",
				       d->host.name);
	for (size_t i = 0; i < m->n_disks; i++) {
		char *q = sh_quote(m->disks[i].file);

		sbuf_printf(&files, " %s", q);
		free(q);
	}
	if (rc == 0) {
		/* sync FILE fsyncs each file and the folder */
		cmd = xasprintf("cd %s && sync --%s manifest.yaml .", qp, files.s ? files.s : "");
		rc = host_run(&d->host, cmd, NULL, err);
		free(cmd);
	}
	if (rc == 0 && (rc = progress_commit_hold(d->cancel, &old, err)) == 0) {
		/* then the rename, then the parent; held signals reach us once it is done */
		cmd = xasprintf("test ! -e %s && mv -- %s %s && sync -- %s", qf, qp, qf, qd);
		rc = host_run(&d->host, cmd, NULL, err);
		free(cmd);
		progress_commit_release(&old);
	}
	sbuf_free(&files);
	free(qp);
	free(qf);
	free(qd);
	return rc;
}

/*
 * Each LV there must read back as the disk it got: its first SIZE bytes hash to the disk's SHA-256.
 */
static int commit_remote_lvs(struct backup_dest *d, const struct manifest *m, char **err)
{
	sigset_t old;
	int rc = 0;

	for (size_t i = 0; i < m->n_disks && i < d->n_lvs && rc == 0; i++) {
		char *what = xasprintf("%s:%s", d->host.name, d->lvs[i].name);

		rc = backup_dest_readback(&d->host, d->lvs[i].path, m->disks[i].size,
					  m->disks[i].sha256, what, err);
		free(what);
	}
	/*
	 * an LV is written in place: the last moment a cancel still fails (and removes what we
	 * made)
	 */
	if (rc == 0 && (rc = progress_commit_hold(d->cancel, &old, err)) == 0)
		progress_commit_release(&old);
	return rc;
}

int backup_dest_commit(struct backup_dest *d, const struct manifest *m, char **err)
{
	char *text = manifest_emit(m);
	int rc;

	if (d->kind == DEST_DIR)
		rc = commit_local(d, text, err);
	else if (d->kind == DEST_REMOTE_DIR)
		rc = commit_remote_dir(d, m, text, err);
	else
		rc = commit_remote_lvs(d, m, err);
	free(text);
	return rc;
}

static void remove_local_tree(const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *e;

	while (dh && (e = readdir(dh)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *p = path_join(dir, e->d_name);

		unlink(p);
		free(p);
	}
	if (dh)
		closedir(dh);
	rmdir(dir);
}

void backup_dest_abort(struct backup_dest *d)
{
	char *cmd, *q;

	if (d->fd >= 0 || d->sp_open)
		backup_dest_close(d, NULL);
	if (d->kind == DEST_DIR && d->partial) {
		remove_local_tree(d->partial);
	} else if (d->kind == DEST_REMOTE_DIR && d->partial) {
		q = sh_quote(d->partial);
		cmd = xasprintf("rm -rf -- %s", q);
		host_run(&d->host, cmd, NULL, NULL);
		free(cmd);
		free(q);
	} else if (d->kind == DEST_REMOTE_LV) {
		for (size_t i = 0; i < d->n_lvs; i++)
			if (d->lvs[i].created)
				backup_dest_lv_remove(&d->host, d->lvs[i].name);
	}
}
