/* portowner.h: who holds a TCP port on this host, read from /proc (no ss, no shell). */
#ifndef VMDECK_PORTOWNER_H
#define VMDECK_PORTOWNER_H

#include "config.h"

/*
 * Names whoever listens on TCP port `port`: "guest NAME" when it is the QEMU
 * of a guest in cfg->vms_dir (its pidfile), else "process PID (COMM)" from
 * /proc/net/tcp{,6} and the /proc/PID/fd socket links. When no process can be
 * seen (another user's), a running guest whose definition has that port is
 * named, else "a process of another user". Allocated, or NULL when no
 * listener is found.
 */
char *portowner_describe(const struct config *cfg, int port);

#endif
