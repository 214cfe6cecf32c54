/*
 * test_batch.c — training batches: determinism, CLM windows, the MLM
 * masking recipe checked against the shard and within binomial tolerance,
 * and the argument checks.
 */
#include "testutil.h"

#include <math.h>

#include "lowwatt/batch.h"
#include "util/rng.h"

#define V 1000          /* vocabulary of the test shards */
#define FIRST_SPECIAL 995
#define MASK_ID 999
#define N_TOKENS 20000

typedef struct fixture {
	char *dir;
	lw_shard shard;   /* N_TOKENS random tokens, ~5% specials */
	int32_t *tokens;  /* the same tokens */
} fixture;

/* Write ids[0..n) to dir/name and open it into s. */
static void make_shard(const char *dir, const char *name, uint32_t vocab, const int32_t *ids,
		       size_t n, lw_shard *s)
{
	char *path = tu_path(dir, name);
	lw_err err = {{0}};
	assert_int_equal(lw_shard_write(path, vocab, 7, 0, ids, n, &err), LW_OK);
	assert_int_equal(lw_shard_open(path, s, &err), LW_OK);
	free(path);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	f->dir = tu_tempdir();
	f->tokens = malloc(N_TOKENS * sizeof *f->tokens);
	lw_rng r = lw_rng_from(1, 2, 3);
	for (int i = 0; i < N_TOKENS; i++)
		f->tokens[i] = lw_rng_below(&r, 20) == 0
				       ? FIRST_SPECIAL + (int32_t)lw_rng_below(&r, V - FIRST_SPECIAL)
				       : (int32_t)lw_rng_below(&r, FIRST_SPECIAL);
	make_shard(f->dir, "s.lwtk", V, f->tokens, N_TOKENS, &f->shard);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	lw_shard_close(&f->shard);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->tokens);
	free(f);
	return 0;
}

static lw_batch_spec spec_of(lw_objective obj, int B, int T)
{
	return (lw_batch_spec){
		.objective = obj,
		.B = B,
		.T = T,
		.seed = 42,
		.vocab_size = V,
		.first_special = FIRST_SPECIAL,
		.mask_id = MASK_ID,
		.mask_prob = 0.15f,
	};
}

static void make(const lw_shard *s, const lw_batch_spec *sp, uint64_t step, lw_batch *b)
{
	lw_err err = {{0}};
	if (lw_batch_make(s, sp, step, b, &err) != LW_OK)
		fail_msg("%s", err.msg);
}

static int same_batch(const lw_batch *a, const lw_batch *b)
{
	size_t n = (size_t)a->B * a->T * sizeof(int32_t);
	return a->n_targets == b->n_targets && memcmp(a->inputs, b->inputs, n) == 0 &&
	       memcmp(a->targets, b->targets, n) == 0;
}

static void test_determinism(void **state)
{
	fixture *f = *state;
	lw_err err = {{0}};
	for (int obj = 0; obj < 2; obj++) {
		lw_batch_spec sp = spec_of((lw_objective)obj, 8, 64);
		lw_batch a, b, half;
		assert_int_equal(lw_batch_init(&a, 8, 64, &err), LW_OK);
		assert_int_equal(lw_batch_init(&b, 8, 64, &err), LW_OK);
		make(&f->shard, &sp, 5, &a);
		/* Rows draw from different generators: different windows. */
		for (int r = 1; r < 8; r++)
			assert_memory_not_equal(a.inputs, a.inputs + r * 64, 64 * sizeof(int32_t));
		make(&f->shard, &sp, 9, &b);
		assert_false(same_batch(&a, &b));
		make(&f->shard, &sp, 5, &b); /* after another step: still the same */
		assert_true(same_batch(&a, &b));
		sp.seed++;
		make(&f->shard, &sp, 5, &b);
		assert_false(same_batch(&a, &b));
		sp.seed--;

		/* Rows are independent: a 3-row batch is the first 3 rows. */
		lw_batch_spec sp3 = sp;
		sp3.B = 3;
		assert_int_equal(lw_batch_init(&half, 3, 64, &err), LW_OK);
		make(&f->shard, &sp3, 5, &half);
		assert_memory_equal(half.inputs, a.inputs, 3 * 64 * sizeof(int32_t));
		assert_memory_equal(half.targets, a.targets, 3 * 64 * sizeof(int32_t));
		lw_batch_free(&a);
		lw_batch_free(&b);
		lw_batch_free(&half);
		assert_null(a.inputs);
		lw_batch_free(&a); /* twice is harmless */
	}
}

