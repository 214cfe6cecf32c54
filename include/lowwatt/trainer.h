/*
 * trainer.h — the training loop, held-out evaluation and the run directory.
 *
 * lw_train runs a whole training run: it creates (or resumes) the model,
 * steps the optimizer over batches drawn from the training shard, evaluates
 * on the validation shard, writes metrics.csv and checkpoint.lwck into the
 * run directory, and reports progress through an observer. It prints
 * nothing: the command line turns events into progress lines.
 *
 * With a meter (lw_train_options.energy), every event carries the run's
 * energy so far, the run predicts its whole energy after 5% of its planned
 * steps and after each evaluation, and a budget stops it cleanly (a final
 * checkpoint and evaluation) before the budget would be passed.
 *
 * Determinism: batches are a pure function of (seed, micro-batch index) and
 * every kernel reduces in a fixed order, so two runs with the same settings
 * and thread count produce the same losses bit for bit, and a run resumed
 * from its checkpoint continues exactly as the uninterrupted one.
 */
#ifndef LOWWATT_TRAINER_H
#define LOWWATT_TRAINER_H

#include <stdint.h>

#include "lowwatt/checkpoint.h"
#include "lowwatt/dist.h"
#include "lowwatt/meter.h"
#include "lowwatt/model.h"
#include "lowwatt/run_energy.h"
#include "lowwatt/shard.h"
#include "lowwatt/train.h"

/* The token shards a run reads, and what it must know of their tokenizer. */
typedef struct lw_train_data {
	const lw_shard *train, *val;
	uint32_t tokenizer_checksum;
	int32_t first_special;  /* ids >= this are specials */
	int32_t mask_id;        /* [MASK] */
} lw_train_data;

typedef enum lw_train_event_kind {
	LW_TRAIN_STARTED,   /* model ready; step = first step to run */
	LW_TRAIN_STEP,      /* an optimizer step finished */
	LW_TRAIN_EVAL,      /* a held-out evaluation finished */
	LW_TRAIN_SAVED,     /* a checkpoint was written */
	LW_TRAIN_PREDICTION,/* the run's energy was predicted */
	LW_TRAIN_BUDGET,    /* the budget stops the run after this step */
} lw_train_event_kind;

/* Why a run stopped. */
typedef enum lw_train_stop {
	LW_STOP_PLAN,       /* every planned step ran */
	LW_STOP_OBSERVER,   /* the observer asked (a signal, say) */
	LW_STOP_BUDGET,     /* one more step would not have fitted the budget */
} lw_train_stop;

typedef struct lw_train_event {
	lw_train_event_kind kind;
	long step;              /* steps completed */
	long steps;             /* planned */
	uint64_t tokens;        /* training tokens consumed */
	float loss;             /* STEP: mean loss of this step's micro-batches */
	float lr, grad_norm;    /* STEP */
	double tokens_per_s;    /* STEP: over the steps after the first two */
	double elapsed_s, eta_s;
	double val_loss, val_accuracy;  /* EVAL */
	size_t params;          /* STARTED: physical (trained and saved) */
	size_t logical_params;  /* STARTED: what the layers use (model.h) */
	int resumed;            /* STARTED: continued from a checkpoint */
	int ranks, rows;        /* STARTED: the ranks training (1: one
				   process) and rank 0's rows of each batch */
	lw_run_energy energy;   /* the run's so far (every kind) */
	double eval_j;          /* EVAL: this evaluation's energy */
	uint64_t eval_sequences;/* EVAL: validation rows it scored */
	lw_energy_prediction prediction;  /* PREDICTION */
	long budget_step;       /* PREDICTION, BUDGET: the step near which the
				   budget stops the run; -1: no budget, or
				   the plan fits */
} lw_train_event;

/* Called for every event; return non-zero to stop the run cleanly (a final
 * checkpoint and evaluation are still made). */
typedef int (*lw_train_observer)(const lw_train_event *ev, void *ctx);

/* Held-out figures over a fixed set of validation batches. */
typedef struct lw_eval_result {
	double loss;            /* mean cross-entropy per target (nats) */
	double accuracy;        /* argmax = target, over the same targets */
	uint64_t targets;
	double unigram_entropy; /* of the same targets under the training
				   shard's unigram distribution (nats);
				   NAN when not asked for */
} lw_eval_result;

