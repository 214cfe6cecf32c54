/*
 * emissions.h — rows of CodeCarbon's emissions.csv, so that tooling built
 * for CodeCarbon reads lowwatt's measurements.
 *
 * The 38 columns of CodeCarbon 3.x, in its order and units: durations in
 * s, emissions in kg CO2e (rate in kg/s), power in W, energy in kWh with
 * PUE included. What lowwatt does not know is left empty. A row is appended
 * by rewriting the file atomically (the old rows are copied, never left
 * half-written); a new file gets the header; an existing file whose header
 * is not this one is refused, not mixed.
 */
#ifndef LOWWATT_EMISSIONS_H
#define LOWWATT_EMISSIONS_H

#include <stddef.h>

#include "lowwatt/status.h"

#define LW_EMISSIONS_COLUMNS 38

/* The header line, without newline. */
const char *lw_emissions_header(void);

/* One row. Strings may be NULL (empty cell); numbers that are NaN are
 * written as empty cells. */
typedef struct lw_emissions_row {
	const char *timestamp;        /* ISO 8601, local time: 2026-11-24T08:15:02 */
	const char *project_name;
	const char *run_id;
	const char *experiment_id;
	double duration_s;
	double emissions_kg;
	double emissions_rate_kg_s;
	double cpu_power_w, gpu_power_w, ram_power_w;       /* average */
	double cpu_energy_kwh, gpu_energy_kwh, ram_energy_kwh;  /* with PUE */
	double energy_consumed_kwh;                          /* with PUE */
	const char *country_name;
	const char *country_iso_code; /* alpha-3, as CodeCarbon writes it */
	const char *os;
	int cpu_count;
	const char *cpu_model;
	int gpu_count;
	const char *gpu_model;
	double ram_total_gb;
	const char *tracking_mode;    /* "machine" or "process" */
	double cpu_utilization_percent;
	double ram_utilization_percent;
	double ram_used_gb;
	double pue;
} lw_emissions_row;

/* A row with every number NaN, every string NULL and counts -1 (empty). */
void lw_emissions_row_init(lw_emissions_row *row);

/* The row as one CSV line (RFC 4180 quoting), without newline, in buf. */
lw_status lw_emissions_format(const lw_emissions_row *row, char *buf, size_t size, lw_err *err);

/* Whether path can take rows: it does not exist, is empty, or starts with
 * the header (so that a command can refuse a wrong file before its work). */
lw_status lw_emissions_check(const char *path, lw_err *err);

/* Append row to path (see the header comment). */
lw_status lw_emissions_append(const char *path, const lw_emissions_row *row, lw_err *err);

#endif
