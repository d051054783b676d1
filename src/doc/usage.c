/*
 * usage.c: reads a verb's usage string (the verb table's) into its options and positional argument
 * kinds.
 */
#include "usage.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Which names the completion offers for a placeholder word of a usage. */
static const struct {
	const char *word;
	const char *kind;
} kinds[] = {
	{ "NAME", "@guest" }, { "SRC", "@guest" }, { "GUEST", "@guest" },
	{ "ISO", "@iso" }, { "HOST", "@host" }, { "TAG", "@tag" },
	{ "ARCHIVE", "@file" }, { "FILE", "@file" }, { "DIR", "@dir" }, { "PATH", "@file" },
	{ "VERB", "@verb" },
};

const char *usage_kind(const char *word)
{
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
		if (strcmp(kinds[i].word, word) == 0)
			return kinds[i].kind;
	return NULL;
}

static void add_word(struct usage_pos *p, const char *w, size_t n)
{
	char *s = xstrndup(w, n);

	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->words[i], s) == 0) {
			free(s);
			return;
		}
	if (p->n < USAGE_MAX_WORDS)
		p->words[p->n++] = s;
	else
		free(s);
}

/* One positional token ("ISO", "create", "--eject", "cdrom|disk", "VG/LV|/PATH") at a position. */
static void add_token(struct usage_pos *p, const char *tok, size_t n)
{
	const char *s = tok;

	while (s < tok + n) {
		const char *bar = memchr(s, '|', (size_t)(tok + n - s));
		size_t len = bar ? (size_t)(bar - s) : (size_t)(tok + n - s);
		char *w = xstrndup(s, len);
		const char *k = usage_kind(w);

		if (k)
			add_word(p, k, strlen(k));
		else if (len && (islower((unsigned char)w[0]) || w[0] == '-'))
			add_word(p, s, len);  /* a literal: a sub-verb or an option in place */
		free(w);
		s += len + (bar ? 1 : 0);
	}
}

/* "[--cdrom ISO]": the option and the kind (or literal choices) of its value. */
static void add_option(struct usage *u, const char *opt, size_t n, const char *val, size_t vn)
{
	struct usage_opt *o;

	for (size_t i = 0; i < u->nopts; i++)
		if (strlen(u->opts[i].name) == n && strncmp(u->opts[i].name, opt, n) == 0)
			return;
	if (u->nopts >= USAGE_MAX_OPTS)
		return;
	o = &u->opts[u->nopts++];
	o->name = xstrndup(opt, n);
	memset(&o->value, 0, sizeof o->value);
	o->takes_value = vn > 0;
	/* no option takes an existing guest's name ("--as NAME" names a new one) */
	if (vn && !(vn == 4 && strncmp(val, "NAME", 4) == 0))
		add_token(&o->value, val, vn);
}

static size_t token_len(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != ' ' && s[n] != '[' && s[n] != ']')
		n++;
	return n;
}

/* Every "--opt [VALUE]" anywhere in the usage. */
static void scan_options(struct usage *u, const char *s)
{
	for (const char *p = s; (p = strstr(p, "--")) != NULL;) {
		size_t n = token_len(p);
		const char *v = p + n;
		size_t vn = 0;

		if (*v == ' ' && v[1] != '-' && v[1] != '[' && v[1] != '|' && v[1])
			vn = token_len(v + 1);
		if (p == s || p[-1] == '[' || p[-1] == ' ')
			add_option(u, p, n, v + 1, vn);
		p += n;
	}
}

/* "[VERB | config | yaml]": an optional argument's choices, all at one place; returns the end. */
static const char *optional_group(struct usage_pos *p, const char *s, const char *end)
{
	const char *close = memchr(s, ']', (size_t)(end - s));
	const char *t = s + 1;

	if (!close)
		return end;
	while (t < close) {
		size_t n = 0;

		while (t < close && (*t == ' ' || *t == '|'))
			t++;
		while (t + n < close && t[n] != ' ')
			n++;
		if (n)
			add_token(p, t, n);
		t += n;
	}
	return close + 1;
}

/* Positional tokens of one alternative (up to its first "[" group). */
static void scan_alternative(struct usage *u, const char *s, size_t n)
{
	size_t pos = 0;
	const char *end = s + n;

	while (s < end && pos < USAGE_MAX_POS) {
		size_t t;

		while (s < end && *s == ' ')
			s++;
		if (s < end && *s == '[' && s[1] != '-') {
			s = optional_group(&u->pos[pos++], s, end);
			if (pos > u->npos)
				u->npos = pos;
			continue;
		}
		if (s >= end || *s == '[')
			break;
		t = token_len(s);
		if (t > (size_t)(end - s))
			t = (size_t)(end - s);
		if (s[0] == '-' && pos == 0)
			break;
		add_token(&u->pos[pos++], s, t);
		if (pos > u->npos)
			u->npos = pos;
		s += t;
	}
}

void usage_parse(struct usage *u, const char *usage)
{
	const char *alt = usage;
	int depth = 0;

	memset(u, 0, sizeof *u);
	scan_options(u, usage);
	for (const char *p = usage;; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']')
			depth--;
		if (*p == '\0' || (depth == 0 && strncmp(p, " | ", 3) == 0)) {
			scan_alternative(u, alt, (size_t)(p - alt));
			if (*p == '\0')
				break;
			alt = p + 3;
			p += 2;
		}
	}
}

void usage_free(struct usage *u)
{
	for (size_t i = 0; i < u->npos; i++)
		for (size_t j = 0; j < u->pos[i].n; j++)
			free(u->pos[i].words[j]);
	for (size_t i = 0; i < u->nopts; i++) {
		free(u->opts[i].name);
		for (size_t j = 0; j < u->opts[i].value.n; j++)
			free(u->opts[i].value.words[j]);
	}
	memset(u, 0, sizeof *u);
}
