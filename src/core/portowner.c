/*
 * portowner.c: the listener on a TCP port: its socket inode from /proc/net/tcp{,6}, its process
 * from /proc/PID/fd.
 */
#include "portowner.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "util.h"
#include "vmdef.h"
#include "vmstate.h"

#define TCP_LISTEN 0x0A
#define MAX_INODES 16

/* Inodes of the sockets listening on port in one /proc/net table; appends to ino[*n]. */
static void listeners_in(const char *table, int port, unsigned long *ino, size_t *n)
{
	FILE *f = fopen(table, "re");
	char line[512];
	unsigned int lport, state;
	unsigned long inode;

	if (!f)
		return;
	if (!fgets(line, sizeof line, f)) { /* the header */
		fclose(f);
		return;
	}
	while (fgets(line, sizeof line, f) && *n < MAX_INODES) {
		/*
		 * "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt
		 * uid  timeout inode"
		 */
		if (sscanf(line,
			   " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*x:%*x %*x:%*x %*x %*u "
			   "%*u %lu",
			   &lport, &state, &inode) == 3 &&
		    (int)lport == port && state == TCP_LISTEN && inode != 0)
			ino[(*n)++] = inode;
	}
	fclose(f);
}

/* True when one of the process's open files is one of the sockets. */
static bool holds_socket(const char *pid, const unsigned long *ino, size_t n)
{
	char dir[300], target[64];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof dir, "/proc/%s/fd", pid);
	if ((d = opendir(dir)) == NULL)
		return false;
	while (!found && (e = readdir(d)) != NULL) {
		ssize_t len;
		unsigned long i;

		if ((len = readlinkat(dirfd(d), e->d_name, target, sizeof target - 1)) <= 0)
			continue;
		target[len] = '\0';
		if (sscanf(target, "socket:[%lu]", &i) != 1)
			continue;
		for (size_t k = 0; k < n && !found; k++)
			found = ino[k] == i;
	}
	closedir(d);
	return found;
}

/* The first process (by /proc order) holding one of the sockets, or 0. */
static pid_t socket_holder(const unsigned long *ino, size_t n)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t pid = 0;

	if (!d)
		return 0;
	while (pid == 0 && (e = readdir(d)) != NULL)
		if (isdigit((unsigned char)e->d_name[0]) && holds_socket(e->d_name, ino, n))
			pid = (pid_t)strtol(e->d_name, NULL, 10);
	closedir(d);
	return pid;
}

/* The guest whose QEMU is pid, or (pid 0) a running guest defined to listen on port. */
static char *guest_named(const struct config *cfg, pid_t pid, int port)
{
	struct vmdef *defs = NULL;
	size_t n = 0;
	char *who = NULL;

	if (vmdefs_load_all(cfg, &defs, &n, NULL) < 0)
		return NULL;
	for (size_t i = 0; i < n && !who; i++) {
		pid_t gp = vmstate_pid(cfg, defs[i].name);

		if (gp > 0 && (pid ? gp == pid : defs[i].vnc && 5900 + defs[i].vnc_display == port))
			who = xasprintf("guest %s", defs[i].name);
	}
	vmdefs_free(defs, n);
	return who;
}

static char *process_named(pid_t pid)
{
	char path[64], comm[64];
	ssize_t len;

	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	if ((len = file_read_small(path, comm, sizeof comm)) <= 0)
		return xasprintf("process %d", (int)pid);
	comm[strcspn(comm, "\n")] = '\0';
	return xasprintf("process %d (%s)", (int)pid, comm);
}

char *portowner_describe(const struct config *cfg, int port)
{
	unsigned long ino[MAX_INODES];
	size_t n = 0;
	pid_t pid = 0;
	char *who;

	listeners_in("/proc/net/tcp", port, ino, &n);
	listeners_in("/proc/net/tcp6", port, ino, &n);
	if (n > 0)
		pid = socket_holder(ino, n);
	if ((who = guest_named(cfg, pid, port)) != NULL)
		return who;
	if (pid == 0)  /* /proc/PID/fd of another user's process cannot be read */
		return n > 0 ? xstrdup("a process of another user") : NULL;
	return process_named(pid);
}
