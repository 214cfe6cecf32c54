/*
 * search_dist.h — `mpirun -np K lowwatt search ...`: one search, its
 * trials trained by K ranks at once.
 *
 * Rank 0 does everything the one-process search does (set-up, the ledger,
 * the files, every line printed) and hands out rungs; every rank, rank 0
 * included, trains them, one at a time, each in its own process (lw_train
 * without a dist: a trial never spans ranks). Rank 0 serves the others
 * between its own training steps (from the trainer's observer): it takes
 * their results, writes trials.csv and hands out the next rung; idle ranks
 * wait by polling and sleeping (search_wire.h), not spinning. The search
 * directory and the data must be on a filesystem every rank sees (a
 * cluster's shared one): a promoted trial continues on whichever rank is
 * free, from the checkpoint another rank wrote.
 *
 * The ledger is the one-process search's: trials.csv rewritten after every
 * change, its worker column the rank that trained each rung; rows being
 * trained are "running" in the file, so a search killed mid-way resumes
 * (with any number of ranks, or one process) by running them again from
 * their checkpoints. The scheduler skips the rows in flight
 * (lw_schedule_next_busy); synchronous plans wait for a rung's last
 * results, ASHA promotes from what is finished.
 *
 * Energy: every rank meters, but each machine is counted once, by its
 * host leader (hosts.h). Rank 0 keeps each host's latest reading
 * (its own, and the other leaders' sent with their results); the total so
 * far is their sum (plus, in a resumed search, the earlier sessions'
 * trials). A trial's energy_j is its rank's meter over the rung divided
 * evenly among the ranks of its machine: an approximation (ranks may not
 * work equally hard), whereas the total is exact.
 *
 * Budget: before handing out a rung, rank 0 checks that the total so far,
 * plus the estimates of the rungs in flight, plus this rung's estimate,
 * fits; if not, the rung is marked stopped and nothing more is handed out,
 * while the rungs in flight finish. Ranks train without a budget of their
 * own (their meters see the whole machine). So the search passes its
 * budget by at most what the rungs running when it was reached spend
 * beyond their estimates.
 *
 * Signals: mpirun passes Ctrl-C on as SIGTERM to every rank; each running
 * rung stops at its next step with its checkpoint, rank 0 gathers the
 * results (telling busy ranks to stop, should the signal reach rank 0
 * alone), writes the ledger and the search ends with status 130. (mpirun
 * kills ranks that have not exited a second after its SIGTERM; give it
 * --mca odls_base_sigkill_timeout 30 for larger models.)
 */
#ifndef LW_CLI_SEARCH_DIST_H
#define LW_CLI_SEARCH_DIST_H

#include <jansson.h>

#include "cli/search_loop.h"
#include "lowwatt/dist.h"
#include "lowwatt/meter.h"

/* Rank 0: tell every other rank how set-up went, once: rc 0 with the
 * settings a worker needs (search_wire.h's SETUP): go on; otherwise
 * (settings NULL) rank 0's exit status: the others exit with 1, or 0 when
 * rank 0 did (--help). Nothing to do for one process; errors end the job
 * (lw_dist_abort). */
void search_dist_tell(const lw_dist *d, int rc, const json_t *settings);

/* Rank 0: the search with the other ranks (search_loop's part when
 * d->size > 1), its host metered by meter; then QUIT to every rank with
 * exit status rc_of(status). Returns 0 (s->status says why it ended); a
 * fatal error ends the job (lw_dist_abort). */
int search_dist_lead(search_state *s, lw_meter *meter);

/* Every other rank: wait for rank 0's set-up, then train what it hands
 * out until it says quit, then take part in the end's sums. Returns the
 * exit status (rank 0's; 1 when rank 0 refused the flags). Prints
 * nothing: a failure ends the job through lw_dist_abort. */
int search_dist_work(const lw_dist *d, const char *cmd, char *const words[],
		     volatile sig_atomic_t *stop);

#endif
