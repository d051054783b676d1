/* guest.c: creating a guest, the one way: checks, a free VNC display, disks, the definition. */
#include "guest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events.h"
#include "lvm.h"
#include "progress.h"
#include "spawn.h"
#include "storage.h"
#include "util.h"
#include "vnc.h"

/* ---- VNC displays ---- */

/* "[::1]" -> "::1" into buf. */
static const char *unbracket(const char *listen, char *buf, size_t len)
{
	size_t n = strlen(listen);

	if (n >= 2 && listen[0] == '[' && listen[n - 1] == ']' && n - 1 <= len) {
		memcpy(buf, listen + 1, n - 2);
		buf[n - 2] = '\0';
		return buf;
	}
	return listen;
}

/*
 * The addresses listen stands for, as IPv6 (IPv4 mapped): "::1" and "[::1]"
 * alike, localhost both 127.0.0.1 and ::1 (QEMU binds every address it
 * resolves to). 0 for another host name.
 */
static size_t listen_addrs(const char *listen, struct in6_addr out[2])
{
	char buf[64];
	const char *h = unbracket(listen, buf, sizeof buf);
	struct in_addr a4;

	if (strcasecmp(h, "localhost") == 0) {
		inet_pton(AF_INET6, "::ffff:127.0.0.1", &out[0]);
		out[1] = in6addr_loopback;
		return 2;
	}
	if (inet_pton(AF_INET, h, &a4) == 1) {
		memset(&out[0], 0, sizeof out[0]);
		out[0].s6_addr[10] = out[0].s6_addr[11] = 0xff;
		memcpy(&out[0].s6_addr[12], &a4, sizeof a4);
		return 1;
	}
	return inet_pton(AF_INET6, h, &out[0]) == 1 ? 1 : 0;
}

/* 0.0.0.0 or :: (either family's wildcard: :: takes IPv4 too) */
static bool addr_any(const struct in6_addr *a)
{
	static const struct in6_addr any4 = { .s6_addr = { [10] = 0xff, [11] = 0xff } };

	return IN6_IS_ADDR_UNSPECIFIED(a) || memcmp(a, &any4, sizeof *a) == 0;
}

/*
 * Two listen addresses meet unless both are different specific addresses,
 * however each is spelled ("localhost" meets "127.0.0.1"); a host name
 * other than localhost meets itself and the wildcards.
 */
static bool listens_meet(const char *a, const char *b)
{
	struct in6_addr x[2], y[2];
	size_t nx = listen_addrs(a, x), ny = listen_addrs(b, y);

	if (nx == 0 || ny == 0)
		return strcasecmp(a, b) == 0 || (nx && addr_any(&x[0])) || (ny && addr_any(&y[0]));
	for (size_t i = 0; i < nx; i++)
		for (size_t j = 0; j < ny; j++)
			if (addr_any(&x[i]) || addr_any(&y[j]) ||
			    memcmp(&x[i], &y[j], sizeof x[i]) == 0)
				return true;
	return false;
}

bool guest_vnc_clash(const struct vmdef *a, const struct vmdef *b)
{
	return a->vnc && b->vnc && a->vnc_display == b->vnc_display &&
	       listens_meet(vnc_listen(a), vnc_listen(b));
}

/*
 * Binds a socket to each address of listen on port as QEMU would
 * (SO_REUSEADDR): 0 when every bind works, else the first errno
 * (EADDRINUSE: a listener; EADDRNOTAVAIL: not an address of this host).
 */
static int bind_test(const char *listen, int port)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	char host[256], serv[16];
	const char *h = unbracket(listen, host, sizeof host);
	int e = 0, one = 1, g;

	snprintf(serv, sizeof serv, "%d", port);
	/* a number, or localhost (/etc/hosts); another name is QEMU's: no DNS wait in a form */
	if (strcmp(h, "localhost") != 0)
		hints.ai_flags |= AI_NUMERICHOST;
	if ((g = getaddrinfo(h, serv, &hints, &res)) != 0)
		return g == EAI_NONAME && strcmp(h, "localhost") != 0 ? 0 : EADDRNOTAVAIL;
	for (ai = res; ai && e == 0; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);

		if (fd < 0) {
			e = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
			e = errno;
		close(fd);
	}
	freeaddrinfo(res);
	return e;
}

