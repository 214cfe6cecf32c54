/*
 * trials_csv.c — trials.csv, the ledger on disk (format in lowwatt/trials.h):
 * written whole and atomically after every change, read back strictly so
 * that a resumed search starts from exactly what was written, or is told
 * which line of a damaged file is wrong.
 */
#include "search/trials_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lowwatt/buf.h"
#include "util/alloc.h"
#include "util/file.h"
#include "util/numfmt.h"

enum { COL_TRIAL, COL_CONFIG, COL_RUNG, COL_STEPS, COL_VAL_LOSS, COL_ENERGY_J, COL_METHOD,
       COL_SECONDS, COL_STATUS, COL_BRACKET, COL_WORKER, COL_LABEL, COL_RUN_DIR, N_COLS };

static const char *const COLUMNS[N_COLS] = {
	"trial", "config", "rung", "steps", "val_loss", "energy_j", "method",
	"seconds", "status", "bracket", "worker", "label", "run_dir",
};

/* ---------------------------------------------------------------- writing */

/* s as one CSV field: quoted, quotes doubled, when it needs to be. */
static void put_text(lw_buf *b, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		lw_buf_puts(b, s);
		return;
	}
	lw_buf_putc(b, '"');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			lw_buf_putc(b, '"');
		lw_buf_putc(b, (uint8_t)*p);
	}
	lw_buf_putc(b, '"');
}

/* x with the fewest significant digits that read back to the same double;
 * NaN as an empty field, infinities as inf and -inf. */
static void put_double(lw_buf *b, double x)
{
	if (isnan(x))
		return;
	if (isinf(x)) {
		lw_buf_puts(b, x > 0 ? "inf" : "-inf");
		return;
	}
	char s[40];
	lw_format_shortest(x, s, sizeof s);
	lw_buf_puts(b, s);
}

static void put_row(lw_buf *b, const lw_trial *r)
{
	lw_buf_printf(b, "%" PRId64 ",", r->id);
	put_text(b, r->config);
	lw_buf_printf(b, ",%d,%" PRId64 ",", r->rung, r->steps);
	put_double(b, r->val_loss);
	lw_buf_putc(b, ',');
	put_double(b, r->energy_j);
	lw_buf_printf(b, ",%s,", r->method);
	put_double(b, r->seconds);
	lw_buf_printf(b, ",%s,%d,%d,", lw_trial_status_name(r->status), r->bracket, r->worker);
	put_text(b, r->label);
	lw_buf_putc(b, ',');
	put_text(b, r->run_dir);
	lw_buf_putc(b, '\n');
}

lw_status lw_trials_write(const lw_trials *l, const char *path, lw_err *err)
{
	lw_buf b = {0};
	for (int c = 0; c < N_COLS; c++)
		lw_buf_printf(&b, "%s%c", COLUMNS[c], c + 1 < N_COLS ? ',' : '\n');
	for (size_t i = 0; i < l->n; i++)
		put_row(&b, &l->rows[i]);
	lw_atomic_file f;
	lw_status st = lw_atomic_open(&f, path, err);
	if (st == LW_OK) {
		st = lw_atomic_write(&f, b.data, b.len, err);
		if (st == LW_OK)
			st = lw_atomic_commit(&f, err);
		else
			lw_atomic_abort(&f);
	}
	lw_buf_free(&b);
	return st;
}

/* ---------------------------------------------------------------- CSV records */

/* A record's fields, decoded into text (each NUL-terminated). */
typedef struct record {
	lw_buf text;
	size_t off[N_COLS];
	int n;               /* fields seen (may exceed N_COLS) */
	int line;            /* the line it starts on */
} record;

typedef struct reader {
	const char *p, *end;
	int line;            /* the line p is on */
} reader;

static void end_field(record *rec)
{
	lw_buf_putc(&rec->text, 0);
	rec->n++;
}

/* A quoted field, p just after its opening quote. */
static lw_status read_quoted(reader *r, record *rec, lw_err *err)
{
	int opened = r->line;
	for (;;) {
		if (r->p == r->end)
			return lw_err_set(err, LW_ERR_FORMAT, "line %d: a quoted field is never "
					  "closed", opened);
		char c = *r->p++;
		if (c == '"') {
			if (r->p == r->end || *r->p != '"')
				return LW_OK;
			r->p++;
		}
		r->line += c == '\n';
		lw_buf_putc(&rec->text, (uint8_t)c);
	}
}

