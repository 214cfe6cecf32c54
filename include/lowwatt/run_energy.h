/*
 * run_energy.h — what a training run has cost so far, and what it will
 * cost: the run's energy at the meter over every invocation (a resumed run
 * carries its earlier invocations' figures in its checkpoint), and the
 * arithmetic that predicts the whole run's energy from its first steps and
 * decides whether one more step still fits a budget.
 *
 * The arithmetic is kept apart from the meter and the loop, as pure
 * functions, so that tests check it against hand-computed figures and the
 * search can reuse it for its trials.
 */
#ifndef LOWWATT_RUN_ENERGY_H
#define LOWWATT_RUN_ENERGY_H

#include "lowwatt/meter.h"

/* A run's energy so far, summed over its invocations. */
typedef struct lw_run_energy {
	int metered;                        /* 0: no meter ran (joules are 0) */
	double seconds;                     /* elapsed, every invocation */
	double joules[LW_DOMAIN_COUNT];     /* at the meter, per domain */
	lw_method method[LW_DOMAIN_COUNT];  /* an estimate anywhere makes the
					       domain's sum estimated */
	double total_j;                     /* sum of the covered domains */
	double co2e_g;                      /* each invocation's energy x its
					       PUE x its grid intensity */
} lw_run_energy;

/* One prediction of the whole run's energy. */
typedef struct lw_energy_prediction {
	long step;            /* made after this step (>= 1); 0: none made */
	double energy_j;      /* the run's total at the meter */
	double co2e_g;
} lw_energy_prediction;

/* The method of a domain summed over two invocations: estimated if either
 * part is, measured if either is and the other is measured or none. */
lw_method lw_method_combine(lw_method a, lw_method b);

/* The method of a run's total: "measured", "estimated", "mixed" (measured
 * domains and estimated ones) or "none" (not metered). */
const char *lw_run_energy_method(const lw_run_energy *e);

/* What a forecast starts from. */
typedef struct lw_forecast_input {
	long steps_done, steps_planned;
	long eval_every;      /* 0: one evaluation, at the end */
	long save_every;      /* 0: one checkpoint, at the end */
	double energy_j;      /* the run's energy so far */
	double step_j;        /* per training step (the rest excluded) */
	double eval_j;        /* per evaluation */
	double save_j;        /* per checkpoint */
} lw_forecast_input;

/* How many times something done every `every` steps and once more at the
 * end (an evaluation, a checkpoint) still happens after steps_done: once
 * at each multiple of every before the plan's last step, and once at the
 * end. 0 when the plan is done. */
long lw_forecast_due(long steps_done, long steps_planned, long every);

/* The whole run's energy if it runs to its plan: energy_j + step_j x steps
 * left + eval_j x evaluations left + save_j x checkpoints left. */
double lw_forecast_total_j(const lw_forecast_input *in);

/* How many more steps fit within budget_j, keeping back the cost of the
 * final evaluation and checkpoint, each step carrying its share of those
 * due on the way (0 when not even one does). */
long lw_forecast_steps_fitting(const lw_forecast_input *in, double budget_j);

#endif
