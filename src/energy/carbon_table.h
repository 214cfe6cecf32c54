/*
 * carbon_table.h — the intensity table behind lw_intensity_for_region,
 * given as text, so that tests can feed it tables of their own (the
 * built-in one is lw_data_carbon_intensity_csv, data.h).
 *
 * The table: '#' comments, the header alpha2,alpha3,country,g_co2e_per_kwh,
 * year, then one row per country (alpha2 two capital letters, alpha3 three,
 * a name, a finite intensity >= 0, a year 1900..2100) and one row "world"
 * (alpha3 empty): the world average. Every lookup checks the whole table.
 */
#ifndef LW_ENERGY_CARBON_TABLE_H
#define LW_ENERGY_CARBON_TABLE_H

#include "lowwatt/carbon.h"

/* Look code (alpha-2, alpha-3 or "world", any case) up in the table csv:
 * *found is 1 and *out filled, or 0. A malformed table, or one without a
 * world row, is an LW_ERR_FORMAT naming the line. */
lw_status lw_carbon_table_lookup(const char *csv, const char *code, int *found,
				 lw_intensity *out, lw_err *err);

#endif
