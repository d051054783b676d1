/*
 * watcher.c: every running guest's event monitor held open; QEMU's events mark guests for a status
 * round.
 */
#include "watcher.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "qmp.h"
#include "util.h"

#define GREET_MS 2000 /* greeting and capabilities must come by then, else another client has it \
		       */
#define EVENTS_KEPT 256        /* events kept for watcher_take_events; older ones are dropped */

enum wphase {
	WP_IDLE,       /* nothing held: busy, silent or gone; tried again at retry_at */
	WP_GREET,      /* connected, capabilities asked, waiting for the answer */
	WP_READY,      /* events flow */
};

struct wguest {
	char *name;
	pid_t pid;
	enum wphase phase;
	struct qmp q;
	double retry_at;       /* WP_IDLE: monotonic seconds */
	int64_t deadline;      /* WP_GREET: ms */
	bool dirty;            /* an event (or the connection's start or end) since the last mask */
	bool seen;             /* still running at the last watcher_track */
};

struct watcher {
	const struct config *cfg;
	struct wguest *g;
	size_t n, cap;
	struct strv events;
};

struct watcher *watcher_new(const struct config *cfg)
{
	struct watcher *w = xcalloc(1, sizeof *w);

	w->cfg = cfg;
	return w;
}

static void wguest_drop(struct wguest *g)
{
	qmp_close(&g->q);
	free(g->name);
}

void watcher_free(struct watcher *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		wguest_drop(&w->g[i]);
	free(w->g);
	strv_free(&w->events);
	free(w);
}

static struct wguest *find(const struct watcher *w, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->g[i].name, name) == 0)
			return &w->g[i];
	return NULL;
}

/* Lets go of the monitor (and its lock); the next try is due in WATCHER_RETRY_S. */
static void let_go(struct wguest *g, bool news)
{
	qmp_close(&g->q);
	g->phase = WP_IDLE;
	g->retry_at = now_mono() + WATCHER_RETRY_S;
	g->dirty = g->dirty || news;
}

/*
 * Takes the lock, connects and asks for capabilities; stays WP_IDLE while another watcher has it.
 */
static void try_hold(const struct watcher *w, struct wguest *g)
{
	static const char caps[] = "{\"execute\":\"qmp_capabilities\"}";
	char *sock = vmstate_path(w->cfg, g->name, VM_EVENTS_SOCK);
	struct stat sb;
	char *err = NULL;

	g->retry_at = now_mono() + WATCHER_RETRY_S;
	if (lstat(sock, &sb) < 0 || !S_ISSOCK(sb.st_mode) || qmp_lock_try(&g->q, sock) == 1 ||
	    qmp_connect(&g->q, sock, &err) != 0) {
		qmp_close(&g->q);  /* started before events.sock, busy, or QEMU is going */
		free(err);
		free(sock);
		return;
	}
	free(sock);
	if (send(g->q.fd, caps, sizeof caps - 1, MSG_NOSIGNAL | MSG_DONTWAIT) !=
	    (ssize_t)sizeof caps - 1) {
		let_go(g, false);
		return;
	}
	g->phase = WP_GREET;
	g->deadline = now_ms() + GREET_MS;
}

static struct wguest *add(struct watcher *w, const char *name, pid_t pid)
{
	struct wguest *g;

	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		w->g = xrealloc(w->g, w->cap * sizeof *w->g);
	}
	g = &w->g[w->n++];
	memset(g, 0, sizeof *g);
	g->name = xstrdup(name);
	g->pid = pid;
	qmp_init(&g->q);
	return g;
}

void watcher_track(struct watcher *w, const struct vmdef *defs, size_t n,
		   const struct vm_status *st)
{
	double now = now_mono();

	for (size_t i = 0; i < w->n; i++)
		w->g[i].seen = false;
	for (size_t i = 0; i < n; i++) {
		struct wguest *g = find(w, defs[i].name);

		if (st[i].pid <= 0 || (st[i].state != VM_RUNNING && st[i].state != VM_PAUSED))
			continue;
		if (g && g->pid != st[i].pid) { /* a new QEMU under the same name */
			let_go(g, true);
			g->pid = st[i].pid;
			g->retry_at = 0;
		}
		if (!g)
			g = add(w, defs[i].name, st[i].pid);
		g->seen = true;
		if (g->phase == WP_IDLE && now >= g->retry_at)
			try_hold(w, g);
	}
	for (size_t i = 0; i < w->n;) {
		if (w->g[i].seen) {
			i++;
			continue;
		}
		wguest_drop(&w->g[i]);
		w->g[i] = w->g[--w->n];
	}
}

