/* SPDX-License-Identifier: MIT */
/*
 * cmd_validate.c - `mmreplay validate TRACE [-e ENGINE...] [-o DIR]`: the
 * models against the running kernel.  The trace's own lock contention
 * (stats) and each model's on the replay of the trace's allocation events
 * (replay, in the trace's time, a thread per traced CPU) go to the report
 * (plots/validate.c).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "mmr_calibrate.h"
#include "mmr_replay.h"
#include "mmr_report.h"
#include "mmr_stats.h"

#define MAX_ENGINES 16

static const char validate_help[] =
	"usage: mmreplay validate TRACE [-e ENGINE[,ENGINE...]] [-o REPORT_DIR] [--repeat N] [--spinlock-waits queued|all]\n"
	"                         [--engine-path PATH] [--profile FILE | --no-profile] [--no-plots] [-q]\n"
	"\n"
	"Check the models against the kernel a capture ran on.  TRACE must hold the\n"
	"kernel's lock contention (capture -e ...,lock).  Its allocation events are\n"
	"replayed against each engine that models that kernel's design, a thread per\n"
	"traced CPU, in the trace's own time, and every lock the kernel reported\n"
	"contended is put beside the model's lock of the same name: contended\n"
	"acquisitions per 1000 ops, wait share, p50 and p99 wait, and the ratio.\n"
	"Per engine, a fidelity figure: the median |log10(model/kernel)| of the\n"
	"contention rate over the locks both have (0: the kernel's figure; 1: a factor\n"
	"of 10 off).  Writes REPORT_DIR/validate.md and validate.html, the kernel's\n"
	"statistics (kernel-stats.json) and the replays (runs/ENGINE/results.json).\n"
	"\n"
	"  -e, --engine LIST     engines to check (default: those whose kernel range,\n"
	"                        'mmreplay list engines -v', holds the trace's kernel and\n"
	"                        which replay a family the trace holds events of)\n"
	"  -o, --output DIR      report directory (default: TRACE without .mmr, plus\n"
	"                        -validate; created)\n"
	"  -r, --repeat N        fresh replays per engine (default 1)\n"
	"      --spinlock-waits W  which spinlock waits the traced kernel reports: queued\n"
	"                        (default: x86's native queued spinlock traces a waiter only\n"
	"                        once it queues behind another) or all (paravirt spinlocks:\n"
	"                        every slow-path wait)\n"
	"      --engine-path P   also load engines from P (directories or .so files)\n"
	"      --profile FILE    engines' cost options from this calibrate profile\n"
	"      --no-profile      the engines' built-in (cited) cost defaults\n"
	"      --no-plots        tables only (no gnuplot needed)\n"
	"  -q, --quiet           no progress line and no per-engine lines\n";

struct validate_args {
	const char *trace, *engines, *out, *engine_path, *profile_path;
	bool no_profile, no_plots, quiet, help, spin_all;
	unsigned repeat;
	char out_buf[4096];
	struct mmr_profile profile;
	const struct mmr_profile *prof;
};

enum { OPT_ENGINE_PATH = 256, OPT_PROFILE, OPT_NO_PROFILE, OPT_NO_PLOTS, OPT_SPIN };

static int parse_args(int argc, char **argv, struct validate_args *a)
{
	static const struct option longopts[] = {
		{"engine", required_argument, NULL, 'e'},   {"output", required_argument, NULL, 'o'},
		{"repeat", required_argument, NULL, 'r'},   {"engine-path", required_argument, NULL, OPT_ENGINE_PATH},
		{"profile", required_argument, NULL, OPT_PROFILE}, {"no-profile", no_argument, NULL, OPT_NO_PROFILE},
		{"no-plots", no_argument, NULL, OPT_NO_PLOTS}, {"quiet", no_argument, NULL, 'q'},
		{"spinlock-waits", required_argument, NULL, OPT_SPIN},
		{"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	bool first = true;
	uint64_t v;
	int c;
	while ((c = cli_getopt("validate", argc, argv, "e:o:r:qh", longopts, &first)) != -1) {
		switch (c) {
		case 'e': a->engines = optarg; break;
		case 'o': a->out = optarg; break;
		case 'r':
			if (cli_parse_range("validate", "--repeat", optarg, 1, 1000, &v))
				return CLI_USAGE;
			a->repeat = (unsigned)v;
			break;
		case OPT_ENGINE_PATH: a->engine_path = optarg; break;
		case OPT_PROFILE: a->profile_path = optarg; break;
		case OPT_NO_PROFILE: a->no_profile = true; break;
		case OPT_NO_PLOTS: a->no_plots = true; break;
		case OPT_SPIN:
			if (strcmp(optarg, "queued") && strcmp(optarg, "all"))
				return cli_usage("validate", "bad --spinlock-waits '%s': queued or all", optarg);
			a->spin_all = !strcmp(optarg, "all");
			break;
		case 'q': a->quiet = true; break;
		case 'h': a->help = true; return 0;
		default: return CLI_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage("validate", "no trace file given");
	if (argc - optind > 1)
		return cli_usage("validate", "one trace at a time: unexpected '%s'", argv[optind + 1]);
	a->trace = argv[optind];
	if (a->profile_path && a->no_profile)
		return cli_usage("validate", "--profile and --no-profile: one or the other");
	if (!a->out) {
		size_t len = strlen(a->trace);
		/* A directory of parts ("long/") gives "long-validate" beside it, not a file inside it. */
		while (len > 1 && a->trace[len - 1] == '/')
			len--;
		if (len > 4 && !strncmp(a->trace + len - 4, ".mmr", 4))
			len -= 4;
		if (len + sizeof("-validate") > sizeof(a->out_buf))
			return cli_usage("validate", "trace path too long for a default -o: give -o");
		snprintf(a->out_buf, sizeof(a->out_buf), "%.*s-validate", (int)len, a->trace);
		a->out = a->out_buf;
	}
	return cli_check_trace("validate", a->trace);
}

