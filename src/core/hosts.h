/*
 * hosts.h: other servers reached over OpenSSH: resolving a host, ssh argv, safe remote quoting,
 * --host.
 */
#ifndef VMDECK_HOSTS_H
#define VMDECK_HOSTS_H

#include "config.h"
#include "spawn.h"
#include "util.h"

/*
 * A host as given by the user: the name of a `hosts` entry in the config, or
 * a plain ssh destination (user@host, host). The result borrows from cfg or
 * arg; nothing to free.
 */
int host_resolve(const struct config *cfg, const char *arg, struct host *out, char **err);

/* Single-quotes s for the remote POSIX shell: 'it'\''s' — nothing inside is ever interpreted. */
char *sh_quote(const char *s);

/*
 * ssh argv for running remote_cmd (a command line for the remote shell, every
 * variable part already sh_quote'd) on h: BatchMode, keep-alives, -F when the
 * host has ssh_config. tty asks for a terminal (-t) for interactive verbs.
 */
void host_ssh_argv(const struct host *h, struct strv *av, const char *remote_cmd, bool tty);

/* Why a remote command or its ssh ended badly, from its stderr line (taken) or its exit status. */
char *host_failure(const struct host *h, int status, char *why);

/* Runs remote_cmd on h; *out (may be NULL) gets its stdout; a failure gives "HOST: why". */
int host_run(const struct host *h, const char *remote_cmd, char **out, char **err);

/* Starts remote_cmd on h with its stdin (in) / stdout (out) per spawn_start. */
int host_spawn(const struct host *h, const char *remote_cmd, struct spawn *sp, int in, int out,
	       char **err);

/* "lvcreate --config '...'" for that host: the LVM tool with the host's lvm_config. */
char *host_lvm_cmd(const struct host *h, const char *tool);

/*
 * `vmdeck --host NAME VERB ARGS`: replaces this process with ssh running the
 * remote vmdeck, every argument quoted. Returns only on failure: 2 for an
 * unknown host, 1 when ssh cannot run, with *err set.
 */
int host_exec_verb(const struct config *cfg, const char *host, int argc, char **argv, char **err);

#endif
