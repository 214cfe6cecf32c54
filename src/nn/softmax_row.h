/*
 * softmax_row.h — the numerically stable softmax of one row, shared by the
 * attention (scores -> probabilities) and the loss (logits -> probabilities).
 * Internal to src/nn; header-only so that its loops vectorise in place.
 */
#ifndef LW_NN_SOFTMAX_ROW_H
#define LW_NN_SOFTMAX_ROW_H

#include "nn/vexp.h"

/* out (n) = softmax(in (n)); out may equal in. *max and *sum receive the
 * row's maximum and the sum of exp(in - max), from which the loss takes
 * log-sum-exp. */
static inline void lw_softmax_row(float *out, const float *in, int n, float *max, float *sum)
{
	float m = in[0];
	#pragma omp simd reduction(max:m)
	for (int j = 0; j < n; j++)
		m = in[j] > m ? in[j] : m;
	float s = 0.0f;
	#pragma omp simd reduction(+:s)
	for (int j = 0; j < n; j++) {
		float e = lw_vexpf(in[j] - m);
		out[j] = e;
		s += e;
	}
	float inv = 1.0f / s;
	#pragma omp simd
	for (int j = 0; j < n; j++)
		out[j] *= inv;
	*max = m;
	*sum = s;
}

#endif
