/*
 * peak.c — the machine's FP32 peak, measured: the denominator of the
 * training benchmark's model-FLOPs utilisation (bench/train/run.sh).
 *
 *   gcc -O2 -march=native -fopenmp bench/train/peak.c -o peak
 *   ./peak [THREADS [SECONDS [avx2]]]   (default: 2 threads, 1.5 s)
 *
 * Each of THREADS OpenMP threads runs a loop of fused multiply-adds on
 * independent vector accumulators: 16 of 16 lanes with AVX-512 when the CPU
 * has it, else (or when asked) 12 of 8 lanes with AVX2 + FMA. That is more
 * accumulators than FMA latency x FMA ports, so the loop is bound by the FMA
 * throughput alone: the peak no real kernel exceeds. An FMA counts 2 FLOPs
 * per lane. The time is split into 3 trials, each thread's rate summed per
 * trial, and the best trial kept (the machine may be shared: the best is the
 * least disturbed).
 *
 * Prints one JSON line:
 *   {"gflops": G, "threads": n, "isa": "avx512f"|"avx2", "seconds": s,
 *    "check": the accumulators' sum}
 *
 * The accumulators are summed and printed at the end so that
 * the compiler cannot drop the loop; acc = acc * a + b with a just under 1
 * converges to b / (1 - a), so no value overflows or goes denormal.
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACC512 16       /* independent accumulators per thread, AVX-512 */
#define ACC256 12       /* the same, AVX2 (it has 16 registers, not 32) */
#define CHUNK 100000L   /* loop iterations between clock reads */
#define TRIALS 3

/* FLOPs of one loop iteration: acc FMAs of lanes lanes, 2 FLOPs each. */
static double iteration_flops(int acc, int lanes)
{
	return 2.0 * acc * lanes;
}

/* Runs whole chunks until seconds have passed; returns the iterations
 * done, the time taken in *elapsed and the accumulators' sum in *check. */
__attribute__((target("avx512f")))
static long fma_loop_avx512(double seconds, double *elapsed, float *check)
{
	__m512 acc[ACC512];
	const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-6f);
	for (int k = 0; k < ACC512; k++)
		acc[k] = _mm512_set1_ps((float)k);
	long iters = 0;
	double t0 = omp_get_wtime(), t;
	do {
		for (long i = 0; i < CHUNK; i++)
#pragma GCC unroll 16 // = ACC512: all of them in registers
			for (int k = 0; k < ACC512; k++)
				acc[k] = _mm512_fmadd_ps(acc[k], a, b);
		iters += CHUNK;
		t = omp_get_wtime() - t0;
	} while (t < seconds);
	__m512 sum = acc[0];
	for (int k = 1; k < ACC512; k++)
		sum = _mm512_add_ps(sum, acc[k]);
	*check = _mm512_reduce_add_ps(sum);
	*elapsed = t;
	return iters;
}

/* The same with 8-lane AVX2 vectors and ACC256 accumulators, which with
 * the two constants fit AVX2's 16 ymm registers (more would spill to the
 * stack, and the FMAs would wait on stores and loads). */
__attribute__((target("avx2,fma")))
static long fma_loop_avx2(double seconds, double *elapsed, float *check)
{
	__m256 acc[ACC256];
	const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-6f);
	for (int k = 0; k < ACC256; k++)
		acc[k] = _mm256_set1_ps((float)k);
	long iters = 0;
	double t0 = omp_get_wtime(), t;
	do {
		for (long i = 0; i < CHUNK; i++)
#pragma GCC unroll 12 // = ACC256: all of them in registers
			for (int k = 0; k < ACC256; k++)
				acc[k] = _mm256_fmadd_ps(acc[k], a, b);
		iters += CHUNK;
		t = omp_get_wtime() - t0;
	} while (t < seconds);
	float lanes[8];
	__m256 sum = acc[0];
	for (int k = 1; k < ACC256; k++)
		sum = _mm256_add_ps(sum, acc[k]);
	_mm256_storeu_ps(lanes, sum);
	*check = 0;
	for (int k = 0; k < 8; k++)
		*check += lanes[k];
	*elapsed = t;
	return iters;
}

/* One trial: every thread's FLOP/s, summed; adds the threads' checks. */
static double trial(int threads, int avx512, double seconds, float *check)
{
	double total = 0;
	float sum = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total, sum)
	{
		double elapsed;
		float c;
		int lanes = avx512 ? 16 : 8;
		long iters = avx512 ? fma_loop_avx512(seconds, &elapsed, &c) :
				      fma_loop_avx2(seconds, &elapsed, &c);
		total += iters * iteration_flops(avx512 ? ACC512 : ACC256, lanes) / elapsed;
		sum += c;
	}
	*check += sum;
	return total;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 2;
	double seconds = argc > 2 ? atof(argv[2]) : 1.5;
	int force_avx2 = argc > 3 && strcmp(argv[3], "avx2") == 0;
	if (argc > 4 || (argc > 3 && !force_avx2) || threads < 1 || !(seconds > 0)) {
		fprintf(stderr, "usage: peak [THREADS [SECONDS [avx2]]]\n");
		return 2;
	}
	__builtin_cpu_init();
	int avx512 = !force_avx2 && __builtin_cpu_supports("avx512f");
	if (!avx512 && !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) {
		fprintf(stderr, "peak: the CPU has neither AVX-512 nor AVX2 with FMA\n");
		return 1;
	}
	omp_set_dynamic(0);
	float check = 0;
	double best = 0;
	for (int i = 0; i < TRIALS; i++) {
		double flops = trial(threads, avx512, seconds / TRIALS, &check);
		if (flops > best)
			best = flops;
	}
	printf("{\"gflops\": %.1f, \"threads\": %d, \"isa\": \"%s\", \"seconds\": %.2f, "
	       "\"check\": %.1f}\n",
	       best / 1e9, threads, avx512 ? "avx512f" : "avx2", seconds, check);
	return 0;
}
