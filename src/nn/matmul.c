/*
 * matmul.c — the linear layer y = x · w^T + b and its backward.
 *
 * The three products go to CBLAS (OpenBLAS, threaded by its own OpenMP
 * runtime when called from serial code). The bias add and the bias gradient
 * are plain C: the gradient is a column sum of dy, parallelised over column
 * ranges so that every column is summed by one thread in row order, which
 * makes it bit-identical whatever the thread count.
 */
#include <cblas.h>
#include <string.h>

#include "nn/ops.h"

/* Columns per task of the bias gradient: a multiple of a cache line. */
#define DB_COLS 64

/* y (N,OC) += b (OC) on every row. */
static void add_bias(float *restrict y, const float *restrict b, int N, int OC)
{
	#pragma omp parallel for schedule(static)
	for (int i = 0; i < N; i++) {
		float *restrict row = y + (size_t)i * OC;
		for (int o = 0; o < OC; o++)
			row[o] += b[o];
	}
}

/* db (OC) += column sums of dy (N,OC), each column summed in row order. */
static void bias_grad(float *restrict db, const float *restrict dy, int N, int OC)
{
	int blocks = (OC + DB_COLS - 1) / DB_COLS;
	#pragma omp parallel for schedule(static)
	for (int blk = 0; blk < blocks; blk++) {
		int c0 = blk * DB_COLS;
		int n = OC - c0 < DB_COLS ? OC - c0 : DB_COLS;
		float acc[DB_COLS] = {0};
		for (int i = 0; i < N; i++) {
			const float *restrict row = dy + (size_t)i * OC + c0;
			for (int c = 0; c < n; c++)
				acc[c] += row[c];
		}
		for (int c = 0; c < n; c++)
			db[c0 + c] += acc[c];
	}
}

void lw_linear_forward(float *y, const float *x, const float *w, const float *b,
		       int N, int IC, int OC)
{
	if (N <= 0 || OC <= 0)
		return;
	if (IC <= 0)
		memset(y, 0, (size_t)N * OC * sizeof *y);
	else
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, OC, IC,
			    1.0f, x, IC, w, IC, 0.0f, y, OC);
	if (b)
		add_bias(y, b, N, OC);
}

void lw_linear_backward(float *dx, float *dw, float *db, const float *dy,
			const float *x, const float *w, int N, int IC, int OC)
{
	if (N <= 0 || OC <= 0)
		return;
	if (dx && IC > 0)  /* dx (N,IC) += dy (N,OC) · w (OC,IC) */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, IC, OC,
			    1.0f, dy, OC, w, IC, 1.0f, dx, IC);
	if (dw && IC > 0)  /* dw (OC,IC) += dy^T (OC,N) · x (N,IC) */
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, IC, N,
			    1.0f, dy, OC, x, IC, 1.0f, dw, IC);
	if (db)
		bias_grad(db, dy, N, OC);
}
