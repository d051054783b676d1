/* cmd_term.c: `vmdeck console NAME` and `vmdeck monitor NAME`, thin verbs over term.c. */
#include "cli_out.h"
#include "cmd_term.h"

#include <stdlib.h>

#include "term.h"
#include "verb.h"
#include "vmdef.h"

typedef int (*term_fn)(const struct config *, const struct vmdef *, char **);

static int run_term(struct cli *c, int argc, char **argv, term_fn fn)
{
	struct vmdef def = { 0 };
	char *err = NULL;
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return cli_usage(c);
	if ((rc = cli_load_def(c, argv[1], &def)) != 0)
		return rc;
	rc = EXIT_DONE;
	if (fn(&c->cfg, &def, &err) < 0) {
		rc = cli_error(EXIT_FAILED, "%s: %s", def.name, err);
		free(err);
	}
	vmdef_free(&def);
	return rc;
}

int cmd_console(struct cli *c, int argc, char **argv)
{
	return run_term(c, argc, argv, term_serial);
}

int cmd_monitor(struct cli *c, int argc, char **argv)
{
	return run_term(c, argc, argv, term_monitor);
}
