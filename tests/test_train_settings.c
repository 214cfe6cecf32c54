/*
 * test_train_settings.c — the settings of `lowwatt train`: defaults, every
 * flag, bad flags (exit 2, one line naming the flag), --config files and
 * their errors (exit 1, naming the file and the key), flags over the file,
 * config.json written and read back bit for bit, and --resume.
 */
#include "testutil.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <math.h>

#include "cli/args.h"
#include "cli/search_space.h"
#include "cli/train_settings.h"
#include "util/json_file.h"

#define MAX_ARGS 64

typedef struct parsed {
	int rc;
	lw_train_config cfg;
	train_options opt;
	char err[1024];  /* what went to stderr */
	int err_lines;
} parsed;

/* Parse the words (NULL-terminated) as `lowwatt train WORDS`, capturing
 * stderr. */
static void parse_words(parsed *p, const char *const *words)
{
	char *argv[MAX_ARGS];
	int argc = 0;
	while (words[argc]) {
		assert_true(argc < MAX_ARGS - 1);
		argv[argc] = (char *)words[argc];
		argc++;
	}
	argv[argc] = NULL;
	char path[] = "/tmp/lowwatt-test-stderr-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	p->rc = train_settings_parse("train", argc, argv, &p->cfg, &p->opt);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ssize_t n = pread(fd, p->err, sizeof p->err - 1, 0);
	p->err[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(path);
	p->err_lines = 0;
	for (char *c = p->err; *c; c++)
		p->err_lines += *c == '\n';
}

#define PARSE(p, ...) parse_words((p), (const char *const[]){__VA_ARGS__, NULL})

/* A usage error: status 2, one line on stderr that contains want. */
static void expect_usage(const char *want, const char *const *words)
{
	parsed p;
	parse_words(&p, words);
	if (p.rc != CLI_USAGE || p.err_lines != 1 || !strstr(p.err, want))
		fail_msg("expected a usage error with '%s', got status %d and: %s", want, p.rc,
			 p.err);
}

#define USAGE(want, ...) expect_usage((want), (const char *const[]){__VA_ARGS__, NULL})

static void assert_configs_equal(const lw_train_config *a, const lw_train_config *b)
{
	assert_int_equal(a->model.arch, b->model.arch);
	assert_int_equal(a->model.layers, b->model.layers);
	assert_int_equal(a->model.d_model, b->model.d_model);
	assert_int_equal(a->model.heads, b->model.heads);
	assert_int_equal(a->model.d_ff, b->model.d_ff);
	assert_int_equal(a->model.seq, b->model.seq);
	assert_int_equal(a->model.vocab, b->model.vocab);
	assert_int_equal(a->batch, b->batch);
	assert_int_equal(a->accum, b->accum);
	assert_int_equal(a->steps, b->steps);
	assert_int_equal(a->warmup, b->warmup);
	/* Floats bit for bit. */
	assert_memory_equal(&a->lr, &b->lr, sizeof a->lr);
	assert_memory_equal(&a->min_lr_ratio, &b->min_lr_ratio, sizeof(float));
	assert_memory_equal(&a->weight_decay, &b->weight_decay, sizeof(float));
	assert_memory_equal(&a->clip, &b->clip, sizeof(float));
	assert_memory_equal(&a->mask_prob, &b->mask_prob, sizeof(float));
	assert_memory_equal(&a->adamw, &b->adamw, sizeof a->adamw);
	assert_int_equal(a->decay_embeddings, b->decay_embeddings);
	assert_true(a->seed == b->seed);
	assert_int_equal(a->threads, b->threads);
	assert_int_equal(a->eval_every, b->eval_every);
	assert_int_equal(a->eval_batches, b->eval_batches);
	assert_int_equal(a->save_every, b->save_every);
	assert_int_equal(a->log_every, b->log_every);
}

static void test_defaults(void **state)
{
	(void)state;
	parsed p;
	parse_words(&p, (const char *const[]){NULL});
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.err_lines, 0);
	lw_train_config d;
	lw_train_config_default(&d);
	assert_configs_equal(&p.cfg, &d);
	assert_string_equal(p.opt.data, "default");
	assert_string_equal(p.opt.tokenizer, "default");
	assert_string_equal(p.opt.out, "runs");
	assert_string_equal(p.opt.blas_core, "auto");
	assert_null(p.opt.name);
	assert_null(p.opt.config);
	assert_int_equal(p.opt.resume, 0);
	assert_int_equal(p.opt.json, 0);
	train_options_free(&p.opt);
}

