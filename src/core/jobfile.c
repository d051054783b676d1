/* jobfile.c: a long verb's progress in state_dir/NAME/job, for every watcher; see jobfile.h. */
#include "jobfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actor.h"
#include "util.h"
#include "vmstate.h"

struct jobfile {
	const struct config *cfg;
	char *path, *tmp;
	struct jobfile_info info;
	double last;                  /* now_mono() of the last write */
	backup_progress_fn next_fn;   /* the caller's own progress callback */
	void *next_arg;
};

/* ---- the process: alive, and the same one (start time in ticks after boot) ---- */

/* /proc/PID/stat's starttime, 0 when there is no such live process (or a zombie). */
static unsigned long long proc_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	int field = 3;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if (pid <= 0 || file_read_small(path, buf, sizeof buf) <= 0 ||
	    (p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return 0;
	p += 2;  /* field 3: the state letter */
	if (*p == 'Z' || *p == 'X' || *p == 'x')
		return 0;
	while (field < 22 && (p = strchr(p, ' ')) != NULL) {
		p++;
		field++;
	}
	if (p)
		start = strtoull(p, NULL, 10);
	return start;
}

/* ---- writing ---- */

/* Readers look at the guests' files after this (jobfile_look); never fails the verb. */
static void stamp_touch(const struct config *cfg)
{
	char *path = path_join(cfg->state_dir, JOBFILE_STAMP);
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);

	if (fd >= 0) {
		futimens(fd, NULL);
		close(fd);
	}
	free(path);
}

static void text_make(struct jobfile_info *i)
{
	char a[16], b[16], r[16];

	if (i->percent < 0) {
		snprintf(i->text, sizeof i->text, "%s: %s", i->verb, i->phase);
		return;
	}
	snprintf(i->text, sizeof i->text, "%s: %d%% %s of %s", i->phase, i->percent,
		 size_human(i->done, a, sizeof a), size_human(i->total, b, sizeof b));
	if (i->rate > 0) {
		size_t n = strlen(i->text);

		snprintf(i->text + n, sizeof i->text - n, ", %s/s",
			 size_human((uint64_t)i->rate, r, sizeof r));
	}
	if (i->eta >= 0) {
		size_t n = strlen(i->text);

		snprintf(i->text + n, sizeof i->text - n, ", %d:%02d left", (int)i->eta / 60,
			 (int)i->eta % 60);
	}
}

/* The file, whole: a temporary name, then a rename. No fsync: it lives as long as the run. */
static void publish(struct jobfile *jf)
{
	json_t *o = jobfile_json(&jf->info);
	char *s;
	int fd;

	json_object_set_new(o, "pid_start", json_integer((json_int_t)jf->info.pid_start));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	jf->last = now_mono();
	if (!s)
		return;
	fd = open(jf->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		bool ok = fd_write_all(fd, s, strlen(s)) == 0 && fd_write_all(fd, "\n", 1) == 0;

		if (close(fd) == 0 && ok)
			rename(jf->tmp, jf->path);
		else
			unlink(jf->tmp);
	}
	free(s);
}

static void figures_set(struct jobfile *jf, const char *phase, uint64_t done, uint64_t total,
			double rate, double eta)
{
	struct jobfile_info *i = &jf->info;
	bool new_phase = strcmp(i->phase, phase) != 0;
	int pct = total ? (int)(done > total ? 100 : done * 100 / total) : -1;

	snprintf(i->phase, sizeof i->phase, "%s", phase);
	i->done = done;
	i->total = total;
	i->rate = rate;
	i->eta = eta;
	/* a step without a measure (a RAM save says 0 of 0 or 1) has no percent */
	i->percent = total > 1 ? pct : -1;
	text_make(i);
	if (new_phase || now_mono() - jf->last >= JOBFILE_EVERY)
		publish(jf);
}

