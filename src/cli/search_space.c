/*
 * search_space.c — the checks of a search space's values and whole
 * configurations (search_space.h): a value must be one a settings file may
 * hold for its key; a configuration (the space's base and one value per
 * dimension, over the defaults of `lowwatt train`) must make a model and a
 * run that train_settings_check accepts (heads dividing d_model, a
 * parameter budget that resolves, sharing settings that fit together).
 */
#include "cli/search_space.h"

#include <string.h>

#include "cli/train_settings.h"

/* Settings the search itself decides, and the flag that sets each. */
static const struct { const char *key, *why; } RESERVED[] = {
	{"steps", "lowwatt search's --max-steps and rungs set the steps"},
	{"vocab", "the tokenizer decides the vocabulary"},
	{"out", "lowwatt search puts each trial in OUT/trials/ID"},
	{"name", "lowwatt search names each trial"},
	{"budget_kwh", "give lowwatt search --budget-kwh: the budget is the search's"},
	{"budget_co2e_g", "give lowwatt search --budget-co2e-g: the budget is the search's"},
	{"region", "give lowwatt search --region"},
	{"intensity", "give lowwatt search --intensity"},
	{"pue", "give lowwatt search --pue"},
	{"rapl", "give lowwatt search --rapl"},
};

/* Settings every trial must share: fixed in "base", never a dimension. */
static const char *const SHARED[] = { "data", "tokenizer", "blas_core" };

static lw_status check_value(void *ctx, const char *key, const json_t *value, lw_err *err)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof RESERVED / sizeof *RESERVED; i++)
		if (strcmp(key, RESERVED[i].key) == 0)
			return lw_err_set(err, LW_ERR_ARG, "not a setting of a space: %s",
					  RESERVED[i].why);
	return train_settings_check_value(key, value, err);
}

lw_status search_space_check_shared(const json_t *root, const char *path, lw_err *err)
{
	for (size_t i = 0; i < sizeof SHARED / sizeof *SHARED; i++)
		if (json_object_get(root, SHARED[i]))
			return lw_err_set(err, LW_ERR_ARG, "%s: '%s' cannot vary: every trial of a "
					  "search uses the same; put it in \"base\"", path, SHARED[i]);
	return LW_OK;
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
