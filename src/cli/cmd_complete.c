/*
 * cmd_complete.c: `vmdeck complete KIND [GUEST]`: names for the shell's completion, fast and
 * without parsing YAML.
 */
#include "cli_out.h"
#include "cmd_complete.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostinfo.h"
#include "snapshot.h"
#include "util.h"
#include "verb.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Guests are the NAME.yaml files of vms_dir: their names only, nothing read. */
static int complete_guests(struct cli *c, const char *unused)
{
	DIR *d = opendir(c->cfg.vms_dir);
	struct strv names = { 0 };
	struct dirent *e;

	if (!d)
		return EXIT_FAILED;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		char *stem;

		if (n <= 5 || strcmp(e->d_name + n - 5, ".yaml") != 0)
			continue;
		stem = xstrndup(e->d_name, n - 5);
		if (name_valid(stem))
			strv_add(&names, stem);
		free(stem);
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof *names.v, cmp_str);
	for (size_t i = 0; i < names.n; i++)
		puts(names.v[i]);
	strv_free(&names);
	return EXIT_DONE;
}

static int complete_isos(struct cli *c, const char *unused)
{
	struct iso_entry *isos;
	size_t n;

	if (hostinfo_iso_list(&c->cfg, &isos, &n, NULL) < 0)
		return EXIT_FAILED;
	for (size_t i = 0; i < n; i++)
		puts(isos[i].path);
	hostinfo_iso_free(isos, n);
	return EXIT_DONE;
}

static int complete_hosts(struct cli *c, const char *unused)
{
	for (size_t i = 0; i < c->cfg.n_hosts; i++)
		puts(c->cfg.hosts[i].name);
	return EXIT_DONE;
}

/* A guest's snapshot tags, from its small snapshots file (no YAML, no qemu-img). */
static int complete_tags(struct cli *c, const char *guest)
{
	struct strv tags = { 0 };

	if (!guest)
		return cli_error(EXIT_USAGE, "complete: tag needs the guest's name");
	snapshot_tags(&c->cfg, guest, &tags);
	for (size_t i = 0; i < tags.n; i++)
		puts(tags.v[i]);
	strv_free(&tags);
	return EXIT_DONE;
}

static const struct {
	const char *kind;
	int (*list)(struct cli *c, const char *guest);
} kinds[] = {
	{ "guest", complete_guests },
	{ "iso", complete_isos },
	{ "host", complete_hosts },
	{ "tag", complete_tags },
};

int cmd_complete(struct cli *c, int argc, char **argv)
{
	if (argc < 2 || argc > 3)
		return cli_usage(c);
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
		if (strcmp(argv[1], kinds[i].kind) == 0)
			return kinds[i].list(c, argc == 3 ? argv[2] : NULL);
	return cli_error(EXIT_USAGE, "complete: unknown kind '%s' (guest, iso, host, tag)",
			 argv[1]);
}
