/*
 * model.h — the transformer that lowwatt trains: a pre-LayerNorm encoder
 * (mlm: BERT-style masked LM, bidirectional attention) or decoder (clm:
 * GPT-style causal LM), with learned token and position embeddings, GELU
 * (tanh) MLPs, a final LayerNorm and an output projection tied to the token
 * embedding.
 *
 *   x   = wte[ids] + wpe[t]
 *   per layer:  x += proj(attention(qkv(ln1(x))))
 *               x += fc_proj(gelu(fc(ln2(x))))
 *   logits = lnf(x)[selected] · wte^T      (selected: the positions with a
 *                                           target: the masked ones for mlm,
 *                                           as BERT does, all for clm)
 *   loss   = mean cross-entropy over the selected positions
 *
 * Parameters live in one contiguous float buffer described by a table of
 * named tensors (lw_model_tensors); gradients and the optimizer's moments
 * share that layout. Matrices are stored (out, in), row-major, as PyTorch's
 * nn.Linear stores its weight: y = x · W^T + b. The table, in order:
 *
 *   wte (V,C)  wpe (T,C)
 *   for l in 0..L-1:  h.l.ln1.g (C)  h.l.ln1.b (C)
 *                     h.l.qkv.w (3C,C)  h.l.qkv.b (3C)     q, k, v rows
 *                     h.l.proj.w (C,C)  h.l.proj.b (C)
 *                     h.l.ln2.g (C)  h.l.ln2.b (C)
 *                     h.l.fc.w (F,C)  h.l.fc.b (F)
 *                     h.l.fc_proj.w (C,F)  h.l.fc_proj.b (C)
 *   lnf.g (C)  lnf.b (C)
 *
 * Sharing. The table above is the logical model: what each layer uses.
 * What is trained and saved is the physical model (lw_model_params,
 * lw_model_tensors): with --share all|attn|ffn the layers of a group use
 * the weight matrices (and with share_vectors the biases and LayerNorm
 * parameters too) of the group's first layer, which alone are physical
 * tensors; with a parameter bank every layer's weight matrices are made
 * from a flat trained "bank" and per-layer coefficients "bank.coef"
 * (src/model/share.c and bank.c). With no sharing the two are the same.
 *
 * Backward accumulates (+=) into the gradient buffer, so gradient
 * accumulation is "call backward again" and shared weights need no special
 * case. A model is not thread-safe; its kernels use OpenMP and OpenBLAS
 * threads internally.
 */
#ifndef LOWWATT_MODEL_H
#define LOWWATT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "lowwatt/batch.h"
#include "lowwatt/status.h"

typedef enum lw_arch {
	LW_ARCH_MLM,  /* encoder, bidirectional attention, masked-token loss */
	LW_ARCH_CLM,  /* decoder, causal attention, next-token loss */
} lw_arch;

/* Cross-layer sharing (ALBERT): which of a layer's weights its group
 * shares. */
typedef enum lw_share {
	LW_SHARE_NONE,
	LW_SHARE_ALL,   /* qkv, proj, fc, fc_proj */
	LW_SHARE_ATTN,  /* qkv, proj */
	LW_SHARE_FFN,   /* fc, fc_proj */
} lw_share;

typedef struct lw_model_config {
	lw_arch arch;
	int layers;   /* L */
	int d_model;  /* C */
	int heads;    /* NH, divides C */
	int d_ff;     /* F */
	int seq;      /* maximum positions (rows of wpe) */
	int vocab;    /* V */
	/* Sharing; all zero: none. */
	lw_share share;
	int share_groups;   /* consecutive groups of layers that share; 0: 1 */
	int share_vectors;  /* also the shared sublayers' biases and LayerNorms */
	long bank;          /* > 0: the layers' weight matrices come from a
			       parameter bank of this many floats */
	int templates;      /* templates per matrix from the bank; 0: 4 */
} lw_model_config;

/* "mlm" / "clm"; lw_arch_parse returns -1 for anything else. */
const char *lw_arch_name(lw_arch arch);
int lw_arch_parse(const char *name, lw_arch *out);

/* "none", "all", "attn", "ffn"; lw_share_parse returns -1 for anything
 * else. */
const char *lw_share_name(lw_share share);
int lw_share_parse(const char *name, lw_share *out);

/* One named tensor of the parameter buffer. */
typedef struct lw_tensor {
	char name[32];
	size_t offset;  /* in floats, from the start of the buffer */
	size_t size;    /* in floats */
	int rows, cols; /* cols = 1 for vectors */
	int decay;      /* 1: matrices of the layers (AdamW decays them);
			   0: LayerNorm gains, biases, embeddings */
} lw_tensor;

typedef struct lw_model lw_model;

/* Check a configuration: every size positive, heads divides d_model, sizes
 * small enough that every buffer fits in memory indexes. */
