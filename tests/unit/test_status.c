/* test_status.c: the status poller against scripted QMP peers: state mapping, CD medium, split replies, deadlines, pidfile rules. */
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "qmp.h"
#include "status.h"
#include "util.h"
#include "vm.h"
#include "vmstate.h"

static char tmpdir[64];
static struct config cfg;
#define DEADLINE_MS 400 /* the poller's deadline in the hung-monitor test */
#define HUNG_MS 1200    /* how long the hung peer holds its connection */

static pid_t fake_qemu; /* a sleeping process whose command line says QEMU, with the peers' -qmp */

/* ---- a scripted monitor per guest ---- */

struct peer {
	char name[16];
	int lfd;
	pthread_t thread;
	const char *status;     /* query-status's status; NULL = never greet */
	bool running;
	const char *cd;         /* medium in cd0, NULL = empty */
	bool refuse_status;     /* answer query-status with an error */
	const char *sock;       /* the socket it listens on, NULL = qmp.sock */
	int greet_after_ms;     /* a slow QEMU */
	const char *then;       /* the status a further query-status gets (a start's `cont` came between) */
};

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* MSG_NOSIGNAL: a poller that gave up on a slow peer has closed its end; that is no crash. */
static void say(int fd, const char *s)
{
	if (send(fd, s, strlen(s), MSG_NOSIGNAL) < 0)
		return;
}

/* Reads until n commands have arrived (the poller sends all of them at once, unframed). */
static int read_commands(int fd, int n)
{
	char buf[1024];
	int seen = 0;
	ssize_t r;

	while (seen < n && (r = read(fd, buf, sizeof buf - 1)) > 0) {
		buf[r] = '\0';
		for (char *p = buf; (p = strstr(p, "execute")) != NULL; p++)
			seen++;
	}
	return seen;
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	int fd = accept(p->lfd, NULL, NULL);
	char *status, *block;

	if (fd < 0)
		return NULL;
	if (p->status == NULL) { /* hung: accepts, never greets (well past the poller's deadline) */
		nap_ms(HUNG_MS);
		close(fd);
		return NULL;
	}
	nap_ms(p->greet_after_ms);
	/* the greeting split across writes */
	say(fd, "{\"QMP\": {\"version\": {}, ");
	nap_ms(5);
	say(fd, "\"capabilities\": [\"oob\"]}}\r\n");
	read_commands(fd, 3);
	if (p->refuse_status)
		status = xstrdup("{\"error\": {\"class\": \"GenericError\", \"desc\": \"no status today\"}}\r\n");
	else
		status = xasprintf("{\"return\": {\"status\": \"%s\", \"singlestep\": false, \"running\": %s}}\r\n",
				   p->status, p->running ? "true" : "false");
	if (p->cd)
		block = xasprintf("{\"return\": [{\"device\": \"fd0\", \"removable\": true}, {\"device\": \"cd0\", "
				  "\"qdev\": \"cd0\", \"removable\": true, \"tray_open\": false, \"inserted\": "
				  "{\"file\": \"%s\", \"ro\": true}}]}\r\n", p->cd);
	else
		block = xstrdup("{\"return\": [{\"device\": \"cd0\", \"removable\": true, \"tray_open\": false}]}\r\n");
	/* capabilities answer and an event in one write, the status reply split in two */
	say(fd, "{\"return\": {}}\r\n{\"timestamp\": {\"seconds\": 1, \"microseconds\": 0}, \"event\": \"RESUME\"}\r\n");
	nap_ms(2);
	if (send(fd, status, 10, MSG_NOSIGNAL) == 10)
		nap_ms(3);
	say(fd, status + 10);
	say(fd, block);
	free(status);
	free(block);
	/* a further query-status (a "prelaunch" asked again) until the poller hangs up */
	if (read_commands(fd, 1) == 1) {
		status = xasprintf("{\"return\": {\"status\": \"%s\", \"running\": %s}}\r\n",
				   p->then ? p->then : p->status, p->then || p->running ? "true" : "false");
		say(fd, status);
		free(status);
	}
	nap_ms(50);
	close(fd);
	return NULL;
}

static char *state_file(const char *name, const char *file)
{
	return vmstate_path(&cfg, name, file);
}

