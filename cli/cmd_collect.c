/* SPDX-License-Identifier: MIT */
/*
 * cmd_collect.c - `mmreplay collect DIR... -o OUT`: the results of one
 * plan, run in parts on several machines, merged into one directory
 * (plan/collect.c) and its reports built there (plan/report.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "mmr_plan.h"

/* Longer paths could not name the files under them (cells/CELL/ENGINE/results.json). */
#define MAX_DIR 3000

static const char collect_help[] =
	"usage: mmreplay collect DIR... -o OUT [-q]\n"
	"\n"
	"Merge the results directories DIR... of one plan (each one `mmreplay run`\n"
	"made, here or on other machines: DIR/plan.json, traces/, cells/, logs/)\n"
	"into OUT, then build the plan's reports there: a comparison per cell, a\n"
	"sweep across thread counts, and OUT/index.html listing every cell, those\n"
	"with jobs missing as missing.  Nothing is written when the DIRs hold\n"
	"different plans or results of different mmreplay versions.  A job found\n"
	"in two places is taken from the first (OUT, then the DIRs in order).\n"
	"\n"
	"  -o, --output OUT  the merged directory: created, or empty, or holding\n"
	"                    results of the same plan (kept); it may be one of the\n"
	"                    DIRs, which the others are then merged into\n"
	"  -q, --quiet       print nothing but warnings and errors\n"
	"  -h, --help        show this help\n";

/* What was collected, from where, from which machines. */
static void summary(const struct mmr_plan_collected *c, const char *out)
{
	printf("plan %s: %zu of %zu jobs collected into %s%s%s\n", c->plan->name, c->done, c->jobs.n, out,
	       c->tool[0] ? ", made by " : "", c->tool);
	for (size_t s = 0; s < c->nsrc; s++) {
		const struct mmr_plan_collect_src *x = &c->src[s];
		printf("  %s: %zu job%s%s", x->dir, x->taken, x->taken == 1 ? "" : "s", x->out ? " kept" : "");
		if (x->dups)
			printf(", %zu already collected (%zu differing: the first kept)", x->dups, x->differ);
		putchar('\n');
	}
	if (c->missing)
		printf("missing: %zu job%s (the index lists their cells)\n", c->missing, c->missing == 1 ? "" : "s");
	else
		printf("missing: none\n");
	for (size_t h = 0; h < c->nhosts; h++)
		printf("host %s%s%s%s: %zu job%s\n", c->hosts[h].name[0] ? c->hosts[h].name : "(unnamed)",
		       c->hosts[h].cpu_model[0] ? " (" : "", c->hosts[h].cpu_model, c->hosts[h].cpu_model[0] ? ")" : "",
		       c->hosts[h].jobs, c->hosts[h].jobs == 1 ? "" : "s");
}

/* Each DIR must be a directory with a readable plan.json.  Returns 0 or an exit code. */
static int check_dirs(char **dirs, int n, const char *out)
{
	char plan[MAX_DIR + 16];
	struct stat st;
	if (strlen(out) > MAX_DIR)
		return cli_usage("collect", "-o: a path of more than %d bytes", MAX_DIR);
	for (int i = 0; i < n; i++) {
		if (strlen(dirs[i]) > MAX_DIR)
			return cli_usage("collect", "'%.60s...': a path of more than %d bytes", dirs[i], MAX_DIR);
		if (stat(dirs[i], &st) == 0 && !S_ISDIR(st.st_mode))
			return cli_usage("collect", "'%s' is not a directory", dirs[i]);
		snprintf(plan, sizeof(plan), "%s/plan.json", dirs[i]);
		int rc = cli_check_input("collect", plan);
		if (rc)
			return rc;
	}
	return 0;
}

static int collect_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool first = true, quiet = false;
	const char *out = NULL;
	int c;
	while ((c = cli_getopt("collect", argc, argv, "o:qh", longopts, &first)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'q': quiet = true; break;
		case 'h': return cli_print_help(&cli_cmd_collect);
		default: return CLI_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage("collect", "no results directory given");
	if (!out)
		return cli_usage("collect", "no output directory given (-o OUT)");
	int rc = check_dirs(argv + optind, argc - optind, out);
	if (rc)
		return rc;
	struct mmr_error err = {{0}};
	struct mmr_plan_collected col;
	if (mmr_plan_collect((const char *const *)argv + optind, (size_t)(argc - optind), out, NULL, &col, &err))
		return cli_fail("collect", "%s", err.msg);
	if (!quiet)
		summary(&col, out);
	struct mmr_plan_summary sum;
	rc = mmr_plan_report(col.plan, &col.jobs, out, NULL, &sum, &err) ? cli_fail("collect", "%s", err.msg) : CLI_OK;
	if (!quiet && !rc)
		cli_print_summary(out, &sum);
	mmr_plan_collected_free(&col);
	return rc;
}

const struct cli_cmd cli_cmd_collect = {
	.name = "collect",
	.summary = "merge a plan's results from several directories and build its reports",
	.help = collect_help,
	.run = collect_run,
};
