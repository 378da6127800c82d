/* SPDX-License-Identifier: MIT */
/*
 * cmd_sweep.c - `mmreplay sweep TRACE -e ENGINES -t 1,2,4,8 -o DIR`: a
 * plan of one trace, its engines at every thread count (plan/sweep.c),
 * run as `mmreplay run` runs any plan (cli_plan_execute), so that a sweep
 * resumes, checks its options as a plan does, and its results are found
 * again by the same job ids in any other plan.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "mmr_calibrate.h"
#include "mmr_plan.h"

static const char sweep_help[] =
	"usage: mmreplay sweep TRACE -e ENGINE[,ENGINE...] -o DIR [-t LIST] [--repeat N]\n"
	"                      [--baseline ENGINE] [-j N] [REPLAY OPTIONS...]\n"
	"\n"
	"Replay TRACE against every engine at every thread count of LIST, as a plan\n"
	"(docs/plans.md) run into the results directory DIR: DIR/plan.json, the trace\n"
	"copied into DIR/traces, each replay's results in DIR/cells/CELL/ENGINE, its\n"
	"output in DIR/logs.  Then the sweep report (throughput and p99 per op against\n"
	"threads, one line per engine; DIR/reports/sweeps/ID/report.html), with two\n"
	"engines or more a comparison per thread count (DIR/reports/cells/CELL), and\n"
	"DIR/index.html over them.  A sweep stopped (^C) resumes when run again: the\n"
	"replays done are kept (a new DIR runs them all).  Thread counts above the\n"
	"online CPUs are run, with a warning: they oversubscribe.\n"
	"\n"
	"  -t, --threads LIST     thread counts, comma-separated, rising (default 1,2,4,8)\n"
	"  -o, --output DIR       the results directory (made; one holding another\n"
	"                         plan's results is refused)\n"
	"  -b, --baseline ENGINE  the engine the others are compared with (default:\n"
	"                         the first of -e)\n"
	"  -j, --jobs N           replays at a time (default 1: replays side by side\n"
	"                         disturb each other's timings)\n"
	"  -q, --quiet            no progress and no verdict lines\n"
	"  -h, --help             show this help\n"
	"Every other option is replay's ('mmreplay help replay'): -e, --repeat, -O,\n"
	"--kernel (here also a list: default,rt), --map, --pace, --as, --events,\n"
	"--max-gap, --no-timing, --pin, --sched and --watchdog are the plan's (and its\n"
	"job ids'); --engine-path, --profile and --no-profile are passed to every\n"
	"replay as given, and are not inputs of the job ids.\n";

/* Options without a short letter, numbered past any character. */
enum { OPT_KERNEL = 256, OPT_ENGINE_PATH, OPT_PROFILE, OPT_NO_PROFILE, OPT_REPLAY };

#define MAX_OPTS 64

struct sweep_args {
	struct mmr_plan_sweep s;
	const char *out, *engine_path, *profile;
	bool no_profile, quiet;
	uint64_t jobs;
	const char *engine_opts[MAX_OPTS], *replay_names[MAX_OPTS], *replay_values[MAX_OPTS];
};

#define SHORTOPTS_LEN 64

/*
 * The long options: sweep's own, then each replay option a plan can give
 * (mmr_plan_replay_get), numbered OPT_REPLAY + its index, into LONG (room
 * for MAX_OPTS); their short letters appended to SHORT (room for
 * SHORTOPTS_LEN: each takes at most two).
 */
static void options(struct option *lo, char *shortopts)
{
	static const struct option own[] = {
		{"threads", required_argument, NULL, 't'},      {"output", required_argument, NULL, 'o'},
		{"baseline", required_argument, NULL, 'b'},     {"jobs", required_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},              {"help", no_argument, NULL, 'h'},
		{"engine", required_argument, NULL, 'e'},       {"repeat", required_argument, NULL, 'r'},
		{"engine-opt", required_argument, NULL, 'O'},   {"kernel", required_argument, NULL, OPT_KERNEL},
		{"engine-path", required_argument, NULL, OPT_ENGINE_PATH},
		{"profile", required_argument, NULL, OPT_PROFILE}, {"no-profile", no_argument, NULL, OPT_NO_PROFILE},
	};
	size_t n = sizeof(own) / sizeof(own[0]);
	memcpy(lo, own, sizeof(own));
	strcpy(shortopts, "t:o:b:j:qhe:r:O:");
	const struct mmr_plan_replay_opt *r;
	for (size_t i = 0; (r = mmr_plan_replay_get(i)) && n + 1 < MAX_OPTS; i++) {
		lo[n++] = (struct option){r->flag + 2, r->takes_value ? required_argument : no_argument, NULL,
					  OPT_REPLAY + (int)i};
		if (r->short_flag && strlen(shortopts) + 3 <= SHORTOPTS_LEN) {
			size_t k = strlen(shortopts);
			shortopts[k] = r->short_flag;
			strcpy(shortopts + k + 1, r->takes_value ? ":" : "");
		}
	}
	lo[n] = (struct option){NULL, 0, NULL, 0};
}

