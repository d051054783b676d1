/* cli_out.c: what every verb prints through: one-line errors, its usage, its --json object. */
#include "cli_out.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"
#include "verb.h"
#include "vmdef.h"

/*
 * With --json a script reads stdout: a verb that fails before printing its
 * object still prints one, {"error": LAST ERROR LINE, "exit": CODE}.
 */
static bool json_printed;
static char *last_error;

json_t *cli_json_tenths(double v)
{
	return json_real(round(v * 10) / 10);
}

/* The verb's JSON on stdout (compact, or indented for a person), taking o. */
static void json_out(json_t *o, size_t flags)
{
	char *s = json_dumps(o, flags | JSON_PRESERVE_ORDER | CLI_JSON_REALS);

	json_printed = true;
	puts(s ? s : "null");
	free(s);
	json_decref(o);
}

void cli_json_print(json_t *o)
{
	json_out(o, JSON_COMPACT);
}

void cli_json_print_indented(json_t *o)
{
	json_out(o, JSON_INDENT(2));
}

int cli_error(int code, const char *fmt, ...)
{
	va_list ap;
	char *s;

	fflush(stdout);
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	/*
	 * a message may quote a definition's value or a remote host's words: no raw ESC reaches the
	 * terminal
	 */
	free(last_error);
	last_error = text_escape(s, true);
	fprintf(stderr, "vmdeck: %s\n", last_error);
	free(s);
	return code;
}

/* A JSON string of s; bytes that are not UTF-8 (a file name, a remote host's words) become '?'. */
static json_t *json_text(const char *s)
{
	json_t *j = json_string(s);

	if (j == NULL) {
		char *copy = xstrdup(s);

		for (char *p = copy; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		j = json_string(copy);
		free(copy);
	}
	return j;
}

/* The error object of a --json verb that failed without printing anything. */
int cli_json_failure(const struct cli *c, int rc)
{
	if (c->json && rc != EXIT_DONE && !json_printed)
		cli_json_print(json_pack("{s:o, s:i}", "error",
					 json_text(last_error ? last_error : "failed"), "exit",
					 rc));
	free(last_error);
	last_error = NULL;
	return rc;
}

int cli_usage(const struct cli *c)
{
	if (c->verb && c->verb[0] && c->usage)
		fprintf(stderr, "usage: vmdeck %s %s\n", c->verb, c->usage);
	else
		fprintf(stderr, "usage: vmdeck [-c FILE] [--host NAME] VERB [ARGS] [--json]\n");
	return EXIT_USAGE;
}

int cli_load_all(struct cli *c, struct vmdef **defs, size_t *n)
{
	char *err = NULL;

	if (vmdefs_load_all(&c->cfg, defs, n, &err) < 0) {
		cli_error(EXIT_USAGE, "%s", err);
		free(err);
		return EXIT_USAGE;
	}
	return 0;
}

int cli_load_def(struct cli *c, const char *name, struct vmdef *def)
{
	char *err = NULL;

	if (vmdef_load_by_name(&c->cfg, name, def, &err) < 0) {
		cli_error(EXIT_USAGE, "%s", err);
		free(err);
		vmdef_free(def);  /* a failed load still fills def; callers only free on success */
		return EXIT_USAGE;
	}
	return 0;
}
