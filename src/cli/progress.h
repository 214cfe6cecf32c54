/*
 * progress.h — how `lowwatt train` shows a run as it goes: one live line,
 * rewritten in place on a terminal (plain lines, one per logged step, when
 * standard output is not a terminal), and a line per evaluation, energy
 * prediction and budget stop. With a meter, the live line carries the
 * run's average power, energy (Wh), CO2e and joules per 1,000 tokens,
 * labelled when any of it is estimated.
 */
#ifndef LW_CLI_PROGRESS_H
#define LW_CLI_PROGRESS_H

#include <stdio.h>

#include "lowwatt/trainer.h"

typedef struct progress {
	FILE *out;
	int live;          /* a terminal: rewrite one line */
	long log_every;    /* plain mode: print every log_every steps */
	int line_open;     /* a live line is on screen without its newline */
	volatile int *stop;  /* set by a signal handler: stop cleanly */
	char budget[64];   /* the budget as given ("0.5 kWh"), "" for none */
} progress;

/* budget: NULL or "" for none. */
void progress_init(progress *p, FILE *out, long log_every, volatile int *stop,
		   const char *budget);

/* An lw_train_observer: ctx is a progress. */
int progress_event(const lw_train_event *ev, void *ctx);

/* Where the training time went (LOWWATT_PROFILE=1), as a table. */
void progress_profile(FILE *out, const lw_profile *p, double seconds);

/* End the live line, if one is open. */
void progress_done(progress *p);

#endif
