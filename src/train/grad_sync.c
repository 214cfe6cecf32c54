/*
 * grad_sync.c — bucketed, overlapped gradient all-reduce (grad_sync.h).
 */
#include "train/grad_sync.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/clock.h"

/* A bucket's largest size: 16 MiB of floats (PyTorch's DDP uses 25 MB). */
#define BUCKET_FLOATS ((size_t)1 << 22)

static void add_bucket(lw_grad_sync *gs, size_t offset, size_t size, int stage)
{
	grad_bucket *b = &gs->bucket[gs->n_buckets++];
	*b = (grad_bucket){ .offset = offset, .size = size, .stage = stage };
}

static int by_stage_then_end_first(const void *pa, const void *pb)
{
	const grad_bucket *a = pa, *b = pb;
	if (a->stage != b->stage)
		return a->stage < b->stage ? -1 : 1;
	return a->offset > b->offset ? -1 : a->offset < b->offset;
}

/* Runs of tensors with one stage, from the end of the buffer, each cut
 * into pieces of at most BUCKET_FLOATS. */
static void make_buckets(lw_grad_sync *gs)
{
	int n;
	const lw_tensor *t = lw_model_tensors(gs->model, &n);
	size_t total = lw_model_num_params(gs->model);
	gs->bucket = lw_xcalloc((size_t)n + total / BUCKET_FLOATS + 1, sizeof *gs->bucket,
				"gradient buckets");
	int i = n - 1;
	while (i >= 0) {
		int stage = lw_model_tensor_stage(gs->model, i);
		size_t end = t[i].offset + t[i].size, start = t[i].offset;
		while (i > 0 && lw_model_tensor_stage(gs->model, i - 1) == stage &&
		       end - t[i - 1].offset <= BUCKET_FLOATS)
			start = t[--i].offset;
		i--;
		for (size_t at = end; at > start;) {
			size_t size = at - start < BUCKET_FLOATS ? at - start : BUCKET_FLOATS;
			at -= size;
			add_bucket(gs, at, size, stage);
		}
	}
	qsort(gs->bucket, (size_t)gs->n_buckets, sizeof *gs->bucket, by_stage_then_end_first);
}

/* Start the buckets that stage s finished; let those in flight progress. */
static void start_ready(lw_grad_sync *gs, int stage)
{
	while (!gs->st && gs->next < gs->n_buckets && gs->bucket[gs->next].stage <= stage) {
		grad_bucket *b = &gs->bucket[gs->next++];
		gs->st = lw_dist_sum_f32_start(gs->dist, gs->grads + b->offset, b->size, &b->op,
					       &gs->err);
	}
	for (int k = 0; k < gs->next && !gs->st; k++) {
		int done;
		gs->st = lw_dist_test(gs->dist, &gs->bucket[k].op, &done, &gs->err);
	}
}

static void on_ready(void *ctx, int stage)
{
	lw_grad_sync *gs = ctx;
	double t0 = lw_now_s();
	start_ready(gs, stage);
	gs->exposed_s += lw_now_s() - t0;
}

void lw_grad_sync_init(lw_grad_sync *gs, const lw_dist *d, lw_model *m, int at_end)
{
	*gs = (lw_grad_sync){ .dist = d, .model = m, .grads = lw_model_grads(m),
			      .at_end = at_end };
	make_buckets(gs);
}

void lw_grad_sync_free(lw_grad_sync *gs)
{
	free(gs->bucket);
	gs->bucket = NULL;
}

void lw_grad_sync_arm(lw_grad_sync *gs)
{
	gs->next = 0;
	if (!gs->at_end)
		lw_model_on_grad_ready(gs->model, on_ready, gs);
}

lw_status lw_grad_sync_finish(lw_grad_sync *gs, lw_err *err)
{
	lw_model_on_grad_ready(gs->model, NULL, NULL);
	double t0 = lw_now_s();
	lw_status st = gs->st;
	if (st)
		*err = gs->err;
	if (!st && gs->at_end)
		st = lw_dist_sum_f32(gs->dist, gs->grads, lw_model_num_params(gs->model), err);
	if (!st && !gs->at_end)
		start_ready(gs, lw_model_backward_stages(gs->model));
	if (!st && (st = gs->st))
		*err = gs->err;
	for (int k = 0; k < gs->next && !st; k++)
		st = lw_dist_wait(gs->dist, &gs->bucket[k].op, err);
	gs->exposed_s += lw_now_s() - t0;
	gs->st = LW_OK;
	return st;
}
