/*
 * cmd_measure.c — `lowwatt measure [FLAGS] -- CMD [ARGS...]`: run a command
 * under the energy meter and report what it used, in the manner of perf
 * stat (the summary goes to standard error, so the command's own output
 * stays clean; --json prints one object on standard output instead).
 * lowwatt exits with the command's exit status, 128 + signal if it was
 * killed, 127/126 if it could not be run.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/carbon_flags.h"
#include "cli/child.h"
#include "cli/commands.h"
#include "cli/measurement.h"
#include "lowwatt/emissions.h"
#include "util/file.h"

#define CMD "measure"
#define USAGE "[--json] [--interval S] [--region CODE | --intensity V] [--pue X] [--csv FILE] " \
	      "[--rapl packages|psys] -- CMD [ARGS...]"

typedef struct measure_flags {
	int json;
	const char *interval, *csv, *rapl;
	carbon_flags carbon;
} measure_flags;

/* Split argv at "--": the words before are flags, those after the command. */
static int find_dashes(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return -1;
}

/* Options of the meter from the flags; prints the error and returns
 * CLI_USAGE on a bad value. */
static int meter_options(const measure_flags *f, lw_meter_options *o)
{
	lw_meter_options_default(o);
	lw_err err = {{0}};
	if (f->interval && lw_parse_duration(f->interval, "s", &o->interval_s, &err)) {
		fprintf(stderr, "lowwatt %s: --interval %s\n", CMD, err.msg);
		return CLI_USAGE;
	}
	if (!(o->interval_s >= 0.01 && o->interval_s <= 3600)) {
		fprintf(stderr, "lowwatt %s: --interval %s: give 10ms to 3600s\n", CMD, f->interval);
		return CLI_USAGE;
	}
	if (f->rapl && strcmp(f->rapl, "psys") == 0)
		o->rapl = LW_RAPL_PSYS;
	else if (f->rapl && strcmp(f->rapl, "packages") != 0) {
		fprintf(stderr, "lowwatt %s: --rapl %s: expected packages or psys\n", CMD, f->rapl);
		return CLI_USAGE;
	}
	return 0;
}

/* Refuse, before running anything, a --csv file that is not CodeCarbon's. */
static int check_csv(const char *path)
{
	lw_err err = {{0}};
	if (!path || lw_emissions_check(path, &err) == LW_OK)
		return 0;
	fprintf(stderr, "lowwatt %s: --csv %s\n", CMD, err.msg);
	return CLI_USAGE;
}

/* The command could not be started: say why and exit as a shell would. */
static int cannot_run(const char *name, int e)
{
	fprintf(stderr, "lowwatt %s: %s: %s\n", CMD, name,
		e == ENOENT ? "command not found" : strerror(e));
	return e == ENOENT ? 127 : 126;
}

static int report(const measure_flags *f, measurement *m)
{
	if (f->json) {
		json_t *o = measurement_json(m);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		fputc('\n', stdout);
		json_decref(o);
	} else {
		measurement_print(stderr, m);
	}
	if (!f->csv)
		return 0;
	measurement_csv_text text;
	lw_emissions_row row;
	measurement_csv_row(m, &text, &row);
	lw_err err = {{0}};
	if (lw_emissions_append(f->csv, &row, &err) == LW_OK)
		return 0;
	return cli_fail(CMD, &err);
}

/* Run argv under the meter; fills m; returns lowwatt's exit status. */
static int run_measured(const lw_meter_options *o, char **argv, measurement *m)
{
	lw_err err = {{0}};
	child c;
	child_block_signals(&c);    /* before the meter's thread exists */
	lw_meter *meter = NULL;
	int rc = 0, exec_errno = 0;
	if (lw_meter_open(o, &meter, &err) || lw_meter_start(meter, &err)) {
		rc = cli_fail(CMD, &err);
		goto cleanup;
	}
	for (int i = 0; i < lw_meter_notice_count(meter); i++)
		fprintf(stderr, "lowwatt %s: note: %s\n", CMD, lw_meter_notice(meter, i));
	if (child_start(&c, argv, &exec_errno) != 0) {
		rc = cannot_run(argv[0], exec_errno);
		goto cleanup;
	}
	m->exit_code = child_wait(&c, &m->process_cpu_s);
	if (lw_meter_stop(meter, &m->reading, &err)) {
		rc = cli_fail(CMD, &err);
		goto cleanup;
	}
	rc = -1;   /* measured: the caller reports and exits with the command's status */
cleanup:
	lw_meter_free(meter);
	child_restore_signals(&c);
	return rc;
}

int cmd_measure(int argc, char **argv)
{
	measure_flags f = {0};
	cli_flag flags[] = {
		{"json", CLI_BOOL, &f.json, 0, 0, 0, "print one JSON object on stdout"},
		{"interval", CLI_STRING, &f.interval, 0, 0, 0, "sampling interval: 1s (default) .. 10ms"},
		CARBON_FLAGS(&f.carbon),
		{"csv", CLI_STRING, &f.csv, 0, 0, 0, "append a row to this CodeCarbon emissions.csv"},
		{"rapl", CLI_STRING, &f.rapl, 0, 0, 0, "packages (default) or psys: the RAPL zones of cpu"},
	};
	int dashes = find_dashes(argc, argv);
	cli_list words = {0};
	int rc = cli_parse(CMD, USAGE, dashes < 0 ? argc : dashes, argv, flags,
			   sizeof flags / sizeof *flags, &words);
	int stray = words.n;
	cli_free(flags, sizeof flags / sizeof *flags, &words);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (stray || dashes < 0 || dashes + 1 >= argc) {
		fprintf(stderr, "lowwatt %s: give the command after --: lowwatt measure [FLAGS] -- "
			"CMD [ARGS...]\n", CMD);
		return CLI_USAGE;
	}
	measurement m = {0};
	lw_meter_options o;
	if ((rc = meter_options(&f, &o)) || (rc = carbon_flags_resolve(CMD, &f.carbon,
			&m.intensity, &m.pue)) || (rc = check_csv(f.csv)))
		return rc;
	lw_err err = {{0}};
	if (lw_machine_describe(NULL, &m.machine, &err))
		return cli_fail(CMD, &err);
	char **cmd = argv + dashes + 1;
	measurement_set_command(&m, cmd);
	measurement_stamp(&m);
	rc = run_measured(&o, cmd, &m);
	if (rc >= 0)
		return rc;
	fflush(stdout);
	if (report(&f, &m) != 0)
		return m.exit_code ? m.exit_code : 1;
	return m.exit_code;
}
