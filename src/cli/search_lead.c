/*
 * search_lead.c — rank 0 of a distributed search (search_dist.h): the
 * ledger, the rungs in flight on every rank, the budget over the hosts'
 * meters, and rank 0's own rungs, during which it serves the others from
 * the trainer's observer.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/search_cost.h"
#include "cli/search_dist.h"
#include "cli/search_wire.h"
#include "util/alloc.h"

/* Rank 0's view of the job. */
typedef struct lead {
	search_state *s;
	const lw_dist *d;
	lw_meter *meter;           /* rank 0's: host 0's energy */
	lw_rung_ref *busy;         /* [rank]: the rung it trains (id -1: idle) */
	double *estimate_j;        /* [rank]: that rung's estimated energy */
	double *host_j;            /* [host]: its leader's latest reading */
	int stopping;              /* budget or signal: hand out nothing more */
	int stop_sent;             /* STOP sent to the busy ranks */
	long results;              /* rungs finished so far */
} lead;

static _Noreturn void die(const lead *L, const lw_err *err)
{
	lw_dist_abort(L->d, 1, err->msg);
}

static void check(const lead *L, lw_status st, const lw_err *err)
{
	if (st)
		die(L, err);
}

/* ---------------------------------------------------------------- energy */

/* The search's energy so far: the trials' before this session, and each
 * host's latest reading (host 0's read now). */
static double spent_j(lead *L)
{
	lw_meter_reading r;
	lw_err err = {0};
	if (L->meter && lw_meter_read(L->meter, &r, &err) == LW_OK) {
		L->host_j[0] = 0;
		for (int i = 0; i < LW_DOMAIN_COUNT; i++)
			L->host_j[0] += r.method[i] == LW_METHOD_NONE ? 0 : r.joules[i];
	}
	double sum = L->s->base_j;
	for (int h = 0; h < L->d->n_hosts; h++)
		sum += L->host_j[h];
	return sum;
}

static int n_busy(const lead *L, lw_rung_ref *list)
{
	int n = 0;
	for (int r = 0; r < L->d->size; r++)
		if (L->busy[r].id >= 0) {
			if (list)
				list[n] = L->busy[r];
			n++;
		}
	return n;
}

/* Whether the budget holds the rung on top of everything spent and in
 * flight; if not, the rung is marked stopped and the search stops. */
static int fits_budget(lead *L, lw_trial *row, const lw_job *job)
{
	search_state *s = L->s;
	if (s->budget_j <= 0)
		return 1;
	double need = search_rung_estimate_j(&s->env, row, job->steps,
					     search_joules_per_work(&s->env, &s->ledger));
	double flying = 0;
	for (int r = 0; r < L->d->size; r++)
		flying += L->busy[r].id >= 0 ? L->estimate_j[r] : 0;
	double left = s->budget_j - spent_j(L) - flying;
	if (left > 0 && need <= left)
		return 1;
	fprintf(s->log, "budget: trial %lld rung %d needs about %.4g J; %.4g J of the budget "
			"%s left besides the %d rungs in flight: no more rungs start\n",
		(long long)row->id, row->rung, need, left > 0 ? left : 0.0,
		left > 0 ? "is" : "are", n_busy(L, NULL));
	row->status = LW_TRIAL_STOPPED;
	s->status = "budget";
	L->stopping = 1;
	return 0;
}

/* ---------------------------------------------------------------- jobs */

/* The next rung to train, the plan's NEW and PROMOTE jobs carried out on
 * the way: RUN (the row marked running), WAIT or DONE (also when the
 * budget stops the search here). */
