/*
 * keys.c: the one key table: dispatch, the F-key bar, the help screen and the action menu all read
 * it.
 */
#include <stdio.h>
#include <string.h>

#include "actions.h"
#include "remote.h"
#include "ui.h"
#include "util.h"

#define CTRL(c) ((c) & 0x1f)

/*
 * Order matters: the help screen lists rows in this order and the action
 * menu shows the KB_MENU rows in this order. A key may appear once only.
 * Texts stay within 60 columns: the help screen shows them whole at 80x24.
 */
const struct key_bind key_binds[] = {
	{ '?', KEY_F(1), "Help", "this help: every key and what it does", act_help, 0 },
	{ 's', KEY_F(2), "Start", "start the guest", act_start, KB_GUEST | KB_REMOTE | KB_MENU },
	{ 'b', 0, NULL, "start from CD (install mode): pick an ISO, boot from it", act_start_cd,
	  KB_GUEST | KB_REMOTE | KB_MENU },
	{ 'h', KEY_F(3), "Stop", "graceful stop: ACPI power button, countdown, offer force-off",
	  act_stop, KB_GUEST | KB_REMOTE | KB_MENU },
	{ 'K', 0, NULL, "force off now (asks first)", act_kill, KB_GUEST | KB_REMOTE | KB_MENU },
	{ 'R', 0, NULL, "reset (asks first)", act_reset, KB_GUEST | KB_REMOTE | KB_MENU },
	{ 'p', 0, NULL, "pause or resume", act_pause, KB_GUEST | KB_REMOTE | KB_MENU },
	{ 'c', KEY_F(5), "CD", "change CD: pick an ISO and insert it now", act_cdrom,
	  KB_GUEST | KB_REMOTE | KB_MENU },
	{ 'E', 0, NULL, "eject the CD", act_eject, KB_GUEST | KB_REMOTE | KB_MENU },
	{ 'v', 0, NULL, "VNC details: port, listen address, password", act_vnc,
	  KB_GUEST | KB_REMOTE | KB_MENU },
	{ 'w', 0, NULL, "the guest's screen; keys go to it, F9 key menu, Ctrl-] back", act_screen,
	  KB_GUEST | KB_MENU },
	{ 'o', KEY_F(6), "Console", "serial console (Ctrl-] comes back)", act_console,
	  KB_GUEST | KB_REMOTE | KB_MENU },
	{ 'm', 0, NULL, "QEMU monitor shell (Ctrl-D comes back)", act_monitor,
	  KB_GUEST | KB_REMOTE | KB_MENU },
	{ 'e', KEY_F(4), "Edit", "edit the guest's definition", act_edit,
	  KB_GUEST | KB_REMOTE | KB_MENU },
	{ 'n', KEY_F(7), "New", "new guest", act_new, KB_MENU },
	{ 'D', KEY_F(8), "Delete", "delete the guest (type its name; says which disks stay)",
	  act_delete, KB_GUEST | KB_REMOTE | KB_MENU },
	{ 'B', 0, NULL, "back up: to backup.dir, a host, or a typed folder or VG/LV", act_backup,
	  KB_GUEST | KB_REMOTE | KB_MENU },
	{ 'U', 0, NULL, "restore: an archive in backup.dir, a path or HOST:/path", act_restore,
	  KB_MENU },
	{ 'S', 0, NULL, "snapshots: list, create, revert, delete", act_snapshots,
	  KB_GUEST | KB_REMOTE | KB_MENU },
	{ 'M', 0, NULL, "move the stopped guest to another host (copied, verified)", act_move,
	  KB_GUEST | KB_REMOTE | KB_MENU },
	{ 'C', 0, NULL, "clone the stopped guest: full copy, or linked (overlays on its disks)",
	  act_clone, KB_GUEST | KB_REMOTE | KB_MENU },
	{ 'N', 0, NULL, "new disk: an LV or an image file", act_disk_new, KB_MENU },
	{ 'Z', 0, NULL, "resize one of the guest's disks", act_disk_resize,
	  KB_GUEST | KB_REMOTE | KB_MENU },
	{ 'O', 0, NULL, "disks no guest uses: attach one to a guest, or delete it",
	  act_disk_orphans, KB_MENU },
	{ '\n', KEY_F(9), "Menu", "action menu for the selected guest", act_menu,
	  KB_GUEST | KB_REMOTE },
	{ ':', 0, NULL, "command line: any vmdeck verb, Tab completes", act_cmdline, 0 },
	{ 'J', 0, NULL, "background jobs and their output", act_jobs, 0 },
	{ '/', 0, NULL, "filter guests by name or description (Esc: back)", act_filter, 0 },
	{ 'H', 0, NULL, "show one host's guests, the next host, then all (:host NAME)",
	  act_host_next, 0 },
	{ '>', 0, NULL, "sort by the next column: name, state, CPU%, memory", act_sort_next, 0 },
	{ '<', 0, NULL, "sort by the previous column", act_sort_prev, 0 },
	{ 'I', 0, NULL, "reverse the sort order", act_sort_reverse, 0 },
	{ 'r', 0, NULL, "refresh now (also Ctrl-L)", act_refresh, 0 },
	{ CTRL('l'), 0, NULL, "redraw the screen", act_refresh, 0 },
	{ KEY_UP, 0, NULL, "previous guest (also k)", act_up, 0 },
	{ 'k', 0, NULL, "previous guest", act_up, 0 },
	{ KEY_DOWN, 0, NULL, "next guest (also j)", act_down, 0 },
	{ 'j', 0, NULL, "next guest", act_down, 0 },
	{ KEY_PPAGE, 0, NULL, "page up", act_page_up, 0 },
	{ KEY_NPAGE, 0, NULL, "page down", act_page_down, 0 },
	{ KEY_HOME, 0, NULL, "first guest", act_home, 0 },
	{ KEY_END, 0, NULL, "last guest", act_end, 0 },
	{ 'q', KEY_F(10), "Quit", "quit the console (guests keep running; asks if jobs run)",
	  act_quit, 0 },
	{ 0, 0, NULL, NULL, NULL, 0 },
};

