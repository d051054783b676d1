/*
 * snapshot.c: create, list, revert and delete a guest's snapshots (qcow2 internal, or external
 * overlays).
 */
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "live.h"
#include "events.h"
#include "jobfile.h"
#include "qmp.h"
#include "spawn.h"
#include "storage.h"
#include "stream.h"
#include "template.h"
#include "util.h"
#include "vm.h"
#include "vmstate.h"

#define QMP_MS 5000
#define META_MAX (256 * 1024)

/* ---- the per-guest file: vms_dir/NAME.snapshots.json ---- */

char *snapshot_meta_path(const struct config *cfg, const char *name)
{
	return xasprintf("%s/%s.snapshots.json", cfg->vms_dir, name);
}

static bool meta_entry_ok(json_t *e)
{
	json_t *ov = json_object_get(e, "overlays"), *o;
	size_t i;

	if (!json_is_object(e) || !json_is_string(json_object_get(e, "tag")) ||
	    !name_valid(json_string_value(json_object_get(e, "tag"))) ||
	    !json_is_integer(json_object_get(e, "date")) ||
	    !json_is_boolean(json_object_get(e, "ram")) ||
	    !json_is_string(json_object_get(e, "description")))
		return false;
	if (ov == NULL)
		return true;
	if (!json_is_array(ov))
		return false;
	json_array_foreach(ov, i, o)
		if (!json_is_string(o) || json_string_value(o)[0] != '/')
			return false;
	return true;
}

