/* cmd_set.h: the exec of the verb set (one edit of a guest's definition), for cli.c. */
#ifndef VMDECK_CMD_SET_H
#define VMDECK_CMD_SET_H

struct cli;

int cmd_set(struct cli *c, int argc, char **argv);

#endif
