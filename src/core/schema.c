/* schema.c: the schema engine of vmdeck.conf and definitions: find, store, defaults, help. */
#include "schema.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const struct schema_key *schema_find(const struct schema *s, int sec, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->keys[i].sec == sec && strcmp(s->keys[i].name, name) == 0)
			return &s->keys[i];
	return NULL;
}

const struct schema_key *schema_path(const struct schema *s, const char *path)
{
	const struct schema_key *k = schema_find(s, 0, path), *top;
	const char *dot = strchr(path, '.');
	char *head;

	if (k || dot == NULL)
		return k;
	head = xstrndup(path, (size_t)(dot - path));
	top = schema_find(s, 0, head);
	free(head);
	if (top == NULL ||
	    (top->type != SCHEMA_MAP && top->type != SCHEMA_SEQ && top->type != SCHEMA_GROUPS))
		return NULL;
	return schema_find(s, top->sub, dot + 1);
}

const char *schema_default(const struct schema *s, const char *path)
{
	const struct schema_key *k = schema_path(s, path);

	return k ? k->def : NULL;
}

const char *const *schema_choices(const struct schema *s, const char *path)
{
	const struct schema_key *k = schema_path(s, path);

	return k ? k->choices : NULL;
}

void *schema_slot(void *base, const struct schema_key *k)
{
	return (char *)base + k->off;
}

void schema_set_string(void *base, const struct schema_key *k, char *v)
{
	char **slot = schema_slot(base, k);

	free(*slot);
	*slot = v;
}

bool schema_in_range(const struct schema_key *k, double v)
{
	return v >= k->min && v <= k->max;
}

void schema_store_number(void *base, const struct schema_key *k, double v)
{
	if (k->type == SCHEMA_SIZE)
		*(uint64_t *)schema_slot(base, k) = (uint64_t)v;
	else if (k->type == SCHEMA_FLOAT)
		*(double *)schema_slot(base, k) = v;
	else
		*(int *)schema_slot(base, k) = (int)v;
}

/* Defaults are stored as the files' values are: the same slots, the same types. */
static void apply_default(const struct schema_key *k, void *base, const char *dir)
{
	switch (k->type) {
	case SCHEMA_SIZE:
		size_parse(k->def, schema_slot(base, k));
		break;
	case SCHEMA_INT:
		*(int *)schema_slot(base, k) = atoi(k->def);
		break;
	case SCHEMA_FLOAT:
		*(double *)schema_slot(base, k) = strtod(k->def, NULL);
		break;
	case SCHEMA_BOOL:
	case SCHEMA_SCHEDULE:
		*(bool *)schema_slot(base, k) = strcmp(k->def, "true") == 0;
		break;
	case SCHEMA_ENUM_IDX:
		*(int *)schema_slot(base, k) = choice_index(k->choices, k->def);
		break;
	case SCHEMA_PATH:
		schema_set_string(base, k, dir ? path_resolve(dir, k->def) : xstrdup(k->def));
		break;
	case SCHEMA_STR:
	case SCHEMA_ENUM:
		schema_set_string(base, k, xstrdup(k->def));
		break;
	default:
		break;	/* lists, groups and mappings have no default */
	}
}

void schema_apply_defaults(const struct schema *s, int sec, void *base, const char *dir)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->keys[i].sec == sec && s->keys[i].def != NULL)
			apply_default(&s->keys[i], base, dir);
}

char *schema_keys_text(const struct schema *s, int sec, const char *last)
{
	struct sbuf b = { 0 };
	size_t n = 0, total = 0;

	for (size_t i = 0; i < s->n; i++)
		total += s->keys[i].sec == sec;
	for (size_t i = 0; i < s->n; i++)
		if (s->keys[i].sec == sec) {
			sbuf_printf(&b, "%s%s",
				    n == 0	     ? ""
				    : n + 1 == total ? last
						     : ", ",
				    s->keys[i].name);
			n++;
		}
	return sbuf_take(&b);
}

/* ---- the reference ---- */

static const char *type_word(enum schema_type t)
{
	static const char *const words[] = {
		[SCHEMA_STR] = "string",
		[SCHEMA_PATH] = "path",
		[SCHEMA_PATHS] = "list of paths",
		[SCHEMA_STRLIST] = "list of strings",
		[SCHEMA_ENUM] = "choice",
		[SCHEMA_ENUM_IDX] = "choice",
		[SCHEMA_INT] = "integer",
		[SCHEMA_FLOAT] = "number",
		[SCHEMA_SIZE] = "size",
		[SCHEMA_BOOL] = "boolean",
		[SCHEMA_USER] = "{}",
		[SCHEMA_GROUP] = "group",
		[SCHEMA_GROUPS] = "list of groups",
		[SCHEMA_MAP] = "mapping",
		[SCHEMA_SEQ] = "list",
		[SCHEMA_SCHEDULE] = "boolean or list of strings",
	};
	return words[t];
}

static bool is_text(enum schema_type t)
{
	return t == SCHEMA_STR || t == SCHEMA_PATH || t == SCHEMA_PATHS || t == SCHEMA_STRLIST ||
	       t == SCHEMA_ENUM || t == SCHEMA_ENUM_IDX;
}

/* The range as text: integers as they are, numbers by %g, sizes in human form. */
static void range_text(const struct schema_key *k, char lo[32], char hi[32])
{
	if (k->type == SCHEMA_INT) {
		snprintf(lo, 32, "%lld", (long long)k->min);
		snprintf(hi, 32, "%lld", (long long)k->max);
	} else if (k->type == SCHEMA_FLOAT) {
		snprintf(lo, 32, "%g", k->min);
		snprintf(hi, 32, "%g", k->max);
	} else {
		size_human((uint64_t)k->min, lo, 32);
		size_human((uint64_t)k->max, hi, 32);
	}
}

static char *default_text(const struct schema *s, const struct schema_key *k)
{
	if (k->def == NULL)
		return NULL;
	if (s->quote_text_defaults && is_text(k->type))
		return xasprintf("\"%s\"", k->def);
	return xstrdup(k->def[0] ? k->def : "\"\"");
}

void schema_each(const struct schema *s, schema_doc_fn *fn, void *arg)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct schema_key *k = &s->keys[i];
		bool ranged =
			k->type == SCHEMA_INT || k->type == SCHEMA_FLOAT || k->type == SCHEMA_SIZE;
		char lo[32], hi[32];
		char *path = xasprintf("%s%s", s->sec_prefix ? s->sec_prefix[k->sec] : "", k->name);
		char *choices = k->choices ? choices_text(k->choices) : NULL,
		     *def = default_text(s, k);
		struct schema_doc d = {
			.path = path,
			.nested = k->sec != 0,
			.type = type_word(k->type),
			.choices = choices,
			.want = k->want,
			.def = def,
			.help = k->help,
		};

		if (ranged) {
			range_text(k, lo, hi);
			d.min = lo;
			d.max = hi;
		}
		fn(&d, arg);
		free(path);
		free(choices);
		free(def);
	}
}

static void print_doc(const struct schema_doc *d, void *arg)
{
	const char *indent = d->nested ? "  " : "";

	printf("%s%s (%s", indent, d->path, d->type);
	if (d->choices)
		printf(": %s", d->choices);
	if (d->want)
		printf(": %s", d->want);
	if (d->min)
		printf(", %s..%s", d->min, d->max);
	if (d->def)
		printf(", default %s", d->def);
	printf(")\n%s    %s\n", indent, d->help);
}

void schema_print_reference(const struct schema *s)
{
	schema_each(s, print_doc, NULL);
}
