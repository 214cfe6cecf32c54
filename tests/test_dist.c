/*
 * test_dist.c — include/lowwatt/dist.h in one process (tests/dist_mpi.sh
 * runs it under mpirun): without a launcher the process is a job of one on
 * one host and the collectives leave the data as it is; the launchers'
 * environment is read as they set it (a Slurm allocation alone is not a
 * job step); "every core" is the bound cores, else a share of the
 * machine's; a build without MPI refuses a job of several ranks (that case
 * is compiled only into such a build).
 */
#define _GNU_SOURCE  /* sched_setaffinity */
#include "testutil.h"

#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "lowwatt/dist.h"

static const char *const VARS[] = { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE",
				    "SLURM_NTASKS", "PMI_RANK", "PMIX_RANK" };

static void clear_launcher(void)
{
	for (size_t i = 0; i < sizeof VARS / sizeof *VARS; i++)
		unsetenv(VARS[i]);
}

static void test_one_process(void **state)
{
	(void)state;
	clear_launcher();
	lw_dist d;
	lw_err err = {0};
	assert_int_equal(lw_dist_init(NULL, NULL, &d, &err), LW_OK);
	assert_int_equal(d.rank, 0);
	assert_int_equal(d.size, 1);
	assert_int_equal(d.host_rank, 0);
	assert_int_equal(d.host_size, 1);
	assert_int_equal(d.n_hosts, 1);
	assert_null(d.mpi);
	assert_true(d.host[0] != 0);
	float f[3] = { 1.5f, -2.0f, 3.0f };
	double g[2] = { 10.0, 0.25 }, h = 7.0;
	char bytes[4] = "abc";
	assert_int_equal(lw_dist_sum_f32(&d, f, 3, &err), LW_OK);
	assert_int_equal(lw_dist_sum_f64(&d, g, 2, &err), LW_OK);
	assert_int_equal(lw_dist_hosts_sum_f64(&d, &h, 1, &err), LW_OK);
	assert_int_equal(lw_dist_bcast(&d, bytes, sizeof bytes, &err), LW_OK);
	assert_int_equal(lw_dist_barrier(&d, &err), LW_OK);
	assert_true(f[0] == 1.5f && f[1] == -2.0f && f[2] == 3.0f);
	assert_true(g[0] == 10.0 && g[1] == 0.25 && h == 7.0);
	assert_string_equal(bytes, "abc");
	lw_dist_finalize(&d);
	assert_non_null(lw_dist_mpi_version());
}

/* "Every core": a process bound to fewer cores than the machine's uses
 * those; an unbound one shares the machine with the ranks beside it. */
static void test_threads(void **state)
{
	(void)state;
	cpu_set_t all, one;
	assert_int_equal(sched_getaffinity(0, sizeof all, &all), 0);
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	if (CPU_COUNT(&all) == online) {
		assert_int_equal(lw_dist_threads(1), online);
		assert_int_equal(lw_dist_threads(2), online / 2 > 0 ? online / 2 : 1);
		assert_int_equal(lw_dist_threads(4 * (int)online), 1);
	}
	int cpu = 0;
	while (!CPU_ISSET(cpu, &all))
		cpu++;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
	/* Bound: its core, whatever its share would be. */
	assert_int_equal(lw_dist_threads(1), 1);
	assert_int_equal(lw_dist_threads(3), 1);
	assert_int_equal(sched_setaffinity(0, sizeof all, &all), 0);
}

static void test_launchers(void **state)
{
	(void)state;
	clear_launcher();
	assert_int_equal(lw_dist_launched_size(), 1);
	setenv("OMPI_COMM_WORLD_SIZE", "3", 1);
	assert_int_equal(lw_dist_launched_size(), 3);
	clear_launcher();
	setenv("PMI_SIZE", "4", 1);
	assert_int_equal(lw_dist_launched_size(), 4);
	clear_launcher();
	/* An allocation (sbatch) without a job step (srun): not a job. */
	setenv("SLURM_NTASKS", "8", 1);
	assert_int_equal(lw_dist_launched_size(), 1);
	setenv("PMIX_RANK", "0", 1);
	assert_int_equal(lw_dist_launched_size(), 8);
	clear_launcher();
	setenv("OMPI_COMM_WORLD_SIZE", "zero", 1);
	assert_int_equal(lw_dist_launched_size(), 1);
	clear_launcher();
}

/* Without MPI, a job of several ranks would train several times over the
 * same files: refused by name. (With MPI this would join a job that does
 * not exist; dist_mpi.sh covers the real ones.) */
#if !LW_MPI
static void test_no_mpi_refuses_a_job(void **state)
{
	(void)state;
	assert_false(lw_dist_built_with_mpi());
	setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
	lw_dist d;
	lw_err err = {0};
	assert_int_equal(lw_dist_init(NULL, NULL, &d, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "one of 2 ranks"));
	assert_non_null(strstr(err.msg, "without MPI"));
	clear_launcher();
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_process),
		cmocka_unit_test(test_launchers),
		cmocka_unit_test(test_threads),
#if !LW_MPI
		cmocka_unit_test(test_no_mpi_refuses_a_job),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
