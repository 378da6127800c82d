/* SPDX-License-Identifier: MIT */
/*
 * cmd_demo.c - `mmreplay demo`: the whole pipeline on this machine in a
 * few minutes.  Capture a short live trace when the permissions are there
 * (else take a bundled real one), generate each seed family's workload,
 * replay every variant of the family on both, compare them, and write an
 * index page over the reports.  Each step is one of the other commands,
 * run in this process, so the demo shows exactly what they do.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mmr_calibrate.h"
#include "mmr_fs.h"
#include "mmr_install.h"
#include "mmr_report.h"
#include "mmr_trace.h"
#include "demo.h"
#include "robust.h"

static const char demo_help[] =
	"usage: mmreplay demo [-o DIR] [--no-capture] [--repeat N] [--robust]\n"
	"\n"
	"Run the pipeline end to end and write DIR/index.html: a short live capture\n"
	"of this machine's allocation tracepoints (as root; otherwise, or with\n"
	"--no-capture, a bundled real trace), then for each seed family (CMA,\n"
	"vmalloc, kvfree_rcu, zsmalloc, dma-buf) its variants replayed on the\n"
	"family's generated workload and on the real trace, compared in one report\n"
	"each.  Ends by printing where the index is and its three most important\n"
	"verdicts.  Takes a few minutes on two CPUs.\n"
	"\n"
	"  -o, --output DIR     where everything goes (default mmreplay-demo)\n"
	"      --no-capture     use the bundled real trace even as root\n"
	"  -r, --repeat N       runs per replay (default 5: enough for significance)\n"
	"      --robust         also label each verdict robust or not against the costs\n"
	"                       calibrate measures (compare --robust --robust-measured,\n"
	"                       2 runs a re-run): a few minutes more\n"
	"  -h, --help           show this help\n"
	"\n"
	"MMREPLAY_TRACES_DIR names another directory of bundled traces, MMREPLAY_FAMILIES\n"
	"another family catalog (docs/families.md).\n";

#define DEMO_THREADS "2"
#define REAL_EVENTS "20000"  /* events of the real trace each replay takes */
#define LIVE_MIN_EVENTS 5000 /* fewer captured than this: the bundled trace instead */
#define BUNDLED "fs-walk.mmr"

static double elapsed(const struct demo *d)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - d->t0.tv_sec) + (double)(t.tv_nsec - d->t0.tv_nsec) / 1e9;
}

/* The progress bar: redrawn in place on a terminal, a line per step elsewhere (CI logs). */
static void progress(struct demo *d, const char *fmt, ...)
{
	char what[256], bar[32];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	d->step++;
	unsigned fill = d->steps ? 24 * d->step / d->steps : 24;
	for (unsigned i = 0; i < 24; i++)
		bar[i] = i < fill ? '#' : '-';
	bar[24] = '\0';
	fprintf(stderr, "%s[%s] %3u/%u %5.0fs  %s%s", d->tty ? "\r\033[K" : "", bar, d->step, d->steps, elapsed(d),
		what, d->tty ? "" : "\n");
	fflush(stderr);
}

/* Run command CMD with the NULL-terminated ARGV (argv[0] its name).  Returns its exit code. */
static int run(const struct cli_cmd *cmd, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	return cmd->run(argc, argv);
}

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

/*
 * The real trace: a two-second live capture of this machine while it
 * walks and reads some of /usr (root only), else the bundled one.
 */
