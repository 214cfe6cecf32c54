/*
 * test_trials.c — the trial ledger of `lowwatt search` (lowwatt/trials.h):
 * ids, promotion and updates in memory; trials.csv written atomically and
 * read back bit for bit (quotes, commas, newlines, NaN, infinities, large
 * ids); every kind of damaged file refused with its line; every truncation
 * of a real ledger either refused or read as a whole prefix of its rows.
 */
#include "testutil.h"

#include <math.h>
#include <sys/stat.h>

#include "lowwatt/buf.h"
#include "lowwatt/trials.h"
#include "util/file.h"

/* ---------------------------------------------------------------- helpers */

static const char HEADER[] =
	"trial,config,rung,steps,val_loss,energy_j,method,seconds,status,bracket,worker,"
	"label,run_dir\n";

/* Same bits, or both NaN. */
static void assert_same_double(double a, double b)
{
	if (isnan(a) || isnan(b)) {
		assert_true(isnan(a) && isnan(b));
		return;
	}
	assert_memory_equal(&a, &b, sizeof a);
}

static int same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void assert_same_ledger(const lw_trials *a, const lw_trials *b)
{
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->next_id, b->next_id);
	for (size_t i = 0; i < a->n; i++) {
		const lw_trial *x = &a->rows[i], *y = &b->rows[i];
		assert_int_equal(x->id, y->id);
		assert_string_equal(x->config, y->config);
		assert_true(same_text(x->label, y->label));
		assert_int_equal(x->rung, y->rung);
		assert_int_equal(x->steps, y->steps);
		assert_same_double(x->val_loss, y->val_loss);
		assert_same_double(x->energy_j, y->energy_j);
		assert_string_equal(x->method, y->method);
		assert_same_double(x->seconds, y->seconds);
		assert_int_equal(x->status, y->status);
		assert_int_equal(x->bracket, y->bracket);
		assert_int_equal(x->worker, y->worker);
		assert_true(same_text(x->run_dir, y->run_dir));
	}
}

static lw_trials new_ledger(void)
{
	return (lw_trials){0};
}

/* Set the results of row (id, rung) through lw_trials_update. */
static void set_result(lw_trials *l, int64_t id, int rung, int64_t steps, double loss,
		       double energy, const char *method, double seconds, lw_trial_status s,
		       int worker)
{
	lw_trial r = {.id = id, .rung = rung, .steps = steps, .val_loss = loss,
		      .energy_j = energy, .seconds = seconds, .status = s, .worker = worker};
	strcpy(r.method, method);
	lw_err err = {0};
	assert_int_equal(lw_trials_update(l, &r, &err), LW_OK);
}

static char *read_text(const char *path)
{
	lw_buf b = {0};
	lw_err err = {0};
	assert_int_equal(lw_file_read_all(path, &b, &err), LW_OK);
	return (char *)b.data;
}

/* ---------------------------------------------------------------- in memory */

