/* SPDX-License-Identifier: MIT */
/*
 * cmd_demo.c - `mmreplay demo`: the whole pipeline on this machine in a
 * few minutes.  The experiment is a plan (plan/demo.c makes it from the
 * family catalog; plan/plans/demo.json is the same plan, checked in), run
 * as `mmreplay run` runs one; this file only does what is not a replay:
 * a short live capture when the permissions are there, the models checked
 * against it (validate), and the demo's index, with the seed threads'
 * claims judged (plan/demo_claims.c) and, with --robust, each verdict's
 * robustness to the measured costs.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mmr_calibrate.h"
#include "mmr_demo.h"
#include "mmr_fs.h"
#include "mmr_report.h"
#include "mmr_trace.h"
#include "robust.h"

static const char demo_help[] =
	"usage: mmreplay demo [-o DIR] [--no-capture] [--repeat N] [--robust] [--print-plan]\n"
	"\n"
	"Run the pipeline end to end and write DIR/index.html: a short live capture\n"
	"of this machine's allocation tracepoints (as root; otherwise, or with\n"
	"--no-capture, a bundled real trace), then the demo's plan (docs/plans.md):\n"
	"for each seed family (CMA, vmalloc, kvfree_rcu, zsmalloc, dma-buf) its\n"
	"variants replayed on the family's generated workload and on the real trace,\n"
	"compared in one report each, the seed threads' claims judged, and the models\n"
	"checked against the capture's lock contention.  Ends by printing where the\n"
	"index is and its three most important verdicts.  Takes a few minutes on two\n"
	"CPUs.  DIR is the plan's results directory: run again, the demo resumes (the\n"
	"capture is taken once, DIR/capture/live.mmr).\n"
	"\n"
	"  -o, --output DIR     where everything goes (default mmreplay-demo)\n"
	"      --no-capture     use the bundled real trace even as root\n"
	"  -r, --repeat N       runs per replay (default 5: enough for significance)\n"
	"      --robust         also label each verdict robust or not against the costs\n"
	"                       calibrate measures (compare --robust --robust-measured,\n"
	"                       2 runs a re-run): a few minutes more\n"
	"      --print-plan     print the demo's plan (with the bundled real trace) and\n"
	"                       stop: 'mmreplay run' runs it, or emits it for Slurm\n"
	"  -h, --help           show this help\n"
	"\n"
	"MMREPLAY_TRACES_DIR names another directory of bundled traces, MMREPLAY_FAMILIES\n"
	"another family catalog (docs/families.md).\n";

#define LIVE_MIN_EVENTS 5000 /* fewer captured than this: the bundled trace instead */

struct demo {
	const char *out;
	unsigned repeat;
	bool capture, robust;
	struct timespec t0;
	struct mmr_catalog cat;
	struct mmr_plan *plan;
	struct mmr_plan_jobs jobs;
	char real[PATH_MAX];       /* the live capture's absolute path, or the bundled trace's name */
	char real_what[600];       /* how it was got, for the index */
	bool live;
	struct robust **robust_runs; /* --robust: one per comparison, freed at the end */
	size_t nrobust;
	struct mmr_demo_claims claims;
	struct mmr_index_entry extra[2]; /* the claims, the models against the kernel */
	struct mmr_verdict *validate_lines;
	size_t nvalidate;
	char intro[3][1024];
	const char *intro_lines[3];
};

/* Events in the trace at PATH, 0 when it cannot be read. */
static uint64_t trace_events(const char *path)
{
	struct mmr_error err;
	struct mmr_reader *r = mmr_reader_open(path, &err);
	uint64_t n = r ? mmr_reader_event_count(r) : 0;
	if (r)
		mmr_reader_close(r);
	return n;
}

