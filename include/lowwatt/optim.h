/*
 * optim.h — the optimizer side of training: AdamW with decoupled weight
 * decay, the learning-rate schedule (linear warm-up, then cosine decay) and
 * global-norm gradient clipping. They work on whole contiguous buffers (or
 * ranges of them), so sharing, accumulation and distribution never change
 * them.
 */
#ifndef LOWWATT_OPTIM_H
#define LOWWATT_OPTIM_H

#include <stddef.h>

typedef struct lw_adamw {
	float beta1;  /* 0.9 */
	float beta2;  /* 0.999 (PyTorch's default) */
	float eps;    /* 1e-8 */
} lw_adamw;

/* One AdamW update of n parameters at step t (1-based), exactly as
 * torch.optim.AdamW:  p -= lr*wd*p;  m = b1 m + (1-b1) g;
 * v = b2 v + (1-b2) g^2;  p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps).
 * wd = 0 for tensors that are not decayed. OpenMP-parallel. */
void lw_adamw_update(const lw_adamw *opt, float *p, const float *g, float *m,
		     float *v, size_t n, float lr, float wd, long t);

/* The same update on the gradients g * grad_scale (the clipping factor),
 * then g = 0, in one pass over the four arrays: bit-identical to
 * lw_clip_grads + lw_adamw_update + clearing the gradients, with two fewer
 * passes over memory (the optimizer is memory-bound). */
void lw_adamw_update_clear(const lw_adamw *opt, float *p, float *g, float *m, float *v,
			   size_t n, float lr, float wd, long t, float grad_scale);

/* Learning rate for optimizer step `step` (0-based) of `total`: linear
 * warm-up lr*(step+1)/warmup for step < warmup, then cosine decay from lr to
 * min_ratio*lr at the last step. */
float lw_lr_at(long step, long total, long warmup, float lr, float min_ratio);

/* L2 norm of n gradients, accumulated in double in a fixed order
 * (deterministic at a given thread count). */
double lw_grad_norm(const float *g, size_t n);
/* The clipping factor: max_norm/norm if norm > max_norm > 0, else 1. */
float lw_clip_scale(double norm, float max_norm);
/* If norm > max_norm > 0, scale g by max_norm/norm; returns the scale. */
float lw_clip_grads(float *g, size_t n, double norm, float max_norm);

#endif
