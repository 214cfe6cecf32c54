/*
 * rng.h — small, fast, reproducible random numbers.
 *
 * lowwatt needs randomness that is a pure function of its inputs (a batch is
 * a function of (seed, step), so a resumed run sees the same batches). The
 * state is a plain value owned by the caller: no global generator.
 *
 * lw_rng is xoshiro256** (Blackman and Vigna), seeded through splitmix64.
 */
#ifndef LW_UTIL_RNG_H
#define LW_UTIL_RNG_H

#include <stdint.h>

typedef struct lw_rng {
	uint64_t s[4];
} lw_rng;

/* Seed from any number of 64-bit words (e.g. seed, step, row). */
lw_rng lw_rng_from(uint64_t a, uint64_t b, uint64_t c);

uint64_t lw_rng_u64(lw_rng *r);

/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t lw_rng_below(lw_rng *r, uint64_t n);

/* Uniform double in [0, 1). */
double lw_rng_uniform(lw_rng *r);

/* The splitmix64 mixing step: a good 64-bit hash of x. */
uint64_t lw_mix64(uint64_t x);

#endif
