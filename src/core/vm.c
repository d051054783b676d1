/*
 * vm.c: a guest's lifecycle: state folder, lock, start (pre-checks, spawn, QMP set-up), stop, kill
 * and live actions.
 */
#include "vm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "template.h"
#include "events.h"
#include "qemu_argv.h"
#include "portowner.h"
#include "qmp.h"
#include "spawn.h"
#include "storage.h"
#include "util.h"
#include "vmstate.h"
#include "vnc.h"

#define QMP_TIMEOUT_MS    3000   /* one QMP action on a healthy guest */
#define QMP_KILL_MS       1000   /* kill asks politely only this long */
#define SPAWN_TIMEOUT_MS  60000  /* QEMU's daemonizing parent must exit by then */
#define QUIT_WAIT_MS      3000   /* after QMP quit */
#define KILL_WAIT_MS      5000   /* after SIGKILL */
/* how long a kill waits for a start in progress to end: a disk made, then QEMU spawned, at most */
#define KILL_START_WAIT_MS (2 * SPAWN_TIMEOUT_MS + 10000)
#define START_LOCK        "start.lock"
#define KILL_MARK         "kill-requested"
#define KILLED_STARTING   "stopped by vmdeck kill while starting"

/* Files a running QEMU leaves in its folder; removed once it is gone. */
static const char *const runtime_files[] = {
	"qemu.pid", "qmp.sock",	   VM_STATUS_SOCK, VM_EVENTS_SOCK,
	"hmp.sock", "serial.sock", "qga.sock",	   "stopping",
};

static const char *const stop_step_texts[] = {
	[STOP_WAS_STOPPED] = "was not running",
	[STOP_ACPI] = "powered off by ACPI",
	[STOP_QUIT] = "did not power off; quit QEMU",
	[STOP_KILL] = "killed",
};

const char *vm_stop_step_text(enum vm_stop_step s)
{
	if ((size_t)s >= ARRAY_LEN(stop_step_texts))
		return "?";
	return stop_step_texts[s];
}

/* ---- runtime folder and lock ---- */

/*
 * Guest NAME's lock file FILE in its state folder, created 0600 (never
 * through a link) and flocked: waiting for it, or failing at once as busy.
 */
static int lock_take(const struct config *cfg, const char *name, const char *file, bool wait,
		     char **err)
{
	char *path;
	int fd;

	if (vmstate_dir_prepare(cfg, name, err) < 0)
		return -1;
	path = vmstate_path(cfg, name, file);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err_set(err, "cannot open %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			err_set(err,
				"%s is busy: another vmdeck is starting/stopping/backing it up",
				name);
		else
			err_set(err, "cannot lock %s: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int vm_lock(const struct config *cfg, const char *name, bool wait, char **err)
{
	return lock_take(cfg, name, "lock", wait, err);
}

void vm_unlock(int fd)
{
	if (fd >= 0)
		close(fd);  /* closing drops the flock */
}

/*
 * ---- a start in progress, and a kill that meets it ----
 *
 * vm_start holds an flock on state_dir/NAME/start.lock from before it looks
 * for a running QEMU until it returns; kill takes no part in the main lock
 * (it must end a hung stop or start), but a kill that finds start.lock held
 * writes the kill-requested marker, ends any QEMU of the guest that appears,
 * and waits for start.lock. The start gives up at its next step when it sees
 * the marker. So when kill has start.lock, no start is under way and the
 * guest is off once kill has ended what runs.
 */

static int start_lock_open(const struct config *cfg, const char *name, int create)
{
	char *path = vmstate_path(cfg, name, START_LOCK);
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | create, 0600);

	free(path);
	return fd;
}

static bool flock_try(int fd)
{
	while (flock(fd, LOCK_EX | LOCK_NB) < 0)
		if (errno != EINTR)
			return false;
	return true;
}

static void kill_mark(const struct config *cfg, const char *name, bool set)
{
	char *path = vmstate_path(cfg, name, KILL_MARK);
	int fd;

	if (!set)
		unlink(path);
	else if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) >= 0)
		close(fd);
	free(path);
}

static bool kill_requested(const struct config *cfg, const char *name)
{
	char *path = vmstate_path(cfg, name, KILL_MARK);
	bool set = access(path, F_OK) == 0;

	free(path);
	return set;
}

/* start.lock for a start: busy at once when another start (or a kill) holds it. */
static int start_lock_take(const struct config *cfg, const char *name, char **err)
{
	int fd = lock_take(cfg, name, START_LOCK, false, err);

	/*
	 * a marker now is from a kill that died, or one that waits for this lock and ends what this
	 * start makes
	 */
	if (fd >= 0)
		kill_mark(cfg, name, false);
	return fd;
}

/* ---- process helpers ---- */

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Polls until pid is gone (absent or a zombie) or ms pass. */
static bool wait_gone(pid_t pid, int ms)
{
	int64_t end = now_ms() + ms;

	while (vmstate_pid_alive(pid)) {
		if (now_ms() >= end)
			return false;
		sleep_ms(50);
	}
	return true;
}

