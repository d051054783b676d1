/* vmdef_edit.c: edits definition files in place, keeping comments and key order. */
#include "vmdef_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

void vmdef_random_mac(char out[18])
{
	unsigned char b[3] = { 0 };

	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
		/* getrandom only fails before the pool is seeded; any distinct value will do */
		uint64_t t = (uint64_t)now_ms() ^ ((uint64_t)getpid() << 16);

		b[0] = (unsigned char)t, b[1] = (unsigned char)(t >> 8),
		b[2] = (unsigned char)(t >> 16);
	}
	snprintf(out, 18, "52:54:00:%02x:%02x:%02x", b[0], b[1], b[2]);
}

/*
 * Byte offset of a libyaml mark. Marks count characters, so the column is
 * walked in UTF-8 from the start of the mark's line.
 */
static size_t mark_offset(const char *text, size_t len, yaml_mark_t m)
{
	size_t off = 0, line = 0, col = 0;

	while (off < len && line < m.line) {
		if (text[off] == '\r' && off + 1 < len && text[off + 1] == '\n')
			off++;
		if (text[off] == '\n' || text[off] == '\r')
			line++;
		off++;
	}
	while (off < len && col < m.column && text[off] != '\n') {
		off++;
		while (off < len && ((unsigned char)text[off] & 0xC0) == 0x80)
			off++;
		col++;
	}
	return off;
}

/* Where a new line can go after node n: the start of the line after it ends. */
static size_t after_node(const char *text, size_t len, yaml_document_t *doc, const yaml_node_t *n)
{
	size_t off;

	if (n->type == YAML_SEQUENCE_NODE && n->data.sequence.style == YAML_BLOCK_SEQUENCE_STYLE &&
	    n->data.sequence.items.top > n->data.sequence.items.start)
		return after_node(text, len, doc,
				  yaml_document_get_node(doc, n->data.sequence.items.top[-1]));
	if (n->type == YAML_MAPPING_NODE && n->data.mapping.style == YAML_BLOCK_MAPPING_STYLE &&
	    n->data.mapping.pairs.top > n->data.mapping.pairs.start)
		return after_node(text, len, doc,
				  yaml_document_get_node(doc, n->data.mapping.pairs.top[-1].value));
	off = mark_offset(text, len, n->end_mark);
	if (n->end_mark.column == 0 && off > 0)
		return off;	/* a block scalar ends at the start of the next line */
	while (off < len && text[off] != '\n')
		off++;
	return off < len ? off + 1 : len;
}

struct edit {
	size_t at, del;   /* replace text[at, at + del) */
	char *with;
};

static int cmp_edit(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;

	return x->at < y->at ? 1 : x->at > y->at ? -1 : 0;
}

/* Applies edits back to front so earlier offsets stay valid. */
static char *apply_edits(const char *text, size_t len, struct edit *e, size_t n, size_t *out_len)
{
	struct sbuf b = { 0 };
	char *cur = xstrndup(text, len);
	size_t cur_len = len;

	qsort(e, n, sizeof *e, cmp_edit);
	for (size_t i = 0; i < n; i++) {
		sbuf_addn(&b, cur, e[i].at);
		sbuf_add(&b, e[i].with);
		sbuf_addn(&b, cur + e[i].at + e[i].del, cur_len - e[i].at - e[i].del);
		free(cur);
		cur_len = b.len;
		cur = sbuf_take(&b);
	}
	*out_len = cur_len;
	return cur;
}

static const yaml_node_t *map_get(yaml_document_t *doc, const yaml_node_t *map, const char *key,
				  const yaml_node_t **key_node)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (vmdef_scalar(k) && strcmp(vmdef_scalar(k), key) == 0) {
			if (key_node)
				*key_node = k;
			return yaml_document_get_node(doc, p->value);
		}
	}
	return NULL;
}

/*
 * An edit that adds "key: value" (value already YAML text, possibly several
 * lines for nested keys) at the end of mapping map.
 */
static void edit_add_to_map(const char *text, size_t len, yaml_document_t *doc,
			    const yaml_node_t *map, const char *key, const char *value,
			    struct edit *e)
{
	const yaml_node_t *first;
	size_t indent = 0, at;
	struct sbuf b = { 0 };

	if (map->data.mapping.style == YAML_FLOW_MAPPING_STYLE) {
		bool empty = map->data.mapping.pairs.top == map->data.mapping.pairs.start;

		/* after the last value, or just inside the braces of {} */
		e->at = empty ? mark_offset(text, len, map->end_mark) - 1
			      : mark_offset(text, len,
					    yaml_document_get_node(
						    doc, map->data.mapping.pairs.top[-1].value)
						    ->end_mark);
		e->del = 0;
		e->with = xasprintf("%s%s: %s", empty ? "" : ", ", key, value);
		return;
	}
	first = yaml_document_get_node(doc, map->data.mapping.pairs.start->key);
	indent = first->start_mark.column;
	at = after_node(text, len, doc, map);
	if (at > 0 && text[at - 1] != '\n')
		sbuf_add(&b, "\n");
	sbuf_printf(&b, "%*s%s:%s%s\n", (int)indent, "", key, value[0] == '\n' ? "" : " ", value);
	e->at = at;
	e->del = 0;
	e->with = sbuf_take(&b);
}

