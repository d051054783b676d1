/*
 * image.c: RGB images for the screen view: a bounded PPM reader, an area-averaging scaler and
 * colour quantising.
 */
#include "image.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void image_free(struct image *img)
{
	free(img->px);
	img->px = NULL;
	img->w = img->h = 0;
}

void image_alloc(struct image *img, int w, int h)
{
	img->w = w;
	img->h = h;
	img->px = xcalloc((size_t)w * (size_t)h, 3);
}

/* ---- PPM ---- */

struct ppm_cursor {
	const uint8_t *p, *end;
};

/* Skips whitespace and # comments (to the end of their line); false when the data ends first. */
static bool ppm_skip_space(struct ppm_cursor *c)
{
	while (c->p < c->end) {
		if (*c->p == '#') {
			while (c->p < c->end && *c->p != '\n')
				c->p++;
		} else if (isspace(*c->p)) {
			c->p++;
		} else {
			return true;
		}
	}
	return false;
}

/* A decimal header field within 1..max; -1 when missing, malformed or out of range. */
static long ppm_number(struct ppm_cursor *c, long max)
{
	long v = 0;
	int digits = 0;

	if (!ppm_skip_space(c))
		return -1;
	while (c->p < c->end && isdigit(*c->p)) {
		v = v * 10 + (*c->p++ - '0');
		if (++digits > 6)
			return -1;
	}
	if (digits == 0 || v < 1 || v > max)
		return -1;
	return v;
}

static int ppm_header(struct ppm_cursor *c, long *w, long *h, long *maxval, char **err)
{
	if (c->end - c->p < 2 || c->p[0] != 'P' || c->p[1] != '6')
		return err_set(err, "not a binary PPM (P6)");
	c->p += 2;
	if ((*w = ppm_number(c, IMAGE_SIDE_MAX)) < 0)
		return err_set(err, "PPM width missing or not within 1..%d", IMAGE_SIDE_MAX);
	if ((*h = ppm_number(c, IMAGE_SIDE_MAX)) < 0)
		return err_set(err, "PPM height missing or not within 1..%d", IMAGE_SIDE_MAX);
	if ((*maxval = ppm_number(c, 65535)) < 0)
		return err_set(err, "PPM maxval missing or malformed");
	if (*maxval > 255)
		return err_set(err, "PPM with 16-bit samples (maxval %ld) is not supported",
			       *maxval);
	/* exactly one whitespace byte ends the header; the pixels follow */
	if (c->p >= c->end || !isspace(*c->p))
		return err_set(err, "PPM header not followed by pixel data");
	c->p++;
	return 0;
}

int image_ppm_parse(const uint8_t *data, size_t len, struct image *img, char **err)
{
	struct ppm_cursor c = { data, data + len };
	long w = 0, h = 0, maxval = 0;
	size_t need;

	img->px = NULL;
	if (ppm_header(&c, &w, &h, &maxval, err) < 0)
		return -1;
	need = (size_t)w * (size_t)h * 3;
	if ((size_t)(c.end - c.p) != need)
		return err_set(err, "PPM of %ldx%ld needs %zu bytes of pixels, has %zu", w, h, need,
			       (size_t)(c.end - c.p));
	image_alloc(img, (int)w, (int)h);
	if (maxval == 255) {
		memcpy(img->px, c.p, need);
	} else {
		for (size_t i = 0; i < need; i++)
			img->px[i] = (uint8_t)((c.p[i] > maxval ? maxval : c.p[i]) * 255 / maxval);
	}
	return 0;
}

int image_ppm_read(const char *path, struct image *img, char **err)
{
	size_t max = (size_t)IMAGE_SIDE_MAX * IMAGE_SIDE_MAX * 3 + 64, len;
	char *why = NULL;
	uint8_t *data = (uint8_t *)file_read_max(path, max, O_NOFOLLOW, &len, err);
	int rc;

	img->px = NULL;
	if (!data)
		return -1;
	rc = image_ppm_parse(data, len, img, &why);
	if (rc < 0) {
		err_set(err, "%s: %s", path, why);
		free(why);
	}
	free(data);
	return rc;
}

uint8_t *image_ppm_encode(const struct image *img, size_t *len)
{
	char head[40];
	int n = snprintf(head, sizeof head, "P6\n%d %d\n255\n", img->w, img->h);
	size_t px = (size_t)img->w * (size_t)img->h * 3;
	uint8_t *out = xmalloc((size_t)n + px);

	memcpy(out, head, (size_t)n);
	memcpy(out + n, img->px, px);
	*len = (size_t)n + px;
	return out;
}

/* ---- fitting and scaling ---- */

void image_fit(int w, int h, int max_cols, int max_rows, int *cols, int *rows)
{
	double aspect = (double)w / h;   /* shown width over height */
	int pw = max_cols, ph;

	if ((w == 720 || w == 640) && h == 400)
		aspect = 4.0 / 3;
	if (w == 320 && h == 200)
		aspect = 4.0 / 3;
	ph = (int)(pw / aspect + 0.5);
	if (ph > max_rows * 2) {
		ph = max_rows * 2;
		pw = (int)(ph * aspect + 0.5);
	}
	*cols = pw < 1 ? 1 : pw > max_cols ? max_cols : pw;
	*rows = (ph + 1) / 2 < 1 ? 1 : (ph + 1) / 2;
}

