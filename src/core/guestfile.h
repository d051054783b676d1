/* guestfile.h: deleting a whole definition file (creating one: guest.h). */
#ifndef VMDECK_GUESTFILE_H
#define VMDECK_GUESTFILE_H

#include "config.h"
#include "vmdef.h"

/*
 * Deletes a stopped guest's definition (under its lock); disks are never
 * touched. Refuses while the guest runs, and while it has snapshots (an
 * overlay may hold its newest data; its snapshots file would outlive it).
 */
int guestfile_delete(const struct config *cfg, const struct vmdef *def, char **err);

#endif
