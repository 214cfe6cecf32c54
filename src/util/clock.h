/*
 * clock.h — the one clock lowwatt times things with: CLOCK_MONOTONIC, in
 * seconds as a double (never jumps with the wall clock; a double keeps
 * well under a microsecond for years of uptime).
 */
#ifndef LW_UTIL_CLOCK_H
#define LW_UTIL_CLOCK_H

#include <time.h>

static inline double lw_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The CLOCK_MONOTONIC time point of t seconds (as lw_now_s gives them). */
static inline struct timespec lw_timespec_of(double t)
{
	time_t s = (time_t)t;
	long ns = (long)((t - (double)s) * 1e9);
	if (ns >= 1000000000L) {
		s++;
		ns -= 1000000000L;
	}
	return (struct timespec){s, ns};
}

#endif