static void write_text(const char *name, const char *file, const char *text)
{
	char *p = state_file(name, file);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static void make_guest_dir(const char *name)
{
	char *d = vmstate_path(&cfg, name, NULL);

	mkdir(d, 0700);
	free(d);
}

/* A guest whose pidfile names the fake QEMU and whose qmp.sock is a scripted peer. */
static void peer_start(struct peer *p, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *sock, pid[32];

	snprintf(p->name, sizeof p->name, "%s", name);
	make_guest_dir(name);
	snprintf(pid, sizeof pid, "%d\n", fake_qemu);
	write_text(name, "qemu.pid", pid);
	sock = state_file(name, p->sock ? p->sock : "qmp.sock");
	assert_true(strlen(sock) < sizeof sa.sun_path);
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	unlink(sock);
	free(sock);
	p->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(p->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(p->lfd, 4), 0);
	assert_int_equal(pthread_create(&p->thread, NULL, peer_main, p), 0);
}

static void peer_stop(struct peer *p)
{
	pthread_join(p->thread, NULL);
	close(p->lfd);
}

static struct vmdef guest_def(const char *name)
{
	struct vmdef d;

	memset(&d, 0, sizeof d);
	d.name = (char *)name;
	return d;
}

/* ---- fixtures ---- */

/*
 * The fake QEMU names, as a real one does, each peer guest's qmp.sock after
 * -qmp: only such a process counts as that guest's QEMU (vmstate_pid_is_guest).
 * A shell under QEMU's name keeps that command line while it sleeps.
 */
static const char *const peer_guests[] = {
	"map0", "map1", "map2", "map3", "map4", "map5", "map6", "map7", "map8",
	"cdin", "cdout", "hung", "fine", "refuses", "rate", "busy", "kept", "shared", "sharer", "starting", "twosocks",
};

static pid_t fake_qemu_spawn(void)
{
	struct strv argv = { 0 };
	pid_t pid;

	strv_add(&argv, "qemu-system-x86_64");
	strv_add(&argv, "-c");
	strv_add(&argv, "while :; do sleep 1; done");
	strv_add(&argv, "sh");
	for (size_t i = 0; i < ARRAY_LEN(peer_guests); i++) {
		char *sock = vmstate_path(&cfg, peer_guests[i], "qmp.sock");

		strv_add(&argv, "-qmp");
		strv_addf(&argv, "unix:%s,server=on,wait=off", sock);
		free(sock);
	}
	pid = fork();
	if (pid == 0) {
		execv("/bin/sh", argv.v);
		_exit(127);
	}
	strv_free(&argv);
	return pid;
}

static int setup(void **state)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_status.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	memset(&cfg, 0, sizeof cfg);
	cfg.state_dir = tmpdir;
	cfg.qemu_binary = (char *)"qemu-system-x86_64";
	fake_qemu = fake_qemu_spawn();
	for (int i = 0; i < 200 && !vmstate_pid_is_guest(&cfg, "rate", fake_qemu); i++)
		nap_ms(5);
	nap_ms(100); /* a process fresh from exec may still show 0 resident pages */
	return vmstate_pid_is_guest(&cfg, "rate", fake_qemu) ? 0 : -1;
}

static int teardown(void **state)
{
	pid_t rm;

	kill(fake_qemu, SIGKILL);
	waitpid(fake_qemu, NULL, 0);
	if ((rm = fork()) == 0) {
		execlp("rm", "rm", "-rf", tmpdir, (char *)NULL);
		_exit(127);
	}
	waitpid(rm, NULL, 0);
	return 0;
}

/* ---- tests ---- */

struct mapping {
	const char *qmp;
	bool running;
	enum vm_state want;
	const char *reason_part;
};

