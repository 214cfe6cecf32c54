/*
 * test_carbon.c — from energy to carbon: the parsers of user-written
 * quantities (power, duration, energy, intensity, PUE: every unit, spacing
 * and case; hostile text), the intensity table (lookups by code, malformed
 * tables), the footprint arithmetic and equivalences against figures
 * computed by hand, and the TDP table (the matching rules of tdp.h on real
 * /proc/cpuinfo names, malformed tables).
 */
#include <math.h>

#include "testutil.h"

#include "energy/carbon_table.h"
#include "energy/data.h"
#include "energy/tdp.h"
#include "lowwatt/carbon.h"

/* |got - want| within rel x |want| (or 1e-12 near zero). */
#define assert_near(got, want, rel)                                                       \
	do {                                                                              \
		double g_ = (got), w_ = (want);                                           \
		if (!(fabs(g_ - w_) <= (rel) * fabs(w_) + 1e-12))                         \
			fail_msg("%s = %.17g, expected %.17g", #got, g_, w_);             \
	} while (0)

/* An error message is one line that contains needle. */
static void assert_msg(const lw_err *err, const char *needle)
{
	if (!strstr(err->msg, needle))
		fail_msg("message '%s' lacks '%s'", err->msg, needle);
	assert_null(strchr(err->msg, '\n'));
	assert_true(strlen(err->msg) > 0);
}

/* ---------------------------------------------------------------- parsers */

typedef lw_status (*parse_fn)(const char *text, double *out, lw_err *err);

static lw_status parse_dur_s(const char *t, double *o, lw_err *e)
{
	return lw_parse_duration(t, "s", o, e);
}

static lw_status parse_dur_h(const char *t, double *o, lw_err *e)
{
	return lw_parse_duration(t, "h", o, e);
}

typedef struct good_case {
	const char *text;
	double want;
} good_case;

static void check_good(parse_fn parse, const good_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double v = -1;
		lw_err err = {{0}};
		if (parse(c[i].text, &v, &err) != LW_OK)
			fail_msg("'%s' refused: %s", c[i].text, err.msg);
		if (!(fabs(v - c[i].want) <= 1e-12 * fabs(c[i].want)))
			fail_msg("'%s' -> %.17g, expected %.17g", c[i].text, v, c[i].want);
	}
}

/* Each text is refused with one line quoting it and naming units. */
static void check_bad(parse_fn parse, const char *const *texts, size_t n, const char *units)
{
	for (size_t i = 0; i < n; i++) {
		double v = 12345;
		lw_err err = {{0}};
		if (parse(texts[i], &v, &err) != LW_ERR_ARG)
			fail_msg("'%s' accepted as %g", texts[i], v);
		assert_true(v == 12345);   /* untouched */
		char quoted[128];
		snprintf(quoted, sizeof quoted, "'%s'", texts[i]);
		assert_msg(&err, quoted);
		assert_msg(&err, units);
	}
}

