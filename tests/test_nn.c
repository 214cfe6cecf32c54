/*
 * test_nn.c — the kernels of src/nn/ops.h against naive double-precision
 * references.
 *
 * For every op: the forward matches a plain-loop reference computed in
 * double; the backward matches central finite differences of that
 * reference, for the objective L = sum(w * y) with random w (so dy = w);
 * backward adds into prefilled gradients (twice = prefill + 2 grad); and two
 * runs on the same inputs are bit-identical. Differentiating the double
 * reference, not the float kernel, keeps the finite differences accurate to
 * ~1e-9, so the tolerances can be tight enough to catch real mistakes.
 * Plus: the causal mask, cross-entropy on hand-computed values, the linear
 * layer against a triple loop, in-place use and sizes of 1.
 */
#include "testutil.h"

#include <math.h>
#include <omp.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#include "nn/ops.h"
#include "util/rng.h"

/* ---------------------------------------------------------------- helpers */

static void fill(float *a, size_t n, lw_rng *r, float lo, float hi)
{
	for (size_t i = 0; i < n; i++)
		a[i] = lo + (hi - lo) * (float)lw_rng_uniform(r);
}

static float *randf(size_t n, lw_rng *r, float lo, float hi)
{
	float *a = malloc((n ? n : 1) * sizeof *a);
	assert_non_null(a);
	fill(a, n, r, lo, hi);
	return a;
}

static float *zerosf(size_t n)
{
	float *a = calloc(n ? n : 1, sizeof *a);
	assert_non_null(a);
	return a;
}

static float *copyf(const float *a, size_t n)
{
	float *b = malloc((n ? n : 1) * sizeof *b);
	assert_non_null(b);
	memcpy(b, a, n * sizeof *b);
	return b;
}

static double *to_double(const float *a, size_t n)
{
	double *d = malloc((n ? n : 1) * sizeof *d);
	assert_non_null(d);
	for (size_t i = 0; i < n; i++)
		d[i] = a[i];
	return d;
}

/* Every element of got within atol + rtol |want|. */
static void expect_close(const char *what, const float *got, const double *want,
			 size_t n, double atol, double rtol)
{
	for (size_t i = 0; i < n; i++) {
		double err = fabs((double)got[i] - want[i]);
		if (!(err <= atol + rtol * fabs(want[i])))
			fail_msg("%s[%zu]: got %.9g, want %.9g", what, i, (double)got[i], want[i]);
	}
}

static void expect_same_bits(const char *what, const float *a, const float *b, size_t n)
{
	if (memcmp(a, b, n * sizeof *a) != 0)
		fail_msg("%s: two runs differ", what);
}

/* The objective of a double reference: sum(w * y) for the current inputs. */
typedef double (*objective_fn)(void *ctx);

/* Central differences of f with respect to p[i], compared with grad[i]: all
 * elements when n <= max_checks, else max_checks random ones. */
static void check_grad(const char *what, double *p, const float *grad, size_t n,
		       objective_fn f, void *ctx, size_t max_checks)
{
	lw_rng r = lw_rng_from(n, 77, 0);
	size_t checks = n <= max_checks ? n : max_checks;
	for (size_t c = 0; c < checks; c++) {
		size_t i = n <= max_checks ? c : (size_t)lw_rng_below(&r, n);
		double old = p[i], h = 1e-5 * fmax(1.0, fabs(old));
		p[i] = old + h;
		double lp = f(ctx);
		p[i] = old - h;
		double lm = f(ctx);
		p[i] = old;
		double num = (lp - lm) / (2.0 * h);
		if (!(fabs((double)grad[i] - num) <= 2e-4 * (1.0 + fabs(num))))
			fail_msg("%s[%zu]: analytic %.9g, numeric %.9g", what, i,
				 (double)grad[i], num);
	}
}

static double dot(const double *w, const double *y, size_t n)
{
	double s = 0.0;
	for (size_t i = 0; i < n; i++)
		s += w[i] * y[i];
	return s;
}

/* Backward accumulates: with gradients prefilled with pre, calling the
 * backward twice gives pre + 2 * once. */
static void expect_accumulated(const char *what, const float *twice, const float *pre,
			       const float *once, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double want = (double)pre[i] + 2.0 * once[i];
		if (!(fabs(twice[i] - want) <= 1e-5 * (1.0 + fabs(want))))
			fail_msg("%s[%zu]: got %.9g after two calls, want %.9g",
				 what, i, (double)twice[i], want);
	}
}

/* ----------------------------------------------------------------- linear */

typedef struct linear_ref {
	double *x, *w, *b, *wy;
	int N, IC, OC;
} linear_ref;

static void ref_linear(double *y, const linear_ref *c)
{
	for (int i = 0; i < c->N; i++)
		for (int o = 0; o < c->OC; o++) {
			double s = c->b ? c->b[o] : 0.0;
			for (int k = 0; k < c->IC; k++)
				s += c->x[i * c->IC + k] * c->w[o * c->IC + k];
			y[i * c->OC + o] = s;
		}
}