static void test_every_flag(void **state)
{
	(void)state;
	parsed p;
	PARSE(&p, "--arch", "clm", "--layers", "6", "--d-model=384", "--heads", "6", "--d-ff",
	      "1536", "--seq", "64", "--batch", "8", "--accum", "3", "--steps", "5000", "--lr",
	      "3e-4", "--warmup=50", "--weight-decay", "0.1", "--clip", "0", "--seed", "42",
	      "--threads", "2", "--eval-every", "0", "--eval-batches", "7", "--save-every", "250",
	      "--log-every", "5", "--data", "d/x", "--tokenizer", "t.lwtok", "--out", "o",
	      "--name", "run-1", "--blas-core", "env", "--json");
	assert_int_equal(p.rc, 0);
	const lw_train_config *c = &p.cfg;
	assert_int_equal(c->model.arch, LW_ARCH_CLM);
	assert_int_equal(c->model.layers, 6);
	assert_int_equal(c->model.d_model, 384);
	assert_int_equal(c->model.heads, 6);
	assert_int_equal(c->model.d_ff, 1536);
	assert_int_equal(c->model.seq, 64);
	assert_int_equal(c->batch, 8);
	assert_int_equal(c->accum, 3);
	assert_int_equal(c->steps, 5000);
	assert_true(c->lr == 3e-4f);
	assert_int_equal(c->warmup, 50);
	assert_true(c->weight_decay == 0.1f);
	assert_true(c->clip == 0.0f);
	assert_true(c->seed == 42);
	assert_int_equal(c->threads, 2);
	assert_int_equal(c->eval_every, 0);
	assert_int_equal(c->eval_batches, 7);
	assert_int_equal(c->save_every, 250);
	assert_int_equal(c->log_every, 5);
	assert_string_equal(p.opt.data, "d/x");
	assert_string_equal(p.opt.tokenizer, "t.lwtok");
	assert_string_equal(p.opt.out, "o");
	assert_string_equal(p.opt.name, "run-1");
	assert_string_equal(p.opt.blas_core, "env");
	assert_int_equal(p.opt.json, 1);
	assert_int_equal(p.opt.resume, 0);
	/* Not flags: the file-only settings keep their defaults. */
	lw_train_config d;
	lw_train_config_default(&d);
	assert_true(c->mask_prob == d.mask_prob);
	assert_int_equal(c->model.vocab, d.model.vocab);
	train_options_free(&p.opt);
}

static void test_bad_flags(void **state)
{
	(void)state;
	USAGE("unknown flag --vocab", "--vocab", "300");
	USAGE("unknown flag --mask-prob", "--mask-prob", "0.2");
	USAGE("--arch expects mlm or clm, got 'bert'", "--arch", "bert");
	USAGE("--lr must be > 0, got 0", "--lr", "0");
	USAGE("--lr must be > 0, got -0.001", "--lr", "-1e-3");
	USAGE("--lr expects a finite number", "--lr", "nan");
	USAGE("--lr expects a finite number", "--lr", "inf");
	USAGE("--lr expects a finite number", "--lr", "1e-3x");
	USAGE("--lr 1e+39 is too large for a float", "--lr", "1e39");
	USAGE("--weight-decay must be >= 0", "--weight-decay", "-0.1");
	USAGE("--clip must be >= 0", "--clip", "-1");
	USAGE("--layers must be between 1 and 1024, got 0", "--layers", "0");
	USAGE("--steps must be between 1", "--steps", "0");
	USAGE("--batch must be between 1", "--batch", "0");
	USAGE("--accum must be between 1", "--accum", "0");
	USAGE("--warmup must be between 0", "--warmup", "-1");
	USAGE("--seq expects an integer", "--seq", "12.5");
	USAGE("heads (5) must divide d_model (192)", "--heads", "5");
	USAGE("--blas-core expects auto or env, got 'haswell'", "--blas-core", "haswell");
	USAGE("--name needs a value", "--name");
	USAGE("name 'a/b' must be a plain folder name", "--name", "a/b");
	USAGE("name '..' must be a plain folder name", "--name", "..");
	USAGE("--out must not be empty", "--out", "");
	USAGE("--resume needs --name", "--resume");
	USAGE("--resume takes the settings", "--resume", "--name", "x", "--config", "c.json");
	USAGE("--json takes no value", "--json=1");
	USAGE("--seed expects an integer", "--seed", "99999999999999999999");
}

