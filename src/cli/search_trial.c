/*
 * search_trial.c — one rung of one trial (see search_trial.h): settings
 * from the configuration, the run directory DIR/trials/ID with its
 * config.json (so that `lowwatt train --config` repeats the trial), and
 * lw_train planned for max_steps and stopped at the rung's steps.
 */
#include "cli/search_trial.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lowwatt/trainer.h"
#include "util/file.h"

/* cfg and opt from a configuration text (opt: train_options_free). */
static lw_status settings(const search_trial_env *env, const char *config, lw_train_config *cfg,
			  train_options *opt, lw_err *err)
{
	lw_train_config_default(cfg);
	train_options_default(opt);
	json_error_t jerr;
	json_t *j = json_loads(config, 0, &jerr);
	if (!j)
		return lw_err_set(err, LW_ERR_FORMAT, "configuration is not JSON: %s", jerr.text);
	lw_status st = train_settings_apply(j, "the configuration", cfg, opt, err);
	json_decref(j);
	cfg->model.vocab = env->vocab;
	cfg->steps = env->max_steps;
	if (!st)
		st = train_settings_bank(cfg, opt, err);
	if (!st)
		st = train_settings_check(cfg, opt, err);
	return st;
}

int search_trial_open_data(const char *cmd, const json_t *space, const char *path,
			   run_data *rd)
{
	lw_train_config cfg;
	train_options opt;
	lw_train_config_default(&cfg);
	train_options_default(&opt);
	const json_t *base = json_object_get(space, "base");
	lw_err err = {0};
	int rc = 0;
	if (search_space_check_shared(space, path, &err) ||
	    (json_is_object(base) && train_settings_apply(base, path, &cfg, &opt, &err))) {
		fprintf(stderr, "lowwatt %s: %s\n", cmd, err.msg);
		rc = 1;
	}
	if (!rc)
		rc = run_data_open(cmd, opt.data, opt.tokenizer, 1, rd);
	train_options_free(&opt);
	return rc;
}

lw_status search_trial_settings(const search_trial_env *env, const char *config,
				lw_train_config *cfg, lw_err *err)
{
	train_options opt;
	lw_status st = settings(env, config, cfg, &opt, err);
	train_options_free(&opt);
	return st;
}

static lw_status make_dir(const char *path, lw_err *err)
{
	if (mkdir(path, 0777) == 0 || errno == EEXIST)
		return LW_OK;
	return lw_err_set(err, LW_ERR_IO, "cannot create %s: %s", path, strerror(errno));
}

/* DIR/trials/ID, created; whether it holds a checkpoint to continue. */
static lw_status open_run_dir(const search_trial_env *env, const lw_trial *row, char **dir,
			      int *resume, lw_err *err)
{
	char *trials = lw_path_join(env->dir, "trials");
	*dir = lw_path_join(env->dir, row->run_dir);
	lw_status st = make_dir(trials, err);
	if (!st)
		st = make_dir(*dir, err);
	free(trials);
	char *ckpt = lw_path_join(*dir, "checkpoint.lwck");
	*resume = access(ckpt, F_OK) == 0;
	free(ckpt);
	return st;
}

/* Stop at the rung's steps, or at once after a signal (or the tick's
 * word). */
typedef struct rung_watch {
	int64_t steps;
	const search_trial_env *env;
	int signalled;
} rung_watch;

static int rung_event(const lw_train_event *ev, void *ctx)
{
	rung_watch *w = ctx;
	const search_trial_env *env = w->env;
	if ((env->stop && *env->stop) ||
	    (ev->kind == LW_TRAIN_STEP && env->tick && env->tick(env->tick_ctx))) {
		w->signalled = 1;
		return 1;
	}
	return (ev->kind == LW_TRAIN_STARTED || ev->kind == LW_TRAIN_STEP) && ev->step >= w->steps;
}

/* A trainer error that belongs to the trial (its settings, its loss, its
 * size) fails the trial; any other stops the search. */