/* A replay option of the plan's (its long form NAME, VALUE or NULL for a flag).  0, or an exit code. */
static int add_replay(struct sweep_args *a, const char *name, const char *value)
{
	if (a->s.nreplay == MAX_OPTS)
		return cli_usage("sweep", "more than %d replay options", MAX_OPTS);
	a->replay_names[a->s.nreplay] = name;
	a->replay_values[a->s.nreplay++] = value;
	return 0;
}

/* Option C (getopt's OPTARG its value) into A.  0, -1 for --help, or an exit code. */
static int take(struct sweep_args *a, int c)
{
	const struct mmr_plan_replay_opt *r;
	switch (c) {
	case 't': a->s.threads = optarg; return 0;
	case 'o': a->out = optarg; return 0;
	case 'b': a->s.baseline = optarg; return 0;
	case 'j': return cli_parse_range("sweep", "-j", optarg, 1, 1024, &a->jobs);
	case 'q': a->quiet = true; return 0;
	case 'h': return -1;
	case 'e': a->s.engines = optarg; return 0;
	case 'r': {
		uint64_t v;
		int rc = cli_parse_range("sweep", "--repeat", optarg, 1, 1000000, &v);
		a->s.repeat = (unsigned)v;
		return rc;
	}
	case 'O':
		if (a->s.nengine_opts == MAX_OPTS)
			return cli_usage("sweep", "more than %d engine options", MAX_OPTS);
		a->engine_opts[a->s.nengine_opts++] = optarg;
		return 0;
	case OPT_KERNEL: a->s.kernels = optarg; return 0;
	case OPT_ENGINE_PATH: a->engine_path = optarg; return 0;
	case OPT_PROFILE: a->profile = optarg; return 0;
	case OPT_NO_PROFILE: a->no_profile = true; return 0;
	default:
		if (c < OPT_REPLAY && (r = mmr_plan_replay_find((char[]){'-', (char)c, '\0'})))
			return add_replay(a, r->flag, optarg);
		if (c >= OPT_REPLAY && (r = mmr_plan_replay_get((size_t)(c - OPT_REPLAY))))
			return add_replay(a, r->flag, r->takes_value ? optarg : NULL);
		return CLI_USAGE;
	}
}

/*
 * PATH made absolute against CWD (the jobs run in DIR), each of a ':'
 * list (LIST); malloc'd, NULL: out of memory.
 */
static char *absolute(const char *path, bool list, const char *cwd)
{
	char *out = NULL, *copy = strdup(path);
	size_t len = 0;
	FILE *f = copy ? open_memstream(&out, &len) : NULL;
	char *save = NULL;
	for (char *e = f ? strtok_r(copy, list ? ":" : "", &save) : NULL, *sep = ""; e;
	     e = strtok_r(NULL, list ? ":" : "", &save), sep = ":")
		fprintf(f, "%s%s%s%s", sep, e[0] == '/' ? "" : cwd, e[0] == '/' ? "" : "/", e);
	if (f && fclose(f))
		free(out), out = NULL;
	free(copy);
	return f ? out : NULL;
}

/* The words every job takes after its own: --engine-path, --profile or --no-profile.  0, or an exit code. */
static int job_extra(const struct sweep_args *a, const char **extra, char **owned)
{
	size_t n = 0;
	char cwd[PATH_MAX];
	if (a->profile && a->no_profile)
		return cli_usage("sweep", "--profile and --no-profile together");
	if ((a->engine_path || a->profile) && !getcwd(cwd, sizeof(cwd)))
		return cli_fail("sweep", "the current folder, to make --engine-path and --profile absolute: %s",
				strerror(errno));
	if (a->engine_path) {
		extra[n++] = "--engine-path";
		if (!(extra[n++] = owned[0] = absolute(a->engine_path, true, cwd)))
			return cli_fail("sweep", "out of memory");
	}
	if (a->profile) {
		extra[n++] = "--profile";
		if (!(extra[n++] = owned[1] = absolute(a->profile, false, cwd)))
			return cli_fail("sweep", "out of memory");
	}
	if (a->no_profile)
		extra[n++] = "--no-profile";
	extra[n] = NULL;
	return 0;
}

