/*
 * tdp.c — thermal design power by CPU model name (tdp.h): the built-in
 * table of src/energy/data/cpu-tdp.csv, matched word by word against the
 * name /proc/cpuinfo gives, so that the estimate of a machine without a
 * power meter starts from its CPU's rated power, not a guess per core.
 *
 * The table (about 4,900 rows) is parsed on every lookup: it is called
 * once per meter, takes well under a millisecond, and keeps no state.
 */
#include "energy/tdp.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "energy/csv_table.h"
#include "energy/data.h"

/* ---------------------------------------------------------------- names */

#define NAME_MAX_BYTES 256
#define MAX_WORDS 32

/* A name normalised into words (pointers into buf). */
typedef struct words {
	char buf[NAME_MAX_BYTES];
	const char *w[MAX_WORDS];
	int n;
	size_t len;       /* bytes of the words together, for "longest wins" */
	int has_model;    /* one word holds a digit */
} words;

/* Drop every occurrence of tag from s (in place): "Xeon(R) Gold" and
 * "Core(TM)2 Duo" become separate words, "FX(tm)-8350" stays one. */
static void drop_tag(char *s, const char *tag)
{
	size_t n = strlen(tag);
	for (char *p = strstr(s, tag); p; p = strstr(p, tag)) {
		if (p[n] == '-')
			memmove(p, p + n, strlen(p + n) + 1);
		else
			memset(p, ' ', n);
	}
}

/* Words that say nothing about the model: "cpu", "processor", "64-core". */
static int is_noise(const char *w)
{
	size_t n = strlen(w);
	return strcmp(w, "cpu") == 0 || strcmp(w, "processor") == 0 ||
	       (n > 5 && strcmp(w + n - 5, "-core") == 0);
}

/* Separators: white space, '(', ')', ',' and any non-ASCII byte (the
 * table's "®" and a stray zero-width space). */
static int is_separator(unsigned char c)
{
	return c <= ' ' || c >= 0x7f || c == '(' || c == ')' || c == ',';
}

static void normalise(const char *name, words *out)
{
	size_t i = 0;
	for (; name[i] && name[i] != '@' && i + 1 < sizeof out->buf; i++)
		out->buf[i] = (char)tolower((unsigned char)name[i]);
	out->buf[i] = 0;
	drop_tag(out->buf, "(r)");
	drop_tag(out->buf, "(tm)");
	out->n = 0;
	out->len = 0;
	out->has_model = 0;
	char *p = out->buf;
	while (*p && out->n < MAX_WORDS) {
		while (*p && is_separator((unsigned char)*p))
			*p++ = 0;
		char *w = p;
		while (*p && !is_separator((unsigned char)*p))
			p++;
		if (*p)
			*p++ = 0;
		if (!*w || is_noise(w))
			continue;
		out->w[out->n++] = w;
		out->len += strlen(w);
		out->has_model |= strpbrk(w, "0123456789") != NULL;
	}
}

/* 1 if the words of entry appear consecutively in model's. */
static int contains(const words *model, const words *entry)
{
	for (int i = 0; i + entry->n <= model->n; i++) {
		int j = 0;
		while (j < entry->n && strcmp(model->w[i + j], entry->w[j]) == 0)
			j++;
		if (j == entry->n)
			return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- table */

/* Check one data row; its watts into *watts. */
static lw_status check_row(const lw_csv_reader *r, const lw_csv_record *rec, double *watts,
			   lw_err *err)
{
	if (rec->n != 2)
		return lw_err_set(err, LW_ERR_FORMAT, "%s line %d: expected 2 fields (Name,TDP), got %d",
				  r->what, r->line, rec->n);
	if (!rec->field[0][0])
		return lw_err_set(err, LW_ERR_FORMAT, "%s line %d: empty name", r->what, r->line);
	if (!lw_csv_number(rec->field[1], watts) || *watts <= 0)
		return lw_err_set(err, LW_ERR_FORMAT, "%s line %d: TDP '%.40s' is not a positive "
				  "number of watts", r->what, r->line, rec->field[1]);
	return LW_OK;
}

lw_status lw_tdp_lookup_in(const char *csv, const char *model_name, int *found,
			   double *watts, char *matched, size_t size, lw_err *err)
{
	*found = 0;
	if (watts)
		*watts = 0;
	if (matched && size)
		matched[0] = 0;
	words model, entry;
	normalise(model_name ? model_name : "", &model);
	lw_csv_reader r;
	lw_csv_init(&r, csv, "TDP table");
	lw_csv_record rec;
	int got;
	lw_status st = lw_csv_next(&r, &rec, &got, err);
	if (st)
		return st;
	if (!got)
		return lw_err_set(err, LW_ERR_FORMAT, "%s: no header line (expected Name,TDP)", r.what);
	if (rec.n != 2 || strcmp(rec.field[0], "Name") || strcmp(rec.field[1], "TDP"))
		return lw_err_set(err, LW_ERR_FORMAT, "%s line %d: expected the header Name,TDP",
				  r.what, r.line);
	size_t best_len = 0;
	while (!(st = lw_csv_next(&r, &rec, &got, err)) && got) {
		double w;
		if ((st = check_row(&r, &rec, &w, err)))
			break;
		normalise(rec.field[0], &entry);
		if (!entry.has_model || entry.len <= best_len || !contains(&model, &entry))
			continue;
		best_len = entry.len;
		*found = 1;
		if (watts)
			*watts = w;
		if (matched && size)
			snprintf(matched, size, "%s", rec.field[0]);
	}
	if (st)
		*found = 0;
	return st;
}

int lw_tdp_lookup(const char *model_name, double *watts, char *matched, size_t size)
{
	int found = 0;
	lw_err err;
	/* The built-in table is checked by tests/test_carbon.c: it cannot fail. */
	if (lw_tdp_lookup_in(lw_data_cpu_tdp_csv, model_name, &found, watts, matched, size, &err))
		return 0;
	return found;
}
