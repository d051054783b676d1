/*
 * theme.c: colour roles and themes/NAME.theme (libconfig): each role gets a foreground, background
 * and attributes.
 */
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ui.h"
#include "util.h"

struct role_style {
	short fg, bg;     /* curses colours, -1 = terminal default */
	attr_t attrs;
};

static const char *const role_names[R_COUNT] = {
	[R_NORMAL] = "normal",
	[R_HEADER] = "header",
	[R_TABLE_HEAD] = "table_head",
	[R_SELECTION] = "selection",
	[R_RUNNING] = "running",
	[R_PAUSED] = "paused",
	[R_STOPPED] = "stopped",
	[R_STARTING] = "starting",
	[R_SHUTTING_DOWN] = "shutting_down",
	[R_UNRESPONSIVE] = "unresponsive",
	[R_CRASHED] = "crashed",
	[R_INVALID] = "invalid",
	[R_ERROR] = "error",
	[R_DETAIL_TITLE] = "detail_title",
	[R_DETAIL_KEY] = "detail_key",
	[R_BORDER] = "border",
	[R_FKEY_NUM] = "fkey_num",
	[R_FKEY_LABEL] = "fkey_label",
	[R_STATUS] = "status",
	[R_DIALOG] = "dialog",
	[R_DIALOG_TITLE] = "dialog_title",
	[R_INPUT] = "input",
	[R_INPUT_ERROR] = "input_error",
	[R_MENU_KEY] = "menu_key",
	[R_PROGRESS] = "progress",
	[R_HELP_KEY] = "help_key",
	[R_TOO_SMALL] = "too_small",
	[R_DIALOG_SEL] = "dialog_selection",
};

#define D (-1)
/* The built-in default: used when no theme file is found and as the fallback after an error. */
static const struct role_style builtin_default[R_COUNT] = {
	[R_NORMAL] = { D, D, A_NORMAL },
	[R_HEADER] = { COLOR_WHITE, COLOR_BLUE, A_BOLD },
	[R_TABLE_HEAD] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL },
	[R_SELECTION] = { COLOR_BLACK, COLOR_WHITE, A_NORMAL },
	[R_RUNNING] = { COLOR_GREEN, D, A_BOLD },
	[R_PAUSED] = { COLOR_YELLOW, D, A_NORMAL },
	[R_STOPPED] = { D, D, A_NORMAL },
	[R_STARTING] = { COLOR_CYAN, D, A_NORMAL },
	[R_SHUTTING_DOWN] = { COLOR_MAGENTA, D, A_NORMAL },
	[R_UNRESPONSIVE] = { COLOR_RED, D, A_BOLD },
	[R_CRASHED] = { COLOR_RED, D, A_BOLD },
	[R_INVALID] = { COLOR_RED, D, A_NORMAL },
	[R_ERROR] = { COLOR_WHITE, COLOR_RED, A_BOLD },
	[R_DETAIL_TITLE] = { COLOR_CYAN, D, A_BOLD },
	[R_DETAIL_KEY] = { COLOR_CYAN, D, A_NORMAL },
	[R_BORDER] = { COLOR_BLUE, D, A_NORMAL },
	[R_FKEY_NUM] = { D, D, A_NORMAL },
	[R_FKEY_LABEL] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL },
	[R_STATUS] = { D, D, A_NORMAL },
	[R_DIALOG] = { COLOR_BLACK, COLOR_WHITE, A_NORMAL },
	[R_DIALOG_TITLE] = { COLOR_BLUE, COLOR_WHITE, A_BOLD },
	[R_INPUT] = { COLOR_WHITE, COLOR_BLUE, A_NORMAL },
	[R_INPUT_ERROR] = { COLOR_WHITE, COLOR_RED, A_NORMAL },
	[R_MENU_KEY] = { COLOR_RED, COLOR_WHITE, A_BOLD },
	[R_PROGRESS] = { COLOR_BLACK, COLOR_GREEN, A_NORMAL },
	[R_HELP_KEY] = { COLOR_YELLOW, D, A_BOLD },
	[R_TOO_SMALL] = { COLOR_WHITE, COLOR_RED, A_BOLD },
	[R_DIALOG_SEL] = { COLOR_BLACK, COLOR_CYAN, A_BOLD },
};

