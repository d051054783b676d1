/* vmdef_write.c: writes a whole new definition file, each key with its help as a comment. */
#include "vmdef_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A scalar as YAML text: plain when that reads back the same, else double-quoted. */
char *vmdef_yaml_quote(const char *s)
{
	struct sbuf b = { 0 };
	size_t n = strlen(s);
	bool plain = n > 0 && (isalnum((unsigned char)s[0]) || s[0] == '/' || s[0] == '.') &&
		     s[n - 1] != ' ' && s[n - 1] != ':';

	for (size_t i = 0; plain && i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && !strchr(" ._/:@+=,()-", c))
			plain = false;
		if ((c == ':' || c == ' ') && s[i + 1] == ' ')
			plain = false;
		if (c == ' ' && s[i + 1] == '#')
			plain = false;
	}
	if (plain)
		return xstrdup(s);
	sbuf_add(&b, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			sbuf_printf(&b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			sbuf_printf(&b, "\\x%02x", c);
		else
			sbuf_addn(&b, (const char *)&s[i], 1);
	}
	sbuf_add(&b, "\"");
	return sbuf_take(&b);
}

/* Sizes as the largest unit that divides them exactly, so they parse back unchanged. */
static void size_text(uint64_t v, char *buf, size_t len)
{
	static const char units[] = "TGMK";

	for (int i = 0; i < 4; i++) {
		unsigned shift = (unsigned)(40 - 10 * i);

		if (v != 0 && v % (UINT64_C(1) << shift) == 0) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(v >> shift), units[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)v);
}

static const char *help_of(enum vsec sec, const char *key)
{
	const struct schema_key *k = schema_find(&vmdef_schema, sec, key);

	return k ? k->help : "";
}

/* "  key: value    # help", the comment aligned where the examples put it. */
static void emit(struct sbuf *b, const char *lead, enum vsec sec, const char *key,
		 const char *value)
{
	char *q = value ? vmdef_yaml_quote(value) : NULL;
	size_t start = b->len;

	sbuf_printf(b, "%s%s:%s%s", lead, key, q ? " " : "", q ? q : "");
	if (b->len - start < 27)
		sbuf_printf(b, "%*s", (int)(27 - (b->len - start)), "");
	sbuf_printf(b, " # %s\n", help_of(sec, key));
	free(q);
}

static void emit_raw(struct sbuf *b, const char *lead, enum vsec sec, const char *key,
		     const char *text)
{
	size_t start = b->len;

	sbuf_printf(b, "%s%s: %s", lead, key, text);
	if (b->len - start < 27)
		sbuf_printf(b, "%*s", (int)(27 - (b->len - start)), "");
	sbuf_printf(b, " # %s\n", help_of(sec, key));
}

static void emit_disks(struct sbuf *b, const struct vmdef *def)
{
	char size[32];

	if (def->n_disks == 0) {
		emit_raw(b, "", SEC_TOP, "disks", "[]");
		return;
	}
	emit(b, "", SEC_TOP, "disks", NULL);
	for (size_t i = 0; i < def->n_disks; i++) {
		const struct vm_disk *d = &def->disks[i];

		if (d->lv)
			emit(b, "  - ", SEC_DISK, "lv", d->lv);
		else
			emit(b, "  - ", SEC_DISK, "file", d->file ? d->file : "");
		if (d->format)
			emit(b, "    ", SEC_DISK, "format", d->format);
		emit(b, "    ", SEC_DISK, "interface", disk_iface_name(d->iface));
		if (d->size) {
			size_text(d->size, size, sizeof size);
			emit(b, "    ", SEC_DISK, "size", size);
		}
		if (d->overlay)
			emit(b, "    ", SEC_DISK, "overlay", d->overlay);
	}
}

