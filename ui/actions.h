/* actions.h: one function per console action; the key table (keys.c) binds keys to them. */
#ifndef VMDECK_UI_ACTIONS_H
#define VMDECK_UI_ACTIONS_H

struct ui;

int act_help(struct ui *ui);
int act_quit(struct ui *ui);
int act_menu(struct ui *ui);
int act_start(struct ui *ui);
int act_start_cd(struct ui *ui);
int act_stop(struct ui *ui);
int act_kill(struct ui *ui);
int act_reset(struct ui *ui);
int act_pause(struct ui *ui);
int act_cdrom(struct ui *ui);
int act_eject(struct ui *ui);
int act_vnc(struct ui *ui);
int act_screen(struct ui *ui);
int act_console(struct ui *ui);
int act_monitor(struct ui *ui);
int act_edit(struct ui *ui);
int act_new(struct ui *ui);
int act_delete(struct ui *ui);
int act_cmdline(struct ui *ui);
int act_jobs(struct ui *ui);
int act_refresh(struct ui *ui);
int act_snapshots(struct ui *ui);
int act_up(struct ui *ui);
int act_down(struct ui *ui);
int act_page_up(struct ui *ui);
int act_page_down(struct ui *ui);
int act_home(struct ui *ui);
int act_end(struct ui *ui);
int act_filter(struct ui *ui);
int act_sort_next(struct ui *ui);
int act_sort_prev(struct ui *ui);
int act_sort_reverse(struct ui *ui);
/* view_storage.c: forms for disks, backup, restore and move */
int act_backup(struct ui *ui);
int act_restore(struct ui *ui);
int act_move(struct ui *ui);
int act_clone(struct ui *ui);
int act_disk_new(struct ui *ui);
int act_disk_resize(struct ui *ui);
int act_disk_orphans(struct ui *ui);
/*
 * The new-disk and resize forms, for this host (host NULL) or another (its VG and file_dir, its
 * guest's disks as that host told them); the verb runs where the form says in its title.
 */
struct vmdef;
void view_storage_disk_new(struct ui *ui, const char *host, const char *vg, const char *file_dir);
void view_storage_disk_resize(struct ui *ui, const char *host, const struct vmdef *d);
/* O for another host: the orphans in its `vmdeck disk list --json`, attached or deleted there. */
struct json_t;
void view_storage_orphans(struct ui *ui, const char *host, const struct json_t *list);

#endif
