/*
 * transformer.c — the model's forward and backward passes over its layers,
 * composed from the kernels of src/nn/ops.h.
 *
 * Memory, llm.c-style: one allocation each for parameters, gradients,
 * activations (everything backward needs, sized for max_B x seq) and
 * activation gradients (scratch reused by every layer). Named views into
 * them are built once, at creation, from the sharing plan (share.h): a
 * logical tensor's view points at its physical storage (a shared one at
 * its group owner's), or, made from a parameter bank, at the bank scratch
 * that each forward fills and each backward empties.
 *
 * The output head is computed only for the selected positions (those with
 * a target): BERT's masked positions, or every position of a causal LM.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "lowwatt/model.h"
#include "model/share.h"
#include "model/table.h"
#include "nn/ops.h"
#include "util/alloc.h"
#include "util/rng.h"

/* ---------------------------------------------------------------- types */

/* One layer's tensors, in table order (the same struct views parameters
 * and gradients). */
typedef struct layer_view {
	float *ln1_g, *ln1_b, *qkv_w, *qkv_b, *proj_w, *proj_b;
	float *ln2_g, *ln2_b, *fc_w, *fc_b, *fcp_w, *fcp_b;
} layer_view;

typedef struct model_view {
	float *wte, *wpe, *lnf_g, *lnf_b;
	layer_view *layers;  /* L */
} model_view;

/* What one layer's backward needs from its forward. N = B*T rows. */
typedef struct layer_acts {
	float *ln1, *ln1_mean, *ln1_rstd;  /* (N,C) (N) (N) */
	float *qkv;                        /* (N,3C) */
	float *att;                        /* (B,NH,T,T) */
	float *atty;                       /* (N,C) heads' outputs */
	float *mid;                        /* (N,C) residual after attention */
	float *ln2, *ln2_mean, *ln2_rstd;  /* (N,C) (N) (N) */
	float *fch, *fch_gelu;             /* (N,F) (N,F) */
	float *out;                        /* (N,C) residual after the MLP */
} layer_acts;

struct lw_model {
	lw_model_config cfg;
	int max_B;
	lw_share_plan plan;   /* logical tensors -> physical storage */
	size_t n_params;      /* physical */
	float *params, *grads;
	float *made, *made_grads;  /* bank-made matrices (plan.scratch floats) */
	model_view p, g;

	/* Activations of the last forward. */
	float *act_mem;
	float *x0;            /* (N,C) embeddings */
	layer_acts *acts;     /* L */
	float *lnf, *lnf_mean, *lnf_rstd;
	int B, T;             /* of the last forward */
	const int32_t *inputs;

	/* The selected positions and the head. */
	int n_sel;
	int32_t *sel_pos, *sel_target;  /* (N) */
	float *sel;                     /* (N,C) lnf rows of the selected */
	float *probs;                   /* (n_sel,V), grown on demand */
	size_t probs_cap;
	float *losses;                  /* (N) */
	float *logits_copy;             /* (n_sel,V) when keep_logits */
	size_t logits_cap;
	int keep_logits;

	/* Activation-gradient scratch, reused by every layer. */
	float *grad_mem;
	float *dres, *dln, *dqkv, *datty, *dfch, *dfch_gelu, *dsel;
	float *att_scratch;

	lw_profile *prof;  /* NULL: not profiling */
	int *stage;        /* per physical tensor: when its gradient is final */
	lw_grad_ready on_ready;
	void *on_ready_ctx;
};

/* Run a kernel call, adding its wall time to a profile slot when profiling. */
#define TIMED(m, slot, call)                                              \
	do {                                                              \
		double t0_ = (m)->prof ? omp_get_wtime() : 0.0;           \
		call;                                                     \
		if ((m)->prof)                                            \
			(slot) += omp_get_wtime() - t0_;                  \
	} while (0)
#define FWD(m, op) (m)->prof->fwd[op]
#define BWD(m, op) (m)->prof->bwd[op]

/* ------------------------------------------------------------- creation */

/* The floats of logical tensor j: physical storage or bank scratch. */
static float *locate(const lw_share_plan *p, int j, float *base, float *made)
{
	const lw_link *k = &p->links[j];
	return (k->from_bank ? made : base) + k->offset;
}