static void test_parse_power(void **state)
{
	(void)state;
	static const good_case good[] = {
		{"300", 300}, {"300W", 300}, {"300 W", 300}, {"300 w", 300}, {" 300W ", 300},
		{"300\tW", 300}, {"1.5kW", 1500}, {"1.5 KW", 1500}, {"1.5 kw", 1500},
		{"2 MW", 2e6}, {"500 mW", 0.5}, {"0", 0}, {"+5", 5}, {".5 kW", 500},
		{"1e3 W", 1000}, {"1E3", 1000}, {"2.5e-1kW", 250}, {"5 watts", 5},
		{"1 kilowatt", 1000}, {"5.", 5},
	};
	check_good(lw_parse_power, good, sizeof good / sizeof *good);
	static const char *const bad[] = {
		"", "   ", "abc", "-1", "-0", "- 5", "nan", "NaN W", "inf", "+inf", "infinity",
		"1e999", "1e999 kW", "1e308 MW", "1e-400", "W", "kW", "5 parsecs", "12abc",
		"5 mw", "5 Mw", "0x10", "0x1p3", "1.2.3", "5 W extra", "5W5", "1e", "1,5 kW",
		"..5", ".", "5 kW/h",
	};
	check_bad(lw_parse_power, bad, sizeof bad / sizeof *bad, "W, kW");
	lw_err err = {{0}};
	double v;
	assert_int_equal(lw_parse_power(NULL, &v, &err), LW_ERR_ARG);
	assert_int_equal(lw_parse_power("-1", &v, &err), LW_ERR_ARG);
	assert_msg(&err, "negative");
	assert_int_equal(lw_parse_power("5 parsecs", &v, &err), LW_ERR_ARG);
	assert_msg(&err, "unknown unit 'parsecs'");
	assert_int_equal(lw_parse_power("1e999", &v, &err), LW_ERR_ARG);
	assert_msg(&err, "out of range");
	assert_int_equal(lw_parse_power("nan", &v, &err), LW_ERR_ARG);
	assert_msg(&err, "not a finite number");
	assert_int_equal(lw_parse_power("", &v, &err), LW_ERR_ARG);
	assert_msg(&err, "empty");
	assert_int_equal(lw_parse_power("5\x01W\n", &v, &err), LW_ERR_ARG);   /* still one line */
	assert_msg(&err, "'5?W?'");
}

static void test_parse_duration(void **state)
{
	(void)state;
	static const good_case secs[] = {
		{"90", 90}, {"90s", 90}, {"90 S", 90}, {"90 sec", 90}, {"2 seconds", 2},
		{"15 min", 900}, {"15MIN", 900}, {"1 minute", 60}, {"2h", 7200}, {"2 HR", 7200},
		{"2 hrs", 7200}, {"1 hour", 3600}, {"1.5d", 129600}, {"2 days", 172800},
		{"250ms", 0.25}, {"0 s", 0},
	};
	check_good(parse_dur_s, secs, sizeof secs / sizeof *secs);
	static const good_case hours[] = {{"3", 10800}, {"0.5", 1800}, {"3 s", 3}, {"1d", 86400}};
	check_good(parse_dur_h, hours, sizeof hours / sizeof *hours);
	static const char *const bad[] = {
		"", " ", "h", "-1h", "nan", "inf h", "1e999 d", "5 parsecs", "2hh", "2 h 30 min",
		"1 week", "12abc", "1:30",
	};
	check_bad(parse_dur_s, bad, sizeof bad / sizeof *bad, "ms, s, min, h or d");
	double v = 7;
	lw_err err = {{0}};
	assert_int_equal(lw_parse_duration("5", "parsec", &v, &err), LW_ERR_ARG);
	assert_msg(&err, "default unit");
	assert_int_equal(lw_parse_duration("5", NULL, &v, &err), LW_ERR_ARG);
	assert_true(v == 7);
}

static void test_parse_intensity(void **state)
{
	(void)state;
	static const good_case good[] = {
		{"400", 400}, {"400 g/kWh", 400}, {"400g/kwh", 400}, {"400 G/KWH", 400},
		{"400 gCO2e/kWh", 400}, {"0.4kg/kWh", 400}, {"0.4 KG/kWh", 400},
		{"0.9 lb/kWh", 0.9 * 453.59237}, {"1 lbs/kWh", 453.59237}, {"0", 0},
	};
	check_good(lw_parse_intensity, good, sizeof good / sizeof *good);
	static const char *const bad[] = {
		"", "400 g", "400 g/MWh", "-3", "inf", "g/kWh", "400 g / kWh", "4OO",
	};
	check_bad(lw_parse_intensity, bad, sizeof bad / sizeof *bad, "g/kWh, kg/kWh or lb/kWh");
}

static lw_status parse_energy_kwh(const char *t, double *o, lw_err *e)
{
	return lw_parse_energy(t, "kWh", o, e);
}

