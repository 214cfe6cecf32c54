/*
 * dp.h — the data-parallel side of a training run (internal to src/train):
 * what the ranks of an MPI job agree on so that they train as one.
 *
 * Every rank builds the same model from the same seed and reads its own
 * rows of every global batch; a micro-batch's loss is the mean over the
 * whole batch's targets (the ranks first sum their counts), so each rank's
 * backward is scaled by its share and the summed gradients are exactly
 * the one-process run's, up to the order of float additions. Rank 0 reads
 * and writes the run directory and makes every decision (stop, budget);
 * the others receive them. A failure of one rank alone ends the job
 * (lw_dist_abort, naming the rank and host), so no rank waits forever.
 *
 * With one process every function is the identity: the run is as before.
 */
#ifndef LW_TRAIN_DP_H
#define LW_TRAIN_DP_H

#include "train/run.h"

/* This rank's rows (ranks must not outnumber the batch's rows), and with
 * several ranks: the settings and the data agree with rank 0's. */
lw_status dp_open(run *r, lw_err *err);
void dp_close(run *r);

/* Rank 0, or the one process: the rank that writes and observes. */
int dp_root(const run *r);

/* A failure of this rank alone: with several ranks the job ends here; with
 * one process, st is returned. */
lw_status dp_local(const run *r, lw_status st, const lw_err *err);

/* After a micro-batch's forward (this rank's mean loss over its `targets`
 * targets): the whole batch's mean loss, and the scale of this rank's
 * backward (1/accum for one process). */
lw_status dp_batch_loss(run *r, float loss, int targets, double *batch_loss, float *scale,
			lw_err *err);

/* Rank 0's stop decision (and reason) becomes every rank's. */
lw_status dp_agree_stop(run *r, int *stopped, lw_err *err);

/* A status only rank 0 knows (its checkpoint written or read), with its
 * message, becomes every rank's. */
lw_status dp_share_status(const run *r, lw_status st, lw_err *err);

/* Rank 0 read ck (with the status st): every rank gets its state. */
lw_status dp_share_checkpoint(const run *r, lw_checkpoint *ck, lw_status st, lw_err *err);

/* Before a checkpoint: every rank holds rank 0's parameters bit for bit
 * (else the ranks have drifted apart: an error on every rank). */
lw_status dp_check_params(run *r, lw_err *err);

#endif
