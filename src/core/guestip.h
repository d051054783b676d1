/*
 * guestip.h: a running guest's IP addresses: from its guest agent, the host's neighbour table, or
 * QEMU's user-net DHCP.
 */
#ifndef VMDECK_GUESTIP_H
#define VMDECK_GUESTIP_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "util.h"
#include "vmdef.h"

/*
 * The guest's addresses into out (empty when none is known), from, in turn:
 *  - the guest agent (guest_agent: true), guest-network-get-interfaces:
 *    the addresses of the interfaces with one of the definition's MACs
 *    (every interface's when none matches), without loopback and IPv6
 *    link-local ones. Asked within agent_ms; the answer is kept for
 *    GUESTIP_CACHE_S in state_dir/NAME/ip.cache (0600, tied to the QEMU
 *    pid), so `list` asks each agent at most that often. An agent that
 *    answered is believed over the user-net guess below.
 *  - a bridged NIC: the host's neighbour table (/proc/net/arp), complete
 *    entries with the NIC's MAC;
 *  - a user-net NIC: 10.0.2.15, the first address of the 16 that QEMU's
 *    built-in DHCP server hands out (dhcpstart defaults to x.x.x.15 of
 *    10.0.2.0/24; each user NIC is its own network with one client).
 * pid is the guest's running QEMU (0: not running, nothing is known).
 * agent_ms 0 never asks the agent, only reads its cached answer (the
 * console's detail pane, drawn often, must not wait on a guest).
 */
#define GUESTIP_CACHE_S 30
#define GUESTIP_CACHE_EMPTY_S 3   /* an answer without addresses */
void guestip_get(const struct config *cfg, const struct vmdef *def, pid_t pid, int agent_ms,
		 struct strv *out);

/*
 * Parsers, for tests: the interfaces array of guest-network-get-interfaces (JSON text),
 * /proc/net/arp's text.
 */
void guestip_from_agent(const char *json, const struct vmdef *def, struct strv *out);
void guestip_from_arp(const char *text, const char *mac, struct strv *out);

#endif
