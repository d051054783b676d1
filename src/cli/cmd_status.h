/*
 * cmd_status.h: the execs of the verbs list, show, for the verb table in cli.c; the one guest
 * object they print.
 */
#ifndef VMDECK_CMD_STATUS_H
#define VMDECK_CMD_STATUS_H

#include <jansson.h>

struct cli;
struct config;
struct vmdef;
struct vm_status;

int cmd_list(struct cli *c, int argc, char **argv);
int cmd_show(struct cli *c, int argc, char **argv);
/*
 * One guest as `list --json` gives it (DESIGN.md's shape); `watch` and `list --all-hosts` send the
 * same.
 * agent_ms bounds the wait for a guest agent's addresses ("ip"); 0 reads only its cached
 * answer; cfg NULL (a model of another host's guest) gives "ip": null.
 */
json_t *cmd_status_json(const struct config *cfg, const struct vmdef *d, const struct vm_status *st,
			int agent_ms);
/* list's bound on an agent's answer: it asks many guests and must stay fast (cached). */
#define CMD_STATUS_LIST_AGENT_MS 300

#endif