/* CLI_FLOAT in args.c, which the settings use without a range. */
static void test_cli_float(void **state)
{
	(void)state;
	double t = -1, any = -1;
	cli_flag flags[] = {
		{"t", CLI_FLOAT, &t, 0, 0, 100, "ranged"},
		{"any", CLI_FLOAT, &any, 0, 0, 0, "any finite value"},
	};
	char *ok[] = {"--t", "12.5", "--any=-1e300"};
	assert_int_equal(cli_parse("x", "", 3, ok, flags, 2, NULL), 0);
	assert_true(t == 12.5 && any == -1e300);
	fflush(stderr);
	int saved = dup(2);
	int null = open("/dev/null", O_WRONLY);
	dup2(null, 2);
	char *high[] = {"--t", "100.5"};
	char *tiny[] = {"--t", "1e-400"};
	char *word[] = {"--any", "one"};
	int rc_high = cli_parse("x", "", 2, high, flags, 2, NULL);
	int rc_tiny = cli_parse("x", "", 2, tiny, flags, 2, NULL);
	int rc_word = cli_parse("x", "", 2, word, flags, 2, NULL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(null);
	assert_int_equal(rc_high, CLI_USAGE);
	assert_int_equal(rc_tiny, CLI_USAGE);
	assert_int_equal(rc_word, CLI_USAGE);
	assert_true(t == 12.5 && any == -1e300);
}

static void test_help(void **state)
{
	(void)state;
	char path[] = "/tmp/lowwatt-test-stdout-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stdout);
	int saved = dup(1);
	dup2(fd, 1);
	lw_train_config cfg;
	train_options opt;
	char *argv[] = {"--help", NULL};
	int rc = train_settings_parse("train", 1, argv, &cfg, &opt);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	char out[8192];
	ssize_t n = pread(fd, out, sizeof out - 1, 0);
	out[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(path);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(out, "usage: lowwatt train"));
	assert_non_null(strstr(out, "--d-model N"));
	assert_non_null(strstr(out, "(default 192)"));
	assert_non_null(strstr(out, "--lr X"));
	assert_non_null(strstr(out, "(default 0.002)"));
	assert_non_null(strstr(out, "(default mlm)"));
	assert_non_null(strstr(out, "--blas-core VALUE"));
	assert_null(strstr(out, "--vocab"));
}

/* A settings file in a fresh folder; the caller frees path and dir. */
static char *write_config(const char *dir, const char *text)
{
	char *path = tu_path(dir, "c.json");
	tu_write_file(path, text, strlen(text));
	return path;
}

static void test_config_file(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *path = write_config(dir, "{\"arch\": \"clm\", \"layers\": 2, \"d_model\": 64, "
				  "\"heads\": 2, \"lr\": 0.01, \"clip\": 2, "
				  "\"weight_decay\": 0, \"mask_prob\": 0.25, \"beta2\": 0.95, "
				  "\"decay_embeddings\": true, \"vocab\": 300, "
				  "\"name\": \"from-file\", \"blas_core\": \"env\", \"seed\": 7}");
	parsed p;
	PARSE(&p, "--config", path, "--layers", "3", "--name", "from-flag");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.cfg.model.arch, LW_ARCH_CLM);
	assert_int_equal(p.cfg.model.layers, 3);  /* the flag wins */
	assert_int_equal(p.cfg.model.d_model, 64);
	assert_int_equal(p.cfg.model.heads, 2);
	assert_int_equal(p.cfg.model.vocab, 300);
	assert_true(p.cfg.lr == 0.01f);
	assert_true(p.cfg.clip == 2.0f);  /* an integer where a float goes */
	assert_true(p.cfg.weight_decay == 0.0f);
	assert_true(p.cfg.mask_prob == 0.25f);
	assert_true(p.cfg.adamw.beta2 == 0.95f);
	assert_int_equal(p.cfg.decay_embeddings, 1);
	assert_true(p.cfg.seed == 7);
	assert_string_equal(p.opt.name, "from-flag");
	assert_string_equal(p.opt.blas_core, "env");
	assert_string_equal(p.opt.config, path);
	train_options_free(&p.opt);

	/* A pair that only agrees once the flag is applied. */
	free(path);
	path = write_config(dir, "{\"heads\": 6}");
	PARSE(&p, "--config", path, "--d-model", "384");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.cfg.model.heads, 6);
	train_options_free(&p.opt);
	free(path);
	tu_rmtree(dir);
	free(dir);
}

