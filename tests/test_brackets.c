/*
 * test_brackets.c — the arithmetic of the multi-fidelity search: Hyperband's
 * brackets against the published table (Li et al. 2018, Table 1) and
 * hand-computed ones (eta 2, R not a power of eta, R = 1, rounding ties),
 * exact s_max, huge values without overflow and refusal where they would
 * overflow, successive halving's rungs, and the promotion rules of
 * synchronous successive halving and ASHA on hand-made cases (ties, NaN,
 * too few results, promotion as soon as a trial is in the top 1/eta, the
 * highest rung first).
 */
#include "testutil.h"

#include <math.h>

#include "lowwatt/brackets.h"
#include "util/rng.h"

/* ---------------------------------------------------------------- helpers */

/* One expected bracket: s + 1 rungs of n and steps. */
typedef struct want_bracket {
	int s;
	int64_t n[6], steps[6];
} want_bracket;

static void assert_brackets(const lw_bracket *got, int n_got, const want_bracket *want,
			    int n_want)
{
	assert_int_equal(n_got, n_want);
	for (int b = 0; b < n_want; b++) {
		assert_int_equal(got[b].s, want[b].s);
		assert_int_equal(got[b].n_rungs, want[b].s + 1);
		for (int i = 0; i <= want[b].s; i++) {
			assert_int_equal(got[b].rung[i].n, want[b].n[i]);
			assert_int_equal(got[b].rung[i].steps, want[b].steps[i]);
		}
	}
}

/* The two budgets recomputed in 128 bits from the rungs. */
static void assert_budgets_consistent(const lw_bracket *b)
{
	__int128 scratch = 0, resumed = 0;
	int64_t prev = 0;
	for (int i = 0; i < b->n_rungs; i++) {
		scratch += (__int128)b->rung[i].n * b->rung[i].steps;
		resumed += (__int128)b->rung[i].n * (b->rung[i].steps - prev);
		prev = b->rung[i].steps;
	}
	assert_true(scratch == b->steps_scratch);
	assert_true(resumed == b->steps_resumed);
}

static lw_trial_result tr(int64_t id, double loss, int promoted)
{
	return (lw_trial_result){id, loss, promoted};
}

/* ---------------------------------------------------------------- Hyperband */

/* Li et al. 2018, Table 1: R = 81, eta = 3. */
static const want_bracket TABLE1[] = {
	{4, {81, 27, 9, 3, 1}, {1, 3, 9, 27, 81}},
	{3, {34, 11, 3, 1}, {3, 9, 27, 81}},
	{2, {15, 5, 1}, {9, 27, 81}},
	{1, {8, 2}, {27, 81}},
	{0, {5}, {81}},
};

static void hyperband_matches_published_table(void **state)
{
	(void)state;
	lw_bracket b[LW_RUNGS_MAX];
	int n = 0;
	lw_err err = {0};
	assert_int_equal(lw_hyperband_make(1, 81, 3, b, LW_RUNGS_MAX, &n, &err), LW_OK);
	assert_brackets(b, n, TABLE1, 5);
	/* Every rung from scratch (the paper's count), then resumed. */
	const int64_t scratch[] = {405, 363, 351, 378, 405};
	const int64_t resumed[] = {297, 276, 279, 324, 405};
	for (int i = 0; i < 5; i++) {
		assert_int_equal(b[i].steps_scratch, scratch[i]);
		assert_int_equal(b[i].steps_resumed, resumed[i]);
		/* Each bracket spends about B = (s_max + 1) R = 405, never more. */
		assert_true(b[i].steps_scratch <= 405);
	}
	int64_t total = 0, configs = 0;
	assert_int_equal(lw_hyperband_steps(b, n, 0, &total, &err), LW_OK);
	assert_int_equal(total, 1902);
	assert_int_equal(lw_hyperband_steps(b, n, 1, &total, &err), LW_OK);
	assert_int_equal(total, 1581);
	assert_int_equal(lw_hyperband_configs(b, n, &configs, &err), LW_OK);
	assert_int_equal(configs, 81 + 34 + 15 + 8 + 5);
	/* The same table in units of min_steps = 10: steps scale, n does not. */
	lw_bracket c[LW_RUNGS_MAX];
	assert_int_equal(lw_hyperband_make(10, 810, 3, c, LW_RUNGS_MAX, &n, &err), LW_OK);
	assert_int_equal(n, 5);
	for (int i = 0; i < 5; i++) {
		for (int r = 0; r < c[i].n_rungs; r++) {
			assert_int_equal(c[i].rung[r].n, b[i].rung[r].n);
			assert_int_equal(c[i].rung[r].steps, 10 * b[i].rung[r].steps);
		}
		assert_int_equal(c[i].steps_scratch, 10 * scratch[i]);
	}
}

