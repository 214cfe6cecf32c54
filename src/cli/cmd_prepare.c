/*
 * cmd_prepare.c — `lowwatt prepare --tokenizer T --input FILE --out FILE.lwtk`:
 * tokenize a corpus file into a token shard, <|endoftext|> before each
 * document, and print what it holds.
 */
#include <stdio.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "lowwatt/bpe.h"
#include "lowwatt/document.h"
#include "lowwatt/shard.h"
#include "util/file.h"

static const char CMD[] = "prepare";

/* Encode every non-empty document of text, each preceded by <|endoftext|>. */
static lw_status encode_documents(lw_bpe *bpe, const lw_buf *text, lw_tokens *ids,
				  size_t *docs, lw_err *err)
{
	int32_t eot = lw_bpe_special_id(bpe, LW_SPECIAL_EOT);
	size_t pos = 0;
	lw_span doc;
	*docs = 0;
	while (lw_doc_next(text->data, text->len, &pos, &doc)) {
		if (doc.n == 0)
			continue;
		lw_tokens_push(ids, eot);
		lw_status st = lw_bpe_encode(bpe, doc.p, doc.n, ids, err);
		if (st)
			return st;
		++*docs;
	}
	return LW_OK;
}

int cmd_prepare(int argc, char **argv)
{
	const char *tokenizer = NULL, *input = NULL, *out = NULL;
	cli_flag flags[] = {
		{"tokenizer", CLI_STRING, &tokenizer, 1, 0, 0, "a .lwtok file or a GPT-2 directory"},
		{"input", CLI_STRING, &input, 1, 0, 0, "text; lines '<|endoftext|>' separate documents"},
		{"out", CLI_STRING, &out, 1, 0, 0, "the token shard to write (.lwtk)"},
	};
	int rc = cli_parse(CMD, "--tokenizer T --input FILE --out FILE.lwtk", argc, argv, flags, 3,
			   NULL);
	if (rc)
		return rc < 0 ? 0 : rc;

	lw_err err = {0};
	lw_bpe *bpe = NULL;
	lw_buf text = {0};
	lw_tokens ids = {0};
	size_t docs = 0;
	rc = 1;
	if (lw_bpe_load(tokenizer, &bpe, &err) || lw_file_read_all(input, &text, &err) ||
	    encode_documents(bpe, &text, &ids, &docs, &err))
		goto fail;
	if (docs == 0) {
		lw_err_set(&err, LW_ERR_ARG,
			   "%s: no text to prepare (the file is empty or holds only separator "
			   "lines)",
			   input);
		goto fail;
	}
	if (lw_shard_write(out, (uint32_t)lw_bpe_vocab_size(bpe), lw_bpe_checksum(bpe), text.len, ids.ids,
			   ids.len, &err))
		goto fail;
	char d[32], b[32], t[32];
	printf("%s: %s documents, %s bytes -> %s tokens (%.2f bytes/token), vocabulary %d\n", out,
	       cli_count(d, sizeof d, docs), cli_count(b, sizeof b, text.len),
	       cli_count(t, sizeof t, ids.len), (double)text.len / (double)ids.len,
	       lw_bpe_vocab_size(bpe));
	rc = 0;
	goto done;
fail:
	cli_fail(CMD, &err);
done:
	lw_tokens_free(&ids);
	lw_buf_free(&text);
	lw_bpe_free(bpe);
	return rc;
}
