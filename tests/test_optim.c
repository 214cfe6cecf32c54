/*
 * test_optim.c — the optimizer side of training: AdamW against a value
 * worked by hand and against a double-precision reference over several
 * steps (weight decay, bias correction, zero decay), the learning-rate
 * schedule at its boundaries, the gradient norm against a double loop,
 * clipping, the defaults, and determinism across thread counts.
 */
#include "testutil.h"

#include <math.h>
#include <omp.h>

#include "lowwatt/optim.h"
#include "lowwatt/train.h"
#include "util/rng.h"

static const lw_adamw torch_default = { 0.9f, 0.999f, 1e-8f };

/* Uniform floats in [-scale, scale). */
static void fill(float *x, size_t n, lw_rng *r, float scale)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float)((2.0 * lw_rng_uniform(r) - 1.0) * scale);
}

/* |got - want| <= tol, in double (cmocka's assert_near rounds its
 * arguments to float). */
#define assert_near(got, want, tol) near_at((got), (want), (tol), #got, __LINE__)

static void near_at(double got, double want, double tol, const char *what, int line)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("line %d: %s is %.17g, expected %.17g (+- %g)", line, what, got, want, tol);
}

static int same_bits(const float *a, const float *b, size_t n)
{
	return memcmp(a, b, n * sizeof *a) == 0;
}

/* ------------------------------------------------------------ AdamW */

/* The first step, worked by hand: p = 1, g = 0.5, lr = 0.1, wd = 0.1.
 * Decay: p = 1 * (1 - 0.01) = 0.99.  m = 0.1 * 0.5 = 0.05,
 * v = 0.001 * 0.25 = 0.00025.  Bias-corrected: m^ = 0.05 / 0.1 = 0.5,
 * v^ = 0.00025 / 0.001 = 0.25, sqrt = 0.5.  p = 0.99 - 0.1 * 0.5 / 0.5
 * = 0.89 (eps shifts it by 2e-9). */
static void test_adamw_by_hand(void **state)
{
	(void)state;
	float p = 1, g = 0.5f, m = 0, v = 0;
	lw_adamw_update(&torch_default, &p, &g, &m, &v, 1, 0.1f, 0.1f, 1);
	/* The betas are floats: 1 - 0.9f = 0.1000000238 and 1 - 0.999f =
	 * 0.00099998713, so m and v are the decimal values to 2e-7 and 2e-5
	 * relative; the bias corrections use the same betas and cancel this. */
	assert_near(m, 0.05, 2e-8);
	assert_near(v, 0.00025, 5e-9);
	assert_near(p, 0.89, 1e-6);
	/* Without bias correction the step would be 0.1 * 0.05 / 0.0158: p
	 * would be about 0.67, far outside the tolerance above. */

	/* Step 2, g = -0.25: m = 0.045 - 0.025 = 0.02, v = 0.00024975 +
	 * 0.0000625 = 0.00031225; m^ = 0.02 / 0.19, v^ = 0.00031225 / 0.001999. */
	g = -0.25f;
	double want = (double)p * (1 - 0.01) -
		      0.1 * (0.02 / 0.19) / (sqrt(0.00031225 / 0.001999) + 1e-8);
	lw_adamw_update(&torch_default, &p, &g, &m, &v, 1, 0.1f, 0.1f, 2);
	assert_near(m, 0.02, 2e-8);
	assert_near(v, 0.00031225, 7e-9);
	assert_near(p, want, 1e-6);
}

/* torch.optim.AdamW in double precision, one element at a time. The betas
 * are the float settings widened, as lw_adamw_update takes them. */
static void reference_step(const lw_adamw *o, double *p, const float *g, double *m, double *v,
			   size_t n, double lr, double wd, long t)
{
	double b1 = o->beta1, b2 = o->beta2;
	for (size_t i = 0; i < n; i++) {
		p[i] *= 1 - lr * wd;
		m[i] = b1 * m[i] + (1 - b1) * g[i];
		v[i] = b2 * v[i] + (1 - b2) * (double)g[i] * g[i];
		double denom = sqrt(v[i]) / sqrt(1 - pow(b2, (double)t)) + o->eps;
		p[i] -= lr / (1 - pow(b1, (double)t)) * m[i] / denom;
	}
}

