/*
 * cmd_opts.h: a small long-option parser for verbs (--flag, --name VALUE, --name=VALUE) and
 * confirmation.
 */
#ifndef VMDECK_CMD_OPTS_H
#define VMDECK_CMD_OPTS_H

enum opt_kind { OPT_FLAG, OPT_VALUE };

struct opt_spec {
	const char *name;     /* without the leading "--" */
	enum opt_kind kind;
	void *target;         /* bool * for OPT_FLAG, const char ** for OPT_VALUE */
};

/*
 * Takes the options in specs out of argv (argv[0] is kept), leaving the
 * positional arguments in order. An unknown --option or a missing value
 * prints an error and returns -1.
 */
int cmd_opts_parse(const struct opt_spec *specs, int *argc, char **argv);

/* Asks a yes/no question on the terminal: 1 yes, 0 no, -1 when stdin is not a terminal. */
int cmd_opts_confirm(const char *question);

#endif
