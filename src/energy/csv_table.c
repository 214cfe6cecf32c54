/*
 * csv_table.c — the record reader of the built-in CSV tables (csv_table.h).
 */
#include "energy/csv_table.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void lw_csv_init(lw_csv_reader *r, const char *text, const char *what)
{
	r->p = text;
	r->what = what;
	r->line = 0;
}

/* The end of a line: NUL, LF, or CR before LF or NUL. */
static int at_line_end(const char *p)
{
	return *p == 0 || *p == '\n' || (*p == '\r' && (p[1] == '\n' || p[1] == 0));
}

/* Append c to the field being read; 0 when it is full. */
static int put(lw_csv_record *rec, size_t *len, char c)
{
	if (*len + 1 >= LW_CSV_FIELD_MAX)
		return 0;
	rec->field[rec->n][(*len)++] = c;
	return 1;
}

/* Read one field at *pp up to its ',' or line end (not consumed). Returns a
 * problem for the error message, or NULL. */
static const char *read_field(const char **pp, lw_csv_record *rec)
{
	const char *p = *pp;
	size_t len = 0;
	int quoted = *p == '"';
	p += quoted;
	for (;; p++) {
		if (at_line_end(p)) {
			if (quoted)
				return "unterminated quoted field";
			break;
		}
		if (quoted && *p == '"') {
			if (p[1] != '"') {
				p++;
				if (*p != ',' && !at_line_end(p))
					return "text after a closing quote";
				break;
			}
			p++;   /* "" is one quote */
		} else if (!quoted && *p == '"') {
			return "a quote inside an unquoted field";
		} else if (!quoted && *p == ',') {
			break;
		}
		if (!put(rec, &len, *p))
			return "field too long";
	}
	rec->field[rec->n][len] = 0;
	*pp = p;
	return NULL;
}

/* Skip to the start of the next line. */
static const char *next_line(const char *p)
{
	const char *nl = strchr(p, '\n');
	return nl ? nl + 1 : p + strlen(p);
}

static int is_blank_line(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	return *p == '\n' || *p == 0;
}

lw_status lw_csv_next(lw_csv_reader *r, lw_csv_record *rec, int *got, lw_err *err)
{
	*got = 0;
	rec->n = 0;
	while (*r->p && (*r->p == '#' || is_blank_line(r->p))) {
		r->p = next_line(r->p);
		r->line++;
	}
	if (!*r->p)
		return LW_OK;
	r->line++;
	const char *p = r->p;
	for (;;) {
		if (rec->n == LW_CSV_MAX_FIELDS)
			return lw_err_set(err, LW_ERR_FORMAT, "%s line %d: more than %d fields", r->what,
					  r->line, LW_CSV_MAX_FIELDS);
		const char *problem = read_field(&p, rec);
		if (problem)
			return lw_err_set(err, LW_ERR_FORMAT, "%s line %d: %s", r->what, r->line,
					  problem);
		rec->n++;
		if (*p != ',')
			break;
		p++;
	}
	r->p = next_line(p);
	*got = 1;
	return LW_OK;
}

int lw_csv_number(const char *s, double *v)
{
	const char *p = s;
	int digits = 0;
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (!digits)
		return 0;
	if (*p == 'e' || *p == 'E') {
		p += p[1] == '+' || p[1] == '-';
		if (!(p[1] >= '0' && p[1] <= '9'))
			return 0;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if (*p)
		return 0;
	errno = 0;
	double x = strtod(s, NULL);
	if (errno == ERANGE || !isfinite(x))
		return 0;
	*v = x;
	return 1;
}