static void test_qmp_status_mapping(void **state)
{
	static const struct mapping cases[] = {
		{ "running", true, VM_RUNNING, NULL },
		{ "paused", false, VM_PAUSED, NULL },
		{ "prelaunch", false, VM_PAUSED, NULL }, /* no start holds the lock */
		{ "shutdown", false, VM_SHUTTING_DOWN, NULL },
		{ "guest-panicked", false, VM_CRASHED, "panicked" },
		{ "internal-error", false, VM_CRASHED, "internal error" },
		{ "inmigrate", false, VM_STARTING, NULL },
		{ "io-error", false, VM_PAUSED, NULL },
		{ "some-future-state", true, VM_RUNNING, NULL },
	};
	size_t n = ARRAY_LEN(cases);
	struct peer peers[ARRAY_LEN(cases)];
	struct vmdef defs[ARRAY_LEN(cases)];
	struct vm_status out[ARRAY_LEN(cases)];
	char names[ARRAY_LEN(cases)][16];

	memset(peers, 0, sizeof peers);
	memset(out, 0, sizeof out);
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], sizeof names[i], "map%zu", i);
		peers[i].status = cases[i].qmp;
		peers[i].running = cases[i].running;
		peer_start(&peers[i], names[i]);
		defs[i] = guest_def(names[i]);
	}
	status_all(&cfg, defs, n, out, 2000);
	for (size_t i = 0; i < n; i++) {
		peer_stop(&peers[i]);
		if (out[i].state != cases[i].want)
			fail_msg("QMP status %s gave %s, expected %s (%s)", cases[i].qmp, vmstate_name(out[i].state),
				 vmstate_name(cases[i].want), out[i].reason ? out[i].reason : "");
		if (cases[i].reason_part)
			assert_non_null(strstr(out[i].reason, cases[i].reason_part));
		assert_int_equal(out[i].pid, fake_qemu);
		assert_true(out[i].rss > 0);
		assert_true(out[i].uptime >= 0);
		assert_true(out[i].cpu_percent >= 0);
		vmstate_status_clear(&out[i]);
	}
}

static void test_cd_medium_from_query_block(void **state)
{
	struct peer with = { .status = "running", .running = true, .cd = "/srv/iso/drivers.iso" };
	struct peer without = { .status = "running", .running = true };
	struct vmdef defs[2] = { guest_def("cdin"), guest_def("cdout") };
	struct vm_status out[2] = { 0 };

	peer_start(&with, "cdin");
	peer_start(&without, "cdout");
	status_all(&cfg, defs, 2, out, 2000);
	peer_stop(&with);
	peer_stop(&without);
	assert_int_equal(out[0].state, VM_RUNNING);
	assert_string_equal(out[0].cdrom, "/srv/iso/drivers.iso");
	assert_null(out[1].cdrom);
	vmstate_status_clear(&out[0]);
	vmstate_status_clear(&out[1]);
}

/* A hung monitor costs one deadline, and the guests around it are answered meanwhile. */
static void test_hung_monitor_does_not_hold_up_others(void **state)
{
	struct peer hung = { .status = NULL }, ok = { .status = "paused" }, refused = { .status = "running",
										       .refuse_status = true };
	struct vmdef defs[3] = { guest_def("hung"), guest_def("fine"), guest_def("refuses") };
	struct vm_status out[3] = { 0 };
	int64_t t0;

	peer_start(&hung, "hung");
	peer_start(&ok, "fine");
	peer_start(&refused, "refuses");
	t0 = now_ms();
	status_all(&cfg, defs, 3, out, DEADLINE_MS);
	/* the deadline, not the hung peer, ends the poll; the slack is for a busy machine */
	assert_true(now_ms() - t0 >= DEADLINE_MS - 10);
	assert_true(now_ms() - t0 < HUNG_MS - 100);
	assert_int_equal(out[0].state, VM_UNRESPONSIVE);
	assert_non_null(strstr(out[0].reason, "400 ms"));
	assert_int_equal(out[0].pid, fake_qemu); /* the process facts are still there */
	assert_int_equal(out[1].state, VM_PAUSED);
	assert_int_equal(out[2].state, VM_UNRESPONSIVE);
	assert_non_null(strstr(out[2].reason, "no status today"));
	peer_stop(&hung);
	peer_stop(&ok);
	peer_stop(&refused);
	for (int i = 0; i < 3; i++)
		vmstate_status_clear(&out[i]);
}

