/*
 * job.h: background jobs: a child process (a core call or a vmdeck verb) whose output comes back on
 * a pipe.
 */
#ifndef VMDECK_JOB_H
#define VMDECK_JOB_H

#include <stdbool.h>
#include <sys/types.h>

#include "util.h"

/*
 * A job is a child process whose stdout and stderr go into one pipe that the
 * caller's poll loop reads (job_fd, job_read); SIGCHLD tells the loop to call
 * job_reap. Nothing here blocks.
 *
 * Progress: a child that prints lines holding "NN%" (e.g. a backup printing
 * "backup: 42% 1.2G of 3.0G, 110M/s, 0:14 left") sets job->progress to NN,
 * so any verb that reports progress in plain lines shows a bar in a job list.
 */
struct job {
	int id;                /* 1, 2, ... in start order */
	pid_t pid;
	int fd;                /* read end of the output pipe; -1 after EOF */
	char *guest;           /* the guest it acts on, or NULL */
	char *title;           /* "start av-server" */
	struct sbuf out;       /* what it printed (the last 64 KiB at most) */
	char *last_line;       /* the last complete non-empty line, or NULL */
	int progress;          /* 0-100 from the newest "NN%", -1 when none */
	bool exited;           /* reaped */
	int status;            /* wait status, when exited */
	double started, ended; /* now_mono() */
	void *data;            /* owned by the caller */
	/*
	 * 0: out keeps the last 64 KiB (a log). Else an answer to parse: the
	 * first out_keep bytes are kept, whole or with out_cut set.
	 */
	size_t out_keep;
	bool out_cut;
};

/* A core call to run in the child: its return value is the exit code. */
typedef int (*job_fn)(void *arg);

/*
 * Forks; the child runs fn(arg) with stdout/stderr on the pipe, stdin on
 * /dev/null, default signal handlers and no other inherited fds, then exits.
 */
struct job *job_call(const char *guest, const char *title, job_fn fn, void *arg, char **err);

/*
 * Runs this same program as `vmdeck -c CONFIG WORDS...` (re-executing
 * /proc/self/exe with an explicit argv: no shell).
 */
struct job *job_run_verb(const char *config_path, const char *const *words, const char *guest,
			 char **err);

/* Runs an arbitrary program (argv[0] looked up in PATH) as a job. */
struct job *job_run_argv(const char *const *argv, const char *guest, const char *title, char **err);
/*
 * The same, with input (len bytes, at most a pipe's buffer: 64 KiB) on the child's stdin, then
 * EOF. For what must not be on a command line (a password, a plan that holds one): argv is
 * visible to every user in ps.
 */
struct job *job_run_argv_input(const char *const *argv, const char *guest, const char *title,
			       const void *input, size_t len, char **err);

/*
 * Runs `vmdeck -c CONFIG WORDS...` in the foreground on our terminal and
 * waits for it (the serial console, the monitor). The caller hands the
 * terminal over first. Returns its exit code, -1 with *err if it cannot run.
 */
int job_run_foreground(const char *config_path, const char *const *words, char **err);

/* Reads what is available (call when fd is readable). Returns 0 at EOF, 1 otherwise. */
int job_read(struct job *j);
/* waitpid without blocking; true once the child has exited (now or before). */
bool job_reap(struct job *j);
/* Exited and its output fully read. */
bool job_done(const struct job *j);
/* 0 on success, the exit code, or 128+signal. -1 while running. */
int job_exit_code(const struct job *j);
/* One line for a status bar: the last line it printed, else "done" / "failed (exit N)". */
const char *job_result(const struct job *j);
/* Asks the child to stop (SIGTERM). */
void job_cancel(struct job *j);

/* Seconds a job is given to end by itself after SIGTERM before it is killed. */
#define JOB_STOP_WAIT 30.0
/*
 * Ends a running job through its own cancel path: SIGTERM (a backup, restore
 * or move then removes what it had written), up to timeout_s for it to exit
 * while its output is still read, and SIGKILL only if it has not. Blocks.
 * Returns 0 when it ended by itself (or had already), 1 when it was killed.
 */
int job_stop(struct job *j, double timeout_s);
/* Closes the pipe and frees; a running child is ended with job_stop first. */
void job_free(struct job *j);

/* Splits a command line into words: spaces separate, '...' and "..." quote, \ escapes. */
int job_split_words(const char *line, struct strv *out, char **err);

#endif
