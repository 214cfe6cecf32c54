/*
 * hosts.h — the energy of a job's machines, each counted once: what
 * `lowwatt train` and `lowwatt search` under MPI report per host in
 * summary.json, and the job's figure made of them.
 *
 * Every rank meters (each meter sees its whole machine), but only a host's
 * leader (its first rank, lowwatt/dist.h) speaks for the machine: at the
 * end of the job, with every rank idle, the leaders' readings are summed
 * (lw_dist_hosts_sum_f64) and every rank's is gathered so that rank 0 can
 * list the hosts in summary.json:
 *
 *   "hosts": [{"host": NAME, "ranks": N,
 *              "energy_j": {"cpu": J|null, "dram": J|null, "gpu": J|null,
 *                           "total": J},
 *              "method": {"cpu": "measured"|"estimated"|"none", ...},
 *              "seconds": S}]     (S: how long its leader's meter ran)
 *
 * The figures are this invocation's (from the meters' start to the end of
 * the job); a resumed run or search counts the invocations before it from
 * its checkpoint or its trials' rows (search_result.h).
 */
#ifndef LW_CLI_HOSTS_H
#define LW_CLI_HOSTS_H

#include <jansson.h>

#include "lowwatt/dist.h"
#include "lowwatt/meter.h"

typedef struct job_hosts {
	int ranks, n_hosts;
	double joules[LW_DOMAIN_COUNT];    /* summed over the hosts */
	lw_method method[LW_DOMAIN_COUNT]; /* combined over the hosts */
	double total_j;
	json_t *list;                      /* the "hosts" array (owned) */
} job_hosts;

/* Called by every rank together, its meter stopped with reading r. */
lw_status hosts_gather(const lw_dist *d, const lw_meter_reading *r, job_hosts *out,
			      lw_err *err);

/* "measured", "estimated", "mixed" or "none", over the hosts' domains. */
const char *hosts_method(const job_hosts *h);

void hosts_free(job_hosts *h);

#endif
