/*
 * corpus.c — the Brown corpus converter (include/lowwatt/corpus.h).
 *
 * Two layers: lw_brown_detag turns one tagged document into readable text
 * (a single pass over the bytes, so any input, however large or hostile, is
 * linear time and cannot fail), and lw_brown_convert walks cats.txt and
 * writes the train / validation split atomically.
 */
#define _POSIX_C_SOURCE 200809L
#include "lowwatt/corpus.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lowwatt/document.h"
#include "util/alloc.h"
#include "util/file.h"

/* ------------------------------------------------------------ detagging */

/* How a token joins its neighbours. */
typedef enum join {
	JOIN_WORD,  /* space before (unless glued), none after is forced */
	JOIN_OPEN,  /* space before (unless glued), glued to what follows */
	JOIN_CLOSE, /* glued to what precedes */
} join;

/* The state of the output line being built. */
typedef struct line_state {
	int empty;       /* nothing written on this line yet */
	int glue;        /* the previous token asked for no space after it */
	int single_open; /* a lone ' opened a quote on this line */
} line_state;

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The word of a "word/tag" token: everything before the last '/'. A token
 * with no '/' past its first byte has no tag and is kept whole. */
static size_t word_len(const uint8_t *tok, size_t n)
{
	for (size_t i = n; i-- > 1;)
		if (tok[i] == '/')
			return i;
	return n;
}

/* Classify a word and give the text to write for it (quotes are converted;
 * everything else is written as it is). */
static join classify(const uint8_t **w, size_t *n, line_state *ls)
{
	if (*n == 2 && (*w)[0] == '`' && (*w)[1] == '`') {
		*w = (const uint8_t *)"\"";
		*n = 1;
		return JOIN_OPEN;
	}
	if (*n == 2 && (*w)[0] == '\'' && (*w)[1] == '\'') {
		*w = (const uint8_t *)"\"";
		*n = 1;
		return JOIN_CLOSE;
	}
	if (*n != 1)
		return JOIN_WORD;
	if ((*w)[0] == '\'') {
		/* Brown does not say which way a lone ' faces: alternate. */
		ls->single_open = !ls->single_open;
		return ls->single_open ? JOIN_OPEN : JOIN_CLOSE;
	}
	if (memchr(",.;:?!)]}", (*w)[0], 9))
		return JOIN_CLOSE;
	if (memchr("([{", (*w)[0], 3))
		return JOIN_OPEN;
	return JOIN_WORD;
}

static void emit_token(const uint8_t *tok, size_t n, line_state *ls, lw_buf *out)
{
	const uint8_t *w = tok;
	size_t wn = word_len(tok, n);
	join j = classify(&w, &wn, ls);
	/* "Jr./np ./." ends a sentence with an abbreviation: write "Jr." once. */
	if (wn == 1 && w[0] == '.' && !ls->empty && out->data[out->len - 1] == '.')
		return;
	if (!ls->empty && !ls->glue && j != JOIN_CLOSE)
		lw_buf_putc(out, ' ');
	lw_buf_append(out, w, wn);
	ls->empty = 0;
	ls->glue = (j == JOIN_OPEN);
}

/* Detag line[0..n) (no '\n' inside) into out; returns the tokens found. */
static uint64_t detag_line(const uint8_t *line, size_t n, lw_buf *out)
{
	line_state ls = {.empty = 1};
	uint64_t tokens = 0;
	size_t i = 0;
	while (i < n) {
		while (i < n && is_space(line[i]))
			i++;
		size_t start = i;
		while (i < n && !is_space(line[i]))
			i++;
		if (i > start) {
			emit_token(line + start, i - start, &ls, out);
			tokens++;
		}
	}
	return tokens;
}

/* Whether line[0..n) holds a token. */
static int has_token(const uint8_t *line, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_space(line[i]))
			return 1;
	return 0;
}

