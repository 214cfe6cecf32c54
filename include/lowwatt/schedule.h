/*
 * schedule.h — what `lowwatt search` does next, decided from the trial
 * ledger alone.
 *
 * Every strategy is a plan (its brackets, include/lowwatt/brackets.h) and a
 * pure function from the ledger (include/lowwatt/trials.h) to the next job:
 * run a rung, start a configuration, promote a trial, or stop. Nothing else
 * is remembered between jobs, so a search read back from its trials.csv after
 * a kill goes on exactly where it was: --resume needs no state of its own,
 * and a distributed search (rank 0 keeping the ledger) asks the same
 * function.
 *
 * The strategies as plans:
 *   grid, random   one bracket of one rung: n configurations to max_steps
 *                  (successive halving with s = 0)
 *   sh             one bracket of successive halving (lw_sh_make)
 *   hyperband      Hyperband's brackets, s = s_max first, each run to its
 *                  end before the next starts (lw_hyperband_make)
 *   asha           successive halving's rungs for s = s_max, promotion as
 *                  soon as a trial is in the top 1/eta of its rung
 *                  (lw_asha_next), up to n configurations
 *
 * A trial's row carries its bracket's s (trials.h's bracket column), which
 * names the bracket within a plan (the brackets of a plan have distinct s).
 *
 * The next job, in order:
 *   1. the first row (in ledger order) that is pending, running or stopped:
 *      run it (a running row was cut by a kill, a stopped one by a budget;
 *      the caller decides whether the budget lets it run now);
 *   2. synchronous plans: the first bracket not yet finished: promote the
 *      next trial that successive halving promotes from the lowest rung
 *      whose results are all in, else start a configuration in the bracket
 *      while its rung 0 has fewer than n_0; a bracket whose top rung is in
 *      is finished;
 *      asha: the trial lw_asha_next promotes, else a new configuration while
 *      fewer than n were started;
 *   3. nothing: the search is done.
 * A rung's results are its rows that are done, promoted or failed; a
 * failed trial (NaN loss) is never promoted, so a rung may promote fewer
 * trials than the bracket planned.
 *
 * Rungs in flight (a distributed search, `mpirun -np K lowwatt search`):
 * rank 0 hands out rungs to several ranks at once and names the rows being
 * trained right now (lw_schedule_next_busy). A busy row is neither run
 * again nor a result (its trial is not promoted, its rung not complete),
 * and a new job kind says that nothing can be handed out until one of them
 * finishes:
 *   WAIT   grid and random never wait while a configuration is left to
 *          start; sh and hyperband wait when the rung they stand at (or
 *          its bracket's top rung) still has results out; asha promotes
 *          from what is finished, else starts a configuration while fewer
 *          than n were started, else waits.
 * DONE comes only when nothing is in flight and nothing is left to do.
 * Being busy lives in the caller's memory, not in trials.csv: a row that a
 * resumed ledger shows "running" (the search was killed during it) is not
 * busy, and runs again from its checkpoint.
 */
#ifndef LOWWATT_SCHEDULE_H
#define LOWWATT_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "lowwatt/brackets.h"
#include "lowwatt/status.h"
#include "lowwatt/trials.h"

typedef enum lw_strategy {
	LW_STRATEGY_GRID,
	LW_STRATEGY_RANDOM,
	LW_STRATEGY_SH,
	LW_STRATEGY_HYPERBAND,
	LW_STRATEGY_ASHA,
} lw_strategy;

/* A strategy's plan. */
typedef struct lw_schedule {
	lw_strategy strategy;
	int64_t eta;
	int n_brackets;
	lw_bracket bracket[LW_RUNGS_MAX];
	int64_t asha_configs;   /* asha: configurations to start */
} lw_schedule;

typedef enum lw_job_kind {
	LW_JOB_DONE,            /* nothing left to do */
	LW_JOB_RUN,             /* train trial id to `steps` at rung `rung` */
	LW_JOB_NEW,             /* add a configuration (the next id) to bracket s */
	LW_JOB_PROMOTE,         /* lw_trials_promote(id) */
	LW_JOB_WAIT,            /* nothing until a rung in flight finishes */
} lw_job_kind;

typedef struct lw_job {
	lw_job_kind kind;
	int64_t id;             /* RUN, PROMOTE */
	int rung;               /* RUN: the row's rung; PROMOTE: the rung left */
	int bracket;            /* the bracket's s */
	int64_t steps;          /* RUN: the rung's steps (the trial's total) */
} lw_job;

/* "grid", ... and back (-1: unknown). */
const char *lw_strategy_name(lw_strategy s);
int lw_strategy_parse(const char *name);

/*
 * The plan of a strategy. n_configs is the number of configurations: for
 * grid and random the trials; for sh the bracket's n (>= 1); for asha the
 * configurations to start; for hyperband the cap on configurations: the
 * brackets run whole, s_max first, while their n_0 sum to at most n_configs
 * (0: all of them; fewer than the first bracket's n_0 is refused). Grid and
 * random train every trial to max_steps (min_steps and eta are not used).
 */
lw_status lw_schedule_make(lw_strategy strategy, int64_t n_configs, int64_t min_steps,
			   int64_t max_steps, int64_t eta, lw_schedule *out, lw_err *err);

/* The configurations the plan starts in all (for hyperband and sh: the
 * sum of n_0; asha: asha_configs). */
int64_t lw_schedule_configs(const lw_schedule *s);

/* The steps of rung `rung` of bracket s (0: no such rung). */
int64_t lw_schedule_rung_steps(const lw_schedule *sch, int bracket, int rung);

/* The next job from the ledger. LW_ERR_FORMAT when the ledger does not fit
 * the plan (a row in a bracket or rung the plan lacks, more trials in a rung
 * than it holds): a ledger of another search. */
lw_status lw_schedule_next(const lw_schedule *s, const lw_trials *l, lw_job *job, lw_err *err);

/* A row of the ledger: trial id at rung. */
typedef struct lw_rung_ref {
	int64_t id;
	int rung;
} lw_rung_ref;

/* The next job when the rows busy[0 .. n_busy) are being trained (see
 * "Rungs in flight" above); lw_schedule_next is this with none. Besides
 * lw_schedule_next's errors, LW_ERR_ARG: a busy row the ledger lacks. */
lw_status lw_schedule_next_busy(const lw_schedule *s, const lw_trials *l, const lw_rung_ref *busy,
				size_t n_busy, lw_job *job, lw_err *err);

#endif