static void test_add_find_update_promote(void **state)
{
	(void)state;
	lw_trials l = new_ledger();
	lw_err err = {0};
	lw_trial *row;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(lw_trials_add(&l, "{\"lr\":0.001}", "lr=0.001", 1, NULL, &row,
					       &err), LW_OK);
		assert_int_equal(row->id, i);
		assert_int_equal(row->rung, 0);
		assert_int_equal(row->status, LW_TRIAL_PENDING);
		assert_true(isnan(row->val_loss));
		assert_string_equal(row->method, "none");
		assert_null(row->run_dir);
	}
	assert_int_equal(l.next_id, 3);
	assert_null(lw_trials_find(&l, 3, 0));
	assert_null(lw_trials_find(&l, 1, 1));

	/* Promotion needs a finished rung. */
	assert_int_equal(lw_trials_promote(&l, 1, NULL, &err), LW_ERR_STATE);
	assert_non_null(strstr(err.msg, "trial 1 rung 0 is pending"));
	assert_int_equal(lw_trials_promote(&l, 9, NULL, &err), LW_ERR_ARG);

	set_result(&l, 0, 0, 100, 3.5, 10, "measured", 1.5, LW_TRIAL_DONE, 0);
	set_result(&l, 1, 0, 100, 3.25, 12, "measured", 1.75, LW_TRIAL_DONE, 1);
	assert_int_equal(lw_trials_promote(&l, 1, &row, &err), LW_OK);
	assert_int_equal(row->id, 1);
	assert_int_equal(row->rung, 1);
	assert_int_equal(row->status, LW_TRIAL_PENDING);
	assert_int_equal(row->steps, 100);        /* carried: it continues from there */
	assert_true(isnan(row->val_loss));
	assert_string_equal(row->label, "lr=0.001");
	/* Sorted: (0,0) (1,0) (1,1) (2,0). */
	assert_int_equal(l.n, 4);
	assert_int_equal(l.rows[2].id, 1);
	assert_int_equal(l.rows[2].rung, 1);
	assert_int_equal(l.rows[3].id, 2);
	assert_int_equal(lw_trials_find(&l, 1, 0)->status, LW_TRIAL_PROMOTED);
	assert_ptr_equal(lw_trials_latest(&l, 1), lw_trials_find(&l, 1, 1));
	assert_ptr_equal(lw_trials_latest(&l, 2), &l.rows[3]);
	assert_null(lw_trials_latest(&l, 7));

	/* An update keeps config, label and bracket, replaces run_dir if given. */
	lw_trial r = *lw_trials_find(&l, 1, 1);
	r.config = NULL;
	r.label = NULL;
	r.bracket = 5;
	r.run_dir = "trials/1";
	r.steps = 300;
	r.val_loss = 3.0;
	r.energy_j = 40;
	r.status = LW_TRIAL_DONE;
	strcpy(r.method, "mixed");
	assert_int_equal(lw_trials_update(&l, &r, &err), LW_OK);
	row = lw_trials_find(&l, 1, 1);
	assert_string_equal(row->config, "{\"lr\":0.001}");
	assert_string_equal(row->label, "lr=0.001");
	assert_int_equal(row->bracket, 1);
	assert_string_equal(row->run_dir, "trials/1");
	assert_string_equal(row->method, "mixed");
	assert_int_equal(row->steps, 300);

	/* Totals: each trial's last row; counts by status. */
	assert_true(lw_trials_energy_j(&l) == 10 + 40 + 0);
	assert_int_equal(lw_trials_count(&l, LW_TRIAL_DONE), 2);
	assert_int_equal(lw_trials_count(&l, LW_TRIAL_PROMOTED), 1);
	assert_int_equal(lw_trials_count(&l, LW_TRIAL_PENDING), 1);
	lw_trials_free(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.rows);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	lw_trials l = new_ledger();
	lw_err err = {0};
	assert_int_equal(lw_trials_add(&l, "[1,2]", NULL, 0, NULL, NULL, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "not a JSON object"));
	assert_int_equal(lw_trials_add(&l, "{\"a\":", NULL, 0, NULL, NULL, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "not JSON"));
	assert_int_equal(lw_trials_add(&l, NULL, NULL, 0, NULL, NULL, &err), LW_ERR_ARG);
	assert_int_equal(lw_trials_add(&l, "{}", NULL, -1, NULL, NULL, &err), LW_ERR_ARG);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.next_id, 0);
	assert_int_equal(lw_trials_add(&l, "{}", "", 0, "", NULL, &err), LW_OK);
	assert_null(l.rows[0].label);           /* empty text is none */

	lw_trial r = l.rows[0];
	r.energy_j = -1;
	assert_int_equal(lw_trials_update(&l, &r, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "energy_j must be finite and >= 0"));
	r.energy_j = NAN;
	assert_int_equal(lw_trials_update(&l, &r, &err), LW_ERR_ARG);
	r.energy_j = 1;
	r.seconds = INFINITY;
	assert_int_equal(lw_trials_update(&l, &r, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "seconds"));
	r.seconds = 1;
	strcpy(r.method, "guessed");
	assert_int_equal(lw_trials_update(&l, &r, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "unknown method"));
	strcpy(r.method, "estimated");
	r.steps = -5;
	assert_int_equal(lw_trials_update(&l, &r, &err), LW_ERR_ARG);
	r.steps = 5;
	r.status = (lw_trial_status)17;
	assert_int_equal(lw_trials_update(&l, &r, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "unknown status"));
	r.status = LW_TRIAL_FAILED;
	r.rung = 1;
	assert_int_equal(lw_trials_update(&l, &r, &err), LW_ERR_ARG);
	assert_non_null(strstr(err.msg, "trial 0 has no rung 1"));
	/* Nothing half-applied. */
	assert_int_equal(l.rows[0].steps, 0);
	assert_int_equal(l.rows[0].status, LW_TRIAL_PENDING);
	r.rung = 0;
	assert_int_equal(lw_trials_update(&l, &r, &err), LW_OK);
	assert_int_equal(l.rows[0].status, LW_TRIAL_FAILED);
	lw_trials_free(&l);
}

