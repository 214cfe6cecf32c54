/*
 * carbon_flags.h — the carbon flags that `measure`, `footprint` and
 * `train` share, so that each takes and explains them the same way:
 *
 *   --region CODE    the grid of a country (ISO 3166 alpha-2 or alpha-3,
 *                    any case) or "world"; default $LOWWATT_REGION, else
 *                    the world average
 *   --intensity V    a carbon intensity given outright: 400, 400 g/kWh,
 *                    0.4 kg/kWh, 0.9 lb/kWh (not with --region; it wins
 *                    over $LOWWATT_REGION)
 *   --pue X          power usage effectiveness, 1 (a local machine,
 *                    the default) to 10
 *
 * A command puts CARBON_FLAGS(&its_flags.carbon) in its cli_flag table and
 * CARBON_USAGE in its usage line, then calls carbon_flags_resolve.
 */
#ifndef LW_CLI_CARBON_FLAGS_H
#define LW_CLI_CARBON_FLAGS_H

#include "cli/args.h"
#include "lowwatt/carbon.h"

/* The flags as given (NULL: not given). */
typedef struct carbon_flags {
	const char *region;
	const char *intensity;
	const char *pue;
} carbon_flags;

/* Three cli_flag entries (a comma-separated list) writing into *cf. */
#define CARBON_FLAGS(cf)                                                              \
	{"region", CLI_STRING, &(cf)->region, 0, 0, 0,                                 \
	 "grid of a country: FR, USA, ... or world (default $LOWWATT_REGION, else world)"}, \
	{"intensity", CLI_STRING, &(cf)->intensity, 0, 0, 0,                           \
	 "grid carbon intensity instead: 400 g/kWh, 0.4 kg/kWh, 0.9 lb/kWh"},          \
	{"pue", CLI_STRING, &(cf)->pue, 0, 0, 0,                                       \
	 "power usage effectiveness, 1 (local machine, default) .. 10"}

#define CARBON_USAGE "[--region CODE | --intensity V] [--pue X]"

/* The environment variable that names the default region. */
#define CARBON_REGION_ENV "LOWWATT_REGION"

/*
 * Resolve f into an intensity and a PUE. --intensity and --region together
 * are refused; --intensity or --region wins over $LOWWATT_REGION (an empty
 * one counts as unset); with none of them, the world average. A bad value
 * prints one line naming the flag or variable ("lowwatt CMD: --region 'XX':
 * unknown country code ...") and returns CLI_USAGE; 0 when resolved.
 */
int carbon_flags_resolve(const char *cmd, const carbon_flags *f, lw_intensity *intensity,
			 double *pue);

/* What was resolved, as the lines of a text report:
 *   PUE              1.1
 *   intensity        56 gCO2e/kWh, France (FR)
 *   source           ...                                              */
void carbon_flags_print(double pue, const lw_intensity *it);

#endif
