/*
 * search_result.h — what a search found and what it cost, from its ledger:
 * the best configuration, the Pareto front of validation loss against
 * energy, the search's energy and its method, and summary.json (the keys
 * are listed in README's search section; a distributed search adds "ranks"
 * and "hosts", hosts.h).
 *
 *   best   the lowest finite validation loss among the rows trained to
 *          max_steps; when no trial got there, the lowest of any finished
 *          row (a budget may end a search early)
 *   front  the finished rows (a trial at a rung it finished, done or
 *          promoted, with a finite loss: what training that configuration
 *          so far cost and gave) that no other row beats on both energy
 *          and loss, cheapest first; a trial may stand on it at several
 *          rungs
 */
#ifndef LW_CLI_SEARCH_RESULT_H
#define LW_CLI_SEARCH_RESULT_H

#include <jansson.h>

#include "cli/search_cost.h"
#include "cli/hosts.h"
#include "cli/search_options.h"
#include "lowwatt/carbon.h"
#include "lowwatt/trials.h"

/* The best row, or NULL when no row has a finite loss. */
const lw_trial *search_best(const lw_trials *l, int64_t max_steps);

/* The front into out (room for l->n rows); its length. */
size_t search_front(const lw_trials *l, const lw_trial **out);

/* The energy of the search (the trials') and how it was found:
 * "measured", "estimated", "mixed" or "none". */
const char *search_method(const lw_trials *l);

/* Why a search ended: "finished", "budget", "signal". */
typedef struct search_totals {
	const char *status;
	double pue;
	double co2e_g_per_j;          /* PUE x intensity */
	const lw_intensity *intensity;
	search_exhaustive exhaustive;
	int64_t configurations;       /* trials started */
	/* A distributed search (search_dist.h): its machines' energy this
	 * session, each counted once, and its trials' energy before it (a
	 * resumed search). The search's energy is then base_j + the hosts'
	 * total, not the sum of its trials' rows (which share each machine's
	 * energy evenly among its ranks). NULL: one process; the search's
	 * energy is its trials'. */
	const job_hosts *hosts;
	double base_j;
} search_totals;

/* summary.json's object (caller: json_decref). */
json_t *search_summary_build(const search_options *o, const lw_trials *l,
			     const search_totals *t);

#endif
