/*
 * mkdoc.c: build tool: writes the man pages and the bash completion from the tables the code runs
 * on.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "doc.h"

static const struct {
	const char *what;
	void (*write)(FILE *out);
} outputs[] = {
	{ "vmdeck.1", doc_man_vmdeck },
	{ "vmdeck.conf.5", doc_man_conf },
	{ "vmdeck-guest.5", doc_man_guest },
	{ "completion", doc_bash_completion },
};

int main(int argc, char **argv)
{
	if (argc == 2)
		for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++)
			if (strcmp(argv[1], outputs[i].what) == 0) {
				outputs[i].write(stdout);
				return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
			}
	fprintf(stderr, "usage: mkdoc vmdeck.1|vmdeck.conf.5|vmdeck-guest.5|completion\n");
	return 2;
}
