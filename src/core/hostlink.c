/*
 * hostlink.c: another host's `vmdeck watch --json` over one ssh, read without blocking; see
 * hostlink.h.
 */
#include "hostlink.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hosts.h"
#include "jobfile.h"
#include "spawn.h"

#define TURN_MAX_BYTES (256 << 10) /* read from one host in one turn of the console's loop */
#define LINE_MAX_BYTES (16 << 20)   /* a longer line is no watch line: the link is dropped */
#define BEATS_MISSED 3

struct hostlink {
	const struct config *cfg;
	struct host h;
	char *control;          /* the ControlPath, under state_dir */
	enum hostlink_state state;
	char *reason;
	double since;           /* epoch seconds it went down */
	struct spawn sp;
	bool running;
	struct sbuf buf;        /* bytes after the last complete line */
	json_t *guests;         /* list --json objects, sorted by name */
	json_t *facts;
	double remote_beat;     /* its heartbeat, from its first line; 0 unknown */
	double last_line;       /* now_mono() of the last line (or of the start) */
	double retry_at, backoff;
	bool got_full, changed;
};

/*
 * A remote host's words, fit for a terminal: control characters (ESC, newlines) become '?', and so
 * do both bytes of a C1 control in UTF-8 (U+009B is a CSI to xterm).
 */
static char *clean(const char *s)
{
	char *c = xstrdup(s);

	for (unsigned char *p = (unsigned char *)c; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			p[0] = p[1] = '?';
	return c;
}

static double beat_limit(const struct hostlink *hl)
{
	double beat = hl->remote_beat > 0 ? hl->remote_beat : hl->cfg->heartbeat;

	return BEATS_MISSED * (beat > 0 ? beat : 2.0);
}

/* ---- ssh ---- */

/* host_ssh_argv's, with the shared connection's options before the destination. */
static void ssh_argv(const struct hostlink *hl, const char *remote_cmd, bool tty, struct strv *av)
{
	struct strv base = { 0 };

	host_ssh_argv(&hl->h, &base, remote_cmd, tty);
	strv_add(av, base.v[0]);
	strv_add(av, "-o");
	strv_add(av, "ControlMaster=auto");
	strv_addf(av, "-oControlPath=%s", hl->control);
	strv_add(av, "-o");
	strv_add(av, "ControlPersist=60");
	for (size_t i = 1; i < base.n; i++)
		strv_add(av, base.v[i]);
	strv_free(&base);
}

static char *vmdeck_cmd(const struct hostlink *hl, const char *const *words)
{
	struct sbuf b = { 0 };

	/* the admin's own prefix (may carry -c FILE) */
	sbuf_add(&b, hl->h.vmdeck ? hl->h.vmdeck : "vmdeck");
	for (size_t i = 0; words[i]; i++) {
		char *q = sh_quote(words[i]);

		sbuf_printf(&b, " %s", q);
		free(q);
	}
	return sbuf_take(&b);
}

void hostlink_verb_argv(const struct hostlink *hl, const char *const *words, bool tty,
			struct strv *av)
{
	char *cmd = vmdeck_cmd(hl, words);

	ssh_argv(hl, cmd, tty, av);
	free(cmd);
}

static void go_down(struct hostlink *hl, enum hostlink_state st, char *reason)
{
	if (hl->state != HL_DOWN && hl->state != HL_INCOMPATIBLE)
		hl->since = (double)time(NULL);
	if (hl->since == 0)
		hl->since = (double)time(NULL);
	free(hl->reason);
	hl->reason = clean(reason);  /* ssh's stderr, a remote vmdeck's words */
	free(reason);
	hl->state = st;
	hl->changed = true;
}

static void link_start(struct hostlink *hl)
{
	static const char *const words[] = { "watch", "--json", NULL };
	struct strv av = { 0 };
	char *err = NULL;

	hostlink_verb_argv(hl, words, false, &av);
	hl->retry_at = now_mono() + hl->backoff;
	if (spawn_start(&hl->sp, av.v, SPAWN_PIPE, SPAWN_PIPE, &err) < 0) {
		go_down(hl, HL_DOWN, xasprintf("%s: cannot run ssh: %s", hl->h.name, err));
		free(err);
		strv_free(&av);
		return;
	}
	strv_free(&av);
	fcntl(hl->sp.out, F_SETFL, fcntl(hl->sp.out, F_GETFL) | O_NONBLOCK);
	hl->running = true;
	hl->got_full = false;
	hl->remote_beat = 0;
	hl->last_line = now_mono();
	sbuf_free(&hl->buf);
}

/* ssh is over (its stdout ended, or it was ended): why, and the next try after the backoff. */
static void link_ended(struct hostlink *hl)
{
	char *why = NULL;
	int rc = spawn_finish(&hl->sp, &why);

	hl->running = false;
	hl->retry_at = now_mono() + hl->backoff;
	hl->backoff =
		hl->backoff * 2 > HOSTLINK_BACKOFF_MAX ? HOSTLINK_BACKOFF_MAX : hl->backoff * 2;
	if (hl->state == HL_INCOMPATIBLE) {
		free(why);
		hl->retry_at = now_mono() + HOSTLINK_BACKOFF_MAX;
		return;
	}
	if (!hl->got_full && ((rc == 2 && why && strstr(why, "unknown verb")) || rc == 127)) {
		/* an old vmdeck, or none (a backup server): no use asking every few seconds */
		go_down(hl, HL_INCOMPATIBLE,
			xasprintf("%s: %s: %s", hl->h.name,
				  rc == 127 ? "no vmdeck there (hosts[].vmdeck)"
					    : "its vmdeck has no `watch` (older than this one)",
				  why ? why : "exit 127"));
		free(why);
		hl->retry_at = now_mono() + HOSTLINK_BACKOFF_MAX;
		return;
	}
	if (rc == 0 && !why)
		why = xstrdup("its vmdeck watch ended");
	go_down(hl, HL_DOWN, host_failure(&hl->h, rc, why));
}

static void link_stop(struct hostlink *hl)
{
	if (!hl->running)
		return;
	if (hl->sp.in >= 0) {  /* the remote watch ends when its stdin does */
		close(hl->sp.in);
		hl->sp.in = -1;
	}
	kill(hl->sp.pid, SIGTERM);
	link_ended(hl);
}

/* ---- lines ---- */

static int by_name(const void *a, const void *b)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "name")),
		      json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