/*
 * SIGKILL to guest NAME's QEMU, and only to it: the pid is pinned with a
 * pidfd, then proven to be that guest's QEMU (vmstate_pid_is_guest), then
 * signalled through the pidfd, so a pid that was reused in between gets
 * nothing. A process already gone counts as done (0); -2 when a live pid is
 * not proven to be it, -1 with errno when it cannot be signalled.
 */
static int kill_guest_qemu(const struct config *cfg, const char *name, pid_t pid)
{
	int pfd = pidfd_open(pid, 0), rc;
	char *mark = vmstate_path(cfg, name, VM_KILLED_MARK);

	/* the unit's stop hook reads it: this SIGKILL is vmdeck's, not a crash */
	file_write_atomic(mark, "", 0, 0600, NULL);
	free(mark);

	if (pfd < 0 && errno == ESRCH)
		return 0;
	if (!vmstate_pid_is_guest(cfg, name, pid)) {
		if (pfd >= 0)
			close(pfd);
		return vmstate_pid_alive(pid) ? -2 : 0;
	}
	if (pfd < 0)  /* a kernel without pidfds: the proof just made must do */
		return kill(pid, SIGKILL) < 0 && errno != ESRCH ? -1 : 0;
	rc = pidfd_send_signal(pfd, SIGKILL, NULL, 0);
	if (rc < 0 && errno == ESRCH)
		rc = 0;
	close(pfd);
	return rc;
}

static void unlink_runtime_file(const struct config *cfg, const char *name, const char *file)
{
	char *p = vmstate_path(cfg, name, file);

	unlink(p);
	free(p);
}

bool vm_killed_by_vmdeck(const struct config *cfg, const char *name)
{
	char *p = vmstate_path(cfg, name, VM_KILLED_MARK);
	bool was = unlink(p) == 0;

	free(p);
	return was;
}

static void remove_runtime_files(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(runtime_files); i++)
		unlink_runtime_file(cfg, name, runtime_files[i]);
}

/* Sleeps until pid exits or the deadline passes, without polling when the kernel has pidfds. */
static void wait_exit_or_deadline(pid_t pid, int64_t end)
{
	int pfd = pidfd_open(pid, 0);
	struct pollfd p = { .fd = pfd, .events = POLLIN };
	int64_t left;

	if (pfd < 0)
		return;
	while ((left = end - now_ms()) > 0 && poll(&p, 1, (int)left) < 0 && errno == EINTR)
		;
	close(pfd);
}

/*
 * Waits for a child to exit; returns its exit status, 128+signal, or -1 on
 * timeout (the child is then killed). -2 when it was reaped by someone else.
 */
static int wait_child(pid_t pid, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	int status, nap = 2;

	wait_exit_or_deadline(pid, end);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (r < 0 && errno != EINTR)
			return -2;
		if (now_ms() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		sleep_ms(nap);
		if (nap < 8)
			nap *= 2;
	}
}

/* ---- qemu.log and the one line that explains a failure ---- */

/* FILE of the last run (say, of a guest that crashed) stays as FILE.old. */
static void log_keep_old(const struct config *cfg, const char *name, const char *file)
{
	char *path = vmstate_path(cfg, name, file);
	struct stat st;

	if (lstat(path, &st) < 0) {
		/* nothing to keep */
	} else if (!S_ISREG(st.st_mode)) {
		unlink(path);  /* QEMU opens its -D file by name: it must not follow a link */
	} else if (st.st_size > 0) {
		char *old = xasprintf("%s.old", path);

		rename(path, old);
		free(old);
	}
	free(path);
}

/*
 * A fresh qemu.log for this run, the last run's logs kept as .old (QEMU
 * itself truncates qemu-run.log, its -D file). No marker line of our own:
 * the status reads the logs' last lines as QEMU's last words.
 */
static int log_open(const struct config *cfg, const char *name, char **err)
{
	char *path = vmstate_path(cfg, name, "qemu.log");
	int fd;

	log_keep_old(cfg, name, "qemu.log");
	log_keep_old(cfg, name, VM_RUN_LOG);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		err_set(err, "cannot open %s: %s", path, strerror(errno));
	free(path);
	return fd;
}

/* "Could not open '/x': No such file" -> "could not open /x: No such file". */
static char *error_tidy(const char *msg)
{
	static const char open_q[] = "Could not open '";
	struct sbuf b = { 0 };
	const char *q;

	if (strncmp(msg, open_q, sizeof open_q - 1) == 0 &&
	    (q = strstr(msg + sizeof open_q - 1, "':")) != NULL) {
		sbuf_add(&b, "could not open ");
		sbuf_addn(&b, msg + sizeof open_q - 1, (size_t)(q - msg) - (sizeof open_q - 1));
		sbuf_add(&b, q + 1);
		return sbuf_take(&b);
	}
	sbuf_add(&b, msg);
	if (b.s[0] >= 'A' && b.s[0] <= 'Z' && !(b.s[1] >= 'A' && b.s[1] <= 'Z'))
		b.s[0] = (char)(b.s[0] - 'A' + 'a');
	return sbuf_take(&b);
}

