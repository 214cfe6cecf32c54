/*
 * schedule.c — the learning-rate schedule (optim.h): linear warm-up, then
 * cosine decay to min_ratio * lr at the last step.
 *
 * For optimizer step s (0-based) of a run of N steps with W warm-up steps:
 *
 *   s < W:            lr * (s + 1) / W          the last warm-up step is lr
 *   N <= W:           lr                        warm-up only, then hold
 *   s >= N - 1:       min_ratio * lr            the last step, exactly
 *   otherwise:        lr * (r + (1 - r) * (1 + cos(pi * x)) / 2)
 *                     with r = min_ratio, x = (s - W) / (N - 1 - W)
 *
 * so the first step after warm-up is lr again (x = 0), the middle of the
 * decay is lr * (1 + r) / 2, and the last step is r * lr. W = 0 means no
 * warm-up. A step past the end keeps the final rate; a negative step counts
 * as step 0. The value is computed in double and rounded once.
 */
#include "lowwatt/optim.h"

#include <math.h>

float lw_lr_at(long step, long total, long warmup, float lr, float min_ratio)
{
	if (step < 0)
		step = 0;
	if (warmup > 0 && step < warmup)
		return (float)((double)lr * (double)(step + 1) / (double)warmup);
	if (total <= warmup)
		return lr;
	if (step >= total - 1)
		return min_ratio * lr;
	double x = (double)(step - warmup) / (double)(total - 1 - warmup);
	double cosine = 0.5 * (1.0 + cos(M_PI * x));
	double r = min_ratio;
	return (float)((double)lr * (r + (1.0 - r) * cosine));
}
