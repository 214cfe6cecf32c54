/*
 * brackets.h — the arithmetic of the multi-fidelity search strategies:
 * Hyperband's brackets, successive halving's rungs, and who gets promoted,
 * synchronously (successive halving) or as soon as possible (ASHA). Pure
 * functions over integers and known losses: nothing here trains, reads a
 * file or keeps state, so the tests check it against the published tables
 * and `lowwatt search` drives it.
 *
 * The resource is training steps. Every quantity is an int64_t and every
 * product and sum is checked: a value that would overflow is refused with
 * an error, never wrapped.
 *
 * ---------------------------------------------------------------- Hyperband
 *
 * Li, Jamieson, DeSalvo, Rostamizadeh, Talwalkar, "Hyperband: A Novel
 * Bandit-Based Approach to Hyperparameter Optimization", JMLR 18(185), 2018,
 * Algorithm 1. With the resource counted in units of min_steps:
 *
 *   R     = max_steps / min_steps      the maximum resource (R >= 1; it
 *                                      need not be an integer)
 *   s_max = floor(log_eta(R))          the largest s with eta^s <= R, found
 *                                      by multiplying integers:
 *                                      eta^s * min_steps <= max_steps
 *   B     = (s_max + 1) R              the budget of one bracket
 *
 *   for s = s_max, ..., 0 (one bracket each):
 *     n   = ceil((B / R) eta^s / (s + 1))
 *         = ceil((s_max + 1) eta^s / (s + 1))   configurations (exact)
 *     r   = R eta^-s                            units each, to start
 *     rung i = 0, ..., s:  n_i = floor(n eta^-i)  configurations
 *                          r_i = r eta^i          units each
 *
 * In steps, r_i units are r_i * min_steps = max_steps / eta^(s - i) steps,
 * rounded to the nearest integer, halves up: (2 max_steps + d) / (2 d) with
 * d = eta^(s - i). The top rung is therefore exactly max_steps; every rung
 * has at least min_steps (eta^s <= R), and the steps grow strictly from rung
 * to rung (the exact values grow by a factor eta >= 2 and are >= 1). When R
 * is a power of eta and divides evenly, r_i * min_steps is exact.
 *
 * With R = 81, eta = 3 (the paper's Table 1): s_max = 4, and
 *   s = 4: n_i 81 27 9 3 1   r_i 1 3 9 27 81
 *   s = 3: n_i 34 11 3 1     r_i 3 9 27 81
 *   s = 2: n_i 15 5 1        r_i 9 27 81
 *   s = 1: n_i 8 2           r_i 27 81
 *   s = 0: n_i 5             r_i 81
 *
 * n_s >= 1 always (n >= eta^s), so every bracket ends with at least one
 * configuration trained for max_steps.
 *
 * What a bracket spends, two ways:
 *   steps_scratch = sum_i n_i steps_i        the paper's count: each rung
 *                                            trains its configurations
 *                                            from the start
 *   steps_resumed = sum_i n_i (steps_i - steps_{i-1}), steps_{-1} = 0
 *                                            what lowwatt spends: promoted
 *                                            trials continue from their
 *                                            checkpoint
 * For Table 1, steps_scratch is 405 363 351 378 405 (1902 in all) and
 * steps_resumed 297 276 279 324 405 (1581 in all).
 *
 * ------------------------------------------------------ successive halving
 *
 * One bracket (Jamieson and Talwalkar 2016; Hyperband's inner loop) for n
 * given configurations: the rungs of Hyperband's bracket s, with
 *   s = min(s_max, floor(log_eta(n)))
 * so that at least one configuration reaches max_steps: n_i = floor(n
 * eta^-i), steps_i as above. When n >= eta^s_max this starts at the bottom
 * rung (about min_steps); fewer configurations start higher up. With n equal
 * to Hyperband's n for s = s_max (which is eta^s_max), the rungs are exactly
 * those of Hyperband's first bracket.
 *
 * ----------------------------------------------------------------- ranking
 *
 * Lower loss is better. A NaN loss (the trial failed or diverged) ranks
 * after every number, +inf included. Equal losses rank by trial id, the
 * smaller first, so every ranking is deterministic. A trial with a NaN loss
 * is never promoted: it would spend energy on a run that has already
 * failed.
 *
 * -------------------------------------------------------------- promotion
 *
 * Synchronous successive halving: when all n_i trials of rung i are known,
 * the best floor(n_i / eta) go on to rung i + 1 (fewer if fewer than that
 * have a finite loss). floor(floor(n / eta^i) / eta) = floor(n / eta^(i+1)),
 * so this matches the bracket's n_{i+1}.
 *
 * ASHA: Li, Jamieson, Rostamizadeh, Gonina, Ben-Tzur, Hardt, Recht,
 * Talwalkar, "A System for Massively Parallel Hyperparameter Tuning", MLSys
 * 2020, Algorithm 2 (get_job). Each time a worker is free:
 *   for k = top - 1, ..., 1, 0:
 *     candidates = the best floor(|rung k| / eta) trials that completed rung k
 *     promotable = those candidates not yet promoted
 *     if promotable is not empty: promote its best to rung k + 1
 *   otherwise: start a new configuration at rung 0
 * where |rung k| counts the trials that completed rung k so far, and the top
 * rung (max_steps) promotes nobody. A trial is promoted as soon as it is in
 * the top 1/eta of what its rung has seen, so a rung with fewer than eta
 * results promotes nobody. ASHA's rungs are successive halving's for s =
 * s_max: lw_sh_make with n = eta^s_max (any n >= eta^s_max) gives their
 * steps.
 */
