/*
 * brackets.c — Hyperband's brackets and successive halving's rungs
 * (brackets.h documents every formula and cites the papers). Integer
 * arithmetic only, every product and sum checked, so that s_max is exact
 * (81 with eta 3 gives 4, not 3.9999) and a huge max_steps is refused
 * rather than wrapped.
 */
#include "lowwatt/brackets.h"

/* ---------------------------------------------------------------- helpers */

/* *out = a * b; 0 when it would overflow. */
static int mul_ok(int64_t a, int64_t b, int64_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

/* *out = a + b; 0 when it would overflow. */
static int add_ok(int64_t a, int64_t b, int64_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}

/* The largest s with base * eta^s <= limit (base >= 1, limit >= base,
 * eta >= 2), and *power = eta^s. Stops before any product overflows. */
static int floor_log(int64_t base, int64_t limit, int64_t eta, int64_t *power)
{
	int s = 0;
	int64_t p = 1, scaled = base, next;
	while (mul_ok(scaled, eta, &next) && next <= limit) {
		scaled = next;
		p *= eta;     /* p <= scaled: cannot overflow */
		s++;
	}
	*power = p;
	return s;
}

/* eta^e where it is known to fit (eta^e <= R). */
static int64_t ipow(int64_t eta, int e)
{
	int64_t p = 1;
	for (int i = 0; i < e; i++)
		p *= eta;
	return p;
}

/* max_steps / d rounded to the nearest integer, halves up, without
 * forming 2 max_steps (which could overflow). */
static int64_t div_round(int64_t max_steps, int64_t d)
{
	int64_t q = max_steps / d, r = max_steps % d;
	return q + (r >= d - r);
}

static lw_status check_args(int64_t min_steps, int64_t max_steps, int64_t eta, lw_err *err)
{
	if (min_steps >= 1 && max_steps >= min_steps && eta >= 2)
		return LW_OK;
	return lw_err_set(err, LW_ERR_ARG,
			  "brackets: need min_steps >= 1, max_steps >= min_steps (R >= 1) and "
			  "eta >= 2; got min_steps %lld, max_steps %lld, eta %lld",
			  (long long)min_steps, (long long)max_steps, (long long)eta);
}

static lw_status too_big(int s, int64_t n, int64_t max_steps, int64_t eta, lw_err *err)
{
	return lw_err_set(err, LW_ERR_ARG,
			  "brackets: bracket s=%d with %lld configurations needs more than "
			  "2^63 steps (max_steps %lld, eta %lld)",
			  s, (long long)n, (long long)max_steps, (long long)eta);
}

/* The two budgets of a filled bracket; LW_ERR_ARG on overflow. */
static lw_status bracket_budget(lw_bracket *b, int64_t max_steps, int64_t eta, lw_err *err)
{
	int64_t scratch = 0, resumed = 0, prev = 0, x;
	for (int i = 0; i < b->n_rungs; i++) {
		const lw_rung *r = &b->rung[i];
		if (!mul_ok(r->n, r->steps, &x) || !add_ok(scratch, x, &scratch))
			return too_big(b->s, b->rung[0].n, max_steps, eta, err);
		if (!mul_ok(r->n, r->steps - prev, &x) || !add_ok(resumed, x, &resumed))
			return too_big(b->s, b->rung[0].n, max_steps, eta, err);
		prev = r->steps;
	}
	b->steps_scratch = scratch;
	b->steps_resumed = resumed;
	return LW_OK;
}

/* Bracket s for n configurations: n_i = floor(n / eta^i) and steps_i =
 * max_steps / eta^(s - i) rounded (eta^s <= R, so every power fits). */
static lw_status bracket_fill(lw_bracket *b, int s, int64_t n, int64_t max_steps, int64_t eta,
			      lw_err *err)
{
	b->s = s;
	b->n_rungs = s + 1;
	for (int i = 0; i <= s; i++) {
		b->rung[i].n = n / ipow(eta, i);
		b->rung[i].steps = div_round(max_steps, ipow(eta, s - i));
	}
	for (int i = s + 1; i < LW_RUNGS_MAX; i++)
		b->rung[i] = (lw_rung){0, 0};
	return bracket_budget(b, max_steps, eta, err);
}

/* Hyperband's n for bracket s: ceil((s_max + 1) eta^s / (s + 1)), split
 * as q (s + 1) + rem so that only the quotient's product can overflow. */
static int hyperband_n(int s_max, int s, int64_t eta, int64_t *n)
{
	int64_t p = ipow(eta, s), q = p / (s + 1), rem = p % (s + 1), whole;
	if (!mul_ok(q, s_max + 1, &whole))
		return 0;
	int64_t part = (rem * (s_max + 1) + s) / (s + 1);   /* ceil; < 64 * 64 */
	return add_ok(whole, part, n);
}

/* ---------------------------------------------------------------- API */

lw_status lw_hyperband_s_max(int64_t min_steps, int64_t max_steps, int64_t eta, int *s_max,
			     lw_err *err)
{
	lw_status st = check_args(min_steps, max_steps, eta, err);
	if (st != LW_OK)
		return st;
	int64_t power;
	*s_max = floor_log(min_steps, max_steps, eta, &power);
	return LW_OK;
}

lw_status lw_hyperband_make(int64_t min_steps, int64_t max_steps, int64_t eta,
			    lw_bracket *out, int cap, int *n_out, lw_err *err)
{
	int s_max;
	lw_status st = lw_hyperband_s_max(min_steps, max_steps, eta, &s_max, err);
	if (st != LW_OK)
		return st;
	if (cap < s_max + 1)
		return lw_err_set(err, LW_ERR_ARG,
				  "hyperband: %d brackets (min_steps %lld, max_steps %lld, eta %lld) "
				  "but room for %d",
				  s_max + 1, (long long)min_steps, (long long)max_steps,
				  (long long)eta, cap);
	for (int s = s_max; s >= 0; s--) {
		int64_t n;
		if (!hyperband_n(s_max, s, eta, &n))
			return lw_err_set(err, LW_ERR_ARG,
					  "hyperband: bracket s=%d needs more than 2^63 "
					  "configurations (eta %lld)", s, (long long)eta);
		st = bracket_fill(&out[s_max - s], s, n, max_steps, eta, err);
		if (st != LW_OK)
			return st;
	}
	*n_out = s_max + 1;
	return LW_OK;
}

lw_status lw_sh_make(int64_t n_configs, int64_t min_steps, int64_t max_steps, int64_t eta,
		     lw_bracket *out, lw_err *err)
{
	int s_max;
	lw_status st = lw_hyperband_s_max(min_steps, max_steps, eta, &s_max, err);
	if (st != LW_OK)
		return st;
	if (n_configs < 1)
		return lw_err_set(err, LW_ERR_ARG,
				  "successive halving: need at least 1 configuration, got %lld",
				  (long long)n_configs);
	int64_t power;
	int s = floor_log(1, n_configs, eta, &power);
	return bracket_fill(out, s < s_max ? s : s_max, n_configs, max_steps, eta, err);
}

lw_status lw_hyperband_steps(const lw_bracket *b, int n, int resumed, int64_t *steps,
			     lw_err *err)
{
	int64_t sum = 0;
	for (int i = 0; i < n; i++)
		if (!add_ok(sum, resumed ? b[i].steps_resumed : b[i].steps_scratch, &sum))
			return lw_err_set(err, LW_ERR_ARG,
					  "hyperband: %d brackets need more than 2^63 steps", n);
	*steps = sum;
	return LW_OK;
}

lw_status lw_hyperband_configs(const lw_bracket *b, int n, int64_t *configs, lw_err *err)
{
	int64_t sum = 0;
	for (int i = 0; i < n; i++)
		if (!add_ok(sum, b[i].rung[0].n, &sum))
			return lw_err_set(err, LW_ERR_ARG,
					  "hyperband: %d brackets try more than 2^63 configurations",
					  n);
	*configs = sum;
	return LW_OK;
}

lw_status lw_exhaustive_steps(int64_t n_configs, int64_t max_steps, int64_t *steps, lw_err *err)
{
	if (n_configs < 0 || max_steps < 0)
		return lw_err_set(err, LW_ERR_ARG,
				  "exhaustive search: negative count (%lld configurations, "
				  "max_steps %lld)",
				  (long long)n_configs, (long long)max_steps);
	if (!mul_ok(n_configs, max_steps, steps))
		return lw_err_set(err, LW_ERR_ARG,
				  "exhaustive search: %lld configurations x %lld steps exceeds 2^63",
				  (long long)n_configs, (long long)max_steps);
	return LW_OK;
}
