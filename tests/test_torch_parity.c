/*
 * test_torch_parity.c — lowwatt's transformer against PyTorch.
 *
 * For a small masked LM and a small causal LM, the same parameters and
 * batches go through lowwatt and through the PyTorch model of
 * tests/peer/torch_model.py (run by tests/peer/torch_ref.py, whose header
 * documents the exchange files). Then the same for weight sharing, whose
 * PyTorch side (tests/peer/torch_share.py) is written from model.h's
 * description, not from lowwatt's plan: cross-layer sharing as module
 * reuse (share all in 1 and in 2 groups, share ffn with the vectors), and
 * parameter banks as index tensors into a bank Parameter (windows that
 * wrap; a bank smaller than a matrix, tiled), autograd summing the
 * gradients in both. Checked, for each, on the physical parameters (what
 * is trained: lowwatt's lw_model_tensors, PyTorch's distinct Parameters):
 *   - the parameter table (names, shapes, decay flags) equals PyTorch's;
 *   - on one batch: the selected positions, the logits, the loss and the
 *     gradient of every parameter tensor;
 *   - then STEPS AdamW steps on STEPS different batches (zero the
 *     gradients, forward, backward, lw_adamw_update per tensor with weight
 *     decay on decay = 1 tensors only) against torch.optim.AdamW with two
 *     parameter groups: the loss of every step and every parameter tensor
 *     after the last step.
 *
 * Error measures, a (lowwatt) against b (PyTorch), per named tensor — the
 * qkv tensors split into their q, k and v blocks, three maps whose
 * gradients differ in scale by orders of magnitude:
 *
 *   logits, gradients:  err = max_i |a_i - b_i| / max(|b_i|, FLOOR * max_j |b_j|)
 *
 *     a relative error, except that elements far smaller than the tensor's
 *     largest are judged against FLOOR (1e-2) times that largest: their
 *     relative error is float32 cancellation (a sum of terms much larger
 *     than the result), which says nothing about the code. Measured: ~3e-5
 *     with FLOOR 1e-2, ~3e-4 with 1e-3 (absolute errors ~3e-7 of the
 *     largest, float32 summation noise on both sides).
 *   losses:  |a - b| / |b|.
 *   parameters after the steps:  err = ||a - b||_2 / ||b - p0||_2
 *
 *     the error of the update the steps made, relative to its size.
 *
 * The AdamW steps use eps = 1e-5 (ADAM_EPS), not the default 1e-8. AdamW's
 * step lr * m/(sqrt(v) + eps) is ill-conditioned where a gradient is within
 * a few orders of eps: an element whose gradient cancels to 4e-8 moves by
 * 0.8 lr, and float32 rounding of that gradient (~1e-9 on either side, see
 * above) changes the move by up to ~0.1 lr. With eps 1e-8 such elements
 * occur in every run and their error is the two sides' rounding, not the
 * code: over 12 seeds the update error reached 4e-4 per tensor and 9e-5
 * over all parameters (h.0.fc.w, h.0.fc.b, h.0.qkv.w), and PyTorch in
 * float64 agreed with PyTorch in float32, not with lowwatt, on those
 * elements — lowwatt's float32 gradient is the one that rounds. With eps
 * 1e-5 the amplification is 1000 times smaller and the worst error over
 * the same 12 seeds is 1.3e-5, while every element with a real gradient
 * still moves ~lr per step, so the check still sees any mistake in the
 * update (decaying a tensor that is not decayed, a wrong bias correction,
 * moments not carried between steps). eps is a plain argument of
 * lw_adamw_update: its value selects no other code.
 *
 * The key bias (rows [C,2C) of qkv.b) is checked apart: it adds q·b_k to
 * every score of a row, which softmax ignores, so its exact gradient is 0
 * and both sides hold float32 noise (~1e-11) of arbitrary sign, which AdamW
 * turns into updates of about lr*g/eps, also of arbitrary sign. Checked
 * instead: its gradients are below KEY_GRAD times the largest of qkv.b's,
 * and its parameters (which start at 0) stay within KEY_MOVE of 0, where a
 * parameter with a real gradient moves about LR per step.
 *
 * Every err must be <= TOL (1e-4).
 *
 * PyTorch computes in float32 (REF_PRECISION); its own rounding is part of
 * what the tolerance absorbs (a float64 PyTorch, REF_PRECISION 64, gives
 * the same errors within a factor of 1.3). The test fails — never skips —
 * when /usr/bin/python3 or its torch is missing: scripts/setup.sh installs
 * them.
 */