/* A --config file holding text fails with status 1 and one line that names
 * the file and contains want. */
static void expect_file_error(const char *text, const char *want)
{
	char *dir = tu_tempdir();
	char *path = write_config(dir, text);
	parsed p;
	PARSE(&p, "--config", path);
	if (p.rc != 1 || p.err_lines != 1 || !strstr(p.err, want) || !strstr(p.err, path))
		fail_msg("%s: expected status 1 and '%s', got %d and: %s", text, want, p.rc, p.err);
	free(path);
	tu_rmtree(dir);
	free(dir);
}

static void test_config_errors(void **state)
{
	(void)state;
	expect_file_error("{\"layer\": 4}", "unknown key 'layer'");
	expect_file_error("{\"d-model\": 4}", "unknown key 'd-model'");
	expect_file_error("{\"resume\": true}", "'resume' is a command-line flag");
	expect_file_error("{\"config\": \"x\"}", "'config' is a command-line flag");
	expect_file_error("{\"layers\": \"4\"}", "key 'layers' expects an integer");
	expect_file_error("{\"layers\": 4.0}", "key 'layers' expects an integer");
	expect_file_error("{\"lr\": \"0.1\"}", "key 'lr' expects a number");
	expect_file_error("{\"decay_embeddings\": 1}",
			  "key 'decay_embeddings' expects true or false");
	expect_file_error("{\"data\": 5}", "key 'data' expects a string");
	expect_file_error("{\"data\": null}", "key 'data' expects a string");
	expect_file_error("{\"arch\": \"rnn\"}", "key 'arch' expects mlm or clm, got 'rnn'");
	expect_file_error("{\"layers\": 0}", "key 'layers' must be between 1 and 1024, got 0");
	expect_file_error("{\"seed\": -1}", "key 'seed' must be between 0");
	expect_file_error("{\"lr\": 0}", "key 'lr' must be > 0, got 0");
	expect_file_error("{\"beta2\": 1}", "key 'beta2' must be >= 0 and < 1, got 1");
	expect_file_error("{\"mask_prob\": 0}", "key 'mask_prob' must be > 0 and <= 1, got 0");
	expect_file_error("{\"min_lr_ratio\": 1.5}", "key 'min_lr_ratio' must be between 0 and 1");
	expect_file_error("{\"blas_core\": \"fast\"}", "key 'blas_core' expects auto or env");
	expect_file_error("{\"layers\": 4, \"layers\": 5}", "duplicate");
	expect_file_error("{\"layers\": 4", "line 1");
	expect_file_error("[1, 2]", "expected a JSON object");
	expect_file_error("", "line");

	parsed p;
	PARSE(&p, "--config", "/nonexistent/c.json");
	assert_int_equal(p.rc, 1);
	assert_non_null(strstr(p.err, "/nonexistent/c.json: cannot open"));
}

/* Settings that differ from every default, with floats that no short
 * decimal holds exactly. */
static void odd_settings(lw_train_config *c, train_options *o)
{
	lw_train_config_default(c);
	train_options_default(o);
	c->model = (lw_model_config){ .arch = LW_ARCH_CLM, .layers = 3, .d_model = 96, .heads = 3, .d_ff = 200, .seq = 33, .vocab = 300 };
	c->batch = 5;
	c->accum = 2;
	c->steps = 12345678901L;
	c->warmup = 17;
	c->lr = 3e-4f;
	c->min_lr_ratio = 1.0f / 3.0f;
	c->weight_decay = 0.1f;
	c->clip = 0.7f;
	c->mask_prob = 0.2f;
	c->decay_embeddings = 1;
	c->adamw = (lw_adamw){0.85f, 0.95f, 1e-6f};
	c->seed = 9007199254740993ULL;
	c->threads = 3;
	c->eval_every = 0;
	c->eval_batches = 11;
	c->save_every = 99;
	c->log_every = 1;
	free(o->data);
	o->data = strdup("d \"quoted\" \\ é");
	o->name = strdup("2024-01-01T00-00-00");
	free(o->blas_core);
	o->blas_core = strdup("env");
	o->json = 1;  /* command-line only: not written */
}

