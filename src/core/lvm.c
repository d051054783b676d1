/*
 * lvm.c: logical volumes through the lvm2 tools (explicit argv, JSON reports parsed with jansson).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvm.h"
#include "spawn.h"
#include "util.h"

/* LVM names: what lvcreate accepts, minus anything that could look like an option or a path. */
bool lvm_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 127 || s[0] == '-' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
		    c != '.' && c != '_' && c != '-' && c != '+')
			return false;
	}
	return true;
}

int lvm_split(const struct config *cfg, const char *ref, char **vg, char **lv, char **err)
{
	const char *slash = strchr(ref, '/');
	char *v = slash ? xstrndup(ref, (size_t)(slash - ref)) : xstrdup(cfg->vg ? cfg->vg : "");
	char *l = xstrdup(slash ? slash + 1 : ref);

	if (v[0] == '\0') {
		err_set(err, "%s: no volume group given and storage.vg is not set", ref);
	} else if (!lvm_name_valid(v) || !lvm_name_valid(l)) {
		err_set(err, "%s: not a valid VG/LV name", ref);
	} else {
		*vg = v;
		*lv = l;
		return 0;
	}
	free(v);
	free(l);
	return -1;
}

/* "lvcreate" ... with --config when storage.lvm_config is set. */
static void lvm_argv(const struct config *cfg, struct strv *av, const char *tool)
{
	/* lvm warns about inherited fds on every call; spawn closes them anyway */
	setenv("LVM_SUPPRESS_FD_WARNINGS", "1", 1);
	strv_add(av, tool);
	if (cfg->lvm_config && cfg->lvm_config[0]) {
		strv_add(av, "--config");
		strv_add(av, cfg->lvm_config);
	}
}

/* A JSON report in bytes without suffixes: `lvs`/`vgs` with the fields asked. */
static void lvm_report_argv(const struct config *cfg, struct strv *av, const char *tool,
			    const char *fields)
{
	static const char *const report_opts[] = { "--reportformat", "json", "--units", "b",
						   "--nosuffix",     "-o" };

	lvm_argv(cfg, av, tool);
	for (size_t i = 0; i < ARRAY_LEN(report_opts); i++)
		strv_add(av, report_opts[i]);
	strv_add(av, fields);
}

static int lvm_run(struct strv *av, char **out, char **err)
{
	int rc = spawn_run(av->v, out, err);

	strv_free(av);
	return rc;
}

/* Parses {"report":[{KEY:[rows]}]} and returns the rows array (borrowed from *root). */
static json_t *report_rows(const char *text, const char *key, json_t **root, char **err)
{
	json_error_t je;
	json_t *rows;

	*root = json_loads(text, 0, &je);
	rows = json_object_get(json_array_get(json_object_get(*root, "report"), 0), key);
	if (!json_is_array(rows)) {
		json_decref(*root);
		*root = NULL;
		err_set(err, "cannot read the lvm report (%s)",
			je.text[0] ? je.text : "unexpected shape");
		return NULL;
	}
	return rows;
}

static uint64_t row_u64(json_t *row, const char *key)
{
	const char *s = json_string_value(json_object_get(row, key));

	return s ? strtoull(s, NULL, 10) : 0;
}

static char *row_str(json_t *row, const char *key)
{
	const char *s = json_string_value(json_object_get(row, key));

	return xstrdup(s ? s : "");
}

void lvm_lv_free(struct lvm_lv *lv)
{
	free(lv->vg);
	free(lv->lv);
	free(lv->path);
	memset(lv, 0, sizeof *lv);
}

void lvm_lvs_free(struct lvm_lv *lvs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		lvm_lv_free(&lvs[i]);
	free(lvs);
}

/* lvs for one target ("VG", "VG/LV") or all when target is NULL. */
static int lvs_query(const struct config *cfg, const char *target, struct lvm_lv **out, size_t *n,
		     char **err)
{
	struct strv av = { 0 };
	char *text = NULL;
	json_t *root, *rows;

	lvm_report_argv(cfg, &av, "lvs", "vg_name,lv_name,lv_path,lv_size");
	if (target)
		strv_add(&av, target);
	if (lvm_run(&av, &text, err) < 0)
		return -1;
	rows = report_rows(text, "lv", &root, err);
	free(text);
	if (rows == NULL)
		return -1;
	*n = json_array_size(rows);
	*out = xcalloc(*n, sizeof **out);
	for (size_t i = 0; i < *n; i++) {
		json_t *r = json_array_get(rows, i);
		struct lvm_lv *l = &(*out)[i];

		l->vg = row_str(r, "vg_name");
		l->lv = row_str(r, "lv_name");
		l->path = row_str(r, "lv_path");
		if (l->path[0] == '\0') {  /* lvm leaves lv_path empty for hidden volumes */
			free(l->path);
			l->path = xasprintf("/dev/%s/%s", l->vg, l->lv);
		}
		l->size = row_u64(r, "lv_size");
	}
	json_decref(root);
	return 0;
}

