/*
 * eval.h — held-out evaluation over a slice of each validation batch
 * (internal to src/train): each rank of a data-parallel run scores its own
 * rows, and the sums over the ranks make the whole batches' figures.
 */
#ifndef LW_TRAIN_EVAL_H
#define LW_TRAIN_EVAL_H

#include "lowwatt/dist.h"
#include "lowwatt/trainer.h"

/* lw_evaluate over rows [row0, row0 + rows) of every validation batch,
 * summed over dist's ranks (NULL: this process's rows alone). */
lw_status lw_evaluate_rows(lw_model *m, const lw_train_config *cfg, const lw_train_data *data,
			   int n_batches, const double *unigram, int row0, int rows,
			   const lw_dist *dist, lw_eval_result *out, lw_err *err);

#endif
