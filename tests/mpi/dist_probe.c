/*
 * dist_probe.c — a rank of an MPI job that exercises include/lowwatt/dist.h
 * and prints what it saw, for tests/dist_mpi.sh (run by mpirun):
 *
 *   rank R of N: host H (rank HR of HS, host I of NH)
 *   sum R: S0 S1 S2 big OK|BAD   every rank adds rank+1, 2(rank+1), 3(rank+1),
 *                                and 1.0 into each of 3 x 2^20 floats
 *   hosts R: T                   every rank offers 10 J; the hosts' sum
 *   bcast R: X                   rank 0's number
 *
 * With the argument "abort R", rank R calls lw_dist_abort instead: the job
 * must end at once with that rank's message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lowwatt/dist.h"

static int check(const lw_dist *d, lw_status st, const lw_err *err)
{
	if (st)
		lw_dist_abort(d, 1, err->msg);
	return 0;
}

int main(int argc, char **argv)
{
	lw_dist d;
	lw_err err = {0};
	if (lw_dist_init(&argc, &argv, &d, &err)) {
		fprintf(stderr, "dist_probe: %s\n", err.msg);
		return 1;
	}
	printf("rank %d of %d: host %s (rank %d of %d, host %d of %d)\n", d.rank, d.size, d.host,
	       d.host_rank, d.host_size, d.host_index, d.n_hosts);
	if (argc == 3 && strcmp(argv[1], "abort") == 0 && atoi(argv[2]) == d.rank)
		lw_dist_abort(&d, 3, "bad data in shard 7");
	float small[3] = { (float)(d.rank + 1), 2.0f * (float)(d.rank + 1), 3.0f * (float)(d.rank + 1) };
	check(&d, lw_dist_sum_f32(&d, small, 3, &err), &err);
	size_t n = (size_t)3 << 20;
	float *big = malloc(n * sizeof *big);
	for (size_t i = 0; i < n; i++)
		big[i] = 1.0f;
	check(&d, lw_dist_sum_f32(&d, big, n, &err), &err);
	int big_ok = 1;
	for (size_t i = 0; i < n; i++)
		big_ok &= big[i] == (float)d.size;
	free(big);
	printf("sum %d: %g %g %g big %s\n", d.rank, small[0], small[1], small[2],
	       big_ok ? "OK" : "BAD");
	double joules = 10.0;
	check(&d, lw_dist_hosts_sum_f64(&d, &joules, 1, &err), &err);
	printf("hosts %d: %g\n", d.rank, joules);
	double x = d.rank == 0 ? 42.5 : -1.0;
	check(&d, lw_dist_bcast(&d, &x, sizeof x, &err), &err);
	printf("bcast %d: %g\n", d.rank, x);
	check(&d, lw_dist_barrier(&d, &err), &err);
	lw_dist_finalize(&d);
	return 0;
}