/* An edit that gives existing key (key node kn, value node v) a new scalar value. */
static void edit_replace_value(const char *text, size_t len, const yaml_node_t *kn,
			       const yaml_node_t *v, const char *value, struct edit *e)
{
	size_t colon = mark_offset(text, len, kn->end_mark);

	while (colon < len && text[colon] != ':')
		colon++;
	if (vmdef_is_null(v) && (size_t)mark_offset(text, len, v->start_mark) <= colon + 1) {
		e->at = colon + 1;
		e->del = 0;
		e->with = xasprintf("%s%s", value[0] == '\n' ? "" : " ", value);
		return;
	}
	e->at = mark_offset(text, len, v->start_mark);
	e->del = mark_offset(text, len, v->end_mark) - e->at;
	e->with = xstrdup(value);
}

/*
 * The new file replaces the old one: it gets the old one's mode, and its owner when we may set it.
 */
static int write_keeping_mode(const char *path, const char *text, size_t len, char **err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return err_set(err, "cannot stat %s: %s", path, strerror(errno));
	if (file_write_atomic(path, text, len, st.st_mode & 07777, err) < 0)
		return -1;
	if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
	    chown(path, st.st_uid, st.st_gid) < 0 && errno != EPERM)
		return err_set(err, "cannot give %s back its owner: %s", path, strerror(errno));
	return 0;
}

/* The file's text and its parsed document; *text is NULL when it cannot be read or parsed. */
static int read_doc(const char *path, char **text, size_t *len, yaml_document_t *doc, char **err)
{
	struct vload L = { .path = path, .err = err };

	if ((*text = file_read(path, len, err)) == NULL)
		return -1;
	if (vmdef_parse_text(&L, *text, *len, doc) < 0) {
		free(*text);
		*text = NULL;
		return -1;
	}
	return 0;
}

/*
 * Edits of one definition take turns: an flock on the file, taken again when a rename replaced
 * it meanwhile (the lock was on the old one). -1 (no lock, as before) when it cannot be had: no
 * such file (the read says why) or a file system without flock.
 */
static int edit_lock(const char *path)
{
	for (int tries = 0; tries < 50; tries++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		struct stat held, now;

		if (fd < 0)
			return -1;
		if (flock(fd, LOCK_EX) < 0) {
			close(fd);
			return -1;
		}
		if (fstat(fd, &held) == 0 && stat(path, &now) == 0 && held.st_dev == now.st_dev &&
		    held.st_ino == now.st_ino)
			return fd;
		close(fd);
	}
	return -1;
}

int vmdef_fill_macs(struct vmdef *def, char **err)
{
	yaml_document_t doc;
	const yaml_node_t *nics;
	struct edit edits[64];
	char macs[64][18], *text, *out;
	size_t len, out_len, n = 0, idx = 0;
	int rc = 0, lock;

	for (size_t i = 0; i < def->n_nics; i++)
		n += def->nics[i].mac == NULL;
	if (n == 0)
		return 0;
	lock = edit_lock(def->path);
	if (read_doc(def->path, &text, &len, &doc, err) < 0) {
		if (lock >= 0)
			close(lock);
		return -1;
	}
	nics = map_get(&doc, yaml_document_get_root_node(&doc), "nics", NULL);
	n = 0;
	for (yaml_node_item_t *it = nics && nics->type == YAML_SEQUENCE_NODE
					    ? nics->data.sequence.items.start
					    : NULL;
	     it && it < nics->data.sequence.items.top && n < ARRAY_LEN(edits); it++, idx++) {
		const yaml_node_t *nic = yaml_document_get_node(&doc, *it);
		const yaml_node_t *kn = NULL, *mac = map_get(&doc, nic, "mac", &kn);

		if (nic->type != YAML_MAPPING_NODE || (mac && !vmdef_is_null(mac)) ||
		    idx >= def->n_nics || def->nics[idx].mac)
			continue;
		for (yaml_node_item_t *prev = nics->data.sequence.items.start; prev < it; prev++)
			if (*prev ==
			    *it) { /* "- *card": one text for two cards, which need two MACs */
				rc = err_set(
					err,
					"%s:%zu:%zu: nics[%zu]: an alias of another card needs its "
					"own mac",
					def->path, nic->start_mark.line + 1,
					nic->start_mark.column + 1, idx);
				break;
			}
		if (rc < 0)
			break;
		vmdef_random_mac(macs[n]);
		if (mac)
			edit_replace_value(text, len, kn, mac, macs[n], &edits[n]);
		else
			edit_add_to_map(text, len, &doc, nic, "mac", macs[n], &edits[n]);
		def->nics[idx].mac = xstrdup(macs[n]);
		n++;
	}
	yaml_document_delete(&doc);
	if (n > 0 && rc == 0) {
		out = apply_edits(text, len, edits, n, &out_len);
		rc = write_keeping_mode(def->path, out, out_len, err) < 0 ? -1 : (int)n;
		free(out);
	}
	for (size_t i = 0; i < n; i++)
		free(edits[i].with);
	free(text);
	if (lock >= 0)
		close(lock);
	return rc;
}

