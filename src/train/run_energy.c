/*
 * run_energy.c — the arithmetic of a run's energy (run_energy.h): methods
 * summed over invocations, and the forecast of the whole run and of how
 * many steps a budget leaves.
 */
#include <limits.h>
#include <math.h>

#include "lowwatt/run_energy.h"

lw_method lw_method_combine(lw_method a, lw_method b)
{
	if (a == LW_METHOD_ESTIMATED || b == LW_METHOD_ESTIMATED)
		return LW_METHOD_ESTIMATED;
	if (a == LW_METHOD_MEASURED || b == LW_METHOD_MEASURED)
		return LW_METHOD_MEASURED;
	return LW_METHOD_NONE;
}

const char *lw_run_energy_method(const lw_run_energy *e)
{
	int measured = 0, estimated = 0;
	for (int d = 0; e->metered && d < LW_DOMAIN_COUNT; d++) {
		measured += e->method[d] == LW_METHOD_MEASURED;
		estimated += e->method[d] == LW_METHOD_ESTIMATED;
	}
	if (measured && estimated)
		return "mixed";
	return estimated ? "estimated" : measured ? "measured" : "none";
}

long lw_forecast_due(long steps_done, long steps_planned, long every)
{
	if (steps_done >= steps_planned)
		return 0;
	if (every <= 0)
		return 1;
	/* Multiples of every in (steps_done, steps_planned), and the end. */
	return (steps_planned - 1) / every - steps_done / every + 1;
}

double lw_forecast_total_j(const lw_forecast_input *in)
{
	long left = in->steps_planned - in->steps_done;
	if (left < 0)
		left = 0;
	long evals = lw_forecast_due(in->steps_done, in->steps_planned, in->eval_every);
	long saves = lw_forecast_due(in->steps_done, in->steps_planned, in->save_every);
	return in->energy_j + in->step_j * (double)left + in->eval_j * (double)evals +
	       in->save_j * (double)saves;
}

/* A share of cost for each step when it recurs every `every` steps. */
static double per_step_share(double cost, long every)
{
	return every > 0 ? cost / (double)every : 0;
}

long lw_forecast_steps_fitting(const lw_forecast_input *in, double budget_j)
{
	double room = budget_j - in->energy_j - in->eval_j - in->save_j;
	double per_step = in->step_j + per_step_share(in->eval_j, in->eval_every) +
			  per_step_share(in->save_j, in->save_every);
	if (!(room > 0))
		return 0;
	if (!(per_step > 0))
		return LONG_MAX;
	double n = floor(room / per_step);
	return n >= (double)LONG_MAX ? LONG_MAX : (long)n;
}
