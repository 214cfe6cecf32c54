/*
 * carbon.c — grid carbon intensity by country, the equivalences of
 * Strubell, Ganesh and McCallum (2019) and the footprint arithmetic
 * (carbon.h). The figures live in src/energy/data/carbon-intensity.csv,
 * built into the program; this file reads them and says where they come
 * from. The parsing of user-written quantities is in units.c.
 */
#include "lowwatt/carbon.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "energy/carbon_table.h"
#include "energy/csv_table.h"
#include "energy/data.h"

/* The sources of the rows, as the data file's header comments give them. */
#define SOURCE_COUNTRY "Our World in Data (Ember, Energy Institute), %d"
#define SOURCE_WORLD "Ember, Global Electricity Review 2024: world power-sector average, %d"

/* ---------------------------------------------------------------- the table */

#define HEADER "alpha2,alpha3,country,g_co2e_per_kwh,year"

static int is_upper_code(const char *s, size_t n)
{
	if (strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return 0;
	return 1;
}

/* src into dst of size bytes, cut if longer (row_problem checked it is not). */
static void copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* What is wrong with a data row, or NULL; its year into *year. */
static const char *row_problem(const lw_csv_record *rec, double *g, double *year)
{
	if (rec->n != 5)
		return "expected 5 fields (alpha2,alpha3,country,g_co2e_per_kwh,year)";
	const char *alpha2 = rec->field[0], *alpha3 = rec->field[1], *country = rec->field[2];
	int world = strcmp(alpha2, "world") == 0;
	if (!world && !is_upper_code(alpha2, 2))
		return "alpha2 is not two capital letters (or 'world')";
	if (world ? alpha3[0] != 0 : !is_upper_code(alpha3, 3))
		return "alpha3 is not three capital letters (empty for world)";
	if (!country[0] || strlen(country) >= sizeof ((lw_intensity *)0)->name)
		return "country name empty or too long";
	if (!lw_csv_number(rec->field[3], g))
		return "intensity is not a number >= 0";
	if (!lw_csv_number(rec->field[4], year) || *year != floor(*year) || *year < 1900 ||
	    *year > 2100)
		return "year is not a whole year 1900..2100";
	return NULL;
}

/* Check one data row of r; fill *row from it. */
static lw_status read_row(const lw_csv_reader *r, const lw_csv_record *rec, lw_intensity *row,
			  lw_err *err)
{
	double g, year;
	const char *problem = row_problem(rec, &g, &year);
	if (problem)
		return lw_err_set(err, LW_ERR_FORMAT, "%s line %d: %s", r->what, r->line, problem);
	int world = strcmp(rec->field[0], "world") == 0;
	memset(row, 0, sizeof *row);
	row->g_per_kwh = g;
	row->year = (int)year;
	copy(row->region, sizeof row->region, rec->field[0]);
	copy(row->alpha3, sizeof row->alpha3, rec->field[1]);
	copy(row->name, sizeof row->name, rec->field[2]);
	snprintf(row->source, sizeof row->source, world ? SOURCE_WORLD : SOURCE_COUNTRY, row->year);
	return LW_OK;
}

static int row_matches(const lw_intensity *row, const char *code)
{
	return strcasecmp(row->region, code) == 0 ||
	       (row->alpha3[0] && strcasecmp(row->alpha3, code) == 0);
}

lw_status lw_carbon_table_lookup(const char *csv, const char *code, int *found,
				 lw_intensity *out, lw_err *err)
{
	*found = 0;
	lw_csv_reader r;
	lw_csv_init(&r, csv, "carbon-intensity table");
	lw_csv_record rec;
	int got, have_world = 0;
	lw_status st = lw_csv_next(&r, &rec, &got, err);
	if (st)
		return st;
	if (!got)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: no header line (expected %s)", r.what,
				  HEADER);
	if (rec.n != 5 || strcmp(rec.field[0], "alpha2") || strcmp(rec.field[1], "alpha3") ||
	    strcmp(rec.field[2], "country") || strcmp(rec.field[3], "g_co2e_per_kwh") ||
	    strcmp(rec.field[4], "year"))
		return lw_err_set(err, LW_ERR_FORMAT, "%s line %d: expected the header %s", r.what,
				  r.line, HEADER);
	while (!(st = lw_csv_next(&r, &rec, &got, err)) && got) {
		lw_intensity row;
		if ((st = read_row(&r, &rec, &row, err)))
			break;
		have_world |= strcmp(row.region, "world") == 0;
		if (!*found && code && row_matches(&row, code)) {
			*out = row;
			*found = 1;
		}
	}
	if (!st && !have_world)
		st = lw_err_set(err, LW_ERR_FORMAT, "%s: no 'world' row (the world average)", r.what);
	if (st)
		*found = 0;
	return st;
}

