/*
 * carbon.h — from energy to carbon: grid carbon intensity by country, PUE,
 * the footprint arithmetic of Strubell et al. (2019), their equivalences,
 * and the parsing of the units people write these figures in.
 *
 *   facility energy (kWh) = device energy (kWh) x PUE
 *   CO2e (g)              = facility energy (kWh) x intensity (gCO2e/kWh)
 *
 * Intensities come from the project's data file src/energy/data/
 * carbon-intensity.csv (annual averages by ISO 3166 country, sources cited
 * in the file), built into the program; without a region, the world average.
 */
#ifndef LOWWATT_CARBON_H
#define LOWWATT_CARBON_H

#include "lowwatt/status.h"

typedef struct lw_intensity {
	double g_per_kwh;    /* gCO2e per kWh */
	char region[8];      /* ISO 3166 alpha-2 ("FR"), "world", or "" (given) */
	char alpha3[4];      /* ISO 3166 alpha-3 ("FRA"), "" if none */
	char name[64];       /* "France", "world average", "given" */
	int year;            /* of the figure, 0 if unknown (given) */
	char source[160];    /* where the figure comes from, one line */
} lw_intensity;

/* The world average. */
void lw_intensity_world(lw_intensity *out);

/* The intensity of a country by ISO 3166 alpha-2 or alpha-3 code (any case),
 * or "world". An unknown code is an LW_ERR_ARG naming it. */
lw_status lw_intensity_for_region(const char *code, lw_intensity *out, lw_err *err);

/* A figure the user gave (--intensity): region "", name "given". */
void lw_intensity_given(double g_per_kwh, lw_intensity *out);

/*
 * Parsers for user-written quantities. A number with an optional unit,
 * spaces allowed between them, units case-insensitive; a bare number takes
 * the default unit. Negative, NaN, infinite, empty or trailing garbage is an
 * LW_ERR_ARG naming the text and the accepted units.
 */
/* "400", "400 g/kWh", "0.4kg/kWh", "0.9 lb/kWh" -> gCO2e per kWh (>= 0). */
lw_status lw_parse_intensity(const char *text, double *g_per_kwh, lw_err *err);
/* "300", "300W", "1.5 kW" -> watts (>= 0). */
lw_status lw_parse_power(const char *text, double *watts, lw_err *err);
/* "90s", "15 min", "2h", "1.5d"; a bare number is in default_unit
 * ("s" or "h") -> seconds (>= 0). */
lw_status lw_parse_duration(const char *text, const char *default_unit, double *seconds,
			    lw_err *err);
/* "1.8 MJ", "500 Wh", "0.5 kWh", "100 mJ"; a bare number is in
 * default_unit (one of the units: "J", "kWh", ...) -> joules (>= 0). */
lw_status lw_parse_energy(const char *text, const char *default_unit, double *joules,
			  lw_err *err);
/* "1.58" -> PUE, in [1, 10]. */
lw_status lw_parse_pue(const char *text, double *pue, lw_err *err);

/* The equivalences of Strubell, Ganesh and McCallum (2019), Table 1, in
 * pounds of CO2e. */
typedef enum lw_equivalence_kind {
	LW_EQ_FLIGHT_NY_SF,   /* one passenger, New York <-> San Francisco, air: 1,984 lbs */
	LW_EQ_HUMAN_YEAR,     /* one human life, one year: 11,023 lbs */
	LW_EQ_AMERICAN_YEAR,  /* one American life, one year: 36,156 lbs */
	LW_EQ_CAR_LIFETIME,   /* one car with fuel, over its lifetime: 126,000 lbs */
	LW_EQ_COUNT,
} lw_equivalence_kind;

typedef struct lw_equivalence {
	const char *key;     /* JSON key: "flights_ny_sf", "human_years", ... */
	const char *label;   /* "passenger round trips New York-San Francisco by air" */
	double lbs;          /* pounds of CO2e of one */
} lw_equivalence;

const lw_equivalence *lw_equivalence_get(lw_equivalence_kind k);

/* The equivalence whose size is nearest to lbs on a log scale (for very
 * small figures, the smallest: the flight). */
lw_equivalence_kind lw_equivalence_nearest(double lbs);

#define LW_LBS_PER_KG 2.20462262185

typedef struct lw_footprint {
	double energy_kwh;   /* facility energy, PUE included, all runs */
	double co2e_kg;
	double co2e_lbs;
	double equivalents[LW_EQ_COUNT];   /* co2e_lbs / each equivalence */
} lw_footprint;

/* The footprint of runs runs of device_kwh each, at pue and g_per_kwh. */
void lw_footprint_compute(double device_kwh, double pue, double g_per_kwh, double runs,
			  lw_footprint *out);

#endif