/* The file's object {"snapshots": [...]}; a missing file is an empty list. */
static json_t *meta_load(const struct config *cfg, const char *name, char **err)
{
	char *path = snapshot_meta_path(cfg, name), *text, *why = NULL;
	json_t *root, *list, *e;
	json_error_t je;
	size_t len, i;

	if (access(path, F_OK) != 0 && errno == ENOENT) {
		free(path);
		return json_pack("{s:[]}", "snapshots");
	}
	if ((text = file_read_max(path, META_MAX, O_NOFOLLOW, &len, &why)) == NULL) {
		err_set(err, "%s", why);
		free(why);
		free(path);
		return NULL;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (root == NULL) {
		err_set(err, "%s:%d: %s", path, je.line, je.text);
		free(path);
		return NULL;
	}
	list = json_object_get(root, "snapshots");
	json_array_foreach(list, i, e)
		if (!meta_entry_ok(e))
			break;
	if (!json_is_array(list) || i < json_array_size(list)) {
		err_set(err,
			"%s: snapshot %zu: expected tag, date, ram, description (and overlays)",
			path, i + 1);
		json_decref(root);
		root = NULL;
	}
	free(path);
	return root;
}

static int meta_save(const struct config *cfg, const char *name, json_t *root, char **err)
{
	char *path = snapshot_meta_path(cfg, name), *text = json_dumps(root, JSON_INDENT(2));
	int rc;

	if (json_array_size(json_object_get(root, "snapshots")) == 0) {
		rc = unlink(path) == 0 || errno == ENOENT
			     ? 0
			     : err_set(err, "%s: %s", path, strerror(errno));
	} else {
		rc = file_write_atomic(path, text, strlen(text), 0600, err);
	}
	free(text);
	free(path);
	return rc;
}

static json_t *meta_find(json_t *root, const char *tag, size_t *at)
{
	json_t *list = json_object_get(root, "snapshots"), *e;
	size_t i;

	json_array_foreach(list, i, e)
		if (strcmp(json_string_value(json_object_get(e, "tag")), tag) == 0) {
			if (at)
				*at = i;
			return e;
		}
	return NULL;
}

static const char *meta_str(json_t *e, const char *key)
{
	const char *s = json_string_value(json_object_get(e, key));

	return s ? s : "";
}

/* ---- helpers ---- */

bool snapshot_internal(const struct vmdef *def)
{
	if (def->n_disks == 0)
		return false;
	for (size_t i = 0; i < def->n_disks; i++) {
		const struct vm_disk *d = &def->disks[i];

		if (!d->file || d->overlay || strcmp(storage_disk_format(d), "qcow2") != 0)
			return false;
	}
	return true;
}

/* qemu-img with the words given, NULL-terminated; its last error line in *err. */
static int qemu_img(char **err, ...)
{
	char *argv[16] = { (char *)"qemu-img" };
	size_t n = 1;
	va_list ap;

	va_start(ap, err);
	while (n < ARRAY_LEN(argv) - 1 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return spawn_run(argv, NULL, err);
}

static bool guest_running(const struct config *cfg, const struct vmdef *def)
{
	return vmstate_pid_find(cfg, def->name) > 0;
}

static int qmp_guest(const struct config *cfg, const struct vmdef *def, struct qmp *q, char **err)
{
	char *sock = vmstate_path(cfg, def->name, "qmp.sock");
	int rc = qmp_open(q, sock, QMP_MS, err);

	free(sock);
	return rc;
}

/* {"a": ...} for qmp_exec; NULL-safe decref after. */
static int qmp_do(struct qmp *q, const char *cmd, json_t *args, json_t **ret, char **err)
{
	int rc = qmp_exec(q, cmd, args, ret, QMP_MS, err);

	json_decref(args);
	return rc;
}

/*
 * Waits for QEMU job ID to conclude: a job that becomes ready (an active
 * commit) is completed; progress goes to o->progress; *o->cancel cancels it.
 * The concluded job is dismissed; its error, if any, is ours.
 */
static int qjob_wait(struct qmp *q, const char *id, struct snapshot_opts *o, const char *what,
		     char **err)
{
	struct timespec nap = { 0, 100 * 1000 * 1000 };
	bool cancelled = false;
	char *why = NULL;  /* a refused job-complete: the reason to give */

	for (;;) {
		json_t *ret = NULL, *j = NULL, *e;
		size_t i;
		const char *st;

		if (qmp_exec(q, "query-jobs", NULL, &ret, QMP_MS, err) < 0) {
			free(why);
			return -1;
		}
		json_array_foreach(ret, i, e)
			if (strcmp(meta_str(e, "id"), id) == 0)
				j = e;
		if (j == NULL) {
			json_decref(ret);
			free(why);
			return err_set(err, "the QEMU job %s ended unseen", id);
		}
		st = meta_str(j, "status");
		if (o && o->progress)
			o->progress(
				o->arg, what,
				(uint64_t)json_integer_value(
					json_object_get(j, "current-progress")),
				(uint64_t)json_integer_value(json_object_get(j, "total-progress")));
		if (strcmp(st, "concluded") == 0) {
			int rc = why ? err_set(err, "%s", why)
				 : json_is_string(json_object_get(j, "error"))
					 ? err_set(err, "%s", meta_str(j, "error"))
				 : cancelled ? err_set(err, "interrupted")
					     : 0;

			free(why);

			json_decref(ret);
			qmp_do(q, "job-dismiss", json_pack("{s:s}", "id", id), NULL, NULL);
			return rc;
		}
		bool ready = strcmp(st, "ready") == 0;

		json_decref(ret);
		if (ready && !cancelled &&
		    qmp_do(q, "job-complete", json_pack("{s:s}", "id", id), NULL, &why) < 0) {
			qmp_do(q, "job-cancel", json_pack("{s:s}", "id", id), NULL, NULL);
			cancelled = true;
		}
		if (o && o->cancel && *o->cancel && !cancelled) {
			cancelled = true;
			qmp_do(q, "job-cancel", json_pack("{s:s}", "id", id), NULL, NULL);
		}
		nanosleep(&nap, NULL);
	}
}

static double event_time(json_t *ev)
{
	json_t *t = json_object_get(ev, "timestamp");

	return (double)json_integer_value(json_object_get(t, "seconds")) +
	       (double)json_integer_value(json_object_get(t, "microseconds")) / 1e6;
}

/* STOP to RESUME, from the events QEMU sent on this connection; < 0 when not both seen. */
static double paused_ms(struct qmp *q)
{
	double stop = -1, resume = -1;
	size_t i;
	json_t *ev;

	for (int tries = 0; tries < 20 && resume < 0; tries++) {
		json_array_foreach(q->events, i, ev) {
			const char *n = meta_str(ev, "event");

			if (strcmp(n, "STOP") == 0)
				stop = event_time(ev);
			else if (strcmp(n, "RESUME") == 0)
				resume = event_time(ev);
		}
		if (resume < 0)
			qmp_exec(q, "query-status", NULL, NULL, QMP_MS, NULL);
	}
	return stop >= 0 && resume >= stop ? (resume - stop) * 1000 : -1;
}

/* True when QEMU's CPUs run (not paused): a snapshot pauses and resumes only a running guest. */
static bool cpus_running(struct qmp *q)
{
	json_t *ret = NULL;
	bool r = false;

	if (qmp_exec(q, "query-status", NULL, &ret, QMP_MS, NULL) == 0)
		r = json_is_true(json_object_get(ret, "running"));
	json_decref(ret);
	return r;
}

/*
 * Runs the transaction with the guest paused for that instant (and its
 * filesystems frozen when it has the agent): every disk at one point in time.
 * *done says the transaction itself succeeded, even when the resume or the
 * thaw after it failed.
 */
static int paused_transaction(const struct config *cfg, const struct vmdef *def, struct qmp *q,
			      json_t *actions, struct snapshot_opts *o, bool *done, char **err)
{
	bool run = cpus_running(q);
	int agent = -1, rc;

	if (def->guest_agent && (agent = live_freeze(cfg, def->name, o->cancel, err)) < 0) {
		json_decref(actions);
		return -1;
	}
	json_array_clear(q->events);
	if (run && qmp_exec(q, "stop", NULL, NULL, QMP_MS, err) < 0) {
		json_decref(actions);
		return agent >= 0 ? live_thaw(cfg, def->name, agent, -1, err) : -1;
	}
	rc = qmp_do(q, "transaction", json_pack("{s:o}", "actions", actions), NULL, err);
	*done = rc == 0;
	if (run && qmp_exec(q, "cont", NULL, NULL, QMP_MS, rc < 0 ? NULL : err) < 0)
		rc = -1;
	if (run)
		o->paused_ms = paused_ms(q);
	if (agent >= 0) {
		rc = live_thaw(cfg, def->name, agent, rc, err);
		o->froze = true;
	}
	return rc;
}

static json_t *node_list(const struct vmdef *def)
{
	json_t *a = json_array();

	for (size_t i = 0; i < def->n_disks; i++)
		json_array_append_new(a, json_sprintf("node-disk%zu", i));
	return a;
}

/* ---- listing ---- */

static void snap_fill(struct snapshot *s, const char *tag, int64_t date, bool ram, uint64_t size,
		      json_t *meta)
{
	json_t *e = meta_find(meta, tag, NULL);

	s->tag = xstrdup(tag);
	s->date = date;
	s->ram = ram;
	s->size = size;
	s->description = xstrdup(e ? meta_str(e, "description") : "");
}

/* qcow2 snapshots of the first disk (every disk has the same tags), read shared while QEMU runs. */
static int list_internal(const struct vmdef *def, json_t *meta, struct snapshot **out, size_t *n,
			 char **err)
{
	char *argv[] = { (char *)"qemu-img",	  (char *)"info",     (char *)"-U",
			 (char *)"--output=json", def->disks[0].file, NULL };
	char *text = NULL;
	json_t *info, *list, *e;
	size_t i;

	if (spawn_run(argv, &text, err) < 0)
		return -1;
	info = json_loads(text, 0, NULL);
	free(text);
	if (!json_is_object(info)) {
		json_decref(info);
		return err_set(err, "%s: qemu-img info gave no JSON", def->disks[0].file);
	}
	list = json_object_get(info, "snapshots");
	*out = xcalloc(json_array_size(list) + 1, sizeof **out);
	json_array_foreach(list, i, e) {
		uint64_t vm = (uint64_t)json_integer_value(json_object_get(e, "vm-state-size"));

		snap_fill(&(*out)[(*n)++], meta_str(e, "name"),
			  json_integer_value(json_object_get(e, "date-sec")), vm > 0, vm, meta);
	}
	json_decref(info);
	return 0;
}

static uint64_t file_bytes(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_blocks * 512 : 0;
}

static int list_external(json_t *meta, struct snapshot **out, size_t *n)
{
	json_t *list = json_object_get(meta, "snapshots"), *e, *o;
	size_t i, k;

	*out = xcalloc(json_array_size(list) + 1, sizeof **out);
	json_array_foreach(list, i, e) {
		uint64_t size = 0;

		json_array_foreach(json_object_get(e, "overlays"), k, o)
			size += file_bytes(json_string_value(o));
		snap_fill(&(*out)[(*n)++], meta_str(e, "tag"),
			  json_integer_value(json_object_get(e, "date")),
			  json_is_true(json_object_get(e, "ram")), size, meta);
	}
	return 0;
}

int snapshot_list(const struct config *cfg, const struct vmdef *def, struct snapshot **out,
		  size_t *n, char **err)
{
	json_t *meta = meta_load(cfg, def->name, err);
	int rc;

	*out = NULL;
	*n = 0;
	if (meta == NULL)
		return -1;
	rc = snapshot_internal(def) ? list_internal(def, meta, out, n, err)
				    : list_external(meta, out, n);
	json_decref(meta);
	return rc;
}

void snapshot_list_free(struct snapshot *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].tag);
		free(s[i].description);
	}
	free(s);
}

