/*
 * cmd_train.c — `lowwatt train [FLAGS]`: train a masked or causal language
 * model from scratch into a run directory OUT/NAME:
 *
 *   config.json      every setting (train_settings.h), to repeat the run
 *   metrics.csv      one row per logged step (src/train/metrics.c)
 *   summary.json     the final figures (--json prints them)
 *   emissions.csv    one CodeCarbon row per invocation (emissions.h)
 *   report.html      charts and the summary (report.h)
 *   checkpoint.lwck  the latest checkpoint (--resume continues from it)
 *
 * The whole invocation runs under the energy meter; --budget-kwh and
 * --budget-co2e-g stop the run cleanly before it would pass them.
 *
 * With no flags at all it trains the default masked LM on the default Brown
 * corpus and shows a fill-mask example before its energy: what `make run`
 * shows.
 *
 * Under mpirun or srun every rank runs this command with the same flags:
 * each trains on its slice of every batch (trainer.h), rank 0 alone
 * creates the run directory, writes its files and prints; every machine's
 * energy is counted once (train_hosts.h). A failure of one rank alone ends
 * the job with a line naming the rank and its host.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/blas_core.h"
#include "cli/carbon_flags.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/run_data.h"
#include "cli/summary.h"
#include "cli/train_energy.h"
#include "cli/train_hosts.h"
#include "cli/train_settings.h"
#include "lowwatt/report.h"
#include "util/alloc.h"
#include "util/file.h"

static const char CMD[] = "train";
static const char EXAMPLE[] = "The man went to the [MASK] to buy some bread .";

/* Set by SIGINT/SIGTERM: the run stops cleanly after the current step. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int exists(const char *dir, const char *name)
{
	char *path = lw_path_join(dir, name);
	int yes = access(path, F_OK) == 0;
	free(path);
	return yes;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0777) == 0 || errno == EEXIST)
		return 0;
	fprintf(stderr, "lowwatt %s: cannot create %s: %s\n", CMD, path, strerror(errno));
	return 1;
}

/* The run directory: OUT/NAME (NAME defaults to the time), created for a
 * new run, required to hold a checkpoint for --resume. NULL on failure. */
static char *open_run_dir(train_options *opt)
{
	char stamp[32];
	if (!opt->name) {
		time_t now = time(NULL);
		strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
	}
	char *dir = lw_path_join(opt->out, opt->name ? opt->name : stamp);
	if (opt->resume && !exists(dir, "checkpoint.lwck")) {
		fprintf(stderr, "lowwatt %s: %s holds no checkpoint.lwck to resume\n", CMD, dir);
	} else if (!opt->resume && (exists(dir, "checkpoint.lwck") || exists(dir, "config.json"))) {
		fprintf(stderr, "lowwatt %s: %s already holds a run: --resume continues it, "
				"another --name starts a new one\n", CMD, dir);
	} else if (!make_dir(opt->out) && !make_dir(dir)) {
		return dir;
	}
	free(dir);
	return NULL;
}

/* The observer of a run: the progress line, and this invocation's energy
 * predictions, kept for the summary. */
typedef struct watch {
	progress p;
	long stop_at;         /* --stop-at, 0: none */
	lw_energy_prediction *predictions;
	int n_predictions;
} watch;

static int watch_event(const lw_train_event *ev, void *ctx)
{
	watch *w = ctx;
	int stop = ev->kind == LW_TRAIN_STEP && w->stop_at > 0 && ev->step >= w->stop_at;
	if (ev->kind == LW_TRAIN_PREDICTION) {
		size_t bytes = (size_t)(w->n_predictions + 1) * sizeof *w->predictions;
		w->predictions = lw_xrealloc(w->predictions, bytes, "predictions");
		w->predictions[w->n_predictions++] = ev->prediction;
	}
	return progress_event(ev, &w->p) || stop;
}

/* "the budget of 0.5 kWh", "... of 0.5 kWh and 10 gCO2e", or "" (none). */
static void budget_text(const train_options *opt, char *buf, size_t size)
{
	char kwh[32] = "", co2e[32] = "";
	if (opt->budget_kwh > 0)
		snprintf(kwh, sizeof kwh, "%.6g kWh", opt->budget_kwh);
	if (opt->budget_co2e_g > 0)
		snprintf(co2e, sizeof co2e, "%.6g gCO2e", opt->budget_co2e_g);
	buf[0] = 0;
	if (kwh[0] || co2e[0])
		snprintf(buf, size, "the budget of %s%s%s", kwh, kwh[0] && co2e[0] ? " and " : "",
			 co2e);
}