int watcher_fds(struct watcher *w, struct pollfd *fds, int max)
{
	int k = 0;

	for (size_t i = 0; i < w->n && k < max; i++)
		if (w->g[i].phase != WP_IDLE)
			fds[k++] = (struct pollfd){ .fd = w->g[i].q.fd, .events = POLLIN };
	return k;
}

int watcher_timeout(const struct watcher *w)
{
	int64_t now = now_ms(), next = -1;

	for (size_t i = 0; i < w->n; i++)
		if (w->g[i].phase == WP_GREET && (next < 0 || w->g[i].deadline < next))
			next = w->g[i].deadline;
	if (next < 0)
		return -1;
	return next > now ? (int)(next - now) : 0;
}

static void note_event(struct watcher *w, struct wguest *g, const json_t *msg)
{
	const char *ev = json_string_value(json_object_get(msg, "event"));

	g->dirty = true;
	if (w->events.n >= EVENTS_KEPT) {
		free(w->events.v[0]);
		memmove(w->events.v, w->events.v + 1, (w->events.n - 1) * sizeof *w->events.v);
		w->events.n--;
		w->events.v[w->events.n] = NULL;
	}
	strv_addf(&w->events, "%s %s", g->name, ev ? ev : "?");
}

static void on_message(struct watcher *w, struct wguest *g, json_t *msg)
{
	if (qmp_is_event(msg)) {
		note_event(w, g, msg);
	} else if (g->phase == WP_GREET && json_object_get(msg, "return")) {
		/* from now on nothing is missed; what happened before is asked once more */
		g->phase = WP_READY;
		g->dirty = true;
	} else if (g->phase == WP_GREET && !qmp_is_greeting(msg)) {
		let_go(g, false);
	}
}

static void on_readable(struct watcher *w, struct wguest *g)
{
	ssize_t r = qmp_read(&g->q);
	json_t *msg;
	int bad = 0;

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		let_go(g, true); /* QEMU ended or closed: a round judges it */
		return;
	}
	while (g->phase != WP_IDLE && (msg = qmp_next_message(&g->q, &bad)) != NULL) {
		on_message(w, g, msg);
		json_decref(msg);
	}
	if (bad && g->phase != WP_IDLE)
		let_go(g, true);
}

void watcher_process(struct watcher *w, const struct pollfd *fds, int nfds)
{
	int64_t now;

	for (int k = 0; k < nfds; k++) {
		if (!fds[k].revents)
			continue;
		for (size_t i = 0; i < w->n; i++)
			if (w->g[i].phase != WP_IDLE && w->g[i].q.fd == fds[k].fd) {
				on_readable(w, &w->g[i]);
				break;
			}
	}
	now = now_ms();
	for (size_t i = 0; i < w->n; i++)
		if (w->g[i].phase == WP_GREET && now >= w->g[i].deadline)
			/* a client that is not vmdeck has it: QEMU never greeted us */
			let_go(&w->g[i], false);
}

void watcher_quiet_mask(struct watcher *w, const struct vmdef *defs, size_t n,
			const struct vm_status *st, bool *quiet)
{
	for (size_t i = 0; i < n; i++) {
		struct wguest *g = find(w, defs[i].name);

		quiet[i] = g && g->phase == WP_READY && !g->dirty && g->pid == st[i].pid &&
			   (st[i].state == VM_RUNNING || st[i].state == VM_PAUSED);
		if (g)
			g->dirty = false;
	}
}

bool watcher_dirty(const struct watcher *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->g[i].dirty)
			return true;
	return false;
}

size_t watcher_held(const struct watcher *w)
{
	size_t k = 0;

	for (size_t i = 0; i < w->n; i++)
		k += w->g[i].phase == WP_READY;
	return k;
}

char **watcher_take_events(struct watcher *w, size_t *n)
{
	char **v = w->events.v;

	*n = w->events.n;
	memset(&w->events, 0, sizeof w->events);
	return v;
}

/* A cheap fingerprint of vms_dir: changes when a file is added, removed or rewritten. */
uint64_t watcher_defs_stamp(const struct config *cfg)
{
	DIR *d = opendir(cfg->vms_dir);
	struct dirent *e;
	struct stat st;
	uint64_t h = 1469598103934665603ULL;

	if (!d)
		return 0;
	if (fstat(dirfd(d), &st) == 0)
		h = (h ^ (uint64_t)st.st_mtim.tv_nsec ^ (uint64_t)st.st_mtime) * 1099511628211ULL;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, 0) < 0)
			continue;
		h = (h ^ (uint64_t)st.st_mtim.tv_nsec ^ ((uint64_t)st.st_mtime << 20) ^
		     (uint64_t)st.st_size ^ (uint64_t)st.st_ino) *
		    1099511628211ULL;
	}
	closedir(d);
	return h;
}
