/* cmd_allhosts.h: `list --all-hosts`, which cmd_list hands over to. */
#ifndef VMDECK_CMD_ALLHOSTS_H
#define VMDECK_CMD_ALLHOSTS_H

#include "cli.h"

int cmd_list_all_hosts(struct cli *c);

#endif
