/*
 * chart.c — drawing a chart as inline SVG (see chart.h for what is drawn
 * and the hooks it carries).
 *
 * The layout is computed before anything is written: the y labels' width
 * sets the left margin, the legend's width the right one, and the x axis
 * takes fewer ticks until its labels no longer touch; a legend too long
 * for the chart makes it taller, and names too wide for it are cut with an
 * ellipsis. Text widths are estimated from a table of character widths
 * with a margin (the report names no font; the browser test checks that
 * every text lands inside its chart).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/chart.h"

/* ---------------------------------------------------------------- types */

#define DEFAULT_W 720
#define DEFAULT_H 360
#define TICK_FONT 11        /* px */
#define LEGEND_FONT 12
#define LEGEND_ROW 18       /* px per legend entry */
#define LEGEND_BUF 256      /* bytes of a legend name as drawn */
#define TOP 40              /* below the title */
#define BOTTOM 50           /* x labels and x title */

/* Okabe & Ito (2008), "Color Universal Design": told apart under every
 * common colour-vision deficiency. Yellow, faint on white, comes last. */
static const char *const PALETTE[] = {
	"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
};
#define PALETTE_N (int)(sizeof PALETTE / sizeof *PALETTE)

typedef struct axis {
	lw_ticks t;
	int log;
	double p0, p1;      /* pixels of t.lo and t.hi */
} axis;

enum { LEGEND_NONE, LEGEND_RIGHT, LEGEND_BELOW };

typedef struct layout {
	int w, h;
	double left, right, top, bottom;   /* the plot area, px */
	int legend;                        /* LEGEND_* */
	double legend_x, legend_y;         /* the first entry's swatch */
	double legend_w;                   /* swatch, gap and the widest name */
	double legend_text_max;            /* names are cut to this width */
	axis x, y;
	int no_data;
} layout;

/* ---------------------------------------------------------------- text */

void lw_xml_escape(lw_buf *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		switch (*p) {
		case '&': lw_buf_puts(out, "&amp;"); break;
		case '<': lw_buf_puts(out, "&lt;"); break;
		case '>': lw_buf_puts(out, "&gt;"); break;
		case '"': lw_buf_puts(out, "&quot;"); break;
		case '\'': lw_buf_puts(out, "&#39;"); break;
		default:
			lw_buf_putc(out, (*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f ? '?' : *p);
		}
	}
}

/* Widths of the printable ASCII characters, in thousandths of an em:
 * Helvetica's metrics. The report names no font (sans-serif), so widths
 * are scaled by FONT_SLACK to cover wider faces such as DejaVu Sans. */
static const unsigned short ASCII_WIDTH[95] = {
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  /*  ../ */
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,  /* 0..? */
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, /* @..O */
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,  /* P.._ */
	333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,  /* `..o */
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,       /* p..~ */
};
#define FONT_SLACK 1.18

/* The width in em of the character whose UTF-8 lead byte is c: ASCII from
 * the table, other two-byte ones (Latin, Greek, Cyrillic) 0.8, longer ones
 * (symbols, CJK) a full em. */
static double char_em(unsigned char c)
{
	if (c >= 0x20 && c < 0x7f)
		return ASCII_WIDTH[c - 0x20] / 1000.0 * FONT_SLACK;
	return c < 0xE0 ? 0.8 : 1.0;
}

static double text_width(const char *s, double font_px)
{
	double em = 0;
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
		if ((*p & 0xC0) != 0x80)
			em += char_em(*p);
	return em * font_px;
}

/* s cut to at most max_px wide (ending in an ellipsis when cut), in buf. */
static const char *cut_text(const char *s, double max_px, double font_px, char *buf, size_t size)
{
	if (text_width(s, font_px) <= max_px)
		return s;
	double w = font_px;   /* the ellipsis */
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && o + 4 < size; p++) {
		if ((*p & 0xC0) != 0x80) {
			w += char_em(*p) * font_px;
			if (w > max_px)
				break;
		}
		buf[o++] = (char)*p;
	}
	while (o > 0 && ((unsigned char)buf[o - 1] & 0xC0) == 0x80)
		o--;   /* no half character */
	if (o > 0 && ((unsigned char)buf[o - 1] & 0xC0) == 0xC0)
		o--;
	memcpy(buf + o, "\xe2\x80\xa6", 4);   /* U+2026 and the NUL */
	return buf;
}

/* ---------------------------------------------------------------- data */

static int drawable(double v, int log)
{
	return isfinite(v) && (!log || v > 0);
}

size_t lw_chart_drawn_points(const lw_chart_series *s, unsigned options)
{
	size_t n = 0;
	for (size_t i = 0; s->x && s->y && i < s->n; i++)
		n += drawable(s->x[i], options & LW_CHART_LOG_X) &&
		     drawable(s->y[i], options & LW_CHART_LOG_Y);
	return n;
}

