/* vmdef_load.c: loads guest definitions (vms.d/NAME.yaml, libyaml) by the schema table. */
#include "vmdef_int.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "storage.h"
#include "util.h"
#include "yamlcheck.h"

int vmdef_verr(struct vload *L, const yaml_node_t *n, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	err_set(L->err, "%s:%zu:%zu: %s%s%s", L->path, n->start_mark.line + 1,
		n->start_mark.column + 1, key ? key : "", key ? ": " : "", what);
	free(what);
	return -1;
}

const char *vmdef_node_word(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	return "a value";
}

const char *vmdef_scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A plain ~, null or nothing at all stands for "not set". */
bool vmdef_is_null(const yaml_node_t *n)
{
	const char *s = vmdef_scalar(n);

	if (s == NULL || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

void vmdef_defaults(struct vmdef *def)
{
	schema_apply_defaults(&vmdef_schema, SEC_TOP, def, NULL);
	schema_apply_defaults(&vmdef_schema, SEC_VNC, def, NULL);
	def->vnc_display = -1;
	def->disks = xcalloc(1, sizeof *def->disks);
	def->nics = xcalloc(1, sizeof *def->nics);
	def->extra_args = xcalloc(1, sizeof *def->extra_args);
}

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "on", "On" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No", "off", "Off" };

	for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
		if (strcmp(s, yes[i]) == 0)
			return *out = true;
		if (strcmp(s, no[i]) == 0)
			return !(*out = false);
	}
	return false;
}

static int set_number(struct vload *L, const struct schema_key *k, void *base, const yaml_node_t *v,
		      const char *key, const char *s)
{
	char *end, hmin[16], hmax[16];
	long long n;
	uint64_t size;

	if (k->type == SCHEMA_SIZE) {
		if (size_parse(s, &size) < 0)
			return vmdef_verr(L, v, key, "expected a size like 512M or 2G, got \"%s\"",
					  s);
		if (!schema_in_range(k, (double)size))
			return vmdef_verr(L, v, key,
					  "expected a size between %s and %s, got \"%s\"",
					  size_human((uint64_t)k->min, hmin, sizeof hmin),
					  size_human((uint64_t)k->max, hmax, sizeof hmax), s);
		if (k->sec == SEC_TOP && size % (uint64_t)MiB != 0)
			return vmdef_verr(L, v, key,
					  "expected a whole number of megabytes, got \"%s\"", s);
		schema_store_number(base, k, (double)size);
		return 0;
	}
	errno = 0;
	n = strtoll(s, &end, 10);
	if (!isdigit((unsigned char)s[0]) || *end != '\0' || errno != 0)
		return vmdef_verr(L, v, key,
				  "expected a whole number between %lld and %lld, got \"%s\"",
				  (long long)k->min, (long long)k->max, s);
	if (!schema_in_range(k, (double)n))
		return vmdef_verr(L, v, key, "expected a number between %lld and %lld, got %lld",
			    (long long)k->min, (long long)k->max, n);
	schema_store_number(base, k, (double)n);
	return 0;
}

static int set_enum(struct vload *L, const struct schema_key *k, void *base, const yaml_node_t *v,
		    const char *key, const char *s)
{
	int i = choice_index(k->choices, s);
	char *want;

	if (i < 0) {
		want = choices_text(k->choices);
		vmdef_verr(L, v, key, "expected %s, got \"%s\"", want, s);
		free(want);
		return -1;
	}
	if (k->type == SCHEMA_ENUM_IDX)
		*(int *)schema_slot(base, k) = i;
	else
		schema_set_string(base, k, xstrdup(s));
	return 0;
}