/*
 * The line that says why a program failed: its first "PROG: ..." error line
 * (not a warning), without the echo of the option that caused it; else its
 * last line.
 */
static char *error_from_text(char *text, const char *prog)
{
	const char *last = NULL;

	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *msg = vmstate_qemu_message(line, prog);

		if (strncmp(msg, "warning:", 8) == 0 || *msg == '\0')
			continue;
		/* not in PROG's error form; kept in case nothing better comes */
		if (msg == line) {
			last = msg;
			continue;
		}
		/* "-drive file=/x,...: why" loses the echo; "-foo: invalid option" keeps it */
		const char *colon = strstr(msg, ": ");

		if (msg[0] == '-' && colon && memchr(msg, ' ', (size_t)(colon - msg)))
			msg = colon + 2;
		return error_tidy(msg);
	}
	return last ? xstrdup(last) : NULL;
}

/*
 * Runs argv (no shell) with stdout into qemu.log and waits for it. Its stderr
 * is copied into qemu.log too, and *why gets the line that explains a failure.
 * Returns the exit status, -1 on timeout (the child is killed), -2 when it was
 * reaped elsewhere.
 */
static int run_child(char *const argv[], int log_fd, int timeout_ms, char **why, char **err)
{
	struct spawn sp;
	struct sbuf b = { 0 };
	char chunk[8192];
	ssize_t n;
	off_t off = 0;
	int st;

	*why = NULL;
	if (spawn_start(&sp, argv, SPAWN_NULL, log_fd, err) < 0)
		return -3;
	st = wait_child(sp.pid, timeout_ms);
	while ((n = pread(sp.errfd, chunk, sizeof chunk, off)) > 0 && b.len < 65536) {
		sbuf_addn(&b, chunk, (size_t)n);
		off += n;
	}
	close(sp.errfd);
	if (b.len > 0) {
		fd_write_all(log_fd, b.s, b.len);
		if (st != 0)
			*why = error_from_text(b.s, argv[0]);
	}
	sbuf_free(&b);
	return st;
}

/* ---- pre-checks: the common causes of a refused start, each as one clear line ---- */

static bool is_readable_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) &&
	       access(p, R_OK) == 0;
}

/*
 * Where an ISO is: a path with a slash is taken as it is (relative to the
 * current folder); a bare name is looked up in iso_dirs, then here.
 */
char *vm_iso_resolve(const struct config *cfg, const char *iso, char **err)
{
	char *p;

	if (strchr(iso, '/') == NULL) {
		for (size_t i = 0; i < cfg->n_iso_dirs; i++) {
			p = path_join(cfg->iso_dirs[i], iso);
			if (is_readable_file(p))
				return p;
			free(p);
		}
	}
	if (is_readable_file(iso)) {
		p = realpath(iso, NULL);
		return p ? p : xstrdup(iso);
	}
	if (strchr(iso, '/') == NULL && cfg->n_iso_dirs > 0) {
		struct sbuf where = { 0 };

		for (size_t i = 0; i < cfg->n_iso_dirs; i++)
			sbuf_printf(&where, "%s, ", cfg->iso_dirs[i]);
		err_set(err, "ISO not found: %s (looked in %sand the current folder)", iso,
			where.s);
		sbuf_free(&where);
		return NULL;
	}
	err_set(err, "ISO not found: %s", iso);
	return NULL;
}

static int check_disks(const struct vmdef *def, char **err)
{
	for (size_t i = 0; i < def->n_disks; i++) {
		const struct vm_disk *d = &def->disks[i];

		/*
		 * a snapshot's overlay holds the newest data: never start without it (its base
		 * would be stale)
		 */
		if (d->overlay && access(d->overlay, R_OK | W_OK) != 0)
			return err_set(err,
				       "snapshot overlay %s: %s (the guest's newest data is there)",
				       d->overlay, strerror(errno));
		if (d->lv) {
			char *dev = xasprintf("/dev/%s", d->lv);
			bool ok = access(dev, F_OK) == 0;

			free(dev);
			if (!ok)
				return err_set(err, "logical volume %s not found (no /dev/%s)",
					       d->lv, d->lv);
		} else if (d->file && storage_file_ensure(d, err) < 0) {
			return -1;
		}
	}
	return 0;
}

static int check_bridges(const struct vmdef *def, char **err)
{
	for (size_t i = 0; i < def->n_nics; i++) {
		const char *br = def->nics[i].bridge;
		char path[300];

		if (!br)
			continue;
		snprintf(path, sizeof path, "/sys/class/net/%s", br);
		if (access(path, F_OK) < 0)
			return err_set(err, "bridge %s not present", br);
		snprintf(path, sizeof path, "/sys/class/net/%s/bridge", br);
		if (access(path, F_OK) < 0)
			return err_set(err, "%s is not a bridge", br);
	}
	return 0;
}

