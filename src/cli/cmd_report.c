/*
 * cmd_report.c — `lowwatt report RUN_DIR [RUN_DIR...] [--out FILE]`: the
 * HTML report of one run (RUN_DIR/report.html by default), or of several
 * compared (./report.html by default). `lowwatt train` writes the report
 * of every run itself; this command rebuilds it, or compares runs.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "lowwatt/report.h"
#include "util/file.h"

#define CMD "report"
#define USAGE "RUN_DIR [RUN_DIR...] [--out FILE]"

int cmd_report(int argc, char **argv)
{
	const char *out = NULL;
	cli_list dirs = {0};
	cli_flag flags[] = {
		{"out", CLI_STRING, &out, 0, 0, 0,
		 "the HTML file (RUN_DIR/report.html for one run, ./report.html for several)"},
	};
	int rc = cli_parse(CMD, USAGE, argc, argv, flags, sizeof flags / sizeof *flags, &dirs);
	if (rc == 0 && dirs.n == 0) {
		fprintf(stderr, "lowwatt %s: expected one or more run directories (usage: lowwatt "
				"%s %s)\n", CMD, CMD, USAGE);
		rc = CLI_USAGE;
	}
	if (rc == 0) {
		char *path = out ? NULL
				 : dirs.n == 1 ? lw_path_join(dirs.items[0], "report.html")
					       : lw_path_join(".", "report.html");
		lw_err err = {{0}};
		if (lw_report_write(out ? out : path, dirs.items, dirs.n, &err))
			rc = cli_fail(CMD, &err);
		else
			printf("report: %s\n", out ? out : path);
		free(path);
	}
	cli_free(flags, sizeof flags / sizeof *flags, &dirs);
	return rc < 0 ? 0 : rc;
}
