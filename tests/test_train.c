/*
 * test_train.c — the model and the training loop as a whole: gradients of
 * the full model against finite differences, learning (a tiny model
 * overfits a tiny repeated text), determinism, bit-exact resume, a
 * diverging run that stops and keeps its last checkpoint, evaluation.
 */
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "model_check.h"

#include "lowwatt/checkpoint.h"
#include "lowwatt/trainer.h"
#include "util/rng.h"

/* ------------------------------------------------------------ fixtures */

#define V 29          /* 24 regular ids, 5 specials from 24 */
#define FIRST_SPECIAL 24
#define MASK_ID 28

typedef struct fixture {
	tu_shards sh;
	lw_train_data data;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	tu_shards_open(&f->sh, V, 0xabcd);
	f->data = (lw_train_data){ &f->sh.train, &f->sh.val, 0xabcd, FIRST_SPECIAL, MASK_ID };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	tu_shards_close(&f->sh);
	free(f);
	return 0;
}

static lw_train_config tiny_config(lw_arch arch)
{
	lw_train_config c;
	lw_train_config_default(&c);
	c.model = (lw_model_config){ .arch = arch, .layers = 2, .d_model = 16, .heads = 2, .d_ff = 32, .seq = 16, .vocab = V };
	c.batch = 4;
	c.steps = 12;
	c.warmup = 2;
	c.lr = 3e-3f;
	c.eval_every = 0;
	c.eval_batches = 2;
	c.save_every = 0;
	c.log_every = 1;
	c.threads = 2;
	return c;
}

/* Records the loss of every step; stops after stop_after steps (0: never). */
typedef struct recorder {
	float loss[256];
	long n, stop_after;
} recorder;

static int record(const lw_train_event *ev, void *ctx)
{
	recorder *r = ctx;
	if (ev->kind == LW_TRAIN_STEP && r->n < 256)
		r->loss[r->n++] = ev->loss;
	return r->stop_after && ev->kind == LW_TRAIN_STEP && ev->step >= r->stop_after;
}

/* lw_train with an observer and no meter. */
static lw_status train(const lw_train_config *c, const lw_train_data *data, const char *dir,
		       int resume, lw_train_observer obs, void *ctx, lw_train_result *res,
		       lw_err *err)
{
	lw_train_options o = { .resume = resume, .obs = obs, .ctx = ctx };
	return lw_train(c, data, dir, &o, res, err);
}

static char *fresh_run_dir(const fixture *f, const char *name)
{
	char *dir = tu_path(f->sh.dir, name);
	assert_int_equal(mkdir(dir, 0777), 0);
	return dir;
}

/* --------------------------------------------------- gradients, whole model */

static void make_batch(lw_batch *b, lw_arch arch, uint64_t seed)
{
	mc_random_batch(b, arch, V, seed);
}

/* Every tensor's gradient against finite differences (model_check.h). */
static void check_model_gradients(lw_arch arch)
{
	lw_model_config mc = { .arch = arch, .layers = 2, .d_model = 8, .heads = 2, .d_ff = 12, .seq = 6, .vocab = V };
	double worst = mc_check_gradients(&mc, 7);
	print_message("# %s: worst relative error %.2e\n", lw_arch_name(arch), worst);
}

static void test_gradients_mlm(void **state)
{
	(void)state;
	check_model_gradients(LW_ARCH_MLM);
}

static void test_gradients_clm(void **state)
{
	(void)state;
	check_model_gradients(LW_ARCH_CLM);
}

