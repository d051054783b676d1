/*
 * image.h: RGB images for the screen view: a bounded PPM reader, an area-averaging scaler and
 * colour quantising.
 */
#ifndef VMDECK_IMAGE_H
#define VMDECK_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* 8-bit RGB, rows top to bottom, 3 bytes a pixel. */
struct image {
	int w, h;
	uint8_t *px;
};
void image_free(struct image *img);
/* An image of w x h, every pixel black; w and h >= 1. */
void image_alloc(struct image *img, int w, int h);

/*
 * The PPM reader takes what QEMU's screendump writes, and nothing bigger:
 * a binary P6 with comments allowed in the header, sides 1..IMAGE_SIDE_MAX,
 * maxval 1..255 (samples are scaled to 0..255), and exactly the pixel bytes
 * the header announces (a short file is refused; trailing bytes are too).
 * Errors name the defect: "not a binary PPM (P6)", "width 0 out of range".
 */
#define IMAGE_SIDE_MAX 8192
int image_ppm_parse(const uint8_t *data, size_t len, struct image *img, char **err);
/* Reads a regular file (not through a link) of at most the largest legal PPM and parses it. */
int image_ppm_read(const char *path, struct image *img, char **err);
/* The PPM of img, allocated, its length in *len. */
uint8_t *image_ppm_encode(const struct image *img, size_t *len);

/*
 * The largest cols x rows*2 box that fits the image's shape into a
 * terminal of max_cols x max_rows cells, two pixels a cell (upper half
 * block), cells taken as twice as high as wide. VGA modes whose pixels are
 * not square (720x400 and 640x400 text, 320x200) are shown at 4:3, as a
 * monitor shows them. *cols, *rows >= 1.
 */
void image_fit(int w, int h, int max_cols, int max_rows, int *cols, int *rows);

/*
 * src scaled to w x h by area averaging (each output pixel the mean of the source area it covers).
 */
void image_scale(const struct image *src, int w, int h, struct image *dst);

/*
 * Palettes. 256: xterm's 6x6x6 cube (16..231, levels 0,95,135,...,255) and
 * 24 greys (232..255, 8 + 10 i), whichever is nearer; 16: the xterm/VGA
 * colours 0..15. Nearest by a weighted RGB distance.
 */
int image_rgb_to_256(const uint8_t rgb[3]);
int image_rgb_to_16(const uint8_t rgb[3]);
/* The RGB of palette entry i (0..255) as xterm defines it. */
void image_palette_rgb(int i, uint8_t rgb[3]);

#endif
