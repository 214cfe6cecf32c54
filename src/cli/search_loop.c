/*
 * search_loop.c — the job loop of `lowwatt search` (see search_loop.h): a
 * new configuration, a promotion or a rung at a time, trials.csv rewritten
 * after each, one progress line per rung. The distributed loop
 * (search_lead.c) shares the steps that change the ledger.
 */
#include "cli/search_loop.h"

#include <math.h>
#include <stdlib.h>

#include "cli/commands.h"
#include "cli/search_cost.h"

/* What a job left the search to do next. */
enum { GO_ON, STOP, FAIL };

static int fail(const search_state *s, const lw_err *err)
{
	fprintf(stderr, "lowwatt %s: %s\n", s->cmd, err->msg);
	return FAIL;
}

lw_status search_save(search_state *s, lw_err *err)
{
	return lw_trials_write(&s->ledger, s->ledger_path, err);
}

static int save(search_state *s)
{
	lw_err err = {0};
	return search_save(s, &err) ? fail(s, &err) : GO_ON;
}

lw_status search_add_trial(search_state *s, int bracket, lw_err *err)
{
	char *config = NULL, *label = NULL, run_dir[64];
	int64_t id = s->ledger.next_id;
	snprintf(run_dir, sizeof run_dir, "trials/%lld", (long long)id);
	lw_status st = search_configs_get(&s->configs, id, &config, &label, err);
	if (!st)
		st = lw_trials_add(&s->ledger, config, label, bracket, run_dir, NULL, err);
	free(config);
	free(label);
	return st ? st : search_save(s, err);
}

lw_status search_promote(search_state *s, const lw_job *job, lw_err *err)
{
	lw_trial *row;
	lw_status st = lw_trials_promote(&s->ledger, job->id, &row, err);
	if (st)
		return st;
	fprintf(s->log, "trial %lld promoted to rung %d (%lld steps)\n", (long long)job->id,
		row->rung, (long long)lw_schedule_rung_steps(&s->plan, job->bracket, row->rung));
	return search_save(s, err);
}

/* Stop before the rung when the budget cannot hold it; mark it stopped. */
static int over_budget(search_state *s, lw_trial *row, const lw_job *job, double *left)
{
	*left = s->budget_j - lw_trials_energy_j(&s->ledger);
	if (s->budget_j <= 0)
		return 0;
	double need = search_rung_estimate_j(&s->env, row, job->steps,
					     search_joules_per_work(&s->env, &s->ledger));
	if (*left > 0 && need <= *left)
		return 0;
	fprintf(s->log, "budget: trial %lld rung %d needs about %.4g J; %.4g J of the budget "
			"%s left: the search stops here\n", (long long)row->id, row->rung, need,
		*left > 0 ? *left : 0.0, *left > 0 ? "is" : "are");
	row->status = LW_TRIAL_STOPPED;
	return 1;
}

void search_print_rung(const search_state *s, const lw_trial *r, int rank, search_rung_end end,
		       const lw_err *why)
{
	if (rank >= 0)
		fprintf(s->log, "rank %d: ", rank);
	if (end == SEARCH_RUNG_FAILED) {
		fprintf(s->log, "trial %lld rung %d failed: %s  [%s]\n", (long long)r->id, r->rung,
			why->msg, r->label ? r->label : "");
		return;
	}
	fprintf(s->log, "trial %lld rung %d: %lld steps, val loss %.4f, %.4g J%s, %.1f s%s  [%s]\n",
		(long long)r->id, r->rung, (long long)r->steps, r->val_loss, r->energy_j,
		r->method[0] == 'e' ? " (estimated)" : "", r->seconds,
		end == SEARCH_RUNG_BUDGET ? "; stopped by the budget" :
		end == SEARCH_RUNG_SIGNAL ? "; stopped by a signal" : "",
		r->label ? r->label : "");
}

static int run_rung(search_state *s, const lw_job *job)
{
	lw_err err = {0}, why = {0};
	lw_trial *row = lw_trials_find(&s->ledger, job->id, job->rung);
	double left;
	if (over_budget(s, row, job, &left)) {
		s->status = "budget";
		return save(s) == FAIL ? FAIL : STOP;
	}
	row->status = LW_TRIAL_RUNNING;
	if (save(s) == FAIL)
		return FAIL;
	lw_trial out;
	search_rung_end end;
	double budget = s->budget_j > 0 ? row->energy_j + left : 0;
	if (search_trial_run(&s->env, row, job->steps, budget, &out, &end, &why, &err))
		return fail(s, &err);
	out.worker = 0;
	if (lw_trials_update(&s->ledger, &out, &err))
		return fail(s, &err);
	search_print_rung(s, &out, -1, end, &why);
	if (save(s) == FAIL)
		return FAIL;
	if (end == SEARCH_RUNG_BUDGET)
		s->status = "budget";
	else if (end == SEARCH_RUNG_SIGNAL)
		s->status = "signal";
	return end == SEARCH_RUNG_BUDGET || end == SEARCH_RUNG_SIGNAL ? STOP : GO_ON;
}

/* One job of the plan; LW_JOB_WAIT cannot come (nothing is in flight). */
static int do_job(search_state *s, const lw_job *job)
{
	lw_err err = {0};
	switch (job->kind) {
	case LW_JOB_NEW:
		return search_add_trial(s, job->bracket, &err) ? fail(s, &err) : GO_ON;
	case LW_JOB_PROMOTE:
		return search_promote(s, job, &err) ? fail(s, &err) : GO_ON;
	case LW_JOB_RUN:
		return run_rung(s, job);
	case LW_JOB_DONE:
	case LW_JOB_WAIT:
		break;
	}
	return STOP;
}

int search_loop(search_state *s)
{
	int next = GO_ON;
	s->status = "finished";
	while (next == GO_ON) {
		if (s->env.stop && *s->env.stop) {
			s->status = "signal";
			break;
		}
		lw_err err = {0};
		lw_job job;
		if (lw_schedule_next(&s->plan, &s->ledger, &job, &err)) {
			fprintf(stderr, "lowwatt %s: %s: %s\n", s->cmd, s->ledger_path, err.msg);
			return 1;
		}
		if (job.kind == LW_JOB_DONE)
			return 0;
		next = do_job(s, &job);
	}
	return next == FAIL;
}
