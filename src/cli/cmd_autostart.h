/* cmd_autostart.h: the exec of `vmdeck autostart`, for cli.c. */
#ifndef VMDECK_CMD_AUTOSTART_H
#define VMDECK_CMD_AUTOSTART_H

struct cli;

int cmd_autostart(struct cli *c, int argc, char **argv);

#endif
