/*
 * carbon_flags.c — --region, --intensity and --pue into an intensity and a
 * PUE, the same way for every command (carbon_flags.h).
 */
#include "cli/carbon_flags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The intensity of a region named by flag ("--region 'FR'" or
 * "LOWWATT_REGION='FR'" in errors: sep is " " or "="). */
static int region(const char *cmd, const char *flag, const char *sep, const char *code,
		  lw_intensity *out)
{
	lw_err err = {{0}};
	lw_status st = lw_intensity_for_region(code, out, &err);
	if (st == LW_OK)
		return 0;
	fprintf(stderr, "lowwatt %s: %s%s%s\n", cmd, flag, sep, err.msg);
	return st == LW_ERR_ARG ? CLI_USAGE : 1;
}

int carbon_flags_resolve(const char *cmd, const carbon_flags *f, lw_intensity *intensity,
			 double *pue)
{
	lw_err err = {{0}};
	*pue = 1.0;
	if (f->pue && lw_parse_pue(f->pue, pue, &err)) {
		fprintf(stderr, "lowwatt %s: --pue %s\n", cmd, err.msg);
		return CLI_USAGE;
	}
	if (f->region && f->intensity) {
		fprintf(stderr, "lowwatt %s: give --region or --intensity, not both\n", cmd);
		return CLI_USAGE;
	}
	if (f->intensity) {
		double g;
		if (lw_parse_intensity(f->intensity, &g, &err)) {
			fprintf(stderr, "lowwatt %s: --intensity %s\n", cmd, err.msg);
			return CLI_USAGE;
		}
		lw_intensity_given(g, intensity);
		return 0;
	}
	if (f->region)
		return region(cmd, "--region", " ", f->region, intensity);
	const char *env = getenv(CARBON_REGION_ENV);
	if (env && *env)
		return region(cmd, CARBON_REGION_ENV, "=", env, intensity);
	lw_intensity_world(intensity);
	return 0;
}

void carbon_flags_print(double pue, const lw_intensity *it)
{
	printf("  %-16s %g\n", "PUE", pue);
	printf("  %-16s %g gCO2e/kWh, %s", "intensity", it->g_per_kwh, it->name);
	if (it->region[0] && strcmp(it->region, "world") != 0)
		printf(" (%s)", it->region);
	printf("\n  %-16s %s\n", "source", it->source);
}