static double linear_objective(void *ctx)
{
	linear_ref *c = ctx;
	double *y = malloc((size_t)c->N * c->OC * sizeof *y);
	ref_linear(y, c);
	double L = dot(c->wy, y, (size_t)c->N * c->OC);
	free(y);
	return L;
}

static void linear_case(int N, int IC, int OC, int with_bias, size_t max_checks)
{
	lw_rng r = lw_rng_from(1, N, IC * 1000 + OC);
	size_t nx = (size_t)N * IC, nw = (size_t)OC * IC, ny = (size_t)N * OC;
	float *x = randf(nx, &r, -1, 1), *w = randf(nw, &r, -1, 1);
	float *b = with_bias ? randf(OC, &r, -1, 1) : NULL;
	float *dy = randf(ny, &r, -1, 1), *y = zerosf(ny);
	linear_ref c = {to_double(x, nx), to_double(w, nw), b ? to_double(b, OC) : NULL,
			to_double(dy, ny), N, IC, OC};

	lw_linear_forward(y, x, w, b, N, IC, OC);
	double *yr = malloc(ny * sizeof *yr);
	ref_linear(yr, &c);
	expect_close("linear y", y, yr, ny, 1e-5, 1e-5);

	float *dx = zerosf(nx), *dw = zerosf(nw), *db = zerosf(OC);
	lw_linear_backward(dx, dw, with_bias ? db : NULL, dy, x, w, N, IC, OC);
	check_grad("linear dx", c.x, dx, nx, linear_objective, &c, max_checks);
	check_grad("linear dw", c.w, dw, nw, linear_objective, &c, max_checks);
	if (with_bias)
		check_grad("linear db", c.b, db, OC, linear_objective, &c, max_checks);

	/* Accumulation into prefilled buffers. */
	float *px = randf(nx, &r, -1, 1), *pw = randf(nw, &r, -1, 1), *pb = randf(OC, &r, -1, 1);
	float *ax = copyf(px, nx), *aw = copyf(pw, nw), *ab = copyf(pb, OC);
	for (int k = 0; k < 2; k++)
		lw_linear_backward(ax, aw, ab, dy, x, w, N, IC, OC);
	expect_accumulated("linear dx", ax, px, dx, nx);
	expect_accumulated("linear dw", aw, pw, dw, nw);
	if (with_bias)
		expect_accumulated("linear db", ab, pb, db, OC);

	/* NULL gradients are skipped; the others are unchanged by that. */
	float *ox = zerosf(nx);
	lw_linear_backward(ox, NULL, NULL, dy, x, w, N, IC, OC);
	expect_same_bits("linear dx alone", ox, dx, nx);

	free(ox); free(px); free(pw); free(pb); free(ax); free(aw); free(ab);
	free(dx); free(dw); free(db); free(yr);
	free(c.x); free(c.w); free(c.b); free(c.wy);
	free(x); free(w); free(b); free(dy); free(y);
}

static void linear_gradients(void **state)
{
	(void)state;
	linear_case(10, 8, 12, 1, 1000);
	linear_case(1, 3, 1, 1, 1000);
	linear_case(4, 5, 6, 0, 1000);
}

/* A larger shape against the triple loop (forward and backward), so that
 * OpenBLAS's blocked kernels, not only its edge cases, are exercised. */
static void linear_matches_triple_loop(void **state)
{
	(void)state;
	int N = 37, IC = 70, OC = 45;
	lw_rng r = lw_rng_from(2, 0, 0);
	float *x = randf((size_t)N * IC, &r, -1, 1), *w = randf((size_t)OC * IC, &r, -1, 1);
	float *b = randf(OC, &r, -1, 1), *dy = randf((size_t)N * OC, &r, -1, 1);
	float *y = zerosf((size_t)N * OC), *dx = zerosf((size_t)N * IC);
	float *dw = zerosf((size_t)OC * IC), *db = zerosf(OC);
	lw_linear_forward(y, x, w, b, N, IC, OC);
	lw_linear_backward(dx, dw, db, dy, x, w, N, IC, OC);

	double *want = calloc((size_t)N * IC + (size_t)OC * IC + N * OC + OC, sizeof *want);
	double *wy = want, *wdx = wy + N * OC, *wdw = wdx + N * IC, *wdb = wdw + OC * IC;
	for (int i = 0; i < N; i++)
		for (int o = 0; o < OC; o++) {
			double s = b[o];
			for (int k = 0; k < IC; k++)
				s += (double)x[i * IC + k] * w[o * IC + k];
			wy[i * OC + o] = s;
			for (int k = 0; k < IC; k++) {
				wdx[i * IC + k] += (double)dy[i * OC + o] * w[o * IC + k];
				wdw[o * IC + k] += (double)dy[i * OC + o] * x[i * IC + k];
			}
			wdb[o] += dy[i * OC + o];
		}
	expect_close("y", y, wy, (size_t)N * OC, 1e-4, 1e-5);
	expect_close("dx", dx, wdx, (size_t)N * IC, 1e-4, 1e-5);
	expect_close("dw", dw, wdw, (size_t)OC * IC, 1e-4, 1e-5);
	expect_close("db", db, wdb, OC, 1e-4, 1e-5);
	free(want); free(x); free(w); free(b); free(dy); free(y); free(dx); free(dw); free(db);
}

