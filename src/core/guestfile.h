/* guestfile.h: whole definition files as the console's forms make them: create, delete. */
#ifndef VMDECK_GUESTFILE_H
#define VMDECK_GUESTFILE_H

#include "config.h"
#include "vmdef.h"

/* Writes cfg->vms_dir/NAME.yaml (mode 0600: it may hold a VNC password); refuses to replace a file. */
int guestfile_create(const struct config *cfg, const char *name, const char *yaml, char **err);

/*
 * Deletes a stopped guest's definition (under its lock); disks are never
 * touched. Refuses while the guest runs.
 */
int guestfile_delete(const struct config *cfg, const struct vmdef *def, char **err);

#endif