static void build_view(model_view *v, const lw_share_plan *p, float *base, float *made, int L)
{
	v->wte = locate(p, 0, base, made);
	v->wpe = locate(p, 1, base, made);
	for (int l = 0; l < L; l++) {
		float **slot = &v->layers[l].ln1_g;
		for (int i = 0; i < LW_LAYER_TENSORS; i++)
			slot[i] = locate(p, 2 + l * LW_LAYER_TENSORS + i, base, made);
	}
	v->lnf_g = locate(p, 2 + L * LW_LAYER_TENSORS, base, made);
	v->lnf_b = locate(p, 3 + L * LW_LAYER_TENSORS, base, made);
}

/* Carve the activation allocation into views; with base NULL, only count. */
static size_t carve_acts(lw_model *m, float *base)
{
	const lw_model_config *c = &m->cfg;
	size_t N = (size_t)m->max_B * c->seq, C = c->d_model, F = c->d_ff;
	size_t att = (size_t)m->max_B * c->heads * c->seq * c->seq;
	size_t off = 0;
#define TAKE(ptr, n) do { if (base) (ptr) = base + off; off += (n); } while (0)
	TAKE(m->x0, N * C);
	for (int l = 0; l < c->layers; l++) {
		layer_acts *a = &m->acts[l];
		TAKE(a->ln1, N * C); TAKE(a->ln1_mean, N); TAKE(a->ln1_rstd, N);
		TAKE(a->qkv, 3 * N * C); TAKE(a->att, att); TAKE(a->atty, N * C);
		TAKE(a->mid, N * C);
		TAKE(a->ln2, N * C); TAKE(a->ln2_mean, N); TAKE(a->ln2_rstd, N);
		TAKE(a->fch, N * F); TAKE(a->fch_gelu, N * F); TAKE(a->out, N * C);
	}
	TAKE(m->lnf, N * C); TAKE(m->lnf_mean, N); TAKE(m->lnf_rstd, N);
	TAKE(m->sel, N * C); TAKE(m->losses, N);
	return off;
}

static size_t carve_grads(lw_model *m, float *base)
{
	const lw_model_config *c = &m->cfg;
	size_t N = (size_t)m->max_B * c->seq, C = c->d_model, F = c->d_ff;
	size_t off = 0;
	TAKE(m->dres, N * C); TAKE(m->dln, N * C); TAKE(m->dqkv, 3 * N * C);
	TAKE(m->datty, N * C); TAKE(m->dfch, N * F); TAKE(m->dfch_gelu, N * F);
	TAKE(m->dsel, N * C);
	TAKE(m->att_scratch, lw_attention_scratch_floats(c->seq, omp_get_max_threads()));
#undef TAKE
	return off;
}

static float *alloc_floats(size_t n)
{
	if (n > SIZE_MAX / sizeof(float))
		return NULL;
	return calloc(n ? n : 1, sizeof(float));
}

lw_status lw_model_create(const lw_model_config *cfg, int max_B, lw_model **out, lw_err *err)
{
	lw_status st = lw_model_config_check(cfg, err);
	if (st)
		return st;
	if (max_B < 1 || (size_t)max_B * cfg->seq > INT32_MAX)
		return lw_err_set(err, LW_ERR_ARG, "batch %d is out of range", max_B);
	lw_model *m = lw_xcalloc(1, sizeof *m, "model");
	m->cfg = *cfg;
	m->max_B = max_B;
	lw_share_plan_make(cfg, &m->plan);
	m->n_params = m->plan.n_params;
	m->p.layers = lw_xcalloc((size_t)cfg->layers, sizeof(layer_view), "layer views");
	m->g.layers = lw_xcalloc((size_t)cfg->layers, sizeof(layer_view), "layer views");
	m->acts = lw_xcalloc((size_t)cfg->layers, sizeof(layer_acts), "activations");
	size_t N = (size_t)max_B * cfg->seq;
	m->sel_pos = malloc(N * sizeof(int32_t));
	m->sel_target = malloc(N * sizeof(int32_t));
	m->params = alloc_floats(m->n_params);
	m->grads = alloc_floats(m->n_params);
	m->made = alloc_floats(m->plan.scratch);
	m->made_grads = alloc_floats(m->plan.scratch);
	m->act_mem = alloc_floats(carve_acts(m, NULL));
	m->grad_mem = alloc_floats(carve_grads(m, NULL));
	m->stage = lw_xcalloc((size_t)m->plan.n_physical, sizeof *m->stage, "tensor stages");
	lw_share_plan_stages(&m->plan, cfg->layers, m->stage);
	if (!m->sel_pos || !m->sel_target || !m->params || !m->grads || !m->made ||
	    !m->made_grads || !m->act_mem || !m->grad_mem) {
		lw_model_free(m);
		return lw_err_set(err, LW_ERR_NOMEM,
				  "out of memory for a model of %zu parameters at batch %d x %d",
				  lw_model_config_params(cfg), max_B, cfg->seq);
	}
	carve_acts(m, m->act_mem);
	carve_grads(m, m->grad_mem);
	build_view(&m->p, &m->plan, m->params, m->made, cfg->layers);
	build_view(&m->g, &m->plan, m->grads, m->made_grads, cfg->layers);
	*out = m;
	return LW_OK;
}

