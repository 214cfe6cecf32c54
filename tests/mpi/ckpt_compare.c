/*
 * ckpt_compare.c — how far apart two checkpoints of the same run are, for
 * tests/train_mpi.sh: a data-parallel run against the one-process run with
 * the same global batch must end with the same parameters and AdamW
 * moments up to the order of float additions.
 *
 *   ckpt_compare A B   prints
 *   "step S params R moments R' worst TENSOR E"
 *
 * R and R' are relative errors in norm, ||a - b|| / ||b||, over all the
 * parameters and over both moments; E is the largest per-tensor
 * max|a - b| / max|b| and TENSOR its tensor. E is for the reader: a
 * tensor whose exact gradient is zero (the key bias: softmax ignores a
 * shift of every score) has gradients of pure rounding noise, which AdamW
 * scales up to steps of the learning rate, so no order of additions agrees
 * with another on it. Exit 1 when the files are not the same run at the
 * same step.
 */
#include <math.h>
#include <stdio.h>

#include "lowwatt/checkpoint.h"
#include "lowwatt/model.h"

static double tensor_error(const float *a, const float *b, const lw_tensor *t)
{
	double diff = 0, scale = 0;
	for (size_t k = t->offset; k < t->offset + t->size; k++) {
		diff = fmax(diff, fabs((double)a[k] - b[k]));
		scale = fmax(scale, fabs((double)b[k]));
	}
	return scale > 0 ? diff / scale : diff;
}

/* ||a - b|| / ||b|| over n floats. */
static double norm_error(const float *a, const float *b, size_t n)
{
	double diff = 0, norm = 0;
	for (size_t k = 0; k < n; k++) {
		double d = (double)a[k] - b[k];
		diff += d * d;
		norm += (double)b[k] * b[k];
	}
	return norm > 0 ? sqrt(diff / norm) : sqrt(diff);
}

/* The worst tensor's error; *name receives it. */
static double max_error(const float *a, const float *b, const lw_model *m, const char **name)
{
	int n;
	const lw_tensor *t = lw_model_tensors(m, &n);
	double worst = 0;
	*name = t[0].name;
	for (int i = 0; i < n; i++) {
		double e = tensor_error(a, b, &t[i]);
		if (e > worst) {
			worst = e;
			*name = t[i].name;
		}
	}
	return worst;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: ckpt_compare A.lwck B.lwck\n");
		return 2;
	}
	lw_checkpoint a = {0}, b = {0};
	lw_err err = {0};
	lw_model *m = NULL;
	int rc = 1;
	if (lw_checkpoint_load(argv[1], &a, &err) || lw_checkpoint_load(argv[2], &b, &err) ||
	    lw_checkpoint_match(&a.train, &b.train, &err) ||
	    lw_model_create(&a.train.model, 1, &m, &err)) {
		fprintf(stderr, "ckpt_compare: %s\n", err.msg);
	} else if (a.step != b.step || a.n_params != b.n_params) {
		fprintf(stderr, "ckpt_compare: step %llu against %llu\n",
			(unsigned long long)a.step, (unsigned long long)b.step);
	} else {
		const char *worst;
		double e = max_error(a.params, b.params, m, &worst);
		double moments = fmax(norm_error(a.m, b.m, a.n_params),
				      norm_error(a.v, b.v, a.n_params));
		printf("step %llu params %.3g moments %.3g worst %s %.3g\n",
		       (unsigned long long)a.step, norm_error(a.params, b.params, a.n_params),
		       moments, worst, e);
		rc = 0;
	}
	lw_model_free(m);
	lw_checkpoint_free(&a);
	lw_checkpoint_free(&b);
	return rc;
}