#ifndef LOWWATT_BRACKETS_H
#define LOWWATT_BRACKETS_H

#include <stddef.h>
#include <stdint.h>

#include "lowwatt/status.h"

/* eta >= 2 and R < 2^63, so a bracket has at most 63 rungs (s <= 62). */
#define LW_RUNGS_MAX 64

/* One rung: n configurations, each trained to `steps` steps in total. */
typedef struct lw_rung {
	int64_t n;
	int64_t steps;
} lw_rung;

/* One bracket (one run of successive halving). */
typedef struct lw_bracket {
	int s;                  /* Hyperband's s: the bracket has s + 1 rungs */
	int n_rungs;            /* s + 1 */
	lw_rung rung[LW_RUNGS_MAX];
	int64_t steps_scratch;  /* sum n_i steps_i (every rung from scratch) */
	int64_t steps_resumed;  /* sum n_i (steps_i - steps_{i-1}) (resumed) */
} lw_bracket;

/* s_max = floor(log_eta(max_steps / min_steps)), exactly. Refuses
 * min_steps < 1, max_steps < min_steps (R < 1) and eta < 2. */
lw_status lw_hyperband_s_max(int64_t min_steps, int64_t max_steps, int64_t eta, int *s_max,
			     lw_err *err);

/* Hyperband's brackets, s = s_max first, into out[0 .. s_max]; *n_out =
 * s_max + 1. cap is out's capacity (LW_RUNGS_MAX always suffices); a
 * smaller cap than needed is refused. */
lw_status lw_hyperband_make(int64_t min_steps, int64_t max_steps, int64_t eta,
			    lw_bracket *out, int cap, int *n_out, lw_err *err);

/* Successive halving for n_configs >= 1 configurations (see above). */
lw_status lw_sh_make(int64_t n_configs, int64_t min_steps, int64_t max_steps, int64_t eta,
		     lw_bracket *out, lw_err *err);

/* The steps of n brackets together (resumed: steps_resumed, else
 * steps_scratch): what a whole Hyperband run spends. */
lw_status lw_hyperband_steps(const lw_bracket *b, int n, int resumed, int64_t *steps,
			     lw_err *err);

/* How many configurations Hyperband tries: sum of each bracket's n_0. */
lw_status lw_hyperband_configs(const lw_bracket *b, int n, int64_t *configs, lw_err *err);

/* What an exhaustive search costs: n_configs x max_steps steps. */
lw_status lw_exhaustive_steps(int64_t n_configs, int64_t max_steps, int64_t *steps, lw_err *err);

/* ---------------------------------------------------------------- promotion */

/* A trial's result at one rung. */
typedef struct lw_trial_result {
	int64_t id;        /* the trial's id: unique within a rung */
	double loss;       /* validation loss; NaN: failed or diverged */
	int promoted;      /* ASHA: already promoted from this rung */
} lw_trial_result;

/* The order of the ranking above as a qsort comparator over
 * lw_trial_result: < 0 when a ranks before b. */
int lw_trial_rank_cmp(const void *a, const void *b);

/* Synchronous successive halving: res[0 .. n) are the results of every
 * trial of a rung. ranked (room for n, not overlapping res) receives them
 * best first; its first *k are promoted: floor(n / eta), or fewer when
 * fewer have a finite loss. Refuses eta < 2 and a trial id that appears
 * twice. */
lw_status lw_sh_promote(const lw_trial_result *res, size_t n, int64_t eta,
			lw_trial_result *ranked, size_t *k, lw_err *err);

/* The trials that completed one rung so far (ASHA). */
typedef struct lw_asha_rung {
	const lw_trial_result *done;
	size_t n;
} lw_asha_rung;

/* ASHA's decision: promote trial id from rung `from` to from + 1, or
 * nobody (found 0: start a new configuration at rung 0). */
typedef struct lw_asha_pick {
	int found;
	int64_t id;
	int from;
} lw_asha_pick;

/* ASHA's get_job over rungs[0 .. n_rungs) (rung n_rungs - 1 is the top,
 * max_steps, and promotes nobody): the best not-yet-promoted trial among
 * the top floor(|rung k| / eta) of the highest rung k that has one. O(total
 * trials), no allocation. Refuses eta < 2, n_rungs < 1 or > LW_RUNGS_MAX,
 * and a rung with n > 0 but no results. */
lw_status lw_asha_next(const lw_asha_rung *rungs, int n_rungs, int64_t eta,
		       lw_asha_pick *pick, lw_err *err);

#endif