static void test_status_names(void **state)
{
	(void)state;
	const char *names[] = {"pending", "running", "done", "promoted", "stopped", "failed"};
	for (int s = LW_TRIAL_PENDING; s <= LW_TRIAL_FAILED; s++) {
		assert_string_equal(lw_trial_status_name((lw_trial_status)s), names[s]);
		assert_int_equal(lw_trial_status_parse(names[s]), s);
	}
	assert_int_equal(lw_trial_status_parse("Done"), -1);
	assert_int_equal(lw_trial_status_parse(""), -1);
	assert_string_equal(lw_trial_status_name((lw_trial_status)99), "?");
}

/* ---------------------------------------------------------------- round trip */

/* A ledger that exercises every field: awkward text, every status, NaN and
 * infinite losses, extreme doubles, ids near INT64_MAX. */
static void fill_awkward(lw_trials *l)
{
	static const char *configs[] = {
		"{\"lr\":0.001,\"share\":\"all\"}",
		"{\"note\":\"a \\\"quoted\\\", comma\\nnewline\"}",  /* JSON escapes */
		"{\n  \"layers\": 4,\r\n  \"x\": \"\\u00e9\"\n}",   /* raw CR LF in JSON space */
		"{}",
		"{\"k\":\"caf\xc3\xa9\"}",
		"{\"d_model\":128,\"heads\":4}",
	};
	static const char *labels[] = {"lr=0.001", "say \"hi\", then\nleave", NULL,
				       "trailing comma,", "\"", "cr\r\nlf"};
	static const double losses[] = {3.25, NAN, INFINITY, -INFINITY, 0.1, 5e-324};
	static const double energies[] = {0, 1e-300, 1.7976931348623157e308, 12345.678901234567,
					  2.0 / 3.0, 0.30000000000000004};
	static const char *methods[] = {"none", "measured", "estimated", "mixed",
					"measured", "estimated"};
	lw_err err = {0};
	l->next_id = INT64_MAX - 7;
	for (int i = 0; i < 6; i++) {
		lw_trial *row;
		assert_int_equal(lw_trials_add(l, configs[i], labels[i], i, i % 2 ? "trials/t,1" : NULL,
					       &row, &err), LW_OK);
		set_result(l, row->id, 0, (int64_t)i * 1000 + INT64_MAX / 2, losses[i],
			   energies[i], methods[i], energies[5 - i] / 1e290, (lw_trial_status)i,
			   i * 7);
	}
	/* A promoted trial: rows (id, 0) promoted and (id, 1) running. */
	int64_t id = l->rows[0].id;
	set_result(l, id, 0, 50, 3.5, 5, "measured", 1, LW_TRIAL_DONE, 0);
	assert_int_equal(lw_trials_promote(l, id, NULL, &err), LW_OK);
	set_result(l, id, 1, 50, NAN, 5, "measured", 1, LW_TRIAL_RUNNING, 3);
	/* A pending trial with the largest id there can be. */
	assert_int_equal(lw_trials_add(l, "{\"last\":true}", NULL, 0, NULL, NULL, &err), LW_OK);
	assert_int_equal(l->rows[l->n - 1].id, INT64_MAX - 1);
}

