/* usage.h: a verb's usage string read into options and positional argument kinds. */
#ifndef VMDECK_USAGE_H
#define VMDECK_USAGE_H

#include <stdbool.h>
#include <stddef.h>

#define USAGE_MAX_WORDS 16
#define USAGE_MAX_POS 6
#define USAGE_MAX_OPTS 32

/*
 * What may stand at one place: kinds ("guest", "iso", "host", "tag",
 * "file", "dir") for placeholders, literal words for sub-verbs, options in
 * place ("--eject") and choices ("cdrom", "disk").
 */
struct usage_pos {
	char *words[USAGE_MAX_WORDS];
	size_t n;
};

struct usage_opt {
	char *name;             /* "--cdrom" */
	bool takes_value;
	struct usage_pos value; /* what its value may be */
};

struct usage {
	struct usage_pos pos[USAGE_MAX_POS];  /* after the verb: pos[0] is the first argument */
	size_t npos;
	struct usage_opt opts[USAGE_MAX_OPTS];
	size_t nopts;
};

/*
 * "NAME ISO | NAME --eject" → pos[0] {guest}, pos[1] {iso, --eject}; options from every "--x
 * [VALUE]".
 */
void usage_parse(struct usage *u, const char *usage);
void usage_free(struct usage *u);
/* The kind a placeholder stands for ("ISO" → "iso"), or NULL. */
const char *usage_kind(const char *word);

#endif
