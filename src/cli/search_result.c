/*
 * search_result.c — the best configuration, the Pareto front, the
 * search's energy and summary.json, all read off the ledger (see
 * search_result.h).
 */
#include "cli/search_result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/summary.h"
#include "util/alloc.h"

static int finished(const lw_trial *r)
{
	return (r->status == LW_TRIAL_DONE || r->status == LW_TRIAL_PROMOTED) &&
	       isfinite(r->val_loss);
}

static int is_latest(const lw_trials *l, size_t i)
{
	return i + 1 == l->n || l->rows[i + 1].id != l->rows[i].id;
}

const lw_trial *search_best(const lw_trials *l, int64_t max_steps)
{
	const lw_trial *best = NULL, *best_full = NULL;
	for (size_t i = 0; i < l->n; i++) {
		const lw_trial *r = &l->rows[i];
		if (!finished(r))
			continue;
		if (!best || r->val_loss < best->val_loss)
			best = r;
		if (r->steps >= max_steps && (!best_full || r->val_loss < best_full->val_loss))
			best_full = r;
	}
	return best_full ? best_full : best;
}

static int by_energy(const void *pa, const void *pb)
{
	const lw_trial *a = *(const lw_trial *const *)pa, *b = *(const lw_trial *const *)pb;
	if (a->energy_j != b->energy_j)
		return a->energy_j < b->energy_j ? -1 : 1;
	if (a->val_loss != b->val_loss)
		return a->val_loss < b->val_loss ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

size_t search_front(const lw_trials *l, const lw_trial **out)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		if (finished(&l->rows[i]))
			out[n++] = &l->rows[i];
	qsort(out, n, sizeof *out, by_energy);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++)
		if (kept == 0 || out[i]->val_loss < out[kept - 1]->val_loss)
			out[kept++] = out[i];
	return kept;
}

const char *search_method(const lw_trials *l)
{
	int measured = 0, estimated = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (!is_latest(l, i))
			continue;
		const char *m = l->rows[i].method;
		measured += strcmp(m, "measured") == 0 || strcmp(m, "mixed") == 0;
		estimated += strcmp(m, "estimated") == 0 || strcmp(m, "mixed") == 0;
	}
	if (measured && estimated)
		return "mixed";
	return measured ? "measured" : estimated ? "estimated" : "none";
}

/* ---------------------------------------------------------------- summary */

static json_t *row_json(const lw_trial *r, int with_config)
{
	json_t *o = json_object();
	json_object_set_new(o, "trial", json_integer(r->id));
	json_object_set_new(o, "rung", json_integer(r->rung));
	json_object_set_new(o, "steps", json_integer(r->steps));
	json_object_set_new(o, "val_loss", summary_number(r->val_loss));
	json_object_set_new(o, "energy_j", summary_number(r->energy_j));
	json_object_set_new(o, "label", json_string(r->label ? r->label : ""));
	if (with_config) {
		json_object_set_new(o, "config", json_loads(r->config, 0, NULL));
		json_object_set_new(o, "run_dir", r->run_dir ? json_string(r->run_dir) : json_null());
	}
	return o;
}

static json_t *front_json(const lw_trials *l)
{
	const lw_trial **front = lw_xmalloc((l->n ? l->n : 1) * sizeof *front, "front");
	size_t n = search_front(l, front);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, row_json(front[i], 0));
	free(front);
	return a;
}

static json_t *exhaustive_json(const search_totals *t, double energy_j)
{
	const search_exhaustive *x = &t->exhaustive;
	if (x->energy_j <= 0)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "configurations", json_integer((json_int_t)x->configurations));
	json_object_set_new(o, "basis", json_string(x->basis_grid ? "grid" : "tried"));
	json_object_set_new(o, "energy_j", summary_number(x->energy_j));
	json_object_set_new(o, "co2e_g", summary_number(x->energy_j * t->co2e_g_per_j));
	json_object_set_new(o, "ratio", summary_number(energy_j / x->energy_j));
	return o;
}

static json_t *budget_json(const search_options *o)
{
	if (o->budget_kwh <= 0 && o->budget_co2e_g <= 0)
		return json_null();
	json_t *b = json_object();
	json_object_set_new(b, "kwh", o->budget_kwh > 0 ? json_real(o->budget_kwh) : json_null());
	json_object_set_new(b, "co2e_g",
			    o->budget_co2e_g > 0 ? json_real(o->budget_co2e_g) : json_null());
	return b;
}

/* Two methods of parts of one figure as one. */
static const char *merge_method(const char *a, const char *b)
{
	if (strcmp(a, "none") == 0 || strcmp(a, b) == 0)
		return b;
	return strcmp(b, "none") == 0 ? a : "mixed";
}

/* The search's energy: its trials', or its machines' (distributed). */
static double search_energy(const lw_trials *l, const search_totals *t, const char **method)
{
	*method = search_method(l);
	if (!t->hosts)
		return lw_trials_energy_j(l);
	const char *hosts = hosts_method(t->hosts);
	*method = t->base_j > 0 ? merge_method(*method, hosts) : hosts;
	return t->base_j + t->hosts->total_j;
}

/* The search's energy, CO2e and their context. */
static void add_energy(json_t *s, const char *method, const search_totals *t, double energy_j)
{
	double co2e_g = energy_j * t->co2e_g_per_j;
	json_object_set_new(s, "energy_j", summary_number(energy_j));
	json_object_set_new(s, "method", json_string(method));
	json_object_set_new(s, "facility_energy_kwh", summary_number(energy_j * t->pue / 3.6e6));
	json_object_set_new(s, "co2e_g", summary_number(co2e_g));
	json_object_set_new(s, "pue", summary_number(t->pue));
	summary_add_intensity(s, t->intensity);
	json_object_set_new(s, "equivalents", summary_equivalents(co2e_g / 1000.0 * LW_LBS_PER_KG));
}

json_t *search_summary_build(const search_options *o, const lw_trials *l,
			     const search_totals *t)
{
	const char *method;
	double energy_j = search_energy(l, t, &method), seconds = 0;
	for (size_t i = 0; i < l->n; i++)
		if (is_latest(l, i))
			seconds += l->rows[i].seconds;
	const lw_trial *best = search_best(l, o->max_steps);
	json_t *s = json_object();
	json_object_set_new(s, "strategy", json_string(o->strategy));
	json_object_set_new(s, "min_steps", json_integer(o->min_steps));
	json_object_set_new(s, "max_steps", json_integer(o->max_steps));
	json_object_set_new(s, "eta", json_integer(o->eta));
	json_object_set_new(s, "seed", json_integer(o->seed));
	json_object_set_new(s, "space", json_string(o->space));
	json_object_set_new(s, "configurations", json_integer(t->configurations));
	json_object_set_new(s, "status", json_string(t->status));
	json_object_set_new(s, "seconds", summary_number(seconds));
	json_object_set_new(s, "best", best ? row_json(best, 1) : json_null());
	json_object_set_new(s, "pareto_front", front_json(l));
	add_energy(s, method, t, energy_j);
	json_object_set_new(s, "exhaustive", exhaustive_json(t, energy_j));
	json_object_set_new(s, "budget", budget_json(o));
	if (t->hosts) {
		json_object_set_new(s, "ranks", json_integer(t->hosts->ranks));
		json_object_set(s, "hosts", t->hosts->list);
	}
	json_object_set_new(s, "trials_csv", json_string("trials.csv"));
	return s;
}