/* What the sweep made, on stdout. */
static void say(const struct sweep_args *a, const struct mmr_plan *p, const struct mmr_plan_summary *sum)
{
	const struct mmr_plan_group *g = &p->groups[0];
	const char *trace = p->traces[0].name, *s = g->nengines == 1 ? "" : "s";
	if (g->nthreads < 2)
		printf("sweep of %zu engine%s on %s at 1 thread count, no sweep report (it needs two or more): "
		       "%s/index.html\n", g->nengines, s, trace, a->out);
	else if (!sum->sweep[0])
		printf("sweep of %zu engine%s on %s at %zu thread counts, no sweep report (fewer than two have "
		       "results): %s/index.html\n", g->nengines, s, trace, g->nthreads, a->out);
	else
		printf("sweep of %zu engine%s on %s at %zu thread counts: %s/%s%s (index: %s/index.html)\n", g->nengines,
		       s, trace, g->nthreads, a->out, sum->sweep, g->nkernels > 1 ? " and one per other kernel mode" : "",
		       a->out);
	for (size_t i = 0; !a->quiet && i < sum->ntop; i++)
		printf("  %s\n", sum->top[i]);
}

static int sweep_plan(struct sweep_args *a)
{
	const char *extra[8];
	char *owned[2] = {NULL, NULL};
	struct mmr_error err = {{0}};
	struct mmr_plan_jobs jobs = {0};
	struct mmr_plan *p = NULL;
	struct mmr_profile prof;
	const struct mmr_profile *loaded;
	int rc = job_extra(a, extra, owned);
	if (!rc && !(p = mmr_plan_for_sweep(&a->s, "command line", &err)))
		rc = cli_usage("sweep", "%s", err.msg);
	struct stat st;
	/* A sweep's jobs name their trace by its content, which a directory of parts has not. */
	if (!rc && stat(a->s.trace, &st) == 0 && S_ISDIR(st.st_mode))
		rc = cli_usage("sweep", "'%s' is a directory: a sweep takes one trace file (replay reads a "
			       "capture's parts as one trace)", a->s.trace);
	if (!rc)
		rc = cli_check_input("sweep", a->s.trace);
	/* A profile that does not load is one line here, not a failed replay per job. */
	if (!rc && a->profile)
		rc = cli_load_profile("sweep", a->profile, false, true, &prof, &loaded);
	if (!rc && mmr_plan_expand(p, NULL, &jobs, &err))
		rc = cli_fail("sweep", "%s", err.msg);
	struct mmr_plan_summary sum;
	struct cli_plan_exec x = {.jobs = (unsigned)a->jobs, .quiet = a->quiet, .engine_path = a->engine_path,
				  .extra = extra, .summary = &sum};
	if (!rc)
		rc = cli_plan_execute("sweep", p, &jobs, a->out, &x);
	if (x.reported)
		say(a, p, &sum);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
	free(owned[0]);
	free(owned[1]);
	return rc;
}

static int sweep_run(int argc, char **argv)
{
	struct option lo[MAX_OPTS];
	char shortopts[SHORTOPTS_LEN];
	struct sweep_args a = {.s.threads = "1,2,4,8", .jobs = 1};
	bool first = true;
	int c, rc;
	options(lo, shortopts);
	a.s.engine_opts = a.engine_opts;
	a.s.replay_names = a.replay_names;
	a.s.replay_values = a.replay_values;
	while ((c = cli_getopt("sweep", argc, argv, shortopts, lo, &first)) != -1) {
		if (c == '?')
			return CLI_USAGE;
		if ((rc = take(&a, c)) < 0)
			return cli_print_help(&cli_cmd_sweep);
		if (rc)
			return rc;
	}
	if (argc - optind != 1)
		return cli_usage("sweep", optind >= argc ? "no trace given" : "one trace at a time: unexpected '%s'",
				 optind < argc ? argv[optind + 1] : "");
	a.s.trace = argv[optind];
	if (!a.out)
		return cli_usage("sweep", "no output directory given: -o DIR");
	if (!a.s.engines)
		return cli_usage("sweep", "no engine given: -e ENGINE");
	return sweep_plan(&a);
}

const struct cli_cmd cli_cmd_sweep = {
	.name = "sweep",
	.summary = "replay a trace at several thread counts: scaling plots and a comparison per count",
	.help = sweep_help,
	.run = sweep_run,
};
