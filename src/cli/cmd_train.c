/*
 * cmd_train.c — `lowwatt train [FLAGS]`: train a masked or causal language
 * model from scratch into a run directory OUT/NAME:
 *
 *   config.json      every setting (train_settings.h), to repeat the run
 *   metrics.csv      one row per logged step (src/train/metrics.c)
 *   summary.json     the final figures (--json prints them)
 *   checkpoint.lwck  the latest checkpoint (--resume continues from it)
 *
 * With no flags at all it trains the default masked LM on the default Brown
 * corpus and ends with a fill-mask example: what `make run` shows.
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
#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/run_data.h"
#include "cli/summary.h"
#include "cli/train_settings.h"
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

static void print_summary(const lw_train_config *cfg, const lw_train_result *r, const char *dir)
{
	char tok[32], blas[160];
	blas_core_describe(blas, sizeof blas);
	printf("run %s: %ld steps, %s tokens in %.0f s (%.0f tokens/s; %s)\n", dir, r->steps,
	       cli_count(tok, sizeof tok, r->tokens), r->seconds, r->tokens_per_s, blas);
	double gain = r->val.unigram_entropy - r->val.loss;
	printf("validation: loss %.4f nats (perplexity %.1f), %s accuracy %.2f%%; unigram "
	       "entropy %.4f nats: %.2f nats %s it\n",
	       r->val.loss, exp(r->val.loss),
	       cfg->model.arch == LW_ARCH_MLM ? "masked-token" : "next-token",
	       100.0 * r->val.accuracy, r->val.unigram_entropy, fabs(gain),
	       gain >= 0 ? "below" : "above");
	printf("files: %s/{config.json, metrics.csv, summary.json, checkpoint.lwck}\n", dir);
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
}

static int finish(const lw_train_config *cfg, const train_options *opt,
		  const lw_train_result *r, const char *dir)
{
	lw_err err = {0};
	json_t *summary = summary_build(cfg, r, dir);
	char *path = lw_path_join(dir, "summary.json");
	int rc = 0;
	if (summary_write(path, summary, &err)) {
		rc = cli_fail(CMD, &err);
	} else if (opt->json) {
		char *text = json_dumps(summary, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					JSON_REAL_PRECISION(9));
		printf("%s\n", text);
		free(text);
	} else {
		print_summary(cfg, r, dir);
	}
	free(path);
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

static int train(lw_train_config *cfg, train_options *opt, run_data *rd, int example)
{
	lw_err err = {0};
	cfg->model.vocab = lw_bpe_vocab_size(rd->bpe);
	if (train_settings_check(cfg, opt, &err)) {
		fprintf(stderr, "lowwatt %s: %s\n", CMD, err.msg);
		return CLI_USAGE;
	}
	if (check_shards(cfg, rd))
		return 1;
	char *dir = open_run_dir(opt);
	if (!dir)
		return 1;
	char *config = lw_path_join(dir, "config.json");
	int rc = 1;
	if (train_settings_write_json(config, cfg, opt, &err)) {
		cli_fail(CMD, &err);
		goto done;
	}
	/* With --json, standard output carries only the summary. */
	progress p;
	progress_init(&p, opt->json ? stderr : stdout, cfg->log_every, &stop_requested);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	lw_train_result r = {0};
	const char *profile = getenv("LOWWATT_PROFILE");
	cfg->profile = profile && *profile && strcmp(profile, "0") != 0;
	lw_status st = lw_train(cfg, &rd->data, dir, opt->resume, progress_event, &p, &r, &err);
	progress_done(&p);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (st) {
		cli_fail(CMD, &err);
		goto done;
	}
	if (cfg->profile)
		progress_profile(stderr, &r.profile, r.seconds);
	rc = finish(cfg, opt, &r, dir);
	if (!rc && example && cfg->model.arch == LW_ARCH_MLM)
		fill_mask_example(dir, opt->tokenizer);
done:
	free(config);
	free(dir);
	return rc;
}

int cmd_train(int argc, char **argv)
{
	lw_train_config cfg;
	train_options opt;
	int rc = train_settings_parse(CMD, argc, argv, &cfg, &opt);
	if (rc)
		return rc < 0 ? 0 : rc;
	run_data rd;
	rc = run_data_open(CMD, opt.data, opt.tokenizer, 1, &rd);
	if (!rc) {
		rc = train(&cfg, &opt, &rd, argc == 0);
		run_data_close(&rd);
	}
	train_options_free(&opt);
	return rc;
}
