/* remote_edit.h: e on another host's guest: its definition and that host's choices, fetched. */
#ifndef VMDECK_UI_REMOTE_EDIT_H
#define VMDECK_UI_REMOTE_EDIT_H

struct ui;

/*
 * Fetches host's `vmdeck hostinfo --json`, then `vmdeck show NAME --json`, as jobs through the
 * link (the keyboard never waits), then opens the edit form on them (form_open_edit_remote).
 */
void remote_edit_open(struct ui *ui, const char *host, const char *name);

#endif
