/*
 * template.h: templates: the guests whose disks back other guests' qcow2 overlays (linked clones).
 */
#ifndef VMDECK_TEMPLATE_H
#define VMDECK_TEMPLATE_H

#include <stddef.h>

#include "config.h"
#include "util.h"
#include "vmdef.h"

/*
 * A linked clone's disks are qcow2 files whose backing file is a disk of
 * its template (vmdeck clone --linked, clone.h). Who is linked to whom is
 * read from the images' headers, never from a flag a hand may clear: a guest
 * with linked clones does not start, and its disks are not resized, deleted,
 * restored over or moved away, until they are gone.
 */

/*
 * The guests of defs whose file disks are qcow2 images backed by a disk of
 * src (the images' headers say so, whatever the definitions claim), added
 * to names. 0, or -1 when src's disk paths cannot be found.
 */
int template_linked_find(const struct config *cfg, const struct vmdef *defs, size_t n,
			 const struct vmdef *src, struct strv *names, char **err);

/* def's disks as host paths (an LV's from lvs), added to paths in order. */
int template_disk_paths(const struct config *cfg, const struct vmdef *def, struct strv *paths,
			char **err);

/*
 * Refuses a change to disk d (resize, delete, a restore over it, a move that
 * deletes it) while guests' qcow2 disks are overlays on it: -1 with "DISK
 * is the base of linked clones a, b (delete them first)"; 0 when none (or
 * when that cannot be told: no definitions, d's path unknown).
 */
int template_base_check(const struct config *cfg, const struct vm_disk *d, char **err);

/*
 * -1 with "it is a template with linked clones: a, b (they read its disks;
 * delete them before WHAT)" when something would change def's disks: a
 * start, a snapshot ("a snapshot"). 0 when it has none.
 */
int template_check(const struct config *cfg, const struct vmdef *def, const char *what, char **err);
/* template_check(..., "starting it", ...): vm_start calls it under the guest's lock. */
int template_start_check(const struct config *cfg, const struct vmdef *def, char **err);

#endif