/* Without colour (NO_COLOR, a mono terminal) attributes alone must still tell things apart. */
static const struct role_style builtin_mono[R_COUNT] = {
	[R_NORMAL] = { D, D, A_NORMAL },
	[R_HEADER] = { D, D, A_REVERSE },
	[R_TABLE_HEAD] = { D, D, A_UNDERLINE | A_BOLD },
	[R_SELECTION] = { D, D, A_REVERSE },
	[R_RUNNING] = { D, D, A_BOLD },
	[R_PAUSED] = { D, D, A_NORMAL },
	[R_STOPPED] = { D, D, A_DIM },
	[R_STARTING] = { D, D, A_NORMAL },
	[R_SHUTTING_DOWN] = { D, D, A_NORMAL },
	[R_UNRESPONSIVE] = { D, D, A_BOLD | A_UNDERLINE },
	[R_CRASHED] = { D, D, A_BOLD | A_UNDERLINE },
	[R_INVALID] = { D, D, A_UNDERLINE },
	[R_ERROR] = { D, D, A_BOLD | A_REVERSE },
	[R_DETAIL_TITLE] = { D, D, A_BOLD },
	[R_DETAIL_KEY] = { D, D, A_NORMAL },
	[R_BORDER] = { D, D, A_NORMAL },
	[R_FKEY_NUM] = { D, D, A_NORMAL },
	[R_FKEY_LABEL] = { D, D, A_REVERSE },
	[R_STATUS] = { D, D, A_NORMAL },
	[R_DIALOG] = { D, D, A_NORMAL },
	[R_DIALOG_TITLE] = { D, D, A_BOLD },
	[R_INPUT] = { D, D, A_UNDERLINE },
	[R_INPUT_ERROR] = { D, D, A_UNDERLINE | A_BOLD },
	[R_MENU_KEY] = { D, D, A_BOLD | A_UNDERLINE },
	[R_PROGRESS] = { D, D, A_REVERSE },
	[R_HELP_KEY] = { D, D, A_BOLD },
	[R_TOO_SMALL] = { D, D, A_BOLD | A_REVERSE },
	[R_DIALOG_SEL] = { D, D, A_REVERSE },
};
#undef D

static struct role_style styles[R_COUNT];
static bool use_color;

struct name_val {
	const char *name;
	int val;
};

static const struct name_val colour_names[] = {
	{ "default", -1 },
	{ "black", COLOR_BLACK },
	{ "red", COLOR_RED },
	{ "green", COLOR_GREEN },
	{ "yellow", COLOR_YELLOW },
	{ "blue", COLOR_BLUE },
	{ "magenta", COLOR_MAGENTA },
	{ "cyan", COLOR_CYAN },
	{ "white", COLOR_WHITE },
};

static const struct name_val attr_names[] = {
	{ "normal", (int)A_NORMAL }, { "bold", (int)A_BOLD }, { "reverse", (int)A_REVERSE },
	{ "underline", (int)A_UNDERLINE }, { "dim", (int)A_DIM }, { "standout", (int)A_STANDOUT },
	{ "blink", (int)A_BLINK },
};

static int role_find(const char *name)
{
	for (int i = 0; i < R_COUNT; i++)
		if (strcmp(role_names[i], name) == 0)
			return i;
	return -1;
}

/* "red", "bright-red" (colour 8+ where the terminal has 16, else bold), "default". */
static int colour_parse(const char *s, short *out, attr_t *extra)
{
	bool bright = strncasecmp(s, "bright-", 7) == 0;
	const char *base = bright ? s + 7 : s;

	for (size_t i = 0; i < ARRAY_LEN(colour_names); i++) {
		if (strcasecmp(colour_names[i].name, base) != 0)
			continue;
		if (!bright || colour_names[i].val < 0) {
			*out = (short)colour_names[i].val;
		} else if (COLORS >= 16) {
			*out = (short)(colour_names[i].val + 8);
		} else {
			*out = (short)colour_names[i].val;
			*extra |= A_BOLD;
		}
		return 0;
	}
	return -1;
}