/* The bundled real trace as D's real trace, WHY saying why it is not a live one. */
static void use_bundled(struct demo *d, const char *why)
{
	snprintf(d->real, sizeof(d->real), "%s", MMR_DEMO_BUNDLED);
	snprintf(d->real_what, sizeof(d->real_what), "the bundled real trace %s (a capture of a file-system walk; %s)",
		 MMR_DEMO_BUNDLED, why);
	fprintf(stderr, "mmreplay demo: the real trace: %s\n", d->real_what);
}

/*
 * The real trace: DIR/capture/live.mmr, captured once (a run that resumes
 * takes it again, so that the plan is the same), two seconds of this
 * machine walking and reading some of /usr (root only); else the bundled one.
 */
static void real_trace(struct demo *d)
{
	char live[PATH_MAX], dir[PATH_MAX];
	struct stat st;
	snprintf(dir, sizeof(dir), "%.4000s/capture", d->out);
	snprintf(live, sizeof(live), "%.4000s/live.mmr", dir);
	if (!d->capture)
		return use_bundled(d, "--no-capture");
	bool again = stat(live, &st) == 0;
	if (!again && geteuid() != 0)
		return use_bundled(d, "the demo captures its own when run as root");
	/* DIR holds results already, made without a capture: a capture now would make another plan, which DIR refuses. */
	snprintf(dir, sizeof(dir), "%.4000s/plan.json", d->out);
	if (!again && stat(dir, &st) == 0)
		return use_bundled(d, "the results in this folder were made with it: resumed, not captured again");
	snprintf(dir, sizeof(dir), "%.4000s/capture", d->out);
	int rc = 0;
	if (!again) {
		/* lock: the kernel's own contention, which validate holds the models to; replays skip it. */
		char *argv[] = {"capture", "-o", live, "-e", "slab,page,lock", "-q", "--", "sh", "-c",
				"for i in 1 2 3; do find /usr/share -maxdepth 3 -type f 2>/dev/null | head -400 | "
				"xargs cat >/dev/null 2>&1; done; sleep 1", NULL};
		fprintf(stderr, "mmreplay demo: capturing this machine's allocations for a few seconds\n");
		rc = mmr_mkdir_p(dir) ? cli_fail("demo", "%s: cannot create: %s", dir, strerror(errno))
				      : cli_cmd_capture.run(sizeof(argv) / sizeof(argv[0]) - 1, argv);
	}
	uint64_t n = rc ? 0 : trace_events(live);
	if (n < LIVE_MIN_EVENTS || !realpath(live, d->real))
		return use_bundled(d, rc ? "the live capture failed: its message is above" : "the live capture had too few events");
	d->live = true;
	snprintf(d->real_what, sizeof(d->real_what), "a live capture of this machine (slab and page events and the "
		 "kernel's lock contention, %llu of them, while it read files under /usr/share)%s: capture/live.mmr",
		 (unsigned long long)n, again ? ", taken by an earlier run of the demo into this folder" : "");
	fprintf(stderr, "mmreplay demo: the real trace: %s\n", d->real_what);
}

/*
 * The models against this kernel: validate on the live capture, its lines
 * an entry of the index (weighing nothing: the first verdicts stay the
 * seed variants').  Only a live capture has the kernel's lock contention;
 * a validate that fails is said and left out.
 */
static void demo_validate(struct demo *d)
{
	char out[PATH_MAX];
	struct mmr_validate_engine *x = NULL;
	size_t n = 0;
	if (!d->live)
		return;
	snprintf(out, sizeof(out), "%.4000s/validate", d->out);
	struct mmr_profile prof;
	const struct mmr_profile *p = NULL;
	if (cli_load_profile("demo", NULL, false, true, &prof, &p))
		p = NULL;
	struct cli_validate_opts vo = {.trace = d->real, .out = out, .repeat = 1, .plots = true, .quiet = true, .prof = p};
	fprintf(stderr, "mmreplay demo: checking the models against this kernel's lock contention\n");
	if (cli_validate(&vo, &x, &n)) {
		fprintf(stderr, "mmreplay demo: validate failed (its message is above): the index leaves it out\n");
		return;
	}
	d->validate_lines = calloc(n ? n : 1, sizeof(*d->validate_lines));
	for (size_t i = 0; d->validate_lines && i < n; i++)
		mmr_validate_line(&x[i], d->validate_lines[i].text, sizeof(d->validate_lines[i].text));
	free(x);
	d->nvalidate = d->validate_lines ? n : 0;
}