void lw_model_free(lw_model *m)
{
	if (!m)
		return;
	lw_share_plan_free(&m->plan);
	free(m->stage);
	free(m->made);
	free(m->made_grads);
	free(m->p.layers);
	free(m->g.layers);
	free(m->acts);
	free(m->sel_pos);
	free(m->sel_target);
	free(m->params);
	free(m->grads);
	free(m->act_mem);
	free(m->grad_mem);
	free(m->probs);
	free(m->logits_copy);
	free(m);
}

/* -------------------------------------------------------- initialisation */

static float normal(lw_rng *r)
{
	/* Box-Muller; 1 - u keeps the logarithm's argument in (0, 1]. */
	double u = 1.0 - lw_rng_uniform(r), v = lw_rng_uniform(r);
	return (float)(sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v));
}

void lw_model_init(lw_model *m, uint64_t seed)
{
	float resid_std = 0.02f / sqrtf(2.0f * (float)m->cfg.layers);
	const lw_share_plan *plan = &m->plan;
	if (plan->bank_size)
		lw_bank_init(plan, m->params, m->cfg.layers, seed);
	for (int i = 0; i < plan->n_physical; i++) {
		const lw_tensor *t = &plan->physical[i];
		float *p = m->params + t->offset;
		if (plan->bank_size && (t->offset == plan->bank_offset ||
					t->offset == plan->coef_offset))
			continue;
		const char *leaf = strrchr(t->name, '.');
		lw_rng r = lw_rng_from(seed, 0x1217, (uint64_t)i);
		if (t->cols == 1) {
			float v = leaf && leaf[1] == 'g' ? 1.0f : 0.0f;  /* gains 1, biases 0 */
			for (size_t k = 0; k < t->size; k++)
				p[k] = v;
			continue;
		}
		/* Projections into the residual stream are scaled down by depth
		 * (GPT-2), so the stream's variance does not grow with L. */
		float std = strstr(t->name, "proj.w") ? resid_std : 0.02f;
		for (size_t k = 0; k < t->size; k++)
			p[k] = std * normal(&r);
	}
}

/* -------------------------------------------------------------- accessors */

const lw_model_config *lw_model_config_of(const lw_model *m) { return &m->cfg; }
size_t lw_model_num_params(const lw_model *m) { return m->n_params; }
size_t lw_model_logical_params(const lw_model *m) { return m->plan.n_logical_params; }
float *lw_model_params(lw_model *m) { return m->params; }
float *lw_model_grads(lw_model *m) { return m->grads; }

const lw_tensor *lw_model_tensors(const lw_model *m, int *n)
{
	*n = m->plan.n_physical;
	return m->plan.physical;
}

const lw_tensor *lw_model_tensor(const lw_model *m, const char *name)
{
	for (int i = 0; i < m->plan.n_physical; i++)
		if (strcmp(m->plan.physical[i].name, name) == 0)
			return &m->plan.physical[i];
	return NULL;
}

void lw_model_zero_grad(lw_model *m)
{
	memset(m->grads, 0, m->n_params * sizeof(float));
	memset(m->made_grads, 0, m->plan.scratch * sizeof(float));
}

int lw_model_selected(const lw_model *m, const int32_t **positions)
{
	if (positions)
		*positions = m->sel_pos;
	return m->n_sel;
}

