/*
 * trials.h — the trial ledger of `lowwatt search`: every trial's
 * configuration, progress, loss, energy and state, kept in memory and
 * written to DIR/trials.csv after every change, so that `--resume` after a
 * kill continues without retraining a finished trial.
 *
 * (Not to be confused with src/train/trials.h, the trainer's energy
 * accounts: this one is named lw_trials so that both can be included.)
 *
 * ---------------------------------------------------------------- rows
 *
 * One row per rung a trial reached: trial 7 trained to rung 0, promoted and
 * trained to rung 1 has two rows, (7, 0) and (7, 1). Keeping the finished
 * rungs (rather than overwriting them) is what lets a resumed search redo
 * the promotion decisions exactly: successive halving and ASHA rank every
 * trial that finished rung k, promoted ones included. steps, energy_j and
 * seconds are the trial's totals up to and including its rung (cumulative:
 * a promoted trial continues from its checkpoint), so a trial's last row
 * holds what the whole trial spent (lw_trials_energy_j sums those).
 *
 * Rows are kept sorted by (trial, rung); trial ids are given in order of
 * creation from 0 (lw_trials_add), so a search that regenerates its
 * configurations in the same order (same space, strategy and seed) gives
 * them the same ids after a resume; the caller should check that the
 * configuration it regenerates for an id equals the ledger's.
 *
 * ---------------------------------------------------------------- statuses
 *
 * What each status means and what --resume does with it:
 *   pending   created (or promoted into this rung), not started: run it.
 *   running   was training when the ledger was written; found in a ledger
 *             read back, the search was killed during it: rerun this rung,
 *             continuing from run_dir's last checkpoint when there is one.
 *             steps/energy_j/seconds are still those before the rung.
 *   done      finished its rung (val_loss set): never retrained; it may
 *             still be promoted (ASHA) or be a final result.
 *   promoted  finished its rung and was promoted: the row of the next rung
 *             exists; nothing to do.
 *   stopped   not run because the energy budget would have been exceeded:
 *             with a larger budget, resume treats it as pending; otherwise
 *             it stays as it is.
 *   failed    the trainer refused the configuration or the run failed:
 *             final, not retried (val_loss empty).
 *
 * ---------------------------------------------------------------- trials.csv
 *
 * CSV as in RFC 4180, UTF-8, one header line then one line per row, each
 * ending in LF (CRLF is accepted on reading). A field holding a comma, a
 * quote, CR or LF is quoted, with its quotes doubled; any other field is
 * written bare. The columns, in this order — the nine, then ours:
 *
 *   trial     int64 >= 0, the trial id
 *   config    the configuration, a JSON object (compact, one line as
 *             written by the search; the ledger only checks it is an
 *             object); the same on every rung of a trial
 *   rung      int >= 0; a trial's rows have rungs 0, 1, ..., k
 *   steps     int64 >= 0, training steps done by the trial so far
 *   val_loss  the validation loss after the rung: a double written with
 *             the fewest digits (up to 17) that read back to the same
 *             bits, "inf" / "-inf", or empty for none (NaN)
 *   energy_j  double >= 0, finite: the trial's energy so far, joules
 *   method    how energy_j was found: none | measured | estimated | mixed
 *   seconds   double >= 0, finite: the trial's wall time so far
 *   status    pending | running | done | promoted | stopped | failed
 *   bracket   int >= 0: Hyperband's bracket s (0 for other strategies)
 *   worker    int >= 0: the MPI rank that ran the rung last (0 alone)
 *   label     text, optional ("d_model=128 lr=0.001"), for people
 *   run_dir   text, optional: the trial's run directory relative to the
 *             search directory, where its checkpoint lives
 *
 * Reading is strict: a wrong header, a wrong number of fields, a number
 * that does not parse or is out of range, an unknown status or method, a
 * config that is not a JSON object, a repeated (trial, rung), rows out of
 * order, a missing rung, a config that changes between rungs, a quote left
 * open, a NUL byte or a last line without its line end (a truncated,
 * hand-edited file) is an LW_ERR_FORMAT naming the file and the line.
 *
 * ---------------------------------------------------------------- ownership
 *
 * A ledger is plain data owned by one thread of one process; nothing here
 * keeps global state. In the distributed search (mpirun -np K) rank 0
 * alone keeps the ledger, hands out trials and writes trials.csv; workers
 * send back a result (lw_trial without its strings: lw_trials_update
 * leaves config and label as they are) which rank 0 applies.
 */
