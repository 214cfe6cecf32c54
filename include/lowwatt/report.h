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

#endif
