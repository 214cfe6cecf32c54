/*
 * test_schedule.c — the next job of a search read off its ledger: whole
 * searches simulated with made-up losses (a trial's loss is a function of
 * its id and steps), checked for the rung sizes of the plan (Hyperband's
 * Table 1 included), the steps trained (promoted trials continue, never
 * start over), who was promoted, failed trials never promoted, ASHA's
 * promotions as soon as a trial is in the top 1/eta, a search cut after
 * any job and read back from trials.csv ending exactly as the uninterrupted
 * one, and ledgers of another plan refused. Asynchronous searches (rungs
 * in flight on 2 or 3 simulated workers that finish in a seeded random
 * order) run every planned rung exactly once, never promote an unfinished
 * trial, wait only while something is in flight and end as the plan says:
 * sh and hyperband with exactly the sequential search's rows.
 */
#include "testutil.h"

#include <math.h>

#include "lowwatt/schedule.h"
#include "util/rng.h"

/* A trial's loss after `steps` steps: lower for larger ids mod 7, falling
 * with steps; NaN for ids that are multiples of fail_every (0: none). */
typedef struct sim {
	int64_t fail_every;
	int64_t trained;        /* steps trained, over every RUN */
	int jobs;
} sim;

static double loss_of(const sim *s, int64_t id, int64_t steps)
{
	if (s->fail_every && id % s->fail_every == 0)
		return NAN;
	return 1.0 + (double)(7 - id % 7) / 7.0 + 10.0 / (double)steps;
}

/* Carry out one job; 0 when the search is done. */
static int step_once(const lw_schedule *sch, lw_trials *l, sim *s)
{
	lw_err err = {0};
	lw_job job;
	assert_int_equal(lw_schedule_next(sch, l, &job, &err), LW_OK);
	switch (job.kind) {
	case LW_JOB_DONE:
		return 0;
	case LW_JOB_WAIT:
		fail_msg("WAIT with nothing in flight");
		break;
	case LW_JOB_NEW:
		assert_int_equal(lw_trials_add(l, "{}", NULL, job.bracket, NULL, NULL, &err), LW_OK);
		break;
	case LW_JOB_PROMOTE: {
		lw_trial *from = lw_trials_latest(l, job.id);
		assert_non_null(from);
		assert_int_equal(from->rung, job.rung);
		assert_int_equal(lw_trials_promote(l, job.id, NULL, &err), LW_OK);
		break;
	}
	case LW_JOB_RUN: {
		lw_trial *r = lw_trials_find(l, job.id, job.rung);
		assert_non_null(r);
		assert_true(job.steps > r->steps);
		lw_trial done = *r;
		s->trained += job.steps - r->steps;
		done.steps = job.steps;
		done.val_loss = loss_of(s, job.id, job.steps);
		done.status = isnan(done.val_loss) ? LW_TRIAL_FAILED : LW_TRIAL_DONE;
		done.energy_j = (double)job.steps;
		assert_int_equal(lw_trials_update(l, &done, &err), LW_OK);
		break;
	}
	}
	s->jobs++;
	return 1;
}

static void run_all(const lw_schedule *sch, lw_trials *l, sim *s)
{
	int guard = 0;
	while (step_once(sch, l, s))
		assert_true(++guard < 100000);
}

/* Rows of bracket s at rung i. */
static int64_t rows_at(const lw_trials *l, int s, int rung)
{
	int64_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += l->rows[i].bracket == s && l->rows[i].rung == rung;
	return n;
}

static void assert_rungs_as_planned(const lw_schedule *sch, const lw_trials *l)
{
	for (int b = 0; b < sch->n_brackets; b++)
		for (int i = 0; i < sch->bracket[b].n_rungs; i++)
			assert_int_equal(rows_at(l, sch->bracket[b].s, i),
					 sch->bracket[b].rung[i].n);
}

static void make(lw_strategy st, int64_t n, int64_t lo, int64_t hi, int64_t eta,
		 lw_schedule *sch)
{
	lw_err err = {0};
	assert_int_equal(lw_schedule_make(st, n, lo, hi, eta, sch, &err), LW_OK);
}

