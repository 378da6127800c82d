/* SPDX-License-Identifier: MIT */
/*
 * cmd_plot.c - `mmreplay plot RESULTS_DIR`: a replay's results.json drawn
 * by gnuplot, through the report library (plots/), which derives the
 * tables gnuplot reads from it beside the plots.  The plots themselves
 * are gnuplot scripts in plots/, one per kind, readable and changeable
 * without a rebuild.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "mmr_fs.h"
#include "mmr_report.h"

static const char plot_help[] =
	"usage: mmreplay plot RESULTS_DIR [-o DIR] [--format png|svg|both]\n"
	"\n"
	"Draw the results of `mmreplay replay` with gnuplot: per op, the latency\n"
	"histogram, the percentile spectrum (to p99.99) and the CDF; per engine,\n"
	"lock contention, the timeline and the footprint.  RESULTS_DIR is one engine's results (it holds\n"
	"results.json) or the -o directory of a replay (one such directory per\n"
	"engine).  Plots go beside the data, or into DIR/ENGINE with -o, each with\n"
	"the table gnuplot drew it from (hist_OP.dat, ...), derived from results.json.\n"
	"\n"
	"  -o, --output DIR       write the plots under DIR (created, with its parents)\n"
	"  -f, --format FORMAT    png (default), svg or both\n"
	"  -h, --help             show this help\n"
	"\n"
	"Needs gnuplot (Debian: gnuplot-nox); MMREPLAY_GNUPLOT names another\n"
	"binary, MMREPLAY_PLOTS_DIR another directory of plot scripts.\n";

static int plot_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool first = true;
	const char *outdir = NULL, *format = "png";
	int c;
	while ((c = cli_getopt("plot", argc, argv, "o:f:h", longopts, &first)) != -1) {
		switch (c) {
		case 'o': outdir = optarg; break;
		case 'f': format = optarg; break;
		case 'h': return cli_print_help(&cli_cmd_plot);
		default: return CLI_USAGE;
		}
	}
	struct mmr_gnuplot g = {.png = !strcmp(format, "png") || !strcmp(format, "both"),
				.svg = !strcmp(format, "svg") || !strcmp(format, "both")};
	if (!g.png && !g.svg)
		return cli_usage("plot", "bad format '%s': png, svg or both", format);
	if (optind >= argc)
		return cli_usage("plot", "no results directory given");
	if (argc - optind > 1)
		return cli_usage("plot", "one results directory at a time: unexpected '%s'", argv[optind + 1]);
	const char *dir = argv[optind];
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return cli_usage("plot", "'%s' is not a directory", dir);
	struct mmr_error err;
	if (mmr_gnuplot_init(&g, &err))
		return cli_fail("plot", "%s", err.msg);
	size_t n;
	char **dirs = mmr_results_dirs(dir, &n);
	int rc = n ? 0 : cli_fail("plot", "%s: no results.json in it or in its subdirectories", dir);
	/* An output directory is created with its parents, as replay, compare, sweep and demo create theirs. */
	if (outdir && !rc && mmr_mkdir_p(outdir))
		rc = cli_fail("plot", "%s: cannot create: %s", outdir, strerror(errno));
	for (size_t i = 0; i < n && !rc; i++) {
		char out[PATH_MAX];
		const char *base = strrchr(dirs[i], '/');
		int len = snprintf(out, sizeof(out), "%s/%s", outdir ? outdir : dirs[i],
				   outdir ? (base ? base + 1 : dirs[i]) : ".");
		if (len < 0 || (size_t)len >= sizeof(out))
			rc = cli_fail("plot", "%s: path too long", outdir ? outdir : dirs[i]);
		else if (mmr_plot_results(&g, dirs[i], out, stderr, &err))
			rc = cli_fail("plot", "%s", err.msg);
	}
	mmr_results_dirs_free(dirs, n);
	if (!rc)
		printf("%u plots of %zu engine%s written\n", g.made, n, n == 1 ? "" : "s");
	return rc;
}

const struct cli_cmd cli_cmd_plot = {
	.name = "plot",
	.summary = "draw a replay's results with gnuplot",
	.help = plot_help,
	.run = plot_run,
};
