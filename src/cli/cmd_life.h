/* cmd_life.h: the execs of the lifecycle verbs (start, stop, ..., cdrom, vnc), for cli.c. */
#ifndef VMDECK_CMD_LIFE_H
#define VMDECK_CMD_LIFE_H

struct cli;

int cmd_start(struct cli *c, int argc, char **argv);
int cmd_stop(struct cli *c, int argc, char **argv);
int cmd_simple(struct cli *c, int argc, char **argv);  /* kill, reset, pause, resume */
int cmd_cdrom(struct cli *c, int argc, char **argv);
int cmd_vnc(struct cli *c, int argc, char **argv);

#endif