static lw_status parse_energy_j(const char *t, double *o, lw_err *e)
{
	return lw_parse_energy(t, "J", o, e);
}

static void test_parse_energy(void **state)
{
	(void)state;
	/* In joules; a bare number in kWh. */
	static const good_case kwh[] = {
		{"0.5", 1.8e6}, {"0.5 kWh", 1.8e6}, {"0.5kwh", 1.8e6}, {"0.5 KWH", 1.8e6},
		{"500 Wh", 1.8e6}, {"500wh", 1.8e6}, {"1.8 MJ", 1.8e6}, {"1.8MJ", 1.8e6},
		{"1800 kJ", 1.8e6}, {"1.8e6 J", 1.8e6}, {"1800000 joules", 1.8e6},
		{"0.0018 GJ", 1.8e6}, {"2 MWh", 7.2e9}, {"1 GWh", 3.6e12}, {"100 mJ", 0.1},
		{"1 mWh", 3.6}, {"0", 0}, {" +2 ", 7.2e6},
	};
	check_good(parse_energy_kwh, kwh, sizeof kwh / sizeof *kwh);
	static const good_case j[] = {{"0.1", 0.1}, {"0.1 J", 0.1}, {"100 mJ", 0.1}, {"1e-3", 1e-3}};
	check_good(parse_energy_j, j, sizeof j / sizeof *j);
	static const char *const bad[] = {
		"", " ", "kWh", "-1", "-0.5 kWh", "nan", "inf kWh", "1e999", "1e308 GWh", "5 parsecs",
		"5 mj", "5 mwh", "5 W", "5 kW h", "0.5 kWh extra", "1,5 kWh", "0x10 J",
	};
	check_bad(parse_energy_kwh, bad, sizeof bad / sizeof *bad, "J, kJ, MJ, Wh, kWh or MWh");
	double v = 7;
	lw_err err = {{0}};
	assert_int_equal(lw_parse_energy("-1", "kWh", &v, &err), LW_ERR_ARG);
	assert_msg(&err, "negative");
	assert_msg(&err, "(kWh if none)");
	assert_int_equal(lw_parse_energy("1", "parsec", &v, &err), LW_ERR_ARG);
	assert_msg(&err, "default unit");
	assert_int_equal(lw_parse_energy("1", NULL, &v, &err), LW_ERR_ARG);
	assert_true(v == 7);
}

static void test_parse_pue(void **state)
{
	(void)state;
	static const good_case good[] = {{"1.58", 1.58}, {"1", 1}, {"10", 10}, {" 1.2 ", 1.2}};
	check_good(lw_parse_pue, good, sizeof good / sizeof *good);
	static const char *const bad[] = {
		"0.99", "10.01", "0", "-1", "1.5x", "nan", "", "1e999", "1.5 W",
	};
	check_bad(lw_parse_pue, bad, sizeof bad / sizeof *bad, "from 1 to 10");
}

/* ---------------------------------------------------------------- intensity */