int guest_listen_check(const char *listen, char **err)
{
	int e = bind_test(listen, 0);

	if (e == 0)
		return 0;
	if (e == EADDRNOTAVAIL || e == EAFNOSUPPORT)
		return err_set(err, "vnc.listen %s is not an address of this host", listen);
	return err_set(err, "vnc.listen %s: cannot listen there: %s", listen, strerror(e));
}

char *guest_vnc_display_def_user(const struct vmdef *defs, size_t n, const char *self, int display,
				 const char *listen)
{
	const char *l = listen && listen[0] ? listen : vmdef_default("vnc.listen");

	for (size_t i = 0; i < n; i++) {
		const struct vmdef *d = &defs[i];

		if (d->error || !d->vnc || d->vnc_display != display)
			continue;
		if (self && strcmp(d->name, self) == 0)
			continue;
		if (listens_meet(vnc_listen(d), l))
			return xstrdup(d->name);
	}
	return NULL;
}

char *guest_vnc_display_user(const struct vmdef *defs, size_t n, const char *self, int display,
			     const char *listen)
{
	const char *l = listen && listen[0] ? listen : vmdef_default("vnc.listen");
	char *who = guest_vnc_display_def_user(defs, n, self, display, l);

	if (who)
		return who;
	if (bind_test(l, 5900 + display) == EADDRINUSE)
		return xasprintf("a listener on port %d", 5900 + display);
	return NULL;
}

int guest_vnc_free_display(const struct vmdef *defs, size_t n, const char *self, const char *listen)
{
	for (int d = GUEST_VNC_FIRST; d <= GUEST_VNC_LAST; d++) {
		char *who = guest_vnc_display_user(defs, n, self, d, listen);

		if (who == NULL)
			return d;
		free(who);
	}
	return -1;
}

/* ---- checks ---- */

static int check_against(const struct vmdef *def, const struct vmdef *defs, size_t n, bool replace,
			 char **err)
{
	char *who;
	int rc;

	for (size_t i = 0; i < n && !replace; i++)
		if (strcmp(defs[i].name, def->name) == 0)
			return err_set(err, "a guest of that name exists (%s)", defs[i].path);
	if (!def->vnc)
		return 0;
	if (guest_listen_check(vnc_listen(def), err) < 0)
		return -1;
	if (def->vnc_display == GUEST_VNC_ANY)
		return 0;
	who = guest_vnc_display_user(defs, n, def->name, def->vnc_display, vnc_listen(def));
	if (who == NULL)
		return 0;
	rc = err_set(err, "vnc display %d (port %d) is used by %s", def->vnc_display,
		     5900 + def->vnc_display, who);
	free(who);
	return rc;
}

int guest_check_new(const struct config *cfg, const struct vmdef *def, bool replace, char **err)
{
	struct vmdef *defs;
	size_t n;
	char *path;
	int rc;

	if (!name_valid(def->name))
		return err_set(err, "not a valid guest name (letters, digits, '.', '_', '-'; "
			       "at most 64, starting with a letter or digit)");
	path = xasprintf("%s/%s.yaml", cfg->vms_dir, def->name);
	rc = 0;
	if (!replace && access(path, F_OK) == 0)
		rc = err_set(err, "a guest of that name exists (%s)", path);
	free(path);
	if (rc < 0)
		return -1;
	if (access(cfg->vms_dir, F_OK) < 0) /* no guest yet: only listeners to collide with */
		return check_against(def, NULL, 0, replace, err);
	if (vmdefs_load_all(cfg, &defs, &n, err) < 0)
		return -1;
	rc = check_against(def, defs, n, replace, err);
	vmdefs_free(defs, n);
	return rc;
}

char *guest_disk_default(const struct config *cfg, const char *name, bool lv)
{
	if (lv)
		return xasprintf("%s/%s", cfg->vg ? cfg->vg : "", name);
	return xasprintf("%s/%s.qcow2", cfg->file_dir, name);
}

