/*
 * footprint_lifetime.c — `lowwatt footprint --train-kwh X
 * --infer-j-per-query Y --queries N` (or `--run DIR --queries N`): training
 * versus using. A model is trained once and then used N times; a smaller
 * model that took more training to reach the same quality pays its extra
 * training back with every query it serves more cheaply. This prints both
 * parts and the point where they are equal:
 *
 *   train kWh     = X (at the machine)
 *   serve kWh     = Y J x N / 3.6e6 (at the machine)
 *   lifetime kWh  = train kWh + serve kWh
 *   facility kWh  = PUE x lifetime kWh, CO2e = facility kWh x intensity
 *                   (and the same for each part)
 *   break-even    = train J / Y: the uses after which serving has cost as
 *                   much as training (none when a use costs nothing)
 *   train share   = train kWh / lifetime kWh
 *
 * One use is one sequence through the model. With --run, the training is
 * the run's metered energy (summary.json: energy_j.total) and a use is its
 * evaluation's energy per sequence (infer_j_per_1000_seq / 1000); the run's
 * pue and grid (region, or intensity_g_per_kwh when region is null) are the
 * defaults, which --pue, --region or --intensity override (LOWWATT_REGION
 * does not: the run says what grid it was trained on).
 */
#include "cli/footprint_lifetime.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/summary.h"
#include "util/file.h"
#include "util/json_file.h"

#define J_PER_KWH 3.6e6
/* The most --queries takes: every count up to it is exact in a double. */
#define MAX_QUERIES 1e15

/* ---------------------------------------------------------------- types */

/* What a run directory's summary.json says; NAN or "" where it is silent. */
typedef struct run_figures {
	double train_j;         /* energy_j.total */
	double infer_j;         /* infer_j_per_1000_seq / 1000 */
	double pue;
	char region[16];
	double g_per_kwh;       /* intensity_g_per_kwh */
	char source[160];       /* intensity_source */
} run_figures;

/* The inputs and everything computed from them. */
typedef struct lifetime {
	const char *run;        /* the run directory, or NULL */
	double train_j;         /* at the machine */
	double infer_j;         /* per query, at the machine */
	long long queries;
	double pue;
	lw_intensity intensity;
	double train_kwh, serve_kwh, lifetime_kwh;        /* at the machine */
	lw_footprint train, serve, total;                 /* PUE included */
	double breakeven;       /* queries; infinite when a query costs nothing */
	double train_share;     /* NAN when the lifetime costs nothing */
} lifetime;

/* ---------------------------------------------------------------- reading a run */

/* The number at key of o, or NAN when it is absent or null; anything else
 * (a string, a negative number) is an error naming path and label (the
 * key's full name). */
static lw_status get_number(const json_t *o, const char *key, const char *label,
			    const char *path, double *out, lw_err *err)
{
	const json_t *v = json_object_get(o, key);
	*out = NAN;
	if (!v || json_is_null(v))
		return LW_OK;
	if (!json_is_number(v) || !(json_number_value(v) >= 0) || !isfinite(json_number_value(v)))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: %s: expected a number >= 0", path, label);
	*out = json_number_value(v);
	return LW_OK;
}

/* The string at key of o into out ("" when absent or null). */
static lw_status get_string(const json_t *o, const char *key, const char *path, char *out,
			    size_t size, lw_err *err)
{
	const json_t *v = json_object_get(o, key);
	out[0] = 0;
	if (!v || json_is_null(v))
		return LW_OK;
	if (!json_is_string(v) || json_string_length(v) >= size)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: %s: expected a string of at most %zu "
				  "bytes", path, key, size - 1);
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return LW_OK;
}

/* The figures of summary.json at path (need_infer: its inference figure
 * must be there). A run that was not metered is an error. */
static lw_status parse_summary(const json_t *root, const char *path, const char *dir,
			       int need_infer, run_figures *out, lw_err *err)
{
	if (!json_is_object(root))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: not a JSON object", path);
	double per_1000;
	lw_status st;
	if ((st = get_number(json_object_get(root, "energy_j"), "total", "energy_j.total", path,
			     &out->train_j, err)) ||
	    (st = get_number(root, "infer_j_per_1000_seq", "infer_j_per_1000_seq", path, &per_1000,
			     err)) ||
	    (st = get_number(root, "pue", "pue", path, &out->pue, err)) ||
	    (st = get_number(root, "intensity_g_per_kwh", "intensity_g_per_kwh", path,
			     &out->g_per_kwh, err)) ||
	    (st = get_string(root, "region", path, out->region, sizeof out->region, err)) ||
	    (st = get_string(root, "intensity_source", path, out->source, sizeof out->source, err)))
		return st;
	if (isnan(out->train_j))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: no energy_j.total: the run was not "
				  "metered (trained by an older lowwatt?)", path);
	if (need_infer && isnan(per_1000))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: no infer_j_per_1000_seq: run `lowwatt "
				  "eval --checkpoint %s/checkpoint.lwck` or give --infer-j-per-query",
				  path, dir);
	if (!isnan(out->pue) && !(out->pue >= 1 && out->pue <= 10))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: pue: %g, expected 1 to 10", path, out->pue);
	out->infer_j = per_1000 / 1000.0;
	return LW_OK;
}

