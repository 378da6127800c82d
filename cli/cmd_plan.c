/* SPDX-License-Identifier: MIT */
/*
 * cmd_plan.c - `mmreplay plan show PLAN`: a plan read, checked and
 * expanded (plan/, docs/plans.md), its traces and jobs listed with their
 * ids, or as the command lines that make and run them.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "mmr_plan.h"

static const char plan_help[] =
	"usage: mmreplay plan show PLAN [-o DIR] [--commands]\n"
	"\n"
	"Read the experiment plan PLAN (docs/plans.md), check it, and list its\n"
	"traces and jobs: one replay of one engine per cell (a trace, a kernel\n"
	"mode, a point of the engine-option grid, a thread count), each with an id\n"
	"made from everything its results depend on.\n"
	"\n"
	"  -o, --output DIR  the plan's results directory: each job's status there\n"
	"                    (done: DIR/cells/CELL/ENGINE holds its results), and\n"
	"                    the paths --commands writes into (default: the\n"
	"                    plan's name)\n"
	"  -c, --commands    print the commands that generate the traces and run the\n"
	"                    jobs, one per line, instead of the tables\n"
	"  -h, --help        show this help\n";

/* The options of job J at its grid point, "k=v,k=v", into BUF. */
static const char *job_opts(const struct mmr_plan *p, const struct mmr_plan_job *j, char *buf, size_t len)
{
	const struct mmr_plan_group *g = mmr_plan_job_group(p, j);
	size_t at = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < g->nopts && at < len; i++) {
		int n = snprintf(buf + at, len - at, "%s%s=%s", at ? "," : "", g->opts[i].key,
				 mmr_plan_group_opt_value(g, i, j->point));
		at += n > 0 ? (size_t)n : 0;
	}
	return buf[0] ? buf : "-";
}

static void show_tables(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const char *dir, bool status)
{
	size_t done = 0;
	const struct mmr_plan_group *g = p->groups;
	if (p->ngroups == 1) {
		printf("plan %s: %zu job%s in %zu cell%s; baseline %s; %u run%s a job\n", p->name, jobs->n,
		       jobs->n == 1 ? "" : "s", jobs->cells, jobs->cells == 1 ? "" : "s", g->baseline, g->repeat,
		       g->repeat == 1 ? "" : "s");
	} else {
		/* Each group has its engines and baseline: one line each. */
		printf("plan %s: %zu job%s in %zu cell%s in %zu groups\n", p->name, jobs->n, jobs->n == 1 ? "" : "s",
		       jobs->cells, jobs->cells == 1 ? "" : "s", p->ngroups);
		for (size_t i = 0; i < p->ngroups; i++)
			printf("  group %s: %zu engine%s, baseline %s; %u run%s a job\n", g[i].name, g[i].nengines,
			       g[i].nengines == 1 ? "" : "s", g[i].baseline, g[i].repeat, g[i].repeat == 1 ? "" : "s");
	}
	printf("\n%-16s %-16s %s\n", "TRACE", "ID", "SOURCE");
	for (size_t t = 0; t < p->ntraces; t++) {
		const struct mmr_plan_trace *tr = &p->traces[t];
		if (tr->source == MMR_PLAN_FILE)
			printf("%-16s %-16s %s\n", tr->name, jobs->trace_ids[t], jobs->trace_paths[t]);
		else
			printf("%-16s %-16s generate %s (%llu ops, seed %llu, %llu cpus)\n", tr->name, jobs->trace_ids[t],
			       tr->workload, (unsigned long long)tr->ops, (unsigned long long)tr->seed,
			       (unsigned long long)tr->cpus);
	}
	printf("\n%-16s %5s %-16s %-24s %7s %-7s %-20s%s\n", "JOB", "CELL", "TRACE", "ENGINE", "THREADS", "KERNEL",
	       "OPTIONS", status ? " STATUS" : "");
	for (size_t i = 0; i < jobs->n; i++) {
		const struct mmr_plan_job *j = &jobs->v[i];
		char opts[512];
		bool d = status && mmr_plan_job_done(p, j, dir);
		done += d;
		printf("%-16s %5zu %-16s %-24s %7u %-7s %-20s%s\n", j->id, j->cell, p->traces[j->trace].name,
		       mmr_plan_job_engine(p, j), j->threads, j->kernel, job_opts(p, j, opts, sizeof(opts)),
		       !status ? "" : d ? " done" : " pending");
	}
	if (status)
		printf("\n%zu of %zu jobs done in %s\n", done, jobs->n, dir);
}

static int show_commands(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const char *dir)
{
	char line[16384];
	bool gen = false;
	for (size_t t = 0; t < p->ntraces; t++)
		gen |= p->traces[t].source == MMR_PLAN_GENERATE;
	/* generate writes only into a folder that exists (a typo caught before the work): make it first. */
	if (gen && mmr_plan_mkdir_command(dir, "traces", line, sizeof(line)) == 0)
		puts(line);
	for (size_t t = 0; t < p->ntraces; t++)
		if (p->traces[t].source == MMR_PLAN_GENERATE) {
			if (mmr_plan_generate_command(p, jobs, t, dir, line, sizeof(line)))
				return cli_fail("plan", "%s: traces[%zu]: its command is too long", p->path, t);
			puts(line);
		}
	for (size_t i = 0; i < jobs->n; i++) {
		if (mmr_plan_job_command(p, jobs, &jobs->v[i], dir, line, sizeof(line)))
			return cli_fail("plan", "%s: job %s: its command is too long", p->path, jobs->v[i].id);
		puts(line);
	}
	return 0;
}

static int plan_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"commands", no_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool first = true, commands = false;
	const char *dir = NULL;
	int c;
	while ((c = cli_getopt("plan", argc, argv, "o:ch", longopts, &first)) != -1) {
		switch (c) {
		case 'o': dir = optarg; break;
		case 'c': commands = true; break;
		case 'h': return cli_print_help(&cli_cmd_plan);
		default: return CLI_USAGE;
		}
	}
	if (optind >= argc || strcmp(argv[optind], "show"))
		return cli_usage("plan", optind >= argc ? "no action given: show" : "unknown action '%s': show",
				 optind < argc ? argv[optind] : "");
	if (argc - optind != 2)
		return cli_usage("plan", argc - optind < 2 ? "no plan given" : "one plan at a time: unexpected '%s'",
				 argc - optind > 2 ? argv[optind + 2] : "");
	int rc = cli_check_input("plan", argv[optind + 1]);
	if (rc)
		return rc;
	struct mmr_error err = {{0}};
	struct mmr_plan *p = mmr_plan_read(argv[optind + 1], &err);
	struct mmr_plan_jobs jobs = {0};
	if (!p || mmr_plan_expand(p, cli_traces_dir(), &jobs, &err)) {
		mmr_plan_free(p);
		return cli_fail("plan", "%s", err.msg);
	}
	if (commands)
		rc = show_commands(p, &jobs, dir ? dir : p->name);
	else
		show_tables(p, &jobs, dir, dir != NULL);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
	return rc;
}

const struct cli_cmd cli_cmd_plan = {
	.name = "plan",
	.summary = "check an experiment plan and list its jobs",
	.help = plan_help,
	.run = plan_run,
};
