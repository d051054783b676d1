/* hostinfo.c: host facts the console shows or offers: load, memory, bridges, ISO images. */
#include "hostinfo.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "job.h"
#include "lvm.h"

void hostinfo_name(char *buf, size_t len)
{
	char *dot;

	if (gethostname(buf, len) < 0)
		snprintf(buf, len, "localhost");
	buf[len - 1] = 0;
	if ((dot = strchr(buf, '.')) != NULL)
		*dot = 0;
}

void hostinfo_host_name(const struct config *cfg, char *buf, size_t len)
{
	if (cfg->host_name && *cfg->host_name)
		snprintf(buf, len, "%s", cfg->host_name);
	else
		hostinfo_name(buf, len);
}

bool hostinfo_is_self(const struct config *cfg, const char *name)
{
	char me[256];

	hostinfo_host_name(cfg, me, sizeof me);
	return name && strcmp(name, me) == 0;
}

static int vg_free_child(void *arg)
{
	const struct config *cfg = arg;
	uint64_t free_bytes;
	char *err = NULL;

	if (lvm_vg_free(cfg, &free_bytes, &err) < 0) {
		fprintf(stderr, "%s\n", err ? err : "no volume group");
		return 1;
	}
	printf("%llu\n", (unsigned long long)free_bytes);
	return 0;
}

struct job *hostinfo_vg_free_start(const struct config *cfg)
{
	if (!cfg->vg || !*cfg->vg)
		return NULL;
	return job_call(NULL, "vgs", vg_free_child, (void *)cfg, NULL);
}

long long hostinfo_vg_free_result(const struct job *j)
{
	long long v;

	if (j && job_exit_code(j) == 0 && j->last_line && sscanf(j->last_line, "%lld", &v) == 1)
		return v;
	return -1;
}

int hostinfo_load(double *load1)
{
	FILE *f = fopen("/proc/loadavg", "r");
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%lf", load1) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

int hostinfo_mem_available(uint64_t *bytes)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long kb;
	int rc = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
			*bytes = (uint64_t)kb * 1024;
			rc = 0;
			break;
		}
	fclose(f);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void hostinfo_bridges(struct strv *out)
{
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char *p;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		p = xasprintf("/sys/class/net/%s/bridge", e->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			strv_add(out, e->d_name);
		free(p);
	}
	closedir(d);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof *out->v, cmp_str);
}

static bool iso_like(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot && (strcasecmp(dot, ".iso") == 0 || strcasecmp(dot, ".img") == 0);
}

static void iso_scan_dir(const char *dir, struct iso_entry **out, size_t *n, size_t *cap)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		char *p;

		if (e->d_name[0] == '.' || !iso_like(e->d_name))
			continue;
		p = path_join(dir, e->d_name);
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(p);
			continue;
		}
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 32;
			*out = xrealloc(*out, *cap * sizeof **out);
		}
		(*out)[*n].path = p;
		(*out)[*n].name = xstrdup(e->d_name);
		(*out)[*n].size = (uint64_t)st.st_size;
		(*out)[*n].mtime = st.st_mtime;
		(*n)++;
	}
	closedir(d);
}

static int cmp_iso(const void *a, const void *b)
{
	const struct iso_entry *x = a, *y = b;
	int c = strcasecmp(x->name, y->name);

	return c ? c : strcmp(x->path, y->path);
}

int hostinfo_iso_list(const struct config *cfg, struct iso_entry **out, size_t *n, char **err)
{
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < cfg->n_iso_dirs; i++)
		iso_scan_dir(cfg->iso_dirs[i], out, n, &cap);
	if (*n > 1)
		qsort(*out, *n, sizeof **out, cmp_iso);
	if (cfg->n_iso_dirs == 0)
		return err_set(err, "no iso_dirs configured");
	return 0;
}

void hostinfo_iso_free(struct iso_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].path);
		free(e[i].name);
	}
	free(e);
}
