/*
 * cmd_opts.h: a small long-option parser for verbs (--flag, --name VALUE, --name=VALUE),
 * confirmation, and Ctrl-C as a clean cancel.
 */
#ifndef VMDECK_CMD_OPTS_H
#define VMDECK_CMD_OPTS_H

#include <signal.h>
#include <stdbool.h>

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

/*
 * SIGINT, SIGTERM and SIGHUP set the returned flag instead of killing the
 * verb, which then ends its work cleanly (a partial archive removed, QEMU's
 * job cancelled). With ignore_pipe a dead ssh or reader gives EPIPE, not death.
 */
volatile sig_atomic_t *cmd_opts_cancel_on_signals(bool ignore_pipe);

#endif