/* Backward adds into the gradients: twice is double. */
static void test_backward_accumulates(void **state)
{
	(void)state;
	lw_model_config mc = { .arch = LW_ARCH_CLM, .layers = 1, .d_model = 8, .heads = 2, .d_ff = 12, .seq = 6, .vocab = V };
	lw_model *m = NULL;
	lw_err err = {0};
	assert_int_equal(lw_model_create(&mc, 2, &m, &err), LW_OK);
	lw_model_init(m, 1);
	lw_batch b = {0};
	assert_int_equal(lw_batch_init(&b, 2, 6, &err), LW_OK);
	make_batch(&b, LW_ARCH_CLM, 5);
	size_t n = lw_model_num_params(m);
	float *once = malloc(n * sizeof *once);
	lw_model_zero_grad(m);
	lw_model_forward(m, &b);
	lw_model_backward(m, 1.0f);
	memcpy(once, lw_model_grads(m), n * sizeof *once);
	lw_model_forward(m, &b);
	lw_model_backward(m, 1.0f);
	for (size_t i = 0; i < n; i++)
		assert_float_equal(lw_model_grads(m)[i], 2.0f * once[i], 1e-6f + 1e-5f * fabsf(once[i]));
	free(once);
	lw_batch_free(&b);
	lw_model_free(m);
}

/* ------------------------------------------------------------- training */

static void overfit(fixture *f, lw_arch arch, float below)
{
	lw_train_config c = tiny_config(arch);
	c.batch = 16;
	c.steps = 1000;
	c.lr = 3e-3f;
	c.warmup = 10;
	c.weight_decay = 0;
	c.log_every = 100;
	char *dir = fresh_run_dir(f, lw_arch_name(arch));
	recorder rec = {0};
	lw_train_result res;
	lw_err err = {0};
	assert_int_equal(train(&c, &f->data, dir, 0, record, &rec, &res, &err), LW_OK);
	print_message("# %s: first loss %.3f, val %.4f\n", lw_arch_name(arch), rec.loss[0],
		      res.val.loss);
	assert_true(rec.loss[0] > 2.5f);  /* about log(29) at the start */
	assert_true(res.val.loss < below);
	assert_true(res.val.accuracy > 0.95);
	free(dir);
}

static void test_overfits_clm(void **state)
{
	overfit(*state, LW_ARCH_CLM, 0.05f);
}

static void test_overfits_mlm(void **state)
{
	/* A masked token of a periodic text is determined by its neighbours,
	 * unless they are masked too: near zero, not zero. */
	overfit(*state, LW_ARCH_MLM, 0.1f);
}

static void test_deterministic_and_resume_exact(void **state)
{
	fixture *f = *state;
	lw_train_config c = tiny_config(LW_ARCH_MLM);
	c.accum = 2;
	lw_err err = {0};
	lw_train_result res;
	recorder whole = {0}, again = {0}, first = {0}, rest = {0};
	char *a = fresh_run_dir(f, "whole"), *b = fresh_run_dir(f, "again"),
	     *r = fresh_run_dir(f, "resumed");
	assert_int_equal(train(&c, &f->data, a, 0, record, &whole, &res, &err), LW_OK);
	assert_int_equal(train(&c, &f->data, b, 0, record, &again, &res, &err), LW_OK);
	assert_memory_equal(whole.loss, again.loss, sizeof whole.loss);
	/* Stop after 5 steps (a checkpoint is written), then resume. */
	first.stop_after = 5;
	assert_int_equal(train(&c, &f->data, r, 0, record, &first, &res, &err), LW_OK);
	assert_true(res.stopped_early);
	assert_int_equal(res.steps, 5);
	assert_int_equal(train(&c, &f->data, r, 1, record, &rest, &res, &err), LW_OK);
	assert_int_equal(first.n + rest.n, whole.n);
	assert_memory_equal(first.loss, whole.loss, (size_t)first.n * sizeof(float));
	assert_memory_equal(rest.loss, whole.loss + first.n, (size_t)rest.n * sizeof(float));
	/* The final checkpoints are identical too. */
	char *ca = tu_path(a, "checkpoint.lwck"), *cr = tu_path(r, "checkpoint.lwck");
	lw_checkpoint x = {0}, y = {0};
	assert_int_equal(lw_checkpoint_load(ca, &x, &err), LW_OK);
	assert_int_equal(lw_checkpoint_load(cr, &y, &err), LW_OK);
	assert_int_equal(x.step, y.step);
	assert_memory_equal(x.params, y.params, x.n_params * sizeof(float));
	assert_memory_equal(x.v, y.v, x.n_params * sizeof(float));
	lw_checkpoint_free(&x);
	lw_checkpoint_free(&y);
	free(ca);
	free(cr);
	free(a);
	free(b);
	free(r);
}