size_t snapshot_count(const struct config *cfg, const struct vmdef *def, char **newest)
{
	struct snapshot *s;
	size_t n;

	if (newest)
		*newest = NULL;
	if (def->error || snapshot_list(cfg, def, &s, &n, NULL) < 0)
		return 0;
	if (newest && n)
		*newest = xstrdup(s[n - 1].tag);
	snapshot_list_free(s, n);
	return n;
}

size_t snapshot_summary(const struct config *cfg, const char *name, char **newest)
{
	json_t *meta = meta_load(cfg, name, NULL), *list = json_object_get(meta, "snapshots");
	size_t n = json_array_size(list);

	if (newest)
		*newest = n ? xstrdup(meta_str(json_array_get(list, n - 1), "tag")) : NULL;
	json_decref(meta);
	return n;
}

void snapshot_tags(const struct config *cfg, const char *name, struct strv *out)
{
	json_t *meta = name_valid(name) ? meta_load(cfg, name, NULL) : NULL, *e;
	size_t i;

	json_array_foreach(json_object_get(meta, "snapshots"), i, e)
		strv_add(out, meta_str(e, "tag"));
	json_decref(meta);
}

static int tag_exists(const struct config *cfg, const struct vmdef *def, const char *tag, bool *ram,
		      char **err)
{
	struct snapshot *s;
	size_t n;
	int found = 0;

	if (snapshot_list(cfg, def, &s, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].tag, tag) == 0) {
			found = 1;
			if (ram)
				*ram = s[i].ram;
		}
	snapshot_list_free(s, n);
	return found;
}

