/*
 * search_cost.h — what a search's trials cost, and what they would cost:
 * the energy of the rung about to run (so that the search stops before a
 * budget would be passed rather than cutting a rung short), and the energy
 * of training every configuration to max_steps (what an exhaustive search
 * would have spent).
 *
 * The model: a training step costs energy in proportion to its arithmetic,
 * about tokens x (6 x parameters + 12 x layers x seq x d_model) (the
 * forward and backward passes' matrix products and attention), with one
 * constant, joules per unit of it, fitted to every trial so far (sum of
 * energy over sum of work). A trial that has already trained uses its own
 * joules per step instead. Both include the evaluations and checkpoints
 * the trials made, so the estimates carry them too. Labelled estimates.
 */
#ifndef LW_CLI_SEARCH_COST_H
#define LW_CLI_SEARCH_COST_H

#include "cli/search_configs.h"
#include "cli/search_trial.h"
#include "lowwatt/trials.h"

/* The arithmetic of one training step of cfg (floating-point operations,
 * approximately). */
double search_step_work(const lw_train_config *cfg);

/* Joules per unit of work over the ledger's trials (each trial's latest
 * row with steps and energy); 0 when none has trained yet. */
double search_joules_per_work(const search_trial_env *env, const lw_trials *l);

/* The energy to take trial row from row->steps to `steps` steps: its own
 * joules per step when it has trained, else the model's; 0 when neither is
 * known yet. */
double search_rung_estimate_j(const search_trial_env *env, const lw_trial *row, int64_t steps,
			      double j_per_work);

/* What an exhaustive search would have spent. */
typedef struct search_exhaustive {
	uint64_t configurations;
	int basis_grid;         /* 1: every point of the grid; 0: those tried */
	double energy_j;        /* 0: nothing to estimate from */
} search_exhaustive;

/* Every configuration of the grid (or, with a range in the space, every
 * configuration tried) trained to max_steps: measured joules per step of
 * the trials that ran it, the model for the rest. Grids of more than
 * 100,000 points are estimated from a seeded sample of their points. */
void search_exhaustive_estimate(const search_trial_env *env, search_configs *c,
				const lw_trials *l, search_exhaustive *out);

#endif
