/*
 * test_emissions.c — the CodeCarbon-compatible emissions.csv writer: the
 * header against CodeCarbon 3.x's 38 columns, exact rows, empty cells,
 * RFC 4180 quoting (checked by parsing the line back), and appending:
 * header once, foreign files refused untouched, missing final newlines,
 * CRLF files, unwritable places.
 */
#include "testutil.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <sys/stat.h>

#include "lowwatt/emissions.h"

/* CodeCarbon 3.x's columns as the issue lists them, written out here
 * independently of the library. */
static const char codecarbon_columns[] =
	"timestamp, project_name, run_id, experiment_id, duration, emissions, "
	"emissions_rate, cpu_power, gpu_power, ram_power, cpu_energy, gpu_energy, "
	"ram_energy, energy_consumed, water_consumed, country_name, country_iso_code, "
	"region, cloud_provider, cloud_region, os, python_version, codecarbon_version, "
	"cpu_count, cpu_model, gpu_count, gpu_model, longitude, latitude, "
	"ram_total_size, tracking_mode, cpu_utilization_percent, "
	"gpu_utilization_percent, ram_utilization_percent, ram_used_gb, on_cloud, pue, wue";

#define FIELD_MAX 256
#define FIELDS_MAX 64

/* Split text at each occurrence of sep into out; returns the count. */
static int split_plain(const char *text, const char *sep, char out[][FIELD_MAX], int max)
{
	int n = 0;
	size_t k = strlen(sep);
	for (;;) {
		const char *end = strstr(text, sep);
		size_t len = end ? (size_t)(end - text) : strlen(text);
		assert_true(n < max && len < FIELD_MAX);
		memcpy(out[n], text, len);
		out[n++][len] = 0;
		if (!end)
			return n;
		text = end + k;
	}
}

/* Parse one RFC 4180 record (no line ending) into out, unquoting; returns
 * the number of fields, or -1 if the line is not valid CSV. */
static int split_csv(const char *p, char out[][FIELD_MAX], int max)
{
	int n = 0;
	for (;;) {
		size_t len = 0;
		if (n >= max)
			return -1;
		if (*p == '"') {
			for (p++;; p++) {
				if (*p == 0)
					return -1;
				if (*p == '"' && p[1] != '"') {
					p++;
					break;
				}
				if (*p == '"')
					p++;
				if (len + 1 >= FIELD_MAX)
					return -1;
				out[n][len++] = *p;
			}
		} else {
			for (; *p && *p != ','; p++) {
				if (*p == '"' || *p == '\r' || *p == '\n' || len + 1 >= FIELD_MAX)
					return -1;
				out[n][len++] = *p;
			}
		}
		out[n++][len] = 0;
		if (*p == 0)
			return n;
		if (*p != ',')
			return -1;
		p++;
	}
}

static char *read_text(const char *path)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	char *s = malloc(1 << 16);
	assert_non_null(s);
	size_t n = fread(s, 1, (1 << 16) - 1, fp);
	s[n] = 0;
	fclose(fp);
	return s;
}

static void known_row(lw_emissions_row *r)
{
	lw_emissions_row_init(r);
	r->timestamp = "2026-11-24T08:15:02";
	r->project_name = "lowwatt";
	r->run_id = "run-7";
	r->duration_s = 12.5;
	r->emissions_kg = 1.5e-6;
	r->emissions_rate_kg_s = 1.2e-7;
	r->cpu_power_w = 45.25;
	r->ram_power_w = 3.0;
	r->cpu_energy_kwh = 0.000157;
	r->ram_energy_kwh = 1.0 / 96000.0;
	r->energy_consumed_kwh = 0.0001675;
	r->country_name = "France";
	r->country_iso_code = "FRA";
	r->os = "Linux-6.1.0-x86_64";
	r->cpu_count = 16;
	r->cpu_model = "AMD EPYC 7B13";
	r->gpu_count = 0;
	r->ram_total_gb = 62.5;
	r->tracking_mode = "machine";
	r->cpu_utilization_percent = 87.5;
	r->ram_utilization_percent = 40.0;
	r->ram_used_gb = 25.0;
	r->pue = 1.2;
}

