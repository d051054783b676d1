/* guestfile.c: checking a draft definition with the real loader, creating and deleting definition files. */
#include "guestfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "vm.h"

/* A private scratch folder for drafts, made once per process. */
static const char *scratch_dir(char **err)
{
	static char dir[64];

	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/vmdeck-draft.XXXXXX");
		if (!mkdtemp(dir)) {
			dir[0] = 0;
			err_set(err, "cannot make a scratch folder: %s", strerror(errno));
			return NULL;
		}
	}
	return dir;
}

/* Turns "/tmp/vmdeck-draft.X/NAME.yaml:3:5: ..." into "line 3, column 5: ...". */
static char *strip_scratch(const char *msg, const char *path)
{
	size_t pl = strlen(path);
	int line, col, used = 0;

	if (strncmp(msg, path, pl) != 0)
		return xstrdup(msg);
	msg += pl;
	if (sscanf(msg, ":%d:%d:%n", &line, &col, &used) == 2 && used > 0)
		return xasprintf("line %d, column %d:%s", line, col, msg + used);
	return xstrdup(*msg == ':' ? msg + 1 : msg);
}

int guestfile_check_text(const char *name, const char *yaml, struct vmdef *def, char **err)
{
	const char *dir = scratch_dir(err);
	struct vmdef tmp = { 0 };
	char *path, *lerr = NULL;
	int rc;

	if (!dir)
		return -1;
	if (!name_valid(name))
		return err_set(err, "name: use letters, digits, '.', '_' or '-' (up to 64, first a letter or digit)");
	path = xasprintf("%s/%s.yaml", dir, name);
	if (file_write_atomic(path, yaml, strlen(yaml), 0600, err) < 0) {
		free(path);
		return -1;
	}
	rc = vmdef_load(path, def ? def : &tmp, &lerr);
	unlink(path);
	if (rc < 0) {
		*err = strip_scratch(lerr ? lerr : "invalid", path);
		free(lerr);
	}
	if (!def)
		vmdef_free(&tmp);
	free(path);
	return rc < 0 ? -1 : 0;
}

int guestfile_create(const struct config *cfg, const char *name, const char *yaml, char **err)
{
	char *path = xasprintf("%s/%s.yaml", cfg->vms_dir, name);
	int rc;

	if (access(path, F_OK) == 0) {
		rc = err_set(err, "%s already exists", path);
	} else {
		rc = file_write_atomic(path, yaml, strlen(yaml), 0600, err);
	}
	free(path);
	return rc;
}

int vm_delete_definition(const struct config *cfg, const struct vmdef *def, char **err)
{
	char *path = def->path ? xstrdup(def->path) : xasprintf("%s/%s.yaml", cfg->vms_dir, def->name);
	int lock, rc = 0;

	if (vm_pid(cfg, def->name) > 0) {
		free(path);
		return err_set(err, "it is running; stop it first");
	}
	if ((lock = vm_lock(cfg, def->name, false, err)) < 0) {
		free(path);
		return -1;
	}
	if (vm_pid(cfg, def->name) > 0)
		rc = err_set(err, "it is running; stop it first");
	else if (unlink(path) < 0)
		rc = err_set(err, "cannot remove %s: %s", path, strerror(errno));
	vm_unlock(lock);
	free(path);
	return rc;
}
