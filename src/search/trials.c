/*
 * trials.c — the trial ledger in memory (see lowwatt/trials.h): rows sorted
 * by (trial, rung), ids given in order of creation, updates checked against
 * the ranges of the file format so that what is written always reads back.
 */
#include "search/trials_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/alloc.h"

/* ---------------------------------------------------------------- names */

static const char *const STATUS_NAMES[] = {
	[LW_TRIAL_PENDING] = "pending", [LW_TRIAL_RUNNING] = "running",
	[LW_TRIAL_DONE] = "done",       [LW_TRIAL_PROMOTED] = "promoted",
	[LW_TRIAL_STOPPED] = "stopped", [LW_TRIAL_FAILED] = "failed",
};
#define N_STATUS ((int)(sizeof STATUS_NAMES / sizeof STATUS_NAMES[0]))

static const char *const METHOD_NAMES[] = {"none", "measured", "estimated", "mixed"};

const char *lw_trial_status_name(lw_trial_status s)
{
	return (int)s >= 0 && (int)s < N_STATUS ? STATUS_NAMES[s] : "?";
}

int lw_trial_status_parse(const char *name)
{
	for (int i = 0; i < N_STATUS; i++)
		if (strcmp(name, STATUS_NAMES[i]) == 0)
			return i;
	return -1;
}

int lw_trials_method_known(const char *method)
{
	for (size_t i = 0; i < sizeof METHOD_NAMES / sizeof METHOD_NAMES[0]; i++)
		if (strcmp(method, METHOD_NAMES[i]) == 0)
			return 1;
	return 0;
}

/* ---------------------------------------------------------------- checks */

