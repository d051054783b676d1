/*
 * view_list.c: the main screen: header, the table of guests, the detail pane, status line and F-key
 * bar.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guestip.h"
#include "pending.h"
#include "autostart.h"
#include "remote.h"
#include "snapshot.h"
#include "ui.h"
#include "util.h"
#include "vmstate.h"
#include "vnc.h"

/* Column layout of the table; the CD column takes what is left. */
enum {
	COL_NAME = 1,
	W_NAME = 20,
	W_NAME_NARROW = 14,
	W_HOST = 10,
	W_STATE = 14,
	W_CPU = 6,
	W_MEM = 6,
	W_UP = 8,
	W_VNC = 5,
	W_BACKUP = 13,
	W_IP = 16
};
/* The IP column (a guest's first address) only where it leaves the CD column room. */
#define IP_COLS 130

/*
 * With other hosts' guests in the table a HOST column follows the name
 * (hosts that only take backups add no rows and no column); below 100
 * columns the name gives up 6 for it.
 */
static bool other_rows(const struct ui *ui)
{
	return ui->n > ui->n_local;
}

static int w_host(const struct ui *ui)
{
	return other_rows(ui) ? W_HOST : 0;
}

static int w_name(const struct ui *ui)
{
	return other_rows(ui) && COLS < 100 ? W_NAME_NARROW : W_NAME;
}

/*
 * ... and the VNC column goes (the detail pane has it), so the CD column keeps room for a progress
 * bar.
 */
static int w_vnc(const struct ui *ui)
{
	return other_rows(ui) && COLS < 100 ? 0 : W_VNC;
}

#define BACKUP_REFRESH 5.0  /* seconds between reads of a guest's backup status file */

/*
 * The guest's last backup and next run, read again every few seconds (a small file; no archive is
 * listed).
 */
static const struct schedule_info *backup_of(struct ui *ui, size_t i)
{
	struct guest_extra *ex = &ui->ex[i];
	double now = now_mono();

	if (i >= ui->n_local) {  /* another host's guest: its backups are that host's business */
		memset(&ex->backup, 0, sizeof ex->backup);
		return &ex->backup;
	}
	if (ex->backup_at == 0 || now - ex->backup_at >= BACKUP_REFRESH) {
		schedule_info_get(ui->cfg, &ui->defs[i], time(NULL), &ex->backup);
		ex->backup_at = now;
	}
	return &ex->backup;
}

static bool backup_bad(const struct schedule_info *b)
{
	return (b->has_last && !b->last_ok) || b->overdue;
}

/*
 * The BACKUP cell: when the last one was, "failed MM-DD" or "late MM-DD" when it needs looking at.
 */
static void backup_text(const struct schedule_info *b, char *buf, size_t len)
{
	struct tm tm;
	char when[16];

	if (!b->has_last) {
		snprintf(buf, len, "%s", b->next ? "never" : "-");
		return;
	}
	localtime_r(&b->last, &tm);
	if (!b->last_ok || b->overdue) {
		strftime(when, sizeof when, "%m-%d", &tm);
		snprintf(buf, len, "%s %s", b->last_ok ? "late" : "failed", when);
	} else {
		strftime(buf, len, "%m-%d %H:%M", &tm);
	}
}

static int detail_height(void)
{
	int h = (LINES - 5) / 2;

	return h > 12 ? 12 : h;
}

/* The row of the column heads: under the header and the other hosts' lines. */
static int head_y(const struct ui *ui)
{
	return 1 + remote_header_lines(ui);
}

static int table_height_of(const struct ui *ui)
{
	return LINES - 4 - head_y(ui) - detail_height();
}
#define table_height() table_height_of(ui)

