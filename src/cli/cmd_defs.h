/* cmd_defs.h: the execs of the verbs check, new, for the verb table in cli.c. */
#ifndef VMDECK_CMD_DEFS_H
#define VMDECK_CMD_DEFS_H

struct cli;

int cmd_check(struct cli *c, int argc, char **argv);
int cmd_new(struct cli *c, int argc, char **argv);
/*
 * The first line of a password file (FILE, or "-" for stdin), bounded; never empty. Allocated: the
 * caller wipes it.
 */
char *cmd_defs_read_password(const char *path, char **err);

#endif
