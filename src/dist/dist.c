/*
 * dist.c — one process, or the ranks of an MPI job (see
 * include/lowwatt/dist.h). The MPI calls sit behind LW_MPI; every function
 * first handles the one-process case, which therefore runs (and is tested)
 * in every build.
 */
#include "lowwatt/dist.h"

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