static void on_progress(void *arg, const struct backup_progress *p)
{
	struct jobfile *jf = arg;

	figures_set(jf, p->phase, p->done, p->total, p->rate, p->eta);
	if (jf->next_fn)
		jf->next_fn(jf->next_arg, p);
}

struct jobfile *jobfile_begin(const struct config *cfg, const char *name, const char *verb,
			      struct job_hooks *hooks)
{
	struct jobfile *jf = xcalloc(1, sizeof *jf);
	struct jobfile_info *i = &jf->info;

	jf->cfg = cfg;
	jf->path = vmstate_path(cfg, name, JOBFILE_NAME);
	jf->tmp = vmstate_path(cfg, name, "." JOBFILE_NAME ".tmp");
	snprintf(i->verb, sizeof i->verb, "%s", verb);
	i->pid = getpid();
	i->pid_start = proc_start(i->pid);
	snprintf(i->by, sizeof i->by, "%s", actor_describe());
	i->started = (int64_t)time(NULL);
	snprintf(i->phase, sizeof i->phase, "starting");
	i->percent = -1;
	i->eta = -1;
	text_make(i);
	publish(jf);
	stamp_touch(cfg);
	if (hooks) {
		jf->next_fn = hooks->progress;
		jf->next_arg = hooks->arg;
		hooks->progress = on_progress;
		hooks->arg = jf;
	}
	return jf;
}

void jobfile_step(struct jobfile *jf, const char *phase, uint64_t done, uint64_t total)
{
	if (jf)
		figures_set(jf, phase, done, total, 0, -1);
}

void jobfile_end(struct jobfile *jf)
{
	if (!jf)
		return;
	unlink(jf->path);
	unlink(jf->tmp);
	stamp_touch(jf->cfg);
	free(jf->path);
	free(jf->tmp);
	free(jf);
}

/* ---- reading ---- */

