/*
 * manifest.h: a backup's manifest.yaml (libyaml): the definition, each disk's size and SHA-256,
 * tool and time.
 */
#ifndef VMDECK_MANIFEST_H
#define VMDECK_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MANIFEST_FILE "manifest.yaml"

struct manifest_disk {
	char *file;          /* "av-server.raw.zst", inside the archive folder */
	char *lv;            /* where it came from: "vg0/av-server", or NULL */
	char *source_file;   /* or this file, or NULL */
	char *format;        /* the source's format: raw | qcow2 */
	uint64_t size;       /* raw (guest-visible) bytes */
	char sha256[65];     /* of the raw content */
	uint64_t stored;     /* compressed bytes */
	char stored_sha256[65];
};

struct manifest {
	char *guest;
	char *tool;          /* "vmdeck 0.1.0" */
	char *created;       /* ISO 8601, UTC */
	bool live;
	char *compress;      /* zstd | gzip */
	char *definition;    /* the guest's YAML file, verbatim */
	struct manifest_disk *disks;
	size_t n_disks;
};

char *manifest_emit(const struct manifest *m);
int manifest_parse(const char *text, struct manifest *m, char **err);
int manifest_load(const char *path, struct manifest *m, char **err);
void manifest_free(struct manifest *m);
/*
 * What the reader accepts as a disk's source: "VG/LV" with LVM's characters; an absolute path
 * without . or .. parts.
 */
bool manifest_lv_ok(const char *lv);
bool manifest_path_ok(const char *p);

#endif
