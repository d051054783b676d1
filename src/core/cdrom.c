/* cdrom.c: a guest's CD: the live drive of a running guest, the definition of a stopped one. */
#include "cdrom.h"

#include <stdlib.h>

#include "events.h"
#include "util.h"
#include "vm.h"
#include "vmstate.h"

/* The definition's cdrom, set (path) or emptied (NULL), for the next start. */
static int cdrom_into_definition(const struct config *cfg, const struct vmdef *def,
				 const char *path, char **err)
{
	if (!def->path)
		return err_set(err, "no definition file");
	if (!path && !def->cdrom)
		return 0;  /* no CD to remove: the file stays as it is */
	if (vmdef_set_key(def->path, "cdrom", path ? path : "", err) < 0)
		return -1;
	if (path)
		events_log(cfg, def->name, EV_CDROM_NEXT, "CD set to %s for the next start", path);
	else
		events_log(cfg, def->name, EV_CDROM_NEXT, "CD removed for the next start");
	return 0;
}

/* Under the lock, so a start cannot begin between the check and the edit. */
static int cdrom_set_stopped(const struct config *cfg, const struct vmdef *def, const char *iso,
			     bool *live, char **err)
{
	char *path = NULL;
	int lock, rc;

	if (iso && (path = vm_iso_resolve(cfg, iso, err)) == NULL)
		return -1;
	if ((lock = vm_lock(cfg, def->name, false, err)) < 0) {
		free(path);
		return -1;
	}
	if (vmstate_pid_find(cfg, def->name) > 0) {
		vm_unlock(lock);
		free(path);
		*live = true;  /* it was started meanwhile: the drive it is */
		return iso ? vm_cdrom_change(cfg, def, iso, err) : vm_cdrom_eject(cfg, def, err);
	}
	rc = cdrom_into_definition(cfg, def, path, err);
	vm_unlock(lock);
	free(path);
	return rc;
}

int cdrom_set(const struct config *cfg, const struct vmdef *def, const char *iso, bool *live,
	      char **err)
{
	*live = vmstate_pid_find(cfg, def->name) > 0;
	if (*live)
		return iso ? vm_cdrom_change(cfg, def, iso, err) : vm_cdrom_eject(cfg, def, err);
	return cdrom_set_stopped(cfg, def, iso, live, err);
}
