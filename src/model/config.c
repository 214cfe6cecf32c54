/*
 * config.c — a model configuration and what follows from it: the checks a
 * configuration must pass, and the table of named parameter tensors that
 * lays out the one contiguous parameter buffer (order: include/lowwatt/model.h).
 *
 * The table is the single description of the layout: the model's views,
 * the optimizer's decay flags, checkpoints and the PyTorch reference all
 * read it, so a tensor added here appears everywhere at once.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lowwatt/model.h"
#include "model/share.h"
#include "model/table.h"

const char *lw_arch_name(lw_arch arch)
{
	return arch == LW_ARCH_CLM ? "clm" : "mlm";
}

int lw_arch_parse(const char *name, lw_arch *out)
{
	if (strcmp(name, "mlm") == 0)
		*out = LW_ARCH_MLM;
	else if (strcmp(name, "clm") == 0)
		*out = LW_ARCH_CLM;
	else
		return -1;
	return 0;
}

const char *lw_share_name(lw_share share)
{
	static const char *const names[] = { "none", "all", "attn", "ffn" };
	return share >= LW_SHARE_NONE && share <= LW_SHARE_FFN ? names[share] : "?";
}

int lw_share_parse(const char *name, lw_share *out)
{
	for (lw_share s = LW_SHARE_NONE; s <= LW_SHARE_FFN; s++)
		if (strcmp(name, lw_share_name(s)) == 0) {
			*out = s;
			return 0;
		}
	return -1;
}

/* Limits that keep every index of every buffer inside int and size_t
 * arithmetic (B*T*V for logits, B*NH*T*T for attention) with room to spare. */
#define MAX_LAYERS 1024
#define MAX_WIDTH (1 << 16)
#define MAX_SEQ (1 << 14)
#define MAX_VOCAB (1 << 24)
#define MAX_BANK (1L << 31)
#define MAX_TEMPLATES 64

static lw_status check_range(const char *what, int value, int max, lw_err *err)
{
	if (value < 1 || value > max)
		return lw_err_set(err, LW_ERR_ARG, "%s must be in 1..%d, not %d", what, max, value);
	return LW_OK;
}

/* The sharing fields: a scheme or a bank (not both), each with its own
 * settings only. */
static lw_status check_sharing(const lw_model_config *c, lw_err *err)
{
	if (c->share < LW_SHARE_NONE || c->share > LW_SHARE_FFN)
		return lw_err_set(err, LW_ERR_ARG, "share must be none, all, attn or ffn");
	if (c->share_groups < 0 || c->share_groups > c->layers)
		return lw_err_set(err, LW_ERR_ARG, "share_groups must be in 1..%d (the layers), "
				  "not %d", c->layers, c->share_groups);
	if (c->share == LW_SHARE_NONE && (c->share_groups > 1 || c->share_vectors))
		return lw_err_set(err, LW_ERR_ARG, "share_groups and share_vectors need a "
				  "sharing scheme (share all, attn or ffn)");
	if (c->share_vectors != 0 && c->share_vectors != 1)
		return lw_err_set(err, LW_ERR_ARG, "share_vectors must be 0 or 1");
	if (c->bank < 0 || c->bank > MAX_BANK)
		return lw_err_set(err, LW_ERR_ARG, "the parameter bank must hold 1..%ld floats, "
				  "not %ld", MAX_BANK, c->bank);
	if (c->bank > 0 && c->share != LW_SHARE_NONE)
		return lw_err_set(err, LW_ERR_ARG, "a parameter bank and share %s exclude each "
				  "other: choose one", lw_share_name(c->share));
	if (c->templates < 0 || c->templates > MAX_TEMPLATES)
		return lw_err_set(err, LW_ERR_ARG, "templates must be in 1..%d, not %d",
				  MAX_TEMPLATES, c->templates);
	if (c->templates > 0 && c->bank == 0)
		return lw_err_set(err, LW_ERR_ARG, "templates need a parameter bank");
	return LW_OK;
}

