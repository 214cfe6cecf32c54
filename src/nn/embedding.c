/*
 * embedding.c — token plus position embeddings, and their gradients.
 *
 * The token-embedding gradient is a scatter-add: two positions with the
 * same token add into the same row of dwte. Rather than locks or atomics
 * (slow, and atomics make the order of additions, hence the result, vary),
 * each thread owns a disjoint range of channels and walks every position in
 * order, so there is no race and the sum order is fixed.
 */
#include <omp.h>

#include "nn/ops.h"

/* Channel ranges start on cache-line boundaries (16 floats) so that two
 * threads never write the same line of dwte. */
#define EMB_ALIGN 16

void lw_embedding_forward(float *x, const int32_t *ids, const float *wte,
			  const float *wpe, int B, int T, int C)
{
	#pragma omp parallel for schedule(static)
	for (int r = 0; r < B * T; r++) {
		const float *restrict te = wte + (size_t)ids[r] * C;
		const float *restrict pe = wpe + (size_t)(r % T) * C;
		float *restrict xr = x + (size_t)r * C;
		for (int c = 0; c < C; c++)
			xr[c] = te[c] + pe[c];
	}
}

/* dwte (V,C) += dx rows scattered by ids, channels [c0, c1) only. */
static void scatter_channels(float *restrict dwte, const float *restrict dx,
			     const int32_t *ids, int N, int C, int c0, int c1)
{
	for (int r = 0; r < N; r++) {
		float *restrict dst = dwte + (size_t)ids[r] * C;
		const float *restrict src = dx + (size_t)r * C;
		for (int c = c0; c < c1; c++)
			dst[c] += src[c];
	}
}

void lw_embedding_backward(float *dwte, float *dwpe, const float *dx,
			   const int32_t *ids, int B, int T, int C)
{
	if (dwpe) {
		#pragma omp parallel for schedule(static)
		for (int t = 0; t < T; t++) {
			float *restrict dst = dwpe + (size_t)t * C;
			for (int b = 0; b < B; b++) {
				const float *restrict src = dx + ((size_t)b * T + t) * C;
				for (int c = 0; c < C; c++)
					dst[c] += src[c];
			}
		}
	}
	if (dwte) {
		int lines = (C + EMB_ALIGN - 1) / EMB_ALIGN;
		#pragma omp parallel
		{
			int nt = omp_get_num_threads(), tid = omp_get_thread_num();
			int c0 = lines * tid / nt * EMB_ALIGN;
			int c1 = lines * (tid + 1) / nt * EMB_ALIGN;
			if (c1 > C)
				c1 = C;
			if (c0 < c1)
				scatter_channels(dwte, dx, ids, B * T, C, c0, c1);
		}
	}
}
