/*
 * dist.c — one process, or the ranks of an MPI job (see
 * include/lowwatt/dist.h). The MPI calls sit behind LW_MPI; every function
 * first handles the one-process case, which therefore runs (and is tested)
 * in every build.
 */
#define _GNU_SOURCE  /* sched_getaffinity, CPU_COUNT */
#include "lowwatt/dist.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if LW_MPI
#include <limits.h>
#include <mpi.h>

#include "util/alloc.h"

struct lw_dist_mpi {
	MPI_Comm world;   /* a duplicate of MPI_COMM_WORLD: the job's */
	MPI_Comm host;    /* the ranks of this host */
};

/* Elements per MPI call: counts are ints. */
#define CHUNK ((size_t)1 << 30)
#endif

/* The environment variables by which launchers announce a job's size. */
static const char *const SIZE_VARS[] = { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE",
					 "SLURM_NTASKS" };

int lw_dist_built_with_mpi(void)
{
	return LW_MPI;
}

int lw_dist_launched_size(void)
{
	for (size_t i = 0; i < sizeof SIZE_VARS / sizeof *SIZE_VARS; i++) {
		const char *v = getenv(SIZE_VARS[i]);
		long n = v ? strtol(v, NULL, 10) : 0;
		/* srun outside a job step still sets SLURM_NTASKS: only a
		 * launcher's PMI variable counts for it. */
		if (n >= 1 && (i < 3 || getenv("PMI_RANK") || getenv("PMIX_RANK")))
			return (int)n;
	}
	return 1;
}

int lw_dist_threads(int host_ranks)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	int mine = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : (int)online;
	if (online < 1)
		online = mine > 0 ? mine : 1;
	if (mine < 1)
		mine = (int)online;
	int share = host_ranks > 1 ? host_ranks : 1;
	if (mine < online)   /* bound by the launcher (or taskset): its cores */
		return mine;
	return online / share > 0 ? (int)(online / share) : 1;
}

int lw_dist_launched_rank(void)
{
	static const char *const vars[] = { "OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK" };
	for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return (int)strtol(v, NULL, 10);
	}
	return 0;
}

static void one_process(lw_dist *d)
{
	*d = (lw_dist){ .rank = 0, .size = 1, .host_rank = 0, .host_size = 1, .host_index = 0,
			.n_hosts = 1 };
	if (gethostname(d->host, sizeof d->host) != 0)
		snprintf(d->host, sizeof d->host, "localhost");
	d->host[sizeof d->host - 1] = 0;
}

#if LW_MPI

const char *lw_dist_mpi_version(void)
{
	static char version[MPI_MAX_LIBRARY_VERSION_STRING];
	int len;
	if (!version[0] && MPI_Get_library_version(version, &len) == MPI_SUCCESS) {
		char *comma = strchr(version, ',');
		if (comma)
			*comma = 0;  /* "Open MPI v4.1.4, package: ..." */
	}
	return version[0] ? version : "MPI";
}

static lw_status mpi_fail(int code, const char *what, lw_err *err)
{
	char text[MPI_MAX_ERROR_STRING];
	int len = 0;
	if (MPI_Error_string(code, text, &len) != MPI_SUCCESS)
		snprintf(text, sizeof text, "error %d", code);
	return lw_err_set(err, LW_ERR_IO, "MPI %s: %s", what, text);
}

