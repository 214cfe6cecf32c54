/*
 * layernorm.c — LayerNorm over the channels of each row, forward and
 * backward, as PyTorch defines it (biased variance, eps 1e-5).
 *
 * Rows are independent, so both passes split rows across threads. The gain
 * and bias gradients are sums over rows: each thread sums its own contiguous
 * range of rows into a private buffer, and the buffers are then added in
 * thread order, so the result is bit-identical run to run at a given thread
 * count. Those buffers are the one allocation of this file (per call, sized
 * by the thread count and C).
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "nn/ops.h"
#include "util/alloc.h"

#define LN_EPS 1e-5f

/* mean and 1/sqrt(var + eps) of one row x (C), two passes for accuracy. */
static void row_stats(const float *restrict x, int C, float *mean, float *rstd)
{
	float s = 0.0f;
	#pragma omp simd reduction(+:s)
	for (int c = 0; c < C; c++)
		s += x[c];
	float m = s / (float)C;
	float v = 0.0f;
	#pragma omp simd reduction(+:v)
	for (int c = 0; c < C; c++) {
		float d = x[c] - m;
		v += d * d;
	}
	*mean = m;
	*rstd = 1.0f / sqrtf(v / (float)C + LN_EPS);
}

void lw_layernorm_forward(float *y, float *mean, float *rstd, const float *x,
			  const float *g, const float *b, int N, int C)
{
	#pragma omp parallel for schedule(static)
	for (int i = 0; i < N; i++) {
		const float *restrict xi = x + (size_t)i * C;
		float *restrict yi = y + (size_t)i * C;
		float m, r;
		row_stats(xi, C, &m, &r);
		for (int c = 0; c < C; c++)
			yi[c] = (xi[c] - m) * r * g[c] + b[c];
		mean[i] = m;
		rstd[i] = r;
	}
}

/* One row of the backward: dx (C) += ..., and the row's share of the gain
 * and bias gradients added to pg, pb (C). With xh = (x - mean) rstd and
 * dxh = dy g:  dx = rstd (dxh - mean(dxh) - xh mean(dxh xh)). */
static void row_backward(float *restrict dx, float *restrict pg, float *restrict pb,
			 const float *restrict dy, const float *restrict x,
			 const float *restrict g, float m, float r, int C)
{
	float s1 = 0.0f, s2 = 0.0f;
	#pragma omp simd reduction(+:s1, s2)
	for (int c = 0; c < C; c++) {
		float xh = (x[c] - m) * r;
		float dxh = dy[c] * g[c];
		s1 += dxh;
		s2 += dxh * xh;
	}
	s1 /= (float)C;
	s2 /= (float)C;
	for (int c = 0; c < C; c++) {
		float xh = (x[c] - m) * r;
		pg[c] += dy[c] * xh;
		pb[c] += dy[c];
		if (dx)
			dx[c] += r * (dy[c] * g[c] - s1 - xh * s2);
	}
}

void lw_layernorm_backward(float *dx, float *dg, float *db, const float *dy,
			   const float *x, const float *g, const float *mean,
			   const float *rstd, int N, int C)
{
	if (N <= 0 || C <= 0)
		return;
	int maxt = omp_get_max_threads();
	/* Per thread: C floats of gain gradient, then C of bias gradient. */
	float *part = lw_xcalloc((size_t)maxt * 2 * C, sizeof *part, "layernorm partial sums");
	#pragma omp parallel
	{
		int nt = omp_get_num_threads(), tid = omp_get_thread_num();
		int i0 = (int)((long long)N * tid / nt), i1 = (int)((long long)N * (tid + 1) / nt);
		float *pg = part + (size_t)tid * 2 * C, *pb = pg + C;
		for (int i = i0; i < i1; i++) {
			size_t o = (size_t)i * C;
			row_backward(dx ? dx + o : NULL, pg, pb, dy + o, x + o, g,
				     mean[i], rstd[i], C);
		}
		#pragma omp barrier
		/* Combine in thread order, each column by one thread. */
		#pragma omp for schedule(static)
		for (int c = 0; c < C; c++) {
			float sg = 0.0f, sb = 0.0f;
			for (int t = 0; t < nt; t++) {
				sg += part[(size_t)t * 2 * C + c];
				sb += part[(size_t)t * 2 * C + C + c];
			}
			if (dg)
				dg[c] += sg;
			if (db)
				db[c] += sb;
		}
	}
	free(part);
}
