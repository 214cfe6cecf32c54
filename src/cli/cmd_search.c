/*
 * cmd_search.c — `lowwatt search`: train many configurations of a search
 * space with one of five strategies, under one energy meter and, if asked,
 * one budget, and say what was found and what it cost. The search
 * directory DIR holds:
 *
 *   search.json     the search's settings (search_options.h): --resume
 *   trials.csv      the ledger, a row per trial and rung (lowwatt/trials.h),
 *                   rewritten atomically after every job
 *   trials/ID/      each trial's run directory (config.json, metrics.csv,
 *                   checkpoint.lwck): a promoted trial continues from it
 *   summary.json    the best configuration, the Pareto front of validation
 *                   loss against energy, the search's energy and CO2e, the
 *                   exhaustive search's estimate (--json prints it)
 *   report.html     the front and every trial's loss against its energy
 *
 * Everything that can be refused (flags, the space, a resumed search whose
 * ledger is not this search's) is refused before any trial trains.
 *
 * Under mpirun (search_dist.h) rank 0 does all of this and tells the
 * other ranks how set-up went; they train the rungs it hands out. One
 * process is the search as it always was.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/run_data.h"
#include "cli/search_dist.h"
#include "cli/hosts.h"
#include "cli/search_loop.h"
#include "cli/search_options.h"
#include "cli/search_print.h"
#include "cli/search_result.h"
#include "cli/search_space.h"
#include "cli/summary.h"
#include "cli/train_energy.h"
#include "lowwatt/report.h"
#include "util/file.h"

static const char CMD[] = "search";

/* Set by SIGINT/SIGTERM: the running rung stops cleanly, then the search. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* ---------------------------------------------------------------- set-up */

static int open_space(const search_options *o, int vocab, lw_space **space)
{
	search_space_ctx ctx = { .vocab = vocab };
	lw_space_checks checks = search_space_checks(&ctx);
	lw_err err = {0};
	if (lw_space_parse(o->space, o->space_root, &checks, space, &err)) {
		fprintf(stderr, "lowwatt %s: %s\n", CMD, err.msg);
		return 1;
	}
	return 0;
}

/* The configurations a strategy tries when --trials is not given: grid
 * all, random 10, sh and asha a full bottom rung (eta^s_max), hyperband
 * every bracket (0); never more than a grid of choice lists holds. */
static int default_trials(const search_options *o, lw_strategy st, const lw_space *space,
			  int64_t *n)
{
	lw_err err = {0};
	uint64_t grid_n = 0;
	int has_grid = lw_space_grid_size(space, &grid_n, &err) == LW_OK;
	if (st == LW_STRATEGY_GRID && !has_grid) {
		fprintf(stderr, "lowwatt %s: %s: %s\n", CMD, o->space, err.msg);
		return CLI_USAGE;
	}
	if (st == LW_STRATEGY_GRID && o->trials > 0 && (uint64_t)o->trials > grid_n) {
		fprintf(stderr, "lowwatt %s: --trials %ld: the grid has %llu points\n", CMD,
			o->trials, (unsigned long long)grid_n);
		return CLI_USAGE;
	}
	*n = o->trials;
	if (*n > 0 || st == LW_STRATEGY_HYPERBAND)
		return 0;
	if (st == LW_STRATEGY_GRID)
		*n = (int64_t)grid_n;
	else if (st == LW_STRATEGY_RANDOM)
		*n = 10;
	else {  /* sh, asha: a full bottom rung, eta^s_max */
		lw_bracket b[LW_RUNGS_MAX];
		int nb;
		if (lw_hyperband_make(o->min_steps, o->max_steps, o->eta, b, LW_RUNGS_MAX, &nb, &err))
			*n = 1;  /* lw_schedule_make reports the error */
		else
			*n = b[0].rung[0].n;
	}
	/* Training is deterministic: a configuration tried twice is waste. */
	if (has_grid && (uint64_t)*n > grid_n)
		*n = (int64_t)grid_n;
	return 0;
}

static int make_plan(search_options *o, const lw_space *space, search_state *s)
{
	int st = lw_strategy_parse(o->strategy);
	if (st < 0) {
		fprintf(stderr, "lowwatt %s: --strategy %s: expected grid, random, sh, hyperband or "
				"asha\n", CMD, o->strategy);
		return CLI_USAGE;
	}
	int64_t n;
	int rc = default_trials(o, (lw_strategy)st, space, &n);
	if (rc)
		return rc;
	lw_err err = {0};
	if (lw_schedule_make((lw_strategy)st, n, o->min_steps, o->max_steps, o->eta, &s->plan,
			     &err)) {
		fprintf(stderr, "lowwatt %s: %s: %s\n", CMD, o->strategy, err.msg);
		return CLI_USAGE;
	}
	o->trials = (long)lw_schedule_configs(&s->plan);
	search_configs_init(&s->configs, space, (lw_strategy)st, (uint64_t)o->seed);
	return 0;
}