const float *lw_model_probs(const lw_model *m) { return m->probs; }
const float *lw_model_losses(const lw_model *m) { return m->losses; }
void lw_model_keep_logits(lw_model *m, int on) { m->keep_logits = on; }
const float *lw_model_logits(const lw_model *m) { return m->keep_logits ? m->logits_copy : NULL; }

/* ----------------------------------------------------------------- forward */

static void layer_forward(lw_model *m, int l, const float *x, int B, int T)
{
	const lw_model_config *c = &m->cfg;
	const layer_view *w = &m->p.layers[l];
	layer_acts *a = &m->acts[l];
	int N = B * T, C = c->d_model, F = c->d_ff;
	size_t NC = (size_t)N * C;

	TIMED(m, FWD(m, LW_PROF_LAYERNORM),
	      lw_layernorm_forward(a->ln1, a->ln1_mean, a->ln1_rstd, x, w->ln1_g, w->ln1_b, N, C));
	TIMED(m, FWD(m, LW_PROF_LINEAR),
	      lw_linear_forward(a->qkv, a->ln1, w->qkv_w, w->qkv_b, N, C, 3 * C));
	TIMED(m, FWD(m, LW_PROF_ATTENTION),
	      lw_attention_forward(a->atty, a->att, a->qkv, B, T, C, c->heads,
				   c->arch == LW_ARCH_CLM));
	TIMED(m, FWD(m, LW_PROF_LINEAR),
	      lw_linear_forward(a->mid, a->atty, w->proj_w, w->proj_b, N, C, C));
	TIMED(m, FWD(m, LW_PROF_RESIDUAL), lw_add_inplace(a->mid, x, NC));

	TIMED(m, FWD(m, LW_PROF_LAYERNORM),
	      lw_layernorm_forward(a->ln2, a->ln2_mean, a->ln2_rstd, a->mid, w->ln2_g, w->ln2_b,
				   N, C));
	TIMED(m, FWD(m, LW_PROF_LINEAR),
	      lw_linear_forward(a->fch, a->ln2, w->fc_w, w->fc_b, N, C, F));
	TIMED(m, FWD(m, LW_PROF_GELU), lw_gelu_forward(a->fch_gelu, a->fch, (size_t)N * F));
	TIMED(m, FWD(m, LW_PROF_LINEAR),
	      lw_linear_forward(a->out, a->fch_gelu, w->fcp_w, w->fcp_b, N, F, C));
	TIMED(m, FWD(m, LW_PROF_RESIDUAL), lw_add_inplace(a->out, a->mid, NC));
}

/* Collect the positions with a target and gather their final-LayerNorm rows. */
static void select_positions(lw_model *m, const lw_batch *b)
{
	int N = b->B * b->T, C = m->cfg.d_model, n = 0;
	for (int i = 0; i < N; i++) {
		if (b->targets[i] == LW_IGNORE_INDEX)
			continue;
		m->sel_pos[n] = i;
		m->sel_target[n] = b->targets[i];
		n++;
	}
	m->n_sel = n;
	#pragma omp parallel for schedule(static)
	for (int k = 0; k < n; k++)
		memcpy(m->sel + (size_t)k * C, m->lnf + (size_t)m->sel_pos[k] * C,
		       (size_t)C * sizeof(float));
}

static double head_forward(lw_model *m)
{
	int n = m->n_sel, C = m->cfg.d_model, V = m->cfg.vocab;
	double sum = 0;
	if (n == 0)
		return 0.0;
	m->probs = lw_xgrow(m->probs, &m->probs_cap, (size_t)n * V, sizeof(float), "logits");
	TIMED(m, FWD(m, LW_PROF_HEAD), lw_linear_forward(m->probs, m->sel, m->p.wte, NULL, n, C, V));
	if (m->keep_logits) {
		m->logits_copy = lw_xgrow(m->logits_copy, &m->logits_cap, (size_t)n * V,
					  sizeof(float), "logits");
		memcpy(m->logits_copy, m->probs, (size_t)n * V * sizeof(float));
	}
	TIMED(m, FWD(m, LW_PROF_XENT),
	      sum = lw_softmax_xent_forward(m->probs, m->losses, m->probs, m->sel_target, n, V));
	return sum;
}

