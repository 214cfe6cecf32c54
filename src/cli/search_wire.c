/*
 * search_wire.c — the messages of a distributed search (search_wire.h):
 * fixed structs, with a job's texts packed after its header, each text
 * with its NUL.
 */
#include "cli/search_wire.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/alloc.h"

/* A job's header; config, label and run_dir follow. */
typedef struct wire_job {
	int64_t id, steps, row_steps;
	int32_t rung, bracket;
	double row_val_loss, row_energy_j, row_seconds;
	char method[LW_TRIAL_METHOD_MAX];
	uint32_t len[3];      /* config, label, run_dir: bytes with the NUL */
} wire_job;

typedef struct wire_setup {
	int32_t rc;
	uint32_t len;         /* the settings' bytes with the NUL; 0: none */
} wire_setup;

void wire_nap(void)
{
	struct timespec t = { 0, WIRE_NAP_NS };
	nanosleep(&t, NULL);
}

lw_status wire_wait(const lw_dist *d, int *tag, size_t *bytes, lw_err *err)
{
	int ready = 0, from = 0;
	while (!ready) {
		lw_status st = lw_dist_poll(d, -1, &ready, &from, tag, bytes, err);
		if (st)
			return st;
		if (!ready)
			wire_nap();
	}
	if (from != 0)
		return lw_err_set(err, LW_ERR_STATE, "a message (tag %d) from rank %d, not rank 0",
				  *tag, from);
	return LW_OK;
}

static lw_status wrong_size(int from, const char *what, size_t bytes, lw_err *err)
{
	return lw_err_set(err, LW_ERR_FORMAT, "a %s message of %zu bytes from rank %d: do all "
			  "ranks run the same lowwatt build?", what, bytes, from);
}

lw_status wire_send_word(const lw_dist *d, int to, int tag, int32_t word, lw_err *err)
{
	return lw_dist_send(d, to, tag, &word, sizeof word, err);
}

lw_status wire_recv_word(const lw_dist *d, int from, int tag, size_t bytes, int32_t *word,
			 lw_err *err)
{
	if (bytes != sizeof *word)
		return wrong_size(from, "stop or quit", bytes, err);
	return lw_dist_recv(d, from, tag, word, sizeof *word, err);
}

/* ---------------------------------------------------------------- setup */

lw_status wire_send_setup(const lw_dist *d, int to, int32_t rc, const char *settings,
			  lw_err *err)
{
	size_t len = !rc && settings ? strlen(settings) + 1 : 0;
	wire_setup h = { rc, (uint32_t)len };
	char *buf = lw_xmalloc(sizeof h + len, "setup message");
	memcpy(buf, &h, sizeof h);
	if (len)
		memcpy(buf + sizeof h, settings, len);
	lw_status st = lw_dist_send(d, to, WIRE_SETUP, buf, sizeof h + len, err);
	free(buf);
	return st;
}

lw_status wire_recv_setup(const lw_dist *d, size_t bytes, int32_t *rc, char **settings,
			  lw_err *err)
{
	*settings = NULL;
	if (bytes < sizeof(wire_setup))
		return wrong_size(0, "setup", bytes, err);
	char *buf = lw_xmalloc(bytes, "setup message");
	lw_status st = lw_dist_recv(d, 0, WIRE_SETUP, buf, bytes, err);
	wire_setup h;
	memcpy(&h, buf, sizeof h);
	if (!st && (h.len != bytes - sizeof h || (h.len && buf[bytes - 1])))
		st = wrong_size(0, "setup", bytes, err);
	*rc = h.rc;
	if (!st && h.len)
		*settings = lw_xstrdup(buf + sizeof h, "settings");
	free(buf);
	return st;
}

/* ---------------------------------------------------------------- jobs */

lw_status wire_send_job(const lw_dist *d, int to, const lw_trial *row, const lw_job *job,
			lw_err *err)
{
	const char *text[3] = { row->config, row->label ? row->label : "",
				row->run_dir ? row->run_dir : "" };
	wire_job h = { .id = job->id, .steps = job->steps, .row_steps = row->steps,
		       .rung = job->rung, .bracket = job->bracket, .row_val_loss = row->val_loss,
		       .row_energy_j = row->energy_j,
		       .row_seconds = row->seconds };
	memcpy(h.method, row->method, sizeof h.method);
	size_t size = sizeof h;
	for (int i = 0; i < 3; i++) {
		h.len[i] = (uint32_t)strlen(text[i]) + 1;
		size += h.len[i];
	}
	char *buf = lw_xmalloc(size, "job message"), *at = buf + sizeof h;
	memcpy(buf, &h, sizeof h);
	for (int i = 0; i < 3; i++) {
		memcpy(at, text[i], h.len[i]);
		at += h.len[i];
	}
	lw_status st = lw_dist_send(d, to, WIRE_JOB, buf, size, err);
	free(buf);
	return st;
}

/* The three texts after the header, each ending in its NUL. */
static int texts_fit(const wire_job *h, const char *buf, size_t bytes)
{
	size_t at = sizeof *h;
	for (int i = 0; i < 3; i++) {
		if (h->len[i] == 0 || h->len[i] > bytes - at || buf[at + h->len[i] - 1])
			return 0;
		at += h->len[i];
	}
	return at == bytes;
}

static char *text_or_null(const char *s)
{
	return *s ? lw_xstrdup(s, "job text") : NULL;
}

lw_status wire_recv_job(const lw_dist *d, size_t bytes, lw_trial *row, lw_job *job,
			lw_err *err)
{
	memset(row, 0, sizeof *row);
	if (bytes < sizeof(wire_job))
		return wrong_size(0, "job", bytes, err);
	char *buf = lw_xmalloc(bytes, "job message");
	lw_status st = lw_dist_recv(d, 0, WIRE_JOB, buf, bytes, err);
	wire_job h;
	memcpy(&h, buf, sizeof h);
	if (!st && !texts_fit(&h, buf, bytes))
		st = wrong_size(0, "job", bytes, err);
	if (!st) {
		const char *config = buf + sizeof h, *label = config + h.len[0];
		*row = (lw_trial){ .id = h.id, .config = lw_xstrdup(config, "job text"),
				   .label = text_or_null(label), .rung = h.rung,
				   .steps = h.row_steps, .val_loss = h.row_val_loss,
				   .energy_j = h.row_energy_j,
				   .seconds = h.row_seconds, .status = LW_TRIAL_RUNNING,
				   .bracket = h.bracket, .run_dir = text_or_null(label + h.len[1]) };
		memcpy(row->method, h.method, sizeof row->method);
		row->method[sizeof row->method - 1] = 0;
		*job = (lw_job){ LW_JOB_RUN, h.id, h.rung, h.bracket, h.steps };
	}
	free(buf);
	return st;
}

void wire_row_free(lw_trial *row)
{
	free(row->config);
	free(row->label);
	free(row->run_dir);
	row->config = row->label = row->run_dir = NULL;
}

/* ---------------------------------------------------------------- results */

lw_status wire_send_result(const lw_dist *d, const wire_result *r, lw_err *err)
{
	return lw_dist_send(d, 0, WIRE_RESULT, r, sizeof *r, err);
}

lw_status wire_recv_result(const lw_dist *d, int from, size_t bytes, wire_result *r,
			   lw_err *err)
{
	if (bytes != sizeof *r)
		return wrong_size(from, "result", bytes, err);
	lw_status st = lw_dist_recv(d, from, WIRE_RESULT, r, sizeof *r, err);
	r->method[sizeof r->method - 1] = 0;
	r->why[sizeof r->why - 1] = 0;
	return st;
}
