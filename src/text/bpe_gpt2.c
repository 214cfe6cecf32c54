/*
 * bpe_gpt2.c — loading GPT-2's own tokenizer files (encoder.json and
 * vocab.bpe, as OpenAI published them), and lw_bpe_load, which picks this
 * loader for a directory and the .lwtok loader for a file.
 *
 * GPT-2 stores tokens as text through its "byte-to-unicode" map: bytes that
 * are printable (! to ~, ¡ to ¬, ® to ÿ) stand for themselves (as code
 * points U+0021.., in UTF-8), and the other 68 bytes (0x00-0x20, 0x7F-0xA0,
 * 0xAD), in byte order, become U+0100, U+0101, ... U+0143. So "Ġthe" is the
 * bytes " the". encoder.json maps each such string to its id; vocab.bpe has
 * a "#version" line, then one merge per line, "left right", in rank order.
 *
 * Both files are untrusted (and fuzzed): every key, id and line is checked,
 * and each error is one line naming the file and the key or line. The
 * cross-checks between the files (every token is a byte or made by exactly
 * one merge, merges in a valid order) are bpe_build's.
 */
#include "text/bpe_impl.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/alloc.h"
#include "util/file.h"
#include "util/json_file.h"

/* ------------------------------------------------------------ byte map */

/* The byte GPT-2's map sends to code point cp, or -1. */
static int unicode_to_byte(uint32_t cp)
{
	if ((cp >= '!' && cp <= '~') || (cp >= 0xA1 && cp <= 0xAC) || (cp >= 0xAE && cp <= 0xFF))
		return (int)cp;
	if (cp < 0x100 || cp >= 0x100 + 68)
		return -1;
	uint32_t k = cp - 0x100; /* the k-th byte not printable, in order: */
	if (k < 33)
		return (int)k;                 /* 0x00..0x20 */
	if (k < 67)
		return (int)(0x7F + k - 33);   /* 0x7F..0xA0 */
	return 0xAD;
}

/* Decode GPT-2 text s[0..n) into bytes (out has room for n). Returns the
 * byte count, or -1 if s holds a character outside the map. Only 1- and
 * 2-byte UTF-8 sequences can be in the map (it ends at U+0143). */
static long decode_gpt2_text(const char *s, size_t n, uint8_t *out)
{
	const uint8_t *p = (const uint8_t *)s;
	long k = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		if (p[i] < 0x80) {
			cp = p[i++];
		} else if ((p[i] & 0xE0) == 0xC0 && i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {
			cp = (uint32_t)(p[i] & 0x1F) << 6 | (p[i + 1] & 0x3F);
			i += 2;
			if (cp < 0x80)
				return -1; /* overlong */
		} else {
			return -1;
		}
		int b = unicode_to_byte(cp);
		if (b < 0)
			return -1;
		out[k++] = (uint8_t)b;
	}
	return k;
}

/* s[0..n) for a message: at most 40 bytes, control bytes, quotes and
 * backslashes escaped, so the message stays one line. */
static const char *quoted(const char *s, size_t n, char *buf, size_t size)
{
	size_t j = 0;
	for (size_t i = 0; i < n && i < 40 && j + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7F || c == '"' || c == '\\')
			j += (size_t)snprintf(buf + j, size - j, "\\x%02x", c);
		else
			buf[j++] = (char)c;
	}
	if (n > 40 && j + 4 < size) {
		memcpy(buf + j, "...", 3);
		j += 3;
	}
	buf[j] = 0;
	return buf;
}

/* ------------------------------------------------------------ bytes -> id */

/* Open addressing from token bytes to id, over the draft's tokens. */
typedef struct tok_index {
	int32_t *slot; /* -1: empty */
	size_t mask;
	const bpe_draft *d;
} tok_index;

static void index_build(tok_index *ix, const bpe_draft *d, int32_t n_ids, int32_t skip)
{
	size_t cap = 16;
	while (cap < 2 * (size_t)n_ids)
		cap *= 2;
	ix->slot = lw_xmalloc(cap * sizeof *ix->slot, "token index");
	memset(ix->slot, 0xFF, cap * sizeof *ix->slot);
	ix->mask = cap - 1;
	ix->d = d;
	for (int32_t id = 0; id < n_ids; id++) {
		if (id == skip)
			continue;
		const uint8_t *p = d->tok_bytes + d->tok_off[id];
		size_t i = bpe_bytes_hash(p, d->tok_off[id + 1] - d->tok_off[id]) & ix->mask;
		while (ix->slot[i] >= 0)
			i = (i + 1) & ix->mask;
		ix->slot[i] = id;
	}
}

static int32_t index_find(const tok_index *ix, const uint8_t *p, size_t n)
{
	for (size_t i = bpe_bytes_hash(p, n) & ix->mask;; i = (i + 1) & ix->mask) {
		int32_t id = ix->slot[i];
		if (id < 0)
			return -1;
		const bpe_draft *d = ix->d;
		if (d->tok_off[id + 1] - d->tok_off[id] == n && memcmp(d->tok_bytes + d->tok_off[id], p, n) == 0)
			return id;
	}
}