/* The range of the drawn points of every series; 0 when there are none. */
static int data_range(const lw_chart *c, double *xmin, double *xmax, double *ymin, double *ymax)
{
	int any = 0;
	*xmin = *ymin = INFINITY;
	*xmax = *ymax = -INFINITY;
	for (int k = 0; k < c->n_series; k++) {
		const lw_chart_series *s = &c->series[k];
		for (size_t i = 0; s->x && s->y && i < s->n; i++) {
			if (!drawable(s->x[i], c->options & LW_CHART_LOG_X) ||
			    !drawable(s->y[i], c->options & LW_CHART_LOG_Y))
				continue;
			*xmin = fmin(*xmin, s->x[i]);
			*xmax = fmax(*xmax, s->x[i]);
			*ymin = fmin(*ymin, s->y[i]);
			*ymax = fmax(*ymax, s->y[i]);
			any = 1;
		}
	}
	return any;
}

static void axis_ticks(axis *a, double min, double max, int zero, int target)
{
	if (a->log) {
		lw_chart_log_ticks(min, max, target, &a->t);
		return;
	}
	if (zero) {
		min = fmin(min, 0);
		max = fmax(max, 0);
	}
	lw_chart_ticks(min, max, target, &a->t);
}

/* The pixel of v on a; a degenerate axis puts everything in its middle,
 * and nothing lands far outside the chart (no inf in the SVG). */
static double project(const axis *a, double v)
{
	double lo = a->t.lo, hi = a->t.hi, f;
	if (a->log)
		f = (log10(v) - log10(lo)) / (log10(hi) - log10(lo));
	else
		f = (v / 2 - lo / 2) / (hi / 2 - lo / 2);
	if (isnan(f))
		f = 0.5;
	f = fmax(-10, fmin(11, f));
	return a->p0 + f * (a->p1 - a->p0);
}

static double widest_label(const lw_ticks *t)
{
	double w = 0;
	for (int i = 0; i < t->n; i++)
		w = fmax(w, text_width(t->label[i], TICK_FONT));
	return w;
}

/* ---------------------------------------------------------------- layout */

/* The widest legend name, cut to max_px. */
static double legend_text_width(const lw_chart *c, double max_px)
{
	double w = 0;
	for (int k = 0; k < c->n_series; k++) {
		char buf[LEGEND_BUF];
		const char *name = c->series[k].name ? c->series[k].name : "";
		w = fmax(w, text_width(cut_text(name, max_px, LEGEND_FONT, buf, sizeof buf),
				       LEGEND_FONT));
	}
	return w;
}

/* Where the legend goes: to the right of the plot, or below it on a
 * narrow chart; the chart grows to hold every entry. */
static void place_legend(const lw_chart *c, layout *L)
{
	L->legend = c->n_series > 1 ? (L->w < 480 ? LEGEND_BELOW : LEGEND_RIGHT) : LEGEND_NONE;
	/* Below, entries start at x = 16 and their names 24 px further. */
	L->legend_text_max = L->legend == LEGEND_RIGHT ? fmin(L->w * 0.3, 240) : L->w - 16 - 24 - 12;
	L->legend_w = L->legend ? legend_text_width(c, L->legend_text_max) + 30 : 0;
	double rows = LEGEND_ROW * c->n_series;
	if (L->legend == LEGEND_RIGHT && TOP + rows + 10 + BOTTOM > L->h)
		L->h = (int)(TOP + rows + 10 + BOTTOM);
	L->bottom = L->h - BOTTOM;
	if (L->legend == LEGEND_BELOW)
		L->h += (int)rows + 8;
}

static void compute_layout(const lw_chart *c, layout *L)
{
	memset(L, 0, sizeof *L);
	L->w = c->width > 0 ? c->width : DEFAULT_W;
	L->h = c->height > 0 ? c->height : DEFAULT_H;
	L->top = TOP;
	place_legend(c, L);
	L->x.log = (c->options & LW_CHART_LOG_X) != 0;
	L->y.log = (c->options & LW_CHART_LOG_Y) != 0;
	double xmin, xmax, ymin, ymax;
	if (!data_range(c, &xmin, &xmax, &ymin, &ymax)) {
		L->no_data = 1;   /* empty axes: [0, 1], or [1, 10] on a log axis */
		xmin = L->x.log ? 1 : 0;
		xmax = L->x.log ? 10 : 1;
		ymin = L->y.log ? 1 : 0;
		ymax = L->y.log ? 10 : 1;
	}
	int y_target = (int)((L->bottom - L->top) / 45);
	axis_ticks(&L->y, ymin, ymax, c->options & LW_CHART_ZERO_Y, y_target);
	L->left = 12 + 16 + 8 + widest_label(&L->y.t) + 8;
	/* Fewer x ticks until their labels stand apart. */
	for (int target = 8; target >= 2; target--) {
		axis_ticks(&L->x, xmin, xmax, c->options & LW_CHART_ZERO_X, target);
		double wx = widest_label(&L->x.t);
		L->right = L->w - fmax(16, wx / 2 + 8);
		if (L->legend == LEGEND_RIGHT)
			L->right = fmin(L->right, L->w - L->legend_w - 24);
		double gap = (L->right - L->left) / (L->x.t.n > 1 ? L->x.t.n - 1 : 1);
		if (gap >= wx + 10)
			break;
	}
	L->legend_x = L->legend == LEGEND_RIGHT ? L->right + 16 : 16;
	L->legend_y = L->legend == LEGEND_RIGHT ? L->top + 8 : L->bottom + BOTTOM + 10;
	L->x.p0 = L->left;
	L->x.p1 = L->right;
	L->y.p0 = L->bottom;
	L->y.p1 = L->top;
}

