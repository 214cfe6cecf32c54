/*
 * residual.c — elementwise sums for the residual stream (x += f(x)) and for
 * joining gradients that flow down two paths.
 */
#include "nn/ops.h"

void lw_add(float *y, const float *a, const float *b, size_t n)
{
	/* y may alias a or b, so no restrict: each element is read before it
	 * is written, which is safe for exact aliasing. */
	#pragma omp parallel for simd schedule(static)
	for (size_t i = 0; i < n; i++)
		y[i] = a[i] + b[i];
}

void lw_add_inplace(float *restrict y, const float *restrict x, size_t n)
{
	#pragma omp parallel for simd schedule(static)
	for (size_t i = 0; i < n; i++)
		y[i] += x[i];
}