static const char known_line[] =
	"2026-11-24T08:15:02,lowwatt,run-7,,12.5,1.5e-06,1.2e-07,45.25,,3,0.000157,,"
	"1.041666667e-05,0.0001675,,France,FRA,,,,Linux-6.1.0-x86_64,,,16,AMD EPYC 7B13,0,,,,"
	"62.5,machine,87.5,,40,25,N,1.2,";

static void test_header_matches_codecarbon(void **state)
{
	(void)state;
	static char want[FIELDS_MAX][FIELD_MAX], got[FIELDS_MAX][FIELD_MAX];
	int n_want = split_plain(codecarbon_columns, ", ", want, FIELDS_MAX);
	int n_got = split_plain(lw_emissions_header(), ",", got, FIELDS_MAX);
	assert_int_equal(n_want, 38);
	assert_int_equal(n_got, 38);
	assert_int_equal(LW_EMISSIONS_COLUMNS, 38);
	for (int i = 0; i < 38; i++)
		assert_string_equal(got[i], want[i]);
	assert_null(strpbrk(lw_emissions_header(), " \r\n\""));
}

static void test_known_row(void **state)
{
	(void)state;
	lw_emissions_row r;
	known_row(&r);
	char line[1024];
	lw_err err = {{0}};
	assert_int_equal(lw_emissions_format(&r, line, sizeof line, &err), LW_OK);
	assert_string_equal(line, known_line);

	/* Parsed back, each value sits under its own column. */
	static char head[FIELDS_MAX][FIELD_MAX], cell[FIELDS_MAX][FIELD_MAX];
	assert_int_equal(split_plain(lw_emissions_header(), ",", head, FIELDS_MAX), 38);
	assert_int_equal(split_csv(line, cell, FIELDS_MAX), 38);
	for (int i = 0; i < 38; i++) {
		if (strcmp(head[i], "cpu_model") == 0)
			assert_string_equal(cell[i], "AMD EPYC 7B13");
		if (strcmp(head[i], "pue") == 0)
			assert_string_equal(cell[i], "1.2");
		if (strcmp(head[i], "on_cloud") == 0)
			assert_string_equal(cell[i], "N");
		if (strcmp(head[i], "ram_total_size") == 0)
			assert_string_equal(cell[i], "62.5");
	}
}

