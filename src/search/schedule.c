/*
 * schedule.c — the plans of the five strategies and the next job of a
 * search, read off its ledger (see include/lowwatt/schedule.h). Nothing
 * here trains or keeps state between calls: the ledger is the state.
 */
#include "lowwatt/schedule.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

static const char *const NAMES[] = { "grid", "random", "sh", "hyperband", "asha" };

const char *lw_strategy_name(lw_strategy s)
{
	return (unsigned)s < sizeof NAMES / sizeof *NAMES ? NAMES[s] : "?";
}

int lw_strategy_parse(const char *name)
{
	for (size_t i = 0; i < sizeof NAMES / sizeof *NAMES; i++)
		if (strcmp(name, NAMES[i]) == 0)
			return (int)i;
	return -1;
}

/* ---------------------------------------------------------------- plans */

/* Grid and random: n configurations, one rung at max_steps. */
static lw_status one_rung(int64_t n, int64_t max_steps, lw_bracket *b, lw_err *err)
{
	int64_t steps;
	if (n < 1)
		return lw_err_set(err, LW_ERR_ARG, "need at least 1 configuration, got %lld",
				  (long long)n);
	if (max_steps < 1)
		return lw_err_set(err, LW_ERR_ARG, "max steps %lld < 1", (long long)max_steps);
	lw_status st = lw_exhaustive_steps(n, max_steps, &steps, err);
	if (st)
		return st;
	*b = (lw_bracket){ .s = 0, .n_rungs = 1, .rung = { { n, max_steps } },
			   .steps_scratch = steps, .steps_resumed = steps };
	return LW_OK;
}

/* Hyperband's brackets, s_max first, while their configurations fit cap. */
static lw_status hyperband(int64_t cap, int64_t min_steps, int64_t max_steps, int64_t eta,
			   lw_schedule *out, lw_err *err)
{
	int n;
	lw_status st = lw_hyperband_make(min_steps, max_steps, eta, out->bracket, LW_RUNGS_MAX,
					 &n, err);
	if (st)
		return st;
	if (cap > 0 && cap < out->bracket[0].rung[0].n)
		return lw_err_set(err, LW_ERR_ARG,
				  "hyperband's first bracket starts %lld configurations; %lld "
				  "trials cannot hold it (sh runs one bracket of any size)",
				  (long long)out->bracket[0].rung[0].n, (long long)cap);
	int64_t used = 0;
	out->n_brackets = 0;
	for (int i = 0; i < n; i++) {
		used += out->bracket[i].rung[0].n;
		if (cap > 0 && used > cap)
			break;
		out->n_brackets++;
	}
	return LW_OK;
}

lw_status lw_schedule_make(lw_strategy strategy, int64_t n_configs, int64_t min_steps,
			   int64_t max_steps, int64_t eta, lw_schedule *out, lw_err *err)
{
	*out = (lw_schedule){ .strategy = strategy, .eta = eta, .n_brackets = 1 };
	switch (strategy) {
	case LW_STRATEGY_GRID:
	case LW_STRATEGY_RANDOM:
		return one_rung(n_configs, max_steps, &out->bracket[0], err);
	case LW_STRATEGY_SH:
		return lw_sh_make(n_configs, min_steps, max_steps, eta, &out->bracket[0], err);
	case LW_STRATEGY_HYPERBAND:
		return hyperband(n_configs, min_steps, max_steps, eta, out, err);
	case LW_STRATEGY_ASHA: {
		int64_t start = n_configs;
		if (start < 1)
			return lw_err_set(err, LW_ERR_ARG, "asha: need at least 1 configuration, "
					  "got %lld", (long long)start);
		/* The rungs of successive halving at s = s_max. */
		int s_max;
		lw_status st = lw_hyperband_s_max(min_steps, max_steps, eta, &s_max, err);
		int64_t n = 1;
		for (int i = 0; !st && i < s_max; i++)
			n *= eta;  /* eta^s_max <= max_steps: no overflow */
		if (!st)
			st = lw_sh_make(n, min_steps, max_steps, eta, &out->bracket[0], err);
		out->asha_configs = start;
		return st;
	}
	}
	return lw_err_set(err, LW_ERR_ARG, "unknown strategy %d", (int)strategy);
}

