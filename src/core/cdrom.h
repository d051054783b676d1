/* cdrom.h: the one rule for a guest's CD, used by `vmdeck cdrom` and the console's c and E keys. */
#ifndef VMDECK_CDROM_H
#define VMDECK_CDROM_H

#include <stdbool.h>

#include "config.h"
#include "vmdef.h"

/*
 * Puts iso in the guest's CD (iso NULL empties it). A running guest's drive
 * changes now (vm_cdrom_change, vm_cdrom_eject); a stopped guest's
 * definition gets `cdrom: PATH` (the ISO resolved as vm_iso_resolve does) or
 * an empty cdrom, under the guest's lock, which applies at its next start.
 * *live says which happened. The event log gets either outcome.
 */
int cdrom_set(const struct config *cfg, const struct vmdef *def, const char *iso, bool *live,
	      char **err);

#endif
