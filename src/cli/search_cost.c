/*
 * search_cost.c — the energy model of a search's trials (see
 * search_cost.h): work per step from the settings, one joules-per-work
 * constant fitted to the ledger, the next rung's energy and the exhaustive
 * search's.
 */
#include "cli/search_cost.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/rng.h"

/* Grids up to this many points are estimated point by point. */
#define EXACT_MAX 100000ULL
#define SAMPLES 1000
#define STREAM_EXHAUSTIVE 0x45584841ULL

double search_step_work(const lw_train_config *cfg)
{
	const lw_model_config *m = &cfg->model;
	double tokens = (double)cfg->batch * (double)cfg->accum * (double)m->seq;
	double per_token = 6.0 * (double)lw_model_config_logical_params(m) +
			   12.0 * (double)m->layers * (double)m->seq * (double)m->d_model;
	return tokens * per_token;
}

/* A trial's joules per step so far; 0 when it has not trained. */
static double own_j_per_step(const lw_trial *row)
{
	return row->steps > 0 && row->energy_j > 0 ? row->energy_j / (double)row->steps : 0;
}

/* The work of a configuration's step; 0 when its settings are refused. */
static double config_work(const search_trial_env *env, const char *config)
{
	lw_train_config cfg;
	lw_err err = {0};
	return search_trial_settings(env, config, &cfg, &err) ? 0 : search_step_work(&cfg);
}

double search_joules_per_work(const search_trial_env *env, const lw_trials *l)
{
	double joules = 0, work = 0;
	for (size_t i = 0; i < l->n; i++) {
		const lw_trial *r = &l->rows[i];
		int latest = i + 1 == l->n || l->rows[i + 1].id != r->id;
		if (!latest || own_j_per_step(r) == 0)
			continue;
		double w = config_work(env, r->config);
		if (w > 0) {
			joules += r->energy_j;
			work += w * (double)r->steps;
		}
	}
	return work > 0 ? joules / work : 0;
}

double search_rung_estimate_j(const search_trial_env *env, const lw_trial *row, int64_t steps,
			      double j_per_work)
{
	double per_step = own_j_per_step(row);
	if (per_step == 0)
		per_step = j_per_work * config_work(env, row->config);
	return steps > row->steps ? per_step * (double)(steps - row->steps) : 0;
}

/* ---------------------------------------------------------------- exhaustive */

/* Joules per step of a configuration: a trial's that ran it (the one with
 * the most steps), else the model's. */
static double config_j_per_step(const search_trial_env *env, const lw_trials *l,
				const char *config, double j_per_work)
{
	const lw_trial *best = NULL;
	for (size_t i = 0; i < l->n; i++) {
		const lw_trial *r = &l->rows[i];
		if (own_j_per_step(r) > 0 && strcmp(r->config, config) == 0 &&
		    (!best || r->steps > best->steps))
			best = r;
	}
	return best ? own_j_per_step(best) : j_per_work * config_work(env, config);
}

static double grid_point_j(const search_trial_env *env, search_configs *c, const lw_trials *l,
			   uint64_t index, double j_per_work)
{
	json_t *j = NULL;
	lw_err err = {0};
	if (lw_space_grid_point(c->space, index, &j, &err))
		return 0;
	char *text = search_configs_text(j);
	double per_step = config_j_per_step(env, l, text, j_per_work);
	free(text);
	json_decref(j);
	return per_step * (double)env->max_steps;
}

/* Every point of the grid, or a seeded sample scaled up. */
static double grid_j(const search_trial_env *env, search_configs *c, const lw_trials *l,
		     double j_per_work)
{
	double sum = 0;
	if (c->grid_n <= EXACT_MAX) {
		for (uint64_t i = 0; i < c->grid_n; i++)
			sum += grid_point_j(env, c, l, i, j_per_work);
		return sum;
	}
	lw_rng r = lw_rng_from(c->seed, 0, STREAM_EXHAUSTIVE);
	for (int i = 0; i < SAMPLES; i++)
		sum += grid_point_j(env, c, l, lw_rng_below(&r, c->grid_n), j_per_work);
	return sum / SAMPLES * (double)c->grid_n;
}

/* Every distinct configuration tried. */
static double tried_j(const search_trial_env *env, const lw_trials *l, double j_per_work,
		      uint64_t *n)
{
	double sum = 0;
	*n = 0;
	for (size_t i = 0; i < l->n; i++) {
		const lw_trial *r = &l->rows[i];
		int seen = 0;
		for (size_t k = 0; k < i && !seen; k++)
			seen = l->rows[k].rung == 0 && strcmp(l->rows[k].config, r->config) == 0;
		if (r->rung != 0 || seen)
			continue;
		sum += config_j_per_step(env, l, r->config, j_per_work) * (double)env->max_steps;
		(*n)++;
	}
	return sum;
}

void search_exhaustive_estimate(const search_trial_env *env, search_configs *c,
				const lw_trials *l, search_exhaustive *out)
{
	double j_per_work = search_joules_per_work(env, l);
	*out = (search_exhaustive){ .basis_grid = c->grid_n > 0 };
	if (c->grid_n) {
		out->configurations = c->grid_n;
		out->energy_j = grid_j(env, c, l, j_per_work);
	} else {
		out->energy_j = tried_j(env, l, j_per_work, &out->configurations);
	}
}