/* Binds the VNC port ourselves for a moment: a clear message beats QEMU's. */
static int check_vnc_port(const struct config *cfg, const struct vmdef *def, char **err)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE, .ai_socktype = SOCK_STREAM }, *ai;
	const char *host = vnc_listen(def);
	int port = 5900 + def->vnc_display, one = 1, rc = 0, fd, e;
	char service[16];

	if (!def->vnc)
		return 0;
	snprintf(service, sizeof service, "%d", port);
	if ((e = getaddrinfo(host, service, &hints, &ai)) != 0)
		return err_set(err, "VNC listen address %s: %s", host, gai_strerror(e));
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			if (errno == EADDRINUSE) {
				char *who = portowner_describe(cfg, port);

				rc = err_set(err, "VNC port %d (display %d) on %s is taken%s%s",
					     port, def->vnc_display, host, who ? " by " : "",
					     who ? who : "");
				free(who);
			} else
				rc = err_set(err, "cannot listen for VNC on %s:%d: %s", host, port,
					     strerror(errno));
		}
		close(fd);
	}
	freeaddrinfo(ai);
	return rc;
}

/* ---- start ---- */

struct start_plan {
	char *cdrom;        /* absolute ISO path or NULL */
	const char *boot;   /* "disk" or "cdrom" */
	const char *accel;
	int log_fd;
	pid_t pid;
};

static int plan_media(const struct config *cfg, const struct vmdef *def,
		      const struct vm_start_opts *o, struct start_plan *p, char **err)
{
	const char *cd = o && o->cdrom ? o->cdrom : def->cdrom;

	p->boot = o && o->boot ? o->boot : (def->boot ? def->boot : vmdef_default("boot"));
	if (choice_index(vmdef_choices("boot"), p->boot) < 0)
		return err_set(err, "boot must be disk or cdrom, not '%s'", p->boot);
	if (cd && cd[0] && (p->cdrom = vm_iso_resolve(cfg, cd, err)) == NULL)
		return -1;
	if (strcmp(p->boot, "cdrom") == 0 && !p->cdrom)
		return err_set(
			err, "boot from CD needs a CD (cdrom: in the definition, or --cdrom ISO)");
	return 0;
}

/*
 * With -D a daemonizing QEMU prints into qemu-run.log from the start, not to
 * its stderr: what it said while starting is copied into qemu.log (which
 * keeps the whole start), and explains a failed start (*why, when unset).
 */
static void startup_words(const struct config *cfg, const struct vmdef *def, int log_fd,
			  const char *prog, bool failed, char **why)
{
	char *path = vmstate_path(cfg, def->name, VM_RUN_LOG);
	size_t len = 0;
	char *text = file_read_max(path, FILE_READ_MAX, O_NOFOLLOW, &len, NULL);

	free(path);
	if (text == NULL)
		return;
	if (len > 0)
		fd_write_all(log_fd, text, len);
	if (failed && *why == NULL)
		*why = error_from_text(text, prog);
	free(text);
}

/* Runs QEMU's daemonizing parent; when it fails, the reason is the first error it printed. */
static int spawn_qemu(const struct config *cfg, const struct vmdef *def, struct start_plan *p,
		      char **err)
{
	struct qemu_argv_opts ao = {
		.accel = p->accel, .cdrom = p->cdrom, .boot = p->boot,
		.daemonize = true, .paused = true,
	};
	struct strv argv = { 0 };
	char *why;
	int st;

	if (qemu_argv_build(cfg, def, &ao, &argv, err) < 0)
		return -1;
	st = run_child(argv.v, p->log_fd, SPAWN_TIMEOUT_MS, &why, err);
	startup_words(cfg, def, p->log_fd, argv.v[0], st != 0 && st != -2, &why);
	if (st != 0 && st != -2) {
		char *log = vmstate_path(cfg, def->name, "qemu.log");

		if (st == -1)
			err_set(err, "QEMU did not come up within %d s (see %s)",
				SPAWN_TIMEOUT_MS / 1000, log);
		else if (why)
			err_set(err, "%s", why);
		else if (st != -3)
			err_set(err, "QEMU exited with status %d (see %s)", st, log);
		free(why);
		free(log);
		strv_free(&argv);
		return -1;
	}
	free(why);
	strv_free(&argv);
	if ((p->pid = vmstate_pid(cfg, def->name)) <= 0) {
		char *log = vmstate_path(cfg, def->name, "qemu.log");

		err_set(err, "QEMU exited at once (see %s)", log);
		free(log);
		return -1;
	}
	return 0;
}

