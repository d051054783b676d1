/* test_image.c: the screen view's image path: the PPM reader on hostile input, fitting, scaling, palettes, and the escapes a test card becomes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ansi_image.h"
#include "image.h"
#include "screen.h"
#include "util.h"

/* ---- the PPM reader ---- */

static int parse_text(const char *header, size_t pixels, struct image *img, char **err)
{
	size_t hl = strlen(header);
	uint8_t *buf = xcalloc(hl + pixels + 1, 1);
	int rc;

	memcpy(buf, header, hl);
	rc = image_ppm_parse(buf, hl + pixels, img, err);
	free(buf);
	return rc;
}

static void expect_refused(const char *header, size_t pixels, const char *why)
{
	struct image img;
	char *err = NULL;

	assert_int_equal(parse_text(header, pixels, &img, &err), -1);
	assert_non_null(err);
	if (!strstr(err, why))
		fail_msg("'%s' not in '%s'", why, err);
	assert_null(img.px);
	free(err);
}

static void test_ppm_good(void **state)
{
	struct image img;
	char *err = NULL;
	/* a comment in the header, as netpbm allows; maxval 15 scaled to 255 */
	const uint8_t data[] = "P6\n# by a test\n2 1\n15\n\x0f\x00\x00\x00\x0f\x07";

	assert_int_equal(image_ppm_parse(data, sizeof data - 1, &img, &err), 0);
	assert_int_equal(img.w, 2);
	assert_int_equal(img.h, 1);
	assert_int_equal(img.px[0], 255);
	assert_int_equal(img.px[4], 255);
	assert_int_equal(img.px[5], 7 * 255 / 15);
	image_free(&img);
}

static void test_ppm_hostile(void **state)
{
	expect_refused("P3\n1 1\n255\n", 3, "not a binary PPM");
	expect_refused("P6\n0 1\n255\n", 3, "width");
	expect_refused("P6\n8193 1\n255\n", 3, "width");
	expect_refused("P6\n1 99999999999\n255\n", 3, "height");
	expect_refused("P6\n1 1\n65535\n", 6, "16-bit");
	expect_refused("P6\n1 1\n0\n", 3, "maxval");
	expect_refused("P6\n2 2\n255\n", 11, "needs 12 bytes");   /* short */
	expect_refused("P6\n2 2\n255\n", 13, "needs 12 bytes");   /* trailing bytes */
	expect_refused("P6\n2 2\n255", 0, "not followed");
	expect_refused("P6 # only a comment", 0, "width");
}

/* ---- fitting and scaling ---- */

static void test_fit_keeps_aspect(void **state)
{
	int c, r;

	image_fit(1024, 768, 80, 23, &c, &r);      /* 4:3 in an 80x23 terminal: the height limits */
	assert_int_equal(r, 23);
	assert_int_equal(c, 61);                   /* 46 pixel rows * 4/3 */
	image_fit(720, 400, 80, 100, &c, &r);      /* text mode is shown 4:3 too, not 9:5 */
	assert_int_equal(c, 80);
	assert_int_equal(r, 30);                   /* 60 pixel rows */
	image_fit(1920, 1080, 200, 100, &c, &r);   /* 16:9, the width limits */
	assert_int_equal(c, 200);
	assert_int_equal(r, 57);                   /* 113 pixel rows, rounded up to a whole cell */
}

static void test_scale_area_mean(void **state)
{
	struct image src, dst;

	image_alloc(&src, 4, 2);
	/* left half white, right half black: halved, each output pixel is one half's mean */
	for (int y = 0; y < 2; y++)
		for (int x = 0; x < 2; x++)
			memset(src.px + (y * 4 + x) * 3, 255, 3);
	image_scale(&src, 2, 1, &dst);
	assert_int_equal(dst.px[0], 255);
	assert_int_equal(dst.px[3], 0);
	image_free(&dst);
	image_scale(&src, 1, 1, &dst);             /* the whole: half white */
	assert_int_equal(dst.px[0], 128);
	image_free(&dst);
	image_scale(&src, 3, 1, &dst);             /* each output pixel covers 1.33 source pixels */
	assert_int_equal(dst.px[0], 255);          /* [0, 1.33): white */
	assert_int_equal(dst.px[3], 128);          /* [1.33, 2.67): half white */
	assert_int_equal(dst.px[6], 0);
	image_free(&dst);
	image_free(&src);
}

