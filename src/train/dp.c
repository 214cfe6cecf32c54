/*
 * dp.c — what the ranks of a data-parallel run agree on (dp.h).
 */
#include "train/dp.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/crc32.h"

static int several(const run *r)
{
	return r->ranks > 1;
}

int dp_root(const run *r)
{
	return !several(r) || r->dist->rank == 0;
}

lw_status dp_local(const run *r, lw_status st, const lw_err *err)
{
	if (st && several(r))
		lw_dist_abort(r->dist, 1, err->msg);
	return st;
}

/* What every rank must share with rank 0 to train the same run. */
typedef struct agreed {
	lw_train_config cfg;
	uint32_t tokenizer_checksum;
	uint64_t train_tokens, val_tokens;
} agreed;

static lw_status check_agreement(const run *r, lw_err *err)
{
	agreed mine = { .cfg = *r->cfg, .tokenizer_checksum = r->data->tokenizer_checksum,
			.train_tokens = r->data->train->count,
			.val_tokens = r->data->val ? r->data->val->count : 0 };
	agreed zero = mine;
	lw_status st = lw_dist_bcast(r->dist, &zero, sizeof zero, err);
	lw_err differ;
	if (!st && (st = lw_checkpoint_match(&zero.cfg, &mine.cfg, &differ))) {
		/* "lr is 0.001 in the checkpoint, 0.002 here" */
		char *at = strstr(differ.msg, " in the checkpoint,");
		if (at)
			*at = 0;
		lw_err_set(err, st, "the settings differ from rank 0's: %s at rank 0, %s", differ.msg,
			   at ? at + strlen(" in the checkpoint, ") : "");
	}
	if (!st && (zero.tokenizer_checksum != mine.tokenizer_checksum ||
		    zero.train_tokens != mine.train_tokens || zero.val_tokens != mine.val_tokens))
		st = lw_err_set(err, LW_ERR_ARG,
				"the data differs from rank 0's: %llu + %llu tokens (tokenizer "
				"0x%08x) here, %llu + %llu (0x%08x) there",
				(unsigned long long)mine.train_tokens,
				(unsigned long long)mine.val_tokens, mine.tokenizer_checksum,
				(unsigned long long)zero.train_tokens,
				(unsigned long long)zero.val_tokens, zero.tokenizer_checksum);
	return dp_local(r, st, err);
}

lw_status dp_open(run *r, lw_err *err)
{
	const lw_dist *d = r->opt->dist;
	int B = r->cfg->batch;
	r->dist = d && d->size > 1 ? d : NULL;
	r->ranks = r->dist ? d->size : 1;
	r->row0 = 0;
	r->rows = B;
	if (!several(r))
		return LW_OK;
	if (r->ranks > B)
		return lw_err_set(err, LW_ERR_ARG,
				  "%d ranks share a batch of %d rows: each needs one at least "
				  "(--batch %d or more)", r->ranks, B, r->ranks);
	r->row0 = (int)((long)d->rank * B / r->ranks);
	r->rows = (int)((long)(d->rank + 1) * B / r->ranks) - r->row0;
	return check_agreement(r, err);
}

void dp_close(run *r)
{
	if (several(r))
		lw_grad_sync_free(&r->sync);
}

lw_status dp_batch_loss(run *r, float loss, int targets, double *batch_loss, float *scale,
			lw_err *err)
{
	float accum = (float)r->cfg->accum;
	*batch_loss = loss;
	*scale = 1.0f / accum;
	if (!several(r))
		return LW_OK;
	double sums[2] = { (double)loss * targets, targets };
	lw_status st = lw_dist_sum_f64(r->dist, sums, 2, err);
	if (st)
		return dp_local(r, st, err);
	*batch_loss = sums[1] > 0 ? sums[0] / sums[1] : 0.0;
	*scale = sums[1] > 0 ? (float)((double)targets / sums[1]) / accum : 0.0f;
	return LW_OK;
}

lw_status dp_agree_stop(run *r, int *stopped, lw_err *err)
{
	if (!several(r))
		return LW_OK;
	int word[2] = { *stopped, (int)r->stop };
	lw_status st = lw_dist_bcast(r->dist, word, sizeof word, err);
	*stopped = word[0];
	r->stop = (lw_train_stop)word[1];
	return dp_local(r, st, err);
}

lw_status dp_share_status(const run *r, lw_status st, lw_err *err)
{
	if (!several(r))
		return st;
	struct { int st; lw_err err; } word = { (int)st, {{0}} };
	if (st)
		word.err = *err;
	lw_status bst = lw_dist_bcast(r->dist, &word, sizeof word, err);
	if (bst)
		return dp_local(r, bst, err);
	if (word.st)
		*err = word.err;
	return (lw_status)word.st;
}

lw_status dp_share_checkpoint(const run *r, lw_checkpoint *ck, lw_status st, lw_err *err)
{
	if ((st = dp_share_status(r, st, err)) || !several(r))
		return st;
	/* The fields, then the arrays (rank 0's pointers mean nothing here). */
	if ((st = lw_dist_bcast(r->dist, ck, sizeof *ck, err)))
		return dp_local(r, st, err);
	if (!dp_root(r)) {
		ck->params = lw_xmalloc(ck->n_params * sizeof(float), "checkpoint");
		ck->m = lw_xmalloc(ck->n_params * sizeof(float), "checkpoint");
		ck->v = lw_xmalloc(ck->n_params * sizeof(float), "checkpoint");
	}
	size_t bytes = ck->n_params * sizeof(float);
	float *arrays[3] = { ck->params, ck->m, ck->v };
	for (int i = 0; i < 3 && !st; i++)
		st = lw_dist_bcast(r->dist, arrays[i], bytes, err);
	return dp_local(r, st, err);
}

lw_status dp_check_params(run *r, lw_err *err)
{
	if (!several(r))
		return LW_OK;
	size_t bytes = lw_model_num_params(r->model) * sizeof(float);
	uint32_t mine = lw_crc32(0, lw_model_params(r->model), bytes);
	uint32_t *all = lw_xmalloc((size_t)r->ranks * sizeof *all, "checksums");
	lw_status st = lw_dist_allgather(r->dist, &mine, sizeof mine, all, err);
	for (int k = 1; k < r->ranks && !st; k++)
		if (all[k] != all[0])
			st = lw_err_set(err, LW_ERR_STATE,
					"step %ld: rank %d's parameters differ from rank 0's "
					"(checksum 0x%08x, 0x%08x): the ranks have drifted apart",
					r->step, k, all[k], all[0]);
	free(all);
	return st;
}
