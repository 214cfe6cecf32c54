/*
 * pretok.c — GPT-2's pre-tokenizer regular expression through PCRE2 (see
 * pretok.h for what it matches and why invalid UTF-8 is handled this way).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "text/pretok.h"

#include <pcre2.h>
#include <stdlib.h>

#include "util/alloc.h"

/* GPT-2's expression with \s spelt \p{White_Space} (see pretok.h). */
static const char GPT2_PATTERN[] =
	"'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\p{White_Space}\\p{L}\\p{N}]+"
	"|\\p{White_Space}+(?!\\P{White_Space})|\\p{White_Space}+";

struct lw_pretok {
	pcre2_code *code;
	pcre2_match_data *match;
	int jit; /* 1 if the JIT compiled the pattern */
};

lw_status lw_pretok_new(lw_pretok **out, lw_err *err)
{
	int errcode;
	PCRE2_SIZE erroff;
	uint32_t opts = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)GPT2_PATTERN, PCRE2_ZERO_TERMINATED,
					 opts, &errcode, &erroff, NULL);
	if (!code) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(errcode, msg, sizeof msg);
		return lw_err_set(err, LW_ERR_STATE, "pre-tokenizer regex: %s at offset %zu",
				  (char *)msg, (size_t)erroff);
	}
	lw_pretok *pt = lw_xcalloc(1, sizeof *pt, "pre-tokenizer");
	pt->code = code;
	/* JIT is an accelerator, not a requirement: without it we still match. */
	pt->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
	pt->match = pcre2_match_data_create_from_pattern(code, NULL);
	if (!pt->match) {
		lw_pretok_free(pt);
		return lw_err_set(err, LW_ERR_NOMEM, "pre-tokenizer: cannot allocate match data");
	}
	*out = pt;
	return LW_OK;
}

void lw_pretok_free(lw_pretok *pt)
{
	if (!pt)
		return;
	pcre2_match_data_free(pt->match);
	pcre2_code_free(pt->code);
	free(pt);
}

static int match_at(lw_pretok *pt, const uint8_t *text, size_t n, size_t from)
{
	if (pt->jit)
		return pcre2_jit_match(pt->code, text, n, from, 0, pt->match, NULL);
	return pcre2_match(pt->code, text, n, from, 0, pt->match, NULL);
}

lw_status lw_pretok_split(lw_pretok *pt, const uint8_t *text, size_t n,
			  lw_piece_fn fn, void *ctx, lw_err *err)
{
	size_t pos = 0;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(pt->match);
	while (pos < n) {
		int rc = match_at(pt, text, n, pos);
		size_t start = n, end = n;
		if (rc >= 0) {
			start = ov[0];
			end = ov[1];
		} else if (rc != PCRE2_ERROR_NOMATCH) {
			PCRE2_UCHAR msg[256];
			pcre2_get_error_message(rc, msg, sizeof msg);
			return lw_err_set(err, LW_ERR_STATE, "pre-tokenizer: match failed at byte %zu: %s (PCRE2 error %d)",
					  pos, (char *)msg, rc);
		}
		/* Every byte is in some piece: bytes the pattern skipped (invalid
		 * UTF-8) form a piece of their own. */
		lw_status st;
		if (start > pos && (st = fn(text + pos, start - pos, ctx)) != LW_OK)
			return st;
		if (end > start && (st = fn(text + start, end - start, ctx)) != LW_OK)
			return st;
		if (end == start && start < n) {
			/* The pattern never matches empty, but never loop forever. */
			if ((st = fn(text + start, 1, ctx)) != LW_OK)
				return st;
			end = start + 1;
		}
		pos = end;
	}
	return LW_OK;
}
