/* storage.h: guests' volumes: LVM logical volumes (lvm2 tools) and image files (qemu-img). */
#ifndef VMDECK_STORAGE_H
#define VMDECK_STORAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "vmdef.h"

/*
 * Every LVM command gets `--config cfg->lvm_config` when that is set, and
 * reports are read with `--reportformat json`. Names are "VG/LV"; a bare
 * "LV" means storage.vg. Nothing here overwrites an existing volume.
 */

struct storage_lv {
	char *vg, *lv;     /* names */
	char *path;        /* as lvm reports it: /dev/VG/LV */
	uint64_t size;     /* bytes */
};
void storage_lv_free(struct storage_lv *lv);
void storage_lvs_free(struct storage_lv *lvs, size_t n);

/* An LVM VG or LV name that lvcreate takes and that cannot look like an option or a path. */
bool lvm_name_valid(const char *s);
/* Splits "VG/LV" (or "LV" with storage.vg) into allocated vg and lv; validates both names. */
int storage_lv_split(const struct config *cfg, const char *ref, char **vg, char **lv, char **err);
/* 1 when VG/LV exists (info filled if not NULL), 0 when not, -1 on error. */
int storage_lv_info(const struct config *cfg, const char *ref, struct storage_lv *info, char **err);
/* Every LV of vg (NULL/"" = every VG). */
int storage_lv_list(const struct config *cfg, const char *vg, struct storage_lv **out, size_t *n, char **err);
/* Creates VG/LV of size bytes; an existing LV of that name is an error. */
int storage_lv_create(const struct config *cfg, const char *ref, uint64_t size, char **err);
/* Sets the LV's size; shrinking only when allow_shrink (the caller has asked the user). */
int storage_lv_resize(const struct config *cfg, const char *ref, uint64_t size, bool allow_shrink, char **err);
int storage_lv_remove(const struct config *cfg, const char *ref, char **err);
/* Size and free space of a volume group, bytes. */
int storage_vg_space(const struct config *cfg, const char *vg, uint64_t *size, uint64_t *free_bytes, char **err);
/* Free space of storage.vg for the console header; -1 (with *err) when no VG is configured or lvm fails. */
int storage_vg_free(const struct config *cfg, uint64_t *free_bytes, char **err);

/* Image files through qemu-img. format: "raw" | "qcow2" (NULL: by extension, .qcow2 or raw). */
const char *storage_file_format(const char *path, const char *format);
/* format is one of the schema's disks.format choices (raw, qcow2). */
bool storage_format_known(const char *format);
/* Creates a new image of size bytes, mode 0600 (never over an existing file); used by every creator. */
int storage_file_create(const char *path, const char *format, uint64_t size, char **err);
int storage_file_resize(const char *path, const char *format, uint64_t size, bool allow_shrink, char **err);
/* Virtual (guest-visible) size and bytes allocated on the host. */
int storage_file_info(const char *path, uint64_t *virtual_size, uint64_t *allocated, char **err);

/* A guest disk's host path (the LV's path from lvs, or the file) and its guest-visible size. */
int storage_disk_path(const struct config *cfg, const struct vm_disk *d, char **path, char **err);
int storage_disk_size(const struct config *cfg, const struct vm_disk *d, uint64_t *size, char **err);
/* Format the disk's content is stored in: "raw" or "qcow2". */
const char *storage_disk_format(const struct vm_disk *d);

/*
 * Creates every disk of a new definition that does not exist yet and has a
 * size (LV in its VG, or a file through qemu-img). Used by `vmdeck new
 * NAME --disk 20G` and the console's new-guest form. An LV that already
 * exists is an error (never reused silently); an existing file likewise.
 */
int storage_create_for_new(const struct config *cfg, const struct vmdef *def, char **err);
/*
 * A file disk that does not exist yet is created with its defined size
 * ("created on demand", 0600 through storage_file_create); an existing one
 * must be readable and writable. `start` calls it for every file disk.
 */
int storage_file_ensure(const struct vm_disk *d, char **err);

/* The guest (from defs) whose definition uses LV ref or file path, NULL if none. */
const struct vmdef *storage_disk_owner(const struct vmdef *defs, size_t n, const struct config *cfg,
				       const char *lv_ref, const char *file);

#endif
