/*
 * search_charts.c — the search report's two charts, from trials.csv's rows
 * and summary.json's Pareto front to lw_chart series:
 *
 *   search-loss-energy   every row with a finite val_loss as a marker at
 *                        (energy_j in Wh, val_loss), one series per rung
 *                        ("rung 1: 27 steps"), and the Pareto front as a
 *                        line through its points in energy order;
 *   search-loss-steps    every trial's rows joined by a line (a promoted
 *                        trial continues from its checkpoint, so the line
 *                        is its learning curve), one series per rung the
 *                        trials reached, trials apart by NaN gaps, so that
 *                        the legend stays short however many trials; and
 *                        the best trial's curve in black.
 *
 * x is logarithmic when the values drawn span more than a factor LOG_SPAN
 * (energies of 1 J and 500 J on a linear axis squash the cheap rung into a
 * corner), else linear from zero. A rung keeps its colour in both charts.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/chart.h"
#include "report/search_internal.h"
#include "util/alloc.h"

#define LOG_SPAN 20.0
#define BLACK 7
#define NAME_MAX_LEN 64

/* ---------------------------------------------------------------- points */

typedef struct points {
	double *x, *y;
	size_t n, cap;
} points;

static void push(points *p, double x, double y)
{
	if (p->n == p->cap) {
		size_t cap = p->cap;
		p->x = lw_xgrow(p->x, &cap, p->n + 1, sizeof(double), "chart x");
		p->y = lw_xgrow(p->y, &p->cap, p->n + 1, sizeof(double), "chart y");
	}
	p->x[p->n] = x;
	p->y[p->n++] = y;
}

/* The points of one rung, and the steps of its rows. */
typedef struct group {
	points p;
	int64_t steps_min, steps_max;
	char name[NAME_MAX_LEN];
} group;

/* One more than the highest rung of a row with a finite val_loss. */
static int finished_rungs(const lw_trials *t)
{
	int n = 0;
	for (size_t r = 0; r < t->n; r++)
		if (isfinite(t->rows[r].val_loss) && t->rows[r].rung >= n)
			n = t->rows[r].rung + 1;
	return n;
}

static void groups_free(group *g, int n)
{
	for (int k = 0; k < n; k++) {
		free(g[k].p.x);
		free(g[k].p.y);
	}
	free(g);
}

/* A series per group with points, in s (which holds n_groups + extra). */
static int group_series(group *g, int n_groups, lw_chart_series *s, int mark)
{
	int m = 0;
	for (int k = 0; k < n_groups; k++)
		if (g[k].p.n > 0)
			s[m++] = (lw_chart_series){g[k].name, g[k].p.x, g[k].p.y, g[k].p.n, mark,
						   lw_search_rung_color(k)};
	return m;
}

/* LW_CHART_LOG_X when the finite x of the series are all > 0 and span more
 * than LOG_SPAN, else LW_CHART_ZERO_X. */
static unsigned x_scale(const lw_chart_series *s, int n)
{
	double lo = INFINITY, hi = -INFINITY;
	for (int k = 0; k < n; k++)
		for (size_t i = 0; i < s[k].n; i++)
			if (isfinite(s[k].x[i]) && isfinite(s[k].y[i])) {
				lo = fmin(lo, s[k].x[i]);
				hi = fmax(hi, s[k].x[i]);
			}
	return lo > 0 && hi / lo > LOG_SPAN ? LW_CHART_LOG_X : LW_CHART_ZERO_X;
}

/* The chart in a <figure>, with a caption (HTML: our own words only). */
static void figure(lw_buf *out, const lw_chart *c, const char *caption_html)
{
	lw_buf_puts(out, "<figure>");
	lw_chart_svg(c, out);
	lw_buf_printf(out, "<figcaption>%s</figcaption></figure>\n", caption_html);
}

/* ---------------------------------------------------------------- energy */

static int by_x(const void *a, const void *b)
{
	double x = ((const double *)a)[0], y = ((const double *)b)[0];
	return (x > y) - (x < y);
}

/* The front's points with a finite energy and loss, in energy order. */
static points front_points(const json_t *summary)
{
	json_t *front = json_object_get(summary, "pareto_front"), *p;
	size_t n = json_is_array(front) ? json_array_size(front) : 0, i, m = 0;
	double *xy = lw_xmalloc((n ? n : 1) * 2 * sizeof(double), "front");
	json_array_foreach(front, i, p) {
		double e = lw_search_num(p, "energy_j"), loss = lw_search_num(p, "val_loss");
		if (isfinite(e) && isfinite(loss)) {
			xy[2 * m] = e / 3600;
			xy[2 * m++ + 1] = loss;
		}
	}
	qsort(xy, m, 2 * sizeof(double), by_x);
	points pts = {0};
	for (size_t k = 0; k < m; k++)
		push(&pts, xy[2 * k], xy[2 * k + 1]);
	free(xy);
	return pts;
}

static void name_rung(group *g, int rung)
{
	if (g->steps_min == g->steps_max)
		snprintf(g->name, sizeof g->name, "rung %d: %" PRId64 " steps", rung, g->steps_max);
	else   /* Hyperband's brackets give one rung several lengths */
		snprintf(g->name, sizeof g->name, "rung %d: %" PRId64 "\xe2\x80\x93%" PRId64 " steps",
			 rung, g->steps_min, g->steps_max);
}

