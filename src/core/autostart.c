/*
 * autostart.c: the boot-time start plan: guests with autostart: true, in groups by autostart_order.
 */
#include "autostart.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static int by_order_then_name(const void *a, const void *b)
{
	const struct vmdef *x = *(const struct vmdef *const *)a,
			   *y = *(const struct vmdef *const *)b;

	if (x->autostart_order != y->autostart_order)
		return x->autostart_order < y->autostart_order ? -1 : 1;
	return strcmp(x->name, y->name);
}

size_t autostart_plan(const struct vmdef *defs, size_t n, struct autostart_group **groups)
{
	const struct vmdef **pick = xcalloc(n ? n : 1, sizeof *pick);
	struct autostart_group *g = NULL;
	size_t np = 0, ng = 0;

	for (size_t i = 0; i < n; i++)
		if (!defs[i].error && defs[i].autostart)
			pick[np++] = &defs[i];
	qsort(pick, np, sizeof *pick, by_order_then_name);
	for (size_t i = 0; i < np; i++) {
		if (ng == 0 || g[ng - 1].order != pick[i]->autostart_order) {
			g = xrealloc(g, (ng + 1) * sizeof *g);
			g[ng++] = (struct autostart_group){ .order = pick[i]->autostart_order,
							    .guests = xcalloc(np,
									      sizeof *g->guests) };
		}
		struct autostart_group *cur = &g[ng - 1];

		cur->guests[cur->n++] = pick[i];
		if (pick[i]->autostart_delay > cur->delay)
			cur->delay = pick[i]->autostart_delay;
	}
	free(pick);
	*groups = g;
	return ng;
}

void autostart_plan_free(struct autostart_group *groups, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(groups[i].guests);
	free(groups);
}

char *autostart_describe(const struct vmdef *def)
{
	if (!def->autostart)
		return xstrdup("no");
	if (def->autostart_delay > 0)
		return xasprintf("yes, group %d, then %d s", def->autostart_order,
				 def->autostart_delay);
	return xasprintf("yes, group %d", def->autostart_order);
}