/* --robust: each comparison's re-runs at its costs' ends, kept until the reports are written. */
static int before_compare(void *arg, struct mmr_compare_opts *o, struct mmr_error *err)
{
	struct demo *d = arg;
	struct robust **v = realloc(d->robust_runs, (d->nrobust + 1) * sizeof(*v));
	struct robust *rb = v ? calloc(1, sizeof(*rb)) : NULL;
	if (v)
		d->robust_runs = v;
	if (!rb) {
		snprintf(err->msg, sizeof(err->msg), "demo: --robust: out of memory");
		return -1;
	}
	*rb = (struct robust){.steps = 2, .repeat = 2, .quiet = true, .measured_only = true, .cmd = "demo"};
	d->robust_runs[d->nrobust++] = rb;
	fprintf(stderr, "mmreplay demo: %s: again at each cost's ends (--robust)\n", o->title ? o->title : o->outdir);
	if (cli_robust_load(rb, o) || cli_robust_run(rb)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: --robust failed (its message is above)", o->outdir);
		return -1;
	}
	o->robust = &rb->robust;
	return 0;
}

/* The index's paragraphs, and its entries after the plan's: the claims judged, the models against the kernel. */
static int before_index(void *arg, const struct mmr_compare_result *const *cells, const struct mmr_index_entry **extra,
			size_t *n, struct mmr_error *err)
{
	struct demo *d = arg;
	struct timespec t;
	/* Here, once the plan's DIR is known to be this demo's: a DIR of another plan is refused before. */
	demo_validate(d);
	clock_gettime(CLOCK_MONOTONIC, &t);
	snprintf(d->intro[0], sizeof(d->intro[0]), "Each seed family's variants replayed by mmreplay on this machine "
		 "(%ld online CPUs) on %d threads, %u runs each, on the family's generated workload and on a real trace, "
		 "as the plan plan.json says (mmreplay run plan.json makes the same replays).",
		 sysconf(_SC_NPROCESSORS_ONLN), MMR_DEMO_THREADS, d->repeat);
	snprintf(d->intro[1], sizeof(d->intro[1]), "The real trace is %s.", d->real_what);
	snprintf(d->intro[2], sizeof(d->intro[2]), "Each link leads to a comparison report (tables, significance, plots). "
		 "The verdicts below come from three different reports, the line of each that weighs most: significant "
		 "changes first, then the largest ratios; the reference points (call_rcu, synchronize_rcu) are left out. "
		 "Made in %.0f s.", (double)(t.tv_sec - d->t0.tv_sec) + (double)(t.tv_nsec - d->t0.tv_nsec) / 1e9);
	if (mmr_demo_claims(&d->cat, d->plan, &d->jobs, cells, d->out, &d->claims, err))
		return -1;
	*n = 0;
	d->extra[(*n)++] = d->claims.entry;
	if (d->validate_lines)
		d->extra[(*n)++] = (struct mmr_index_entry){
			.heading = "Models against this kernel", .href = "validate/validate.html",
			.label = "the models against the kernel's own lock contention",
			.intro = "Is a model's contention the kernel's? The one check no variant argument can dispute.",
			.text = "The live capture's allocation events replayed against the engines that model this kernel, "
				"each lock the kernel reported contended beside the model's lock of the same name; fidelity 0 "
				"is the kernel's contention rate, 1 a factor of 10 off (docs/validate.md).",
			.column = "engine: fidelity against the kernel's own lock contention",
			.verdicts = d->validate_lines, .nverdicts = d->nvalidate};
	*extra = d->extra;
	return 0;
}