/* ---------------------------------------------------------------- intensities */

void lw_intensity_world(lw_intensity *out)
{
	int found = 0;
	lw_err err = {{0}};
	/* tests/test_carbon.c checks the built-in table; were it broken, the
	 * figure would be NaN (null in JSON) with the reason as its source. */
	if (lw_carbon_table_lookup(lw_data_carbon_intensity_csv, "world", &found, out, &err) ||
	    !found) {
		memset(out, 0, sizeof *out);
		out->g_per_kwh = NAN;
		snprintf(out->region, sizeof out->region, "world");
		snprintf(out->name, sizeof out->name, "world average");
		snprintf(out->source, sizeof out->source, "built-in table unreadable: %.120s",
			 err.msg);
	}
}

lw_status lw_intensity_for_region(const char *code, lw_intensity *out, lw_err *err)
{
	int found = 0;
	lw_status st = lw_carbon_table_lookup(lw_data_carbon_intensity_csv, code, &found, out, err);
	if (st) {
		lw_err_prefix(err, "built-in data");
		return st;
	}
	if (!found)
		return lw_err_set(err, LW_ERR_ARG, "'%.40s': unknown country code (ISO 3166 alpha-2, "
				  "e.g. FR, US, or 'world')", code ? code : "");
	return LW_OK;
}

void lw_intensity_given(double g_per_kwh, lw_intensity *out)
{
	memset(out, 0, sizeof *out);
	out->g_per_kwh = g_per_kwh;
	snprintf(out->name, sizeof out->name, "given");
	snprintf(out->source, sizeof out->source, "given by the user");
}

/* ---------------------------------------------------------------- equivalences */

/* Strubell, Ganesh and McCallum, "Energy and Policy Considerations for Deep
 * Learning in NLP", ACL 2019, Table 1 (pounds of CO2e). */
static const lw_equivalence EQUIVALENCES[LW_EQ_COUNT] = {
	[LW_EQ_FLIGHT_NY_SF] = {"flights_ny_sf",
				"passenger round trips New York-San Francisco by air", 1984},
	[LW_EQ_HUMAN_YEAR] = {"human_years", "years of an average human life", 11023},
	[LW_EQ_AMERICAN_YEAR] = {"american_years", "years of an average American life", 36156},
	[LW_EQ_CAR_LIFETIME] = {"car_lifetimes", "lifetimes of an average car, fuel included",
				126000},
};

const lw_equivalence *lw_equivalence_get(lw_equivalence_kind k)
{
	return (unsigned)k < LW_EQ_COUNT ? &EQUIVALENCES[k] : NULL;
}

lw_equivalence_kind lw_equivalence_nearest(double lbs)
{
	lw_equivalence_kind best = LW_EQ_FLIGHT_NY_SF;
	if (!(lbs > 0))   /* zero, negative or NaN: the smallest */
		return best;
	if (lbs >= EQUIVALENCES[LW_EQ_CAR_LIFETIME].lbs)   /* and infinity: the largest */
		return LW_EQ_CAR_LIFETIME;
	double best_d = INFINITY;
	for (int k = 0; k < LW_EQ_COUNT; k++) {
		double d = fabs(log(lbs / EQUIVALENCES[k].lbs));
		if (d < best_d) {
			best_d = d;
			best = (lw_equivalence_kind)k;
		}
	}
	return best;
}

/* ---------------------------------------------------------------- footprint */

void lw_footprint_compute(double device_kwh, double pue, double g_per_kwh, double runs,
			  lw_footprint *out)
{
	out->energy_kwh = device_kwh * pue * runs;
	out->co2e_kg = out->energy_kwh * g_per_kwh / 1000.0;
	out->co2e_lbs = out->co2e_kg * LW_LBS_PER_KG;
	for (int k = 0; k < LW_EQ_COUNT; k++)
		out->equivalents[k] = out->co2e_lbs / EQUIVALENCES[k].lbs;
}
