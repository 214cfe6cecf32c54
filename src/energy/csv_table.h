/*
 * csv_table.h — reading the project's small CSV tables held in memory
 * (data.h): one record at a time, '#' comment lines and blank lines
 * skipped, RFC 4180 quotes ("a, b" and "" for a quote) inside one line,
 * LF or CRLF line ends, and the line number of every record for errors.
 * Fields are copied into fixed buffers: the tables are ours and small, so
 * a record too wide or a field too long is a format error, not a reason to
 * allocate.
 */
#ifndef LW_ENERGY_CSV_TABLE_H
#define LW_ENERGY_CSV_TABLE_H

#include "lowwatt/status.h"

#define LW_CSV_MAX_FIELDS 8
#define LW_CSV_FIELD_MAX 256

typedef struct lw_csv_reader {
	const char *p;      /* the next byte of the NUL-terminated text */
	const char *what;   /* the table's name, for errors ("TDP table") */
	int line;           /* 1-based line of the record last read */
} lw_csv_reader;

typedef struct lw_csv_record {
	int n;                                          /* fields read */
	char field[LW_CSV_MAX_FIELDS][LW_CSV_FIELD_MAX];
} lw_csv_record;

void lw_csv_init(lw_csv_reader *r, const char *text, const char *what);

/* The next record into rec: *got is 1, or 0 at the end of the text. A
 * malformed line is an LW_ERR_FORMAT "WHAT line N: ...". */
lw_status lw_csv_next(lw_csv_reader *r, lw_csv_record *rec, int *got, lw_err *err);

/* 1 if s is a plain decimal number (digits, optional fraction and
 * exponent; no sign, space, hex, inf or nan) that is finite, into *v. */
int lw_csv_number(const char *s, double *v);

#endif
