/*
 * cmd_eval.c — `lowwatt eval --checkpoint FILE [--data DIR|default]
 * [--tokenizer T] [--batches N] [--region CODE | --intensity V] [--pue X]
 * [--json]`: a checkpoint's held-out loss, perplexity and accuracy (masked
 * tokens for mlm, next tokens for clm), on the same validation batches its
 * training run evaluated, and what that inference cost: the evaluation
 * runs under the energy meter, and its energy is given per 1,000
 * sequences (rows of the model's length).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/carbon_flags.h"
#include "cli/commands.h"
#include "cli/run_data.h"
#include "cli/summary.h"
#include "cli/train_energy.h"
#include "lowwatt/trainer.h"

static const char CMD[] = "eval";

static void add_energy_json(json_t *o, const train_energy *te, uint64_t sequences)
{
	lw_run_energy e = train_energy_invocation(te);
	train_energy_json(o, te, &e, 0);
	json_object_del(o, "j_per_token");
	json_object_set_new(o, "sequences", json_integer((json_int_t)sequences));
	json_object_set_new(o, "j_per_1000_seq", summary_number(1000.0 * e.total_j /
								 (double)sequences));
	json_object_set_new(o, "seconds", summary_number(e.seconds));
}

static void print_result(const char *checkpoint, const lw_checkpoint *ck,
			 const lw_eval_result *r, const train_energy *te, uint64_t sequences,
			 int json)
{
	const char *acc = ck->train.model.arch == LW_ARCH_MLM ? "masked-token" : "next-token";
	if (!json) {
		char n[32], label[64];
		lw_run_energy e = train_energy_invocation(te);
		printf("%s (%s, step %llu): validation loss %.4f nats, perplexity %.2f, %s "
		       "accuracy %.2f%% over %s targets; %.3g J per 1,000 sequences%s (%.1f J for "
		       "%llu sequences in %.2f s)\n",
		       checkpoint, lw_arch_name(ck->train.model.arch), (unsigned long long)ck->step,
		       r->loss, exp(r->loss), acc, 100.0 * r->accuracy,
		       cli_count(n, sizeof n, r->targets), 1000.0 * e.total_j / (double)sequences,
		       train_energy_label(&e, label, sizeof label), e.total_j,
		       (unsigned long long)sequences, e.seconds);
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "checkpoint", json_string(checkpoint));
	json_object_set_new(o, "arch", json_string(lw_arch_name(ck->train.model.arch)));
	json_object_set_new(o, "step", json_integer((json_int_t)ck->step));
	json_object_set_new(o, "val_loss", summary_number(r->loss));
	json_object_set_new(o, "perplexity", summary_number(exp(r->loss)));
	json_object_set_new(o, "accuracy", summary_number(r->accuracy));
	json_object_set_new(o, "targets", json_integer((json_int_t)r->targets));
	add_energy_json(o, te, sequences);
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", s);
	free(s);
	json_decref(o);
}

int cmd_eval(int argc, char **argv)
{
	const char *checkpoint = NULL, *data = "default", *tokenizer = "default";
	long batches = 20, threads = 0;
	int json = 0;
	const char *blas_core = "auto";  /* read by blas_core_select in main */
	carbon_flags carbon = {0};
	cli_flag flags[] = {
		{"checkpoint", CLI_STRING, &checkpoint, 1, 0, 0, "the checkpoint to evaluate (.lwck)"},
		{"data", CLI_STRING, &data, 0, 0, 0, "directory with val.lwtk, or default (Brown)"},
		{"tokenizer", CLI_STRING, &tokenizer, 0, 0, 0, "the data's tokenizer (default)"},
		{"batches", CLI_INT, &batches, 0, 1, 100000, "validation batches (20, as training)"},
		{"threads", CLI_INT, &threads, 0, 0, 4096, "threads; 0 = every core"},
		{"json", CLI_BOOL, &json, 0, 0, 0, "print the result as JSON"},
		{"blas-core", CLI_STRING, &blas_core, 0, 0, 0, "auto|env: OpenBLAS kernels (auto)"},
		CARBON_FLAGS(&carbon),
	};
	int n_flags = sizeof flags / sizeof *flags;
	int rc = cli_parse(CMD, "--checkpoint FILE [--data DIR] [--tokenizer T] " CARBON_USAGE
			   " [--json]", argc, argv, flags, n_flags, NULL);
	if (rc)
		return rc < 0 ? 0 : rc;
	lw_intensity intensity;
	double pue;
	if ((rc = carbon_flags_resolve(CMD, &carbon, &intensity, &pue)))
		return rc;
	lw_set_threads((int)threads);
	lw_err err = {0};
	lw_checkpoint ck = {0};
	lw_model *m = NULL;
	run_data rd = {0};
	lw_eval_result r = {0};
	train_energy te = {0};
	char *words[] = { "lowwatt", (char *)CMD, "--checkpoint", (char *)checkpoint, NULL };
	if (lw_model_load(checkpoint, 0, &m, &ck, &err)) {
		rc = cli_fail(CMD, &err);
	} else if (!(rc = run_data_open(CMD, data, tokenizer, 0, &rd))) {
		uint64_t sequences = (uint64_t)batches * (uint64_t)ck.train.batch;
		if (rd.data.tokenizer_checksum != ck.tokenizer_checksum) {
			fprintf(stderr, "lowwatt %s: %s was trained with tokenizer checksum 0x%08x, "
					"the data in %s was made with 0x%08x\n",
				CMD, checkpoint, ck.tokenizer_checksum, rd.dir,
				rd.data.tokenizer_checksum);
			rc = 1;
		} else if ((rc = train_energy_start(CMD, &intensity, pue, "packages", words, stderr,
						    &te))) {
			/* said */
		} else if (lw_evaluate(m, &ck.train, &rd.data, (int)batches, NULL, &r, &err) ||
			   train_energy_stop(&te, &err)) {
			rc = cli_fail(CMD, &err);
		} else {
			print_result(checkpoint, &ck, &r, &te, sequences, json);
		}
	}
	train_energy_free(&te);
	run_data_close(&rd);
	lw_model_free(m);
	return rc;
}
