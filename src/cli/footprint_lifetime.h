/*
 * footprint_lifetime.h — the second mode of `lowwatt footprint`: a model's
 * lifetime, its training plus N uses, and the number of uses at which
 * serving has cost as much as training (footprint_lifetime.c says how).
 */
#ifndef LW_CLI_FOOTPRINT_LIFETIME_H
#define LW_CLI_FOOTPRINT_LIFETIME_H

#include "cli/carbon_flags.h"

/* The flags of the mode as given (NULL: not given). */
typedef struct lifetime_flags {
	const char *train_kwh;   /* --train-kwh X */
	const char *infer_j;     /* --infer-j-per-query Y */
	const char *queries;     /* --queries N */
	const char *run;         /* --run DIR */
} lifetime_flags;

/* The name of the first of the mode's flags that was given ("--queries"),
 * or NULL when none was: then the command is in its first mode. */
const char *lifetime_flag_given(const lifetime_flags *f);

/*
 * Run the mode: check the flags, read DIR/summary.json for --run, print the
 * report (json: one object). Returns the exit status: 0, 1 (a run directory
 * that cannot give the figures; one line on stderr) or CLI_USAGE.
 */
int footprint_lifetime(const char *cmd, const lifetime_flags *f, const carbon_flags *carbon,
		       int json);

#endif