/* The paused QEMU gets its secret over QMP, never on its command line, then runs. */
static int configure_and_run(const struct config *cfg, const struct vmdef *def, char **err)
{
	char *sock = vmstate_path(cfg, def->name, "qmp.sock");
	struct qmp q;
	int rc = -1;

	if (qmp_open(&q, sock, QMP_TIMEOUT_MS, err) < 0) {
		free(sock);
		return -1;
	}
	free(sock);
	if (def->vnc && def->vnc_password) {
		json_t *a =
			json_pack("{s:s, s:s}", "protocol", "vnc", "password", def->vnc_password);

		rc = qmp_exec(&q, "set_password", a, NULL, QMP_TIMEOUT_MS, err);
		json_decref(a);
		if (rc < 0)
			goto out;
	}
	rc = qmp_exec(&q, "cont", NULL, NULL, QMP_TIMEOUT_MS, err);
out:
	qmp_close(&q);
	return rc;
}

/* Something failed after QEMU came up: it must not linger half set up. */
static void abort_start(const struct config *cfg, const struct vmdef *def, pid_t pid)
{
	if (pid > 0 && kill_guest_qemu(cfg, def->name, pid) == 0)
		wait_gone(pid, KILL_WAIT_MS);
	remove_runtime_files(cfg, def->name);
}

static int start_locked(const struct config *cfg, const struct vmdef *def,
			const struct vm_start_opts *o, struct start_plan *p, char **warn,
			char **err)
{
	pid_t pid = vmstate_pid_find(cfg, def->name);

	if (pid > 0)
		return err_set(err, "already running (pid %d)", (int)pid);
	/* under the lock: a clone in the making waits */
	if (template_start_check(cfg, def, err) < 0)
		return -1;
	remove_runtime_files(cfg, def->name);  /* stale, from a crash or kill -9 */
	vm_killed_by_vmdeck(cfg, def->name);
	if (plan_media(cfg, def, o, p, err) < 0 || check_bridges(def, err) < 0 ||
	    check_vnc_port(cfg, def, err) < 0)
		return -1;
	if ((p->log_fd = log_open(cfg, def->name, err)) < 0)
		return -1;
	if (check_disks(def, err) < 0)
		return -1;
	if (kill_requested(cfg, def->name))
		return err_set(err, KILLED_STARTING);
	p->accel = qemu_argv_accel_resolve(cfg->accel, warn);
	if (spawn_qemu(cfg, def, p, err) < 0) {
		remove_runtime_files(cfg, def->name);
		return -1;
	}
	if (kill_requested(cfg, def->name) || configure_and_run(cfg, def, err) < 0) {
		abort_start(cfg, def, p->pid);
		char *why = err ? *err : NULL;

		if (err) {
			*err = NULL;
			err_set(err, "%s (QEMU stopped)", why ? why : "QMP set-up failed");
		}
		free(why);
		return -1;
	}
	return 0;
}

/* The event log's line for a start: which CD, and whether it boots from it. */
static void start_logged(const struct config *cfg, const struct vmdef *def,
			 const struct start_plan *p)
{
	const char *iso = p->cdrom ? path_base(p->cdrom) : NULL;

	if (iso && strcmp(p->boot, "cdrom") == 0)
		events_log(cfg, def->name, EV_START, "started from CD %s", iso);
	else if (iso)
		events_log(cfg, def->name, EV_START, "started with CD %s", iso);
	else
		events_log(cfg, def->name, EV_START, "started");
}

/*
 * A kill asked while this start ran: what it made is ended, and the start
 * fails saying so (its own error, if any, was caused by the kill).
 */
static int start_kill_check(const struct config *cfg, const struct vmdef *def,
			    const struct start_plan *p, int rc, char **err)
{
	if (!kill_requested(cfg, def->name))
		return rc;
	if (rc == 0)
		abort_start(cfg, def, p->pid);
	if (err) {
		free(*err);
		*err = xstrdup(KILLED_STARTING);
	}
	return -1;
}

int vm_start(const struct config *cfg, const struct vmdef *def, const struct vm_start_opts *opts,
	     char **warn, char **err)
{
	struct start_plan p = { .log_fd = -1 };
	char *why = NULL;
	int slock, lock, rc = -1;

	if (warn)
		*warn = NULL;
	if (def->error)
		err_set(&why, "%s", def->error);
	else if (vmdef_check_vnc(def, &why) < 0)
		; /* a screen open to the network without a password is never started */
	else if ((slock = start_lock_take(cfg, def->name, &why)) >= 0) {
		if ((lock = vm_lock(cfg, def->name, false, &why)) >= 0) {
			rc = start_locked(cfg, def, opts, &p, warn, &why);
			rc = start_kill_check(cfg, def, &p, rc, &why);
			if (rc == 0)
				start_logged(cfg, def, &p);
			if (p.log_fd >= 0)
				close(p.log_fd);
			free(p.cdrom);
			vm_unlock(lock);
		}
		close(slock);
	}
	if (rc < 0)
		events_log(cfg, def->name, EV_START_FAIL, "start failed: %s",
			   why ? why : "unknown error");
	if (err)
		*err = why;
	else
		free(why);
	return rc;
}

/* ---- QMP actions on a running guest ---- */

static pid_t require_running(const struct config *cfg, const struct vmdef *def, char **err)
{
	pid_t pid = vmstate_pid(cfg, def->name);

	if (pid <= 0)
		err_set(err, "not running");
	return pid;
}