/* ---------------------------------------------------------------- drawing */

static void draw_grid(const layout *L, lw_buf *out)
{
	lw_buf_puts(out, "<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">");
	for (int i = 0; i < L->x.t.n; i++) {
		double x = project(&L->x, L->x.t.v[i]);
		lw_buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x,
			      L->top, x, L->bottom);
	}
	for (int i = 0; i < L->y.t.n; i++) {
		double y = project(&L->y, L->y.t.v[i]);
		lw_buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
			      L->left, y, L->right, y);
	}
	lw_buf_puts(out, "</g>");
}

static void draw_x_axis(const lw_chart *c, const layout *L, lw_buf *out)
{
	lw_buf_puts(out, "<g class=\"axis\" data-axis=\"x\" font-size=\"11\" fill=\"#333\">");
	lw_buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		      "stroke=\"#555\"/>", L->left, L->bottom, L->right, L->bottom);
	for (int i = 0; i < L->x.t.n; i++) {
		double x = project(&L->x, L->x.t.v[i]);
		lw_buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			      "stroke=\"#555\"/>", x, L->bottom, x, L->bottom + 5);
		lw_buf_printf(out, "<text class=\"tick-label\" x=\"%.1f\" y=\"%.1f\" "
			      "text-anchor=\"middle\">", x, L->bottom + 18);
		lw_xml_escape(out, L->x.t.label[i]);
		lw_buf_puts(out, "</text>");
	}
	lw_buf_printf(out, "<text class=\"axis-title\" x=\"%.1f\" y=\"%.1f\" "
		      "text-anchor=\"middle\" font-size=\"13\">", (L->left + L->right) / 2,
		      L->bottom + BOTTOM - 10);
	lw_xml_escape(out, c->x_title ? c->x_title : "");
	lw_buf_puts(out, "</text></g>");
}

static void draw_y_axis(const lw_chart *c, const layout *L, lw_buf *out)
{
	lw_buf_puts(out, "<g class=\"axis\" data-axis=\"y\" font-size=\"11\" fill=\"#333\">");
	lw_buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		      "stroke=\"#555\"/>", L->left, L->top, L->left, L->bottom);
	for (int i = 0; i < L->y.t.n; i++) {
		double y = project(&L->y, L->y.t.v[i]);
		lw_buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			      "stroke=\"#555\"/>", L->left - 5, y, L->left, y);
		lw_buf_printf(out, "<text class=\"tick-label\" x=\"%.1f\" y=\"%.1f\" "
			      "text-anchor=\"end\">", L->left - 8, y + 4);
		lw_xml_escape(out, L->y.t.label[i]);
		lw_buf_puts(out, "</text>");
	}
	double cy = (L->top + L->bottom) / 2;
	lw_buf_printf(out, "<text class=\"axis-title\" x=\"22\" y=\"%.1f\" "
		      "transform=\"rotate(-90 22 %.1f)\" text-anchor=\"middle\" font-size=\"13\">",
		      cy, cy);
	lw_xml_escape(out, c->y_title ? c->y_title : "");
	lw_buf_puts(out, "</text></g>");
}

static const char *series_color(const lw_chart_series *s, int k)
{
	int i = s->color > 0 ? s->color - 1 : k;
	return PALETTE[i % PALETTE_N];
}

static const char *mark_name(int mark)
{
	return mark == LW_MARK_BOTH ? "both" : mark == LW_MARK_MARKERS ? "markers" : "line";
}

/* The line of s: a polyline per run of drawn points, a lone point as a
 * small circle (a one-point polyline would not show). */
