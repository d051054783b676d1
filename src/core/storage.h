/* storage.h: guests' volumes: LVM logical volumes (lvm2 tools) and image files (qemu-img). */
#ifndef VMDECK_STORAGE_H
#define VMDECK_STORAGE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "vmdef.h"

/* Image files through qemu-img. format: "raw" | "qcow2" (NULL: by extension, .qcow2 or raw). */
const char *storage_file_format(const char *path, const char *format);
/* format is one of the schema's disks.format choices (raw, qcow2). */
bool storage_format_known(const char *format);
/*
 * Creates a new image of size bytes, mode 0600 (never over an existing file); used by every
 * creator.
 */
int storage_file_create(const char *path, const char *format, uint64_t size, char **err);
int storage_file_resize(const char *path, const char *format, uint64_t size, bool allow_shrink,
			char **err);
/*
 * qemu-img convert of from (format sfmt) into to (dfmt); into: to exists (an
 * LV, or a file made 0600 by the caller) and is written as it is. add (may be
 * NULL) is given the bytes done since its last call, out of size, as
 * qemu-img reports its percentage. cancel set: qemu-img is ended, -1 with
 * "interrupted"; what it wrote is the caller's to remove.
 */
int storage_convert(const char *from, const char *sfmt, const char *to, const char *dfmt, bool into,
		    uint64_t size, void (*add)(void *arg, uint64_t bytes), void *arg,
		    volatile sig_atomic_t *cancel, char **err);
/*
 * A new qcow2 file at path (0600, never over an existing file) whose backing
 * file is backing (absolute, format bfmt), as large as it: a linked clone's disk.
 */
int storage_overlay_create(const char *path, const char *backing, const char *bfmt, char **err);
/*
 * The backing file a qcow2 image's header names (absolute: a relative one is taken from path's
 * folder); NULL if none.
 */
char *storage_backing_file(const char *path);
/* Virtual (guest-visible) size and bytes allocated on the host. */
int storage_file_info(const char *path, uint64_t *virtual_size, uint64_t *allocated, char **err);

/* A guest disk's host path (the LV's path from lvs, or the file) and its guest-visible size. */
int storage_disk_path(const struct config *cfg, const struct vm_disk *d, char **path, char **err);
int storage_disk_size(const struct config *cfg, const struct vm_disk *d, uint64_t *size,
		      char **err);
/* Format the disk's content is stored in: "raw" or "qcow2". */
const char *storage_disk_format(const struct vm_disk *d);

/*
 * Creates every disk of a definition that has a size (LV in its VG, or a
 * file through qemu-img; a relative file name in storage.file_dir, where
 * the definition finds it). Used by the edit form's new disk; a new guest's
 * disks are made by guest_create (guest.h), which also removes them again on
 * failure. An LV that already exists is an error (never reused silently);
 * an existing file likewise.
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