/* Ranks, hosts and this host's index among them. */
static lw_status describe(lw_dist *d, lw_err *err)
{
	struct lw_dist_mpi *m = d->mpi;
	int rc = MPI_Comm_dup(MPI_COMM_WORLD, &m->world);
	if (rc == MPI_SUCCESS)
		rc = MPI_Comm_set_errhandler(m->world, MPI_ERRORS_RETURN);
	if (rc == MPI_SUCCESS)
		rc = MPI_Comm_rank(m->world, &d->rank);
	if (rc == MPI_SUCCESS)
		rc = MPI_Comm_size(m->world, &d->size);
	if (rc == MPI_SUCCESS)
		rc = MPI_Comm_split_type(m->world, MPI_COMM_TYPE_SHARED, d->rank, MPI_INFO_NULL,
					 &m->host);
	if (rc == MPI_SUCCESS)
		rc = MPI_Comm_rank(m->host, &d->host_rank);
	if (rc == MPI_SUCCESS)
		rc = MPI_Comm_size(m->host, &d->host_size);
	if (rc != MPI_SUCCESS)
		return mpi_fail(rc, "describing the job", err);
	/* Host leaders count themselves in rank order; the rest learn it. */
	int leader = d->host_rank == 0, index = 0;
	rc = MPI_Exscan(&leader, &index, 1, MPI_INT, MPI_SUM, m->world);
	if (rc == MPI_SUCCESS)
		rc = MPI_Allreduce(&leader, &d->n_hosts, 1, MPI_INT, MPI_SUM, m->world);
	if (d->rank == 0)
		index = 0;  /* Exscan leaves rank 0's result undefined */
	if (rc == MPI_SUCCESS)
		rc = MPI_Bcast(&index, 1, MPI_INT, 0, m->host);
	if (rc != MPI_SUCCESS)
		return mpi_fail(rc, "grouping ranks by host", err);
	d->host_index = index;
	return LW_OK;
}

lw_status lw_dist_init(int *argc, char ***argv, lw_dist *d, lw_err *err)
{
	one_process(d);
	int initialised = 0;
	MPI_Initialized(&initialised);
	if (!initialised && lw_dist_launched_size() == 1 && !getenv("OMPI_COMM_WORLD_SIZE"))
		return LW_OK;
	int provided;
	if (!initialised) {
		int rc = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
		if (rc != MPI_SUCCESS)
			return mpi_fail(rc, "init", err);
	}
	d->mpi = lw_xcalloc(1, sizeof *d->mpi, "MPI");
	return describe(d, err);
}

void lw_dist_finalize(lw_dist *d)
{
	if (!d->mpi)
		return;
	MPI_Comm_free(&d->mpi->host);
	MPI_Comm_free(&d->mpi->world);
	free(d->mpi);
	d->mpi = NULL;
	MPI_Finalize();
}

static lw_status sum(const lw_dist *d, void *buf, size_t n, size_t elem, MPI_Datatype type,
		     lw_err *err)
{
	for (size_t at = 0; at < n; at += CHUNK) {
		int count = (int)(n - at < CHUNK ? n - at : CHUNK);
		int rc = MPI_Allreduce(MPI_IN_PLACE, (char *)buf + at * elem, count, type, MPI_SUM,
				       d->mpi->world);
		if (rc != MPI_SUCCESS)
			return mpi_fail(rc, "all-reduce", err);
	}
	return LW_OK;
}

lw_status lw_dist_sum_f32(const lw_dist *d, float *buf, size_t n, lw_err *err)
{
	return d->mpi ? sum(d, buf, n, sizeof *buf, MPI_FLOAT, err) : LW_OK;
}

lw_status lw_dist_sum_f64(const lw_dist *d, double *buf, size_t n, lw_err *err)
{
	return d->mpi ? sum(d, buf, n, sizeof *buf, MPI_DOUBLE, err) : LW_OK;
}

lw_status lw_dist_hosts_sum_f64(const lw_dist *d, double *buf, size_t n, lw_err *err)
{
	if (!d->mpi)
		return LW_OK;
	if (d->host_rank != 0)
		memset(buf, 0, n * sizeof *buf);
	return sum(d, buf, n, sizeof *buf, MPI_DOUBLE, err);
}

lw_status lw_dist_sum_f32_start(const lw_dist *d, float *buf, size_t n, lw_dist_op *op,
				lw_err *err)
{
	_Static_assert(sizeof(MPI_Request) <= sizeof op->handle, "room for an MPI_Request");
	op->active = 0;
	if (!d->mpi || n == 0)
		return LW_OK;
	if (n > INT_MAX)
		return lw_err_set(err, LW_ERR_ARG, "MPI all-reduce: %zu floats in one piece", n);
	MPI_Request req;
	int rc = MPI_Iallreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM, d->mpi->world,
				&req);
	if (rc != MPI_SUCCESS)
		return mpi_fail(rc, "all-reduce (start)", err);
	memcpy(op->handle, &req, sizeof req);
	op->active = 1;
	return LW_OK;
}

