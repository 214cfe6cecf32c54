/*
 * eval.c — held-out evaluation: mean loss, accuracy and, as the yardstick
 * a language model must beat, the unigram entropy of the same targets.
 *
 * The validation batches are drawn with a seed derived from the run's seed
 * and never from the step, so every evaluation of a run (and `lowwatt eval`
 * on its checkpoint) scores the very same targets.
 */
#include <math.h>
#include <stdlib.h>

#include "lowwatt/trainer.h"
#include "train/eval.h"
#include "train/spec.h"
#include "util/alloc.h"

/* The index of the largest of n values (the first, on ties). */
static int argmax(const float *p, int n)
{
	int best = 0;
	for (int i = 1; i < n; i++)
		if (p[i] > p[best])
			best = i;
	return best;
}

/* Add-one-smoothed unigram log-probabilities of the training shard, so a
 * token never seen in training costs a finite amount. */
double *lw_unigram_logprobs(const lw_shard *s, int V)
{
	uint64_t *count = lw_xcalloc((size_t)V, sizeof *count, "unigram counts");
	for (uint64_t i = 0; i < s->count; i++)
		count[lw_shard_token(s, i)]++;
	double *logp = lw_xmalloc((size_t)V * sizeof *logp, "unigram");
	double total = (double)s->count + V;
	for (int v = 0; v < V; v++)
		logp[v] = log(((double)count[v] + 1.0) / total);
	free(count);
	return logp;
}

/* Sums over the scored targets: loss, correct, count, unigram nats. */
enum { LOSS, CORRECT, TARGETS, UNIGRAM, N_SUMS };

static void score(const lw_model *m, const lw_batch *b, int V, const double *unigram,
		  double sums[N_SUMS])
{
	const int32_t *pos;
	int n = lw_model_selected(m, &pos);
	const float *probs = lw_model_probs(m), *losses = lw_model_losses(m);
	for (int i = 0; i < n; i++) {
		int32_t target = b->targets[pos[i]];
		sums[LOSS] += losses[i];
		sums[CORRECT] += argmax(probs + (size_t)i * V, V) == target;
		if (unigram)
			sums[UNIGRAM] -= unigram[target];
	}
	sums[TARGETS] += n;
}

lw_status lw_evaluate_rows(lw_model *m, const lw_train_config *cfg, const lw_train_data *data,
			   int n_batches, const double *unigram, int row0, int rows,
			   const lw_dist *dist, lw_eval_result *out, lw_err *err)
{
	lw_batch_spec spec = lw_run_batch_spec(cfg, data, cfg->seed ^ LW_EVAL_SEED_SALT);
	lw_batch b = {0};
	lw_status st = lw_batch_init(&b, rows, spec.T, err);
	if (st)
		return st;
	double sums[N_SUMS] = {0};
	for (int k = 0; k < n_batches && !st; k++) {
		st = lw_batch_make_rows(data->val, &spec, (uint64_t)k, row0, rows, &b, err);
		if (!st) {
			lw_model_forward(m, &b);
			score(m, &b, cfg->model.vocab, unigram, sums);
		}
	}
	lw_batch_free(&b);
	/* A rank that failed ends the job (dist.h); the others sum. */
	if (st || (dist && (st = lw_dist_sum_f64(dist, sums, N_SUMS, err))))
		return st;
	double n = sums[TARGETS] > 0 ? sums[TARGETS] : 1.0;
	out->loss = sums[LOSS] / n;
	out->accuracy = sums[CORRECT] / n;
	out->targets = (uint64_t)sums[TARGETS];
	out->unigram_entropy = unigram ? sums[UNIGRAM] / n : NAN;
	return LW_OK;
}

lw_status lw_evaluate(lw_model *m, const lw_train_config *cfg, const lw_train_data *data,
		      int n_batches, const double *unigram, lw_eval_result *out, lw_err *err)
{
	return lw_evaluate_rows(m, cfg, data, n_batches, unigram, 0, cfg->batch, NULL, out, err);
}