/* lw_brown_detag, also counting the tokens read into *words. */
static void detag(const uint8_t *text, size_t n, lw_buf *out, uint64_t *words)
{
	int wrote = 0;     /* a sentence has been written by this call */
	int gap = 0;       /* a blank line was seen since the last sentence */
	size_t pos = 0;
	while (pos < n) {
		const uint8_t *nl = memchr(text + pos, '\n', n - pos);
		size_t end = nl ? (size_t)(nl - text) : n;
		if (!has_token(text + pos, end - pos)) {
			gap = 1;
		} else {
			if (wrote && gap)
				lw_buf_putc(out, '\n');
			*words += detag_line(text + pos, end - pos, out);
			lw_buf_putc(out, '\n');
			wrote = 1;
			gap = 0;
		}
		pos = end + 1;
	}
}

lw_status lw_brown_detag(const uint8_t *tagged, size_t n, lw_buf *out, lw_err *err)
{
	if (!tagged && n > 0)
		return lw_err_set(err, LW_ERR_ARG, "brown detag: NULL text of %zu bytes", n);
	uint64_t words = 0;
	detag(tagged, n, out, &words);
	return LW_OK;
}

/* ------------------------------------------------------------ cats.txt */

/* A document name is a plain file name: letters, digits, '_', '-', '.',
 * not starting with '.' (so never "..", never a path). */
static int valid_name(const char *s)
{
	if (!s[0] || s[0] == '.' || strlen(s) > 255)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return 0;
	return 1;
}

/* Cut the next whitespace-separated field of the NUL-terminated line at *p:
 * NUL-terminate it in place and return it, or NULL if none is left. */
static char *next_field(char **p)
{
	char *s = *p;
	while (*s && (is_space((uint8_t)*s)))
		s++;
	if (!*s)
		return NULL;
	char *start = s;
	while (*s && !is_space((uint8_t)*s))
		s++;
	if (*s)
		*s++ = 0;
	*p = s;
	return start;
}

typedef struct doc_list {
	char **names; /* point into the cats.txt buffer */
	size_t n, cap;
} doc_list;

/* Parse cats.txt (held NUL-terminated in text, modified in place): one
 * "<document> <genre>" per line; blank lines are ignored. */
static lw_status parse_cats(char *text, size_t len, const char *path, doc_list *docs,
			    lw_err *err)
{
	int line_no = 0;
	char *line = text;
	while (line < text + len) {
		line_no++;
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		char *end = nl ? nl : text + len;
		if (memchr(line, 0, (size_t)(end - line)))
			return lw_err_set(err, LW_ERR_FORMAT, "%s:%d: NUL byte in the line", path,
					  line_no);
		*end = 0; /* text is NUL-terminated, so this is in bounds */
		char *p = line;
		char *name = next_field(&p);
		char *genre = name ? next_field(&p) : NULL;
		if (name && (!genre || !valid_name(name)))
			return lw_err_set(err, LW_ERR_FORMAT,
					  "%s:%d: expected \"<document> <genre>\" (e.g. \"ca01 news\") "
					  "with a plain file name as the document",
					  path, line_no);
		if (name) {
			docs->names = lw_xgrow(docs->names, &docs->cap, docs->n + 1,
					       sizeof *docs->names, "document list");
			docs->names[docs->n++] = name;
		}
		line = end + 1;
	}
	if (docs->n == 0)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: lists no documents", path);
	return LW_OK;
}

/* Read and parse src_dir/cats.txt into cats (the text) and docs. */
static lw_status read_cats(const char *src_dir, lw_buf *cats, doc_list *docs, lw_err *err)
{
	char *path = lw_path_join(src_dir, "cats.txt");
	lw_status st = lw_file_read_all(path, cats, err);
	if (st != LW_OK) {
		char why[LW_ERR_MSG_MAX];
		snprintf(why, sizeof why, "%s", err ? err->msg : "");
		lw_err_set(err, st, "%s; run scripts/setup.sh to install the corpus", why);
	} else {
		st = parse_cats((char *)cats->data, cats->len, path, docs, err);
	}
	free(path);
	return st;
}

/* ------------------------------------------------------------ output */

