/*
 * ledger.c — a run's energy as the training loop keeps it (ledger.h).
 */
#include <math.h>
#include <string.h>

#include "train/ledger.h"
#include "util/clock.h"

/* Safety margin on measured costs when deciding whether a step fits. */
#define BUDGET_MARGIN 1.25

void lw_ledger_open(lw_ledger *l, const lw_train_energy *opt, const lw_run_energy *prior,
		    const lw_energy_prediction *first, const lw_meter_reading *base)
{
	memset(l, 0, sizeof *l);
	if (base) {
		memcpy(l->base_j, base->joules, sizeof l->base_j);
		l->base_s = base->elapsed_s;
	}
	l->opt = *opt;
	if (prior)
		l->prior = *prior;
	l->now = l->prior;
	if (first)
		l->first = *first;
	l->t_start = lw_now_s();
}

/* The host leaders' readings since their bases, summed: each machine
 * once; a domain's method is the combination of the hosts'. */
static lw_status sum_hosts(const lw_ledger *l, lw_meter_reading *r, lw_err *err)
{
	enum { D = LW_DOMAIN_COUNT, M = LW_METHOD_ESTIMATED + 1 };
	double buf[D + D * M] = {0};
	for (int d = 0; d < D; d++) {
		buf[d] = r->method[d] == LW_METHOD_NONE ? 0 : r->joules[d] - l->base_j[d];
		buf[D + d * M + (int)r->method[d]] = 1;
	}
	lw_status st = lw_dist_hosts_sum_f64(l->dist, buf, D + D * M, err);
	if (st)
		return st;
	for (int d = 0; d < D; d++) {
		r->method[d] = LW_METHOD_NONE;
		for (int m = 0; m < M; m++)
			if (buf[D + d * M + m] > 0)
				r->method[d] = lw_method_combine(r->method[d], (lw_method)m);
		r->joules[d] = l->base_j[d] + buf[d];
	}
	return LW_OK;
}

lw_status lw_ledger_sample(lw_ledger *l, lw_err *err)
{
	lw_run_energy *now = &l->now;
	*now = l->prior;
	if (!l->opt.meter) {
		now->seconds += lw_now_s() - l->t_start;
		return LW_OK;
	}
	lw_meter_reading r;
	lw_status st = lw_meter_read(l->opt.meter, &r, err);
	if (!st && l->dist)
		st = sum_hosts(l, &r, err);
	if (st)
		return st;
	now->metered = 1;
	now->seconds += r.elapsed_s - l->base_s;
	l->here_j = 0;
	for (int d = 0; d < LW_DOMAIN_COUNT; d++) {
		now->method[d] = lw_method_combine(l->prior.metered ? l->prior.method[d]
						   : LW_METHOD_NONE, r.method[d]);
		if (r.method[d] == LW_METHOD_NONE)
			continue;
		now->joules[d] += r.joules[d] - l->base_j[d];
		l->here_j += r.joules[d] - l->base_j[d];
	}
	now->total_j = l->prior.total_j + l->here_j;
	now->co2e_g = l->prior.co2e_g + l->here_j * l->opt.co2e_g_per_j;
	return LW_OK;
}

/* Sample, and the energy since the last mark, which moves to now. */
static lw_status spend(lw_ledger *l, double *spent, lw_err *err)
{
	lw_status st = lw_ledger_sample(l, err);
	if (st)
		return st;
	*spent = l->here_j - l->mark_j;
	l->mark_j = l->here_j;
	return LW_OK;
}

lw_status lw_ledger_step(lw_ledger *l, lw_err *err)
{
	double spent;
	lw_status st = spend(l, &spent, err);
	if (st)
		return st;
	if (l->steps_here++ == 0)
		l->first_step_j = spent;
	else
		l->steps_j += spent;
	return LW_OK;
}

lw_status lw_ledger_eval(lw_ledger *l, uint64_t sequences, double *eval_j, lw_err *err)
{
	lw_status st = spend(l, eval_j, err);
	if (st)
		return st;
	l->evals_j += *eval_j;
	l->evals++;
	l->eval_sequences += sequences;
	return LW_OK;
}