/* -------------------------------------------------------------- layernorm */

typedef struct ln_ref {
	double *x, *g, *b, *wy;
	int N, C;
} ln_ref;

static void ref_layernorm(double *y, double *mean, double *rstd, const ln_ref *c)
{
	for (int i = 0; i < c->N; i++) {
		const double *x = c->x + (size_t)i * c->C;
		double m = 0.0, v = 0.0;
		for (int k = 0; k < c->C; k++)
			m += x[k];
		m /= c->C;
		for (int k = 0; k < c->C; k++)
			v += (x[k] - m) * (x[k] - m);
		double rs = 1.0 / sqrt(v / c->C + 1e-5);
		for (int k = 0; k < c->C; k++)
			y[(size_t)i * c->C + k] = (x[k] - m) * rs * c->g[k] + c->b[k];
		if (mean) {
			mean[i] = m;
			rstd[i] = rs;
		}
	}
}

static double ln_objective(void *ctx)
{
	ln_ref *c = ctx;
	double *y = malloc((size_t)c->N * c->C * sizeof *y);
	ref_layernorm(y, NULL, NULL, c);
	double L = dot(c->wy, y, (size_t)c->N * c->C);
	free(y);
	return L;
}

static void layernorm_case(int N, int C)
{
	lw_rng r = lw_rng_from(3, N, C);
	size_t n = (size_t)N * C;
	float *x = randf(n, &r, -2, 3), *g = randf(C, &r, 0.5f, 1.5f), *b = randf(C, &r, -1, 1);
	float *dy = randf(n, &r, -1, 1), *y = zerosf(n), *mean = zerosf(N), *rstd = zerosf(N);
	ln_ref c = {to_double(x, n), to_double(g, C), to_double(b, C), to_double(dy, n), N, C};

	lw_layernorm_forward(y, mean, rstd, x, g, b, N, C);
	double *yr = malloc(n * sizeof *yr), *mr = malloc(N * sizeof *mr), *rr = malloc(N * sizeof *rr);
	ref_layernorm(yr, mr, rr, &c);
	expect_close("layernorm y", y, yr, n, 1e-5, 1e-5);
	expect_close("layernorm mean", mean, mr, N, 1e-6, 1e-5);
	expect_close("layernorm rstd", rstd, rr, N, 1e-6, 1e-5);

	float *dx = zerosf(n), *dg = zerosf(C), *db = zerosf(C);
	lw_layernorm_backward(dx, dg, db, dy, x, g, mean, rstd, N, C);
	check_grad("layernorm dx", c.x, dx, n, ln_objective, &c, 1000);
	check_grad("layernorm dg", c.g, dg, C, ln_objective, &c, 1000);
	check_grad("layernorm db", c.b, db, C, ln_objective, &c, 1000);

	float *px = randf(n, &r, -1, 1), *pg = randf(C, &r, -1, 1), *pb = randf(C, &r, -1, 1);
	float *ax = copyf(px, n), *ag = copyf(pg, C), *ab = copyf(pb, C);
	for (int k = 0; k < 2; k++)
		lw_layernorm_backward(ax, ag, ab, dy, x, g, mean, rstd, N, C);
	expect_accumulated("layernorm dx", ax, px, dx, n);
	expect_accumulated("layernorm dg", ag, pg, dg, C);
	expect_accumulated("layernorm db", ab, pb, db, C);

	free(px); free(pg); free(pb); free(ax); free(ag); free(ab);
	free(dx); free(dg); free(db); free(yr); free(mr); free(rr);
	free(c.x); free(c.g); free(c.b); free(c.wy);
	free(x); free(g); free(b); free(dy); free(y); free(mean); free(rstd);
}

static void layernorm_gradients(void **state)
{
	(void)state;
	layernorm_case(10, 8);
	layernorm_case(1, 5);
	layernorm_case(3, 33);
}

/* ------------------------------------------------------------------- gelu */

