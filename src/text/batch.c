/*
 * batch.c — CLM and MLM training batches from a shard (include/lowwatt/batch.h).
 *
 * Each row draws from its own generator seeded by (seed, step, row), so a
 * batch depends on nothing but its arguments.
 */
#include "lowwatt/batch.h"

#include <limits.h>
#include <stdlib.h>

#include "util/rng.h"

/* The BERT recipe for a selected position: 80% [MASK], 10% random, 10% kept. */
#define P_MASK 0.8
#define P_RANDOM 0.1

/* ------------------------------------------------------------ allocation */

lw_status lw_batch_init(lw_batch *b, int B, int T, lw_err *err)
{
	*b = (lw_batch){0};
	if (B <= 0 || T <= 0 || B > INT_MAX / T)
		return lw_err_set(err, LW_ERR_ARG,
				  "batch: B = %d, T = %d: both must be positive and B*T at most %d",
				  B, T, INT_MAX);
	size_t n = (size_t)B * (size_t)T;
	/* B and T come from the user: report, rather than abort on, no memory. */
	b->inputs = malloc(n * sizeof *b->inputs);
	b->targets = malloc(n * sizeof *b->targets);
	if (!b->inputs || !b->targets) {
		lw_batch_free(b);
		return lw_err_set(err, LW_ERR_NOMEM, "batch: cannot allocate %d x %d tokens", B, T);
	}
	b->B = B;
	b->T = T;
	return LW_OK;
}

void lw_batch_free(lw_batch *b)
{
	free(b->inputs);
	free(b->targets);
	*b = (lw_batch){0};
}

/* ------------------------------------------------------------ checks */

static lw_status check_mlm(const lw_batch_spec *sp, lw_err *err)
{
	if (sp->first_special <= 0 || sp->first_special > sp->vocab_size)
		return lw_err_set(err, LW_ERR_ARG,
				  "batch: first special id %d must be in [1, vocab size %d]",
				  sp->first_special, sp->vocab_size);
	if (sp->mask_id < sp->first_special || sp->mask_id >= sp->vocab_size)
		return lw_err_set(err, LW_ERR_ARG,
				  "batch: mask id %d is not a special id (specials are [%d, %d))",
				  sp->mask_id, sp->first_special, sp->vocab_size);
	if (!(sp->mask_prob > 0.0f && sp->mask_prob < 1.0f)) /* NaN fails too */
		return lw_err_set(err, LW_ERR_ARG, "batch: mask probability %g is outside (0, 1)",
				  (double)sp->mask_prob);
	return LW_OK;
}

static lw_status check_spec(const lw_shard *s, const lw_batch_spec *sp, int rows,
			    const lw_batch *b, lw_err *err)
{
	if (sp->objective != LW_OBJECTIVE_CLM && sp->objective != LW_OBJECTIVE_MLM)
		return lw_err_set(err, LW_ERR_ARG, "batch: unknown objective %d",
				  (int)sp->objective);
	if (sp->B <= 0 || sp->T <= 0)
		return lw_err_set(err, LW_ERR_ARG, "batch: B = %d, T = %d: both must be positive",
				  sp->B, sp->T);
	if (b->B != rows || b->T != sp->T || !b->inputs || !b->targets)
		return lw_err_set(err, LW_ERR_ARG,
				  "batch: the batch holds %d x %d tokens, the spec asks for %d x %d",
				  b->B, b->T, rows, sp->T);
	if (sp->vocab_size <= 0 || (uint32_t)sp->vocab_size != s->vocab_size)
		return lw_err_set(err, LW_ERR_ARG,
				  "batch: the shard has a vocabulary of %u, the spec says %d",
				  s->vocab_size, sp->vocab_size);
	if (s->count < (uint64_t)sp->T + 1)
		return lw_err_set(err, LW_ERR_ARG,
				  "batch: shard has %llu tokens, a batch row needs T+1 = %llu",
				  (unsigned long long)s->count, (unsigned long long)sp->T + 1);
	if (sp->objective == LW_OBJECTIVE_MLM)
		return check_mlm(sp, err);
	return LW_OK;
}

/* ------------------------------------------------------------ rows */

/* One CLM row: the window and the window shifted by one. Returns labels. */
static int clm_row(const lw_shard *s, int T, lw_rng *r, int32_t *in, int32_t *tgt)
{
	uint64_t o = lw_rng_below(r, s->count - (uint64_t)T);
	for (int t = 0; t < T; t++) {
		in[t] = lw_shard_token(s, o + (uint64_t)t);
		tgt[t] = lw_shard_token(s, o + (uint64_t)t + 1);
	}
	return T;
}

/* One MLM row (see batch.h). Returns the number of selected positions. */
static int mlm_row(const lw_shard *s, const lw_batch_spec *sp, lw_rng *r, int32_t *in,
		   int32_t *tgt)
{
	int T = sp->T, labelled = 0;
	uint64_t o = lw_rng_below(r, s->count - (uint64_t)T + 1);
	for (int t = 0; t < T; t++) {
		int32_t tok = lw_shard_token(s, o + (uint64_t)t);
		in[t] = tok;
		tgt[t] = LW_IGNORE_INDEX;
		if (tok >= sp->first_special || lw_rng_uniform(r) >= sp->mask_prob)
			continue;
		tgt[t] = tok;
		labelled++;
		double u = lw_rng_uniform(r);
		if (u < P_MASK)
			in[t] = sp->mask_id;
		else if (u < P_MASK + P_RANDOM)
			in[t] = (int32_t)lw_rng_below(r, (uint64_t)sp->first_special);
	}
	return labelled;
}

lw_status lw_batch_make(const lw_shard *s, const lw_batch_spec *spec, uint64_t step,
			lw_batch *b, lw_err *err)
{
	return lw_batch_make_rows(s, spec, step, 0, spec->B, b, err);
}

lw_status lw_batch_make_rows(const lw_shard *s, const lw_batch_spec *spec, uint64_t step,
			     int row0, int rows, lw_batch *b, lw_err *err)
{
	lw_status st = check_spec(s, spec, rows, b, err);
	if (st != LW_OK)
		return st;
	if (row0 < 0 || rows < 1 || row0 > spec->B - rows)
		return lw_err_set(err, LW_ERR_ARG, "batch: rows [%d, %d) of a batch of %d", row0,
				  row0 + rows, spec->B);
	int T = spec->T, labelled = 0;
	for (int i = 0; i < rows; i++) {
		int row = row0 + i;
		lw_rng r = lw_rng_from(spec->seed, step, (uint64_t)row);
		int32_t *in = b->inputs + (size_t)i * T, *tgt = b->targets + (size_t)i * T;
		labelled += spec->objective == LW_OBJECTIVE_CLM ? clm_row(s, T, &r, in, tgt)
								: mlm_row(s, spec, &r, in, tgt);
	}
	b->n_targets = labelled;
	return LW_OK;
}