/* The pidfile rules: see status.c's header comment. */
static void test_pidfile_rules(void **state)
{
	struct vmdef defs[5] = { guest_def("never"), guest_def("killed"), guest_def("stopping"), guest_def("boot"),
				 guest_def("broken") };
	struct vm_status out[5] = { 0 };
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	char *p;

	/* killed: a pidfile naming a dead process */
	pid_t dead = fork();

	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	make_guest_dir("killed");
	make_guest_dir("stopping");
	make_guest_dir("boot");
	p = xasprintf("%d\n", dead);
	write_text("killed", "qemu.pid", p);
	write_text("killed", "qemu.log", "qemu-system-x86_64: the last real line\nqemu-system-x86_64: warning: never why it ended\n\n");
	write_text("killed", VM_RUN_LOG, "KVM internal error. Suberror: 1\nqemu-system-x86_64: emulation failure\n");
	write_text("stopping", "qemu.pid", p);
	write_text("stopping", "stopping", "1\n");
	write_text("boot", "qemu.pid", p);
	free(p);
	p = state_file("boot", "qemu.pid");
	assert_int_equal(utimensat(AT_FDCWD, p, old, 0), 0); /* older than the host's boot */
	free(p);
	defs[4].error = (char *)"broken.yaml:3:7: cpus: expected a number";
	status_all(&cfg, defs, 5, out, 500);
	assert_int_equal(out[0].state, VM_STOPPED);
	assert_int_equal(out[1].state, VM_CRASHED);
	/* QEMU's words while it ran explain the crash, not its start-up warnings */
	assert_non_null(strstr(out[1].reason, "emulation failure"));
	assert_int_equal(out[1].pid, 0);
	assert_null(out[1].cdrom);
	assert_int_equal(out[2].state, VM_STOPPED);
	assert_int_equal(out[3].state, VM_STOPPED);
	assert_int_equal(out[4].state, VM_INVALID);
	assert_string_equal(out[4].reason, "broken.yaml:3:7: cpus: expected a number");
	for (int i = 0; i < 5; i++)
		vmstate_status_clear(&out[i]);
	/* nothing said while running (a SIGKILL): the start log's last line that is no warning, program name off */
	p = state_file("killed", VM_RUN_LOG);
	unlink(p);
	free(p);
	status_all(&cfg, defs, 5, out, 500);
	assert_int_equal(out[1].state, VM_CRASHED);
	assert_non_null(strstr(out[1].reason, "shutdown: the last real line"));
	for (int i = 0; i < 5; i++)
		vmstate_status_clear(&out[i]);
}

/* Given the previous sample of the same process, CPU % is a rate over the interval. */
static void test_cpu_rate_from_previous_sample(void **state)
{
	struct peer p = { .status = "running", .running = true };
	struct vmdef def = guest_def("rate");
	struct vm_status prev = { 0 }, out = { 0 };
	struct status_poll *sp;
	struct pollfd fds[4];

	peer_start(&p, "rate");
	prev.pid = fake_qemu;
	prev.cpu_ticks = 0;
	prev.sampled_at = now_mono() - 1e6; /* no ticks since a very long time ago: a rate near 0 */
	sp = status_poll_start(&cfg, &def, 1, &prev, 2000);
	while (!status_poll_done(sp)) {
		int k = status_poll_fds(sp, fds, 4);

		assert_true(k <= 1);
		poll(fds, (nfds_t)k, status_poll_timeout(sp));
		status_poll_process(sp, fds, k);
	}
	status_poll_finish(sp, &out);
	peer_stop(&p);
	assert_int_equal(out.state, VM_RUNNING);
	assert_true(out.cpu_percent >= 0 && out.cpu_percent < 1);
	assert_true(out.sampled_at > prev.sampled_at);
	vmstate_status_clear(&out);
}

/* ---- B17: busy is not hung ---- */

/* Readers ask on their own monitor: one that is not vmdeck's, hung on qmp.sock, does not matter. */
static void test_status_monitor_is_asked(void **state)
{
	struct peer own = { .status = "running", .running = true, .sock = VM_STATUS_SOCK };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vmdef def = guest_def("twosocks");
	struct vm_status out = { 0 };
	char *ops;
	int lfd;

	peer_start(&own, "twosocks");
	/* qmp.sock taken by a client that is not vmdeck: it listens, and nobody is ever served */
	ops = state_file("twosocks", "qmp.sock");
	memcpy(sa.sun_path, ops, strlen(ops) + 1);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(lfd, 0), 0);
	status_all(&cfg, &def, 1, &out, DEADLINE_MS);
	if (out.state != VM_RUNNING)
		fail_msg("got %s (%s)", vmstate_name(out.state), out.reason ? out.reason : "");
	vmstate_status_clear(&out);
	peer_stop(&own);
	close(lfd);
	free(ops);
}

struct lock_hold {
	struct qmp q;           /* a monitor's lock, as another vmdeck client holds it */
	int fd;                 /* or a plain flock (state_dir/NAME/lock) */
	int ms;
	pthread_t thread;
};