/* ---- internal (qcow2) snapshots ---- */

static int meta_add(const struct config *cfg, const struct vmdef *def, const char *tag, bool ram,
		    const char *desc, json_t *overlays, char **err)
{
	json_t *meta = meta_load(cfg, def->name, err);
	int rc;

	if (meta == NULL) {
		json_decref(overlays);
		return -1;
	}
	json_t *e = json_pack("{s:s, s:I, s:b, s:s}", "tag", tag, "date", (json_int_t)time(NULL),
			      "ram", ram, "description", desc ? desc : "");

	if (overlays)
		json_object_set_new(e, "overlays", overlays);
	json_array_append_new(json_object_get(meta, "snapshots"), e);
	rc = meta_save(cfg, def->name, meta, err);
	json_decref(meta);
	return rc;
}

static int meta_remove(const struct config *cfg, const struct vmdef *def, const char *tag,
		       char **err)
{
	json_t *meta = meta_load(cfg, def->name, err);
	size_t at;
	int rc = 0;

	if (meta == NULL)
		return -1;
	if (meta_find(meta, tag, &at)) {
		json_array_remove(json_object_get(meta, "snapshots"), at);
		rc = meta_save(cfg, def->name, meta, err);
	}
	json_decref(meta);
	return rc;
}

/* 1 when the qcow2 image holds snapshot TAG, 0 when not, -1 when it cannot be read. */
static int image_has_tag(const char *file, const char *tag, char **err)
{
	char *argv[] = { (char *)"qemu-img",	  (char *)"info", (char *)"-U",
			 (char *)"--output=json", (char *)file,	  NULL };
	char *text = NULL;
	json_t *info, *e;
	size_t i;
	int has = 0;

	if (spawn_run(argv, &text, err) < 0)
		return -1;
	info = json_loads(text, 0, NULL);
	free(text);
	json_array_foreach(json_object_get(info, "snapshots"), i, e)
		if (strcmp(meta_str(e, "name"), tag) == 0)
			has = 1;
	json_decref(info);
	return has;
}

/*
 * qemu-img snapshot OP TAG on every disk; a create is undone on the disks
 * done when one fails. A revert first checks that every disk has the tag
 * (a disk added later has not: nothing is reverted); a delete passes over a
 * disk without it.
 */
static int offline_internal(const struct vmdef *def, const char *op, const char *tag, char **err)
{
	bool create = strcmp(op, "-c") == 0;

	for (size_t i = 0; !create && i < def->n_disks; i++) {
		int has = image_has_tag(def->disks[i].file, tag, err);

		if (has < 0)
			return -1;
		if (!has && strcmp(op, "-a") == 0)
			return err_set(err,
				       "disk %zu (%s) has no snapshot %s: nothing was reverted",
				       i + 1, def->disks[i].file, tag);
	}
	for (size_t i = 0; i < def->n_disks; i++) {
		if (strcmp(op, "-d") == 0 && image_has_tag(def->disks[i].file, tag, NULL) == 0)
			continue;
		if (qemu_img(err, "snapshot", op, tag, def->disks[i].file, NULL) == 0)
			continue;
		while (create && i-- > 0)
			qemu_img(NULL, "snapshot", "-d", tag, def->disks[i].file, NULL);
		return -1;
	}
	return 0;
}

static json_t *internal_actions(const struct vmdef *def, const char *tag)
{
	json_t *a = json_array();

	for (size_t i = 0; i < def->n_disks; i++) {
		json_t *data = json_pack("{s:s}", "name", tag);

		json_object_set_new(data, "device", json_sprintf("disk%zu", i));
		json_array_append_new(a,
				      json_pack("{s:s, s:o}", "type",
						"blockdev-snapshot-internal-sync", "data", data));
	}
	return a;
}

static int live_internal_create(const struct config *cfg, const struct vmdef *def, const char *tag,
				struct snapshot_opts *o, char **err)
{
	struct qmp q;
	bool done;
	int rc;

	if (qmp_guest(cfg, def, &q, err) < 0)
		return -1;
	if (o->with_ram) {
		rc = qmp_do(&q, "snapshot-save",
			    json_pack("{s:s, s:s, s:s, s:o}", "job-id", "vmdeck-snapshot", "tag",
				      tag, "vmstate", "node-disk0", "devices", node_list(def)),
			    NULL, err);
		if (rc == 0)
			rc = qjob_wait(&q, "vmdeck-snapshot", o, "save", err);
	} else {
		rc = paused_transaction(cfg, def, &q, internal_actions(def, tag), o, &done, err);
	}
	qmp_close(&q);
	return rc;
}

static int live_internal_job(const struct config *cfg, const struct vmdef *def, const char *cmd,
			     const char *tag, struct snapshot_opts *o, char **err)
{
	struct qmp q;
	json_t *args = json_pack("{s:s, s:s, s:o}", "job-id", "vmdeck-snapshot", "tag", tag,
				 "devices", node_list(def));
	int rc;

	if (strcmp(cmd, "snapshot-load") == 0)
		json_object_set_new(args, "vmstate", json_string("node-disk0"));
	if (qmp_guest(cfg, def, &q, err) < 0) {
		json_decref(args);
		return -1;
	}
	rc = qmp_do(&q, cmd, args, NULL, err);
	if (rc == 0)
		rc = qjob_wait(&q, "vmdeck-snapshot", o, cmd + 9, err);
	qmp_close(&q);
	return rc;
}

