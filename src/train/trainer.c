/*
 * trainer.c — the training loop: batches -> forward -> backward ->
 * clipping -> AdamW, with evaluation, metrics and checkpoints on schedule.
 *
 * A run's state is the model's parameters, the AdamW moments, the step and
 * the data position (the index of the next micro-batch); batches are a
 * pure function of (seed, index), so a checkpoint of that state is all a
 * resumed run needs to continue bit for bit.
 *
 * Under MPI (lw_train_options.dist) each rank trains on its rows of every
 * batch and the gradients are summed in buckets while backward runs
 * (grad_sync.h); what the ranks must agree on is in dp.h.
 */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "lowwatt/trainer.h"
#include "train/dp.h"
#include "train/eval.h"
#include "train/run.h"
#include "train/spec.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/file.h"


int lw_set_threads(int n)
{
	if (n <= 0)
		n = lw_dist_threads(1);  /* this process's cores */
	omp_set_num_threads(n);
	openblas_set_num_threads(n);
	return n;
}

/* ------------------------------------------------------------ checkpoints */

/* Rank 0 writes the checkpoint (every rank learns whether it could); then
 * every rank counts its cost. */
static lw_status save(run *r, lw_err *err)
{
	lw_status st = dp_check_params(r, err);
	if (st)
		return st;
	lw_checkpoint ck = {
		.train = *r->cfg,
		.step = (uint64_t)r->step,
		.next_batch = r->next_batch,
		.tokens = r->tokens,
		.tokenizer_checksum = r->data->tokenizer_checksum,
		.n_params = lw_model_num_params(r->model),
		.params = lw_model_params(r->model),
		.m = r->m,
		.v = r->v,
		.energy = r->ledger.now,
		.first_prediction = r->ledger.first,
	};
	if (dp_root(r))
		st = lw_checkpoint_save(r->ckpt_path, &ck, err);
	if (!(st = dp_share_status(r, st, err))) {
		r->saved_step = r->step;
		st = dp_local(r, lw_ledger_save(&r->ledger, err), err);
	}
	return st;
}

static void open_ledger(run *r, const lw_run_energy *prior, const lw_energy_prediction *first)
{
	lw_ledger_open(&r->ledger, &r->opt->energy, prior, first, &r->meter_base);
	r->ledger.dist = r->dist;
}

/* Read the checkpoint and check that it is this run's. */
static lw_status read_checkpoint(run *r, lw_checkpoint *ck, lw_err *err)
{
	lw_status st = lw_checkpoint_load(r->ckpt_path, ck, err);
	if (st)
		return st;
	if ((st = lw_checkpoint_match(&ck->train, r->cfg, err))) {
		lw_err_prefix(err, r->ckpt_path);
		return st;
	}
	if (ck->tokenizer_checksum != r->data->tokenizer_checksum)
		return lw_err_set(err, LW_ERR_ARG,
				  "%s: made with tokenizer checksum 0x%08x, the data here with 0x%08x",
				  r->ckpt_path, ck->tokenizer_checksum, r->data->tokenizer_checksum);
	return LW_OK;
}

/* Rank 0 reads the checkpoint; every rank continues from it. */
static lw_status restore(run *r, lw_err *err)
{
	lw_checkpoint ck = {0};
	lw_status st = dp_root(r) ? read_checkpoint(r, &ck, err) : LW_OK;
	if ((st = dp_share_checkpoint(r, &ck, st, err)))
		goto done;
	size_t bytes = ck.n_params * sizeof(float);
	memcpy(lw_model_params(r->model), ck.params, bytes);
	memcpy(r->m, ck.m, bytes);
	memcpy(r->v, ck.v, bytes);
	r->step = (long)ck.step;
	r->next_batch = ck.next_batch;
	r->tokens = ck.tokens;
	r->saved_step = r->step;
	open_ledger(r, &ck.energy, &ck.first_prediction);
done:
	lw_checkpoint_free(&ck);
	return st;
}

/* ------------------------------------------------------------- one step */

static lw_status not_finite(const run *r, const char *what, double value, lw_err *err)
{
	char kept[64] = "no checkpoint was written";
	if (r->saved_step >= 0)
		snprintf(kept, sizeof kept, "the checkpoint of step %ld is kept", r->saved_step);
	return lw_err_set(err, LW_ERR_STATE,
			  "step %ld: the %s is %g (diverged; try a lower --lr or a --clip); %s",
			  r->step + 1, what, value, kept);
}

