/*
 * cmd_hostinfo.c: `vmdeck hostinfo [--json]`: what another host's console
 * offers in its pickers and forms for this host: its ISO images (iso_dirs),
 * bridges, storage (VG and its free space, file_dir), the lowest free VNC
 * display, the names taken, and its name and version; for restore and move:
 * its backup.dir with the archives in it, and its own hosts[] names.
 */
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd_hostinfo.h"
#include "cli_out.h"
#include "verb.h"
#include "hostinfo.h"
#include "backup.h"
#include "guest.h"
#include "lvm.h"
#include "util.h"
#include "vmdef.h"

static json_t *isos_json(const struct config *cfg)
{
	struct iso_entry *e = NULL;
	size_t n = 0;
	char *err = NULL;
	json_t *a = json_array();

	if (hostinfo_iso_list(cfg, &e, &n, &err) < 0) {
		free(err);
		return a;
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I}", "path", e[i].path,
						   "name", e[i].name, "size", (json_int_t)e[i].size,
						   "mtime", (json_int_t)e[i].mtime));
	hostinfo_iso_free(e, n);
	return a;
}

static json_t *strv_json(const struct strv *sv)
{
	json_t *a = json_array();

	for (size_t i = 0; i < sv->n; i++)
		json_array_append_new(a, json_string(sv->v[i]));
	return a;
}

#define HOSTINFO_MAX_ARCHIVES 100  /* the newest; the console's picker shows fewer */
#define HOSTINFO_MAX_FILES 64      /* an archive holds a manifest and a stream per disk */

/* The bytes of the regular files directly in an archive folder (links are not followed). */
static uint64_t archive_size(const char *dir, const char *name)
{
	char *path = path_join(dir, name);
	int afd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	uint64_t sum = 0;
	struct dirent *e;
	DIR *dh;
	int k = 0;

	free(path);
	if (afd < 0 || (dh = fdopendir(afd)) == NULL) {
		if (afd >= 0)
			close(afd);
		return 0;
	}
	while ((e = readdir(dh)) != NULL && k++ < HOSTINFO_MAX_FILES) {
		struct stat sb;

		if (fstatat(dirfd(dh), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(sb.st_mode))
			sum += (uint64_t)sb.st_size;
	}
	closedir(dh);
	return sum;
}

/* One archive: name, the guest it holds, when it was made (its name's stamp), path, size. */
static json_t *archive_json(const char *dir, const char *name)
{
	const char *stamp = backup_archive_stamp(name);
	char *guest = xstrdup(name), *path = path_join(dir, name);
	struct tm tm = { 0 };
	json_t *o;

	if (*stamp)
		guest[stamp - name - 1] = '\0';
	tm.tm_isdst = -1;
	o = json_pack("{s:s, s:s, s:s, s:I}", "name", name, "guest", guest, "path", path, "size",
		      (json_int_t)archive_size(dir, name));
	if (*stamp && strptime(stamp, "%Y%m%d-%H%M%S", &tm))
		json_object_set_new(o, "time", json_integer((json_int_t)mktime(&tm)));
	free(guest);
	free(path);
	return o;
}

/* backup.dir's complete archives, newest first, at most HOSTINFO_MAX_ARCHIVES. */
static json_t *backups_json(const struct config *cfg)
{
	char **names = NULL, *err = NULL;
	size_t n = 0;
	json_t *a = json_array();

	if (backup_list_archives(cfg->backup_dir, &names, &n, &err) < 0)
		free(err);  /* unreadable: none offered */
	for (size_t i = 0; i < n; i++) {
		if (i < HOSTINFO_MAX_ARCHIVES)
			json_array_append_new(a, archive_json(cfg->backup_dir, names[i]));
		free(names[i]);
	}
	free(names);
	return a;
}

/* The names of this host's own hosts[]: where its guests can be moved. */
static json_t *hosts_json(const struct config *cfg)
{
	json_t *a = json_array();

	for (size_t i = 0; i < cfg->n_hosts; i++)
		if (!hostinfo_is_self(cfg, cfg->hosts[i].name))
			json_array_append_new(a, json_string(cfg->hosts[i].name));
	return a;
}

int cmd_hostinfo(struct cli *c, int argc, char **argv)
{
	struct vmdef *defs = NULL;
	size_t n = 0;
	struct strv bridges = { 0 }, names = { 0 };
	char name[64], *err = NULL;
	uint64_t vg_free = 0;
	bool has_vg;
	json_t *o;

	if (argc > 1)
		return cli_usage(c);
	if (vmdefs_load_all(&c->cfg, &defs, &n, &err) < 0) {
		free(err);  /* no definitions folder: nothing is taken */
		defs = NULL;
		n = 0;
	}
	for (size_t i = 0; i < n; i++)
		strv_add(&names, defs[i].name);
	hostinfo_bridges(&bridges);
	hostinfo_host_name(&c->cfg, name, sizeof name);
	has_vg = c->cfg.vg && *c->cfg.vg && lvm_vg_free(&c->cfg, &vg_free, &err) == 0;
	free(err);
	o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:i, s:o}", "name", name, "version",
		      VMDECK_VERSION, "iso", isos_json(&c->cfg), "bridges", strv_json(&bridges),
		      "vg", c->cfg.vg && *c->cfg.vg ? json_string(c->cfg.vg) : json_null(),
		      "vg_free", has_vg ? json_integer((json_int_t)vg_free) : json_null(),
		      "file_dir", c->cfg.file_dir, "free_vnc_display",
		      guest_vnc_free_display(defs, n, NULL, NULL), "guests", strv_json(&names));
	json_object_set_new(o, "backup_dir", json_string(c->cfg.backup_dir));
	json_object_set_new(o, "backups", backups_json(&c->cfg));
	json_object_set_new(o, "hosts", hosts_json(&c->cfg));
	if (c->json) {
		cli_json_print(o);
	} else {
		json_t *x;
		size_t i;

		printf("host %s (vmdeck %s)\n", name, VMDECK_VERSION);
		printf("free VNC display: %d\n", guest_vnc_free_display(defs, n, NULL, NULL));
		json_array_foreach(json_object_get(o, "iso"), i, x)
			printf("iso: %s\n", json_string_value(json_object_get(x, "path")));
		for (size_t k = 0; k < bridges.n; k++)
			printf("bridge: %s\n", bridges.v[k]);
		json_array_foreach(json_object_get(o, "backups"), i, x)
			printf("backup: %s\n", json_string_value(json_object_get(x, "path")));
		json_array_foreach(json_object_get(o, "hosts"), i, x)
			printf("move to: %s\n", json_string_value(x));
		json_decref(o);
	}
	strv_free(&bridges);
	strv_free(&names);
	vmdefs_free(defs, n);
	return EXIT_DONE;
}