/*
 * Whether the trace says it recorded the lock family: mmreplay capture
 * writes its families into the source ("capture -e slab,page,lock -- cmd"),
 * so a capture in which the kernel reported no contention can still be
 * told from one that did not look.  An import cannot say.
 */
static bool recorded_locks(const struct mmr_meta *m)
{
	const char *src = m->source ? m->source : "", *p = "capture -e ";
	if (strncmp(src, p, strlen(p)))
		return false;
	src += strlen(p);
	size_t n = strcspn(src, " ");
	for (const char *f = src; f < src + n;) {
		size_t k = strcspn(f, ", ");
		if ((k == 4 && !strncmp(f, "lock", 4)) || (k == 3 && !strncmp(f, "all", 3)))
			return true;
		f += k + (f[k] == ',');
		if (!k)
			break;
	}
	return false;
}

/*
 * The trace's statistics into OUT/kernel-stats.json, its kernel release
 * and families into *META and FAM_EVENTS.  Returns an exit code; refuses a
 * trace without lock events.
 */
static int kernel_side(const struct validate_args *a, const char *json_path, char *release, size_t rlen,
		       unsigned *nr_cpus, uint64_t fam_events[MMR_FAM_COUNT])
{
	struct mmr_reader *r;
	struct mmr_error err;
	int rc = cli_open_trace("validate", a->trace, &r);
	if (rc)
		return rc;
	struct mmr_stats *s = mmr_stats_from_reader(r, &err);
	char *json = s ? mmr_stats_json(s, r) : NULL;
	if (!s)
		rc = cli_fail("validate", "%s", err.msg);
	else if (!json)
		rc = cli_fail("validate", "out of memory");
	else if (!mmr_stats_family_events(s, MMR_FAM_LOCK) && !recorded_locks(mmr_reader_meta(r)))
		rc = cli_fail("validate", "%s holds no lock events: it was captured without -e ...,lock (the "
			      "kernel's lock:contention_begin/end, as root), or the kernel reported no contention "
			      "during it", a->trace);
	for (unsigned f = 0; s && f < MMR_FAM_COUNT; f++)
		fam_events[f] = mmr_stats_family_events(s, f);
	const struct mmr_meta *m = mmr_reader_meta(r);
	snprintf(release, rlen, "%s", m->kernel_release ? m->kernel_release : "");
	*nr_cpus = m->nr_cpus;
	FILE *f = rc ? NULL : fopen(json_path, "w");
	if (!rc && (!f || fputs(json, f) == EOF || fputc('\n', f) == EOF))
		rc = cli_fail("validate", "cannot write %s: %s", json_path, strerror(errno));
	if (f && fclose(f) && !rc)
		rc = cli_fail("validate", "cannot write %s: %s", json_path, strerror(errno));
	free(json);
	mmr_stats_free(s);
	mmr_reader_close(r);
	return rc;
}

/* Whether E replays a family the trace holds events of. */
static bool replays_trace(const struct mmr_engine_ops *e, const uint64_t fam_events[MMR_FAM_COUNT])
{
	for (unsigned f = 0; f < MMR_FAM_COUNT; f++)
		if (f != MMR_FAM_LOCK && fam_events[f] && (e->families & (1u << f)))
			return true;
	return false;
}

/* The engines to check into OUT (*N).  Returns an exit code. */
static int pick_engines(const struct validate_args *a, const struct mmr_engine_catalog *c, const char *release,
			const uint64_t fam_events[MMR_FAM_COUNT], const struct mmr_engine_ops **out, size_t *n)
{
	*n = 0;
	if (!a->engines) {
		for (size_t i = 0; i < mmr_engines_count(c) && *n < MAX_ENGINES; i++) {
			const struct mmr_engine_ops *e = mmr_engines_get(c, i, NULL);
			if (mmr_engine_models_kernel(e, release) && replays_trace(e, fam_events) &&
			    !(e->unavailable && e->unavailable()))
				out[(*n)++] = e;
		}
		if (!*n)
			return cli_fail("validate", "no engine models Linux %s for the families in %s: name one with -e "
					"(see 'mmreplay list engines -v')", release[0] ? release : "(unknown release)",
					a->trace);
		return CLI_OK;
	}
	return cli_pick_engines("validate", c, a->engines, out, MAX_ENGINES, n);
}