static int guest_qmp(const struct config *cfg, const struct vmdef *def, const char *cmd,
		     json_t *args, json_t **ret, int timeout_ms, char **err)
{
	char *sock = vmstate_path(cfg, def->name, "qmp.sock");
	int rc = qmp_call(sock, cmd, args, ret, timeout_ms, err);

	free(sock);
	return rc;
}

/*
 * One command without a reply we need, on a guest that must be running,
 * with its outcome in the event log: the line done on success,
 * "WHAT failed: why" when QEMU was asked and did not do it (a refusal, no
 * answer in time). A guest that is not running is only the caller's error.
 */
static int guest_action_logged(const struct config *cfg, const struct vmdef *def, const char *cmd,
			       enum events_kind kind, const char *done, const char *what,
			       char **err)
{
	if (require_running(cfg, def, err) <= 0)
		return -1;
	if (guest_qmp(cfg, def, cmd, NULL, NULL, QMP_TIMEOUT_MS, err) < 0) {
		events_log(cfg, def->name, EV_ACTION_FAIL, "%s failed: %s", what,
			   err && *err ? *err : "no answer");
		return -1;
	}
	events_log(cfg, def->name, kind, "%s", done);
	return 0;
}

int vm_powerdown(const struct config *cfg, const struct vmdef *def, char **err)
{
	return guest_action_logged(cfg, def, "system_powerdown", EV_STOP_BUTTON,
				   "ACPI power button pressed", "power button", err);
}

int vm_reset(const struct config *cfg, const struct vmdef *def, char **err)
{
	return guest_action_logged(cfg, def, "system_reset", EV_RESET, "reset", "reset", err);
}

int vm_pause(const struct config *cfg, const struct vmdef *def, char **err)
{
	return guest_action_logged(cfg, def, "stop", EV_PAUSE, "paused", "pause", err);
}

int vm_resume(const struct config *cfg, const struct vmdef *def, char **err)
{
	return guest_action_logged(cfg, def, "cont", EV_RESUME, "resumed", "resume", err);
}

/* ---- stop and kill ---- */

static void marker_write(const struct config *cfg, const char *name)
{
	char *p = vmstate_path(cfg, name, "stopping");
	char stamp[32];
	int n = snprintf(stamp, sizeof stamp, "%.0f\n", now_real());

	file_write_atomic(p, stamp, (size_t)n, 0600, NULL);
	free(p);
}

/* A paused guest cannot react to the power button: let it run first. */
static int powerdown_button(const struct config *cfg, const struct vmdef *def)
{
	char *sock = vmstate_path(cfg, def->name, "qmp.sock");
	struct qmp q;
	json_t *st = NULL;
	int rc = -1;

	if (qmp_open(&q, sock, QMP_TIMEOUT_MS, NULL) == 0) {
		if (qmp_exec(&q, "query-status", NULL, &st, QMP_TIMEOUT_MS, NULL) == 0 &&
		    !json_is_true(json_object_get(st, "running")))
			qmp_exec(&q, "cont", NULL, NULL, QMP_TIMEOUT_MS, NULL);
		rc = qmp_exec(&q, "system_powerdown", NULL, NULL, QMP_TIMEOUT_MS, NULL);
		json_decref(st);
		qmp_close(&q);
	}
	free(sock);
	return rc;
}

static bool wait_acpi(pid_t pid, int timeout_s, void (*progress)(void *, int), void *arg)
{
	int64_t end = now_ms() + (int64_t)timeout_s * 1000;
	int shown = -1;

	while (vmstate_pid_alive(pid)) {
		int64_t left = end - now_ms();

		if (left <= 0)
			return false;
		if (progress && (int)((left + 999) / 1000) != shown) {
			shown = (int)((left + 999) / 1000);
			progress(arg, shown);
		}
		sleep_ms(100);
	}
	return true;
}

/* QMP quit, then SIGKILL; which one ended it goes to *how. */
static int force_off(const struct config *cfg, const struct vmdef *def, pid_t pid, int qmp_ms,
		     enum vm_stop_step *how, char **err)
{
	int quit, rc;

	*how = STOP_QUIT;
	/* QEMU may close the socket before its reply: wait a moment even then */
	quit = guest_qmp(cfg, def, "quit", NULL, NULL, qmp_ms, NULL);
	if (wait_gone(pid, quit == 0 ? QUIT_WAIT_MS : 300))
		return 0;
	*how = STOP_KILL;
	if ((rc = kill_guest_qemu(cfg, def->name, pid)) == -2)
		return err_set(err, "pid %d is no longer this guest's QEMU: not killed", (int)pid);
	if (rc < 0)
		return err_set(err, "cannot kill pid %d: %s", (int)pid, strerror(errno));
	if (!wait_gone(pid, KILL_WAIT_MS))
		return err_set(err, "pid %d did not die after SIGKILL", (int)pid);
	return 0;
}

