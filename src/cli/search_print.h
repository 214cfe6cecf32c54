/*
 * search_print.h — the text lowwatt search prints: its plan before the
 * first trial, and at the end what it found and what it cost, read from the
 * summary (so that the text and summary.json never disagree).
 */
#ifndef LW_CLI_SEARCH_PRINT_H
#define LW_CLI_SEARCH_PRINT_H

#include <stdio.h>

#include <jansson.h>

#include "cli/search_options.h"
#include "lowwatt/schedule.h"
#include "lowwatt/trials.h"

/* "plan: hyperband, 4 brackets, 49 configurations, up to 1,581 steps ..." */
void search_print_plan(FILE *out, const search_options *o, const lw_schedule *plan);

/* The closing lines: status, best, Pareto front, energy and CO2e with the
 * nearest equivalence, the exhaustive estimate, where the files are. */
void search_print(FILE *out, const search_options *o, const lw_trials *l, const json_t *summary);

#endif
