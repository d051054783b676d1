/* template.h: linked clones and their template: which guests' qcow2 disks are backed by a guest's disks. */
#ifndef VMDECK_TEMPLATE_H
#define VMDECK_TEMPLATE_H

#include "config.h"
#include "util.h"
#include "vmdef.h"

/*
 * The guests whose disks are qcow2 images backed directly by one of def's
 * disks, read from each image's header (bounded reads, no qemu-img): the
 * linked clones of a template, by name, into out.
 */
int template_children(const struct config *cfg, const struct vmdef *def, struct strv *out, char **err);

/*
 * For start and `vmdeck check`: -1 with "NAME is a template: linked clones
 * X, Y use its disks, which must not change" when def has template: true and
 * linked clones exist; 0 otherwise.
 */
int template_check(const struct config *cfg, const struct vmdef *def, char **err);

#endif