/* Replay the trace against E into RUNS/E.  Returns an exit code. */
static int replay_engine(const struct validate_args *a, const struct mmr_engine_ops *e, unsigned nr_cpus,
			 const char *runs)
{
	struct mmr_replay_opts o = {
		.trace = a->trace, .engine = e, .threads = nr_cpus, .map = MMR_MAP_CPU, .sched = MMR_SCHED_AUTO,
		.pace = MMR_PACE_ORIGINAL, .pace_factor = 1.0, .repeat = a->repeat, .as_family = -1,
		.timing = true, .progress = !a->quiet && isatty(STDERR_FILENO), .profile = a->prof,
	};
	struct mmr_error err;
	struct mmr_replay_result *r = mmr_replay_run(&o, &err);
	if (!r)
		return cli_fail("validate", "%s: %s", e->name, err.msg);
	int rc = mmr_replay_write(r, runs, &err) ? cli_fail("validate", "%s", err.msg) : CLI_OK;
	mmr_replay_result_free(r);
	return rc;
}

static void print_outcome(const struct mmr_validate_engine *x, size_t n, const char *out)
{
	for (size_t i = 0; i < n; i++) {
		char line[512];
		mmr_validate_line(&x[i], line, sizeof(line));
		printf("%s\n", line);
	}
	printf("report: %s/validate.md, %s/validate.html\n", out, out);
}

int cli_validate(const struct cli_validate_opts *vo, struct mmr_validate_engine **x, size_t *nx)
{
	const char *out = vo->out, *engine_path = vo->engine_path;
	bool quiet = vo->quiet, plots = vo->plots;
	struct validate_args a = {.trace = vo->trace, .out = out, .engines = vo->engines, .repeat = vo->repeat,
				  .quiet = quiet, .no_plots = !plots, .prof = vo->prof, .engine_path = engine_path};
	char json[4200], runs[4200], release[96];
	uint64_t fam[MMR_FAM_COUNT] = {0};
	unsigned nr_cpus = 0;
	*x = NULL;
	*nx = 0;
	if (mkdir(out, 0777) && errno != EEXIST)
		return cli_usage("validate", "cannot create %s: %s", out, strerror(errno));
	snprintf(json, sizeof(json), "%s/kernel-stats.json", out);
	snprintf(runs, sizeof(runs), "%s/runs", out);
	int rc = kernel_side(&a, json, release, sizeof(release), &nr_cpus, fam);
	const struct mmr_engine_ops *picked[MAX_ENGINES];
	size_t n = 0;
	char *path = rc ? NULL : cli_engine_path(engine_path);
	struct mmr_engine_catalog *cat = path ? mmr_engines_load(path, stderr) : NULL;
	if (!rc && !cat)
		rc = cli_fail("validate", "out of memory");
	if (!rc)
		rc = pick_engines(&a, cat, release, fam, picked, &n);
	char *dirs[MAX_ENGINES];
	size_t nd = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		if (!quiet)
			fprintf(stderr, "validate: replaying against %s (%u threads, trace time)\n", picked[i]->name,
				nr_cpus);
		rc = replay_engine(&a, picked[i], nr_cpus, runs);
		if (!rc && asprintf(&dirs[nd], "%s/%s", runs, picked[i]->name) >= 0)
			nd++;
		else if (!rc)
			rc = cli_fail("validate", "out of memory");
	}
	struct mmr_validate_opts ro = {.kernel_stats = json, .dirs = (const char *const *)dirs, .ndirs = nd,
				       .outdir = out, .plots = plots, .spin_all = vo->spin_all};
	struct mmr_error err;
	if (!rc && mmr_validate_report(&ro, x, nx, &err))
		rc = cli_fail("validate", "%s", err.msg);
	for (size_t i = 0; i < nd; i++)
		free(dirs[i]);
	mmr_engines_free(cat);
	free(path);
	return rc;
}

static int validate_run(int argc, char **argv)
{
	struct validate_args a = {.repeat = 1};
	int rc = parse_args(argc, argv, &a);
	if (!rc && a.help)
		return cli_print_help(&cli_cmd_validate);
	if (!rc)
		rc = cli_load_profile("validate", a.profile_path, a.no_profile, a.quiet, &a.profile, &a.prof);
	struct mmr_validate_engine *x = NULL;
	size_t nx = 0;
	struct cli_validate_opts vo = {.trace = a.trace, .out = a.out, .engines = a.engines, .repeat = a.repeat,
				       .plots = !a.no_plots, .quiet = a.quiet, .spin_all = a.spin_all, .prof = a.prof,
				       .engine_path = a.engine_path};
	if (!rc)
		rc = cli_validate(&vo, &x, &nx);
	if (!rc && !a.quiet)
		print_outcome(x, nx, a.out);
	free(x);
	return rc;
}

const struct cli_cmd cli_cmd_validate = {
	.name = "validate",
	.summary = "check the models against the kernel's own lock contention in a capture",
	.help = validate_help,
	.run = validate_run,
};