static void test_resume_mismatch(void **state)
{
	fixture *f = *state;
	lw_train_config c = tiny_config(LW_ARCH_CLM);
	c.steps = 2;
	char *dir = fresh_run_dir(f, "mismatch");
	lw_err err = {0};
	lw_train_result res;
	assert_int_equal(train(&c, &f->data, dir, 0, NULL, NULL, &res, &err), LW_OK);
	c.model.d_model = 32;
	assert_int_not_equal(train(&c, &f->data, dir, 1, NULL, NULL, &res, &err), LW_OK);
	assert_non_null(strstr(err.msg, "d_model is 16 in the checkpoint, 32 here"));
	assert_non_null(strstr(err.msg, "checkpoint.lwck"));
	c.model.d_model = 16;
	lw_train_data other = f->data;
	other.tokenizer_checksum = 0x1234;
	assert_int_not_equal(train(&c, &other, dir, 1, NULL, NULL, &res, &err), LW_OK);
	assert_non_null(strstr(err.msg, "tokenizer"));
	free(dir);
}

/* A learning rate far too high: the loss explodes, the run stops with a
 * clear error and the checkpoint of the last save stays as it was. */
static void test_divergence_keeps_checkpoint(void **state)
{
	fixture *f = *state;
	lw_train_config c = tiny_config(LW_ARCH_CLM);
	c.steps = 200;
	c.warmup = 0;
	c.save_every = 1;
	c.clip = 0;
	c.weight_decay = 0;
	c.lr = 1e30f;
	char *dir = fresh_run_dir(f, "diverge");
	lw_err err = {0};
	lw_train_result res;
	lw_status st = train(&c, &f->data, dir, 0, NULL, NULL, &res, &err);
	assert_int_equal(st, LW_ERR_STATE);
	print_message("# %s\n", err.msg);
	assert_non_null(strstr(err.msg, "diverged"));
	char *ck = tu_path(dir, "checkpoint.lwck");
	lw_checkpoint x = {0};
	assert_non_null(strstr(err.msg, "is kept"));
	assert_int_equal(lw_checkpoint_load(ck, &x, &err), LW_OK);
	assert_true(x.step >= 1);
	for (size_t i = 0; i < x.n_params; i++)
		assert_true(isfinite(x.params[i]));
	lw_checkpoint_free(&x);
	free(ck);
	free(dir);
}

static void test_evaluate_is_repeatable(void **state)
{
	fixture *f = *state;
	lw_train_config c = tiny_config(LW_ARCH_MLM);
	lw_model *m = NULL;
	lw_err err = {0};
	assert_int_equal(lw_model_create(&c.model, c.batch, &m, &err), LW_OK);
	lw_model_init(m, 1);
	lw_eval_result a, b;
	double *unigram = lw_unigram_logprobs(&f->sh.train, c.model.vocab);
	assert_int_equal(lw_evaluate(m, &c, &f->data, 3, unigram, &a, &err), LW_OK);
	free(unigram);
	assert_int_equal(lw_evaluate(m, &c, &f->data, 3, NULL, &b, &err), LW_OK);
	assert_true(a.targets > 0);
	assert_true(a.loss == b.loss);
	assert_true(isnan(b.unigram_entropy));
	/* Seven equally frequent tokens: the unigram entropy is about log 7. */
	assert_float_equal(a.unigram_entropy, log(7.0), 0.02);  /* add-one smoothed */
	/* An untrained model is about as good as uniform over V. */
	assert_float_equal(a.loss, log((double)V), 0.3);
	lw_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gradients_mlm),
		cmocka_unit_test(test_gradients_clm),
		cmocka_unit_test(test_backward_accumulates),
		cmocka_unit_test(test_overfits_clm),
		cmocka_unit_test(test_overfits_mlm),
		cmocka_unit_test(test_deterministic_and_resume_exact),
		cmocka_unit_test(test_resume_mismatch),
		cmocka_unit_test(test_divergence_keeps_checkpoint),
		cmocka_unit_test(test_evaluate_is_repeatable),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
