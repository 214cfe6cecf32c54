/*
 * cmd_eval.c — `lowwatt eval --checkpoint FILE [--data DIR|default]
 * [--tokenizer T] [--batches N] [--json]`: a checkpoint's held-out loss,
 * perplexity and accuracy (masked tokens for mlm, next tokens for clm),
 * on the same validation batches its training run evaluated.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/run_data.h"
#include "cli/summary.h"
#include "lowwatt/trainer.h"

static const char CMD[] = "eval";

static void print_result(const char *checkpoint, const lw_checkpoint *ck,
			 const lw_eval_result *r, int json)
{
	const char *acc = ck->train.model.arch == LW_ARCH_MLM ? "masked-token" : "next-token";
	if (!json) {
		char n[32];
		printf("%s (%s, step %llu): validation loss %.4f nats, perplexity %.2f, %s "
		       "accuracy %.2f%% over %s targets\n",
		       checkpoint, lw_arch_name(ck->train.model.arch), (unsigned long long)ck->step,
		       r->loss, exp(r->loss), acc, 100.0 * r->accuracy,
		       cli_count(n, sizeof n, r->targets));
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
	cli_flag flags[] = {
		{"checkpoint", CLI_STRING, &checkpoint, 1, 0, 0, "the checkpoint to evaluate (.lwck)"},
		{"data", CLI_STRING, &data, 0, 0, 0, "directory with val.lwtk, or default (Brown)"},
		{"tokenizer", CLI_STRING, &tokenizer, 0, 0, 0, "the data's tokenizer (default)"},
		{"batches", CLI_INT, &batches, 0, 1, 100000, "validation batches (20, as training)"},
		{"threads", CLI_INT, &threads, 0, 0, 4096, "threads; 0 = every core"},
		{"json", CLI_BOOL, &json, 0, 0, 0, "print the result as JSON"},
		{"blas-core", CLI_STRING, &blas_core, 0, 0, 0, "auto|env: OpenBLAS kernels (auto)"},
	};
	int n_flags = sizeof flags / sizeof *flags;
	int rc = cli_parse(CMD, "--checkpoint FILE [--data DIR] [--tokenizer T] [--json]", argc,
			   argv, flags, n_flags, NULL);
	if (rc)
		return rc < 0 ? 0 : rc;
	lw_set_threads((int)threads);
	lw_err err = {0};
	lw_checkpoint ck = {0};
	lw_model *m = NULL;
	run_data rd = {0};
	lw_eval_result r = {0};
	if (lw_model_load(checkpoint, 0, &m, &ck, &err)) {
		rc = cli_fail(CMD, &err);
	} else if (!(rc = run_data_open(CMD, data, tokenizer, 0, &rd))) {
		if (rd.data.tokenizer_checksum != ck.tokenizer_checksum) {
			fprintf(stderr, "lowwatt %s: %s was trained with tokenizer checksum 0x%08x, "
					"the data in %s was made with 0x%08x\n",
				CMD, checkpoint, ck.tokenizer_checksum, rd.dir,
				rd.data.tokenizer_checksum);
			rc = 1;
		} else if (lw_evaluate(m, &ck.train, &rd.data, (int)batches, NULL, &r, &err)) {
			rc = cli_fail(CMD, &err);
		} else {
			print_result(checkpoint, &ck, &r, json);
		}
	}
	run_data_close(&rd);
	lw_model_free(m);
	return rc;
}
