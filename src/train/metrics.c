/*
 * metrics.c — metrics.csv: the header row, then one row per logged step.
 *
 *   step,tokens,loss,lr,grad_norm,tokens_per_s,elapsed_s,val_loss,val_accuracy,
 *   power_w,energy_j,co2e_g,method,cpu_j,dram_j,gpu_j
 *
 * loss is the mean training loss since the previous row; elapsed_s counts
 * the run's seconds over every invocation; val_* are empty except on rows
 * where an evaluation ran. The energy columns (empty when the run is not
 * metered): power_w, the mean power at the meter since the previous row;
 * energy_j, the run's energy at the meter so far; co2e_g, its CO2e so far;
 * method, measured, estimated, mixed or none; cpu_j, dram_j, gpu_j, the
 * run's energy per domain so far (empty for a domain no source covers).
 * Rows are flushed as written.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "train/metrics.h"
#include "util/alloc.h"
#include "util/file.h"

static const char HEADER[] =
	"step,tokens,loss,lr,grad_norm,tokens_per_s,elapsed_s,val_loss,val_accuracy,"
	"power_w,energy_j,co2e_g,method,cpu_j,dram_j,gpu_j\n";

/* The header of files written before the energy columns, and what their
 * rows lack. */
static const char OLD_HEADER[] =
	"step,tokens,loss,lr,grad_norm,tokens_per_s,elapsed_s,val_loss,val_accuracy\n";
static const char OLD_ROW_PAD[] = ",,,,,,,";

/* Copy the row [p, nl) and its newline, with the energy columns added
 * (empty) when pad. */
static lw_status keep_row(lw_atomic_file *out, const char *p, const char *nl, int pad,
			  lw_err *err)
{
	lw_status st = lw_atomic_write(out, p, (size_t)(nl - p), err);
	if (!st && pad)
		st = lw_atomic_write(out, OLD_ROW_PAD, sizeof OLD_ROW_PAD - 1, err);
	return st ? st : lw_atomic_write(out, "\n", 1, err);
}

/* Keep the header and the rows of steps <= keep_upto of the existing file,
 * rewritten atomically (keep_upto < 0 or a missing file: just the header). */
static lw_status keep_rows(const char *path, long keep_upto, lw_err *err)
{
	lw_buf old = {0};
	lw_atomic_file out;
	lw_status st = LW_OK;
	if (keep_upto >= 0 && access(path, F_OK) == 0 && (st = lw_file_read_all(path, &old, err)))
		return st;
	if ((st = lw_atomic_open(&out, path, err)))
		goto done;
	st = lw_atomic_write(&out, HEADER, sizeof HEADER - 1, err);
	const char *p = (const char *)old.data, *end = p ? p + old.len : NULL;
	int pad = 0;
	if (p) {
		pad = old.len >= sizeof OLD_HEADER - 1 &&
		      memcmp(p, OLD_HEADER, sizeof OLD_HEADER - 1) == 0;
		const char *nl = memchr(p, '\n', (size_t)(end - p));  /* skip the header */
		p = nl ? nl + 1 : end;
	}
	while (!st && p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;  /* a half-written last row: dropped */
		if (strtol(p, NULL, 10) <= keep_upto)
			st = keep_row(&out, p, nl, pad, err);
		p = nl + 1;
	}
	if (st)
		lw_atomic_abort(&out);
	else
		st = lw_atomic_commit(&out, err);
done:
	lw_buf_free(&old);
	return st;
}

lw_status lw_metrics_open(lw_metrics *m, const char *dir, long keep_upto,
			  const lw_run_energy *energy, lw_err *err)
{
	m->path = lw_path_join(dir, "metrics.csv");
	m->last_j = energy->total_j;
	m->last_s = energy->seconds;
	lw_status st = keep_rows(m->path, keep_upto, err);
	if (st)
		return st;
	m->f = fopen(m->path, "a");
	if (!m->f)
		return lw_err_set(err, LW_ERR_IO, "%s: cannot open: %s", m->path, strerror(errno));
	return LW_OK;
}

/* ",power_w,energy_j,co2e_g,method,cpu_j,dram_j,gpu_j\n" */
static void energy_fields(lw_metrics *m, const lw_run_energy *e)
{
	if (!e->metered) {
		fputs(",,,,,,,\n", m->f);
		return;
	}
	double dt = e->seconds - m->last_s;
	if (dt > 0)
		fprintf(m->f, ",%.4f", (e->total_j - m->last_j) / dt);
	else
		fputs(",", m->f);
	fprintf(m->f, ",%.4f,%.6g,%s", e->total_j, e->co2e_g, lw_run_energy_method(e));
	for (int d = 0; d < LW_DOMAIN_COUNT; d++)
		if (e->method[d] == LW_METHOD_NONE)
			fputs(",", m->f);
		else
			fprintf(m->f, ",%.4f", e->joules[d]);
	fputs("\n", m->f);
	m->last_j = e->total_j;
	m->last_s = e->seconds;
}

lw_status lw_metrics_row(lw_metrics *m, const lw_train_event *ev, float window_loss,
			 const lw_eval_result *val, lw_err *err)
{
	fprintf(m->f, "%ld,%llu,%.6f,%.6g,%.6g,%.1f,%.4f,", ev->step,
		(unsigned long long)ev->tokens, window_loss, ev->lr, ev->grad_norm,
		ev->tokens_per_s, ev->elapsed_s);
	if (isnan(val->loss))
		fputs(",", m->f);
	else
		fprintf(m->f, "%.6f,%.6f", val->loss, val->accuracy);
	energy_fields(m, &ev->energy);
	if (fflush(m->f) != 0 || ferror(m->f))
		return lw_err_set(err, LW_ERR_IO, "%s: write failed: %s", m->path, strerror(errno));
	return LW_OK;
}

void lw_metrics_close(lw_metrics *m)
{
	if (m->f)
		fclose(m->f);
	free(m->path);
	m->f = NULL;
	m->path = NULL;
}
