/*
 * adamw.c — the AdamW update and global-norm gradient clipping (optim.h).
 *
 * The update follows torch.optim.AdamW (single-tensor path, amsgrad off)
 * operation by operation, so that a run can be checked step by step
 * against PyTorch:
 *
 *   p  = p * (1 - lr*wd)                       decoupled weight decay, first
 *   m  = b1*m + (1-b1)*g
 *   v  = b2*v + (1-b2)*g*g
 *   step_size = lr / (1 - b1^t)                bias corrections, in double
 *   denom     = sqrt(v) / sqrt(1 - b2^t) + eps
 *   p  = p - step_size * m / denom
 *
 * The per-step scalars are computed in double from the float settings (as
 * PyTorch computes them from Python floats) and the per-element work is in
 * float. Elements are independent, so the update gives the same bits at any
 * thread count. The gradient norm is a reduction: each thread sums a fixed
 * contiguous range in double and the partial sums are added in thread
 * order, so it is bit-identical run to run at a given thread count.
 */
#include "lowwatt/optim.h"

#include <math.h>
#include <omp.h>

/* Partial sums of lw_grad_norm live on the stack: at most this many threads
 * take part (more would not make a memory-bound sum faster anyway). */
#define NORM_MAX_THREADS 256
/* Element-wise loops shorter than this run on the calling thread. */
#define PARALLEL_MIN 4096

/* The per-step scalars of an update at step t. */
typedef struct adamw_step {
	float decay, c1, c2, d1, d2, step_size, bc2_sqrt, eps;
} adamw_step;

static adamw_step step_scalars(const lw_adamw *opt, float lr, float wd, long t)
{
	double b1 = opt->beta1, b2 = opt->beta2;
	return (adamw_step){
		.decay = (float)(1.0 - (double)lr * (double)wd),
		.c1 = opt->beta1, .c2 = opt->beta2,
		.d1 = (float)(1.0 - b1), .d2 = (float)(1.0 - b2),
		.step_size = (float)((double)lr / (1.0 - pow(b1, (double)t))),
		.bc2_sqrt = (float)sqrt(1.0 - pow(b2, (double)t)),
		.eps = opt->eps,
	};
}

/* One element's update with gradient gi. */
static inline void update_one(const adamw_step *s, float *p, float gi, float *m, float *v)
{
	float mi = s->c1 * *m + s->d1 * gi;
	float vi = s->c2 * *v + s->d2 * gi * gi;
	float denom = sqrtf(vi) / s->bc2_sqrt + s->eps;
	*m = mi;
	*v = vi;
	*p = *p * s->decay - s->step_size * (mi / denom);
}

void lw_adamw_update(const lw_adamw *opt, float *p, const float *g, float *m,
		     float *v, size_t n, float lr, float wd, long t)
{
	/* p, g, m, v are (n). t >= 1 is the step being taken. */
	adamw_step s = step_scalars(opt, lr, wd, t);
	/* Small tensors (biases, LayerNorm gains) are not worth a fork. */
	#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
	for (size_t i = 0; i < n; i++)
		update_one(&s, &p[i], g[i], &m[i], &v[i]);
}

void lw_adamw_update_clear(const lw_adamw *opt, float *p, float *g, float *m, float *v,
			   size_t n, float lr, float wd, long t, float grad_scale)
{
	/* p, g, m, v are (n). */
	adamw_step s = step_scalars(opt, lr, wd, t);
	#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
	for (size_t i = 0; i < n; i++) {
		update_one(&s, &p[i], g[i] * grad_scale, &m[i], &v[i]);
		g[i] = 0.0f;
	}
}

float lw_clip_scale(double norm, float max_norm)
{
	if (!(max_norm > 0) || !(norm > max_norm))
		return 1.0f;
	return (float)((double)max_norm / norm);
}

/* Sum of squares of g[lo..hi) in double. Four accumulators break the
 * dependency chain of one running sum; their order is fixed, so the result
 * depends only on the range. */
static double sum_squares(const float *g, size_t lo, size_t hi)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t i = lo;
	for (; i + 4 <= hi; i += 4) {
		s0 += (double)g[i] * g[i];
		s1 += (double)g[i + 1] * g[i + 1];
		s2 += (double)g[i + 2] * g[i + 2];
		s3 += (double)g[i + 3] * g[i + 3];
	}
	for (; i < hi; i++)
		s0 += (double)g[i] * g[i];
	return (s0 + s1) + (s2 + s3);
}

/* Where thread k of nt starts: the static schedule written out (equal
 * contiguous ranges, the first n % nt one longer), so the ranges are known. */
static size_t range_start(size_t n, int nt, int k)
{
	size_t q = n / (size_t)nt, r = n % (size_t)nt, kk = (size_t)k;
	return q * kk + (kk < r ? kk : r);
}

double lw_grad_norm(const float *g, size_t n)
{
	/* g is (n). */
	double partial[NORM_MAX_THREADS] = {0};
	int threads = omp_get_max_threads();
	if (threads > NORM_MAX_THREADS)
		threads = NORM_MAX_THREADS;

	#pragma omp parallel num_threads(threads)
	{
		int nt = omp_get_num_threads(), k = omp_get_thread_num();
		partial[k] = sum_squares(g, range_start(n, nt, k), range_start(n, nt, k + 1));
	}
	/* Threads the runtime did not start left a 0, which adds exactly. */
	double total = 0;
	for (int k = 0; k < threads; k++)
		total += partial[k];
	return sqrt(total);
}

float lw_clip_grads(float *g, size_t n, double norm, float max_norm)
{
	/* g is (n). Scaling by max_norm/norm brings the norm to max_norm (up to
	 * float rounding). A non-finite norm is the caller's to detect (the
	 * trainer checks it before stepping): an infinite one scales by 0. */
	float scale = lw_clip_scale(norm, max_norm);
	if (scale == 1.0f)
		return 1.0f;
	#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
	for (size_t i = 0; i < n; i++)
		g[i] *= scale;
	return scale;
}
