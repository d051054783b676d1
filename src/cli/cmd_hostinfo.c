/*
 * cmd_hostinfo.c: `vmdeck hostinfo [--json]`: what another host's console
 * offers in its pickers and forms for this host: its ISO images (iso_dirs),
 * bridges, storage (VG and its free space, file_dir), the lowest free VNC
 * display, the names taken, and its name and version.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd_hostinfo.h"
#include "cli_out.h"
#include "verb.h"
#include "hostinfo.h"
#include "guest.h"
#include "lvm.h"
#include "util.h"
#include "vmdef.h"

static json_t *isos_json(const struct config *cfg)
{
	struct iso_entry *e = NULL;
	size_t n = 0;
	char *err = NULL;
	json_t *a = json_array();

	if (hostinfo_iso_list(cfg, &e, &n, &err) < 0) {
		free(err);
		return a;
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I}", "path", e[i].path,
						   "name", e[i].name, "size", (json_int_t)e[i].size,
						   "mtime", (json_int_t)e[i].mtime));
	hostinfo_iso_free(e, n);
	return a;
}

static json_t *strv_json(const struct strv *sv)
{
	json_t *a = json_array();

	for (size_t i = 0; i < sv->n; i++)
		json_array_append_new(a, json_string(sv->v[i]));
	return a;
}

int cmd_hostinfo(struct cli *c, int argc, char **argv)
{
	struct vmdef *defs = NULL;
	size_t n = 0;
	struct strv bridges = { 0 }, names = { 0 };
	char name[64], *err = NULL;
	uint64_t vg_free = 0;
	bool has_vg;
	json_t *o;

	if (argc > 1)
		return cli_usage(c);
	if (vmdefs_load_all(&c->cfg, &defs, &n, &err) < 0) {
		free(err);  /* no definitions folder: nothing is taken */
		defs = NULL;
		n = 0;
	}
	for (size_t i = 0; i < n; i++)
		strv_add(&names, defs[i].name);
	hostinfo_bridges(&bridges);
	hostinfo_host_name(&c->cfg, name, sizeof name);
	has_vg = c->cfg.vg && *c->cfg.vg && lvm_vg_free(&c->cfg, &vg_free, &err) == 0;
	free(err);
	o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:i, s:o}", "name", name, "version",
		      VMDECK_VERSION, "iso", isos_json(&c->cfg), "bridges", strv_json(&bridges),
		      "vg", c->cfg.vg && *c->cfg.vg ? json_string(c->cfg.vg) : json_null(),
		      "vg_free", has_vg ? json_integer((json_int_t)vg_free) : json_null(),
		      "file_dir", c->cfg.file_dir, "free_vnc_display",
		      guest_vnc_free_display(defs, n, NULL, NULL), "guests", strv_json(&names));
	if (c->json) {
		cli_json_print(o);
	} else {
		json_t *x;
		size_t i;

		printf("host %s (vmdeck %s)\n", name, VMDECK_VERSION);
		printf("free VNC display: %d\n", guest_vnc_free_display(defs, n, NULL, NULL));
		json_array_foreach(json_object_get(o, "iso"), i, x)
			printf("iso: %s\n", json_string_value(json_object_get(x, "path")));
		for (size_t k = 0; k < bridges.n; k++)
			printf("bridge: %s\n", bridges.v[k]);
		json_decref(o);
	}
	strv_free(&bridges);
	strv_free(&names);
	vmdefs_free(defs, n);
	return EXIT_DONE;
}