static void draw_header(struct ui *ui)
{
	char buf[400], mem[16], vg[48] = "", clock[16], guests[128], bad[96];
	size_t running = 0, failed = 0, late = 0;
	int cw;

	for (size_t i = 0; i < ui->n; i++)
		running += ui->st[i].state == VM_RUNNING;
	if (ui->vg_free >= 0)
		snprintf(vg, sizeof vg, "  vg %s free %s", ui->cfg->vg,
			 size_human((uint64_t)ui->vg_free, (char[16]){ 0 }, 16));
	if (ui->filter[0])  /* a filtered table says so, with how many of all it shows */
		snprintf(guests, sizeof guests, "%zu of %zu guests, filter \"%s\"", ui->n_order,
			 ui->n, ui->filter);
	else
		snprintf(guests, sizeof guests, "%zu guest%s", ui->n, ui->n == 1 ? "" : "s");
	for (size_t i = 0; i < ui->n; i++) {
		const struct schedule_info *b = backup_of(ui, i);

		failed += b->has_last && !b->last_ok;
		late += b->last_ok && b->overdue;
	}
	/*
	 * backups that need looking at come right after the host's name, before what a narrow
	 * terminal cuts
	 */
	if (failed && late)
		snprintf(bad, sizeof bad, "backups: %zu failed, %zu overdue", failed, late);
	else if (failed || late)
		snprintf(bad, sizeof bad, "backups: %zu %s", failed ? failed : late,
			 failed ? "failed" : "overdue");
	else
		bad[0] = '\0';
	snprintf(buf, sizeof buf, " vmdeck  %s  %s%sload %.2f  mem free %s%s  %s, %zu running",
		 ui->hostname, bad, bad[0] ? "  " : "", ui->load1,
		 size_human(ui->mem_avail, mem, sizeof mem), vg, guests, running);
	fmt_clock(now_real(), clock, sizeof clock);
	clock[5] = 0; /* HH:MM */
	cw = (int)strlen(clock) + 1;
	draw_fill(stdscr, 0, 0, COLS, R_HEADER);
	draw_text(stdscr, 0, 0, COLS - cw, R_HEADER, buf);
	if (bad[0]) {  /* marked */
		int at = 9 + (int)strlen(ui->hostname) + 2;

		if (at < COLS - cw)
			draw_text(stdscr, 0, at, COLS - cw - at, R_ERROR, bad);
	}
	draw_text(stdscr, 0, COLS - cw, cw, R_HEADER, clock);
}

/* Where sortable column c's title is (in the order of enum sort_col): x and width. */
static void sort_head(const struct ui *ui, int c, int *x, int *w)
{
	static const int widths[SORT_COUNT] = { 0, W_STATE, W_CPU, W_MEM };
	int at = COL_NAME + w_name(ui) + w_host(ui);

	if (c == SORT_NAME) {
		*x = COL_NAME;
		*w = w_name(ui) - 1;
		return;
	}
	for (int k = 1; k < c; k++)
		at += widths[k];
	*x = at;
	*w = widths[c] - 1;
}

/*
 * The column heads; the sort column's in the selection's colours (as htop does), unless it is the
 * usual name order.
 */
static void draw_table_head(const struct ui *ui)
{
	char buf[256], host[16] = "", vnc[16] = "";
	int y = head_y(ui);

	if (w_host(ui))
		snprintf(host, sizeof host, "%-*s ", w_host(ui) - 1, "HOST");
	if (w_vnc(ui))
		snprintf(vnc, sizeof vnc, "%*s ", w_vnc(ui) - 1, "VNC");
	snprintf(buf, sizeof buf, " %-*s %s%-*s %*s %*s %*s %s %-*s %-*sCD", w_name(ui) - 1, "NAME",
		 host, W_STATE - 1, "STATE", W_CPU - 1, "CPU%", W_MEM - 1, "MEM", W_UP - 1,
		 "UPTIME", vnc, W_BACKUP - 1, "BACKUP", COLS >= IP_COLS ? W_IP : 0,
		 COLS >= IP_COLS ? "IP" : "");
	draw_fill(stdscr, y, 0, COLS, R_TABLE_HEAD);
	draw_text(stdscr, y, 0, COLS, R_TABLE_HEAD, buf);
	if (ui->sort_col != SORT_NAME || ui->sort_desc) {
		int x, w;

		sort_head(ui, (int)ui->sort_col, &x, &w);
		draw_text(stdscr, y, x, w, R_SELECTION, buf + x);
	}
}