/* ---------------------------------------------------------------- plans */

static void test_names(void **state)
{
	(void)state;
	for (int i = 0; i <= LW_STRATEGY_ASHA; i++)
		assert_int_equal(lw_strategy_parse(lw_strategy_name((lw_strategy)i)), i);
	assert_int_equal(lw_strategy_parse("Grid"), -1);
	assert_int_equal(lw_strategy_parse(""), -1);
}

static void test_plans(void **state)
{
	(void)state;
	lw_schedule sch;
	lw_err err = {0};
	make(LW_STRATEGY_GRID, 27, 1, 500, 3, &sch);
	assert_int_equal(sch.n_brackets, 1);
	assert_int_equal(sch.bracket[0].n_rungs, 1);
	assert_int_equal(sch.bracket[0].rung[0].steps, 500);
	assert_int_equal(lw_schedule_configs(&sch), 27);
	/* Hyperband with a cap: whole brackets while they fit. */
	make(LW_STRATEGY_HYPERBAND, 0, 1, 81, 3, &sch);
	assert_int_equal(sch.n_brackets, 5);
	assert_int_equal(lw_schedule_configs(&sch), 81 + 34 + 15 + 8 + 5);
	make(LW_STRATEGY_HYPERBAND, 81 + 34 + 14, 1, 81, 3, &sch);
	assert_int_equal(sch.n_brackets, 2);
	assert_int_equal(lw_schedule_rung_steps(&sch, 3, 0), 3);
	assert_int_equal(lw_schedule_rung_steps(&sch, 2, 0), 0);  /* not in the plan */
	assert_int_equal(lw_schedule_make(LW_STRATEGY_HYPERBAND, 80, 1, 81, 3, &sch, &err),
			 LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "81 configurations"));
	/* ASHA: the rungs of s_max, however many configurations start. */
	make(LW_STRATEGY_ASHA, 10, 10, 810, 3, &sch);
	assert_int_equal(sch.bracket[0].n_rungs, 5);
	assert_int_equal(sch.bracket[0].rung[0].steps, 10);
	assert_int_equal(lw_schedule_configs(&sch), 10);
	assert_int_equal(lw_schedule_make(LW_STRATEGY_GRID, 0, 1, 81, 3, &sch, &err), LW_ERR_ARG);
	assert_int_equal(lw_schedule_make(LW_STRATEGY_RANDOM, 5, 1, 0, 3, &sch, &err), LW_ERR_ARG);
	assert_int_equal(lw_schedule_make(LW_STRATEGY_SH, 9, 1, 81, 1, &sch, &err), LW_ERR_ARG);
	assert_int_equal(lw_schedule_make(LW_STRATEGY_ASHA, 0, 1, 81, 3, &sch, &err), LW_ERR_ARG);
}

/* ---------------------------------------------------------------- searches */

/* Hyperband R = 81, eta = 3: Table 1's rungs, and the resumed steps. */
static void test_hyperband_table1(void **state)
{
	(void)state;
	lw_schedule sch;
	make(LW_STRATEGY_HYPERBAND, 0, 1, 81, 3, &sch);
	lw_trials l = {0};
	sim s = {0};
	run_all(&sch, &l, &s);
	assert_rungs_as_planned(&sch, &l);
	assert_int_equal(l.next_id, 143);
	assert_int_equal(s.trained, 1581);  /* brackets.h: steps_resumed */
	assert_int_equal(lw_trials_count(&l, LW_TRIAL_DONE) + lw_trials_count(&l, LW_TRIAL_PROMOTED),
			 l.n);
	lw_trials_free(&l);
}

/* Successive halving promotes the best third at each rung. */
static void test_sh_promotes_the_best(void **state)
{
	(void)state;
	lw_schedule sch;
	make(LW_STRATEGY_SH, 9, 1, 9, 3, &sch);
	lw_trials l = {0};
	sim s = {0};
	run_all(&sch, &l, &s);
	assert_rungs_as_planned(&sch, &l);
	/* Ids 0..8: loss falls with id % 7, so 6, 5 and 4 (then 6) go on. */
	const int64_t top[] = { 4, 5, 6 };
	for (int i = 0; i < 3; i++)
		assert_non_null(lw_trials_find(&l, top[i], 1));
	assert_non_null(lw_trials_find(&l, 6, 2));
	assert_int_equal(lw_trials_latest(&l, 6)->steps, 9);
	assert_int_equal(s.trained, 9 * 1 + 3 * 2 + 1 * 6);
	lw_trials_free(&l);
}