/*
 * The source pixels [first, last] that output pixel i of n covers out of size, and the edge
 * weights.
 */
struct span {
	int first, last;
	double w_first, w_last;
};

static struct span *spans_make(int size, int n)
{
	struct span *s = xcalloc((size_t)n, sizeof *s);

	for (int i = 0; i < n; i++) {
		double a = (double)i * size / n, b = (double)(i + 1) * size / n;

		s[i].first = (int)a;
		s[i].last = (int)b;
		if (s[i].last >= size || (double)s[i].last == b)
			s[i].last--;
		if (s[i].last < s[i].first)
			s[i].last = s[i].first;
		s[i].w_first = (s[i].first + 1 < b ? s[i].first + 1 : b) - a;
		s[i].w_last = s[i].last == s[i].first ? s[i].w_first : b - s[i].last;
	}
	return s;
}

static double span_weight(const struct span *s, int k)
{
	return k == s->first ? s->w_first : k == s->last ? s->w_last : 1.0;
}

/* The mean colour of the source area that xs x ys covers, into out. */
static void area_mean(const struct image *src, const struct span *xs, const struct span *ys,
		      uint8_t *out)
{
	double sum[3] = { 0, 0, 0 }, total = 0;

	for (int y = ys->first; y <= ys->last; y++) {
		double wy = span_weight(ys, y);
		const uint8_t *row = src->px + (size_t)y * (size_t)src->w * 3;

		for (int x = xs->first; x <= xs->last; x++) {
			double wgt = wy * span_weight(xs, x);

			for (int ch = 0; ch < 3; ch++)
				sum[ch] += wgt * row[x * 3 + ch];
			total += wgt;
		}
	}
	for (int ch = 0; ch < 3; ch++)
		out[ch] = (uint8_t)(total > 0 ? sum[ch] / total + 0.5 : 0);
}

void image_scale(const struct image *src, int w, int h, struct image *dst)
{
	struct span *xs = spans_make(src->w, w), *ys = spans_make(src->h, h);

	image_alloc(dst, w, h);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			area_mean(src, &xs[x], &ys[y],
				  dst->px + ((size_t)y * (size_t)w + (size_t)x) * 3);
	free(xs);
	free(ys);
}

/* ---- palettes ---- */

/* VGA's sixteen text colours, in ANSI order (PuTTY's default palette is nearly these). */
static const uint8_t pal16[16][3] = {
	{ 0, 0, 0 },      { 170, 0, 0 },    { 0, 170, 0 },    { 170, 85, 0 },
	{ 0, 0, 170 },    { 170, 0, 170 },  { 0, 170, 170 },  { 170, 170, 170 },
	{ 85, 85, 85 },   { 255, 85, 85 },  { 85, 255, 85 },  { 255, 255, 85 },
	{ 85, 85, 255 },  { 255, 85, 255 }, { 85, 255, 255 }, { 255, 255, 255 },
};
static const uint8_t cube_level[6] = { 0, 95, 135, 175, 215, 255 };

void image_palette_rgb(int i, uint8_t rgb[3])
{
	if (i < 16) {
		memcpy(rgb, pal16[i], 3);
	} else if (i < 232) {
		i -= 16;
		rgb[0] = cube_level[i / 36];
		rgb[1] = cube_level[i / 6 % 6];
		rgb[2] = cube_level[i % 6];
	} else {
		rgb[0] = rgb[1] = rgb[2] = (uint8_t)(8 + 10 * (i - 232));
	}
}

/* Squared distance, green weighed most, as the eye does. */
static long rgb_dist(const uint8_t a[3], const uint8_t b[3])
{
	long dr = a[0] - b[0], dg = a[1] - b[1], db = a[2] - b[2];

	return 3 * dr * dr + 4 * dg * dg + 2 * db * db;
}

static int cube_index(uint8_t v)
{
	int best = 0;

	for (int i = 1; i < 6; i++)
		if (abs(v - cube_level[i]) < abs(v - cube_level[best]))
			best = i;
	return best;
}

int image_rgb_to_256(const uint8_t rgb[3])
{
	int cube = 16 + 36 * cube_index(rgb[0]) + 6 * cube_index(rgb[1]) + cube_index(rgb[2]);
	int mean = (rgb[0] + rgb[1] + rgb[2]) / 3;
	int g = mean < 8 ? 0 : mean > 238 ? 23 : (mean - 8 + 5) / 10;
	uint8_t c[3], gr[3];

	g = g > 23 ? 23 : g;
	image_palette_rgb(cube, c);
	image_palette_rgb(232 + g, gr);
	return rgb_dist(rgb, gr) < rgb_dist(rgb, c) ? 232 + g : cube;
}

int image_rgb_to_16(const uint8_t rgb[3])
{
	int best = 0;

	for (int i = 1; i < 16; i++)
		if (rgb_dist(rgb, pal16[i]) < rgb_dist(rgb, pal16[best]))
			best = i;
	return best;
}
