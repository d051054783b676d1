/* cmd_unit.h: the exec of `vmdeck unit`, for cli.c. */
#ifndef VMDECK_CMD_UNIT_H
#define VMDECK_CMD_UNIT_H

struct cli;

int cmd_unit(struct cli *c, int argc, char **argv);

#endif
