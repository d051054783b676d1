/* cmd_term.h: the execs of the verbs console, monitor, for the verb table in cli.c. */
#ifndef VMDECK_CMD_TERM_H
#define VMDECK_CMD_TERM_H

struct cli;

int cmd_console(struct cli *c, int argc, char **argv);
int cmd_monitor(struct cli *c, int argc, char **argv);

#endif