/* ---- disks ---- */

/* A relative file name lives in storage.file_dir: the definition says so in full. */
static void disks_absolute(const struct config *cfg, struct vmdef *def)
{
	for (size_t i = 0; i < def->n_disks; i++) {
		char *abs;

		if (!def->disks[i].file || def->disks[i].file[0] == '/')
			continue;
		abs = path_resolve(cfg->file_dir, def->disks[i].file);
		free(def->disks[i].file);
		def->disks[i].file = abs;
	}
}

static enum guest_disk_how disk_how(const struct guest_create_opts *o, const struct vmdef *def,
				    size_t i)
{
	enum guest_disk_how h = o && o->disks ? o->disks[i].how : GUEST_DISK_AUTO;

	if (h == GUEST_DISK_AUTO)
		return def->disks[i].size ? GUEST_DISK_CREATE : GUEST_DISK_USE;
	return h;
}

/* The sizes of the COPY disks' sources, their sum the progress's total. */
static int copy_sizes(const struct guest_create_opts *o, const struct vmdef *def, uint64_t *sizes,
		      uint64_t *total, char **err)
{
	*total = 0;
	for (size_t i = 0; i < def->n_disks; i++) {
		const struct guest_disk_plan *p = o && o->disks ? &o->disks[i] : NULL;

		sizes[i] = 0;
		if (p == NULL || p->how != GUEST_DISK_COPY)
			continue;
		if (p->from == NULL)
			return err_set(err, "disk %zu: no disk to copy from", i + 1);
		if (storage_file_info(p->from, &sizes[i], NULL, err) < 0)
			return -1;
		*total += sizes[i];
	}
	return 0;
}

struct build {
	const struct config *cfg;
	const struct vmdef *def;
	const struct guest_create_opts *o;
	uint64_t *sizes;
	struct progress_tracker prog;
};