static lw_status read_run(const char *dir, int need_infer, run_figures *out, lw_err *err)
{
	char *path = lw_path_join(dir, "summary.json");
	json_t *root;
	lw_status st = lw_json_read_file(path, &root, err);
	if (!st)
		st = parse_summary(root, path, dir, need_infer, out, err);
	json_decref(root);
	free(path);
	return st;
}

/* ---------------------------------------------------------------- arithmetic */

static void compute(lifetime *lt)
{
	lt->train_kwh = lt->train_j / J_PER_KWH;
	lt->serve_kwh = lt->infer_j * (double)lt->queries / J_PER_KWH;
	lt->lifetime_kwh = lt->train_kwh + lt->serve_kwh;
	double g = lt->intensity.g_per_kwh;
	lw_footprint_compute(lt->train_kwh, lt->pue, g, 1, &lt->train);
	lw_footprint_compute(lt->serve_kwh, lt->pue, g, 1, &lt->serve);
	lw_footprint_compute(lt->lifetime_kwh, lt->pue, g, 1, &lt->total);
	lt->breakeven = lt->infer_j > 0 ? lt->train_j / lt->infer_j : INFINITY;
	lt->train_share = lt->lifetime_kwh > 0 ? lt->train_kwh / lt->lifetime_kwh : NAN;
}

/* ---------------------------------------------------------------- output */

static void print_row(const char *name, double machine_kwh, const lw_footprint *fp)
{
	printf("  %-16s %13.6g %13.6g %13.6g\n", name, machine_kwh, fp->energy_kwh, fp->co2e_kg);
}

/* The break-even line: a whole number of queries with separators while it
 * is one (rounded to the nearest), else in %g. */
static void print_breakeven(const lifetime *lt)
{
	char count[40];
	printf("  %-16s ", "break-even");
	if (isinf(lt->breakeven))
		printf("never: a query costs nothing\n");
	else if (lt->breakeven >= 1 && lt->breakeven < MAX_QUERIES)
		printf("%s queries", cli_count(count, sizeof count,
					       (unsigned long long)llround(lt->breakeven)));
	else
		printf("%.4g queries", lt->breakeven);
	if (!isinf(lt->breakeven))
		printf(": serving has then cost as much as training\n");
}

static void print_text(const lifetime *lt)
{
	char count[40];
	printf("Lifetime footprint: training, then %s queries\n\n",
	       cli_count(count, sizeof count, (unsigned long long)lt->queries));
	if (lt->run)
		printf("  %-16s %s\n", "run", lt->run);
	printf("  %-16s %.6g kWh at the machine\n", "training", lt->train_kwh);
	printf("  %-16s %.6g J at the machine\n", "one query", lt->infer_j);
	carbon_flags_print(lt->pue, &lt->intensity);
	printf("\n  %-16s %13s %13s %13s\n", "", "machine kWh", "facility kWh", "CO2e kg");
	print_row("training", lt->train_kwh, &lt->train);
	print_row("serving", lt->serve_kwh, &lt->serve);
	print_row("lifetime", lt->lifetime_kwh, &lt->total);
	lw_equivalence_kind k = lw_equivalence_nearest(lt->total.co2e_lbs);
	printf("  %-16s %.4g %s\n\n", "equivalent to", lt->total.equivalents[k],
	       lw_equivalence_get(k)->label);
	if (isnan(lt->train_share))
		printf("  %-16s - (the lifetime costs nothing)\n", "training share");
	else
		printf("  %-16s %.4g%% of the lifetime\n", "training share", 100 * lt->train_share);
	print_breakeven(lt);
}

static void print_json(const lifetime *lt)
{
	json_t *co2e = json_object();
	json_object_set_new(co2e, "train", summary_number(lt->train.co2e_kg));
	json_object_set_new(co2e, "serve", summary_number(lt->serve.co2e_kg));
	json_object_set_new(co2e, "total", summary_number(lt->total.co2e_kg));
	json_t *o = json_object();
	json_object_set_new(o, "train_kwh", summary_number(lt->train_kwh));
	json_object_set_new(o, "infer_j_per_query", summary_number(lt->infer_j));
	json_object_set_new(o, "queries", json_integer(lt->queries));
	json_object_set_new(o, "serve_kwh", summary_number(lt->serve_kwh));
	json_object_set_new(o, "lifetime_kwh", summary_number(lt->lifetime_kwh));
	json_object_set_new(o, "facility_kwh", summary_number(lt->total.energy_kwh));
	json_object_set_new(o, "co2e_kg", co2e);
	json_object_set_new(o, "breakeven_queries", summary_number(lt->breakeven));
	json_object_set_new(o, "train_share", summary_number(lt->train_share));
	json_object_set_new(o, "equivalents", summary_equivalents(lt->total.co2e_lbs));
	json_object_set_new(o, "pue", summary_number(lt->pue));
	summary_add_intensity(o, &lt->intensity);
	json_object_set_new(o, "run", lt->run ? json_string(lt->run) : json_null());
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	printf("%s\n", s);
	free(s);
	json_decref(o);
}

