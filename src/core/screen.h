/*
 * screen.h: a running guest's display and keyboard over QMP: screendump into an image, send-key
 * from key names and text.
 */
#ifndef VMDECK_SCREEN_H
#define VMDECK_SCREEN_H

#include <stddef.h>

#include "config.h"
#include "image.h"
#include "vmdef.h"

/*
 * The guest's screen now, through QMP screendump: QEMU writes a PPM into
 * state_dir/NAME/screen-PID.ppm (made 0600 first, so QEMU's truncating
 * open keeps the mode), which is read back bounded and removed.
 */
int screen_grab(const struct config *cfg, const struct vmdef *def, struct image *img, char **err);
/* The same with its own bound on the QMP exchange (the console's refresh). */
int screen_grab_ms(const struct config *cfg, const struct vmdef *def, struct image *img,
		   int timeout_ms, char **err);

/*
 * Key combinations by name, as `vmdeck sendkey` takes them: keys joined by
 * '-' are pressed together ("ctrl-alt-delete", "alt-f4", "shift-a", "ret",
 * "a"). A name is a QEMU QKeyCode ("ret", "spc", "f4", "meta_l") or one of
 * the friendlier aliases in the table ("enter", "space", "del", "win",
 * "esc"...). screen_key_valid checks one combination: 0, or -1 with the
 * name it does not know.
 */
int screen_key_valid(const char *combo, char **err);
/* Sends each combination in turn (one send-key each), all checked before any is sent. */
int screen_sendkeys(const struct config *cfg, const struct vmdef *def, char *const *combos,
		    size_t n, char **err);
/*
 * Types text on a US keyboard layout: letters, digits, punctuation (shift
 * where the layout needs it), space, tab and newline (Return). Anything else
 * is refused before a key is sent, naming the character.
 */
int screen_type(const struct config *cfg, const struct vmdef *def, const char *text, char **err);
/*
 * The combinations that type text, one per character ("shift-a" for 'A'); NULL with *err when one
 * cannot be typed.
 */
char **screen_text_keys(const char *text, size_t *n, char **err);
void screen_keys_free(char **keys, size_t n);
/*
 * The combination that types c on a US layout ("shift-4" for '$'), allocated; NULL when there is
 * none.
 */
char *screen_char_combo(unsigned char c);
/*
 * One combination, pressed briefly, the exchange bounded by timeout_ms (the console's screen view).
 */
int screen_send_combo(const struct config *cfg, const struct vmdef *def, const char *combo,
		      int timeout_ms, char **err);

#endif