/* Six steps on 1031 parameters (not a multiple of any thread count or
 * vector width) with changing gradients of size gscale and changing
 * learning rates. */
static void check_against_reference(const lw_adamw *o, float wd, float gscale)
{
	enum { N = 1031, STEPS = 6 };
	float p[N], g[N], m[N] = { 0 }, v[N] = { 0 };
	double rp[N], rm[N] = { 0 }, rv[N] = { 0 };
	lw_rng r = lw_rng_from(7, 0, 0);
	fill(p, N, &r, 1.0f);
	for (int i = 0; i < N; i++)
		rp[i] = p[i];
	for (long t = 1; t <= STEPS; t++) {
		fill(g, N, &r, gscale);
		float lr = lw_lr_at(t - 1, STEPS, 2, 0.01f, 0.1f);
		lw_adamw_update(o, p, g, m, v, N, lr, wd, t);
		reference_step(o, rp, g, rm, rv, N, lr, wd, t);
	}
	double worst_p = 0, worst_m = 0, worst_v = 0;
	for (int i = 0; i < N; i++) {
		worst_p = fmax(worst_p, fabs(p[i] - rp[i]));
		worst_m = fmax(worst_m, fabs(m[i] - rm[i]) / gscale);
		worst_v = fmax(worst_v, fabs(v[i] - rv[i]) / rv[i]);
	}
	/* Float rounding over six steps is ~2e-7. A wrong formula (no bias
	 * correction, decay applied after the update or scaled by the
	 * gradient step, eps inside the sqrt for the tiny gradients) is off
	 * by 1e-4 or more. */
	if (worst_p > 2e-6 || worst_m > 1e-6 || worst_v > 1e-5)
		fail_msg("wd %g, gradients %g: worst error p %.3g, m %.3g, v %.3g (relative)", wd,
			 gscale, worst_p, worst_m, worst_v);
}

static void test_adamw_reference(void **state)
{
	(void)state;
	check_against_reference(&torch_default, 0.1f, 2.0f);
	check_against_reference(&torch_default, 0.0f, 2.0f);
	/* Gradients the size of eps: where eps sits in the denominator counts. */
	lw_adamw other = { 0.8f, 0.95f, 1e-6f };
	check_against_reference(&other, 0.01f, 1e-6f);
	check_against_reference(&other, 0.0f, 1e-6f);
}

/* Weight decay alone: with zero gradients and zero moments the Adam term
 * is exactly 0, so p is multiplied by (float)(1 - lr*wd) and nothing else;
 * with wd = 0 too, p does not change at all. */
static void test_adamw_decay_only(void **state)
{
	(void)state;
	enum { N = 300 };
	float p[N], p0[N], g[N] = { 0 }, m[N] = { 0 }, v[N] = { 0 };
	lw_rng r = lw_rng_from(8, 0, 0);
	fill(p0, N, &r, 3.0f);
	memcpy(p, p0, sizeof p);
	lw_adamw_update(&torch_default, p, g, m, v, N, 0.01f, 0.0f, 1);
	assert_true(same_bits(p, p0, N));

	lw_adamw_update(&torch_default, p, g, m, v, N, 0.01f, 0.5f, 2);
	float keep = (float)(1.0 - 0.01 * 0.5);
	for (int i = 0; i < N; i++)
		assert_true(p[i] == p0[i] * keep);
	for (int i = 0; i < N; i++)
		assert_true(m[i] == 0 && v[i] == 0);
}

