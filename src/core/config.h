/* config.h: the host configuration (vmdeck.conf, libconfig), driven by one schema table. */
#ifndef VMDECK_CONFIG_H
#define VMDECK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "schema.h"
#include "util.h"

struct host {
	char *name;
	char *ssh;      /* user@host or host, as given to ssh */
	char *vmdeck;   /* remote vmdeck binary, NULL if none (default "vmdeck") */
	char *vms_dir;  /* remote vms.d, NULL for the remote default */
	/* file given to ssh as -F (options, keys, port), NULL for ssh's default */
	char *ssh_config;
	char *lvm_config; /* --config for LVM commands run on that host, NULL for none */
};

struct config {
	char *path;          /* the file that was loaded */
	char *dir;           /* its folder; relative paths resolve against it */
	char *vms_dir;       /* absolute */
	char *state_dir;     /* absolute */
	char **iso_dirs;     /* absolute */
	size_t n_iso_dirs;
	char *qemu_binary;
	char *accel;         /* kvm | tcg | auto */
	char *vg;            /* storage.vg, may be "" */
	char *file_dir;      /* absolute */
	char *lvm_config;    /* storage.lvm_config, "" when unset */
	char *backup_dir;    /* absolute */
	char *backup_compress; /* zstd | gzip */
	int backup_level;
	int backup_threads;  /* 0 = one per core */
	struct host *hosts;
	size_t n_hosts;
	char *ui_theme;
	double ui_refresh;
	bool ui_ascii;
	int shutdown_timeout;  /* seconds */
	int status_timeout_ms; /* per-guest deadline for status, default 500 */
	char *host_name;     /* "" = the machine's hostname (hostinfo_name) */
	double heartbeat;    /* seconds between `watch` heartbeats */
	/* schedules, retention and alerts (issue 8: sched) */
	char *backup_schedule;        /* systemd calendar expression, "" = none */
	char *backup_verify_schedule; /* the same for `verify --all`, "" = none */
	char *backup_schedule_to; /* where `backup --scheduled` writes: "" = backup.dir, a folder or
				     HOST:/folder */
	struct backup_keep {
		/* 0 = rule off; all 0 = keep all */
		int last, hourly, daily, weekly, monthly, yearly;
	} backup_keep;
	struct strv notify;           /* argv of the alert program; n == 0: none */
	char *notify_on;              /* failure | always */
	int notify_timeout;           /* seconds the alert program may take */
};

/*
 * Which file to load: cli_path (-c) if given, else $VMDECK_CONFIG, else
 * /etc/vmdeck/vmdeck.conf. Returns a pointer to one of those (not allocated).
 */
const char *config_locate(const char *cli_path);

/* Loads and validates; on error *err is "FILE:LINE: what was expected". */
int config_load(const char *path, struct config *cfg, char **err);
void config_defaults(struct config *cfg);  /* every key at its default */
void config_free(struct config *cfg);
const struct host *config_host(const struct config *cfg, const char *name);

/*
 * The schema's default of a key as text ("qemu.binary", "hosts.vmdeck"; NULL
 * for none) and a choice key's values (NULL-terminated; NULL when not a
 * choice), as vmdef_default/vmdef_choices give them for definitions.
 */
const char *config_default(const char *path);
const char *const *config_choices(const char *path);

/* Help text for each key, generated from the schema table (README, check). */
void config_print_reference(void);
/* Every key as the reference describes it ("qemu.accel", "hosts[].ssh", type, default ...). */
void config_reference_each(schema_doc_fn *fn, void *arg);

#endif