static void test_palettes(void **state)
{
	const uint8_t red[3] = { 255, 0, 0 }, grey[3] = { 128, 128, 128 }, vga_grey[3] = { 170, 170, 170 };

	assert_int_equal(image_rgb_to_256(red), 196);
	assert_int_equal(image_rgb_to_256(grey), 244);       /* the grey ramp has 128 exactly */
	assert_int_equal(image_rgb_to_16(red), 1);
	assert_int_equal(image_rgb_to_16(vga_grey), 7);      /* BIOS text stays light grey */
}

/* ---- the test card through the renderer ---- */

/* 32x8: rows 0-3 eight bars of 4 pixels, rows 4-7 a grey ramp left to right. */
static const uint8_t bars[8][3] = {
	{ 0, 0, 0 }, { 255, 0, 0 }, { 0, 255, 0 }, { 255, 255, 0 },
	{ 0, 0, 255 }, { 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 },
};

static void test_card(struct image *img)
{
	image_alloc(img, 32, 8);
	for (int y = 0; y < 8; y++)
		for (int x = 0; x < 32; x++) {
			uint8_t *p = img->px + (y * 32 + x) * 3;

			if (y < 4)
				memcpy(p, bars[x / 4], 3);
			else
				p[0] = p[1] = p[2] = (uint8_t)(x * 255 / 31);
		}
}

/* What the terminal would show in each cell: "fg/bg" as the SGR parameters left them. */
struct cells {
	char cell[8][40][48];
	int rows;
};

