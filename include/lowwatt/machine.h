/*
 * machine.h — what the energy code needs to know about the machine, read
 * from procfs: CPU model, counts and busy time, installed memory.
 *
 * Every function takes the procfs root ("/proc", or a fabricated tree in
 * tests; NULL means $LOWWATT_PROCFS or "/proc").
 */
#ifndef LOWWATT_MACHINE_H
#define LOWWATT_MACHINE_H

#include "lowwatt/status.h"

typedef struct lw_machine {
	char cpu_model[128];     /* /proc/cpuinfo "model name" ("" if none) */
	int logical_cpus;        /* "processor" entries */
	int sockets;             /* distinct "physical id"s (1 if none given) */
	int virtual_machine;     /* the "hypervisor" CPU flag is set */
	double mem_total_gib;    /* /proc/meminfo MemTotal */
	double mem_available_gib;/* MemAvailable */
} lw_machine;

lw_status lw_machine_describe(const char *procfs_root, lw_machine *out, lw_err *err);

/* CPU time of the whole machine, from the first line of /proc/stat, in
 * seconds: busy = user + nice + system + irq + softirq; idle = idle +
 * iowait. Steal (time the hypervisor gave to others) and guest (already in
 * user) are left out. */
typedef struct lw_cpu_times {
	double busy_s;
	double idle_s;
} lw_cpu_times;

lw_status lw_machine_cpu_times(const char *procfs_root, lw_cpu_times *out, lw_err *err);

/* Busy share between two readings, in [0, 1] (0 when no time passed). */
double lw_cpu_utilisation(const lw_cpu_times *from, const lw_cpu_times *to);

/* The roots: root if not NULL, else the environment variable, else the
 * default ("/proc", "/sys"). */
const char *lw_procfs_root(const char *root);
const char *lw_sysfs_root(const char *root);

#endif