/* The next record into rec; *got is 0 at the end of the text. */
static lw_status read_record(reader *r, record *rec, int *got, lw_err *err)
{
	rec->text.len = 0;
	rec->n = 0;
	rec->line = r->line;
	*got = r->p < r->end;
	if (!*got)
		return LW_OK;
	for (;;) {
		if (rec->n < N_COLS)
			rec->off[rec->n] = rec->text.len;
		if (r->p < r->end && *r->p == '"') {
			r->p++;
			lw_status st = read_quoted(r, rec, err);
			if (st)
				return st;
		} else {
			while (r->p < r->end && !strchr(",\"\r\n", *r->p))
				lw_buf_putc(&rec->text, (uint8_t)*r->p++);
			if (r->p < r->end && *r->p == '"')
				return lw_err_set(err, LW_ERR_FORMAT, "line %d: a quote inside an "
						  "unquoted field", r->line);
		}
		end_field(rec);
		if (r->p == r->end)
			return lw_err_set(err, LW_ERR_FORMAT, "line %d: the last line has no line "
					  "end (a truncated file?)", r->line);
		char c = *r->p++;
		if (c == ',')
			continue;
		if (c == '\r' && r->p < r->end && *r->p == '\n')
			c = *r->p++;
		if (c == '\n') {
			r->line++;
			return LW_OK;
		}
		return lw_err_set(err, LW_ERR_FORMAT, "line %d: %s", r->line,
				  c == '\r' ? "a CR that does not end the line"
					    : "text after a closing quote");
	}
}

static const char *field(const record *rec, int c)
{
	return (const char *)rec->text.data + rec->off[c];
}

/* ---------------------------------------------------------------- fields */

static lw_status bad_field(int c, const char *s, const char *what, lw_err *err)
{
	return lw_err_set(err, LW_ERR_FORMAT, "%s: %s, got \"%.40s\"", COLUMNS[c], what, s);
}

/* A decimal integer in [min, max]: digits, an optional leading '-'. */
static lw_status parse_int(const record *rec, int c, int64_t min, int64_t max, int64_t *v,
			   lw_err *err)
{
	const char *s = field(rec, c);
	const char *d = s + (*s == '-');
	if (!*d || strspn(d, "0123456789") != strlen(d))
		return bad_field(c, s, "expected an integer", err);
	errno = 0;
	long long x = strtoll(s, NULL, 10);
	if (errno == ERANGE || x < min || x > max)
		return bad_field(c, s, "out of range", err);
	*v = x;
	return LW_OK;
}

/* A finite decimal number; with loss set, also empty (NaN), inf, -inf. */
static lw_status parse_real(const record *rec, int c, int loss, double *v, lw_err *err)
{
	const char *s = field(rec, c);
	if (loss && (!*s || !strcmp(s, "inf") || !strcmp(s, "-inf"))) {
		*v = !*s ? NAN : *s == '-' ? -INFINITY : INFINITY;
		return LW_OK;
	}
	char *end;
	/* Only the characters of decimal notation: strtod's hex, nan, inf and
	 * leading spaces are refused. Overflow gives an infinity, refused;
	 * underflow (ERANGE too) is a subnormal such as 5e-324, kept. */
	int plain = *s && strspn(s, "0123456789+-.eE") == strlen(s);
	double x = plain ? strtod(s, &end) : 0;
	if (!plain || *end || !isfinite(x))
		return bad_field(c, s, "expected a finite number", err);
	*v = x;
	return LW_OK;
}

static char *opt_text(const char *s)
{
	return *s ? lw_xstrdup(s, "trial ledger text") : NULL;
}

/* rec's fields into r (whose strings are then the caller's to free). */
static lw_status parse_row(const record *rec, lw_trial *r, lw_err *err)
{
	int64_t id, rung, steps, bracket, worker;
	lw_status st;
	if ((st = parse_int(rec, COL_TRIAL, 0, INT64_MAX - 1, &id, err)) ||
	    (st = parse_int(rec, COL_RUNG, 0, INT32_MAX, &rung, err)) ||
	    (st = parse_int(rec, COL_STEPS, 0, INT64_MAX, &steps, err)) ||
	    (st = parse_int(rec, COL_BRACKET, 0, INT32_MAX, &bracket, err)) ||
	    (st = parse_int(rec, COL_WORKER, 0, INT32_MAX, &worker, err)) ||
	    (st = parse_real(rec, COL_VAL_LOSS, 1, &r->val_loss, err)) ||
	    (st = parse_real(rec, COL_ENERGY_J, 0, &r->energy_j, err)) ||
	    (st = parse_real(rec, COL_SECONDS, 0, &r->seconds, err)))
		return st;
	r->id = id;
	r->rung = (int)rung;
	r->steps = steps;
	r->bracket = (int)bracket;
	r->worker = (int)worker;
	const char *method = field(rec, COL_METHOD);
	if (strlen(method) >= sizeof r->method || !lw_trials_method_known(method))
		return bad_field(COL_METHOD, method, "expected none, measured, estimated or "
				 "mixed", err);
	strcpy(r->method, method);
	int status = lw_trial_status_parse(field(rec, COL_STATUS));
	if (status < 0)
		return bad_field(COL_STATUS, field(rec, COL_STATUS), "expected pending, running, "
				 "done, promoted, stopped or failed", err);
	r->status = (lw_trial_status)status;
	if ((st = lw_trials_check_values(r, err)) ||
	    (st = lw_trials_check_config(field(rec, COL_CONFIG), err)))
		return LW_ERR_FORMAT;
	r->config = lw_xstrdup(field(rec, COL_CONFIG), "trial configuration");
	r->label = opt_text(field(rec, COL_LABEL));
	r->run_dir = opt_text(field(rec, COL_RUN_DIR));
	return LW_OK;
}