/* NaN, NULL and negative counts are empty cells; on_cloud is still N. */
static void test_unknown_cells_empty(void **state)
{
	(void)state;
	lw_emissions_row r;
	lw_emissions_row_init(&r);
	char line[256];
	assert_int_equal(lw_emissions_format(&r, line, sizeof line, NULL), LW_OK);
	assert_string_equal(line, ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,N,,");

	/* Infinities are not numbers a reader could use either. */
	r.duration_s = INFINITY;
	r.pue = -INFINITY;
	r.gpu_count = -5;
	assert_int_equal(lw_emissions_format(&r, line, sizeof line, NULL), LW_OK);
	assert_string_equal(line, ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,N,,");

	/* Zero is known, not empty. */
	r.gpu_count = 0;
	r.gpu_power_w = 0.0;
	assert_int_equal(lw_emissions_format(&r, line, sizeof line, NULL), LW_OK);
	static char cell[FIELDS_MAX][FIELD_MAX];
	assert_int_equal(split_csv(line, cell, FIELDS_MAX), 38);
	assert_string_equal(cell[8], "0");   /* gpu_power */
	assert_string_equal(cell[25], "0");  /* gpu_count */
}

static void test_quoting(void **state)
{
	(void)state;
	lw_emissions_row r;
	known_row(&r);
	r.cpu_model = "Intel(R) Xeon(R), \"Gold\" 6230";
	r.gpu_model = "NVIDIA H100\r\nNVIDIA A100";
	r.experiment_id = "\"";
	char line[1024];
	assert_int_equal(lw_emissions_format(&r, line, sizeof line, NULL), LW_OK);
	assert_non_null(strstr(line, ",\"Intel(R) Xeon(R), \"\"Gold\"\" 6230\","));
	assert_non_null(strstr(line, ",\"NVIDIA H100\r\nNVIDIA A100\","));
	assert_non_null(strstr(line, "run-7,\"\"\"\",12.5,"));

	static char cell[FIELDS_MAX][FIELD_MAX];
	assert_int_equal(split_csv(line, cell, FIELDS_MAX), 38);
	assert_string_equal(cell[3], "\"");
	assert_string_equal(cell[24], r.cpu_model);
	assert_string_equal(cell[26], r.gpu_model);
	assert_string_equal(cell[35], "N");
}

/* The buffer must hold the line and its NUL: both sides of the boundary. */
static void test_small_buffer(void **state)
{
	(void)state;
	lw_emissions_row r;
	known_row(&r);
	size_t len = strlen(known_line);
	char *buf = malloc(len + 1);
	assert_non_null(buf);
	lw_err err = {{0}};
	assert_int_equal(lw_emissions_format(&r, buf, len, &err), LW_ERR_ARG);
	assert_string_equal(buf, "");
	assert_non_null(strstr(err.msg, "do not fit"));
	assert_int_equal(lw_emissions_format(&r, buf, 0, &err), LW_ERR_ARG);
	assert_int_equal(lw_emissions_format(&r, buf, len + 1, &err), LW_OK);
	assert_string_equal(buf, known_line);
	free(buf);
}

/* Expected file content: the header, then count copies of the known row. */
static char *expected_file(int count, const char *eol)
{
	size_t n = (strlen(lw_emissions_header()) + 2 + count * (sizeof known_line + 2)) + 1;
	char *s = malloc(n);
	assert_non_null(s);
	snprintf(s, n, "%s%s", lw_emissions_header(), eol);
	for (int i = 0; i < count; i++) {
		strcat(s, known_line);
		strcat(s, eol);
	}
	return s;
}

static void test_append_new_then_again(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *path = tu_path(dir, "emissions.csv");
	lw_emissions_row r;
	known_row(&r);
	lw_err err = {{0}};
	assert_int_equal(lw_emissions_append(path, &r, &err), LW_OK);
	char *got = read_text(path), *want = expected_file(1, "\n");
	assert_string_equal(got, want);
	free(got);
	free(want);

	assert_int_equal(lw_emissions_append(path, &r, &err), LW_OK);
	got = read_text(path);
	want = expected_file(2, "\n");
	assert_string_equal(got, want);
	assert_int_equal(tu_count_entries(dir), 1);   /* no temporary left */
	free(got);
	free(want);

	/* An empty file is new: it gets the header. */
	tu_write_file(path, "", 0);
	assert_int_equal(lw_emissions_append(path, &r, &err), LW_OK);
	got = read_text(path);
	want = expected_file(1, "\n");
	assert_string_equal(got, want);
	free(got);
	free(want);
	free(path);
	tu_rmtree(dir);
	free(dir);
}

static void refuse(const char *dir, const char *content)
{
	char *path = tu_path(dir, "other.csv");
	tu_write_file(path, content, strlen(content));
	lw_emissions_row r;
	known_row(&r);
	lw_err err = {{0}};
	assert_int_equal(lw_emissions_append(path, &r, &err), LW_ERR_FORMAT);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "CodeCarbon"));
	char *got = read_text(path);
	assert_string_equal(got, content);
	assert_int_equal(tu_count_entries(dir), 1);
	free(got);
	free(path);
}

static void test_foreign_header_refused(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	refuse(dir, "a,b,c\n1,2,3\n");
	/* One column more, one less, or a prefix of the header: not the same. */
	char text[2048];
	snprintf(text, sizeof text, "%s,extra\n", lw_emissions_header());
	refuse(dir, text);
	snprintf(text, sizeof text, "%.*s\n", (int)strlen(lw_emissions_header()) - 4,
		 lw_emissions_header());
	refuse(dir, text);
	refuse(dir, "\n");
	tu_rmtree(dir);
	free(dir);
}

/* A file whose last row lacks its newline gets one before the new row. */
static void test_missing_final_newline(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *path = tu_path(dir, "emissions.csv");
	char text[2048];
	snprintf(text, sizeof text, "%s\n%s", lw_emissions_header(), known_line);
	tu_write_file(path, text, strlen(text));
	lw_emissions_row r;
	known_row(&r);
	lw_err err = {{0}};
	assert_int_equal(lw_emissions_append(path, &r, &err), LW_OK);
	char *got = read_text(path), *want = expected_file(2, "\n");
	assert_string_equal(got, want);
	free(got);
	free(want);

	/* A header alone without newline, too. */
	tu_write_file(path, lw_emissions_header(), strlen(lw_emissions_header()));
	assert_int_equal(lw_emissions_append(path, &r, &err), LW_OK);
	got = read_text(path);
	want = expected_file(1, "\n");
	assert_string_equal(got, want);
	free(got);
	free(want);
	free(path);
	tu_rmtree(dir);
	free(dir);
}

