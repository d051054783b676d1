/*
 * loop.c: the console's one poll() loop: keyboard, signal pipe, status poller, job pipes and
 * timers.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "remote.h"
#include "status.h"
#include "ui.h"
#include "util.h"

#define MAX_FDS 1024
#define CTRL_L 12

static int sig_pipe[2] = { -1, -1 };

/* Async-signal-safe: only a byte into the pipe; the loop does the work. */
static void on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;

	if (write(sig_pipe[1], &c, 1) < 0) {
		/* pipe full: a wake-up is already pending */
	}
	errno = saved;
}

static const int caught[] = { SIGWINCH, SIGCHLD, SIGTERM, SIGHUP, SIGINT };

int ui_signals_install(struct ui *ui, char **err)
{
	struct sigaction sa;

	if (pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return err_set(err, "cannot make the signal pipe: %s", strerror(errno));
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_LEN(caught); i++) {
		sa.sa_flags = SA_RESTART | (caught[i] == SIGCHLD ? SA_NOCLDSTOP : 0);
		sigaction(caught[i], &sa, NULL);
	}
	signal(SIGPIPE, SIG_IGN);
	ui->sig_fd = sig_pipe[0];
	return 0;
}

void ui_signals_restore(void)
{
	for (size_t i = 0; i < ARRAY_LEN(caught); i++)
		signal(caught[i], SIG_DFL);
	if (sig_pipe[0] >= 0) {
		close(sig_pipe[0]);
		close(sig_pipe[1]);
		sig_pipe[0] = sig_pipe[1] = -1;
	}
}

/* Follows the terminal's real size (after SIGWINCH, or after a child had the terminal). */
static void resize_now(struct ui *ui)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	dlg_invalidate_all();
	ui->dirty = true;
}

/*
 * Curses steps aside for a serial console or a monitor: the terminal is
 * cleared, so nothing of another guest's earlier session shows as this one's.
 */
void ui_suspend(struct ui *ui)
{
	const char *clear = tigetstr("clear");

	def_prog_mode();
	endwin();
	if (clear && clear != (char *)-1)
		putp(clear);
	else
		fputs("\033[H\033[2J", stdout);
	fflush(stdout);
}

void ui_resume(struct ui *ui)
{
	reset_prog_mode();
	resize_now(ui);
	refresh();
}

static void on_signals(struct ui *ui)
{
	unsigned char buf[64];
	ssize_t r;

	while ((r = read(ui->sig_fd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] == SIGWINCH)
				resize_now(ui);
			else if (buf[i] == SIGCHLD)
				ui_jobs_reap(ui);
			else
				ui->quit = true;
		}
	}
}

static void on_key(struct ui *ui, int ch)
{
	int r;

	if (ch == KEY_RESIZE) { /* resizeterm's own echo of a resize already handled */
		ui->dirty = true;
		return;
	}
	/* repaints everything whatever is open; the list also rescans (act_refresh) */
	if (ch == CTRL_L) {
		clearok(curscr, TRUE);
		dlg_invalidate_all();
		ui->dirty = true;
		if (ui->too_small || ui_top(ui) != &view_list)
			return;
	}
	if (ui->too_small && ch != 'q' && ch != KEY_F(10))
		return;
	if (ui->too_small)
		r = view_small.key(ui, ch);
	else
		r = ui_top(ui)->key(ui, ch);
	if (r & UI_QUIT)
		ui->quit = true;
	if (r & UI_RESCAN)
		ui_rescan(ui);
	ui->dirty = true; /* a key always repaints: the user sees at once that it was taken */
}

static void on_stdin(struct ui *ui)
{
	int ch;

	while (!ui->quit && (ch = getch()) != ERR)
		on_key(ui, ch);
}

/* Milliseconds poll() may sleep: until the next timer or poller deadline. */
static int sleep_ms(struct ui *ui)
{
	double now = now_mono(), next = ui_next_timer(ui);
	int ms = next <= now ? 0 : (int)((next - now) * 1000.0) + 1;

	if (ui->poll) {
		int t = status_poll_timeout(ui->poll);

		if (t >= 0 && t < ms)
			ms = t;
	}
	if (watcher_timeout(ui->watcher) >= 0 && watcher_timeout(ui->watcher) < ms)
		ms = watcher_timeout(ui->watcher);
	if (remote_timeout(ui) >= 0 && remote_timeout(ui) < ms)
		ms = remote_timeout(ui);
	return ms;
}

static void turn(struct ui *ui, struct pollfd *fds)
{
	int nfds = 2, first_status, n_status = 0, first_watch, n_watch, first_link, n_link,
	    first_job;

	fds[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = ui->sig_fd, .events = POLLIN };
	first_status = nfds;
	if (ui->poll)
		n_status = status_poll_fds(ui->poll, fds + nfds, MAX_FDS / 2);
	nfds += n_status;
	first_watch = nfds;
	n_watch = watcher_fds(ui->watcher, fds + nfds, MAX_FDS / 4);
	nfds += n_watch;
	first_link = nfds;
	n_link = remote_fds(ui, fds + nfds, 64);
	nfds += n_link;
	first_job = nfds;
	nfds += ui_jobs_fds(ui, fds + nfds, MAX_FDS - nfds);

	if (poll(fds, (nfds_t)nfds, sleep_ms(ui)) < 0 && errno != EINTR)
		fatal("poll: %s", strerror(errno));
	if (fds[1].revents)
		on_signals(ui);
	if (fds[0].revents & (POLLIN | POLLHUP | POLLERR))
		on_stdin(ui);
	if (fds[0].revents & (POLLHUP | POLLERR))
		ui->quit = true; /* the terminal went away */
	if (ui->poll)
		ui_status_progress(ui, fds + first_status, n_status);
	/* before the watcher's turn, which rebuilds the rows */
	remote_process(ui, fds + first_link, n_link);
	ui_watch_progress(ui, fds + first_watch, n_watch);
	ui_jobs_process(ui, fds + first_job, nfds - first_job);
	ui_timers(ui);
}

int ui_loop_run(struct ui *ui)
{
	struct pollfd *fds = xcalloc(MAX_FDS, sizeof *fds);

	/* the first screen already has the host's figures and, where no guest runs, the states */
	ui_timers(ui);
	ui->dirty = true;
	while (!ui->quit) {
		confirm_show_waiting(ui);
		if (ui->dirty) {
			ui->dirty = false;
			ui_draw(ui);
		}
		turn(ui, fds);
	}
	free(fds);
	return 0;
}
