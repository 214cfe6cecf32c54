/*
 * main.c — `lowwatt`: dispatch to a subcommand. The command line parses,
 * calls the library and prints; it holds no logic the library lacks.
 */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/blas_core.h"
#include "cli/commands.h"
#include "lowwatt/dist.h"
#include "lowwatt/version.h"

static const cli_verb SUBCOMMANDS[] = {
	{"corpus", cmd_corpus, "prepare a corpus as plain text (brown)"},
	{"tokenizer", cmd_tokenizer, "train, inspect or benchmark a BPE tokenizer"},
	{"tokenize", cmd_tokenize, "encode standard input to token ids, or --decode them"},
	{"prepare", cmd_prepare, "tokenize a corpus file into a token shard (.lwtk)"},
	{"shard", cmd_shard, "inspect token shards"},
	{"train", cmd_train, "train a masked (mlm) or causal (clm) language model"},
	{"eval", cmd_eval, "evaluate a checkpoint on held-out data"},
	{"fill-mask", cmd_fill_mask, "fill the [MASK]s of a sentence with a masked LM"},
	{"generate", cmd_generate, "continue a prompt with a causal LM"},
	{"measure", cmd_measure, "run a command and report the energy and CO2e it used"},
	{"footprint", cmd_footprint, "the energy and CO2e of runs of a given power and length"},
	{"report", cmd_report, "write the HTML report of a run, or compare several runs"},
	{"search", cmd_search, "search a space of settings, spending energy where it matters"},
};

static void print_help(void)
{
	printf("lowwatt %s — train transformer language models and know what they cost\n\n",
	       LW_VERSION);
	printf("usage: lowwatt COMMAND [FLAGS]   (lowwatt COMMAND --help for its flags)\n\n");
	for (size_t i = 0; i < sizeof SUBCOMMANDS / sizeof *SUBCOMMANDS; i++)
		printf("  %-10s %s\n", SUBCOMMANDS[i].name, SUBCOMMANDS[i].summary);
	printf("\n  --version  print the version and build\n");
}

int cli_fail(const char *cmd, const lw_err *err)
{
	fprintf(stderr, "lowwatt %s: %s\n", cmd, err->msg);
	return 1;
}

const char *cli_count(char *buf, size_t size, unsigned long long n)
{
	char digits[32];
	int len = snprintf(digits, sizeof digits, "%llu", n);
	size_t o = 0;
	for (int i = 0; i < len && o + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = 0;
	return buf;
}

/* Under mpirun or srun, only train and search know what each rank does;
 * any other command would run K times over the same files. */
static int refuse_ranks(const char *name)
{
	int n = lw_dist_launched_size();
	if (n == 1 || strcmp(name, "train") == 0 || strcmp(name, "search") == 0)
		return 0;
	if (lw_dist_launched_rank() == 0)  /* once for the job */
		fprintf(stderr, "lowwatt %s: started as one of %d ranks; only train and search run "
			"under mpirun or srun (run %s as one process)\n", name, n, name);
	return 1;
}

int main(int argc, char **argv)
{
	/* Before anything else: this may start the program again (blas_core.h). */
	int rc = blas_core_select(argc, argv);
	if (rc)
		return rc;
	if (argc < 2) {
		/* A usage error: one line on stderr, like every other. */
		fprintf(stderr, "lowwatt: expected a command (see lowwatt --help)\n");
		return CLI_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
		print_help();
		return 0;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		char blas[256];
		blas_core_describe(blas, sizeof blas);
		printf("lowwatt %s (%s)\nblas: %s\nmpi: %s\n", LW_VERSION, LW_BUILD_INFO, blas,
		       lw_dist_mpi_version());
		return 0;
	}
	for (size_t i = 0; i < sizeof SUBCOMMANDS / sizeof *SUBCOMMANDS; i++)
		if (strcmp(name, SUBCOMMANDS[i].name) == 0)
			return refuse_ranks(name) ? CLI_USAGE : SUBCOMMANDS[i].run(argc - 2, argv + 2);
	fprintf(stderr, "lowwatt: unknown command '%s' (see lowwatt --help)\n", name);
	return CLI_USAGE;
}
