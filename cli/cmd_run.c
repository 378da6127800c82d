/* SPDX-License-Identifier: MIT */
/*
 * cmd_run.c - `mmreplay run PLAN [-o DIR] [-j N] [--emit parallel|slurm]`:
 * a plan's jobs run on this machine, resumably, or written out for GNU
 * parallel or Slurm.  Thin: the plan library (plan/mmr_plan.h) prepares
 * DIR, runs the jobs and writes the files.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "mmr_plan.h"
#include "mmr_replay.h"

static const char run_help[] =
	"usage: mmreplay run PLAN [-o DIR] [-j N] [--emit parallel|slurm] [-q]\n"
	"\n"
	"Run the jobs of experiment plan PLAN (docs/plans.md) into the results\n"
	"directory DIR: first DIR is made self-contained (DIR/plan.json, the plan's\n"
	"traces in DIR/traces, generated ones made once), then each job not done yet\n"
	"runs as 'mmreplay replay' into DIR/cells/CELL/ENGINE, its output in\n"
	"DIR/logs/JOB.log.  A job that fails is reported and the others go on.  A run\n"
	"stopped (^C, SIGTERM) leaves no half results: run it again to resume.\n"
	"\n"
	"  -o, --output DIR   the results directory (default: the plan's name); one\n"
	"                     holding another plan's results is refused\n"
	"  -j, --jobs N       jobs at a time (default 1: replays measure the machine,\n"
	"                     jobs side by side disturb each other's timings)\n"
	"  -e, --emit KIND    run nothing: write DIR/jobs.tsv, the jobs not done, and\n"
	"                     for KIND parallel DIR/run-parallel.sh (GNU parallel, on\n"
	"                     this machine or over ssh), for KIND slurm DIR/slurm.sbatch\n"
	"                     (a Slurm array job reading its own copy of the list,\n"
	"                     DIR/slurm-jobs-HASH.tsv)\n"
	"  -q, --quiet        no progress and no summary, only failures\n"
	"  -h, --help         show this help\n"
	"\n"
	"Exit status: 0 when every job is done, 1 when one failed or DIR could not be\n"
	"prepared, 2 for a wrong command line, 128+N when stopped by signal N.\n";

/* The name of a signal that stops a run. */
static const char *sig_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGHUP ? "SIGHUP" : "SIGTERM";
}

/* The plan's jobs run here, then its reports: progress, summary, exit status. */
static int run_local(const char *cmd, const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const char *dir,
		     struct cli_plan_exec *x)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (x->jobs > 1 && cpus > 0 && x->jobs > cpus / 2)
		cli_warn(cmd, "-j %u on %ld online CPUs: replays measure the machine, and jobs run side by side "
			      "disturb each other's timings", x->jobs, cpus);
	struct mmr_plan_run_opts o = {.exe = "/proc/self/exe", .jobs = x->jobs ? x->jobs : 1, .quiet = x->quiet,
				      .tty = !x->quiet && isatty(STDERR_FILENO), .extra = x->extra,
				      .name = cmd};
	struct mmr_plan_run_stats s;
	struct mmr_error err = {{0}};
	if (mmr_plan_run(p, jobs, dir, &o, &s, &err))
		return cli_fail(cmd, "%s", err.msg);
	size_t done = s.skipped + s.done;
	if (s.signal)
		return cli_fail(cmd, "stopped by %s: %zu of %zu jobs done in %s; run the same command again to resume",
				sig_name(s.signal), done, jobs->n, dir),
		       128 + s.signal;
	if (!x->quiet && !x->no_summary)
		printf("%s: plan %s: %zu of %zu jobs done (%zu now, %zu before), %zu failed; results in %s/cells\n", cmd,
		       p->name, done, jobs->n, s.done, s.skipped, s.failed, dir);
	/* Built even when a job failed: the index names the cells it left without a comparison. */
	int rc = CLI_OK;
	if (mmr_plan_report(p, jobs, dir, x->report, x->summary, &err))
		rc = cli_fail(cmd, "%s", err.msg);
	else
		x->reported = true;
	if (s.failed)
		rc = cli_fail(cmd, "%zu job%s failed (named above, with their logs); run the same command again to retry",
			      s.failed, s.failed == 1 ? "" : "s");
	return rc;
}

/*
 * Whether every engine P names is one this mmreplay loads: a misspelt
 * engine is one line before anything is made, not a failed job per cell
 * (emitted jobs run the same version elsewhere, so the same check holds).
 * Returns 0, or an exit code after the message.
 */
static int check_engines(const char *cmd, const struct mmr_plan *p, const char *engine_path)
{
	char *path = cli_engine_path(engine_path);
	struct mmr_engine_catalog *cat = path ? mmr_engines_load(path, NULL) : NULL;
	int rc = cat ? 0 : cli_fail(cmd, "out of memory");
	for (size_t g = 0; !rc && g < p->ngroups; g++)
		for (size_t e = 0; !rc && e < p->groups[g].nengines; e++)
			if (!mmr_engines_find(cat, p->groups[g].engines[e]))
				rc = cli_fail(cmd, "%s: engine '%s'%s%s%s is not one this mmreplay has (mmreplay list engines)",
					      p->path, p->groups[g].engines[e], p->ngroups > 1 ? " (group " : "",
					      p->ngroups > 1 ? p->groups[g].name : "", p->ngroups > 1 ? ")" : "");
	mmr_engines_free(cat);
	free(path);
	return rc;
}