/* A rank's slice: rows [row0, row0 + rows) of the whole batch, bit for
 * bit, whatever the split; the slices' targets add up to the batch's. */
static void test_rows(void **state)
{
	fixture *f = *state;
	lw_err err = {{0}};
	for (int obj = 0; obj < 2; obj++) {
		lw_batch_spec sp = spec_of((lw_objective)obj, 7, 32);
		lw_batch whole;
		assert_int_equal(lw_batch_init(&whole, 7, 32, &err), LW_OK);
		make(&f->shard, &sp, 11, &whole);
		for (int k = 1; k <= 7; k++) {
			int targets = 0;
			for (int r = 0; r < k; r++) {
				int row0 = r * 7 / k, rows = (r + 1) * 7 / k - row0;
				lw_batch part;
				assert_int_equal(lw_batch_init(&part, rows, 32, &err), LW_OK);
				assert_int_equal(lw_batch_make_rows(&f->shard, &sp, 11, row0, rows,
								    &part, &err), LW_OK);
				size_t at = (size_t)row0 * 32, n = (size_t)rows * 32 * sizeof(int32_t);
				assert_memory_equal(part.inputs, whole.inputs + at, n);
				assert_memory_equal(part.targets, whole.targets + at, n);
				targets += part.n_targets;
				lw_batch_free(&part);
			}
			assert_int_equal(targets, whole.n_targets);
		}
		/* Rows outside the batch, or a batch of the wrong size. */
		lw_batch two;
		assert_int_equal(lw_batch_init(&two, 2, 32, &err), LW_OK);
		assert_int_equal(lw_batch_make_rows(&f->shard, &sp, 0, 6, 2, &two, &err), LW_ERR_ARG);
		assert_non_null(strstr(err.msg, "rows [6, 8) of a batch of 7"));
		assert_int_equal(lw_batch_make_rows(&f->shard, &sp, 0, -1, 2, &two, &err), LW_ERR_ARG);
		assert_int_equal(lw_batch_make_rows(&f->shard, &sp, 0, 0, 0, &two, &err), LW_ERR_ARG);
		assert_int_equal(lw_batch_make_rows(&f->shard, &sp, 0, 0, 3, &two, &err), LW_ERR_ARG);
		assert_non_null(strstr(err.msg, "the batch holds 2 x 32"));
		lw_batch_free(&two);
		lw_batch_free(&whole);
	}
}

/* CLM: each row is a window of the shard and its targets the window
 * shifted by one. A shard whose token i is i makes the offset visible. */
static void test_clm_windows(void **state)
{
	fixture *f = *state;
	enum { N = 3000, T = 100, B = 16 };
	int32_t *ids = malloc(N * sizeof *ids);
	for (int i = 0; i < N; i++)
		ids[i] = i;
	lw_shard s;
	make_shard(f->dir, "seq.lwtk", N, ids, N, &s);
	lw_batch_spec sp = spec_of(LW_OBJECTIVE_CLM, B, T);
	sp.vocab_size = N;
	lw_batch b;
	lw_err err = {{0}};
	assert_int_equal(lw_batch_init(&b, B, T, &err), LW_OK);
	int lo = N, hi = -1;
	for (uint64_t step = 0; step < 200; step++) {
		make(&s, &sp, step, &b);
		assert_int_equal(b.n_targets, B * T);
		for (int r = 0; r < B; r++) {
			const int32_t *in = b.inputs + r * T, *tg = b.targets + r * T;
			int o = in[0];
			lo = o < lo ? o : lo;
			hi = o > hi ? o : hi;
			for (int t = 0; t < T; t++) {
				assert_int_equal(in[t], o + t);
				assert_int_equal(tg[t], o + t + 1);
			}
		}
	}
	/* 3200 offsets over [0, N - T - 1]: both ends are nearly reached, none
	 * is passed (the last target is token N - 1 at most). */
	assert_true(lo >= 0 && lo < 20);
	assert_true(hi <= N - T - 1 && hi > N - T - 21);
	lw_shard_close(&s);

	/* The shortest shard: T+1 tokens, one possible window. */
	make_shard(f->dir, "short.lwtk", N, ids, T + 1, &s);
	make(&s, &sp, 3, &b);
	for (int r = 0; r < B; r++)
		assert_int_equal(b.inputs[r * T], 0);
	lw_shard_close(&s);
	lw_batch_free(&b);
	free(ids);
}