static void test_grid_and_random(void **state)
{
	(void)state;
	lw_schedule sch;
	make(LW_STRATEGY_RANDOM, 5, 1, 40, 3, &sch);
	lw_trials l = {0};
	sim s = {0};
	run_all(&sch, &l, &s);
	assert_int_equal(l.n, 5);
	assert_int_equal(s.trained, 5 * 40);
	assert_int_equal(s.jobs, 10);  /* a NEW and a RUN each */
	lw_trials_free(&l);
}

/* A failed trial is never promoted: the rung promotes fewer. */
static void test_failed_not_promoted(void **state)
{
	(void)state;
	lw_schedule sch;
	make(LW_STRATEGY_SH, 9, 1, 9, 3, &sch);
	lw_trials l = {0};
	sim s = { .fail_every = 1 };  /* every trial fails */
	run_all(&sch, &l, &s);
	assert_int_equal(l.n, 9);
	assert_int_equal(lw_trials_count(&l, LW_TRIAL_FAILED), 9);
	lw_trials_free(&l);
	/* Ids 0, 2, 4, 6, 8 fail; of 1, 3, 5, 7: 5 then 3 and 1 rank best. */
	sim half = { .fail_every = 2 };
	run_all(&sch, &l, &half);
	assert_non_null(lw_trials_find(&l, 5, 1));
	assert_null(lw_trials_find(&l, 6, 1));
	assert_int_equal(rows_at(&l, sch.bracket[0].s, 1), 3);
	lw_trials_free(&l);
}

/* The best floor(n / eta) results of rung k all have a row at rung k + 1. */
static void assert_top_promoted(const lw_trials *l, int k, int64_t eta)
{
	lw_trial_result res[64];
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->rows[i].rung == k) {
			assert_true(n < 64);
			res[n++] = (lw_trial_result){ l->rows[i].id, l->rows[i].val_loss, 0 };
		}
	qsort(res, n, sizeof *res, lw_trial_rank_cmp);
	for (size_t j = 0; j < n / (size_t)eta; j++)
		assert_non_null(lw_trials_find(l, res[j].id, k + 1));
}

/* ASHA: promotions as soon as a trial is in the top 1/eta of its rung,
 * every configuration started, nobody promoted past the top. */
static void test_asha(void **state)
{
	(void)state;
	lw_schedule sch;
	make(LW_STRATEGY_ASHA, 20, 1, 9, 3, &sch);
	lw_trials l = {0};
	sim s = {0};
	/* Three configurations at rung 0, then the best is promoted at once. */
	for (int i = 0; i < 6; i++)
		assert_true(step_once(&sch, &l, &s));
	lw_job job;
	lw_err err = {0};
	assert_int_equal(lw_schedule_next(&sch, &l, &job, &err), LW_OK);
	assert_int_equal(job.kind, LW_JOB_PROMOTE);
	assert_int_equal(job.id, 2);
	assert_int_equal(job.rung, 0);
	run_all(&sch, &l, &s);
	assert_int_equal(rows_at(&l, sch.bracket[0].s, 0), 20);
	/* In the end the top third of every rung but the last went on (and
	 * early promotions, made when a rung had seen fewer, stay). */
	for (int k = 0; k < 2; k++)
		assert_top_promoted(&l, k, 3);
	assert_true(rows_at(&l, sch.bracket[0].s, 1) >= 20 / 3);
	assert_true(rows_at(&l, sch.bracket[0].s, 1) < 20);
	lw_trials_free(&l);
}

/* ---------------------------------------------------------------- resume */

/* Cut a search after every possible job, write and read its ledger, and
 * finish it: the rows end exactly as in the uninterrupted search. */