#include "testutil.h"

#include <errno.h>
#include <math.h>
#include <sys/wait.h>

#include "lowwatt/batch.h"
#include "lowwatt/model.h"
#include "lowwatt/optim.h"
#include "util/endian.h"
#include "util/file.h"
#include "util/rng.h"

#define PYTHON "/usr/bin/python3"
#define SCRIPT "tests/peer/torch_ref.py"
#define REF_PRECISION 32    /* 32: PyTorch in float32; 64: in float64 */
#define STEPS 3             /* AdamW steps, each on its own batch */
#define TOL 1e-4
#define FLOOR 1e-2
#define LR 1e-3f
#define WEIGHT_DECAY 0.1f
#define ADAM_EPS 1e-5f      /* not the default 1e-8: see the header */
#define REF_EXIT_NO_TORCH 3 /* torch_ref.py's status when torch is missing */
#define MAX_T 64            /* longest row of a case */
#define MAX_CASES 4         /* cases sharing one run of torch_ref.py */

typedef struct parity_case {
	const char *name;   /* in the report lines */
	lw_model_config cfg;
	int B, T;
	uint64_t seed;
} parity_case;

/* What lowwatt computed. */
typedef struct lw_result {
	int n_sel;
	int32_t *sel;       /* (n_sel) */
	float loss;
	float *logits;      /* (n_sel,V) */
	float *grads;       /* (P) */
	float step_loss[STEPS];
	float *params;      /* (P) after the steps */
} lw_result;

/* ------------------------------------------------------------ batches */

/* Batch i of a case: CLM windows of a random token stream (every position
 * has a target); MLM rows with ~15% of the positions selected (at least one
 * per row), masked 80/10/10 as lw_batch_make does. The last 5 ids are the
 * specials, the last of them [MASK]. */
static void make_batch(const parity_case *pc, int i, lw_batch *b)
{
	int B = pc->B, T = pc->T, V = pc->cfg.vocab, regular = V - 5;
	lw_err err = {{0}};
	assert_true(T <= MAX_T);
	assert_int_equal(lw_batch_init(b, B, T, &err), LW_OK);
	lw_rng r = lw_rng_from(pc->seed, 100 + (uint64_t)i, (uint64_t)pc->cfg.arch);
	b->n_targets = 0;
	for (int row = 0; row < B; row++) {
		int32_t *in = b->inputs + (size_t)row * T, *tg = b->targets + (size_t)row * T;
		if (pc->cfg.arch == LW_ARCH_CLM) {
			int32_t next = (int32_t)lw_rng_below(&r, (uint64_t)V);
			for (int t = 0; t < T; t++) {
				in[t] = next;
				next = (int32_t)lw_rng_below(&r, (uint64_t)V);
				tg[t] = next;
			}
			b->n_targets += T;
			continue;
		}
		int sel[MAX_T], any = 0;
		for (int t = 0; t < T; t++) {
			tg[t] = LW_IGNORE_INDEX;
			in[t] = (int32_t)lw_rng_below(&r, (uint64_t)regular);
			sel[t] = lw_rng_uniform(&r) < 0.15;
			any |= sel[t];
		}
		if (!any)
			sel[lw_rng_below(&r, (uint64_t)T)] = 1;
		for (int t = 0; t < T; t++) {
			if (!sel[t])
				continue;
			tg[t] = in[t];
			double u = lw_rng_uniform(&r);
			if (u < 0.8)
				in[t] = V - 1;
			else if (u < 0.9)
				in[t] = (int32_t)lw_rng_below(&r, (uint64_t)regular);
			b->n_targets++;
		}
	}
}

