/* cmd_clone.c: `vmdeck clone SRC NEW [--linked] [--start]`: a new guest from a stopped one. */
#include "cmd_clone.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "clone.h"
#include "cmd_life.h"
#include "cmd_opts.h"
#include "util.h"

int cmd_clone(struct cli *c, int argc, char **argv)
{
	struct clone_opts o = { 0 };
	bool start = false;
	const struct opt_spec specs[] = {
		{ "linked", OPT_FLAG, &o.linked }, { "start", OPT_FLAG, &start }, { NULL, OPT_FLAG, NULL },
	};
	char *err = NULL, *words[] = { (char *)"start", NULL, NULL };

	if (cmd_opts_parse(specs, &argc, argv) < 0)
		return EXIT_USAGE;
	if (argc != 3)
		return cli_usage(c);
	if (clone_run(&c->cfg, argv[1], argv[2], &o, &err) < 0) {
		cli_error(EXIT_FAILED, "%s: cannot clone %s: %s", argv[2], argv[1], err);
		free(err);
		return EXIT_FAILED;
	}
	if (c->json && !start)
		cli_json_print(json_pack("{s:s, s:s, s:b}", "name", argv[2], "from", argv[1], "linked", o.linked));
	else if (!c->json)
		printf("%s: %s clone of %s created%s\n", argv[2], o.linked ? "linked" : "full", argv[1],
		       o.linked ? "; it is now a template" : "");
	if (!start)
		return EXIT_DONE;
	fflush(stdout);
	words[1] = argv[2];
	return cmd_start(c, 2, words);
}