/* The update is element-wise: the same bits at any thread count. */
static void test_adamw_threads(void **state)
{
	(void)state;
	enum { N = 100003 };
	float *p[2], *m[2], *v[2], *g = malloc(N * sizeof *g);
	lw_rng r = lw_rng_from(9, 0, 0);
	for (int k = 0; k < 2; k++) {
		p[k] = malloc(N * sizeof(float));
		m[k] = calloc(N, sizeof(float));
		v[k] = calloc(N, sizeof(float));
	}
	fill(p[0], N, &r, 1.0f);
	memcpy(p[1], p[0], N * sizeof(float));
	int saved = omp_get_max_threads();
	for (long t = 1; t <= 3; t++) {
		fill(g, N, &r, 1.0f);
		for (int k = 0; k < 2; k++) {
			omp_set_num_threads(k == 0 ? 1 : 3);
			lw_adamw_update(&torch_default, p[k], g, m[k], v[k], N, 1e-3f, 0.01f, t);
		}
	}
	omp_set_num_threads(saved);
	assert_true(same_bits(p[0], p[1], N));
	assert_true(same_bits(m[0], m[1], N));
	assert_true(same_bits(v[0], v[1], N));
	for (int k = 0; k < 2; k++) {
		free(p[k]);
		free(m[k]);
		free(v[k]);
	}
	free(g);
}

/* ------------------------------------------------------------ schedule */

static void test_lr_schedule(void **state)
{
	(void)state;
	const float lr = 1e-3f, r = 0.1f;
	/* 111 steps, 10 of warm-up: the decay runs over steps 10..110, its
	 * middle is step 60. */
	assert_true(lw_lr_at(0, 111, 10, lr, r) == (float)((double)1e-3f / 10));
	assert_true(lw_lr_at(4, 111, 10, lr, r) == (float)((double)1e-3f * 5 / 10));
	assert_true(lw_lr_at(9, 111, 10, lr, r) == lr);   /* end of warm-up */
	assert_true(lw_lr_at(10, 111, 10, lr, r) == lr);  /* start of decay */
	assert_near(lw_lr_at(60, 111, 10, lr, r), 0.55e-3, 1e-10);
	assert_near(lw_lr_at(35, 111, 10, lr, r),
			   1e-3 * (0.1 + 0.9 * 0.5 * (1 + cos(M_PI * 0.25))), 1e-10);
	assert_true(lw_lr_at(110, 111, 10, lr, r) == r * lr); /* last step, exactly */
	assert_true(lw_lr_at(109, 111, 10, lr, r) > r * lr);
	assert_true(lw_lr_at(500, 111, 10, lr, r) == r * lr); /* past the end */

	/* Rises through warm-up, never rises after. */
	for (long s = 1; s < 111; s++) {
		float a = lw_lr_at(s - 1, 111, 10, lr, r), b = lw_lr_at(s, 111, 10, lr, r);
		if (s < 10 ? !(b > a) : !(b <= a))
			fail_msg("step %ld: %g after %g", s, b, a);
	}

	/* No warm-up: the first step is the peak. */
	assert_true(lw_lr_at(0, 100, 0, lr, r) == lr);
	assert_near(lw_lr_at(33, 67, 0, lr, r), 0.55e-3, 1e-10);
	assert_true(lw_lr_at(99, 100, 0, lr, r) == r * lr);
	/* Warm-up as long as the run or longer: warm up, then hold. */
	assert_true(lw_lr_at(4, 10, 10, lr, r) == (float)((double)1e-3f * 5 / 10));
	assert_true(lw_lr_at(9, 10, 10, lr, r) == lr);
	assert_true(lw_lr_at(12, 10, 10, lr, r) == lr);
	assert_true(lw_lr_at(12, 5, 20, lr, r) == (float)((double)1e-3f * 13 / 20));
	/* One step after warm-up: it is the last step. */
	assert_true(lw_lr_at(10, 11, 10, lr, r) == r * lr);
	/* A one-step run without warm-up, and min_ratio 1 (constant). */
	assert_true(lw_lr_at(0, 1, 0, lr, r) == r * lr);
	for (long s = 10; s < 50; s++)
		assert_true(lw_lr_at(s, 50, 10, lr, 1.0f) == lr);
}

/* ------------------------------------------------------------ norm, clip */

static double reference_norm(const float *g, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += (double)g[i] * g[i];
	return sqrt(s);
}

