/* cmd_complete.h: the exec of the verb complete, for the verb table in cli.c. */
#ifndef VMDECK_CMD_COMPLETE_H
#define VMDECK_CMD_COMPLETE_H

struct cli;

int cmd_complete(struct cli *c, int argc, char **argv);

#endif