/* AdamW over every tensor (with its decay), on the gradients times
 * grad_scale; leaves the gradients zero for the next step. */
static void adamw_all(run *r, float lr, float grad_scale)
{
	const lw_train_config *cfg = r->cfg;
	float *p = lw_model_params(r->model), *g = lw_model_grads(r->model);
	int n;
	const lw_tensor *t = lw_model_tensors(r->model, &n);
	for (int i = 0; i < n; i++) {
		int embedding = strcmp(t[i].name, "wte") == 0 || strcmp(t[i].name, "wpe") == 0;
		int decay = t[i].decay || (embedding && cfg->decay_embeddings);
		size_t o = t[i].offset;
		lw_adamw_update_clear(&cfg->adamw, p + o, g + o, r->m + o, r->v + o, t[i].size, lr,
				      decay ? cfg->weight_decay : 0.0f, r->step + 1, grad_scale);
	}
}

/* Forward and backward over this rank's rows of the next micro-batch;
 * *loss receives the whole micro-batch's. The last of a step sums the
 * gradients over the ranks. */
static lw_status micro_batch(run *r, int last, double *loss, lw_err *err)
{
	double t0 = lw_now_s();
	lw_status st = lw_batch_make_rows(r->data->train, &r->spec, r->next_batch, r->row0,
					  r->rows, &r->batch, err);
	r->prof.batches += lw_now_s() - t0;
	if ((st = dp_local(r, st, err)))
		return st;
	float scale, l = lw_model_forward(r->model, &r->batch);
	if ((st = dp_batch_loss(r, l, r->batch.n_targets, loss, &scale, err)))
		return st;
	if (!isfinite(*loss))
		return not_finite(r, "loss", *loss, err);
	if (last && r->dist)
		lw_grad_sync_arm(&r->sync);
	lw_model_backward(r->model, scale);
	if (last && r->dist) {
		double exposed = r->sync.exposed_s;
		st = dp_local(r, lw_grad_sync_finish(&r->sync, err), err);
		r->prof.allreduce += r->sync.exposed_s - exposed;
	}
	r->next_batch++;
	r->tokens += (uint64_t)r->cfg->batch * (uint64_t)r->batch.T;
	return st;
}

/* One optimizer step over cfg->accum micro-batches; fills ev. */
static lw_status train_step(run *r, lw_train_event *ev, lw_err *err)
{
	const lw_train_config *cfg = r->cfg;
	float lr = lw_lr_at(r->step, cfg->steps, cfg->warmup, cfg->lr, cfg->min_lr_ratio);
	double loss = 0;
	/* The gradients are zero here: from creation, or cleared by the last
	 * update (lw_adamw_update_clear). */
	for (int a = 0; a < cfg->accum; a++) {
		double l;
		lw_status st = micro_batch(r, a == cfg->accum - 1, &l, err);
		if (st)
			return st;
		loss += l;
	}
	size_t n = lw_model_num_params(r->model);
	double t0 = lw_now_s();
	double norm = lw_grad_norm(lw_model_grads(r->model), n);
	if (!isfinite(norm))
		return not_finite(r, "gradient norm", norm, err);
	adamw_all(r, lr, lw_clip_scale(norm, cfg->clip));
	r->prof.optimizer += lw_now_s() - t0;
	r->step++;
	ev->loss = (float)(loss / cfg->accum);
	ev->lr = lr;
	ev->grad_norm = (float)norm;
	return LW_OK;
}

/* ------------------------------------------------------------------ timing */

static void time_step(run *r, lw_train_event *ev)
{
	double t = lw_now_s();
	r->t_last = t;
	r->steps_here++;
	if (r->steps_here == 2) {
		r->t_warm = t;
		r->tokens_warm = r->tokens;
	}
	ev->tokens_per_s = 0;
	if (r->steps_here > 2 && t > r->t_warm)
		ev->tokens_per_s = (double)(r->tokens - r->tokens_warm) / (t - r->t_warm);
	double per_step = (t - r->t_start) / (double)r->steps_here;
	if (r->steps_here > 2)
		per_step = (t - r->t_warm) / (double)(r->steps_here - 2);
	ev->eta_s = per_step * (double)(r->cfg->steps - r->step);
}

