/*
 * summary.c — summary.json of a run (also what `lowwatt train --json`
 * prints): the settings that define the model, what the run did, how well
 * the model ends up doing against the unigram yardstick, how fast, and
 * what it cost.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/blas_core.h"
#include "cli/summary.h"
#include "util/file.h"

json_t *summary_number(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

void summary_add_intensity(json_t *o, const lw_intensity *it)
{
	json_object_set_new(o, "region", it->region[0] ? json_string(it->region) : json_null());
	json_object_set_new(o, "intensity_g_per_kwh", summary_number(it->g_per_kwh));
	json_object_set_new(o, "intensity_source", json_string(it->source));
}

json_t *summary_equivalents(double co2e_lbs)
{
	json_t *o = json_object();
	for (int k = 0; k < LW_EQ_COUNT; k++) {
		const lw_equivalence *eq = lw_equivalence_get((lw_equivalence_kind)k);
		json_object_set_new(o, eq->key, summary_number(co2e_lbs / eq->lbs));
	}
	return o;
}

json_t *summary_build(const lw_train_config *cfg, const lw_train_result *r,
		      const char *run_dir)
{
	const lw_model_config *m = &cfg->model;
	json_t *o = json_object();
	json_object_set_new(o, "arch", json_string(lw_arch_name(m->arch)));
	json_object_set_new(o, "vocab", json_integer(m->vocab));
	json_object_set_new(o, "layers", json_integer(m->layers));
	json_object_set_new(o, "d_model", json_integer(m->d_model));
	json_object_set_new(o, "heads", json_integer(m->heads));
	json_object_set_new(o, "d_ff", json_integer(m->d_ff));
	json_object_set_new(o, "seq", json_integer(m->seq));
	json_object_set_new(o, "batch", json_integer(cfg->batch));
	json_object_set_new(o, "accum", json_integer(cfg->accum));
	json_object_set_new(o, "share", json_string(lw_share_name(m->share)));
	json_object_set_new(o, "share_groups", json_integer(m->share_groups));
	json_object_set_new(o, "share_vectors", json_boolean(m->share_vectors));
	json_object_set_new(o, "bank", json_integer(m->bank));
	json_object_set_new(o, "templates", json_integer(m->templates));
	json_object_set_new(o, "params", json_integer((json_int_t)r->params));
	json_object_set_new(o, "logical_params", json_integer((json_int_t)r->logical_params));
	json_object_set_new(o, "checkpoint_bytes",
			    json_integer((json_int_t)lw_checkpoint_bytes(r->params)));
	json_object_set_new(o, "steps", json_integer(r->steps));
	json_object_set_new(o, "planned_steps", json_integer(cfg->steps));
	json_object_set_new(o, "tokens", json_integer((json_int_t)r->tokens));
	json_object_set_new(o, "train_loss", summary_number(r->train_loss));
	json_object_set_new(o, "val_loss", summary_number(r->val.loss));
	json_object_set_new(o, "val_perplexity", summary_number(exp(r->val.loss)));
	json_object_set_new(o, "val_accuracy", summary_number(r->val.accuracy));
	json_object_set_new(o, "val_targets", json_integer((json_int_t)r->val.targets));
	json_object_set_new(o, "unigram_entropy", summary_number(r->val.unigram_entropy));
	json_object_set_new(o, "tokens_per_s", summary_number(r->tokens_per_s));
	json_object_set_new(o, "seconds", summary_number(r->seconds));
	json_object_set_new(o, "threads", json_integer(r->threads));
	json_object_set_new(o, "blas_core", json_string(blas_core_name()));
	json_object_set_new(o, "stopped_early", json_boolean(r->stopped_early));
	json_object_set_new(o, "run_dir", json_string(run_dir));
	return o;
}

static const char *stop_name(lw_train_stop s)
{
	return s == LW_STOP_BUDGET ? "budget" : s == LW_STOP_OBSERVER ? "signal" : "plan";
}

static json_t *predictions_json(const summary_energy *se)
{
	json_t *a = json_array();
	for (int i = 0; i < se->n_predictions; i++) {
		const lw_energy_prediction *p = &se->predictions[i];
		json_t *o = json_object();
		json_object_set_new(o, "step", json_integer(p->step));
		json_object_set_new(o, "energy_j", summary_number(p->energy_j));
		json_object_set_new(o, "co2e_g", summary_number(p->co2e_g));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *budget_json(const summary_energy *se)
{
	if (!(se->budget_kwh > 0) && !(se->budget_co2e_g > 0))
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "kwh", se->budget_kwh > 0 ? json_real(se->budget_kwh) : json_null());
	json_object_set_new(o, "co2e_g", se->budget_co2e_g > 0 ? json_real(se->budget_co2e_g)
			    : json_null());
	return o;
}

void summary_add_energy(json_t *o, const summary_energy *se, const lw_train_result *r)
{
	const lw_run_energy *e = &r->energy;
	const lw_energy_prediction *first = &r->first_prediction;
	json_object_set_new(o, "stopped_by", json_string(stop_name(r->stopped_by)));
	json_object_set_new(o, "run_seconds", summary_number(e->seconds));
	train_energy_json(o, se->te, e, r->tokens);
	int made = first->step > 0;
	json_object_set_new(o, "predicted_energy_j", made ? summary_number(first->energy_j)
			    : json_null());
	json_object_set_new(o, "predicted_at_step", made ? json_integer(first->step) : json_null());
	json_object_set_new(o, "predicted_co2e_g", made ? summary_number(first->co2e_g)
			    : json_null());
	json_object_set_new(o, "predictions", predictions_json(se));
	/* Only a run that did all it planned can check its prediction. */
	int checkable = made && r->stopped_by == LW_STOP_PLAN && e->total_j > 0;
	json_object_set_new(o, "prediction_error", checkable
			    ? summary_number((first->energy_j - e->total_j) / e->total_j)
			    : json_null());
	json_object_set_new(o, "budget", budget_json(se));
	double per_1000 = r->eval_sequences ? 1000.0 * r->eval_j / (double)r->eval_sequences : NAN;
	json_object_set_new(o, "infer_j_per_1000_seq", summary_number(per_1000));
	lw_run_energy here = train_energy_invocation(se->te);  /* the evaluations' */
	json_object_set_new(o, "infer_method", json_string(lw_run_energy_method(&here)));
}

lw_status summary_write(const char *path, const json_t *summary, lw_err *err)
{
	char *text = json_dumps(summary, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
	if (!text)
		return lw_err_set(err, LW_ERR_NOMEM, "%s: cannot format the summary", path);
	lw_atomic_file f;
	lw_status st = lw_atomic_open(&f, path, err);
	if (!st) {
		if ((st = lw_atomic_write(&f, text, strlen(text), err)) ||
		    (st = lw_atomic_write(&f, "\n", 1, err)))
			lw_atomic_abort(&f);
		else
			st = lw_atomic_commit(&f, err);
	}
	free(text);
	return st;
}
