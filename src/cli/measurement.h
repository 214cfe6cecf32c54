/*
 * measurement.h — one measured command and the figures derived from it, in
 * the three forms `lowwatt measure` gives: a perf-stat-like text summary,
 * a JSON object, and a CodeCarbon emissions.csv row.
 */
#ifndef LW_CLI_MEASUREMENT_H
#define LW_CLI_MEASUREMENT_H

#include <stdio.h>

#include <jansson.h>

#include "lowwatt/carbon.h"
#include "lowwatt/emissions.h"
#include "lowwatt/machine.h"
#include "lowwatt/meter.h"

typedef struct measurement {
	char command[1024];        /* the command line, shell-quoted */
	int exit_code;             /* the command's, 128 + signal if killed */
	lw_meter_reading reading;
	lw_intensity intensity;
	double pue;
	double process_cpu_s;      /* CPU seconds of the command's process tree */
	lw_machine machine;
	char timestamp[32];        /* local start time, ISO 8601 */
	char run_id[40];           /* a random UUID */
} measurement;

/* Figures derived from a measurement. */
typedef struct measurement_totals {
	double total_j;            /* sum of the domains some source covers */
	double facility_kwh;       /* total x PUE */
	double co2e_g;
	double process_share;      /* of the machine's busy CPU time, 0..1 */
	double process_j;          /* process_share x (cpu + dram) */
	int any_estimated, any_measured;
} measurement_totals;

void measurement_totals_of(const measurement *m, measurement_totals *t);

/* Join argv into m->command, quoting words the shell would split. */
void measurement_set_command(measurement *m, char *const argv[]);

/* Set m->timestamp (now, local time) and m->run_id (random UUID v4). */
void measurement_stamp(measurement *m);

/* The summary, in the manner of perf stat. */
void measurement_print(FILE *out, const measurement *m);

/* The --json object (caller: json_decref). */
json_t *measurement_json(const measurement *m);

/* Text the emissions.csv row points to, besides m's own. */
typedef struct measurement_csv_text {
	char os[256];
	char gpu_model[512];
	char tracking_mode[96];   /* "machine", "machine (estimated: cpu, dram)" */
} measurement_csv_text;

/* The emissions.csv row; its strings point into m and text. Estimated
 * domains are named in tracking_mode: the only place CodeCarbon's columns
 * leave for saying how a figure was made. */
void measurement_csv_row(const measurement *m, measurement_csv_text *text, lw_emissions_row *row);

#endif