static void test_round_trip(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *path = tu_path(dir, "trials.csv"), *path2 = tu_path(dir, "again.csv");
	lw_trials l = new_ledger(), back = new_ledger();
	lw_err err = {0};
	fill_awkward(&l);
	assert_int_equal(l.n, 8);
	assert_int_equal(lw_trials_write(&l, path, &err), LW_OK);
	if (lw_trials_read(path, &back, &err) != LW_OK)
		fail_msg("%s", err.msg);
	assert_same_ledger(&l, &back);
	assert_int_equal(back.next_id, INT64_MAX);
	/* Every status survives; the running trial is reported as running. */
	for (int s = LW_TRIAL_PENDING; s <= LW_TRIAL_FAILED; s++)
		assert_true(lw_trials_count(&back, (lw_trial_status)s) >= 1);
	assert_int_equal(lw_trials_latest(&back, INT64_MAX - 7)->status, LW_TRIAL_RUNNING);
	/* Written again, the same bytes. */
	assert_int_equal(lw_trials_write(&back, path2, &err), LW_OK);
	char *a = read_text(path), *b = read_text(path2);
	assert_string_equal(a, b);
	free(a);
	free(b);
	/* A resumed search gives the next id on: here none is left. */
	assert_int_equal(lw_trials_add(&back, "{}", NULL, 0, NULL, NULL, &err), LW_ERR_STATE);
	assert_non_null(strstr(err.msg, "exhausted"));
	lw_trials_free(&l);
	lw_trials_free(&back);
	tu_rmtree(dir);
	free(dir);
	free(path);
	free(path2);
}

/* The bytes written, and a hand-written CSV read as RFC 4180 says. */
static void test_raw_csv(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *path = tu_path(dir, "trials.csv");
	lw_trials l = new_ledger();
	lw_err err = {0};
	lw_trial *row;
	assert_int_equal(lw_trials_add(&l, "{\"a\":\"x,y\"}", "say \"hi\"", 2, "t/0", &row, &err),
			 LW_OK);
	set_result(&l, 0, 0, 81, 0.1, 2.5, "measured", 1e-7, LW_TRIAL_DONE, 1);
	assert_int_equal(lw_trials_add(&l, "{}", "a\nb", 0, NULL, &row, &err), LW_OK);
	assert_int_equal(lw_trials_write(&l, path, &err), LW_OK);
	char *text = read_text(path);
	char want[1024];
	snprintf(want, sizeof want, "%s%s%s", HEADER,
		 "0,\"{\"\"a\"\":\"\"x,y\"\"}\",0,81,0.1,2.5,measured,1e-07,done,2,1,"
		 "\"say \"\"hi\"\"\",t/0\n",
		 "1,{},0,0,,0,none,0,pending,0,0,\"a\nb\",\n");
	assert_string_equal(text, want);
	free(text);
	lw_trials_free(&l);

	/* CRLF line ends, needlessly quoted fields, CR LF inside quotes. */
	const char *hand = "trial,config,rung,steps,val_loss,energy_j,method,seconds,status,"
			   "bracket,worker,label,run_dir\r\n"
			   "\"3\",\"{\"\"b\"\": 1}\",0,\"10\",2.5e0,.5,estimated,3,done,0,0,"
			   "\"two\r\nlines\",\"\"\r\n"
			   "4,{},0,0,-inf,0,none,0,failed,0,0,,\r\n";
	tu_write_file(path, hand, strlen(hand));
	assert_int_equal(lw_trials_read(path, &l, &err), LW_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.rows[0].id, 3);
	assert_string_equal(l.rows[0].config, "{\"b\": 1}");
	assert_int_equal(l.rows[0].steps, 10);
	assert_true(l.rows[0].val_loss == 2.5);
	assert_true(l.rows[0].energy_j == 0.5);
	assert_string_equal(l.rows[0].label, "two\r\nlines");
	assert_null(l.rows[0].run_dir);
	assert_true(isinf(l.rows[1].val_loss) && l.rows[1].val_loss < 0);
	assert_int_equal(l.rows[1].status, LW_TRIAL_FAILED);
	assert_int_equal(l.next_id, 5);
	assert_int_equal(lw_trials_add(&l, "{}", NULL, 0, NULL, &row, &err), LW_OK);
	assert_int_equal(row->id, 5);   /* a resumed search numbers on */
	lw_trials_free(&l);

	/* A header alone is an empty ledger. */
	tu_write_file(path, HEADER, strlen(HEADER));
	assert_int_equal(lw_trials_read(path, &l, &err), LW_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.next_id, 0);
	lw_trials_free(&l);
	tu_rmtree(dir);
	free(dir);
	free(path);
}