/* Find the window of the shard a MLM row came from and check it against
 * the row: unselected positions (target -1) hold the original token,
 * selected ones have the original as target. Returns the offset. */
static int find_window(const fixture *f, const int32_t *in, const int32_t *tg, int T)
{
	int found = -1;
	for (int o = 0; o + T <= N_TOKENS; o++) {
		int t = 0;
		for (; t < T; t++) {
			int32_t orig = tg[t] != LW_IGNORE_INDEX ? tg[t] : in[t];
			if (f->tokens[o + t] != orig)
				break;
		}
		if (t == T) {
			assert_int_equal(found, -1); /* random shard: one match */
			found = o;
		}
	}
	assert_int_not_equal(found, -1);
	return found;
}

/* |observed - expected| within 5 standard deviations of a binomial. */
static void expect_binomial(const char *what, uint64_t hits, uint64_t n, double p)
{
	double p_hat = (double)hits / (double)n, tol = 5 * sqrt(p * (1 - p) / (double)n);
	if (fabs(p_hat - p) >= tol)
		fail_msg("%s: %.5f of %llu, expected %.5f +- %.5f", what, p_hat,
			 (unsigned long long)n, p, tol);
}

static void test_mlm_statistics(void **state)
{
	fixture *f = *state;
	enum { B = 8, T = 128, STEPS = 200 };
	lw_batch_spec sp = spec_of(LW_OBJECTIVE_MLM, B, T);
	lw_batch b;
	lw_err err = {{0}};
	assert_int_equal(lw_batch_init(&b, B, T, &err), LW_OK);
	uint64_t regular = 0, selected = 0, masked = 0, kept = 0, replaced = 0, specials = 0;
	double replaced_sum = 0;
	for (uint64_t step = 0; step < STEPS; step++) {
		make(&f->shard, &sp, step, &b);
		int labelled = 0;
		for (int r = 0; r < B; r++) {
			const int32_t *in = b.inputs + r * T, *tg = b.targets + r * T;
			int o = find_window(f, in, tg, T);
			for (int t = 0; t < T; t++) {
				int32_t orig = f->tokens[o + t];
				if (orig >= FIRST_SPECIAL) {
					/* Specials are never selected, never changed. */
					assert_int_equal(tg[t], LW_IGNORE_INDEX);
					assert_int_equal(in[t], orig);
					specials++;
					continue;
				}
				regular++;
				if (tg[t] == LW_IGNORE_INDEX)
					continue;
				assert_int_equal(tg[t], orig);
				selected++;
				labelled++;
				if (in[t] == MASK_ID) {
					masked++;
				} else if (in[t] == orig) {
					kept++;
				} else {
					assert_true(in[t] >= 0 && in[t] < FIRST_SPECIAL);
					replaced++;
					replaced_sum += in[t];
				}
			}
		}
		assert_int_equal(b.n_targets, labelled);
	}
	assert_true(specials > 0);
	expect_binomial("selected", selected, regular, (double)0.15f);
	expect_binomial("[MASK]", masked, selected, 0.8);
	/* A random token equals the original with probability 1/FIRST_SPECIAL. */
	double q = 1.0 / FIRST_SPECIAL;
	expect_binomial("random", replaced, selected, 0.1 * (1 - q));
	expect_binomial("kept", kept, selected, 0.1 + 0.1 * q);
	/* Random tokens are uniform over the regular ids (other than the
	 * original): their mean is about (FIRST_SPECIAL - 1) / 2. */
	double mean = replaced_sum / (double)replaced;
	double sd = FIRST_SPECIAL / sqrt(12.0) / sqrt((double)replaced);
	assert_true(fabs(mean - (FIRST_SPECIAL - 1) / 2.0) < 5 * sd);
	lw_batch_free(&b);
}

