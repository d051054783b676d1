/*
 * backup_dest.h: where an archive goes: a local folder, a folder on another host, or an LV on
 * another host.
 */
#ifndef VMDECK_BACKUP_DEST_H
#define VMDECK_BACKUP_DEST_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "manifest.h"
#include "spawn.h"

enum dest_kind { DEST_DIR, DEST_REMOTE_DIR, DEST_REMOTE_LV };

/* DEST_REMOTE_LV: one LV there per disk, VG/LV for the first, then VG/LV-1, VG/LV-2 ... */
struct dest_lv {
	char *name;             /* VG/LV */
	char *path;             /* its path there */
	bool created;           /* we created it, so a failure removes it */
};

struct backup_dest {
	enum dest_kind kind;
	struct host host;       /* remote kinds; borrows from the config or host_arg */
	char *host_arg;         /* the HOST part of --to */
	char *dir;              /* folder holding archives (local or remote) */
	char *lv;               /* DEST_REMOTE_LV: VG/LV as given */
	struct dest_lv *lvs;    /* DEST_REMOTE_LV: one per disk */
	size_t n_lvs, next_lv;  /* next_lv: the one backup_dest_open writes next */
	const char *compress;   /* zstd | gzip */
	char *partial, *final;  /* folder paths (DIR kinds) */
	struct spawn sp;        /* the remote receiver of the current file */
	bool sp_open;
	int fd;                 /* write the compressed stream here */
	char recv_sha[65]; /* DEST_REMOTE_DIR: SHA-256 of what the other side stored, "" if unknown
			    */
	char *recv_why;         /* the last error line the other side printed, or NULL */
	volatile sig_atomic_t *cancel; /* checked (signals held) right before the commit's rename */
};

/*
 * NULL = backup.dir; "HOST:/path" a remote folder; "HOST:VG/LV" a remote LV; else a local folder.
 */
int backup_dest_parse(const struct config *cfg, const char *to, struct backup_dest *d, char **err);
/*
 * Makes the partial folder NAME-STAMP, or for HOST:VG/LV one LV per disk of
 * sizes[i] bytes (an existing one is used only with force, and must be large
 * enough). backup_dest_open is then called once per disk, in order.
 */
int backup_dest_begin(struct backup_dest *d, const char *name, const char *stamp,
		      const uint64_t *sizes, size_t n, bool force, char **err);
int backup_dest_open(struct backup_dest *d, const char *file, char **err);
/*
 * Ends the current file: fsync locally; remotely the receiver's exit status,
 * and for a remote folder the SHA-256 it computed of what it stored (recv_sha).
 */
int backup_dest_close(struct backup_dest *d, char **err);
/* Writes the manifest, verifies what arrived, syncs and renames partial to final. */
int backup_dest_commit(struct backup_dest *d, const struct manifest *m, char **err);
/* Removes what a failed run left (the partial folder, an LV it created). */
void backup_dest_abort(struct backup_dest *d);
void backup_dest_free(struct backup_dest *d);
/* What the user sees as the result: the final folder, or HOST:VG/LV. */
char *backup_dest_describe(const struct backup_dest *d);

/* Remote LV facts through that host's lvs: 1 exists (size, path set), 0 not, -1 error. */
int backup_dest_lv_query(const struct host *h, const char *vg, const char *lv, uint64_t *size,
			 char **path, char **err);
/* Creates VG/LV of size bytes on h and returns its path. */
int backup_dest_lv_create(const struct host *h, const char *vglv, uint64_t size, char **path,
			  char **err);
/* Removes VG/LV on h (what a failed run made there); a failure is only ignored. */
void backup_dest_lv_remove(const struct host *h, const char *vglv);
/*
 * Reads the first size bytes of path back on h with sha256sum; they must
 * hash to sha (hex). The error names what ("HOST:VG/LV", "HOST: /path").
 */
int backup_dest_readback(const struct host *h, const char *path, uint64_t size, const char *sha,
			 const char *what, char **err);

#endif
