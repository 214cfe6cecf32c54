/*
 * summary.h — summary.json of a training run.
 */
#ifndef LW_CLI_SUMMARY_H
#define LW_CLI_SUMMARY_H

#include <jansson.h>

#include "lowwatt/trainer.h"

/* x as a JSON number, or null when it is not finite (JSON has no NaN). */
json_t *summary_number(double x);

/* The summary of a finished run as a JSON object (caller: json_decref). */
json_t *summary_build(const lw_train_config *cfg, const lw_train_result *r, const char *run_dir);

/* Write it to path, atomically. */
lw_status summary_write(const char *path, const json_t *summary, lw_err *err);

#endif
