/*
 * term.c: `vmdeck console` (serial relay, Ctrl-] detaches) and `vmdeck monitor` (HMP with
 * readline).
 */
#include "term.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "qmp.h"
#include "util.h"
#include "vmstate.h"

#define DETACH_KEY 0x1d           /* Ctrl-] */
#define LINGER_MS 1000            /* output kept after stdin ends (pipes) */
#define HMP_PROMPT "(qemu) "
#define HISTORY_FILE ".vmdeck_history"
#define HISTORY_LINES 1000

/* Set by SIGINT/SIGTERM/SIGHUP while a relay or a monitor answer is awaited. */
static volatile sig_atomic_t term_signalled;

static void term_on_signal(int sig)
{
	term_signalled = sig;
}

/* Handlers without SA_RESTART, so poll() returns EINTR and the loop can end cleanly. */
static void signals_catch(struct sigaction *old, const int *sigs, size_t n)
{
	struct sigaction sa = { .sa_handler = term_on_signal };

	sigemptyset(&sa.sa_mask);
	term_signalled = 0;
	for (size_t i = 0; i < n; i++)
		sigaction(sigs[i], &sa, &old[i]);
}

static void signals_restore(const struct sigaction *old, const int *sigs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sigaction(sigs[i], &old[i], NULL);
}

/*
 * Writes everything; to a socket with MSG_NOSIGNAL, so a QEMU that went away is an error, not
 * SIGPIPE.
 */
