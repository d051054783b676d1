/* actor.h: who did it: the words an action's events.log line names as its author. */
#ifndef VMDECK_ACTOR_H
#define VMDECK_ACTOR_H

/*
 * Who runs this vmdeck, as a short line: $VMDECK_ACTOR when set (the units
 * set "boot", "host shutdown", "backup timer"; a start through a unit
 * carries its caller's); else the user (sudo's SUDO_USER, marked "via
 * sudo", or the login user) and, over SSH, "from" the client's address out
 * of SSH_CONNECTION: "alice via sudo from 192.0.2.7". At most
 * ACTOR_MAX bytes, control characters dropped. Static storage, computed once.
 */
#define ACTOR_MAX 96
const char *actor_describe(void);
/*
 * Forgets the computed line, so the next actor_describe reads the environment again (after a
 * setenv).
 */
void actor_reset(void);

#endif
