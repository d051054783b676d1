/* qemu_argv.h: the QEMU command line for a guest, as an explicit argv (no shell, no secrets). */
#ifndef VMDECK_QEMU_ARGV_H
#define VMDECK_QEMU_ARGV_H

#include <stdbool.h>

#include "config.h"
#include "util.h"
#include "vmdef.h"

struct qemu_argv_opts {
	const char *accel;      /* "kvm" or "tcg": resolved, never "auto" */
	const char *cdrom;      /* override: NULL = as defined, "" = an empty drive */
	const char *boot;       /* override ("disk" or "cdrom"), NULL = as defined */
	bool daemonize;         /* -daemonize and -pidfile */
	bool paused;            /* -S */
};

/*
 * Builds the argv into out (argv[0] is cfg->qemu_binary). The VNC password is
 * never on it: VNC gets password=on and the secret is set over QMP.
 * Paths for sockets and the pidfile come from vmstate_path(). The CD drive always
 * exists (drive and device id "cd0"); disks are drives "disk0", "disk1"...
 * and NICs "nic0"... On error out is left empty.
 */
int qemu_argv_build(const struct config *cfg, const struct vmdef *def,
		    const struct qemu_argv_opts *o, struct strv *out, char **err);

/* "kvm" when /dev/kvm opens read-write (for accel = auto), else "tcg". */
const char *qemu_argv_accel_resolve(const char *accel, char **warn);

/* Shell-quoted line for `vmdeck argv` display only; never executed. */
char *qemu_argv_display(const struct strv *argv);

#endif