/* ------------------------------------------------------------ lowwatt side */

/* Forward and backward on batches[0], then STEPS AdamW steps, all from the
 * model's current parameters (restored afterwards: the caller keeps them). */
static void run_lowwatt(lw_model *m, const lw_batch *batches, lw_result *out)
{
	size_t P = lw_model_num_params(m);
	int V = lw_model_config_of(m)->vocab, n_tensors;
	const lw_tensor *tensors = lw_model_tensors(m, &n_tensors);
	float *p = lw_model_params(m), *g = lw_model_grads(m);

	lw_model_keep_logits(m, 1);
	lw_model_zero_grad(m);
	out->loss = lw_model_forward(m, &batches[0]);
	const int32_t *pos;
	out->n_sel = lw_model_selected(m, &pos);
	assert_true(out->n_sel > 0);
	out->sel = malloc((size_t)out->n_sel * sizeof *out->sel);
	memcpy(out->sel, pos, (size_t)out->n_sel * sizeof *pos);
	out->logits = malloc((size_t)out->n_sel * V * sizeof(float));
	assert_non_null(lw_model_logits(m));
	memcpy(out->logits, lw_model_logits(m), (size_t)out->n_sel * V * sizeof(float));
	lw_model_backward(m, 1.0f);
	out->grads = malloc(P * sizeof(float));
	memcpy(out->grads, g, P * sizeof(float));

	float *p0 = malloc(P * sizeof(float));
	memcpy(p0, p, P * sizeof(float));
	float *mom = calloc(P, sizeof(float)), *var = calloc(P, sizeof(float));
	lw_adamw opt = {.beta1 = 0.9f, .beta2 = 0.999f, .eps = ADAM_EPS};
	for (int s = 0; s < STEPS; s++) {
		lw_model_zero_grad(m);
		out->step_loss[s] = lw_model_forward(m, &batches[s]);
		lw_model_backward(m, 1.0f);
		for (int k = 0; k < n_tensors; k++) {
			const lw_tensor *t = &tensors[k];
			lw_adamw_update(&opt, p + t->offset, g + t->offset, mom + t->offset,
					var + t->offset, t->size, LR,
					t->decay ? WEIGHT_DECAY : 0.0f, s + 1);
		}
	}
	out->params = malloc(P * sizeof(float));
	memcpy(out->params, p, P * sizeof(float));
	memcpy(p, p0, P * sizeof(float));
	free(p0);
	free(mom);
	free(var);
}

static void lw_result_free(lw_result *r)
{
	free(r->sel);
	free(r->logits);
	free(r->grads);
	free(r->params);
}

/* ------------------------------------------------------------ exchange */

static void put_i32(FILE *fp, int32_t v)
{
	uint8_t b[4];
	lw_put_u32(b, (uint32_t)v);
	assert_int_equal(fwrite(b, 1, 4, fp), 4);
}

static void put_f32s(FILE *fp, const float *x, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		uint8_t b[4];
		memcpy(&u, &x[i], 4);
		lw_put_u32(b, u);
		assert_int_equal(fwrite(b, 1, 4, fp), 4);
	}
}

/* The IN file of torch_ref.py (format in its header). */
static void write_input(const char *path, const parity_case *pc, lw_model *m,
			const lw_batch *batches)
{
	const lw_model_config *c = &pc->cfg;
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite("LWTREF2", 1, 8, fp), 8);  /* with its NUL */
	assert_true(c->bank <= INT32_MAX);
	int32_t head[17] = {c->arch == LW_ARCH_CLM, c->layers, c->d_model, c->heads,
			    c->d_ff, c->seq, c->vocab, pc->B, pc->T, STEPS,
			    REF_PRECISION, 1, (int32_t)c->share, c->share_groups,
			    c->share_vectors, (int32_t)c->bank, c->templates};
	for (int i = 0; i < 17; i++)
		put_i32(fp, head[i]);
	float hyper[5] = {LR, WEIGHT_DECAY, 0.9f, 0.999f, ADAM_EPS};
	put_f32s(fp, hyper, 5);
	uint8_t b8[8];
	lw_put_u64(b8, lw_model_num_params(m));
	assert_int_equal(fwrite(b8, 1, 8, fp), 8);
	put_f32s(fp, lw_model_params(m), lw_model_num_params(m));
	for (int s = 0; s < STEPS; s++) {
		size_t n = (size_t)pc->B * pc->T;
		for (size_t i = 0; i < n; i++)
			put_i32(fp, batches[s].inputs[i]);
		for (size_t i = 0; i < n; i++)
			put_i32(fp, batches[s].targets[i]);
	}
	assert_int_equal(fclose(fp), 0);
}