lw_status lw_model_config_check(const lw_model_config *c, lw_err *err)
{
	lw_status st;
	if (c->arch != LW_ARCH_MLM && c->arch != LW_ARCH_CLM)
		return lw_err_set(err, LW_ERR_ARG, "arch must be mlm or clm");
	if ((st = check_range("layers", c->layers, MAX_LAYERS, err)) ||
	    (st = check_range("d_model", c->d_model, MAX_WIDTH, err)) ||
	    (st = check_range("heads", c->heads, MAX_WIDTH, err)) ||
	    (st = check_range("d_ff", c->d_ff, MAX_WIDTH, err)) ||
	    (st = check_range("seq", c->seq, MAX_SEQ, err)) ||
	    (st = check_range("vocab", c->vocab, MAX_VOCAB, err)))
		return st;
	if (c->d_model % c->heads != 0)
		return lw_err_set(err, LW_ERR_ARG, "heads (%d) must divide d_model (%d)",
				  c->heads, c->d_model);
	return check_sharing(c, err);
}

/* Append one tensor to the table (or only count it when t is NULL). */
static void add(lw_tensor *t, int *n, size_t *offset, const char *name, int rows, int cols,
		int decay)
{
	if (t) {
		lw_tensor *x = &t[*n];
		snprintf(x->name, sizeof x->name, "%s", name);
		x->offset = *offset;
		x->rows = rows;
		x->cols = cols;
		x->size = (size_t)rows * (size_t)cols;
		x->decay = decay;
	}
	*offset += (size_t)rows * (size_t)cols;
	(*n)++;
}

/* The dimensions a layer tensor's rows and columns are made of. */
enum dim { ONE, C1, C3, FF };

static int dim_size(enum dim d, const lw_model_config *c)
{
	switch (d) {
	case ONE: return 1;
	case C1: return c->d_model;
	case C3: return 3 * c->d_model;
	case FF: return c->d_ff;
	}
	return 0;
}

static const struct layer_tensor {
	const char *suffix;
	enum dim rows, cols;
	int decay;
} layer_tensors[LW_LAYER_TENSORS] = {
	{ "ln1.g", C1, ONE, 0 },    { "ln1.b", C1, ONE, 0 },
	{ "qkv.w", C3, C1, 1 },     { "qkv.b", C3, ONE, 0 },
	{ "proj.w", C1, C1, 1 },    { "proj.b", C1, ONE, 0 },
	{ "ln2.g", C1, ONE, 0 },    { "ln2.b", C1, ONE, 0 },
	{ "fc.w", FF, C1, 1 },      { "fc.b", FF, ONE, 0 },
	{ "fc_proj.w", C1, FF, 1 }, { "fc_proj.b", C1, ONE, 0 },
};

int lw_model_table(const lw_model_config *c, lw_tensor *t, size_t *total)
{
	int n = 0;
	size_t off = 0;
	char name[32];
	add(t, &n, &off, "wte", c->vocab, c->d_model, 0);
	add(t, &n, &off, "wpe", c->seq, c->d_model, 0);
	for (int l = 0; l < c->layers; l++) {
		for (int i = 0; i < LW_LAYER_TENSORS; i++) {
			const struct layer_tensor *lt = &layer_tensors[i];
			snprintf(name, sizeof name, "h.%d.%s", l, lt->suffix);
			add(t, &n, &off, name, dim_size(lt->rows, c), dim_size(lt->cols, c),
			    lt->decay);
		}
	}
	add(t, &n, &off, "lnf.g", c->d_model, 1, 0);
	add(t, &n, &off, "lnf.b", c->d_model, 1, 0);
	if (total)
		*total = off;
	return n;
}

size_t lw_model_config_logical_params(const lw_model_config *c)
{
	size_t total;
	lw_model_table(c, NULL, &total);
	return total;
}

size_t lw_model_config_params(const lw_model_config *c)
{
	lw_share_plan p;
	lw_share_plan_make(c, &p);
	size_t n = p.n_params;
	lw_share_plan_free(&p);
	return n;
}