static lw_train_energy energy_options(const train_options *opt, const train_energy *te)
{
	return (lw_train_energy){
		.meter = te->meter,
		.co2e_g_per_j = train_energy_g_per_j(te),
		.budget_j = opt->budget_kwh > 0 ? opt->budget_kwh * 3.6e6 / te->m.pue : 0,
		.budget_co2e_g = opt->budget_co2e_g,
	};
}

static void print_result(const lw_train_config *cfg, const train_options *opt,
			 const lw_train_result *r, const char *dir)
{
	char stopped[64] = "; stopped by a signal";
	if (opt->stop_at > 0 && r->steps >= opt->stop_at && r->steps < cfg->steps)
		snprintf(stopped, sizeof stopped, "; stopped at step %ld (--stop-at)", r->steps);
	char tok[32], blas[160];
	blas_core_describe(blas, sizeof blas);
	char ranks[32] = "";
	if (r->ranks > 1)
		snprintf(ranks, sizeof ranks, "%d ranks, each ", r->ranks);
	printf("run %s: %ld steps, %s tokens in %.0f s (%.0f tokens/s; %s%s)%s\n", dir, r->steps,
	       cli_count(tok, sizeof tok, r->tokens), r->seconds, r->tokens_per_s, ranks, blas,
	       r->stopped_by == LW_STOP_BUDGET ? "; stopped by its budget" :
	       r->stopped_by == LW_STOP_OBSERVER ? stopped : "");
	double gain = r->val.unigram_entropy - r->val.loss;
	printf("validation: loss %.4f nats (perplexity %.1f), %s accuracy %.2f%%; unigram "
	       "entropy %.4f nats: %.2f nats %s it\n",
	       r->val.loss, exp(r->val.loss),
	       cfg->model.arch == LW_ARCH_MLM ? "masked-token" : "next-token",
	       100.0 * r->val.accuracy, r->val.unigram_entropy, fabs(gain),
	       gain >= 0 ? "below" : "above");
}

/* The run's energy, its first prediction against the truth, and where its
 * files are: the last lines of a run. */
static void print_energy(const train_energy *te, const lw_train_result *r, const char *dir)
{
	train_energy_print(stdout, te, &r->energy, r->tokens);
	const lw_energy_prediction *p = &r->first_prediction;
	if (p->step > 0 && r->stopped_by == LW_STOP_PLAN && r->energy.total_j > 0)
		printf("        predicted after step %ld: %.1f J, %+.1f%% off the %.1f J used\n",
		       p->step, p->energy_j, 100.0 * (p->energy_j - r->energy.total_j) /
		       r->energy.total_j, r->energy.total_j);
	else if (p->step > 0)
		printf("        predicted after step %ld: %.1f J for the whole plan\n", p->step,
		       p->energy_j);
	if (r->eval_sequences)
		printf("        inference: %.3g J per 1,000 sequences (the evaluations)\n",
		       1000.0 * r->eval_j / (double)r->eval_sequences);
	printf("files: %s/{config.json, metrics.csv, summary.json, emissions.csv, checkpoint.lwck}\n",
	       dir);
	printf("report: %s/report.html\n", dir);
}

/* After the default run: what the model puts in a blank. */
static void fill_mask_example(const char *dir, const char *tokenizer)
{
	char *ckpt = lw_path_join(dir, "checkpoint.lwck");
	char *argv[] = { "--checkpoint", ckpt, "--tokenizer", (char *)tokenizer, "--top", "5",
			 (char *)EXAMPLE, NULL };
	printf("\nfill-mask example: \"%s\"\n", EXAMPLE);
	fflush(stdout);
	cmd_fill_mask(7, argv);
	free(ckpt);
	printf("\n");
}

