/*
 * cmd_report.c — `lowwatt report RUN_DIR [RUN_DIR...] [--out FILE]`: the
 * HTML report of one run (RUN_DIR/report.html by default), or of several
 * compared (./report.html by default). `lowwatt train` writes the report
 * of every run itself; this command rebuilds it, or compares runs.
 *
 * `lowwatt report SEARCH_DIR [--out FILE]`: a directory that holds
 * trials.csv is a search's (`lowwatt search --out DIR`); its report goes to
 * SEARCH_DIR/report.html by default. A search is reported alone: given with
 * other directories it is an error, not a comparison.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "lowwatt/report.h"
#include "util/file.h"

#define CMD "report"
#define USAGE "RUN_DIR [RUN_DIR...] | SEARCH_DIR [--out FILE]"

/* Whether dir holds a trials.csv: a search directory. */
static int is_search_dir(const char *dir)
{
	char *path = lw_path_join(dir, "trials.csv");
	struct stat sb;
	int yes = stat(path, &sb) == 0 && !S_ISDIR(sb.st_mode);
	free(path);
	return yes;
}

/* The report of dirs[0..n) into out (or its default); 0 or an exit status. */
static int write_report(const char *out, const char *const *dirs, int n)
{
	lw_err err = {{0}};
	int search = -1;
	for (int k = 0; k < n && search < 0; k++)
		if (is_search_dir(dirs[k]))
			search = k;
	if (search >= 0 && n > 1) {
		lw_err_set(&err, LW_ERR_ARG, "%s is a search directory (it holds trials.csv): report "
			   "it alone, not with other directories", dirs[search]);
		return cli_fail(CMD, &err);
	}
	char *path = out ? NULL
			 : n == 1 ? lw_path_join(dirs[0], "report.html")
				  : lw_path_join(".", "report.html");
	int rc = 0;
	lw_status st = search >= 0 ? lw_report_search_write(dirs[0], out ? out : path, &err)
				   : lw_report_write(out ? out : path, dirs, n, &err);
	if (st)
		rc = cli_fail(CMD, &err);
	else
		printf("report: %s\n", out ? out : path);
	free(path);
	return rc;
}

int cmd_report(int argc, char **argv)
{
	const char *out = NULL;
	cli_list dirs = {0};
	cli_flag flags[] = {
		{"out", CLI_STRING, &out, 0, 0, 0,
		 "the HTML file (DIR/report.html for one run or a search, ./report.html for "
		 "several runs)"},
	};
	int rc = cli_parse(CMD, USAGE, argc, argv, flags, sizeof flags / sizeof *flags, &dirs);
	if (rc == 0 && dirs.n == 0) {
		fprintf(stderr, "lowwatt %s: expected one or more run directories, or a search "
				"directory (usage: lowwatt %s %s)\n", CMD, CMD, USAGE);
		rc = CLI_USAGE;
	}
	if (rc == 0)
		rc = write_report(out, dirs.items, dirs.n);
	cli_free(flags, sizeof flags / sizeof *flags, &dirs);
	return rc < 0 ? 0 : rc;
}