static void real_trace(struct demo *d)
{
	char live[4200];
	snprintf(live, sizeof(live), "%s/traces/live.mmr", d->out);
	snprintf(d->real, sizeof(d->real), "%s/%s", cli_traces_dir(), BUNDLED);
	if (!d->capture || geteuid() != 0) {
		progress(d, "no live capture (%s): using the bundled real trace %s", d->capture ? "not root" : "--no-capture",
			 BUNDLED);
		snprintf(d->real_what, sizeof(d->real_what), "the bundled real trace %s (a capture of a file-system walk; "
			 "the demo captures its own when run as root)", BUNDLED);
		return;
	}
	/* lock: the kernel's own contention, which validate holds the models to; replays skip it. */
	char *argv[] = {"capture", "-o", live, "-e", "slab,page,lock", "-q", "--", "sh", "-c",
			"for i in 1 2 3; do find /usr/share -maxdepth 3 -type f 2>/dev/null | head -400 | "
			"xargs cat >/dev/null 2>&1; done; sleep 1", NULL};
	int rc = run(&cli_cmd_capture, argv);
	uint64_t n = rc ? 0 : trace_events(live);
	if (n >= LIVE_MIN_EVENTS) {
		snprintf(d->real, sizeof(d->real), "%s", live);
		d->live = true;
		snprintf(d->real_what, sizeof(d->real_what), "a live capture of this machine (slab and page events and the kernel's lock contention, "
			 "%llu of them, while it read files under /usr/share): traces/live.mmr", (unsigned long long)n);
		progress(d, "captured %llu events live", (unsigned long long)n);
		return;
	}
	progress(d, "live capture %s: using the bundled real trace %s", rc ? "failed" : "too short", BUNDLED);
	snprintf(d->real_what, sizeof(d->real_what), "the bundled real trace %s (the live capture %s)", BUNDLED,
		 rc ? "failed: its message is in the demo's output" : "had too few events");
}

/* Replay every engine of F on TRACE into BASE/results, one replay per engine for the progress bar. */
static int replay_family(struct demo *d, const struct mmr_catalog_family *f, const char *trace, const char *what,
			 bool as_family, bool rt, const char *base)
{
	char results[4300];
	snprintf(results, sizeof(results), "%s/results", base);
	/* The fixed arguments, --as and -n, --kernel rt, then -O KEY=VALUE for each of the family's options. */
	char **argv = calloc(20 + 2 * f->nengine_opts, sizeof(*argv));
	int rc = argv ? 0 : cli_fail("demo", "out of memory");
	for (size_t e = 0; argv && e < f->nengines && !rc; e++) {
		const char *fixed[] = {"replay", trace, "-e", f->engines[e], "-t", DEMO_THREADS, "--repeat", d->repeat,
				       "-o", results, "-q"};
		size_t n = 0;
		for (; n < sizeof(fixed) / sizeof(fixed[0]); n++)
			argv[n] = (char *)fixed[n];
		if (as_family) {
			argv[n++] = "--as";
			argv[n++] = (char *)f->name;
			argv[n++] = "-n";
			argv[n++] = REAL_EVENTS;
		}
		if (rt) {
			argv[n++] = "--kernel";
			argv[n++] = "rt";
		}
		for (size_t k = 0; k < f->nengine_opts; k++) {
			argv[n++] = "-O";
			argv[n++] = (char *)f->engine_opts[k];
		}
		argv[n] = NULL;
		progress(d, "replaying %s on %s", f->engines[e], what);
		rc = run(&cli_cmd_replay, argv);
	}
	free(argv);
	return rc;
}

/* Whether the LEN characters at NAME are one of F's reference engines. */
static bool is_reference(const struct mmr_catalog_family *f, const char *name, size_t len)
{
	for (size_t i = 0; i < f->nreferences; i++)
		if (strlen(f->references[i]) == len && !strncmp(f->references[i], name, len))
			return true;
	return false;
}

