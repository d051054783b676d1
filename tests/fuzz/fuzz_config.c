/* fuzz_config.c: libFuzzer target for vmdeck.conf: whatever libconfig accepts, the schema walk must handle. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

static char dir[] = "/tmp/vmdeck-fuzz-config.XXXXXX";
static char *path;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char *err = NULL;
	FILE *f;

	if (path == NULL) {
		if (mkdtemp(dir) == NULL)
			abort();
		path = path_join(dir, "vmdeck.conf");
	}
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	if (config_load(path, &cfg, &err) == 0) {
		/* a loaded configuration has every value the rest of vmdeck relies on */
		if (!cfg.vms_dir || cfg.vms_dir[0] != '/' || !cfg.state_dir || !cfg.accel || !cfg.iso_dirs)
			abort();
		config_free(&cfg);
	} else if (err == NULL || strstr(err, "vmdeck.conf") == NULL) {
		abort();	/* every error names the file */
	}
	free(err);
	return 0;
}
