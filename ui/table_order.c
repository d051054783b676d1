/*
 * table_order.c: which guests the table shows, in what order: the / filter and the sort column (< >
 * I).
 */
#include <stdlib.h>
#include <string.h>

#include "remote.h"
#include "ui.h"
#include "util.h"

static const char *const sort_names[SORT_COUNT] = { "name", "state", "CPU%", "memory" };

static const char *sort_name(const struct ui *ui)
{
	return sort_names[ui->sort_col];
}

/* The filter matches a guest whose name or description holds it, in any case. */
bool table_order_shows(const struct ui *ui, size_t i)
{
	const struct vmdef *d = &ui->defs[i];

	if (ui->host_filter[0] && strcmp(remote_host_name(ui, i), ui->host_filter) != 0)
		return false;
	return !ui->filter[0] || strcasestr(d->name, ui->filter) ||
	       (d->description && strcasestr(d->description, ui->filter));
}

static double cpu_of(const struct ui *ui, size_t i)
{
	return ui->st[i].pid > 0 ? ui->st[i].cpu_percent : -1.0;
}

/* Name order, or the sort column's; figures (CPU, memory) biggest first, then by name. */
static int compare(const void *a, const void *b, void *arg)
{
	const struct ui *ui = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int by_name = strcmp(ui->defs[i].name, ui->defs[j].name), c = 0;

	if (ui->sort_col == SORT_STATE)
		c = (int)ui->st[i].state - (int)ui->st[j].state;
	else if (ui->sort_col == SORT_CPU)
		c = cpu_of(ui, i) < cpu_of(ui, j) ? 1 : cpu_of(ui, i) > cpu_of(ui, j) ? -1 : 0;
	else if (ui->sort_col == SORT_MEMORY)
		c = ui->defs[i].memory < ui->defs[j].memory   ? 1
		    : ui->defs[i].memory > ui->defs[j].memory ? -1
							      : 0;
	c = c ? c : by_name;
	return ui->sort_desc ? -c : c;
}

void table_order_rebuild(struct ui *ui)
{
	size_t k;

	ui->order = xrealloc(ui->order, (ui->n ? ui->n : 1) * sizeof *ui->order);
	ui->n_order = 0;
	for (size_t i = 0; i < ui->n; i++)
		if (table_order_shows(ui, i))
			ui->order[ui->n_order++] = i;
	qsort_r(ui->order, ui->n_order, sizeof *ui->order, compare, ui);
	/* the selection stays on its guest while it is shown, else goes to the first row */
	for (k = 0; k < ui->n_order && ui->order[k] != ui->sel; k++)
		;
	if (k == ui->n_order && ui->n_order > 0) {
		k = 0;
		ui->sel = ui->order[0];
	}
	ui->sel_pos = k;
}

void table_order_select_pos(struct ui *ui, long pos)
{
	table_order_rebuild(ui);
	if (ui->n_order == 0)
		return;
	if (pos < 0)
		pos = 0;
	if (pos >= (long)ui->n_order)
		pos = (long)ui->n_order - 1;
	ui->sel_pos = (size_t)pos;
	ui->sel = ui->order[pos];
	ui->dirty = true;
}

void table_order_sort(struct ui *ui, int step)
{
	ui->sort_col = (enum sort_col)(((int)ui->sort_col + step + SORT_COUNT) % SORT_COUNT);
	ui->sort_desc = false;
	table_order_rebuild(ui);
	ui_status(ui, false, "sorted by %s (< > another column, I reverses)", sort_name(ui));
}

void table_order_reverse(struct ui *ui)
{
	ui->sort_desc = !ui->sort_desc;
	table_order_rebuild(ui);
	ui_status(ui, false, "sorted by %s, %s", sort_name(ui),
		  ui->sort_desc ? "reversed" : "as usual");
}