int64_t lw_schedule_configs(const lw_schedule *s)
{
	if (s->strategy == LW_STRATEGY_ASHA)
		return s->asha_configs;
	int64_t n = 0;
	for (int i = 0; i < s->n_brackets; i++)
		n += s->bracket[i].rung[0].n;
	return n;
}

static const lw_bracket *find_bracket(const lw_schedule *sch, int s)
{
	for (int i = 0; i < sch->n_brackets; i++)
		if (sch->bracket[i].s == s)
			return &sch->bracket[i];
	return NULL;
}

int64_t lw_schedule_rung_steps(const lw_schedule *sch, int bracket, int rung)
{
	const lw_bracket *b = find_bracket(sch, bracket);
	return b && rung >= 0 && rung < b->n_rungs ? b->rung[rung].steps : 0;
}

/* ---------------------------------------------------------------- jobs */

/* The ledger as the scheduler sees it: its rows, and those in flight. */
typedef struct view {
	const lw_trials *l;
	const lw_rung_ref *busy;
	size_t n_busy;
} view;

static int is_busy(const view *v, const lw_trial *r)
{
	for (size_t i = 0; i < v->n_busy; i++)
		if (v->busy[i].id == r->id && v->busy[i].rung == r->rung)
			return 1;
	return 0;
}

/* A row that holds its rung's result: finished, and not being retrained. */
static int is_result(const view *v, const lw_trial *r)
{
	lw_trial_status s = r->status;
	return (s == LW_TRIAL_DONE || s == LW_TRIAL_PROMOTED || s == LW_TRIAL_FAILED) &&
	       !is_busy(v, r);
}

/* Every row belongs to a bracket and rung of the plan; the first row still
 * to run and not in flight, if any, becomes a RUN job. */
static lw_status unfinished_row(const lw_schedule *sch, const view *v, lw_job *job, lw_err *err)
{
	for (size_t i = 0; i < v->l->n; i++) {
		const lw_trial *r = &v->l->rows[i];
		int64_t steps = lw_schedule_rung_steps(sch, r->bracket, r->rung);
		if (!steps)
			return lw_err_set(err, LW_ERR_FORMAT, "trial %lld is in bracket %d rung %d, "
					  "which this search's plan does not have", (long long)r->id,
					  r->bracket, r->rung);
		if (job->kind == LW_JOB_DONE && !is_result(v, r) && !is_busy(v, r))
			*job = (lw_job){ LW_JOB_RUN, r->id, r->rung, r->bracket, steps };
	}
	return LW_OK;
}

/* The results of rung `rung` of bracket s into res (room for l->n); their
 * number. *flying (if not NULL) receives the rung's rows in flight. Rows
 * still to run are neither (unfinished_row ran first). */
static size_t rung_results(const view *v, int s, int rung, lw_trial_result *res, size_t *flying)
{
	size_t n = 0, busy = 0;
	for (size_t i = 0; i < v->l->n; i++) {
		const lw_trial *r = &v->l->rows[i];
		if (r->bracket != s || r->rung != rung)
			continue;
		if (is_result(v, r))
			res[n++] = (lw_trial_result){ r->id, r->val_loss,
						     r->status == LW_TRIAL_PROMOTED };
		else
			busy += is_busy(v, r);
	}
	if (flying)
		*flying = busy;
	return n;
}

/* Successive halving in bracket b: the next promotion or new configuration,
 * WAIT while the rung it stands at has results out, or DONE when the
 * bracket is finished. */
