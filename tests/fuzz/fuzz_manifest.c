/* fuzz_manifest.c: libFuzzer target for backup manifests: whatever libyaml parses, the reader must handle or refuse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size), *err = NULL, *again;
	struct manifest m, back;

	if (manifest_parse(text, &m, &err) == 0) {
		/* what was accepted must survive a write and a re-read unchanged */
		again = manifest_emit(&m);
		if (manifest_parse(again, &back, NULL) < 0 || strcmp(back.guest, m.guest) != 0 ||
		    strcmp(back.definition, m.definition) != 0 || back.n_disks != m.n_disks)
			abort();
		manifest_free(&back);
		manifest_free(&m);
		free(again);
	}
	free(err);
	free(text);
	return 0;
}