/* ---------------------------------------------------------------- damaged files */

typedef struct bad_case {
	const char *body;     /* after the header (NULL: the text is whole) */
	const char *text;     /* the whole file when body is NULL */
	size_t len;           /* of text, when it holds a NUL */
	const char *want;     /* the message after "PATH: " */
} bad_case;

#define ROW0 "0,{},0,10,3,1,measured,1,done,0,0,,\n"
#define NUL_TEXT "trial,config,rung,steps,val_loss,energy_j,method,seconds,status,bracket," \
	"worker,label,run_dir\n" ROW0 "1,{},0,1\0,3,1,measured,1,done,0,0,,\n"
#define ROW0P "0,{},0,10,3,1,measured,1,promoted,0,0,,\n"

static const bad_case BAD[] = {
	{NULL, "", 0, "empty file, expected the header"},
	{NULL, "trial,config\n", 0, "line 1: not a trial ledger header"},
	{NULL, "trial,config,rung,steps,val_loss,energy_j,method,seconds,status,bracket,worker,"
	       "label,rundir\n", 0, "line 1: not a trial ledger header"},
	{NULL, "trial,config,rung,steps,val_loss,energy_j,method,seconds,status,bracket,worker,"
	       "label,run_dir", 0, "line 1: the last line has no line end (a truncated file?)"},
	{"0,{},0,10,3,1,measured,1,done,0,0,\n", NULL, 0, "line 2: 12 fields, expected 13"},
	{ROW0 "1,{},0,10,3,1,measured,1,done,0,0,,,\n", NULL, 0, "line 3: 14 fields, expected 13"},
	{ROW0 "\n", NULL, 0, "line 3: 1 fields, expected 13"},
	{"0,{},0,12x,3,1,measured,1,done,0,0,,\n", NULL, 0,
	 "line 2: steps: expected an integer, got \"12x\""},
	{"-1,{},0,10,3,1,measured,1,done,0,0,,\n", NULL, 0, "line 2: trial: out of range"},
	{" 0,{},0,10,3,1,measured,1,done,0,0,,\n", NULL, 0, "line 2: trial: expected an integer"},
	{"9223372036854775808,{},0,10,3,1,measured,1,done,0,0,,\n", NULL, 0,
	 "line 2: trial: out of range"},
	{"0,{},2147483648,10,3,1,measured,1,done,0,0,,\n", NULL, 0, "line 2: rung: out of range"},
	{"0,{},0,10,3,0x10,measured,1,done,0,0,,\n", NULL, 0,
	 "line 2: energy_j: expected a finite number, got \"0x10\""},
	{"0,{},0,10,3,nan,measured,1,done,0,0,,\n", NULL, 0, "line 2: energy_j: expected a finite"},
	{"0,{},0,10,3,,measured,1,done,0,0,,\n", NULL, 0, "line 2: energy_j: expected a finite"},
	{"0,{},0,10,3,1e999,measured,1,done,0,0,,\n", NULL, 0, "line 2: energy_j: expected a finite"},
	{"0,{},0,10,3,-1,measured,1,done,0,0,,\n", NULL, 0,
	 "line 2: trial 0: energy_j must be finite and >= 0"},
	{"0,{},0,10,Infinity,1,measured,1,done,0,0,,\n", NULL, 0,
	 "line 2: val_loss: expected a finite number"},
	{"0,{},0,10,3,1,measured,1,finished,0,0,,\n", NULL, 0,
	 "line 2: status: expected pending, running, done, promoted, stopped or failed, "
	 "got \"finished\""},
	{"0,{},0,10,3,1,metered,1,done,0,0,,\n", NULL, 0, "line 2: method: expected none"},
	{"0,[1],0,10,3,1,measured,1,done,0,0,,\n", NULL, 0, "line 2: config is not a JSON object"},
	{"0,\"{\"\"a\"\":}\",0,10,3,1,measured,1,done,0,0,,\n", NULL, 0,
	 "line 2: config is not JSON"},
	{ROW0 ROW0, NULL, 0, "line 3: trial 0 rung 0 appears twice"},
	{"1,{},0,10,3,1,measured,1,done,0,0,,\n" ROW0, NULL, 0,
	 "line 3: trial 0 rung 0 comes after trial 1 rung 0"},
	{ROW0P "0,{},2,10,3,1,measured,1,done,0,0,,\n", NULL, 0,
	 "line 3: trial 0 has rung 2 but no rung 1"},
	{"0,{},1,10,3,1,measured,1,done,0,0,,\n", NULL, 0, "line 2: trial 0 has rung 1 but no rung 0"},
	{ROW0 "0,{},1,10,3,1,measured,1,done,0,0,,\n", NULL, 0,
	 "line 3: trial 0 has rung 1 but rung 0 is done, not promoted"},
	{ROW0P "0,\"{\"\"a\"\":1}\",1,10,3,1,measured,1,done,0,0,,\n", NULL, 0,
	 "line 3: trial 0: the config of rung 1 differs from rung 0's"},
	{ROW0 "1,\"{\n}\",0,10,3,1,measured,1,done,0,0,\"open\n,,\n", NULL, 0,
	 "line 4: a quoted field is never closed"},
	{ROW0 "1,{},0,10,3,1,measured,1,done,0,0,a\"b,\n", NULL, 0,
	 "line 3: a quote inside an unquoted field"},
	{ROW0 "1,{},0,10,3,1,measured,1,done,0,0,\"ab\"c,\n", NULL, 0,
	 "line 3: text after a closing quote"},
	{ROW0 "1,{},0,10,3,1,measured,1,done,0,0,a\rb,\n", NULL, 0,
	 "line 3: a CR that does not end the line"},
	{ROW0 "1,{},0,10,3,1,measured,1,done,0,0,,", NULL, 0,
	 "line 3: the last line has no line end (a truncated file?)"},
	{NULL, NUL_TEXT, sizeof NUL_TEXT - 1, "line 3: a NUL byte"},
};