const struct key_bind *key_lookup(int ch)
{
	if (ch == '\r' || ch == KEY_ENTER)
		ch = '\n';
	for (const struct key_bind *k = key_binds; k->fn; k++)
		if (k->key == ch || (k->fkey && k->fkey == ch))
			return k;
	return NULL;
}

/*
 * One table of what terminals send, whatever their TERM says. PuTTY's
 * default is TERM=xterm with F1-F4 as ESC[11~..ESC[14~, Home ESC[1~ and End
 * ESC[4~, where xterm's terminfo expects ESC O P..S, ESC O H and ESC O F (and
 * reads ESC[1~ and ESC[4~ as Find and Select). Both forms are taught to
 * curses, as htop and mc do, so the same key does the same thing anywhere.
 */
static const struct {
	const char *seq;
	int key;
} key_seqs[] = {
	{ "\033[11~", KEY_F(1) }, { "\033OP", KEY_F(1) },    { "\033[12~", KEY_F(2) },
	{ "\033OQ", KEY_F(2) },	  { "\033[13~", KEY_F(3) },  { "\033OR", KEY_F(3) },
	{ "\033[14~", KEY_F(4) }, { "\033OS", KEY_F(4) },    { "\033[15~", KEY_F(5) },
	{ "\033[17~", KEY_F(6) }, { "\033[18~", KEY_F(7) },  { "\033[19~", KEY_F(8) },
	{ "\033[20~", KEY_F(9) }, { "\033[21~", KEY_F(10) }, { "\033[1~", KEY_HOME },
	{ "\033OH", KEY_HOME },	  { "\033[H", KEY_HOME },    { "\033[7~", KEY_HOME },
	{ "\033[4~", KEY_END },	  { "\033OF", KEY_END },     { "\033[F", KEY_END },
	{ "\033[8~", KEY_END },
};

void key_define_sequences(void)
{
	for (size_t i = 0; i < ARRAY_LEN(key_seqs); i++) {
		int had = key_defined(key_seqs[i].seq);

		if (had == key_seqs[i].key || had < 0)
			/* known already, or the start of a longer sequence this terminal has */
			continue;
		if (had > 0)
			/* the terminfo's other meaning goes (xterm's Find, Select) */
			define_key(key_seqs[i].seq, 0);
		define_key(key_seqs[i].seq, key_seqs[i].key);
	}
}

static const struct {
	int key;
	const char *name;
} key_names[] = {
	{ '\n', "Enter" },     { KEY_UP, "Up" },     { KEY_DOWN, "Down" }, { KEY_PPAGE, "PgUp" },
	{ KEY_NPAGE, "PgDn" }, { KEY_HOME, "Home" }, { KEY_END, "End" },   { CTRL('l'), "Ctrl-L" },
	{ '\t', "Tab" },       { 27, "Esc" },
};

const char *key_text(int key, char *buf, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(key_names); i++)
		if (key_names[i].key == key) {
			snprintf(buf, len, "%s", key_names[i].name);
			return buf;
		}
	if (key >= KEY_F(1) && key <= KEY_F(12))
		snprintf(buf, len, "F%d", key - KEY_F(0));
	else if (key > 32 && key < 127)
		snprintf(buf, len, "%c", key);
	else
		snprintf(buf, len, "#%d", key);
	return buf;
}

int key_dispatch(struct ui *ui, int ch)
{
	const struct key_bind *k = key_lookup(ch);

	if (!k)
		return UI_UNHANDLED;
	if (!key_allowed(ui, k))
		return UI_HANDLED | UI_REDRAW;
	return k->fn(ui) | UI_HANDLED | UI_REDRAW;
}

bool key_allowed(struct ui *ui, const struct key_bind *k)
{
	const struct guest_extra *ex = ui_guest_extra(ui);

	if ((k->flags & KB_GUEST) && !ui_guest(ui)) {
		ui_status(ui, true, "no guest selected");
		return false;
	}
	if ((k->flags & KB_GUEST) && !(k->flags & KB_REMOTE) && ex && ex->host) {
		ui_status(
			ui, true,
			"%s is on %s: not from here yet (there: vmdeck --host %s ..., or : then a "
			"verb with --host)",
			ui_guest(ui)->name, ex->host, ex->host);
		return false;
	}
	return true;
}