static void hyperband_eta_2(void **state)
{
	(void)state;
	/* R = 16: s_max = 4, B = 80; n = ceil(5 2^s / (s + 1)). */
	static const want_bracket want[] = {
		{4, {16, 8, 4, 2, 1}, {1, 2, 4, 8, 16}},
		{3, {10, 5, 2, 1}, {2, 4, 8, 16}},
		{2, {7, 3, 1}, {4, 8, 16}},
		{1, {5, 2}, {8, 16}},
		{0, {5}, {16}},
	};
	lw_bracket b[8];
	int n = 0;
	lw_err err = {0};
	assert_int_equal(lw_hyperband_make(1, 16, 2, b, 8, &n, &err), LW_OK);
	assert_brackets(b, n, want, 5);
	for (int i = 0; i < n; i++)
		assert_budgets_consistent(&b[i]);
	assert_int_equal(b[0].steps_scratch, 80);   /* 16 + 16 + 16 + 16 + 16 */
	assert_int_equal(b[4].steps_resumed, 80);
}

static void hyperband_r_not_a_power_of_eta(void **state)
{
	(void)state;
	/* R = 100, eta 3: s_max = 4 (81 <= 100 < 243); steps 100 / 3^k rounded:
	 * 1.23 -> 1, 3.70 -> 4, 11.1 -> 11, 33.3 -> 33. */
	static const want_bracket want[] = {
		{4, {81, 27, 9, 3, 1}, {1, 4, 11, 33, 100}},
		{3, {34, 11, 3, 1}, {4, 11, 33, 100}},
		{2, {15, 5, 1}, {11, 33, 100}},
		{1, {8, 2}, {33, 100}},
		{0, {5}, {100}},
	};
	lw_bracket b[8];
	int n = 0;
	lw_err err = {0};
	assert_int_equal(lw_hyperband_make(1, 100, 3, b, 8, &n, &err), LW_OK);
	assert_brackets(b, n, want, 5);
	/* min 2, max 200 (R = 100 again): 2.47 -> 2, 7.41 -> 7, 22.2 -> 22,
	 * 66.7 -> 67; the bottom rung stays >= min_steps. */
	static const want_bracket want2[] = {
		{4, {81, 27, 9, 3, 1}, {2, 7, 22, 67, 200}},
		{3, {34, 11, 3, 1}, {7, 22, 67, 200}},
		{2, {15, 5, 1}, {22, 67, 200}},
		{1, {8, 2}, {67, 200}},
		{0, {5}, {200}},
	};
	assert_int_equal(lw_hyperband_make(2, 200, 3, b, 8, &n, &err), LW_OK);
	assert_brackets(b, n, want2, 5);
	/* A tie rounds up: max 3, eta 2: 3 / 2 = 1.5 -> 2. */
	static const want_bracket tie[] = {
		{1, {2, 1}, {2, 3}},
		{0, {2}, {3}},
	};
	assert_int_equal(lw_hyperband_make(1, 3, 2, b, 8, &n, &err), LW_OK);
	assert_brackets(b, n, tie, 2);
	/* R = 2.5 (not an integer): s_max = 1, 5 / 2 = 2.5 -> 3 >= min 2. */
	static const want_bracket frac[] = {
		{1, {2, 1}, {3, 5}},
		{0, {2}, {5}},
	};
	assert_int_equal(lw_hyperband_make(2, 5, 2, b, 8, &n, &err), LW_OK);
	assert_brackets(b, n, frac, 2);
}

