/*
 * search_loop.c — the job loop of `lowwatt search` (see search_loop.h): a
 * new configuration, a promotion or a rung at a time, trials.csv rewritten
 * after each, one progress line per rung.
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

static int save(search_state *s)
{
	lw_err err = {0};
	return lw_trials_write(&s->ledger, s->ledger_path, &err) ? fail(s, &err) : GO_ON;
}

static int add_trial(search_state *s, int bracket)
{
	lw_err err = {0};
	char *config = NULL, *label = NULL, run_dir[64];
	int64_t id = s->ledger.next_id;
	snprintf(run_dir, sizeof run_dir, "trials/%lld", (long long)id);
	lw_status st = search_configs_get(&s->configs, id, &config, &label, &err);
	if (!st)
		st = lw_trials_add(&s->ledger, config, label, bracket, run_dir, NULL, &err);
	free(config);
	free(label);
	return st ? fail(s, &err) : save(s);
}

static int promote(search_state *s, const lw_job *job)
{
	lw_err err = {0};
	lw_trial *row;
	if (lw_trials_promote(&s->ledger, job->id, &row, &err))
		return fail(s, &err);
	fprintf(s->log, "trial %lld promoted to rung %d (%lld steps)\n", (long long)job->id,
		row->rung, (long long)lw_schedule_rung_steps(&s->plan, job->bracket, row->rung));
	return save(s);
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

static void print_rung(const search_state *s, const lw_trial *r, search_rung_end end,
		       const lw_err *why)
{
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
	print_rung(s, &out, end, &why);
	if (save(s) == FAIL)
		return FAIL;
	if (end == SEARCH_RUNG_BUDGET)
		s->status = "budget";
	else if (end == SEARCH_RUNG_SIGNAL)
		s->status = "signal";
	return end == SEARCH_RUNG_BUDGET || end == SEARCH_RUNG_SIGNAL ? STOP : GO_ON;
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
		switch (job.kind) {
		case LW_JOB_DONE:
			return 0;
		case LW_JOB_NEW:
			next = add_trial(s, job.bracket);
			break;
		case LW_JOB_PROMOTE:
			next = promote(s, &job);
			break;
		case LW_JOB_RUN:
			next = run_rung(s, &job);
			break;
		}
	}
	return next == FAIL;
}
