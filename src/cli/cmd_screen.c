/*
 * cmd_screen.c: `vmdeck screen` (the guest's display in the terminal), `vmdeck sendkey` and `vmdeck
 * type`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ansi_image.h"
#include "cli_out.h"
#include "cmd_screen.h"
#include "cmd_opts.h"
#include "screen.h"
#include "util.h"
#include "verb.h"
#include "vmdef.h"

#define SIDE_MAX 1000  /* --width / --height */

/* A --width/--height value: 1..SIDE_MAX, or -1. */
static int side_parse(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s == '\0' || *end != '\0' || v < 1 || v > SIDE_MAX ? -1 : (int)v;
}

/* The box to draw in: the terminal's size less one row for the prompt, unless given. */
static int screen_box(const char *ws, const char *hs, int *cols, int *rows)
{
	struct winsize wz;

	*cols = 80;
	*rows = 24;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &wz) == 0 && wz.ws_col > 0 && wz.ws_row > 1) {
		*cols = wz.ws_col;
		*rows = wz.ws_row - 1;
	}
	if (ws && (*cols = side_parse(ws)) < 0)
		return cli_error(EXIT_USAGE, "--width takes 1..%d columns", SIDE_MAX);
	if (hs && (*rows = side_parse(hs)) < 0)
		return cli_error(EXIT_USAGE, "--height takes 1..%d rows", SIDE_MAX);
	return 0;
}

static int screen_draw(const struct image *img, int max_cols, int max_rows)
{
	struct image scaled;
	struct sbuf out = { 0 };
	int cols, rows;

	image_fit(img->w, img->h, max_cols, max_rows, &cols, &rows);
	image_scale(img, cols, rows * 2, &scaled);
	ansi_image_render(&scaled, ansi_image_depth(getenv("COLORTERM"), getenv("TERM")), &out);
	fwrite(out.s, 1, out.len, stdout);
	sbuf_free(&out);
	image_free(&scaled);
	return fflush(stdout) == 0 ? EXIT_DONE : EXIT_FAILED;
}

/* The raw image into path ("-": stdout), 0600: it is the guest's screen. */
static int screen_save(const char *name, const struct image *img, const char *path)
{
	size_t len;
	uint8_t *ppm = image_ppm_encode(img, &len);
	char *err = NULL;
	int rc = EXIT_DONE;

	if (strcmp(path, "-") == 0) {
		if (fwrite(ppm, 1, len, stdout) != len || fflush(stdout) != 0)
			rc = cli_error(EXIT_FAILED, "%s: cannot write the image to stdout", name);
	} else if (file_write_atomic(path, (const char *)ppm, len, 0600, &err) < 0) {
		rc = cli_error(EXIT_FAILED, "%s: %s", name, err);
		free(err);
	}
	free(ppm);
	return rc;
}

int cmd_screen(struct cli *c, int argc, char **argv)
{
	const char *ws = NULL, *hs = NULL, *ppm = NULL;
	const struct opt_spec specs[] = {
		{ "width", OPT_VALUE, &ws },
		{ "height", OPT_VALUE, &hs },
		{ "ppm", OPT_VALUE, &ppm },
		{ NULL, 0, NULL },
	};
	struct vmdef def;
	struct image img;
	char *err = NULL;
	int rc, cols, rows;

	if (cmd_opts_parse(specs, &argc, argv) < 0 || argc != 2 || argv[1][0] == '-')
		return cli_usage(c);
	if ((rc = screen_box(ws, hs, &cols, &rows)) != 0)
		return rc;
	if (!ppm && !isatty(STDOUT_FILENO))
		return cli_error(EXIT_USAGE,
				 "%s: stdout is not a terminal; to save the image use --ppm FILE",
				 argv[1]);
	if ((rc = cli_load_def(c, argv[1], &def)) != 0)
		return rc;
	if (screen_grab(&c->cfg, &def, &img, &err) < 0) {
		rc = cli_error(EXIT_FAILED, "%s: cannot take the screen: %s", def.name, err);
		free(err);
	} else {
		rc = ppm ? screen_save(def.name, &img, ppm) : screen_draw(&img, cols, rows);
		image_free(&img);
	}
	vmdef_free(&def);
	return rc;
}

/* sendkey and type share this: load, act, report. */
static int keys_run(struct cli *c, const char *name, const char *what, char *const *keys, size_t n,
		    const char *text)
{
	struct vmdef def;
	char *err = NULL;
	int rc = cli_load_def(c, name, &def);

	if (rc != 0)
		return rc;
	if ((text ? screen_type(&c->cfg, &def, text, &err)
		  : screen_sendkeys(&c->cfg, &def, keys, n, &err)) < 0) {
		rc = cli_error(EXIT_FAILED, "%s: cannot %s: %s", def.name, what, err);
		free(err);
	} else if (c->json) {
		cli_json_print(json_pack("{s:s, s:i}", "name", def.name, "keys", (int)n));
	}
	vmdef_free(&def);
	return rc;
}

int cmd_sendkey(struct cli *c, int argc, char **argv)
{
	char *err = NULL;

	if (argc < 3 || argv[1][0] == '-')
		return cli_usage(c);
	for (int i = 2; i < argc; i++)
		if (screen_key_valid(argv[i], &err) < 0) {
			cli_error(EXIT_USAGE, "%s: %s", argv[1], err);
			free(err);
			return EXIT_USAGE;
		}
	return keys_run(c, argv[1], "send keys", argv + 2, (size_t)(argc - 2), NULL);
}

/*
 * TEXT "-" reads the text from stdin (one line, its newline dropped): a
 * password typed into a guest stays out of ps and the shell's history.
 */
static char *type_text(const char *arg)
{
	char buf[4096];
	ssize_t got;

	if (strcmp(arg, "-") != 0)
		return xstrdup(arg);
	if ((got = fd_read_full(STDIN_FILENO, buf, sizeof buf - 1)) < 0)
		return NULL;
	buf[got] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return xstrdup(buf);
}

int cmd_type(struct cli *c, int argc, char **argv)
{
	size_t n;
	char *err = NULL, **keys, *text;
	int rc;

	if (argc != 3 || argv[1][0] == '-')
		return cli_usage(c);
	if ((text = type_text(argv[2])) == NULL)
		return cli_error(EXIT_FAILED, "%s: cannot read the text from stdin", argv[1]);
	if ((keys = screen_text_keys(text, &n, &err)) == NULL) {
		cli_error(EXIT_USAGE, "%s: %s", argv[1], err);
		free(err);
		free(text);
		return EXIT_USAGE;
	}
	screen_keys_free(keys, n);
	rc = keys_run(c, argv[1], "type", NULL, n, text);
	free(text);
	return rc;
}
