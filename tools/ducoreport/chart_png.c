/*
 * chart_png.c - the report's charts as PNG: a struct report_canvas that
 * draws with cairo on an image surface, at twice the chart's units so the
 * picture stays sharp on a phone. The charts themselves are lib/report's,
 * so the PNG shows what the SVG shows. Built only with cairo (CAIRO in
 * module.mk); text uses cairo's toy font API with the "sans-serif" face,
 * which is enough for labels.
 */
#include <cairo.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "chart_png.h"

#define PNG_SCALE 2.0

static void png_colour(cairo_t *cr, const char *hex)
{
	unsigned rgb = 0;

	if (hex && hex[0] == '#')
		rgb = (unsigned)strtoul(hex + 1, NULL, 16);
	cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
			     (rgb & 0xff) / 255.0);
}

static void png_rect(void *ctx, double x, double y, double w, double h, const char *fill,
		     const char *title)
{
	cairo_t *cr = ctx;

	png_colour(cr, fill);
	cairo_rectangle(cr, x, y, w, h);
	cairo_fill(cr);
}

static void png_line(void *ctx, const double *xy, int n, const char *stroke, double width)
{
	cairo_t *cr = ctx;

	if (n < 2)
		return;
	png_colour(cr, stroke);
	cairo_set_line_width(cr, width);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_move_to(cr, xy[0], xy[1]);
	for (int i = 1; i < n; i++)
		cairo_line_to(cr, xy[2 * i], xy[2 * i + 1]);
	cairo_stroke(cr);
}

static void png_text(void *ctx, double x, double y, double size, int anchor, int bold,
		     const char *fill, const char *s)
{
	cairo_t *cr = ctx;
	cairo_text_extents_t ext;
	char text[256];
	size_t i;

	/* cairo refuses text that is not UTF-8 (and then draws nothing more):
	 * a name from a hostile log is drawn in plain ASCII */
	for (i = 0; s[i] && i + 1 < sizeof(text); i++)
		text[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	text[i] = '\0';
	s = text;
	png_colour(cr, fill);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
	cairo_text_extents(cr, s, &ext);
	if (anchor >= 0)
		x -= anchor ? ext.x_advance : ext.x_advance / 2;
	cairo_move_to(cr, x, y);
	cairo_show_text(cr, s);
}

int chart_png(const char *path, struct report_run *run, enum report_chart c, int board)
{
	struct report_canvas cv = { .rect = png_rect, .line = png_line, .text = png_text };
	cairo_surface_t *sf;
	cairo_t *cr;
	double w, h;
	int rc = report_chart_size(run, c, &w, &h);

	if (rc)
		return rc;
	sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)(w * PNG_SCALE),
					(int)(h * PNG_SCALE));
	if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(sf);
		return -ENOMEM;
	}
	cr = cairo_create(sf);
	cairo_scale(cr, PNG_SCALE, PNG_SCALE);
	cv.ctx = cr;
	rc = report_chart_draw(&cv, run, c, board);
	if (!rc && cairo_status(cr) != CAIRO_STATUS_SUCCESS)
		rc = -ENOMEM;
	cairo_destroy(cr);
	if (!rc && cairo_surface_write_to_png(sf, path) != CAIRO_STATUS_SUCCESS)
		rc = errno ? -errno : -EIO;
	cairo_surface_destroy(sf);
	return rc;
}
