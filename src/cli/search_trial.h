/*
 * search_trial.h — one rung of one trial of `lowwatt search`: its settings
 * made from its configuration, its run directory, and the training run
 * itself (lw_train, in process), stopped at the rung's steps.
 *
 * Every trial is planned for the search's max_steps, so that its learning
 * rate schedule is that of a fully trained configuration; a rung stops it
 * early through the trainer's observer (the trainer then evaluates and
 * checkpoints), and the next rung continues from that checkpoint with the
 * same settings. The trial's energy comes from the search's meter through
 * the trainer, which also keeps the search's budget within the rung.
 */
#ifndef LW_CLI_SEARCH_TRIAL_H
#define LW_CLI_SEARCH_TRIAL_H

#include <signal.h>
#include <stdio.h>

#include "cli/run_data.h"
#include "cli/search_space.h"
#include "cli/train_settings.h"
#include "lowwatt/trials.h"

/* What every trial of a search shares. */
typedef struct search_trial_env {
	const run_data *rd;
	int vocab;
	long max_steps;
	const char *dir;              /* the search directory */
	lw_meter *meter;              /* NULL: not metered */
	double co2e_g_per_j;
	volatile sig_atomic_t *stop;  /* set by a signal: stop the rung */
	/* A distributed search (search_dist.h): the ranks that share this
	 * machine, and so what its meter reads (0 or 1: alone). A trial's
	 * energy is the trainer's count divided evenly among them. */
	int share;
	/* Called after every training step (NULL: none): rank 0 serves the
	 * other ranks from it, a worker listens for rank 0's stop. Non-zero
	 * stops the rung as a signal does (its checkpoint kept). */
	int (*tick)(void *ctx);
	void *tick_ctx;
} search_trial_env;

/* Open the data that a space's base names (or the default corpus): what
 * every trial trains on. A space that varies it is refused first (path
 * names the space in messages). Returns 0, or 1 having printed one line. */
int search_trial_open_data(const char *cmd, const json_t *space, const char *path,
			   run_data *rd);

/* The training settings of a configuration (its JSON text) over lowwatt
 * train's defaults, with steps = max_steps and the model's vocab; refused
 * as lowwatt train refuses them. */
lw_status search_trial_settings(const search_trial_env *env, const char *config,
				lw_train_config *cfg, lw_err *err);

/* How a rung ended. */
typedef enum search_rung_end {
	SEARCH_RUNG_DONE,     /* trained to its steps */
	SEARCH_RUNG_FAILED,   /* the settings were refused or the loss diverged */
	SEARCH_RUNG_BUDGET,   /* the budget stopped it before its steps */
	SEARCH_RUNG_SIGNAL,   /* a signal stopped it (its checkpoint is kept) */
} search_rung_end;

/* Train trial row (its latest row, the rung to run) to `steps` steps in
 * all, within budget_j joules at the meter for the whole trial (0: no
 * budget). *out receives the row's new values (config, label and run_dir
 * borrowed from row). *why receives the reason of a failure. An error
 * that is not the trial's (a file that cannot be written) is returned. */
lw_status search_trial_run(const search_trial_env *env, const lw_trial *row, int64_t steps,
			   double budget_j, lw_trial *out, search_rung_end *end, lw_err *why,
			   lw_err *err);

#endif
