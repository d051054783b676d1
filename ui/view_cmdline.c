/*
 * view_cmdline.c: the `:` command line: GNU readline's callback interface fed from the loop, drawn
 * by us.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "actions.h"
#include "cli.h"
#include "hostinfo.h"
#include "remote.h"
#include "ui.h"
#include "util.h"

static struct {
	struct ui *ui;
	bool ready;            /* readline set up */
	unsigned char pending[64];
	size_t n_pending, at;  /* bytes waiting for rl_getc */
	char *line;            /* the accepted line, from the handler */
	bool got_line, eof;
	char *hist_path;
	char *matches;         /* "a b c" when Tab found several */
} cl;

/* ---- readline hooks: input from our buffer, display by us, no terminal handling ---- */

static int cl_getc(FILE *f)
{
	if (cl.at >= cl.n_pending)
		return EOF;
	return cl.pending[cl.at++];
}

static int cl_input_available(void)
{
	return cl.at < cl.n_pending;
}

static void cl_redisplay(void)
{
	if (cl.ui)
		cl.ui->dirty = true;
}

static void cl_prep_term(int meta)
{
}

static void cl_deprep_term(void)
{
}

static void cl_handler(char *line)
{
	cl.got_line = true;
	cl.eof = line == NULL;
	free(cl.line);
	cl.line = line;
}

/* Several completions: show them on the line above instead of letting readline print them. */
static void cl_show_matches(char **matches, int n, int maxlen)
{
	struct sbuf b = { 0 };

	for (int i = 1; i <= n; i++)
		sbuf_printf(&b, "%s%s", i > 1 ? "  " : "", matches[i]);
	free(cl.matches);
	cl.matches = sbuf_take(&b);
	cl_redisplay();
}

/* ---- completion: verbs, then guest names, ISO paths where a path is wanted ---- */

static struct strv comp_words;
static size_t comp_at;

static char *comp_next(const char *text, int state)
{
	size_t len = strlen(text);

	if (state == 0)
		comp_at = 0;
	while (comp_at < comp_words.n) {
		const char *w = comp_words.v[comp_at++];

		if (strncmp(w, text, len) == 0)
			return xstrdup(w);
	}
	return NULL;
}