static void sgr_apply(const char *params, char *fg, char *bg)
{
	char buf[128], *save = NULL, *t;
	int n;

	snprintf(buf, sizeof buf, "%s", params);
	for (t = strtok_r(buf, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
		n = atoi(t);
		if (n == 38 || n == 48) {
			char *dst = n == 38 ? fg : bg, *mode = strtok_r(NULL, ";", &save);

			if (mode && atoi(mode) == 5) {
				snprintf(dst, 16, "5:%s", strtok_r(NULL, ";", &save));
			} else {
				char *r = strtok_r(NULL, ";", &save), *g = strtok_r(NULL, ";", &save);
				char *b = strtok_r(NULL, ";", &save);

				snprintf(dst, 16, "%s,%s,%s", r, g, b);
			}
		} else if (n == 0) {
			strcpy(fg, "-");
			strcpy(bg, "-");
		} else if ((n >= 30 && n <= 37) || (n >= 90 && n <= 97)) {
			snprintf(fg, 16, "c%d", n >= 90 ? n - 90 + 8 : n - 30);
		} else if ((n >= 40 && n <= 47) || (n >= 100 && n <= 107)) {
			snprintf(bg, 16, "c%d", n >= 100 ? n - 100 + 8 : n - 40);
		}
	}
}

static void cells_parse(const char *s, struct cells *c)
{
	char fg[16] = "-", bg[16] = "-";
	int row = 0, col = 0;

	memset(c, 0, sizeof *c);
	while (*s) {
		if (s[0] == '\x1b' && s[1] == '[') {
			size_t n = strcspn(s + 2, "m");
			char params[128];

			snprintf(params, sizeof params, "%.*s", (int)n, s + 2);
			sgr_apply(params, fg, bg);
			s += 2 + n + 1;
		} else if (strncmp(s, "\xe2\x96\x80", 3) == 0) {
			assert_true(row < 8 && col < 40);
			snprintf(c->cell[row][col++], 48, "%s/%s", fg, bg);
			s += 3;
		} else {
			assert_int_equal(*s, '\n');   /* nothing else is ever written */
			row++;
			col = 0;
			s++;
		}
	}
	c->rows = row;
}

static void render(enum ansi_depth depth, struct cells *c, struct sbuf *out)
{
	struct image img;

	test_card(&img);
	ansi_image_render(&img, depth, out);
	cells_parse(out->s, c);
	image_free(&img);
}

static void test_render_24bit(void **state)
{
	static struct cells c;
	struct sbuf out = { 0 };

	render(ANSI_24BIT, &c, &out);
	assert_int_equal(c.rows, 4);
	/* the first cell sets both colours in one sequence; the next bar's first cell changes both */
	assert_memory_equal(out.s, "\x1b[38;2;0;0;0;48;2;0;0;0m\xe2\x96\x80", 27);
	assert_string_equal(c.cell[0][0], "0,0,0/0,0,0");
	assert_string_equal(c.cell[1][5], "255,0,0/255,0,0");
	assert_string_equal(c.cell[0][10], "0,255,0/0,255,0");
	assert_string_equal(c.cell[1][18], "0,0,255/0,0,255");
	assert_string_equal(c.cell[0][31], "255,255,255/255,255,255");
	assert_string_equal(c.cell[2][31], "255,255,255/255,255,255");
	assert_string_equal(c.cell[3][16], "131,131,131/131,131,131");   /* 16 * 255 / 31 */
	/* a run of one colour costs one sequence: bar 0 is 4 cells, 1 sequence */
	assert_non_null(strstr(out.s, "\x1b[38;2;0;0;0;48;2;0;0;0m\xe2\x96\x80\xe2\x96\x80\xe2\x96\x80\xe2\x96\x80\x1b["));
	sbuf_free(&out);
}

static void test_render_256(void **state)
{
	static struct cells c;
	struct sbuf out = { 0 };
	int last = 0;

	render(ANSI_256, &c, &out);
	assert_string_equal(c.cell[0][0], "5:16/5:16");
	assert_string_equal(c.cell[0][4], "5:196/5:196");
	assert_string_equal(c.cell[0][8], "5:46/5:46");
	assert_string_equal(c.cell[0][12], "5:226/5:226");
	assert_string_equal(c.cell[0][16], "5:21/5:21");
	assert_string_equal(c.cell[0][20], "5:201/5:201");
	assert_string_equal(c.cell[0][24], "5:51/5:51");
	assert_string_equal(c.cell[0][28], "5:231/5:231");
	/* the ramp only ever gets lighter, from the cube's black to its white */
	for (int x = 1; x < 31; x++) {
		int v = atoi(c.cell[2][x] + 2);
		uint8_t rgb[3];

		image_palette_rgb(v, rgb);
		assert_true(rgb[0] == rgb[1] && rgb[1] == rgb[2]);
		assert_true(rgb[0] >= last);
		last = rgb[0];
	}
	sbuf_free(&out);
}

static void test_render_16(void **state)
{
	static struct cells c;
	struct sbuf out = { 0 };

	render(ANSI_16, &c, &out);
	assert_memory_equal(out.s, "\x1b[30;40m", 8);
	assert_string_equal(c.cell[0][0], "c0/c0");
	assert_string_equal(c.cell[0][4], "c1/c1");
	assert_string_equal(c.cell[0][8], "c2/c2");
	assert_string_equal(c.cell[0][16], "c4/c4");
	assert_string_equal(c.cell[0][28], "c15/c15");
	assert_string_equal(c.cell[3][0], "c0/c0");
	assert_string_equal(c.cell[3][31], "c15/c15");
	sbuf_free(&out);
}

static void test_depth_from_env(void **state)
{
	assert_int_equal(ansi_image_depth("truecolor", "xterm"), ANSI_24BIT);
	assert_int_equal(ansi_image_depth("24bit", NULL), ANSI_24BIT);
	assert_int_equal(ansi_image_depth(NULL, "putty-256color"), ANSI_256);
	assert_int_equal(ansi_image_depth("", "vt100"), ANSI_16);
	assert_int_equal(ansi_image_depth(NULL, NULL), ANSI_16);
}

/* ---- key names and typed text ---- */

static void test_keys(void **state)
{
	char *err = NULL, **k;
	size_t n;

	assert_int_equal(screen_key_valid("ctrl-alt-delete", NULL), 0);
	assert_int_equal(screen_key_valid("Alt-F4", NULL), 0);
	assert_int_equal(screen_key_valid("win", NULL), 0);
	assert_int_equal(screen_key_valid("ctrl-alt-bogus", &err), -1);
	assert_string_equal(err, "unknown key 'bogus' in 'ctrl-alt-bogus'");
	free(err);
	err = NULL;
	assert_int_equal(screen_key_valid("ctrl--a", NULL), -1);
	k = screen_text_keys("aZ $(", &n, NULL);
	assert_int_equal(n, 5);
	assert_string_equal(k[0], "a");
	assert_string_equal(k[1], "shift-z");
	assert_string_equal(k[2], "spc");
	assert_string_equal(k[3], "shift-4");
	assert_string_equal(k[4], "shift-9");
	for (size_t i = 0; i < n; i++)
		assert_int_equal(screen_key_valid(k[i], NULL), 0);
	screen_keys_free(k, n);
	assert_null(screen_text_keys("caf\xc3\xa9", &n, &err));
	assert_string_equal(err, "cannot type a non-ASCII character (byte 4) on a US layout");
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ppm_good),
		cmocka_unit_test(test_ppm_hostile),
		cmocka_unit_test(test_fit_keeps_aspect),
		cmocka_unit_test(test_scale_area_mean),
		cmocka_unit_test(test_palettes),
		cmocka_unit_test(test_render_24bit),
		cmocka_unit_test(test_render_256),
		cmocka_unit_test(test_render_16),
		cmocka_unit_test(test_depth_from_env),
		cmocka_unit_test(test_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