/* Compare F's replays in BASE/results into BASE/report and add it to the index.  Returns an exit code. */
static int compare_family(struct demo *d, const struct mmr_catalog_family *f, const char *base, const char *label,
			  const char *text)
{
	char results[4200], report[4200], title[512], *href = NULL, *lab = strdup(label), *txt = strdup(text);
	char *intro = NULL;
	/* The section's paragraph: the thread's question, and why there is no real trace when there is none. */
	if (asprintf(&intro, "%s%s%s", f->question, f->no_real ? " " : "", f->no_real ? f->no_real : "") < 0)
		intro = NULL;
	snprintf(results, sizeof(results), "%s/results", base);
	snprintf(report, sizeof(report), "%s/report", base);
	snprintf(title, sizeof(title), "%s: %s", f->heading, label);
	const char *dirs[] = {results};
	struct mmr_compare_opts o = {.dirs = dirs, .ndirs = 1, .outdir = report, .title = title, .plots = true,
				     .baseline = f->baseline};
	struct mmr_compare_result *res = &d->results[d->nentries];
	struct mmr_error err;
	progress(d, "comparing %s on %s%s", f->name, label, d->robust ? ", and again at each cost's ends" : "");
	struct robust rb = {.steps = 2, .repeat = 2, .quiet = true, .measured_only = true};
	int rc = d->robust ? cli_robust_load(&rb, &o) : 0;
	rc = rc || !d->robust ? rc : cli_robust_run(&rb);
	o.robust = d->robust ? &rb.robust : NULL;
	if (!rc && mmr_compare(&o, res, &err))
		rc = cli_fail("demo", "%s", err.msg);
	cli_robust_free(&rb);
	if (rc) {
		free(lab);
		free(txt);
		free(intro);
		return rc;
	}
	/* A reference point's large changes are expected (synchronize_rcu per call is slow): the index's top lists the variants. */
	for (size_t v = 0; v < res->nverdicts; v++)
		if (is_reference(f, res->verdicts[v].text, strcspn(res->verdicts[v].text, ":")))
			res->verdicts[v].weight = 0;
	if (asprintf(&href, "%s/report/report.html", base + strlen(d->out) + 1) < 0)
		href = NULL;
	char **t = d->texts[d->nentries];
	t[0] = href;
	t[1] = lab;
	t[2] = txt;
	t[3] = intro;
	d->entries[d->nentries++] = (struct mmr_index_entry){
		.heading = f->heading, .intro = intro, .text = txt, .href = href, .label = lab,
		.verdicts = res->verdicts, .nverdicts = res->nverdicts};
	return href && lab && txt && intro ? CLI_OK : cli_fail("demo", "out of memory");
}

/* One family: generate its workload, replay and compare on it, then on the real trace. */
static int family_run(struct demo *d, const struct mmr_catalog_family *f)
{
	char dir[4096], trace[4200], base[4200], what[256], text[1024];
	snprintf(dir, sizeof(dir), "%.3000s/%s", d->out, f->name);
	snprintf(trace, sizeof(trace), "%s/traces/%s.mmr", d->out, f->workload);
	char *gen[] = {"generate", (char *)f->workload, "-o", trace, "--seed", "1", "--cpus", DEMO_THREADS,
		       "--ops", (char *)f->ops_arg, "-q", NULL};
	progress(d, "generating %s (%s ops)", f->workload, f->ops_arg);
	int rc = mkdir(dir, 0777) != 0 && errno != EEXIST ? cli_fail("demo", "%s: cannot create: %s", dir, strerror(errno))
							    : run(&cli_cmd_generate, gen);
	snprintf(base, sizeof(base), "%s/generated", dir);
	snprintf(what, sizeof(what), "the generated %s workload", f->workload);
	snprintf(text, sizeof(text), "Generated workload %s (%s ops, seed 1, 2 CPUs), %s replay threads, %s runs each.",
		 f->workload, f->ops_arg, DEMO_THREADS, d->repeat);
	if (!rc)
		rc = replay_family(d, f, trace, what, false, false, base);
	if (!rc)
		rc = compare_family(d, f, base, what, text);
	if (!rc)
		demo_claim_commands(d, f, (size_t)(f - d->cat.families), trace);
	if (!rc && f->rt) {
		/* The seeds' PREEMPT_RT arguments (003: zone->lock sleeps on RT; 004: the pin bit spins there). */
		snprintf(base, sizeof(base), "%s/generated-rt", dir);
		snprintf(what, sizeof(what), "the generated %s workload, PREEMPT_RT locks", f->workload);
		snprintf(text, sizeof(text), "Generated workload %s as above, replayed with --kernel rt: spinlock_t and "
			 "rwlock_t sleep as on PREEMPT_RT, raw and bit spinlocks spin.", f->workload);
		rc = replay_family(d, f, trace, what, false, true, base);
		if (!rc)
			rc = compare_family(d, f, base, what, text);
	}
	if (rc || !f->real)
		return rc;
	bool live = !strcmp(f->real, "live");
	if (!live)
		snprintf(trace, sizeof(trace), "%s/%s", cli_traces_dir(), f->real);
	snprintf(base, sizeof(base), "%s/real", dir);
	snprintf(what, sizeof(what), "the real trace %s", live ? strrchr(d->real, '/') + 1 : f->real);
	snprintf(text, sizeof(text), live ? "Real trace: %s, its first " REAL_EVENTS " events replayed --as %s: the "
		 "events of a family the engines do not replay themselves become %s calls." : "Real trace: %s (a "
		 "capture of kernel stack vmallocs); %s family, native events.%s",
		 live ? d->real_what : f->real, f->name, live ? f->name : "");
	rc = replay_family(d, f, live ? d->real : trace, what, live, false, base);
	return rc ? rc : compare_family(d, f, base, what, text);
}