/* Does r follow prev (NULL: the first row) as the format requires? */
static lw_status check_order(const lw_trial *prev, const lw_trial *r, lw_err *err)
{
	long long id = (long long)r->id;
	if (prev && prev->id == r->id && prev->rung == r->rung)
		return lw_err_set(err, LW_ERR_FORMAT, "trial %lld rung %d appears twice", id,
				  r->rung);
	if (prev && (prev->id > r->id || (prev->id == r->id && prev->rung > r->rung)))
		return lw_err_set(err, LW_ERR_FORMAT, "trial %lld rung %d comes after trial %lld "
				  "rung %d: rows must be in order of trial and rung", id, r->rung,
				  (long long)prev->id, prev->rung);
	if (r->rung == 0)
		return LW_OK;
	if (!prev || prev->id != r->id || prev->rung != r->rung - 1)
		return lw_err_set(err, LW_ERR_FORMAT, "trial %lld has rung %d but no rung %d", id,
				  r->rung, r->rung - 1);
	if (prev->status != LW_TRIAL_PROMOTED)
		return lw_err_set(err, LW_ERR_FORMAT, "trial %lld has rung %d but rung %d is %s, "
				  "not promoted", id, r->rung, prev->rung,
				  lw_trial_status_name(prev->status));
	if (strcmp(prev->config, r->config) != 0)
		return lw_err_set(err, LW_ERR_FORMAT, "trial %lld: the config of rung %d differs "
				  "from rung %d's", id, r->rung, prev->rung);
	return LW_OK;
}

/* ---------------------------------------------------------------- reading */

static lw_status check_header(const record *rec, lw_err *err)
{
	int ok = rec->n == N_COLS;
	for (int c = 0; ok && c < N_COLS; c++)
		ok = strcmp(field(rec, c), COLUMNS[c]) == 0;
	if (ok)
		return LW_OK;
	return lw_err_set(err, LW_ERR_FORMAT, "line 1: not a trial ledger header (expected "
			  "trial,config,rung,steps,val_loss,energy_j,method,seconds,status,"
			  "bracket,worker,label,run_dir)");
}

/* The line of the first NUL in text[0 .. n), or 0 when there is none. */
static int nul_line(const char *text, size_t n)
{
	const char *z = memchr(text, 0, n);
	if (!z)
		return 0;
	int line = 1;
	for (const char *p = text; p < z; p++)
		line += *p == '\n';
	return line;
}

/* Every record of text into l. */
static lw_status parse_text(const char *text, size_t n, lw_trials *l, lw_err *err)
{
	int zline = nul_line(text, n);
	if (zline)
		return lw_err_set(err, LW_ERR_FORMAT, "line %d: a NUL byte", zline);
	if (n == 0)
		return lw_err_set(err, LW_ERR_FORMAT, "empty file, expected the header");
	reader r = {text, text + n, 1};
	record rec = {0};
	int got;
	lw_status st = read_record(&r, &rec, &got, err);
	if (st == LW_OK)
		st = check_header(&rec, err);
	while (st == LW_OK && (st = read_record(&r, &rec, &got, err)) == LW_OK && got) {
		if (rec.n != N_COLS) {
			st = lw_err_set(err, LW_ERR_FORMAT, "line %d: %d fields, expected %d",
					rec.line, rec.n, N_COLS);
			break;
		}
		lw_trial row = {0};
		if ((st = parse_row(&rec, &row, err)) == LW_OK)
			st = check_order(l->n ? &l->rows[l->n - 1] : NULL, &row, err);
		if (st) {
			lw_trials_row_free(&row);
			char where[32];
			snprintf(where, sizeof where, "line %d", rec.line);
			lw_err_prefix(err, where);
			break;
		}
		l->rows = lw_xgrow(l->rows, &l->cap, l->n + 1, sizeof *l->rows, "trial ledger");
		l->rows[l->n++] = row;
		l->next_id = row.id + 1;
	}
	lw_buf_free(&rec.text);
	return st;
}

lw_status lw_trials_read(const char *path, lw_trials *l, lw_err *err)
{
	*l = (lw_trials){0};
	lw_buf text = {0};
	lw_status st = lw_file_read_all(path, &text, err);
	if (st == LW_OK) {
		st = parse_text((const char *)text.data, text.len, l, err);
		if (st) {
			lw_err_prefix(err, path);
			lw_trials_free(l);
		}
	}
	lw_buf_free(&text);
	return st;
}
