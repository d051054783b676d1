/* cmd_snapshot.h: the exec of the verb snapshot, for the verb table in cli.c. */
#ifndef VMDECK_CMD_SNAPSHOT_H
#define VMDECK_CMD_SNAPSHOT_H

struct cli;

int cmd_snapshot(struct cli *c, int argc, char **argv);

#endif