float lw_model_forward(lw_model *m, const lw_batch *b)
{
	const lw_model_config *c = &m->cfg;
	int B = b->B, T = b->T, N = B * T, C = c->d_model;
	m->B = B;
	m->T = T;
	m->inputs = b->inputs;
	if (m->plan.bank_size)
		TIMED(m, FWD(m, LW_PROF_LINEAR), lw_bank_gather(&m->plan, m->params, m->made));
	TIMED(m, FWD(m, LW_PROF_EMBEDDING),
	      lw_embedding_forward(m->x0, b->inputs, m->p.wte, m->p.wpe, B, T, C));
	const float *x = m->x0;
	for (int l = 0; l < c->layers; l++) {
		layer_forward(m, l, x, B, T);
		x = m->acts[l].out;
	}
	TIMED(m, FWD(m, LW_PROF_LAYERNORM),
	      lw_layernorm_forward(m->lnf, m->lnf_mean, m->lnf_rstd, x, m->p.lnf_g, m->p.lnf_b,
				   N, C));
	TIMED(m, FWD(m, LW_PROF_HEAD), select_positions(m, b));
	double sum = head_forward(m);
	return m->n_sel ? (float)(sum / m->n_sel) : 0.0f;
}

/* ---------------------------------------------------------------- backward */

/* Tell the gradient hook (model.h) that stage `done` is the last one
 * finished: after each stage, and again in the middle of a layer so that
 * communication started on earlier stages moves on. */
static void stage_tick(const lw_model *m, int done)
{
	if (m->on_ready)
		m->on_ready(m->on_ready_ctx, done);
}

/* Zero n floats of an activation gradient (backward kernels add into it). */
static void zero(lw_model *m, float *p, size_t n)
{
	TIMED(m, BWD(m, LW_PROF_ZERO), memset(p, 0, n * sizeof(float)));
}

/* On entry m->dres holds dloss/d(layer l's output); on return, dloss/d(its
 * input). x is the layer's input. */
static void layer_backward(lw_model *m, int l, const float *x)
{
	const lw_model_config *c = &m->cfg;
	const layer_view *w = &m->p.layers[l];
	const layer_view *g = &m->g.layers[l];
	const layer_acts *a = &m->acts[l];
	int B = m->B, T = m->T, N = B * T, C = c->d_model, F = c->d_ff;
	size_t NC = (size_t)N * C, NF = (size_t)N * F;
	/* Between the big kernels, the gradient hook's communication in flight
	 * progresses; the last stage finished is the layer above's. */
	int done = c->layers - 1 - l;

	/* MLP: out = mid + fc_proj(gelu(fc(ln2(mid)))); dres flows through. */
	zero(m, m->dfch_gelu, NF);
	TIMED(m, BWD(m, LW_PROF_LINEAR),
	      lw_linear_backward(m->dfch_gelu, g->fcp_w, g->fcp_b, m->dres, a->fch_gelu, w->fcp_w,
				 N, F, C));
	stage_tick(m, done);
	zero(m, m->dfch, NF);
	TIMED(m, BWD(m, LW_PROF_GELU), lw_gelu_backward(m->dfch, a->fch, m->dfch_gelu, NF));
	zero(m, m->dln, NC);
	TIMED(m, BWD(m, LW_PROF_LINEAR),
	      lw_linear_backward(m->dln, g->fc_w, g->fc_b, m->dfch, a->ln2, w->fc_w, N, C, F));
	TIMED(m, BWD(m, LW_PROF_LAYERNORM),
	      lw_layernorm_backward(m->dres, g->ln2_g, g->ln2_b, m->dln, a->mid, w->ln2_g,
				    a->ln2_mean, a->ln2_rstd, N, C));

	stage_tick(m, done);

	/* Attention: mid = x + proj(attention(qkv(ln1(x)))). */
	zero(m, m->datty, NC);
	TIMED(m, BWD(m, LW_PROF_LINEAR),
	      lw_linear_backward(m->datty, g->proj_w, g->proj_b, m->dres, a->atty, w->proj_w, N,
				 C, C));
	stage_tick(m, done);
	zero(m, m->dqkv, 3 * NC);
	TIMED(m, BWD(m, LW_PROF_ATTENTION),
	      lw_attention_backward(m->dqkv, m->att_scratch, m->datty, a->qkv, a->att, B, T, C,
				    c->heads, c->arch == LW_ARCH_CLM));
	stage_tick(m, done);
	zero(m, m->dln, NC);
	TIMED(m, BWD(m, LW_PROF_LINEAR),
	      lw_linear_backward(m->dln, g->qkv_w, g->qkv_b, m->dqkv, a->ln1, w->qkv_w, N, C,
				 3 * C));
	TIMED(m, BWD(m, LW_PROF_LAYERNORM),
	      lw_layernorm_backward(m->dres, g->ln1_g, g->ln1_b, m->dln, x, w->ln1_g, a->ln1_mean,
				    a->ln1_rstd, N, C));
}

