/*
 * tdp.h — thermal design power by CPU model, from the project's data file
 * src/energy/data/cpu-tdp.csv (built into the program; sources cited in it).
 *
 * A model name as /proc/cpuinfo gives it ("Intel(R) Xeon(R) Gold 6248 CPU @
 * 2.50GHz") is normalised (lower case; "(R)", "(TM)", "CPU", "Processor",
 * "N-Core" and everything from "@" dropped) into words; a table entry
 * matches when its words, which must include one with a digit (a model
 * number, not just a brand), appear consecutively and whole in the model's.
 * The longest matching entry wins, so "i7-12700H" never matches "i7-12700"
 * and a bare brand ("AMD EPYC", as virtual machines often report) matches
 * nothing: the caller then uses its documented per-core default.
 */
#ifndef LW_ENERGY_TDP_H
#define LW_ENERGY_TDP_H

#include <stddef.h>

#include "lowwatt/status.h"

/* Look model_name up in the built-in table: 1 and *watts, matched (the
 * table's spelling) when found, 0 when unknown. */
int lw_tdp_lookup(const char *model_name, double *watts, char *matched, size_t size);

/* The same in a table given as CSV text ("Name,TDP" header, '#' comments,
 * RFC 4180 quotes). A malformed table is an LW_ERR_FORMAT naming the line;
 * *found is set to 0 or 1. */
lw_status lw_tdp_lookup_in(const char *csv, const char *model_name, int *found,
			   double *watts, char *matched, size_t size, lw_err *err);

#endif
