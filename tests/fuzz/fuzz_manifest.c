/* fuzz_manifest.c: libFuzzer target for backup manifests: whatever libyaml parses, the reader must handle or
 * refuse; a disk's source it accepts is a VG/LV name or an absolute path without . or .. parts. */
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
		/* every accepted source names what it seems to: restore checks the rest against its storage */
		for (size_t i = 0; i < m.n_disks; i++)
			if ((m.disks[i].lv == NULL) == (m.disks[i].source_file == NULL) ||
			    (m.disks[i].lv && !manifest_lv_ok(m.disks[i].lv)) ||
			    (m.disks[i].source_file && !manifest_path_ok(m.disks[i].source_file)))
				abort();
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