static void hyperband_r_1_is_one_rung(void **state)
{
	(void)state;
	lw_bracket b[2];
	int n = 0;
	lw_err err = {0};
	assert_int_equal(lw_hyperband_make(50, 50, 3, b, 2, &n, &err), LW_OK);
	static const want_bracket want[] = {{0, {1}, {50}}};
	assert_brackets(b, n, want, 1);
	assert_int_equal(b[0].steps_scratch, 50);
	assert_int_equal(b[0].steps_resumed, 50);
	/* Just below eta: R = 2.99 with eta 3 is still one bracket. */
	assert_int_equal(lw_hyperband_make(100, 299, 3, b, 2, &n, &err), LW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(b[0].rung[0].steps, 299);
}

static void s_max_is_exact(void **state)
{
	(void)state;
	lw_err err = {0};
	int s = -1;
	/* Where a floating log rounds down: log(1000) / log(10) < 3. */
	assert_int_equal(lw_hyperband_s_max(1, 1000, 10, &s, &err), LW_OK);
	assert_int_equal(s, 3);
	assert_int_equal(lw_hyperband_s_max(1, 81, 3, &s, &err), LW_OK);
	assert_int_equal(s, 4);
	assert_int_equal(lw_hyperband_s_max(1, 243, 3, &s, &err), LW_OK);
	assert_int_equal(s, 5);
	/* Every power that fits, just below it and just above, two bases. */
	for (int64_t eta = 2; eta <= 10; eta++) {
		int64_t p = eta;
		for (int e = 1; p <= INT64_MAX / 7; e++, p *= eta) {
			const int64_t base[] = {1, 7};
			for (int j = 0; j < 2; j++) {
				int64_t m = base[j], max = m * p;
				assert_int_equal(lw_hyperband_s_max(m, max, eta, &s, &err), LW_OK);
				assert_int_equal(s, e);
				assert_int_equal(lw_hyperband_s_max(m, max - 1, eta, &s, &err), LW_OK);
				assert_int_equal(s, e - 1);
				assert_int_equal(lw_hyperband_s_max(m, max + 1, eta, &s, &err), LW_OK);
				assert_int_equal(s, e);
			}
			if (p > INT64_MAX / eta)
				break;
		}
	}
	/* The largest R of all. */
	assert_int_equal(lw_hyperband_s_max(1, INT64_MAX, 2, &s, &err), LW_OK);
	assert_int_equal(s, 62);
}

static void hyperband_refuses_bad_arguments(void **state)
{
	(void)state;
	lw_bracket b[8];
	int n = -1, s = -1;
	lw_err err = {0};
	assert_int_equal(lw_hyperband_make(0, 81, 3, b, 8, &n, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "min_steps 0"));
	assert_int_equal(lw_hyperband_make(100, 99, 3, b, 8, &n, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "min_steps 100, max_steps 99"));
	assert_int_equal(lw_hyperband_make(1, 81, 1, b, 8, &n, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "eta 1"));
	assert_int_equal(lw_hyperband_s_max(-5, 81, 3, &s, &err), LW_ERR_ARG);
	assert_int_equal(s, -1);
	assert_null(strchr(err.msg, '\n'));
	/* Five brackets do not fit in four. */
	assert_int_equal(lw_hyperband_make(1, 81, 3, b, 4, &n, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "5 brackets"));
	assert_int_equal(n, -1);
}

static void hyperband_huge_values_without_overflow(void **state)
{
	(void)state;
	lw_bracket b[LW_RUNGS_MAX];
	int n = 0;
	lw_err err = {0};
	const int64_t max = 1000000000000;   /* 1e12 steps */
	assert_int_equal(lw_hyperband_make(1, max, 2, b, LW_RUNGS_MAX, &n, &err), LW_OK);
	assert_int_equal(n, 40);             /* 2^39 <= 1e12 < 2^40 */
	assert_int_equal(b[0].rung[0].n, (int64_t)1 << 39);
	assert_int_equal(b[0].rung[0].steps, 2);   /* 1e12 / 2^39 = 1.82 */
	__int128 total = 0;
	for (int i = 0; i < n; i++) {
		const lw_bracket *k = &b[i];
		assert_int_equal(k->s, 39 - i);
		assert_int_equal(k->rung[k->s].steps, max);
		assert_true(k->rung[k->s].n >= 1);
		assert_true(k->rung[0].steps >= 1);
		for (int r = 1; r <= k->s; r++) {
			assert_true(k->rung[r].steps > k->rung[r - 1].steps);
			assert_true(k->rung[r].n <= k->rung[r - 1].n);
		}
		assert_budgets_consistent(k);
		total += k->steps_scratch;
	}
	int64_t steps = 0;
	assert_int_equal(lw_hyperband_steps(b, n, 0, &steps, &err), LW_OK);
	assert_true(total == steps);
	/* A bracket that needs 2^63 steps or more is refused, not wrapped. */
	assert_int_equal(lw_hyperband_make(1, INT64_MAX, 2, b, LW_RUNGS_MAX, &n, &err),
			 LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "2^63"));
	/* Brackets that fit one by one but not together: 2^62 + 2^62. */
	const int64_t p60 = (int64_t)1 << 60;
	assert_int_equal(lw_hyperband_make(p60, 2 * p60, 2, b, LW_RUNGS_MAX, &n, &err), LW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(b[0].steps_scratch, 4 * p60);
	assert_int_equal(b[1].steps_scratch, 4 * p60);
	assert_int_equal(lw_hyperband_steps(b, n, 0, &steps, &err), LW_ERR_ARG);
	assert_int_equal(lw_hyperband_steps(b, n, 1, &steps, &err), LW_OK);
	assert_int_equal(steps, 7 * p60);   /* 3 2^60 + 4 2^60 */
}

/* ---------------------------------------------------------------- SH */

static void sh_matches_hyperband_first_bracket(void **state)
{
	(void)state;
	const int64_t cases[][3] = {{1, 81, 3}, {1, 100, 3}, {1, 16, 2}, {3, 1000, 4}, {7, 7, 2}};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		lw_bracket hb[LW_RUNGS_MAX], sh;
		int n = 0;
		lw_err err = {0};
		const int64_t *a = cases[c];
		assert_int_equal(lw_hyperband_make(a[0], a[1], a[2], hb, LW_RUNGS_MAX, &n, &err),
				 LW_OK);
		assert_int_equal(lw_sh_make(hb[0].rung[0].n, a[0], a[1], a[2], &sh, &err), LW_OK);
		assert_memory_equal(&sh, &hb[0], sizeof sh);
	}
}