/* mkdir -p for the search directory. */
static int make_dirs(const char *path)
{
	char *p = lw_path_join(path, "");
	int rc = 0;
	for (char *c = p + 1; *c && !rc; c++) {
		if (*c != '/')
			continue;
		*c = 0;
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "lowwatt %s: cannot create %s: %s\n", CMD, p, strerror(errno));
			rc = 1;
		}
		*c = '/';
	}
	free(p);
	return rc;
}

/* A new search: its directory and search.json. A resumed one: its ledger,
 * each configuration checked against what the search gives that trial. */
static int open_ledger(search_options *o, search_state *s)
{
	lw_err err = {0};
	s->ledger_path = lw_path_join(o->out, "trials.csv");
	if (!o->resume) {
		char *saved = lw_path_join(o->out, "search.json");
		int rc = make_dirs(o->out);
		if (!rc && search_options_write(saved, o, &err))
			rc = cli_fail(CMD, &err);
		free(saved);
		return rc;
	}
	FILE *f = fopen(s->ledger_path, "r");
	if (!f)
		return 0;  /* killed before its first trial */
	fclose(f);
	if (lw_trials_read(s->ledger_path, &s->ledger, &err))
		return cli_fail(CMD, &err);
	for (size_t i = 0; i < s->ledger.n; i++) {
		const lw_trial *r = &s->ledger.rows[i];
		char *config = NULL;
		if (r->rung != 0)
			continue;
		int same = !search_configs_get(&s->configs, r->id, &config, NULL, &err) &&
			   strcmp(config, r->config) == 0;
		free(config);
		if (!same) {
			fprintf(stderr, "lowwatt %s: %s: trial %lld's configuration is not the one "
					"this search gives it (was the space or the ledger edited?)\n",
				CMD, s->ledger_path, (long long)r->id);
			return 1;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- the run */

/* The budget in joules at the meter. */
static double budget_joules(const search_options *o, double pue, double g_per_j)
{
	if (o->budget_kwh > 0)
		return o->budget_kwh * 3.6e6 / pue;
	if (o->budget_co2e_g > 0 && g_per_j > 0)
		return o->budget_co2e_g / g_per_j;
	return 0;
}

static int write_results(search_options *o, search_state *s, const train_energy *te,
			 const job_hosts *hosts, json_t **summary)
{
	search_totals t = {
		.status = s->status, .pue = te->m.pue, .co2e_g_per_j = train_energy_g_per_j(te),
		.intensity = &te->m.intensity, .configurations = s->ledger.next_id,
		.hosts = hosts, .base_j = s->base_j,
	};
	search_exhaustive_estimate(&s->env, &s->configs, &s->ledger, &t.exhaustive);
	*summary = search_summary_build(o, &s->ledger, &t);
	char *path = lw_path_join(o->out, "summary.json");
	char *report = lw_path_join(o->out, "report.html");
	lw_err err = {0};
	int rc = 0;
	if (summary_write(path, *summary, &err) || lw_report_search_write(o->out, report, &err))
		rc = cli_fail(CMD, &err);
	free(path);
	free(report);
	return rc;
}

static int finish(search_options *o, search_state *s, train_energy *te,
		  const job_hosts *hosts)
{
	json_t *summary = NULL;
	int rc = write_results(o, s, te, hosts, &summary);
	if (!rc && o->json) {
		char *text = json_dumps(summary, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					JSON_REAL_PRECISION(9));
		printf("%s\n", text);
		free(text);
	} else if (!rc) {
		search_print(stdout, o, &s->ledger, summary);
	}
	json_decref(summary);
	return rc;
}

/* What the other ranks of a distributed search need from rank 0. */
static json_t *worker_settings(const search_options *o, double g_per_j)
{
	return json_pack("{s:s, s:I, s:s, s:f, s:O, s:s}", "out", o->out, "max_steps",
			 (json_int_t)o->max_steps, "rapl", o->rapl, "co2e_g_per_j", g_per_j, "space",
			 o->space_root, "space_file", o->space ? o->space : "the search's space");
}

/* A distributed search's last check (its ledger fits its plan), then the
 * other ranks go. Returns 0, or 1 having printed one line. */
static int start_ranks(const search_options *o, search_state *s, int *told)
{
	lw_job job;
	lw_err err = {0};
	if (lw_schedule_next(&s->plan, &s->ledger, &job, &err)) {
		fprintf(stderr, "lowwatt %s: %s: %s\n", CMD, s->ledger_path, err.msg);
		return 1;
	}
	s->base_j = lw_trials_energy_j(&s->ledger);
	json_t *settings = worker_settings(o, s->env.co2e_g_per_j);
	search_dist_tell(s->dist, 0, settings);
	json_decref(settings);
	*told = 1;
	return 0;
}

/* The loop, one process or many; then the meter's last reading and, in a
 * distributed search, every host's energy. */
static int loop(search_state *s, train_energy *te, job_hosts *hosts)
{
	const lw_dist *d = s->dist;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	int rc = d->size > 1 ? search_dist_lead(s, te->meter) : search_loop(s);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	lw_err err = {0};
	if (train_energy_stop(te, &err)) {
		if (d->size > 1)
			lw_dist_abort(d, 1, err.msg);
		if (!rc)
			rc = cli_fail(CMD, &err);
	}
	if (d->size > 1 && hosts_gather(d, &te->m.reading, hosts, &err))
		lw_dist_abort(d, 1, err.msg);
	return rc;
}

/* The trials under the meter, the loop, the files. */
static int run(search_options *o, search_state *s, char **words, int *told)
{
	carbon_flags cf = o->carbon;
	lw_intensity intensity;
	double pue;
	int rc = carbon_flags_resolve(CMD, &cf, &intensity, &pue);
	if (rc)
		return rc;
	train_energy te = {0};
	if ((rc = train_energy_start(CMD, &intensity, pue, o->rapl, words, stderr, &te)))
		return rc;
	s->env.meter = te.meter;
	s->env.co2e_g_per_j = train_energy_g_per_j(&te);
	s->budget_j = budget_joules(o, pue, s->env.co2e_g_per_j);
	job_hosts hosts = {0};
	if (s->dist->size > 1 && (rc = start_ranks(o, s, told))) {
		train_energy_free(&te);
		return rc;
	}
	search_print_plan(s->log, o, &s->plan);
	rc = loop(s, &te, &hosts);
	if (!rc)
		rc = finish(o, s, &te, s->dist->size > 1 ? &hosts : NULL);
	hosts_free(&hosts);
	train_energy_free(&te);
	return rc;
}

static int search(search_options *o, const lw_dist *d, char **words, int *told)
{
	run_data rd;
	int rc = search_trial_open_data(CMD, o->space_root, o->space, &rd);
	if (rc)
		return rc;
	lw_space *space = NULL;
	search_state s = { .cmd = CMD, .log = o->json ? stderr : stdout, .dist = d };
	int vocab = lw_bpe_vocab_size(rd.bpe);
	search_options_resolve(o);
	if (!(rc = open_space(o, vocab, &space)) && !(rc = make_plan(o, space, &s)) &&
	    !(rc = open_ledger(o, &s))) {
		s.env = (search_trial_env){ .rd = &rd, .vocab = vocab, .max_steps = o->max_steps,
					    .dir = o->out, .stop = &stop_requested,
					    .share = d->host_size };
		rc = run(o, &s, words, told);
	}
	if (!rc && s.status && strcmp(s.status, "signal") == 0)
		rc = 130;
	search_configs_free(&s.configs);
	lw_trials_free(&s.ledger);
	free(s.ledger_path);
	lw_space_free(space);
	run_data_close(&rd);
	return rc;
}

/* Rank 0 (or the one process): the search; the other ranks learn how its
 * set-up went, whatever happens. */
static int lead(const lw_dist *d, int argc, char **argv, char **words)
{
	search_options o;
	int told = 0;
	int rc = search_options_parse(CMD, argc, argv, &o);
	if (rc) {
		rc = rc < 0 ? 0 : rc;
	} else {
		rc = search(&o, d, words, &told);
		search_options_free(&o);
	}
	if (!told)  /* refused (or --help): the others exit too */
		search_dist_tell(d, rc, NULL);
	return rc;
}

/* A rank other than 0: signals stop its rung as they stop rank 0's. */
static int work(const lw_dist *d, char **words)
{
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	int rc = search_dist_work(d, CMD, words, &stop_requested);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	return rc;
}

int cmd_search(int argc, char **argv)
{
	lw_dist d;
	lw_err err = {0};
	if (lw_dist_init(NULL, NULL, &d, &err)) {
		fprintf(stderr, "lowwatt %s: %s\n", CMD, err.msg);
		return CLI_USAGE;
	}
	char **words = malloc((size_t)(argc + 3) * sizeof *words);
	if (!words)
		lw_dist_abort(&d, 1, "out of memory");
	words[0] = "lowwatt";
	words[1] = (char *)CMD;
	memcpy(words + 2, argv, (size_t)argc * sizeof *words);
	words[argc + 2] = NULL;
	int rc = d.rank == 0 ? lead(&d, argc, argv, words) : work(&d, words);
	free(words);
	lw_dist_finalize(&d);
	return rc;
}