/* summary.json, the emissions.csv row and report.html. */
static lw_status write_files(const lw_train_config *cfg, const train_options *opt,
			     const lw_train_result *r, const char *dir, train_energy *te,
			     const watch *w, json_t *hosts, json_t **summary, lw_err *err)
{
	summary_energy se = {
		.te = te, .predictions = w->predictions, .n_predictions = w->n_predictions,
		.budget_kwh = opt->budget_kwh, .budget_co2e_g = opt->budget_co2e_g,
	};
	*summary = summary_build(cfg, r, dir);
	summary_add_energy(*summary, &se, r);
	if (r->stopped_by == LW_STOP_OBSERVER && opt->stop_at > 0 && r->steps >= opt->stop_at)
		json_object_set_new(*summary, "stopped_by", json_string("stop_at"));
	json_object_set_new(*summary, "ranks", json_integer(r->ranks));
	/* What the gradients' all-reduce added to this invocation's steps. */
	json_object_set_new(*summary, "allreduce_s",
			    r->ranks > 1 ? summary_number(r->allreduce_s) : json_null());
	json_object_set_new(*summary, "hosts", json_incref(hosts));
	char *summary_path = lw_path_join(dir, "summary.json");
	char *emissions = lw_path_join(dir, "emissions.csv");
	char *report = lw_path_join(dir, "report.html");
	const char *dirs[1] = { dir };
	lw_status st = summary_write(summary_path, *summary, err);
	if (!st)
		st = train_energy_append_csv(te, emissions, err);
	if (!st)
		st = lw_report_write(report, dirs, 1, err);
	free(summary_path);
	free(emissions);
	free(report);
	return st;
}

static int finish(const lw_train_config *cfg, const train_options *opt,
		  const lw_train_result *r, const char *dir, train_energy *te, const watch *w,
		  json_t *hosts, int example)
{
	lw_err err = {0};
	json_t *summary = NULL;
	int rc = 0;
	if (write_files(cfg, opt, r, dir, te, w, hosts, &summary, &err)) {
		rc = cli_fail(CMD, &err);
	} else if (opt->json) {
		char *text = json_dumps(summary, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					JSON_REAL_PRECISION(9));
		printf("%s\n", text);
		free(text);
	} else {
		print_result(cfg, opt, r, dir);
		if (example && cfg->model.arch == LW_ARCH_MLM)
			fill_mask_example(dir, opt->tokenizer);
		print_energy(te, r, dir);
	}
	json_decref(summary);
	return rc;
}

/* Each shard must hold a row of seq + 1 tokens (lw_train_check_data, one
 * shard at a time so the message names its file): said before any file of
 * the run is written. */
static int check_shards(const lw_train_config *cfg, const run_data *rd)
{
	static const char *const names[2] = { "train.lwtk", "val.lwtk" };
	for (int i = 0; i < 2; i++) {
		lw_train_data one = rd->data;
		if (i == 0)
			one.val = NULL;
		else
			one.train = NULL;
		lw_err err = {0};
		if (lw_train_check_data(cfg, &one, &err)) {
			fprintf(stderr, "lowwatt %s: %s/%s: %s\n", CMD, rd->dir, names[i], err.msg);
			return 1;
		}
	}
	return 0;
}

/* A failure of this rank alone: with several ranks it ends the job,
 * naming the rank and host; else its line is printed. Returns 1. */
static int fail_here(const lw_dist *d, const lw_err *err)
{
	if (d->size > 1)
		lw_dist_abort(d, 1, err->msg);
	return cli_fail(CMD, err);
}

/* LOWWATT_ALLREDUCE: "overlap" (the default) or "end" (the gradients
 * summed after backward, for measuring what the overlap hides). */
static int allreduce_at_end(void)
{
	const char *v = getenv("LOWWATT_ALLREDUCE");
	return v && strcmp(v, "end") == 0;
}

/* Train under the meter, with the progress line; then (rank 0) the files
 * and the closing lines. */
static int run_metered(lw_train_config *cfg, train_options *opt, run_data *rd,
		       const char *dir, train_energy *te, int example, const lw_dist *d)
{
	lw_err err = {0};
	char budget[96];
	budget_text(opt, budget, sizeof budget);
	/* With --json, standard output carries only the summary. */
	watch w = { .stop_at = opt->stop_at };
	progress_init(&w.p, opt->json ? stderr : stdout, cfg->log_every, &stop_requested, budget);
	/* A rank's terminal is mpirun's pseudo-terminal, whatever mpirun's own
	 * output is: a line every log_every steps, not one rewritten each step
	 * (which would flood mpirun, and a log file). */
	if (d->size > 1)
		w.p.live = 0;
	lw_train_options to = { .resume = opt->resume, .obs = watch_event, .ctx = &w,
				.energy = energy_options(opt, te), .dist = d,
				.allreduce_at_end = allreduce_at_end() };
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	lw_train_result r = {0};
	const char *profile = getenv("LOWWATT_PROFILE");
	cfg->profile = profile && *profile && strcmp(profile, "0") != 0;
	lw_status st = lw_train(cfg, &rd->data, dir, &to, &r, &err);
	progress_done(&w.p);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	json_t *hosts = NULL;
	int rc = 1;
	if (st) {
		/* Every rank met it (trainer.h): rank 0 says it. */
		if (d->rank == 0)
			cli_fail(CMD, &err);
	} else if (train_energy_stop(te, &err)) {
		fail_here(d, &err);
	} else if (train_hosts_gather(d, te, &hosts, &err)) {
		fail_here(d, &err);
	} else {
		rc = 0;
	}
	if (!rc && d->rank == 0 && cfg->profile)
		progress_profile(stderr, &r.profile, r.seconds);
	if (!rc && d->rank == 0)
		rc = finish(cfg, opt, &r, dir, te, &w, hosts, example);
	json_decref(hosts);
	free(w.predictions);
	return rc;
}

