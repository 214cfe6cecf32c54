/*
 * search_space.h — what the values and configurations of a search space
 * (lowwatt/space.h) must be: settings of `lowwatt train`, checked with its
 * own table (train_settings.h), so that a bad space is refused before any
 * trial trains.
 */
#ifndef LW_CLI_SEARCH_SPACE_H
#define LW_CLI_SEARCH_SPACE_H

#include "lowwatt/space.h"

typedef struct search_space_ctx {
	int vocab;    /* the data's tokenizer's: a model's size depends on it */
} search_space_ctx;

/* The checks, reading ctx (which must outlive the parse). */
lw_space_checks search_space_checks(search_space_ctx *ctx);

/* The settings every trial must share (data, tokenizer, blas_core) may be
 * fixed in base but not be dimensions: checked on the space file's root
 * (path names it) before the data it names is opened. (The settings the
 * search itself decides, steps, budgets and carbon, are refused anywhere by
 * the key check.) */
lw_status search_space_check_shared(const json_t *root, const char *path, lw_err *err);

#endif