/* Column where a mapping's keys start (0 for an empty one). */
static size_t map_indent(yaml_document_t *doc, const yaml_node_t *map)
{
	if (map->data.mapping.pairs.top == map->data.mapping.pairs.start)
		return 0;
	return yaml_document_get_node(doc, map->data.mapping.pairs.start->key)->start_mark.column;
}

static int not_single(const char *path, const yaml_node_t *v, const char *key, char **err)
{
	return err_set(err, "%s:%zu:%zu: %s holds %s, not a single value", path,
		       v->start_mark.line + 1, v->start_mark.column + 1, key, vmdef_node_word(v));
}

/* An edit that removes a key and its value: whole lines, for a key that starts its line. */
static int edit_remove(const char *path, const char *text, size_t len, yaml_document_t *doc,
		       const yaml_node_t *kn, const yaml_node_t *v, const char *key, struct edit *e,
		       char **err)
{
	size_t ks = mark_offset(text, len, kn->start_mark), ls = ks, end;

	while (ls > 0 && text[ls - 1] != '\n')
		ls--;
	for (size_t p = ls; p < ks; p++)
		if (text[p] != ' ')
			return err_set(
				err, "%s:%zu:%zu: %s cannot be removed from here; edit the file",
				path, kn->start_mark.line + 1, kn->start_mark.column + 1, key);
	/* an empty value may be marked on the next line: the key's own line ends it */
	if (v->type == YAML_SCALAR_NODE &&
	    (vmdef_is_null(v) || v->start_mark.line != kn->start_mark.line))
		end = after_node(text, len, doc, kn);
	else
		end = after_node(text, len, doc, v);
	e->at = ls;
	e->del = end - ls;
	e->with = xstrdup("");
	return 0;
}

/* Removes parts[0] or parts[0].parts[1]; a key that is not there is already removed. */
static int plan_remove(const char *path, const char *text, size_t len, yaml_document_t *doc,
		       char **parts, size_t n, struct edit *e, char **err)
{
	const yaml_node_t *root = yaml_document_get_root_node(doc), *kn = NULL, *v;

	e->with = xstrdup("");
	if (root == NULL || root->type != YAML_MAPPING_NODE ||
	    (v = map_get(doc, root, parts[0], &kn)) == NULL)
		return 0;
	if (n == 2 && (v = map_get(doc, v, parts[1], &kn)) == NULL)
		return 0;
	free(e->with);
	e->with = NULL;
	return edit_remove(path, text, len, doc, kn, v, n == 2 ? parts[1] : parts[0], e, err);
}

/*
 * Builds the one edit that sets parts[0] (n == 1) or parts[0].parts[1]: the
 * value replaced where it is, or the key added at the end of its mapping.
 */
static int plan_set(const char *path, const char *text, size_t len, yaml_document_t *doc,
		    char **parts, size_t n, const char *value, struct edit *e, char **err)
{
	const yaml_node_t *root = yaml_document_get_root_node(doc), *kn = NULL, *v, *inner;
	char *sub = n == 2 ? xasprintf("\n%*s%s: %s",
				       (int)(root && root->type == YAML_MAPPING_NODE
						     ? map_indent(doc, root) + 2
						     : 2),
				       "", parts[1], value)
			   : NULL;
	const char *add = sub ? sub : value;
	int rc = 0;

	if (root == NULL || vmdef_is_null(root)) {
		e->at = len;	/* an empty file */
		e->with = xasprintf("%s%s:%s%s\n", len > 0 && text[len - 1] != '\n' ? "\n" : "",
				    parts[0], sub ? "" : " ", add);
	} else if (root->type != YAML_MAPPING_NODE) {
		rc = err_set(err, "%s:%zu:%zu: the file is not a mapping of keys", path,
			     root->start_mark.line + 1, root->start_mark.column + 1);
	} else if ((v = map_get(doc, root, parts[0], &kn)) == NULL) {
		edit_add_to_map(text, len, doc, root, parts[0], add, e);
	} else if (n == 1 || vmdef_is_null(v)) {
		rc = v->type == YAML_SCALAR_NODE ? 0 : not_single(path, v, parts[0], err);
		if (rc == 0)
			edit_replace_value(text, len, kn, v, add, e);
	} else if (v->type != YAML_MAPPING_NODE) {
		rc = err_set(err, "%s:%zu:%zu: %s is not a mapping", path, v->start_mark.line + 1,
			     v->start_mark.column + 1, parts[0]);
	} else if ((inner = map_get(doc, v, parts[1], &kn)) == NULL) {
		edit_add_to_map(text, len, doc, v, parts[1], value, e);
	} else {
		rc = inner->type == YAML_SCALAR_NODE ? 0 : not_single(path, inner, parts[1], err);
		if (rc == 0)
			edit_replace_value(text, len, kn, inner, value, e);
	}
	free(sub);
	return rc;
}