static void take_job(lead *L, lw_job *job)
{
	search_state *s = L->s;
	lw_rung_ref *busy = lw_xmalloc((size_t)L->d->size * sizeof *busy, "busy rungs");
	lw_err err = {0};
	lw_status st = LW_OK;
	for (;;) {
		int n = n_busy(L, busy);
		if ((st = lw_schedule_next_busy(&s->plan, &s->ledger, busy, (size_t)n, job, &err)))
			break;
		if (job->kind == LW_JOB_NEW)
			st = search_add_trial(s, job->bracket, &err);
		else if (job->kind == LW_JOB_PROMOTE)
			st = search_promote(s, job, &err);
		else
			break;
		if (st)
			break;
	}
	free(busy);
	check(L, st, &err);
	lw_trial *row = job->kind == LW_JOB_RUN ? lw_trials_find(&s->ledger, job->id, job->rung)
					      : NULL;
	if (!row)
		return;
	if (!fits_budget(L, row, job))
		job->kind = LW_JOB_DONE;
	row->status = job->kind == LW_JOB_RUN ? LW_TRIAL_RUNNING : LW_TRIAL_STOPPED;
	check(L, search_save(s, &err), &err);
}

/* Rank `rank` trains the job's rung from now on. */
static void hand_out(lead *L, int rank, const lw_job *job)
{
	search_state *s = L->s;
	lw_trial *row = lw_trials_find(&s->ledger, job->id, job->rung);
	L->busy[rank] = (lw_rung_ref){ job->id, job->rung };
	if (s->budget_j > 0)  /* what fits_budget counts for it while it flies */
		L->estimate_j[rank] = search_rung_estimate_j(
			&s->env, row, job->steps, search_joules_per_work(&s->env, &s->ledger));
	lw_err err = {0};
	if (rank != 0)
		check(L, wire_send_job(L->d, rank, row, job, &err), &err);
}

/* Every idle rank but rank 0 gets a rung, while the plan has some. */
static void dispatch(lead *L)
{
	for (int r = 1; r < L->d->size && !L->stopping; r++) {
		if (L->busy[r].id >= 0)
			continue;
		lw_job job;
		take_job(L, &job);
		if (job.kind != LW_JOB_RUN)
			return;
		hand_out(L, r, &job);
	}
}

/* ---------------------------------------------------------------- results */

static void stop_for_signal(lead *L)
{
	L->s->status = "signal";
	L->stopping = 1;
}

/* A rung's outcome into the ledger (from rank `rank`), printed, saved. */
static void record(lead *L, int rank, const lw_trial *out, search_rung_end end, const lw_err *why)
{
	search_state *s = L->s;
	lw_err err = {0};
	lw_trial row = *out;
	row.worker = rank;
	check(L, lw_trials_update(&s->ledger, &row, &err), &err);
	search_print_rung(s, &row, rank, end, why);
	fflush(s->log);
	check(L, search_save(s, &err), &err);
	L->busy[rank].id = -1;
	L->results++;
	if (end == SEARCH_RUNG_SIGNAL)
		stop_for_signal(L);
}

static void receive(lead *L, int from, size_t bytes)
{
	wire_result m;
	lw_err err = {0};
	check(L, wire_recv_result(L->d, from, bytes, &m, &err), &err);
	lw_trial *row = lw_trials_find(&L->s->ledger, m.id, m.rung);
	if (from <= 0 || from >= L->d->size || !row || L->busy[from].id != m.id ||
	    L->busy[from].rung != m.rung) {
		lw_err_set(&err, LW_ERR_STATE, "rank %d reports trial %lld rung %d, which it was "
			   "not training", from, (long long)m.id, m.rung);
		die(L, &err);
	}
	if (m.host_j >= 0 && m.host_index >= 0 && m.host_index < L->d->n_hosts)
		L->host_j[m.host_index] = m.host_j;
	lw_trial out = *row;
	out.steps = m.steps;
	out.val_loss = m.val_loss;
	out.energy_j = m.energy_j;
	out.seconds = m.seconds;
	out.status = (lw_trial_status)m.status;
	memcpy(out.method, m.method, sizeof out.method);
	lw_err why = {0};
	memcpy(why.msg, m.why, sizeof why.msg);
	record(L, from, &out, (search_rung_end)m.end, &why);
}

