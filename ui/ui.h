/* ui.h: the console's shared state, the view contract, and the helpers every view uses. */
#ifndef VMDECK_UI_H
#define VMDECK_UI_H

#include <curses.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "events.h"
#include "job.h"
#include "jobfile.h"
#include "schedule.h"
#include "vmdef.h"
#include "vmstate.h"
#include "watcher.h"

struct ui;

/* What a key or event handler did; the loop redraws when asked. */
enum {
	UI_UNHANDLED = 0,
	UI_HANDLED = 1 << 0,
	UI_REDRAW = 1 << 1,
	UI_RESCAN = 1 << 2,   /* reload definitions and poll status now */
	UI_QUIT = 1 << 3,
};

/*
 * Every screen is a view with the same three functions: init (called when it
 * is opened, reading its context from ui), draw (paints its window; called
 * once per turn when the screen is dirty) and key (one key; returns UI_ flags).
 */
struct view {
	const char *name;
	void (*init)(struct ui *ui);
	void (*draw)(struct ui *ui);
	int (*key)(struct ui *ui, int ch);
};

/* Colour roles: what a thing is, never which colour it has (themes decide). */
enum role {
	R_NORMAL,
	R_HEADER,
	R_TABLE_HEAD,
	R_SELECTION,
	R_RUNNING,
	R_PAUSED,
	R_STOPPED,
	R_STARTING,
	R_SHUTTING_DOWN,
	R_UNRESPONSIVE,
	R_CRASHED,
	R_INVALID,
	R_ERROR,
	R_DETAIL_TITLE,
	R_DETAIL_KEY,
	R_BORDER,
	R_FKEY_NUM,
	R_FKEY_LABEL,
	R_STATUS,
	R_DIALOG,
	R_DIALOG_TITLE,
	R_INPUT,
	R_INPUT_ERROR,
	R_MENU_KEY,
	R_PROGRESS,
	R_HELP_KEY,
	R_TOO_SMALL,
	R_DIALOG_SEL,   /* the selected row of a list in a dialog (menu, ISO picker, jobs) */
	R_COUNT
};

#define GUEST_EVENTS 8

/* What the console knows of a guest beyond its definition and status. */
struct guest_extra {
	/* the newest lines of its events.log, oldest first */
	struct events_entry events[GUEST_EVENTS];
	size_t n_events;
	uint64_t events_stamp;    /* events_stamp() when they were read */
	enum vm_state last_state;
	bool seen;                /* last_state is valid */
	/* a change of state seen, not yet judged for the log (see events_already_logged) */
	char *pending;
	enum vm_state pending_state;
	double pending_at;        /* now_real() when it was seen */
	/* pending_changes(): what the running guest waits for its next start for */
	unsigned next_start;
	/* the QEMU and the definitions (defs_stamp) it was worked out for */
	pid_t next_start_pid;
	uint64_t next_start_stamp;
	double stop_deadline;     /* graceful stop countdown ends (now_mono), 0 = none */
	bool stop_offered;        /* the force-off question was asked */
	/* the QEMU the force-off question is about: another run is never its to kill */
	pid_t offer_pid;
	/* another host's guest: the hosts[] name (borrowed); NULL for this host's */
	const char *host;
	/* last backup and next scheduled run (view_list.c refreshes it) */
	struct schedule_info backup;
	double backup_at;         /* now_mono() when backup was read, 0 = never */
	/*
	 * a long verb running on it, whoever started it (a timer, the CLI, another console): this
	 * host's from its job file at each status round, another host's from its watch's job lines
	 */
	struct jobfile_seen job;
};

/* A background job and what to do when it ends. */
struct ui_job {
	struct job *job;
	void (*done)(struct ui *ui, struct job *j);
	bool reported;
	/* its done callback says what there is to say: no status line of its own */
	bool silent;
};

#define UI_STACK 8
#define UI_MAX_JOBS 64

struct ui {
	struct config *cfg;
	const char *config_path;

	/* guests: parallel arrays, sorted by name (as vmdefs_load_all gives them) */
	struct vmdef *defs;
	struct vm_status *st;
	struct guest_extra *ex;
	/* this host's guests first (n_local), then other hosts' (hosts.c) */
	size_t n;
	size_t n_local;
	size_t sel;                 /* the selected guest: an index into defs */