/* -------------------------------------------------------------- the loop */

/* Evaluate on the validation batches, counting what it cost in the
 * ledger: *eval_j receives its energy, *rows the sequences it scored. */
static lw_status evaluate(run *r, lw_eval_result *val, const double *unigram, double *eval_j,
			  uint64_t *rows, lw_err *err)
{
	/* Evaluation is not training: kept out of the profile. */
	lw_model_profile(r->model, NULL);
	lw_status st = lw_evaluate_rows(r->model, r->cfg, r->data, r->cfg->eval_batches, unigram,
					r->row0, r->rows, r->dist, val, err);
	st = dp_local(r, st, err);
	if (r->cfg->profile)
		lw_model_profile(r->model, &r->prof);
	*rows = (uint64_t)r->cfg->eval_batches * (uint64_t)r->cfg->batch;
	return st ? st : dp_local(r, lw_ledger_eval(&r->ledger, *rows, eval_j, err), err);
}

static int due(long step, long every)
{
	return every > 0 && step % every == 0;
}

lw_status lw_train_check_data(const lw_train_config *cfg, const lw_train_data *data,
			      lw_err *err)
{
	uint64_t need = (uint64_t)cfg->model.seq + 1;
	const lw_shard *s[2] = { data->train, data->val };
	static const char *const what[2] = { "training", "validation" };
	for (int i = 0; i < 2; i++)
		if (s[i] && s[i]->count < need)
			return lw_err_set(err, LW_ERR_ARG,
					  "the %s shard holds %llu tokens; a row of seq %d needs %llu",
					  what[i], (unsigned long long)s[i]->count, cfg->model.seq,
					  (unsigned long long)need);
	return LW_OK;
}

static lw_status run_open(run *r, const char *dir, int resume, lw_err *err)
{
	const lw_train_config *cfg = r->cfg;
	lw_status st = dp_open(r, err);
	if (st || (st = dp_local(r, lw_train_check_data(cfg, r->data, err), err)))
		return st;
	if ((st = lw_model_create(&cfg->model, r->rows, &r->model, err)))
		return st;
	size_t n = lw_model_num_params(r->model);
	r->m = calloc(n, sizeof(float));
	r->v = calloc(n, sizeof(float));
	if (!r->m || !r->v)
		return lw_err_set(err, LW_ERR_NOMEM, "out of memory for AdamW's moments");
	if ((st = lw_batch_init(&r->batch, r->rows, cfg->model.seq, err)))
		return st;
	if (r->dist)
		lw_grad_sync_init(&r->sync, r->dist, r->model, r->opt->allreduce_at_end);
	r->spec = lw_run_batch_spec(cfg, r->data, cfg->seed);
	r->unigram = lw_unigram_logprobs(r->data->train, cfg->model.vocab);
	r->ckpt_path = lw_path_join(dir, "checkpoint.lwck");
	r->saved_step = -1;
	lw_model_init(r->model, cfg->seed);
	if (cfg->profile)
		lw_model_profile(r->model, &r->prof);
	open_ledger(r, NULL, NULL);
	if (resume && (st = restore(r, err)))
		return st;
	r->ledger.checkpoint_bytes = 12.0 * (double)n + 228.0;
	if (dp_root(r))
		st = lw_metrics_open(&r->metrics, dir, resume ? r->step : -1, &r->ledger.now, err);
	return dp_share_status(r, st, err);
}

static void run_close(run *r)
{
	dp_close(r);
	lw_metrics_close(&r->metrics);
	lw_model_free(r->model);
	free(r->m);
	free(r->v);
	lw_batch_free(&r->batch);
	free(r->ckpt_path);
	free(r->unigram);
}

/* The observer (rank 0's alone). */
static int notify(const run *r, const lw_train_event *ev)
{
	return r->opt->obs && dp_root(r) ? r->opt->obs(ev, r->opt->ctx) : 0;
}

/* Evaluate after a step (the last one with the unigram yardstick, kept in
 * r->final), telling the observer what it found and what it cost. */