/* The event log's line for how a stop ended: which step did it. */
static void stop_logged(const struct config *cfg, const char *name, int rc, enum vm_stop_step step,
			int timeout_s, double secs, const char *at, char **err)
{
	const char *ended = step == STOP_QUIT ? "quit" : "SIGKILL (killed)";

	if (rc < 0)
		events_log(cfg, name, EV_STOP_FAIL, "stop%s failed: %s", at,
			   err && *err ? *err : "QEMU did not end");
	else if (step == STOP_ACPI)
		events_log(cfg, name, EV_STOP_ACPI, "%s%s after %.1f s", vm_stop_step_text(step),
			   at, secs);
	else if (secs < timeout_s) /* QMP refused the button: no wait */
		events_log(cfg, name, EV_STOP_REFUSED,
			   "the power button was not taken%s: ended with %s", at, ended);
	else
		events_log(cfg, name, EV_STOP_TIMEOUT, "did not power off in %d s%s: ended with %s",
			   timeout_s, at, ended);
}

int vm_shutdown_timeout(const struct config *cfg, const struct vmdef *def)
{
	return def->shutdown_timeout > 0 ? def->shutdown_timeout : cfg->shutdown_timeout;
}

int vm_stop(const struct config *cfg, const struct vmdef *def, int timeout_s,
	    enum vm_stop_step *how, void (*progress)(void *arg, int left), void *arg, char **err)
{
	return vm_stop_at(cfg, def, timeout_s, NULL, how, progress, arg, err);
}

int vm_stop_at(const struct config *cfg, const struct vmdef *def, int timeout_s,
	       const char *occasion, enum vm_stop_step *how, void (*progress)(void *arg, int left),
	       void *arg, char **err)
{
	enum vm_stop_step step = STOP_WAS_STOPPED;
	char *at = occasion ? xasprintf(" at %s", occasion) : xstrdup("");
	int lock, rc = 0;
	pid_t pid;

	if ((lock = vm_lock(cfg, def->name, false, err)) < 0) {
		free(at);
		return -1;
	}
	if ((pid = vmstate_pid_find(cfg, def->name)) > 0) {
		double t0 = now_mono();

		marker_write(cfg, def->name);
		events_log(cfg, def->name, EV_STOP_BUTTON,
			   "stopping%s: ACPI power button pressed, waiting up to %d s", at,
			   timeout_s);
		step = STOP_ACPI;
		/* QMP that cannot take the button will not take quit either: ask only briefly */
		if (powerdown_button(cfg, def) < 0)
			rc = force_off(cfg, def, pid, QMP_KILL_MS, &step, err);
		else if (!wait_acpi(pid, timeout_s, progress, arg))
			rc = force_off(cfg, def, pid, QMP_TIMEOUT_MS, &step, err);
		stop_logged(cfg, def->name, rc, step, timeout_s, now_mono() - t0, at, err);
	}
	free(at);
	if (rc == 0)
		remove_runtime_files(cfg, def->name);
	else
		unlink_runtime_file(cfg, def->name, "stopping");
	if (how)
		*how = step;
	vm_unlock(lock);
	return rc;
}

/*
 * Ends every QEMU of the guest that shows up while a start holds start.lock,
 * until the start lets go of it (it gives up on seeing the marker) or the
 * wait ends. true when the lock was got; *ended tells whether a QEMU was killed.
 */
static bool kill_through_start(const struct config *cfg, const struct vmdef *def, int slock,
			       bool *ended)
{
	int64_t end = now_ms() + KILL_START_WAIT_MS;
	pid_t pid;

	kill_mark(cfg, def->name, true);
	do {
		if ((pid = vmstate_pid(cfg, def->name)) > 0 &&
		    kill_guest_qemu(cfg, def->name, pid) == 0) {
			*ended = true;
			wait_gone(pid, KILL_WAIT_MS);
		}
		if (flock_try(slock))
			return true;
		sleep_ms(20);
	} while (now_ms() < end);
	return false;
}

/*
 * Kill takes no main lock on purpose: it is what an admin reaches for when a
 * stop or a start hangs. QMP quit first (QEMU flushes its disks), SIGKILL
 * when QMP does not answer quickly (a SIGSTOPped QEMU dies of SIGKILL too).
 * A start in progress is made to give up, and waited for (start.lock).
 */
int vm_kill(const struct config *cfg, const struct vmdef *def, char **err)
{
	enum vm_stop_step how;
	int slock = start_lock_open(cfg, def->name, 0);
	bool ended = false;
	pid_t pid;

	/* no start.lock: no start was ever made by this vmdeck, so none is under way */
	if (slock < 0 && errno != ENOENT)
		return err_set(err, "cannot open %s/%s/%s: %s", cfg->state_dir, def->name,
			       START_LOCK, strerror(errno));
	if (slock >= 0 && !flock_try(slock) && !kill_through_start(cfg, def, slock, &ended)) {
		close(slock);
		return err_set(err,
			       "a start is still under way after %d s; it was asked to give up",
			       KILL_START_WAIT_MS / 1000);
	}
	if (ended)
		events_log(cfg, def->name, EV_KILL, "forced off while starting (SIGKILL)");
	if ((pid = vmstate_pid_find(cfg, def->name)) > 0) {
		if (force_off(cfg, def, pid, QMP_KILL_MS, &how, err) < 0) {
			if (slock >= 0)
				close(slock);
			return -1;
		}
		events_log(cfg, def->name, EV_KILL, "forced off (%s)",
			   how == STOP_QUIT ? "QMP quit" : "SIGKILL");
		ended = true;
	}
	remove_runtime_files(cfg, def->name);
	if (slock >= 0) {
		kill_mark(cfg, def->name, false);
		close(slock);
	}
	return ended ? 1 : 0;
}

