/*
 * search_print.c — the plan and the closing lines of lowwatt search (see
 * search_print.h).
 */
#include "cli/search_print.h"

#include <string.h>

#include "cli/commands.h"
#include "lowwatt/carbon.h"

static double num(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

void search_print_plan(FILE *out, const search_options *o, const lw_schedule *plan)
{
	char steps[32];
	int64_t total = 0;
	for (int i = 0; i < plan->n_brackets; i++)
		total += plan->bracket[i].steps_resumed;
	if (plan->strategy == LW_STRATEGY_ASHA)
		fprintf(out, "plan: asha, %lld configurations, rungs of", (long long)plan->asha_configs);
	else
		fprintf(out, "plan: %s, %d bracket%s, %lld configurations, %s steps, rungs of",
			o->strategy, plan->n_brackets, plan->n_brackets == 1 ? "" : "s",
			(long long)lw_schedule_configs(plan),
			cli_count(steps, sizeof steps, (unsigned long long)total));
	const lw_bracket *b = &plan->bracket[0];
	for (int i = 0; i < b->n_rungs; i++)
		fprintf(out, " %lld", (long long)b->rung[i].steps);
	fprintf(out, " steps; trials in %s/trials\n", o->out);
}

/* Joules as people read them: "2.328", "99.03", "2,529", "16,454". */
static const char *joules(double j, char *buf, size_t size)
{
	if (j >= 1000 && j < 1e18)
		return cli_count(buf, size, (unsigned long long)(j + 0.5));
	snprintf(buf, size, "%.4g", j);
	return buf;
}

static void print_best(FILE *out, const char *dir, const json_t *best)
{
	if (!json_is_object(best)) {
		fprintf(out, "best: none (no trial finished a rung)\n");
		return;
	}
	char j[32];
	fprintf(out, "best: trial %lld, val loss %.4f after %lld steps, %s J  [%s]\n",
		(long long)json_integer_value(json_object_get(best, "trial")), num(best, "val_loss"),
		(long long)json_integer_value(json_object_get(best, "steps")),
		joules(num(best, "energy_j"), j, sizeof j), str(best, "label"));
	fprintf(out, "      lowwatt train --config %s/%s/config.json trains it again\n", dir,
		str(best, "run_dir"));
}

static void print_front(FILE *out, const json_t *front)
{
	fprintf(out, "Pareto front of val loss against energy (%zu trained rungs):\n",
		json_array_size(front));
	size_t i;
	const json_t *p;
	char j[32];
	json_array_foreach(front, i, p)
		fprintf(out, "  trial %-5lld %12s J  val loss %.4f  %6lld steps  [%s]\n",
			(long long)json_integer_value(json_object_get(p, "trial")),
			joules(num(p, "energy_j"), j, sizeof j), num(p, "val_loss"),
			(long long)json_integer_value(json_object_get(p, "steps")), str(p, "label"));
}

static void print_energy(FILE *out, const json_t *s)
{
	const char *method = str(s, "method");
	double co2e_g = num(s, "co2e_g"), lbs = co2e_g / 1000.0 * LW_LBS_PER_KG;
	const lw_equivalence *eq = lw_equivalence_get(lw_equivalence_nearest(lbs));
	char j[32], x_j[32];
	fprintf(out, "energy: %s J%s over %.1f s of training; %.4g kWh at the facility (PUE "
		"%.2f); %.4g gCO2e at %.0f g/kWh, as much as %.3g %s\n",
		joules(num(s, "energy_j"), j, sizeof j),
		method[0] == 'e' ? " (estimated)" : method[0] == 'm' && method[1] == 'i' ?
		" (in part estimated)" : "", num(s, "seconds"), num(s, "facility_energy_kwh"),
		num(s, "pue"), co2e_g, num(s, "intensity_g_per_kwh"), lbs / eq->lbs, eq->label);
	const json_t *x = json_object_get(s, "exhaustive");
	if (json_is_object(x))
		fprintf(out, "exhaustive: training %s %lld configurations to the end would take about "
			"%s J (estimated); this search used %.1f%% of it\n",
			strcmp(str(x, "basis"), "grid") == 0 ? "all" : "the",
			(long long)json_integer_value(json_object_get(x, "configurations")),
			joules(num(x, "energy_j"), x_j, sizeof x_j), 100.0 * num(x, "ratio"));
}

void search_print(FILE *out, const search_options *o, const lw_trials *l, const json_t *summary)
{
	const char *status = str(summary, "status");
	size_t done = lw_trials_count(l, LW_TRIAL_DONE) + lw_trials_count(l, LW_TRIAL_PROMOTED);
	fprintf(out, "search %s: %s %s: %lld configurations, %zu rungs trained%s\n", o->out,
		o->strategy, strcmp(status, "finished") == 0 ? "finished" : "stopped",
		(long long)json_integer_value(json_object_get(summary, "configurations")), done,
		strcmp(status, "budget") == 0 ? "; stopped by its budget (--resume with a larger "
		"one goes on)" : strcmp(status, "signal") == 0 ? "; stopped by a signal (--resume "
		"goes on)" : "");
	print_best(out, o->out, json_object_get(summary, "best"));
	print_front(out, json_object_get(summary, "pareto_front"));
	print_energy(out, summary);
	fprintf(out, "files: %s/{search.json, trials.csv, summary.json, trials/}\n", o->out);
	fprintf(out, "report: %s/report.html\n", o->out);
}