static lw_status sync_bracket(const lw_schedule *sch, const lw_bracket *b, const view *v,
			      lw_trial_result *res, lw_trial_result *ranked, lw_job *job,
			      lw_err *err)
{
	int64_t expected = b->rung[0].n;
	for (int i = 0; i < b->n_rungs; i++) {
		size_t flying, n = rung_results(v, b->s, i, res, &flying);
		int64_t rows = (int64_t)(n + flying);
		if (rows > expected)
			return lw_err_set(err, LW_ERR_FORMAT, "bracket %d rung %d holds %lld trials; "
					  "the plan has %lld", b->s, i, (long long)rows,
					  (long long)expected);
		if (rows < expected) {
			if (i > 0)  /* promotions so far are fewer than the ranking's */
				return lw_err_set(err, LW_ERR_FORMAT, "bracket %d rung %d holds %lld "
						  "trials; %lld were promoted into it", b->s, i,
						  (long long)rows, (long long)expected);
			*job = (lw_job){ .kind = LW_JOB_NEW, .bracket = b->s };
			return LW_OK;
		}
		if (flying) {
			*job = (lw_job){ .kind = LW_JOB_WAIT, .bracket = b->s };
			return LW_OK;
		}
		if (i == b->n_rungs - 1)
			break;
		size_t k;
		lw_status st = lw_sh_promote(res, n, sch->eta, ranked, &k, err);
		if (st)
			return st;
		for (size_t j = 0; j < k; j++)
			if (!ranked[j].promoted) {
				*job = (lw_job){ .kind = LW_JOB_PROMOTE, .id = ranked[j].id, .rung = i,
						 .bracket = b->s };
				return LW_OK;
			}
		expected = (int64_t)k;
	}
	*job = (lw_job){ .kind = LW_JOB_DONE };
	return LW_OK;
}

/* ASHA: the trial get_job promotes (from finished results only), else a
 * new configuration while fewer than asha_configs were started, else WAIT
 * while rungs are in flight. */
static lw_status asha(const lw_schedule *sch, const view *v, lw_trial_result *res, lw_job *job,
		      lw_err *err)
{
	const lw_bracket *b = &sch->bracket[0];
	lw_asha_rung rungs[LW_RUNGS_MAX];
	size_t used = 0;
	for (int i = 0; i < b->n_rungs; i++) {
		rungs[i].done = res + used;
		rungs[i].n = rung_results(v, b->s, i, res + used, NULL);
		used += rungs[i].n;
	}
	lw_asha_pick pick;
	lw_status st = lw_asha_next(rungs, b->n_rungs, sch->eta, &pick, err);
	if (st)
		return st;
	int64_t started = 0;
	for (size_t i = 0; i < v->l->n; i++)
		started += v->l->rows[i].rung == 0;
	if (pick.found)
		*job = (lw_job){ .kind = LW_JOB_PROMOTE, .id = pick.id, .rung = pick.from,
				 .bracket = b->s };
	else if (started < sch->asha_configs)
		*job = (lw_job){ .kind = LW_JOB_NEW, .bracket = b->s };
	else
		*job = (lw_job){ .kind = v->n_busy ? LW_JOB_WAIT : LW_JOB_DONE };
	return LW_OK;
}

lw_status lw_schedule_next(const lw_schedule *sch, const lw_trials *l, lw_job *job, lw_err *err)
{
	return lw_schedule_next_busy(sch, l, NULL, 0, job, err);
}

lw_status lw_schedule_next_busy(const lw_schedule *sch, const lw_trials *l, const lw_rung_ref *busy,
				size_t n_busy, lw_job *job, lw_err *err)
{
	*job = (lw_job){ .kind = LW_JOB_DONE };
	for (size_t i = 0; i < n_busy; i++)
		if (!lw_trials_find(l, busy[i].id, busy[i].rung))
			return lw_err_set(err, LW_ERR_ARG, "trial %lld rung %d is in flight but not in "
					  "the ledger", (long long)busy[i].id, busy[i].rung);
	view v = { l, n_busy ? busy : NULL, n_busy };
	lw_status st = unfinished_row(sch, &v, job, err);
	if (st || job->kind != LW_JOB_DONE)
		return st;
	size_t room = l->n ? l->n : 1;
	lw_trial_result *res = lw_xmalloc(2 * room * sizeof *res, "schedule");
	if (sch->strategy == LW_STRATEGY_ASHA) {
		st = asha(sch, &v, res, job, err);
	} else {
		for (int i = 0; !st && i < sch->n_brackets && job->kind == LW_JOB_DONE; i++)
			st = sync_bracket(sch, &sch->bracket[i], &v, res, res + room, job, err);
	}
	free(res);
	return st;
}