static double ref_gelu(double x)
{
	return 0.5 * x * (1.0 + tanh(sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}

typedef struct gelu_ref {
	double *x, *wy;
	size_t n;
} gelu_ref;

static double gelu_objective(void *ctx)
{
	gelu_ref *c = ctx;
	double L = 0.0;
	for (size_t i = 0; i < c->n; i++)
		L += c->wy[i] * ref_gelu(c->x[i]);
	return L;
}

static void gelu_matches_tanh_formula(void **state)
{
	(void)state;
	size_t n = 2001;
	float *x = zerosf(n), *y = zerosf(n);
	for (size_t i = 0; i < n; i++)
		x[i] = -10.0f + 20.0f * (float)i / (float)(n - 1);
	x[0] = -100.0f;
	x[n - 1] = 100.0f;
	lw_gelu_forward(y, x, n);
	for (size_t i = 0; i < n; i++) {
		double want = ref_gelu(x[i]);
		if (!(fabs(y[i] - want) <= 1e-7 + 4e-7 * fabs(want)))
			fail_msg("gelu(%.9g) = %.9g, want %.9g", (double)x[i], (double)y[i], want);
	}
	/* In place. */
	lw_gelu_forward(x, x, n);
	expect_same_bits("gelu in place", x, y, n);
	free(x);
	free(y);
}

static void gelu_gradients(void **state)
{
	(void)state;
	lw_rng r = lw_rng_from(4, 0, 0);
	size_t n = 300;
	float *x = randf(n, &r, -6, 6), *dy = randf(n, &r, -1, 1), *dx = zerosf(n);
	gelu_ref c = {to_double(x, n), to_double(dy, n), n};
	lw_gelu_backward(dx, x, dy, n);
	check_grad("gelu dx", c.x, dx, n, gelu_objective, &c, 1000);

	float *pre = randf(n, &r, -1, 1), *acc = copyf(pre, n);
	lw_gelu_backward(acc, x, dy, n);
	lw_gelu_backward(acc, x, dy, n);
	expect_accumulated("gelu dx", acc, pre, dx, n);
	free(pre); free(acc); free(c.x); free(c.wy); free(x); free(dy); free(dx);
}

/* -------------------------------------------------------------- embedding */

typedef struct emb_ref {
	double *wte, *wpe, *wy;
	const int32_t *ids;
	int B, T, C;
} emb_ref;

static double emb_objective(void *ctx)
{
	emb_ref *c = ctx;
	double L = 0.0;
	for (int bt = 0; bt < c->B * c->T; bt++)
		for (int k = 0; k < c->C; k++)
			L += c->wy[(size_t)bt * c->C + k] *
			     (c->wte[(size_t)c->ids[bt] * c->C + k] + c->wpe[(size_t)(bt % c->T) * c->C + k]);
	return L;
}

static void embedding_case(int B, int T, int C, int V)
{
	lw_rng r = lw_rng_from(5, B * T, C * 100 + V);
	size_t n = (size_t)B * T * C;
	int32_t *ids = malloc((size_t)B * T * sizeof *ids);
	for (int i = 0; i < B * T; i++)
		ids[i] = (int32_t)lw_rng_below(&r, V);
	if (B * T > 3)
		ids[3] = ids[0];  /* a repeated token: the scatter must add */
	float *wte = randf((size_t)V * C, &r, -1, 1), *wpe = randf((size_t)T * C, &r, -1, 1);
	float *dy = randf(n, &r, -1, 1), *x = zerosf(n);
	emb_ref c = {to_double(wte, (size_t)V * C), to_double(wpe, (size_t)T * C),
		     to_double(dy, n), ids, B, T, C};

	lw_embedding_forward(x, ids, wte, wpe, B, T, C);
	for (int bt = 0; bt < B * T; bt++)
		for (int k = 0; k < C; k++)
			assert_true(x[(size_t)bt * C + k] ==
				    wte[(size_t)ids[bt] * C + k] + wpe[(size_t)(bt % T) * C + k]);

	float *dte = zerosf((size_t)V * C), *dpe = zerosf((size_t)T * C);
	lw_embedding_backward(dte, dpe, dy, ids, B, T, C);
	check_grad("embedding dwte", c.wte, dte, (size_t)V * C, emb_objective, &c, 1000);
	check_grad("embedding dwpe", c.wpe, dpe, (size_t)T * C, emb_objective, &c, 1000);

	float *pte = randf((size_t)V * C, &r, -1, 1), *ppe = randf((size_t)T * C, &r, -1, 1);
	float *ate = copyf(pte, (size_t)V * C), *ape = copyf(ppe, (size_t)T * C);
	for (int k = 0; k < 2; k++)
		lw_embedding_backward(ate, ape, dy, ids, B, T, C);
	expect_accumulated("embedding dwte", ate, pte, dte, (size_t)V * C);
	expect_accumulated("embedding dwpe", ape, ppe, dpe, (size_t)T * C);

	free(pte); free(ppe); free(ate); free(ape); free(dte); free(dpe);
	free(c.wte); free(c.wpe); free(c.wy);
	free(ids); free(wte); free(wpe); free(dy); free(x);
}

static void embedding_gradients(void **state)
{
	(void)state;
	embedding_case(2, 5, 8, 11);
	embedding_case(1, 1, 1, 1);
	embedding_case(3, 4, 37, 5);  /* C not a multiple of the channel blocks */
}

/* -------------------------------------------------------------- attention */

typedef struct att_ref {
	double *qkv, *wy;
	int B, T, C, NH, causal;
} att_ref;

/* out (B,T,C), att (B,NH,T,T) or NULL, straight from the definition. */
static void ref_attention(double *out, double *att, const att_ref *c)
{
	int T = c->T, C = c->C, hd = C / c->NH;
	double *p = malloc((size_t)T * sizeof *p);
	for (int b = 0; b < c->B; b++)
		for (int h = 0; h < c->NH; h++)
			for (int t = 0; t < T; t++) {
				const double *q = c->qkv + ((size_t)b * T + t) * 3 * C + h * hd;
				int n = c->causal ? t + 1 : T;
				double m = -INFINITY, s = 0.0;
				for (int j = 0; j < n; j++) {
					const double *k = c->qkv + ((size_t)b * T + j) * 3 * C + C + h * hd;
					double d = 0.0;
					for (int e = 0; e < hd; e++)
						d += q[e] * k[e];
					p[j] = d / sqrt((double)hd);
					m = fmax(m, p[j]);
				}
				for (int j = 0; j < n; j++)
					s += (p[j] = exp(p[j] - m));
				for (int j = 0; j < T; j++) {
					double pj = j < n ? p[j] / s : 0.0;
					if (att)
						att[(((size_t)b * c->NH + h) * T + t) * T + j] = pj;
					p[j] = pj;
				}
				double *o = out + ((size_t)b * T + t) * C + h * hd;
				for (int e = 0; e < hd; e++) {
					double acc = 0.0;
					for (int j = 0; j < n; j++)
						acc += p[j] * c->qkv[((size_t)b * T + j) * 3 * C + 2 * C + h * hd + e];
					o[e] = acc;
				}
			}
	free(p);
}

static double att_objective(void *ctx)
{
	att_ref *c = ctx;
	size_t n = (size_t)c->B * c->T * c->C;
	double *out = malloc(n * sizeof *out);
	ref_attention(out, NULL, c);
	double L = dot(c->wy, out, n);
	free(out);
	return L;
}

static float *nans(size_t n)
{
	float *a = zerosf(n);
	for (size_t i = 0; i < n; i++)
		a[i] = NAN;
	return a;
}

/* Scratch full of NaN: the kernel must never read what it did not write. */
static float *att_scratch(int T)
{
	return nans(lw_attention_scratch_floats(T, omp_get_max_threads()));
}

static void attention_case(int B, int T, int C, int NH, int causal, size_t max_checks)
{
	lw_rng r = lw_rng_from(6, B * T * 10 + causal, C * 100 + NH);
	size_t nqkv = (size_t)B * T * 3 * C, nout = (size_t)B * T * C;
	size_t natt = (size_t)B * NH * T * T;
	float *qkv = randf(nqkv, &r, -1.5f, 1.5f), *dout = randf(nout, &r, -1, 1);
	float *out = nans(nout), *att = nans(natt), *scratch = att_scratch(T);
	att_ref c = {to_double(qkv, nqkv), to_double(dout, nout), B, T, C, NH, causal};

	lw_attention_forward(out, att, qkv, B, T, C, NH, causal);
	double *outr = malloc(nout * sizeof *outr), *attr = malloc(natt * sizeof *attr);
	ref_attention(outr, attr, &c);
	expect_close("attention out", out, outr, nout, 1e-5, 1e-5);
	expect_close("attention att", att, attr, natt, 1e-6, 1e-5);

	float *dqkv = zerosf(nqkv);
	lw_attention_backward(dqkv, scratch, dout, qkv, att, B, T, C, NH, causal);
	check_grad("attention dqkv", c.qkv, dqkv, nqkv, att_objective, &c, max_checks);

	float *pre = randf(nqkv, &r, -1, 1), *acc = copyf(pre, nqkv);
	for (int k = 0; k < 2; k++)
		lw_attention_backward(acc, scratch, dout, qkv, att, B, T, C, NH, causal);
	expect_accumulated("attention dqkv", acc, pre, dqkv, nqkv);

	free(pre); free(acc); free(dqkv); free(outr); free(attr);
	free(c.qkv); free(c.wy); free(qkv); free(dout); free(out); free(att); free(scratch);
}

static void attention_gradients(void **state)
{
	(void)state;
	attention_case(2, 5, 8, 2, 1, 100000);
	attention_case(2, 5, 8, 2, 0, 100000);
	attention_case(1, 1, 4, 1, 1, 100000);
	attention_case(2, 3, 6, 3, 0, 100000);
	/* Longer than the kernel's row blocks (64): every block boundary and
	 * the partial last block; sampled finite differences. */
	attention_case(1, 150, 8, 2, 1, 120);
	attention_case(1, 70, 8, 2, 0, 60);
}

static void attention_causal_mask(void **state)
{
	(void)state;
	int B = 2, T = 130, C = 16, NH = 2;
	lw_rng r = lw_rng_from(7, 0, 0);
	/* Large scores, so that an unmasked entry could not hide as 0. */
	float *qkv = randf((size_t)B * T * 3 * C, &r, -3, 3);
	float *out = zerosf((size_t)B * T * C), *att = randf((size_t)B * NH * T * T, &r, 1, 2);
	for (int causal = 1; causal >= 0; causal--) {
		lw_attention_forward(out, att, qkv, B, T, C, NH, causal);
		for (int bh = 0; bh < B * NH; bh++)
			for (int t = 0; t < T; t++) {
				const float *p = att + ((size_t)bh * T + t) * T;
				double s = 0.0;
				for (int j = 0; j < T; j++) {
					if (causal && j > t)
						assert_true(p[j] == 0.0f);
					else
						assert_true(p[j] > 0.0f && p[j] <= 1.0f);
					s += p[j];
				}
				if (!(fabs(s - 1.0) < 1e-5))
					fail_msg("causal %d: row %d sums to %.9g", causal, t, s);
			}
	}
	/* T = 1: the only probability is 1 and the output is the value. */
	float one[12] = {0.3f, -1, 2, 0.5f, 1, 2, 3, 4, -5, 6, -7, 8}, o[4], a[2];
	lw_attention_forward(o, a, one, 1, 1, 4, 2, 1);
	assert_true(a[0] == 1.0f && a[1] == 1.0f);
	for (int e = 0; e < 4; e++)
		assert_true(o[e] == one[8 + e]);
	free(qkv); free(out); free(att);
}

/* ----------------------------------------------------------- softmax_xent */

typedef struct xent_ref {
	double *logits;
	const int32_t *targets;
	int N, V;
	double dloss;
} xent_ref;

static double ref_xent_row(const double *l, int target, int V, double *probs)
{
	double m = -INFINITY, s = 0.0;
	for (int j = 0; j < V; j++)
		m = fmax(m, l[j]);
	for (int j = 0; j < V; j++)
		s += exp(l[j] - m);
	if (probs)
		for (int j = 0; j < V; j++)
			probs[j] = exp(l[j] - m) / s;
	return log(s) + m - l[target];
}

static double xent_objective(void *ctx)
{
	xent_ref *c = ctx;
	double L = 0.0;
	for (int i = 0; i < c->N; i++)
		L += ref_xent_row(c->logits + (size_t)i * c->V, c->targets[i], c->V, NULL);
	return L * c->dloss;
}

static void xent_case(int N, int V)
{
	lw_rng r = lw_rng_from(8, N, V);
	size_t n = (size_t)N * V;
	float *logits = randf(n, &r, -4, 4), *probs = zerosf(n), *losses = zerosf(N);
	int32_t *targets = malloc((size_t)N * sizeof *targets);
	for (int i = 0; i < N; i++)
		targets[i] = (int32_t)lw_rng_below(&r, V);
	xent_ref c = {to_double(logits, n), targets, N, V, 0.37};

	double total = lw_softmax_xent_forward(probs, losses, logits, targets, N, V);
	double *pr = malloc(n * sizeof *pr), *lr = malloc(N * sizeof *lr), sum = 0.0;
	for (int i = 0; i < N; i++)
		sum += lr[i] = ref_xent_row(c.logits + (size_t)i * V, targets[i], V, pr + (size_t)i * V);
	expect_close("xent probs", probs, pr, n, 1e-7, 1e-5);
	expect_close("xent losses", losses, lr, N, 1e-6, 1e-5);
	assert_true(fabs(total - sum) <= 1e-5 * (1.0 + sum));

	float *dl = zerosf(n);
	lw_softmax_xent_backward(dl, probs, targets, N, V, (float)c.dloss);
	check_grad("xent dlogits", c.logits, dl, n, xent_objective, &c, 1000);

	/* In place, both ways: the same numbers as out of place. */
	float *inplace = copyf(logits, n), *lin = zerosf(N);
	double total2 = lw_softmax_xent_forward(inplace, lin, inplace, targets, N, V);
	expect_same_bits("xent probs in place", inplace, probs, n);
	expect_same_bits("xent losses in place", lin, losses, N);
	assert_true(total2 == total);
	lw_softmax_xent_backward(inplace, inplace, targets, N, V, (float)c.dloss);
	expect_same_bits("xent dlogits in place", inplace, dl, n);

	free(inplace); free(lin); free(dl); free(pr); free(lr); free(c.logits);
	free(logits); free(probs); free(losses); free(targets);
}

static void xent_gradients(void **state)
{
	(void)state;
	xent_case(4, 11);
	xent_case(1, 1);
	xent_case(3, 300);
}

static void xent_hand_computed(void **state)
{
	(void)state;
	/* logits (1,2,3), target 2: loss = log(1 + e^-1 + e^-2). */
	float logits[6] = {1, 2, 3, 1000, 1000, -1000}, probs[6], losses[2];
	int32_t targets[2] = {2, 0};
	double total = lw_softmax_xent_forward(probs, losses, logits, targets, 2, 3);
	assert_true(fabs(losses[0] - 0.40760596444438) < 1e-6);
	assert_true(fabs(probs[0] - 0.09003057317038) < 1e-7);
	assert_true(fabs(probs[1] - 0.24472847105479) < 1e-7);
	assert_true(fabs(probs[2] - 0.66524095577483) < 1e-7);
	/* Huge logits stay finite: two tied at 1000, one far below. */
	assert_true(fabs(losses[1] - log(2.0)) < 1e-6);
	assert_true(fabs(probs[3] - 0.5) < 1e-7 && fabs(probs[4] - 0.5) < 1e-7);
	assert_true(probs[5] >= 0.0f && probs[5] < 1e-30f);
	assert_true(fabs(total - (0.40760596444438 + log(2.0))) < 1e-6);
	/* dlogits = (p - onehot) * dloss. */
	float d[6];
	lw_softmax_xent_backward(d, probs, targets, 2, 3, 0.5f);
	assert_true(fabs(d[0] - 0.5 * 0.09003057317038) < 1e-7);
	assert_true(fabs(d[2] - 0.5 * (0.66524095577483 - 1.0)) < 1e-7);
	assert_true(fabs(d[3] - 0.5 * (0.5 - 1.0)) < 1e-7);
	/* V = 1: probability 1, loss 0, gradient 0. */
	float l1 = 5.0f, p1, loss1, d1 = 9.0f;
	int32_t t1 = 0;
	assert_true(lw_softmax_xent_forward(&p1, &loss1, &l1, &t1, 1, 1) == 0.0);
	assert_true(p1 == 1.0f && loss1 == 0.0f);
	lw_softmax_xent_backward(&d1, &p1, &t1, 1, 1, 1.0f);
	assert_true(d1 == 0.0f);
}

/* --------------------------------------------------------------- residual */

static void residual_adds(void **state)
{
	(void)state;
	lw_rng r = lw_rng_from(9, 0, 0);
	size_t n = 1001;
	float *a = randf(n, &r, -1, 1), *b = randf(n, &r, -1, 1), *y = zerosf(n);
	lw_add(y, a, b, n);
	for (size_t i = 0; i < n; i++)
		assert_true(y[i] == a[i] + b[i]);
	float *a2 = copyf(a, n);
	lw_add(a2, a2, b, n);  /* y == a */
	expect_same_bits("add in place", a2, y, n);
	lw_add_inplace(a, b, n);
	expect_same_bits("add_inplace", a, y, n);
	lw_add(y, a, b, 0);  /* n = 0 touches nothing */
	expect_same_bits("add n=0", a, y, n);
	free(a); free(b); free(y); free(a2);
}

/* ------------------------------------------------------------ determinism */

/* Every op twice on the same inputs in fresh buffers, at shapes large
 * enough for several threads and OpenBLAS blocks: identical bits. */
typedef struct det_out {
	float *y, *dx, *dw, *db;                /* linear */
	float *ly, *ldx, *ldg, *ldb;            /* layernorm */
	float *ao, *aatt, *adq, *ao2, *adq2;    /* attention causal, bidirectional */
	float *edte, *edpe;                     /* embedding */
	float *xp, *xd;                         /* softmax_xent */
	double xl;
} det_out;

enum { DN = 96, DIC = 80, DOC = 72, DB = 2, DT = 100, DC = 64, DNH = 4, DV = 300 };

static det_out det_run(const float *x, const float *w, const float *b, const float *dy,
		       const float *qkv, const float *dout, const int32_t *ids)
{
	det_out o;
	size_t nqkv = (size_t)DB * DT * 3 * DC, nout = (size_t)DB * DT * DC;
	size_t natt = (size_t)DB * DNH * DT * DT;
	float *scratch = att_scratch(DT);
	o.y = zerosf((size_t)DN * DOC); o.dx = zerosf((size_t)DN * DIC);
	o.dw = zerosf((size_t)DOC * DIC); o.db = zerosf(DOC);
	lw_linear_forward(o.y, x, w, b, DN, DIC, DOC);
	lw_linear_backward(o.dx, o.dw, o.db, dy, x, w, DN, DIC, DOC);

	float *mean = zerosf(DN), *rstd = zerosf(DN);
	o.ly = zerosf((size_t)DN * DIC); o.ldx = zerosf((size_t)DN * DIC);
	o.ldg = zerosf(DIC); o.ldb = zerosf(DIC);
	/* Gain and bias: two rows of w. */
	lw_layernorm_forward(o.ly, mean, rstd, x, w, w + DIC, DN, DIC);
	lw_layernorm_backward(o.ldx, o.ldg, o.ldb, x, x, w, mean, rstd, DN, DIC);

	o.ao = zerosf(nout); o.aatt = zerosf(natt); o.adq = zerosf(nqkv);
	o.ao2 = zerosf(nout); o.adq2 = zerosf(nqkv);
	lw_attention_forward(o.ao, o.aatt, qkv, DB, DT, DC, DNH, 1);
	lw_attention_backward(o.adq, scratch, dout, qkv, o.aatt, DB, DT, DC, DNH, 1);
	float *att2 = zerosf(natt);
	lw_attention_forward(o.ao2, att2, qkv, DB, DT, DC, DNH, 0);
	lw_attention_backward(o.adq2, scratch, dout, qkv, att2, DB, DT, DC, DNH, 0);

	o.edte = zerosf((size_t)DV * DC); o.edpe = zerosf((size_t)DT * DC);
	lw_embedding_backward(o.edte, o.edpe, dout, ids, DB, DT, DC);

	/* Logits: the first DN*DV floats of qkv. */
	o.xp = zerosf((size_t)DN * DV); o.xd = zerosf((size_t)DN * DV);
	float *losses = zerosf(DN);
	o.xl = lw_softmax_xent_forward(o.xp, losses, qkv, ids, DN, DV);
	lw_softmax_xent_backward(o.xd, o.xp, ids, DN, DV, 0.25f);
	free(losses); free(att2); free(mean); free(rstd); free(scratch);
	return o;
}

static void det_free(det_out *o)
{
	float *all[] = {o->y, o->dx, o->dw, o->db, o->ly, o->ldx, o->ldg, o->ldb, o->ao,
			o->aatt, o->adq, o->ao2, o->adq2, o->edte, o->edpe, o->xp, o->xd};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		free(all[i]);
}

static void ops_are_deterministic(void **state)
{
	(void)state;
	lw_rng r = lw_rng_from(10, 0, 0);
	size_t nqkv = (size_t)DB * DT * 3 * DC;
	float *x = randf((size_t)DN * DIC, &r, -1, 1), *w = randf((size_t)DOC * DIC, &r, -1, 1);
	float *b = randf(DOC, &r, -1, 1), *dy = randf((size_t)DN * DOC, &r, -1, 1);
	float *qkv = randf(nqkv, &r, -2, 2), *dout = randf((size_t)DB * DT * DC, &r, -1, 1);
	int32_t *ids = malloc((size_t)DB * DT * sizeof *ids);  /* >= DN targets too */
	for (int i = 0; i < DB * DT; i++)
		ids[i] = (int32_t)lw_rng_below(&r, 7);  /* many repeats */
	det_out a = det_run(x, w, b, dy, qkv, dout, ids);
	det_out c = det_run(x, w, b, dy, qkv, dout, ids);
	size_t natt = (size_t)DB * DNH * DT * DT, nout = (size_t)DB * DT * DC;
	expect_same_bits("linear y", a.y, c.y, (size_t)DN * DOC);
	expect_same_bits("linear dx", a.dx, c.dx, (size_t)DN * DIC);
	expect_same_bits("linear dw", a.dw, c.dw, (size_t)DOC * DIC);
	expect_same_bits("linear db", a.db, c.db, DOC);
	expect_same_bits("layernorm y", a.ly, c.ly, (size_t)DN * DIC);
	expect_same_bits("layernorm dx", a.ldx, c.ldx, (size_t)DN * DIC);
	expect_same_bits("layernorm dg", a.ldg, c.ldg, DIC);
	expect_same_bits("layernorm db", a.ldb, c.ldb, DIC);
	expect_same_bits("attention out", a.ao, c.ao, nout);
	expect_same_bits("attention att", a.aatt, c.aatt, natt);
	expect_same_bits("attention dqkv", a.adq, c.adq, nqkv);
	expect_same_bits("attention out (bidirectional)", a.ao2, c.ao2, nout);
	expect_same_bits("attention dqkv (bidirectional)", a.adq2, c.adq2, nqkv);
	expect_same_bits("embedding dwte", a.edte, c.edte, (size_t)DV * DC);
	expect_same_bits("embedding dwpe", a.edpe, c.edpe, (size_t)DT * DC);
	expect_same_bits("xent probs", a.xp, c.xp, (size_t)DN * DV);
	expect_same_bits("xent dlogits", a.xd, c.xd, (size_t)DN * DV);
	assert_true(a.xl == c.xl);
	/* The embedding gradient also equals a serial scatter exactly. */
	float *serial = zerosf((size_t)DV * DC);
	for (int bt = 0; bt < DB * DT; bt++)
		for (int k = 0; k < DC; k++)
			serial[(size_t)ids[bt] * DC + k] += dout[(size_t)bt * DC + k];
	expect_same_bits("embedding dwte vs serial", a.edte, serial, (size_t)DV * DC);
	det_free(&a);
	det_free(&c);
	free(serial); free(x); free(w); free(b); free(dy); free(qkv); free(dout); free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(linear_gradients),
		cmocka_unit_test(linear_matches_triple_loop),
		cmocka_unit_test(layernorm_gradients),
		cmocka_unit_test(gelu_matches_tanh_formula),
		cmocka_unit_test(gelu_gradients),
		cmocka_unit_test(embedding_gradients),
		cmocka_unit_test(attention_gradients),
		cmocka_unit_test(attention_causal_mask),
		cmocka_unit_test(xent_gradients),
		cmocka_unit_test(xent_hand_computed),
		cmocka_unit_test(residual_adds),
		cmocka_unit_test(ops_are_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
