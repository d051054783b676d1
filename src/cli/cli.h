/* cli.h: the command line: the verb table, global options and dispatch (cli_main). */
#ifndef VMDECK_CLI_H
#define VMDECK_CLI_H

#include <stdbool.h>

#include "verb.h"

struct cli_verb {
	const char *name;
	const char *usage;        /* after "vmdeck VERB " */
	const char *help;         /* one line */
	unsigned flags;
	/* argv[0] is the verb; global options are already removed */
	int (*exec)(struct cli *c, int argc, char **argv);
};
#define VERB_NO_CONFIG 0x1    /* runs without a valid configuration */
#define VERB_NEW_NAME 0x2     /* its NAME is a guest still to be made (completion offers none) */

extern const struct cli_verb cli_verbs[];
const struct cli_verb *cli_verb_find(const char *name);
/*
 * v's usage as help, the man page and the completion show it: "{boot}" in
 * the table becomes the definition schema's choices of boot ("disk|cdrom"),
 * "{=memory}" its default ("1G"), so no choice or default is typed twice.
 * Allocated.
 */
char *cli_usage_text(const struct cli_verb *v);

/*
 * The whole CLI: returns the exit code. With no verb it runs console, the
 * full-screen console that main.c hands in: neither the verbs nor the core
 * name ui/, and both libraries link without it.
 */
typedef int (*cli_console_fn)(struct cli *c, int argc, char **argv);
int cli_main(int argc, char **argv, cli_console_fn console);

#endif