/* mkdir -p dir. */
static lw_status make_dirs(const char *dir, lw_err *err)
{
	if (!dir[0])
		return lw_err_set(err, LW_ERR_ARG, "output directory: empty name");
	char *p = lw_xstrdup(dir, "directory name");
	lw_status st = LW_OK;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != 0)
			continue;
		char c = *s;
		*s = 0;
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			st = lw_err_set(err, LW_ERR_IO, "%s: cannot create directory: %s", p,
					strerror(errno));
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	struct stat sb;
	if (st == LW_OK && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)))
		st = lw_err_set(err, LW_ERR_IO, "%s: not a directory", dir);
	free(p);
	return st;
}

/* One of the two output files. */
typedef struct split_file {
	lw_atomic_file f;
	int docs;
	uint64_t bytes;
} split_file;

/* Append a converted document to sf, after a separator line if it is not
 * the first. */
static lw_status write_doc(split_file *sf, const lw_buf *text, lw_err *err)
{
	static const char sep[] = LW_DOC_SEPARATOR "\n";
	lw_status st = LW_OK;
	if (sf->docs > 0) {
		st = lw_atomic_write(&sf->f, sep, sizeof sep - 1, err);
		sf->bytes += sizeof sep - 1;
	}
	if (st == LW_OK)
		st = lw_atomic_write(&sf->f, text->data, text->len, err);
	sf->bytes += text->len;
	sf->docs++;
	return st;
}

/* Read and detag src_dir/name into text (cleared first). */
static lw_status convert_doc(const char *src_dir, const char *name, lw_buf *raw, lw_buf *text,
			     uint64_t *words, lw_err *err)
{
	char *path = lw_path_join(src_dir, name);
	raw->len = 0;
	text->len = 0;
	lw_status st = lw_file_read_all(path, raw, err);
	if (st == LW_OK) {
		detag(raw->data, raw->len, text, words);
		/* A document must come back whole from lw_doc_next. */
		size_t pos = 0;
		lw_span d;
		if (text->len && lw_doc_next(text->data, text->len, &pos, &d) && d.n != text->len)
			st = lw_err_set(err, LW_ERR_FORMAT,
					"%s: a line of the text is the document separator %s", path,
					LW_DOC_SEPARATOR);
	}
	free(path);
	return st;
}

lw_status lw_brown_convert(const char *src_dir, const char *out_dir, lw_brown_stats *stats,
			   lw_err *err)
{
	lw_buf cats = {0}, raw = {0}, text = {0};
	doc_list docs = {0};
	split_file split[2] = {0}; /* 0: train, 1: validation */
	char *paths[2] = {lw_path_join(out_dir, "train.txt"), lw_path_join(out_dir, "val.txt")};
	uint64_t words = 0;

	lw_status st = read_cats(src_dir, &cats, &docs, err);
	if (st == LW_OK)
		st = make_dirs(out_dir, err);
	for (int k = 0; k < 2 && st == LW_OK; k++)
		st = lw_atomic_open(&split[k].f, paths[k], err);
	for (size_t i = 0; i < docs.n && st == LW_OK; i++) {
		st = convert_doc(src_dir, docs.names[i], &raw, &text, &words, err);
		if (st == LW_OK)
			st = write_doc(&split[i % LW_BROWN_VAL_EVERY == LW_BROWN_VAL_EVERY - 1],
				       &text, err);
	}
	/* Both files are complete before either replaces its target. */
	for (int k = 0; k < 2 && st == LW_OK; k++)
		st = lw_atomic_commit(&split[k].f, err);
	if (st == LW_OK && stats)
		*stats = (lw_brown_stats){
			.docs_train = split[0].docs,
			.docs_val = split[1].docs,
			.bytes_train = split[0].bytes,
			.bytes_val = split[1].bytes,
			.words = words,
		};

	for (int k = 0; k < 2; k++) {
		lw_atomic_abort(&split[k].f); /* no-op after a commit */
		free(paths[k]);
	}
	free(docs.names);
	lw_buf_free(&cats);
	lw_buf_free(&raw);
	lw_buf_free(&text);
	return st;
}