static void energy_chart(const lw_search_files *s, int n_rungs, lw_buf *out)
{
	const lw_trials *t = &s->trials;
	group *g = lw_xcalloc((size_t)n_rungs, sizeof *g, "rungs");
	for (size_t r = 0; r < t->n; r++) {
		const lw_trial *row = &t->rows[r];
		if (!isfinite(row->val_loss))
			continue;
		group *k = &g[row->rung];
		if (k->p.n == 0 || row->steps < k->steps_min)
			k->steps_min = row->steps;
		if (k->p.n == 0 || row->steps > k->steps_max)
			k->steps_max = row->steps;
		push(&k->p, row->energy_j / 3600, row->val_loss);
	}
	for (int k = 0; k < n_rungs; k++)
		name_rung(&g[k], k);
	points front = front_points(s->summary);
	lw_chart_series *series = lw_xcalloc((size_t)n_rungs + 1, sizeof *series, "series");
	int m = group_series(g, n_rungs, series, LW_MARK_MARKERS);
	if (front.n > 0)
		series[m++] = (lw_chart_series){"Pareto front", front.x, front.y, front.n,
						LW_MARK_LINE, BLACK};
	unsigned options = x_scale(series, m);
	lw_chart c = {"search-loss-energy", "Validation loss against energy", "energy (Wh)",
		      "validation loss (nats)", options, 0, 0, series, m};
	figure(out, &c, options & LW_CHART_LOG_X
		? "Every finished rung of every trial: its energy so far at the meter (log "
		  "scale). The line joins the Pareto front: the trials no other beats on both "
		  "energy and loss."
		: "Every finished rung of every trial: its energy so far at the meter. The line "
		  "joins the Pareto front: the trials no other beats on both energy and loss.");
	free(series);
	free(front.x);
	free(front.y);
	groups_free(g, n_rungs);
}

/* ---------------------------------------------------------------- steps */

/* The finished rows of trial rows[first..end) as (steps, loss), then a gap. */
static void push_curve(points *p, const lw_trial *rows, size_t first, size_t end)
{
	for (size_t r = first; r < end; r++)
		if (isfinite(rows[r].val_loss))
			push(p, (double)rows[r].steps, rows[r].val_loss);
	push(p, NAN, NAN);
}

static void steps_chart(const lw_search_files *s, int n_rungs, lw_buf *out)
{
	const lw_trials *t = &s->trials;
	group *g = lw_xcalloc((size_t)n_rungs, sizeof *g, "rungs");
	points best = {0};
	double best_id = lw_search_num(lw_search_obj(s->summary, "best"), "trial");
	for (size_t first = 0, end; first < t->n; first = end) {
		end = lw_search_trial_end(t, first);
		const lw_trial *last = lw_search_last_finished(t->rows, first, end);
		if (!last)
			continue;
		push_curve(&g[last->rung].p, t->rows, first, end);
		if ((double)last->id == best_id)
			push_curve(&best, t->rows, first, end);
	}
	for (int k = 0; k < n_rungs; k++)
		snprintf(g[k].name, sizeof g[k].name, "reached rung %d", k);
	lw_chart_series *series = lw_xcalloc((size_t)n_rungs + 1, sizeof *series, "series");
	int m = group_series(g, n_rungs, series, LW_MARK_BOTH);
	char best_name[NAME_MAX_LEN];
	snprintf(best_name, sizeof best_name, "best (trial %.0f)", best_id);
	if (best.n > 0)
		series[m++] = (lw_chart_series){best_name, best.x, best.y, best.n, LW_MARK_LINE,
						BLACK};
	lw_chart c = {"search-loss-steps", "Validation loss against training steps",
		      "training steps", "validation loss (nats)", x_scale(series, m), 0, 0,
		      series, m};
	figure(out, &c, "Each trial's validation loss after every rung it finished, joined: "
			"a promoted trial continues from its checkpoint, so its line is its "
			"learning curve. Coloured by the last rung the trial reached.");
	free(series);
	free(best.x);
	free(best.y);
	groups_free(g, n_rungs);
}

/* ---------------------------------------------------------------- API */

/* Whether the chart against energy would show anything: some energy. */
static int metered(const lw_search_files *s)
{
	const char *method = lw_search_str(s->summary, "method");
	if (method && strcmp(method, "none") == 0)
		return 0;
	for (size_t r = 0; r < s->trials.n; r++)
		if (isfinite(s->trials.rows[r].val_loss) && s->trials.rows[r].energy_j > 0)
			return 1;
	return 0;
}

static void note(lw_buf *out, const char *badge, const char *text)
{
	lw_buf_printf(out, "<p class=\"not-metered\"><span class=\"badge none\">%s</span> %s</p>\n",
		      badge, text);
}

void lw_search_charts(const lw_search_files *s, lw_buf *out)
{
	int n_rungs = finished_rungs(&s->trials);
	if (n_rungs == 0) {
		note(out, "no data", "No trial has finished a rung with a validation loss yet: "
				     "nothing to chart.");
		return;
	}
	int energy = metered(s);
	lw_buf_puts(out, "<div class=\"charts\">\n");
	if (energy)
		energy_chart(s, n_rungs, out);
	steps_chart(s, n_rungs, out);
	lw_buf_puts(out, "</div>\n");
	if (!energy)
		note(out, "not metered", "This search has no energy figures: no chart against "
					 "energy.");
}
