/* schema.h: the schema engine shared by vmdeck.conf (config.c) and definitions (vmdef_*.c). */
#ifndef VMDECK_SCHEMA_H
#define VMDECK_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

/* What a key holds; each file format reads the kinds it has. */
enum schema_type {
	SCHEMA_STR,       /* a string; check() may restrict it */
	SCHEMA_PATH,      /* a path */
	SCHEMA_PATHS,     /* a list of paths */
	SCHEMA_STRLIST,   /* a list of strings */
	SCHEMA_ENUM,      /* one of choices, stored as a string */
	SCHEMA_ENUM_IDX,  /* one of choices, stored as its index (an enum) */
	SCHEMA_INT,       /* int */
	SCHEMA_FLOAT,     /* double */
	SCHEMA_SIZE,      /* 512M, 2G ... (bytes, uint64_t) */
	SCHEMA_BOOL,
	SCHEMA_USER,      /* user networking: {} or true */
	SCHEMA_GROUP,     /* a libconfig group { ... } of dotted keys */
	SCHEMA_GROUPS,    /* a list of groups of section sub */
	SCHEMA_MAP,       /* a mapping of section sub */
	SCHEMA_SEQ,       /* a list of mappings of section sub */
	/* true/false (a bool), or a list of calendar expressions: backup_schedule */
	SCHEMA_SCHEDULE,
};

/* One row of a schema table: parsing, defaults, checks and help come from it. */
struct schema_key {
	int sec;                     /* where the key lives: 0 the top level, else a section */
	const char *name;            /* "memory", "qemu.accel"; unique within its section */
	enum schema_type type;
	const char *def;             /* default as text; NULL: none */
	double min, max;             /* numbers and sizes */
	const char *const *choices;  /* SCHEMA_ENUM*: NULL-terminated */
	size_t off;                  /* where in the structure it is stored */
	bool (*check)(const char *v);
	const char *want;            /* what check() expects, for messages */
	int sub;                     /* SCHEMA_MAP, _SEQ, _GROUPS: the section of its keys */
	const char *help;
};

struct schema {
	const struct schema_key *keys;
	size_t n;
	const char *const *sec_prefix;  /* by section: "disks[].", "vnc."; [0] is "" */
	/* help shows string defaults in quotes (libconfig's syntax) */
	bool quote_text_defaults;
};

const struct schema_key *schema_find(const struct schema *s, int sec, const char *name);
/*
 * The row of a key by its path: a top-level name ("memory", "qemu.accel"),
 * or "LIST.KEY" / "MAP.KEY" for a key of a list's items or of a mapping
 * ("nics.model", "vnc.listen", "hosts.vmdeck"). NULL when there is none.
 */
const struct schema_key *schema_path(const struct schema *s, const char *path);
/* That row's default as text, and its choices (NULL-terminated); NULL when it has none. */
const char *schema_default(const struct schema *s, const char *path);
const char *const *schema_choices(const struct schema *s, const char *path);
/* Where k's value lives in base (struct config, vmdef, vm_disk ...). */
void *schema_slot(void *base, const struct schema_key *k);
/* Stores an allocated string at k's slot, freeing the one there. */
void schema_set_string(void *base, const struct schema_key *k, char *v);
/* A number within k's min..max, and its store as int, double or uint64_t by k's type. */
bool schema_in_range(const struct schema_key *k, double v);
void schema_store_number(void *base, const struct schema_key *k, double v);
/* Every default of section sec into base; path defaults resolve against dir (NULL: as written). */
void schema_apply_defaults(const struct schema *s, int sec, void *base, const char *dir);
/* Section sec's key names, "a, b or c" (last " or ") or "a, b, c" (last ", "); allocated. */
char *schema_keys_text(const struct schema *s, int sec, const char *last);

/* One key as the references describe it (`vmdeck help`, man pages). */
struct schema_doc {
	const char *path;     /* "memory", "disks[].lv", "hosts[].ssh" */
	bool nested;          /* a key of a section's items or mapping */
	const char *type;     /* "size", "choice", "list of paths" ... */
	const char *choices;  /* "pc or q35", or NULL */
	const char *want;     /* what a string must look like, or NULL */
	const char *min, *max; /* the range of a number or size as text, or NULL */
	const char *def; /* the default as written in help ("1G", "\"vms.d\"", "\"\""), or NULL */
	const char *help;
};

/* Calls fn for every key in table order; the doc's texts live until fn returns. */
typedef void schema_doc_fn(const struct schema_doc *d, void *arg);
void schema_each(const struct schema *s, schema_doc_fn *fn, void *arg);
/* "key (type: choices, min..max, default X)\n    help" for every key, on stdout. */
void schema_print_reference(const struct schema *s);

#endif
