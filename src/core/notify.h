/*
 * notify.h: alerts: the configured `notify` argv gets a subject and a short report; everything also
 * goes to the journal.
 */
#ifndef VMDECK_NOTIFY_H
#define VMDECK_NOTIFY_H

#include <stdbool.h>

#include "config.h"

/*
 * Reports one outcome of unattended work (a scheduled backup, a prune, a
 * verify, an autostart, a stop at host shutdown, a guest's crash).
 *
 * The subject and body always go to the journal: as a stderr line when
 * stderr is the journal ($JOURNAL_STREAM, i.e. under a systemd unit), else
 * through syslog(3). Then, when cfg->notify is set and the outcome is a
 * failure (or notify_on is "always"), the notify argv is run without a
 * shell: %h becomes the host name, %s the subject, %% a %; the body is its
 * stdin. It gets cfg->notify_timeout seconds, then SIGTERM, then SIGKILL.
 *
 * Returns 0 when nothing had to run or the program exited 0; -1 with *err
 * ("notify: /usr/bin/mail: why") when it could not run, failed or hung.
 */
int notify_send(const struct config *cfg, bool failed, const char *subject, const char *body,
		char **err);

/* One argument with %h, %s and %% replaced (allocated); exposed for tests. */
char *notify_expand(const char *arg, const char *host, const char *subject);

/* This host's name for %h (allocated): the kernel's node name. */
char *notify_host_name(void);

#endif
