/*
 * run.h — the state of a training run inside lw_train (internal to
 * src/train): shared by the loop (trainer.c) and its data-parallel side
 * (dp.c).
 */
#ifndef LW_TRAIN_RUN_H
#define LW_TRAIN_RUN_H

#include "lowwatt/trainer.h"
#include "train/grad_sync.h"
#include "train/ledger.h"
#include "train/metrics.h"

typedef struct run {
	const lw_train_config *cfg;
	const lw_train_data *data;
	const lw_train_options *opt;
	lw_ledger ledger;          /* the run's energy */
	lw_meter_reading meter_base;  /* the meter when lw_train was called */
	lw_train_stop stop;
	lw_model *model;
	float *m, *v;              /* AdamW moments, laid out as the parameters */
	lw_batch batch;            /* this rank's rows of a micro-batch */
	lw_batch_spec spec;
	/* Data parallel (dp.h): this rank's rows [row0, row0 + rows) of every
	 * global batch of cfg->batch rows; with one process, all of them. */
	const lw_dist *dist;       /* NULL: one process */
	int ranks;                 /* 1: one process */
	int row0, rows;
	lw_grad_sync sync;         /* ranks > 1 */
	long step;                 /* optimizer steps completed */
	uint64_t next_batch;       /* data position */
	uint64_t tokens;
	char *ckpt_path;
	lw_metrics metrics;
	long saved_step;           /* step of the checkpoint on disk, -1: none */
	/* Timing of this invocation. */
	double t_start, t_warm;    /* t_warm: after the first two steps */
	double t_last;             /* after the last step */
	long steps_here;
	uint64_t tokens_warm;
	double loss_window;        /* sum of step losses since the last row */
	long window_steps;
	float last_window_loss;    /* NaN until a row is written */
	lw_eval_result final;      /* the evaluation after the last step */
	int have_final;
	lw_profile prof;           /* with cfg->profile */
	double *unigram;           /* the training shard's, for the final
				      evaluation (made up front, so that the
				      end of a run costs what an evaluation
				      does) */
} run;

#endif
