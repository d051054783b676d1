/* cmd_backup.h: the execs of the verbs backup, restore, move, for the verb table in cli.c. */
#ifndef VMDECK_CMD_BACKUP_H
#define VMDECK_CMD_BACKUP_H

struct cli;

int cmd_backup(struct cli *c, int argc, char **argv);
int cmd_restore(struct cli *c, int argc, char **argv);
int cmd_move(struct cli *c, int argc, char **argv);

#endif