static int trial_error(lw_status st)
{
	return st == LW_ERR_STATE || st == LW_ERR_NOMEM || st == LW_ERR_ARG;
}

/* The trial's energy after the rung: the run's, as the trainer counts it
 * over every invocation (a checkpoint carries the earlier ones'); on a
 * machine shared by `share` ranks, whose meters each see the whole
 * machine, an even share of it (exact when every rung of the trial ran
 * beside as many ranks; never less than the trial had before). */
static double trial_energy(const search_trial_env *env, const lw_trial *row,
			   const lw_train_result *res)
{
	if (!res->energy.metered)
		return 0;
	if (env->share <= 1)
		return res->energy.total_j;
	return fmax(row->energy_j, res->energy.total_j / env->share);
}

/* The row after the trainer's result. */
static void record(const search_trial_env *env, const lw_trial *row, const lw_train_result *res,
		   const rung_watch *w, lw_trial *out, search_rung_end *end)
{
	int64_t steps = w->steps;
	out->steps = res->steps;
	out->val_loss = res->val.loss;
	out->energy_j = trial_energy(env, row, res);
	snprintf(out->method, sizeof out->method, "%s", lw_run_energy_method(&res->energy));
	out->seconds = res->energy.metered ? res->energy.seconds : row->seconds + res->seconds;
	if (res->steps >= steps) {
		out->status = LW_TRIAL_DONE;
		*end = SEARCH_RUNG_DONE;
	} else {
		out->status = LW_TRIAL_STOPPED;
		*end = SEARCH_RUNG_BUDGET;
	}
}

static lw_status train_rung(const search_trial_env *env, const lw_trial *row, int64_t steps,
			    double budget_j, const lw_train_config *cfg, const char *dir,
			    int resume, lw_trial *out, search_rung_end *end, lw_err *why,
			    lw_err *err)
{
	rung_watch w = { .steps = steps, .env = env };
	lw_train_options to = {
		.resume = resume, .obs = rung_event, .ctx = &w,
		.energy = { .meter = env->meter, .co2e_g_per_j = env->co2e_g_per_j,
			    .budget_j = budget_j },
	};
	/* "Every core" in a distributed search: this rank's share of them. */
	lw_train_config here = *cfg;
	if (here.threads == 0)
		here.threads = lw_dist_threads(env->share);
	lw_train_result res;
	lw_status st = lw_train(&here, &env->rd->data, dir, &to, &res, why);
	if (st) {
		if (!trial_error(st)) {
			*err = *why;
			return st;
		}
		out->status = LW_TRIAL_FAILED;
		out->val_loss = NAN;
		*end = SEARCH_RUNG_FAILED;
		return LW_OK;
	}
	if (w.signalled && res.steps < steps) {
		out->status = LW_TRIAL_RUNNING;  /* resume continues its checkpoint */
		*end = SEARCH_RUNG_SIGNAL;
		return LW_OK;
	}
	record(env, row, &res, &w, out, end);
	return LW_OK;
}

lw_status search_trial_run(const search_trial_env *env, const lw_trial *row, int64_t steps,
			   double budget_j, lw_trial *out, search_rung_end *end, lw_err *why,
			   lw_err *err)
{
	*out = *row;
	lw_train_config cfg;
	train_options opt;
	if (settings(env, row->config, &cfg, &opt, why)) {
		train_options_free(&opt);
		out->status = LW_TRIAL_FAILED;
		*end = SEARCH_RUNG_FAILED;
		return LW_OK;
	}
	char *dir = NULL;
	int resume = 0;
	lw_status st = open_run_dir(env, row, &dir, &resume, err);
	char *config = lw_path_join(dir, "config.json");
	if (!st && !resume)
		st = train_settings_write_json(config, &cfg, &opt, err);
	if (!st)
		st = train_rung(env, row, steps, budget_j, &cfg, dir, resume, out, end, why, err);
	free(config);
	free(dir);
	train_options_free(&opt);
	return st;
}
