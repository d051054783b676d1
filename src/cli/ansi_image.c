/*
 * ansi_image.c: an image drawn on a terminal with upper half blocks and SGR colours (24-bit, 256 or
 * 16).
 */
#include "ansi_image.h"

#include <string.h>

enum ansi_depth ansi_image_depth(const char *colorterm, const char *term)
{
	if (colorterm && (strcmp(colorterm, "truecolor") == 0 || strcmp(colorterm, "24bit") == 0))
		return ANSI_24BIT;
	if (term && strstr(term, "256color"))
		return ANSI_256;
	return ANSI_16;
}

/* One colour as SGR parameters: fg (base 30/38) or bg (base 40/48). */
static void sgr_colour(struct sbuf *out, enum ansi_depth depth, const uint8_t *rgb, bool bg)
{
	int i;

	switch (depth) {
	case ANSI_24BIT:
		sbuf_printf(out, "%d;2;%d;%d;%d", bg ? 48 : 38, rgb[0], rgb[1], rgb[2]);
		break;
	case ANSI_256:
		sbuf_printf(out, "%d;5;%d", bg ? 48 : 38, image_rgb_to_256(rgb));
		break;
	default:
		i = image_rgb_to_16(rgb);
		sbuf_printf(out, "%d", (i < 8 ? (bg ? 40 : 30) : (bg ? 100 : 90)) + i % 8);
		break;
	}
}

/* The colour as the terminal will show it: equal keys mean no change to send. */
static int shown_key(enum ansi_depth depth, const uint8_t *rgb)
{
	if (depth == ANSI_24BIT)
		return rgb[0] << 16 | rgb[1] << 8 | rgb[2];
	return depth == ANSI_256 ? image_rgb_to_256(rgb) : image_rgb_to_16(rgb);
}

static void render_row(const struct image *img, int row, enum ansi_depth depth, struct sbuf *out)
{
	const uint8_t *top = img->px + (size_t)(2 * row) * (size_t)img->w * 3;
	const uint8_t *bot = 2 * row + 1 < img->h ? top + (size_t)img->w * 3 : top;
	int fg = -1, bg = -1;

	for (int x = 0; x < img->w; x++) {
		int f = shown_key(depth, top + x * 3), b = shown_key(depth, bot + x * 3);

		if (f != fg || b != bg) {
			sbuf_add(out, "\x1b[");
			if (f != fg)
				sgr_colour(out, depth, top + x * 3, false);
			if (f != fg && b != bg)
				sbuf_add(out, ";");
			if (b != bg)
				sgr_colour(out, depth, bot + x * 3, true);
			sbuf_add(out, "m");
			fg = f;
			bg = b;
		}
		sbuf_add(out, "\xe2\x96\x80");
	}
	sbuf_add(out, "\x1b[0m\n");
}

void ansi_image_render(const struct image *img, enum ansi_depth depth, struct sbuf *out)
{
	for (int row = 0; row < (img->h + 1) / 2; row++)
		render_row(img, row, depth, out);
}