/*
 * "disks.0.interface": the value replaced in that item of the list, or the key added to the item.
 */
static int plan_set_item(const char *path, const char *text, size_t len, yaml_document_t *doc,
			 char **parts, const char *value, struct edit *e, char **err)
{
	const yaml_node_t *root = yaml_document_get_root_node(doc), *kn = NULL, *seq, *item, *v;
	long idx = strtol(parts[1], NULL, 10);

	seq = root && root->type == YAML_MAPPING_NODE ? map_get(doc, root, parts[0], &kn) : NULL;
	if (!seq || seq->type != YAML_SEQUENCE_NODE ||
	    idx >= seq->data.sequence.items.top - seq->data.sequence.items.start)
		return err_set(err, "%s: there is no %s[%ld] to set %s on", path, parts[0], idx,
			       parts[2]);
	item = yaml_document_get_node(doc, seq->data.sequence.items.start[idx]);
	if (item->type != YAML_MAPPING_NODE ||
	    item->data.mapping.pairs.top == item->data.mapping.pairs.start)
		return err_set(err, "%s:%zu:%zu: %s[%ld] is not a mapping of keys", path,
			       item->start_mark.line + 1, item->start_mark.column + 1, parts[0],
			       idx);
	if ((v = map_get(doc, item, parts[2], &kn)) == NULL) {
		edit_add_to_map(text, len, doc, item, parts[2], value, e);
		return 0;
	}
	if (v->type != YAML_SCALAR_NODE)
		return not_single(path, v, parts[2], err);
	edit_replace_value(text, len, kn, v, value, e);
	return 0;
}

/* Parses text as the definition at path would be, to refuse an edit that breaks it. */
static int validate_text(const char *path, const char *text, size_t len, char **err)
{
	struct vmdef def;
	struct vload L = { .path = path, .def = &def, .err = err };
	struct stat st;
	int rc;

	memset(&def, 0, sizeof def);
	def.name = vmdef_name_from_path(path);
	vmdef_defaults(&def);
	rc = vmdef_load_text(&L, text, len, stat(path, &st) == 0 ? &st : NULL);
	vmdef_free(&def);
	return rc;
}

/* The schema row of "memory" or "vnc.display": a key at the top or in vnc. */
static const struct schema_key *path_key(char **parts, size_t n)
{
	const struct schema_key *k = n >= 1 ? schema_find(&vmdef_schema, SEC_TOP, parts[0]) : NULL;

	if (k && n == 2 && k->type == SCHEMA_MAP)
		return schema_find(&vmdef_schema, k->sub, parts[1]);
	/* "disks.0.interface": a key of one item of a list of mappings */
	if (k && n == 3 && k->type == SCHEMA_SEQ && parts[1][0] &&
	    strspn(parts[1], "0123456789") == strlen(parts[1])) {
		const struct schema_key *item = schema_find(&vmdef_schema, k->sub, parts[2]);

		return item && item->type != SCHEMA_USER ? item : NULL;
	}
	return n == 1 ? k : NULL;
}

static bool single_value(const struct schema_key *k)
{
	return k && k->type != SCHEMA_SEQ && k->type != SCHEMA_MAP && k->type != SCHEMA_STRLIST;
}

/*
 * An empty value from a form means "none": a key that can hold "" keeps it
 * (description, cdrom); any other is removed, and removing vnc.display, which
 * vnc cannot do without, removes the whole vnc mapping.
 */
static bool empty_means_remove(const struct schema_key *k, const char *value)
{
	return value == NULL || (value[0] == '\0' &&
				 !(k->type == SCHEMA_PATH || (k->type == SCHEMA_STR && !k->check)));
}

/*
 * The keys that say what an item of a list is (a valid item has exactly one),
 * and the keys that describe the volume behind a disk rather than the disk.
 */
static const struct item_kinds {
	const char *list;
	const char *kinds[2];
	const char *volume_keys[2];
} item_kinds[] = {
	{ "disks", { "lv", "file" }, { "format", "size" } },
	{ "nics", { "bridge", "user" }, { NULL, NULL } },
};

static const struct item_kinds *item_kinds_of(const char *list)
{
	for (size_t i = 0; i < ARRAY_LEN(item_kinds); i++)
		if (strcmp(item_kinds[i].list, list) == 0)
			return &item_kinds[i];
	return NULL;
}

