/*
 * report_charts.c — the report's charts, from a run's metrics.csv columns
 * to lw_chart series:
 *
 *   loss-tokens   training loss (line) and validation loss (line and
 *                 markers, at the rows where an evaluation ran) against
 *                 training tokens;
 *   loss-energy   the same against the run's energy at the meter in Wh
 *                 (energy_j / 3600);
 *   power         W against minutes per domain (CPU, DRAM, GPU: those with
 *                 figures) and the total, from the differences of the
 *                 cumulative joules between consecutive rows;
 *   val-loss-energy, val-loss-tokens
 *                 several runs' validation loss overlaid, one series each.
 *
 * A run without energy figures gets a "not metered" note in place of the
 * energy charts: an empty chart would look like a broken one.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/chart.h"
#include "report/report_internal.h"
#include "util/alloc.h"

/* A series' own copy of x and y. */
typedef struct points {
	double *x, *y;
	size_t n;
} points;

/* Which rows a series takes. */
enum { ROWS_ALL, ROWS_Y, ROWS_XY };

/* x = col[xc] x xscale and y = col[yc] of every row (NaN: gaps), of the
 * rows where y is a number, or of those where both are. */
static points pick(const lw_run_files *run, lw_run_col xc, double xscale, lw_run_col yc,
		   int rows_taken)
{
	size_t rows = run->n_rows ? run->n_rows : 1;
	points p = {lw_xmalloc(rows * sizeof(double), "chart x"),
		    lw_xmalloc(rows * sizeof(double), "chart y"), 0};
	for (size_t r = 0; r < run->n_rows; r++) {
		double x = run->col[xc][r] * xscale, y = run->col[yc][r];
		if ((rows_taken != ROWS_ALL && !isfinite(y)) || (rows_taken == ROWS_XY && !isfinite(x)))
			continue;
		p.x[p.n] = x;
		p.y[p.n++] = y;
	}
	return p;
}

static void points_free(points *p)
{
	free(p->x);
	free(p->y);
}

static int column_has_numbers(const lw_run_files *run, lw_run_col c)
{
	for (size_t r = 0; r < run->n_rows; r++)
		if (isfinite(run->col[c][r]))
			return 1;
	return 0;
}

/* The chart in a <figure>, with a caption (HTML) when there is one. */
static void figure(lw_buf *out, const lw_chart *c, const char *caption_html)
{
	lw_buf_puts(out, "<figure>");
	lw_chart_svg(c, out);
	if (caption_html && *caption_html) {
		lw_buf_puts(out, "<figcaption>");
		lw_buf_puts(out, caption_html);
		lw_buf_puts(out, "</figcaption>");
	}
	lw_buf_puts(out, "</figure>\n");
}

/* ---------------------------------------------------------------- loss */

/* Training and validation loss against column xc (x xscale). */
static void loss_chart(const lw_run_files *run, const char *id, const char *title,
		       const char *x_title, lw_run_col xc, double xscale, const char *caption,
		       lw_buf *out)
{
	points train = pick(run, xc, xscale, LW_COL_LOSS, ROWS_ALL);
	points val = pick(run, xc, xscale, LW_COL_VAL_LOSS, ROWS_Y);
	lw_chart_series s[2] = {
		{"training loss", train.x, train.y, train.n, LW_MARK_LINE, 1},
		{"validation loss", val.x, val.y, val.n, LW_MARK_BOTH, 2},
	};
	lw_chart c = {id, title, x_title, "loss (nats)", LW_CHART_ZERO_X, 0, 0, s, 2};
	figure(out, &c, caption);
	points_free(&train);
	points_free(&val);
}

/* ---------------------------------------------------------------- power */

void lw_report_power(const lw_run_files *run, lw_run_col joules, double *power)
{
	double t0 = 0, e0 = 0;
	for (size_t r = 0; r < run->n_rows; r++) {
		double t = run->col[LW_COL_ELAPSED_S][r], e = run->col[joules][r];
		double dt = t - t0, de = e - e0;
		power[r] = dt > 0 && isfinite(de) && de >= 0 ? de / dt : NAN;
		t0 = t;
		e0 = e;
	}
}

typedef struct domain {
	lw_run_col col;
	const char *key;    /* in the summary's "method" */
	const char *name;
} domain;

static const domain DOMAINS[] = {
	{LW_COL_CPU_J, "cpu", "CPU"},
	{LW_COL_DRAM_J, "dram", "DRAM"},
	{LW_COL_GPU_J, "gpu", "GPU"},
	{LW_COL_ENERGY_J, NULL, "total"},
};
#define N_DOMAINS (int)(sizeof DOMAINS / sizeof *DOMAINS)

