/* cmd_clone.h: the exec of the verb clone, for the verb table in cli.c. */
#ifndef VMDECK_CMD_CLONE_H
#define VMDECK_CMD_CLONE_H

#include "cli.h"

int cmd_clone(struct cli *c, int argc, char **argv);

#endif
