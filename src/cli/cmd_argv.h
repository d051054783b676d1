/* cmd_argv.h: the exec of the verb argv, for the verb table in cli.c. */
#ifndef VMDECK_CMD_ARGV_H
#define VMDECK_CMD_ARGV_H

struct cli;

int cmd_argv(struct cli *c, int argc, char **argv);

#endif
