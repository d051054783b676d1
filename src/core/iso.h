/*
 * iso.h: the ISO library: images in iso_dirs, who uses them, and making, uploading and deleting
 * them.
 */
#ifndef VMDECK_ISO_H
#define VMDECK_ISO_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "util.h"
#include "vm.h"
#include "vmstate.h"
#include "vmdef.h"

struct iso_image {
	char *path;            /* absolute, in one of iso_dirs */
	const char *name;      /* its last part */
	uint64_t size;
	time_t mtime;
	struct strv used_by;   /* guests with it in their drive or their definition */
};

/*
 * A name the library takes for a new or deleted image: NAME.iso with
 * [A-Za-z0-9][A-Za-z0-9._+-]* before the suffix, at most 200 bytes, no '/'
 * (so no path leaves the folder).
 */
bool iso_name_valid(const char *name);

/* Every regular *.iso file in iso_dirs (folders in order, names sorted); used_by is left empty. */
int iso_scan(const struct config *cfg, struct iso_image **out, size_t *n, char **err);
void iso_entries_free(struct iso_image *e, size_t n);
/*
 * Fills each entry's used_by from the guests: a definition's cdrom that
 * resolves to the image, or the medium QEMU has in a running guest's drive
 * (sts may be NULL: definitions only).
 */
void iso_used_by(const struct config *cfg, const struct vmdef *defs, const struct vm_status *sts,
		 size_t n_defs, struct iso_image *e, size_t n);

/* The same for one image file (any path): the guests using it into out. */
void iso_users(const struct config *cfg, const struct vmdef *defs, const struct vm_status *sts,
	       size_t n_defs, const char *path, struct strv *out);

/*
 * Reads an image from fd into the first of iso_dirs as name: written under
 * a temporary name (.name.XXXXXX, 0644), fsynced, renamed into place, the
 * folder fsynced. An existing image of that name is refused (delete it
 * first), as is an empty stream. *bytes gets the size.
 */
int iso_put(const struct config *cfg, const char *name, int fd, uint64_t *bytes, char **err);
/*
 * An ISO 9660 image with Joliet and Rock Ridge of folder dir (xorriso), volume label label (may be
 * NULL).
 */
int iso_make(const struct config *cfg, const char *name, const char *dir, const char *label,
	     char **err);
/*
 * Removes the image name from the iso_dirs folder that has it, unless a guest uses it (its names in
 * *err).
 */
int iso_delete(const struct config *cfg, const char *name, const struct vmdef *defs,
	       const struct vm_status *sts, size_t n_defs, char **err);

#endif