/* ---- external overlays (LV and raw disks) ---- */

/* Layer k of disk i: the base (k = 0) or snapshot k-1's overlay. */
static char *layer_path(const struct config *cfg, const struct vm_disk *d, json_t *list, size_t i,
			size_t k, char **err)
{
	char *p = NULL;

	if (k > 0)
		return xstrdup(json_string_value(json_array_get(
			json_object_get(json_array_get(list, k - 1), "overlays"), i)));
	return storage_disk_path(cfg, d, &p, err) < 0 ? NULL : p;
}

static const char *layer_format(const struct vm_disk *d, size_t k)
{
	return k > 0 ? "qcow2" : storage_disk_format(d);
}

/*
 * A new empty overlay over BELOW at PATH (never over an existing file unless replace), mode 0600.
 */
static int overlay_make(const char *path, const char *below, const char *fmt, bool replace,
			char **err)
{
	char *tmp = xasprintf("%s.new", path);
	int rc;

	if (!replace && access(path, F_OK) == 0) {
		free(tmp);
		return err_set(err, "%s already exists", path);
	}
	unlink(tmp);
	rc = qemu_img(err, "create", "-q", "-f", "qcow2", "-F", fmt, "-b", below, tmp, NULL);
	if (rc == 0 && chmod(tmp, 0600) < 0)
		rc = err_set(err, "%s: %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, path) < 0)
		rc = err_set(err, "%s: %s", path, strerror(errno));
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* One write: disks[i].overlay = paths[i] (NULL removes the key). */
static int def_set_overlays(const struct vmdef *def, char **paths, char **err)
{
	struct vmdef_change *c = xcalloc(def->n_disks, sizeof *c);
	char **keys = xcalloc(def->n_disks, sizeof *keys);
	size_t bad;
	int rc;

	for (size_t i = 0; i < def->n_disks; i++) {
		keys[i] = xasprintf("disks.%zu.overlay", i);
		c[i].key = keys[i];
		c[i].value = paths[i] ? paths[i]
				      : ""; /* overlay: "" is none (a list item's key stays) */
	}
	rc = vmdef_apply_changes(def->path, c, def->n_disks, &bad, err);
	for (size_t i = 0; i < def->n_disks; i++)
		free(keys[i]);
	free(keys);
	free(c);
	return rc;
}

static void paths_free(char **p, size_t n)
{
	for (size_t i = 0; p && i < n; i++)
		free(p[i]);
	free(p);
}

static json_t *snapshot_sync_actions(char **ovs, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *data = json_pack("{s:s, s:s, s:s}", "snapshot-file", ovs[i], "format",
					 "qcow2", "mode", "existing");

		json_object_set_new(data, "device", json_sprintf("disk%zu", i));
		json_array_append_new(
			a, json_pack("{s:s, s:o}", "type", "blockdev-snapshot-sync", "data", data));
	}
	return a;
}

/*
 * The tag and its overlays in the snapshots file, then the definition naming them (written last).
 */
static int external_record(const struct config *cfg, const struct vmdef *def, const char *tag,
			   const struct snapshot_opts *o, char **ovs, size_t n, char **err)
{
	json_t *jov = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(jov, json_string(ovs[i]));
	if (meta_add(cfg, def, tag, false, o->description, jov, err) < 0)
		return -1;
	if (def_set_overlays(def, ovs, err) == 0)
		return 0;
	meta_remove(cfg, def, tag, NULL);
	return -1;
}

/*
 * QEMU switched to the overlays but they could not be recorded: said loudly, here and in the event
 * log.
 */
static void external_unrecorded(const struct config *cfg, const struct vmdef *def, const char *tag,
				char **err)
{
	char *why = err && *err ? *err : xstrdup("unknown error");

	events_log(cfg, def->name, EV_SNAPSHOT_FAIL,
		   "snapshot %s: THE GUEST NOW WRITES INTO ITS NEW OVERLAYS, which its definition "
		   "does not name (%s): do not restart it before it does",
		   tag, why);
	if (err)
		*err = xasprintf(
			"%s; THE GUEST NOW WRITES INTO ITS NEW OVERLAYS "
			"(file_dir/%s-diskN-%s.qcow2), which "
			"its definition does not name: do not restart it before it does",
			why, def->name, tag);
	free(why);
}

static int external_create(const struct config *cfg, const struct vmdef *def, const char *tag,
			   struct snapshot_opts *o, bool running, char **err)
{
	json_t *meta = meta_load(cfg, def->name, err), *list;
	size_t n = def->n_disks, made = 0, k;
	char **ovs = xcalloc(n, sizeof *ovs);
	int rc = meta ? 0 : -1;
	bool switched = false;  /* QEMU writes into the new overlays */

	list = json_object_get(meta, "snapshots");
	k = json_array_size(list);
	if (rc == 0 && mkdir_p(cfg->file_dir, 0700, err) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < n; i++, made++) {
		char *below = layer_path(cfg, &def->disks[i], list, i, k, err);

		ovs[i] = xasprintf("%s/%s-disk%zu-%s.qcow2", cfg->file_dir, def->name, i, tag);
		rc = below ? overlay_make(ovs[i], below, layer_format(&def->disks[i], k), false,
					  err)
			   : -1;
		free(below);
		if (rc < 0)
			break;
	}
	if (rc == 0 && running) {
		struct qmp q;

		rc = qmp_guest(cfg, def, &q, err);
		if (rc == 0)
			rc = paused_transaction(cfg, def, &q, snapshot_sync_actions(ovs, n), o,
						&switched, err);
		qmp_close(&q);
	}
	/*
	 * Once QEMU writes into the overlays they are recorded, even when the resume or the thaw
	 * after the switch failed (that error stays the one told): never unlinked under QEMU.
	 */
	if (rc == 0 || switched) {
		char *why = NULL;
		int rec = external_record(cfg, def, tag, o, ovs, n, &why);

		if (rec < 0 && rc == 0) {
			rc = -1;
			if (err) {
				*err = why;
				why = NULL;
			}
		}
		if (rec < 0 && switched)
			external_unrecorded(cfg, def, tag, err);
		free(why);
	}
	for (size_t i = 0; rc < 0 && !switched && i < made; i++)
		/* only the ones made here: an existing file of that name is never ours */
		unlink(ovs[i]);
	paths_free(ovs, n);
	json_decref(meta);
	return rc;
}

/* The overlays of the newest snapshot are replaced by empty ones over the same layers. */
static int external_revert(const struct config *cfg, const struct vmdef *def, const char *tag,
			   char **err)
{
	json_t *meta = meta_load(cfg, def->name, err), *list;
	size_t at = 0, k;
	int rc = 0;

	if (meta == NULL)
		return -1;
	list = json_object_get(meta, "snapshots");
	meta_find(meta, tag, &at);
	k = json_array_size(list);
	if (at + 1 != k) {
		json_decref(meta);
		return err_set(err,
			       "%s is not the newest snapshot (%s is): delete the newer ones first",
			       tag, meta_str(json_array_get(list, k - 1), "tag"));
	}
	for (size_t i = 0; rc == 0 && i < def->n_disks; i++) {
		char *below = layer_path(cfg, &def->disks[i], list, i, at, err);
		char *top = layer_path(cfg, &def->disks[i], list, i, at + 1, err);

		rc = below && top
			     ? overlay_make(top, below, layer_format(&def->disks[i], at), true, err)
			     : -1;
		free(below);
		free(top);
	}
	json_decref(meta);
	return rc;
}

/* The node QEMU opened PATH as (its format node), from query-named-block-nodes. */
static char *node_of(json_t *nodes, const char *path)
{
	json_t *e;
	size_t i;

	json_array_foreach(nodes, i, e) {
		const char *drv = meta_str(e, "drv");

		if (strcmp(meta_str(e, "file"), path) == 0 && strcmp(drv, "file") != 0 &&
		    strcmp(drv, "host_device") != 0)
			return xstrdup(meta_str(e, "node-name"));
	}
	return NULL;
}

/* block-commit of layer top into layer below on disk i, as a job; an active commit is completed. */
static int live_commit(struct qmp *q, size_t i, const char *top, const char *below,
		       struct snapshot_opts *o, char **err)
{
	json_t *nodes = NULL, *args;
	char *tn, *bn, id[48], what[48];
	int rc;

	if (qmp_exec(q, "query-named-block-nodes", NULL, &nodes, QMP_MS, err) < 0)
		return -1;
	tn = node_of(nodes, top);
	bn = node_of(nodes, below);
	json_decref(nodes);
	snprintf(id, sizeof id, "vmdeck-commit-%zu", i);
	snprintf(what, sizeof what, "commit disk %zu", i + 1);
	if (tn == NULL || bn == NULL) {
		rc = err_set(err,
			     "QEMU does not have %s open (restart the guest, then delete again)",
			     tn ? below : top);
	} else {
		args = json_pack("{s:s, s:s, s:s, s:b}", "job-id", id, "top-node", tn, "base-node",
				 bn, "auto-dismiss", 0);
		json_object_set_new(args, "device", json_sprintf("disk%zu", i));
		rc = qmp_do(q, "block-commit", args, NULL, err);
		stream_test_pause("snapshot-commit");  /* tests kill QEMU here, mid-commit */
		if (rc == 0 && (rc = qjob_wait(q, id, o, what, err)) < 0 && err && *err) {
			char *why = *err;

			*err = xasprintf(
				"the commit of disk %zu did not finish (%s); the snapshot chain is "
				"as it was, delete again to retry",
				i + 1, why);
			free(why);
		}
	}
	free(tn);
	free(bn);
	return rc;
}

/*
 * Snapshot `at` goes: its overlays are committed into the layers below, the chain closes over the
 * gap.
 */
static int external_delete(const struct config *cfg, const struct vmdef *def, const char *tag,
			   struct snapshot_opts *o, bool running, char **err)
{
	json_t *meta = meta_load(cfg, def->name, err), *list;
	size_t at = 0, k, n = def->n_disks;
	char **tops = xcalloc(n, sizeof *tops), **belows = xcalloc(n, sizeof *belows);
	struct qmp q;

	qmp_init(&q);
	int rc = meta ? 0 : -1;

	list = json_object_get(meta, "snapshots");
	meta_find(meta, tag, &at);
	k = json_array_size(list);
	if (rc == 0 && running)
		rc = qmp_guest(cfg, def, &q, err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		tops[i] = layer_path(cfg, &def->disks[i], list, i, at + 1, err);
		belows[i] = layer_path(cfg, &def->disks[i], list, i, at, err);
		if (!tops[i] || !belows[i])
			rc = -1;
		else if (running)
			rc = live_commit(&q, i, tops[i], belows[i], o, err);
		else
			rc = qemu_img(err, "commit", "-q", tops[i], NULL);
		/* the layer above now reads through to below (QEMU rewrote it when running) */
		if (rc == 0 && !running && at + 1 < k) {
			char *above = layer_path(cfg, &def->disks[i], list, i, at + 2, err);

			rc = qemu_img(err, "rebase", "-u", "-F", layer_format(&def->disks[i], at),
				      "-b", belows[i], above, NULL);
			free(above);
		}
	}
	if (running)
		qmp_close(&q);  /* harmless when it never opened */
	if (rc == 0 && at + 1 == k) {  /* the newest went: the guest now runs on the layer below */
		char **act = xcalloc(n, sizeof *act);

		for (size_t i = 0; i < n; i++)
			act[i] = at > 0 ? xstrdup(belows[i]) : NULL;
		rc = def_set_overlays(def, act, err);
		paths_free(act, n);
	}
	if (rc == 0 && (rc = meta_remove(cfg, def, tag, err)) == 0)
		for (size_t i = 0; i < n; i++)
			unlink(tops[i]);
	paths_free(tops, n);
	paths_free(belows, n);
	json_decref(meta);
	return rc;
}

/* ---- the verbs ---- */

struct snap_ctx {
	const struct config *cfg;
	const struct vmdef *def;
	const char *tag;
	struct snapshot_opts *o;
	bool running;
	bool internal;
	char **note;
};

/*
 * QEMU says "Input/output error" when the RAM state does not fit: name the full filesystem instead.
 */
static int space_hint(const struct vmdef *def, char **err)
{
	struct statvfs vfs;
	uint64_t avail;
	char a[16], *why;

	if (!err || !*err || statvfs(def->disks[0].file, &vfs) < 0)
		return -1;
	avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (avail >= def->memory)
		return -1;
	why = *err;
	*err = xasprintf("%s (no room: %s free where %s is)", why, size_human(avail, a, sizeof a),
			 def->disks[0].file);
	free(why);
	return -1;
}

static int do_create(struct snap_ctx *c, char **err)
{
	int rc;

	if (c->o->with_ram && !c->internal)
		return err_set(
			err,
			"--with-ram needs qcow2 disks (LV and raw disks get disk-only snapshots)");
	if (c->o->with_ram && !c->running)
		return err_set(err, "--with-ram needs a running guest (it saves the RAM)");
	if (!c->internal)
		return external_create(c->cfg, c->def, c->tag, c->o, c->running, err);
	rc = c->running ? live_internal_create(c->cfg, c->def, c->tag, c->o, err)
			: offline_internal(c->def, "-c", c->tag, err);
	if (rc < 0)
		return space_hint(c->def, err);
	/* a stale entry of an older snapshot of this tag */
	meta_remove(c->cfg, c->def, c->tag, NULL);
	if (meta_add(c->cfg, c->def, c->tag, c->o->with_ram, c->o->description, NULL, err) < 0)
		return -1;
	return 0;
}

static int do_revert(struct snap_ctx *c, char **err)
{
	bool ram = false;

	if (tag_exists(c->cfg, c->def, c->tag, &ram, err) < 0)
		return -1;
	if (c->running && !(c->internal && ram))
		return err_set(
			err,
			"%s is a disk-only snapshot: power the guest off first (vmdeck stop %s), "
			"then revert",
			c->tag, c->def->name);
	if (!c->internal)
		return external_revert(c->cfg, c->def, c->tag, err);
	if (c->running) {
		if (live_internal_job(c->cfg, c->def, "snapshot-load", c->tag, c->o, err) < 0)
			return -1;
		if (c->note)
			*c->note = xasprintf("the running guest jumped back to %s", c->tag);
		return 0;
	}
	if (offline_internal(c->def, "-a", c->tag, err) < 0)
		return -1;
	if (c->note && ram)
		*c->note = xasprintf(
			"the disks are back at %s; the guest boots from them (its saved RAM is "
			"used only when reverting a running guest)",
			c->tag);
	return 0;
}

static int do_delete(struct snap_ctx *c, char **err)
{
	if (!c->internal)
		return external_delete(c->cfg, c->def, c->tag, c->o, c->running, err);
	if (c->running ? live_internal_job(c->cfg, c->def, "snapshot-delete", c->tag, c->o, err) < 0
		       : offline_internal(c->def, "-d", c->tag, err) < 0)
		return -1;
	return meta_remove(c->cfg, c->def, c->tag, err);
}

/*
 * Overlay snapshots made when the guest had another number of disks cannot be followed: said, not
 * guessed.
 */
static bool meta_disks_differ(const struct config *cfg, const struct vmdef *def, char **err)
{
	json_t *meta = meta_load(cfg, def->name, err), *e;
	size_t i;
	bool differ = meta == NULL;

	json_array_foreach(json_object_get(meta, "snapshots"), i, e)
		if (!differ && json_array_size(json_object_get(e, "overlays")) != def->n_disks) {
		err_set(err,
			"snapshot %s covers %zu disks, the guest has %zu: its disks changed since",
			meta_str(e, "tag"), json_array_size(json_object_get(e, "overlays")),
			def->n_disks);
		differ = true;
		}
	json_decref(meta);
	return differ;
}

/* A step's figures published for every watcher (jobfile.h), then handed to the caller's. */
struct snap_pub {
	struct jobfile *jf;
	snapshot_progress_fn fn;
	void *arg;
};

static void snap_progress(void *arg, const char *what, uint64_t done, uint64_t total)
{
	struct snap_pub *p = arg;

	jobfile_step(p->jf, what, done, total);
	if (p->fn)
		p->fn(p->arg, what, done, total);
}

/* fn with the guest's job published as "snapshot" while it runs. */
static int snap_published(struct snap_ctx *c, int (*fn)(struct snap_ctx *, char **), char **err)
{
	struct snapshot_opts *o = c->o;
	struct snap_pub pub = { jobfile_begin(c->cfg, c->def->name, "snapshot", NULL), o->progress,
				o->arg };
	int rc;

	o->progress = snap_progress;
	o->arg = &pub;
	rc = fn(c, err);
	o->progress = pub.fn;
	o->arg = pub.arg;
	jobfile_end(pub.jf);
	return rc;
}

static int snap_run(const struct config *cfg, const struct vmdef *def, const char *tag,
		    struct snapshot_opts *o, int (*fn)(struct snap_ctx *, char **), int want,
		    char **note, char **err)
{
	struct snapshot_opts none = { 0 };
	struct snap_ctx c = { cfg, def, tag, o ? o : &none, false, snapshot_internal(def), note };
	int lock, rc, have;

	c.o->paused_ms = -1;
	if (def->error)
		return err_set(err, "%s", def->error);
	if (!name_valid(tag))
		return err_set(
			err,
			"bad tag '%s' (letters, digits, '.', '_', '-'; at most 64, not starting "
			"with . _ -)",
			tag);
	if (def->n_disks == 0)
		return err_set(err, "it has no disks");
	if (!c.internal && meta_disks_differ(cfg, def, err))
		return -1;
	if ((lock = vm_lock(cfg, def->name, false, err)) < 0)
		return -1;
	/* a template's linked clones read its disks: no snapshot may change them under those */
	if (template_check(cfg, def, "a snapshot", err) < 0) {
		vm_unlock(lock);
		return -1;
	}
	c.running = guest_running(cfg, def);
	if ((have = tag_exists(cfg, def, tag, NULL, err)) < 0)
		rc = -1;
	else if (have != want)
		rc = err_set(err,
			     want ? "no snapshot %s (vmdeck snapshot %s list)"
				  : "snapshot %s already exists",
			     tag, def->name);
	else
		rc = snap_published(&c, fn, err);
	vm_unlock(lock);
	return rc;
}

int snapshot_create(const struct config *cfg, const struct vmdef *def, const char *tag,
		    struct snapshot_opts *o, char **err)
{
	int rc = snap_run(cfg, def, tag, o, do_create, 0, NULL, err);

	events_log(cfg, def->name, rc == 0 ? EV_SNAPSHOT : EV_SNAPSHOT_FAIL,
		   rc == 0 ? "snapshot %s created" : "snapshot %s: create failed", tag);
	return rc;
}

int snapshot_revert(const struct config *cfg, const struct vmdef *def, const char *tag,
		    struct snapshot_opts *o, char **note, char **err)
{
	int rc = snap_run(cfg, def, tag, o, do_revert, 1, note, err);

	if (rc == 0)
		events_log(cfg, def->name, EV_SNAPSHOT, "reverted to snapshot %s", tag);
	return rc;
}

int snapshot_delete(const struct config *cfg, const struct vmdef *def, const char *tag,
		    struct snapshot_opts *o, char **err)
{
	int rc = snap_run(cfg, def, tag, o, do_delete, 1, NULL, err);

	if (rc == 0)
		events_log(cfg, def->name, EV_SNAPSHOT, "snapshot %s deleted", tag);
	return rc;
}