static void comp_fill_isos(void)
{
	struct iso_entry *e;
	size_t n;

	if (hostinfo_iso_list(cl.ui->cfg, &e, &n, NULL) < 0 && n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		strv_add(&comp_words, e[i].path);
	hostinfo_iso_free(e, n);
}

/* Which kind of word is at start: 0 = verb, 1 = guest name, 2 = path. */
static int comp_kind(int start, const char *text)
{
	struct strv before = { 0 };
	int kind;
	char *head = xstrndup(rl_line_buffer, (size_t)start);

	job_split_words(head, &before, NULL);
	free(head);
	if (before.n == 0)
		kind = 0;
	else if (text[0] == '/' || text[0] == '.' ||
		 strcmp(before.v[before.n - 1], "--cdrom") == 0 ||
		 (strcmp(before.v[0], "cdrom") == 0 && before.n == 2))
		kind = 2;
	else
		kind = 1;
	strv_free(&before);
	return kind;
}

static char **cl_complete(const char *text, int start, int end)
{
	int kind = comp_kind(start, text);
	char **m;

	rl_attempted_completion_over = 1; /* never fall back to files of the current folder */
	strv_free(&comp_words);
	if (kind == 0) {
		for (const struct cli_verb *v = cli_verbs; v->name; v++)
			strv_add(&comp_words, v->name);
	} else if (kind == 1) {
		for (size_t i = 0; i < cl.ui->n; i++)
			strv_add(&comp_words, cl.ui->defs[i].name);
	} else {
		comp_fill_isos();
	}
	m = rl_completion_matches(text, comp_next);
	if (kind == 2 && !m && text[0] == '/') {
		rl_attempted_completion_over = 0; /* any other path: readline's file names */
		return NULL;
	}
	return m;
}

static const char *history_path(const struct ui *ui)
{
	const char *home = getenv("HOME");

	if (!cl.hist_path)
		cl.hist_path = home && *home ? xasprintf("%s/.vmdeck_console_history", home)
					     : xasprintf("%s/console_history", ui->cfg->state_dir);
	return cl.hist_path;
}

/* Our input, our display, no terminal handling or signals: readline only edits the line. */
static void cl_hooks(void)
{
	static FILE *null_out, *null_in;

	if (!null_out) {
		null_out = fopen("/dev/null", "w");
		null_in = fopen("/dev/null", "r");
	}
	cl.ready = true;
	rl_readline_name = "vmdeck";
	rl_instream = null_in;
	rl_outstream = null_out;
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_getc_function = cl_getc;
	rl_input_available_hook = cl_input_available;
	rl_redisplay_function = cl_redisplay;
	rl_prep_term_function = cl_prep_term;
	rl_deprep_term_function = cl_deprep_term;
	rl_attempted_completion_function = cl_complete;
	rl_completion_display_matches_hook = cl_show_matches;
	rl_variable_bind("enable-bracketed-paste", "off");
	rl_variable_bind("bell-style", "none");
	rl_variable_bind("show-all-if-ambiguous", "on");
}

static void cl_setup(struct ui *ui)
{
	if (cl.ready)
		return;
	cl_hooks();
	using_history();
	stifle_history(500);
	read_history(history_path(ui));
}

/*
 * Readline is one global state. Another user in this process (the monitor
 * shell of term_monitor) gets it back as readline's defaults, with an empty
 * history of its own; reclaiming restores the console's hooks and history.
 */
static HISTORY_STATE *lent_history;

void cmdline_readline_lend(void)
{
	HISTORY_STATE empty = { 0 };

	if (!cl.ready)
		return;
	lent_history = history_get_history_state();
	history_set_history_state(&empty);
	rl_instream = stdin;
	rl_outstream = stdout;
	rl_getc_function = rl_getc;
	rl_input_available_hook = NULL;
	rl_redisplay_function = rl_redisplay;
	rl_prep_term_function = rl_prep_terminal;
	rl_deprep_term_function = rl_deprep_terminal;
	rl_attempted_completion_function = NULL;
	rl_completion_display_matches_hook = NULL;
}

void cmdline_readline_reclaim(void)
{
	if (!cl.ready || !lent_history)
		return;
	clear_history();
	history_set_history_state(lent_history);
	free(lent_history);
	lent_history = NULL;
	stifle_history(500);
	cl.ready = false; /* cl_setup sets the hooks again (the history is already back) */
	cl_hooks();
}

void cmdline_save_history(struct ui *ui)
{
	if (cl.ready)
		write_history(history_path(ui));
	strv_free(&comp_words);
	free(cl.matches);
	cl.matches = NULL;
}

static char *cl_prefill;  /* the line the next open starts with (cmdline_open_with) */

void cmdline_open(struct ui *ui)
{
	ui_push(ui, &view_cmdline);
}

void cmdline_open_with(struct ui *ui, const char *text)
{
	free(cl_prefill);
	cl_prefill = xstrdup(text);
	ui_push(ui, &view_cmdline);
}

static void cmdline_init(struct ui *ui)
{
	cl.ui = ui;
	cl_setup(ui);
	cl.got_line = cl.eof = false;
	free(cl.matches);
	cl.matches = NULL;
	rl_callback_handler_install(":", cl_handler);
	if (cl_prefill) {
		rl_insert_text(cl_prefill);
		free(cl_prefill);
		cl_prefill = NULL;
	}
}

/* ---- drawing: the prompt and line on the status row, scrolled so the cursor shows ---- */

static void cmdline_draw(struct ui *ui)
{
	int y = LINES - 2, w = COLS - 2, from = 0;
	const char *buf = rl_line_buffer ? rl_line_buffer : "";

	if (rl_point > w - 1)
		from = rl_point - (w - 1);
	if (cl.matches) {
		draw_fill(stdscr, y - 1, 0, COLS, R_DIALOG);
		draw_text(stdscr, y - 1, 1, COLS - 2, R_DIALOG, cl.matches);
	}
	draw_fill(stdscr, y, 0, COLS, R_INPUT);
	draw_text(stdscr, y, 0, 1, R_INPUT, ":");
	draw_text(stdscr, y, 1, w, R_INPUT, buf + ((size_t)from <= strlen(buf) ? (size_t)from : 0));
	ui->cursor_y = y;
	ui->cursor_x = 1 + rl_point - from;
}

/* ---- running the line ---- */

static bool is_guest(struct ui *ui, const char *s)
{
	return s && ui_guest_index(ui, s) >= 0;
}

/*
 * A verb typed at the command line that answers at once with several lines
 * (list, check, disk list) shows them whole in a text box, opened at its
 * end, when the admin is still on the main screen. A long verb (a backup)
 * ends when the admin has moved on: a box then would take keys meant for
 * something else, so its result stays in the status line and in J.
 */
#define CMDLINE_ANSWER_WAIT 2.0 /* seconds */

static void cmdline_job_done(struct ui *ui, struct job *j)
{
	const char *nl = j->out.len ? memchr(j->out.s, '\n', j->out.len) : NULL;

	if (nl && (size_t)(nl - j->out.s) + 1 < j->out.len && ui_top(ui) == &view_list &&
	    now_mono() - j->started < CMDLINE_ANSWER_WAIT)
		text_show_end(ui, j->title, j->out.s);
}

static void run_words(struct ui *ui, struct strv *w)
{
	const char *const *words = (const char *const *)w->v;

	if (strcmp(words[0], "q") == 0 || strcmp(words[0], "quit") == 0) {
		act_quit(ui); /* asks first while jobs run */
		return;
	}
	/* the console's own: which host's guests the table shows */
	if (strcmp(words[0], "host") == 0) {
		remote_filter(ui, w->n > 1 ? words[1] : "");
		return;
	}
	if (!cli_verb_find(words[0])) {
		ui_status(ui, true, "%s: no such verb (Tab lists them)", words[0]);
		return;
	}
	if (strcmp(words[0], "console") == 0 || strcmp(words[0], "monitor") == 0) {
		char *err = NULL;
		int rc;

		ui_suspend(ui);
		rc = job_run_foreground(ui->config_path, words, &err);
		ui_resume(ui);
		if (rc != 0)
			ui_status(ui, true, "%s: %s", words[0], err ? err : "ended with an error");
		free(err);
		return;
	}
	ui_run_verb_then(ui, w->n > 1 && is_guest(ui, words[1]) ? words[1] : NULL, words,
			 cmdline_job_done);
}

static int cmdline_finish(struct ui *ui)
{
	struct strv w = { 0 };
	char *err = NULL;
	char *line = cl.line;

	cl.line = NULL;
	rl_callback_handler_remove();
	ui_pop(ui);
	if (cl.eof || !line || !*line) {
		free(line);
		return UI_REDRAW;
	}
	add_history(line);
	write_history(history_path(ui));
	if (job_split_words(line, &w, &err) < 0) {
		ui_status(ui, true, "%s", err);
		free(err);
	} else if (w.n > 0) {
		run_words(ui, &w);
	}
	strv_free(&w);
	free(line);
	return UI_REDRAW | UI_RESCAN;
}

static void feed(int ch)
{
	cl.pending[0] = (unsigned char)ch;
	cl.n_pending = 1;
	cl.at = 0;
	while (cl.at < cl.n_pending && !cl.got_line)
		rl_callback_read_char();
	cl.n_pending = cl.at = 0;
}

/* Keys curses has already decoded go straight to readline's commands. */
static bool special_key(int ch)
{
	switch (ch) {
	case KEY_LEFT: rl_backward_char(1, 0); return true;
	case KEY_RIGHT: rl_forward_char(1, 0); return true;
	case KEY_HOME: rl_beg_of_line(1, 0); return true;
	case KEY_END: rl_end_of_line(1, 0); return true;
	case KEY_UP: rl_get_previous_history(1, 0); return true;
	case KEY_DOWN: rl_get_next_history(1, 0); return true;
	case KEY_BACKSPACE: rl_rubout(1, 0); return true;
	case KEY_DC: rl_delete(1, 0); return true;
	}
	return false;
}

static int cmdline_key(struct ui *ui, int ch)
{
	if (ch == 27 || ch == 3 || ch == 7) { /* Esc, Ctrl-C, Ctrl-G */
		rl_callback_handler_remove();
		ui_pop(ui);
		return UI_REDRAW;
	}
	if (ch != '\t') {
		free(cl.matches);
		cl.matches = NULL;
	}
	if (ch == KEY_ENTER)
		ch = '\r';
	if (!special_key(ch) && ch >= 0 && ch < 256)
		feed(ch);
	if (cl.got_line)
		return cmdline_finish(ui);
	return UI_REDRAW;
}

const struct view view_cmdline = { "cmdline", cmdline_init, cmdline_draw, cmdline_key };
