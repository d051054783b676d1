/*
 * view_screen.h: the guest's display in the console: the view, and its picture job's hooks into the
 * loop.
 */
#ifndef VMDECK_UI_VIEW_SCREEN_H
#define VMDECK_UI_VIEW_SCREEN_H

#include <poll.h>

struct ui;

extern const struct view view_screen;
/* The picture job's pipe, for the loop's poll (0 or 1 fds). */
int view_screen_fds(struct pollfd *fds, int max);
/* Reads and reaps the picture job; a finished one becomes the picture. */
void view_screen_process(struct ui *ui, const struct pollfd *fds, int nfds);
/* Once a second: a new picture while the view is open. */
void view_screen_tick(struct ui *ui);

#endif