/* A scalar value: checked by its schema row, stored at its offset. */
static int set_scalar(struct vload *L, const struct schema_key *k, void *base, const yaml_node_t *v,
		      const char *key)
{
	const char *s = vmdef_scalar(v);
	bool b;

	if (s == NULL)
		return vmdef_verr(L, v, key, "expected %s, got %s",
				  k->type == SCHEMA_BOOL ? "true or false"
				  : k->want		 ? k->want
							 : "a single value",
				  vmdef_node_word(v));
	switch (k->type) {
	case SCHEMA_SIZE:
	case SCHEMA_INT:
		return set_number(L, k, base, v, key, s);
	case SCHEMA_ENUM:
	case SCHEMA_ENUM_IDX:
		return set_enum(L, k, base, v, key, s);
	case SCHEMA_BOOL:
		if (!parse_bool(s, &b))
			return vmdef_verr(L, v, key, "expected true or false, got \"%s\"", s);
		*(bool *)schema_slot(base, k) = b;
		return 0;
	case SCHEMA_PATH:
		schema_set_string(base, k, s[0] ? xstrdup(s) : NULL);
		return 0;
	default:
		break;
	}
	if (k->check && !k->check(s) && k->off == D(vnc_password) && k->sec == SEC_VNC)
		/* never echo a password */
		return vmdef_verr(L, v, key, "expected %s, got %zu characters", k->want, strlen(s));
	if (k->check && !k->check(s))
		return vmdef_verr(L, v, key, "expected %s, got \"%s\"", k->want, s);
	schema_set_string(base, k, xstrdup(s));
	if (k->off == D(vnc_password) && k->sec == SEC_VNC)
		L->password_node = v;
	return 0;
}

static int load_mapping(struct vload *L, enum vsec sec, void *base, const yaml_node_t *map,
			const char *prefix);

static int load_strlist(struct vload *L, const yaml_node_t *v, const char *key)
{
	struct strv sv = { 0 };
	struct vmdef *def = L->def;

	if (vmdef_is_null(v))
		return 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return vmdef_verr(L, v, key,
				  "expected a list of strings like [\"-device\", \"...\"], got %s",
				  vmdef_node_word(v));
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		const yaml_node_t *e = yaml_document_get_node(L->doc, *it);

		if (vmdef_scalar(e) == NULL) {
			strv_free(&sv);
			return vmdef_verr(L, e, key, "expected a string, got %s",
					  vmdef_node_word(e));
		}
		strv_add(&sv, vmdef_scalar(e));
	}
	free(def->extra_args);
	def->extra_args = sv.v ? sv.v : xcalloc(1, sizeof(char *));
	def->n_extra_args = sv.n;
	return 0;
}

/* disks: and nics: lists of mappings. */
static int load_seq(struct vload *L, const struct schema_key *k, const yaml_node_t *v)
{
	size_t n, esize = k->sub == SEC_DISK ? sizeof(struct vm_disk) : sizeof(struct vm_nic);
	char *items;

	if (vmdef_is_null(v))
		return 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return vmdef_verr(
			L, v, k->name,
			"expected a list of mappings (lines starting with \"- \"), got %s",
			vmdef_node_word(v));
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	items = xcalloc(n + 1, esize);
	if (k->sub == SEC_DISK) {
		free(L->def->disks);
		L->def->disks = (struct vm_disk *)items;
		L->def->n_disks = n;
	} else {
		free(L->def->nics);
		L->def->nics = (struct vm_nic *)items;
		L->def->n_nics = n;
	}
	for (size_t i = 0; i < n; i++)
		schema_apply_defaults(&vmdef_schema, k->sub, items + i * esize, NULL);
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *e =
			yaml_document_get_node(L->doc, v->data.sequence.items.start[i]);
		char *prefix = xasprintf("%s[%zu]", k->name, i);
		int rc;

		if (e->type != YAML_MAPPING_NODE)
			rc = vmdef_verr(L, e, prefix, "expected a mapping like \"%s\", got %s",
					k->sub == SEC_DISK ? "lv: vg0/NAME" : "bridge: br0",
					vmdef_node_word(e));
		else
			rc = load_mapping(L, k->sub, items + i * esize, e, prefix);
		free(prefix);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/*
 * backup_schedule: a boolean, or a non-empty list of calendar expressions (checked by `vmdeck
 * check`).
 */
static int load_schedule(struct vload *L, const struct schema_key *k, void *base,
			 const yaml_node_t *v, const char *key)
{
	struct vmdef *def = L->def;
	struct strv sv = { 0 };
	bool b;

	if (vmdef_is_null(v))
		return 0;
	if (v->type != YAML_SEQUENCE_NODE) {
		if (vmdef_scalar(v) == NULL || !parse_bool(vmdef_scalar(v), &b))
			return vmdef_verr(
				L, v, key,
				"expected true, false or a list of calendar expressions like "
				"[\"Sun 03:00\"], got %s",
				vmdef_node_word(v));
		*(bool *)schema_slot(base, k) = b;
		return 0;
	}
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		const yaml_node_t *e = yaml_document_get_node(L->doc, *it);
		const char *s = vmdef_scalar(e);

		if (s == NULL || vmdef_is_null(e) || !s[0] || strlen(s) > 200 ||
		    strpbrk(s, "\n\r")) {
			strv_free(&sv);
			return vmdef_verr(
				L, e, key,
				"expected a calendar expression like \"Sun 03:00\", got %s",
				vmdef_node_word(e));
		}
		strv_add(&sv, s);
	}
	if (sv.n == 0)
		return vmdef_verr(
			L, v, key,
			"expected true, false or a list of calendar expressions, got an empty "
			"list");
	for (size_t i = 0; i < def->n_backup_calendars; i++)
		free(def->backup_calendars[i]);
	free(def->backup_calendars);
	def->backup_calendars = sv.v;
	def->n_backup_calendars = sv.n;
	def->backup_schedule = true;
	return 0;
}

