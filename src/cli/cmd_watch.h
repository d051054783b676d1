/* cmd_watch.h: the exec of the verb watch, for the verb table in cli.c. */
#ifndef VMDECK_CMD_WATCH_H
#define VMDECK_CMD_WATCH_H

struct cli;

int cmd_watch(struct cli *c, int argc, char **argv);

#endif
