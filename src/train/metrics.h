/*
 * metrics.h — a run's metrics.csv (internal to src/train): one row per
 * logged step, appended and flushed as training goes, so a killed run
 * keeps every row it wrote.
 */
#ifndef LW_TRAIN_METRICS_H
#define LW_TRAIN_METRICS_H

#include <stdio.h>

#include "lowwatt/trainer.h"

typedef struct lw_metrics {
	FILE *f;
	char *path;
	double last_j, last_s;  /* the run's energy and seconds at the last row */
} lw_metrics;

/* Open dir/metrics.csv. keep_upto < 0: start a new file with the header
 * row. Otherwise (a resumed run) keep the header and the rows of steps <=
 * keep_upto (rewritten atomically; rows of a file written before the
 * energy columns existed get them, empty) and append after them. energy:
 * the run's so far, where the first row's power is measured from. */
lw_status lw_metrics_open(lw_metrics *m, const char *dir, long keep_upto,
			  const lw_run_energy *energy, lw_err *err);

/* Append the row of step ev->step: window_loss is the mean training loss
 * since the previous row; val's fields are empty when val->loss is NaN,
 * the energy fields when ev->energy is not metered. */
lw_status lw_metrics_row(lw_metrics *m, const lw_train_event *ev, float window_loss,
			 const lw_eval_result *val, lw_err *err);

void lw_metrics_close(lw_metrics *m);

#endif
