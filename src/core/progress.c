/*
 * progress.c: a long copy's progress (rate, time left) and its commit point, for backup, restore,
 * move and live copy.
 */
#include "progress.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "stream.h"
#include "util.h"

/* ---- progress ---- */

void progress_begin(struct progress_tracker *t, backup_progress_fn fn, void *arg, const char *phase,
		    uint64_t total)
{
	memset(t, 0, sizeof *t);
	t->fn = fn;
	t->arg = arg;
	t->p.phase = phase;
	t->p.total = total;
	t->p.eta = -1;
	t->t0 = now_mono();
}

static void progress_emit(struct progress_tracker *t, bool final)
{
	double el = now_mono() - t->t0;

	t->p.rate = el > 0 ? (double)t->p.done / el : 0;
	t->p.eta = t->p.rate > 0 && t->p.total >= t->p.done
			   ? (double)(t->p.total - t->p.done) / t->p.rate
			   : -1;
	t->p.final = final;
	if (t->fn)
		t->fn(t->arg, &t->p);
}

void progress_add(void *tracker, uint64_t bytes)
{
	struct progress_tracker *t = tracker;
	double now = now_mono();

	t->p.done += bytes;
	if (now - t->last >= 0.2) {  /* a few updates a second are enough for any screen */
		t->last = now;
		progress_emit(t, false);
	}
}

void progress_end(struct progress_tracker *t)
{
	progress_emit(t, true);
}

/* ---- the commit point: a cancel before it undoes the run, one after it is too late ---- */

static void cancel_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

int progress_commit_hold(volatile sig_atomic_t *cancel, sigset_t *old, char **err)
{
	sigset_t set;

	stream_test_pause("commit");
	cancel_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, old);
	if (cancel && *cancel) {
		pthread_sigmask(SIG_SETMASK, old, NULL);
		return err_set(err, "interrupted");
	}
	return 0;
}

void progress_commit_release(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
	stream_test_pause("committed");
}
