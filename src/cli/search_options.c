/*
 * search_options.c — the flags of `lowwatt search` and search.json (see
 * search_options.h): parse, take a resumed search's saved settings, refuse
 * a flag that contradicts them, write them for the next --resume.
 */
#include "cli/search_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/args.h"
#include "cli/summary.h"
#include "util/file.h"
#include "util/json_file.h"

#define USAGE "--space FILE.json --strategy grid|random|sh|hyperband|asha [--trials N] " \
	      "[--budget-kwh X | --budget-co2e-g X] [--min-steps N --max-steps N --eta N] " \
	      "[--seed N] [--out DIR] [--resume] [--json] " CARBON_USAGE

#define DEFAULT_MAX_STEPS 1800
#define DEFAULT_ETA 3
#define DEFAULT_SEED 1

/* ---------------------------------------------------------------- resume */

/* A number saved in search.json against the flag: taken when the flag was
 * not given, refused when it differs. */
static int take_long(const char *cmd, const json_t *saved, const char *key, const char *flag,
		     long *value, const char *path)
{
	const json_t *v = json_object_get(saved, key);
	if (!json_is_integer(v)) {
		fprintf(stderr, "lowwatt %s: %s: '%s' must be an integer\n", cmd, path, key);
		return 1;
	}
	long was = (long)json_integer_value(v);
	if (*value != SEARCH_NOT_GIVEN && *value != was) {
		fprintf(stderr, "lowwatt %s: --%s %ld differs from this search's %ld (%s); a resumed "
				"search keeps its plan\n", cmd, flag, *value, was, path);
		return CLI_USAGE;
	}
	*value = was;
	return 0;
}

/* The same for a string (null in the file: not given then). */
static int take_string(const char *cmd, const json_t *saved, const char *key, const char *flag,
		       const char **value, const char *path)
{
	const json_t *v = json_object_get(saved, key);
	if (!json_is_string(v) && !json_is_null(v)) {
		fprintf(stderr, "lowwatt %s: %s: '%s' must be a string or null\n", cmd, path, key);
		return 1;
	}
	const char *was = json_string_value(v);
	int same = was && *value ? strcmp(was, *value) == 0 : was == *value;
	if (*value && !same) {
		fprintf(stderr, "lowwatt %s: --%s %s differs from this search's %s (%s)\n", cmd, flag,
			*value, was ? was : "(none)", path);
		return CLI_USAGE;
	}
	*value = was;
	return 0;
}

/* The space: the saved copy; a --space given again must hold the same. */
static int take_space(const char *cmd, search_options *o, const char *path)
{
	json_t *was = json_object_get(o->saved, "space");
	if (!json_is_object(was)) {
		fprintf(stderr, "lowwatt %s: %s: 'space' must be an object\n", cmd, path);
		return 1;
	}
	if (o->space) {
		json_t *now = NULL;
		lw_err err = {0};
		if (lw_json_read_file(o->space, &now, &err)) {
			fprintf(stderr, "lowwatt %s: %s\n", cmd, err.msg);
			return 1;
		}
		int same = json_equal(now, was);
		json_decref(now);
		if (!same) {
			fprintf(stderr, "lowwatt %s: --space %s is not the space this search started "
					"with (%s)\n", cmd, o->space, path);
			return CLI_USAGE;
		}
	}
	o->space_root = json_incref(was);
	return take_string(cmd, o->saved, "space_file", "space", &o->space, path);
}

static int load_saved(const char *cmd, search_options *o)
{
	char *path = lw_path_join(o->out, "search.json");
	lw_err err = {0};
	int rc = 0;
	if (lw_json_read_file(path, &o->saved, &err)) {
		fprintf(stderr, "lowwatt %s: --resume: %s\n", cmd, err.msg);
		rc = 1;
	} else if (!json_is_object(o->saved)) {
		fprintf(stderr, "lowwatt %s: %s: not a JSON object\n", cmd, path);
		rc = 1;
	}
	const struct { const char *key, *flag; long *v; } nums[] = {
		{"trials", "trials", &o->trials}, {"min_steps", "min-steps", &o->min_steps},
		{"max_steps", "max-steps", &o->max_steps}, {"eta", "eta", &o->eta},
		{"seed", "seed", &o->seed},
	};
	const struct { const char *key, *flag; const char **v; } strs[] = {
		{"strategy", "strategy", &o->strategy}, {"region", "region", &o->carbon.region},
		{"intensity", "intensity", &o->carbon.intensity}, {"pue", "pue", &o->carbon.pue},
		{"rapl", "rapl", &o->rapl},
	};
	for (size_t i = 0; !rc && i < sizeof nums / sizeof *nums; i++)
		rc = take_long(cmd, o->saved, nums[i].key, nums[i].flag, nums[i].v, path);
	for (size_t i = 0; !rc && i < sizeof strs / sizeof *strs; i++)
		rc = take_string(cmd, o->saved, strs[i].key, strs[i].flag, strs[i].v, path);
	if (!rc)
		rc = take_space(cmd, o, path);
	free(path);
	return rc;
}

/* ---------------------------------------------------------------- parse */

static int read_space(const char *cmd, search_options *o)
{
	lw_err err = {0};
	if (lw_json_read_file(o->space, &o->space_root, &err)) {
		fprintf(stderr, "lowwatt %s: %s\n", cmd, err.msg);
		return 1;
	}
	return 0;
}

