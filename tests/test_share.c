/*
 * test_share.c — weight sharing: the physical tensors each scheme keeps
 * (counts, names, which layers read the same floats), the bank's windows
 * (consecutive, wrapping at the bank's end, a bank smaller than a layer
 * tiled), gradients of every physical parameter against finite
 * differences for every scheme (the bank's, its coefficients' included),
 * and the configurations that are refused.
 */
#include <math.h>
#include <string.h>

#include "testutil.h"
#include "model_check.h"

#include <sys/stat.h>

#include "lowwatt/checkpoint.h"
#include "lowwatt/model.h"
#include "lowwatt/trainer.h"
#include "model/share.h"

#define V 23

static lw_model_config base(int layers)
{
	return (lw_model_config){ .arch = LW_ARCH_MLM, .layers = layers, .d_model = 8, .heads = 2, .d_ff = 12, .seq = 6, .vocab = V };
}

static size_t count(const lw_model_config *c)
{
	return lw_model_config_params(c);
}

/* Per layer: ln1 2C, qkv 3C*C + 3C, proj C*C + C, ln2 2C, fc F*C + F,
 * fc_proj C*F + C; with C = 8, F = 12. */
enum { C = 8, F = 12, LN = 2 * C, QKV_W = 3 * C * C, QKV_B = 3 * C, PROJ_W = C * C,
       PROJ_B = C, FC_W = F * C, FC_B = F, FCP_W = C * F, FCP_B = C,
       LAYER = 2 * LN + QKV_W + QKV_B + PROJ_W + PROJ_B + FC_W + FC_B + FCP_W + FCP_B,
       MATRICES = QKV_W + PROJ_W + FC_W + FCP_W, OUTSIDE = V * C + 6 * C + 2 * C };

static void test_counts(void **state)
{
	(void)state;
	lw_model_config c = base(4);
	assert_int_equal(count(&c), OUTSIDE + 4 * LAYER);
	assert_int_equal(lw_model_config_logical_params(&c), OUTSIDE + 4 * LAYER);
	c.share = LW_SHARE_ALL;
	assert_int_equal(count(&c), OUTSIDE + 4 * LAYER - 3 * MATRICES);
	c.share_vectors = 1;
	assert_int_equal(count(&c), OUTSIDE + LAYER);
	c.share_vectors = 0;
	c.share_groups = 2;
	assert_int_equal(count(&c), OUTSIDE + 4 * LAYER - 2 * MATRICES);
	c.share_groups = 0;
	c.share = LW_SHARE_ATTN;
	assert_int_equal(count(&c), OUTSIDE + 4 * LAYER - 3 * (QKV_W + PROJ_W));
	c.share = LW_SHARE_FFN;
	c.share_vectors = 1;
	assert_int_equal(count(&c), OUTSIDE + 4 * LAYER - 3 * (FC_W + FC_B + FCP_W + FCP_B + LN));
	/* A bank of 500 floats, 4 templates per matrix of 4 x 4 matrices. */
	c = base(4);
	c.bank = 500;
	assert_int_equal(count(&c), OUTSIDE + 4 * (LAYER - MATRICES) + 500 + 16 * 4);
	c.templates = 2;
	assert_int_equal(count(&c), OUTSIDE + 4 * (LAYER - MATRICES) + 500 + 16 * 2);
	assert_int_equal(lw_model_config_logical_params(&c), OUTSIDE + 4 * LAYER);
}

/* Layers of one group read the same floats: their weights are equal after
 * initialisation, and the physical tensors are named after each group's
 * first layer. */
static void test_groups_share_storage(void **state)
{
	(void)state;
	lw_model_config c = base(5);
	c.share = LW_SHARE_ATTN;
	c.share_groups = 2;   /* layers 0-2 and 3-4 */
	lw_model *m = NULL;
	lw_err err = {0};
	assert_int_equal(lw_model_create(&c, 2, &m, &err), LW_OK);
	lw_model_init(m, 3);
	assert_non_null(lw_model_tensor(m, "h.0.qkv.w"));
	assert_non_null(lw_model_tensor(m, "h.3.qkv.w"));
	assert_null(lw_model_tensor(m, "h.1.qkv.w"));
	assert_null(lw_model_tensor(m, "h.4.proj.w"));
	assert_non_null(lw_model_tensor(m, "h.4.fc.w"));     /* ffn: not shared */
	assert_non_null(lw_model_tensor(m, "h.4.qkv.b"));    /* vectors: not shared */
	assert_int_equal(lw_model_num_params(m), OUTSIDE + 5 * LAYER - 3 * (QKV_W + PROJ_W));
	assert_int_equal(lw_model_logical_params(m), OUTSIDE + 5 * LAYER);
	lw_model_free(m);
}