static void sh_rungs(void **state)
{
	(void)state;
	lw_bracket b;
	lw_err err = {0};
	/* 10 configurations, R = 81, eta 3: floor(log3 10) = 2, start at 9. */
	assert_int_equal(lw_sh_make(10, 1, 81, 3, &b, &err), LW_OK);
	static const want_bracket ten[] = {{2, {10, 3, 1}, {9, 27, 81}}};
	assert_brackets(&b, 1, ten, 1);
	/* More than eta^s_max: still s_max, more trials per rung. */
	assert_int_equal(lw_sh_make(1000, 1, 81, 3, &b, &err), LW_OK);
	static const want_bracket many[] = {{4, {1000, 333, 111, 37, 12}, {1, 3, 9, 27, 81}}};
	assert_brackets(&b, 1, many, 1);
	assert_int_equal(lw_sh_make(1, 1, 81, 3, &b, &err), LW_OK);
	static const want_bracket one[] = {{0, {1}, {81}}};
	assert_brackets(&b, 1, one, 1);
	/* Every n: at least one configuration reaches max_steps. */
	for (int64_t k = 1; k <= 300; k++) {
		assert_int_equal(lw_sh_make(k, 1, 81, 3, &b, &err), LW_OK);
		assert_int_equal(b.rung[0].n, k);
		assert_true(b.rung[b.s].n >= 1);
		/* Below s_max it starts as high as it can: fewer than eta finish. */
		if (b.s < 4)
			assert_true(b.rung[b.s].n < 3);
		assert_int_equal(b.rung[b.s].steps, 81);
		assert_budgets_consistent(&b);
	}
	assert_int_equal(lw_sh_make(0, 1, 81, 3, &b, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "got 0"));
	assert_int_equal(lw_sh_make(9, 1, 81, 0, &b, &err), LW_ERR_ARG);
}

