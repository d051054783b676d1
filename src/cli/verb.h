/* verb.h: what every verb gets from cli_main: struct cli and the exit codes. */
#ifndef VMDECK_VERB_H
#define VMDECK_VERB_H

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
	const char *usage;        /* the verb's usage line (after "vmdeck VERB "), for cli_usage */
};

#endif