/* Run torch_ref.py IN OUT for n pairs at once (one start of Python and
 * torch); returns its exit status (-1: killed). */
static int run_reference(int n, char *const *in, char *const *out)
{
	char *argv[3 + 2 * MAX_CASES];
	assert_true(n >= 1 && n <= MAX_CASES);
	argv[0] = PYTHON;
	argv[1] = SCRIPT;
	for (int i = 0; i < n; i++) {
		argv[2 + 2 * i] = in[i];
		argv[3 + 2 * i] = out[i];
	}
	argv[2 + 2 * n] = NULL;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execv(PYTHON, argv);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A cursor over OUT; every read is bounds-checked. */
typedef struct reader {
	const uint8_t *p, *end;
} reader;

static const uint8_t *take(reader *r, size_t n)
{
	if ((size_t)(r->end - r->p) < n)
		fail_msg("torch_ref.py output ends early");
	const uint8_t *at = r->p;
	r->p += n;
	return at;
}

static int32_t get_i32(reader *r)
{
	return (int32_t)lw_get_u32(take(r, 4));
}

static float *get_f32s(reader *r, size_t n)
{
	const uint8_t *at = take(r, 4 * n);
	float *x = malloc(n * sizeof *x + 1);
	for (size_t i = 0; i < n; i++) {
		uint32_t u = lw_get_u32(at + 4 * i);
		memcpy(&x[i], &u, 4);
	}
	return x;
}

/* PyTorch's table must be lowwatt's: same names, shapes, decay flags. */
static void check_table(reader *r, lw_model *m)
{
	int n;
	const lw_tensor *t = lw_model_tensors(m, &n);
	assert_int_equal(get_i32(r), n);
	for (int k = 0; k < n; k++) {
		char name[33] = {0};
		memcpy(name, take(r, 32), 32);
		int rows = get_i32(r), cols = get_i32(r), decay = get_i32(r);
		if (strcmp(name, t[k].name) || rows != t[k].rows || cols != t[k].cols ||
		    decay != t[k].decay)
			fail_msg("tensor %d: lowwatt %s (%d,%d) decay %d, torch %s (%d,%d) decay %d", k,
				 t[k].name, t[k].rows, t[k].cols, t[k].decay, name, rows, cols,
				 decay);
	}
}

/* ------------------------------------------------------------ comparison */

typedef struct worst {
	double err;
	char what[96];
	size_t index;
	float a, b;
} worst;

/* err of a against b (see the header); updates w if worse. */
static void compare(worst *w, const char *what, const float *a, const float *b, size_t n,
		    double floor_frac)
{
	double bmax = 0;
	for (size_t i = 0; i < n; i++)
		bmax = fmax(bmax, fabs(b[i]));
	double lo = fmax(floor_frac * bmax, 1e-30);
	for (size_t i = 0; i < n; i++) {
		double e = fabs((double)a[i] - b[i]) / fmax(fabs(b[i]), lo);
		if (isnan(e))
			e = INFINITY;
		if (e > w->err || !w->what[0]) {
			w->err = e;
			snprintf(w->what, sizeof w->what, "%s", what);
			w->index = i;
			w->a = a[i];
			w->b = b[i];
		}
	}
}

/* Whether name is a layer's qkv tensor; *bias set for qkv.b. */
static int is_qkv(const char *name, int *bias)
{
	size_t n = strlen(name);
	*bias = n >= 6 && strcmp(name + n - 6, ".qkv.b") == 0;
	return *bias || (n >= 6 && strcmp(name + n - 6, ".qkv.w") == 0);
}

/* The largest |x_i|, i < n. */
static double max_abs(const float *x, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		m = fmax(m, fabs(x[i]));
	return m;
}

/* Parameters a and b after the steps, from p0: ||a - b|| / ||b - p0||,
 * the element furthest apart named in w. */
static void compare_update(worst *w, const char *what, const float *a, const float *b,
			   const float *p0, size_t n)
{
	double diff = 0, step = 0, far = -1;
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		double d = (double)a[i] - b[i], u = (double)b[i] - p0[i];
		diff += d * d;
		step += u * u;
		if (fabs(d) > far)
			far = fabs(d), at = i;
	}
	double e = sqrt(diff) / fmax(sqrt(step), 1e-30);
	if (isnan(e))
		e = INFINITY;
	if (e > w->err || !w->what[0]) {
		w->err = e;
		snprintf(w->what, sizeof w->what, "%.80s, furthest", what);
		w->index = at;
		w->a = a[at];
		w->b = b[at];
	}
}

