/*
 * cmd_sched.h: the execs of the verbs prune, verify, schedule and backup --scheduled, for cli.c and
 * cmd_backup.c.
 */
#ifndef VMDECK_CMD_SCHED_H
#define VMDECK_CMD_SCHED_H

struct cli;

int cmd_prune(struct cli *c, int argc, char **argv);
int cmd_verify(struct cli *c, int argc, char **argv);
int cmd_schedule(struct cli *c, int argc, char **argv);
/* backup --scheduled [--to DEST]: every due guest, one at a time, then prune and notify. */
int cmd_backup_scheduled(struct cli *c, const char *to);

#endif
