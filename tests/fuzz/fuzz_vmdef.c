/* fuzz_vmdef.c: libFuzzer target for guest definitions: loading, and the text edits (MAC write-back, set_key, to_yaml) on whatever loads. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "vmdef.h"

static char dir[] = "/tmp/vmdeck-fuzz-vmdef.XXXXXX";
static char *path;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A file that loaded must still load after any edit vmdeck makes to it. */
static void must_load(const char *why)
{
	struct vmdef def;
	char *err = NULL;

	if (vmdef_load(path, &def, &err) < 0) {
		fprintf(stderr, "after %s the definition no longer loads: %s\n", why, err);
		abort();
	}
	vmdef_free(&def);
}

static void edits(struct vmdef *def)
{
	static const char *const sets[][2] = {
		{ "vnc.display", "5" }, { "memory", "2G" }, { "cdrom", "/srv/iso/a b.iso" },
		{ "description", "x: \"y\" # z" }, { "vnc.password", "" }, { "vnc.display", "" },
		{ "nics", NULL }, { "rtc", NULL },
	};
	char *err = NULL, *yaml;

	if (vmdef_fill_macs(def, &err) < 0)
		free(err), err = NULL;
	else
		must_load("the MAC write-back");
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		if (vmdef_set_key(path, sets[i][0], sets[i][1], &err) < 0)
			free(err), err = NULL;
		else
			must_load(sets[i][0]);
	}
	yaml = vmdef_to_yaml(def);
	if (file_write_atomic(path, yaml, strlen(yaml), 0600, &err) == 0)
		must_load("vmdef_to_yaml");
	free(err);
	free(yaml);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmdef def;
	char *err = NULL;
	FILE *f;

	if (path == NULL) {
		if (mkdtemp(dir) == NULL)
			abort();
		path = path_join(dir, "fuzz.yaml");
	}
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	chmod(path, 0600);
	if (vmdef_load(path, &def, &err) == 0)
		edits(&def);
	else if (def.error == NULL || strncmp(def.error, path, strlen(path)) != 0)
		abort();	/* every error names the file */
	free(err);
	vmdef_free(&def);
	return 0;
}