static void check_resume(lw_strategy strategy, int64_t n, int64_t lo, int64_t hi)
{
	lw_schedule sch;
	make(strategy, n, lo, hi, 3, &sch);
	lw_trials whole = {0};
	sim s = { .fail_every = 5 };
	run_all(&sch, &whole, &s);
	char *dir = tu_tempdir(), *path = tu_path(dir, "trials.csv");
	lw_err err = {0};
	for (int cut = 0; cut < s.jobs; cut++) {
		lw_trials l = {0}, back = {0};
		sim part = { .fail_every = 5 };
		for (int j = 0; j < cut; j++)
			assert_true(step_once(&sch, &l, &part));
		assert_int_equal(lw_trials_write(&l, path, &err), LW_OK);
		assert_int_equal(lw_trials_read(path, &back, &err), LW_OK);
		run_all(&sch, &back, &part);
		assert_int_equal(back.n, whole.n);
		for (size_t i = 0; i < whole.n; i++) {
			assert_int_equal(back.rows[i].id, whole.rows[i].id);
			assert_int_equal(back.rows[i].rung, whole.rows[i].rung);
			assert_int_equal(back.rows[i].status, whole.rows[i].status);
			assert_int_equal(back.rows[i].steps, whole.rows[i].steps);
		}
		assert_int_equal(part.trained, s.trained);
		lw_trials_free(&l);
		lw_trials_free(&back);
	}
	lw_trials_free(&whole);
	tu_rmtree(dir);
	free(path);
	free(dir);
}

static void test_resume_any_cut(void **state)
{
	(void)state;
	check_resume(LW_STRATEGY_HYPERBAND, 0, 1, 27);
	check_resume(LW_STRATEGY_ASHA, 12, 1, 27);
	check_resume(LW_STRATEGY_GRID, 4, 1, 27);
}

/* A row cut by a kill (running) or a budget (stopped) runs again first. */
static void test_unfinished_rows_first(void **state)
{
	(void)state;
	lw_schedule sch;
	make(LW_STRATEGY_SH, 9, 1, 9, 3, &sch);
	lw_trials l = {0};
	lw_err err = {0};
	lw_trial *r;
	for (int i = 0; i < 3; i++)
		assert_int_equal(lw_trials_add(&l, "{}", NULL, sch.bracket[0].s, NULL, &r, &err),
				 LW_OK);
	for (int i = 0; i < 2; i++) {
		lw_trial upd = l.rows[i];
		upd.status = LW_TRIAL_DONE;
		upd.val_loss = 1;
		upd.steps = 1;
		assert_int_equal(lw_trials_update(&l, &upd, &err), LW_OK);
	}
	lw_trial stopped = l.rows[2];
	stopped.status = LW_TRIAL_STOPPED;
	assert_int_equal(lw_trials_update(&l, &stopped, &err), LW_OK);
	lw_job job;
	assert_int_equal(lw_schedule_next(&sch, &l, &job, &err), LW_OK);
	assert_int_equal(job.kind, LW_JOB_RUN);
	assert_int_equal(job.id, 2);
	assert_int_equal(job.steps, 1);
	lw_trials_free(&l);
}

/* A ledger that another plan wrote is refused, not followed. */
static void test_foreign_ledger(void **state)
{
	(void)state;
	lw_schedule sch, other;
	make(LW_STRATEGY_HYPERBAND, 0, 1, 81, 3, &sch);
	make(LW_STRATEGY_GRID, 3, 1, 81, 3, &other);
	lw_trials l = {0};
	lw_err err = {0};
	lw_job job;
	/* A trial in bracket 7: no such bracket. */
	assert_int_equal(lw_trials_add(&l, "{}", NULL, 7, NULL, NULL, &err), LW_OK);
	assert_int_equal(lw_schedule_next(&sch, &l, &job, &err), LW_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "bracket 7"));
	lw_trials_free(&l);
	/* Five finished trials in a grid of three. */
	sim s = {0};
	make(LW_STRATEGY_GRID, 5, 1, 81, 3, &sch);
	run_all(&sch, &l, &s);
	assert_int_equal(lw_schedule_next(&other, &l, &job, &err), LW_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "holds 5 trials"));
	lw_trials_free(&l);
}

