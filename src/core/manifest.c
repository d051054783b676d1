/*
 * manifest.c: writes and reads manifest.yaml with libyaml (emitter events out, document tree in).
 */
#include "lvm.h"
#include "manifest.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "storage.h"
#include "util.h"
#include "yamlcheck.h"

static int out_handler(void *data, unsigned char *buf, size_t n)
{
	sbuf_addn(data, (const char *)buf, n);
	return 1;
}

static void emit_scalar(yaml_emitter_t *e, const char *s, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)(uintptr_t)s, (int)strlen(s),
				     1, 1, style);
	yaml_emitter_emit(e, &ev);
}

static void emit_pair(yaml_emitter_t *e, const char *k, const char *v)
{
	if (v == NULL)
		return;
	emit_scalar(e, k, YAML_PLAIN_SCALAR_STYLE);
	emit_scalar(e, v, YAML_ANY_SCALAR_STYLE);
}

static void emit_u64(yaml_emitter_t *e, const char *k, uint64_t v)
{
	char b[32];

	snprintf(b, sizeof b, "%llu", (unsigned long long)v);
	emit_pair(e, k, b);
}

static void emit_mapping(yaml_emitter_t *e, bool start)
{
	yaml_event_t ev;

	if (start)
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
	else
		yaml_mapping_end_event_initialize(&ev);
	yaml_emitter_emit(e, &ev);
}

static void emit_disk(yaml_emitter_t *e, const struct manifest_disk *d)
{
	emit_mapping(e, true);
	emit_pair(e, "file", d->file);
	emit_pair(e, "lv", d->lv);
	emit_pair(e, "source_file", d->source_file);
	emit_pair(e, "format", d->format);
	emit_u64(e, "size", d->size);
	emit_pair(e, "sha256", d->sha256);
	emit_u64(e, "stored", d->stored);
	emit_pair(e, "stored_sha256", d->stored_sha256);
	emit_mapping(e, false);
}