/* A new search needs its space and strategy, and a directory of its own. */
static int check_new(const char *cmd, search_options *o)
{
	if (!o->space || !o->strategy) {
		fprintf(stderr, "lowwatt %s: give --space FILE.json and --strategy (usage: lowwatt "
				"%s %s)\n", cmd, cmd, USAGE);
		return CLI_USAGE;
	}
	if (!o->out) {
		char stamp[32];
		time_t now = time(NULL);
		strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
		o->out = o->out_default = lw_path_join("searches", stamp);
	}
	char *saved = lw_path_join(o->out, "search.json");
	FILE *f = fopen(saved, "r");
	free(saved);
	if (f) {
		fclose(f);
		fprintf(stderr, "lowwatt %s: %s already holds a search: --resume continues it, "
				"another --out starts a new one\n", cmd, o->out);
		return 1;
	}
	return read_space(cmd, o);
}

int search_options_parse(const char *cmd, int argc, char **argv, search_options *o)
{
	*o = (search_options){
		.trials = SEARCH_NOT_GIVEN, .min_steps = SEARCH_NOT_GIVEN,
		.max_steps = SEARCH_NOT_GIVEN, .eta = SEARCH_NOT_GIVEN, .seed = SEARCH_NOT_GIVEN,
	};
	cli_flag flags[] = {
		{"space", CLI_STRING, &o->space, 0, 0, 0, "the search space (JSON; see README)"},
		{"strategy", CLI_STRING, &o->strategy, 0, 0, 0,
		 "grid, random, sh (successive halving), hyperband or asha"},
		{"trials", CLI_INT, &o->trials, 0, 1, 1000000,
		 "configurations to try (default: grid all, random 10, sh/asha eta^s_max, "
		 "hyperband every bracket)"},
		{"budget-kwh", CLI_FLOAT, &o->budget_kwh, 0, 0, 1000000000,
		 "stop before the search's facility energy passes X kWh"},
		{"budget-co2e-g", CLI_FLOAT, &o->budget_co2e_g, 0, 0, 1000000000,
		 "stop before its CO2e passes X grams"},
		{"min-steps", CLI_INT, &o->min_steps, 0, 1, 100000000,
		 "the lowest rung's steps (default max-steps / 81)"},
		{"max-steps", CLI_INT, &o->max_steps, 0, 1, 100000000,
		 "steps of a fully trained configuration (default 1800)"},
		{"eta", CLI_INT, &o->eta, 0, 2, 1000, "the halving rate (default 3)"},
		{"seed", CLI_INT, &o->seed, 0, 0, 2147483647, "the search's seed (default 1)"},
		{"out", CLI_STRING, &o->out, 0, 0, 0, "the search directory (default searches/TIME)"},
		{"resume", CLI_BOOL, &o->resume, 0, 0, 0, "continue the search in --out"},
		{"json", CLI_BOOL, &o->json, 0, 0, 0, "print the summary as JSON on stdout"},
		CARBON_FLAGS(&o->carbon),
		{"rapl", CLI_STRING, &o->rapl, 0, 0, 0, "packages (default) or psys"},
	};
	int rc = cli_parse(cmd, USAGE, argc, argv, flags, sizeof flags / sizeof *flags, NULL);
	if (rc)
		return rc;
	if (o->budget_kwh > 0 && o->budget_co2e_g > 0) {
		fprintf(stderr, "lowwatt %s: give --budget-kwh or --budget-co2e-g, not both\n", cmd);
		return CLI_USAGE;
	}
	if (o->resume && !o->out) {
		fprintf(stderr, "lowwatt %s: --resume needs --out DIR, the search to continue\n", cmd);
		return CLI_USAGE;
	}
	rc = o->resume ? load_saved(cmd, o) : check_new(cmd, o);
	if (rc)
		search_options_free(o);
	return rc;
}

void search_options_resolve(search_options *o)
{
	if (o->max_steps == SEARCH_NOT_GIVEN)
		o->max_steps = DEFAULT_MAX_STEPS;
	if (o->min_steps == SEARCH_NOT_GIVEN)
		o->min_steps = o->max_steps / 81 > 1 ? o->max_steps / 81 : 1;
	if (o->eta == SEARCH_NOT_GIVEN)
		o->eta = DEFAULT_ETA;
	if (o->seed == SEARCH_NOT_GIVEN)
		o->seed = DEFAULT_SEED;
	if (o->trials == SEARCH_NOT_GIVEN)
		o->trials = 0;
	if (!o->rapl)
		o->rapl = "packages";
}

static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

lw_status search_options_write(const char *path, const search_options *o, lw_err *err)
{
	json_t *j = json_object();
	json_object_set_new(j, "format", json_integer(1));
	json_object_set_new(j, "strategy", json_string(o->strategy));
	json_object_set_new(j, "trials", json_integer(o->trials));
	json_object_set_new(j, "min_steps", json_integer(o->min_steps));
	json_object_set_new(j, "max_steps", json_integer(o->max_steps));
	json_object_set_new(j, "eta", json_integer(o->eta));
	json_object_set_new(j, "seed", json_integer(o->seed));
	json_object_set_new(j, "region", string_or_null(o->carbon.region));
	json_object_set_new(j, "intensity", string_or_null(o->carbon.intensity));
	json_object_set_new(j, "pue", string_or_null(o->carbon.pue));
	json_object_set_new(j, "rapl", json_string(o->rapl));
	json_object_set_new(j, "space_file", json_string(o->space));
	json_object_set(j, "space", o->space_root);
	lw_status st = summary_write(path, j, err);
	json_decref(j);
	return st;
}

void search_options_free(search_options *o)
{
	json_decref(o->space_root);
	json_decref(o->saved);
	free(o->out_default);
	o->space_root = o->saved = NULL;
	o->out_default = NULL;
}
