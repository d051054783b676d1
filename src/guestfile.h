/* guestfile.h: whole definition files as the console's forms make them: check a draft, create, delete. */
#ifndef VMDECK_GUESTFILE_H
#define VMDECK_GUESTFILE_H

#include "config.h"
#include "vmdef.h"

/*
 * Checks YAML text as definition NAME with exactly the rules `vmdeck check`
 * applies (it is parsed by vmdef_load from a private scratch copy). On
 * success def (may be NULL) receives the parsed definition. On failure *err
 * names the line, column and what was expected, without the scratch path.
 */
int guestfile_check_text(const char *name, const char *yaml, struct vmdef *def, char **err);

/* Writes cfg->vms_dir/NAME.yaml (mode 0600: it may hold a VNC password); refuses to replace a file. */
int guestfile_create(const struct config *cfg, const char *name, const char *yaml, char **err);

/*
 * Deletes a stopped guest's definition (under its lock); disks are never
 * touched. Refuses while the guest runs.
 */
int vm_delete_definition(const struct config *cfg, const struct vmdef *def, char **err);

#endif