char *manifest_emit(const struct manifest *m)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	struct sbuf b = { 0 };

	yaml_emitter_initialize(&e);
	yaml_emitter_set_output(&e, out_handler, &b);
	yaml_emitter_set_unicode(&e, 1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	yaml_emitter_emit(&e, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	yaml_emitter_emit(&e, &ev);
	emit_mapping(&e, true);
	emit_pair(&e, "format", "vmdeck-backup 1");
	emit_pair(&e, "guest", m->guest);
	emit_pair(&e, "tool", m->tool);
	emit_pair(&e, "created", m->created);
	emit_pair(&e, "live", m->live ? "true" : "false");
	emit_pair(&e, "compress", m->compress);
	emit_scalar(&e, "disks", YAML_PLAIN_SCALAR_STYLE);
	yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
	yaml_emitter_emit(&e, &ev);
	for (size_t i = 0; i < m->n_disks; i++)
		emit_disk(&e, &m->disks[i]);
	yaml_sequence_end_event_initialize(&ev);
	yaml_emitter_emit(&e, &ev);
	emit_scalar(&e, "definition", YAML_PLAIN_SCALAR_STYLE);
	emit_scalar(&e, m->definition ? m->definition : "", YAML_LITERAL_SCALAR_STYLE);
	emit_mapping(&e, false);
	yaml_document_end_event_initialize(&ev, 1);
	yaml_emitter_emit(&e, &ev);
	yaml_stream_end_event_initialize(&ev);
	yaml_emitter_emit(&e, &ev);
	yaml_emitter_delete(&e);
	return sbuf_take(&b);
}

/* ---- reading ---- */

static const char *scalar(yaml_document_t *doc, yaml_node_t *n)
{
	(void)doc;
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const char *k = scalar(doc, yaml_document_get_node(doc, p->key));

		if (k && strcmp(k, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static char *map_str(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	const char *s = scalar(doc, map_get(doc, map, key));

	return s ? xstrdup(s) : NULL;
}

static int map_u64(yaml_document_t *doc, yaml_node_t *map, const char *key, uint64_t *out)
{
	const char *s = scalar(doc, map_get(doc, map, key));
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	*out = strtoull(s, &end, 10);
	return *end ? -1 : 0;
}

static int map_sha(yaml_document_t *doc, yaml_node_t *map, const char *key, char out[65])
{
	const char *s = scalar(doc, map_get(doc, map, key));

	if (s == NULL || strlen(s) != 64 || strspn(s, "0123456789abcdef") != 64)
		return -1;
	memcpy(out, s, 65);
	return 0;
}

/* An LVM name as lvcreate takes it: [A-Za-z0-9+_.-], not starting with '-', not "." or "..". */
static bool lvm_part_ok(const char *s, size_t n)
{
	if (n == 0 || n > 127 || s[0] == '-' || (n == 1 && s[0] == '.') ||
	    (n == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+_.-",
			    s[i]))
			return false;
	return true;
}

bool manifest_lv_ok(const char *lv)
{
	const char *slash = strchr(lv, '/');

	return slash && lvm_part_ok(lv, (size_t)(slash - lv)) &&
	       lvm_part_ok(slash + 1, strlen(slash + 1));
}

/* An absolute path without ".", ".." or empty parts and without control characters. */
bool manifest_path_ok(const char *p)
{
	if (p[0] != '/' || p[1] == '\0' || strlen(p) > 4000)
		return false;
	for (const char *s = p; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	for (const char *part = p + 1; part;) {
		const char *end = strchr(part, '/');
		size_t n = end ? (size_t)(end - part) : strlen(part);

		if (n == 0 || (n == 1 && part[0] == '.') ||
		    (n == 2 && part[0] == '.' && part[1] == '.'))
			return false;
		part = end ? end + 1 : NULL;
	}
	return true;
}

/*
 * Where a disk came from is only a proposal to restore (which checks it
 * against the storage it may write): here it must at least be a VG/LV name
 * or an absolute path that names what it seems to ("/a/../b" does not).
 */
static int check_disk_source(const struct manifest_disk *d, char **err)
{
	if (d->lv == NULL && d->source_file == NULL)
		return err_set(err, "manifest: disk %s has neither lv nor source_file", d->file);
	if (d->lv && d->source_file)
		return err_set(err, "manifest: disk %s has both lv and source_file", d->file);
	if (d->lv && !manifest_lv_ok(d->lv))
		return err_set(err, "manifest: disk %s: lv %s is not a VG/LV name", d->file, d->lv);
	if (d->source_file && !manifest_path_ok(d->source_file))
		return err_set(
			err,
			"manifest: disk %s: source_file must be an absolute path without . or .. "
			"parts",
			d->file);
	if (d->format && !storage_format_known(d->format)) {
		char *known = choices_text(vmdef_choices("disks.format"));

		err_set(err, "manifest: disk %s: format must be %s", d->file, known);
		free(known);
		return -1;
	}
	return 0;
}

static int parse_disk(yaml_document_t *doc, yaml_node_t *n, struct manifest_disk *d, char **err)
{
	d->file = map_str(doc, n, "file");
	d->lv = map_str(doc, n, "lv");
	d->source_file = map_str(doc, n, "source_file");
	d->format = map_str(doc, n, "format");
	if (d->file == NULL || strchr(d->file, '/') || d->file[0] == '.' ||
	    map_u64(doc, n, "size", &d->size) < 0 || map_sha(doc, n, "sha256", d->sha256) < 0 ||
	    map_u64(doc, n, "stored", &d->stored) < 0 ||
	    map_sha(doc, n, "stored_sha256", d->stored_sha256) < 0)
		return err_set(
			err,
			"manifest: a disk entry lacks file, size, sha256, stored or stored_sha256");
	return check_disk_source(d, err);
}

static int parse_doc(yaml_document_t *doc, struct manifest *m, char **err)
{
	yaml_node_t *root = yaml_document_get_root_node(doc), *disks;
	const char *fmt = scalar(doc, map_get(doc, root, "format")), *live;

	if (fmt == NULL || strcmp(fmt, "vmdeck-backup 1") != 0)
		return err_set(err, "manifest: not a vmdeck backup (format: %s)",
			       fmt ? fmt : "missing");
	m->guest = map_str(doc, root, "guest");
	m->tool = map_str(doc, root, "tool");
	m->created = map_str(doc, root, "created");
	m->compress = map_str(doc, root, "compress");
	m->definition = map_str(doc, root, "definition");
	live = scalar(doc, map_get(doc, root, "live"));
	m->live = live && strcmp(live, "true") == 0;
	if (m->guest == NULL || !name_valid(m->guest) || m->definition == NULL ||
	    m->compress == NULL || choice_index(config_choices("backup.compress"), m->compress) < 0)
		return err_set(err, "manifest: guest, compress or definition missing or invalid");
	disks = map_get(doc, root, "disks");
	if (disks == NULL || disks->type != YAML_SEQUENCE_NODE)
		return err_set(err, "manifest: no disks list");
	m->n_disks = (size_t)(disks->data.sequence.items.top - disks->data.sequence.items.start);
	m->disks = xcalloc(m->n_disks, sizeof *m->disks);
	for (size_t i = 0; i < m->n_disks; i++)
		if (parse_disk(doc,
			       yaml_document_get_node(doc, disks->data.sequence.items.start[i]),
			       &m->disks[i], err) < 0)
			return -1;
	return 0;
}

int manifest_parse(const char *text, struct manifest *m, char **err)
{
	yaml_parser_t p;
	yaml_document_t doc;
	size_t line;
	const char *what;
	int rc;

	memset(m, 0, sizeof *m);
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&p, &doc)) {
		rc = err_set(err, "manifest: line %zu: %s", p.problem_mark.line + 1,
			     p.problem ? p.problem : "bad YAML");
		yaml_parser_delete(&p);
		return rc;
	}
	if (yamlcheck_doc(&p, &doc, &line, &what) < 0)
		rc = err_set(err, "manifest: line %zu: %s", line, what);
	else
		rc = parse_doc(&doc, m, err);
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	if (rc < 0)
		manifest_free(m);
	return rc;
}

int manifest_load(const char *path, struct manifest *m, char **err)
{
	size_t len;
	/* an archive's own file: a link to one elsewhere is refused, as its disk files are */
	char *text = file_read_max(path, FILE_READ_MAX, O_NOFOLLOW, &len, err);
	int rc;

	if (text == NULL)
		return -1;
	if (strlen(text) != len) {  /* the parser would stop at the NUL and leave the rest unread */
		memset(m, 0, sizeof *m);
		rc = err_set(err, "%s: a NUL byte: not a text file", path);
	} else {
		rc = manifest_parse(text, m, err);
	}
	free(text);
	return rc;
}

void manifest_free(struct manifest *m)
{
	for (size_t i = 0; i < m->n_disks; i++) {
		free(m->disks[i].file);
		free(m->disks[i].lv);
		free(m->disks[i].source_file);
		free(m->disks[i].format);
	}
	free(m->disks);
	free(m->guest);
	free(m->tool);
	free(m->created);
	free(m->compress);
	free(m->definition);
	memset(m, 0, sizeof *m);
}
