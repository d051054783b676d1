/*
 * autostart.h: the boot-time start plan: guests with autostart: true, in groups by autostart_order.
 */
#ifndef VMDECK_AUTOSTART_H
#define VMDECK_AUTOSTART_H

#include <stddef.h>

#include "vmdef.h"

struct autostart_group {
	int order;                  /* the members' autostart_order */
	/* seconds to wait after the group started: its members' largest autostart_delay */
	int delay;
	const struct vmdef **guests; /* pointers into the caller's defs, by name */
	size_t n;
};

/*
 * The plan for defs[0..n): every valid guest with autostart: true, grouped
 * by autostart_order (lower first; equal values start together), each
 * group's guests by name. *groups is allocated (free with
 * autostart_plan_free); returns the number of groups.
 */
size_t autostart_plan(const struct vmdef *defs, size_t n, struct autostart_group **groups);
void autostart_plan_free(struct autostart_group *groups, size_t n);

/*
 * "yes, group 10, then 30 s" / "yes, group 0" / "no": for show and the console's detail pane.
 * Allocated.
 */
char *autostart_describe(const struct vmdef *def);

#endif