static void exhaustive_cost(void **state)
{
	(void)state;
	int64_t steps = 0;
	lw_err err = {0};
	assert_int_equal(lw_exhaustive_steps(27, 81, &steps, &err), LW_OK);
	assert_int_equal(steps, 2187);
	assert_int_equal(lw_exhaustive_steps(0, 81, &steps, &err), LW_OK);
	assert_int_equal(steps, 0);
	assert_int_equal(lw_exhaustive_steps((int64_t)1 << 32, (int64_t)1 << 31, &steps, &err),
			 LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "exceeds 2^63"));
	assert_int_equal(lw_exhaustive_steps(-1, 81, &steps, &err), LW_ERR_ARG);
	/* Hyperband's 143 configurations of Table 1 to the end would cost 143 x
	 * 81 = 11583 steps against its 1581 (resumed). */
	assert_int_equal(lw_exhaustive_steps(143, 81, &steps, &err), LW_OK);
	assert_int_equal(steps, 11583);
}

/* ---------------------------------------------------------------- SH promotion */

static void sh_promotes_best_third(void **state)
{
	(void)state;
	const lw_trial_result res[] = {
		tr(10, 3.0, 0), tr(11, 1.0, 0), tr(12, 5.0, 0), tr(13, 0.5, 0), tr(14, 4.0, 0),
		tr(15, 2.0, 0), tr(16, 6.0, 0), tr(17, 7.0, 0), tr(18, 8.0, 0),
	};
	lw_trial_result ranked[9];
	size_t k = 99;
	lw_err err = {0};
	assert_int_equal(lw_sh_promote(res, 9, 3, ranked, &k, &err), LW_OK);
	assert_int_equal(k, 3);
	const int64_t order[] = {13, 11, 15, 10, 14, 12, 16, 17, 18};
	for (int i = 0; i < 9; i++)
		assert_int_equal(ranked[i].id, order[i]);
	/* eta 2: floor(9 / 2) = 4. */
	assert_int_equal(lw_sh_promote(res, 9, 2, ranked, &k, &err), LW_OK);
	assert_int_equal(k, 4);
	assert_int_equal(ranked[3].id, 10);
}

static void sh_ties_break_by_smaller_id(void **state)
{
	(void)state;
	/* The same losses in two input orders rank the same. */
	const lw_trial_result a[] = {tr(7, 1.0, 0), tr(3, 1.0, 0), tr(5, 1.0, 0), tr(9, 2.0, 0)};
	const lw_trial_result b[] = {tr(9, 2.0, 0), tr(5, 1.0, 0), tr(7, 1.0, 0), tr(3, 1.0, 0)};
	lw_trial_result ra[4], rb[4];
	size_t k = 0;
	lw_err err = {0};
	assert_int_equal(lw_sh_promote(a, 4, 2, ra, &k, &err), LW_OK);
	assert_int_equal(k, 2);
	assert_int_equal(lw_sh_promote(b, 4, 2, rb, &k, &err), LW_OK);
	const int64_t order[] = {3, 5, 7, 9};
	for (int i = 0; i < 4; i++) {
		assert_int_equal(ra[i].id, order[i]);
		assert_int_equal(rb[i].id, order[i]);
	}
	/* -0.0 and 0.0 are equal losses: the id decides. */
	const lw_trial_result z[] = {tr(2, 0.0, 0), tr(1, -0.0, 0)};
	assert_int_equal(lw_sh_promote(z, 2, 2, ra, &k, &err), LW_OK);
	assert_int_equal(ra[0].id, 1);
}