/*
 * A definition's text while several edits are made to it, each planned on the text the last one
 * left.
 */
struct etext {
	const char *path;
	char *text;
	size_t len;
	yaml_document_t doc;
	bool parsed;
};

static int etext_parse(struct etext *t, char **err)
{
	struct vload L = { .path = t->path, .err = err };

	if (t->parsed)
		yaml_document_delete(&t->doc);
	t->parsed = vmdef_parse_text(&L, t->text, t->len, &t->doc) == 0;
	return t->parsed ? 0 : -1;
}

/* Applies planned edits and parses the result for the next step. */
static int etext_apply(struct etext *t, struct edit *e, size_t n, char **err)
{
	size_t len;
	char *out = apply_edits(t->text, t->len, e, n, &len);

	for (size_t i = 0; i < n; i++) {
		free(e[i].with);
		e[i].with = NULL;
	}
	free(t->text);
	t->text = out;
	t->len = len;
	return etext_parse(t, err);
}

/*
 * KEY set to VALUE in the text being edited (see vmdef_set_key); t is parsed again for the next
 * change.
 */
static int set_key_in(struct etext *t, const char *key, const char *value, char **err)
{
	struct strv parts = { 0 };
	struct edit e = { 0 };
	char *q = NULL, *dup = xstrdup(key), *save = NULL;
	const struct schema_key *k;
	int rc = -1;

	for (char *tok = strtok_r(dup, ".", &save); tok; tok = strtok_r(NULL, ".", &save))
		strv_add(&parts, tok);
	free(dup);
	k = path_key(parts.v, parts.n);
	if (!single_value(k) && !(k && parts.n == 1 && value == NULL))
		err_set(err, "%s: not a key that takes one value (see `vmdeck help yaml`)", key);
	else if (parts.n == 3 && (value == NULL ||
				  (!*value && k->type != SCHEMA_PATH))) /* a path may be "": none */
		err_set(err, "%s: needs a value (a list item's key is changed, not removed)", key);
	else if (parts.n == 3) {
		q = vmdef_yaml_quote(value);
		rc = plan_set_item(t->path, t->text, t->len, &t->doc, parts.v, q, &e, err);
	} else if (empty_means_remove(k, value)) {
		/* vnc.display goes with its mapping */
		rc = plan_remove(t->path, t->text, t->len, &t->doc, parts.v,
				 k->sec == SEC_VNC && k->type == SCHEMA_INT ? 1 : parts.n, &e, err);
	} else {
		q = vmdef_yaml_quote(value);
		rc = plan_set(t->path, t->text, t->len, &t->doc, parts.v, parts.n, q, &e, err);
	}
	if (rc == 0)
		rc = etext_apply(t, &e, 1, err);
	free(e.with);
	free(q);
	strv_free(&parts);
	return rc;
}

static const yaml_node_t *etext_root(struct etext *t)
{
	const yaml_node_t *root = yaml_document_get_root_node(&t->doc);

	return root && root->type == YAML_MAPPING_NODE ? root : NULL;
}

/* Item 0 of list, or NULL when the list is missing, empty or null. */
static const yaml_node_t *first_item(struct etext *t, const char *list)
{
	const yaml_node_t *seq = map_get(&t->doc, etext_root(t), list, NULL);

	if (!seq || seq->type != YAML_SEQUENCE_NODE ||
	    seq->data.sequence.items.top == seq->data.sequence.items.start)
		return NULL;
	return yaml_document_get_node(&t->doc, seq->data.sequence.items.start[0]);
}

/* "- KIND: VALUE" and the with pairs, as lines of a block list indented by indent. */
static char *item_lines(size_t indent, const char *kind, const char *vtext, const char *const *with)
{
	struct sbuf b = { 0 };

	sbuf_printf(&b, "%*s- %s: %s\n", (int)indent, "", kind, vtext);
	for (size_t i = 0; with && with[i] && with[i + 1]; i += 2) {
		char *q = vmdef_yaml_quote(with[i + 1]);

		sbuf_printf(&b, "%*s  %s: %s\n", (int)indent, "", with[i], q);
		free(q);
	}
	return sbuf_take(&b);
}

/*
 * A list with one item where there is none: "list:" added at the end of the
 * file, or an empty "list: []" (or "list:") given its item on the lines after
 * it, so a comment on that line stays where it is.
 */
