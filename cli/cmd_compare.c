/* SPDX-License-Identifier: MIT */
/*
 * cmd_compare.c - `mmreplay compare RESULTS_DIR... -o REPORT_DIR`: the
 * comparison report of several engines' replays of one trace (the work
 * is plots/compare.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "mmr_report.h"
#include "robust.h"

static const char compare_help[] =
	"usage: mmreplay compare RESULTS_DIR... -o REPORT_DIR [--baseline ENGINE] [--aa] [--no-plots]\n"
	"                        [--robust [--robust-steps N] [--robust-repeat N] [--robust-measured]]\n"
	"\n"
	"Compare engines that replayed the same trace: per op, p50, p90, p99,\n"
	"p99.9, max and calls/s of every engine with the change against the\n"
	"baseline, whether each change is significant (from the runs of\n"
	"`replay --repeat N`), lock contention side by side, throughput and\n"
	"memory, the work each engine did (its outcomes: failed calls, fallbacks,\n"
	"pages freed...), overlaid plots, and one verdict line per engine,\n"
	"which gives every speed change with the outcome changes beside it.\n"
	"Writes\n"
	"REPORT_DIR/report.md and a self-contained REPORT_DIR/report.html.\n"
	"Each RESULTS_DIR is one engine's results or the -o directory of a\n"
	"replay; results of different traces are refused.\n"
	"\n"
	"  -o, --output DIR       the report directory (required; created)\n"
	"  -b, --baseline ENGINE  the engine the others are compared with\n"
	"                         (default: the engine marked as its family's\n"
	"                         baseline, else the first found)\n"
	"      --aa               A/A test: the baseline's runs split in two and\n"
	"                         tested against each other, to measure how often\n"
	"                         noise looks significant here (4 or more runs)\n"
	"      --no-plots         tables and verdicts only (no gnuplot needed)\n"
	"      --robust           replay every engine again with each cost option\n"
	"                         at the ends of its range (one option at a time)\n"
	"                         and label each verdict robust, or depending on\n"
	"                         the option and where it stops holding (run from\n"
	"                         where the replays ran: it reads their trace)\n"
	"      --robust-steps N   points per option, its ends included (2..9, default 2)\n"
	"      --robust-repeat N  runs per re-run, at most the original's (default 3)\n"
	"      --robust-measured  vary only the costs calibrate measures, not the\n"
	"                         assumptions (cadences, delays): much quicker\n"
	"  -q, --quiet            do not print the verdict lines\n"
	"  -h, --help             show this help\n";

static int compare_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"baseline", required_argument, NULL, 'b'},
		{"no-plots", no_argument, NULL, 'P'},
		{"aa", no_argument, NULL, 'A'},
		{"robust", no_argument, NULL, 'R'},
		{"robust-steps", required_argument, NULL, 'S'},
		{"robust-repeat", required_argument, NULL, 'N'},
		{"robust-measured", no_argument, NULL, 'M'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool first = true, quiet = false, robust = false;
	struct mmr_compare_opts o = {.plots = true};
	struct robust rb = {.steps = 2, .repeat = 3};
	uint64_t v;
	int c;
	while ((c = cli_getopt("compare", argc, argv, "o:b:qh", longopts, &first)) != -1) {
		switch (c) {
		case 'o': o.outdir = optarg; break;
		case 'b': o.baseline = optarg; break;
		case 'P': o.plots = false; break;
		case 'A': o.aa = true; break;
		case 'R': robust = true; break;
		case 'M': rb.measured_only = true; break;
		case 'S':
			if (cli_parse_range("compare", "--robust-steps", optarg, 2, 9, &v))
				return CLI_USAGE;
			rb.steps = (unsigned)v;
			break;
		case 'N':
			if (cli_parse_range("compare", "--robust-repeat", optarg, 1, 100, &v))
				return CLI_USAGE;
			rb.repeat = (unsigned)v;
			break;
		case 'q': quiet = true; break;
		case 'h': return cli_print_help(&cli_cmd_compare);
		default: return CLI_USAGE;
		}
	}
	if (!o.outdir)
		return cli_usage("compare", "no report directory given (-o REPORT_DIR)");
	if (optind >= argc)
		return cli_usage("compare", "no results directories given");
	for (int i = optind; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0 || !S_ISDIR(st.st_mode))
			return cli_usage("compare", "'%s' is not a directory", argv[i]);
	}
	o.dirs = (const char *const *)&argv[optind];
	o.ndirs = (size_t)(argc - optind);
	struct mmr_compare_result res;
	struct mmr_error err;
	rb.quiet = quiet;
	if (robust) {
		int rc = cli_robust_load(&rb, &o);
		rc = rc ? rc : cli_robust_run(&rb);
		if (rc) {
			cli_robust_free(&rb);
			return rc;
		}
		o.robust = &rb.robust;
	}
	int failed = mmr_compare(&o, &res, &err);
	cli_robust_free(&rb);
	if (failed)
		return cli_fail("compare", "%s", err.msg);
	if (!quiet)
		for (size_t i = 0; i < res.nverdicts; i++)
			printf("%s\n", res.verdicts[i].text);
	printf("report of %u engines on %s: %s/report.html (and report.md)\n", res.engines, res.trace, o.outdir);
	mmr_compare_result_free(&res);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_compare = {
	.name = "compare",
	.summary = "compare engines' results of one trace: tables, significance, plots, verdicts",
	.help = compare_help,
	.run = compare_run,
};