int lvm_list(const struct config *cfg, const char *vg, struct lvm_lv **out, size_t *n, char **err)
{
	return lvs_query(cfg, vg && vg[0] ? vg : NULL, out, n, err);
}

int lvm_info(const struct config *cfg, const char *ref, struct lvm_lv *info, char **err)
{
	char *vg, *lv;
	struct lvm_lv *all = NULL;
	size_t n = 0;
	int found = 0;

	if (lvm_split(cfg, ref, &vg, &lv, err) < 0)
		return -1;
	/* list the VG rather than VG/LV: lvs fails on a missing LV, which is not an error here */
	if (lvs_query(cfg, vg, &all, &n, err) < 0) {
		free(vg);
		free(lv);
		return -1;
	}
	for (size_t i = 0; i < n && !found; i++) {
		if (strcmp(all[i].lv, lv) != 0)
			continue;
		found = 1;
		if (info) {
			*info = all[i];
			memset(&all[i], 0, sizeof all[i]);
		}
	}
	lvm_lvs_free(all, n);
	free(vg);
	free(lv);
	return found;
}

int lvm_create(const struct config *cfg, const char *ref, uint64_t size, char **err)
{
	struct strv av = { 0 };
	char *vg, *lv;
	int rc;

	if (size == 0 || size % 512)
		return err_set(err, "%s: size must be a positive multiple of 512 bytes", ref);
	if ((rc = lvm_info(cfg, ref, NULL, err)) != 0)
		return rc < 0 ? -1 : err_set(err, "%s already exists (not overwritten)", ref);
	if (lvm_split(cfg, ref, &vg, &lv, err) < 0)
		return -1;
	lvm_argv(cfg, &av, "lvcreate");
	strv_add(&av, "--yes");
	strv_add(&av, "-n");
	strv_add(&av, lv);
	strv_addf(&av, "-L%llub", (unsigned long long)size);
	strv_add(&av, vg);
	free(vg);
	free(lv);
	return lvm_run(&av, NULL, err);
}

int lvm_resize(const struct config *cfg, const char *ref, uint64_t size, bool allow_shrink,
	       char **err)
{
	struct lvm_lv info;
	struct strv av = { 0 };
	int rc = lvm_info(cfg, ref, &info, err);

	if (rc <= 0)
		return rc < 0 ? -1 : err_set(err, "%s does not exist", ref);
	if (size < info.size && !allow_shrink) {
		lvm_lv_free(&info);
		return err_set(err, "%s: shrinking loses data at its end (confirm with --shrink)",
			       ref);
	}
	if (size == info.size) {
		lvm_lv_free(&info);
		return 0;
	}
	lvm_argv(cfg, &av, size > info.size ? "lvextend" : "lvreduce");
	if (size < info.size)
		strv_add(&av, "--force");  /* the user confirmed; lvreduce would ask on a tty */
	strv_addf(&av, "-L%llub", (unsigned long long)size);
	strv_addf(&av, "%s/%s", info.vg, info.lv);
	lvm_lv_free(&info);
	return lvm_run(&av, NULL, err);
}

int lvm_remove(const struct config *cfg, const char *ref, char **err)
{
	struct lvm_lv info;
	struct strv av = { 0 };
	int rc = lvm_info(cfg, ref, &info, err);

	if (rc <= 0)
		return rc < 0 ? -1 : err_set(err, "%s does not exist", ref);
	lvm_argv(cfg, &av, "lvremove");
	strv_add(&av, "--yes");
	strv_addf(&av, "%s/%s", info.vg, info.lv);
	lvm_lv_free(&info);
	return lvm_run(&av, NULL, err);
}

int lvm_vg_space(const struct config *cfg, const char *vg, uint64_t *size, uint64_t *free_bytes,
		 char **err)
{
	struct strv av = { 0 };
	char *text = NULL;
	json_t *root, *rows;

	if (!lvm_name_valid(vg))
		return err_set(err, "%s: not a valid volume group name", vg);
	lvm_report_argv(cfg, &av, "vgs", "vg_name,vg_size,vg_free");
	strv_add(&av, vg);
	if (lvm_run(&av, &text, err) < 0)
		return -1;
	rows = report_rows(text, "vg", &root, err);
	free(text);
	if (rows == NULL)
		return -1;
	if (json_array_size(rows) != 1) {
		json_decref(root);
		return err_set(err, "volume group %s not found", vg);
	}
	if (size)
		*size = row_u64(json_array_get(rows, 0), "vg_size");
	if (free_bytes)
		*free_bytes = row_u64(json_array_get(rows, 0), "vg_free");
	json_decref(root);
	return 0;
}

int lvm_vg_free(const struct config *cfg, uint64_t *free_bytes, char **err)
{
	if (cfg->vg == NULL || cfg->vg[0] == '\0')
		return err_set(err, "storage.vg is not set");
	return lvm_vg_space(cfg, cfg->vg, NULL, free_bytes, err);
}
