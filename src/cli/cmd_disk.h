/* cmd_disk.h: the exec of the verb disk, for the verb table in cli.c. */
#ifndef VMDECK_CMD_DISK_H
#define VMDECK_CMD_DISK_H

struct cli;

int cmd_disk(struct cli *c, int argc, char **argv);

#endif
