/*
 * pending.h: what a running guest's definition has changed since QEMU started: it applies at the
 * next start.
 */
#ifndef VMDECK_PENDING_H
#define VMDECK_PENDING_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "vmdef.h"

enum pending_key {
	PENDING_MEMORY = 1 << 0,
	PENDING_CPUS = 1 << 1,
	PENDING_CPU = 1 << 2,
	PENDING_MACHINE = 1 << 3,
	PENDING_DISKS = 1 << 4,
	PENDING_NICS = 1 << 5,
	PENDING_VNC = 1 << 6,
	PENDING_BOOT = 1 << 7,
	PENDING_RTC = 1 << 8,
	/* anything else on QEMU's command line (extra_args, usb_tablet ...) */
	PENDING_OTHER = 1 << 9,
};

/*
 * Compares the command line QEMU pid (this guest's, proven by the caller)
 * runs with and the one the definition gives now. Returns the keys that
 * differ, 0 when none do or when pid's command line cannot be read. The CD
 * and the VNC password are set over QMP and change live: never pending.
 */
unsigned pending_changes(const struct config *cfg, const struct vmdef *def, pid_t pid);

/* The definition keys of mask, "memory, cpus", into buf. */
const char *pending_names(unsigned mask, char *buf, size_t len);

#endif