int vmdef_load_value(struct vload *L, const struct schema_key *k, void *base, const yaml_node_t *v,
		     const char *key)
{
	switch (k->type) {
	case SCHEMA_SEQ:
		return load_seq(L, k, v);
	case SCHEMA_STRLIST:
		return load_strlist(L, v, key);
	case SCHEMA_SCHEDULE:
		return load_schedule(L, k, base, v, key);
	case SCHEMA_MAP:
		if (vmdef_is_null(v))
			return 0;	/* "vnc:" with nothing under it: no VNC */
		if (v->type != YAML_MAPPING_NODE)
			return vmdef_verr(L, v, key,
					  "expected a mapping like \"display: 1\", got %s",
					  vmdef_node_word(v));
		*(bool *)schema_slot(base, k) = true;
		return load_mapping(L, k->sub, base, v, key);
	case SCHEMA_USER:
		if (v->type == YAML_MAPPING_NODE &&
		    v->data.mapping.pairs.top == v->data.mapping.pairs.start) {
			*(bool *)schema_slot(base, k) = true;
			return 0;
		}
		if (vmdef_scalar(v) && !vmdef_is_null(v) &&
		    parse_bool(vmdef_scalar(v), schema_slot(base, k)))
			return 0;
		return vmdef_verr(L, v, key,
				  "expected {} (user networking takes no settings here)");
	default:
		if (vmdef_is_null(v))
			return 0;	/* "key:" with nothing after it keeps the default */
		return set_scalar(L, k, base, v, key);
	}
}

static int check_disk(struct vload *L, struct vm_disk *d, const yaml_node_t *map,
		      const char *prefix)
{
	if ((d->lv == NULL) == (d->file == NULL))
		return vmdef_verr(L, map, prefix, "expected exactly one of lv or file");
	if (d->format == NULL)	/* raw for an LV; for a file, by its name */
		d->format = xstrdup(storage_disk_format(d));
	if (d->lv && strcmp(d->format, "raw") != 0)
		return vmdef_verr(L, map, prefix,
				  "expected format raw for an LVM volume, got \"%s\"", d->format);
	return 0;
}

int vmdef_check_section(struct vload *L, enum vsec sec, void *base, const yaml_node_t *map,
			const char *prefix)
{
	struct vm_nic *nic = base;

	if (sec == SEC_DISK)
		return check_disk(L, base, map, prefix);
	if (sec == SEC_NIC && (nic->bridge != NULL) == nic->user)
		return vmdef_verr(L, map, prefix, "expected exactly one of bridge or user");
	if (sec == SEC_VNC && L->def->vnc_display < 0)
		return vmdef_verr(
			L, map, prefix,
			"expected display: a number between 0 and 99 (port 5900 + display)");
	return 0;
}

/* The key node of an earlier pair (from start up to p) named name, or NULL. */
static const yaml_node_t *earlier_key(yaml_document_t *doc, const yaml_node_pair_t *start,
				      const yaml_node_pair_t *p, const char *name)
{
	for (const yaml_node_pair_t *q = start; q < p; q++) {
		const yaml_node_t *k = yaml_document_get_node(doc, q->key);

		if (vmdef_scalar(k) && strcmp(vmdef_scalar(k), name) == 0)
			return k;
	}
	return NULL;
}