lw_status lw_model_config_check(const lw_model_config *cfg, lw_err *err);

/* Number of parameters of a configuration: physical (trained and saved),
 * and logical (what the layers use: the unshared model's count). */
size_t lw_model_config_params(const lw_model_config *cfg);
size_t lw_model_config_logical_params(const lw_model_config *cfg);

/* Create a model for batches of up to max_B rows of up to cfg->seq
 * positions. Parameters are zero until lw_model_init or a load. */
lw_status lw_model_create(const lw_model_config *cfg, int max_B, lw_model **out, lw_err *err);
void lw_model_free(lw_model *m);

/* GPT-2-style initialisation from seed: weights N(0, 0.02), residual output
 * projections N(0, 0.02/sqrt(2L)), biases 0, LayerNorm gains 1. */
void lw_model_init(lw_model *m, uint64_t seed);

const lw_model_config *lw_model_config_of(const lw_model *m);
size_t lw_model_num_params(const lw_model *m);          /* physical */
size_t lw_model_logical_params(const lw_model *m);      /* what the layers use */
float *lw_model_params(lw_model *m);
float *lw_model_grads(lw_model *m);
const lw_tensor *lw_model_tensors(const lw_model *m, int *n);
/* The tensor called name, or NULL. */
const lw_tensor *lw_model_tensor(const lw_model *m, const char *name);

/* Forward pass over batch b (b->B <= max_B, b->T <= seq): returns the mean
 * cross-entropy over the positions with a target (0 when there are none)
 * and keeps the activations for lw_model_backward. Targets must be in
 * [0, V) or LW_IGNORE_INDEX; ids in [0, V). */
float lw_model_forward(lw_model *m, const lw_batch *b);

/* Backward pass for the last forward: adds d(loss_scale * loss)/dparams to
 * the gradient buffer. loss_scale = 1/accum for gradient accumulation. */
void lw_model_backward(lw_model *m, float loss_scale);

void lw_model_zero_grad(lw_model *m);

/* Gradients become final in stages of the backward pass, which a
 * data-parallel trainer uses to start all-reducing them while the rest of
 * backward runs: stage 0 the head (lnf), 1 + (L-1-l) layer l (the last
 * layer first), L+1 the embedding (wte, wpe), L+2 the parameter bank. After
 * stage s, every physical tensor i with lw_model_tensor_stage(m, i) <= s
 * holds its final gradient for this backward. fn (NULL: none) is called
 * after each stage, on the calling thread, between kernels, and again with
 * the same stage in the middle of a layer's backward (so that a caller's
 * communication can progress): stages never decrease. */
typedef void (*lw_grad_ready)(void *ctx, int stage);
void lw_model_on_grad_ready(lw_model *m, lw_grad_ready fn, void *ctx);
int lw_model_backward_stages(const lw_model *m);   /* L + 3 */
int lw_model_tensor_stage(const lw_model *m, int i);

/* After lw_model_forward: the number of selected positions and their flat
 * indices b*T + t, in increasing order; their softmax probabilities (n, V);
 * their losses (n, nats). Valid until the next forward. */
int lw_model_selected(const lw_model *m, const int32_t **positions);
const float *lw_model_probs(const lw_model *m);
const float *lw_model_losses(const lw_model *m);

/* Tests: keep a copy of the logits (n, V) of each forward (off by default:
 * the softmax overwrites them in place). NULL when off. */
void lw_model_keep_logits(lw_model *m, int on);
const float *lw_model_logits(const lw_model *m);

/* Profiling: wall time per kind of kernel, forward and backward, summed
 * over the passes made while a profile is attached (lw_model_profile).
 * The clock is read only then: off, it costs one branch per kernel. */
typedef enum lw_prof_op {
	LW_PROF_EMBEDDING,
	LW_PROF_LAYERNORM,
	LW_PROF_LINEAR,     /* qkv, proj, fc, fc_proj GEMMs and their biases */
	LW_PROF_ATTENTION,
	LW_PROF_GELU,
	LW_PROF_RESIDUAL,
	LW_PROF_HEAD,       /* gathering the selected rows, the tied output GEMM */
	LW_PROF_XENT,       /* softmax and cross-entropy */
	LW_PROF_ZERO,       /* clearing activation gradients */
	LW_PROF_OPS,
} lw_prof_op;

typedef struct lw_profile {
	double fwd[LW_PROF_OPS], bwd[LW_PROF_OPS];
	double optimizer;   /* gradient norm, clipping, AdamW (the trainer) */
	double batches;     /* building batches (the trainer) */
	double allreduce;   /* data parallel: the gradients' all-reduce, as
			       far as backward did not hide it (the trainer) */
} lw_profile;

/* Attach p (zeroed by the caller) to collect timings, or NULL to stop. */
void lw_model_profile(lw_model *m, lw_profile *p);
const char *lw_prof_op_name(lw_prof_op op);

#endif