static lw_status evaluate_step(run *r, const lw_train_event *ev, int last, lw_eval_result *val,
			       int *stopped, lw_err *err)
{
	lw_train_event e = *ev;
	lw_status st = evaluate(r, val, last ? r->unigram : NULL, &e.eval_j, &e.eval_sequences,
				err);
	if (st)
		return st;
	if (last) {
		r->final = *val;
		r->have_final = 1;
	}
	e.kind = LW_TRAIN_EVAL;
	e.val_loss = val->loss;
	e.val_accuracy = val->accuracy;
	e.energy = r->ledger.now;
	*stopped |= notify(r, &e);
	return LW_OK;
}

/* The first 5% of the planned steps (at least one) come before the first
 * prediction. */
static long first_prediction_step(const lw_train_config *cfg)
{
	long mark = (long)ceil(0.05 * (double)cfg->steps);
	return mark < 1 ? 1 : mark;
}

/* Predict the run's energy after the first 5% of its steps and after each
 * evaluation but the last. */
static void predict(run *r, const lw_train_event *ev, int evaluated, int last, int *stopped)
{
	lw_ledger *l = &r->ledger;
	int first = l->first.step == 0 && r->step >= first_prediction_step(r->cfg);
	if (last || !l->opt.meter || !(first || evaluated))
		return;
	lw_train_event e = *ev;
	e.kind = LW_TRAIN_PREDICTION;
	e.prediction = lw_ledger_predict(l, r->cfg, r->step);
	e.budget_step = lw_ledger_budget_step(l, r->cfg, r->step);
	e.energy = l->now;
	if (first)
		l->first = e.prediction;
	*stopped |= notify(r, &e);
}

/* With a budget: stop after this step unless the evaluation due now, one
 * more step and the final evaluation still fit. */
static void keep_budget(run *r, const lw_train_event *ev, int *stopped)
{
	if (*stopped || r->step >= r->cfg->steps || !r->opt->energy.meter ||
	    lw_ledger_next_step_fits(&r->ledger, r->cfg, r->step))
		return;
	r->stop = LW_STOP_BUDGET;
	*stopped = 1;
	lw_train_event e = *ev;
	e.kind = LW_TRAIN_BUDGET;
	e.budget_step = r->step;
	notify(r, &e);
}

/* One step and what follows it: the ledger, the observer, the budget, an
 * evaluation, a prediction, a metrics row, a checkpoint. */
static lw_status step_and_after(run *r, int *stopped, lw_err *err)
{
	const lw_train_config *cfg = r->cfg;
	lw_train_event ev = { .kind = LW_TRAIN_STEP, .steps = cfg->steps, .budget_step = -1 };
	lw_status st = train_step(r, &ev, err);
	if (st || (st = dp_local(r, lw_ledger_step(&r->ledger, err), err)))
		return st;
	time_step(r, &ev);
	ev.step = r->step;
	ev.tokens = r->tokens;
	ev.energy = r->ledger.now;
	ev.elapsed_s = ev.energy.seconds;
	r->loss_window += ev.loss;
	r->window_steps++;
	if (notify(r, &ev)) {
		*stopped = 1;
		r->stop = LW_STOP_OBSERVER;
	}
	keep_budget(r, &ev, stopped);
	if ((st = dp_agree_stop(r, stopped, err)))
		return st;
	int last = r->step == cfg->steps || *stopped;
	lw_eval_result val = { .loss = NAN, .accuracy = NAN };
	int evaluate_now = due(r->step, cfg->eval_every) || last;
	if (evaluate_now && (st = evaluate_step(r, &ev, last, &val, stopped, err)))
		return st;
	predict(r, &ev, evaluate_now, last, stopped);
	if (due(r->step, cfg->log_every) || !isnan(val.loss) || last || *stopped) {
		r->last_window_loss = (float)(r->loss_window / (double)r->window_steps);
		r->loss_window = 0;
		r->window_steps = 0;
		/* The row's energy and time include an evaluation just made. */
		ev.energy = r->ledger.now;
		ev.elapsed_s = ev.energy.seconds;
		if (dp_root(r))
			st = lw_metrics_row(&r->metrics, &ev, r->last_window_loss, &val, err);
		if ((st = dp_share_status(r, st, err)))
			return st;
	}
	if (due(r->step, cfg->save_every) && !last) {
		if ((st = save(r, err)))
			return st;
		lw_train_event e = ev;
		e.kind = LW_TRAIN_SAVED;
		*stopped |= notify(r, &e);
	}
	return dp_agree_stop(r, stopped, err);
}

