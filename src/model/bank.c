/*
 * bank.c — weight matrices made from a parameter bank (share.h): gathering
 * them before the forward pass, sending their gradients back to the bank
 * and the coefficients after the backward pass, and initialising the two.
 *
 * For a matrix W of s floats with coefficients a[0..K) and window start w,
 * in a bank b of B floats:
 *
 *   W[i]        = sum_k a[k] * b[(w + k*s + i) mod B]
 *   dL/db[j]   += sum over (k, i) landing on j of a[k] * dL/dW[i]
 *   dL/da[k]   += sum_i b[(w + k*s + i) mod B] * dL/dW[i]
 *
 * Each template is walked as contiguous runs between wraps.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/share.h"
#include "util/rng.h"

/* out[i] += a * b[(start + i) mod B] for i < n. */
static void add_template(float *out, float a, const float *b, size_t B, size_t start, size_t n)
{
	size_t done = 0, j = start % B;
	while (done < n) {
		size_t run = B - j < n - done ? B - j : n - done;
		#pragma omp parallel for schedule(static) if (run > 65536)
		for (size_t i = 0; i < run; i++)
			out[done + i] += a * b[j + i];
		done += run;
		j = 0;
	}
}

/* db[(start + i) mod B] += a * dw[i]; returns sum_i b[...] * dw[i]. Runs
 * that wrap onto the same floats (n > B) are taken one after another. */
static double scatter_template(float *db, const float *b, float a, const float *dw, size_t B,
			       size_t start, size_t n)
{
	double dot = 0;
	size_t done = 0, j = start % B;
	while (done < n) {
		size_t run = B - j < n - done ? B - j : n - done;
		double part = 0;
		#pragma omp parallel for schedule(static) reduction(+ : part) if (run > 65536)
		for (size_t i = 0; i < run; i++) {
			db[j + i] += a * dw[done + i];
			part += (double)b[j + i] * dw[done + i];
		}
		dot += part;
		done += run;
		j = 0;
	}
	return dot;
}

void lw_bank_gather(const lw_share_plan *p, const float *params, float *scratch)
{
	const float *bank = params + p->bank_offset;
	for (int m = 0; m < p->n_made; m++) {
		const lw_link *k = &p->links[p->made[m]];
		size_t s = p->logical[p->made[m]].size;
		float *w = scratch + k->offset;
		memset(w, 0, s * sizeof *w);
		for (int t = 0; t < p->templates; t++)
			add_template(w, params[k->coef + (size_t)t], bank, p->bank_size,
				     k->start + (size_t)t * (s % p->bank_size), s);
	}
}

void lw_bank_scatter(const lw_share_plan *p, const float *params, float *scratch_grads,
		     float *grads)
{
	const float *bank = params + p->bank_offset;
	float *dbank = grads + p->bank_offset;
	for (int m = 0; m < p->n_made; m++) {
		const lw_link *k = &p->links[p->made[m]];
		size_t s = p->logical[p->made[m]].size;
		float *dw = scratch_grads + k->offset;
		for (int t = 0; t < p->templates; t++) {
			size_t c = k->coef + (size_t)t;
			grads[c] += (float)scatter_template(dbank, bank, params[c], dw, p->bank_size,
							    k->start + (size_t)t * (s % p->bank_size),
							    s);
		}
		memset(dw, 0, s * sizeof *dw);
	}
}

static double normal(lw_rng *r)
{
	double u = 1.0 - lw_rng_uniform(r), v = lw_rng_uniform(r);
	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* Rows of unit norm, as orthogonal as K dimensions allow: Gram-Schmidt on
 * the rows of a Gaussian n x K matrix when n <= K, on its columns
 * otherwise (then each row normalised). a is n x K, row-major. */
static void orthogonal_rows(double *a, int n, int K, lw_rng *r)
{
	for (int i = 0; i < n * K; i++)
		a[i] = normal(r);
	int rows = n <= K;
	int count = rows ? n : K, len = rows ? K : n;
	size_t step = rows ? (size_t)K : 1, stride = rows ? 1 : (size_t)K;
	for (int v = 0; v < count; v++) {
		double *x = a + (size_t)v * step;
		for (int u = 0; u < v; u++) {
			const double *y = a + (size_t)u * step;
			double d = 0;
			for (int i = 0; i < len; i++)
				d += x[i * stride] * y[i * stride];
			for (int i = 0; i < len; i++)
				x[i * stride] -= d * y[i * stride];
		}
		double norm = 0;
		for (int i = 0; i < len; i++)
			norm += x[i * stride] * x[i * stride];
		for (int i = 0; i < len; i++)
			x[i * stride] /= sqrt(norm);
	}
	for (int i = 0; !rows && i < n; i++) {
		double norm = 0;
		for (int k = 0; k < K; k++)
			norm += a[(size_t)i * K + k] * a[(size_t)i * K + k];
		for (int k = 0; k < K; k++)
			a[(size_t)i * K + k] /= sqrt(norm);
	}
}

void lw_bank_init(const lw_share_plan *p, float *params, int layers, uint64_t seed)
{
	lw_rng r = lw_rng_from(seed, 0xba4c, 0);
	for (size_t j = 0; j < p->bank_size; j++)
		params[p->bank_offset + j] = (float)(0.02 * normal(&r));
	int K = p->templates;
	double *a = malloc((size_t)p->n_made * (size_t)K * sizeof *a);
	double resid = 1.0 / sqrt(2.0 * layers);
	/* The matrices of one size share windows of the bank: their rows of
	 * coefficients are made orthogonal together. */
	for (int m = 0; m < p->n_made; m++) {
		size_t s = p->logical[p->made[m]].size;
		int first = 1, n = 0;
		for (int q = 0; q < m && first; q++)
			first = p->logical[p->made[q]].size != s;
		if (!first)
			continue;
		for (int q = m; q < p->n_made; q++)
			n += p->logical[p->made[q]].size == s;
		orthogonal_rows(a, n, K, &r);
		for (int q = m, row = 0; q < p->n_made; q++) {
			const lw_tensor *t = &p->logical[p->made[q]];
			if (t->size != s)
				continue;
			double scale = strstr(t->name, "proj.w") ? resid : 1.0;
			for (int k = 0; k < K; k++)
				params[p->links[p->made[q]].coef + (size_t)k] =
					(float)(scale * a[(size_t)row * K + k]);
			row++;
		}
	}
	free(a);
}
