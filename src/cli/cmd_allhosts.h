/* cmd_allhosts.h: the exec of the verb list: --all-hosts here, else cmd_list (cmd_status.c). */
#ifndef VMDECK_CMD_ALLHOSTS_H
#define VMDECK_CMD_ALLHOSTS_H

struct cli;

int cmd_allhosts_list(struct cli *c, int argc, char **argv);

#endif
