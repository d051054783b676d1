/*
 * screen.c: a running guest's display and keyboard over QMP: screendump into an image, send-key
 * from key names and text.
 */
#include "screen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qmp.h"
#include "util.h"
#include "vmstate.h"

#define SCREEN_QMP_MS 5000     /* a screendump of a large display under TCG takes a while */
#define KEY_HOLD_MS   100      /* QEMU's own default for send-key */
#define TYPE_HOLD_MS  40       /* per typed character: fast, yet every guest sees each press */

static char *qmp_sock(const struct config *cfg, const struct vmdef *def, char **err)
{
	if (vmstate_pid(cfg, def->name) <= 0) {
		err_set(err, "not running");
		return NULL;
	}
	return vmstate_path(cfg, def->name, "qmp.sock");
}

/* ---- screendump ---- */

/* An empty 0600 file QEMU then writes into (its open truncates and keeps the mode). */
static int dump_file_make(const char *path, char **err)
{
	int fd;

	unlink(path);  /* a stale one from a run that was killed */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(err, "cannot create %s: %s", path, strerror(errno));
	close(fd);
	return 0;
}

int screen_grab(const struct config *cfg, const struct vmdef *def, struct image *img, char **err)
{
	return screen_grab_ms(cfg, def, img, SCREEN_QMP_MS, err);
}

int screen_grab_ms(const struct config *cfg, const struct vmdef *def, struct image *img,
		   int timeout_ms, char **err)
{
	char *sock = qmp_sock(cfg, def, err), *file, *leaf;
	json_t *args;
	int rc = -1;

	img->px = NULL;
	if (!sock)
		return -1;
	leaf = xasprintf("screen-%d.ppm", (int)getpid());
	file = vmstate_path(cfg, def->name, leaf);
	if (dump_file_make(file, err) == 0) {
		args = json_pack("{s:s}", "filename", file);
		if (qmp_call(sock, "screendump", args, NULL, timeout_ms, err) == 0)
			rc = image_ppm_read(file, img, err);
		json_decref(args);
		unlink(file);
	}
	free(leaf);
	free(file);
	free(sock);
	return rc;
}

/* ---- key names ---- */

/* QEMU's QKeyCode names (qapi/ui.json) that a keyboard has. */
static const char *const qcodes[] = {
	"shift", "shift_r", "alt", "alt_r", "ctrl", "ctrl_r", "menu", "esc", "1", "2", "3", "4",
	"5", "6", "7", "8", "9", "0", "minus", "equal", "backspace", "tab", "q", "w", "e", "r",
	"t", "y", "u", "i", "o", "p", "bracket_left", "bracket_right", "ret", "a", "s", "d", "f",
	"g", "h", "j", "k", "l", "semicolon", "apostrophe", "grave_accent", "backslash", "z",
	"x", "c", "v", "b", "n", "m", "comma", "dot", "slash", "asterisk", "spc", "caps_lock",
	"f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12", "num_lock",
	"scroll_lock", "kp_divide", "kp_multiply", "kp_subtract", "kp_add", "kp_enter",
	"kp_decimal", "sysrq", "kp_0", "kp_1", "kp_2", "kp_3", "kp_4", "kp_5", "kp_6", "kp_7",
	"kp_8", "kp_9", "less", "print", "home", "pgup", "pgdn", "end", "left", "up", "down",
	"right", "insert", "delete", "meta_l", "meta_r", "compose", "pause", "power", "sleep",
	"wake", "volumeup", "volumedown", "audiomute", NULL,
};

/* Friendlier names, as people write them, for the QKeyCode QEMU wants. */
struct key_alias {
	const char *name, *qcode;
};

static const struct key_alias key_aliases[] = {
	{ "enter", "ret" },	     { "return", "ret" },	 { "space", "spc" },
	{ "del", "delete" },	     { "escape", "esc" },	 { "win", "meta_l" },
	{ "super", "meta_l" },	     { "windows", "meta_l" },	 { "meta", "meta_l" },
	{ "control", "ctrl" },	     { "altgr", "alt_r" },	 { "ins", "insert" },
	{ "pageup", "pgup" },	     { "pagedown", "pgdn" },	 { "bksp", "backspace" },
	{ "capslock", "caps_lock" }, { "printscreen", "print" }, { "prtsc", "print" },
	{ "break", "pause" },
};

/* The QKeyCode for a name (case-insensitive), or NULL. */
static const char *key_qcode(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(key_aliases); i++)
		if (strlen(key_aliases[i].name) == len &&
		    strncasecmp(key_aliases[i].name, name, len) == 0)
			return key_aliases[i].qcode;
	for (const char *const *q = qcodes; *q; q++)
		if (strlen(*q) == len && strncasecmp(*q, name, len) == 0)
			return *q;
	return NULL;
}

