/*
 * ansi_image.h: an image drawn on a terminal with upper half blocks and SGR colours (24-bit, 256 or
 * 16).
 */
#ifndef VMDECK_ANSI_IMAGE_H
#define VMDECK_ANSI_IMAGE_H

#include "image.h"
#include "util.h"

enum ansi_depth { ANSI_16, ANSI_256, ANSI_24BIT };

/*
 * The depth a terminal says it has: COLORTERM truecolor or 24bit -> 24-bit,
 * a TERM naming 256color -> 256, else 16.
 */
enum ansi_depth ansi_image_depth(const char *colorterm, const char *term);

/*
 * img (w x h, h even: two pixel rows a text row) as h/2 lines of w cells,
 * each an upper half block U+2580 with the upper pixel as foreground and the
 * lower as background. A colour is only sent when it differs from the cell
 * before; each line starts afresh and ends with a reset and a newline.
 */
void ansi_image_render(const struct image *img, enum ansi_depth depth, struct sbuf *out);

#endif