	/* the table's rows (table_order.c): indices into defs, filtered and sorted */
	size_t *order, n_order;
	/* the selection's row, the first visible row: positions in order */
	size_t sel_pos, top;
	char filter[64];            /* "/": guests whose name or description holds it, any case */
	enum sort_col { SORT_NAME, SORT_STATE, SORT_CPU, SORT_MEMORY, SORT_COUNT } sort_col;
	bool sort_desc;             /* "I": the sort column reversed */
	char *want_sel;             /* select this guest when it appears */
	char *load_err;             /* vms_dir could not be read */

	struct status_poll *poll;   /* a status round in flight, or NULL */
	struct watcher *watcher;    /* the guests' event monitors: quiet guests are not asked */
	/* one per hosts[] entry: its `vmdeck watch` over ssh (hosts.c) */
	struct hostlink **links;
	size_t n_links;
	/* the other hosts' rows are rebuilt once no status round is in flight */
	bool links_changed;
	char host_filter[64];       /* H or :host NAME: only this host's guests ("" all) */
	double next_poll;           /* now_mono() of the next round */
	uint64_t defs_stamp;        /* fingerprint of vms_dir when last loaded */
	struct jobfile_stamp jobs_stamp; /* state_dir/jobs.stamp when last seen (jobfile.h) */
	bool rescan_pending;        /* reload definitions once the poll in flight ends */
	bool polled_once;           /* statuses are real, not placeholders */
	double next_tick;           /* the once-a-second timer (countdowns, clock) */

	struct ui_job jobs[UI_MAX_JOBS]; /* running and recently finished, oldest first */
	size_t n_jobs;

	/* host facts for the header */
	char hostname[64];
	double load1;
	unsigned long long mem_avail;
	long long vg_free;          /* bytes, -1 unknown */
	struct job *vg_job;
	double next_vg;

	/* view stack: [0] is the main list */
	const struct view *stack[UI_STACK];
	int depth;

	/* terminal */
	bool too_small;
	bool ascii;                 /* no line drawing */
	bool utf8;                  /* the locale is UTF-8: Unicode box characters */
	bool color;
	bool dirty;
	bool quit;
	int cursor_y, cursor_x;     /* where a view wants the cursor this frame, -1 = hidden */
	int sig_fd;                 /* read end of the signal pipe */

	/* the status line: last message and when it was set */
	char *status_msg;
	bool status_error;
	double status_at;           /* now_mono() when it was set; news fades after a while */
	char *theme_note;           /* theme load problem, shown once */
};

/* ---- views ---- */
extern const struct view view_list, view_small, view_help, view_menu, view_confirm, view_iso,
	view_form, view_cmdline, view_jobs, view_text, view_filter, view_snapshot;
void ui_push(struct ui *ui, const struct view *v);
void ui_pop(struct ui *ui);
const struct view *ui_top(const struct ui *ui);

/* The console, as the CLI runs it with no verb (main.c hands it to cli_main). */
struct cli;
int ui_console_main(struct cli *c, int argc, char **argv);

