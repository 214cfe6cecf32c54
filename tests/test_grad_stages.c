/*
 * test_grad_stages.c — the backward stages a data-parallel trainer starts
 * its all-reduce on (model.h: lw_model_on_grad_ready): the hook announces
 * every stage, in order (repeating the last one between kernels); after the stage lw_model_tensor_stage names,
 * a tensor's gradient is final (equal to the end of backward's), and the
 * stage before, it is not yet (the stage is the earliest one): for plain
 * layers, layers sharing weights, and a parameter bank.
 */
#include <string.h>

#include "testutil.h"

#include "lowwatt/model.h"

enum { L = 3, B = 2, T = 6, V = 29 };

/* Every stage's copy of the whole gradient buffer (taken when the stage
 * is first announced). */
typedef struct snapshots {
	const lw_model *m;
	float *at[L + 3];
	int stages, last;
	int in_order;
} snapshots;

static void keep(void *ctx, int stage)
{
	snapshots *s = ctx;
	lw_model *m = (lw_model *)s->m;
	size_t n = lw_model_num_params(m);
	/* Each stage once, in order; repeats of the last (progress ticks). */
	s->in_order &= (stage == s->last + 1 || stage == s->last) && stage < L + 3;
	if (stage == s->last)
		return;
	s->last = stage;
	s->stages++;
	if (stage >= 0 && stage < L + 3) {
		s->at[stage] = malloc(n * sizeof(float));
		memcpy(s->at[stage], lw_model_grads(m), n * sizeof(float));
	}
}

static void check_config(const lw_model_config *c)
{
	lw_model *m;
	lw_err err = {{0}};
	assert_int_equal(lw_model_create(c, B, &m, &err), LW_OK);
	lw_model_init(m, 7);
	assert_int_equal(lw_model_backward_stages(m), L + 3);
	int32_t inputs[B * T], targets[B * T];
	for (int i = 0; i < B * T; i++) {
		inputs[i] = (i * 7 + 3) % V;
		targets[i] = (i * 5 + 1) % V;
	}
	lw_batch b = { .B = B, .T = T, .inputs = inputs, .targets = targets, .n_targets = B * T };
	snapshots s = { .m = m, .last = -1, .in_order = 1 };
	lw_model_on_grad_ready(m, keep, &s);
	lw_model_forward(m, &b);
	lw_model_backward(m, 1.0f);
	assert_int_equal(s.stages, L + 3);
	assert_true(s.in_order);
	const float *g = lw_model_grads(m);
	int n;
	const lw_tensor *t = lw_model_tensors(m, &n);
	for (int i = 0; i < n; i++) {
		int st = lw_model_tensor_stage(m, i);
		size_t bytes = t[i].size * sizeof(float);
		assert_in_range(st, 0, L + 2);
		if (memcmp(s.at[st] + t[i].offset, g + t[i].offset, bytes) != 0)
			fail_msg("%s: not final after its stage %d", t[i].name, st);
		if (st > 0 && memcmp(s.at[st - 1] + t[i].offset, g + t[i].offset, bytes) == 0)
			fail_msg("%s: final already before its stage %d", t[i].name, st);
	}
	/* Off again: the next backward calls nothing. */
	lw_model_on_grad_ready(m, NULL, NULL);
	lw_model_backward(m, 1.0f);
	assert_int_equal(s.stages, L + 3);
	for (int k = 0; k < L + 3; k++)
		free(s.at[k]);
	lw_model_free(m);
}

static lw_model_config base(lw_arch arch)
{
	return (lw_model_config){ .arch = arch, .layers = L, .d_model = 8, .heads = 2,
				  .d_ff = 12, .seq = T, .vocab = V };
}

static void test_plain(void **state)
{
	(void)state;
	lw_model_config c = base(LW_ARCH_CLM);
	check_config(&c);
	c = base(LW_ARCH_MLM);
	check_config(&c);
}

static void test_shared(void **state)
{
	(void)state;
	lw_model_config c = base(LW_ARCH_CLM);
	c.share = LW_SHARE_ALL;
	check_config(&c);  /* every layer's matrices: the first layer's */
	c.share_vectors = 1;
	c.share_groups = 2;
	check_config(&c);
	c.share = LW_SHARE_FFN;
	c.share_groups = 0;
	check_config(&c);
}

static void test_bank(void **state)
{
	(void)state;
	lw_model_config c = base(LW_ARCH_CLM);
	c.bank = 300;
	check_config(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_shared),
		cmocka_unit_test(test_bank),
	};
	return cmocka_run_group_tests_name("grad_stages", tests, NULL, NULL);
}