/* Take every result waiting, tell busy ranks to stop after a signal, and
 * give idle ranks work. */
static void serve(lead *L)
{
	lw_err err = {0};
	for (;;) {
		int ready, from, tag;
		size_t bytes;
		check(L, lw_dist_poll(L->d, WIRE_RESULT, &ready, &from, &tag, &bytes, &err), &err);
		if (!ready)
			break;
		receive(L, from, bytes);
	}
	if (L->s->env.stop && *L->s->env.stop && strcmp(L->s->status, "signal") != 0)
		stop_for_signal(L);
	if (strcmp(L->s->status, "signal") == 0 && !L->stop_sent) {
		for (int r = 1; r < L->d->size; r++)
			if (L->busy[r].id >= 0)
				check(L, wire_send_word(L->d, r, WIRE_STOP, 0, &err), &err);
		L->stop_sent = 1;
	}
	dispatch(L);
}

/* The trainer's observer, after each of rank 0's steps: serve; a signal
 * that a rank reported stops rank 0's rung too. */
static int tick(void *ctx)
{
	lead *L = ctx;
	serve(L);
	return strcmp(L->s->status, "signal") == 0;
}

/* Wait (poll and nap) until some rank's result came in. */
static void wait_result(lead *L)
{
	long before = L->results;
	while (L->results == before) {
		serve(L);
		if (L->results == before)
			wire_nap();
	}
}

/* ---------------------------------------------------------------- own rungs */

/* Rank 0 trains a rung itself, on a copy of its row: serving the others
 * between steps changes the ledger under it. */
static void run_own(lead *L, const lw_job *job)
{
	search_state *s = L->s;
	hand_out(L, 0, job);
	const lw_trial *at = lw_trials_find(&s->ledger, job->id, job->rung);
	lw_trial row = *at;
	row.config = lw_xstrdup(at->config, "trial");
	row.label = at->label ? lw_xstrdup(at->label, "trial") : NULL;
	row.run_dir = at->run_dir ? lw_xstrdup(at->run_dir, "trial") : NULL;
	lw_trial out;
	search_rung_end end;
	lw_err err = {0}, why = {0};
	check(L, search_trial_run(&s->env, &row, job->steps, 0, &out, &end, &why, &err), &err);
	record(L, 0, &out, end, &why);
	free(row.config);
	free(row.label);
	free(row.run_dir);
}

static void quit_all(lead *L, int32_t rc)
{
	lw_err err = {0};
	for (int r = 1; r < L->d->size; r++)
		check(L, wire_send_word(L->d, r, WIRE_QUIT, rc, &err), &err);
}

int search_dist_lead(search_state *s, lw_meter *meter)
{
	int n = s->dist->size;
	lead L = { .s = s, .d = s->dist, .meter = meter,
		   .busy = lw_xmalloc((size_t)n * sizeof *L.busy, "busy rungs"),
		   .estimate_j = lw_xcalloc((size_t)n, sizeof *L.estimate_j, "estimates"),
		   .host_j = lw_xcalloc((size_t)s->dist->n_hosts, sizeof *L.host_j, "hosts") };
	for (int r = 0; r < n; r++)
		L.busy[r].id = -1;
	s->status = "finished";
	s->env.tick = tick;
	s->env.tick_ctx = &L;
	for (;;) {
		serve(&L);
		lw_job job = { .kind = LW_JOB_WAIT };
		if (!L.stopping)
			take_job(&L, &job);
		if (job.kind == LW_JOB_RUN)
			run_own(&L, &job);
		else if (n_busy(&L, NULL))
			wait_result(&L);
		else  /* done, or stopping with nothing in flight */
			break;
	}
	s->env.tick = NULL;
	quit_all(&L, strcmp(s->status, "signal") == 0 ? 130 : 0);
	free(L.busy);
	free(L.estimate_j);
	free(L.host_j);
	return 0;
}
