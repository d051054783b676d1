/*
 * remote.h: the other hosts in the console: their links, their rows, their header lines, actions
 * there.
 */
#ifndef VMDECK_UI_REMOTE_H
#define VMDECK_UI_REMOTE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "hostlink.h"

struct job;
struct ui;

/* One hostlink per hosts[] entry (their ssh start at once; nothing waits). */
void remote_start(struct ui *ui);
void remote_stop(struct ui *ui);

int remote_fds(struct ui *ui, struct pollfd *fds, int max);
int remote_timeout(const struct ui *ui);       /* ms, -1 none */
/* Reads and runs deadlines; a link with news marks ui->links_changed. */
void remote_process(struct ui *ui, const struct pollfd *fds, int nfds);

/*
 * Every other host's guests as rows: defs, st and hosts (the hosts[] name,
 * borrowed) of *n entries, allocated. A host that is unreachable shows its
 * last known guests as `unreachable`, with the reason and since when.
 */
void remote_rows(struct ui *ui, struct vmdef **defs, struct vm_status **st, const char ***hosts,
		 size_t *n);

struct hostlink *remote_link(const struct ui *ui, const char *host);
/* The host row i belongs to: its hosts[] name, or this host's name. */
const char *remote_host_name(const struct ui *ui, size_t i);
/*
 * How many header lines the other hosts take (0 without hosts; one each when the terminal is tall
 * enough).
 */
int remote_header_lines(const struct ui *ui);
/* Header line k (0 .. remote_header_lines - 1) into buf. */
void remote_header_text(const struct ui *ui, int k, char *buf, size_t len);

/* The most of an answer that is read (a verb run with a done callback keeps its output whole). */
#define REMOTE_ANSWER_MAX (16 << 20)

/*
 * A finished job's answer from another host: one JSON object, after whatever ssh may have said
 * first (NULL when there is none, or when it was longer than REMOTE_ANSWER_MAX: said on the
 * status line). The caller owns it.
 */
json_t *remote_answer(struct ui *ui, const struct job *j);

/* Runs `vmdeck WORDS` on host as a background job through its shared connection. */
struct job *remote_run_verb(struct ui *ui, const char *host, const char *guest,
			    const char *const *words, void (*done)(struct ui *ui, struct job *j));
/* The same with input on its stdin (a password, a plan): never on a command line. */
struct job *remote_run_verb_input(struct ui *ui, const char *host, const char *guest,
				  const char *const *words, const void *input, size_t len,
				  void (*done)(struct ui *ui, struct job *j));

/*
 * Another host's answer has come: true when the main screen is on top (a form or picker may open
 * from it). Else the admin has moved on: the form there may share the state of the one that would
 * open, so nothing opens and the status line says to press the key again.
 */
bool remote_on_main_screen(struct ui *ui, const char *what, const char *host);

/*
 * c / b on another host's guest: that host's ISO list is fetched (a job), then the picker opens on
 * it.
 */
void remote_iso_pick(struct ui *ui, const char *host, const char *guest, bool start_after);

/*
 * B on another host's guest: asks, then its own `vmdeck backup` (live when it runs) as a job
 * through the link.
 */
void remote_backup(struct ui *ui, const char *host, const char *name, bool live);

/*
 * n while only that host's guests are shown: its hostinfo is fetched (a job), then the new-guest
 * form for it.
 */
void remote_new_guest(struct ui *ui, const char *host);

/* H: the table shows the next host only (this one, then each of hosts[]), then all again. */
int act_host_next(struct ui *ui);
/* `:host NAME` (NAME "" or "all": every host); an unknown name is said on the status line. */
void remote_filter(struct ui *ui, const char *name);

#endif
