/* vmdef_build.c: a definition built in memory (`vmdeck new`, the form), checked by the schema. */
#include "vmdef_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void vmdef_init(struct vmdef *def, const char *name)
{
	memset(def, 0, sizeof *def);
	def->name = xstrdup(name);
	vmdef_defaults(def);
}

struct vm_disk *vmdef_add_disk(struct vmdef *def)
{
	def->disks = xrealloc(def->disks, (def->n_disks + 2) * sizeof *def->disks);
	memset(&def->disks[def->n_disks], 0, 2 * sizeof *def->disks);
	schema_apply_defaults(&vmdef_schema, SEC_DISK, &def->disks[def->n_disks], NULL);
	return &def->disks[def->n_disks++];
}

struct vm_nic *vmdef_add_nic(struct vmdef *def)
{
	def->nics = xrealloc(def->nics, (def->n_nics + 2) * sizeof *def->nics);
	memset(&def->nics[def->n_nics], 0, 2 * sizeof *def->nics);
	schema_apply_defaults(&vmdef_schema, SEC_NIC, &def->nics[def->n_nics], NULL);
	return &def->nics[def->n_nics++];
}

/* A stand-in node: values that come from a command line or a form have no place in a file. */
static yaml_node_t text_node(const char *value)
{
	yaml_node_t n;

	memset(&n, 0, sizeof n);
	n.type = YAML_SCALAR_NODE;
	n.data.scalar.value = (yaml_char_t *)(uintptr_t)value;
	n.data.scalar.length = strlen(value);
	n.data.scalar.style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;	/* never read as null */
	return n;
}

static int field_error(char **err, char *msg)
{
	/* verr without a file writes ":L:C: " first; a field has no position */
	char *colon = strstr(msg, ": ");

	err_set(err, "%s", colon ? colon + 2 : msg);
	free(msg);
	return -1;
}

int vmdef_set_field(struct vmdef *def, const char *key, const char *value, char **err)
{
	const char *dot = strchr(key, '.'), *name = dot ? dot + 1 : key;
	char *msg = NULL, *sec_name = dot ? xstrndup(key, (size_t)(dot - key)) : NULL;
	struct vload L = { .path = "", .def = def, .err = &msg };
	const struct schema_key *sk =
		sec_name ? schema_find(&vmdef_schema, SEC_TOP, sec_name) : NULL;
	enum vsec sec = sk ? sk->sub : SEC_TOP;
	void *base = def;
	const struct schema_key *k;
	yaml_node_t n = text_node(value);

	free(sec_name);
	if ((dot && (sk == NULL || sk->sub == SEC_NONE)) ||
	    (k = schema_find(&vmdef_schema, sec, name)) == NULL || k->type == SCHEMA_SEQ ||
	    k->type == SCHEMA_MAP || k->type == SCHEMA_STRLIST)
		return err_set(err, "%s: not a key that takes one value (see `vmdeck help yaml`)",
			       key);
	if (sec == SEC_DISK && def->n_disks == 0)
		return err_set(err, "%s: no disk to set it on", key);
	if (sec == SEC_NIC && def->n_nics == 0)
		return err_set(err, "%s: no network card to set it on", key);
	if (sec == SEC_DISK)
		base = &def->disks[def->n_disks - 1];
	else if (sec == SEC_NIC)
		base = &def->nics[def->n_nics - 1];
	if (vmdef_load_value(&L, k, base, &n, key) < 0)
		return field_error(err, msg);
	if (sec == SEC_VNC)
		def->vnc = true;
	return 0;
}

int vmdef_validate(struct vmdef *def, char **err)
{
	char *msg = NULL, *prefix;
	struct vload L = { .path = "", .def = def, .err = &msg };
	yaml_node_t n = text_node("");
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < def->n_disks; i++) {
		prefix = xasprintf("disks[%zu]", i);
		rc = vmdef_check_section(&L, SEC_DISK, &def->disks[i], &n, prefix);
		free(prefix);
	}
	for (size_t i = 0; rc == 0 && i < def->n_nics; i++) {
		prefix = xasprintf("nics[%zu]", i);
		rc = vmdef_check_section(&L, SEC_NIC, &def->nics[i], &n, prefix);
		free(prefix);
	}
	if (rc == 0 && def->vnc)
		rc = vmdef_check_section(&L, SEC_VNC, def, &n, "vnc");
	if (rc == 0 && !name_valid(def->name ? def->name : ""))
		return err_set(
			err,
			"\"%s\" is not a valid guest name (letters, digits, '.', '_', '-'; at most "
			"64)",
			def->name ? def->name : "");
	if (rc == 0)
		return vmdef_check_vnc(def, err);
	return rc < 0 ? field_error(err, msg) : 0;
}
