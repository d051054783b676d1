/*
 * cmd_delete.h: the exec of the verb delete, for the verb table in cli.c, and the question it asks
 * (the console asks the same one, for a guest here or on another host).
 */
#ifndef VMDECK_CMD_DELETE_H
#define VMDECK_CMD_DELETE_H

struct cli;
struct vmdef;

int cmd_delete(struct cli *c, int argc, char **argv);

/*
 * "Delete guest NAME? ..." naming every disk that is KEPT, ending "Type the guest's name to
 * confirm:". host is NULL for this host's guest, else the hosts[] name it is on (the remove hints
 * then say --host). Allocated.
 */
char *cmd_delete_question(const struct vmdef *d, const char *host);

#endif
