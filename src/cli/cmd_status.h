/* cmd_status.h: the execs of the verbs list, show, for the verb table in cli.c. */
#ifndef VMDECK_CMD_STATUS_H
#define VMDECK_CMD_STATUS_H

#include "cli.h"

int cmd_list(struct cli *c, int argc, char **argv);
int cmd_show(struct cli *c, int argc, char **argv);

#endif