/* Matches every pair of a mapping against the schema: unknown and duplicate keys are errors. */
static int load_mapping(struct vload *L, enum vsec sec, void *base, const yaml_node_t *map,
			const char *prefix)
{
	yaml_node_pair_t *start = map->data.mapping.pairs.start;

	for (yaml_node_pair_t *p = start; p < map->data.mapping.pairs.top; p++) {
		const yaml_node_t *kn = yaml_document_get_node(L->doc, p->key);
		const yaml_node_t *vn = yaml_document_get_node(L->doc, p->value), *first;
		const char *name = vmdef_scalar(kn);
		const struct schema_key *k;
		char *key, *known;
		int rc;

		if (name == NULL)
			return vmdef_verr(L, kn, prefix[0] ? prefix : NULL,
					  "expected a key name, got %s", vmdef_node_word(kn));
		key = prefix[0] ? xasprintf("%s.%s", prefix, name) : xstrdup(name);
		if ((first = earlier_key(L->doc, start, p, name)) != NULL) {
			rc = vmdef_verr(L, kn, key, "duplicate key (first given on line %zu)",
					first->start_mark.line + 1);
		} else if ((k = schema_find(&vmdef_schema, sec, name)) == NULL) {
			known = schema_keys_text(&vmdef_schema, sec, ", ");
			rc = vmdef_verr(L, kn, key, "unknown key (expected one of: %s)", known);
			free(known);
		} else {
			rc = vmdef_load_value(L, k, base, vn, key);
		}
		free(key);
		if (rc < 0)
			return -1;
	}
	return vmdef_check_section(L, sec, base, map, prefix);
}

char *vmdef_name_from_path(const char *path)
{
	const char *base = path_base(path);
	size_t n = strlen(base);

	if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
		n -= 5;
	return xstrndup(base, n);
}

static int syntax_error(struct vload *L, const yaml_parser_t *p)
{
	const yaml_mark_t *m = &p->problem_mark;

	if (p->error == YAML_READER_ERROR)
		return err_set(L->err, "%s: not a text file: %s at byte %zu", L->path, p->problem,
			       p->problem_offset);
	return err_set(L->err, "%s:%zu:%zu: YAML syntax error: %s%s%s", L->path, m->line + 1,
		       m->column + 1, p->problem ? p->problem : "unknown problem",
		       p->context ? " " : "", p->context ? p->context : "");
}

/* The file's text is parsed into a document; marks give every node's line and column. */
int vmdef_parse_text(struct vload *L, const char *text, size_t len, yaml_document_t *doc)
{
	yaml_parser_t parser;
	int rc = 0;

	size_t line;
	const char *what;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, doc)) {
		rc = syntax_error(L, &parser);
	} else if (yamlcheck_doc(&parser, doc, &line, &what) < 0) {
		rc = err_set(L->err, "%s:%zu: %s", L->path, line, what);
		yaml_document_delete(doc);
	}
	yaml_parser_delete(&parser);
	return rc;
}

static int check_file_mode(struct vload *L, const struct stat *st)
{
	if (L->def->vnc_password == NULL || (st->st_mode & 077) == 0)
		return 0;
	return vmdef_verr(
		L, L->password_node, "vnc.password",
		"this file holds a VNC password but is readable by group or others (mode %04o); "
		"run: chmod 600 %s",
		(unsigned)(st->st_mode & 07777), L->path);
}

int vmdef_load_text(struct vload *L, const char *text, size_t len, const struct stat *st)
{
	yaml_document_t doc;
	const yaml_node_t *root;
	int rc = 0;

	if (vmdef_parse_text(L, text, len, &doc) < 0)
		return -1;
	L->doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root && !vmdef_is_null(root)) {
		if (root->type != YAML_MAPPING_NODE)
			rc = vmdef_verr(L, root, NULL,
					"expected a mapping of keys like \"memory: 1G\", got %s",
					vmdef_node_word(root));
		else
			rc = load_mapping(L, SEC_TOP, L->def, root, "");
	}
	if (rc == 0 && st)
		rc = check_file_mode(L, st);
	yaml_document_delete(&doc);
	L->doc = NULL;
	return rc;
}

int vmdef_load(const char *path, struct vmdef *def, char **err)
{
	struct vload L = { .path = path, .def = def, .err = err };
	struct stat st;
	char *text, *msg = NULL;
	size_t len;
	int rc = -1;

	memset(def, 0, sizeof *def);
	def->path = xstrdup(path);
	def->name = vmdef_name_from_path(path);
	vmdef_defaults(def);
	L.err = &msg;
	if (!name_valid(def->name))
		err_set(&msg,
			"%s: \"%s\" is not a valid guest name (letters, digits, '.', '_', '-'; at "
			"most 64)",
			path, def->name);
	else if ((text = file_read(path, &len, &msg)) != NULL) {
		if (stat(path, &st) < 0)
			err_set(&msg, "cannot stat %s: %s", path, strerror(errno));
		else
			rc = vmdef_load_text(&L, text, len, &st);
		free(text);
	}
	if (rc < 0) {
		def->error = msg;
		if (err)
			*err = xstrdup(msg);
	}
	return rc;
}

