/*
 * search_loop.h — the loop of `lowwatt search`: ask the plan for the next
 * job (lowwatt/schedule.h), carry it out, write trials.csv, until the plan
 * is done, the budget would be passed, or a signal asks to stop.
 *
 * The budget: before a rung starts, its energy is estimated (search_cost.h)
 * and the search stops there, the rung marked "stopped", when it would not
 * fit what is left; the rung itself runs under the trainer's budget (what
 * is left plus what the trial has spent), so a wrong estimate still cannot
 * carry the search past the budget: at worst the trainer stops the rung
 * early, cleanly.
 */
#ifndef LW_CLI_SEARCH_LOOP_H
#define LW_CLI_SEARCH_LOOP_H

#include <stdio.h>

#include "cli/search_configs.h"
#include "cli/search_trial.h"
#include "lowwatt/schedule.h"
#include "lowwatt/trials.h"

struct lw_dist;

typedef struct search_state {
	const char *cmd;
	lw_schedule plan;
	search_configs configs;
	lw_trials ledger;
	char *ledger_path;        /* DIR/trials.csv */
	search_trial_env env;
	double budget_j;          /* joules at the meter for all trials; 0: none */
	double base_j;            /* distributed: the trials' energy before this
				     session (search_dist.h) */
	FILE *log;                /* progress lines */
	const char *status;       /* after the loop: finished|budget|signal */
	const struct lw_dist *dist;   /* the job's ranks (search_dist.h) */
} search_state;

/* Run the search to its end. Returns 0 (s->status says why it ended), or
 * 1 having printed one line (a file that cannot be written, a ledger that
 * does not fit the plan). */
int search_loop(search_state *s);

/* The steps of a job, shared with the distributed loop (search_dist.h).
 * Each changes the ledger and rewrites trials.csv. */
lw_status search_save(search_state *s, lw_err *err);
lw_status search_add_trial(search_state *s, int bracket, lw_err *err);
lw_status search_promote(search_state *s, const lw_job *job, lw_err *err);

/* The progress line of a finished rung; rank >= 0 names the rank that
 * trained it (a distributed search). */
void search_print_rung(const search_state *s, const lw_trial *r, int rank, search_rung_end end,
		       const lw_err *why);

#endif
