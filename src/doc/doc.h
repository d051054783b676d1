/* doc.h: the generated documents: man pages (man.c) and bash completion (completion.c). */
#ifndef VMDECK_DOC_H
#define VMDECK_DOC_H

#include <stdio.h>

void doc_man_vmdeck(FILE *out);  /* vmdeck(1): verbs, options, keys, exit codes, files */
void doc_man_conf(FILE *out);    /* vmdeck.conf(5): the configuration table */
void doc_man_guest(FILE *out);   /* vmdeck-guest(5): the definition schema */
void doc_bash_completion(FILE *out);

/* s as roff text: backslashes, minus signs and a leading dot or quote escaped. */
void doc_roff(FILE *out, const char *s);

#endif
