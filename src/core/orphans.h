/*
 * orphans.h: disks no guest uses: LVs in storage.vg and image files in storage.file_dir; attaching
 * one to a guest.
 */
#ifndef VMDECK_ORPHANS_H
#define VMDECK_ORPHANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "vmdef.h"

struct orphan {
	char *name;      /* "VG/LV", or the file's absolute path */
	bool lv;
	uint64_t size;   /* bytes: the LV's size, or the image's guest-visible size */
};
void orphans_free(struct orphan *o, size_t n);

/*
 * The image files directly in cfg->file_dir (regular files; names starting
 * with '.' are work in progress and left out) that no definition in defs
 * names, compared by device and inode, so a definition's relative path,
 * resolved against file_dir as the loader does, and a symlink match too.
 * Appended to *out (sorted by name).
 */
void orphans_files(const struct config *cfg, const struct vmdef *defs, size_t n,
		   struct orphan **out, size_t *n_out);
/* The LVs of vg (NULL: storage.vg; none when neither) that no definition names. */
int orphans_lvs(const struct config *cfg, const struct vmdef *defs, size_t n, const char *vg,
		struct orphan **out, size_t *n_out, char **err);
/*
 * Both, LVs first, from the definitions in cfg->vms_dir; *unsure (may be
 * NULL) gets the path of a definition that does not load (orphans_unsure),
 * allocated, or NULL.
 */
int orphans_find(const struct config *cfg, struct orphan **out, size_t *n_out, char **unsure,
		 char **err);

/*
 * For the console, which reads them back from a job's output: one line per
 * orphan, "orphan TAB NAME TAB SIZE", then "unsure TAB PATH" when a
 * definition does not load, then a last line for a person ("2 disks no guest
 * uses"). Exit code 0, or 1 with the error on stderr.
 */
int orphans_print(const struct config *cfg);

/*
 * The first definition that does not load, or NULL: the disks it names are
 * unknown, so an orphan may be one of them. Deleting waits until it loads.
 */
const struct vmdef *orphans_unsure(const struct vmdef *defs, size_t n);

/*
 * Adds disk (an LV "VG/LV" or "LV", or a file path) to guest NAME's
 * definition as its last disk (interface NULL: the default), editing the
 * file in place (vmdef_add_item; comments stay). Refused when another
 * definition (or this one) names the disk already, when the disk does not
 * exist, or when the guest's definition does not load. A running guest sees
 * it at its next start: *running says so.
 */
int orphans_attach(const struct config *cfg, const char *name, const char *disk,
		   const char *interface, bool *running, char **err);

#endif