static void *release_later(void *arg)
{
	struct lock_hold *h = arg;

	nap_ms(h->ms);
	qmp_close(&h->q);
	if (h->fd >= 0)
		close(h->fd);
	return NULL;
}

static void hold_for(struct lock_hold *h, int ms)
{
	h->ms = ms;
	assert_int_equal(pthread_create(&h->thread, NULL, release_later, h), 0);
}

/* NAME's monitor SOCK taken by another vmdeck client for ms (its lock only: no connection). */
static void monitor_hold(struct lock_hold *h, const char *name, const char *sock, int ms)
{
	char *path = state_file(name, sock);

	qmp_init(&h->q);
	h->fd = -1;
	assert_int_equal(qmp_lock_try(&h->q, path), 0);
	assert_true(h->q.lock_fd >= 0);
	free(path);
	hold_for(h, ms);
}

/* state_dir/NAME/lock held as vm_lock holds it, for ms. */
static void vm_lock_hold(struct lock_hold *h, const char *name, int ms)
{
	char *path = state_file(name, "lock");

	qmp_init(&h->q);
	h->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(h->fd >= 0);
	assert_int_equal(flock(h->fd, LOCK_EX), 0);
	free(path);
	hold_for(h, ms);
}

static void hold_end(struct lock_hold *h)
{
	pthread_join(h->thread, NULL);
}

static void fake_guest(const char *name)
{
	char pid[32];

	make_guest_dir(name);
	snprintf(pid, sizeof pid, "%d\n", fake_qemu);
	write_text(name, "qemu.pid", pid);
}

/* A reader waits while another has the monitor, and its deadline starts once the monitor is its own. */
static void test_busy_monitor_is_waited_for(void **state)
{
	struct peer p = { .status = "paused" };
	struct vmdef def = guest_def("busy");
	struct vm_status out = { 0 };
	struct lock_hold h;
	int64_t t0;

	peer_start(&p, "busy");
	monitor_hold(&h, "busy", "qmp.sock", 300);
	t0 = now_ms();
	status_all(&cfg, &def, 1, &out, DEADLINE_MS);
	assert_true(now_ms() - t0 >= 290);
	if (out.state != VM_PAUSED)
		fail_msg("got %s (%s)", vmstate_name(out.state), out.reason ? out.reason : "");
	vmstate_status_clear(&out);
	hold_end(&h);
	peer_stop(&p);
}

/* A monitor nobody gets an answer from for a whole deadline is unresponsive, and says why. */
static void test_monitor_kept_past_the_deadline(void **state)
{
	struct vmdef def = guest_def("kept");
	struct vm_status out = { 0 };
	struct lock_hold h;
	char *note;
	int64_t t0;

	fake_guest("kept");
	monitor_hold(&h, "kept", "qmp.sock", 1200);
	/* a verdict from before the poll began is no answer to it */
	note = xasprintf("{\"at\": 1, \"pid\": %d, \"state\": %d}", (int)fake_qemu, (int)VM_RUNNING);
	assert_int_equal(qmp_note_write(&h.q, note), 0);
	free(note);
	t0 = now_ms();
	status_all(&cfg, &def, 1, &out, DEADLINE_MS);
	assert_true(now_ms() - t0 >= DEADLINE_MS - 10 && now_ms() - t0 < 1100);
	assert_int_equal(out.state, VM_UNRESPONSIVE);
	assert_non_null(strstr(out.reason, "busy with other vmdeck clients for 400 ms"));
	vmstate_status_clear(&out);
	hold_end(&h);
}

struct late_note {
	struct lock_hold *h;
	pid_t pid;
	pthread_t thread;
};

static void *note_later(void *arg)
{
	struct late_note *n = arg;
	char *text;

	nap_ms(100);
	text = xasprintf("{\"at\": %.6f, \"pid\": %d, \"state\": %d, \"cdrom\": \"/srv/iso/x.iso\"}", now_real(),
			 (int)n->pid, (int)VM_PAUSED);
	qmp_note_write(&n->h->q, text);
	free(text);
	return NULL;
}

/*
 * What QEMU told the reader that has the monitor, after this one began to
 * ask, is this one's answer too; a verdict on another QEMU (pid) is not.
 */
