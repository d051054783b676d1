/*
 * vnc.h: how a guest's display is reached: the address QEMU listens on, and the way there for an
 * admin.
 */
#ifndef VMDECK_VNC_H
#define VMDECK_VNC_H

#include <stdbool.h>

#include "vmdef.h"

/* The address QEMU's VNC server listens on (the definition's, or 127.0.0.1 as in the argv). */
const char *vnc_listen(const struct vmdef *def);
/*
 * How an admin reaches the display from a PC, as text for a person: for one
 * on loopback the SSH tunnel (ssh -L, and the same in PuTTY's terms) through
 * host, the server's name; else the address to point a viewer at. running
 * false adds "once the guest runs". Allocated; the definition must have VNC.
 */
char *vnc_howto(const struct vmdef *def, const char *host, bool running);

#endif