lw_status lw_dist_test(const lw_dist *d, lw_dist_op *op, int *done, lw_err *err)
{
	(void)d;
	*done = 1;
	if (!op->active)
		return LW_OK;
	MPI_Request req;
	memcpy(&req, op->handle, sizeof req);
	int rc = MPI_Test(&req, done, MPI_STATUS_IGNORE);
	if (rc != MPI_SUCCESS)
		return mpi_fail(rc, "all-reduce (test)", err);
	memcpy(op->handle, &req, sizeof req);
	op->active = !*done;
	return LW_OK;
}

lw_status lw_dist_wait(const lw_dist *d, lw_dist_op *op, lw_err *err)
{
	(void)d;
	if (!op->active)
		return LW_OK;
	MPI_Request req;
	memcpy(&req, op->handle, sizeof req);
	op->active = 0;
	int rc = MPI_Wait(&req, MPI_STATUS_IGNORE);
	return rc == MPI_SUCCESS ? LW_OK : mpi_fail(rc, "all-reduce (wait)", err);
}

lw_status lw_dist_allgather(const lw_dist *d, const void *mine, size_t bytes, void *all,
			    lw_err *err)
{
	if (!d->mpi) {
		memcpy(all, mine, bytes);
		return LW_OK;
	}
	if (bytes > INT_MAX)
		return lw_err_set(err, LW_ERR_ARG, "MPI all-gather: %zu bytes per rank", bytes);
	int rc = MPI_Allgather(mine, (int)bytes, MPI_BYTE, all, (int)bytes, MPI_BYTE,
			       d->mpi->world);
	return rc == MPI_SUCCESS ? LW_OK : mpi_fail(rc, "all-gather", err);
}

lw_status lw_dist_send(const lw_dist *d, int to, int tag, const void *buf, size_t bytes,
		       lw_err *err)
{
	if (!d->mpi || bytes > INT_MAX)
		return lw_err_set(err, LW_ERR_ARG, "MPI send to rank %d: %s", to,
				  d->mpi ? "message too large" : "no other rank");
	int rc = MPI_Send(buf, (int)bytes, MPI_BYTE, to, tag, d->mpi->world);
	return rc == MPI_SUCCESS ? LW_OK : mpi_fail(rc, "send", err);
}

lw_status lw_dist_poll(const lw_dist *d, int tag, int *ready, int *from, int *tag_out,
		       size_t *bytes, lw_err *err)
{
	*ready = 0;
	if (!d->mpi)
		return LW_OK;
	MPI_Status status;
	int rc = MPI_Iprobe(MPI_ANY_SOURCE, tag < 0 ? MPI_ANY_TAG : tag, d->mpi->world, ready,
			    &status);
	int count = 0;
	if (rc == MPI_SUCCESS && *ready)
		rc = MPI_Get_count(&status, MPI_BYTE, &count);
	if (rc != MPI_SUCCESS)
		return mpi_fail(rc, "probe", err);
	if (*ready) {
		*from = status.MPI_SOURCE;
		*tag_out = status.MPI_TAG;
		*bytes = (size_t)count;
	}
	return LW_OK;
}

lw_status lw_dist_recv(const lw_dist *d, int from, int tag, void *buf, size_t bytes,
		       lw_err *err)
{
	if (!d->mpi || bytes > INT_MAX)
		return lw_err_set(err, LW_ERR_ARG, "MPI receive from rank %d: %s", from,
				  d->mpi ? "message too large" : "no other rank");
	int rc = MPI_Recv(buf, (int)bytes, MPI_BYTE, from, tag, d->mpi->world,
			  MPI_STATUS_IGNORE);
	return rc == MPI_SUCCESS ? LW_OK : mpi_fail(rc, "receive", err);
}

lw_status lw_dist_bcast(const lw_dist *d, void *buf, size_t bytes, lw_err *err)
{
	for (size_t at = 0; d->mpi && at < bytes; at += CHUNK) {
		int count = (int)(bytes - at < CHUNK ? bytes - at : CHUNK);
		int rc = MPI_Bcast((char *)buf + at, count, MPI_BYTE, 0, d->mpi->world);
		if (rc != MPI_SUCCESS)
			return mpi_fail(rc, "broadcast", err);
	}
	return LW_OK;
}