lw_status lw_trials_check_config(const char *config, lw_err *err)
{
	if (!config)
		return lw_err_set(err, LW_ERR_ARG, "config is missing");
	json_error_t jerr;
	json_t *j = json_loads(config, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return lw_err_set(err, LW_ERR_ARG, "config is not JSON: %s", jerr.text);
	int object = json_is_object(j);
	json_decref(j);
	if (!object)
		return lw_err_set(err, LW_ERR_ARG, "config is not a JSON object");
	return LW_OK;
}

static int nonneg_finite(double x)
{
	return isfinite(x) && x >= 0;
}

lw_status lw_trials_check_values(const lw_trial *r, lw_err *err)
{
	if (r->id < 0)
		return lw_err_set(err, LW_ERR_ARG, "trial id %lld is negative", (long long)r->id);
	if (r->rung < 0 || r->steps < 0 || r->bracket < 0 || r->worker < 0)
		return lw_err_set(err, LW_ERR_ARG, "trial %lld: rung, steps, bracket and worker "
				  "must be >= 0", (long long)r->id);
	if (!nonneg_finite(r->energy_j))
		return lw_err_set(err, LW_ERR_ARG, "trial %lld: energy_j must be finite and >= 0, "
				  "got %g", (long long)r->id, r->energy_j);
	if (!nonneg_finite(r->seconds))
		return lw_err_set(err, LW_ERR_ARG, "trial %lld: seconds must be finite and >= 0, "
				  "got %g", (long long)r->id, r->seconds);
	if (!memchr(r->method, 0, sizeof r->method) || !lw_trials_method_known(r->method))
		return lw_err_set(err, LW_ERR_ARG, "trial %lld: unknown method (expected none, "
				  "measured, estimated or mixed)", (long long)r->id);
	if ((int)r->status < 0 || (int)r->status >= N_STATUS)
		return lw_err_set(err, LW_ERR_ARG, "trial %lld: unknown status %d",
				  (long long)r->id, (int)r->status);
	return LW_OK;
}

/* ---------------------------------------------------------------- rows */

void lw_trials_row_free(lw_trial *r)
{
	free(r->config);
	free(r->label);
	free(r->run_dir);
	r->config = r->label = r->run_dir = NULL;
}

void lw_trials_free(lw_trials *l)
{
	for (size_t i = 0; i < l->n; i++)
		lw_trials_row_free(&l->rows[i]);
	free(l->rows);
	*l = (lw_trials){0};
}

/* A copy of s, NULL for NULL or "" (an empty optional field is none). */
static char *opt_dup(const char *s)
{
	return s && *s ? lw_xstrdup(s, "trial ledger text") : NULL;
}

/* Index of the first row not before (id, rung). */
static size_t lower_bound(const lw_trials *l, int64_t id, int rung)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const lw_trial *r = &l->rows[mid];
		if (r->id < id || (r->id == id && r->rung < rung))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Open a zeroed row at index pos, shifting the later rows. */
static lw_trial *insert_row(lw_trials *l, size_t pos)
{
	l->rows = lw_xgrow(l->rows, &l->cap, l->n + 1, sizeof *l->rows, "trial ledger");
	memmove(&l->rows[pos + 1], &l->rows[pos], (l->n - pos) * sizeof *l->rows);
	l->n++;
	l->rows[pos] = (lw_trial){0};
	return &l->rows[pos];
}

lw_trial *lw_trials_find(const lw_trials *l, int64_t id, int rung)
{
	size_t i = lower_bound(l, id, rung);
	return i < l->n && l->rows[i].id == id && l->rows[i].rung == rung ? &l->rows[i] : NULL;
}

lw_trial *lw_trials_latest(const lw_trials *l, int64_t id)
{
	size_t i = lower_bound(l, id + 1, 0);   /* the first row of a later trial */
	return i > 0 && l->rows[i - 1].id == id ? &l->rows[i - 1] : NULL;
}

/* ---------------------------------------------------------------- API */

lw_status lw_trials_add(lw_trials *l, const char *config, const char *label, int bracket,
			const char *run_dir, lw_trial **row, lw_err *err)
{
	lw_status st = lw_trials_check_config(config, err);
	if (st)
		return st;
	if (bracket < 0)
		return lw_err_set(err, LW_ERR_ARG, "bracket %d is negative", bracket);
	if (l->next_id < 0 || l->next_id == INT64_MAX)
		return lw_err_set(err, LW_ERR_STATE, "trial ids are exhausted");
	lw_trial *r = insert_row(l, l->n);   /* the largest id: the end */
	r->id = l->next_id++;
	r->config = lw_xstrdup(config, "trial configuration");
	r->label = opt_dup(label);
	r->run_dir = opt_dup(run_dir);
	r->val_loss = NAN;
	r->bracket = bracket;
	strcpy(r->method, "none");
	r->status = LW_TRIAL_PENDING;
	if (row)
		*row = r;
	return LW_OK;
}

lw_status lw_trials_update(lw_trials *l, const lw_trial *src, lw_err *err)
{
	lw_trial *r = lw_trials_find(l, src->id, src->rung);
	if (!r)
		return lw_err_set(err, LW_ERR_ARG, "trial %lld has no rung %d",
				  (long long)src->id, src->rung);
	lw_status st = lw_trials_check_values(src, err);
	if (st)
		return st;
	r->steps = src->steps;
	r->val_loss = src->val_loss;
	r->energy_j = src->energy_j;
	memcpy(r->method, src->method, sizeof r->method);
	r->seconds = src->seconds;
	r->status = src->status;
	r->worker = src->worker;
	if (src->run_dir && src->run_dir != r->run_dir) {
		free(r->run_dir);
		r->run_dir = opt_dup(src->run_dir);
	}
	return LW_OK;
}

lw_status lw_trials_promote(lw_trials *l, int64_t id, lw_trial **row, lw_err *err)
{
	lw_trial *r = lw_trials_latest(l, id);
	if (!r)
		return lw_err_set(err, LW_ERR_ARG, "no trial %lld", (long long)id);
	if (r->status != LW_TRIAL_DONE)
		return lw_err_set(err, LW_ERR_STATE, "trial %lld rung %d is %s, not done: "
				  "cannot promote it", (long long)id, r->rung,
				  lw_trial_status_name(r->status));
	if (r->rung == INT32_MAX)
		return lw_err_set(err, LW_ERR_STATE, "trial %lld: too many rungs", (long long)id);
	size_t pos = (size_t)(r - l->rows) + 1;
	lw_trial *next = insert_row(l, pos);
	r = &l->rows[pos - 1];                  /* the array may have moved */
	r->status = LW_TRIAL_PROMOTED;
	*next = *r;
	next->rung = r->rung + 1;
	next->config = lw_xstrdup(r->config, "trial configuration");
	next->label = opt_dup(r->label);
	next->run_dir = opt_dup(r->run_dir);
	next->val_loss = NAN;
	next->status = LW_TRIAL_PENDING;
	if (row)
		*row = next;
	return LW_OK;
}

size_t lw_trials_count(const lw_trials *l, lw_trial_status status)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += l->rows[i].status == status;
	return n;
}

double lw_trials_energy_j(const lw_trials *l)
{
	double sum = 0;
	for (size_t i = 0; i < l->n; i++)
		if (i + 1 == l->n || l->rows[i + 1].id != l->rows[i].id)
			sum += l->rows[i].energy_j;
	return sum;
}