#define KEY_GRAD 1e-6
#define KEY_MOVE (1e-2 * LR)

/* Every tensor of a (lowwatt) against b (PyTorch), qkv split into q, k, v:
 * gradients (p0 NULL) element-wise, parameters after the steps (p0 their
 * values before) by their update; the key bias checked as noise, setting
 * *noise_failed (see the header). */
static void compare_tensors(worst *w, int *noise_failed, const char *prefix, lw_model *m,
			    const float *a, const float *b, const float *p0)
{
	int n;
	const lw_tensor *t = lw_model_tensors(m, &n);
	for (int k = 0; k < n; k++) {
		int bias, parts = is_qkv(t[k].name, &bias) ? 3 : 1;
		size_t len = t[k].size / parts;
		for (int part = 0; part < parts; part++) {
			char what[96];
			size_t off = t[k].offset + part * len;
			snprintf(what, sizeof what, "%s %s%s", prefix, t[k].name,
				 parts == 1 ? "" : part == 0 ? "[q]" : part == 1 ? "[k]" : "[v]");
			if (bias && part == 1) {
				double limit = p0 ? KEY_MOVE
						  : KEY_GRAD * max_abs(b + t[k].offset, t[k].size);
				double la = max_abs(a + off, len), lb = max_abs(b + off, len);
				if (!(la <= limit && lb <= limit)) {
					printf("# %s: max |lowwatt| %.3g, |torch| %.3g, not below %.3g\n",
					       what, la, lb, limit);
					*noise_failed = 1;
				}
			} else if (p0) {
				compare_update(w, what, a + off, b + off, p0 + off, len);
			} else {
				compare(w, what, a + off, b + off, len, FLOOR);
			}
		}
	}
}

static void report(const char *name, const char *what, const worst *w, int *failed)
{
	int ok = w->err <= TOL;
	printf("# %s %-12s max err %.2e (%s [%zu]: lowwatt %.9g, torch %.9g)%s\n", name, what,
	       w->err, w->what, w->index, w->a, w->b, ok ? "" : "  > TOL");
	if (!ok)
		*failed = 1;
}

/* ------------------------------------------------------------ the test */

/* One case on its way through both sides. */
typedef struct case_run {
	const parity_case *pc;
	lw_model *m;
	lw_batch batches[STEPS];
	lw_result lw;
	char *in, *out;
} case_run;

