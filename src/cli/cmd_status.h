/* cmd_status.h: the execs of the verbs list, show, for the verb table in cli.c; the one guest object they print. */
#ifndef VMDECK_CMD_STATUS_H
#define VMDECK_CMD_STATUS_H

#include <jansson.h>

struct cli;
struct vmdef;
struct vm_status;

int cmd_list(struct cli *c, int argc, char **argv);
int cmd_show(struct cli *c, int argc, char **argv);
/* One guest as `list --json` gives it (DESIGN.md's shape); `watch` and `list --all-hosts` send the same. */
json_t *cmd_status_json(const struct vmdef *d, const struct vm_status *st);

#endif