/* A CRLF file (CodeCarbon on Windows) is accepted and kept CRLF. */
static void test_crlf_file(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *path = tu_path(dir, "emissions.csv");
	char *text = expected_file(1, "\r\n");
	tu_write_file(path, text, strlen(text));
	lw_emissions_row r;
	known_row(&r);
	lw_err err = {{0}};
	assert_int_equal(lw_emissions_append(path, &r, &err), LW_OK);
	char *got = read_text(path), *want = expected_file(2, "\r\n");
	assert_string_equal(got, want);
	free(got);
	free(want);
	free(text);
	free(path);
	tu_rmtree(dir);
	free(dir);
}

static void test_unwritable_place(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	char *missing = tu_path(dir, "no-such-dir");
	char *path = tu_path(missing, "emissions.csv");
	lw_emissions_row r;
	known_row(&r);
	lw_err err = {{0}};
	assert_int_equal(lw_emissions_append(path, &r, &err), LW_ERR_IO);
	assert_non_null(strstr(err.msg, path));
	struct stat s;
	assert_int_not_equal(stat(missing, &s), 0);
	assert_int_equal(tu_count_entries(dir), 0);

	/* A directory where the file should be is an error too, not a row. */
	assert_int_equal(lw_emissions_append(dir, &r, &err), LW_ERR_IO);
	assert_non_null(strstr(err.msg, dir));
	assert_int_equal(tu_count_entries(dir), 0);
	free(path);
	free(missing);
	tu_rmtree(dir);
	free(dir);
}

/* Compile locale name (e.g. "de_DE") for UTF-8 into dir and make it
 * LC_NUMERIC; 0 where localedef or its sources are missing. */
static int use_locale(const char *dir, const char *name)
{
	char cmd[1024], full[64];
	snprintf(full, sizeof full, "%s.UTF-8", name);
	snprintf(cmd, sizeof cmd, "localedef -i %s -f UTF-8 '%s/%s' >/dev/null 2>&1", name, dir,
		 full);
	if (system(cmd) != 0)
		return 0;
	setenv("LOCPATH", dir, 1);
	return setlocale(LC_NUMERIC, full) != NULL;
}

/* Under a locale whose decimal point is a comma (de_DE) or a two-byte
 * U+066B (ps_AF), printf writes "12,5"; the rows must still say "12.5".
 * lowwatt never calls setlocale, but a program embedding it may. The
 * locales are compiled into a temporary folder; where localedef or its
 * sources are missing the check cannot run and says so. */
static void test_decimal_point_locale(void **state)
{
	(void)state;
	char *dir = tu_tempdir();
	static const char *names[] = {"de_DE", "ps_AF"};
	for (int i = 0; i < 2; i++) {
		if (!use_locale(dir, names[i])) {
			print_message("# %s locale not available: not checked\n", names[i]);
			continue;
		}
		char probe[32];
		snprintf(probe, sizeof probe, "%.1f", 12.5);
		lw_emissions_row r;
		known_row(&r);
		char line[1024];
		lw_status st = lw_emissions_format(&r, line, sizeof line, NULL);
		setlocale(LC_NUMERIC, "C");
		assert_string_not_equal(probe, "12.5");   /* the locale is in force */
		assert_int_equal(st, LW_OK);
		assert_string_equal(line, known_line);
	}
	unsetenv("LOCPATH");
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_matches_codecarbon),
		cmocka_unit_test(test_known_row),
		cmocka_unit_test(test_unknown_cells_empty),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_small_buffer),
		cmocka_unit_test(test_append_new_then_again),
		cmocka_unit_test(test_foreign_header_refused),
		cmocka_unit_test(test_missing_final_newline),
		cmocka_unit_test(test_crlf_file),
		cmocka_unit_test(test_unwritable_place),
		cmocka_unit_test(test_decimal_point_locale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