/* lowwatt's side of case pc, and its input for torch_ref.py in dir. */
static void prepare(case_run *c, const parity_case *pc, const char *dir, int i)
{
	lw_err err = {{0}};
	char name[32];
	c->pc = pc;
	if (lw_model_create(&pc->cfg, pc->B, &c->m, &err) != LW_OK)
		fail_msg("%s: %s", pc->name, err.msg);
	lw_model_init(c->m, pc->seed);
	for (int s = 0; s < STEPS; s++)
		make_batch(pc, s, &c->batches[s]);
	snprintf(name, sizeof name, "in%d.bin", i);
	c->in = tu_path(dir, name);
	snprintf(name, sizeof name, "out%d.bin", i);
	c->out = tu_path(dir, name);
	write_input(c->in, pc, c->m, c->batches);
	run_lowwatt(c->m, c->batches, &c->lw);
}

/* PyTorch's results for a case against lowwatt's: prints the worst errors,
 * returns 1 if one is above TOL. */
static int check_case(case_run *c)
{
	const parity_case *pc = c->pc;
	lw_model *m = c->m;
	lw_result *lw = &c->lw;
	lw_err err = {{0}};
	size_t P = lw_model_num_params(m);
	int V = pc->cfg.vocab;
	lw_buf buf = {0};
	if (lw_file_read_all(c->out, &buf, &err) != LW_OK)
		fail_msg("%s", err.msg);
	reader r = {buf.data, buf.data + buf.len};
	if (memcmp(take(&r, 8), "LWTOUT1", 8) != 0)
		fail_msg("%s: not torch_ref.py output", c->out);
	check_table(&r, m);

	/* The selected positions: same set, same order. */
	int n_sel = get_i32(&r);
	assert_int_equal(n_sel, lw->n_sel);
	assert_int_equal(n_sel, c->batches[0].n_targets);
	for (int i = 0; i < n_sel; i++)
		assert_int_equal(get_i32(&r), lw->sel[i]);

	float *t_loss = get_f32s(&r, 1), *t_logits = get_f32s(&r, (size_t)n_sel * V);
	float *t_grads = get_f32s(&r, P), *t_steps = get_f32s(&r, STEPS);
	float *t_params = get_f32s(&r, P);
	assert_true(r.p == r.end);

	int failed = 0;
	worst w = {0};
	compare(&w, "loss", &lw->loss, t_loss, 1, 1.0);
	report(pc->name, "loss", &w, &failed);
	w = (worst){0};
	compare(&w, "logits", lw->logits, t_logits, (size_t)n_sel * V, FLOOR);
	report(pc->name, "logits", &w, &failed);
	w = (worst){0};
	compare_tensors(&w, &failed, "grad", m, lw->grads, t_grads, NULL);
	report(pc->name, "gradients", &w, &failed);
	w = (worst){0};
	for (int s = 0; s < STEPS; s++) {
		char what[32];
		snprintf(what, sizeof what, "step %d loss", s + 1);
		compare(&w, what, &lw->step_loss[s], &t_steps[s], 1, 1.0);
	}
	report(pc->name, "step losses", &w, &failed);
	w = (worst){0};
	compare_tensors(&w, &failed, "param", m, lw->params, t_params, lw_model_params(m));
	report(pc->name, "parameters", &w, &failed);

	/* Rows of wpe past T get no gradient. */
	const lw_tensor *wpe = lw_model_tensor(m, "wpe");
	assert_non_null(wpe);
	for (size_t i = wpe->offset + (size_t)pc->T * pc->cfg.d_model;
	     i < wpe->offset + wpe->size; i++)
		assert_true(lw->grads[i] == 0.0f);

	free(t_loss);
	free(t_logits);
	free(t_grads);
	free(t_steps);
	free(t_params);
	lw_buf_free(&buf);
	return failed;
}

static void case_free(case_run *c)
{
	lw_result_free(&c->lw);
	for (int s = 0; s < STEPS; s++)
		lw_batch_free(&c->batches[s]);
	lw_model_free(c->m);
	free(c->in);
	free(c->out);
}

/* n cases through lowwatt, then all of them through one run of
 * torch_ref.py, then compared. */
