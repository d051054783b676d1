/* vmdef_int.h: what the vmdef_*.c files share; callers use vmdef.h. */
#ifndef VMDECK_VMDEF_INT_H
#define VMDECK_VMDEF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <yaml.h>

#include "schema.h"
#include "vmdef.h"

/* Where a key lives: the top level, an item of disks/nics, or the vnc mapping. */
enum vsec { SEC_TOP, SEC_DISK, SEC_NIC, SEC_VNC, SEC_NONE };

#define D(f) offsetof(struct vmdef, f)
#define K(f) offsetof(struct vm_disk, f)
#define N(f) offsetof(struct vm_nic, f)
#define MiB (INT64_C(1) << 20)

struct vload {
	const char *path;
	yaml_document_t *doc;
	struct vmdef *def;
	char **err;
	const yaml_node_t *password_node;
};


/* The schema table (vmdef_schema.c): every key of a guest definition; sections are enum vsec. */
extern const struct schema vmdef_schema;

/* Loading (vmdef_load.c), also used by the edit engine and the builder. */
int vmdef_verr(struct vload *L, const yaml_node_t *n, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
const char *vmdef_node_word(const yaml_node_t *n);
const char *vmdef_scalar(const yaml_node_t *n);
bool vmdef_is_null(const yaml_node_t *n);
void vmdef_defaults(struct vmdef *def);
int vmdef_load_value(struct vload *L, const struct schema_key *k, void *base, const yaml_node_t *v,
		     const char *key);
int vmdef_check_section(struct vload *L, enum vsec sec, void *base, const yaml_node_t *map,
			const char *prefix);
char *vmdef_name_from_path(const char *path);
int vmdef_parse_text(struct vload *L, const char *text, size_t len, yaml_document_t *doc);
int vmdef_load_text(struct vload *L, const char *text, size_t len, const struct stat *st);

/* The YAML writer (vmdef_write.c): a scalar as YAML text, plain or double-quoted. */
char *vmdef_yaml_quote(const char *s);

#endif
