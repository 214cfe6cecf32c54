/*
 * share.c — the plan that maps a configuration's logical tensors to
 * physical storage (share.h): cross-layer sharing within groups of layers
 * (ALBERT), or weight matrices made from a parameter bank (Shapeshifter
 * networks, Plummer et al.).
 *
 * Bank windows: each weight matrix of size s reads K templates of s floats,
 * template k starting at w + k*s (modulo the bank's size B, so a bank
 * smaller than a layer is tiled), where w is where the previous matrix of
 * the same size stopped (0 for the first): matrices of one size walk the
 * bank in turn, matrices of other sizes overlay the same floats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/share.h"
#include "model/table.h"
#include "util/alloc.h"

/* Which of a layer's 12 tensors (table.h's order) a scheme shares: the
 * matrices, and with vectors their sublayer's biases and LayerNorms. */
static int scheme_covers(const lw_model_config *c, int i)
{
	static const int attn[LW_LAYER_TENSORS] = { 2, 2, 1, 2, 1, 2, 0, 0, 0, 0, 0, 0 };
	static const int ffn[LW_LAYER_TENSORS] = { 0, 0, 0, 0, 0, 0, 2, 2, 1, 2, 1, 2 };
	int kind;  /* 1: a matrix, 2: a vector, 0: not the scheme's sublayer */
	switch (c->share) {
	case LW_SHARE_ALL: kind = attn[i] | ffn[i]; break;
	case LW_SHARE_ATTN: kind = attn[i]; break;
	case LW_SHARE_FFN: kind = ffn[i]; break;
	default: return 0;
	}
	return kind == 1 || (kind == 2 && c->share_vectors);
}

/* The first layer of layer l's group (groups: consecutive, as even as the
 * division allows). */
static int group_owner(const lw_model_config *c, int l)
{
	int groups = c->share_groups > 0 ? c->share_groups : 1;
	int g = (int)((long)l * groups / c->layers);
	/* The smallest l' with the same group. */
	int first = (int)(((long)g * c->layers + groups - 1) / groups);
	return first;
}

static int is_matrix(int i)
{
	return i == 2 || i == 4 || i == 8 || i == 10;
}

static void add_physical(lw_share_plan *p, const lw_tensor *t)
{
	lw_tensor *x = &p->physical[p->n_physical++];
	*x = *t;
	x->offset = p->n_params;
	p->n_params += t->size;
}

/* Physical storage for every logical tensor not shared and not made from
 * the bank; shared ones point at their owner's. */
static void place_tensors(const lw_model_config *c, lw_share_plan *p)
{
	for (int j = 0; j < p->n_logical; j++) {
		const lw_tensor *t = &p->logical[j];
		lw_link *k = &p->links[j];
		int layer = j >= 2 && j < 2 + c->layers * LW_LAYER_TENSORS ?
			    (j - 2) / LW_LAYER_TENSORS : -1;
		int i = layer >= 0 ? (j - 2) % LW_LAYER_TENSORS : -1;
		if (layer >= 0 && c->bank > 0 && is_matrix(i)) {
			k->from_bank = 1;
			k->offset = p->scratch;
			p->scratch += t->size;
			p->made[p->n_made++] = j;
		} else if (layer >= 0 && scheme_covers(c, i) && group_owner(c, layer) != layer) {
			int owner = 2 + group_owner(c, layer) * LW_LAYER_TENSORS + i;
			*k = p->links[owner];
		} else {
			k->offset = p->n_params;
			add_physical(p, t);
		}
	}
}

/* The bank, its coefficients, and each made matrix's window. */
static void place_bank(const lw_model_config *c, lw_share_plan *p)
{
	p->templates = c->templates > 0 ? c->templates : 4;
	p->bank_size = (size_t)c->bank;
	lw_tensor bank = { .rows = (int)c->bank, .cols = 1, .size = p->bank_size, .decay = 1 };
	snprintf(bank.name, sizeof bank.name, "bank");
	p->bank_offset = p->n_params;
	add_physical(p, &bank);
	size_t n_coef = (size_t)p->n_made * (size_t)p->templates;
	lw_tensor coef = { .rows = (int)n_coef, .cols = 1, .size = n_coef, .decay = 0 };
	snprintf(coef.name, sizeof coef.name, "bank.coef");
	p->coef_offset = p->n_params;
	add_physical(p, &coef);
	/* Each size's cursor: at most the four sizes of a layer's matrices. */
	size_t sizes[4] = {0}, cursor[4] = {0};
	int n_sizes = 0;
	for (int m = 0; m < p->n_made; m++) {
		lw_link *k = &p->links[p->made[m]];
		size_t s = p->logical[p->made[m]].size;
		int z = 0;
		while (z < n_sizes && sizes[z] != s)
			z++;
		if (z == n_sizes)
			sizes[n_sizes++] = s;
		k->start = cursor[z];
		k->coef = p->coef_offset + (size_t)m * (size_t)p->templates;
		cursor[z] = (cursor[z] + (size_t)p->templates * (s % p->bank_size)) % p->bank_size;
	}
}

void lw_share_plan_make(const lw_model_config *c, lw_share_plan *p)
{
	memset(p, 0, sizeof *p);
	p->n_logical = lw_model_table(c, NULL, NULL);
	p->logical = lw_xcalloc((size_t)p->n_logical, sizeof *p->logical, "tensor table");
	lw_model_table(c, p->logical, &p->n_logical_params);
	p->physical = lw_xcalloc((size_t)p->n_logical + 2, sizeof *p->physical, "tensor table");
	p->links = lw_xcalloc((size_t)p->n_logical, sizeof *p->links, "tensor links");
	p->made = lw_xcalloc((size_t)p->n_logical, sizeof *p->made, "bank matrices");
	place_tensors(c, p);
	if (c->bank > 0)
		place_bank(c, p);
}

void lw_share_plan_free(lw_share_plan *p)
{
	free(p->logical);
	free(p->physical);
	free(p->links);
	free(p->made);
	memset(p, 0, sizeof *p);
}

/* The backward stage that adds to logical tensor j last (its own layer's,
 * the embedding's for wte and wpe, the head's for lnf). */
static int logical_stage(int j, int n_logical, int layers)
{
	if (j < 2)
		return layers + 1;
	if (j >= n_logical - 2)
		return 0;
	return 1 + (layers - 1 - (j - 2) / LW_LAYER_TENSORS);
}

void lw_share_plan_stages(const lw_share_plan *p, int layers, int *stage)
{
	for (int i = 0; i < p->n_physical; i++)
		stage[i] = 0;
	for (int j = 0; j < p->n_logical; j++) {
		const lw_link *k = &p->links[j];
		if (k->from_bank)
			continue;
		int i = 0;
		while (i < p->n_physical && p->physical[i].offset != k->offset)
			i++;
		int s = logical_stage(j, p->n_logical, layers);
		if (i < p->n_physical && s > stage[i])
			stage[i] = s;
	}
	/* The bank and its coefficients: after the scatter, the last stage. */
	for (int i = 0; i < p->n_physical; i++)
		if (p->bank_size && p->physical[i].offset >= p->bank_offset)
			stage[i] = layers + 2;
}
