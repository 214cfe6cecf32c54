/*
 * search_wire.h — the messages of a distributed search (search_dist.h)
 * between rank 0, which keeps the ledger, and the other ranks, which train
 * what it hands them. Each is one MPI message (lowwatt/dist.h's
 * lw_dist_send), its tag naming its kind:
 *
 *   SETUP   rank 0 -> each rank, once: how set-up went (rank 0's exit
 *           status) and, when it succeeded, the settings a worker needs
 *           (JSON text: the search directory, max_steps, rapl, CO2e per
 *           joule and the space, whose base names the data)
 *   JOB     rank 0 -> an idle rank: one rung of one trial: the job (id,
 *           rung, bracket, steps), the row so far (steps, val_loss, energy,
 *           seconds, method) and its texts (config, label, run_dir)
 *   RESULT  a rank -> rank 0: the rung's new row values (steps, val_loss,
 *           energy_j, seconds, status, method), how it ended, why it
 *           failed, and from a host leader its meter's reading
 *   STOP    rank 0 -> a busy rank: a signal stops the search; end the rung
 *           as a signal would (its checkpoint kept) and report it
 *   QUIT    rank 0 -> every rank: the search is over; exit with this status
 *
 * The structs travel as bytes: every rank runs the same lowwatt build (a
 * message of another size is refused, naming its sender). Waiting for a
 * message polls and sleeps (WIRE_NAP_NS) rather than blocking inside MPI,
 * whose blocking calls spin a core.
 */
#ifndef LW_CLI_SEARCH_WIRE_H
#define LW_CLI_SEARCH_WIRE_H

#include <stdint.h>

#include "cli/search_trial.h"
#include "lowwatt/dist.h"
#include "lowwatt/schedule.h"
#include "lowwatt/trials.h"

enum { WIRE_SETUP = 1, WIRE_JOB, WIRE_RESULT, WIRE_STOP, WIRE_QUIT };

/* Sleep between polls: 2 ms. */
#define WIRE_NAP_NS 2000000L

/* A rung's outcome, as a worker reports it. */
typedef struct wire_result {
	int64_t id, steps;
	int32_t rung, status, end, host_index;
	double val_loss, energy_j, seconds;
	double host_j;        /* a host leader's meter since it started; < 0:
				 the sender does not meter its host */
	char method[LW_TRIAL_METHOD_MAX];
	char why[LW_ERR_MSG_MAX];   /* end SEARCH_RUNG_FAILED: the reason */
} wire_result;

/* Sleep WIRE_NAP_NS. */
void wire_nap(void);

/* Wait (poll and nap) for a message from rank 0 with any tag. */
lw_status wire_wait(const lw_dist *d, int *tag, size_t *bytes, lw_err *err);

/* A message with no body but a status (STOP, QUIT), sent and received. */
lw_status wire_send_word(const lw_dist *d, int to, int tag, int32_t word, lw_err *err);
lw_status wire_recv_word(const lw_dist *d, int from, int tag, size_t bytes, int32_t *word,
			 lw_err *err);

/* SETUP: rc (0 with settings: go on; else rank 0's exit status). */
lw_status wire_send_setup(const lw_dist *d, int to, int32_t rc, const char *settings,
			  lw_err *err);
/* *settings: the text (caller frees; NULL when rc != 0). */
lw_status wire_recv_setup(const lw_dist *d, size_t bytes, int32_t *rc, char **settings,
			  lw_err *err);

/* JOB: the rung job->rung of row (its texts included). */
lw_status wire_send_job(const lw_dist *d, int to, const lw_trial *row, const lw_job *job,
			lw_err *err);
/* The job and a row of its own (wire_row_free frees its texts). */
lw_status wire_recv_job(const lw_dist *d, size_t bytes, lw_trial *row, lw_job *job,
			lw_err *err);
void wire_row_free(lw_trial *row);

/* RESULT. */
lw_status wire_send_result(const lw_dist *d, const wire_result *r, lw_err *err);
lw_status wire_recv_result(const lw_dist *d, int from, size_t bytes, wire_result *r,
			   lw_err *err);

#endif
