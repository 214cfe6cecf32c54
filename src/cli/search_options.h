/*
 * search_options.h — the flags of `lowwatt search`, and DIR/search.json,
 * which keeps what a search was started with so that --resume goes on with
 * the same plan: the space (its JSON, not just its path), the strategy, the
 * number of configurations, the rungs' steps, eta, the seed and the carbon
 * settings. On --resume a flag may repeat its saved value; another value is
 * refused, except the budgets, which a resumed search may raise (or lower).
 */
#ifndef LW_CLI_SEARCH_OPTIONS_H
#define LW_CLI_SEARCH_OPTIONS_H

#include <jansson.h>

#include "cli/carbon_flags.h"
#include "lowwatt/status.h"

/* A flag not given: NULL, or NOT_GIVEN for numbers. */
#define SEARCH_NOT_GIVEN (-1L)

typedef struct search_options {
	const char *space;        /* the space file as named */
	const char *strategy;     /* grid|random|sh|hyperband|asha */
	long trials;              /* configurations; 0 after resolving: the
				     strategy's default (hyperband: all) */
	long min_steps, max_steps, eta, seed;
	double budget_kwh;        /* facility energy; 0: none */
	double budget_co2e_g;     /* 0: none */
	carbon_flags carbon;
	const char *rapl;         /* packages|psys */
	const char *out;          /* the search directory */
	int resume, json;
	json_t *space_root;       /* the space (owned) */
	json_t *saved;            /* search.json read back (owns strings above) */
	char *out_default;        /* searches/TIME when --out is not given */
} search_options;

/* Parse the words after `lowwatt search`; with --resume, read
 * OUT/search.json and take from it what was not given. Returns 0; -1 after
 * --help; CLI_USAGE or 1 having printed one line. On success the caller
 * frees o (search_options_free); the numbers without a value are then
 * resolved by search_options_resolve. */
int search_options_parse(const char *cmd, int argc, char **argv, search_options *o);

/* Defaults that need the space: --max-steps (1800), --min-steps
 * (max_steps / 81, at least 1), --eta (3), --seed (1). Trials stay 0 when
 * not given (the plan decides). */
void search_options_resolve(search_options *o);

/* Write o (resolved; trials as the plan has it) to path, atomically. */
lw_status search_options_write(const char *path, const search_options *o, lw_err *err);

void search_options_free(search_options *o);

#endif
