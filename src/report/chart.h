/*
 * chart.h — line and scatter charts as inline SVG, for the reports.
 *
 * A chart is drawn by C into text: no JavaScript and no library at run time,
 * so a report opens offline, prints, and stays small. One chart has a title,
 * x and y axis titles (with their units), "nice" ticks (steps of 1, 2 or 5
 * times a power of ten, or decades on a log axis) with compact labels,
 * gridlines, one colour per series from the Okabe-Ito palette (readable
 * with every common colour-vision deficiency), and, with more than one
 * series, a legend where it covers no data: to the right of the plot, or
 * below it on a chart narrower than 480 px.
 *
 * A series is drawn as a line, as markers (a scatter), or both. A NaN
 * coordinate, or one <= 0 on a log axis, is skipped: a gap in a line.
 *
 * The SVG carries stable hooks for tests and scripts:
 *
 *   <svg class="chart" data-chart="ID">
 *     <text class="chart-title">       the title
 *     <g class="grid">                 the gridlines: it spans the plot area
 *     <g class="axis" data-axis="x|y"> per axis: a <text class="axis-title">
 *                                      and <text class="tick-label">s
 *     <g class="series" data-series="NAME" data-points="N" data-mark="line|markers|both">
 *         <polyline>s (line)  and/or  <circle class="marker">s (markers).
 *         N is the points drawn. A line alone draws a lone point between
 *         gaps as a <circle class="lone">, so its polylines' points plus
 *         its lone circles are N; with markers, the marker circles are N.
 *     <g class="legend-entry">         one per series, with more than one
 *
 * Every text is XML-escaped. The SVG has no xmlns attribute: inside HTML
 * the parser puts <svg> in the SVG namespace by itself, and the report
 * promises to hold no URL of any kind.
 */
#ifndef LW_REPORT_CHART_H
#define LW_REPORT_CHART_H

#include <stddef.h>

#include "lowwatt/buf.h"

/* ---------------------------------------------------------------- ticks */

#define LW_TICKS_MAX 32
#define LW_TICK_LABEL_MAX 24

/* The ticks of one axis: the axis runs from lo to hi (the first and the
 * last tick), with n ticks at v[0..n) labelled label[0..n). */
typedef struct lw_ticks {
	double lo, hi;
	int n;
	double v[LW_TICKS_MAX];
	char label[LW_TICKS_MAX][LW_TICK_LABEL_MAX];
} lw_ticks;

/* Linear ticks covering [min, max]: about target of them (2..12), spaced by
 * 1, 2 or 5 times a power of ten, from a multiple of the step at or below
 * min to one at or above max. A single value (min == max) gets a small
 * range around it; NaN or infinite bounds give the ticks of [0, 1]. Labels
 * of one axis share one format: fixed decimals as many as the step needs
 * ("0", "0.2", .. "1.0"), thousands separators from 1,000 ("2,500"), k, M,
 * G, T from 10,000 ("20k", "1.5M") unless the step needs more than two
 * decimals of them ("10,000.5"), and powers of ten beyond 1e15 or below
 * 1e-4 ("2.5e-5"). */
void lw_chart_ticks(double min, double max, int target, lw_ticks *out);

/* Log ticks covering [min, max] (both > 0; otherwise those of [1, 10]):
 * whole decades, every k-th decade when there are more than target of
 * them; within at most two decades also 2 and 5 times each. */
void lw_chart_log_ticks(double min, double max, int target, lw_ticks *out);

/* One number in the format of a tick label: v on an axis whose step is
 * step and whose largest tick is maxabs in magnitude. */
void lw_chart_format_tick(double v, double step, double maxabs, char *buf, size_t size);

/* Thousands separators into the integer part of a formatted number
 * ("-12345.5" -> "-12,345.5"), in place, within size. The report's tables
 * use it too. */
void lw_chart_add_separators(char *buf, size_t size);

/* printf's exponent made short ("2.5e-05" -> "2.5e-5", "1e+15" -> "1e15"),
 * in place. The report's tables use it too. */
void lw_chart_tidy_exponent(char *buf);

/* ---------------------------------------------------------------- charts */

/* How a series is drawn (bits). */
enum { LW_MARK_LINE = 1, LW_MARK_MARKERS = 2, LW_MARK_BOTH = 3 };

typedef struct lw_chart_series {
	const char *name;       /* the legend's text and data-series */
	const double *x, *y;    /* n points each; NaN: skipped */
	size_t n;
	int mark;               /* LW_MARK_*; 0 is a line */
	int color;              /* 1-based palette index; 0: the series' position */
} lw_chart_series;

/* Options of a chart (bits). */
enum {
	LW_CHART_LOG_X = 1,     /* log10 x axis */
	LW_CHART_LOG_Y = 2,
	LW_CHART_ZERO_X = 4,    /* the x range includes 0 (linear axes only) */
	LW_CHART_ZERO_Y = 8,
};

typedef struct lw_chart {
	const char *id;         /* data-chart: letters, digits, '-', '_' */
	const char *title;
	const char *x_title;    /* with the unit: "energy (Wh)" */
	const char *y_title;
	unsigned options;       /* LW_CHART_* */
	int width, height;      /* px; 0: 720 x 360 (taller when a long legend needs it) */
	const lw_chart_series *series;
	int n_series;
} lw_chart;

/* Append the chart's <svg> element to out. */
void lw_chart_svg(const lw_chart *chart, lw_buf *out);

/* The points of series s that a chart with options draws (finite, and > 0
 * on a log axis): its data-points. */
size_t lw_chart_drawn_points(const lw_chart_series *s, unsigned options);

/* Append s XML-escaped (& < > " ' as entities; control characters, which
 * XML cannot hold, as '?'). */
void lw_xml_escape(lw_buf *out, const char *s);

#endif
