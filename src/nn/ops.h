/*
 * ops.h — the kernels of the transformer, forward and backward side by side,
 * one file per op family (matmul.c, layernorm.c, gelu.c, embedding.c,
 * attention.c, softmax_xent.c, residual.c).
 *
 * Shapes in the comments use the papers' names: B batch, T positions,
 * C channels, NH heads, hd = C/NH, F feed-forward width, V vocabulary,
 * N rows (usually B*T). All arrays are row-major float32.
 *
 * Conventions:
 *  - Backward kernels ADD (+=) into every gradient they produce, parameter
 *    and activation gradients alike; the caller zeroes what must start at
 *    zero. (Exception: softmax_xent writes its dlogits, in place.)
 *  - A NULL gradient pointer means "not needed".
 *  - GEMMs go through CBLAS (OpenBLAS, OpenMP build); everything else is
 *    plain C parallelised with OpenMP static schedules, and every reduction
 *    across threads is combined in a fixed order, so that results are
 *    bit-identical run to run at the same thread count.
 *  - No kernel allocates on the hot path except where its comment says so;
 *    none keeps state between calls.
 */
#ifndef LW_NN_OPS_H
#define LW_NN_OPS_H

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- matmul.c */

/* y (N,OC) = x (N,IC) · w^T + b; w is (OC,IC); b (OC) may be NULL. */
void lw_linear_forward(float *y, const float *x, const float *w, const float *b,
		       int N, int IC, int OC);
/* dx (N,IC) += dy · w;  dw (OC,IC) += dy^T · x;  db (OC) += column sums of
 * dy (N,OC). */
void lw_linear_backward(float *dx, float *dw, float *db, const float *dy,
			const float *x, const float *w, int N, int IC, int OC);

/* ------------------------------------------------------------- layernorm.c */

/* Per row of x (N,C): y = (x - mean) * rstd * g + b, rstd = 1/sqrt(var+1e-5)
 * (biased variance, as PyTorch). Saves mean (N) and rstd (N). */
void lw_layernorm_forward(float *y, float *mean, float *rstd, const float *x,
			  const float *g, const float *b, int N, int C);
/* dx (N,C) +=, dg (C) +=, db (C) += for upstream dy (N,C). */
void lw_layernorm_backward(float *dx, float *dg, float *db, const float *dy,
			   const float *x, const float *g, const float *mean,
			   const float *rstd, int N, int C);

/* ------------------------------------------------------------------ gelu.c */

/* y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), n elements. */
void lw_gelu_forward(float *y, const float *x, size_t n);
/* dx += gelu'(x) * dy. */
void lw_gelu_backward(float *dx, const float *x, const float *dy, size_t n);

/* ------------------------------------------------------------- embedding.c */

/* x (B,T,C) = wte[ids[b,t]] + wpe[t]; ids (B,T) in [0, V). */
void lw_embedding_forward(float *x, const int32_t *ids, const float *wte,
			  const float *wpe, int B, int T, int C);
/* dwte (V,C) += scatter of dx by ids; dwpe (T,C) += sum over b of dx. */
void lw_embedding_backward(float *dwte, float *dwpe, const float *dx,
			   const int32_t *ids, int B, int T, int C);

/* ------------------------------------------------------------- attention.c */

/* Multi-head scaled dot-product attention. qkv (B,T,3C): per position the
 * query, then the key, then the value, each C = NH*hd wide, head h in
 * columns [h*hd, (h+1)*hd). att (B,NH,T,T) receives the softmax
 * probabilities (kept for backward); out (B,T,C) the heads' outputs side by
 * side. causal: position t attends to positions <= t only (the probabilities
 * above the diagonal are exactly 0). Scale 1/sqrt(hd). */
void lw_attention_forward(float *out, float *att, const float *qkv,
			  int B, int T, int C, int NH, int causal);
/* dqkv (B,T,3C) += gradient for upstream dout (B,T,C). scratch holds at
 * least lw_attention_scratch_floats(T, nthreads) floats (per-thread dP). */
void lw_attention_backward(float *dqkv, float *scratch, const float *dout,
			   const float *qkv, const float *att,
			   int B, int T, int C, int NH, int causal);
size_t lw_attention_scratch_floats(int T, int nthreads);

/* ---------------------------------------------------------- softmax_xent.c */

/* Rows of logits (N,V): probs = softmax (probs may equal logits: in place),
 * losses[i] = -log probs[i][targets[i]] (targets in [0, V)). Returns the
 * sum of losses, accumulated in double. */
double lw_softmax_xent_forward(float *probs, float *losses, const float *logits,
			       const int32_t *targets, int N, int V);
/* dlogits = (probs - onehot(targets)) * dloss, written (dlogits may equal
 * probs: in place). */
void lw_softmax_xent_backward(float *dlogits, const float *probs,
			      const int32_t *targets, int N, int V, float dloss);

/* -------------------------------------------------------------- residual.c */

/* y = a + b, n elements (y may equal a or b). */
void lw_add(float *y, const float *a, const float *b, size_t n);
/* y += x, n elements. */
void lw_add_inplace(float *y, const float *x, size_t n);

#endif