/* The other hosts: load, free memory, free VG, reachable or since when not (remote.c). */
static void draw_hosts(const struct ui *ui)
{
	char buf[512];

	for (int k = 0; k < remote_header_lines(ui); k++) {
		remote_header_text(ui, k, buf, sizeof buf);
		draw_fill(stdscr, 1 + k, 0, COLS, R_HEADER);
		draw_text(stdscr, 1 + k, 0, COLS, R_HEADER, buf);
	}
}

/*
 * Whether job j acts on row i's guest: the same name, and the same host (a
 * job run on another host has " (on HOST)" at the end of its title).
 */
static bool job_on_row(const struct ui *ui, const struct job *j, size_t i)
{
	const char *on = j->title ? strstr(j->title, " (on ") : NULL;
	const char *host = ui->ex[i].host;

	if (!j->guest || strcmp(j->guest, ui->defs[i].name) != 0)
		return false;
	if (!host)
		return on == NULL;
	return on && strncmp(on + 5, host, strlen(host)) == 0 &&
	       strcmp(on + 5 + strlen(host), ")") == 0;
}

/* The newest job of this console with a progress figure for row i's guest (a backup), or NULL. */
static const struct job *guest_progress_job(const struct ui *ui, size_t i)
{
	for (size_t k = ui->n_jobs; k-- > 0;) {
		const struct job *j = ui->jobs[k].job;

		if (!j->exited && j->progress >= 0 && job_on_row(ui, j, i))
			return j;
	}
	return NULL;
}

/*
 * What runs on row i's guest with a figure to show: this console's own job
 * first (so a job it started shows once), else the job its host published
 * (a timer's backup, the CLI, another console: jobfile.h). The verb (its
 * first word, at most vlen - 1 bytes) and the percent (-1 unknown); false when none.
 */
static bool row_job(const struct ui *ui, size_t i, char *verb, size_t vlen, int *pct)
{
	const struct job *j = guest_progress_job(ui, i);
	const struct jobfile_info *f = &ui->ex[i].job.info;

	if (j) {
		snprintf(verb, vlen, "%.*s", (int)strcspn(j->title, " "), j->title);
		*pct = j->progress;
		return true;
	}
	if (!ui->ex[i].job.present)
		return false;
	snprintf(verb, vlen, "%s", f->verb);
	*pct = f->percent;
	return true;
}

static void state_text(const struct ui *ui, size_t i, char *buf, size_t len)
{
	const struct guest_extra *ex = &ui->ex[i];

	if (!ui->polled_once && !ui->defs[i].error)
		snprintf(buf, len, "...");
	else if (ex->stop_deadline > 0) {
		double left = ex->stop_deadline - now_mono();

		snprintf(buf, len, left > 0 ? "stopping %.0fs" : "timed out", left);
	} else
		snprintf(buf, len, "%s",
			 vmstate_name(ui->defs[i].error ? VM_INVALID : ui->st[i].state));
}

/*
 * The CD column: while a job reports progress, its verb and figure first
 * ("backup  42%"), then a bar in what is left of the width; else the medium.
 */
