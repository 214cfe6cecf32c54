/*
 * report.h — the report of one or several training runs: one self-contained
 * HTML file (inline CSS and SVG, no script, no URL of any kind: it opens
 * offline and prints) with the run's charts and its summary.
 *
 * One run: loss against training tokens, loss against energy (Wh), power
 * over time per energy domain, and a table of the summary: training
 * figures, energy per domain with its method (measured, estimated, none),
 * total, average power, facility energy with PUE, grid intensity, CO2e and
 * its equivalences, energy per token and per 1,000 inference sequences,
 * the first prediction of the run's energy and its error, the budget and
 * what stopped the run. A run that was not metered says "not metered"
 * instead of drawing energy charts.
 *
 * Several runs: a table row per run and their validation loss overlaid,
 * against energy and against tokens, so that two ways of training are
 * compared by what they cost.
 *
 * A search (lowwatt search): what it found and what it cost, below.
 */
#ifndef LOWWATT_REPORT_H
#define LOWWATT_REPORT_H

#include "lowwatt/status.h"

/* Read the run directories run_dirs[0..n_runs) (each holds metrics.csv and,
 * once finished, summary.json) and write the report to out_path,
 * atomically: on failure nothing is written and err says which file and
 * line was wrong. */
lw_status lw_report_write(const char *out_path, const char *const *run_dirs, int n_runs,
			  lw_err *err);

/* The report of a search directory (lowwatt search --out DIR):
 * DIR/trials.csv and DIR/summary.json -> out_path (atomically).
 *
 * The page: the search's settings and how it ended, its energy against
 * training every configuration to max_steps, validation loss against
 * energy (a series per rung, and the Pareto front) and against training
 * steps (each trial's learning curve), what the search cost (energy with
 * its method, carbon, budget), the best configuration, the Pareto front
 * and every trial. Both files are required; a missing or malformed one is
 * an error naming it. A figure missing from summary.json is shown as a
 * dash (see src/report/search_internal.h for what must be there). */
lw_status lw_report_search_write(const char *search_dir, const char *out_path, lw_err *err);

#endif
