/*
 * run_files.c — reading a run directory for the report (see run_files.h).
 *
 * The files are read whole and parsed by length, never as C strings, so a
 * NUL byte, a line of megabytes or a file that ends without a newline is a
 * clear message at worst. Every message names the file and, for
 * metrics.csv, the line.
 */
#define _POSIX_C_SOURCE 200809L
#include "report/run_files.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/alloc.h"
#include "util/file.h"
#include "util/json_file.h"

/* ---------------------------------------------------------------- columns */

static const char *const COL_NAMES[LW_COL_COUNT] = {
	"step", "tokens", "loss", "lr", "grad_norm", "tokens_per_s", "elapsed_s", "val_loss",
	"val_accuracy", "power_w", "energy_j", "co2e_g", "method", "cpu_j", "dram_j", "gpu_j",
};

static const char *const METHOD_NAMES[] = {"none", "measured", "estimated", "mixed"};

const char *lw_run_col_name(lw_run_col c)
{
	return c >= 0 && c < LW_COL_COUNT ? COL_NAMES[c] : "?";
}

/* Whether line[0..len) is the header of the first n columns. */
static int is_header(const char *line, size_t len, int n)
{
	size_t o = 0;
	for (int c = 0; c < n; c++) {
		size_t k = strlen(COL_NAMES[c]);
		if (c > 0 && (o >= len || line[o++] != ','))
			return 0;
		if (len - o < k || memcmp(line + o, COL_NAMES[c], k) != 0)
			return 0;
		o += k;
	}
	return o == len;
}

/* A field as it may appear in a message: printable, at most 24 characters. */
static const char *shown(const char *s, size_t len, char *buf, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 4 < size && i < 24; i++)
		buf[o++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (len > 24 && o + 4 < size) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = 0;
	return buf;
}

/* ---------------------------------------------------------------- fields */

typedef struct csv_pos {
	const char *path;
	size_t line;
} csv_pos;

static lw_status bad_field(const csv_pos *at, int c, const char *s, size_t len, const char *what,
			   lw_err *err)
{
	char buf[40];
	return lw_err_set(err, LW_ERR_FORMAT, "%s:%zu: %s '%s' %s", at->path, at->line,
			  COL_NAMES[c], shown(s, len, buf, sizeof buf), what);
}

/* A number field: empty (NaN, unless the column must have one) or a number
 * (non-finite ones are NaN). */
static lw_status parse_number(const csv_pos *at, int c, const char *s, size_t len, double *out,
			      lw_err *err)
{
	int required = c == LW_COL_STEP || c == LW_COL_TOKENS || c == LW_COL_ELAPSED_S;
	*out = NAN;
	if (len == 0)
		return required ? bad_field(at, c, s, len, "is empty, expected a number", err) : LW_OK;
	char buf[64];
	if (len >= sizeof buf || memchr(s, 0, len) || s[0] == ' ' || s[0] == '\t')
		return bad_field(at, c, s, len, "is not a number", err);
	memcpy(buf, s, len);
	buf[len] = 0;
	char *end;
	double v = strtod(buf, &end);
	if (end != buf + len)
		return bad_field(at, c, s, len, "is not a number", err);
	if (!isfinite(v) && required)
		return bad_field(at, c, s, len, "is not a finite number", err);
	*out = isfinite(v) ? v : NAN;
	return LW_OK;
}

static lw_status parse_method(const csv_pos *at, const char *s, size_t len, double *out,
			      lw_err *err)
{
	*out = NAN;
	if (len == 0)
		return LW_OK;
	for (int m = 0; m < 4; m++)
		if (strlen(METHOD_NAMES[m]) == len && memcmp(s, METHOD_NAMES[m], len) == 0) {
			*out = m;
			return LW_OK;
		}
	return bad_field(at, LW_COL_METHOD, s, len,
			 "is not a method (measured, estimated, mixed or none)", err);
}