static int write_all(int fd, const char *p, size_t n, bool sock)
{
	while (n > 0) {
		ssize_t w = sock ? send(fd, p, n, MSG_NOSIGNAL) : write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Connects to state_dir/NAME/FILE; a missing or refused socket means the guest is not running. */
static int sock_connect(const struct config *cfg, const struct vmdef *def, const char *file,
			char **err)
{
	char *path = vmstate_path(cfg, def->name, file);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof sa.sun_path) {
		err_set(err, "socket path too long: %s", path);
		free(path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			err_set(err, "not running (no %s)", path);
		else
			err_set(err, "cannot connect to %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(path);
		return -1;
	}
	free(path);
	return fd;
}

/*
 * QEMU serves one client per socket chardev; a second one would connect and
 * then hear nothing. query-chardev names a free socket "disconnected:...",
 * so a taken one can be refused with a clear reason. When QMP cannot be
 * asked, the connect that follows gives the error.
 */
static bool chardev_taken(const struct config *cfg, const struct vmdef *def, const char *file)
{
	char *qmp = vmstate_path(cfg, def->name, "qmp.sock"),
	     *path = vmstate_path(cfg, def->name, file);
	json_t *ret = NULL, *dev;
	size_t i;
	bool taken = false;

	if (qmp_call(qmp, "query-chardev", NULL, &ret, 2000, NULL) == 0) {
		json_array_foreach(ret, i, dev) {
			const char *name = json_string_value(json_object_get(dev, "filename"));

			if (name && strstr(name, path) && strncmp(name, "disconnected:", 13) != 0)
				taken = true;
		}
	}
	json_decref(ret);
	free(qmp);
	free(path);
	return taken;
}

static int term_connect(const struct config *cfg, const struct vmdef *def, const char *file,
			const char *what, char **err)
{
	if (chardev_taken(cfg, def, file))
		return err_set(err, "another %s is attached (QEMU serves one at a time)", what);
	return sock_connect(cfg, def, file, err);
}

/* ---- serial console ---- */

struct relay {
	int sock;
	bool tty;            /* stdin is a terminal: raw mode, Ctrl-] detaches */
	bool stdin_open;
	bool detached;
	bool closed;         /* the guest's end went away */
	int64_t quiet_since; /* after stdin ended: when the guest last spoke */
};

/* stdin to the guest; on a tty Ctrl-] ends the session and is not sent. */
static void relay_in(struct relay *r)
{
	char buf[4096], *key;
	ssize_t n = read(STDIN_FILENO, buf, sizeof buf);

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		r->stdin_open = false;
		r->quiet_since = now_ms();
		return;
	}
	if (r->tty && (key = memchr(buf, DETACH_KEY, (size_t)n)) != NULL) {
		n = key - buf;
		r->detached = true;
	}
	if (n > 0 && write_all(r->sock, buf, (size_t)n, true) < 0)
		r->closed = true;
}

static void relay_out(struct relay *r)
{
	char buf[4096];
	ssize_t n = read(r->sock, buf, sizeof buf);

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		r->closed = true;
		return;
	}
	r->quiet_since = now_ms();
	/* Nobody reads our output any more (a closed pipe): nothing left to relay to. */
	if (write_all(STDOUT_FILENO, buf, (size_t)n, false) < 0)
		r->detached = true;
}

static bool relay_done(const struct relay *r)
{
	if (r->detached || r->closed || term_signalled)
		return true;
	return !r->stdin_open && now_ms() - r->quiet_since >= LINGER_MS;
}

static void relay_loop(struct relay *r)
{
	struct pollfd fds[2];

	while (!relay_done(r)) {
		int nfds = 0, timeout = -1;

		fds[nfds++] = (struct pollfd){ .fd = r->sock, .events = POLLIN };
		if (r->stdin_open) {
			fds[nfds++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		} else {
			int64_t left = LINGER_MS - (now_ms() - r->quiet_since);

			timeout = left > 0 ? (int)left : 0;
		}
		if (poll(fds, (nfds_t)nfds, timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[0].revents)
			relay_out(r);
		if (nfds > 1 && fds[1].revents)
			relay_in(r);
	}
}

int term_serial(const struct config *cfg, const struct vmdef *def, char **err)
{
	/*
	 * SIGPIPE too: a closed stdout must end the relay and restore the terminal, not kill us in
	 * raw mode.
	 */
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction old[ARRAY_LEN(sigs)];
	struct relay r = { .stdin_open = true, .tty = isatty(STDIN_FILENO) };
	struct termios saved, raw;

	if ((r.sock = term_connect(cfg, def, "serial.sock", "serial console", err)) < 0)
		return -1;
	if (r.tty && tcgetattr(STDIN_FILENO, &saved) < 0)
		r.tty = false;
	signals_catch(old, sigs, ARRAY_LEN(sigs));
	if (r.tty) {
		fprintf(stderr, "Connected to %s's serial console. Ctrl-] detaches.\r\n",
			def->name);
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
	}
	relay_loop(&r);
	if (r.tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		fprintf(stderr, "\n%s\n",
			r.closed ? "The guest closed the serial console." : "Detached.");
	}
	signals_restore(old, sigs, ARRAY_LEN(sigs));
	close(r.sock);
	return 0;
}

/* ---- human monitor ---- */

struct hmp {
	int sock;
	struct sbuf in;   /* bytes since the last prompt */
};

/*
 * Reads until QEMU's prompt ends the buffer. Returns 0 with the text before
 * the prompt in h->in, 1 when the user interrupted, -1 when QEMU went away.
 */
static int hmp_wait_prompt(struct hmp *h)
{
	static const int sigs[] = { SIGINT };
	struct sigaction old[1];
	char buf[4096];
	size_t plen = strlen(HMP_PROMPT);
	int rc = -1;

	signals_catch(old, sigs, 1);
	for (;;) {
		struct pollfd p = { .fd = h->sock, .events = POLLIN };
		ssize_t n;

		if (h->in.len >= plen && strcmp(h->in.s + h->in.len - plen, HMP_PROMPT) == 0) {
			h->in.s[h->in.len -= plen] = '\0';
			rc = 0;
			break;
		}
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR && term_signalled) {
				rc = 1;
				break;
			}
			continue;
		}
		n = read(h->sock, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sbuf_addn(&h->in, buf, (size_t)n);
	}
	signals_restore(old, sigs, 1);
	return rc;
}

/*
 * Prints QEMU's answer: CR LF become LF; the echo of the typed line (up to the first CR LF) is
 * dropped.
 */
static void hmp_print_answer(struct hmp *h, bool skip_echo)
{
	const char *p = h->in.s ? h->in.s : "";
	const char *eol;

	if (skip_echo && (eol = strstr(p, "\r\n")) != NULL)
		p = eol + 2;
	for (; *p; p++)
		if (*p != '\r')
			putchar(*p);
	fflush(stdout);
	sbuf_free(&h->in);
}

/* `quit` ends QEMU and the guest with it: the monitor is no place to do that by accident. */
static bool hmp_is_quit(const char *line)
{
	size_t skip = strspn(line, " \t");
	size_t len = strcspn(line + skip, " \t");

	return (len == 4 && strncmp(line + skip, "quit", 4) == 0) ||
	       (len == 1 && line[skip] == 'q');
}

static char *history_path(void)
{
	const char *home = getenv("HOME");

	return home && *home ? path_join(home, HISTORY_FILE) : NULL;
}

/*
 * Ctrl-C at the prompt drops the line being typed, as in a shell, instead of
 * ending vmdeck: readline calls this when a read was cut by the signal.
 */
static int prompt_on_signal(void)
{
	if (term_signalled == SIGINT) {
		term_signalled = 0;
		rl_replace_line("", 0);
		rl_crlf();
		rl_on_new_line();
		rl_redisplay();
	}
	return 0;
}

static char *read_line_tty(void)
{
	static const int sigs[] = { SIGINT };
	struct sigaction old[1];
	char *line;

	signals_catch(old, sigs, 1);
	rl_signal_event_hook = prompt_on_signal;
	line = readline(HMP_PROMPT);
	rl_signal_event_hook = NULL;
	signals_restore(old, sigs, 1);
	return line;
}

/* One line from the user: readline on a tty, a plain line from a pipe. NULL at the end. */
static char *read_command(bool tty)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (tty)
		return read_line_tty();
	n = getline(&line, &cap, stdin);
	if (n < 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\n")] = '\0';
	return line;
}

/* Sends one command and prints its answer; -1 when the monitor is gone. */
static int hmp_command(struct hmp *h, const struct vmdef *def, const char *line)
{
	if (hmp_is_quit(line)) {
		fprintf(stderr,
			"vmdeck: %s: quit in the monitor would end the guest; use `vmdeck stop %s` "
			"(ACPI) or `vmdeck kill %s`\n",
			def->name, def->name, def->name);
		return 0;
	}
	if (write_all(h->sock, line, strlen(line), true) < 0 ||
	    write_all(h->sock, "\n", 1, true) < 0)
		return -1;
	switch (hmp_wait_prompt(h)) {
	case 0:
		hmp_print_answer(h, true);
		return 0;
	case 1:
		/*
		 * QEMU still answers: wait for its prompt again, so the next answer is not this
		 * one.
		 */
		fprintf(stderr, "\n(interrupted; waiting for QEMU to finish the command)\n");
		if (hmp_wait_prompt(h) < 0)
			return -1;
		hmp_print_answer(h, true);
		return 0;
	default:
		hmp_print_answer(h, true);
		return -1;
	}
}

static void monitor_loop(struct hmp *h, const struct vmdef *def, bool tty)
{
	char *line;

	while ((line = read_command(tty)) != NULL) {
		int rc = 0;

		if (line[strspn(line, " \t")] != '\0') {
			if (tty)
				add_history(line);
			rc = hmp_command(h, def, line);
		}
		free(line);
		if (rc < 0) {
			fprintf(stderr, "vmdeck: %s: the monitor closed (the guest stopped?)\n",
				def->name);
			return;
		}
	}
	if (tty)
		putchar('\n');
}

/* Connects and reads QEMU's banner up to the first prompt; -1 with *err set. */
static int hmp_open(const struct config *cfg, const struct vmdef *def, struct hmp *h, char **err)
{
	int rc;

	if ((h->sock = term_connect(cfg, def, "hmp.sock", "monitor session", err)) < 0)
		return -1;
	if ((rc = hmp_wait_prompt(h)) == 0)
		return 0;
	close(h->sock);
	sbuf_free(&h->in);
	return err_set(err, rc > 0 ? "interrupted" : "the monitor did not answer");
}

int term_monitor(const struct config *cfg, const struct vmdef *def, char **err)
{
	static const int sigs[] = { SIGINT };
	struct sigaction old[1];
	struct hmp h = { .sock = -1 };
	bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	char *hist;

	/*
	 * On a terminal Ctrl-C belongs to the session from the first moment: a
	 * key pressed between two prompts (or before the first) must never end
	 * vmdeck with SIGINT. The nested catches below restore this handler.
	 */
	if (tty)
		signals_catch(old, sigs, 1);
	if (hmp_open(cfg, def, &h, err) < 0) {
		if (tty)
			signals_restore(old, sigs, 1);
		return -1;
	}
	hist = tty ? history_path() : NULL;
	if (tty) {
		hmp_print_answer(&h, false);
		printf("(vmdeck: Ctrl-D leaves, Ctrl-C drops the line; quit is refused, use vmdeck "
		       "stop or kill)\n");
		using_history();
		stifle_history(HISTORY_LINES);
		if (hist)
			read_history(hist);
	} else {
		sbuf_free(&h.in);
	}
	monitor_loop(&h, def, tty);
	if (hist) {
		write_history(hist);
		free(hist);
	}
	close(h.sock);
	sbuf_free(&h.in);
	if (tty)
		signals_restore(old, sigs, 1);
	return 0;
}