static int plan_new_list(struct etext *t, const char *list, const char *kind, const char *vtext,
			 const char *const *with, struct edit e[2], size_t *n, char **err)
{
	const yaml_node_t *root = etext_root(t), *kn = NULL, *v = map_get(&t->doc, root, list, &kn);
	char *lines;

	if (root == NULL || root->data.mapping.pairs.top == root->data.mapping.pairs.start)
		return err_set(err, "%s: the file is not a mapping of keys", t->path);
	if (v == NULL) {
		char *val;

		lines = item_lines(map_indent(&t->doc, root) + 2, kind, vtext, with);
		lines[strlen(lines) - 1] = '\0';	/* edit_add_to_map ends the line */
		val = xasprintf("\n%s", lines);
		edit_add_to_map(t->text, t->len, &t->doc, root, list, val, &e[0]);
		free(val);
		free(lines);
		*n = 1;
		return 0;
	}
	if (!vmdef_is_null(v) && v->type != YAML_SEQUENCE_NODE)
		return err_set(err, "%s:%zu:%zu: %s is not a list", t->path, v->start_mark.line + 1,
			       v->start_mark.column + 1, list);
	/* " []" goes; the item lines follow the key's line */
	e[0].at = mark_offset(t->text, t->len, v->start_mark);
	e[0].del = vmdef_is_null(v) ? 0 : mark_offset(t->text, t->len, v->end_mark) - e[0].at;
	for (; !vmdef_is_null(v) && e[0].at > 0 && t->text[e[0].at - 1] == ' '; e[0].at--)
		e[0].del++;
	e[0].with = xstrdup("");
	e[1].at = after_node(t->text, t->len, &t->doc, vmdef_is_null(v) ? kn : v);
	lines = item_lines(kn->start_mark.column + 2, kind, vtext, with);
	e[1].del = 0;
	e[1].with =
		xasprintf("%s%s", e[1].at > 0 && t->text[e[1].at - 1] != '\n' ? "\n" : "", lines);
	free(lines);
	*n = 2;
	return 0;
}

/*
 * The end of a value node in the text; a block scalar's end (the next line's start) stays before
 * its newline.
 */
static size_t value_end(const char *text, size_t len, const yaml_node_t *v)
{
	size_t end = mark_offset(text, len, v->end_mark);

	while (v->end_mark.column == 0 && end > 0 && text[end - 1] == '\n')
		end--;
	return end;
}

/*
 * Item 0 becomes KIND: VALUE: its kind key and value are replaced where they
 * are (its other keys and the comments stay). *changed tells whether it names
 * another volume or network than before.
 */
static int plan_item_kind(struct etext *t, const struct item_kinds *ik, const yaml_node_t *item,
			  const char *kind, const char *value, const char *vtext, struct edit *e,
			  bool *changed, char **err)
{
	const yaml_node_t *kn = NULL, *v = NULL;
	const char *old = NULL;

	if (item->type != YAML_MAPPING_NODE ||
	    item->data.mapping.pairs.top == item->data.mapping.pairs.start)
		return err_set(err, "%s:%zu:%zu: %s[0] is not a mapping of keys", t->path,
			       item->start_mark.line + 1, item->start_mark.column + 1, ik->list);
	for (size_t i = 0; i < 2 && !v; i++)
		if ((v = map_get(&t->doc, item, ik->kinds[i], &kn)) != NULL)
			old = ik->kinds[i];
	if (v == NULL) {
		*changed = true;
		edit_add_to_map(t->text, t->len, &t->doc, item, kind, vtext, e);
		return 0;
	}
	*changed = strcmp(old, kind) != 0 ||
		   (value && (!vmdef_scalar(v) || strcmp(vmdef_scalar(v), value) != 0));
	e->at = mark_offset(t->text, t->len, kn->start_mark);
	e->del = value_end(t->text, t->len, v) - e->at;
	e->with = xasprintf("%s: %s", kind, vtext);
	return 0;
}

/* Keys that described the old volume (a disk's format and size) go when the volume changes. */
static int plan_drop_volume_keys(struct etext *t, const struct item_kinds *ik, struct edit e[2],
				 size_t *n, char **err)
{
	const yaml_node_t *item = first_item(t, ik->list);

	*n = 0;
	for (size_t i = 0; i < 2 && ik->volume_keys[i]; i++) {
		const yaml_node_t *kn = NULL, *v = map_get(&t->doc, item, ik->volume_keys[i], &kn);

		if (v && edit_remove(t->path, t->text, t->len, &t->doc, kn, v, ik->volume_keys[i],
				     &e[(*n)++], err) < 0)
			return -1;
	}
	return 0;
}

/* The with pairs set on item 0 one by one, each replaced where it is or added to the item. */
static int set_with_keys(struct etext *t, const char *list, const char *const *with, char **err)
{
	for (size_t i = 0; with && with[i] && with[i + 1]; i += 2) {
		char *parts[3] = { (char *)list, (char *)"0", (char *)with[i] },
		     *q = vmdef_yaml_quote(with[i + 1]);
		struct edit e = { 0 };
		int rc = plan_set_item(t->path, t->text, t->len, &t->doc, parts, q, &e, err);

		free(q);
		if (rc < 0 || etext_apply(t, &e, 1, err) < 0) {
			free(e.with);
			return -1;
		}
	}
	return 0;
}

