/*
 * attention.c — multi-head scaled dot-product attention, forward and
 * backward, on the fused qkv activation (B,T,3C).
 *
 * Work is split over the B*NH (batch row, head) pairs, one pair per task,
 * with a static schedule. Inside a task every product is a CBLAS sgemm on
 * strided views of the head's columns (leading dimension 3C into qkv, C
 * into out): OpenBLAS's OpenMP build runs single-threaded inside a parallel
 * region, which is what these small products want, and one pair is always
 * computed by one thread in one order, so results are bit-identical run to
 * run.
 *
 * Causal attention only needs the lower triangle of the T*T scores. The
 * rows are processed in blocks of ATT_BLOCK: block [r0, r1) computes score
 * columns [0, r1) only, and the products that consume the probabilities
 * stop at the same column, which saves close to half the work at large T.
 * Entries above the diagonal inside a block are computed and then
 * overwritten: the probabilities there are stored as exact zeros.
 *
 * Per head, with P the probabilities, dO the upstream gradient, s the
 * scale 1/sqrt(hd):
 *   forward:  S = s Q K^T,  P = softmax_rows(S),  O = P V
 *   backward: dP = dO V^T,  dV += P^T dO,  dS = s P * (dP - rowsum(P * dP)),
 *             dQ += dS K,  dK += dS^T Q
 */
#include <cblas.h>
#include <math.h>
#include <omp.h>

#include "nn/ops.h"
#include "nn/softmax_row.h"

#define ATT_BLOCK 64

/* One head's views: q, k, v (T,hd) with row stride ld = 3C. */
typedef struct head {
	const float *q, *k, *v;
	int T, hd, ld;
	int blk;     /* row block: ATT_BLOCK when causal, else T */
	int causal;
	float scale;
} head;

static head head_at(const float *qkv, int b, int h, int T, int C, int NH, int causal)
{
	head hv;
	hv.hd = C / NH;
	hv.ld = 3 * C;
	hv.q = qkv + (size_t)b * T * hv.ld + (size_t)h * hv.hd;
	hv.k = hv.q + C;
	hv.v = hv.q + 2 * C;
	hv.T = T;
	hv.causal = causal;
	hv.blk = causal ? ATT_BLOCK : T;
	hv.scale = 1.0f / sqrtf((float)hv.hd);
	return hv;
}

/* Columns a row block ending at r1 needs. */
static int block_cols(const head *hv, int r1)
{
	return hv->causal ? r1 : hv->T;
}

/* Row p (T) of scores becomes probabilities over its first n entries; the
 * rest are set to exactly 0. */
static void softmax_row(float *restrict p, int n, int T)
{
	float m, s;
	lw_softmax_row(p, p, n, &m, &s);
	for (int j = n; j < T; j++)
		p[j] = 0.0f;
}

/* att (T,T) and out (T,hd, row stride C) of one head. */
static void head_forward(float *out, float *att, const head *hv, int C)
{
	int T = hv->T, hd = hv->hd;
	for (int r0 = 0; r0 < T; r0 += hv->blk) {
		int r1 = r0 + hv->blk < T ? r0 + hv->blk : T;
		int cols = block_cols(hv, r1);
		float *a = att + (size_t)r0 * T;
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1 - r0, cols, hd,
			    hv->scale, hv->q + (size_t)r0 * hv->ld, hv->ld, hv->k, hv->ld,
			    0.0f, a, T);
		for (int t = r0; t < r1; t++)
			softmax_row(att + (size_t)t * T, hv->causal ? t + 1 : T, T);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, hd, cols,
			    1.0f, a, T, hv->v, hv->ld, 0.0f, out + (size_t)r0 * C, C);
	}
}

