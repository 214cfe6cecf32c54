/*
 * cmd_footprint.c — `lowwatt footprint`, the energy and CO2e of work that
 * was not measured here, in two modes:
 *
 * `--power P --hours H [--runs N]`: the calculator of Strubell, Ganesh and
 * McCallum (2019),
 *
 *   facility kWh = PUE x hours x watts / 1000 x runs
 *   CO2e         = facility kWh x intensity
 *
 * with their equivalences (flights, human and American years, car
 * lifetimes). --runs N gives the cost of a whole development process of N
 * such runs (their Table 3 is one model's tuning and experiments).
 *
 * `--train-kwh X --infer-j-per-query Y --queries N`, or `--run DIR
 * --queries N`: training versus using, a model's lifetime of training plus
 * N uses and the number of uses at which serving has cost as much as
 * training (footprint_lifetime.c). Both take --pue, --region or
 * --intensity and --json; the flags of one mode are refused in the other.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/carbon_flags.h"
#include "cli/commands.h"
#include "cli/footprint_lifetime.h"
#include "cli/summary.h"
#include "lowwatt/carbon.h"

#define CMD "footprint"
#define USAGE                                                                        \
	"--power P --hours H [--runs N] " CARBON_USAGE " [--json]\n"                   \
	"   or: lowwatt " CMD " --train-kwh X --infer-j-per-query Y --queries N\n"      \
	"                 " CARBON_USAGE " [--json]\n"                                    \
	"   or: lowwatt " CMD " --run DIR --queries N [--infer-j-per-query Y]\n"         \
	"                 " CARBON_USAGE " [--json]"

/* After the flags in --help: what the modes compute. */
#define MODES                                                                           \
	"\nThe first form is Strubell et al.'s (2019) calculator for a run that was not\n" \
	"measured: facility kWh = PUE x W x h / 1000 x runs, CO2e = facility kWh x\n"      \
	"intensity.\n\n"                                                                   \
	"The others are training versus using: a model's lifetime of training (X kWh\n"   \
	"at the machine) plus N uses (Y J at the machine each; one use is one sequence\n" \
	"through the model). Each part and the total in kWh and CO2e (PUE and\n"          \
	"intensity applied to both), the share of the lifetime that is training, and\n"  \
	"the break-even: the uses (train J / Y) after which serving has cost as much\n"  \
	"as training. --run DIR takes X from DIR/summary.json (energy_j.total), Y from\n" \
	"its evaluation (infer_j_per_1000_seq / 1000), and the run's PUE and grid\n"     \
	"unless --pue, --region or --intensity is given.\n"

/* What the footprint is of. */
typedef struct footprint_input {
	double watts;
	double hours;          /* of one run */
	long runs;
	double pue;
	lw_intensity intensity;
} footprint_input;

static void print_text(const footprint_input *in, const lw_footprint *fp)
{
	printf("Footprint (Strubell, Ganesh and McCallum 2019):\n\n");
	printf("  %-16s %g W\n", "power", in->watts);
	printf("  %-16s %g h per run\n", "duration", in->hours);
	printf("  %-16s %ld\n", "runs", in->runs);
	carbon_flags_print(in->pue, &in->intensity);
	printf("\n  %-16s %.6g kWh (PUE included)\n", "facility energy", fp->energy_kwh);
	printf("  %-16s %.6g kg = %.6g lbs\n\n", "CO2e", fp->co2e_kg, fp->co2e_lbs);
	for (int k = 0; k < LW_EQ_COUNT; k++)
		printf("  %-16s %.4g %s\n", k == 0 ? "equivalent to" : "", fp->equivalents[k],
		       lw_equivalence_get((lw_equivalence_kind)k)->label);
}

static void print_json(const footprint_input *in, const lw_footprint *fp)
{
	json_t *o = json_object();
	json_object_set_new(o, "energy_kwh", summary_number(fp->energy_kwh));
	json_object_set_new(o, "co2e_kg", summary_number(fp->co2e_kg));
	json_object_set_new(o, "co2e_lbs", summary_number(fp->co2e_lbs));
	json_object_set_new(o, "equivalents", summary_equivalents(fp->co2e_lbs));
	json_object_set_new(o, "power_w", summary_number(in->watts));
	json_object_set_new(o, "hours", summary_number(in->hours));
	json_object_set_new(o, "runs", json_integer(in->runs));
	json_object_set_new(o, "pue", summary_number(in->pue));
	summary_add_intensity(o, &in->intensity);
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	printf("%s\n", s);
	free(s);
	json_decref(o);
}