/* ---------------------------------------------------------------- in flight */

#define WORKERS_MAX 3

/* Simulated workers: the rung each is training (id -1: idle). */
typedef struct flight {
	lw_rung_ref rung[WORKERS_MAX];
	int64_t steps[WORKERS_MAX];
	int n;
	lw_rng rng;
	lw_rung_ref *ran;       /* every rung handed out, to catch repeats */
	size_t n_ran, cap_ran;
} flight;

static size_t busy_list(const flight *f, lw_rung_ref *out)
{
	size_t n = 0;
	for (int w = 0; w < f->n; w++)
		if (f->rung[w].id >= 0)
			out[n++] = f->rung[w];
	return n;
}

static int idle_worker(const flight *f)
{
	for (int w = 0; w < f->n; w++)
		if (f->rung[w].id < 0)
			return w;
	return -1;
}

/* Record a handed-out rung; it must never have been handed out before. */
static void note_ran(flight *f, int64_t id, int rung)
{
	for (size_t i = 0; i < f->n_ran; i++)
		assert_false(f->ran[i].id == id && f->ran[i].rung == rung);
	if (f->n_ran == f->cap_ran) {
		f->cap_ran = f->cap_ran ? 2 * f->cap_ran : 64;
		f->ran = realloc(f->ran, f->cap_ran * sizeof *f->ran);
		assert_non_null(f->ran);
	}
	f->ran[f->n_ran++] = (lw_rung_ref){ id, rung };
}

/* One worker, chosen at random, finishes its rung. */
static void finish_one(flight *f, lw_trials *l, sim *s)
{
	int w;
	do
		w = (int)lw_rng_below(&f->rng, (uint64_t)f->n);
	while (f->rung[w].id < 0);
	lw_trial *r = lw_trials_find(l, f->rung[w].id, f->rung[w].rung);
	assert_non_null(r);
	lw_trial done = *r;
	s->trained += f->steps[w] - r->steps;
	done.steps = f->steps[w];
	done.val_loss = loss_of(s, done.id, done.steps);
	done.status = isnan(done.val_loss) ? LW_TRIAL_FAILED : LW_TRIAL_DONE;
	done.worker = w;
	lw_err err = {0};
	assert_int_equal(lw_trials_update(l, &done, &err), LW_OK);
	f->rung[w].id = -1;
}

/* Hand out jobs until no worker is idle, or the plan waits or is done;
 * 0 when it is done. */
static int fill(const lw_schedule *sch, lw_trials *l, flight *f, sim *s)
{
	lw_err err = {0};
	lw_rung_ref busy[WORKERS_MAX];
	int w;
	while ((w = idle_worker(f)) >= 0) {
		size_t n_busy = busy_list(f, busy);
		lw_job job;
		assert_int_equal(lw_schedule_next_busy(sch, l, busy, n_busy, &job, &err), LW_OK);
		s->jobs++;
		if (job.kind == LW_JOB_DONE) {
			assert_int_equal(n_busy, 0);  /* DONE only when nothing flies */
			return 0;
		}
		if (job.kind == LW_JOB_WAIT) {
			assert_true(n_busy > 0);      /* WAIT only while something flies */
			return 1;
		}
		if (job.kind == LW_JOB_NEW) {
			assert_int_equal(lw_trials_add(l, "{}", NULL, job.bracket, NULL, NULL, &err),
					 LW_OK);
		} else if (job.kind == LW_JOB_PROMOTE) {
			/* Only a finished rung is promoted, never one in flight. */
			lw_trial *from = lw_trials_latest(l, job.id);
			assert_int_equal(from->rung, job.rung);
			assert_int_equal(from->status, LW_TRIAL_DONE);
			for (size_t i = 0; i < n_busy; i++)
				assert_false(busy[i].id == job.id);
			assert_int_equal(lw_trials_promote(l, job.id, NULL, &err), LW_OK);
		} else {
			lw_trial *r = lw_trials_find(l, job.id, job.rung);
			assert_non_null(r);
			assert_true(job.steps > r->steps);
			note_ran(f, job.id, job.rung);
			r->status = LW_TRIAL_RUNNING;
			f->rung[w] = (lw_rung_ref){ job.id, job.rung };
			f->steps[w] = job.steps;
		}
	}
	return 1;
}

