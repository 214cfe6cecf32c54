/*
 * ledger.h — a run's energy as the training loop keeps it (internal to
 * src/train): the earlier invocations' figures from the checkpoint plus the
 * meter's since this invocation started, and what one training step and
 * one evaluation cost, for predictions and budgets.
 *
 * The first step of an invocation also pays for setting up (the model,
 * the first touch of its memory): it is kept out of the per-step cost
 * once a second step has been measured.
 */
#ifndef LW_TRAIN_LEDGER_H
#define LW_TRAIN_LEDGER_H

#include "lowwatt/trainer.h"

typedef struct lw_ledger {
	lw_train_energy opt;
	const lw_dist *dist;        /* several ranks: the meter's readings are
				       the host leaders' summed (every rank
				       samples at the same points) */
	lw_run_energy prior;        /* earlier invocations (the checkpoint's) */
	lw_run_energy now;          /* prior + this invocation, last sample */
	double t_start;             /* lw_now_s() at open */
	double base_j[LW_DOMAIN_COUNT];  /* the meter's reading when this
					    invocation started (a meter may run
					    before it: a search's, over trials) */
	double base_s;
	double here_j;              /* this invocation's energy, last sample */
	double mark_j;              /* here_j after the last step or evaluation */
	long steps_here;            /* steps this invocation */
	double first_step_j;        /* the first one, set-up included */
	double steps_j;             /* the later ones */
	double evals_j;             /* evaluations */
	long evals;
	uint64_t eval_sequences;
	double saves_j;             /* checkpoints */
	long saves;
	double checkpoint_bytes;    /* the size of one, for its first estimate */
	lw_energy_prediction first; /* the run's first prediction */
} lw_ledger;

/* Start from prior (NULL: a new run) and the run's first prediction (NULL
 * or step 0: none yet); base is the meter's reading when the invocation
 * started (NULL: zero, a meter started with it): what it read before is
 * not this run's. */
void lw_ledger_open(lw_ledger *l, const lw_train_energy *opt, const lw_run_energy *prior,
		    const lw_energy_prediction *first, const lw_meter_reading *base);

/* Sample the meter into l->now (with a dist: a collective). */
lw_status lw_ledger_sample(lw_ledger *l, lw_err *err);

/* After a training step: sample and count the energy since the last mark
 * as the step's. */
lw_status lw_ledger_step(lw_ledger *l, lw_err *err);

/* After an evaluation of `sequences` rows: sample and count the energy
 * since the last mark as the evaluation's; *eval_j receives it. */
lw_status lw_ledger_eval(lw_ledger *l, uint64_t sequences, double *eval_j, lw_err *err);

/* After writing a checkpoint: sample and count the energy since the last
 * mark as the checkpoint's. */
lw_status lw_ledger_save(lw_ledger *l, lw_err *err);

/* Energy per training step, per evaluation and per checkpoint so far.
 * Before the first evaluation: a forward pass over eval_batches
 * micro-batches, taken as half the cost of as many training micro-batches.
 * Before the first checkpoint: the time to write checkpoint_bytes at
 * 500 MB/s plus 1 ms of syncing, at the invocation's mean power
 * (this machine: 3.3 MB in 5.5 ms, fsync included). */
double lw_ledger_step_j(const lw_ledger *l);
double lw_ledger_eval_j(const lw_ledger *l, const lw_train_config *cfg);
double lw_ledger_save_j(const lw_ledger *l);

/* The forecast's input at step `done` of cfg's plan. */
lw_forecast_input lw_ledger_forecast_input(const lw_ledger *l, const lw_train_config *cfg,
					   long done);

/* Predict the whole run's energy and CO2e after step `done`. */
lw_energy_prediction lw_ledger_predict(const lw_ledger *l, const lw_train_config *cfg,
				       long done);

/* The budget in joules at the meter that is left binding: the tighter of
 * the energy budget and the CO2e budget (converted at this invocation's
 * factor); INFINITY when there is none. */
double lw_ledger_budget_j(const lw_ledger *l);

/* With a budget: the step near which it stops the run at the current
 * rates (-1: no budget, or the plan fits). */
long lw_ledger_budget_step(const lw_ledger *l, const lw_train_config *cfg, long done);

/* With a budget: whether the evaluation due now (if one is), one more
 * step, and the final evaluation and checkpoint after it still fit, with a
 * margin of a quarter of each cost for the noise in what was measured. */
int lw_ledger_next_step_fits(const lw_ledger *l, const lw_train_config *cfg, long done);

#endif