/* Every step of vmdef_set_item_kind on the text in memory; the caller validates and writes. */
static int item_kind_edit(struct etext *t, const struct item_kinds *ik, const char *kind,
			  const char *value, const char *const *with, char **err)
{
	char *vtext = strcmp(kind, "user") == 0 ? xstrdup("{}") : vmdef_yaml_quote(value);
	const yaml_node_t *item = first_item(t, ik->list);
	struct edit e[2] = { { 0 } };
	size_t n = 1;
	bool changed = false, new_list = item == NULL;	/* a new item has its with pairs already */
	int rc;

	if (new_list)
		rc = plan_new_list(t, ik->list, kind, vtext, with, e, &n, err);
	else
		rc = plan_item_kind(t, ik, item, kind, value, vtext, &e[0], &changed, err);
	free(vtext);
	if (rc == 0)
		rc = etext_apply(t, e, n, err);
	if (rc == 0 && changed && (rc = plan_drop_volume_keys(t, ik, e, &n, err)) == 0 && n > 0)
		rc = etext_apply(t, e, n, err);
	if (rc == 0 && !new_list)
		rc = set_with_keys(t, ik->list, with, err);
	for (size_t i = 0; i < 2; i++)
		free(e[i].with);
	return rc;
}

static int check_item_kind(const struct item_kinds *ik, const char *list, const char *kind,
			   const char *value, char **err)
{
	if (ik == NULL)
		return err_set(err, "%s: not a list whose items have a kind (disks or nics)", list);
	if (kind && strcmp(kind, ik->kinds[0]) != 0 && strcmp(kind, ik->kinds[1]) != 0)
		return err_set(err, "%s: an item is %s or %s, not \"%s\"", list, ik->kinds[0],
			       ik->kinds[1], kind);
	if (kind && strcmp(kind, "user") != 0 && (value == NULL || value[0] == '\0'))
		return err_set(err, "%s.0.%s: needs a value", list, kind);
	return 0;
}

/* What item 0 of LIST is, in the text being edited (see vmdef_set_item_kind). */
/*
 * A disk on a snapshot chain (overlay: set by vmdeck snapshot) keeps its
 * volume: the chain's overlays sit on it. Refused with one line; the same
 * volume named again (other keys edited) is fine.
 */
static int item_chain_check(struct etext *t, const char *list, const char *kind, const char *value,
			    char **err)
{
	const yaml_node_t *item = strcmp(list, "disks") == 0 ? first_item(t, list) : NULL, *ov,
			  *cur;

	if (item == NULL || (ov = map_get(&t->doc, item, "overlay", NULL)) == NULL ||
	    ov->type != YAML_SCALAR_NODE || ov->data.scalar.length == 0)
		return 0;
	cur = kind ? map_get(&t->doc, item, kind, NULL) : NULL;
	if (cur && cur->type == YAML_SCALAR_NODE && value &&
	    strlen(value) == cur->data.scalar.length &&
	    memcmp(value, cur->data.scalar.value, cur->data.scalar.length) == 0)
		return 0;
	return err_set(err,
		       "disks: the disk has snapshots (it runs on an overlay): delete them first "
		       "(vmdeck snapshot NAME list)");
}

static int item_kind_in(struct etext *t, const char *list, const char *kind, const char *value,
			const char *const *with, char **err)
{
	const struct item_kinds *ik = item_kinds_of(list);
	struct edit e = { 0 };
	char *parts[1] = { (char *)list };
	int rc;

	if (check_item_kind(ik, list, kind, value, err) < 0 ||
	    item_chain_check(t, list, kind, value, err) < 0)
		return -1;
	if (kind != NULL)
		return item_kind_edit(t, ik, kind, value, with, err);
	/* the definition only: the volumes and files it named are never touched here */
	rc = plan_remove(t->path, t->text, t->len, &t->doc, parts, 1, &e, err);
	rc = rc == 0 ? etext_apply(t, &e, 1, err) : rc;
	free(e.with);
	return rc;
}

static int item_add_in(struct etext *t, const struct item_kinds *ik, const char *kind,
		       const char *value, const char *const *with, char **err);

static int change_in(struct etext *t, const struct vmdef_change *c, char **err)
{
	const struct item_kinds *ik = c->add ? item_kinds_of(c->list) : NULL;

	if (c->add && check_item_kind(ik, c->list, c->kind, c->value, err) < 0)
		return -1;
	if (c->add && c->kind == NULL)
		return err_set(err, "%s: a new item needs a kind", c->list);
	if (c->add)
		return item_add_in(t, ik, c->kind, c->value, c->with, err);
	return c->list ? item_kind_in(t, c->list, c->kind, c->value, c->with, err)
		       : set_key_in(t, c->key, c->value, err);
}

