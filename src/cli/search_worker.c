/*
 * search_worker.c — a rank other than 0 in a distributed search
 * (search_dist.h): set up from rank 0's settings, train the rungs it hands
 * out, report each, and meter this rank's machine. Also rank 0's side of
 * the set-up message (search_dist_tell).
 *
 * A worker prints nothing: its set-up runs with stderr captured, and any
 * failure ends the whole job through lw_dist_abort, whose one line names
 * the rank and host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/search_dist.h"
#include "cli/hosts.h"
#include "cli/search_wire.h"
#include "cli/train_energy.h"
#include "util/alloc.h"

typedef struct worker {
	const lw_dist *d;
	run_data rd;
	train_energy te;
	search_trial_env env;
	char *out;               /* the search directory */
} worker;

/* ---------------------------------------------------------------- set-up */

void search_dist_tell(const lw_dist *d, int rc, const json_t *settings)
{
	char *text = !rc && settings ? json_dumps(settings, JSON_COMPACT) : NULL;
	lw_err err = {0};
	for (int r = 1; r < d->size; r++)
		if (wire_send_setup(d, r, text ? 0 : rc, text, &err))
			lw_dist_abort(d, 1, err.msg);
	free(text);
}

/* stderr into a buffer while a worker sets up. (glibc's stderr is a
 * variable that may be assigned: glibc manual, "Standard Streams".) */
typedef struct capture {
	FILE *saved;
	char *buf;
	size_t len;
} capture;

static void capture_start(capture *c)
{
	*c = (capture){ .saved = stderr };
	FILE *m = open_memstream(&c->buf, &c->len);
	if (m)
		stderr = m;
}

/* Restore stderr; on failure end the job with the last line captured
 * (less its "lowwatt search: "). */
static void capture_end(capture *c, const lw_dist *d, const char *cmd, int failed)
{
	if (stderr != c->saved) {
		fclose(stderr);
		stderr = c->saved;
	}
	if (failed && c->buf) {
		char prefix[64];
		while (c->len > 0 && c->buf[c->len - 1] == '\n')
			c->buf[--c->len] = 0;
		const char *last = strrchr(c->buf, '\n'), *line = last ? last + 1 : c->buf;
		snprintf(prefix, sizeof prefix, "lowwatt %s: ", cmd);
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			line += strlen(prefix);
		lw_dist_abort(d, 1, *line ? line : "set-up failed");
	}
	if (failed)
		lw_dist_abort(d, 1, "set-up failed");
	free(c->buf);
}

/* The data, the meter and the trials' environment from rank 0's settings.
 * Returns 0, or 1 having printed one line (captured). */
static int open_worker(worker *w, const char *cmd, char *const words[], const char *text,
		       volatile sig_atomic_t *stop)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	const char *out = NULL, *rapl = NULL, *space_file = NULL;
	json_int_t max_steps = 0;
	double g_per_j = 0;
	json_t *space = NULL;
	if (!j || json_unpack(j, "{s:s, s:I, s:s, s:F, s:o, s:s}", "out", &out, "max_steps",
			      &max_steps, "rapl", &rapl, "co2e_g_per_j", &g_per_j, "space", &space,
			      "space_file", &space_file)) {
		fprintf(stderr, "lowwatt %s: rank 0's settings do not parse\n", cmd);
		json_decref(j);
		return 1;
	}
	w->out = lw_xstrdup(out, "search directory");
	int rc = search_trial_open_data(cmd, space, space_file, &w->rd);
	lw_intensity none = {0};
	if (!rc)
		rc = train_energy_start(cmd, &none, 1.0, rapl, words, stderr, &w->te);
	if (!rc)
		w->env = (search_trial_env){ .rd = &w->rd, .vocab = lw_bpe_vocab_size(w->rd.bpe),
					     .max_steps = (long)max_steps, .dir = w->out,
					     .meter = w->te.meter, .co2e_g_per_j = g_per_j,
					     .stop = stop, .share = w->d->host_size };
	json_decref(j);
	return rc;
}