/* Rank 0 makes the run directory and writes config.json; every rank gets
 * its path (NULL: rank 0 could not, and said why). */
static char *shared_run_dir(const lw_train_config *cfg, train_options *opt, const lw_dist *d)
{
	char path[4096] = "";
	if (d->rank == 0) {
		lw_err err = {0};
		char *dir = open_run_dir(opt);
		char *config = dir ? lw_path_join(dir, "config.json") : NULL;
		if (dir && train_settings_write_json(config, cfg, opt, &err))
			cli_fail(CMD, &err);
		else if (dir)
			snprintf(path, sizeof path, "%s", dir);
		free(config);
		free(dir);
	}
	lw_err err = {0};
	if (lw_dist_bcast(d, path, sizeof path, &err))
		fail_here(d, &err);
	return path[0] ? lw_xstrdup(path, "run directory") : NULL;
}

static int train(lw_train_config *cfg, train_options *opt, run_data *rd, char *const words[],
		 int example, const lw_dist *d)
{
	lw_err err = {0};
	cfg->model.vocab = lw_bpe_vocab_size(rd->bpe);
	if (train_settings_bank(cfg, opt, &err) || train_settings_check(cfg, opt, &err)) {
		fprintf(stderr, "lowwatt %s: %s\n", CMD, err.msg);
		return CLI_USAGE;
	}
	carbon_flags cf = { opt->region, opt->intensity, opt->pue };
	lw_intensity intensity;
	double pue;
	int rc = carbon_flags_resolve(CMD, &cf, &intensity, &pue);
	if (rc)
		return rc;
	if ((rc = check_shards(cfg, rd)) && d->size > 1)
		lw_dist_abort(d, rc, "its data cannot feed the run (the line above)");
	char *dir = rc ? NULL : shared_run_dir(cfg, opt, d);
	if (!dir)
		return 1;
	train_energy te = {0};
	rc = train_energy_start(CMD, &intensity, pue, opt->rapl, words,
				d->rank == 0 ? stderr : NULL, &te);
	if (rc && d->size > 1)
		lw_dist_abort(d, rc, "its energy meter did not start (the line above)");
	if (!rc)
		rc = run_metered(cfg, opt, rd, dir, &te, example, d);
	train_energy_free(&te);
	free(dir);
	return rc;
}

/* The command on every rank: one process, or the ranks of a job. */
static int train_ranks(int argc, char **argv, const lw_dist *d)
{
	lw_train_config cfg;
	train_options opt;
	int rc = train_settings_parse(CMD, argc, argv, &cfg, &opt);
	if (rc)
		return rc < 0 ? 0 : rc;
	run_data rd;
	rc = run_data_open(CMD, opt.data, opt.tokenizer, 1, &rd);
	if (rc && d->size > 1)
		lw_dist_abort(d, rc, "cannot read its data (the line above)");
	if (!rc) {
		char **words = lw_xmalloc((size_t)(argc + 3) * sizeof *words, "command");
		words[0] = "lowwatt";
		words[1] = (char *)CMD;
		memcpy(words + 2, argv, (size_t)argc * sizeof *words);
		words[argc + 2] = NULL;
		rc = train(&cfg, &opt, &rd, words, argc == 0, d);
		free(words);
		run_data_close(&rd);
	}
	train_options_free(&opt);
	return rc;
}

int cmd_train(int argc, char **argv)
{
	lw_dist d;
	lw_err err = {0};
	if (lw_dist_init(NULL, NULL, &d, &err)) {
		fprintf(stderr, "lowwatt %s: %s\n", CMD, err.msg);
		return CLI_USAGE;
	}
	/* Rank 0 alone prints what a run prints. */
	if (d.rank != 0 && !freopen("/dev/null", "w", stdout))
		lw_dist_abort(&d, 1, "cannot silence its standard output");
	int rc = train_ranks(argc, argv, &d);
	lw_dist_finalize(&d);
	return rc;
}