/* The catalog, the real trace, the plan and its jobs into D.  Returns an exit code. */
static int demo_prepare(struct demo *d, bool print)
{
	char path[PATH_MAX];
	struct mmr_error err;
	if (mmr_catalog_path(path, sizeof(path)))
		return cli_fail("demo", "the family catalog's path is too long");
	if (mmr_catalog_load(path, &d->cat, &err))
		return cli_fail("demo", "%s", err.msg);
	if (print)
		snprintf(d->real, sizeof(d->real), "%s", MMR_DEMO_BUNDLED);
	else if (mmr_mkdir_p(d->out))
		return cli_fail("demo", "%s: cannot create: %s", d->out, strerror(errno));
	else
		real_trace(d);
	if (!(d->plan = mmr_demo_plan(&d->cat, d->real, d->repeat, &err)))
		return cli_fail("demo", "%s", err.msg);
	if (print)
		return printf("%s\n", d->plan->text) < 0 ? cli_fail("demo", "stdout: %s", strerror(errno)) : CLI_OK;
	if (mmr_plan_expand(d->plan, cli_traces_dir(), &d->jobs, &err))
		return cli_fail("demo", "%s", err.msg);
	return CLI_OK;
}

static int demo_go(struct demo *d)
{
	struct mmr_plan_report_opts ro = {.title = "mmreplay demo: the seed variants compared", .intro = d->intro_lines,
					  .nintro = 3, .top = 3, .before_compare = d->robust ? before_compare : NULL,
					  .before_index = before_index, .arg = d};
	struct mmr_plan_summary sum;
	struct cli_plan_exec x = {.jobs = 1, .no_summary = true, .report = &ro, .summary = &sum};
	for (int i = 0; i < 3; i++)
		d->intro_lines[i] = d->intro[i];
	fprintf(stderr, "mmreplay demo: %zu replays in %zu comparisons (the plan: %s/plan.json)\n", d->jobs.n,
		d->jobs.cells, d->out);
	int rc = cli_plan_execute("demo", d->plan, &d->jobs, d->out, &x);
	if (x.reported)
		cli_print_summary(d->out, &sum);
	return rc;
}

static int demo_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'}, {"no-capture", no_argument, NULL, 'C'},
		{"repeat", required_argument, NULL, 'r'}, {"help", no_argument, NULL, 'h'},
		{"robust", no_argument, NULL, 'R'},       {"print-plan", no_argument, NULL, 'P'},
		{NULL, 0, NULL, 0},
	};
	struct demo d = {.out = "mmreplay-demo", .repeat = 5, .capture = true};
	bool first = true, print = false;
	uint64_t v;
	int c;
	while ((c = cli_getopt("demo", argc, argv, "o:r:h", longopts, &first)) != -1) {
		switch (c) {
		case 'o': d.out = optarg; break;
		case 'C': d.capture = false; break;
		case 'R': d.robust = true; break;
		case 'P': print = true; break;
		case 'r':
			if (cli_parse_range("demo", "--repeat", optarg, 1, 100, &v))
				return CLI_USAGE;
			d.repeat = (unsigned)v;
			break;
		case 'h': return cli_print_help(&cli_cmd_demo);
		default: return CLI_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage("demo", "unexpected argument '%s'", argv[optind]);
	clock_gettime(CLOCK_MONOTONIC, &d.t0);
	int rc = demo_prepare(&d, print);
	if (!rc && !print)
		rc = demo_go(&d);
	for (size_t i = 0; i < d.nrobust; i++) {
		cli_robust_free(d.robust_runs[i]);
		free(d.robust_runs[i]);
	}
	free(d.robust_runs);
	mmr_demo_claims_free(&d.claims);
	free(d.validate_lines);
	mmr_plan_jobs_free(&d.jobs);
	mmr_plan_free(d.plan);
	mmr_catalog_free(&d.cat);
	return rc;
}

const struct cli_cmd cli_cmd_demo = {
	.name = "demo",
	.summary = "the whole pipeline in a few minutes: capture, replay every seed variant, compare, report",
	.help = demo_help,
	.run = demo_run,
};
