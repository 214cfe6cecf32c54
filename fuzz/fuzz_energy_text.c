/*
 * fuzz_energy_text.c — the energy code's readers of text: the parsers of
 * user-written quantities (--power, --hours, --interval, --intensity,
 * --pue, --train-kwh), the CSV reader under the TDP and carbon-intensity tables, the
 * model-name matcher, and the emissions.csv row writer.
 *
 * The first byte picks the reader, the rest is its text. Beyond surviving
 * ASan and UBSan: a parse that succeeds gives a finite value in range; a
 * failure says why in one line; a row always has 38 fields.
 */
#include <math.h>
#include <stdint.h>

#include "energy/carbon_table.h"
#include "energy/data.h"
#include "energy/tdp.h"
#include "harness.h"
#include "lowwatt/carbon.h"
#include "lowwatt/emissions.h"

static void parse_quantity(int which, const char *text)
{
	lw_err err = {{0}};
	double v = -1;
	lw_status st;
	switch (which) {
	case 0: st = lw_parse_power(text, &v, &err); break;
	case 1: st = lw_parse_duration(text, "h", &v, &err); break;
	case 2: st = lw_parse_intensity(text, &v, &err); break;
	case 3: st = lw_parse_pue(text, &v, &err); break;
	default: st = lw_parse_energy(text, "kWh", &v, &err); break;
	}
	fz_check_status(st, &err);
	FZ_CHECK(st != LW_OK || (isfinite(v) && v >= 0), "a parsed quantity out of range");
	FZ_CHECK(st != LW_OK || which != 3 || (v >= 1 && v <= 10), "a PUE out of [1, 10]");
}

/* Count the fields of one CSV line, quotes respected. */
static int csv_fields(const char *line)
{
	int n = 1, quoted = 0;
	for (const char *p = line; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == ',' && !quoted)
			n++;
	}
	return n;
}

static void emissions_row(const char *text)
{
	lw_emissions_row row;
	lw_emissions_row_init(&row);
	row.cpu_model = text;
	row.gpu_model = text;
	row.country_name = text;
	row.duration_s = (double)strlen(text);
	static char line[16384];
	lw_err err = {{0}};
	lw_status st = lw_emissions_format(&row, line, sizeof line, &err);
	fz_check_status(st, &err);
	FZ_CHECK(st != LW_OK || csv_fields(line) == LW_EMISSIONS_COLUMNS, "a row of the wrong width");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	char *text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	lw_err err = {{0}};
	int found = 0;
	double watts = 0;
	char matched[128];
	lw_intensity it;
	switch (data[0] % 9) {
	case 0: case 1: case 2: case 3:
		parse_quantity(data[0] % 9, text);
		break;
	case 8:
		parse_quantity(4, text);
		break;
	case 4:   /* text as a TDP table, looked up by a known name */
		fz_check_status(lw_tdp_lookup_in(text, "Intel Xeon Gold 6248", &found, &watts,
						 matched, sizeof matched, &err), &err);
		FZ_CHECK(!found || (isfinite(watts) && watts > 0), "a TDP out of range");
		break;
	case 5:   /* text as a carbon table */
		fz_check_status(lw_carbon_table_lookup(text, "FR", &found, &it, &err), &err);
		FZ_CHECK(!found || (isfinite(it.g_per_kwh) && it.g_per_kwh >= 0), "an intensity < 0");
		break;
	case 6:   /* text as a CPU model name, in the built-in table */
		if (lw_tdp_lookup(text, &watts, matched, sizeof matched))
			FZ_CHECK(isfinite(watts) && watts > 0, "a built-in TDP out of range");
		fz_check_status(lw_intensity_for_region(text, &it, &err), &err);
		break;
	default:  /* 7 */
		emissions_row(text);
		break;
	}
	free(text);
	return 0;
}