/* lw_batch_make must fail with a message containing want. */
static void expect_make_fails(const lw_shard *s, const lw_batch_spec *sp, lw_batch *b,
			      const char *want)
{
	lw_err err = {{0}};
	assert_int_equal(lw_batch_make(s, sp, 0, b, &err), LW_ERR_ARG);
	if (!strstr(err.msg, want))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
}

static void test_errors(void **state)
{
	fixture *f = *state;
	lw_err err = {{0}};
	lw_batch b;
	assert_int_equal(lw_batch_init(&b, 0, 64, &err), LW_ERR_ARG);
	assert_null(b.inputs);
	assert_int_equal(lw_batch_init(&b, 4, -1, &err), LW_ERR_ARG);
	assert_int_equal(lw_batch_init(&b, 1 << 16, 1 << 16, &err), LW_ERR_ARG);
	assert_int_equal(lw_batch_init(&b, 4, 64, &err), LW_OK);

	/* A shard shorter than T+1 tokens. */
	lw_shard tiny;
	make_shard(f->dir, "tiny.lwtk", V, f->tokens, 10, &tiny);
	lw_batch_spec sp = spec_of(LW_OBJECTIVE_CLM, 4, 64);
	expect_make_fails(&tiny, &sp, &b, "shard has 10 tokens, a batch row needs T+1 = 65");
	sp.objective = LW_OBJECTIVE_MLM;
	expect_make_fails(&tiny, &sp, &b, "T+1 = 65");
	lw_shard_close(&tiny);

	lw_batch_spec bad = spec_of(LW_OBJECTIVE_MLM, 4, 64);
	bad.T = 32;
	expect_make_fails(&f->shard, &bad, &b, "the batch holds 4 x 64");
	bad = spec_of(LW_OBJECTIVE_MLM, 0, 64);
	expect_make_fails(&f->shard, &bad, &b, "B = 0");
	bad = spec_of(LW_OBJECTIVE_CLM, 4, 64);
	bad.vocab_size = V + 1;
	expect_make_fails(&f->shard, &bad, &b, "vocabulary of 1000");
	bad = spec_of(LW_OBJECTIVE_MLM, 4, 64);
	bad.objective = (lw_objective)7;
	expect_make_fails(&f->shard, &bad, &b, "unknown objective");

	float probs[] = {0.0f, 1.0f, -0.1f, 1.5f, NAN};
	for (size_t k = 0; k < sizeof probs / sizeof *probs; k++) {
		bad = spec_of(LW_OBJECTIVE_MLM, 4, 64);
		bad.mask_prob = probs[k];
		expect_make_fails(&f->shard, &bad, &b, "mask probability");
	}
	bad = spec_of(LW_OBJECTIVE_MLM, 4, 64);
	bad.first_special = V + 1;
	expect_make_fails(&f->shard, &bad, &b, "first special id 1001");
	bad.first_special = 0;
	expect_make_fails(&f->shard, &bad, &b, "first special id 0");
	bad = spec_of(LW_OBJECTIVE_MLM, 4, 64);
	bad.mask_id = 5;
	expect_make_fails(&f->shard, &bad, &b, "mask id 5 is not a special id");
	bad.mask_id = V;
	expect_make_fails(&f->shard, &bad, &b, "mask id 1000");

	/* CLM ignores the MLM fields; boundary values that are fine pass. */
	bad = spec_of(LW_OBJECTIVE_CLM, 4, 64);
	bad.mask_prob = 0;
	bad.mask_id = 0;
	assert_int_equal(lw_batch_make(&f->shard, &bad, 0, &b, &err), LW_OK);
	bad = spec_of(LW_OBJECTIVE_MLM, 4, 64);
	bad.first_special = V; /* no specials: no id can be [MASK] */
	bad.mask_id = V - 1;
	expect_make_fails(&f->shard, &bad, &b, "not a special id");
	lw_batch_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_determinism, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clm_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mlm_statistics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};
	return cmocka_run_group_tests_name("batch", tests, NULL, NULL);
}
