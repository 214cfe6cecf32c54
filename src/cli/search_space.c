/*
 * search_space.c — the checks of a search space's values and whole
 * configurations (search_space.h): a value must be one a settings file may
 * hold for its key; a configuration (the space's base and one value per
 * dimension, over the defaults of `lowwatt train`) must make a model and a
 * run that train_settings_check accepts (heads dividing d_model, a
 * parameter budget that resolves, sharing settings that fit together).
 */
#include "cli/search_space.h"
#include "cli/train_settings.h"

static lw_status check_value(void *ctx, const char *key, const json_t *value, lw_err *err)
{
	(void)ctx;
	return train_settings_check_value(key, value, err);
}

static lw_status check_config(void *ctx, const json_t *config, lw_err *err)
{
	const search_space_ctx *c = ctx;
	lw_train_config cfg;
	train_options opt;
	lw_train_config_default(&cfg);
	train_options_default(&opt);
	lw_status st = train_settings_apply(config, "the configuration", &cfg, &opt, err);
	cfg.model.vocab = c->vocab;
	if (!st)
		st = train_settings_bank(&cfg, &opt, err);
	if (!st)
		st = train_settings_check(&cfg, &opt, err);
	train_options_free(&opt);
	return st;
}

lw_space_checks search_space_checks(search_space_ctx *ctx)
{
	return (lw_space_checks){ .ctx = ctx, .key = check_value, .config = check_config };
}