static void sh_nan_ranks_last_and_is_never_promoted(void **state)
{
	(void)state;
	const lw_trial_result res[] = {
		tr(1, NAN, 0), tr(2, 9.0, 0), tr(3, NAN, 0), tr(4, INFINITY, 0), tr(5, NAN, 0),
		tr(6, NAN, 0),
	};
	lw_trial_result ranked[6];
	size_t k = 0;
	lw_err err = {0};
	/* floor(6 / 2) = 3 would be promoted, but only two finished. */
	assert_int_equal(lw_sh_promote(res, 6, 2, ranked, &k, &err), LW_OK);
	assert_int_equal(k, 2);
	const int64_t order[] = {2, 4, 1, 3, 5, 6};
	for (int i = 0; i < 6; i++)
		assert_int_equal(ranked[i].id, order[i]);
	/* All failed: nobody goes on. */
	const lw_trial_result dead[] = {tr(1, NAN, 0), tr(2, NAN, 0), tr(3, NAN, 0)};
	assert_int_equal(lw_sh_promote(dead, 3, 3, ranked, &k, &err), LW_OK);
	assert_int_equal(k, 0);
}

static void sh_too_few_and_bad_input(void **state)
{
	(void)state;
	const lw_trial_result res[] = {tr(1, 1.0, 0), tr(2, 2.0, 0), tr(1, 3.0, 0)};
	lw_trial_result ranked[3];
	size_t k = 99;
	lw_err err = {0};
	/* Fewer than eta results: nobody. */
	assert_int_equal(lw_sh_promote(res, 2, 3, ranked, &k, &err), LW_OK);
	assert_int_equal(k, 0);
	assert_int_equal(lw_sh_promote(NULL, 0, 3, NULL, &k, &err), LW_OK);
	assert_int_equal(k, 0);
	/* Trial 1 twice, with different losses. */
	assert_int_equal(lw_sh_promote(res, 3, 2, ranked, &k, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "trial 1 appears twice"));
	assert_int_equal(lw_sh_promote(res, 2, 1, ranked, &k, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "eta 1"));
}

/* ---------------------------------------------------------------- ASHA */

static void asha_promotes_as_soon_as_in_top_third(void **state)
{
	(void)state;
	lw_trial_result r0[9];
	lw_asha_rung rungs[3] = {{r0, 0}, {NULL, 0}, {NULL, 0}};
	lw_asha_pick p;
	lw_err err = {0};
	/* Nothing yet, then two results (< eta): start new configurations. */
	assert_int_equal(lw_asha_next(rungs, 3, 3, &p, &err), LW_OK);
	assert_int_equal(p.found, 0);
	r0[0] = tr(0, 5.0, 0);
	r0[1] = tr(1, 4.0, 0);
	rungs[0].n = 2;
	assert_int_equal(lw_asha_next(rungs, 3, 3, &p, &err), LW_OK);
	assert_int_equal(p.found, 0);
	/* The third result makes the best of three promotable at once. */
	r0[2] = tr(2, 3.0, 0);
	rungs[0].n = 3;
	assert_int_equal(lw_asha_next(rungs, 3, 3, &p, &err), LW_OK);
	assert_true(p.found && p.id == 2 && p.from == 0);
	r0[2].promoted = 1;
	/* A fourth, worse result: the top third (1 of 4) is taken. */
	r0[3] = tr(3, 6.0, 0);
	rungs[0].n = 4;
	assert_int_equal(lw_asha_next(rungs, 3, 3, &p, &err), LW_OK);
	assert_int_equal(p.found, 0);
	/* Six results: the top two are 2 (promoted) and 1, which goes now. */
	r0[4] = tr(4, 7.0, 0);
	r0[5] = tr(5, 8.0, 0);
	rungs[0].n = 6;
	assert_int_equal(lw_asha_next(rungs, 3, 3, &p, &err), LW_OK);
	assert_true(p.found && p.id == 1 && p.from == 0);
	r0[1].promoted = 1;
	/* A late, very good result jumps the queue of the rung. */
	r0[6] = tr(6, 0.1, 0);
	rungs[0].n = 7;
	assert_int_equal(lw_asha_next(rungs, 3, 3, &p, &err), LW_OK);
	assert_true(p.found && p.id == 6);
}

