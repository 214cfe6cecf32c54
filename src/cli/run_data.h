/*
 * run_data.h — the data of a training or evaluation run as the command line
 * names it: `--data DIR|default --tokenizer T|default`. DIR holds
 * train.lwtk and val.lwtk made by `lowwatt prepare` with tokenizer T;
 * `default` is the Brown corpus (data/brown) with its 8192-token tokenizer,
 * prepared on first use.
 */
#ifndef LW_CLI_RUN_DATA_H
#define LW_CLI_RUN_DATA_H

#include "lowwatt/bpe.h"
#include "lowwatt/shard.h"
#include "lowwatt/trainer.h"

#define RUN_DATA_DEFAULT_DIR "data/brown"
#define RUN_DATA_DEFAULT_TOKENIZER "data/brown/tokenizer.lwtok"

typedef struct run_data {
	lw_bpe *bpe;
	lw_shard train, val;
	lw_train_data data;
	char *dir;  /* the resolved directory */
} run_data;

/* Resolve "default" names to paths (a new string, or NULL when the name
 * is not "default"). */
const char *run_data_dir(const char *data);
const char *run_data_tokenizer(const char *tokenizer);

/* Open the tokenizer and (with need_train) the training shard and the
 * validation shard, checking that the shards were made with the tokenizer.
 * Prepares the default corpus when it is asked for and missing. Prints one
 * line and returns 1 on failure, 0 on success. */
int run_data_open(const char *cmd, const char *data, const char *tokenizer, int need_train,
		  run_data *rd);
void run_data_close(run_data *rd);

/* Open just a tokenizer ("default" resolved), checking its checksum against
 * a checkpoint's. Prints one line and returns 1 on failure. */
int run_data_tokenizer_for(const char *cmd, const char *tokenizer, uint32_t checksum,
			   const char *checkpoint, lw_bpe **out);

/* A model for inference (one row) from a checkpoint, which must be of arch
 * want, and its tokenizer (checked against the checkpoint's). Prints one
 * line and returns 1 on failure (nothing to free); 0 on success. */
int run_model_open(const char *cmd, const char *checkpoint, const char *tokenizer, lw_arch want,
		   lw_model **m, lw_checkpoint *ck, lw_bpe **bpe);

#endif