/* Row r from line[0..len). */
static lw_status parse_row(const csv_pos *at, const char *line, size_t len, lw_run_files *run,
			   size_t r, lw_err *err)
{
	size_t fields = 1;
	for (size_t i = 0; i < len; i++)
		fields += line[i] == ',';
	if (fields != (size_t)run->n_cols)
		return lw_err_set(err, LW_ERR_FORMAT, "%s:%zu: %zu fields, expected %d", at->path,
				  at->line, fields, run->n_cols);
	const char *p = line, *end = line + len;
	for (int c = 0; c < run->n_cols; c++) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t flen = (size_t)((comma ? comma : end) - p);
		lw_status st = c == LW_COL_METHOD ? parse_method(at, p, flen, &run->col[c][r], err)
						  : parse_number(at, c, p, flen, &run->col[c][r], err);
		if (st)
			return st;
		p += flen + 1;
	}
	return LW_OK;
}

/* ---------------------------------------------------------------- metrics */

/* The next line of [*p, end) without its "\n" or "\r\n"; 0 at the end. */
static int next_line(const char **p, const char *end, const char **line, size_t *len)
{
	if (*p >= end)
		return 0;
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *stop = nl ? nl : end;
	*line = *p;
	*len = (size_t)(stop - *p);
	if (*len > 0 && (*line)[*len - 1] == '\r')
		(*len)--;
	*p = nl ? nl + 1 : end;
	return 1;
}

static void free_columns(lw_run_files *run)
{
	for (int c = 0; c < LW_COL_COUNT; c++) {
		free(run->col[c]);
		run->col[c] = NULL;
	}
	run->n_rows = 0;
}

static lw_status alloc_columns(const char *path, lw_run_files *run, size_t rows, lw_err *err)
{
	for (int c = 0; c < LW_COL_COUNT; c++) {
		run->col[c] = malloc((rows ? rows : 1) * sizeof(double));
		if (!run->col[c]) {
			free_columns(run);
			return lw_err_set(err, LW_ERR_NOMEM, "%s: no memory for %zu rows", path, rows);
		}
	}
	return LW_OK;
}

lw_status lw_run_files_parse_metrics(const char *path, const char *text, size_t len,
				     lw_run_files *run, lw_err *err)
{
	free_columns(run);
	const char *p = text, *end = text + len, *line;
	size_t line_len;
	char buf[40];
	if (!next_line(&p, end, &line, &line_len))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: empty, not a run's metrics.csv", path);
	if (is_header(line, line_len, LW_COL_COUNT))
		run->n_cols = LW_COL_COUNT;
	else if (is_header(line, line_len, LW_COL_COUNT_OLD))
		run->n_cols = LW_COL_COUNT_OLD;
	else
		return lw_err_set(err, LW_ERR_FORMAT, "%s:1: not a run's metrics.csv (header '%s')",
				  path, shown(line, line_len, buf, sizeof buf));
	size_t rows = 0;
	for (const char *q = p; q < end && (q = memchr(q, '\n', (size_t)(end - q))); q++)
		rows++;
	lw_status st = alloc_columns(path, run, rows + 1, err);
	csv_pos at = {path, 1};
	while (!st && next_line(&p, end, &line, &line_len)) {
		at.line++;
		size_t r = run->n_rows;
		for (int c = run->n_cols; c < LW_COL_COUNT; c++)
			run->col[c][r] = NAN;
		if (!(st = parse_row(&at, line, line_len, run, r, err)))
			run->n_rows++;
	}
	if (st)
		free_columns(run);
	return st;
}

/* ---------------------------------------------------------------- summary */

lw_status lw_run_files_parse_summary(const char *path, const char *text, size_t len,
				     lw_run_files *run, lw_err *err)
{
	json_decref(run->summary);
	run->summary = NULL;
	json_t *j;
	lw_status st = lw_json_parse(path, text, len, &j, err);
	if (st)
		return st;
	if (!json_is_object(j) || !json_is_number(json_object_get(j, "steps"))) {
		json_decref(j);
		return lw_err_set(err, LW_ERR_FORMAT,
				  "%s: not a run's summary (expected an object with \"steps\")", path);
	}
	run->summary = j;
	return LW_OK;
}