static void run_async(const lw_schedule *sch, lw_trials *l, sim *s, int workers, uint64_t seed)
{
	flight f = { .n = workers, .rng = lw_rng_from(seed, 0, 0) };
	for (int w = 0; w < WORKERS_MAX; w++)
		f.rung[w].id = -1;
	int guard = 0;
	while (fill(sch, l, &f, s)) {
		finish_one(&f, l, s);
		assert_true(++guard < 100000);
	}
	/* Every row ran exactly once, and holds its result. */
	assert_int_equal(f.n_ran, l->n);
	assert_int_equal(lw_trials_count(l, LW_TRIAL_PENDING) + lw_trials_count(l, LW_TRIAL_RUNNING),
			 0);
	free(f.ran);
}

/* sh and hyperband with rungs in flight: the sequential search's rows. */
static void check_async_sync(lw_strategy strategy, int64_t n, int64_t lo, int64_t hi)
{
	lw_schedule sch;
	make(strategy, n, lo, hi, 3, &sch);
	lw_trials whole = {0};
	sim s = { .fail_every = 5 };
	run_all(&sch, &whole, &s);
	for (int workers = 2; workers <= 3; workers++)
		for (uint64_t seed = 1; seed <= 4; seed++) {
			lw_trials l = {0};
			sim a = { .fail_every = 5 };
			run_async(&sch, &l, &a, workers, seed);
			assert_rungs_as_planned(&sch, &l);
			assert_int_equal(l.n, whole.n);
			for (size_t i = 0; i < l.n; i++) {
				assert_int_equal(l.rows[i].id, whole.rows[i].id);
				assert_int_equal(l.rows[i].rung, whole.rows[i].rung);
				assert_int_equal(l.rows[i].status, whole.rows[i].status);
			}
			assert_int_equal(a.trained, s.trained);
			lw_trials_free(&l);
		}
	lw_trials_free(&whole);
}

static void test_async_sync_plans(void **state)
{
	(void)state;
	check_async_sync(LW_STRATEGY_HYPERBAND, 0, 1, 27);
	check_async_sync(LW_STRATEGY_SH, 9, 1, 9);
	check_async_sync(LW_STRATEGY_GRID, 5, 1, 9);
	check_async_sync(LW_STRATEGY_RANDOM, 2, 1, 9);
}

/* ASHA with rungs in flight: every configuration started, the top third
 * of every rung promoted in the end, nobody promoted past the top. */
static void test_async_asha(void **state)
{
	(void)state;
	lw_schedule sch;
	make(LW_STRATEGY_ASHA, 20, 1, 9, 3, &sch);
	for (int workers = 2; workers <= 3; workers++)
		for (uint64_t seed = 1; seed <= 4; seed++) {
			lw_trials l = {0};
			sim s = { .fail_every = 7 };
			run_async(&sch, &l, &s, workers, seed);
			assert_int_equal(rows_at(&l, sch.bracket[0].s, 0), 20);
			for (int k = 0; k < 2; k++)
				assert_top_promoted(&l, k, 3);
			assert_true(rows_at(&l, sch.bracket[0].s, 1) >= 20 / 3);
			assert_true(rows_at(&l, sch.bracket[0].s, 1) < 20);
			assert_int_equal(rows_at(&l, sch.bracket[0].s, 3), 0);
			lw_trials_free(&l);
		}
}

/* A row in flight is not handed out again, nor counted as a result; a
 * "running" row that is not in flight (a killed search, resumed) is. */