static void emit_nics(struct sbuf *b, const struct vmdef *def)
{
	if (def->n_nics == 0) {
		emit_raw(b, "", SEC_TOP, "nics", "[]");
		return;
	}
	emit(b, "", SEC_TOP, "nics", NULL);
	for (size_t i = 0; i < def->n_nics; i++) {
		const struct vm_nic *n = &def->nics[i];

		if (n->bridge)
			emit(b, "  - ", SEC_NIC, "bridge", n->bridge);
		else
			emit_raw(b, "  - ", SEC_NIC, "user", "{}");
		emit(b, "    ", SEC_NIC, "model",
		     n->model ? n->model : vmdef_default("nics.model"));
		if (n->mac)
			emit(b, "    ", SEC_NIC, "mac", n->mac);
	}
}

static void emit_vnc(struct sbuf *b, const struct vmdef *def)
{
	char num[16];

	if (!def->vnc)
		return;
	emit(b, "", SEC_TOP, "vnc", NULL);
	snprintf(num, sizeof num, "%d", def->vnc_display);
	emit(b, "  ", SEC_VNC, "display", num);
	emit(b, "  ", SEC_VNC, "listen",
	     def->vnc_listen ? def->vnc_listen : vmdef_default("vnc.listen"));
	if (def->vnc_password)
		emit(b, "  ", SEC_VNC, "password", def->vnc_password);
	if (def->vnc_allow_no_password)
		emit_raw(b, "  ", SEC_VNC, "allow_no_password", "true");
}

/* A number key whose default is 0 (unset) is written only when set. */
static void emit_int_set(struct sbuf *b, const char *key, int v)
{
	char num[16];

	if (v == 0)
		return;
	snprintf(num, sizeof num, "%d", v);
	emit(b, "", SEC_TOP, key, num);
}

static void emit_extra_args(struct sbuf *b, const struct vmdef *def)
{
	struct sbuf list = { 0 };
	char *l;

	sbuf_add(&list, "[");
	for (size_t i = 0; i < def->n_extra_args; i++) {
		char *q = vmdef_yaml_quote(def->extra_args[i]);

		/* always quoted in a flow list, where a plain comma would split the item */
		if (q[0] != '"') {
			free(q);
			q = xasprintf("\"%s\"", def->extra_args[i]);
		}
		sbuf_printf(&list, "%s%s", i ? ", " : "", q);
		free(q);
	}
	sbuf_add(&list, "]");
	l = sbuf_take(&list);
	emit_raw(b, "", SEC_TOP, "extra_args", l);
	free(l);
}

char *vmdef_to_yaml(const struct vmdef *def)
{
	struct sbuf b = { 0 };
	char num[32];

	sbuf_printf(
		&b,
		"# %s: a vmdeck guest definition. Every key is described by `vmdeck help yaml`.\n",
		def->name ? def->name : "guest");
	emit(&b, "", SEC_TOP, "description", def->description ? def->description : "");
	size_text(def->memory, num, sizeof num);
	emit(&b, "", SEC_TOP, "memory", num);
	snprintf(num, sizeof num, "%d", def->cpus);
	emit(&b, "", SEC_TOP, "cpus", num);
	emit(&b, "", SEC_TOP, "cpu", def->cpu ? def->cpu : vmdef_default("cpu"));
	emit(&b, "", SEC_TOP, "machine", def->machine ? def->machine : vmdef_default("machine"));
	emit_disks(&b, def);
	if (def->cdrom)
		emit(&b, "", SEC_TOP, "cdrom", def->cdrom);
	emit(&b, "", SEC_TOP, "boot", def->boot ? def->boot : vmdef_default("boot"));
	emit_nics(&b, def);
	emit_vnc(&b, def);
	emit(&b, "", SEC_TOP, "rtc", def->rtc ? def->rtc : vmdef_default("rtc"));
	emit(&b, "", SEC_TOP, "usb_tablet", def->usb_tablet ? "true" : "false");
	emit(&b, "", SEC_TOP, "autostart", def->autostart ? "true" : "false");
	emit(&b, "", SEC_TOP, "guest_agent", def->guest_agent ? "true" : "false");
	emit_extra_args(&b, def);
	emit_int_set(&b, "autostart_order", def->autostart_order);
	emit_int_set(&b, "autostart_delay", def->autostart_delay);
	emit_int_set(&b, "shutdown_timeout", def->shutdown_timeout);
	if (def->template)
		emit(&b, "", SEC_TOP, "template", "true");
	return sbuf_take(&b);
}