void vmdef_free(struct vmdef *def)
{
	for (size_t i = 0; i < def->n_disks; i++) {
		free(def->disks[i].lv);
		free(def->disks[i].file);
		free(def->disks[i].format);
		free(def->disks[i].overlay);
	}
	for (size_t i = 0; i < def->n_nics; i++) {
		free(def->nics[i].bridge);
		free(def->nics[i].model);
		free(def->nics[i].mac);
	}
	for (size_t i = 0; i < def->n_extra_args; i++)
		free(def->extra_args[i]);
	free(def->extra_args);
	for (size_t i = 0; i < def->n_backup_calendars; i++)
		free(def->backup_calendars[i]);
	free(def->backup_calendars);
	free(def->disks);
	free(def->nics);
	free(def->name);
	free(def->path);
	free(def->description);
	free(def->cpu);
	free(def->machine);
	free(def->cdrom);
	free(def->boot);
	free(def->vnc_listen);
	if (def->vnc_password)
		explicit_bzero(def->vnc_password, strlen(def->vnc_password));
	free(def->vnc_password);
	free(def->rtc);
	free(def->error);
	memset(def, 0, sizeof *def);
}

/* Relative disk files live in storage.file_dir; relative CDs are looked up in iso_dirs. */
static void resolve_paths(const struct config *cfg, struct vmdef *def)
{
	char *p;

	for (size_t i = 0; i < def->n_disks; i++)
		if (def->disks[i].file && def->disks[i].file[0] != '/') {
			p = path_resolve(cfg->file_dir, def->disks[i].file);
			free(def->disks[i].file);
			def->disks[i].file = p;
		}
	if (def->cdrom == NULL || def->cdrom[0] == '/' || cfg->n_iso_dirs == 0)
		return;
	/* not found: left as written, so the start names the file the admin wrote */
	for (size_t i = 0; i < cfg->n_iso_dirs; i++) {
		p = path_join(cfg->iso_dirs[i], def->cdrom);
		if (access(p, F_OK) == 0) {
			free(def->cdrom);
			def->cdrom = p;
			return;
		}
		free(p);
	}
}

int vmdef_load_by_name(const struct config *cfg, const char *name, struct vmdef *def, char **err)
{
	char *file, *path;
	int rc;

	if (!name_valid(name)) {
		memset(def, 0, sizeof *def);
		return err_set(err, "\"%s\" is not a valid guest name", name);
	}
	file = xasprintf("%s.yaml", name);
	path = path_join(cfg->vms_dir, file);
	free(file);
	if (access(path, F_OK) < 0) {
		memset(def, 0, sizeof *def);
		err_set(err, "%s: no such guest (no %s)", name, path);
		free(path);
		return -1;
	}
	rc = vmdef_load(path, def, err);
	free(path);
	if (rc == 0)
		resolve_paths(cfg, def);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_yaml_name(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && len > 5 && strcmp(n + len - 5, ".yaml") == 0;
}

int vmdefs_load_all(const struct config *cfg, struct vmdef **defs, size_t *n, char **err)
{
	DIR *d = opendir(cfg->vms_dir);
	struct dirent *e;
	struct strv names = { 0 };

	*defs = NULL;
	*n = 0;
	if (d == NULL)
		return err_set(err, "cannot read vms_dir %s: %s", cfg->vms_dir, strerror(errno));
	while ((e = readdir(d)) != NULL)
		if (is_yaml_name(e->d_name))
			strv_add(&names, e->d_name);
	closedir(d);
	if (names.n > 0)
		qsort(names.v, names.n, sizeof *names.v, cmp_str);
	*defs = xcalloc(names.n + 1, sizeof **defs);
	for (size_t i = 0; i < names.n; i++) {
		char *path = path_join(cfg->vms_dir, names.v[i]);

		if (vmdef_load(path, &(*defs)[i], NULL) == 0)
			resolve_paths(cfg, &(*defs)[i]);
		free(path);
	}
	*n = names.n;
	strv_free(&names);
	return 0;
}

void vmdefs_free(struct vmdef *defs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vmdef_free(&defs[i]);
	free(defs);
}
