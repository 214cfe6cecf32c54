/*
 * summary.c — summary.json of a run (also what `lowwatt train --json`
 * prints): the settings that define the model, what the run did, how well
 * the model ends up doing against the unigram yardstick, and how fast.
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
	json_object_set_new(o, "params", json_integer((json_int_t)r->params));
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