static void test_grad_norm(void **state)
{
	(void)state;
	float two[2] = { 3, -4 };
	assert_true(lw_grad_norm(two, 2) == 5.0);
	assert_true(lw_grad_norm(two, 0) == 0.0);

	enum { N = 200003 };
	float *g = malloc(N * sizeof *g);
	lw_rng r = lw_rng_from(10, 0, 0);
	fill(g, N, &r, 0.01f);
	g[N - 1] = 5.0f; /* the tail element counts */
	double want = reference_norm(g, N);
	int saved = omp_get_max_threads();
	for (int threads = 1; threads <= 5; threads++) {
		omp_set_num_threads(threads);
		double a = lw_grad_norm(g, N), b = lw_grad_norm(g, N);
		assert_true(a == b); /* deterministic at a thread count */
		if (fabs(a - want) > 1e-13 * want)
			fail_msg("%d threads: %.17g, expected %.17g", threads, a, want);
		/* Fewer elements than threads. */
		assert_true(lw_grad_norm(two, 2) == 5.0);
	}
	omp_set_num_threads(saved);
	free(g);
}

static void test_clip(void **state)
{
	(void)state;
	enum { N = 5003 };
	float *g = malloc(N * sizeof *g), *g0 = malloc(N * sizeof *g);
	lw_rng r = lw_rng_from(11, 0, 0);
	fill(g0, N, &r, 1.0f);
	memcpy(g, g0, N * sizeof *g);
	double norm = lw_grad_norm(g, N);
	assert_true(norm > 10);

	/* Above the limit: scaled to the limit. */
	float scale = lw_clip_grads(g, N, norm, 1.0f);
	assert_near(scale, 1.0 / norm, 1e-7 / norm);
	assert_near(lw_grad_norm(g, N), 1.0, 1e-6);
	for (int i = 0; i < N; i++)
		assert_true(g[i] == g0[i] * scale);

	/* At or below the limit, or no limit: untouched, scale 1. */
	memcpy(g, g0, N * sizeof *g);
	assert_true(lw_clip_grads(g, N, norm, (float)norm * 2) == 1.0f);
	assert_true(lw_clip_grads(g, N, 2.0, 2.0f) == 1.0f);
	assert_true(lw_clip_grads(g, N, norm, 0.0f) == 1.0f);
	assert_true(same_bits(g, g0, N));
	free(g);
	free(g0);
}

/* ------------------------------------------------------------ defaults */

static void test_defaults(void **state)
{
	(void)state;
	lw_train_config c;
	memset(&c, 0xff, sizeof c);
	lw_train_config_default(&c);
	assert_int_equal(c.model.arch, LW_ARCH_MLM);
	assert_int_equal(c.model.layers, 4);
	assert_int_equal(c.model.d_model, 192);
	assert_int_equal(c.model.heads, 4);
	assert_int_equal(c.model.d_ff, 768);
	assert_int_equal(c.model.seq, 32);
	assert_int_equal(c.model.vocab, 8192);
	assert_int_equal(c.batch, 128);
	assert_int_equal(c.accum, 1);
	assert_int_equal(c.steps, 1800);
	assert_int_equal(c.warmup, 100);
	assert_true(c.lr == 2e-3f && c.min_lr_ratio == 0.1f && c.weight_decay == 0.01f);
	assert_true(c.clip == 1.0f && c.mask_prob == 0.15f);
	assert_int_equal(c.decay_embeddings, 0);
	assert_true(c.adamw.beta1 == 0.9f && c.adamw.beta2 == 0.999f && c.adamw.eps == 1e-8f);
	assert_int_equal(c.seed, 1);
	assert_int_equal(c.threads, 0);
	assert_int_equal(c.eval_every, 300);
	assert_int_equal(c.eval_batches, 20);
	assert_int_equal(c.save_every, 600);
	assert_int_equal(c.log_every, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adamw_by_hand),
		cmocka_unit_test(test_adamw_reference),
		cmocka_unit_test(test_adamw_decay_only),
		cmocka_unit_test(test_adamw_threads),
		cmocka_unit_test(test_lr_schedule),
		cmocka_unit_test(test_grad_norm),
		cmocka_unit_test(test_clip),
		cmocka_unit_test(test_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