static int attr_parse(const char *s, attr_t *out)
{
	for (size_t i = 0; i < ARRAY_LEN(attr_names); i++)
		if (strcasecmp(attr_names[i].name, s) == 0) {
			*out |= (attr_t)attr_names[i].val;
			return 0;
		}
	return -1;
}

static int where(config_setting_t *s, const char *file, char **err, const char *fmt,
		 const char *what)
{
	return err_set(err, "%s:%d: %s '%s'", file, config_setting_source_line(s), fmt, what);
}

static int parse_colour_key(config_setting_t *role, const char *key, short *out, attr_t *extra,
			    const char *file, char **err)
{
	config_setting_t *c = config_setting_lookup(role, key);
	const char *v;

	if (!c)
		return 0;
	if (!(v = config_setting_get_string(c)))
		return err_set(err, "%s:%d: %s must be a colour name", file,
			       config_setting_source_line(c), key);
	if (colour_parse(v, out, extra) < 0)
		return where(c, file, err, "unknown colour", v);
	return 0;
}

static int parse_attrs(config_setting_t *role, attr_t *out, const char *file, char **err)
{
	config_setting_t *a = config_setting_lookup(role, "attrs");

	if (!a)
		return 0;
	for (int i = 0; i < config_setting_length(a); i++) {
		config_setting_t *e = config_setting_get_elem(a, (unsigned)i);
		const char *v = config_setting_get_string(e);

		if (!v || attr_parse(v, out) < 0)
			return where(e, file, err, "unknown attribute", v ? v : "?");
	}
	return 0;
}

static int parse_role(config_setting_t *r, struct role_style *out, const char *file, char **err)
{
	const char *name = config_setting_name(r);
	int idx = role_find(name);
	struct role_style st = { -1, -1, A_NORMAL };

	if (idx < 0)
		return where(r, file, err, "unknown role", name);
	if (!config_setting_is_group(r))
		return where(r, file, err,
			     "expected { fg = ...; bg = ...; attrs = [...]; } for role", name);
	for (int i = 0; i < config_setting_length(r); i++) {
		const char *k = config_setting_name(config_setting_get_elem(r, (unsigned)i));

		if (strcmp(k, "fg") && strcmp(k, "bg") && strcmp(k, "attrs"))
			return where(config_setting_get_elem(r, (unsigned)i), file, err,
				     "unknown key (fg, bg, attrs)", k);
	}
	if (parse_colour_key(r, "fg", &st.fg, &st.attrs, file, err) < 0 ||
	    parse_colour_key(r, "bg", &st.bg, &st.attrs, file, err) < 0 ||
	    parse_attrs(r, &st.attrs, file, err) < 0)
		return -1;
	out[idx] = st;
	return 0;
}

/* Loads a theme file over out (roles it does not name keep their built-in style). */
static int theme_load_file(const char *file, struct role_style *out, char **err)
{
	config_t cf;
	config_setting_t *roles;
	int rc = 0;

	config_init(&cf);
	if (!config_read_file(&cf, file)) {
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
			rc = err_set(err, "%s: cannot read", file);
		else
			rc = err_set(err, "%s:%d: %s", file, config_error_line(&cf),
				     config_error_text(&cf));
		config_destroy(&cf);
		return rc;
	}
	roles = config_lookup(&cf, "roles");
	if (!roles || !config_setting_is_group(roles))
		rc = err_set(err, "%s:%d: expected a roles = { ... }; group", file,
			     roles ? config_setting_source_line(roles) : 1);
	for (int i = 0; rc == 0 && i < config_setting_length(roles); i++)
		rc = parse_role(config_setting_get_elem(roles, (unsigned)i), out, file, err);
	config_destroy(&cf);
	return rc;
}

/* Folders searched for NAME.theme, most specific first. */
static void theme_dirs(const struct ui *ui, struct strv *dirs)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	const char *env = getenv("VMDECK_THEME_DIR");

	if (env && *env)
		strv_add(dirs, env);
	if (ui->cfg->dir)
		strv_addf(dirs, "%s/themes", ui->cfg->dir);
	if (n > 0) {
		char *slash;

		exe[n] = 0;
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = 0;
		strv_addf(dirs, "%s/../themes", exe);            /* build/vmdeck in a source tree */
		strv_addf(dirs, "%s/themes", exe);
		strv_addf(dirs, "%s/../share/vmdeck/themes", exe); /* PREFIX/bin/vmdeck */
	}
	strv_add(dirs, "/usr/local/share/vmdeck/themes");
	strv_add(dirs, "/usr/share/vmdeck/themes");
}

