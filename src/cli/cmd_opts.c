/*
 * cmd_opts.c: the long-option parser every verb uses, and the y/N question of the verbs that ask.
 */
#include "cli_out.h"
#include "cmd_opts.h"
#include "verb.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>


static const struct opt_spec *opt_find(const struct opt_spec *specs, const char *name, size_t len)
{
	for (const struct opt_spec *s = specs; s->name; s++)
		if (strlen(s->name) == len && strncmp(s->name, name, len) == 0)
			return s;
	return NULL;
}

int cmd_opts_parse(const struct opt_spec *specs, int *argc, char **argv)
{
	int out = 1;

	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i], *eq;
		const struct opt_spec *s;

		if (strcmp(a, "--") == 0) {
			while (++i < *argc)
				argv[out++] = argv[i];
			break;
		}
		if (strncmp(a, "--", 2) != 0) {
			argv[out++] = argv[i];
			continue;
		}
		eq = strchr(a + 2, '=');
		s = opt_find(specs, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
		if (s == NULL || (s->kind == OPT_FLAG && eq)) {
			cli_error(EXIT_USAGE, "unknown option %s", a);
			return -1;
		}
		if (s->kind == OPT_FLAG) {
			*(bool *)s->target = true;
		} else if (eq) {
			*(const char **)s->target = eq + 1;
		} else if (i + 1 < *argc) {
			*(const char **)s->target = argv[++i];
		} else {
			cli_error(EXIT_USAGE, "%s needs a value", a);
			return -1;
		}
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

int cmd_opts_confirm(const char *question)
{
	char line[64];

	if (!isatty(STDIN_FILENO))
		return -1;
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	if (fgets(line, sizeof line, stdin) == NULL)
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

static volatile sig_atomic_t cancel_flag;

static void on_cancel_signal(int sig)
{
	(void)sig;
	cancel_flag = 1;
}

volatile sig_atomic_t *cmd_opts_cancel_on_signals(bool ignore_pipe)
{
	struct sigaction sa = { .sa_handler = on_cancel_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (ignore_pipe)
		signal(SIGPIPE, SIG_IGN);
	return &cancel_flag;
}
