/*
 * spawn.h: running helper programs (lvm, qemu-img, ssh, zstd) with an explicit argv, never a shell.
 */
#ifndef VMDECK_SPAWN_H
#define VMDECK_SPAWN_H

#include <sys/types.h>

/* What a child's stdin or stdout is connected to: one of these, or an fd >= 0 to dup. */
#define SPAWN_NULL (-1)   /* /dev/null */
#define SPAWN_PIPE (-2)   /* a pipe to us */

struct spawn {
	pid_t pid;
	int in;      /* our write end of the child's stdin (SPAWN_PIPE), else -1 */
	int out;     /* our read end of the child's stdout (SPAWN_PIPE), else -1 */
	int errfd;   /* an anonymous file holding everything the child wrote to stderr */
};

/* Starts argv[0] (looked up in PATH). The child gets default SIGPIPE and only fds 0-2. */
int spawn_start(struct spawn *sp, char *const argv[], int in, int out, char **err);
/*
 * Closes our pipe ends, waits for the child and returns its exit status
 * (128+N when killed by signal N). *errtext (may be NULL) receives the last
 * meaningful line the child wrote to stderr, or NULL if it wrote none.
 */
int spawn_finish(struct spawn *sp, char **errtext);

/*
 * Runs argv to completion. *out (may be NULL) gets its stdout. A failure to
 * run, or a nonzero exit, gives -1 and *err = "PROGRAM: its last error line".
 */
int spawn_run(char *const argv[], char **out, char **err);

#endif