lw_status lw_dist_barrier(const lw_dist *d, lw_err *err)
{
	int rc = d->mpi ? MPI_Barrier(d->mpi->world) : MPI_SUCCESS;
	return rc == MPI_SUCCESS ? LW_OK : mpi_fail(rc, "barrier", err);
}

_Noreturn void lw_dist_abort(const lw_dist *d, int status, const char *message)
{
	fprintf(stderr, "lowwatt: rank %d on %s: %s\n", d->rank, d->host, message);
	fflush(stderr);
	if (d->mpi)
		MPI_Abort(MPI_COMM_WORLD, status);
	exit(status);
}

#else  /* one process only */

const char *lw_dist_mpi_version(void)
{
	return "none";
}

lw_status lw_dist_init(int *argc, char ***argv, lw_dist *d, lw_err *err)
{
	(void)argc;
	(void)argv;
	one_process(d);
	int n = lw_dist_launched_size();
	if (n > 1)
		return lw_err_set(err, LW_ERR_ARG, "started as one of %d ranks, but this lowwatt was "
				  "built without MPI: install libopenmpi-dev (scripts/setup.sh) and "
				  "rebuild", n);
	return LW_OK;
}

void lw_dist_finalize(lw_dist *d)
{
	(void)d;
}

lw_status lw_dist_sum_f32(const lw_dist *d, float *buf, size_t n, lw_err *err)
{
	(void)d, (void)buf, (void)n, (void)err;
	return LW_OK;
}

lw_status lw_dist_sum_f64(const lw_dist *d, double *buf, size_t n, lw_err *err)
{
	(void)d, (void)buf, (void)n, (void)err;
	return LW_OK;
}

lw_status lw_dist_hosts_sum_f64(const lw_dist *d, double *buf, size_t n, lw_err *err)
{
	(void)d, (void)buf, (void)n, (void)err;
	return LW_OK;
}

lw_status lw_dist_sum_f32_start(const lw_dist *d, float *buf, size_t n, lw_dist_op *op,
				lw_err *err)
{
	(void)d, (void)buf, (void)n, (void)err;
	op->active = 0;
	return LW_OK;
}

lw_status lw_dist_test(const lw_dist *d, lw_dist_op *op, int *done, lw_err *err)
{
	(void)d, (void)op, (void)err;
	*done = 1;
	return LW_OK;
}

lw_status lw_dist_wait(const lw_dist *d, lw_dist_op *op, lw_err *err)
{
	(void)d, (void)op, (void)err;
	return LW_OK;
}

lw_status lw_dist_allgather(const lw_dist *d, const void *mine, size_t bytes, void *all,
			    lw_err *err)
{
	(void)d, (void)err;
	memcpy(all, mine, bytes);
	return LW_OK;
}

lw_status lw_dist_send(const lw_dist *d, int to, int tag, const void *buf, size_t bytes,
		       lw_err *err)
{
	(void)d, (void)tag, (void)buf, (void)bytes;
	return lw_err_set(err, LW_ERR_ARG, "send to rank %d: one process, no other rank", to);
}

lw_status lw_dist_poll(const lw_dist *d, int tag, int *ready, int *from, int *tag_out,
		       size_t *bytes, lw_err *err)
{
	(void)d, (void)tag, (void)from, (void)tag_out, (void)bytes, (void)err;
	*ready = 0;
	return LW_OK;
}

lw_status lw_dist_recv(const lw_dist *d, int from, int tag, void *buf, size_t bytes,
		       lw_err *err)
{
	(void)d, (void)tag, (void)buf, (void)bytes;
	return lw_err_set(err, LW_ERR_ARG, "receive from rank %d: one process, no other rank",
			  from);
}

lw_status lw_dist_bcast(const lw_dist *d, void *buf, size_t bytes, lw_err *err)
{
	(void)d, (void)buf, (void)bytes, (void)err;
	return LW_OK;
}

lw_status lw_dist_barrier(const lw_dist *d, lw_err *err)
{
	(void)d, (void)err;
	return LW_OK;
}

_Noreturn void lw_dist_abort(const lw_dist *d, int status, const char *message)
{
	fprintf(stderr, "lowwatt: rank %d on %s: %s\n", d->rank, d->host, message);
	exit(status);
}

#endif