/* The outcome st of parsing --flag: 0 if good, else prints "--flag 'text':
 * ..." and returns CLI_USAGE. */
static int check_flag(const char *flag, lw_status st, const lw_err *err)
{
	if (st == LW_OK)
		return 0;
	fprintf(stderr, "lowwatt %s: --%s %s\n", CMD, flag, err->msg);
	return CLI_USAGE;
}

/* The first mode: runs runs of power for hours (both given as text). */
static int footprint_runs(const char *power, const char *hours, long runs,
			  const carbon_flags *carbon, int json)
{
	footprint_input in = {.runs = runs};
	lw_err err = {{0}};
	double seconds;
	int rc;
	if ((rc = check_flag("power", lw_parse_power(power, &in.watts, &err), &err)) ||
	    (rc = check_flag("hours", lw_parse_duration(hours, "h", &seconds, &err), &err)) ||
	    (rc = carbon_flags_resolve(CMD, carbon, &in.intensity, &in.pue)))
		return rc;
	in.hours = seconds / 3600.0;
	lw_footprint fp;
	lw_footprint_compute(in.watts * in.hours / 1000.0, in.pue, in.intensity.g_per_kwh,
			     (double)in.runs, &fp);
	if (json)
		print_json(&in, &fp);
	else
		print_text(&in, &fp);
	return 0;
}

int cmd_footprint(int argc, char **argv)
{
	const char *power = NULL, *hours = NULL;
	long runs = 0;   /* 0: not given, 1 */
	int json = 0;
	carbon_flags carbon = {0};
	lifetime_flags life = {0};
	cli_flag flags[] = {
		{"power", CLI_STRING, &power, 0, 0, 0, "average power of one run: 300 (W), 1.5 kW"},
		{"hours", CLI_STRING, &hours, 0, 0, 0, "length of one run: 24 (h), 90 min, 3600s, 2d"},
		{"runs", CLI_INT, &runs, 0, 1, 1000000000, "runs in the whole process (1)"},
		{"train-kwh", CLI_STRING, &life.train_kwh, 0, 0, 0,
		 "training energy at the machine: 0.5 (kWh), 500 Wh, 1.8 MJ"},
		{"infer-j-per-query", CLI_STRING, &life.infer_j, 0, 0, 0,
		 "energy of one use at the machine: 0.1 (J), 100 mJ"},
		{"queries", CLI_STRING, &life.queries, 0, 0, 0, "uses of the model: 1000000, 1e9"},
		{"run", CLI_STRING, &life.run, 0, 0, 0, "a run directory of lowwatt train (summary.json)"},
		CARBON_FLAGS(&carbon),
		{"json", CLI_BOOL, &json, 0, 0, 0, "print one JSON object"},
	};
	int rc = cli_parse(CMD, USAGE, argc, argv, flags, sizeof flags / sizeof *flags, NULL);
	if (rc < 0)
		fputs(MODES, stdout);
	if (rc)
		return rc < 0 ? 0 : rc;
	/* One mode or the other: the flags given say which. */
	const char *life_flag = lifetime_flag_given(&life);
	const char *runs_flag = power ? "--power" : hours ? "--hours" : runs ? "--runs" : NULL;
	if (life_flag && runs_flag) {
		fprintf(stderr, "lowwatt %s: %s does not go with %s: two modes (see lowwatt %s "
			"--help)\n", CMD, runs_flag, life_flag, CMD);
		return CLI_USAGE;
	}
	if (life_flag)
		return footprint_lifetime(CMD, &life, &carbon, json);
	if (!power || !hours) {
		fprintf(stderr, "lowwatt %s: missing --%s (see lowwatt %s --help)\n", CMD,
			power ? "hours" : "power", CMD);
		return CLI_USAGE;
	}
	return footprint_runs(power, hours, runs ? runs : 1, &carbon, json);
}
