/*
 * remote_disk.h: delete, new disk and resize for another host: what that host says first (a job,
 * never a wait), then the same question or form as here, whose verb runs there.
 */
#ifndef VMDECK_UI_REMOTE_DISK_H
#define VMDECK_UI_REMOTE_DISK_H

struct ui;

/*
 * The host N makes a disk on (and O lists the orphans of): the one the table is filtered to (H,
 * :host), else the selected guest's; NULL for this host.
 */
const char *remote_disk_host(const struct ui *ui);

/* N for another host: its `vmdeck hostinfo --json` (VG, file_dir), then the new-disk form there. */
void remote_disk_new(struct ui *ui, const char *host);

/* Z on another host's guest: its `vmdeck show NAME --json` (disks), then the resize form there. */
void remote_disk_resize(struct ui *ui, const char *host, const char *name);

/*
 * D on another host's guest: its `vmdeck show NAME --json`, the question `vmdeck delete` asks
 * (the name typed), then `vmdeck delete NAME --yes` there.
 */
void remote_disk_delete(struct ui *ui, const char *host, const char *name);

/*
 * O for another host: its `vmdeck disk list --json`, then the orphans form there (attach to one of
 * its guests, or delete, asking).
 */
void remote_disk_orphans(struct ui *ui, const char *host);

#endif