/* ---------------------------------------------------------------- flags */

/* --queries: a whole number from 0 to MAX_QUERIES, "1000000" or "1e6". */
static int parse_queries(const char *cmd, const char *text, long long *out)
{
	const char *problem = NULL;
	char *end = NULL;
	double v = 0;
	if (text[0] == '-')
		problem = "negative";
	else if (!text[0] || strspn(text, "0123456789.eE+-") != strlen(text))
		problem = "not a number";
	else if ((v = strtod(text, &end), *end))
		problem = "not a number";
	else if (v != floor(v))
		problem = "not a whole number";
	else if (!(v <= MAX_QUERIES))
		problem = "too many (at most 1e15)";
	if (problem) {   /* through lw_err_set, which keeps the text to one line */
		lw_err err = {{0}};
		lw_err_set(&err, LW_ERR_ARG, "--queries '%.80s': %s; expected the number of uses: "
			   "a whole number >= 0, e.g. 1000000 or 1e9", text, problem);
		fprintf(stderr, "lowwatt %s: %s\n", cmd, err.msg);
		return CLI_USAGE;
	}
	*out = (long long)v;
	return 0;
}

/* --flag text as an energy (a bare number in default_unit) into *joules. */
static int parse_energy(const char *cmd, const char *flag, const char *text,
			const char *default_unit, double *joules)
{
	lw_err err = {{0}};
	if (lw_parse_energy(text, default_unit, joules, &err) == LW_OK)
		return 0;
	fprintf(stderr, "lowwatt %s: --%s %s\n", cmd, flag, err.msg);
	return CLI_USAGE;
}

/* The combinations the mode takes: --queries, and either --run or both
 * --train-kwh and --infer-j-per-query. */
static int check_combination(const char *cmd, const lifetime_flags *f)
{
	const char *missing = !f->queries ? "--queries (the number of uses)" :
			      f->run ? NULL :
			      !f->train_kwh ? "--train-kwh (or --run DIR)" :
			      !f->infer_j ? "--infer-j-per-query (or --run DIR)" : NULL;
	if (f->run && f->train_kwh) {
		fprintf(stderr, "lowwatt %s: give --train-kwh or --run, not both\n", cmd);
		return CLI_USAGE;
	}
	if (missing) {
		fprintf(stderr, "lowwatt %s: missing %s (see lowwatt %s --help)\n", cmd, missing, cmd);
		return CLI_USAGE;
	}
	return 0;
}

/* The run's PUE and grid where no flag gave them. */
static int apply_run(const char *cmd, const carbon_flags *carbon, const run_figures *r,
		     lifetime *lt)
{
	if (!carbon->pue && !isnan(r->pue))
		lt->pue = r->pue;
	if (carbon->region || carbon->intensity)
		return 0;
	if (r->region[0]) {
		lw_err err = {{0}};
		if (lw_intensity_for_region(r->region, &lt->intensity, &err)) {
			fprintf(stderr, "lowwatt %s: %s/summary.json: region %s\n", cmd, lt->run,
				err.msg);
			return 1;
		}
	} else if (!isnan(r->g_per_kwh)) {
		lw_intensity_given(r->g_per_kwh, &lt->intensity);
		snprintf(lt->intensity.name, sizeof lt->intensity.name, "the run's");
		snprintf(lt->intensity.source, sizeof lt->intensity.source, "%s",
			 r->source[0] ? r->source : "the run's summary.json");
	}
	return 0;
}

/* ---------------------------------------------------------------- API */

const char *lifetime_flag_given(const lifetime_flags *f)
{
	return f->queries ? "--queries" : f->train_kwh ? "--train-kwh" :
	       f->infer_j ? "--infer-j-per-query" : f->run ? "--run" : NULL;
}

int footprint_lifetime(const char *cmd, const lifetime_flags *f, const carbon_flags *carbon,
		       int json)
{
	lifetime lt = {.run = f->run};
	int rc;
	if ((rc = check_combination(cmd, f)) || (rc = parse_queries(cmd, f->queries, &lt.queries)) ||
	    (f->train_kwh && (rc = parse_energy(cmd, "train-kwh", f->train_kwh, "kWh", &lt.train_j))) ||
	    (f->infer_j && (rc = parse_energy(cmd, "infer-j-per-query", f->infer_j, "J", &lt.infer_j))) ||
	    (rc = carbon_flags_resolve(cmd, carbon, &lt.intensity, &lt.pue)))
		return rc;
	if (f->run) {
		run_figures r;
		lw_err err = {{0}};
		if (read_run(f->run, !f->infer_j, &r, &err))
			return cli_fail(cmd, &err);
		lt.train_j = r.train_j;
		if (!f->infer_j)
			lt.infer_j = r.infer_j;
		if ((rc = apply_run(cmd, carbon, &r, &lt)))
			return rc;
	}
	compute(&lt);
	if (json)
		print_json(&lt);
	else
		print_text(&lt);
	return 0;
}