/* A new LV, or image file made 0600 here, that qemu-img fills with a copy of from. */
static int disk_copy(struct build *b, size_t i, bool *created, char **err)
{
	const struct vm_disk *d = &b->def->disks[i];
	const struct guest_disk_plan *p = &b->o->disks[i];
	const char *sfmt = storage_file_format(p->from, p->from_format),
		   *dfmt = storage_disk_format(d);
	char *dst = NULL;
	int fd, rc;

	b->prog.p.item = d->lv ? d->lv : d->file;
	if (d->lv) {
		if (lvm_create(b->cfg, d->lv, b->sizes[i], err) < 0)
			return -1;
		*created = true;
		if ((rc = storage_disk_path(b->cfg, d, &dst, err)) == 0)
			rc = storage_convert(p->from, sfmt, dst, dfmt, true, b->sizes[i],
					     progress_add, &b->prog, b->o->cancel, err);
		free(dst);
		return rc;
	}
	dst = xstrdup(d->file);
	*strrchr(dst, '/') = '\0'; /* absolute: disks_absolute ran */
	rc = dst[0] ? mkdir_p(dst, 0755, err) : 0;
	free(dst);
	if (rc < 0)
		return -1;
	if ((fd = open(d->file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return err_set(err, "cannot create %s: %s", d->file, strerror(errno));
	close(fd);
	*created = true;
	/* qemu-img opens the file it creates without O_EXCL: it keeps this inode and its mode */
	return storage_convert(p->from, sfmt, d->file, dfmt, false, b->sizes[i], progress_add,
			       &b->prog, b->o->cancel, err);
}

/* A qcow2 overlay on from, in its folder (made as a copy's is). */
static int disk_overlay(const struct vm_disk *d, const struct guest_disk_plan *p, bool *created,
			char **err)
{
	char *dir;
	int rc;

	if (d->lv || p->from == NULL)
		return err_set(err, "an overlay is a qcow2 file backed by a disk");
	dir = xstrdup(d->file);
	*strrchr(dir, '/') = '\0';
	rc = dir[0] ? mkdir_p(dir, 0755, err) : 0;
	free(dir);
	if (rc == 0 &&
	    (rc = storage_overlay_create(d->file, p->from,
					 storage_file_format(p->from, p->from_format), err)) == 0)
		*created = true;
	return rc;
}

/* Makes disk i; *created when it is new (and so goes again on a later failure). */
static int disk_make(struct build *b, size_t i, bool *created, char **err)
{
	const struct config *cfg = b->cfg;
	const struct vmdef *def = b->def;
	const struct guest_create_opts *o = b->o;
	const struct vm_disk *d = &def->disks[i];
	const struct guest_disk_plan *p = o && o->disks ? &o->disks[i] : NULL;
	uint64_t size = p && p->size ? p->size : d->size;

	*created = false;
	switch (disk_how(o, def, i)) {
	case GUEST_DISK_CREATE:
		if ((d->lv ? lvm_create(cfg, d->lv, size, err)
			   : storage_file_create(d->file, d->format, size, err)) < 0)
			return -1;
		*created = true;
		return 0;
	case GUEST_DISK_COPY:
		return disk_copy(b, i, created, err);
	case GUEST_DISK_OVERLAY:
		return disk_overlay(d, p, created, err);
	case GUEST_DISK_MAKE:
		if (p->make == NULL)
			return err_set(err, "disk %zu: nothing makes it", i + 1);
		return p->make(p->arg, i, created, err);
	default:
		return 0;
	}
}

static void disks_remove(const struct config *cfg, const struct vmdef *def, const bool *created)
{
	for (size_t i = def->n_disks; i-- > 0;) {
		if (!created[i])
			continue;
		if (def->disks[i].lv)
			lvm_remove(cfg, def->disks[i].lv, NULL);
		else
			unlink(def->disks[i].file);
	}
}

/* ---- the definition ---- */

int guest_definition_place(const struct config *cfg, const char *name, const char *text,
			   bool replace, char **err)
{
	char *path = xasprintf("%s/%s.yaml", cfg->vms_dir, name);
	char *tmp = xasprintf("%s.new.XXXXXX", path);
	int fd, rc = mkdir_p(cfg->vms_dir, 0755, err);

	if (rc == 0 && (fd = mkostemp(tmp, O_CLOEXEC | O_NOFOLLOW)) < 0)
		rc = err_set(err, "cannot write %s: %s", path, strerror(errno));
	if (rc == 0) {
		if (fchmod(fd, 0600) < 0 || fd_write_all(fd, text, strlen(text)) < 0 ||
		    fsync(fd) < 0)
			rc = err_set(err, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		if (rc == 0 && replace && rename(tmp, path) < 0)
			rc = err_set(err, "cannot write %s: %s", path, strerror(errno));
		else if (rc == 0 && !replace && link(tmp, path) < 0)
			rc = errno == EEXIST
				     ? err_set(err, "a guest of that name exists (%s)", path)
				     : err_set(err, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	if (rc == 0)
		rc = dir_sync(cfg->vms_dir, err);
	free(tmp);
	free(path);
	return rc;
}

int guest_vnc_pick(const struct config *cfg, struct vmdef *def, char **err)
{
	struct vmdef *defs = NULL;
	size_t n = 0;

	if (access(cfg->vms_dir, F_OK) == 0 && vmdefs_load_all(cfg, &defs, &n, err) < 0)
		return -1;
	def->vnc = true;
	def->vnc_display = guest_vnc_free_display(defs, n, def->name, vnc_listen(def));
	vmdefs_free(defs, n);
	if (def->vnc_display < 0)
		return err_set(err, "every VNC display %d..%d is taken; give one", GUEST_VNC_FIRST,
			       GUEST_VNC_LAST);
	return def->vnc_display;
}

/* What is decided before a disk is made: MACs, the display, absolute file paths. */
static int fill_in(const struct config *cfg, struct vmdef *def, const struct guest_create_opts *o,
		   char **err)
{
	disks_absolute(cfg, def);
	for (size_t k = 0; k < def->n_nics && !(o && o->text); k++)
		if (!def->nics[k].mac) {
			char mac[18];

			vmdef_random_mac(mac);
			def->nics[k].mac = xstrdup(mac);
		}
	if (!def->vnc || def->vnc_display != GUEST_VNC_ANY)
		return 0;
	if (o && o->text)
		return err_set(err, "the definition's text needs its VNC display");
	return guest_vnc_pick(cfg, def, err) < 0 ? -1 : 0;
}

/* The caller's commit (temporaries into place), then the definition; signals held around both. */
static int commit(const struct config *cfg, const struct vmdef *def,
		  const struct guest_create_opts *o, const char *text, char **err)
{
	sigset_t held;
	int rc;

	if (!(o && o->commit))
		return guest_definition_place(cfg, def->name, text, o && o->replace, err);
	if (progress_commit_hold(o->cancel, &held, err) < 0)
		return -1;
	rc = o->commit(o->commit_arg, err);
	if (rc == 0)
		rc = guest_definition_place(cfg, def->name, text, o->replace, err);
	progress_commit_release(&held);
	return rc;
}

int guest_creation_lock(const struct config *cfg)
{
	int fd = open(cfg->vms_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Under the creation lock, just before the definition is written: a guest
 * created meanwhile (its disks were made while ours were) may hold the
 * display. One picked for us is picked again; one asked for is refused.
 */
static int display_recheck(const struct config *cfg, struct vmdef *def, bool picked, char **err)
{
	struct vmdef *defs = NULL;
	size_t n = 0;
	char *who;

	if (!def->vnc || vmdefs_load_all(cfg, &defs, &n, NULL) < 0)
		return 0;
	who = guest_vnc_display_def_user(defs, n, def->name, def->vnc_display, vnc_listen(def));
	vmdefs_free(defs, n);
	if (!who)
		return 0;
	if (!picked) {
		err_set(err, "VNC display %d was taken meanwhile by %s", def->vnc_display, who);
		free(who);
		return -1;
	}
	free(who);
	return guest_vnc_pick(cfg, def, err) < 0 ? -1 : 0;
}

/* The last step: the display checked again and the definition written, creations in turn. */
static int create_commit(const struct config *cfg, struct vmdef *def,
			 const struct guest_create_opts *o, bool picked, char **err)
{
	bool text = o && o->text;
	int lock = guest_creation_lock(cfg), rc = display_recheck(cfg, def, picked && !text, err);
	char *yaml = NULL;

	if (rc == 0) {
		if (!text)
			yaml = vmdef_to_yaml(def);
		rc = commit(cfg, def, o, text ? o->text : yaml, err);
	}
	if (lock >= 0)
		close(lock);  /* drops the flock */
	if (yaml) {
		explicit_bzero(yaml, strlen(yaml));
		free(yaml);
	}
	return rc;
}

int guest_create(const struct config *cfg, struct vmdef *def, const struct guest_create_opts *o,
		 char **err)
{
	struct build b = { .cfg = cfg, .def = def, .o = o };
	bool picked = def->vnc && def->vnc_display == GUEST_VNC_ANY;
	uint64_t total;
	bool *created;
	int rc;

	if (guest_check_new(cfg, def, o && o->replace, err) < 0 || fill_in(cfg, def, o, err) < 0)
		return -1;
	if (!(o && o->text) && vmdef_validate(def, err) < 0)
		return -1;
	created = xcalloc(def->n_disks ? def->n_disks : 1, sizeof *created);
	b.sizes = xcalloc(def->n_disks ? def->n_disks : 1, sizeof *b.sizes);
	rc = copy_sizes(o, def, b.sizes, &total, err);
	if (rc == 0 && total)
		progress_begin(&b.prog, o->progress, o->progress_arg, "copy", total);
	for (size_t i = 0; i < def->n_disks && rc == 0; i++)
		rc = disk_make(&b, i, &created[i], err);
	if (rc == 0 && total)
		progress_end(&b.prog);
	if (rc == 0)
		rc = create_commit(cfg, def, o, picked, err);
	if (rc < 0)
		disks_remove(cfg, def, created); /* no half-made guest */
	else if (!(o && o->event && !o->event[0]))
		events_log(cfg, def->name, EV_DEF_CREATE, "%s",
			   o && o->event ? o->event : "definition created");
	free(b.sizes);
	free(created);
	return rc;
}