static void test_write_read_round_trip(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *path = tu_path(dir, "config.json");
	lw_train_config a, b;
	train_options oa, ob;
	lw_err err;
	odd_settings(&a, &oa);
	assert_int_equal(train_settings_write_json(path, &a, &oa, &err), LW_OK);
	lw_train_config_default(&b);
	train_options_default(&ob);
	if (train_settings_read_json(path, &b, &ob, &err))
		fail_msg("%s", err.msg);
	assert_configs_equal(&a, &b);
	assert_string_equal(ob.data, oa.data);
	assert_string_equal(ob.name, oa.name);
	assert_string_equal(ob.blas_core, "env");
	assert_int_equal(ob.json, 0);

	/* Readable numbers: the shortest decimal of each float; the model's vocab. */
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	char text[4096];
	size_t n = fread(text, 1, sizeof text - 1, fp);
	text[n] = 0;
	fclose(fp);
	assert_non_null(strstr(text, "\"lr\": 0.0003,"));
	assert_non_null(strstr(text, "\"clip\": 0.7,"));
	assert_non_null(strstr(text, "\"vocab\": 300,"));
	assert_non_null(strstr(text, "\"arch\": \"clm\","));
	assert_non_null(strstr(text, "\"d_model\": 96,"));
	assert_null(strstr(text, "\"json\""));
	assert_null(strstr(text, "\"resume\""));
	assert_int_equal(text[n - 1], '\n');

	/* No name: written as null, read back as none. */
	free(oa.name);
	oa.name = NULL;
	assert_int_equal(train_settings_write_json(path, &a, &oa, &err), LW_OK);
	if (train_settings_read_json(path, &b, &ob, &err))
		fail_msg("%s", err.msg);
	assert_null(ob.name);

	/* Only config.json is left in the folder: no temporary file. */
	char cmd[256];
	snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 1", dir);
	assert_int_equal(system(cmd), 0);

	/* A seed no file could read back. */
	a.seed = (uint64_t)LONG_MAX + 1;
	assert_int_equal(train_settings_write_json(path, &a, &oa, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "seed"));
	a.seed = 1;

	/* A folder that does not exist: an error naming the file. */
	char *bad = tu_path(dir, "no/config.json");
	assert_int_equal(train_settings_write_json(bad, &a, &oa, &err), LW_ERR_IO);
	assert_non_null(strstr(err.msg, bad));
	free(bad);
	train_options_free(&oa);
	train_options_free(&ob);
	free(path);
	tu_rmtree(dir);
	free(dir);
}

static void test_resume(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *run = tu_path(dir, "r1");
	char *path = tu_path(run, "config.json");
	assert_int_equal(mkdir(run, 0755), 0);
	lw_train_config a;
	train_options oa;
	lw_err err;
	odd_settings(&a, &oa);
	free(oa.out);
	oa.out = strdup(dir);
	free(oa.name);
	oa.name = strdup("r1");
	assert_int_equal(train_settings_write_json(path, &a, &oa, &err), LW_OK);

	parsed p;
	PARSE(&p, "--resume", "--out", dir, "--name", "r1", "--steps", "20000000000", "--threads",
	      "1");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.opt.resume, 1);
	assert_int_equal(p.cfg.steps, 20000000000L);  /* flags override the run's file */
	assert_int_equal(p.cfg.threads, 1);
	a.steps = 20000000000L;
	a.threads = 1;
	assert_configs_equal(&p.cfg, &a);
	assert_string_equal(p.opt.data, oa.data);
	/* The file said env; the kernels were chosen from the command line. */
	assert_string_equal(p.opt.blas_core, "auto");
	train_options_free(&p.opt);

	/* A run folder without config.json: a failure naming the file. */
	PARSE(&p, "--resume", "--out", dir, "--name", "r2");
	assert_int_equal(p.rc, 1);
	assert_non_null(strstr(p.err, "r2/config.json: cannot open"));
	train_options_free(&oa);
	free(path);
	free(run);
	tu_rmtree(dir);
	free(dir);
}

