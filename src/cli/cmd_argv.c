/* cmd_argv.c: `vmdeck argv NAME`: the QEMU command line `start` would run, printed and not run. */
#include "cli_out.h"
#include "cmd_argv.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_opts.h"
#include "qemu_argv.h"
#include "verb.h"
#include "vm.h"
#include "vmdef.h"

static void print_json(const struct strv *argv)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < argv->n; i++)
		json_array_append_new(arr, json_string(argv->v[i]));
	cli_json_print(arr);
}

/* Same options as `start`, so the dry run can show a CD boot before doing it. */
static int parse_opts(struct cli *c, int *argc, char **argv, struct qemu_argv_opts *o)
{
	const struct opt_spec specs[] = {
		{ "cdrom", OPT_VALUE, &o->cdrom },
		{ "boot", OPT_VALUE, &o->boot },
		{ NULL, 0, NULL },
	};

	if (cmd_opts_parse(specs, argc, argv) < 0)
		return EXIT_USAGE;
	if (*argc != 2 || argv[1][0] == '-')
		return cli_usage(c);
	if (o->boot && choice_index(vmdef_choices("boot"), o->boot) < 0)
		return cli_error(EXIT_USAGE, "%s: --boot must be disk or cdrom", argv[1]);
	return 0;
}

/*
 * The CD as `start` would pass it: a bare name found in iso_dirs becomes its
 * path. A missing ISO stays as written; the dry run shows, start refuses.
 */
static char *resolve_cdrom(const struct cli *c, const struct vmdef *def, const char *override)
{
	const char *cd = override ? override : def->cdrom;
	char *path;

	if (!cd || !*cd)
		return NULL;
	path = vm_iso_resolve(&c->cfg, cd, NULL);
	return path ? path : xstrdup(cd);
}

int cmd_argv(struct cli *c, int argc, char **argv)
{
	struct qemu_argv_opts o = { .daemonize = true, .paused = true };
	struct vmdef def = { 0 };
	struct strv out = { 0 };
	const char *name;
	char *err = NULL, *line, *cdrom;
	int rc;

	if ((rc = parse_opts(c, &argc, argv, &o)) != 0)
		return rc;
	name = argv[1];
	if ((rc = cli_load_def(c, name, &def)) != 0)
		return rc;
	/* The dry run says nothing about KVM; `start` gives that warning. */
	o.accel = qemu_argv_accel_resolve(c->cfg.accel, NULL);
	o.cdrom = cdrom = resolve_cdrom(c, &def, o.cdrom);
	rc = qemu_argv_build(&c->cfg, &def, &o, &out, &err);
	free(cdrom);
	if (rc < 0) {
		rc = cli_error(EXIT_USAGE, "%s: %s", name, err);
		free(err);
		vmdef_free(&def);
		return rc;
	}
	if (c->json) {
		print_json(&out);
	} else {
		line = qemu_argv_display(&out);
		puts(line);
		free(line);
	}
	strv_free(&out);
	vmdef_free(&def);
	return EXIT_DONE;
}