static void draw_line(const lw_chart_series *s, const layout *L, int with_markers, lw_buf *out)
{
	size_t i = 0;
	while (i < s->n) {
		size_t start = i, run = 0;
		while (i < s->n && drawable(s->x[i], L->x.log) && drawable(s->y[i], L->y.log)) {
			i++;
			run++;
		}
		if (run >= 2) {
			lw_buf_puts(out, "<polyline fill=\"none\" points=\"");
			for (size_t j = start; j < start + run; j++)
				lw_buf_printf(out, "%s%.1f,%.1f", j > start ? " " : "",
					      project(&L->x, s->x[j]), project(&L->y, s->y[j]));
			lw_buf_puts(out, "\"/>");
		} else if (run == 1 && !with_markers) {
			lw_buf_printf(out, "<circle class=\"lone\" cx=\"%.1f\" cy=\"%.1f\" r=\"2\" "
				      "stroke=\"none\"/>", project(&L->x, s->x[start]),
				      project(&L->y, s->y[start]));
		}
		if (run == 0)
			i++;
	}
}

static void draw_markers(const lw_chart_series *s, const layout *L, lw_buf *out)
{
	for (size_t i = 0; i < s->n; i++)
		if (drawable(s->x[i], L->x.log) && drawable(s->y[i], L->y.log))
			lw_buf_printf(out, "<circle class=\"marker\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\"/>",
				      project(&L->x, s->x[i]), project(&L->y, s->y[i]));
}

static void draw_series(const lw_chart *c, const layout *L, int k, lw_buf *out)
{
	const lw_chart_series *s = &c->series[k];
	int mark = s->mark ? s->mark & LW_MARK_BOTH : LW_MARK_LINE;
	const char *color = series_color(s, k);
	lw_buf_puts(out, "<g class=\"series\" data-series=\"");
	lw_xml_escape(out, s->name ? s->name : "");
	lw_buf_printf(out, "\" data-points=\"%zu\" data-mark=\"%s\" stroke=\"%s\" fill=\"%s\" "
		      "stroke-width=\"2\" stroke-linejoin=\"round\">",
		      lw_chart_drawn_points(s, c->options), mark_name(mark), color, color);
	if (s->x && s->y) {
		if (mark & LW_MARK_LINE)
			draw_line(s, L, mark & LW_MARK_MARKERS, out);
		if (mark & LW_MARK_MARKERS)
			draw_markers(s, L, out);
	}
	lw_buf_puts(out, "</g>");
}

static void draw_legend(const lw_chart *c, const layout *L, lw_buf *out)
{
	lw_buf_puts(out, "<g class=\"legend\" font-size=\"12\" fill=\"#222\">");
	for (int k = 0; k < c->n_series; k++) {
		const lw_chart_series *s = &c->series[k];
		int mark = s->mark ? s->mark & LW_MARK_BOTH : LW_MARK_LINE;
		const char *color = series_color(s, k);
		double x = L->legend_x, y = L->legend_y + LEGEND_ROW * k;
		lw_buf_puts(out, "<g class=\"legend-entry\">");
		if (mark & LW_MARK_LINE)
			lw_buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				      "stroke=\"%s\" stroke-width=\"2\"/>", x, y, x + 18, y, color);
		if (mark & LW_MARK_MARKERS)
			lw_buf_printf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>",
				      x + 9, y, color);
		char buf[LEGEND_BUF];
		lw_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\">", x + 24, y + 4);
		lw_xml_escape(out, cut_text(s->name ? s->name : "", L->legend_text_max, LEGEND_FONT,
					    buf, sizeof buf));
		lw_buf_puts(out, "</text></g>");
	}
	lw_buf_puts(out, "</g>");
}

void lw_chart_svg(const lw_chart *c, lw_buf *out)
{
	layout L;
	compute_layout(c, &L);
	lw_buf_puts(out, "<svg class=\"chart\" data-chart=\"");
	lw_xml_escape(out, c->id ? c->id : "");
	lw_buf_printf(out, "\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
		      "aria-label=\"", L.w, L.h, L.w, L.h);
	lw_xml_escape(out, c->title ? c->title : "");
	lw_buf_puts(out, "\" font-family=\"sans-serif\">");
	lw_buf_printf(out, "<text class=\"chart-title\" x=\"%.1f\" y=\"22\" "
		      "text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\" "
		      "fill=\"#222\">", L.w / 2.0);
	lw_xml_escape(out, c->title ? c->title : "");
	lw_buf_puts(out, "</text>");
	draw_grid(&L, out);
	draw_x_axis(c, &L, out);
	draw_y_axis(c, &L, out);
	for (int k = 0; k < c->n_series; k++)
		draw_series(c, &L, k, out);
	if (L.no_data)
		lw_buf_printf(out, "<text class=\"no-data\" x=\"%.1f\" y=\"%.1f\" "
			      "text-anchor=\"middle\" font-size=\"13\" fill=\"#777\">no data "
			      "yet</text>", (L.left + L.right) / 2, (L.top + L.bottom) / 2);
	if (L.legend)
		draw_legend(c, &L, out);
	lw_buf_puts(out, "</svg>\n");
}