void cli_print_summary(const char *dir, const struct mmr_plan_summary *sum)
{
	printf("report: %s/index.html (and index.md)\n", dir);
	for (size_t i = 0; i < sum->ntop; i++)
		printf("  %s\n", sum->top[i]);
}

/* A warning for each thread count of P above the online CPUs: those replays oversubscribe them. */
static void warn_oversubscribed(const char *cmd, const struct mmr_plan *p)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	for (size_t g = 0; online > 0 && g < p->ngroups; g++)
		for (size_t t = 0; t < p->groups[g].nthreads; t++) {
			unsigned n = p->groups[g].threads[t];
			bool said = false;
			for (size_t h = 0; h < g && !said; h++)
				for (size_t k = 0; k < p->groups[h].nthreads; k++)
					said |= p->groups[h].threads[k] == n;
			if (n > (unsigned long)online && !said)
				cli_warn(cmd, "%u threads on %ld online CPUs oversubscribe: latencies and lock contention "
					      "are inflated, and they run under the default policy, not pinned SCHED_FIFO "
					      "as fewer may (replay --sched)", n, online);
		}
}

int cli_plan_execute(const char *cmd, const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const char *dir,
		     struct cli_plan_exec *x)
{
	x->reported = false;
	struct mmr_error err = {{0}};
	int rc = check_engines(cmd, p, x->engine_path);
	int prc = rc ? 0 : mmr_plan_prepare(p, jobs, dir, "/proc/self/exe", &err);
	if (rc)
		return rc;
	if (prc > 0)
		return cli_fail(cmd, "stopped by %s while making the traces; run the same command again to resume",
				sig_name(prc)), 128 + prc;
	if (prc < 0)
		return cli_fail(cmd, "%s", err.msg);
	if (!x->prepare_only)
		warn_oversubscribed(cmd, p);
	return x->prepare_only ? CLI_OK : run_local(cmd, p, jobs, dir, x);
}

/* --emit: the files, and how to run them. */
static int emit(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const char *dir,
		enum mmr_plan_emit_kind kind, bool quiet)
{
	struct mmr_error err = {{0}};
	size_t n = 0;
	if (mmr_plan_emit(p, jobs, dir, kind, &n, &err))
		return cli_fail("run", "%s", err.msg);
	if (quiet)
		return CLI_OK;
	if (!n)
		printf("run: all %zu jobs of plan %s are done in %s: nothing to emit\n", jobs->n, p->name, dir);
	else if (kind == MMR_PLAN_EMIT_PARALLEL)
		printf("run: wrote %s/jobs.tsv (%zu of %zu jobs) and %s/run-parallel.sh: run it, with GNU parallel's options "
		       "(--sshloginfile HOSTS to spread it over hosts)\n", dir, n, jobs->n, dir);
	else
		printf("run: wrote %s/jobs.tsv (%zu of %zu jobs) and %s/slurm.sbatch: submit it with sbatch %s/slurm.sbatch\n",
		       dir, n, jobs->n, dir, dir);
	return CLI_OK;
}

static int run_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'}, {"jobs", required_argument, NULL, 'j'},
		{"emit", required_argument, NULL, 'e'},   {"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	bool first = true, quiet = false;
	const char *dir = NULL, *kind = NULL;
	uint64_t n = 1;
	int c, rc;
	while ((c = cli_getopt("run", argc, argv, "o:j:e:qh", longopts, &first)) != -1) {
		switch (c) {
		case 'o': dir = optarg; break;
		case 'j':
			if ((rc = cli_parse_range("run", "-j", optarg, 1, 1024, &n)))
				return rc;
			break;
		case 'e': kind = optarg; break;
		case 'q': quiet = true; break;
		case 'h': return cli_print_help(&cli_cmd_run);
		default: return CLI_USAGE;
		}
	}
	if (kind && strcmp(kind, "parallel") && strcmp(kind, "slurm"))
		return cli_usage("run", "unknown --emit '%s': parallel or slurm", kind);
	if (kind && n != 1)
		cli_warn("run", "-j %llu is for jobs run here: --emit runs none (give parallel or sbatch theirs)",
			 (unsigned long long)n);
	if (argc - optind != 1)
		return cli_usage("run", optind >= argc ? "no plan given" : "one plan at a time: unexpected '%s'",
				 optind < argc ? argv[optind + 1] : "");
	if ((rc = cli_check_input("run", argv[optind])))
		return rc;
	struct mmr_error err = {{0}};
	struct mmr_plan *p = mmr_plan_read(argv[optind], &err);
	struct mmr_plan_jobs jobs = {0};
	if (!p || mmr_plan_expand(p, cli_traces_dir(), &jobs, &err)) {
		mmr_plan_free(p);
		return cli_fail("run", "%s", err.msg);
	}
	if (!dir)
		dir = p->name;
	struct mmr_plan_summary sum;
	struct cli_plan_exec x = {.jobs = (unsigned)n, .quiet = quiet, .prepare_only = kind != NULL, .summary = &sum};
	rc = cli_plan_execute("run", p, &jobs, dir, &x);
	if (!rc && kind)
		rc = emit(p, &jobs, dir, !strcmp(kind, "slurm") ? MMR_PLAN_EMIT_SLURM : MMR_PLAN_EMIT_PARALLEL, quiet);
	if (x.reported && !quiet)
		cli_print_summary(dir, &sum);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
	return rc;
}

const struct cli_cmd cli_cmd_run = {
	.name = "run",
	.summary = "run an experiment plan's jobs, or write them for GNU parallel or Slurm",
	.help = run_help,
	.run = run_run,
};