void lw_attention_forward(float *out, float *att, const float *qkv,
			  int B, int T, int C, int NH, int causal)
{
	if (B <= 0 || T <= 0 || C <= 0 || NH <= 0)
		return;
	#pragma omp parallel for schedule(static)
	for (int bh = 0; bh < B * NH; bh++) {
		int b = bh / NH, h = bh % NH;
		head hv = head_at(qkv, b, h, T, C, NH, causal);
		head_forward(out + (size_t)b * T * C + (size_t)h * hv.hd,
			     att + (size_t)bh * T * T, &hv, C);
	}
}

/* Row p (n) of probabilities, d (cols) of dP: d becomes dS over the first
 * n entries and 0 over the rest. */
static void softmax_row_backward(float *restrict d, const float *restrict p,
				 int n, int cols, float scale)
{
	float rs = 0.0f;
	#pragma omp simd reduction(+:rs)
	for (int j = 0; j < n; j++)
		rs += p[j] * d[j];
	#pragma omp simd
	for (int j = 0; j < n; j++)
		d[j] = scale * p[j] * (d[j] - rs);
	for (int j = n; j < cols; j++)
		d[j] = 0.0f;
}

/* dq, dk, dv (T,hd, row stride 3C) += one head's gradients; dout (T,hd,
 * row stride C); dp (T,T) scratch. */
static void head_backward(float *dq, float *dk, float *dv, float *dp,
			  const float *dout, const float *att, const head *hv, int C)
{
	int T = hv->T, hd = hv->hd, ld = hv->ld;
	/* Row blocks: dP, then dS in place, then dQ, which needs only these
	 * rows of dS. */
	for (int r0 = 0; r0 < T; r0 += hv->blk) {
		int r1 = r0 + hv->blk < T ? r0 + hv->blk : T;
		int cols = block_cols(hv, r1);
		float *d = dp + (size_t)r0 * T;
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1 - r0, cols, hd,
			    1.0f, dout + (size_t)r0 * C, C, hv->v, ld, 0.0f, d, T);
		for (int t = r0; t < r1; t++)
			softmax_row_backward(dp + (size_t)t * T, att + (size_t)t * T,
					     hv->causal ? t + 1 : T, cols, hv->scale);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, hd, cols,
			    1.0f, d, T, hv->k, ld, 1.0f, dq + (size_t)r0 * ld, ld);
	}
	/* Column blocks [c0, c1): key/value rows c0..c1 receive from query
	 * rows t >= c0 only when causal (P and dS are 0 above the diagonal). */
	for (int c0 = 0; c0 < T; c0 += hv->blk) {
		int c1 = c0 + hv->blk < T ? c0 + hv->blk : T;
		int t0 = hv->causal ? c0 : 0;
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, c1 - c0, hd, T - t0,
			    1.0f, att + (size_t)t0 * T + c0, T, dout + (size_t)t0 * C, C,
			    1.0f, dv + (size_t)c0 * ld, ld);
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, c1 - c0, hd, T - t0,
			    1.0f, dp + (size_t)t0 * T + c0, T, hv->q + (size_t)t0 * ld, ld,
			    1.0f, dk + (size_t)c0 * ld, ld);
	}
}

void lw_attention_backward(float *dqkv, float *scratch, const float *dout,
			   const float *qkv, const float *att,
			   int B, int T, int C, int NH, int causal)
{
	if (B <= 0 || T <= 0 || C <= 0 || NH <= 0)
		return;
	#pragma omp parallel for schedule(static)
	for (int bh = 0; bh < B * NH; bh++) {
		int b = bh / NH, h = bh % NH;
		head hv = head_at(qkv, b, h, T, C, NH, causal);
		size_t col = (size_t)h * hv.hd;
		float *dq = dqkv + (size_t)b * T * hv.ld + col;
		float *dp = scratch + (size_t)omp_get_thread_num() * T * T;
		head_backward(dq, dq + C, dq + 2 * C, dp,
			      dout + (size_t)b * T * C + col, att + (size_t)bh * T * T,
			      &hv, C);
	}
}

size_t lw_attention_scratch_floats(int T, int nthreads)
{
	return (size_t)T * T * (size_t)(nthreads > 0 ? nthreads : 1);
}
