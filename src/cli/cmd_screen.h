/* cmd_screen.h: the execs of screen, sendkey and type, for cli.c. */
#ifndef VMDECK_CMD_SCREEN_H
#define VMDECK_CMD_SCREEN_H

struct cli;

int cmd_screen(struct cli *c, int argc, char **argv);
int cmd_sendkey(struct cli *c, int argc, char **argv);
int cmd_type(struct cli *c, int argc, char **argv);

#endif
