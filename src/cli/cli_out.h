/* cli_out.h: what every verb prints through: one-line errors, its usage, its --json object. */
#ifndef VMDECK_CLI_OUT_H
#define VMDECK_CLI_OUT_H

#include <jansson.h>

struct cli;
struct vmdef;

/*
 * "vmdeck: MESSAGE" on stderr, one line (control characters escaped); returns code, for `return
 * cli_error(...)`.
 */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_usage(const struct cli *c);
/*
 * cli_main's last step: a --json verb that failed without printing gets {"error", "exit"}; returns
 * rc.
 */
int cli_json_failure(const struct cli *c, int rc);
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

/*
 * Loads cfg->vms_dir/NAME.yaml into def; prints the error and returns EXIT_USAGE on failure, else
 * 0.
 */
int cli_load_def(struct cli *c, const char *name, struct vmdef *def);

/*
 * Every definition in cfg->vms_dir (vmdefs_load_all: a broken one is loaded with its error); prints
 * why and returns EXIT_USAGE when the folder cannot be read, else 0.
 */
int cli_load_all(struct cli *c, struct vmdef **defs, size_t *n);

#endif