static void check(const lw_model_config *c, const char *what)
{
	double worst = mc_check_gradients(c, 5);
	print_message("# %s: worst relative error %.2e\n", what, worst);
}

static void test_gradients_schemes(void **state)
{
	(void)state;
	lw_model_config c = base(3);
	c.share = LW_SHARE_ALL;
	check(&c, "all");
	c.share_vectors = 1;
	check(&c, "all, vectors too");
	c.share = LW_SHARE_ATTN;
	c.share_vectors = 0;
	c.share_groups = 2;
	check(&c, "attn, 2 groups");
	c.share = LW_SHARE_FFN;
	c.arch = LW_ARCH_CLM;
	c.share_vectors = 1;
	check(&c, "ffn clm, 2 groups, vectors too");
}

/* The bank: large (windows side by side, no wrap), wrapping (the windows
 * of later layers pass the end), smaller than one layer's matrix (each
 * template tiles the bank), and one template. */
static void test_gradients_bank(void **state)
{
	(void)state;
	lw_model_config c = base(2);
	c.bank = 4 * 2 * MATRICES;   /* every window its own floats */
	check(&c, "bank, no wrap");
	c.bank = 700;
	c.templates = 3;
	check(&c, "bank wrapping, 3 templates");
	c.bank = 37;                 /* smaller than any matrix: repeated */
	c.templates = 2;
	c.arch = LW_ARCH_CLM;
	check(&c, "bank of 37 floats tiled, clm");
	c.bank = 300;
	c.templates = 1;
	check(&c, "bank, 1 template");
}

/* Gather with the plan directly: bank[j] = j and known coefficients, so
 * each made matrix must equal sum_k a_k x bank[(w + k*s + i) mod B] with
 * the windows worked out here by hand. */
static void check_windows(long B, const size_t starts[8])
{
	lw_model_config c = base(2);
	c.bank = B;
	c.templates = 2;
	lw_share_plan p;
	lw_share_plan_make(&c, &p);
	assert_int_equal(p.n_made, 8);
	float *params = calloc(p.n_params, sizeof *params), *made = calloc(p.scratch, sizeof *made);
	for (size_t j = 0; j < p.bank_size; j++)
		params[p.bank_offset + j] = (float)j;
	for (size_t k = 0; k < 16; k++)
		params[p.coef_offset + k] = (float)(k % 5) - 1.5f;
	lw_bank_gather(&p, params, made);
	for (int m = 0; m < 8; m++) {
		const lw_link *k = &p.links[p.made[m]];
		size_t s = p.logical[p.made[m]].size;
		assert_int_equal(k->start, starts[m]);
		for (size_t i = 0; i < s; i++) {
			double want = 0;
			for (int t = 0; t < 2; t++)
				want += params[k->coef + (size_t)t] *
					(double)((starts[m] + (size_t)t * s + i) % (size_t)B);
			if (fabs(made[k->offset + i] - want) > 1e-3 * fabs(want) + 1e-3)
				fail_msg("bank %ld, matrix %d, float %zu: %g, expected %g", B, m, i,
					 made[k->offset + i], want);
		}
	}
	free(params);
	free(made);
	lw_share_plan_free(&p);
}

static void test_bank_windows(void **state)
{
	(void)state;
	/* Sizes: qkv.w 192, proj.w 64, fc.w 96, fc_proj.w 96 (fc and fc_proj
	 * share a size: fc_proj follows fc). Each matrix takes 2 x its size. */
	const size_t big[8] = { 0, 0, 0, 192, 384, 128, 384, 576 };
	check_windows(1000, big);
	/* 150 floats: every start modulo 150, templates wrapping. */
	const size_t wrap[8] = { 0, 0, 0, 42, 84, 128, 84, 126 };
	check_windows(150, wrap);
	/* 37 floats: each template tiles the bank several times. */
	const size_t tiny[8] = { 0, 0, 0, 7, 14, 17, 14, 21 };
	check_windows(37, tiny);
}

/* ------------------------------------------------------------ training */

#define TV 29   /* the training fixture's vocabulary: 24 ids, 5 specials */

typedef struct losses {
	float loss[64];
	long n, stop_after;
} losses;

static int record(const lw_train_event *ev, void *ctx)
{
	losses *r = ctx;
	if (ev->kind == LW_TRAIN_STEP && r->n < 64)
		r->loss[r->n++] = ev->loss;
	return r->stop_after && ev->kind == LW_TRAIN_STEP && ev->step >= r->stop_after;
}