/* ---- the CD drive ---- */

/*
 * The CD drive as QMP names it: a removable drive, preferring one whose name
 * says "cd" (a floppy drive is removable too). Sets "device" or "id" in args.
 */
static int cdrom_find(const struct config *cfg, const struct vmdef *def, json_t *args,
		      bool *has_medium, char **err)
{
	json_t *blocks = NULL, *b, *pick = NULL;
	size_t i;

	if (guest_qmp(cfg, def, "query-block", NULL, &blocks, QMP_TIMEOUT_MS, err) < 0)
		return -1;
	json_array_foreach(blocks, i, b) {
		const char *dev = json_string_value(json_object_get(b, "device"));
		const char *qdev = json_string_value(json_object_get(b, "qdev"));

		if (!json_is_true(json_object_get(b, "removable")))
			continue;
		if (!pick || (dev && strstr(dev, "cd")) || (qdev && strstr(qdev, "cd")))
			pick = b;
		if ((dev && strstr(dev, "cd")) || (qdev && strstr(qdev, "cd")))
			break;
	}
	if (!pick) {
		json_decref(blocks);
		return err_set(err, "no CD drive");
	}
	const char *dev = json_string_value(json_object_get(pick, "device"));

	if (dev && dev[0])
		json_object_set_new(args, "device", json_string(dev));
	else
		json_object_set(args, "id", json_object_get(pick, "qdev"));
	*has_medium = json_object_get(pick, "inserted") != NULL;
	json_decref(blocks);
	return 0;
}

/* Forced eject: a tray the guest has locked opens anyway. */
static int cdrom_eject_args(const struct config *cfg, const struct vmdef *def, json_t *drive,
			    char **err)
{
	json_t *a = json_deep_copy(drive);
	int rc;

	json_object_set_new(a, "force", json_true());
	rc = guest_qmp(cfg, def, "eject", a, NULL, QMP_TIMEOUT_MS, err);
	json_decref(a);
	return rc;
}

int vm_cdrom_change(const struct config *cfg, const struct vmdef *def, const char *iso, char **err)
{
	json_t *drive = json_object();
	bool has = false;
	char *path = NULL;
	int rc = -1;

	if (require_running(cfg, def, err) <= 0 || (path = vm_iso_resolve(cfg, iso, err)) == NULL)
		goto out;
	/* from here on QEMU is asked, so the outcome goes to the event log either way */
	if (cdrom_find(cfg, def, drive, &has, err) == 0 &&
	    (!has || cdrom_eject_args(cfg, def, drive, err) == 0)) {
		json_t *a = json_deep_copy(drive);

		json_object_set_new(a, "filename", json_string(path));
		json_object_set_new(a, "format", json_string("raw"));
		rc = guest_qmp(cfg, def, "blockdev-change-medium", a, NULL, QMP_TIMEOUT_MS, err);
		json_decref(a);
	}
	if (rc == 0)
		events_log(cfg, def->name, EV_CDROM, "CD changed to %s", path);
	else
		events_log(cfg, def->name, EV_CDROM_FAIL, "CD change to %s failed: %s", path,
			   err && *err ? *err : "no answer");
out:
	free(path);
	json_decref(drive);
	return rc;
}

int vm_vnc_password(const struct config *cfg, const struct vmdef *def, const char *password,
		    char **err)
{
	json_t *a;
	int rc;

	if (require_running(cfg, def, err) <= 0)
		return -1;
	a = json_pack("{s:s, s:s}", "protocol", "vnc", "password", password);
	rc = guest_qmp(cfg, def, "set_password", a, NULL, QMP_TIMEOUT_MS, err);
	json_decref(a);
	return rc;
}

int vm_cdrom_eject(const struct config *cfg, const struct vmdef *def, char **err)
{
	json_t *drive;
	bool has = false;
	int rc = -1;

	if (require_running(cfg, def, err) <= 0)
		return -1;
	drive = json_object();
	if (cdrom_find(cfg, def, drive, &has, err) == 0)
		rc = cdrom_eject_args(cfg, def, drive, err);
	if (rc == 0)
		events_log(cfg, def->name, EV_CDROM, "CD ejected");
	else
		events_log(cfg, def->name, EV_CDROM_FAIL, "CD eject failed: %s",
			   err && *err ? *err : "no answer");
	json_decref(drive);
	return rc;
}
