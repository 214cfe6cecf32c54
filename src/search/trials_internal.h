/*
 * trials_internal.h — what the ledger's two files share (src/search only):
 * trials.c keeps the rows, trials_csv.c writes and reads trials.csv, and
 * both check a row's values the same way.
 */
#ifndef LW_SEARCH_LEDGER_INTERNAL_H
#define LW_SEARCH_LEDGER_INTERNAL_H

#include "lowwatt/trials.h"

/* LW_OK if config is the text of a JSON object; else err says why. */
lw_status lw_trials_check_config(const char *config, lw_err *err);

/* LW_OK if r's numbers, method and status are in range (see trials.h);
 * else an LW_ERR_ARG naming the field. The strings are not checked. */
lw_status lw_trials_check_values(const lw_trial *r, lw_err *err);

/* 1 if method is one of none, measured, estimated, mixed. */
int lw_trials_method_known(const char *method);

/* Free the strings of one row. */
void lw_trials_row_free(lw_trial *r);

#endif
