/* yamlcheck.h: what libyaml accepts but a definition, manifest or config must not hold. */
#ifndef VMDECK_YAMLCHECK_H
#define VMDECK_YAMLCHECK_H

#include <stddef.h>
#include <yaml.h>

/*
 * After yaml_parser_load(p, doc) succeeded: refuses a value holding a NUL
 * byte ("ab\0cd" would be cut short as a C string) and a second document
 * after the first (libyaml would leave it unread). 0 when neither, else -1
 * with *line (1-based) and *what, a static phrase for the error line.
 */
int yamlcheck_doc(yaml_parser_t *p, yaml_document_t *doc, size_t *line, const char **what);

#endif
