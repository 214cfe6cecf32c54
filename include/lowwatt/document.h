/*
 * document.h — documents in a plain-text corpus file.
 *
 * lowwatt's corpus files (data/brown/train.txt, or a user's) hold documents
 * separated by a line that is exactly "<|endoftext|>", the convention of
 * GPT-2-era text dumps. The separator lines are not text: the tokenizer
 * trainer skips them and `lowwatt prepare` turns them into the
 * <|endoftext|> special token. A file without separators is one document.
 */
#ifndef LOWWATT_DOCUMENT_H
#define LOWWATT_DOCUMENT_H

#include <stddef.h>
#include <stdint.h>

#define LW_DOC_SEPARATOR "<|endoftext|>"

typedef struct lw_span {
	const uint8_t *p;
	size_t n;
} lw_span;

/* Find the next document of text[0..n) starting at *pos: the bytes up to the
 * next separator line (which may end with "\n", "\r\n" or the end of the
 * text). A document keeps the newline that ends its last line; the separator
 * line is dropped. Returns 1 and advances *pos past the document and its
 * separator, or 0 when no text is left. Two adjacent separators give an
 * empty document. */
int lw_doc_next(const uint8_t *text, size_t n, size_t *pos, lw_span *doc);

#endif
