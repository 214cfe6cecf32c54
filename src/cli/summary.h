/*
 * summary.h — summary.json of a training run, and the JSON pieces that it
 * shares with every command's --json (numbers, the grid, equivalents).
 */
#ifndef LW_CLI_SUMMARY_H
#define LW_CLI_SUMMARY_H

#include <jansson.h>

#include "cli/train_energy.h"
#include "lowwatt/carbon.h"
#include "lowwatt/trainer.h"

/* What a metered run adds to its summary. */
typedef struct summary_energy {
	const train_energy *te;
	const lw_energy_prediction *predictions;  /* this invocation's */
	int n_predictions;
	double budget_kwh, budget_co2e_g;         /* 0: none */
} summary_energy;

/* x as a JSON number, or null when it is not finite (JSON has no NaN). */
json_t *summary_number(double x);

/* Add the grid's keys to o, in this order: region (null for an intensity
 * given outright), intensity_g_per_kwh, intensity_source. */
void summary_add_intensity(json_t *o, const lw_intensity *it);

/* The equivalents of co2e_lbs pounds of CO2e: an object of each
 * equivalence's key and count. */
json_t *summary_equivalents(double co2e_lbs);

/* The summary of a finished run as a JSON object (caller: json_decref). */
json_t *summary_build(const lw_train_config *cfg, const lw_train_result *r, const char *run_dir);

/* Add the energy keys (train_energy_json's, and stopped_by, run_seconds,
 * predicted_energy_j, predicted_at_step, predicted_co2e_g, predictions,
 * prediction_error, budget, infer_j_per_1000_seq, infer_method). */
void summary_add_energy(json_t *o, const summary_energy *se, const lw_train_result *r);

/* Write it to path, atomically. */
lw_status summary_write(const char *path, const json_t *summary, lw_err *err);

#endif