/* ---- model (console.c) ---- */
struct vmdef *ui_guest(struct ui *ui);             /* the selected guest or NULL */
struct vm_status *ui_guest_status(struct ui *ui);
struct guest_extra *ui_guest_extra(struct ui *ui);
ssize_t ui_guest_index(const struct ui *ui, const char *name);
/* Appends to the guest's persisted event log (what only the console knows: edits, timeouts). */
void ui_event(struct ui *ui, const char *guest, enum events_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void ui_status(struct ui *ui, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ui_status_clear(struct ui *ui);
void ui_rescan(struct ui *ui);                      /* reload definitions, poll now */
void ui_poll_now(struct ui *ui);
void ui_select(struct ui *ui, const char *name);    /* now, or once it appears after a rescan */

/* ---- jobs (console.c) ---- */
/* false when there was no room: j was freed and the status line says so */
bool ui_job_add(struct ui *ui, struct job *j, void (*done)(struct ui *ui, struct job *j));
/* Starts a `vmdeck VERB ARGS...` job for guest (may be NULL); errors go to the status line. */
struct job *ui_run_verb(struct ui *ui, const char *guest, const char *const *words);
/*
 * A key's action on the selected guest: on its host when it is another host's (remote.c), else
 * ui_run_verb.
 */
struct job *ui_run_guest_verb(struct ui *ui, const char *guest, const char *const *words);
/* The same, with done called when the job ends. */
struct job *ui_run_verb_then(struct ui *ui, const char *guest, const char *const *words,
			     void (*done)(struct ui *ui, struct job *j));
/*
 * The titles of the jobs still running, "backup gm, restore x" (*n of them), or NULL when none
 * runs.
 */
char *ui_jobs_running(const struct ui *ui, size_t *n);
/* At exit, curses ended: each running job is ended through job_stop, saying so on stdout. */
void ui_jobs_end(struct ui *ui);

/* the loop's hooks into the model (console.c) */
struct pollfd;
int ui_jobs_fds(struct ui *ui, struct pollfd *fds, int max);
void ui_jobs_process(struct ui *ui, const struct pollfd *fds, int nfds);
void ui_jobs_reap(struct ui *ui);
void ui_status_progress(struct ui *ui, const struct pollfd *fds, int nfds);
void ui_watch_progress(struct ui *ui, const struct pollfd *fds, int nfds);
double ui_next_timer(struct ui *ui);     /* now_mono() of the next timer */
void ui_timers(struct ui *ui);           /* runs the timers that are due */

/* ---- loop (loop.c) ---- */
int ui_loop_run(struct ui *ui);
int ui_signals_install(struct ui *ui, char **err);
void ui_signals_restore(void);
void ui_suspend(struct ui *ui);   /* hand the terminal to a child program */
void ui_resume(struct ui *ui);

/* ---- drawing helpers (draw.c) ---- */
void theme_init(struct ui *ui);
attr_t role_attr(enum role r);
void ui_draw(struct ui *ui);
void draw_fill(WINDOW *w, int y, int x, int width, enum role r);
void draw_text(WINDOW *w, int y, int x, int width, enum role r, const char *s);
/*
 * Word wrap at w columns: the next row of s (its length in *take) and where the row after it
 * starts.
 */
const char *wrap_row(const char *s, int w, int *take);
/* a path cut to w columns from the left, as ".../tail" (buf holds it when cut) */
const char *draw_fit_left(const char *s, int w, char *buf, size_t len);
/* A name cut to w columns in its middle ("head~tail"); s itself when it fits. */
const char *draw_fit_middle(const char *s, int w, char *buf, size_t len);
int wrap_rows(const char *s, int w);  /* how many rows s takes */
void draw_box(struct ui *ui, WINDOW *w, enum role r, const char *title);
void draw_hline(struct ui *ui, WINDOW *w, int y, int x, int width, enum role r);
void draw_fkey_bar(struct ui *ui, int y);
int draw_fkey_at(int col);  /* the F-key whose label is drawn at column col of the bar, or 0 */
void draw_status_line(struct ui *ui, int y);
enum role role_for_state(enum vm_state s);
const char *fmt_uptime(double s, char *buf, size_t len);
const char *fmt_clock(double when, char *buf, size_t len);

/*
 * A centred dialog window on its own panel, re-made when the screen size
 * changes. dlg_open sizes it (h clipped to the rows between the header and
 * the status line, w to the screen: views read the real size back with
 * getmaxy/getmaxx); dlg_close frees it. dlg_invalidate_all (a resize,
 * Ctrl-L) makes every dialog re-make its window at its next draw.
 */
struct dlg {
	WINDOW *win;
	void *panel;
	int h, w;
	unsigned epoch;
};
WINDOW *dlg_open(struct dlg *d, int h, int w);
void dlg_close(struct dlg *d);
void dlg_invalidate_all(void);

/* ---- the table's rows (table_order.c) ---- */
/* after any change of guests, statuses, filter or sort */
void table_order_rebuild(struct ui *ui);
bool table_order_shows(const struct ui *ui, size_t i);
void table_order_select_pos(struct ui *ui, long pos); /* clamped to the rows shown */
void table_order_sort(struct ui *ui, int step);     /* the next (1) or previous (-1) sort column */
void table_order_reverse(struct ui *ui);

/* ---- keys and actions (keys.c) ---- */
struct key_bind {
	int key;               /* letter or other key */
	int fkey;              /* F-key alias (KEY_F(n)) or 0 */
	const char *label;     /* short label for the F-key bar, NULL = not on it */
	const char *help;      /* one line for the help screen and the action menu */
	int (*fn)(struct ui *ui);
	unsigned flags;
};
#define KB_GUEST 0x1   /* acts on the selected guest */
#define KB_MENU 0x2    /* offered in the action menu on Enter */
#define KB_REMOTE 0x4  /* also works on another host's guest (runs there) */
extern const struct key_bind key_binds[];
const struct key_bind *key_lookup(int ch);
const char *key_text(int key, char *buf, size_t len);
int key_dispatch(struct ui *ui, int ch);
/*
 * Whether k may run on the selection now (a guest selected; another host's only for KB_REMOTE);
 * says why not.
 */
bool key_allowed(struct ui *ui, const struct key_bind *k);
/* Teaches curses the F-key and Home/End sequences PuTTY and xterm send, whatever TERM says. */
void key_define_sequences(void);

/* ---- dialogs other modules open ---- */
typedef int (*confirm_fn)(struct ui *ui, void *arg);
/*
 * Asks a yes/no question, or (typed != NULL) asks for that word to be typed.
 * on_yes runs on confirmation; arg is freed with free() afterwards.
 */
void confirm_ask(struct ui *ui, const char *title, const char *text, const char *typed,
		 confirm_fn on_yes, void *arg);
typedef bool (*confirm_still_fn)(struct ui *ui, const void *arg);
/*
 * A yes/no question that no key asked for (a countdown ran out): it waits
 * until the main screen shows with nothing open, so typing meant for a form
 * never answers it, and then ignores keys for its first half second. still
 * (may be NULL) is asked when its turn comes; false drops the question.
 */
void confirm_ask_later(struct ui *ui, const char *title, const char *text, confirm_fn on_yes,
		       void *arg, confirm_still_fn still);
/* the loop, each turn: asks a waiting question when it may */
void confirm_show_waiting(struct ui *ui);
void text_show(struct ui *ui, const char *title, const char *body);
/* opens at its last page */
void text_show_end(struct ui *ui, const char *title, const char *body);
void form_open_new(struct ui *ui);
/*
 * The new-guest form for another host, from its `vmdeck hostinfo --json` (info): saved, it runs
 * `vmdeck new` there.
 */
void form_open_new_remote(struct ui *ui, const char *host, const json_t *info);
/*
 * e on another host's guest (remote_edit.c fetched them): its `vmdeck show NAME --json` in the
 * fields, that host's hostinfo as the choices; F2 runs `vmdeck set NAME --changes -` there.
 */
void form_open_edit_remote(struct ui *ui, const char *host, const json_t *info,
			   const json_t *show);
void form_open_edit(struct ui *ui);
void iso_open(struct ui *ui, bool start_after);
/* The picker over another host's ISOs (entries taken), for its guest: the choice runs there. */
struct iso_entry;
void iso_open_remote(struct ui *ui, bool start_after, const char *host, const char *guest,
		     struct iso_entry *all, size_t n);
void cmdline_open(struct ui *ui);
/* The command line, its line already holding text (the ISO picker's "iso make "). */
void cmdline_open_with(struct ui *ui, const char *text);
void cmdline_save_history(struct ui *ui);
void cmdline_readline_lend(void);    /* before another readline user runs in this process */
void cmdline_readline_reclaim(void);
void jobs_open(struct ui *ui);
/*
 * view_snapshot.c: runs `vmdeck snapshot ...` as a job; the snapshot list is read again when it
 * ends.
 */
void snapshot_view_run(struct ui *ui, const char *guest, const char *const *words);
/*
 * view_storage.c: the create form: a proposed tag (pre-YYYYmmdd-HHMM), RAM yes/no, a description.
 */
void snapshot_form_open(struct ui *ui, const char *guest, bool ram);
/*
 * view_storage.c: the restore form over names (archives in dir, newest first) and the move form
 * over dests; host NULL: this host's, else that host's (its verb runs there, remote_run_verb).
 */
void restore_form_open(struct ui *ui, const char *host, const char *dir, char **names, size_t n);
void move_form_open(struct ui *ui, const char *host, const char *guest, const char *const *dests,
		    size_t n);

/* ---- actions (actions.c) used by menus and dialogs ---- */
int action_start_with(struct ui *ui, const char *guest, const char *iso, bool boot_cd);
int action_cdrom_insert(struct ui *ui, const char *guest, const char *iso);
void actions_tick(struct ui *ui);  /* countdowns of graceful stops */

#endif
