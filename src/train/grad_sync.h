/*
 * grad_sync.h — the gradient all-reduce of a data-parallel run (internal
 * to src/train): the contiguous gradient buffer cut into buckets, each
 * summed over the ranks as soon as backward has finished it, so that the
 * communication overlaps the rest of the backward pass.
 *
 * Buckets are runs of consecutive physical tensors whose gradients become
 * final at the same backward stage (model.h: lw_model_tensor_stage), cut
 * at BUCKET_FLOATS: one bucket per layer for most models. Every rank builds
 * the same buckets from the same model and starts them in the same order
 * (by stage, then from the end of the buffer), as MPI requires of
 * collectives. Between stages the hook lets the sums in flight progress
 * (MPI moves non-blocking collectives on only inside its calls).
 *
 * Time is kept for the benchmark: what the all-reduce cost the step
 * (exposed_s: its calls during backward and the final wait), against what
 * the same sums cost blocking at the end (at_end: the overlap off).
 */
#ifndef LW_TRAIN_GRAD_SYNC_H
#define LW_TRAIN_GRAD_SYNC_H

#include "lowwatt/dist.h"
#include "lowwatt/model.h"

typedef struct grad_bucket {
	size_t offset, size;   /* floats of the gradient buffer */
	int stage;             /* final after this backward stage */
	lw_dist_op op;
} grad_bucket;

typedef struct lw_grad_sync {
	const lw_dist *dist;
	lw_model *model;
	float *grads;
	grad_bucket *bucket;   /* in the order they start */
	int n_buckets;
	int next;              /* the first bucket not yet started */
	int at_end;            /* 1: no overlap, one blocking pass after backward */
	double exposed_s;      /* all-reduce time on the step's path, summed */
	lw_status st;          /* the first error met in the hook */
	lw_err err;
} lw_grad_sync;

/* Buckets for m's gradients over the ranks of d (d->size > 1). */
void lw_grad_sync_init(lw_grad_sync *gs, const lw_dist *d, lw_model *m, int at_end);
void lw_grad_sync_free(lw_grad_sync *gs);

/* The next backward of gs->model sums its gradients over the ranks (call
 * before the last micro-batch's backward of a step). */
void lw_grad_sync_arm(lw_grad_sync *gs);

/* After that backward: start what is left, wait for every bucket, disarm.
 * The gradients are then the sums over the ranks. */
lw_status lw_grad_sync_finish(lw_grad_sync *gs, lw_err *err);

#endif
