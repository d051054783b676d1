/* yamlcheck.c: refusals shared by the YAML readers: NUL bytes in values, extra documents. */
#include "yamlcheck.h"

#include <string.h>

static int nul_in_values(yaml_document_t *doc, size_t *line)
{
	for (yaml_node_t *n = doc->nodes.start; n < doc->nodes.top; n++)
		if (n->type == YAML_SCALAR_NODE &&
		    memchr(n->data.scalar.value, '\0', n->data.scalar.length)) {
			*line = n->start_mark.line + 1;
			return -1;
		}
	return 0;
}

static int second_document(yaml_parser_t *p, size_t *line, const char **what)
{
	yaml_document_t next;
	int rc = 0;

	if (!yaml_parser_load(p, &next)) {
		*line = p->problem_mark.line + 1;
		*what = "YAML syntax error after the first document";
		return -1;
	}
	if (yaml_document_get_root_node(&next) != NULL) {  /* none at the end of the stream */
		*line = next.start_mark.line + 1;
		*what = "a second YAML document (after ---): only one is read, so none is accepted";
		rc = -1;
	}
	yaml_document_delete(&next);
	return rc;
}

int yamlcheck_doc(yaml_parser_t *p, yaml_document_t *doc, size_t *line, const char **what)
{
	if (nul_in_values(doc, line) < 0) {
		*what = "a NUL byte (\\0) in a value: refused, it would cut the value short";
		return -1;
	}
	return second_document(p, line, what);
}
