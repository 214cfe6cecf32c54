/*
 * emissions.c — CodeCarbon-compatible emissions.csv rows (see
 * include/lowwatt/emissions.h).
 *
 * Users keep dashboards and notebooks that read CodeCarbon's emissions.csv;
 * writing the same 38 columns, in the same order and units, lets them read
 * lowwatt's measurements unchanged. Cells lowwatt does not know (cloud,
 * Python, coordinates, GPU utilisation, water) stay empty, as CodeCarbon
 * leaves its own unknowns.
 *
 * Numbers are written with %.10g (ten significant digits: a 1e-7 kWh run
 * stays exact enough) and always with '.' as decimal point. lowwatt never
 * calls setlocale, so the C locale is in force; a program that embeds the
 * library and sets LC_NUMERIC still gets '.' (see put_number). Appending
 * rewrites the whole file through lw_atomic_file: old rows plus the new one
 * go to a temporary file renamed over the old, so a crash leaves the old
 * file or the new one, never a torn row.
 */
#include "lowwatt/emissions.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lowwatt/buf.h"
#include "util/file.h"

/* ---------------------------------------------------------------- cells */

static const char header[] =
	"timestamp,project_name,run_id,experiment_id,duration,emissions,"
	"emissions_rate,cpu_power,gpu_power,ram_power,cpu_energy,gpu_energy,"
	"ram_energy,energy_consumed,water_consumed,country_name,country_iso_code,"
	"region,cloud_provider,cloud_region,os,python_version,codecarbon_version,"
	"cpu_count,cpu_model,gpu_count,gpu_model,longitude,latitude,"
	"ram_total_size,tracking_mode,cpu_utilization_percent,"
	"gpu_utilization_percent,ram_utilization_percent,ram_used_gb,on_cloud,"
	"pue,wue";

const char *lw_emissions_header(void)
{
	return header;
}

/* A line being written: cells after the first are preceded by a comma. */
typedef struct line_writer {
	lw_buf *b;
	int cells;
} line_writer;

static void next_cell(line_writer *w)
{
	if (w->cells++)
		lw_buf_putc(w->b, ',');
}

static void put_empty(line_writer *w)
{
	next_cell(w);
}

/* A string cell, quoted per RFC 4180 when it holds a comma, quote, CR or
 * LF (quotes inside doubled). NULL is an empty cell. */
static void put_string(line_writer *w, const char *s)
{
	next_cell(w);
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		lw_buf_puts(w->b, s);
		return;
	}
	lw_buf_putc(w->b, '"');
	for (; *s; s++) {
		if (*s == '"')
			lw_buf_putc(w->b, '"');
		lw_buf_putc(w->b, (uint8_t)*s);
	}
	lw_buf_putc(w->b, '"');
}

static int numeric(char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e';
}

/* A number cell; NaN (unknown) and infinities are empty. %g writes only a
 * sign, digits, 'e' and the locale's decimal point, so any other run of
 * bytes is that decimal point (one byte or several): it becomes '.'. */
static void put_number(line_writer *w, double x)
{
	next_cell(w);
	if (!isfinite(x))
		return;
	char text[64];
	snprintf(text, sizeof text, "%.10g", x);
	for (const char *p = text; *p; p++) {
		if (numeric(*p))
			lw_buf_putc(w->b, (uint8_t)*p);
		else if (p == text || numeric(p[-1]))
			lw_buf_putc(w->b, '.');
	}
}

/* A count cell; negative (unknown) is empty. */
static void put_count(line_writer *w, int n)
{
	next_cell(w);
	if (n < 0)
		return;
	char text[16];
	snprintf(text, sizeof text, "%d", n);
	lw_buf_puts(w->b, text);
}

/* ---------------------------------------------------------------- rows */

void lw_emissions_row_init(lw_emissions_row *row)
{
	*row = (lw_emissions_row){
		.duration_s = NAN, .emissions_kg = NAN, .emissions_rate_kg_s = NAN,
		.cpu_power_w = NAN, .gpu_power_w = NAN, .ram_power_w = NAN,
		.cpu_energy_kwh = NAN, .gpu_energy_kwh = NAN, .ram_energy_kwh = NAN,
		.energy_consumed_kwh = NAN,
		.cpu_count = -1, .gpu_count = -1,
		.ram_total_gb = NAN,
		.cpu_utilization_percent = NAN, .ram_utilization_percent = NAN,
		.ram_used_gb = NAN, .pue = NAN,
	};
}

