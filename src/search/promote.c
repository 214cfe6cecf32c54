/*
 * promote.c — who goes on to the next rung: synchronous successive halving
 * (the best floor(n / eta) of a finished rung) and ASHA's get_job (the
 * best not-yet-promoted trial in the top 1/eta of the highest rung that has
 * one). brackets.h gives the ranking (loss, NaN last, then trial id) and
 * cites the papers. Pure functions: the caller owns every array.
 */
#include "lowwatt/brackets.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- helpers */

static int id_cmp(const void *pa, const void *pb)
{
	const lw_trial_result *a = pa, *b = pb;
	return (a->id > b->id) - (a->id < b->id);
}

/* Index of the best trial of done[0 .. n) that is neither promoted nor
 * failed; -1 when there is none. */
static long best_unpromoted(const lw_trial_result *done, size_t n)
{
	long best = -1;
	for (size_t j = 0; j < n; j++) {
		if (done[j].promoted || isnan(done[j].loss))
			continue;
		if (best < 0 || lw_trial_rank_cmp(&done[j], &done[best]) < 0)
			best = (long)j;
	}
	return best;
}

/* How many of done[0 .. n) rank before done[t]: its place, from 0. */
static size_t rank_of(const lw_trial_result *done, size_t n, size_t t)
{
	size_t better = 0;
	for (size_t j = 0; j < n; j++)
		better += lw_trial_rank_cmp(&done[j], &done[t]) < 0;
	return better;
}

/* ---------------------------------------------------------------- API */

int lw_trial_rank_cmp(const void *pa, const void *pb)
{
	const lw_trial_result *a = pa, *b = pb;
	int a_nan = isnan(a->loss) != 0, b_nan = isnan(b->loss) != 0;
	if (a_nan != b_nan)
		return a_nan - b_nan;
	if (!a_nan && a->loss != b->loss)
		return a->loss < b->loss ? -1 : 1;
	return id_cmp(a, b);
}

lw_status lw_sh_promote(const lw_trial_result *res, size_t n, int64_t eta,
			lw_trial_result *ranked, size_t *k, lw_err *err)
{
	if (eta < 2)
		return lw_err_set(err, LW_ERR_ARG, "successive halving: eta %lld < 2",
				  (long long)eta);
	*k = 0;
	if (n == 0)
		return LW_OK;
	if (!res || !ranked)
		return lw_err_set(err, LW_ERR_ARG, "successive halving: %zu results but no array", n);
	memcpy(ranked, res, n * sizeof *ranked);
	/* Sorted by id first, a repeated id sits next to itself. */
	qsort(ranked, n, sizeof *ranked, id_cmp);
	for (size_t i = 1; i < n; i++)
		if (ranked[i].id == ranked[i - 1].id)
			return lw_err_set(err, LW_ERR_ARG,
					  "successive halving: trial %lld appears twice in one rung",
					  (long long)ranked[i].id);
	qsort(ranked, n, sizeof *ranked, lw_trial_rank_cmp);
	size_t quota = n / (uint64_t)eta, i = 0;
	while (i < quota && !isnan(ranked[i].loss))
		i++;
	*k = i;
	return LW_OK;
}

lw_status lw_asha_next(const lw_asha_rung *rungs, int n_rungs, int64_t eta,
		       lw_asha_pick *pick, lw_err *err)
{
	if (eta < 2 || n_rungs < 1 || n_rungs > LW_RUNGS_MAX)
		return lw_err_set(err, LW_ERR_ARG,
				  "asha: need eta >= 2 and 1 to %d rungs; got eta %lld, %d rungs",
				  LW_RUNGS_MAX, (long long)eta, n_rungs);
	for (int k = 0; k < n_rungs; k++)
		if (rungs[k].n > 0 && !rungs[k].done)
			return lw_err_set(err, LW_ERR_ARG, "asha: rung %d has %zu results but no array",
					  k, rungs[k].n);
	*pick = (lw_asha_pick){0, 0, 0};
	/* The top rung promotes nobody; search down from the one below it. */
	for (int k = n_rungs - 2; k >= 0; k--) {
		const lw_asha_rung *r = &rungs[k];
		size_t quota = r->n / (uint64_t)eta;
		long best = quota ? best_unpromoted(r->done, r->n) : -1;
		/* The best unpromoted trial is in the top quota iff any is. */
		if (best >= 0 && rank_of(r->done, r->n, (size_t)best) < quota) {
			*pick = (lw_asha_pick){1, r->done[best].id, k};
			return LW_OK;
		}
	}
	return LW_OK;
}
