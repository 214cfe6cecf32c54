/*
 * train_hosts.h — the energy of a job's machines, each counted once: what
 * `lowwatt train` (and a distributed `lowwatt search`) reports per host in
 * summary.json, and the job's figure made of them.
 *
 * Every rank opens a meter, but a machine's meter sees the whole machine:
 * only its host leader's reading (dist.h) counts. The leaders' readings
 * become the summary's "hosts" array, [{host, ranks, energy_j{cpu, dram,
 * gpu, total}, method{cpu, dram, gpu}}], and their sum the invocation's
 * energy (its emissions.csv row): two ranks on one machine never double
 * it. One process: one host, its own reading.
 */
#ifndef LW_CLI_TRAIN_HOSTS_H
#define LW_CLI_TRAIN_HOSTS_H

#include <jansson.h>

#include "cli/train_energy.h"
#include "lowwatt/dist.h"

/* Called by every rank after train_energy_stop. On rank 0, te's reading
 * becomes the sum over the hosts (methods combined, processes' CPU seconds
 * summed) and *hosts the array (caller: json_decref); NULL elsewhere. */
lw_status train_hosts_gather(const lw_dist *d, train_energy *te, json_t **hosts, lw_err *err);

#endif
