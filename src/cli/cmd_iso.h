/* cmd_iso.h: the exec of `vmdeck iso list|make|put|delete`, for cli.c. */
#ifndef VMDECK_CMD_ISO_H
#define VMDECK_CMD_ISO_H

struct cli;

int cmd_iso(struct cli *c, int argc, char **argv);

#endif
