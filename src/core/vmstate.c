/*
 * vmstate.c: a guest's runtime folder and process: paths, the pidfile, liveness judged from /proc,
 * state names.
 */
#include "vmstate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define VM_CMDLINE_MAX (256 * 1024)  /* bytes of /proc/PID/cmdline looked at */

static const char *const state_names[VM_STATE_COUNT] = {
	[VM_STOPPED] = "stopped",
	[VM_STARTING] = "starting",
	[VM_RUNNING] = "running",
	[VM_PAUSED] = "paused",
	[VM_SHUTTING_DOWN] = "shutting-down",
	[VM_UNRESPONSIVE] = "unresponsive",
	[VM_CRASHED] = "crashed",
	[VM_INVALID] = "invalid",
	[VM_UNREACHABLE] = "unreachable",
};

const char *vmstate_name(enum vm_state s)
{
	return (unsigned)s < VM_STATE_COUNT ? state_names[s] : "unknown";
}

const char *vmstate_qemu_message(const char *line, const char *prog)
{
	const char *base = path_base(prog);
	size_t blen = strlen(base);

	return strncmp(line, base, blen) == 0 && strncmp(line + blen, ": ", 2) == 0
		       ? line + blen + 2
		       : line;
}

char *vmstate_log_last_line(const struct config *cfg, const char *name, const char *file)
{
	char *path = vmstate_path(cfg, name, file);
	/* the end says why */
	char *text = file_read_tail(path, 64 * 1024, O_NOFOLLOW), *line = NULL;
	const char *msg;

	free(path);
	if (text == NULL)
		return NULL;
	/* from the end: the last line that says something, a warning never being why QEMU ended */
	for (char *end = text + strlen(text); end > text && !line;) {
		char *start;

		while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
			end--;
		*end = '\0';
		start = strrchr(text, '\n') ? strrchr(text, '\n') + 1 : text;
		msg = vmstate_qemu_message(start, cfg->qemu_binary ? cfg->qemu_binary
								   : config_default("qemu.binary"));
		if (*msg && strncmp(msg, "warning:", 8) != 0)
			line = xstrndup(msg, strlen(msg) > 200 ? 200 : strlen(msg));
		end = start;
	}
	free(text);
	return line;
}

char *vmstate_path(const struct config *cfg, const char *name, const char *file)
{
	if (file == NULL)
		return path_join(cfg->state_dir, name);
	return xasprintf("%s/%s/%s", cfg->state_dir, name, file);
}

/*
 * Root writes logs, a pidfile and sockets in these folders and QEMU creates
 * files there: a folder another user owns or may write in could hold a link
 * that sends those writes anywhere. Refused, with the fix in the line.
 */
static int dir_trusted(const char *dir, const struct stat *st, char **err)
{
	if (st->st_uid != geteuid())
		return err_set(
			err,
			"%s belongs to uid %u, not to uid %u running vmdeck: refused, links "
			"planted there would be followed (remove it, or chown %u it)",
			dir, (unsigned)st->st_uid, (unsigned)geteuid(), (unsigned)geteuid());
	if (st->st_mode & 022)
		return err_set(
			err,
			"%s is writable by group or others (mode %04o): refused, links planted "
			"there would be followed (run: chmod go-w %s)",
			dir, (unsigned)(st->st_mode & 07777), dir);
	return 0;
}

/* vmdeck never makes a symbolic link in a guest's folder: one found there was planted. */
static int dir_without_links(const char *dir, char **err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	int rc = 0;

	if (d == NULL)
		return err_set(err, "cannot read %s: %s", dir, strerror(errno));
	while (rc == 0 && (e = readdir(d)) != NULL)
		if (e->d_type == DT_LNK ||
		    (e->d_type == DT_UNKNOWN &&
		     fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		     S_ISLNK(st.st_mode)))
			rc = err_set(
				err,
				"%s/%s is a symbolic link: refused, vmdeck never makes one there "
				"(remove it)",
				dir, e->d_name);
	closedir(d);
	return rc;
}

static int state_dir_trusted(const struct config *cfg, char **err)
{
	struct stat st;

	if (mkdir_p(cfg->state_dir, 0755, err) < 0)
		return -1;
	if (stat(cfg->state_dir, &st) < 0)
		return err_set(err, "cannot stat %s: %s", cfg->state_dir, strerror(errno));
	return dir_trusted(cfg->state_dir, &st, err);
}

int vmstate_dir_prepare(const struct config *cfg, const char *name, char **err)
{
	char *dir;
	struct stat st;
	int rc = 0;

	if (!name_valid(name))
		return err_set(err, "invalid guest name '%s'", name);
	if (state_dir_trusted(cfg, err) < 0)
		return -1;
	dir = vmstate_path(cfg, name, NULL);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		rc = err_set(err, "cannot create %s: %s", dir, strerror(errno));
	else if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		rc = err_set(err, "%s is not a folder", dir);
	else if (dir_trusted(dir, &st, err) < 0 || dir_without_links(dir, err) < 0)
		rc = -1;
	else if ((st.st_mode & 07777) != 0700 && chmod(dir, 0700) < 0)
		rc = err_set(err, "cannot chmod 700 %s: %s", dir, strerror(errno));
	free(dir);
	return rc;
}