double lw_run_files_num(const lw_run_files *run, const char *key, const char *sub)
{
	json_t *v = run->summary ? json_object_get(run->summary, key) : NULL;
	if (sub)
		v = json_is_object(v) ? json_object_get(v, sub) : NULL;
	return json_is_number(v) ? json_number_value(v) : NAN;
}

const char *lw_run_files_str(const lw_run_files *run, const char *key, const char *sub)
{
	json_t *v = run->summary ? json_object_get(run->summary, key) : NULL;
	if (sub)
		v = json_is_object(v) ? json_object_get(v, sub) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int lw_run_files_metered(const lw_run_files *run)
{
	if (isfinite(lw_run_files_num(run, "energy_j", "total")))
		return 1;
	for (size_t r = 0; r < run->n_rows; r++)
		if (isfinite(run->col[LW_COL_ENERGY_J][r]))
			return 1;
	return 0;
}

/* ---------------------------------------------------------------- loading */

/* The directory's base name: "runs/a/" -> "a"; "." -> the real name. */
static char *base_name(const char *dir)
{
	char *real = NULL;
	size_t len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	size_t start = len;
	while (start > 0 && dir[start - 1] != '/')
		start--;
	if ((len - start == 1 && dir[start] == '.') ||
	    (len - start == 2 && dir[start] == '.' && dir[start + 1] == '.') || len == start) {
		if ((real = realpath(dir, NULL)) != NULL) {
			char *name = lw_xstrdup(strrchr(real, '/')[1] ? strrchr(real, '/') + 1 : real,
						"run name");
			free(real);
			return name;
		}
	}
	char *name = lw_xmalloc(len - start + 1, "run name");
	memcpy(name, dir + start, len - start);
	name[len - start] = 0;
	return name;
}

/* Read dir/name into buf: 1 read, 0 absent (when optional), or an error. */
static lw_status read_member(const char *dir, const char *name, int optional, lw_buf *buf,
			     char **path, lw_err *err)
{
	*path = lw_path_join(dir, name);
	struct stat sb;
	if (stat(*path, &sb) != 0 && errno == ENOENT) {
		if (optional)
			return LW_OK;
		return lw_err_set(err, LW_ERR_FORMAT, "%s: not a run directory (no %s)", dir, name);
	}
	return lw_file_read_all(*path, buf, err);
}

lw_status lw_run_files_load(const char *dir, lw_run_files *run, lw_err *err)
{
	memset(run, 0, sizeof *run);
	struct stat sb;
	if (stat(dir, &sb) != 0)
		return lw_err_set(err, LW_ERR_IO, "%s: cannot open: %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return lw_err_set(err, LW_ERR_FORMAT, "%s: not a run directory (not a directory)", dir);
	lw_buf metrics = {0}, summary = {0};
	char *mpath = NULL, *spath = NULL;
	lw_status st;
	if ((st = read_member(dir, "metrics.csv", 0, &metrics, &mpath, err)) ||
	    (st = lw_run_files_parse_metrics(mpath, (const char *)metrics.data, metrics.len, run,
					     err)) ||
	    (st = read_member(dir, "summary.json", 1, &summary, &spath, err)))
		goto cleanup;
	if (summary.data &&
	    (st = lw_run_files_parse_summary(spath, (const char *)summary.data, summary.len, run,
					     err)))
		goto cleanup;
	run->dir = lw_xstrdup(dir, "run directory");
	run->name = base_name(dir);
cleanup:
	if (st)
		lw_run_files_free(run);
	lw_buf_free(&metrics);
	lw_buf_free(&summary);
	free(mpath);
	free(spath);
	return st;
}

void lw_run_files_free(lw_run_files *run)
{
	free_columns(run);
	json_decref(run->summary);
	free(run->dir);
	free(run->name);
	memset(run, 0, sizeof *run);
}
