/* cli.h: the command line: one table of verbs, global options, exit codes, output helpers. */
#ifndef VMDECK_CLI_H
#define VMDECK_CLI_H

#include <jansson.h>
#include <stdbool.h>

#include "config.h"

enum { EXIT_DONE = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

struct cli {
	const char *config_path;  /* the file the config came from */
	struct config cfg;
	bool config_loaded;
	bool json;                /* --json was given */
	const char *host;         /* --host NAME, NULL for this host */
	const char *verb;
};

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
 * The whole CLI: returns the exit code. With no verb it runs console, the
 * full-screen console that main.c hands in: neither the verbs nor the core
 * name ui/, and both libraries link without it.
 */
typedef int (*cli_console_fn)(struct cli *c, int argc, char **argv);
int cli_main(int argc, char **argv, cli_console_fn console);

/* "vmdeck: MESSAGE" on stderr, one line (control characters escaped); returns code, for `return cli_error(...)`. */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_usage(const struct cli *c);
/*
 * A verb's --json result on stdout: o is taken and freed. Compact on one
 * line, or indented (list, show, check). A verb that fails without printing
 * one gets {"error": ..., "exit": ...} from the dispatcher instead.
 */
void cli_json_print(json_t *o);
void cli_json_print_indented(json_t *o);
/*
 * Every JSON output is dumped with these flags: 15 significant digits, so a
 * number rounded to tenths prints as written (2.1, not jansson's default
 * 17 digits, 2.1000000000000001).
 */
#define CLI_JSON_REALS JSON_REAL_PRECISION(15)
/* v rounded to one decimal, as JSON (times in seconds, CPU %). */
json_t *cli_json_tenths(double v);

/* Loads cfg->vms_dir/NAME.yaml into def; prints the error and returns EXIT_USAGE on failure, else 0. */
struct vmdef;
int cli_load_def(struct cli *c, const char *name, struct vmdef *def);

#endif