static void cd_text(const struct ui *ui, size_t i, char *buf, size_t len, int width)
{
	const struct vm_status *st = &ui->st[i];
	const char *cd = st->pid > 0 ? st->cdrom : ui->defs[i].cdrom;
	char verb[24];
	int pct = -1;
	bool busy = row_job(ui, i, verb, sizeof verb, &pct);

	if (busy && pct < 0) {
		snprintf(buf, len, "%s ...", verb);  /* a step without a measure (a RAM save) */
		return;
	}
	if (busy) {
		int at, fill, room;

		at = snprintf(buf, len, "%s %3d%%", verb, pct);
		room = width - at - 3;  /* " [" and "]" */
		if (room > 10)
			room = 10;
		if (room >= 4 && (size_t)(at + room + 3) < len) {
			fill = pct * room / 100;
			buf[at++] = ' ';
			buf[at++] = '[';
			for (int k = 0; k < room; k++)
				buf[at++] = k < fill ? '#' : '.';
			buf[at++] = ']';
			buf[at] = '\0';
		}
		return;
	}
	snprintf(buf, len, "%s", cd ? path_base(cd) : "-");
}

/* The guest's first address as far as known without asking it, or "-". */
static void ip_text(struct ui *ui, size_t i, char *buf, size_t len)
{
	struct strv ips = { 0 };

	if (i < ui->n_local && ui->st[i].pid > 0 && ui->st[i].state != VM_UNRESPONSIVE)
		guestip_get(ui->cfg, &ui->defs[i], ui->st[i].pid, 0, &ips);
	snprintf(buf, len, "%s", ips.n ? ips.v[0] : "-");
	strv_free(&ips);
}

static void draw_row(struct ui *ui, size_t i, int y)
{
	const struct vmdef *d = &ui->defs[i];
	const struct vm_status *st = &ui->st[i];
	char line[512], state[32], cpu[16], mem[16], up[16], vnc[16], cd[256], host[32] = "",
									       bak[32];
	const struct schedule_info *b = backup_of(ui, i);
	int at, bx;
	bool busy;
	enum role r =
		i == ui->sel ? R_SELECTION : role_for_state(d->error ? VM_INVALID : st->state);

	state_text(ui, i, state, sizeof state);
	if (st->cpu_percent >= 0 && st->pid > 0)
		snprintf(cpu, sizeof cpu, "%.1f", st->cpu_percent);
	else
		snprintf(cpu, sizeof cpu, "-");
	size_human(d->memory, mem, sizeof mem);
	if (ui->ex[i].next_start & PENDING_MEMORY)
		strcat(mem, "*");  /* the guest still runs with the old memory; the pane says so */
	fmt_uptime(st->pid > 0 ? st->uptime : -1, up, sizeof up);
	if (!w_vnc(ui))
		vnc[0] = '\0';
	else if (d->vnc)
		snprintf(vnc, sizeof vnc, "%*d ", w_vnc(ui) - 1, 5900 + d->vnc_display);
	else
		snprintf(vnc, sizeof vnc, "%*s ", w_vnc(ui) - 1, "-");
	if (w_host(ui))
		snprintf(host, sizeof host, "%-*.*s ", w_host(ui) - 1, w_host(ui) - 1,
			 remote_host_name(ui, i));
	backup_text(b, bak, sizeof bak);
	bx = snprintf(line, sizeof line, " %-*.*s %s%-*s %*s %*s %*s %s ", w_name(ui) - 1,
		      w_name(ui) - 1, d->name, host, W_STATE - 1, state, W_CPU - 1, cpu, W_MEM - 1,
		      d->error ? "-" : mem, W_UP - 1, up, vnc);
	/* a job's progress takes the BACKUP cell too */
	busy = row_job(ui, i, (char[24]){ 0 }, 24, &(int){ 0 });
	at = busy ? bx
		  : bx + snprintf(line + bx, sizeof line - (size_t)bx, "%-*s ", W_BACKUP - 1, bak);
	if (!busy && COLS >= IP_COLS) {
		char ip[64];

		ip_text(ui, i, ip, sizeof ip);
		at += snprintf(line + at, sizeof line - (size_t)at, "%-*.*s", W_IP, W_IP - 1, ip);
	}
	cd_text(ui, i, cd, sizeof cd, COLS - at);
	snprintf(line + at, sizeof line - (size_t)at, "%s", cd);
	draw_fill(stdscr, y, 0, COLS, r);
	draw_text(stdscr, y, 0, COLS, r, line);
	/* marked: the cell in the error colour */
	if (!busy && backup_bad(b) && i != ui->sel && bx < COLS)
		draw_text(stdscr, y, bx, W_BACKUP - 1 < COLS - bx ? W_BACKUP - 1 : COLS - bx,
			  R_ERROR, bak);
}

