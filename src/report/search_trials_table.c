/*
 * search_trials_table.c — the search report's tables of trials: the Pareto
 * front as summary.json lists it (energy ascending), and every trial of
 * trials.csv, one row each, best validation loss first.
 *
 * A trial's row shows its latest rung (where it stopped, or stands), its
 * totals so far (steps, energy and time are cumulative over its rungs),
 * its status, and the validation loss of the last rung it finished: a
 * trial stopped by the budget before its next rung keeps the loss it had.
 * Trials without a loss (failed, never run) come last.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "report/search_internal.h"
#include "util/alloc.h"

#define DASH "\xe2\x80\x93"

/* The text people know a trial by: its label, else its configuration. */
static const char *trial_name(const lw_trial *row)
{
	return row->label && *row->label ? row->label : row->config;
}

/* ---------------------------------------------------------------- front */

static void front_row(const lw_search_files *s, const json_t *p, lw_buf *out)
{
	char v[64];
	double trial = lw_search_num(p, "trial"), rung = lw_search_num(p, "rung");
	double e = lw_search_num(p, "energy_j");
	const char *method = lw_search_row_method(s, trial, rung);
	const char *label = lw_search_str(p, "label");
	const lw_trial *row = trial >= 0 && trial < 9e18
		? lw_trials_latest(&s->trials, (int64_t)trial) : NULL;
	if (!method)
		method = lw_search_str(s->summary, "method");
	lw_buf_puts(out, "<tr>");
	lw_search_cell(out, lw_report_count(trial, v, sizeof v), 1, 0);
	lw_search_cell(out, label ? label : row ? trial_name(row) : DASH, 0, 0);
	lw_search_cell(out, lw_report_count(rung, v, sizeof v), 1, 0);
	lw_search_cell(out, lw_report_count(lw_search_num(p, "steps"), v, sizeof v), 1, 0);
	lw_search_cell(out, lw_search_loss_text(lw_search_num(p, "val_loss"), v, sizeof v), 1, 0);
	lw_search_cell(out, lw_report_num(e / 3600, 4, v, sizeof v), 1, lw_report_is_estimate(method));
	lw_search_cell(out, lw_report_num(e, 5, v, sizeof v), 1, lw_report_is_estimate(method));
	lw_buf_puts(out, "</tr>\n");
}

void lw_search_table_front(const lw_search_files *s, lw_buf *out)
{
	json_t *front = json_object_get(s->summary, "pareto_front"), *p;
	if (!json_is_array(front) || json_array_size(front) == 0) {
		lw_buf_puts(out, "<p class=\"note\">None: no trial finished a rung with a validation "
				 "loss.</p>\n");
		return;
	}
	lw_buf_puts(out, "<table class=\"trials front\">\n<tr><th>trial</th><th>configuration</th>"
			 "<th>rung</th><th>steps</th><th>val loss (nats)</th>"
			 "<th>energy (Wh)</th><th>energy (J)</th></tr>\n");
	size_t i;
	json_array_foreach(front, i, p)
		front_row(s, p, out);
	lw_buf_puts(out, "</table>\n");
}

/* ---------------------------------------------------------------- trials */

typedef struct trial_ref {
	const lw_trial *latest;
	double loss;            /* of the last finished rung; NaN: none */
} trial_ref;

/* Lowest loss first, NaN last; ties by id. */
static int by_loss(const void *a, const void *b)
{
	const trial_ref *x = a, *y = b;
	int xn = isnan(x->loss), yn = isnan(y->loss);
	if (xn != yn)
		return xn - yn;
	if (!xn && x->loss != y->loss)
		return x->loss < y->loss ? -1 : 1;
	return (x->latest->id > y->latest->id) - (x->latest->id < y->latest->id);
}

/* One ref per trial of the ledger, sorted; *n receives their number. */
static trial_ref *sorted_trials(const lw_trials *t, size_t *n)
{
	trial_ref *refs = lw_xmalloc((t->n ? t->n : 1) * sizeof *refs, "trials");
	*n = 0;
	for (size_t first = 0, end; first < t->n; first = end) {
		end = lw_search_trial_end(t, first);
		const lw_trial *done = lw_search_last_finished(t->rows, first, end);
		refs[(*n)++] = (trial_ref){&t->rows[end - 1], done ? done->val_loss : NAN};
	}
	qsort(refs, *n, sizeof *refs, by_loss);
	return refs;
}

static void trial_row(const trial_ref *ref, double best_id, lw_buf *out)
{
	const lw_trial *r = ref->latest;
	char v[64];
	int est = lw_report_is_estimate(r->method);
	lw_buf_puts(out, (double)r->id == best_id ? "<tr class=\"best\">" : "<tr>");
	lw_search_cell(out, lw_report_count((double)r->id, v, sizeof v), 1, 0);
	lw_search_cell(out, trial_name(r), 0, 0);
	lw_search_cell(out, lw_report_count(r->rung, v, sizeof v), 1, 0);
	lw_search_cell(out, lw_report_count((double)r->steps, v, sizeof v), 1, 0);
	lw_search_cell(out, lw_search_loss_text(ref->loss, v, sizeof v), 1, 0);
	lw_search_cell(out, lw_report_num(r->energy_j / 3600, 4, v, sizeof v), 1, est);
	lw_search_cell(out, r->method, 0, 0);
	lw_search_cell(out, lw_report_duration(r->seconds, v, sizeof v), 1, 0);
	lw_search_cell(out, lw_trial_status_name(r->status), 0, 0);
	lw_buf_puts(out, "</tr>\n");
}

void lw_search_table_trials(const lw_search_files *s, lw_buf *out)
{
	size_t n;
	trial_ref *refs = sorted_trials(&s->trials, &n);
	double best_id = lw_search_num(lw_search_obj(s->summary, "best"), "trial");
	lw_buf_puts(out, "<table class=\"trials all\">\n<tr><th>trial</th><th>configuration</th>"
			 "<th>rung</th><th>steps</th><th>val loss (nats)</th>"
			 "<th>energy (Wh)</th><th>method</th><th>time</th><th>status</th></tr>\n");
	for (size_t k = 0; k < n; k++)
		trial_row(&refs[k], best_id, out);
	lw_buf_puts(out, "</table>\n");
	free(refs);
}
