/*
 * progress.c — the progress line of `lowwatt train`:
 *
 *   step 120/1000  loss 6.2143  lr 1.00e-03  13912 tok/s  31.2 W  0.52 Wh
 *     0.25 gCO2e  1.30 J/1k tok (estimated)  elapsed 0:35  eta 4:16
 *   eval step 200: val loss 5.8811 (perplexity 358.0), accuracy 17.21%;
 *     12.1 J per 1,000 sequences (estimated)
 *   prediction after step 50: the run will use 64.1 Wh and 30.8 gCO2e
 *     (estimated)
 *
 * (each printed on one line).
 */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/train_energy.h"

void progress_init(progress *p, FILE *out, long log_every, volatile int *stop,
		   const char *budget)
{
	snprintf(p->budget, sizeof p->budget, "%s", budget ? budget : "");
	p->out = out;
	p->live = isatty(fileno(out));
	p->log_every = log_every > 0 ? log_every : 1;
	p->line_open = 0;
	p->stop = stop;
}

/* "m:ss" or "h:mm:ss". */
static const char *clock_text(char *buf, size_t n, double seconds)
{
	long s = seconds > 0 ? (long)(seconds + 0.5) : 0;
	if (s >= 3600)
		snprintf(buf, n, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, n, "%ld:%02ld", s / 60, s % 60);
	return buf;
}

/* "  31.2 W  0.52 Wh  0.251 gCO2e  1.30 J/1k tok (estimated)", or "" when
 * the run is not metered. */
static const char *energy_text(char *buf, size_t n, const lw_train_event *ev)
{
	const lw_run_energy *e = &ev->energy;
	char label[64];
	buf[0] = 0;
	if (e->metered)
		snprintf(buf, n, "  %.1f W  %.3g Wh  %.3g gCO2e  %.3g J/1k tok%s",
			 e->seconds > 0 ? e->total_j / e->seconds : 0.0, e->total_j / 3600.0,
			 e->co2e_g, ev->tokens ? 1000.0 * e->total_j / (double)ev->tokens : 0.0,
			 train_energy_label(e, label, sizeof label));
	return buf;
}

static void step_line(progress *p, const lw_train_event *ev)
{
	char el[32], eta[32], energy[160];
	if (!p->live && ev->step % p->log_every != 0 && ev->step != ev->steps)
		return;
	fprintf(p->out, "%sstep %ld/%ld  loss %.4f  lr %.2e  %.0f tok/s%s  elapsed %s  eta %s%s",
		p->live ? "\r\033[K" : "", ev->step, ev->steps, ev->loss, ev->lr, ev->tokens_per_s,
		energy_text(energy, sizeof energy, ev), clock_text(el, sizeof el, ev->elapsed_s),
		clock_text(eta, sizeof eta, ev->eta_s), p->live ? "" : "\n");
	p->line_open = p->live;
	fflush(p->out);
}

/* "training at step 0 of 1800 (3,358,848 parameters; checkpoint 40.3 MB)",
 * with sharing "(1,150,656 parameters for 3,358,848 logical; ...)", under
 * MPI " on 4 ranks, 16 rows of each batch on rank 0". */
static void started_line(progress *p, const lw_train_event *ev)
{
	char phys[32], logical[32];
	fprintf(p->out, "%s at step %ld of %ld (%s parameters", ev->resumed ? "resuming" : "training",
		ev->step, ev->steps, cli_count(phys, sizeof phys, ev->params));
	if (ev->logical_params != ev->params)
		fprintf(p->out, " for %s logical", cli_count(logical, sizeof logical,
							    ev->logical_params));
	fprintf(p->out, "; checkpoint %.1f MB)", (double)lw_checkpoint_bytes(ev->params) / 1e6);
	if (ev->ranks > 1)
		fprintf(p->out, " on %d ranks, %d rows of each batch on rank 0", ev->ranks,
			ev->rows);
	fputc('\n', p->out);
}

static void eval_line(progress *p, const lw_train_event *ev)
{
	char label[64];
	fprintf(p->out, "eval step %ld: val loss %.4f (perplexity %.1f), accuracy %.2f%%",
		ev->step, ev->val_loss, exp(ev->val_loss), 100.0 * ev->val_accuracy);
	if (ev->energy.metered && ev->eval_sequences)
		fprintf(p->out, "; %.3g J per 1,000 sequences%s",
			1000.0 * ev->eval_j / (double)ev->eval_sequences,
			train_energy_label(&ev->energy, label, sizeof label));
	fputc('\n', p->out);
}

static void prediction_line(progress *p, const lw_train_event *ev)
{
	char label[64];
	const lw_energy_prediction *pr = &ev->prediction;
	fprintf(p->out, "prediction after step %ld: the run will use %.3g Wh and %.3g gCO2e%s",
		pr->step, pr->energy_j / 3600.0, pr->co2e_g,
		train_energy_label(&ev->energy, label, sizeof label));
	if (ev->budget_step >= 0)
		fprintf(p->out, "; it does not fit %s: it will stop near step %ld of %ld",
			p->budget, ev->budget_step, ev->steps);
	fputc('\n', p->out);
}

int progress_event(const lw_train_event *ev, void *ctx)
{
	progress *p = ctx;
	switch (ev->kind) {
	case LW_TRAIN_STARTED:
		started_line(p, ev);
		break;
	case LW_TRAIN_STEP:
		step_line(p, ev);
		break;
	case LW_TRAIN_EVAL:
		progress_done(p);
		eval_line(p, ev);
		break;
	case LW_TRAIN_PREDICTION:
		progress_done(p);
		prediction_line(p, ev);
		break;
	case LW_TRAIN_BUDGET:
		progress_done(p);
		fprintf(p->out, "budget: stopping after step %ld of %ld: the next step and the final "
			"evaluation would not fit %s (%.3g Wh, %.3g gCO2e so far)\n", ev->step,
			ev->steps, p->budget, ev->energy.total_j / 3600.0, ev->energy.co2e_g);
		break;
	case LW_TRAIN_SAVED:
		break;
	}
	return p->stop && *p->stop;
}

void progress_done(progress *p)
{
	if (p->line_open)
		fputc('\n', p->out);
	p->line_open = 0;
	fflush(p->out);
}

void progress_profile(FILE *out, const lw_profile *p, double seconds)
{
	double fwd = 0, bwd = 0;
	fprintf(out, "profile (seconds; %% of the run's %.1f s):\n", seconds);
	fprintf(out, "  %-14s %9s %9s %7s\n", "kernel", "forward", "backward", "share");
	for (int op = 0; op < LW_PROF_OPS; op++) {
		fwd += p->fwd[op];
		bwd += p->bwd[op];
		fprintf(out, "  %-14s %9.3f %9.3f %6.1f%%\n", lw_prof_op_name((lw_prof_op)op),
			p->fwd[op], p->bwd[op], 100.0 * (p->fwd[op] + p->bwd[op]) / seconds);
	}
	fprintf(out, "  %-14s %9.3f %9.3f %6.1f%%\n", "model total", fwd, bwd,
		100.0 * (fwd + bwd) / seconds);
	fprintf(out, "  %-14s %19.3f %6.1f%%\n", "optimizer", p->optimizer,
		100.0 * p->optimizer / seconds);
	fprintf(out, "  %-14s %19.3f %6.1f%%\n", "batches", p->batches,
		100.0 * p->batches / seconds);
	if (p->allreduce > 0)
		fprintf(out, "  %-14s %19.3f %6.1f%%\n", "all-reduce", p->allreduce,
			100.0 * p->allreduce / seconds);
}