static int apply_locked(const char *path, const struct vmdef_change *c, size_t n, size_t *bad,
			char **err)
{
	struct etext t = { .path = path };
	size_t first_bad = n;
	char *why = NULL;
	int rc = 0;

	*bad = 0;
	if ((t.text = file_read(path, &t.len, err)) == NULL)
		return -1;
	rc = etext_parse(&t, err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if ((rc = change_in(&t, &c[i], err)) < 0)
			*bad = i;
		else if (first_bad == n && validate_text(path, t.text, t.len, &why) < 0)
			first_bad = i;
		free(why);
		why = NULL;
	}
	if (rc == 0 && (rc = validate_text(path, t.text, t.len, err)) < 0)
		*bad = first_bad < n ? first_bad : (n ? n - 1 : 0);
	if (rc == 0)
		rc = write_keeping_mode(path, t.text, t.len, err);
	if (t.parsed)
		yaml_document_delete(&t.doc);
	free(t.text);
	return rc;
}

/*
 * Every change is made to the text in memory; the file is written once, by
 * temporary file, fsync and rename, and only when the whole result loads.
 * A refusal is blamed on the first change after which the text no longer
 * loads (a later change may mend an earlier one, e.g. a listen address and
 * its password).
 * Two edits of one file take turns (edit_lock).
 */
int vmdef_apply_changes(const char *path, const struct vmdef_change *c, size_t n, size_t *bad,
			char **err)
{
	int lock = edit_lock(path);
	int rc = apply_locked(path, c, n, bad, err);

	if (lock >= 0)
		close(lock);  /* drops the flock */
	return rc;
}

int vmdef_set_key(const char *path, const char *key, const char *value, char **err)
{
	struct vmdef_change c = { .key = key, .value = value };
	size_t bad;

	return vmdef_apply_changes(path, &c, 1, &bad, err);
}

int vmdef_set_item_kind(const char *path, const char *list, const char *kind, const char *value,
			const char *const *with, char **err)
{
	struct vmdef_change c = { .list = list, .kind = kind, .value = value, .with = with };
	size_t bad;

	return vmdef_apply_changes(path, &c, 1, &bad, err);
}

/* A new last item of a block list, "- KIND: VALUE" lines at the column of the list's dashes. */
static void plan_append_block(struct etext *t, const yaml_node_t *seq, const char *kind,
			      const char *vtext, const char *const *with, struct edit *e)
{
	size_t at = after_node(t->text, t->len, &t->doc, seq);
	char *lines = item_lines(seq->start_mark.column, kind, vtext, with);

	e->at = at;
	e->del = 0;
	e->with = xasprintf("%s%s", at > 0 && t->text[at - 1] != '\n' ? "\n" : "", lines);
	free(lines);
}

/* A new last item of a flow list: ", {KIND: VALUE, ...}" just inside its "]". */
static int plan_append_flow(struct etext *t, const yaml_node_t *seq, const char *kind,
			    const char *vtext, const char *const *with, struct edit *e, char **err)
{
	size_t end = mark_offset(t->text, t->len, seq->end_mark);
	struct sbuf b = { 0 };

	if (end == 0 || t->text[end - 1] != ']')
		return err_set(err, "%s:%zu:%zu: cannot add to this list", t->path,
			       seq->start_mark.line + 1, seq->start_mark.column + 1);
	sbuf_printf(&b, ", {%s: %s", kind, vtext);
	for (size_t i = 0; with && with[i] && with[i + 1]; i += 2) {
		char *q = vmdef_yaml_quote(with[i + 1]);

		sbuf_printf(&b, ", %s: %s", with[i], q);
		free(q);
	}
	sbuf_add(&b, "}");
	e->at = end - 1;
	e->del = 0;
	e->with = sbuf_take(&b);
	return 0;
}

static int item_add_in(struct etext *t, const struct item_kinds *ik, const char *kind,
		       const char *value, const char *const *with, char **err)
{
	char *vtext = strcmp(kind, "user") == 0 ? xstrdup("{}") : vmdef_yaml_quote(value);
	const yaml_node_t *seq = map_get(&t->doc, etext_root(t), ik->list, NULL);
	struct edit e[2] = { { 0 } };
	size_t n = 1;
	int rc = 0;

	if (first_item(t, ik->list) == NULL)
		rc = plan_new_list(t, ik->list, kind, vtext, with, e, &n, err);
	else if (seq->data.sequence.style == YAML_FLOW_SEQUENCE_STYLE)
		rc = plan_append_flow(t, seq, kind, vtext, with, &e[0], err);
	else
		plan_append_block(t, seq, kind, vtext, with, &e[0]);
	free(vtext);
	if (rc == 0)
		return etext_apply(t, e, n, err);
	for (size_t i = 0; i < 2; i++)
		free(e[i].with);
	return rc;
}

int vmdef_add_item(const char *path, const char *list, const char *kind, const char *value,
		   const char *const *with, char **err)
{
	struct vmdef_change c = {
		.list = list, .kind = kind, .value = value, .with = with, .add = true
	};
	size_t bad;

	return vmdef_apply_changes(path, &c, 1, &bad, err);
}