static void test_intensity_built_in(void **state)
{
	(void)state;
	lw_intensity it;
	lw_err err = {{0}};
	static const char *const france[] = {"FR", "fr", "Fr", "FRA", "fra"};
	for (size_t i = 0; i < sizeof france / sizeof *france; i++) {
		memset(&it, 0xff, sizeof it);
		assert_int_equal(lw_intensity_for_region(france[i], &it, &err), LW_OK);
		assert_near(it.g_per_kwh, 56.0, 1e-12);
		assert_string_equal(it.region, "FR");
		assert_string_equal(it.alpha3, "FRA");
		assert_string_equal(it.name, "France");
		assert_int_equal(it.year, 2023);
		assert_string_equal(it.source, "Our World in Data (Ember, Energy Institute), 2023");
	}
	assert_int_equal(lw_intensity_for_region("us", &it, &err), LW_OK);
	assert_near(it.g_per_kwh, 369.5, 1e-12);
	assert_string_equal(it.name, "United States");
	assert_int_equal(lw_intensity_for_region("NAM", &it, &err), LW_OK);   /* Namibia, "NA" */
	assert_string_equal(it.region, "NA");
	assert_int_equal(it.year, 2022);
	assert_string_equal(it.source, "Our World in Data (Ember, Energy Institute), 2022");

	static const char *const worlds[] = {"world", "WORLD", "World"};
	for (size_t i = 0; i < sizeof worlds / sizeof *worlds; i++) {
		assert_int_equal(lw_intensity_for_region(worlds[i], &it, &err), LW_OK);
		assert_near(it.g_per_kwh, 480, 1e-12);
		assert_string_equal(it.region, "world");
		assert_string_equal(it.alpha3, "");
		assert_int_equal(it.year, 2023);
		assert_non_null(strstr(it.source, "Ember, Global Electricity Review 2024"));
	}
	lw_intensity w;
	lw_intensity_world(&w);
	assert_memory_equal(&w, &it, sizeof w);

	static const char *const unknown[] = {"XX", "", "FRANC", "F", "world ", " FR", "F R"};
	for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++) {
		assert_int_equal(lw_intensity_for_region(unknown[i], &it, &err), LW_ERR_ARG);
		char quoted[32];
		snprintf(quoted, sizeof quoted, "'%s'", unknown[i]);
		assert_msg(&err, quoted);
		assert_msg(&err, "unknown country code (ISO 3166 alpha-2, e.g. FR, US, or 'world')");
	}
	assert_int_equal(lw_intensity_for_region(NULL, &it, &err), LW_ERR_ARG);

	lw_intensity_given(433, &it);
	assert_near(it.g_per_kwh, 433, 0);
	assert_string_equal(it.region, "");
	assert_string_equal(it.name, "given");
	assert_int_equal(it.year, 0);
	assert_true(it.source[0] != 0);
}

/* Every row of the built-in table is well formed and every code unique. */
static void test_intensity_table_whole(void **state)
{
	(void)state;
	int rows = 0;
	lw_err err = {{0}};
	for (const char *line = lw_data_carbon_intensity_csv; line; line = strchr(line, '\n')) {
		line += *line == '\n';
		if (!*line || line[0] == '#' || strncmp(line, "alpha2,", 7) == 0 ||
		    strncmp(line, "world,", 6) == 0)
			continue;
		char code[3] = {line[0], line[1], 0}, alpha3[4] = {line[3], line[4], line[5], 0};
		lw_intensity a, b;
		assert_int_equal(lw_intensity_for_region(code, &a, &err), LW_OK);
		assert_int_equal(lw_intensity_for_region(alpha3, &b, &err), LW_OK);
		assert_string_equal(a.region, code);         /* the first row with the code is its own */
		assert_string_equal(b.alpha3, alpha3);
		assert_memory_equal(&a, &b, sizeof a);
		assert_true(a.g_per_kwh >= 0 && a.g_per_kwh < 2000);
		rows++;
	}
	assert_true(rows > 200);
}

/* A table of text: "world" plus the rows given. */
static lw_status table_lookup(const char *rows, const char *code, int *found, lw_intensity *out,
			      lw_err *err)
{
	char csv[1024];
	snprintf(csv, sizeof csv, "# a comment\nalpha2,alpha3,country,g_co2e_per_kwh,year\n%s", rows);
	return lw_carbon_table_lookup(csv, code, found, out, err);
}