static void asha_highest_rung_first(void **state)
{
	(void)state;
	lw_trial_result r0[] = {tr(0, 1.0, 1), tr(1, 2.0, 1), tr(2, 3.0, 0), tr(3, 4.0, 0),
				tr(4, 5.0, 0), tr(5, 6.0, 0), tr(6, 7.0, 0), tr(7, 8.0, 0),
				tr(8, 9.0, 0)};
	lw_trial_result r1[] = {tr(0, 0.9, 0), tr(1, 1.5, 0), tr(2, 2.5, 0)};
	lw_trial_result r2[] = {tr(0, 0.8, 0), tr(9, 0.7, 0), tr(10, 0.6, 0)};
	lw_asha_rung rungs[3] = {{r0, 9}, {r1, 3}, {r2, 3}};
	lw_asha_pick p;
	lw_err err = {0};
	/* Rung 0 could promote trial 2, but rung 1's trial 0 goes first; the
	 * top rung (2) promotes nobody however good its results. */
	assert_int_equal(lw_asha_next(rungs, 3, 3, &p, &err), LW_OK);
	assert_true(p.found && p.id == 0 && p.from == 1);
	r1[0].promoted = 1;
	assert_int_equal(lw_asha_next(rungs, 3, 3, &p, &err), LW_OK);
	assert_true(p.found && p.id == 2 && p.from == 0);
	r0[2].promoted = 1;
	assert_int_equal(lw_asha_next(rungs, 3, 3, &p, &err), LW_OK);
	assert_int_equal(p.found, 0);
	/* One rung alone is the top: nobody is ever promoted. */
	assert_int_equal(lw_asha_next(rungs, 1, 3, &p, &err), LW_OK);
	assert_int_equal(p.found, 0);
}

static void asha_ties_and_nan(void **state)
{
	(void)state;
	lw_trial_result r0[] = {tr(8, 2.0, 0), tr(4, 2.0, 0), tr(6, NAN, 0)};
	lw_asha_rung rungs[2] = {{r0, 3}, {NULL, 0}};
	lw_asha_pick p;
	lw_err err = {0};
	assert_int_equal(lw_asha_next(rungs, 2, 3, &p, &err), LW_OK);
	assert_true(p.found && p.id == 4);
	/* Failed trials are never promoted, even when they fill the top. */
	lw_trial_result dead[] = {tr(1, NAN, 0), tr(2, NAN, 0), tr(3, NAN, 0), tr(4, NAN, 0)};
	rungs[0] = (lw_asha_rung){dead, 4};
	assert_int_equal(lw_asha_next(rungs, 2, 2, &p, &err), LW_OK);
	assert_int_equal(p.found, 0);
	/* The best is promoted, the next unpromoted is outside the top third. */
	lw_trial_result r[] = {tr(0, 1.0, 1), tr(1, 2.0, 0), tr(2, 3.0, 0), tr(3, 4.0, 0),
			       tr(4, 5.0, 0)};
	rungs[0] = (lw_asha_rung){r, 5};
	assert_int_equal(lw_asha_next(rungs, 2, 3, &p, &err), LW_OK);
	assert_int_equal(p.found, 0);
	/* eta 2: the top two of five; 1 is in it. */
	assert_int_equal(lw_asha_next(rungs, 2, 2, &p, &err), LW_OK);
	assert_true(p.found && p.id == 1);
}

