/*
 * model_check.h — the whole model's gradients against central finite
 * differences, for any configuration (test_train: the plain model;
 * test_share: every sharing scheme). Header-only, like testutil.h.
 */
#ifndef LW_TESTS_MODEL_CHECK_H
#define LW_TESTS_MODEL_CHECK_H

#include <math.h>

#include "testutil.h"

#include "lowwatt/model.h"
#include "util/rng.h"

/* Random ids and targets over the vocabulary (two thirds of the mlm
 * targets ignored). */
static inline void mc_random_batch(lw_batch *b, lw_arch arch, int vocab, uint64_t seed)
{
	lw_rng r = lw_rng_from(seed, 1, 2);
	for (int i = 0; i < b->B * b->T; i++) {
		b->inputs[i] = (int32_t)lw_rng_below(&r, (uint64_t)vocab);
		b->targets[i] = (int32_t)lw_rng_below(&r, (uint64_t)vocab);
		if (arch == LW_ARCH_MLM && lw_rng_below(&r, 3) != 0)
			b->targets[i] = LW_IGNORE_INDEX;
	}
}

/* Central differences of the loss in double-checked float: about `per`
 * parameters of every physical tensor, relative error against the
 * analytic gradient with a floor for tiny gradients; fails above 2e-2.
 * Returns the worst error. */
static inline double mc_check_gradients(const lw_model_config *mc, int per)
{
	lw_model *m = NULL;
	lw_err err = {0};
	assert_int_equal(lw_model_create(mc, 2, &m, &err), LW_OK);
	lw_model_init(m, 7);
	/* Larger weights than the init make the gradients large enough to see. */
	float *p = lw_model_params(m);
	lw_rng r = lw_rng_from(3, 3, 3);
	for (size_t i = 0; i < lw_model_num_params(m); i++)
		p[i] += 0.3f * (float)(lw_rng_uniform(&r) - 0.5);
	lw_batch b = {0};
	assert_int_equal(lw_batch_init(&b, 2, mc->seq, &err), LW_OK);
	mc_random_batch(&b, mc->arch, mc->vocab, 11);
	lw_model_zero_grad(m);
	lw_model_forward(m, &b);
	lw_model_backward(m, 1.0f);
	const float *g = lw_model_grads(m);
	int n;
	const lw_tensor *t = lw_model_tensors(m, &n);
	double worst = 0;
	for (int k = 0; k < n; k++) {
		for (size_t j = 0; j < t[k].size; j += 1 + t[k].size / (size_t)per) {
			size_t i = t[k].offset + j;
			float keep = p[i], h = 1e-2f;
			p[i] = keep + h;
			double up = lw_model_forward(m, &b);
			p[i] = keep - h;
			double down = lw_model_forward(m, &b);
			p[i] = keep;
			double numeric = (up - down) / (2.0 * h);
			double e = fabs(numeric - g[i]) / fmax(fabs(numeric), 1e-2);
			if (e > worst)
				worst = e;
			if (e > 2e-2)
				fail_msg("%s[%zu]: analytic %g, numeric %g", t[k].name, j, g[i], numeric);
		}
	}
	lw_batch_free(&b);
	lw_model_free(m);
	return worst;
}

#endif
