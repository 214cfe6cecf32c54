/*
 * search_configs.h — the configuration of each trial of a search, a pure
 * function of (space, strategy, seed, trial id), so that a resumed search
 * regenerates exactly the configurations its ledger holds:
 *
 *   grid                  grid point `id`, in the grid's order
 *   other strategies,     a seeded shuffle of the grid: every point once
 *   a space of lists      before any repeats (a new shuffle per pass)
 *   a space with ranges   lw_space_sample from a generator seeded by
 *                         (seed, id)
 *
 * A configuration is compact JSON text (the ledger's config column); a
 * label names its dimensions ("d_model=128 lr=0.001").
 */
#ifndef LW_CLI_SEARCH_CONFIGS_H
#define LW_CLI_SEARCH_CONFIGS_H

#include <stdint.h>

#include "lowwatt/schedule.h"
#include "lowwatt/space.h"

typedef struct search_configs {
	const lw_space *space;
	lw_strategy strategy;
	uint64_t seed;
	uint64_t grid_n;        /* points of the grid; 0: the space has a range */
	uint64_t *perm;         /* the shuffle of the current pass */
	uint64_t perm_pass;     /* which pass perm holds (+1; 0: none yet) */
} search_configs;

/* Set up c (search_configs_free frees it). */
void search_configs_init(search_configs *c, const lw_space *space, lw_strategy strategy,
			 uint64_t seed);
void search_configs_free(search_configs *c);

/* Trial id's configuration as compact JSON text (caller frees) and, if
 * label is not NULL, its label (caller frees). */
lw_status search_configs_get(search_configs *c, int64_t id, char **config, char **label,
			     lw_err *err);

/* A configuration as the ledger holds it: compact JSON text, keys in
 * order (caller frees). */
char *search_configs_text(const json_t *config);

/* The label of a configuration text (caller frees). */
char *search_configs_label(const search_configs *c, const char *config);

#endif
