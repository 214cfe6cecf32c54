/*
 * train_hosts.h — the machines of a `lowwatt train` job, each counted
 * once (hosts.h): summary.json's "hosts" array, and their sum as the
 * invocation's energy (its emissions.csv row): two ranks on one machine
 * never double it. One process: one host, its own reading.
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
