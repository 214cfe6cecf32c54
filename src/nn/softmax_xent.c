/*
 * softmax_xent.c — softmax and cross-entropy of the output layer, fused:
 * one pass finds the row maximum, one computes the exponentials and their
 * sum, one normalises. The loss comes from the log-sum-exp directly,
 *   loss = log(sum exp(l - max)) + max - l[target],
 * never from log(prob), which would lose precision when prob is tiny.
 *
 * Both functions run in place (probs == logits, dlogits == probs): every
 * element is read before it is written, and the target logit is read before
 * its row is overwritten. Rows are split across threads; the loss total is
 * added in row order, in double, after the parallel loop.
 */
#include <math.h>

#include "nn/ops.h"
#include "nn/softmax_row.h"

/* probs (V) = softmax(logits (V)); returns -log probs[target]. */
static float row_softmax_xent(float *probs, const float *logits, int target, int V)
{
	float lt = logits[target];  /* read first: probs may be logits */
	float m, s;
	lw_softmax_row(probs, logits, V, &m, &s);
	return (float)(log((double)s) + (double)m - (double)lt);
}

double lw_softmax_xent_forward(float *probs, float *losses, const float *logits,
			       const int32_t *targets, int N, int V)
{
	#pragma omp parallel for schedule(static)
	for (int i = 0; i < N; i++) {
		size_t o = (size_t)i * V;
		losses[i] = row_softmax_xent(probs + o, logits + o, targets[i], V);
	}
	double sum = 0.0;
	for (int i = 0; i < N; i++)
		sum += losses[i];
	return sum;
}

void lw_softmax_xent_backward(float *dlogits, const float *probs,
			      const int32_t *targets, int N, int V, float dloss)
{
	#pragma omp parallel for schedule(static)
	for (int i = 0; i < N; i++) {
		size_t o = (size_t)i * V;
		float pt = probs[o + targets[i]];  /* before an in-place overwrite */
		#pragma omp simd
		for (int j = 0; j < V; j++)
			dlogits[o + j] = probs[o + j] * dloss;
		dlogits[o + targets[i]] = (pt - 1.0f) * dloss;
	}
}