/* ------------------------------------------------------------ encoder.json */

/* The specials: <|endoftext|> is GPT-2's own (its id from encoder.json);
 * the other four are appended after the n_enc ids of encoder.json. */
static void append_specials(bpe_draft *d, int32_t n_enc, int32_t eot)
{
	d->special[LW_SPECIAL_EOT] = eot;
	size_t off = d->tok_off[n_enc];
	for (int s = 1; s < LW_SPECIAL_COUNT; s++) {
		const char *name = lw_special_name((lw_special)s);
		size_t k = strlen(name);
		d->special[s] = n_enc + s - 1;
		memcpy(d->tok_bytes + off, name, k);
		off += k;
		d->tok_off[n_enc + s] = (uint32_t)off;
	}
}

/* One key/value of encoder.json into keys[id]; checks the id. */
static lw_status take_entry(void *it, int32_t n, const char **keys, size_t *lens, size_t *total,
			    const char *jname, lw_err *err)
{
	const char *key = json_object_iter_key(it);
	size_t klen = json_object_iter_key_len(it);
	json_t *val = json_object_iter_value(it);
	char q[200];
	if (!json_is_integer(val))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: key \"%s\": expected an integer id",
				  jname, quoted(key, klen, q, sizeof q));
	json_int_t id = json_integer_value(val);
	if (id < 0 || id >= n)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: key \"%s\": id %lld outside 0..%d (ids must be dense)",
				  jname, quoted(key, klen, q, sizeof q), (long long)id, n - 1);
	if (keys[id]) {
		char q2[200];
		return lw_err_set(err, LW_ERR_FORMAT, "%s: key \"%s\": id %lld is also the id of \"%s\"",
				  jname, quoted(key, klen, q, sizeof q), (long long)id,
				  quoted(keys[id], lens[id], q2, sizeof q2));
	}
	keys[id] = key;
	lens[id] = klen;
	*total += klen;
	return LW_OK;
}

/* The tokens of encoder.json, ids 0..n-1, then the four appended specials. */
static lw_status read_encoder(json_t *obj, bpe_draft *d, int32_t *n_enc, const char *jname,
			      lw_err *err)
{
	size_t n = json_object_size(obj);
	if (n > BPE_MAX_VOCAB - LW_SPECIAL_COUNT)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: %zu tokens: above the maximum of %d", jname, n,
				  BPE_MAX_VOCAB - LW_SPECIAL_COUNT);
	json_t *eot = json_object_get(obj, lw_special_name(LW_SPECIAL_EOT));
	if (!eot || !json_is_integer(eot))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: no \"<|endoftext|>\" token", jname);
	const char **keys = lw_xcalloc(n + 1, sizeof *keys, "encoder keys");
	size_t *lens = lw_xcalloc(n + 1, sizeof *lens, "encoder keys");
	size_t total = 64; /* the appended specials' names */
	lw_status st = LW_OK;
	for (void *it = json_object_iter(obj); it && st == LW_OK; it = json_object_iter_next(obj, it))
		st = take_entry(it, (int32_t)n, keys, lens, &total, jname, err);
	if (st == LW_OK && total > BPE_MAX_TOKEN_BYTES)
		st = lw_err_set(err, LW_ERR_FORMAT, "%s: %zu bytes of tokens: above the maximum of %u",
				jname, total, BPE_MAX_TOKEN_BYTES);
	if (st == LW_OK) {
		/* Decoded bytes are never longer than the text. */
		d->tok_off = lw_xmalloc((n + LW_SPECIAL_COUNT) * sizeof *d->tok_off, "token offsets");
		d->tok_bytes = lw_xmalloc(total, "token bytes");
		d->tok_off[0] = 0;
		for (size_t id = 0; id < n && st == LW_OK; id++) {
			long k = decode_gpt2_text(keys[id], lens[id], d->tok_bytes + d->tok_off[id]);
			char q[200];
			if (k < 0)
				st = lw_err_set(err, LW_ERR_FORMAT, "%s: key \"%s\": not a GPT-2 byte string (a character outside its byte map)",
						jname, quoted(keys[id], lens[id], q, sizeof q));
			else
				d->tok_off[id + 1] = d->tok_off[id] + (uint32_t)k;
		}
	}
	if (st == LW_OK) {
		*n_enc = (int32_t)n;
		d->vocab = (int32_t)n + LW_SPECIAL_COUNT - 1;
		append_specials(d, (int32_t)n, (int32_t)json_integer_value(eot));
	}
	free(keys);
	free(lens);
	return st;
}

/* ------------------------------------------------------------ vocab.bpe */

/* Decode one side of a merge line and find its id. */
static lw_status find_part(const tok_index *ix, const char *s, size_t n, uint8_t *scratch,
			   size_t *len, int32_t *id, const char *bname, long line, lw_err *err)
{
	char q[200];
	long k = decode_gpt2_text(s, n, scratch);
	if (k < 0)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: line %ld: \"%s\" is not a GPT-2 byte string",
				  bname, line, quoted(s, n, q, sizeof q));
	*len = (size_t)k;
	*id = index_find(ix, scratch, *len);
	if (*id < 0)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: line %ld: token \"%s\" is not in encoder.json",
				  bname, line, quoted(s, n, q, sizeof q));
	return LW_OK;
}