static void test_damaged_files(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *path = tu_path(dir, "trials.csv");
	for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
		const bad_case *c = &BAD[i];
		lw_buf text = {0};
		if (c->body) {
			lw_buf_puts(&text, HEADER);
			lw_buf_puts(&text, c->body);
		} else {
			lw_buf_append(&text, c->text, c->len ? c->len : strlen(c->text));
		}
		tu_write_file(path, text.data, text.len);
		lw_buf_free(&text);
		lw_trials l = new_ledger();
		lw_err err = {0};
		lw_status st = lw_trials_read(path, &l, &err);
		char want[600];
		snprintf(want, sizeof want, "%s: %s", path, c->want);
		if (st != LW_ERR_FORMAT || strncmp(err.msg, want, strlen(want)) != 0)
			fail_msg("case %zu: status %d, message\n  %s\nexpected it to start with\n  %s",
				 i, (int)st, err.msg, want);
		assert_null(strchr(err.msg, '\n'));
		assert_int_equal(l.n, 0);            /* left empty */
		assert_null(l.rows);
	}
	lw_trials l = new_ledger();
	lw_err err = {0};
	char *missing = tu_path(dir, "missing.csv");
	assert_int_equal(lw_trials_read(missing, &l, &err), LW_ERR_IO);
	assert_non_null(strstr(err.msg, "missing.csv"));
	free(missing);
	tu_rmtree(dir);
	free(dir);
	free(path);
}

/* Every prefix of a real ledger: refused, or (cut at a line end) read as
 * its first rows, never anything else. */
static void test_truncated(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *path = tu_path(dir, "trials.csv"), *cut = tu_path(dir, "cut.csv");
	lw_trials l = new_ledger();
	lw_err err = {0};
	fill_awkward(&l);
	assert_int_equal(lw_trials_write(&l, path, &err), LW_OK);
	char *text = read_text(path);
	size_t n = strlen(text), whole = 0;
	for (size_t k = 0; k < n; k++) {
		tu_write_file(cut, text, k);
		lw_trials back = new_ledger();
		lw_status st = lw_trials_read(cut, &back, &err);
		if (st == LW_OK) {
			assert_true(k > 0 && text[k - 1] == '\n');
			assert_true(back.n < l.n);
			for (size_t i = 0; i < back.n; i++)
				assert_int_equal(back.rows[i].id, l.rows[i].id);
			whole++;
		} else {
			assert_int_equal(st, LW_ERR_FORMAT);
		}
		lw_trials_free(&back);
	}
	/* The header alone and the first rows that end cleanly. */
	assert_true(whole >= 1 && whole < l.n + 1);
	free(text);
	lw_trials_free(&l);
	tu_rmtree(dir);
	free(dir);
	free(path);
	free(cut);
}