static void asha_refuses_bad_arguments(void **state)
{
	(void)state;
	lw_asha_rung rungs[2] = {{NULL, 3}, {NULL, 0}};
	lw_asha_pick p;
	lw_err err = {0};
	assert_int_equal(lw_asha_next(rungs, 2, 3, &p, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "rung 0 has 3 results"));
	rungs[0].n = 0;
	assert_int_equal(lw_asha_next(rungs, 2, 1, &p, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "eta 1"));
	assert_int_equal(lw_asha_next(rungs, 0, 3, &p, &err), LW_ERR_ARG);
	assert_int_equal(lw_asha_next(rungs, LW_RUNGS_MAX + 1, 3, &p, &err), LW_ERR_ARG);
}

/* With a whole rung known, ASHA's promotions, one at a time, are
 * synchronous successive halving's, in the same order. */
static void asha_on_a_full_rung_equals_sh(void **state)
{
	(void)state;
	lw_rng rng = lw_rng_from(7, 1, 2);
	for (int round = 0; round < 50; round++) {
		size_t n = 1 + (size_t)lw_rng_below(&rng, 40);
		int64_t eta = 2 + (int64_t)lw_rng_below(&rng, 3);
		lw_trial_result res[40], ranked[40];
		for (size_t i = 0; i < n; i++) {
			uint64_t u = lw_rng_below(&rng, 10);   /* ties are common */
			double loss = u == 9 ? NAN : (double)u;
			res[i] = tr((int64_t)lw_rng_below(&rng, 1000) * 40 + (int64_t)i, loss, 0);
		}
		size_t k = 0;
		lw_err err = {0};
		assert_int_equal(lw_sh_promote(res, n, eta, ranked, &k, &err), LW_OK);
		lw_asha_rung rungs[2] = {{res, n}, {NULL, 0}};
		for (size_t i = 0;; i++) {
			lw_asha_pick p;
			assert_int_equal(lw_asha_next(rungs, 2, eta, &p, &err), LW_OK);
			if (!p.found) {
				assert_int_equal(i, k);
				break;
			}
			assert_true(i < k);
			assert_int_equal(p.id, ranked[i].id);
			for (size_t j = 0; j < n; j++)
				res[j].promoted |= res[j].id == p.id;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hyperband_matches_published_table),
		cmocka_unit_test(hyperband_eta_2),
		cmocka_unit_test(hyperband_r_not_a_power_of_eta),
		cmocka_unit_test(hyperband_r_1_is_one_rung),
		cmocka_unit_test(s_max_is_exact),
		cmocka_unit_test(hyperband_refuses_bad_arguments),
		cmocka_unit_test(hyperband_huge_values_without_overflow),
		cmocka_unit_test(sh_matches_hyperband_first_bracket),
		cmocka_unit_test(sh_rungs),
		cmocka_unit_test(exhaustive_cost),
		cmocka_unit_test(sh_promotes_best_third),
		cmocka_unit_test(sh_ties_break_by_smaller_id),
		cmocka_unit_test(sh_nan_ranks_last_and_is_never_promoted),
		cmocka_unit_test(sh_too_few_and_bad_input),
		cmocka_unit_test(asha_promotes_as_soon_as_in_top_third),
		cmocka_unit_test(asha_highest_rung_first),
		cmocka_unit_test(asha_ties_and_nan),
		cmocka_unit_test(asha_refuses_bad_arguments),
		cmocka_unit_test(asha_on_a_full_rung_equals_sh),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