/* The file for a theme name (or a path when it holds '/'), NULL when not found. */
static char *theme_find(const struct ui *ui, const char *name)
{
	struct strv dirs = { 0 };
	char *found = NULL;

	if (strchr(name, '/'))
		return path_resolve(ui->cfg->dir ? ui->cfg->dir : ".", name);
	theme_dirs(ui, &dirs);
	for (size_t i = 0; i < dirs.n && !found; i++) {
		char *p = xasprintf("%s/%s.theme", dirs.v[i], name);

		if (access(p, R_OK) == 0)
			found = p;
		else
			free(p);
	}
	strv_free(&dirs);
	return found;
}

/* Applies cfg ui.theme; any problem leaves a note for the status line and the built-in default. */
static void theme_choose(struct ui *ui)
{
	const char *name = ui->cfg->ui_theme && *ui->cfg->ui_theme ? ui->cfg->ui_theme : "default";
	char *file = theme_find(ui, name);
	struct role_style loaded[R_COUNT];
	char *err = NULL;

	memcpy(styles, builtin_default, sizeof styles);
	if (!file) {
		if (strcmp(name, "default") != 0)
			ui->theme_note =
				xasprintf("theme '%s' not found; using the default theme", name);
		return;
	}
	memcpy(loaded, builtin_default, sizeof loaded);
	if (theme_load_file(file, loaded, &err) < 0) {
		ui->theme_note = xasprintf("%s; using the default theme", err);
		free(err);
	} else {
		memcpy(styles, loaded, sizeof styles);
	}
	free(file);
}

/*
 * The colours a terminal with only 8 really shows (bright ones are bold there, see colour_parse).
 */
static short colour_shown(short c)
{
	return c >= COLORS ? (short)(c - 8) : c;
}

/*
 * A selection that looks like what it sits on cannot be seen (a theme that
 * gives both the same colours): it is drawn reversed then, by swapping its
 * colours (terminals such as PuTTY drop reverse video on coloured text), or
 * in reverse video where it has none.
 */
static void theme_keep_visible(enum role sel, enum role under)
{
	struct role_style *a = &styles[sel];
	const struct role_style *b = &styles[under];
	short fg = a->fg;

	if (colour_shown(a->fg) != colour_shown(b->fg) ||
	    colour_shown(a->bg) != colour_shown(b->bg) || a->attrs != b->attrs)
		return;
	if (a->fg < 0 && a->bg < 0) {
		a->attrs ^= A_REVERSE;
		return;
	}
	a->fg = a->bg < 0 ? COLOR_BLACK : a->bg;
	a->bg = fg < 0 ? COLOR_WHITE : fg;
	a->attrs |= A_BOLD;
}

void theme_init(struct ui *ui)
{
	const char *nc = getenv("NO_COLOR");

	use_color = has_colors() && !(nc && *nc);
	if (!use_color) {
		memcpy(styles, builtin_mono, sizeof styles);
		ui->color = false;
		return;
	}
	start_color();
	use_default_colors();
	ui->color = true;
	theme_choose(ui);
	theme_keep_visible(R_SELECTION, R_NORMAL);
	theme_keep_visible(R_DIALOG_SEL, R_DIALOG);
	for (int i = 0; i < R_COUNT; i++)
		init_pair((short)(i + 1), colour_shown(styles[i].fg), colour_shown(styles[i].bg));
}

/*
 * A role with neither colour is drawn without a colour pair: terminals whose
 * terminfo has ncv (putty-256color) drop reverse and underline from coloured
 * text, which would leave the mono theme's selection unseen.
 */
attr_t role_attr(enum role r)
{
	if (!use_color || (styles[r].fg < 0 && styles[r].bg < 0))
		return styles[r].attrs;
	return styles[r].attrs | (attr_t)COLOR_PAIR(r + 1);
}