/* Steps the progress bar counts: the real trace, then per family generate, replays, compares. */
/*
 * The models against this kernel: validate on the live capture, its lines
 * in the index.  Only the live capture has the kernel's lock contention;
 * a validate that fails is noted and the demo goes on.  An exit code.
 */
static int demo_validate(struct demo *d)
{
	char out[4300];
	struct mmr_validate_engine *x = NULL;
	size_t n = 0;
	progress(d, "checking the models against this kernel's lock contention");
	if (!d->live)
		return CLI_OK;
	snprintf(out, sizeof(out), "%s/validate", d->out);
	/* The default profile, as the demo's replays (replay's own default) take theirs. */
	struct mmr_profile prof;
	const struct mmr_profile *p = NULL;
	if (cli_load_profile("demo", NULL, false, true, &prof, &p))
		p = NULL;
	struct cli_validate_opts vo = {.trace = d->real, .out = out, .repeat = 1, .plots = true, .quiet = true,
				       .prof = p};
	if (cli_validate(&vo, &x, &n)) {
		progress(d, "validate failed (its message is above): the index leaves it out");
		return CLI_OK;
	}
	d->validate_lines = calloc(n ? n : 1, sizeof(*d->validate_lines));
	char *href = strdup("validate/validate.html"), *lab = strdup("the models against the kernel's own lock contention");
	char *txt = NULL, *intro = NULL;
	if (asprintf(&txt, "The live capture's allocation events replayed against the engines that model this "
		     "kernel (%zu), each lock the kernel reported contended beside the model's lock of the same name; "
		     "fidelity 0 is the kernel's contention rate, 1 a factor of 10 off (docs/validate.md).", n) < 0)
		txt = NULL;
	intro = strdup("Is a model's contention the kernel's? The one check no variant argument can dispute.");
	for (size_t i = 0; d->validate_lines && i < n; i++)
		mmr_validate_line(&x[i], d->validate_lines[i].text, sizeof(d->validate_lines[i].text));
	free(x);
	char **t = d->texts[d->nentries];
	t[0] = href, t[1] = lab, t[2] = txt, t[3] = intro;
	/* Weight 0: the index's top three stay the seed variants' findings. */
	d->entries[d->nentries++] = (struct mmr_index_entry){
		.heading = "Models against this kernel", .intro = intro, .text = txt, .href = href, .label = lab,
		.column = "engine: fidelity against the kernel's own lock contention",
		.verdicts = d->validate_lines, .nverdicts = d->validate_lines ? n : 0};
	return href && lab && txt && intro && d->validate_lines ? CLI_OK : cli_fail("demo", "out of memory");
}

static unsigned count_steps(const struct mmr_catalog *cat)
{
	unsigned n = 1;
	for (size_t i = 0; i < cat->nfamilies; i++) {
		const struct mmr_catalog_family *f = &cat->families[i];
		n += 1 + ((f->real ? 2 : 1) + f->rt) * ((unsigned)f->nengines + 1);
	}
	return n + 3; /* validate, the claims, the index */
}

/*
 * The family catalog into D (plan/families.json, or MMREPLAY_FAMILIES).
 * Returns an exit code: a catalog that does not load is one line, 1.
 */
static int demo_catalog(struct demo *d)
{
	char path[PATH_MAX];
	struct mmr_error err;
	if (mmr_catalog_path(path, sizeof(path)))
		return cli_fail("demo", "the family catalog's path is too long");
	if (mmr_catalog_load(path, &d->cat, &err))
		return cli_fail("demo", "%s", err.msg);
	if (d->cat.nfamilies > DEMO_FAMILIES)
		return cli_fail("demo", "%.400s: families: %zu families, the demo runs at most %d", path,
				d->cat.nfamilies, DEMO_FAMILIES);
	return CLI_OK;
}

