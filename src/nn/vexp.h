/*
 * vexp.h — an exp(x) for float that the compiler can vectorise.
 *
 * glibc's expf has SIMD variants, but gcc only calls them under
 * -ffast-math, which lowwatt does not use (it would also license the
 * reassociations that break bit-identical results). The softmaxes (attention,
 * cross-entropy) and GELU spend most of their time in exp, so this file gives
 * a branch-free version written with plain arithmetic and bit moves that gcc
 * turns into AVX-512/AVX2 code inside `#pragma omp simd` loops.
 *
 * Method: exp(x) = 2^n · exp(r), n = round(x / ln 2), r = x - n ln 2 split in
 * two constants (Cody–Waite) so that r is exact to float precision,
 * |r| <= ln2/2; exp(r) from its Taylor series to degree 7 (truncation error
 * below 6e-9 relative); 2^n built in the exponent bits. The input is clamped
 * to [-87, 88], so the result is a normal float in (1.6e-38, 1.7e38): the
 * callers only ever need exp of values <= 0 (softmax) or a saturating
 * sigmoid (GELU), where the clamp is invisible after rounding. Accuracy is
 * within 2 ulp of the true value over the clamped range.
 */
#ifndef LW_NN_VEXP_H
#define LW_NN_VEXP_H

#include <stdint.h>
#include <string.h>

static inline float lw_vexpf(float x)
{
	const float log2e = 1.44269504088896341f;
	const float ln2_hi = 0.693359375f;          /* 8 significant bits */
	const float ln2_lo = -2.12194440e-4f;        /* ln2 - ln2_hi */
	const float round_magic = 12582912.0f;       /* 1.5 * 2^23 */
	x = x < -87.0f ? -87.0f : x;
	x = x > 88.0f ? 88.0f : x;
	/* Adding and subtracting 1.5*2^23 rounds to the nearest integer (the
	 * compiler may not fold it: no -ffast-math). */
	float n = (x * log2e + round_magic) - round_magic;
	float r = (x - n * ln2_hi) - n * ln2_lo;
	float p = 1.0f / 5040.0f;
	p = p * r + 1.0f / 720.0f;
	p = p * r + 1.0f / 120.0f;
	p = p * r + 1.0f / 24.0f;
	p = p * r + 1.0f / 6.0f;
	p = p * r + 0.5f;
	p = p * r + 1.0f;
	p = p * r + 1.0f;
	/* Shifted as unsigned: a NaN input (a diverged run) makes n's
	 * conversion out of range, and the result NaN through p anyway. */
	uint32_t bits = (uint32_t)((int32_t)n + 127) << 23;
	float scale;
	memcpy(&scale, &bits, sizeof scale);
	return p * scale;
}

#endif
