/*
 * progress.h: a long copy's progress and its commit point, shared by backup, restore, move and live
 * copy.
 */
#ifndef VMDECK_PROGRESS_H
#define VMDECK_PROGRESS_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

struct backup_progress {
	const char *phase;      /* "backup", "restore", "verify", "copy", "live copy" */
	const char *item;       /* the disk being worked on */
	uint64_t done, total;   /* raw bytes over all disks */
	double rate;            /* bytes per second since the phase began */
	double eta;             /* seconds left, < 0 when unknown */
	bool final;             /* the last call of this phase */
};
typedef void (*backup_progress_fn)(void *arg, const struct backup_progress *p);

/* What a long copy takes from its caller, the same for backup, restore and move. */
struct job_hooks {
	backup_progress_fn progress;  /* may be NULL; called a few times a second at most */
	void *arg;
	volatile sig_atomic_t *cancel; /* when set non-zero, the run stops and cleans up */
};

struct progress_tracker {
	backup_progress_fn fn;
	void *arg;
	struct backup_progress p;
	double t0, last;
};
void progress_begin(struct progress_tracker *t, backup_progress_fn fn, void *arg, const char *phase,
		    uint64_t total);
void progress_add(void *tracker, uint64_t bytes);  /* a stream_opts progress callback */
void progress_end(struct progress_tracker *t);

/*
 * Around the step that puts a result in place (a rename, a definition
 * written): progress_commit_hold holds SIGINT, SIGTERM and SIGHUP, then fails with
 * "interrupted" if the run was cancelled before; a signal arriving after it
 * is delivered at progress_commit_release, once the result is in place, and the run
 * ends as done. Nothing between the two may wait long; a program run
 * meanwhile (the remote rename's ssh) inherits the held signals, so a Ctrl-C
 * to the process group cannot cut the rename off half-way either.
 */
int progress_commit_hold(volatile sig_atomic_t *cancel, sigset_t *old, char **err);
void progress_commit_release(const sigset_t *old);

#endif