/*
 * The process state letter from /proc/PID/stat, or 0 when there is no such
 * process. The command name in parentheses may hold spaces and ')', so the
 * field after the last ')' is the state.
 */
static char proc_state(pid_t pid)
{
	char path[64], buf[1024];
	char *rp;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if (file_read_small(path, buf, sizeof buf) <= 0 || (rp = strrchr(buf, ')')) == NULL ||
	    rp[1] != ' ')
		return 0;
	return rp[2];
}

/*
 * A daemonized QEMU that exited stays a zombie until PID 1 reaps it, and
 * kill(pid, 0) succeeds on zombies: only the state letter tells.
 */
bool vmstate_pid_alive(pid_t pid)
{
	char st;

	if (pid <= 0)
		return false;
	st = proc_state(pid);
	return st != 0 && st != 'Z' && st != 'X' && st != 'x';
}

/* argv[0]'s base name names qemu, or is the configured binary. */
static bool argv0_is_qemu(const struct config *cfg, const char *argv0)
{
	const char *base = path_base(argv0), *want;

	if (strstr(base, "qemu") != NULL)
		return true;
	want = cfg->qemu_binary ? path_base(cfg->qemu_binary) : NULL;
	return want != NULL && strcmp(base, want) == 0;
}

/*
 * Whether a -qmp value names the socket at path: "unix:PATH,..." with PATH's
 * commas doubled, as qemu_argv writes it.
 */
static bool qmp_arg_names(const char *arg, const char *path)
{
	if (strncmp(arg, "unix:", 5) != 0)
		return false;
	for (arg += 5; *path; path++, arg++) {
		if (*arg != *path)
			return false;
		if (*path == ',' && *++arg != ',')
			return false;
	}
	return *arg == '\0' || (*arg == ',' && arg[1] != ',');
}

char *vmstate_proc_cmdline(pid_t pid, size_t *len)
{
	char path[64], chunk[4096];
	struct sbuf b = { 0 };
	ssize_t r;
	int fd;

	snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	while (b.len < VM_CMDLINE_MAX) {
		r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		sbuf_addn(&b, chunk, (size_t)r);
	}
	close(fd);
	*len = b.len;
	return sbuf_take(&b);
}

bool vmstate_pid_is_guest(const struct config *cfg, const char *name, pid_t pid)
{
	char *sock, *cmd;
	size_t len;
	bool ours = false, after_qmp = false;

	if (pid <= 0 || (cmd = vmstate_proc_cmdline(pid, &len)) == NULL)
		return false;
	sock = vmstate_path(cfg, name, "qmp.sock");
	if (len > 0 && argv0_is_qemu(cfg, cmd)) {
		for (const char *a = cmd + strlen(cmd) + 1; a < cmd + len && !ours;
		     a += strlen(a) + 1) {
			ours = after_qmp && qmp_arg_names(a, sock);
			after_qmp = strcmp(a, "-qmp") == 0;
		}
	}
	free(sock);
	free(cmd);
	return ours;
}

/* The number in state_dir/NAME/qemu.pid, 0 when missing or malformed. */
static pid_t pidfile_read(const struct config *cfg, const char *name)
{
	char *path = vmstate_path(cfg, name, "qemu.pid");
	char buf[32], *end;
	long v;

	if (file_read_small(path, buf, sizeof buf) <= 0) {
		free(path);
		return 0;
	}
	free(path);
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || v <= 0 || (*end != '\0' && *end != '\n'))
		return 0;
	return (pid_t)v;
}

pid_t vmstate_pid(const struct config *cfg, const char *name)
{
	pid_t pid = pidfile_read(cfg, name);

	/*
	 * a stale pidfile (a host crash, a copied file) may name an unrelated process, even another
	 * guest's QEMU
	 */
	if (pid <= 0 || !vmstate_pid_alive(pid) || !vmstate_pid_is_guest(cfg, name, pid))
		return 0;
	return pid;
}

/*
 * Guest NAME's QEMU found without its pidfile: the first process in /proc
 * proven to be it (vmstate_pid_is_guest), 0 when there is none.
 */
static pid_t pid_scan(const struct config *cfg, const char *name)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;
	char *end;
	long v;

	if (d == NULL)
		return 0;
	while (found == 0 && (e = readdir(d)) != NULL) {
		v = strtol(e->d_name, &end, 10);
		if (*end == '\0' && v > 0 && v != (long)getpid() && vmstate_pid_alive((pid_t)v) &&
		    vmstate_pid_is_guest(cfg, name, (pid_t)v))
			found = (pid_t)v;
	}
	closedir(d);
	return found;
}

pid_t vmstate_pid_find(const struct config *cfg, const char *name)
{
	pid_t pid = vmstate_pid(cfg, name);

	return pid > 0 ? pid : pid_scan(cfg, name);
}

void vmstate_status_clear(struct vm_status *st)
{
	free(st->cdrom);
	free(st->reason);
	memset(st, 0, sizeof *st);
	st->state = VM_STOPPED;
	st->cpu_percent = -1;
	st->uptime = -1;
}
