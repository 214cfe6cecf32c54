/*
 * gelu.c — GELU, tanh approximation (PyTorch's gelu(approximate='tanh'),
 * GPT-2's), and its derivative.
 *
 *   gelu(x) = 0.5 x (1 + tanh(u)),  u = sqrt(2/pi) (x + 0.044715 x^3)
 *
 * Computed through the identity 0.5 (1 + tanh(u)) = sigmoid(2u) =
 * 1 / (1 + exp(-2u)), which needs one exp and no tanh, so that the loops
 * vectorise with vexp.h (glibc's tanhf would run one element at a time).
 * The identity is exact; the rounding differs from a tanhf-based evaluation
 * by a few ulp. With s = sigmoid(2u):
 *
 *   gelu(x)  = x s
 *   gelu'(x) = s + x · 2 s (1 - s) · du/dx,  du/dx = sqrt(2/pi) (1 + 3·0.044715 x^2)
 *
 * (2 s (1 - s) = 0.5 (1 - tanh(u)^2), d tanh(u) / du halved.) The forward
 * may run in place (y == x): each element is read before it is written.
 */
#include "nn/ops.h"
#include "nn/vexp.h"

#define GELU_K 0.7978845608028654f  /* sqrt(2/pi) */
#define GELU_A 0.044715f

void lw_gelu_forward(float *y, const float *x, size_t n)
{
	#pragma omp parallel for simd schedule(static)
	for (size_t i = 0; i < n; i++) {
		float xi = x[i];
		float u = GELU_K * (xi + GELU_A * xi * xi * xi);
		y[i] = xi / (1.0f + lw_vexpf(-2.0f * u));
	}
}

void lw_gelu_backward(float *restrict dx, const float *restrict x,
		      const float *restrict dy, size_t n)
{
	#pragma omp parallel for simd schedule(static)
	for (size_t i = 0; i < n; i++) {
		float xi = x[i];
		float x2 = xi * xi;
		float u = GELU_K * (xi + GELU_A * x2 * xi);
		float s = 1.0f / (1.0f + lw_vexpf(-2.0f * u));
		float du = GELU_K * (1.0f + 3.0f * GELU_A * x2);
		dx[i] += dy[i] * (s + xi * 2.0f * s * (1.0f - s) * du);
	}
}
