/*
 * verify.h: re-reading stored archives (local or HOST:/folder) and checking every SHA-256 of their
 * manifest.
 */
#ifndef VMDECK_VERIFY_H
#define VMDECK_VERIFY_H

#include <stdint.h>

#include "progress.h"
#include "config.h"

/*
 * Reads archive (a local folder, or HOST:/folder read with `cat` over ssh)
 * and checks, disk by disk, the SHA-256 of the stored stream and of the
 * raw content it decompresses to against the manifest. Writes nothing.
 * *bytes (may be NULL) gets the raw bytes checked. A damaged or unreadable
 * archive gives -1 and *err "DISK: why".
 */
int verify_archive(const struct config *cfg, const char *archive, const struct job_hooks *hooks,
		   uint64_t *bytes, char **err);

#endif
