/*
 * jobfile.h: a long verb's progress, published for every watcher in the
 * guest's runtime folder: state_dir/NAME/job, a small JSON object
 * {"verb","pid","pid_start","by","started","phase","percent","done","total",
 * "rate","eta","text"} (README, "Runtime files"). It is written with a
 * temporary name and a rename (no half file is ever read), at most once a
 * second and at each new phase, and removed when the verb ends, whichever
 * way (done, failed, cancelled by a signal). A verb killed outright
 * (SIGKILL, a crash) leaves it: a reader takes it only while its pid lives
 * and has the same start time (pid_start, /proc/PID/stat), so a leftover,
 * or a reused pid, is no job.
 *
 * Writers: backup, restore (under the name it restores as), move, clone
 * (under the source's name) and snapshot create/revert/delete, each through
 * jobfile_begin once it holds the guest's lock (a refused second run never
 * touches the first one's file), and jobfile_end before it lets go.
 * Readers: `vmdeck watch` and the console, at their refresh interval. While
 * nothing runs a round costs one lstat of state_dir/jobs.stamp, which every
 * writer touches after its begin and its end (jobfile_look); only then, or
 * while a job runs, each guest's file is looked at (jobfile_poll).
 */
#ifndef VMDECK_JOBFILE_H
#define VMDECK_JOBFILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"
#include "progress.h"

#define JOBFILE_NAME "job"
#define JOBFILE_STAMP "jobs.stamp"  /* in state_dir: touched when a job begins or ends */
#define JOBFILE_RECENT 3.0     /* seconds a touch of the stamp keeps readers looking */
#define JOBFILE_MAX 4096       /* a larger file is no job file */
#define JOBFILE_EVERY 1.0      /* seconds between writes within one phase */

/* ---- writing ---- */

struct jobfile;

/*
 * Publishes that verb runs on guest name (the file written at once, phase
 * "starting"); when hooks is not NULL, its progress callback is wrapped, so
 * each progress report is published too and then handed on to the
 * caller's. Never fails the verb: a file that cannot be written is skipped.
 */
struct jobfile *jobfile_begin(const struct config *cfg, const char *name, const char *verb,
			      struct job_hooks *hooks);
/* A step's figures (a snapshot's commit or RAM save), for verbs without job_hooks. */
void jobfile_step(struct jobfile *jf, const char *phase, uint64_t done, uint64_t total);
/* Removes the file and frees (NULL is fine). */
void jobfile_end(struct jobfile *jf);

/* ---- reading ---- */

struct jobfile_info {
	char verb[24];
	pid_t pid;
	unsigned long long pid_start;
	char by[100];
	int64_t started;        /* epoch seconds */
	char phase[24];
	int percent;            /* 0-100, -1 when unknown */
	uint64_t done, total;
	double rate, eta;       /* bytes per second; seconds left, < 0 unknown */
	char text[128];
};

/* What a reader saw last of one guest's file: the next look is one lstat when nothing changed. */
struct jobfile_seen {
	bool present;           /* info holds a live job */
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	struct jobfile_info info;
};

/* What a reader saw last of state_dir/jobs.stamp (zeroed: look at once). */
struct jobfile_stamp {
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
};

/*
 * Whether the guests' job files are worth a look this round: a job runs
 * (busy: the reader saw one last time), or the stamp changed or was touched
 * within JOBFILE_RECENT seconds (a file's times are coarse: two touches in
 * one tick look the same). One lstat.
 */
bool jobfile_look(const struct config *cfg, struct jobfile_stamp *s, bool busy);

/*
 * Looks at guest name's job file: *seen is brought up to date (present or
 * not). True when what a watcher shows changed: a job began or ended, or
 * its verb, phase or percent moved.
 */
bool jobfile_poll(const struct config *cfg, const char *name, struct jobfile_seen *seen);
/* Reads and checks the file once (no cache): 1 a live job in *info, 0 none. */
int jobfile_read(const struct config *cfg, const char *name, struct jobfile_info *info);

/* The object watch sends ("pid_start" left out), and back from a remote host's line. */
json_t *jobfile_json(const struct jobfile_info *info);
/* 0 when o is a job object (unknown fields ignored, strings cut to fit), -1 otherwise. */
int jobfile_from_json(const json_t *o, struct jobfile_info *info);
/* "backup 42%" (or "backup" when the percent is unknown), for a narrow cell. */
const char *jobfile_short(const struct jobfile_info *info, char *buf, size_t len);

#endif