static void train_into(const lw_train_config *c, const lw_train_data *d, const char *dir,
		       int resume, losses *rec)
{
	lw_train_options o = { .resume = resume, .obs = record, .ctx = rec };
	lw_train_result res;
	lw_err err = {0};
	if (lw_train(c, d, dir, &o, &res, &err) != LW_OK)
		fail_msg("%s", err.msg);
}

/* A shared model trains, stops, and resumes from its checkpoint of
 * physical parameters exactly as the uninterrupted run goes on. */
static void resume_exact(const lw_model_config *model, const char *what)
{
	tu_shards sh;
	tu_shards_open(&sh, TV, 0xabcd);
	lw_train_data data = { &sh.train, &sh.val, 0xabcd, 24, 28 };
	lw_train_config c;
	lw_train_config_default(&c);
	c.model = *model;
	c.batch = 4;
	c.steps = 12;
	c.warmup = 2;
	c.eval_batches = 2;
	c.log_every = 1;
	c.threads = 1;
	char *whole = tu_path(sh.dir, "whole"), *part = tu_path(sh.dir, "part");
	assert_int_equal(mkdir(whole, 0777), 0);
	assert_int_equal(mkdir(part, 0777), 0);
	losses a = {0}, b = { .stop_after = 5 }, rest = {0};
	train_into(&c, &data, whole, 0, &a);
	train_into(&c, &data, part, 0, &b);
	train_into(&c, &data, part, 1, &rest);
	assert_int_equal(b.n + rest.n, a.n);
	assert_memory_equal(rest.loss, a.loss + b.n, (size_t)rest.n * sizeof(float));
	assert_true(a.loss[a.n - 1] < a.loss[0]);
	char *ca = tu_path(whole, "checkpoint.lwck"), *cb = tu_path(part, "checkpoint.lwck");
	lw_checkpoint x = {0}, y = {0};
	lw_err err = {0};
	assert_int_equal(lw_checkpoint_load(ca, &x, &err), LW_OK);
	assert_int_equal(lw_checkpoint_load(cb, &y, &err), LW_OK);
	assert_int_equal(x.n_params, lw_model_config_params(model));
	assert_true(x.n_params < lw_model_config_logical_params(model));
	assert_memory_equal(x.params, y.params, x.n_params * sizeof(float));
	print_message("# %s: loss %.3f -> %.3f, resumed exactly\n", what, a.loss[0],
		      a.loss[a.n - 1]);
	lw_checkpoint_free(&x);
	lw_checkpoint_free(&y);
	free(ca);
	free(cb);
	free(whole);
	free(part);
	tu_shards_close(&sh);
}

static void test_resume_exact(void **state)
{
	(void)state;
	lw_model_config c = { .arch = LW_ARCH_MLM, .layers = 3, .d_model = 16, .heads = 2,
			      .d_ff = 32, .seq = 16, .vocab = TV };
	c.share = LW_SHARE_ALL;
	c.share_vectors = 1;
	resume_exact(&c, "share all, vectors too");
	c.share = LW_SHARE_NONE;
	c.share_vectors = 0;
	c.bank = 900;
	c.templates = 2;
	c.arch = LW_ARCH_CLM;
	resume_exact(&c, "bank of 900, clm");
}

static void expect_refused(lw_model_config c, const char *want)
{
	lw_err err = {0};
	assert_int_not_equal(lw_model_config_check(&c, &err), LW_OK);
	if (!strstr(err.msg, want))
		fail_msg("message \"%s\", expected \"%s\"", err.msg, want);
}

static void test_bad_configs(void **state)
{
	(void)state;
	lw_model_config c = base(3);
	c.share_groups = 2;
	expect_refused(c, "need a sharing scheme");
	c = base(3);
	c.share = LW_SHARE_ALL;
	c.share_groups = 4;
	expect_refused(c, "share_groups must be in 1..3");
	c = base(3);
	c.share = LW_SHARE_ALL;
	c.bank = 100;
	expect_refused(c, "exclude each other");
	c = base(3);
	c.templates = 3;
	expect_refused(c, "templates need a parameter bank");
	c.bank = 100;
	c.templates = 65;
	expect_refused(c, "templates must be in 1..64");
	c = base(3);
	c.bank = -1;
	expect_refused(c, "parameter bank");
	c = base(3);
	c.share = (lw_share)9;
	expect_refused(c, "share must be");
	lw_share s;
	assert_int_equal(lw_share_parse("attn", &s), 0);
	assert_int_equal(s, LW_SHARE_ATTN);
	assert_int_equal(lw_share_parse("ALL", &s), -1);
	assert_string_equal(lw_share_name(LW_SHARE_FFN), "ffn");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_groups_share_storage),
		cmocka_unit_test(test_gradients_schemes),
		cmocka_unit_test(test_gradients_bank),
		cmocka_unit_test(test_bank_windows),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_resume_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