lw_status lw_ledger_save(lw_ledger *l, lw_err *err)
{
	double spent;
	lw_status st = spend(l, &spent, err);
	if (st)
		return st;
	l->saves_j += spent;
	l->saves++;
	return LW_OK;
}

double lw_ledger_step_j(const lw_ledger *l)
{
	if (l->steps_here > 1)
		return l->steps_j / (double)(l->steps_here - 1);
	return l->first_step_j;
}

double lw_ledger_eval_j(const lw_ledger *l, const lw_train_config *cfg)
{
	if (l->evals > 0)
		return l->evals_j / (double)l->evals;
	return 0.5 * lw_ledger_step_j(l) * (double)cfg->eval_batches / (double)cfg->accum;
}

double lw_ledger_save_j(const lw_ledger *l)
{
	if (l->saves > 0)
		return l->saves_j / (double)l->saves;
	double seconds = l->now.seconds - l->prior.seconds;
	double watts = seconds > 0 ? l->here_j / seconds : 0;
	return watts * (l->checkpoint_bytes / 500e6 + 0.001);
}

lw_forecast_input lw_ledger_forecast_input(const lw_ledger *l, const lw_train_config *cfg,
					   long done)
{
	return (lw_forecast_input){
		.steps_done = done, .steps_planned = cfg->steps, .eval_every = cfg->eval_every,
		.save_every = cfg->save_every, .energy_j = l->now.total_j,
		.step_j = lw_ledger_step_j(l), .eval_j = lw_ledger_eval_j(l, cfg),
		.save_j = lw_ledger_save_j(l),
	};
}

lw_energy_prediction lw_ledger_predict(const lw_ledger *l, const lw_train_config *cfg, long done)
{
	lw_forecast_input in = lw_ledger_forecast_input(l, cfg, done);
	double total = lw_forecast_total_j(&in);
	return (lw_energy_prediction){
		.step = done, .energy_j = total,
		.co2e_g = l->now.co2e_g + (total - in.energy_j) * l->opt.co2e_g_per_j,
	};
}

double lw_ledger_budget_j(const lw_ledger *l)
{
	double budget = l->opt.budget_j > 0 ? l->opt.budget_j : INFINITY;
	if (l->opt.budget_co2e_g > 0 && l->opt.co2e_g_per_j > 0) {
		double left_g = l->opt.budget_co2e_g - l->now.co2e_g;
		double as_j = l->now.total_j + left_g / l->opt.co2e_g_per_j;
		budget = fmin(budget, as_j);
	}
	return budget;
}

long lw_ledger_budget_step(const lw_ledger *l, const lw_train_config *cfg, long done)
{
	double budget = lw_ledger_budget_j(l);
	if (isinf(budget))
		return -1;
	lw_forecast_input in = lw_ledger_forecast_input(l, cfg, done);
	long fit = lw_forecast_steps_fitting(&in, budget);
	return fit >= cfg->steps - done ? -1 : done + fit;
}

/* Whether a recurring event falls due after step s of the plan (and is
 * not the one at the end). */
static int due_before_end(long s, long every, long planned)
{
	return every > 0 && s % every == 0 && s < planned;
}

int lw_ledger_next_step_fits(const lw_ledger *l, const lw_train_config *cfg, long done)
{
	double budget = lw_ledger_budget_j(l);
	if (isinf(budget))
		return 1;
	lw_forecast_input in = lw_ledger_forecast_input(l, cfg, done);
	in.step_j *= BUDGET_MARGIN;
	in.eval_j *= BUDGET_MARGIN;
	in.save_j *= BUDGET_MARGIN;
	/* What falls due now and after the next step, besides the end. */
	long next = done + 1;
	in.energy_j += in.eval_j * (due_before_end(done, cfg->eval_every, cfg->steps) +
				    due_before_end(next, cfg->eval_every, cfg->steps));
	in.energy_j += in.save_j * (due_before_end(done, cfg->save_every, cfg->steps) +
				    due_before_end(next, cfg->save_every, cfg->steps));
	in.eval_every = 0;
	in.save_every = 0;
	return lw_forecast_steps_fitting(&in, budget) >= 1;
}
