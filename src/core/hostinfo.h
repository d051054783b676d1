/*
 * hostinfo.h: facts about this host for the console: name, load, memory, bridges, ISO images (free
 * VNC displays: guest.h).
 */
#ifndef VMDECK_HOSTINFO_H
#define VMDECK_HOSTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "util.h"
#include "vmdef.h"

/* Short host name (up to the first dot). */
void hostinfo_name(char *buf, size_t len);
/* This host's name for other hosts and for `list --all-hosts`: host_name, else hostinfo_name. */
void hostinfo_host_name(const struct config *cfg, char *buf, size_t len);
/*
 * Whether a hosts[] name is this host's own (host_name, else the hostname):
 * one vmdeck.conf copied to every server lists them all. The console and
 * `list --all-hosts` show such an entry as this host, never over ssh, and
 * it is no move destination.
 */
bool hostinfo_is_self(const struct config *cfg, const char *name);
/*
 * Free bytes in storage.vg, asked in a child (lvm may take a while, and the
 * caller's loop must not wait): the job prints them. NULL when there is no
 * VG or no child could be made. The result, once job_done: bytes, -1 unknown.
 */
struct job;
struct job *hostinfo_vg_free_start(const struct config *cfg);
long long hostinfo_vg_free_result(const struct job *j);
/* 1-minute load average from /proc/loadavg; -1 on error. */
int hostinfo_load(double *load1);
/* MemAvailable from /proc/meminfo, bytes; -1 on error. */
int hostinfo_mem_available(uint64_t *bytes);

/* Names of the bridges on this host (/sys/class/net/NAME/bridge), sorted. */
void hostinfo_bridges(struct strv *out);

/* A disk image in one of cfg->iso_dirs. */
struct iso_entry {
	char *path;     /* absolute */
	char *name;     /* file name */
	uint64_t size;
	time_t mtime;
};
/* Every regular *.iso / *.img file (any case) in cfg->iso_dirs, sorted by name. */
int hostinfo_iso_list(const struct config *cfg, struct iso_entry **out, size_t *n, char **err);
void hostinfo_iso_free(struct iso_entry *e, size_t n);

#endif