typedef struct lw_train_result {
	long steps;             /* completed */
	uint64_t tokens;
	size_t params;          /* physical */
	size_t logical_params;
	float train_loss;       /* mean over the last logged window; NaN when
				   this invocation made no step */
	lw_eval_result val;
	double tokens_per_s;    /* over the steps after the first two */
	double seconds;         /* wall time of this invocation */
	int threads;
	int stopped_early;      /* stopped before the plan (stopped_by) */
	lw_train_stop stopped_by;
	lw_run_energy energy;   /* the run's, every invocation */
	lw_energy_prediction first_prediction;  /* step 0: none made */
	double eval_j;          /* this invocation's evaluations: energy */
	uint64_t eval_sequences;/* and validation rows scored */
	lw_profile profile;     /* with cfg->profile: where this invocation's
				   time went */
	int ranks;              /* the ranks that trained (1: one process) */
	double allreduce_s;     /* ranks > 1: gradient all-reduce time left on
				   the steps' path (not hidden by backward) */
} lw_train_result;

/* How a run is metered. */
typedef struct lw_train_energy {
	lw_meter *meter;        /* started by the caller; the run counts what
				   it reads from the start of lw_train on (so
				   one meter may serve several runs: a
				   search's trials). NULL: not metered */
	double co2e_g_per_j;    /* PUE x grid intensity: grams of CO2e per
				   joule at the meter */
	double budget_j;        /* the run's energy at the meter must stay
				   within it; 0: no budget */
	double budget_co2e_g;   /* the run's CO2e must stay within it; 0: none */
} lw_train_energy;

typedef struct lw_train_options {
	int resume;             /* continue from run_dir/checkpoint.lwck */
	lw_train_observer obs;  /* may be NULL */
	void *ctx;
	lw_train_energy energy;
	/* Data parallel: the ranks of an MPI job (NULL or one rank: one
	 * process). Every rank calls lw_train with the same settings; each
	 * trains on its slice of every batch (cfg->batch is the global batch),
	 * gradients are summed over the ranks, every rank keeps the same
	 * parameters, and rank 0 alone writes the run directory and calls the
	 * observer (the others' obs is not called). With a meter on every
	 * rank, the run's energy is the sum of the host leaders' (dist.h):
	 * each machine once. A failure on one rank alone (its data, its
	 * meter) ends the job through lw_dist_abort; a failure every rank
	 * meets (a diverged loss, a checkpoint rank 0 cannot read or write)
	 * is returned on every rank. */
	const lw_dist *dist;
	int allreduce_at_end;   /* sum the gradients after backward, not
				   overlapped with it (for measuring) */
} lw_train_options;

/* Run (or, with resume, continue) the training described by cfg in run_dir
 * (which must exist; on rank 0 only, under MPI). Checkpoints go to run_dir/checkpoint.lwck and metrics
 * to run_dir/metrics.csv. A loss that is not finite stops the run with
 * LW_ERR_STATE; the last checkpoint is left as it was. */
lw_status lw_train(const lw_train_config *cfg, const lw_train_data *data, const char *run_dir,
		   const lw_train_options *opt, lw_train_result *res, lw_err *err);

/* Check that the shards can feed the run: each holds at least seq + 1
 * tokens. lw_train checks this too; callers use it before creating files. */
lw_status lw_train_check_data(const lw_train_config *cfg, const lw_train_data *data,
			      lw_err *err);

/* Evaluate m on n_batches validation batches (drawn with a fixed seed
 * derived from cfg->seed, the same at every call). With unigram (from
 * lw_unigram_logprobs) not NULL, also the unigram entropy of the same
 * targets. */
lw_status lw_evaluate(lw_model *m, const lw_train_config *cfg, const lw_train_data *data,
		      int n_batches, const double *unigram, lw_eval_result *out, lw_err *err);

/* The add-one-smoothed unigram log-probabilities of the vocab ids of a
 * (training) shard: the yardstick's model (caller frees). */
double *lw_unigram_logprobs(const lw_shard *s, int vocab);

/* Load a model (for inference, max_B rows; 0: the checkpoint's batch) from
 * a checkpoint file; ck receives the checkpoint's settings and positions
 * (not its arrays: they are freed). */
lw_status lw_model_load(const char *path, int max_B, lw_model **out, lw_checkpoint *ck,
			lw_err *err);

/* Use n threads for OpenMP kernels and OpenBLAS (0: every core). Returns
 * the number in use. */
int lw_set_threads(int n);

#endif
