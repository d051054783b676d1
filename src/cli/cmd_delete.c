/*
 * cmd_delete.c: `vmdeck delete NAME [--yes]`: a stopped guest's definition goes, its disks stay
 * (the same core call as the console's D); without --yes the name is typed on a terminal.
 */
#include "cli_out.h"
#include "cmd_delete.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_opts.h"
#include "guestfile.h"
#include "util.h"
#include "verb.h"
#include "vmdef.h"
#include "vmstate.h"

static const char *disk_name(const struct vm_disk *k)
{
	return k->lv ? k->lv : k->file;
}

char *cmd_delete_question(const struct vmdef *d, const char *host)
{
	struct sbuf b = { 0 };

	if (host)
		sbuf_printf(&b, "Delete guest %s on %s? Its definition there is removed.\n",
			    d->name, host);
	else
		sbuf_printf(&b, "Delete guest %s? Its definition %s is removed.\n", d->name,
			    d->path ? d->path : "");
	if (d->n_disks == 0 && d->error)  /* an invalid definition: what it names is not known */
		sbuf_add(&b, "It does not load, so its disks are not known; none is touched.\n");
	else if (d->n_disks == 0)
		sbuf_add(&b, "It has no disks.\n");
	for (size_t k = 0; k < d->n_disks; k++)
		sbuf_printf(&b, "Disk %s is KEPT (remove it with: vmdeck%s%s disk delete %s)\n",
			    disk_name(&d->disks[k]), host ? " --host " : "", host ? host : "",
			    disk_name(&d->disks[k]));
	sbuf_printf(&b, "Type the guest's name to confirm:");
	return sbuf_take(&b);
}

/* The question on stderr, the answer from the terminal: 1 the name was typed, 0 not, -1 no tty. */
static int typed_confirm(const char *question, const char *name)
{
	char line[256];

	if (!isatty(STDIN_FILENO))
		return -1;
	fprintf(stderr, "%s ", question);
	fflush(stderr);
	if (fgets(line, sizeof line, stdin) == NULL)
		return 0;
	line[strcspn(line, "\r\n")] = '\0';
	return strcmp(line, name) == 0;
}

/* What stays: "A, B" or --json {"guest", "action": "deleted", "kept": [...]}. */
static void deleted_print(const struct cli *c, const struct vmdef *d)
{
	json_t *kept = json_array();
	struct sbuf b = { 0 };

	for (size_t k = 0; k < d->n_disks; k++) {
		json_array_append_new(kept, json_string(disk_name(&d->disks[k])));
		sbuf_printf(&b, "%s%s", k ? ", " : "", disk_name(&d->disks[k]));
	}
	if (c->json)
		cli_json_print(json_pack("{s:s, s:s, s:o}", "guest", d->name, "action", "deleted",
					 "kept", kept));
	else if (d->n_disks)
		printf("%s: definition deleted; disks kept: %s\n", d->name, b.s);
	else if (d->error)
		printf("%s: definition deleted (it did not load; no disk was touched)\n", d->name);
	else
		printf("%s: definition deleted (it had no disks)\n", d->name);
	if (!c->json)
		json_decref(kept);
	sbuf_free(&b);
}

/* Running, or not confirmed: the exit code after saying why; 0 to go on. */
static int may_delete(const struct cli *c, const struct vmdef *d, bool yes)
{
	char *q;
	int ok;

	if (vmstate_pid_find(&c->cfg, d->name) > 0)
		return cli_error(EXIT_FAILED, "%s: cannot delete: it is running; stop it first",
				 d->name);
	if (yes)
		return 0;
	q = cmd_delete_question(d, NULL);
	ok = typed_confirm(q, d->name);
	free(q);
	if (ok < 0)
		return cli_error(EXIT_USAGE,
				 "%s: cannot delete: confirm with --yes (stdin is not a terminal)",
				 d->name);
	if (ok == 0)
		return cli_error(EXIT_FAILED, "%s: not deleted: the name typed was not %s",
				 d->name, d->name);
	return 0;
}

int cmd_delete(struct cli *c, int argc, char **argv)
{
	bool yes = false;
	struct opt_spec specs[] = { { "yes", OPT_FLAG, &yes }, { NULL, 0, NULL } };
	struct vmdef def;
	char *err = NULL;
	int rc;

	if (cmd_opts_parse(specs, &argc, argv) < 0 || argc != 2 || argv[1][0] == '-')
		return cli_usage(c);
	/* an invalid definition (def.error) may be deleted too: that is often why it goes */
	if (vmdef_load_by_name(&c->cfg, argv[1], &def, &err) < 0 && def.error == NULL) {
		cli_error(EXIT_USAGE, "%s", err);
		free(err);
		vmdef_free(&def);
		return EXIT_USAGE;
	}
	free(err);
	err = NULL;
	if ((rc = may_delete(c, &def, yes)) == 0) {
		if (guestfile_delete(&c->cfg, &def, &err) < 0) {
			rc = cli_error(EXIT_FAILED, "%s: cannot delete: %s", def.name, err);
			free(err);
		} else {
			deleted_print(c, &def);
		}
	}
	vmdef_free(&def);
	return rc;
}