/* Steps until the plan is done, the observer asks to stop or the budget
 * runs out (a resumed run may find it spent before its first step). */
static lw_status loop(run *r, int *stopped, lw_err *err)
{
	lw_train_event ev = { .step = r->step, .steps = r->cfg->steps, .tokens = r->tokens,
			      .energy = r->ledger.now, .budget_step = -1 };
	keep_budget(r, &ev, stopped);
	lw_status st = dp_agree_stop(r, stopped, err);
	if (st)
		return st;
	while (r->step < r->cfg->steps && !*stopped) {
		st = step_and_after(r, stopped, err);
		if (st)
			return st;
	}
	if (*stopped && r->stop == LW_STOP_PLAN)
		r->stop = LW_STOP_OBSERVER;
	return LW_OK;
}

/* The end of an invocation: the final evaluation, with its yardstick (it
 * ran after the last step, or runs now if this invocation made none), and
 * a checkpoint. */
static lw_status finish(run *r, lw_train_result *res, lw_err *err)
{
	lw_status st;
	if (!r->have_final) {
		double eval_j;
		uint64_t rows;
		if ((st = evaluate(r, &r->final, r->unigram, &eval_j, &rows, err)))
			return st;
	}
	if ((st = save(r, err)))
		return st;
	lw_train_event saved = { .kind = LW_TRAIN_SAVED, .step = r->step,
				 .steps = r->cfg->steps, .tokens = r->tokens,
				 .energy = r->ledger.now, .budget_step = -1 };
	notify(r, &saved);
	if ((st = dp_local(r, lw_ledger_sample(&r->ledger, err), err)))
		return st;
	res->val = r->final;
	res->energy = r->ledger.now;
	res->first_prediction = r->ledger.first;
	res->eval_j = r->ledger.evals_j;
	res->eval_sequences = r->ledger.eval_sequences;
	return LW_OK;
}

/* cfg->threads, or for "every core" this process's share of the machine
 * (with ranks beside it, dist.h). */
static int run_threads(const lw_train_config *cfg, const lw_train_options *opt)
{
	if (cfg->threads)
		return cfg->threads;
	return lw_dist_threads(opt->dist ? opt->dist->host_size : 1);
}

lw_status lw_train(const lw_train_config *cfg, const lw_train_data *data, const char *run_dir,
		   const lw_train_options *opt, lw_train_result *res, lw_err *err)
{
	static const lw_train_options none = {0};
	run r = { .cfg = cfg, .data = data, .opt = opt ? opt : &none, .t_start = lw_now_s(),
		  .last_window_loss = NAN };
	int threads = lw_set_threads(run_threads(cfg, r.opt)), stopped = 0;
	*res = (lw_train_result){0};
	lw_status st = LW_OK;
	if (r.opt->energy.meter)
		st = lw_meter_read(r.opt->energy.meter, &r.meter_base, err);
	if (st || (st = run_open(&r, run_dir, r.opt->resume, err)))
		goto done;
	lw_train_event start = {
		.kind = LW_TRAIN_STARTED, .step = r.step, .steps = cfg->steps, .tokens = r.tokens,
		.params = lw_model_num_params(r.model),
		.logical_params = lw_model_logical_params(r.model), .resumed = r.opt->resume,
		.ranks = r.ranks, .rows = r.rows,
		.energy = r.ledger.now, .budget_step = -1,
	};
	stopped = notify(&r, &start);
	if ((st = loop(&r, &stopped, err)) || (st = finish(&r, res, err)))
		goto done;
	res->steps = r.step;
	res->tokens = r.tokens;
	res->params = lw_model_num_params(r.model);
	res->logical_params = lw_model_logical_params(r.model);
	res->train_loss = r.last_window_loss;
	res->threads = threads;
	res->stopped_by = r.stop;
	res->stopped_early = r.stop != LW_STOP_PLAN;
	res->profile = r.prof;
	res->ranks = r.ranks;
	res->allreduce_s = r.prof.allreduce;
	res->seconds = lw_now_s() - r.t_start;
	if (r.steps_here > 2 && r.t_last > r.t_warm)
		res->tokens_per_s = (double)(r.tokens - r.tokens_warm) / (r.t_last - r.t_warm);
done:
	run_close(&r);
	return st;
}