static void copy_clean(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
	for (unsigned char *p = (unsigned char *)dst; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			p[0] = p[1] = '?';  /* a C1 control in UTF-8 (U+009B is a CSI to xterm) */
}

static double num_or(const json_t *v, double dflt)
{
	return json_is_number(v) ? json_number_value(v) : dflt;
}

/* v when it is a number in [0, max) (another host's words: a cast out of range is undefined). */
static double num_in(const json_t *v, double dflt, double max)
{
	double d = num_or(v, dflt);

	return d >= 0 && d < max ? d : dflt;
}

int jobfile_from_json(const json_t *o, struct jobfile_info *info)
{
	const json_t *verb = json_object_get(o, "verb"), *pct = json_object_get(o, "percent");

	memset(info, 0, sizeof *info);
	if (!json_is_object(o) || !json_is_string(verb) || !json_string_value(verb)[0])
		return -1;
	copy_clean(info->verb, sizeof info->verb, json_string_value(verb));
	copy_clean(info->by, sizeof info->by, json_string_value(json_object_get(o, "by")));
	copy_clean(info->phase, sizeof info->phase,
		   json_string_value(json_object_get(o, "phase")));
	copy_clean(info->text, sizeof info->text, json_string_value(json_object_get(o, "text")));
	info->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	info->pid_start = (unsigned long long)json_integer_value(json_object_get(o, "pid_start"));
	info->started = (int64_t)json_integer_value(json_object_get(o, "started"));
	info->percent = json_is_integer(pct) && json_integer_value(pct) >= 0 &&
					json_integer_value(pct) <= 100
				? (int)json_integer_value(pct)
				: -1;
	info->done = (uint64_t)num_in(json_object_get(o, "done"), 0, 0x1p63);
	info->total = (uint64_t)num_in(json_object_get(o, "total"), 0, 0x1p63);
	info->rate = num_in(json_object_get(o, "rate"), 0, 0x1p63);
	info->eta = num_in(json_object_get(o, "eta"), -1, 1e9);
	return 0;
}

json_t *jobfile_json(const struct jobfile_info *i)
{
	return json_pack("{s:s, s:I, s:s, s:I, s:s, s:o, s:I, s:I, s:I, s:o, s:s}", "verb",
			 i->verb, "pid", (json_int_t)i->pid, "by", i->by, "started",
			 (json_int_t)i->started, "phase", i->phase, "percent",
			 i->percent >= 0 ? json_integer(i->percent) : json_null(), "done",
			 (json_int_t)i->done, "total", (json_int_t)i->total, "rate",
			 (json_int_t)i->rate, "eta",
			 i->eta >= 0 ? json_integer((json_int_t)i->eta) : json_null(), "text",
			 i->text);
}

/* The file at path, bounded, not through a link, a regular file; its pid alive and the same. */
static int read_path(const char *path, struct jobfile_info *info)
{
	size_t len = 0;
	char *s = file_read_max(path, JOBFILE_MAX, O_NOFOLLOW, &len, NULL);
	json_t *o = s ? json_loadb(s, len, 0, NULL) : NULL;
	int rc = o && jobfile_from_json(o, info) == 0 ? 1 : 0;

	json_decref(o);
	free(s);
	if (rc && (info->pid <= 0 || info->pid_start == 0 ||
		   proc_start(info->pid) != info->pid_start))
		rc = 0;  /* a leftover of a run that was killed, or its pid now someone else's */
	return rc;
}

int jobfile_read(const struct config *cfg, const char *name, struct jobfile_info *info)
{
	char *path = vmstate_path(cfg, name, JOBFILE_NAME);
	int rc = read_path(path, info);

	free(path);
	if (rc == 0)
		memset(info, 0, sizeof *info);
	return rc;
}

bool jobfile_look(const struct config *cfg, struct jobfile_stamp *s, bool busy)
{
	char *path = path_join(cfg->state_dir, JOBFILE_STAMP);
	struct jobfile_stamp now = { 0 };
	struct stat st;
	bool changed, recent = false;

	if (lstat(path, &st) == 0) {
		now.dev = st.st_dev;
		now.ino = st.st_ino;
		now.mtime = st.st_mtim;
		recent = now_real() - ((double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9) <
			 JOBFILE_RECENT;
	}
	free(path);
	changed = now.dev != s->dev || now.ino != s->ino || now.mtime.tv_sec != s->mtime.tv_sec ||
		  now.mtime.tv_nsec != s->mtime.tv_nsec;
	*s = now;
	return busy || changed || recent;
}

static bool shown_differs(const struct jobfile_info *a, const struct jobfile_info *b)
{
	return a->pid != b->pid || a->percent != b->percent || strcmp(a->verb, b->verb) != 0 ||
	       strcmp(a->phase, b->phase) != 0;
}

bool jobfile_poll(const struct config *cfg, const char *name, struct jobfile_seen *seen)
{
	char *path = vmstate_path(cfg, name, JOBFILE_NAME);
	struct jobfile_seen now = { 0 };
	struct stat st;
	bool changed;

	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		now.dev = st.st_dev;
		now.ino = st.st_ino;
		now.mtime = st.st_mtim;
		if (now.dev == seen->dev && now.ino == seen->ino &&
		    now.mtime.tv_sec == seen->mtime.tv_sec &&
		    now.mtime.tv_nsec == seen->mtime.tv_nsec) {
			/* the same file (a leftover stays dead): whether its writer still lives */
			now.info = seen->info;
			now.present = seen->present &&
				      proc_start(now.info.pid) == now.info.pid_start;
		} else {
			now.present = read_path(path, &now.info) == 1;
		}
	}
	free(path);
	if (!now.present)
		memset(&now.info, 0, sizeof now.info);
	changed = seen->present != now.present ||
		  (now.present && shown_differs(&seen->info, &now.info));
	*seen = now;
	return changed;
}

const char *jobfile_short(const struct jobfile_info *info, char *buf, size_t len)
{
	if (info->percent >= 0)
		snprintf(buf, len, "%s %d%%", info->verb, info->percent);
	else
		snprintf(buf, len, "%s", info->verb);
	return buf;
}
