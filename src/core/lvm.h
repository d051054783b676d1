/* lvm.h: logical volumes through the lvm2 tools: names, reports, create, resize, remove. */
#ifndef VMDECK_LVM_H
#define VMDECK_LVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/*
 * Every LVM command gets `--config cfg->lvm_config` when that is set, and
 * reports are read with `--reportformat json`. Names are "VG/LV"; a bare
 * "LV" means storage.vg. Nothing here overwrites an existing volume.
 */

struct lvm_lv {
	char *vg, *lv;     /* names */
	char *path;        /* as lvm reports it: /dev/VG/LV */
	uint64_t size;     /* bytes */
};
void lvm_lv_free(struct lvm_lv *lv);
void lvm_lvs_free(struct lvm_lv *lvs, size_t n);

/* An LVM VG or LV name that lvcreate takes and that cannot look like an option or a path. */
bool lvm_name_valid(const char *s);
/* Splits "VG/LV" (or "LV" with storage.vg) into allocated vg and lv; validates both names. */
int lvm_split(const struct config *cfg, const char *ref, char **vg, char **lv, char **err);
/* 1 when VG/LV exists (info filled if not NULL), 0 when not, -1 on error. */
int lvm_info(const struct config *cfg, const char *ref, struct lvm_lv *info, char **err);
/* Every LV of vg (NULL/"" = every VG). */
int lvm_list(const struct config *cfg, const char *vg, struct lvm_lv **out, size_t *n, char **err);
/* Creates VG/LV of size bytes; an existing LV of that name is an error. */
int lvm_create(const struct config *cfg, const char *ref, uint64_t size, char **err);
/* Sets the LV's size; shrinking only when allow_shrink (the caller has asked the user). */
int lvm_resize(const struct config *cfg, const char *ref, uint64_t size, bool allow_shrink,
	       char **err);
int lvm_remove(const struct config *cfg, const char *ref, char **err);
/* Size and free space of a volume group, bytes. */
int lvm_vg_space(const struct config *cfg, const char *vg, uint64_t *size, uint64_t *free_bytes,
		 char **err);
/*
 * Free space of storage.vg for the console header; -1 (with *err) when no VG is configured or lvm
 * fails.
 */
int lvm_vg_free(const struct config *cfg, uint64_t *free_bytes, char **err);

#endif
