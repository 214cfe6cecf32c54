/*
 * rng.c — xoshiro256** seeded by splitmix64 (see rng.h).
 */
#include "util/rng.h"

uint64_t lw_mix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

lw_rng lw_rng_from(uint64_t a, uint64_t b, uint64_t c)
{
	/* Chain the words through the mixer so that (a,b,c) and (b,a,c) differ. */
	uint64_t h = lw_mix64(lw_mix64(lw_mix64(a) ^ b) ^ c);
	lw_rng r;
	for (int i = 0; i < 4; i++) {
		h = lw_mix64(h);
		r.s[i] = h;
	}
	return r;
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t lw_rng_u64(lw_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t lw_rng_below(lw_rng *r, uint64_t n)
{
	/* Rejection sampling on the top of the range removes modulo bias. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do
		x = lw_rng_u64(r);
	while (x >= limit);
	return x % n;
}

double lw_rng_uniform(lw_rng *r)
{
	return (double)(lw_rng_u64(r) >> 11) * 0x1.0p-53;
}
