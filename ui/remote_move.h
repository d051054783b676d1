/*
 * remote_move.h: U (restore) and M (move) on another host: that host's archives and its own
 * hosts[], from its `vmdeck hostinfo --json`, then the form whose verb runs there.
 */
#ifndef VMDECK_UI_REMOTE_MOVE_H
#define VMDECK_UI_REMOTE_MOVE_H

struct ui;
struct vm_status;

/*
 * The host U restores on: the one the table is filtered to (H, :host NAME), else with every host
 * shown the selected guest's; NULL for this host.
 */
const char *remote_move_restore_host(const struct ui *ui);
/* U there: its backup.dir's archives are fetched (a job), then the restore form runs there. */
void remote_move_restore(struct ui *ui, const char *host);
/*
 * M on host's guest: refused unless stopped (st, as its row shows it); else that host's own
 * hosts[] are fetched and offered, and `vmdeck move` runs on host.
 */
void remote_move_move(struct ui *ui, const char *host, const char *guest,
		      const struct vm_status *st);

#endif