static void test_intensity_table_text(void **state)
{
	(void)state;
	lw_intensity it;
	lw_err err = {{0}};
	int found = -1;
	const char *good = "AA,AAA,Aland,12.5,2020\r\n\n# more\r\n\"BB\",BBB,\"Bee, Land\",0,2023\r\n"
			   "world,,world average,480,2023\n";
	assert_int_equal(table_lookup(good, "bbb", &found, &it, &err), LW_OK);
	assert_int_equal(found, 1);
	assert_string_equal(it.name, "Bee, Land");
	assert_near(it.g_per_kwh, 0, 0);
	assert_int_equal(table_lookup(good, "aa", &found, &it, &err), LW_OK);
	assert_int_equal(found, 1);
	assert_near(it.g_per_kwh, 12.5, 1e-15);
	assert_int_equal(table_lookup(good, "CC", &found, &it, &err), LW_OK);
	assert_int_equal(found, 0);

	/* Malformed: each names its line (the header is line 2). */
	static const struct {
		const char *rows;
		const char *needle;
	} bad[] = {
		{"AA,AAA,Aland,12.5\nworld,,w,480,2023\n", "line 3: expected 5 fields"},
		{"world,,w,480,2023\nAA,AAA,Aland,12.5,2020,x\n", "line 4: expected 5 fields"},
		{"aa,AAA,Aland,12.5,2020\nworld,,w,480,2023\n", "line 3: alpha2"},
		{"AAA,AAA,Aland,12.5,2020\nworld,,w,480,2023\n", "line 3: alpha2"},
		{"AA,AA,Aland,12.5,2020\nworld,,w,480,2023\n", "line 3: alpha3"},
		{"AA,AAA,Aland,12.5,2020\nworld,WLD,w,480,2023\n", "line 4: alpha3"},
		{"AA,AAA,,12.5,2020\nworld,,w,480,2023\n", "line 3: country"},
		{"AA,AAA,Aland,abc,2020\nworld,,w,480,2023\n", "line 3: intensity"},
		{"AA,AAA,Aland,-5,2020\nworld,,w,480,2023\n", "line 3: intensity"},
		{"AA,AAA,Aland,nan,2020\nworld,,w,480,2023\n", "line 3: intensity"},
		{"AA,AAA,Aland,1e999,2020\nworld,,w,480,2023\n", "line 3: intensity"},
		{"AA,AAA,Aland,5,2020.5\nworld,,w,480,2023\n", "line 3: year"},
		{"AA,AAA,Aland,5,1800\nworld,,w,480,2023\n", "line 3: year"},
		{"AA,AAA,\"Aland,5,2020\nworld,,w,480,2023\n", "line 3: unterminated quoted field"},
		{"AA,AAA,\"Aland\"x,5,2020\nworld,,w,480,2023\n", "line 3: text after a closing quote"},
		{"AA,AAA,Al\"and,5,2020\nworld,,w,480,2023\n", "line 3: a quote inside"},
		{"AA,AAA,Aland,5,2020\n", "no 'world' row"},
		{"", "no 'world' row"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		found = -1;
		err.msg[0] = 0;
		if (table_lookup(bad[i].rows, "AA", &found, &it, &err) != LW_ERR_FORMAT)
			fail_msg("table %zu accepted: %s", i, bad[i].rows);
		assert_int_equal(found, 0);
		assert_msg(&err, bad[i].needle);
	}
	assert_int_equal(lw_carbon_table_lookup("", "AA", &found, &it, &err), LW_ERR_FORMAT);
	assert_msg(&err, "no header line");
	assert_int_equal(lw_carbon_table_lookup("alpha2,alpha3,country,g,year\n", "AA", &found, &it,
						&err), LW_ERR_FORMAT);
	assert_msg(&err, "line 1: expected the header");
}

/* ---------------------------------------------------------------- footprint */

static void test_footprint(void **state)
{
	(void)state;
	/* Strubell et al.'s formula: 1,000 W for 24 h at PUE 1.58 and 433 g/kWh
	 * (their 0.954 lbs/kWh, US average): 24 kWh x 1.58 = 37.92 kWh;
	 * 37.92 x 0.433 = 16.41936 kg = 36.198... lbs. */
	lw_footprint f;
	lw_footprint_compute(24.0, 1.58, 433, 1, &f);
	assert_near(f.energy_kwh, 37.92, 1e-14);
	assert_near(f.co2e_kg, 16.41936, 1e-14);
	assert_near(f.co2e_lbs, 16.41936 * 2.20462262185, 1e-14);
	assert_near(f.equivalents[LW_EQ_FLIGHT_NY_SF], 16.41936 * 2.20462262185 / 1984, 1e-14);
	assert_near(f.equivalents[LW_EQ_HUMAN_YEAR], 16.41936 * 2.20462262185 / 11023, 1e-14);
	assert_near(f.equivalents[LW_EQ_AMERICAN_YEAR], 16.41936 * 2.20462262185 / 36156, 1e-14);
	assert_near(f.equivalents[LW_EQ_CAR_LIFETIME], 16.41936 * 2.20462262185 / 126000, 1e-14);

	/* 3 runs of 0.5 kWh at PUE 1.1, 400 g/kWh: 1.65 kWh, 0.66 kg. */
	lw_footprint_compute(0.5, 1.1, 400, 3, &f);
	assert_near(f.energy_kwh, 1.65, 1e-14);
	assert_near(f.co2e_kg, 0.66, 1e-14);

	/* One flight's worth: 1,984 lbs = 899.93 kg; at 1,000 g/kWh, 899.93 kWh. */
	lw_footprint_compute(1984 / LW_LBS_PER_KG, 1, 1000, 1, &f);
	assert_near(f.equivalents[LW_EQ_FLIGHT_NY_SF], 1.0, 1e-14);
	assert_near(f.co2e_lbs, 1984, 1e-14);

	lw_footprint_compute(0, 1.5, 480, 10, &f);
	assert_true(f.energy_kwh == 0 && f.co2e_kg == 0 && f.co2e_lbs == 0);
	assert_near(LW_LBS_PER_KG, 1 / 0.45359237, 1e-11);
}

static void test_equivalences(void **state)
{
	(void)state;
	static const struct {
		lw_equivalence_kind k;
		const char *key;
		double lbs;
	} want[] = {
		{LW_EQ_FLIGHT_NY_SF, "flights_ny_sf", 1984},
		{LW_EQ_HUMAN_YEAR, "human_years", 11023},
		{LW_EQ_AMERICAN_YEAR, "american_years", 36156},
		{LW_EQ_CAR_LIFETIME, "car_lifetimes", 126000},
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		const lw_equivalence *e = lw_equivalence_get(want[i].k);
		assert_non_null(e);
		assert_string_equal(e->key, want[i].key);
		assert_true(e->lbs == want[i].lbs);
		assert_true(e->label && e->label[0]);
		assert_int_equal(lw_equivalence_nearest(want[i].lbs), want[i].k);
	}
	assert_null(lw_equivalence_get(LW_EQ_COUNT));
	assert_null(lw_equivalence_get((lw_equivalence_kind)-1));
	/* Nearest on a log scale: 5,000 is 0.92 from a flight, 0.79 from a
	 * human year; 70,000 is 0.66 from an American year, 0.59 from a car. */
	assert_int_equal(lw_equivalence_nearest(5000), LW_EQ_HUMAN_YEAR);
	assert_int_equal(lw_equivalence_nearest(4600), LW_EQ_FLIGHT_NY_SF);
	assert_int_equal(lw_equivalence_nearest(70000), LW_EQ_CAR_LIFETIME);
	assert_int_equal(lw_equivalence_nearest(60000), LW_EQ_AMERICAN_YEAR);
	assert_int_equal(lw_equivalence_nearest(1e9), LW_EQ_CAR_LIFETIME);
	assert_int_equal(lw_equivalence_nearest(1e-9), LW_EQ_FLIGHT_NY_SF);
	assert_int_equal(lw_equivalence_nearest(0), LW_EQ_FLIGHT_NY_SF);
	assert_int_equal(lw_equivalence_nearest(-5), LW_EQ_FLIGHT_NY_SF);
	assert_int_equal(lw_equivalence_nearest(NAN), LW_EQ_FLIGHT_NY_SF);
	assert_int_equal(lw_equivalence_nearest(INFINITY), LW_EQ_CAR_LIFETIME);
}

/* ---------------------------------------------------------------- TDP */

static void test_tdp_built_in(void **state)
{
	(void)state;
	static const struct {
		const char *model;
		double watts;        /* 0: unknown */
		const char *matched;
	} cases[] = {
		{"Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", 150, "Intel Xeon Gold 6248"},
		{"Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz", 205, "Intel Xeon Gold 6248R"},
		{"Intel(R) Core(TM) i7-12700H", 45, "Intel Core i7-12700H"},
		{"Intel(R) Core(TM) i7-12700K", 190, "Intel Core i7-12700K"},
		{"AMD EPYC 7763 64-Core Processor", 280, "AMD EPYC 7763"},
		{"AMD Ryzen 9 5950X 16-Core Processor", 105, "AMD Ryzen 9 5950X"},
		{"Intel(R) Core(TM)2 Duo CPU     E8400  @ 3.00GHz", 65, "Intel Core 2 Duo E8400"},
		{"AMD FX(tm)-8350 Eight-Core Processor", 125, "AMD FX-8350"},
		{"AMD Ryzen 5 6600HS Creator Edition", 35, "AMD Ryzen 5 6600HS\xe2\x80\x8b"},
		{"AMD EPYC", 0, ""},
		{"AMD EPYC Processor (with IBPB)", 0, ""},
		{"Intel(R) Xeon(R) CPU @ 2.20GHz", 0, ""},
		{"Intel Xeon Processor (Icelake)", 0, ""},
		{"", 0, ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		double w = -1;
		char matched[128] = "junk";
		int found = lw_tdp_lookup(cases[i].model, &w, matched, sizeof matched);
		if (found != (cases[i].watts > 0) || w != cases[i].watts)
			fail_msg("'%s': found %d, %g W (%s); expected %g W", cases[i].model, found, w,
				 matched, cases[i].watts);
		assert_string_equal(matched, cases[i].matched);
	}
	assert_int_equal(lw_tdp_lookup(NULL, NULL, NULL, 0), 0);
	assert_int_equal(lw_tdp_lookup("AMD EPYC 7763", NULL, NULL, 0), 1);
	char tiny[5];
	assert_int_equal(lw_tdp_lookup("AMD EPYC 7763", NULL, tiny, sizeof tiny), 1);
	assert_string_equal(tiny, "AMD ");

	/* The whole built-in table parses. */
	int found = -1;
	lw_err err = {{0}};
	assert_int_equal(lw_tdp_lookup_in(lw_data_cpu_tdp_csv, "no such cpu", &found, NULL, NULL, 0,
					  &err), LW_OK);
	assert_int_equal(found, 0);
}

static void test_tdp_table_text(void **state)
{
	(void)state;
	const char *csv = "# comment\r\nName,TDP\r\n\r\nXeon 6248,100\r\nIntel Xeon Gold 6248,150\r\n"
			  "Gold,5\r\n\"Chip, Model 7\",42.5\r\n\"Say \"\"Q1\"\"\",7\r\n"
			  "Widget 9,1\r\nWidget 9 Pro,2\r\nWidget 9 Pro Max,3";
	static const struct {
		const char *model;
		double watts;
		const char *matched;
	} cases[] = {
		{"Intel Xeon Gold 6248", 150, "Intel Xeon Gold 6248"},   /* longest wins */
		{"Acme XEON(R) 6248 @ 9GHz", 100, "Xeon 6248"},
		{"Gold", 0, ""},                                          /* no model number */
		{"Intel Xeon Gold", 0, ""},
		{"chip model 7 cpu", 42.5, "Chip, Model 7"},
		{"Say \"Q1\"", 7, "Say \"Q1\""},
		{"Widget 9 Pro", 2, "Widget 9 Pro"},
		{"Widget 9 Pro Max", 3, "Widget 9 Pro Max"},
		{"Widget 9 Max", 1, "Widget 9"},
		{"Widget 99", 0, ""},                                     /* whole words only */
		{"Widget", 0, ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		double w = -1;
		char matched[64];
		int found = -1;
		lw_err err = {{0}};
		assert_int_equal(lw_tdp_lookup_in(csv, cases[i].model, &found, &w, matched,
						  sizeof matched, &err), LW_OK);
		if (found != (cases[i].watts > 0) || w != cases[i].watts)
			fail_msg("'%s': found %d, %g W; expected %g W", cases[i].model, found, w,
				 cases[i].watts);
		assert_string_equal(matched, cases[i].matched);
	}
}

static void test_tdp_table_malformed(void **state)
{
	(void)state;
	char long_name[400];
	memset(long_name, 'x', sizeof long_name);
	long_name[sizeof long_name - 1] = 0;
	char too_long[512];
	snprintf(too_long, sizeof too_long, "Name,TDP\nA 1,5\n%s 1,5\n", long_name);
	const struct {
		const char *csv;
		const char *needle;
	} bad[] = {
		{"", "no header line (expected Name,TDP)"},
		{"# only a comment\n", "no header line"},
		{"Model,Watts\nA 1,5\n", "line 1: expected the header"},
		{"Name,TDP,Year\nA 1,5\n", "line 1: expected the header"},
		{"Name,TDP\nA 1,5\nB 2\n", "line 3: expected 2 fields"},
		{"Name,TDP\nA 1,5,6\n", "line 2: expected 2 fields"},
		{"Name,TDP\n# c\nA 1,abc\n", "line 3: TDP 'abc'"},
		{"Name,TDP\nA 1,-5\n", "line 2: TDP '-5'"},
		{"Name,TDP\nA 1,0\n", "line 2: TDP '0'"},
		{"Name,TDP\nA 1,27.29.5\n", "line 2: TDP '27.29.5'"},
		{"Name,TDP\nA 1,inf\n", "line 2: TDP"},
		{"Name,TDP\nA 1, 5\n", "line 2: TDP"},
		{"Name,TDP\nA 1,\n", "line 2: TDP"},
		{"Name,TDP\n,5\n", "line 2: empty name"},
		{"Name,TDP\n\"A 1,5\nB 2,6\n", "line 2: unterminated quoted field"},
		{"Name,TDP\n\"A 1\"x,5\n", "line 2: text after a closing quote"},
		{"Name,TDP\nA \"1\",5\n", "line 2: a quote inside an unquoted field"},
		{"Name,TDP\na,b,c,d,e,f,g,h,i\n", "line 2: more than 8 fields"},
		{too_long, "line 3: field too long"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int found = -1;
		double w = -1;
		char matched[16] = "junk";
		lw_err err = {{0}};
		/* "A 1" matches the first row: a malformed table is refused even then. */
		if (lw_tdp_lookup_in(bad[i].csv, "A 1", &found, &w, matched, sizeof matched, &err) !=
		    LW_ERR_FORMAT)
			fail_msg("table %zu accepted", i);
		assert_int_equal(found, 0);
		assert_msg(&err, "TDP table");
		assert_msg(&err, bad[i].needle);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_power),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_parse_intensity),
		cmocka_unit_test(test_parse_energy),
		cmocka_unit_test(test_parse_pue),
		cmocka_unit_test(test_intensity_built_in),
		cmocka_unit_test(test_intensity_table_whole),
		cmocka_unit_test(test_intensity_table_text),
		cmocka_unit_test(test_footprint),
		cmocka_unit_test(test_equivalences),
		cmocka_unit_test(test_tdp_built_in),
		cmocka_unit_test(test_tdp_table_text),
		cmocka_unit_test(test_tdp_table_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
