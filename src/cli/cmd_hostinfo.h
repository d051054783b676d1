/* cmd_hostinfo.h: the exec of the verb hostinfo, for the verb table in cli.c. */
#ifndef VMDECK_CMD_HOSTINFO_H
#define VMDECK_CMD_HOSTINFO_H

struct cli;

int cmd_hostinfo(struct cli *c, int argc, char **argv);

#endif
