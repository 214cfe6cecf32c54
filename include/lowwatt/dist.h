/*
 * dist.h — the processes of a run: one, or the ranks of an MPI job started
 * by mpirun or srun, grouped by host.
 *
 * lowwatt runs on clusters as an ordinary MPI program (OpenMPI from
 * Debian), not over a network layer of its own. A build finds MPI through
 * mpicc (the Makefile defines LW_MPI); without it every function here is
 * the single-process one and the build is otherwise unchanged.
 *
 * MPI is initialised only when a launcher started the process (its
 * environment says so: OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_RANK): a plain
 * `lowwatt train` never touches MPI, whatever the build. A job of more than
 * one rank in a build without MPI is refused, since each rank would train
 * alone and write the same files.
 *
 * Hosts: the ranks that share memory (MPI_Comm_split_type, shared) are one
 * host. The energy of a machine is metered once, by its first rank (the
 * host leader), and the leaders' figures are summed: two ranks on one
 * machine never count it twice.
 *
 * Collectives are called by every rank, in the same order; an error is
 * returned with MPI's own message. A rank that fails alone ends the job
 * with lw_dist_abort (naming itself), so that no other rank waits forever.
 */
#ifndef LOWWATT_DIST_H
#define LOWWATT_DIST_H

#include <stddef.h>

#include "lowwatt/status.h"

#define LW_HOST_MAX 256

struct lw_dist_mpi;

typedef struct lw_dist {
	int rank, size;           /* in the job: 0 and 1 alone */
	int host_rank, host_size; /* among the ranks of this host */
	int host_index, n_hosts;  /* this host among the job's (by its first
				     rank's order) */
	char host[LW_HOST_MAX];   /* this host's name */
	struct lw_dist_mpi *mpi;  /* NULL: one process, MPI untouched */
} lw_dist;

/* 1 if this build can run as an MPI program. */
int lw_dist_built_with_mpi(void);

/* The library's MPI, as "Open MPI v4.1.4", or "none" (static text). */
const char *lw_dist_mpi_version(void);

/* The number of ranks a launcher's environment announces (1 when none),
 * and this process's rank among them (0 when none). */
int lw_dist_launched_size(void);
int lw_dist_launched_rank(void);

/* The threads a process should use when told "every core", host_ranks
 * processes of a job sharing its machine: the cores the launcher bound it
 * to, else its share of the machine's cores (at least 1). */
int lw_dist_threads(int host_ranks);

/* Join the job (MPI_Init_thread, funneled: only the main thread talks) when
 * a launcher started this process, else describe the one process. argc
 * and argv may be NULL. LW_ERR_ARG: a job of several ranks in a build
 * without MPI. */
lw_status lw_dist_init(int *argc, char ***argv, lw_dist *d, lw_err *err);

/* Leave the job (MPI_Finalize); nothing for one process. */
void lw_dist_finalize(lw_dist *d);

/* Sum buf[0..n) over every rank, in place, on every rank. */
lw_status lw_dist_sum_f32(const lw_dist *d, float *buf, size_t n, lw_err *err);
lw_status lw_dist_sum_f64(const lw_dist *d, double *buf, size_t n, lw_err *err);

/* The same over the host leaders only: each host counted once. Ranks
 * other than their host's leader contribute nothing (their buf is read
 * as zeros) and receive the total too. */
lw_status lw_dist_hosts_sum_f64(const lw_dist *d, double *buf, size_t n, lw_err *err);

/* A sum in flight: started, then tested or waited for. Its buffer must
 * not be touched until it is done. */
typedef struct lw_dist_op {
	unsigned char handle[16];  /* the MPI request */
	int active;
} lw_dist_op;

/* Start summing buf[0..n) (n <= INT_MAX) over every rank, in place
 * (MPI_Iallreduce): every rank starts its sums in the same order. One
 * process: done at once. */
lw_status lw_dist_sum_f32_start(const lw_dist *d, float *buf, size_t n, lw_dist_op *op,
				lw_err *err);

/* Let a started sum progress; *done: 1 once it has finished (or op was
 * never started). MPI moves a non-blocking collective on only inside its
 * calls, so a caller with work between steps tests now and then. */
lw_status lw_dist_test(const lw_dist *d, lw_dist_op *op, int *done, lw_err *err);

/* Wait for a started sum (nothing if op is not active). */
lw_status lw_dist_wait(const lw_dist *d, lw_dist_op *op, lw_err *err);

/* Every rank's `bytes` bytes, in rank order, into all (size x bytes). */
lw_status lw_dist_allgather(const lw_dist *d, const void *mine, size_t bytes, void *all,
			    lw_err *err);

/* Messages between two ranks: bytes (up to INT_MAX) with a tag >= 0. */
lw_status lw_dist_send(const lw_dist *d, int to, int tag, const void *buf, size_t bytes,
		       lw_err *err);

/* Whether a message with tag (-1: any) from any rank is waiting, without
 * waiting: *ready, and then its sender, tag and size. */
lw_status lw_dist_poll(const lw_dist *d, int tag, int *ready, int *from, int *tag_out,
		       size_t *bytes, lw_err *err);

/* Receive the message that lw_dist_poll announced (exactly `bytes`). */
lw_status lw_dist_recv(const lw_dist *d, int from, int tag, void *buf, size_t bytes,
		       lw_err *err);

/* Copy rank 0's bytes into every rank's buf. */
lw_status lw_dist_bcast(const lw_dist *d, void *buf, size_t bytes, lw_err *err);

/* Wait for every rank. */
lw_status lw_dist_barrier(const lw_dist *d, lw_err *err);

/* End the whole job with status, after printing
 * "lowwatt: rank R on HOST: MESSAGE" to stderr. One process: exit(status). */
_Noreturn void lw_dist_abort(const lw_dist *d, int status, const char *message);

#endif