#ifndef LOWWATT_LEDGER_H
#define LOWWATT_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "lowwatt/status.h"

typedef enum lw_trial_status {
	LW_TRIAL_PENDING = 0,
	LW_TRIAL_RUNNING,
	LW_TRIAL_DONE,
	LW_TRIAL_PROMOTED,
	LW_TRIAL_STOPPED,
	LW_TRIAL_FAILED,
} lw_trial_status;

#define LW_TRIAL_METHOD_MAX 16

/* One row: a trial at one rung. */
typedef struct lw_trial {
	int64_t id;
	char *config;          /* JSON object text (owned by the ledger) */
	char *label;           /* NULL: none (owned) */
	int rung;
	int64_t steps;         /* cumulative over the trial's rungs */
	double val_loss;       /* NaN: none yet */
	double energy_j;       /* cumulative */
	char method[LW_TRIAL_METHOD_MAX];   /* none|measured|estimated|mixed */
	double seconds;        /* cumulative */
	lw_trial_status status;
	int bracket;
	int worker;
	char *run_dir;         /* NULL: none (owned) */
} lw_trial;

/* The ledger: rows sorted by (id, rung). Start zeroed ({0}). */
typedef struct lw_trials {
	lw_trial *rows;
	size_t n, cap;
	int64_t next_id;       /* the id lw_trials_add gives next */
} lw_trials;

void lw_trials_free(lw_trials *l);

/* A new trial, the next id, at rung 0: pending, steps 0, energy 0, method
 * "none", val_loss NaN. label and run_dir may be NULL. *row (if not NULL)
 * receives the row, valid until the ledger next changes. LW_ERR_ARG: config
 * is not a JSON object, or bracket < 0. */
lw_status lw_trials_add(lw_trials *l, const char *config, const char *label, int bracket,
			const char *run_dir, lw_trial **row, lw_err *err);

/* The row (id, rung), or NULL. */
lw_trial *lw_trials_find(const lw_trials *l, int64_t id, int rung);

/* The trial's row of highest rung, or NULL. */
lw_trial *lw_trials_latest(const lw_trials *l, int64_t id);

/* Copy the results of r into the row (r->id, r->rung): steps, val_loss,
 * energy_j, method, seconds, status, worker, and run_dir when r->run_dir is
 * not NULL; config, label and bracket stay. LW_ERR_ARG: no such row, or a
 * value out of its range (see the format). */
lw_status lw_trials_update(lw_trials *l, const lw_trial *r, lw_err *err);

/* Promote trial id: its latest row (which must be done) becomes promoted
 * and a pending row of the next rung follows it, carrying the totals so
 * far. *row as for lw_trials_add. LW_ERR_STATE: not done; LW_ERR_ARG: no
 * such trial. */
lw_status lw_trials_promote(lw_trials *l, int64_t id, lw_trial **row, lw_err *err);

/* Rows with this status. */
size_t lw_trials_count(const lw_trials *l, lw_trial_status status);

/* The energy of the whole search: the sum over trials of their last row's
 * energy_j. */
double lw_trials_energy_j(const lw_trials *l);

/* Write the ledger to path atomically (temporary file, fsync, rename; an
 * existing file keeps its mode and is left as it was on failure). */
lw_status lw_trials_write(const lw_trials *l, const char *path, lw_err *err);

/* Read a trials.csv into *l (which must be zeroed or freed; on failure it is
 * left empty). next_id becomes the largest id + 1. */
lw_status lw_trials_read(const char *path, lw_trials *l, lw_err *err);

/* "pending", ... ; and back (-1: unknown). */
const char *lw_trial_status_name(lw_trial_status s);
int lw_trial_status_parse(const char *name);

#endif