static int write_index(struct demo *d)
{
	char intro[3][1024];
	const char *lines[] = {intro[0], intro[1], intro[2]};
	snprintf(intro[0], sizeof(intro[0]), "Each seed family's variants replayed by mmreplay on this machine (%ld "
		 "online CPUs) on %s threads, %s runs each, on the family's generated workload and on a real trace.",
		 sysconf(_SC_NPROCESSORS_ONLN), DEMO_THREADS, d->repeat);
	snprintf(intro[1], sizeof(intro[1]), "The real trace is %s.", d->real_what);
	snprintf(intro[2], sizeof(intro[2]), "Each link leads to a comparison report (tables, significance, plots). The "
		 "verdicts below come from three different reports, the line of each that weighs most: significant "
		 "changes first, then the largest ratios; the call_rcu and synchronize_rcu reference points are left "
		 "out. Made in %.0f s.",
		 elapsed(d));
	struct mmr_index_opts o = {.outdir = d->out, .title = "mmreplay demo: the seed variants compared",
				   .intro = lines, .nintro = 3, .entries = d->entries, .n = d->nentries, .top = 3};
	struct mmr_error err;
	progress(d, "writing the index");
	return mmr_index_write(&o, &err) ? cli_fail("demo", "%s", err.msg) : CLI_OK;
}

/* Where the index is, and its three verdicts. */
static void print_top(const struct demo *d)
{
	const struct mmr_verdict *top[3];
	struct mmr_index_opts o = {.entries = d->entries, .n = d->nentries, .top = 3};
	size_t n = mmr_index_top(&o, top);
	printf("report: %s/index.html (and index.md)\n", d->out);
	for (size_t k = 0; k < n; k++)
		printf("  %s\n", top[k]->text);
}

static int demo_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'}, {"no-capture", no_argument, NULL, 'C'},
		{"repeat", required_argument, NULL, 'r'}, {"help", no_argument, NULL, 'h'},
		{"robust", no_argument, NULL, 'R'},
		{NULL, 0, NULL, 0},
	};
	struct demo d = {.out = "mmreplay-demo", .repeat = "5", .capture = true, .tty = isatty(STDERR_FILENO)};
	bool first = true;
	uint64_t v;
	int c;
	while ((c = cli_getopt("demo", argc, argv, "o:r:h", longopts, &first)) != -1) {
		switch (c) {
		case 'o': d.out = optarg; break;
		case 'C': d.capture = false; break;
		case 'R': d.robust = true; break;
		case 'r':
			if (cli_parse_range("demo", "--repeat", optarg, 1, 100, &v))
				return CLI_USAGE;
			d.repeat = optarg;
			break;
		case 'h': return cli_print_help(&cli_cmd_demo);
		default: return CLI_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage("demo", "unexpected argument '%s'", argv[optind]);
	char traces[4200];
	snprintf(traces, sizeof(traces), "%s/traces", d.out);
	int rc = demo_catalog(&d);
	if (!rc && mmr_mkdir_p(traces))
		rc = cli_fail("demo", "%s: cannot create: %s", traces, strerror(errno));
	if (rc) {
		mmr_catalog_free(&d.cat);
		return rc;
	}
	clock_gettime(CLOCK_MONOTONIC, &d.t0);
	d.steps = count_steps(&d.cat);
	real_trace(&d);
	rc = demo_validate(&d);
	for (size_t i = 0; i < d.cat.nfamilies && !rc; i++)
		rc = family_run(&d, &d.cat.families[i]);
	if (!rc) {
		progress(&d, "judging the seed threads' claims");
		rc = demo_claims(&d);
	}
	if (!rc)
		rc = write_index(&d);
	if (d.tty)
		fputc('\n', stderr);
	if (!rc)
		print_top(&d);
	for (size_t i = 0; i < d.nentries; i++) {
		mmr_compare_result_free(&d.results[i]);
		for (int k = 0; k < 4; k++)
			free(d.texts[i][k]);
	}
	demo_claims_free(&d);
	free(d.validate_lines);
	mmr_catalog_free(&d.cat);
	return rc;
}

const struct cli_cmd cli_cmd_demo = {
	.name = "demo",
	.summary = "the whole pipeline in a few minutes: capture, replay every seed variant, compare, report",
	.help = demo_help,
	.run = demo_run,
};