static void draw_table(struct ui *ui)
{
	int h = table_height();

	if (ui->sel_pos < ui->top)
		ui->top = ui->sel_pos;
	if (ui->sel_pos >= ui->top + (size_t)h)
		ui->top = ui->sel_pos - (size_t)h + 1;
	if (ui->top > ui->n_order)
		ui->top = 0;
	if (ui->n == 0) {
		draw_text(stdscr, 3, 2, COLS - 4, R_NORMAL,
			  ui->load_err ? ui->load_err
				       : "No guests yet. Press n (or F7) to make one.");
		return;
	}
	if (ui->n_order == 0) {
		char msg[160];

		snprintf(msg, sizeof msg,
			 "No guest's name or description holds \"%s\" (/ changes the filter).",
			 ui->filter);
		draw_text(stdscr, 3, 2, COLS - 4, R_NORMAL, msg);
		return;
	}
	for (int row = 0; row < h && ui->top + (size_t)row < ui->n_order; row++)
		draw_row(ui, ui->order[ui->top + (size_t)row], head_y(ui) + 1 + row);
}

/* ---- detail pane ---- */

struct pane {
	int y, x, w, bottom;
};

static void pane_line(struct pane *p, enum role r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void pane_line(struct pane *p, enum role r, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (p->y >= p->bottom)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	draw_text(stdscr, p->y++, p->x, p->w, r, buf);
}

/*
 * "head  tail" on one line when it fits the pane, else tail on a line of its
 * own under head's value: at 80 columns (PuTTY's default) a MAC address or
 * the VNC password state would otherwise be cut off.
 */
static void pane_pair(struct pane *p, const char *head, const char *tail)
{
	if ((int)(strlen(head) + 2 + strlen(tail)) <= p->w) {
		pane_line(p, R_NORMAL, "%s  %s", head, tail);
		return;
	}
	pane_line(p, R_NORMAL, "%s", head);
	pane_line(p, R_NORMAL, "        %s", tail);
}

/*
 * How many snapshots, and the newest (from the guest's small snapshots file only); nothing when
 * none.
 */
static void detail_snapshots(const struct config *cfg, struct pane *p, const struct vmdef *d)
{
	char *newest = NULL;
	size_t n = snapshot_summary(cfg, d->name, &newest);

	if (n)
		pane_line(p, R_NORMAL, "Snaps   %zu, newest %s", n, newest);
	free(newest);
}

static void detail_hardware(struct pane *p, const struct vmdef *d, const struct vm_status *st,
			    unsigned next)
{
	char mem[16], rss[16], sz[16], keys[128];

	pane_line(p, R_NORMAL, "%s", *d->description ? d->description : "(no description)");
	if (next && (int)strlen(pending_names(next, keys, sizeof keys)) + 25 <= p->w) {
		pane_line(p, R_ERROR, "* applies at next start: %s", keys);
	} else if (next) {
		pane_line(p, R_ERROR, "* applies at next start:");
		pane_line(p, R_ERROR, "  %s", keys);
	}
	pane_line(p, R_NORMAL, "CPU     %d x %s   machine %s", d->cpus,
		  d->cpu ? d->cpu : vmdef_default("cpu"),
		  d->machine ? d->machine : vmdef_default("machine"));
	if (st->pid > 0)
		pane_line(p, R_NORMAL, "Memory  %s (resident %s)",
			  size_human(d->memory, mem, sizeof mem),
			  size_human(st->rss, rss, sizeof rss));
	else
		pane_line(p, R_NORMAL, "Memory  %s", size_human(d->memory, mem, sizeof mem));
	if (d->n_disks == 0)
		pane_line(p, R_NORMAL, "Disks   none");
	for (size_t k = 0; k < d->n_disks; k++) {
		const struct vm_disk *dk = &d->disks[k];
		const char *bus = disk_iface_name(dk->iface);
		char fit[256];

		/* size and bus first, so a long file path costs only its own start */
		size_human(dk->size, sz, sizeof sz);
		pane_line(p, R_NORMAL, "%s  %-5s %-6s %s", k ? "      " : "Disks ",
			  dk->size ? sz : "?", bus,
			  draw_fit_left(dk->lv ? dk->lv : dk->file, p->w - 22, fit, sizeof fit));
	}
	if (d->n_nics == 0)
		pane_line(p, R_NORMAL, "NICs    none");
	for (size_t k = 0; k < d->n_nics; k++) {
		char head[128];

		snprintf(head, sizeof head, "%s  %s  %s", k ? "      " : "NICs  ",
			 d->nics[k].bridge ? d->nics[k].bridge : "user (NAT)",
			 d->nics[k].model ? d->nics[k].model : "");
		pane_pair(p, head, d->nics[k].mac ? d->nics[k].mac : "(MAC on first start)");
	}
	char *as = autostart_describe(d);

	pane_line(p, R_NORMAL, "Autostart %s", as);
	free(as);
}

/*
 * HH:MM for today's events, MM-DD HH:MM for older ones (the log outlives the console); first, as
 * texts get long.
 */
static const char *event_when(time_t t, char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm, today;

	localtime_r(&now, &today);
	localtime_r(&t, &tm);
	strftime(buf, len,
		 tm.tm_yday == today.tm_yday && tm.tm_year == today.tm_year ? "%H:%M"
									    : "%m-%d %H:%M",
		 &tm);
	return buf;
}

/*
 * "  WHEN  TEXT", a text too long for the pane going on in one more row under
 * it (a CD path, a failure's reason), then cut after a word with "...": the
 * newest events stay in view. Words are kept whole where the rest then fits
 * that row; a long path is not worth losing for it, so otherwise the first
 * row breaks at the edge.
 */
static void pane_event(struct pane *p, const char *when, const char *text)
{
	int indent = (int)strlen(when) + 4, tw = p->w - indent, take;
	const char *rest = wrap_row(text, tw, &take);

	if (tw > 0 && (int)strlen(rest) > tw && (int)strlen(text) > tw) {
		take = tw;
		rest = text + tw;
	}

	pane_line(p, R_NORMAL, "  %s  %.*s", when, take, text);
	if (*rest && (int)strlen(rest) <= tw) {
		pane_line(p, R_NORMAL, "%*s%s", indent, "", rest);
	} else if (*rest && tw > 3) {
		/* too long for its second row as well: end it at a word, marked, never mid-word */
		wrap_row(rest, tw - 3, &take);
		pane_line(p, R_NORMAL, "%*s%.*s...", indent, "", take, rest);
	}
}

/*
 * The guest's addresses as far as known without asking it (the agent's cached answer, neighbours,
 * user net).
 */
static void detail_ip(struct ui *ui, struct pane *p, const struct vmdef *d, pid_t pid)
{
	struct strv ips = { 0 };
	struct sbuf b = { 0 };

	guestip_get(ui->cfg, d, pid, 0, &ips);
	for (size_t k = 0; k < ips.n; k++)
		sbuf_printf(&b, "%s%s", k ? ", " : "", ips.v[k]);
	pane_line(p, R_NORMAL, "IP      %s", ips.n ? b.s : "unknown");
	sbuf_free(&b);
	strv_free(&ips);
}

/* "Backup  12-01 02:00 ok   next 12-02 02:00", and a failure's reason under it. */
static void detail_backup(struct pane *p, const struct schedule_info *b)
{
	char last[32] = "never", next[32] = "not scheduled", head[96];
	struct tm tm;

	if (b->has_last) {
		localtime_r(&b->last, &tm);
		strftime(last, sizeof last, "%m-%d %H:%M", &tm);
	}
	if (b->next) {
		localtime_r(&b->next, &tm);
		strftime(next, sizeof next, "next %m-%d %H:%M", &tm);
	}
	snprintf(head, sizeof head, "Backup  %s%s%s", last,
		 b->has_last ? b->last_ok ? " ok" : " FAILED" : "", b->overdue ? " OVERDUE" : "");
	pane_pair(p, head, next);
	/* the reason, on as many rows as the pane has */
	for (const char *w = b->why; *w && p->w > 8;) {
		int take;
		const char *rest = wrap_row(w, p->w - 8, &take);

		pane_line(p, R_ERROR, "        %.*s", take, w);
		w = rest;
	}
}

/* "Job     backup 42%  by backup timer": a job on the guest, whoever started it. */
static void detail_job(struct pane *p, const struct jobfile_info *j)
{
	char head[64], what[40], by[112];

	snprintf(head, sizeof head, "Job     %s", jobfile_short(j, what, sizeof what));
	snprintf(by, sizeof by, "by %s", j->by[0] ? j->by : "?");
	pane_pair(p, head, by);
}

/* The event's text and who did it, "TEXT (by ACTOR)": at 100 columns both fit its two rows. */
static void pane_event_by(struct pane *p, const char *when, const struct events_entry *e)
{
	char *text = e->actor ? xasprintf("%s (by %s)", e->text, e->actor) : NULL;

	pane_event(p, when, text ? text : e->text);
	free(text);
}

static void detail_runtime(struct ui *ui, struct pane *p, size_t i)
{
	const struct vmdef *d = &ui->defs[i];
	const struct vm_status *st = &ui->st[i];
	const struct guest_extra *ex = &ui->ex[i];
	char up[16], when[24], fit[256];
	const char *cd;

	if (d->vnc) {
		char head[128];

		snprintf(head, sizeof head, "VNC     :%d  port %d on %s", d->vnc_display,
			 5900 + d->vnc_display, vnc_listen(d));
		pane_pair(p, head, d->vnc_password ? "password set" : "no password");
	} else
		pane_line(p, R_NORMAL, "VNC     none");
	cd = st->pid > 0 ? st->cdrom : d->cdrom;
	pane_line(p, R_NORMAL, "CD      %s",
		  cd ? draw_fit_left(cd, p->w - 8, fit, sizeof fit) : "empty");
	pane_line(p, R_NORMAL, "Boot    %s   rtc %s", d->boot ? d->boot : vmdef_default("boot"),
		  d->rtc ? d->rtc : vmdef_default("rtc"));
	if (st->pid > 0)
		pane_line(p, R_NORMAL, "PID     %d   up %s", (int)st->pid,
			  fmt_uptime(st->uptime, up, sizeof up));
	/* another host's: not from here */
	if (i < ui->n_local && st->pid > 0 && st->state != VM_UNRESPONSIVE)
		detail_ip(ui, p, d, st->pid);
	detail_backup(p, backup_of(ui, i));
	if (ex->job.present)  /* who runs it, which the row has no room for */
		detail_job(p, &ex->job.info);
	if (st->reason)
		pane_line(p, R_ERROR, "%s", st->reason);
	pane_line(p, R_DETAIL_TITLE, "Recent events");
	if (ex->n_events == 0)
		pane_line(p, R_NORMAL, "  none yet");
	for (size_t k = ex->n_events; k-- > 0;) /* newest first */
		pane_event_by(p, event_when(ex->events[k].when, when, sizeof when), &ex->events[k]);
}

static void draw_detail(struct ui *ui)
{
	int top = head_y(ui) + 1 + table_height(), half = COLS / 2;
	struct pane left = { top + 1, 1, half - 2, LINES - 2 },
		    right = { top + 1, half + 1, COLS - half - 2, LINES - 2 };
	const struct vmdef *d = ui_guest(ui);
	char title[96];

	draw_hline(ui, stdscr, top, 0, COLS, R_BORDER);
	if (!d)
		return;
	snprintf(title, sizeof title, " %s ", d->name);
	draw_text(stdscr, top, 2, COLS - 4, R_DETAIL_TITLE, title);
	if (d->error) {
		left.w = COLS - 2;
		pane_line(&left, R_ERROR, "invalid definition:");
		for (const char *s = d->error;
		     *s && left.y<left.bottom; s += strlen(s)>(size_t) left.w ? (size_t)left.w
									      : strlen(s))
			pane_line(&left, R_ERROR, "%.*s", left.w, s);
		return;
	}
	detail_hardware(&left, d, &ui->st[ui->sel], ui->ex[ui->sel].next_start);
	detail_snapshots(ui->cfg, &left, d);
	detail_runtime(ui, &right, ui->sel);
}

static void list_init(struct ui *ui)
{
}

static void list_draw(struct ui *ui)
{
	table_order_rebuild(ui);
	draw_header(ui);
	draw_hosts(ui);
	draw_table_head(ui);
	draw_table(ui);
	draw_detail(ui);
	draw_status_line(ui, LINES - 2);
	draw_fkey_bar(ui, LINES - 1);
}

/* A column head clicked: sort by it; clicked again, the other way round. */
static void click_head(struct ui *ui, int x)
{
	for (int c = 0; c < SORT_COUNT; c++) {
		int hx, hw;

		sort_head(ui, c, &hx, &hw);
		if (x >= hx && x < hx + hw) {
			if ((int)ui->sort_col == c)
				table_order_reverse(ui);
			else
				table_order_sort(ui, c - (int)ui->sort_col);
		}
	}
}

/*
 * The mouse (PuTTY and xterm send clicks): a row selects its guest, an F-key
 * label does what that key does, a column head sorts, the wheel moves.
 */
static int list_mouse(struct ui *ui)
{
	MEVENT ev;
	long pos;
	int fkey;

	if (getmouse(&ev) != OK)
		return UI_HANDLED;
	pos = (long)ui->top + ev.y - head_y(ui) - 1;
	fkey = ev.y == LINES - 1 ? draw_fkey_at(ev.x) : 0;
	if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED))
		table_order_select_pos(ui,
				       (long)ui->sel_pos + (ev.bstate & BUTTON4_PRESSED ? -1 : 1));
	else if (!(ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)))
		return UI_HANDLED;
	else if (fkey)
		return key_dispatch(ui, fkey);
	else if (ev.y == head_y(ui))
		click_head(ui, ev.x);
	else if (ev.y > head_y(ui) && ev.y <= head_y(ui) + table_height() &&
		 pos < (long)ui->n_order)
		table_order_select_pos(ui, pos);
	return UI_HANDLED | UI_REDRAW;
}

static int list_key(struct ui *ui, int ch)
{
	int r = ch == KEY_MOUSE ? list_mouse(ui) : key_dispatch(ui, ch);

	if (r == UI_UNHANDLED && ch == 27) {
		/*
		 * Esc on the main screen: nothing to close or cancel; it only clears the status
		 * line
		 */
		ui_status_clear(ui);
		r = UI_REDRAW;
	} else if (r == UI_UNHANDLED && ch != ERR) {
		char name[16];

		ui_status(ui, true, "%s: no such key (? shows them all)",
			  key_text(ch, name, sizeof name));
		r = UI_REDRAW;
	}
	return r;
}

const struct view view_list = { "list", list_init, list_draw, list_key };