/* The selected rows' gradient, scattered back to their positions in dln. */
static void scatter_selected(lw_model *m)
{
	int C = m->cfg.d_model;
	#pragma omp parallel for schedule(static)
	for (int k = 0; k < m->n_sel; k++)
		memcpy(m->dln + (size_t)m->sel_pos[k] * C, m->dsel + (size_t)k * C,
		       (size_t)C * sizeof(float));
}

/* From the loss to dloss/d(last layer's output) in m->dres. */
static void head_backward(lw_model *m, float loss_scale)
{
	const lw_model_config *c = &m->cfg;
	int n = m->n_sel, C = c->d_model, V = c->vocab, N = m->B * m->T;
	size_t NC = (size_t)N * C;
	const float *last = m->acts[c->layers - 1].out;

	zero(m, m->dln, NC);
	if (n > 0) {
		/* The probabilities become dlogits, in place. */
		TIMED(m, BWD(m, LW_PROF_XENT),
		      lw_softmax_xent_backward(m->probs, m->probs, m->sel_target, n, V,
					       loss_scale / n));
		zero(m, m->dsel, (size_t)n * C);
		TIMED(m, BWD(m, LW_PROF_HEAD),
		      lw_linear_backward(m->dsel, m->g.wte, NULL, m->probs, m->sel, m->p.wte, n, C, V));
		TIMED(m, BWD(m, LW_PROF_HEAD), scatter_selected(m));
	}
	zero(m, m->dres, NC);
	TIMED(m, BWD(m, LW_PROF_LAYERNORM),
	      lw_layernorm_backward(m->dres, m->g.lnf_g, m->g.lnf_b, m->dln, last, m->p.lnf_g,
				    m->lnf_mean, m->lnf_rstd, N, C));
}

void lw_model_backward(lw_model *m, float loss_scale)
{
	const lw_model_config *c = &m->cfg;
	int L = c->layers;
	head_backward(m, loss_scale);
	stage_tick(m, 0);
	for (int l = L - 1; l >= 0; l--) {
		layer_backward(m, l, l ? m->acts[l - 1].out : m->x0);
		stage_tick(m, L - l);
	}
	TIMED(m, BWD(m, LW_PROF_EMBEDDING),
	      lw_embedding_backward(m->g.wte, m->g.wpe, m->dres, m->inputs, m->B, m->T,
				    c->d_model));
	stage_tick(m, L + 1);
	if (m->plan.bank_size)
		TIMED(m, BWD(m, LW_PROF_LINEAR),
		      lw_bank_scatter(&m->plan, m->params, m->made_grads, m->grads));
	stage_tick(m, L + 2);
}

void lw_model_on_grad_ready(lw_model *m, lw_grad_ready fn, void *ctx)
{
	m->on_ready = fn;
	m->on_ready_ctx = ctx;
}

int lw_model_backward_stages(const lw_model *m)
{
	return m->cfg.layers + 3;
}

int lw_model_tensor_stage(const lw_model *m, int i)
{
	return i >= 0 && i < m->plan.n_physical ? m->stage[i] : lw_model_backward_stages(m) - 1;
}

/* --------------------------------------------------------------- profiling */

void lw_model_profile(lw_model *m, lw_profile *p)
{
	m->prof = p;
}

const char *lw_prof_op_name(lw_prof_op op)
{
	static const char *const names[LW_PROF_OPS] = {
		"embedding", "layernorm", "linear", "attention", "gelu",
		"residual", "head", "softmax-xent", "zeroing",
	};
	return op < LW_PROF_OPS ? names[op] : "?";
}