/* The 38 cells of row, in the header's order, appended to b (no newline). */
static void write_row(lw_buf *b, const lw_emissions_row *row)
{
	line_writer w = {b, 0};
	put_string(&w, row->timestamp);
	put_string(&w, row->project_name);
	put_string(&w, row->run_id);
	put_string(&w, row->experiment_id);
	put_number(&w, row->duration_s);
	put_number(&w, row->emissions_kg);
	put_number(&w, row->emissions_rate_kg_s);
	put_number(&w, row->cpu_power_w);
	put_number(&w, row->gpu_power_w);
	put_number(&w, row->ram_power_w);
	put_number(&w, row->cpu_energy_kwh);
	put_number(&w, row->gpu_energy_kwh);
	put_number(&w, row->ram_energy_kwh);
	put_number(&w, row->energy_consumed_kwh);
	put_empty(&w);                           /* water_consumed */
	put_string(&w, row->country_name);
	put_string(&w, row->country_iso_code);
	put_empty(&w);                           /* region */
	put_empty(&w);                           /* cloud_provider */
	put_empty(&w);                           /* cloud_region */
	put_string(&w, row->os);
	put_empty(&w);                           /* python_version */
	put_empty(&w);                           /* codecarbon_version */
	put_count(&w, row->cpu_count);
	put_string(&w, row->cpu_model);
	put_count(&w, row->gpu_count);
	put_string(&w, row->gpu_model);
	put_empty(&w);                           /* longitude */
	put_empty(&w);                           /* latitude */
	put_number(&w, row->ram_total_gb);       /* ram_total_size */
	put_string(&w, row->tracking_mode);
	put_number(&w, row->cpu_utilization_percent);
	put_empty(&w);                           /* gpu_utilization_percent */
	put_number(&w, row->ram_utilization_percent);
	put_number(&w, row->ram_used_gb);
	put_string(&w, "N");                     /* on_cloud */
	put_number(&w, row->pue);
	put_empty(&w);                           /* wue */
}

lw_status lw_emissions_format(const lw_emissions_row *row, char *buf, size_t size, lw_err *err)
{
	if (!buf || size == 0)
		return lw_err_set(err, LW_ERR_ARG, "emissions.csv row: no buffer to write it in");
	lw_buf line = {0};
	write_row(&line, row);
	lw_status st = LW_OK;
	if (line.len + 1 > size) {
		buf[0] = 0;
		st = lw_err_set(err, LW_ERR_ARG, "emissions.csv row: %zu bytes do not fit in a "
				"buffer of %zu", line.len + 1, size);
	} else {
		memcpy(buf, line.data, line.len);
		buf[line.len] = 0;
	}
	lw_buf_free(&line);
	return st;
}

/* ---------------------------------------------------------------- files */

/* The existing content of path into old; a missing file reads as empty. */
static lw_status read_existing(const char *path, lw_buf *old, lw_err *err)
{
	struct stat s;
	if (stat(path, &s) != 0) {
		if (errno == ENOENT)
			return LW_OK;
		return lw_err_set(err, LW_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
	}
	return lw_file_read_all(path, old, err);
}

/* Check that old (not empty) starts with the header line; sets *eol to the
 * line ending it uses ("\n", or "\r\n" where the header line ends in CR). */
static lw_status check_header(const char *path, const lw_buf *old, const char **eol,
			      lw_err *err)
{
	const char *text = (const char *)old->data;
	const char *nl = memchr(text, '\n', old->len);
	size_t n = nl ? (size_t)(nl - text) : old->len;
	*eol = "\n";
	if (n > 0 && text[n - 1] == '\r') {
		n--;
		*eol = "\r\n";
	}
	if (n == sizeof header - 1 && memcmp(text, header, n) == 0)
		return LW_OK;
	return lw_err_set(err, LW_ERR_FORMAT, "%s: its first line is not the header of CodeCarbon "
			  "3.x's emissions.csv (38 columns); append to a new file or to one "
			  "written by lowwatt or CodeCarbon 3.x", path);
}

/* The new content of the file: old (checked) or a header, then the row. A
 * last line without its newline gets one first (a lone CR its LF). */
static lw_status build_content(const char *path, const lw_buf *old, const lw_emissions_row *row,
			       lw_buf *out, lw_err *err)
{
	const char *eol = "\n";
	if (old->len == 0) {
		lw_buf_puts(out, header);
		lw_buf_puts(out, eol);
	} else {
		lw_status st = check_header(path, old, &eol, err);
		if (st != LW_OK)
			return st;
		lw_buf_append(out, old->data, old->len);
		uint8_t last = old->data[old->len - 1];
		if (last == '\r')
			lw_buf_putc(out, '\n');
		else if (last != '\n')
			lw_buf_puts(out, eol);
	}
	write_row(out, row);
	lw_buf_puts(out, eol);
	return LW_OK;
}

lw_status lw_emissions_check(const char *path, lw_err *err)
{
	lw_buf old = {0};
	const char *eol;
	lw_status st = read_existing(path, &old, err);
	if (st == LW_OK && old.len > 0)
		st = check_header(path, &old, &eol, err);
	lw_buf_free(&old);
	return st;
}

lw_status lw_emissions_append(const char *path, const lw_emissions_row *row, lw_err *err)
{
	lw_buf old = {0}, out = {0};
	lw_atomic_file f;
	lw_status st = read_existing(path, &old, err);
	if (st == LW_OK)
		st = build_content(path, &old, row, &out, err);
	if (st != LW_OK)
		goto cleanup;
	st = lw_atomic_open(&f, path, err);
	if (st != LW_OK)
		goto cleanup;
	st = lw_atomic_write(&f, out.data, out.len, err);
	if (st != LW_OK) {
		lw_atomic_abort(&f);
		goto cleanup;
	}
	st = lw_atomic_commit(&f, err);
cleanup:
	lw_buf_free(&old);
	lw_buf_free(&out);
	return st;
}