static void test_shared_answer_is_taken(void **state)
{
	struct vmdef def = guest_def("shared");
	struct vm_status out = { 0 };
	struct lock_hold h;
	struct late_note n = { .h = &h, .pid = fake_qemu };
	int64_t t0;

	fake_guest("shared");
	monitor_hold(&h, "shared", "qmp.sock", 1200);
	assert_int_equal(pthread_create(&n.thread, NULL, note_later, &n), 0);
	t0 = now_ms();
	status_all(&cfg, &def, 1, &out, DEADLINE_MS);
	assert_true(now_ms() - t0 < DEADLINE_MS - 50);
	if (out.state != VM_PAUSED)
		fail_msg("got %s (%s)", vmstate_name(out.state), out.reason ? out.reason : "");
	assert_string_equal(out.cdrom, "/srv/iso/x.iso");
	assert_int_equal(out.pid, fake_qemu);
	vmstate_status_clear(&out);
	pthread_join(n.thread, NULL);
	hold_end(&h);

	monitor_hold(&h, "shared", "qmp.sock", 1200);
	n.pid = fake_qemu + 1;
	assert_int_equal(pthread_create(&n.thread, NULL, note_later, &n), 0);
	status_all(&cfg, &def, 1, &out, DEADLINE_MS);
	assert_int_equal(out.state, VM_UNRESPONSIVE);
	vmstate_status_clear(&out);
	pthread_join(n.thread, NULL);
	hold_end(&h);
}

/*
 * A start holds the lock until after its `cont`, sent on qmp.sock: it may
 * let go between QEMU's "prelaunch" to a reader and that reader's verdict.
 * Asked again, QEMU says running: not "paused" for a moment.
 */
static void test_prelaunch_while_a_start_lets_go(void **state)
{
	struct peer p = { .status = "prelaunch", .sock = VM_STATUS_SOCK, .greet_after_ms = 150, .then = "running" };
	struct vmdef def = guest_def("starting");
	struct vm_status out = { 0 };
	struct lock_hold h;

	peer_start(&p, "starting");
	vm_lock_hold(&h, "starting", 50);
	status_all(&cfg, &def, 1, &out, 2000);
	peer_stop(&p);
	hold_end(&h);
	if (out.state != VM_RUNNING)
		fail_msg("got %s (%s)", vmstate_name(out.state), out.reason ? out.reason : "");
	vmstate_status_clear(&out);
}

/* The reader that got QEMU's answer leaves its verdict in the lock file (0600) for the others. */
static void test_answer_is_shared(void **state)
{
	struct peer p = { .status = "running", .running = true, .cd = "/srv/iso/y.iso", .sock = VM_STATUS_SOCK };
	struct vmdef def = guest_def("sharer");
	struct vm_status out = { 0 };
	struct qmp q;
	char *sock, *lock, *note;
	struct stat sb;

	peer_start(&p, "sharer");
	status_all(&cfg, &def, 1, &out, 2000);
	peer_stop(&p);
	assert_int_equal(out.state, VM_RUNNING);
	vmstate_status_clear(&out);
	sock = state_file("sharer", VM_STATUS_SOCK);
	lock = xasprintf("%s.lock", sock);
	assert_int_equal(lstat(lock, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	qmp_init(&q);
	assert_int_equal(qmp_lock_try(&q, sock), 0);
	note = qmp_note_read(&q);
	assert_non_null(note);
	assert_non_null(strstr(note, "\"cdrom\":\"/srv/iso/y.iso\""));
	assert_non_null(strstr(note, "\"state\":2"));
	qmp_close(&q);
	free(note);
	free(lock);
	free(sock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qmp_status_mapping),
		cmocka_unit_test(test_cd_medium_from_query_block),
		cmocka_unit_test(test_hung_monitor_does_not_hold_up_others),
		cmocka_unit_test(test_pidfile_rules),
		cmocka_unit_test(test_cpu_rate_from_previous_sample),
		cmocka_unit_test(test_status_monitor_is_asked),
		cmocka_unit_test(test_busy_monitor_is_waited_for),
		cmocka_unit_test(test_monitor_kept_past_the_deadline),
		cmocka_unit_test(test_shared_answer_is_taken),
		cmocka_unit_test(test_answer_is_shared),
		cmocka_unit_test(test_prelaunch_while_a_start_lets_go),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