/* One "left right" line into a merge. scratch has room for 2 * n bytes. */
static lw_status parse_merge(const tok_index *ix, const char *s, size_t n, uint8_t *scratch,
			     bpe_merge *m, const char *bname, long line, lw_err *err)
{
	const char *sp = memchr(s, ' ', n);
	if (!sp || sp == s || sp == s + n - 1 || memchr(sp + 1, ' ', (size_t)(s + n - sp - 1)))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: line %ld: expected two tokens separated by one space",
				  bname, line);
	size_t nl, nr;
	lw_status st = find_part(ix, s, (size_t)(sp - s), scratch, &nl, &m->left, bname, line, err);
	if (st == LW_OK)
		st = find_part(ix, sp + 1, (size_t)(s + n - sp - 1), scratch + nl, &nr, &m->right, bname,
			       line, err);
	if (st != LW_OK)
		return st;
	m->result = index_find(ix, scratch, nl + nr);
	if (m->result < 0) {
		char q[200];
		return lw_err_set(err, LW_ERR_FORMAT, "%s: line %ld: the merged token \"%s\" is not in encoder.json",
				  bname, line, quoted(s, n, q, sizeof q));
	}
	return LW_OK;
}

static lw_status read_merges(const char *text, size_t n, const tok_index *ix, bpe_draft *d,
			     const char *bname, lw_err *err)
{
	size_t lines = 1;
	for (const char *p = text; n > 0 && (p = memchr(p, '\n', (size_t)(text + n - p))); p++)
		lines++;
	d->merges = lw_xmalloc(lines * sizeof *d->merges, "merges");
	uint8_t *scratch = lw_xmalloc(2 * n + 1, "merge line");
	d->n_merges = 0;
	d->merge_line0 = 1;
	lw_status st = LW_OK;
	long line = 0;
	for (size_t pos = 0; pos < n && st == LW_OK;) {
		const char *s = text + pos, *nl = memchr(s, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - s) : n - pos;
		pos += len + (nl != NULL);
		line++;
		if (len > 0 && s[len - 1] == '\r')
			len--;
		if (line == 1 && len >= 8 && memcmp(s, "#version", 8) == 0) {
			d->merge_line0 = 2;
			continue;
		}
		st = parse_merge(ix, s, len, scratch, &d->merges[d->n_merges], bname, line, err);
		d->n_merges++;
	}
	free(scratch);
	return st;
}

/* ------------------------------------------------------------ API */

lw_status lw_bpe_load_gpt2_mem(const char *encoder_json, size_t json_len,
			       const char *vocab_bpe, size_t bpe_len, const char *name,
			       lw_bpe **out, lw_err *err)
{
	char *jname = lw_path_join(name, "encoder.json"), *bname = lw_path_join(name, "vocab.bpe");
	bpe_draft d = {.tok_name = jname, .merge_name = bname};
	tok_index ix = {0};
	int32_t n_enc = 0;
	json_t *obj;
	lw_status st = lw_json_parse(jname, encoder_json, json_len, &obj, err);
	if (st)
		goto cleanup;
	if (!json_is_object(obj)) {
		st = lw_err_set(err, LW_ERR_FORMAT, "%s: expected a JSON object of token -> id", jname);
		goto cleanup;
	}
	if ((st = read_encoder(obj, &d, &n_enc, jname, err)) != LW_OK)
		goto cleanup;
	index_build(&ix, &d, n_enc, d.special[LW_SPECIAL_EOT]);
	if ((st = read_merges(vocab_bpe, bpe_len, &ix, &d, bname, err)) != LW_OK)
		goto cleanup;
	st = bpe_build(&d, out, err); /* takes d's arrays */
cleanup:
	free(d.tok_off);
	free(d.tok_bytes);
	free(d.merges);
	free(ix.slot);
	json_decref(obj);
	free(jname);
	free(bname);
	return st;
}

static lw_status load_gpt2_dir(const char *dir, lw_bpe **out, lw_err *err)
{
	char *jpath = lw_path_join(dir, "encoder.json"), *bpath = lw_path_join(dir, "vocab.bpe");
	lw_buf json = {0}, merges = {0};
	lw_status st = lw_file_read_all(jpath, &json, err);
	if (st == LW_OK)
		st = lw_file_read_all(bpath, &merges, err);
	if (st == LW_OK)
		st = lw_bpe_load_gpt2_mem((const char *)json.data, json.len, (const char *)merges.data,
					  merges.len, dir, out, err);
	lw_buf_free(&json);
	lw_buf_free(&merges);
	free(jpath);
	free(bpath);
	return st;
}

lw_status lw_bpe_load(const char *path, lw_bpe **out, lw_err *err)
{
	struct stat sb;
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return load_gpt2_dir(path, out, err);
	lw_buf data = {0};
	lw_status st = lw_file_read_all(path, &data, err);
	if (st == LW_OK)
		st = lw_bpe_load_lwtok_mem(data.data, data.len, path, out, err);
	lw_buf_free(&data);
	return st;
}