static void test_busy_rows(void **state)
{
	(void)state;
	lw_schedule sch;
	make(LW_STRATEGY_SH, 3, 1, 3, 3, &sch);  /* 3 at 1 step, 1 at 3 */
	lw_trials l = {0};
	lw_err err = {0};
	for (int i = 0; i < 3; i++)
		assert_int_equal(lw_trials_add(&l, "{}", NULL, sch.bracket[0].s, NULL, NULL, &err),
				 LW_OK);
	l.rows[0].status = LW_TRIAL_RUNNING;
	lw_rung_ref busy[3] = { { 0, 0 }, { 1, 0 }, { 2, 0 } };
	lw_job job;
	/* Row 0 running and not busy: a resumed search reruns it. */
	assert_int_equal(lw_schedule_next_busy(&sch, &l, busy + 1, 2, &job, &err), LW_OK);
	assert_int_equal(job.kind, LW_JOB_RUN);
	assert_int_equal(job.id, 0);
	/* All three in flight: wait. */
	assert_int_equal(lw_schedule_next_busy(&sch, &l, busy, 3, &job, &err), LW_OK);
	assert_int_equal(job.kind, LW_JOB_WAIT);
	/* Two finished, one in flight: the rung is not complete; no promotion. */
	for (int i = 0; i < 2; i++) {
		l.rows[i].status = LW_TRIAL_DONE;
		l.rows[i].val_loss = 1.0 + i;
		l.rows[i].steps = 1;
	}
	assert_int_equal(lw_schedule_next_busy(&sch, &l, busy + 2, 1, &job, &err), LW_OK);
	assert_int_equal(job.kind, LW_JOB_WAIT);
	/* A finished row still named busy is not a result either. */
	l.rows[2].status = LW_TRIAL_DONE;
	l.rows[2].val_loss = 0.5;
	l.rows[2].steps = 1;
	assert_int_equal(lw_schedule_next_busy(&sch, &l, busy + 2, 1, &job, &err), LW_OK);
	assert_int_equal(job.kind, LW_JOB_WAIT);
	assert_int_equal(lw_schedule_next_busy(&sch, &l, NULL, 0, &job, &err), LW_OK);
	assert_int_equal(job.kind, LW_JOB_PROMOTE);
	assert_int_equal(job.id, 2);
	/* A busy row the ledger lacks is the caller's mistake. */
	lw_rung_ref stray = { 9, 0 };
	assert_int_equal(lw_schedule_next_busy(&sch, &l, &stray, 1, &job, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "trial 9"));
	lw_trials_free(&l);
}

/* ASHA waits at the end only for what is in flight; then it is done. */
static void test_asha_waits_then_done(void **state)
{
	(void)state;
	lw_schedule sch;
	make(LW_STRATEGY_ASHA, 2, 1, 9, 3, &sch);
	lw_trials l = {0};
	lw_err err = {0};
	for (int i = 0; i < 2; i++)
		assert_int_equal(lw_trials_add(&l, "{}", NULL, sch.bracket[0].s, NULL, NULL, &err),
				 LW_OK);
	l.rows[0].status = LW_TRIAL_DONE;
	l.rows[0].val_loss = 1;
	l.rows[0].steps = 1;
	lw_rung_ref busy = { 1, 0 };
	lw_job job;
	assert_int_equal(lw_schedule_next_busy(&sch, &l, &busy, 1, &job, &err), LW_OK);
	assert_int_equal(job.kind, LW_JOB_WAIT);
	l.rows[1].status = LW_TRIAL_DONE;
	l.rows[1].val_loss = 2;
	l.rows[1].steps = 1;
	assert_int_equal(lw_schedule_next_busy(&sch, &l, NULL, 0, &job, &err), LW_OK);
	assert_int_equal(job.kind, LW_JOB_DONE);  /* 2 results: quota 0, nobody promoted */
	lw_trials_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_plans),
		cmocka_unit_test(test_hyperband_table1),
		cmocka_unit_test(test_sh_promotes_the_best),
		cmocka_unit_test(test_grid_and_random),
		cmocka_unit_test(test_failed_not_promoted),
		cmocka_unit_test(test_asha),
		cmocka_unit_test(test_resume_any_cut),
		cmocka_unit_test(test_unfinished_rows_first),
		cmocka_unit_test(test_foreign_ledger),
		cmocka_unit_test(test_async_sync_plans),
		cmocka_unit_test(test_async_asha),
		cmocka_unit_test(test_busy_rows),
		cmocka_unit_test(test_asha_waits_then_done),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
