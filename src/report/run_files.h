/*
 * run_files.h — a run directory read into memory for the report (internal
 * to src/report): its summary.json as a JSON object and its metrics.csv as
 * columns of numbers.
 *
 * metrics.csv has one of two headers: the 16 columns of a metered run
 *
 *   step,tokens,loss,lr,grad_norm,tokens_per_s,elapsed_s,val_loss,
 *   val_accuracy,power_w,energy_j,co2e_g,method,cpu_j,dram_j,gpu_j
 *
 * or the first 9 of them (a run of an older lowwatt: no energy). Anything
 * else, a row with another number of fields, or a field that is not a
 * number where one must be, is refused with one line naming the file and
 * the line. An empty field is NaN, and so is a non-finite one ("nan" from
 * a diverged loss): step, tokens and elapsed_s must be there. The method
 * column holds an lw_run_method code (NaN when empty).
 *
 * summary.json is optional (a run stopped by a crash has none); when it is
 * there it must be a JSON object with a "steps" number and no key twice.
 * Its energy keys may be absent or null: the run was not metered.
 */
#ifndef LW_REPORT_RUN_FILES_H
#define LW_REPORT_RUN_FILES_H

#include <jansson.h>
#include <stddef.h>

#include "lowwatt/status.h"

typedef enum lw_run_col {
	LW_COL_STEP, LW_COL_TOKENS, LW_COL_LOSS, LW_COL_LR, LW_COL_GRAD_NORM,
	LW_COL_TOKENS_PER_S, LW_COL_ELAPSED_S, LW_COL_VAL_LOSS, LW_COL_VAL_ACCURACY,
	LW_COL_POWER_W, LW_COL_ENERGY_J, LW_COL_CO2E_G, LW_COL_METHOD,
	LW_COL_CPU_J, LW_COL_DRAM_J, LW_COL_GPU_J,
	LW_COL_COUNT,
} lw_run_col;

#define LW_COL_COUNT_OLD 9   /* the columns of an older run */

/* Codes of the method column. */
typedef enum lw_run_method {
	LW_RUN_METHOD_NONE, LW_RUN_METHOD_MEASURED, LW_RUN_METHOD_ESTIMATED, LW_RUN_METHOD_MIXED,
} lw_run_method;

typedef struct lw_run_files {
	char *dir;                   /* as given */
	char *name;                  /* the directory's base name */
	json_t *summary;             /* NULL: no summary.json */
	int n_cols;                  /* LW_COL_COUNT, or LW_COL_COUNT_OLD */
	size_t n_rows;
	double *col[LW_COL_COUNT];   /* n_rows each (all NaN past n_cols) */
} lw_run_files;

/* The name of column c in the header ("val_loss"). */
const char *lw_run_col_name(lw_run_col c);

/* Read dir/metrics.csv (required: without it dir is not a run) and
 * dir/summary.json (optional). On failure run holds nothing to free. */
lw_status lw_run_files_load(const char *dir, lw_run_files *run, lw_err *err);

/* Parse the text of a metrics.csv (len bytes; NUL bytes are refused like any
 * other bad character) into run's columns; path names it in messages. */
lw_status lw_run_files_parse_metrics(const char *path, const char *text, size_t len,
				     lw_run_files *run, lw_err *err);

/* Parse the text of a summary.json into run->summary. */
lw_status lw_run_files_parse_summary(const char *path, const char *text, size_t len,
				     lw_run_files *run, lw_err *err);

void lw_run_files_free(lw_run_files *run);

/* summary[key] (or summary[key][sub] when sub is not NULL) as a number;
 * NaN when there is no summary, the key is absent, null or not a number. */
double lw_run_files_num(const lw_run_files *run, const char *key, const char *sub);

/* The same as a string; NULL when absent or not a string. */
const char *lw_run_files_str(const lw_run_files *run, const char *key, const char *sub);

/* Whether any row has an energy figure, or the summary a total: the run
 * was metered. */
int lw_run_files_metered(const lw_run_files *run);

#endif
