/*
 * vnc.c: how a guest's display is reached: the address QEMU listens on, and the way there for an
 * admin.
 */
#include "vnc.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

const char *vnc_listen(const struct vmdef *def)
{
	return def->vnc_listen && def->vnc_listen[0] ? def->vnc_listen
						     : vmdef_default("vnc.listen");
}

char *vnc_howto(const struct vmdef *def, const char *host, bool running)
{
	const char *bare = vnc_listen(def), *when = running ? "" : " once the guest runs";
	int port = 5900 + def->vnc_display;
	char listen[80];

	/* an IPv6 address goes in brackets, as ssh -L and viewers want it before a :port */
	snprintf(listen, sizeof listen, strchr(bare, ':') ? "[%s]" : "%s", bare);
	/*
	 * Viewers read HOST:N as display N (port 5900+N) and HOST::PORT as a
	 * port: two colons, so no viewer takes 5903 for display 5903.
	 */
	/* a display on loopback is reached through the admin's own SSH session to the server */
	if (strncmp(bare, "127.", 4) == 0 || strcmp(bare, "::1") == 0 ||
	    strcmp(bare, "localhost") == 0)
		return xasprintf("It listens on this host only. From your PC, tunnel it over SSH:\n"
				 "  ssh -L %d:%s:%d %s\n"
				 "  or PuTTY: Connection > SSH > Tunnels, source port %d,\n"
				 "  destination %s:%d;\n"
				 "then point a VNC viewer (TigerVNC, RealVNC) at localhost::%d%s.",
				 port, listen, port, host, port, listen, port, port, when);
	return xasprintf("Point a VNC viewer (TigerVNC, RealVNC) at %s::%d%s.",
			 strcmp(bare, "0.0.0.0") != 0 && strcmp(bare, "::") != 0 ? listen : host,
			 port, when);
}