/* ------------------------------------------------------- search spaces */

/* Parse a search space from text with the settings' checks; on failure
 * the message must contain want (NULL: must succeed). */
static void space_case(const char *text, const char *want)
{
	json_t *root = NULL;
	lw_err err = {0};
	assert_int_equal(lw_json_parse("space.json", text, strlen(text), &root, &err), LW_OK);
	search_space_ctx ctx = { .vocab = 300 };
	lw_space_checks checks = search_space_checks(&ctx);
	lw_space *sp = NULL;
	lw_status st = lw_space_parse("space.json", root, &checks, &sp, &err);
	if (!want && st)
		fail_msg("%s: refused: %s", text, err.msg);
	if (want && (!st || !strstr(err.msg, want)))
		fail_msg("%s: message \"%s\", expected \"%s\"", text, st ? err.msg : "(accepted)",
			 want);
	lw_space_free(sp);
	json_decref(root);
}

static void test_search_space_checks(void **state)
{
	(void)state;
	space_case("{\"base\": {\"layers\": 2, \"warmup\": 10}, \"lr\": {\"min\": 1e-4, "
		   "\"max\": 1e-2, \"log\": true}, \"d_model\": [64, 128], \"heads\": [2, 4], "
		   "\"share\": [\"none\", \"all\"]}", NULL);
	space_case("{\"d_model\": [96, 128], \"heads\": [3, 4]}",
		   "heads (3) must divide d_model (128)");
	space_case("{\"colour\": [1, 2]}", "not a setting of lowwatt train");
	space_case("{\"resume\": [true]}", "a command-line flag only");
	/* What the search decides itself, in base or as a dimension. */
	space_case("{\"base\": {\"steps\": 100}}", "--max-steps and rungs set the steps");
	space_case("{\"budget_kwh\": [1, 2]}", "the budget is the search's");
	space_case("{\"vocab\": [300]}", "the tokenizer decides");
	space_case("{\"base\": {\"region\": \"FR\"}}", "give lowwatt search --region");
	space_case("{\"layers\": [2, 0]}", "must be between 1 and 1024, got 0");
	space_case("{\"lr\": [\"fast\"]}", "expects a number");
	space_case("{\"share\": [\"most\"]}", "expects none, all, attn or ffn");
	space_case("{\"base\": {\"layers\": 2}, \"share\": [\"all\"], \"share_groups\": [1, 3]}",
		   "share_groups must be in 1..2");
	space_case("{\"param_budget\": [\"10%\", \"200%\"]}", "param_budget '200%'");
	space_case("{\"param_budget\": [\"10%\"], \"share\": [\"none\", \"attn\"]}",
		   "exclude each other");
}

/* Data, tokenizer and BLAS kernels may be fixed, never varied. */
static void test_search_space_shared(void **state)
{
	(void)state;
	const char *ok = "{\"base\": {\"data\": \"d\", \"tokenizer\": \"t\"}, \"lr\": [0.1]}";
	const char *bad[] = { "{\"data\": [\"a\", \"b\"]}", "{\"tokenizer\": [\"t\"]}",
			      "{\"blas_core\": [\"auto\", \"env\"]}" };
	lw_err err = {0};
	json_t *root = json_loads(ok, 0, NULL);
	assert_int_equal(search_space_check_shared(root, "s.json", &err), LW_OK);
	json_decref(root);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		root = json_loads(bad[i], 0, NULL);
		assert_int_equal(search_space_check_shared(root, "s.json", &err), LW_ERR_ARG);
		assert_non_null(strstr(err.msg, "s.json: '"));
		assert_non_null(strstr(err.msg, "cannot vary"));
		json_decref(root);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_flag),
		cmocka_unit_test(test_bad_flags),
		cmocka_unit_test(test_cli_float),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_config_file),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_write_read_round_trip),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_search_space_checks),
		cmocka_unit_test(test_search_space_shared),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