static void run_cases(const parity_case *cases, int n)
{
	case_run runs[MAX_CASES] = {0};
	char *in[MAX_CASES], *out[MAX_CASES];
	assert_true(n >= 1 && n <= MAX_CASES);
	if (access(SCRIPT, R_OK) != 0)
		fail_msg("%s not found: run the test from the repository root", SCRIPT);
	if (access(PYTHON, X_OK) != 0)
		fail_msg("%s missing: run scripts/setup.sh (installs python3-torch)", PYTHON);
	char *dir = tu_tempdir();
	for (int i = 0; i < n; i++) {
		prepare(&runs[i], &cases[i], dir, i);
		in[i] = runs[i].in;
		out[i] = runs[i].out;
	}
	int rc = run_reference(n, in, out);
	if (rc == REF_EXIT_NO_TORCH)
		fail_msg("%s cannot import torch: run scripts/setup.sh (installs python3-torch)",
			 PYTHON);
	if (rc != 0)
		fail_msg("%s %s failed with status %d (see its message above)", PYTHON, SCRIPT,
			 rc);
	char bad[256] = "";
	for (int i = 0; i < n; i++) {
		if (check_case(&runs[i]))
			snprintf(bad + strlen(bad), sizeof bad - strlen(bad), "%s%s",
				 bad[0] ? ", " : "", cases[i].name);
		case_free(&runs[i]);
	}
	tu_rmtree(dir);
	free(dir);
	if (bad[0])
		fail_msg("%s: lowwatt and PyTorch differ by more than %g (worst above)", bad, TOL);
}

/* The models of the cases: d_model 32, 4 heads, d_ff 64, seq 16, V 67. */
#define SMALL(a, l) .arch = (a), .layers = (l), .d_model = 32, .heads = 4, .d_ff = 64, \
		    .seq = 16, .vocab = 67

static void test_mlm(void **state)
{
	(void)state;
	parity_case pc = {"mlm", {SMALL(LW_ARCH_MLM, 2)}, .B = 3, .T = 16, .seed = 1234};
	run_cases(&pc, 1);
}

/* T < seq: the rows of wpe past T must stay out of it. */
static void test_clm(void **state)
{
	(void)state;
	parity_case pc = {"clm", {SMALL(LW_ARCH_CLM, 2)}, .B = 3, .T = 13, .seed = 5678};
	run_cases(&pc, 1);
}

/* Cross-layer sharing of 3 layers: all in one group (one set of matrices,
 * each layer its own biases and LayerNorms), all in 2 groups (layers 0-1
 * and 2), and ffn in 2 groups with the vectors too (whole sublayers). */
static void test_share(void **state)
{
	(void)state;
	const parity_case pc[] = {
		{"mlm all", {SMALL(LW_ARCH_MLM, 3), .share = LW_SHARE_ALL}, .B = 3, .T = 16,
		 .seed = 91},
		{"clm all/2", {SMALL(LW_ARCH_CLM, 3), .share = LW_SHARE_ALL, .share_groups = 2},
		 .B = 3, .T = 13, .seed = 92},
		{"mlm ffn/2+v", {SMALL(LW_ARCH_MLM, 3), .share = LW_SHARE_FFN, .share_groups = 2,
				 .share_vectors = 1}, .B = 3, .T = 16, .seed = 93},
	};
	run_cases(pc, 3);
}

/* Parameter banks of 2 layers, whose matrices hold 3072 (qkv), 1024
 * (proj) and 2048 (fc, fc_proj) floats: 5000 floats with 3 templates (the
 * windows wrap past the bank's end), and 997 floats with 2 (smaller than
 * any matrix: every template tiles the bank). */
static void test_bank(void **state)
{
	(void)state;
	const parity_case pc[] = {
		{"mlm bank 5000x3", {SMALL(LW_ARCH_MLM, 2), .bank = 5000, .templates = 3},
		 .B = 3, .T = 16, .seed = 94},
		{"clm bank 997x2", {SMALL(LW_ARCH_CLM, 2), .bank = 997, .templates = 2}, .B = 3,
		 .T = 13, .seed = 95},
	};
	run_cases(pc, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mlm),
		cmocka_unit_test(test_clm),
		cmocka_unit_test(test_share),
		cmocka_unit_test(test_bank),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
