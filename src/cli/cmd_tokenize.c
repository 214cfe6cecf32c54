/*
 * cmd_tokenize.c — `lowwatt tokenize --tokenizer T [--decode]`: standard
 * input to token ids on one line, or ids back to the exact bytes.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "lowwatt/bpe.h"

static const char CMD[] = "tokenize";

static lw_status read_stdin(lw_buf *in, lw_err *err)
{
	uint8_t chunk[1 << 16];
	size_t n;
	lw_buf_append(in, "", 0);
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		lw_buf_append(in, chunk, n);
	if (ferror(stdin))
		return lw_err_set(err, LW_ERR_IO, "cannot read standard input: %s", strerror(errno));
	return LW_OK;
}

/* Ids separated by single spaces, then a newline. */
static void format_ids(const lw_tokens *t, lw_buf *out)
{
	char num[16];
	for (size_t i = 0; i < t->len; i++) {
		int len = snprintf(num, sizeof num, i ? " %d" : "%d", (int)t->ids[i]);
		lw_buf_append(out, num, (size_t)len);
	}
	lw_buf_putc(out, '\n');
}

/* Whitespace-separated non-negative decimal ids. */
static lw_status parse_ids(const lw_buf *in, lw_tokens *t, lw_err *err)
{
	const char *p = (const char *)in->data, *end = p + in->len;
	while (p < end) {
		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		const char *start = p;
		long long v = 0;
		while (p < end && *p >= '0' && *p <= '9' && v <= INT32_MAX)
			v = v * 10 + (*p++ - '0');
		if (p == start || v > INT32_MAX || (p < end && !isspace((unsigned char)*p))) {
			int len = 0;
			while (start + len < end && len < 20 && !isspace((unsigned char)start[len]))
				len++;
			return lw_err_set(err, LW_ERR_FORMAT,
					  "standard input: bad token id '%.*s' at byte %zu: expected a "
					  "non-negative integer", len, start,
					  (size_t)(start - (const char *)in->data));
		}
		lw_tokens_push(t, (int32_t)v);
	}
	return LW_OK;
}

static int write_stdout(const lw_buf *out)
{
	if (out->len && fwrite(out->data, 1, out->len, stdout) != out->len) {
		fprintf(stderr, "lowwatt %s: cannot write standard output: %s\n", CMD, strerror(errno));
		return 1;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "lowwatt %s: cannot write standard output: %s\n", CMD, strerror(errno));
		return 1;
	}
	return 0;
}

int cmd_tokenize(int argc, char **argv)
{
	const char *tokenizer = NULL;
	int decode = 0;
	cli_flag flags[] = {
		{"tokenizer", CLI_STRING, &tokenizer, 1, 0, 0,
		 "a .lwtok file, or a directory with GPT-2's encoder.json and vocab.bpe"},
		{"decode", CLI_BOOL, &decode, 0, 0, 0, "read token ids, write the bytes they encode"},
	};
	int n_flags = sizeof flags / sizeof *flags;
	int rc = cli_parse(CMD, "--tokenizer T [--decode] < INPUT", argc, argv, flags, n_flags, NULL);
	if (rc)
		return rc < 0 ? 0 : rc;

	lw_err err = {0};
	lw_bpe *bpe = NULL;
	lw_buf in = {0}, out = {0};
	lw_tokens ids = {0};
	rc = 1;
	if (lw_bpe_load(tokenizer, &bpe, &err) || read_stdin(&in, &err))
		goto fail;
	if (decode) {
		if (parse_ids(&in, &ids, &err) || lw_bpe_decode(bpe, ids.ids, ids.len, &out, &err))
			goto fail;
	} else {
		if (lw_bpe_encode(bpe, in.data, in.len, &ids, &err))
			goto fail;
		format_ids(&ids, &out);
	}
	rc = write_stdout(&out);
	goto done;
fail:
	cli_fail(CMD, &err);
done:
	lw_tokens_free(&ids);
	lw_buf_free(&in);
	lw_buf_free(&out);
	lw_bpe_free(bpe);
	return rc;
}
