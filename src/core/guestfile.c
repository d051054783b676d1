/* guestfile.c: deleting a whole definition file (creating one: guest.c). */
#include "guestfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events.h"
#include "snapshot.h"
#include "util.h"
#include "vm.h"
#include "vmstate.h"

int guestfile_delete(const struct config *cfg, const struct vmdef *def, char **err)
{
	char *path =
		def->path ? xstrdup(def->path) : xasprintf("%s/%s.yaml", cfg->vms_dir, def->name);
	int lock, rc = 0;

	if (vmstate_pid_find(cfg, def->name) > 0) {
		free(path);
		return err_set(err, "it is running; stop it first");
	}
	if ((lock = vm_lock(cfg, def->name, false, err)) < 0) {
		free(path);
		return -1;
	}
	if (vmstate_pid_find(cfg, def->name) > 0)
		rc = err_set(err, "it is running; stop it first");
	/* an overlay may hold its newest data */
	else if (snapshot_summary(cfg, def->name, NULL) > 0)
		rc = err_set(err, "it has snapshots: delete them first (vmdeck snapshot %s list)",
			     def->name);
	else if (unlink(path) < 0)
		rc = err_set(err, "cannot remove %s: %s", path, strerror(errno));
	if (rc == 0) {
		events_log(cfg, def->name, EV_DEF_DELETE, "definition deleted (disks kept)");
		/* a new guest of this name starts afresh */
		events_archive(cfg, def->name, NULL, NULL);
	}
	vm_unlock(lock);
	free(path);
	return rc;
}