/* ---------------------------------------------------------------- atomic writes */

static void test_atomic_rewrite(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *path = tu_path(dir, "trials.csv");
	lw_trials l = new_ledger();
	lw_err err = {0};
	assert_int_equal(lw_trials_add(&l, "{}", NULL, 0, NULL, NULL, &err), LW_OK);
	assert_int_equal(lw_trials_write(&l, path, &err), LW_OK);
	assert_int_equal(chmod(path, 0640), 0);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(lw_trials_add(&l, "{}", NULL, 0, NULL, NULL, &err), LW_OK);
		assert_int_equal(lw_trials_write(&l, path, &err), LW_OK);
	}
	assert_int_equal(tu_count_entries(dir), 1);   /* no temporary left */
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);    /* the mode kept */
	lw_trials back = new_ledger();
	assert_int_equal(lw_trials_read(path, &back, &err), LW_OK);
	assert_int_equal(back.n, 6);
	lw_trials_free(&back);

	/* A target that cannot be replaced (a folder): an error, no temporary. */
	char *sub = tu_path(dir, "sub");
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(lw_trials_write(&l, sub, &err), LW_ERR_IO);
	assert_non_null(strstr(err.msg, sub));
	assert_int_equal(tu_count_entries(dir), 2);
	assert_int_equal(tu_count_entries(sub), 0);
	free(sub);
	lw_trials_free(&l);
	tu_rmtree(dir);
	free(dir);
	free(path);
}

/* Write l to path as the caller is; the exit code says what went wrong (this
 * may run in a forked child: no asserts). */
static int write_expect_io_error(const lw_trials *l, const char *path)
{
	lw_err err = {0};
	lw_status st = lw_trials_write(l, path, &err);
	if (st != LW_ERR_IO)
		return 10;
	if (!strstr(err.msg, "cannot create"))
		return 11;
	return 0;
}

typedef struct write_case {
	const lw_trials *l;
	const char *path;
} write_case;

static int run_write_case(void *ctx)
{
	const write_case *c = ctx;
	return write_expect_io_error(c->l, c->path);
}

/* An unwritable folder: the write fails and the old file stays whole. Root
 * writes anywhere, so then the write runs as user nobody. */
static void test_unwritable_folder_keeps_old_file(void **state)
{
	(void)state;
	char *top = tu_tempdir();
	char *dir = tu_path(top, "search");
	char *path = tu_path(dir, "trials.csv");
	assert_int_equal(mkdir(dir, 0755), 0);
	lw_trials l = new_ledger();
	lw_err err = {0};
	assert_int_equal(lw_trials_add(&l, "{\"a\":1}", NULL, 0, NULL, NULL, &err), LW_OK);
	assert_int_equal(lw_trials_write(&l, path, &err), LW_OK);
	char *before = read_text(path);
	assert_int_equal(lw_trials_add(&l, "{\"a\":2}", NULL, 0, NULL, NULL, &err), LW_OK);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(chmod(dir, 0555), 0);
	assert_int_equal(chmod(top, 0755), 0);
	write_case c = { &l, path };
	int code = tu_as_nobody(run_write_case, &c);
	assert_int_equal(chmod(dir, 0755), 0);
	if (code != 77) {
		assert_int_equal(code, 0);
		char *after = read_text(path);
		assert_string_equal(after, before);
		free(after);
		assert_int_equal(tu_count_entries(dir), 1);
	}
	free(before);
	lw_trials_free(&l);
	tu_rmtree(top);
	free(top);
	free(dir);
	free(path);
	if (code == 77)
		skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_find_update_promote),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_raw_csv),
		cmocka_unit_test(test_damaged_files),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_atomic_rewrite),
		cmocka_unit_test(test_unwritable_folder_keeps_old_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
