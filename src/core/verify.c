/*
 * verify.c: checks an archive's every SHA-256 by reading it back whole, locally or over ssh; writes
 * nothing.
 */
#include "verify.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hosts.h"
#include "manifest.h"
#include "spawn.h"
#include "stream.h"
#include "util.h"

struct vsrc {
	char *dir;
	char *host_arg;     /* NULL when local */
	struct host host;
	struct spawn sp;
};

static int vsrc_parse(const struct config *cfg, const char *archive, struct vsrc *s, char **err)
{
	const char *colon = strchr(archive, ':'), *slash = strchr(archive, '/');

	memset(s, 0, sizeof *s);
	if (colon == NULL || (slash && slash < colon)) {
		s->dir = xstrdup(archive);
		return 0;
	}
	if (colon[1] != '/')
		return err_set(err, "a remote archive is HOST:/folder");
	s->host_arg = xstrndup(archive, (size_t)(colon - archive));
	s->dir = xstrdup(colon + 1);
	return host_resolve(cfg, s->host_arg, &s->host, err);
}

static char *remote_cat(const struct vsrc *s, const char *file)
{
	char *p = path_join(s->dir, file), *q = sh_quote(p), *cmd = xasprintf("cat -- %s", q);

	free(p);
	free(q);
	return cmd;
}

static int vsrc_manifest(const struct vsrc *s, struct manifest *m, char **err)
{
	char *text = NULL, *cmd, *p;
	int rc;

	if (s->host_arg == NULL) {
		p = path_join(s->dir, MANIFEST_FILE);
		rc = manifest_load(p, m, err);
		free(p);
		return rc;
	}
	cmd = remote_cat(s, MANIFEST_FILE);
	rc = host_run(&s->host, cmd, &text, err);
	if (rc == 0 && strlen(text) > FILE_READ_MAX)
		rc = err_set(err, "%s: larger than %d bytes", MANIFEST_FILE, FILE_READ_MAX);
	if (rc == 0)
		rc = manifest_parse(text, m, err);
	free(text);
	free(cmd);
	return rc;
}

/* An fd for one archived file: a regular file here (never through a link), or ssh cat's stdout. */
static int vsrc_open(struct vsrc *s, const char *file, char **err)
{
	char *p, *cmd;
	int fd, rc;

	if (strchr(file, '/') || strcmp(file, "..") == 0)
		return err_set(err, "%s: not a file name inside the archive", file);
	if (s->host_arg == NULL) {
		struct stat st;

		/* O_NONBLOCK: a FIFO must not hold verify forever; it is refused below */
		p = path_join(s->dir, file);
		fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			err_set(err, "cannot read %s: %s", p, strerror(errno));
		} else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
			   fcntl(fd, F_SETFL, 0) < 0) {
			err_set(err, "%s: not a regular file", p);
			close(fd);
			fd = -1;
		}
		free(p);
		return fd;
	}
	cmd = remote_cat(s, file);
	rc = host_spawn(&s->host, cmd, &s->sp, SPAWN_NULL, SPAWN_PIPE, err);
	free(cmd);
	return rc < 0 ? -1 : s->sp.out;
}

/* A failed ssh or cat there is the real reason for whatever the stream saw. */
static int vsrc_close(struct vsrc *s, int fd, int rc, char **err)
{
	char *why = NULL;
	int st;

	if (s->host_arg == NULL) {
		close(fd);
		return rc;
	}
	if (rc < 0)
		kill(s->sp.pid, SIGTERM);
	st = spawn_finish(&s->sp, &why);
	if (st == 0 || (rc < 0 && st == 128 + SIGTERM)) {
		free(why);
		return rc;
	}
	why = host_failure(&s->host, st, why);
	free(*err);
	*err = why;
	return -1;
}

static int verify_disk(struct vsrc *s, const struct manifest *m, const struct manifest_disk *md,
		       const struct job_hooks *h, struct progress_tracker *t, char **err)
{
	struct stream_opts so = { m->compress, 0, 0, progress_add, t, h ? h->cancel : NULL };
	struct stream_sums sums;
	int in, rc;

	t->p.item = md->file;
	if ((in = vsrc_open(s, md->file, err)) < 0)
		return -1;
	rc = stream_decompress(in, -1, md->size, &so, &sums, err);
	rc = vsrc_close(s, in, rc, err);
	if (rc == 0 && md->stored_sha256[0] && strcmp(sums.comp_sha, md->stored_sha256) != 0)
		rc = err_set(
			err,
			"checksum of the stored file differs from the manifest: the archive is "
			"damaged");
	else if (rc == 0 && strcmp(sums.raw_sha, md->sha256) != 0)
		rc = err_set(
			err,
			"checksum of the disk's content differs from the manifest: the archive is "
			"damaged");
	if (rc < 0 && *err) {
		char *e = *err;

		*err = xasprintf("%s: %s", md->file, e);
		free(e);
	}
	return rc;
}

int verify_archive(const struct config *cfg, const char *archive, const struct job_hooks *hooks,
		   uint64_t *bytes, char **err)
{
	struct vsrc s;
	struct manifest m;
	struct progress_tracker t;
	uint64_t total = 0;
	int rc = 0;

	memset(&m, 0, sizeof m);
	if (vsrc_parse(cfg, archive, &s, err) < 0 || vsrc_manifest(&s, &m, err) < 0) {
		free(s.dir);
		free(s.host_arg);
		return -1;
	}
	for (size_t i = 0; i < m.n_disks; i++)
		total += m.disks[i].size;
	progress_begin(&t, hooks ? hooks->progress : NULL, hooks ? hooks->arg : NULL, "verify",
		       total);
	for (size_t i = 0; i < m.n_disks && rc == 0; i++)
		rc = verify_disk(&s, &m, &m.disks[i], hooks, &t, err);
	if (rc == 0)
		progress_end(&t);
	if (bytes)
		*bytes = total;
	manifest_free(&m);
	free(s.dir);
	free(s.host_arg);
	return rc;
}
