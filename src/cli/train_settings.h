/*
 * train_settings.h — the settings of `lowwatt train` (and `lowwatt eval`):
 * flags, a --config FILE.json holding the same settings, and a run's
 * config.json, all read and written through one table so that the three
 * never disagree.
 *
 * A JSON key is the flag's name without its dashes, '-' written '_'
 * (--d-model: "d_model"). The numbers land in an lw_train_config, the rest
 * in train_options. Precedence: the defaults (lw_train_config_default), then
 * the file (--config FILE, or with --resume the run's OUT/NAME/config.json),
 * then the flags.
 *
 * Settings by where they may appear:
 *   flags and files  arch layers d_model heads d_ff seq batch accum steps lr
 *                    warmup weight_decay clip seed threads eval_every
 *                    eval_batches save_every log_every data tokenizer out
 *                    name blas_core region intensity pue budget_kwh
 *                    budget_co2e_g rapl share share_groups share_vectors
 *                    param_budget templates
 *   files only       vocab (a run's tokenizer decides it; the file records
 *                    it), min_lr_ratio mask_prob decay_embeddings beta1
 *                    beta2 eps
 *   flags only       --stop-at --resume --json --config
 *
 * Exit statuses of train_settings_parse: a bad flag, or settings that do not
 * fit together (heads must divide d_model), is a usage error (2); a file that
 * cannot be read or holds a bad key, type or value is a failure (1), its
 * message naming the file and the key.
 */
#ifndef LW_CLI_TRAIN_SETTINGS_H
#define LW_CLI_TRAIN_SETTINGS_H

#include <jansson.h>

#include "lowwatt/status.h"
#include "lowwatt/train.h"

/* The settings that are not numbers of the run. Strings are owned
 * (train_options_free frees them). */
typedef struct train_options {
	char *data;       /* folder with train.lwtk and val.lwtk, or "default" */
	char *tokenizer;  /* a tokenizer file, or "default" (the data's) */
	char *out;        /* the folder that holds run folders ("runs") */
	char *name;       /* the run folder under out; NULL: the caller names it */
	char *config;     /* --config FILE, or NULL */
	char *blas_core;  /* "auto" or "env" (blas_core.h) */
	char *region;     /* carbon (carbon_flags.h): NULL, not given */
	char *intensity;
	char *pue;
	char *rapl;       /* "packages" or "psys" (meter.h) */
	char *param_budget;  /* "N" floats or "P%" of the unshared model; NULL:
				no parameter bank (train_settings_bank) */
	float budget_kwh; /* facility energy the run must stay within; 0: none */
	float budget_co2e_g;  /* CO2e it must stay within; 0: none */
	int resume;       /* --resume: continue OUT/NAME from its checkpoint */
	long stop_at;     /* --stop-at: stop cleanly after this step (a
			     checkpoint), as a scheduler's time limit asks;
			     0: no */
	int json;         /* --json: machine-readable output */
} train_options;

/* The defaults: data "default", tokenizer "default", out "runs", name and
 * config NULL, blas_core "auto", rapl "packages", carbon NULL (the world
 * average, PUE 1), no budget, resume and json 0. A --region flag drops an
 * --intensity read from a file, and the other way round. */
void train_options_default(train_options *opt);
void train_options_free(train_options *opt);

/* Parse the words after `lowwatt CMD` into cfg and opt (both filled from
 * the defaults first). Returns 0; -1 when --help printed the usage (exit
 * 0); CLI_USAGE or 1 after printing one line to stderr (see above). With
 * --resume, --name is required, --config is refused, and blas_core comes
 * from the command line alone (the kernels are chosen before any file is
 * read). cfg->model.vocab is only what a file said: the caller sets it from
 * the tokenizer. On a non-zero return opt holds nothing to free. */
int train_settings_parse(const char *cmd, int argc, char **argv, lw_train_config *cfg,
			 train_options *opt);

/* Settings that must agree with each other: the model (lw_model_config_check:
 * heads divides d_model, vocab included), name a plain folder name, no
 * empty path, a seed that a file can hold (<= LONG_MAX). */
lw_status train_settings_check(const lw_train_config *cfg, const train_options *opt,
			       lw_err *err);

/* Set cfg->model.bank from opt->param_budget (cfg->model.vocab must be
 * set: a percentage is of the unshared model's parameters). A bad budget
 * ("0", "x", "120%") is an error naming it. */
lw_status train_settings_bank(lw_train_config *cfg, const train_options *opt, lw_err *err);

/* Write every setting (files-only ones and vocab included; not resume, json
 * or config) to path as JSON, atomically. Floats are written in the
 * shortest form that reads back as the same float ("lr": 0.0003). */
lw_status train_settings_write_json(const char *path, const lw_train_config *cfg,
				    const train_options *opt, lw_err *err);

/* Read a settings file over cfg and opt: keys it lacks leave them as they
 * are. Each key is checked for name, JSON type and range; an error names
 * path and key, and may leave cfg and opt partly updated. Does not run
 * train_settings_check (a --config file may hold half of a pair whose
 * other half comes from a flag). */
lw_status train_settings_read_json(const char *path, lw_train_config *cfg, train_options *opt,
				   lw_err *err);

/* The same for a JSON object already in memory (a search's configuration);
 * what names it in errors, as path does. */
lw_status train_settings_apply(const json_t *settings, const char *what, lw_train_config *cfg,
				train_options *opt, lw_err *err);

/* Whether key is a setting a file may hold and value one it may take (name,
 * JSON type, range), without applying it: the search space's check of
 * every base value, choice and range end. The message names neither key
 * nor file ("the value must be between 1 and 1024, got 0"). */
lw_status train_settings_check_value(const char *key, const json_t *value, lw_err *err);

#endif
