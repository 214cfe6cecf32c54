/*
 * train_energy.h — the meter around `lowwatt train` and `lowwatt eval`:
 * the carbon settings resolved, the meter opened and started (its notices
 * printed), and what a run's energy becomes: summary.json's energy keys,
 * the closing lines, and the emissions.csv row of each invocation.
 */
#ifndef LW_CLI_TRAIN_ENERGY_H
#define LW_CLI_TRAIN_ENERGY_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "cli/measurement.h"
#include "lowwatt/run_energy.h"

typedef struct train_energy {
	lw_meter *meter;
	measurement m;     /* this invocation: command, intensity, PUE, machine,
			      and after train_energy_stop its reading */
} train_energy;

/* Open the meter (rapl: "packages" or "psys"), print its notices to notes
 * (NULL: not at all) and start it; intensity and pue are the resolved carbon flags
 * (carbon_flags_resolve), command the invocation's words (for
 * emissions.csv). Returns 0, or 1 having printed one line. */
int train_energy_start(const char *cmd, const lw_intensity *intensity, double pue,
		       const char *rapl, char *const command[], FILE *notes, train_energy *te);

/* Stop the meter; te->m.reading holds this invocation's figures. */
lw_status train_energy_stop(train_energy *te, lw_err *err);

void train_energy_free(train_energy *te);

/* This invocation's energy (after train_energy_stop), as a run's. */
lw_run_energy train_energy_invocation(const train_energy *te);

/* Grams of CO2e per joule at the meter: PUE x intensity. */
double train_energy_g_per_j(const train_energy *te);

/* The energy keys of a summary (issue 5's list: energy_j, method, sources,
 * avg_power_w, facility_energy_kwh, co2e_g, j_per_token, pue, region,
 * intensity_g_per_kwh, intensity_source, equivalents) for a run's energy
 * e over `tokens` tokens (0: no j_per_token). */
void train_energy_json(json_t *o, const train_energy *te, const lw_run_energy *e,
		       uint64_t tokens);

/* " (estimated)", " (dram estimated)" or "" (all measured): the label a
 * figure made of e's domains carries. */
const char *train_energy_label(const lw_run_energy *e, char *buf, size_t size);

/* The closing lines of a run: energy per domain with methods, facility
 * energy, CO2e and its intensity, J per token. */
void train_energy_print(FILE *out, const train_energy *te, const lw_run_energy *e,
			uint64_t tokens);

/* Append this invocation's CodeCarbon row to path (emissions.h). */
lw_status train_energy_append_csv(train_energy *te, const char *path, lw_err *err);

#endif