static void power_chart(const lw_run_files *run, lw_buf *out)
{
	lw_chart_series s[N_DOMAINS];
	double *y[N_DOMAINS] = {0};
	char names[N_DOMAINS][48];
	size_t rows = run->n_rows ? run->n_rows : 1;
	double *minutes = lw_xmalloc(rows * sizeof(double), "chart x");
	for (size_t r = 0; r < run->n_rows; r++)
		minutes[r] = run->col[LW_COL_ELAPSED_S][r] / 60;
	int n = 0;
	for (int d = 0; d < N_DOMAINS; d++) {
		if (!column_has_numbers(run, DOMAINS[d].col))
			continue;
		const char *method = DOMAINS[d].key ? lw_run_files_str(run, "method", DOMAINS[d].key)
						    : NULL;
		if (method && strcmp(method, "none") != 0)
			snprintf(names[n], sizeof names[n], "%s (%s)", DOMAINS[d].name, method);
		else
			snprintf(names[n], sizeof names[n], "%s", DOMAINS[d].name);
		y[n] = lw_xmalloc(rows * sizeof(double), "chart y");
		lw_report_power(run, DOMAINS[d].col, y[n]);
		/* The total in black, the domains in the palette's first colours. */
		s[n] = (lw_chart_series){names[n], minutes, y[n], run->n_rows, LW_MARK_LINE,
					 DOMAINS[d].key ? d + 1 : 7};
		n++;
	}
	lw_chart c = {"power", "Power over time", "time (min)", "power (W)",
		      LW_CHART_ZERO_X | LW_CHART_ZERO_Y, 0, 0, s, n};
	figure(out, &c, "Mean power between consecutive rows of metrics.csv, per domain "
			"and in total, at the meter (PUE not included).");
	for (int k = 0; k < n; k++)
		free(y[k]);
	free(minutes);
}

/* ---------------------------------------------------------------- API */

static void not_metered(lw_buf *out, const char *what)
{
	lw_buf_puts(out, "<p class=\"not-metered\"><span class=\"badge none\">not metered</span> ");
	lw_buf_puts(out, what);
	lw_buf_puts(out, "</p>\n");
}

void lw_report_charts_run(const lw_run_files *run, lw_buf *out)
{
	lw_buf_puts(out, "<div class=\"charts\">\n");
	loss_chart(run, "loss-tokens", "Loss against training tokens", "training tokens",
		   LW_COL_TOKENS, 1, NULL, out);
	if (column_has_numbers(run, LW_COL_ENERGY_J)) {
		const char *method = lw_report_run_method(run);
		char caption[160];   /* HTML: only our own words */
		snprintf(caption, sizeof caption, "Energy at the meter, all domains (%s%s).",
			 method ? method : "method unknown",
			 method && strcmp(method, "measured") != 0 ? ": not every domain was measured"
								   : "");
		loss_chart(run, "loss-energy", "Loss against energy", "energy (Wh)", LW_COL_ENERGY_J,
			   1 / 3600.0, caption, out);
		power_chart(run, out);
	}
	lw_buf_puts(out, "</div>\n");
	if (!column_has_numbers(run, LW_COL_ENERGY_J))
		not_metered(out, "This run has no energy figures (it was not metered, or was "
				 "written by an older lowwatt): no energy or power charts.");
}

/* One series per run of validation loss against xc (x xscale), into out;
 * runs without a point are named in notes, after why. */
static void overlay_chart(const lw_run_files *runs, int n, const char *id, const char *title,
			  const char *x_title, lw_run_col xc, double xscale, const char *why,
			  lw_buf *out, lw_buf *notes)
{
	lw_chart_series *s = lw_xcalloc((size_t)n, sizeof *s, "chart series");
	points *p = lw_xcalloc((size_t)n, sizeof *p, "chart series");
	int m = 0, left = 0;
	for (int k = 0; k < n; k++) {
		p[k] = pick(&runs[k], xc, xscale, LW_COL_VAL_LOSS, ROWS_XY);
		if (p[k].n > 0) {
			s[m++] = (lw_chart_series){runs[k].name, p[k].x, p[k].y, p[k].n,
						   LW_MARK_BOTH, 0};
			continue;
		}
		if (left++ == 0)
			lw_buf_printf(notes, "<p class=\"left-out\"><span class=\"badge none\">"
				      "left out</span> of \xe2\x80\x9c%s\xe2\x80\x9d (%s): ",
				      title, why);
		else
			lw_buf_puts(notes, ", ");
		lw_xml_escape(notes, runs[k].name);
	}
	if (left)
		lw_buf_puts(notes, "</p>\n");
	lw_chart c = {id, title, x_title, "validation loss (nats)", LW_CHART_ZERO_X, 0, 0, s, m};
	if (m > 0)   /* no empty chart: the note says why */
		figure(out, &c, NULL);
	for (int k = 0; k < n; k++)
		points_free(&p[k]);
	free(p);
	free(s);
}

void lw_report_charts_overlay(const lw_run_files *runs, int n, lw_buf *out)
{
	lw_buf notes = {0};
	lw_buf_puts(out, "<div class=\"charts\">\n");
	overlay_chart(runs, n, "val-loss-energy", "Validation loss against energy", "energy (Wh)",
		      LW_COL_ENERGY_J, 1 / 3600.0, "not metered, or no validation loss", out, &notes);
	overlay_chart(runs, n, "val-loss-tokens", "Validation loss against training tokens",
		      "training tokens", LW_COL_TOKENS, 1, "no validation loss", out, &notes);
	lw_buf_puts(out, "</div>\n");
	lw_buf_append(out, notes.data, notes.len);
	lw_buf_free(&notes);
}