/* The send-key "keys" array of one combination, or NULL with the name not known. */
static json_t *combo_json(const char *combo, char **err)
{
	json_t *keys = json_array();
	const char *p = combo;

	for (;;) {
		size_t len = strcspn(p, "-");
		const char *q = key_qcode(p, len);

		if (!q) {
			json_decref(keys);
			if (len)
				err_set(err, "unknown key '%.*s' in '%s'", (int)len, p, combo);
			else
				err_set(err, "empty key name in '%s'", combo);
			return NULL;
		}
		json_array_append_new(keys, json_pack("{s:s, s:s}", "type", "qcode", "data", q));
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	if (json_array_size(keys) > 16) {
		json_decref(keys);
		err_set(err, "too many keys at once in '%s'", combo);
		return NULL;
	}
	return keys;
}

int screen_key_valid(const char *combo, char **err)
{
	json_t *k = combo_json(combo, err);

	json_decref(k);
	return k ? 0 : -1;
}

static int send_all(const struct config *cfg, const struct vmdef *def, char *const *combos,
		    size_t n, int hold, int timeout_ms, char **err)
{
	char *sock;
	struct qmp q;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		if (screen_key_valid(combos[i], err) < 0)
			return -1;
	if ((sock = qmp_sock(cfg, def, err)) == NULL)
		return -1;
	if (qmp_open(&q, sock, timeout_ms, err) < 0) {
		free(sock);
		return -1;
	}
	/*
	 * QEMU queues the presses and their releases in order, each after the last, so one
	 * connection does all
	 */
	for (size_t i = 0; i < n && rc == 0; i++) {
		json_t *args = json_pack("{s:o, s:i}", "keys", combo_json(combos[i], NULL),
					 "hold-time", hold);

		rc = qmp_exec(&q, "send-key", args, NULL, timeout_ms, err);
		json_decref(args);
	}
	qmp_close(&q);
	free(sock);
	return rc;
}

int screen_sendkeys(const struct config *cfg, const struct vmdef *def, char *const *combos,
		    size_t n, char **err)
{
	return send_all(cfg, def, combos, n, KEY_HOLD_MS, SCREEN_QMP_MS, err);
}

int screen_send_combo(const struct config *cfg, const struct vmdef *def, const char *combo,
		      int timeout_ms, char **err)
{
	char *one[] = { (char *)combo };

	return send_all(cfg, def, one, 1, TYPE_HOLD_MS, timeout_ms, err);
}

/* ---- text on a US layout ---- */

/* Characters a US keyboard types with shift, and the key under them. */
static const char shifted[] = "~!@#$%^&*()_+{}|:\"<>?";
static const char unshifted[] = "`1234567890-=[]\\;',./";
static const char *const punct_qcode[] = {
	"grave_accent",
	"1",
	"2",
	"3",
	"4",
	"5",
	"6",
	"7",
	"8",
	"9",
	"0",
	"minus",
	"equal",
	"bracket_left",
	"bracket_right",
	"backslash",
	"semicolon",
	"apostrophe",
	"comma",
	"dot",
	"slash",
};

char *screen_char_combo(unsigned char c)
{
	const char *p;

	if (c >= 'a' && c <= 'z')
		return xasprintf("%c", c);
	if (c >= 'A' && c <= 'Z')
		return xasprintf("shift-%c", c - 'A' + 'a');
	if (c >= '0' && c <= '9')
		return xasprintf("%c", c);
	if (c == ' ')
		return xstrdup("spc");
	if (c == '\n')
		return xstrdup("ret");
	if (c == '\t')
		return xstrdup("tab");
	if (c && (p = strchr(unshifted, c)) != NULL)
		return xstrdup(punct_qcode[p - unshifted]);
	if (c && (p = strchr(shifted, c)) != NULL)
		return xasprintf("shift-%s", punct_qcode[p - shifted]);
	return NULL;
}

void screen_keys_free(char **keys, size_t n)
{
	for (size_t i = 0; keys && i < n; i++)
		free(keys[i]);
	free(keys);
}

char **screen_text_keys(const char *text, size_t *n, char **err)
{
	size_t len = strlen(text);
	char **keys = xcalloc(len + 1, sizeof *keys);

	for (size_t i = 0; i < len; i++) {
		if ((keys[i] = screen_char_combo((unsigned char)text[i])) == NULL) {
			if ((unsigned char)text[i] >= 0x80)
				err_set(err,
					"cannot type a non-ASCII character (byte %zu) on a US "
					"layout",
					i + 1);
			else
				err_set(err,
					"cannot type character 0x%02x (byte %zu) on a US layout",
					(unsigned char)text[i], i + 1);
			screen_keys_free(keys, i);
			return NULL;
		}
	}
	*n = len;
	return keys;
}

int screen_type(const struct config *cfg, const struct vmdef *def, const char *text, char **err)
{
	size_t n;
	char **keys = screen_text_keys(text, &n, err);
	int rc;

	if (!keys)
		return -1;
	rc = send_all(cfg, def, keys, n, TYPE_HOLD_MS, SCREEN_QMP_MS, err);
	screen_keys_free(keys, n);
	return rc;
}