/* A sorted copy of the objects with a string "name" (anything else a remote sends is dropped). */
static json_t *guests_sorted(json_t *in)
{
	size_t n = json_array_size(in), k = 0;
	json_t **v = xcalloc(n ? n : 1, sizeof *v), *out = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(in, i);

		if (json_is_object(o) && json_is_string(json_object_get(o, "name")))
			v[k++] = o;
	}
	qsort(v, k, sizeof *v, by_name);
	for (size_t i = 0; i < k; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

static ssize_t guest_find(const struct hostlink *hl, const char *name)
{
	size_t i;
	json_t *o;

	json_array_foreach(hl->guests, i, o)
		if (strcmp(json_string_value(json_object_get(o, "name")), name) == 0)
			return (ssize_t)i;
	return -1;
}

static void on_full(struct hostlink *hl, json_t *msg)
{
	json_t *proto = json_object_get(msg, "protocol");
	const char *ver = json_string_value(json_object_get(msg, "version"));

	if (json_integer_value(proto) != HOSTLINK_PROTOCOL) {
		go_down(hl, HL_INCOMPATIBLE,
			xasprintf(
				"%s: its vmdeck %s speaks watch protocol %lld; this one speaks %d",
				hl->h.name, ver ? ver : "(no version)",
				(long long)json_integer_value(proto), HOSTLINK_PROTOCOL));
		link_stop(hl);
		return;
	}
	json_decref(hl->guests);
	hl->guests = guests_sorted(json_object_get(msg, "guests"));
	json_decref(hl->facts);
	hl->facts = json_incref(json_object_get(msg, "host"));
	hl->remote_beat = json_number_value(json_object_get(msg, "heartbeat"));
	hl->got_full = true;
	hl->backoff = 1;
	hl->changed = true;
}

static void on_guest(struct hostlink *hl, json_t *msg)
{
	json_t *g = json_object_get(msg, "guest");
	const char *name = json_string_value(json_object_get(g, "name"));
	json_t *sorted;

	if (!json_is_object(g) || !name)
		return;
	if (guest_find(hl, name) >= 0) {
		json_t *old = json_array_get(hl->guests, (size_t)guest_find(hl, name));

		/* a watch that sends no "job" in guest lines: the job from its job lines stays */
		if (!json_object_get(g, "job") && json_object_get(old, "job"))
			json_object_set(g, "job", json_object_get(old, "job"));
		json_array_set(hl->guests, (size_t)guest_find(hl, name), g);
	} else {
		json_array_append(hl->guests, g);
		sorted = guests_sorted(hl->guests);
		json_decref(hl->guests);
		hl->guests = sorted;
	}
	hl->changed = true;
}

/* A guest's job began, moved or ended: kept in its object as "job" (null when none). */
static void on_job(struct hostlink *hl, json_t *msg)
{
	const char *name = json_string_value(json_object_get(msg, "name"));
	json_t *job = json_object_get(msg, "job");
	struct jobfile_info info;
	ssize_t i = name ? guest_find(hl, name) : -1;

	if (i < 0 || (!json_is_null(job) && jobfile_from_json(job, &info) < 0))
		return;  /* a guest not (yet) listed, or no job object */
	json_object_set(json_array_get(hl->guests, (size_t)i), "job", job);
	hl->changed = true;
}

static void on_line(struct hostlink *hl, const char *line, size_t len)
{
	json_t *msg = json_loadb(line, len, 0, NULL);
	const char *type = json_string_value(json_object_get(msg, "type"));
	ssize_t i;

	if (!type) {
		json_decref(msg);
		return;  /* not a watch line: the deadline judges a host that sends only such */
	}
	hl->last_line = now_mono();
	if (strcmp(type, "full") == 0)
		on_full(hl, msg);
	else if (!hl->got_full)
		;  /* nothing counts before the full status */
	else if (strcmp(type, "guest") == 0)
		on_guest(hl, msg);
	else if (strcmp(type, "job") == 0)
		on_job(hl, msg);
	else if (strcmp(type, "removed") == 0 && json_is_string(json_object_get(msg, "name")) &&
		 (i = guest_find(hl, json_string_value(json_object_get(msg, "name")))) >= 0) {
		json_array_remove(hl->guests, (size_t)i);
		hl->changed = true;
	} else if (strcmp(type, "heartbeat") == 0 && json_is_object(json_object_get(msg, "host"))) {
		json_decref(hl->facts);
		hl->facts = json_incref(json_object_get(msg, "host"));
		hl->changed = true;
	}
	if (hl->got_full && hl->state != HL_UP && hl->state != HL_INCOMPATIBLE) {
		hl->state = HL_UP;   /* a thawed link, or a new one */
		free(hl->reason);
		hl->reason = NULL;
		hl->since = 0;
		hl->changed = true;
	}
	json_decref(msg);
}

/*
 * What arrived, up to TURN_MAX_BYTES a turn: a host that never stops sending gets a share of the
 * console's loop, not all of it (poll wakes the next turn for the rest).
 */
static void on_readable(struct hostlink *hl)
{
	char chunk[65536];
	ssize_t r = 0;
	size_t taken = 0;

	while (hl->running && taken < TURN_MAX_BYTES &&
	       (r = read(hl->sp.out, chunk, sizeof chunk)) > 0) {
		char *nl;
		size_t start = 0;

		taken += (size_t)r;
		sbuf_addn(&hl->buf, chunk, (size_t)r);
		while ((nl = memchr(hl->buf.s + start, '\n', hl->buf.len - start)) != NULL) {
			on_line(hl, hl->buf.s + start, (size_t)(nl - (hl->buf.s + start)));
			start = (size_t)(nl - hl->buf.s) + 1;
			if (!hl->running)
				return;
		}
		memmove(hl->buf.s, hl->buf.s + start, hl->buf.len - start);
		hl->buf.len -= start;
		hl->buf.s[hl->buf.len] = '\0';
		if (hl->buf.len > LINE_MAX_BYTES) {
			go_down(hl, HL_DOWN,
				xasprintf("%s: a line of more than %d MiB: not vmdeck watch",
					  hl->h.name, LINE_MAX_BYTES >> 20));
			link_stop(hl);
			return;
		}
	}
	if (hl->running && taken < TURN_MAX_BYTES &&
	    (r == 0 || (errno != EAGAIN && errno != EINTR)))
		link_ended(hl);
}

/* ---- the interface ---- */

struct hostlink *hostlink_new(const struct config *cfg, const struct host *h)
{
	struct hostlink *hl = xcalloc(1, sizeof *hl);

	hl->cfg = cfg;
	hl->h = *h;
	hl->control = xasprintf("%s/ssh-%%C", cfg->state_dir);
	hl->state = HL_CONNECTING;
	hl->guests = json_array();
	hl->backoff = 1;
	hl->sp.in = hl->sp.out = -1;
	link_start(hl);
	return hl;
}

void hostlink_free(struct hostlink *hl)
{
	if (!hl)
		return;
	link_stop(hl);
	json_decref(hl->guests);
	json_decref(hl->facts);
	sbuf_free(&hl->buf);
	free(hl->reason);
	free(hl->control);
	free(hl);
}

const char *hostlink_name(const struct hostlink *hl) { return hl->h.name; }
enum hostlink_state hostlink_state(const struct hostlink *hl) { return hl->state; }
const char *hostlink_reason(const struct hostlink *hl) { return hl->reason; }
double hostlink_since(const struct hostlink *hl) { return hl->since; }
pid_t hostlink_pid(const struct hostlink *hl) { return hl->running ? hl->sp.pid : 0; }
json_t *hostlink_facts(const struct hostlink *hl) { return hl->facts; }
json_t *hostlink_guests(const struct hostlink *hl) { return hl->guests; }

bool hostlink_take_changed(struct hostlink *hl)
{
	bool c = hl->changed;

	hl->changed = false;
	return c;
}

int hostlink_fds(struct hostlink *hl, struct pollfd *fds, int max)
{
	if (!hl->running || max < 1)
		return 0;
	fds[0] = (struct pollfd){ .fd = hl->sp.out, .events = POLLIN };
	return 1;
}

int hostlink_timeout(const struct hostlink *hl)
{
	double now = now_mono(), at;

	if (!hl->running)
		at = hl->retry_at;
	else if (hl->state != HL_DOWN)
		at = hl->last_line + beat_limit(hl);
	else
		return -1;
	return at <= now ? 0 : (int)((at - now) * 1000.0) + 1;
}

void hostlink_process(struct hostlink *hl, short revents)
{
	double now;

	if (hl->running && (revents & (POLLIN | POLLHUP | POLLERR)))
		on_readable(hl);
	now = now_mono();
	if (hl->running && hl->state != HL_DOWN && now - hl->last_line >= beat_limit(hl))
		go_down(hl, HL_DOWN,
			xasprintf("%s: no answer for %.0f s (%d heartbeats): link or host hung",
				  hl->h.name, now - hl->last_line, BEATS_MISSED));
	if (!hl->running && now >= hl->retry_at)
		link_start(hl);
}

/* ---- a remote guest as the console's model ---- */

static char *str_or_null(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? clean(s) : NULL;
}

static enum vm_state state_from_name(const char *s)
{
	for (int i = 0; i < VM_STATE_COUNT; i++)
		if (s && strcmp(s, vmstate_name((enum vm_state)i)) == 0)
			return (enum vm_state)i;
	return VM_UNRESPONSIVE;
}

static void def_lists(const json_t *o, struct vmdef *def)
{
	json_t *disks = json_object_get(o, "disks"), *nics = json_object_get(o, "nics"), *x;
	size_t i;

	def->disks = xcalloc(json_array_size(disks) + 1, sizeof *def->disks);
	json_array_foreach(disks, i, x) {
		struct vm_disk *k = &def->disks[def->n_disks++];

		k->lv = str_or_null(x, "lv");
		k->file = str_or_null(x, "file");
		disk_iface_parse(json_string_value(json_object_get(x, "interface")), &k->iface);
		k->size = (uint64_t)json_integer_value(json_object_get(x, "size"));
	}
	def->nics = xcalloc(json_array_size(nics) + 1, sizeof *def->nics);
	json_array_foreach(nics, i, x) {
		struct vm_nic *n = &def->nics[def->n_nics++];

		n->bridge = str_or_null(x, "bridge");
		n->user = n->bridge == NULL;
		n->model = str_or_null(x, "model");
		n->mac = str_or_null(x, "mac");
	}
}

void hostlink_guest_model(const json_t *o, struct vmdef *def, struct vm_status *st)
{
	json_t *vnc = json_object_get(o, "vnc"), *cpu = json_object_get(o, "cpu_percent");
	json_t *up = json_object_get(o, "uptime");

	memset(def, 0, sizeof *def);
	def->name = str_or_null(o, "name");
	def->description = xstrdup("");
	def->memory = (uint64_t)json_integer_value(json_object_get(o, "memory"));
	def->cpus = (int)json_integer_value(json_object_get(o, "cpus"));
	def->cdrom = str_or_null(o, "cdrom");
	if (json_is_object(vnc)) {
		def->vnc = true;
		def->vnc_display = (int)json_integer_value(json_object_get(vnc, "display"));
		def->vnc_listen = str_or_null(vnc, "listen");
		if (json_is_true(json_object_get(vnc, "password")))
			/* only ever tested for NULL here */
			def->vnc_password = xstrdup("(set on its host)");
	}
	def_lists(o, def);
	memset(st, 0, sizeof *st);  /* a fresh model: st may be uninitialised, as def may */
	st->state = state_from_name(json_string_value(json_object_get(o, "state")));
	if (st->state == VM_INVALID)
		def->error = str_or_null(o, "error");
	st->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	st->cpu_percent = json_is_number(cpu) ? json_number_value(cpu) : -1;
	st->rss = (uint64_t)json_integer_value(json_object_get(o, "rss"));
	st->uptime = json_is_number(up) ? json_number_value(up) : -1;
	st->cdrom = str_or_null(o, "cdrom");
	st->reason = str_or_null(o, "error");
}

int hostlink_guest_job(const json_t *o, struct jobfile_info *info)
{
	if (jobfile_from_json(json_object_get(o, "job"), info) == 0)
		return 1;
	memset(info, 0, sizeof *info);
	return 0;
}
