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

static void print_best(FILE *out, const char *dir, const json_t *best)
{
	if (!json_is_object(best)) {
		fprintf(out, "best: none (no trial finished a rung)\n");
		return;
	}
	fprintf(out, "best: trial %lld, val loss %.4f after %lld steps, %.4g J  [%s]\n",
		(long long)json_integer_value(json_object_get(best, "trial")), num(best, "val_loss"),
		(long long)json_integer_value(json_object_get(best, "steps")), num(best, "energy_j"),
		str(best, "label"));
	fprintf(out, "      lowwatt train --config %s/%s/config.json trains it again\n", dir,
		str(best, "run_dir"));
}

static void print_front(FILE *out, const json_t *front)
{
	fprintf(out, "Pareto front of val loss against energy (%zu trials):\n",
		json_array_size(front));
	size_t i;
	const json_t *p;
	json_array_foreach(front, i, p)
		fprintf(out, "  trial %-5lld %12.4g J  val loss %.4f  %6lld steps  [%s]\n",
			(long long)json_integer_value(json_object_get(p, "trial")), num(p, "energy_j"),
			num(p, "val_loss"), (long long)json_integer_value(json_object_get(p, "steps")),
			str(p, "label"));
}

static void print_energy(FILE *out, const json_t *s)
{
	const char *method = str(s, "method");
	double co2e_g = num(s, "co2e_g"), lbs = co2e_g / 1000.0 * LW_LBS_PER_KG;
	const lw_equivalence *eq = lw_equivalence_get(lw_equivalence_nearest(lbs));
	fprintf(out, "energy: %.4g J%s over %.3g s of training; %.4g kWh at the facility (PUE "
		"%.2f); %.4g gCO2e at %.0f g/kWh, as much as %.3g %s\n", num(s, "energy_j"),
		method[0] == 'e' ? " (estimated)" : method[0] == 'm' && method[1] == 'i' ?
		" (in part estimated)" : "", num(s, "seconds"), num(s, "facility_energy_kwh"),
		num(s, "pue"), co2e_g, num(s, "intensity_g_per_kwh"), lbs / eq->lbs, eq->label);
	const json_t *x = json_object_get(s, "exhaustive");
	if (json_is_object(x))
		fprintf(out, "exhaustive: training %s %lld configurations to the end would take about "
			"%.4g J (estimated); this search used %.1f%% of it\n",
			strcmp(str(x, "basis"), "grid") == 0 ? "all" : "the",
			(long long)json_integer_value(json_object_get(x, "configurations")),
			num(x, "energy_j"), 100.0 * num(x, "ratio"));
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
