/*
 * metrics.c — metrics.csv: the header row, then one row per logged step.
 *
 *   step,tokens,loss,lr,grad_norm,tokens_per_s,elapsed_s,val_loss,val_accuracy
 *
 * loss is the mean training loss since the previous row; val_* are empty
 * except on rows where an evaluation ran. Rows are flushed as written.
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
	"step,tokens,loss,lr,grad_norm,tokens_per_s,elapsed_s,val_loss,val_accuracy\n";

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
	if (p) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));  /* skip the header */
		p = nl ? nl + 1 : end;
	}
	while (!st && p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;  /* a half-written last row: dropped */
		if (strtol(p, NULL, 10) <= keep_upto)
			st = lw_atomic_write(&out, p, (size_t)(nl + 1 - p), err);
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

lw_status lw_metrics_open(lw_metrics *m, const char *dir, long keep_upto, lw_err *err)
{
	m->path = lw_path_join(dir, "metrics.csv");
	lw_status st = keep_rows(m->path, keep_upto, err);
	if (st)
		return st;
	m->f = fopen(m->path, "a");
	if (!m->f)
		return lw_err_set(err, LW_ERR_IO, "%s: cannot open: %s", m->path, strerror(errno));
	return LW_OK;
}

lw_status lw_metrics_row(lw_metrics *m, const lw_train_event *ev, float window_loss,
			 const lw_eval_result *val, lw_err *err)
{
	fprintf(m->f, "%ld,%llu,%.6f,%.6g,%.6g,%.1f,%.3f,", ev->step,
		(unsigned long long)ev->tokens, window_loss, ev->lr, ev->grad_norm,
		ev->tokens_per_s, ev->elapsed_s);
	if (isnan(val->loss))
		fputs(",\n", m->f);
	else
		fprintf(m->f, "%.6f,%.6f\n", val->loss, val->accuracy);
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
