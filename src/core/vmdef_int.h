/* vmdef_int.h: what the vmdef_*.c files share; callers use vmdef.h. */
#ifndef VMDECK_VMDEF_INT_H
#define VMDECK_VMDEF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <yaml.h>

#include "vmdef.h"

/* Where a key lives: the top level, an item of disks/nics, or the vnc mapping. */
enum vsec { SEC_TOP, SEC_DISK, SEC_NIC, SEC_VNC, SEC_NONE };

enum vtype {
	VT_STR,       /* a string; check() may restrict it */
	VT_PATH,      /* a path; empty or null means none */
	VT_SIZE,      /* 512M, 2G ... (bytes, uint64_t) */
	VT_INT,
	VT_BOOL,
	VT_ENUM,      /* one of choices, stored as a string */
	VT_ENUM_IDX,  /* one of choices, stored as its index (an enum) */
	VT_USER,      /* user networking: {} or true */
	VT_STRLIST,   /* a list of strings */
	VT_SEQ,       /* a list of mappings of section sub */
	VT_MAP,       /* a mapping of section sub */
};

struct vkey {
	enum vsec sec;
	const char *key;
	enum vtype type;
	const char *def;        /* default as text; NULL: none */
	int64_t min, max;       /* numbers and sizes */
	const char *const *choices; /* VT_ENUM*: NULL-terminated */
	size_t off;             /* in struct vmdef, vm_disk or vm_nic */
	bool (*check)(const char *v);
	const char *want;       /* what check() expects, for messages */
	enum vsec sub;          /* VT_SEQ / VT_MAP */
	const char *help;
};

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


/* The schema table (vmdef_schema.c): every key of a guest definition. */
extern const struct vkey vmdef_keys[];
extern const size_t vmdef_n_keys;
const struct vkey *vmdef_key_find(enum vsec sec, const char *key);

/* Loading (vmdef_load.c), also used by the edit engine and the builder. */
int vmdef_verr(struct vload *L, const yaml_node_t *n, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
const char *vmdef_node_word(const yaml_node_t *n);
const char *vmdef_scalar(const yaml_node_t *n);
bool vmdef_is_null(const yaml_node_t *n);
void vmdef_apply_defaults(enum vsec sec, void *base);
void vmdef_defaults(struct vmdef *def);
int vmdef_load_value(struct vload *L, const struct vkey *k, void *base, const yaml_node_t *v, const char *key);
int vmdef_check_section(struct vload *L, enum vsec sec, void *base, const yaml_node_t *map, const char *prefix);
char *vmdef_name_from_path(const char *path);
int vmdef_parse_text(struct vload *L, const char *text, size_t len, yaml_document_t *doc);
int vmdef_load_text(struct vload *L, const char *text, size_t len, const struct stat *st);

/* The YAML writer (vmdef_write.c): a scalar as YAML text, plain or double-quoted. */
char *vmdef_yaml_quote(const char *s);

#endif