/* Rank 0's set-up: 1 to go on, else 0 with *rc the exit status. */
static int await_setup(worker *w, const char *cmd, char *const words[],
		       volatile sig_atomic_t *stop, int *rc)
{
	int tag;
	size_t bytes;
	int32_t status;
	char *text = NULL;
	lw_err err = {0};
	if (wire_wait(w->d, &tag, &bytes, &err) ||
	    (tag == WIRE_SETUP ? wire_recv_setup(w->d, bytes, &status, &text, &err) :
	     lw_err_set(&err, LW_ERR_STATE, "rank 0 sent message %d before the set-up", tag)))
		lw_dist_abort(w->d, 1, err.msg);
	if (!text) {
		*rc = status ? 1 : 0;  /* rank 0 said why, or printed its help */
		return 0;
	}
	capture c;
	capture_start(&c);
	int failed = open_worker(w, cmd, words, text, stop);
	capture_end(&c, w->d, cmd, failed);
	free(text);
	return 1;
}

/* ---------------------------------------------------------------- jobs */

/* Between steps: has rank 0 asked this rank to stop? */
static int stop_asked(void *ctx)
{
	const lw_dist *d = ctx;
	int ready, from, tag;
	size_t bytes;
	int32_t word;
	lw_err err = {0};
	if (lw_dist_poll(d, WIRE_STOP, &ready, &from, &tag, &bytes, &err) ||
	    (ready && wire_recv_word(d, from, WIRE_STOP, bytes, &word, &err)))
		lw_dist_abort(d, 1, err.msg);
	return ready;
}

/* This host's energy since the meter started, if this rank speaks for it. */
static double host_j(const worker *w)
{
	lw_meter_reading r;
	lw_err err = {0};
	if (w->d->host_rank != 0 || lw_meter_read(w->te.meter, &r, &err))
		return -1;
	double sum = 0;
	for (int i = 0; i < LW_DOMAIN_COUNT; i++)
		sum += r.method[i] == LW_METHOD_NONE ? 0 : r.joules[i];
	return sum;
}

static void run_job(worker *w, size_t bytes)
{
	lw_trial row, out;
	lw_job job;
	search_rung_end end;
	lw_err err = {0}, why = {0};
	if (wire_recv_job(w->d, bytes, &row, &job, &err) ||
	    search_trial_run(&w->env, &row, job.steps, 0, &out, &end, &why, &err))
		lw_dist_abort(w->d, 1, err.msg);
	wire_result m = { .id = out.id, .steps = out.steps, .rung = out.rung,
			  .status = (int32_t)out.status, .end = (int32_t)end,
			  .host_index = w->d->host_index, .val_loss = out.val_loss,
			  .energy_j = out.energy_j, .seconds = out.seconds, .host_j = host_j(w) };
	memcpy(m.method, out.method, sizeof m.method);
	if (end == SEARCH_RUNG_FAILED)
		snprintf(m.why, sizeof m.why, "%s", why.msg);
	wire_row_free(&row);
	if (wire_send_result(w->d, &m, &err))
		lw_dist_abort(w->d, 1, err.msg);
}

/* Train what rank 0 hands out until it says quit; its exit status. */
static int serve_rank0(worker *w)
{
	w->env.tick = stop_asked;
	w->env.tick_ctx = (void *)w->d;
	for (;;) {
		int tag;
		size_t bytes;
		int32_t word;
		lw_err err = {0};
		if (wire_wait(w->d, &tag, &bytes, &err))
			lw_dist_abort(w->d, 1, err.msg);
		if (tag == WIRE_JOB) {
			run_job(w, bytes);
			continue;
		}
		if (tag != WIRE_STOP && tag != WIRE_QUIT)
			lw_err_set(&err, LW_ERR_STATE, "an unexpected message (tag %d) from rank 0", tag);
		if (err.msg[0] || wire_recv_word(w->d, 0, tag, bytes, &word, &err))
			lw_dist_abort(w->d, 1, err.msg);
		if (tag == WIRE_QUIT)
			return word;
		/* A STOP that came after this rank's rung had ended: nothing to stop. */
	}
}

int search_dist_work(const lw_dist *d, const char *cmd, char *const words[],
		     volatile sig_atomic_t *stop)
{
	worker w = { .d = d };
	int rc;
	if (!await_setup(&w, cmd, words, stop, &rc))
		return rc;
	rc = serve_rank0(&w);
	lw_err err = {0};
	job_hosts hosts;
	if (train_energy_stop(&w.te, &err) ||
	    hosts_gather(d, &w.te.m.reading, &hosts, &err))
		lw_dist_abort(d, 1, err.msg);
	hosts_free(&hosts);
	train_energy_free(&w.te);
	run_data_close(&w.rd);
	free(w.out);
	return rc;
}
