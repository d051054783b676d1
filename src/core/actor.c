/* actor.c: who did it: the words an action's events.log line names as its author. */
#include "actor.h"

#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char actor[ACTOR_MAX + 1];
static bool known;

static const char *env_word(const char *key)
{
	const char *v = getenv(key);

	return v && v[0] ? v : NULL;
}

/* The login user: $USER or $LOGNAME (what the session says), else the uid's name. */
static const char *login_user(void)
{
	const char *u = env_word("USER");
	struct passwd *pw;

	if (u == NULL)
		u = env_word("LOGNAME");
	if (u == NULL && (pw = getpwuid(getuid())) != NULL)
		u = pw->pw_name;
	return u ? u : "unknown user";
}

/* The client's address: the first word of SSH_CONNECTION ("CLIENT PORT SERVER PORT"). */
static void ssh_client(char *out, size_t len)
{
	const char *c = env_word("SSH_CONNECTION");

	out[0] = '\0';
	if (c)
		snprintf(out, len, "%.*s", (int)strcspn(c, " "), c);
}

static void compute(void)
{
	const char *set = env_word("VMDECK_ACTOR"), *sudo = env_word("SUDO_USER");
	char from[64];

	if (set) {
		snprintf(actor, sizeof actor, "%s", set);
	} else {
		ssh_client(from, sizeof from);
		snprintf(actor, sizeof actor, "%s%s%s%s", sudo ? sudo : login_user(),
			 sudo ? " via sudo" : "", from[0] ? " from " : "", from);
	}
	for (char *p = actor; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

const char *actor_describe(void)
{
	if (!known) {
		compute();
		known = true;
	}
	return actor;
}

void actor_reset(void)
{
	known = false;
}
