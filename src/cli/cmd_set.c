/*
 * cmd_set.c: `vmdeck set NAME KEY=VALUE...` for admins and `vmdeck set NAME --changes -` for
 * another host's console: one edit through guestedit_apply, as the local edit form makes it.
 */
#include "cli_out.h"
#include "cmd_set.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd_defs.h"
#include "cmd_opts.h"
#include "guestedit.h"
#include "util.h"
#include "verb.h"

/* A plan is a few hundred bytes; this bounds what stdin or a file may make us read. */
#define SET_CHANGES_MAX (64 * 1024)

/* The JSON plan from FILE or "-" (stdin), bounded; it may hold a VNC password: wiped after. */
static int read_changes(const char *path, struct guestedit *e, char **err)
{
	bool in = strcmp(path, "-") == 0;
	int fd = in ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	struct sbuf b = { 0 };
	json_error_t je;
	json_t *o = NULL;
	int rc;

	if (fd < 0)
		return err_set(err, "cannot open %s: %s", path, strerror(errno));
	rc = fd_read_max(fd, &b, SET_CHANGES_MAX);
	if (!in)
		close(fd);
	if (rc < 0)
		err_set(err, "cannot read %s: %s", in ? "stdin" : path, strerror(errno));
	else if (rc > 0)
		err_set(err, "%s: over %d KiB: not a plan", in ? "stdin" : path,
			SET_CHANGES_MAX / 1024);
	else if ((o = json_loadb(b.s ? b.s : "", b.len, 0, &je)) == NULL)
		/* jansson quotes the text "near" the fault: it may be the password */
		rc = err_set(err, "%s: line %d, column %d: %.*s", in ? "stdin" : path, je.line,
			     je.column,
			     (int)(strstr(je.text, " near ") ? strstr(je.text, " near ") - je.text
							      : (ptrdiff_t)strlen(je.text)),
			     je.text);
	else
		rc = guestedit_from_json(e, o, err);
	if (b.s)
		explicit_bzero(b.s, b.len);
	sbuf_free(&b);
	json_decref(o);
	return rc < 0 || !o ? -1 : 0;
}

/* KEY=VALUE words; a secret is refused here: it would show in ps and shell history. */
static int read_words(int argc, char **argv, const char *pwfile, struct guestedit *e, char **err)
{
	char *pw;

	for (int i = 2; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		char *key;

		if (!eq || eq == argv[i])
			return err_set(err, "%s: KEY=VALUE expected (e.g. memory=2G)", argv[i]);
		key = xstrndup(argv[i], (size_t)(eq - argv[i]));
		if (strcmp(key, "vnc.password") == 0) {
			free(key);
			return err_set(err, "vnc.password: not on the command line; give "
					    "--vnc-password-file FILE (or - for stdin)");
		}
		guestedit_key(e, key, eq + 1);
		free(key);
	}
	if (!pwfile)
		return 0;
	if ((pw = cmd_defs_read_password(pwfile, err)) == NULL)
		return -1;
	guestedit_key(e, "vnc.password", pw);
	explicit_bzero(pw, strlen(pw));
	free(pw);
	return 0;
}

static void print_result(const struct cli *c, const struct guestedit_result *r, const char *name)
{
	if (c->json)
		cli_json_print(json_pack("{s:s, s:i, s:b, s:s}", "name", name, "changes",
					 r->changes, "next_start", r->next_start, "message",
					 r->msg));
	else
		printf("%s\n", r->msg);
}

int cmd_set(struct cli *c, int argc, char **argv)
{
	const char *changes = NULL, *pwfile = NULL;
	struct opt_spec specs[] = {
		{ "changes", OPT_VALUE, &changes },
		{ "vnc-password-file", OPT_VALUE, &pwfile },
		{ NULL, 0, NULL },
	};
	struct guestedit e;
	struct guestedit_result r = { 0 };
	char *err = NULL;
	int rc = EXIT_DONE;

	if (cmd_opts_parse(specs, &argc, argv) < 0 || argc < 2 ||
	    (changes && (argc > 2 || pwfile)) || (!changes && argc == 2 && !pwfile))
		return cli_usage(c);
	guestedit_init(&e, argv[1]);
	if ((changes ? read_changes(changes, &e, &err) : read_words(argc, argv, pwfile, &e, &err)) <
	    0)
		rc = EXIT_USAGE;
	else if (guestedit_apply(&c->cfg, &e, &r, &err) < 0)
		rc = r.usage ? EXIT_USAGE : EXIT_FAILED;
	if (rc != EXIT_DONE)
		cli_error(rc, "%s: cannot edit: %s", argv[1], err);
	else
		print_result(c, &r, argv[1]);
	free(err);
	guestedit_result_free(&r);
	guestedit_free(&e);
	return rc;
}
