/* SPDX-License-Identifier: MIT */
/*
 * cmd_replay.c - `mmreplay replay TRACE -e ENGINE[,ENGINE...] -o DIR`:
 * replay a trace against each engine in turn and write its results.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "mmr_calibrate.h"
#include "mmr_replay.h"

#define MAX_OPTS 64
#define MAX_ENGINES 16

static const char replay_help[] =
	"usage: mmreplay replay TRACE -e ENGINE[,ENGINE...] -o RESULTS_DIR [-t THREADS]\n"
	"                       [--map cpu|pid|hash] [--pin] [--pace asap|original|xFACTOR] [--max-gap SECONDS]\n"
	"                       [--kernel default|rt] [--sched auto|fifo|other] [--repeat N] [--as FAMILY] [--events N] [--engine-opt KEY=VALUE...]\n"
	"                       [--no-timing] [--window OPS] [--engine-path PATH] [--watchdog SECONDS]\n"
	"                       [--profile FILE | --no-profile] [-q]\n"
	"\n"
	"Replay a trace's events on threads against each engine ('mmreplay list engines'),\n"
	"timing every call, and write RESULTS_DIR/ENGINE/results.json (docs/results-json.md),\n"
	"which 'mmreplay plot' and 'mmreplay compare' draw; print a summary per engine.\n"
	"\n"
	"  -e, --engine LIST     engines to replay against, one after the other\n"
	"  -o, --output DIR      results directory (created)\n"
	"  -t, --threads N       replay threads (default: one per CPU, or task, of the trace)\n"
	"  -m, --map KIND        cpu: a thread per trace CPU (default); pid: per task;\n"
	"                        hash: objects spread by id\n"
	"      --pin             pin replay thread i to online CPU i\n"
	"  -p, --pace MODE       asap (default), original (the trace's timing), or xF\n"
	"                        (the trace's timing F times faster: x2, x0.5; F 0.001..1e6)\n"
	"      --kernel KIND     default, or rt: locks as PREEMPT_RT runs them (spinlock_t and\n"
	"                        rwlock_t sleep; raw and bit spinlocks spin, bit ones are RT hazards)\n"
	"      --sched POLICY    fifo: replay threads pinned, SCHED_FIFO, so a lock holder is not\n"
	"                        preempted, as in the kernel (needs a CPU per thread and root or\n"
	"                        CAP_SYS_NICE); other: the default policy; auto (default): fifo\n"
	"                        when it can be had. Holds preempted anyway are counted apart\n"
	"      --max-gap SECS    cut gaps longer than SECS of trace time to SECS (default 10,\n"
	"                        at most 3600; counted in the results): pacing and the\n"
	"                        engines' timed mechanisms run by trace time without them\n"
	"  -r, --repeat N        N fresh runs (default 1): means and 95% intervals\n"
	"      --as FAMILY       replay events of families the engine lacks as FAMILY\n"
	"  -n, --events N        replay only the trace's first N events (a quick look)\n"
	"  -O, --engine-opt K=V  an engine option (see 'mmreplay list engines -v'); repeatable\n"
	"      --no-timing       throughput only: no clock around each call\n"
	"      --window OPS      plan and hold at most OPS ops at once (default 8M, 256 MB):\n"
	"                        a longer trace replays a window at a time, the threads\n"
	"                        meeting between windows, in memory that does not grow with it\n"
	"      --engine-path P   also load engines from P (directories or .so files, ':'-separated)\n"
	"      --watchdog SECS   abort when no thread moves for SECS (default 30); exit 3,\n"
	"                        naming each thread's op and where it is stuck\n"
	"      --profile FILE    take the engines' cost options from this calibrate profile\n"
	"                        (default: $MMREPLAY_PROFILE, else ~/.cache/mmreplay/profile.json,\n"
	"                        when there is one; see 'mmreplay calibrate')\n"
	"      --no-profile      use the engines' built-in (cited) cost defaults\n"
	"  -q, --quiet           no progress line and no summary\n";

struct replay_args {
	struct mmr_replay_opts o;
	struct mmr_profile profile;
	const char *engines, *out, *engine_path, *profile_path;
	bool no_profile;
	const char *keys[MAX_OPTS], *values[MAX_OPTS];
	char *opt_copy[MAX_OPTS];
	size_t nopts;
	bool quiet, help, warned;
};

enum { OPT_PIN = 256, OPT_AS, OPT_NO_TIMING, OPT_ENGINE_PATH, OPT_WATCHDOG, OPT_MAX_GAP, OPT_PROFILE, OPT_NO_PROFILE,
       OPT_KERNEL, OPT_SCHED, OPT_WINDOW };

static int parse_pace(const char *text, struct mmr_replay_opts *o)
{
	char *end;
	if (strcmp(text, "asap") == 0) {
		o->pace = MMR_PACE_ASAP;
		return 0;
	}
	o->pace = MMR_PACE_ORIGINAL;
	o->pace_factor = 1.0;
	if (strcmp(text, "original") == 0)
		return 0;
	if (text[0] == 'x') {
		errno = 0;
		o->pace_factor = strtod(text + 1, &end);
		if (end != text + 1 && *end == '\0' && errno == 0 && o->pace_factor >= MMR_PACE_FACTOR_MIN &&
		    o->pace_factor <= MMR_PACE_FACTOR_MAX)
			return 0;
	}
	return cli_usage("replay", "bad pace '%s': asap, original or xFACTOR with FACTOR %g..%g (x2, x0.5)", text,
			 MMR_PACE_FACTOR_MIN, MMR_PACE_FACTOR_MAX);
}

static int parse_map(const char *text, enum mmr_replay_map *map)
{
	static const char *const names[] = {"cpu", "pid", "hash"};
	for (unsigned i = 0; i < 3; i++)
		if (strcmp(text, names[i]) == 0) {
			*map = (enum mmr_replay_map)i;
			return 0;
		}
	return cli_usage("replay", "bad map '%s': cpu, pid or hash", text);
}

static int add_opt(struct replay_args *a, const char *text)
{
	const char *eq = strchr(text, '=');
	if (!eq || eq == text)
		return cli_usage("replay", "bad engine option '%s': expected KEY=VALUE", text);
	if (a->nopts == MAX_OPTS)
		return cli_usage("replay", "more than %d engine options", MAX_OPTS);
	char *key = strndup(text, (size_t)(eq - text));
	if (!key)
		return cli_fail("replay", "out of memory");
	a->opt_copy[a->nopts] = key;
	a->keys[a->nopts] = key;
	a->values[a->nopts++] = eq + 1;
	return 0;
}

/* TEXT as seconds in (0, MAX] into *SECS.  Returns 0, or CLI_USAGE after saying why. */
static int parse_secs(const char *text, const char *opt, double max, double *secs)
{
	char *end;
	errno = 0;
	*secs = strtod(text, &end);
	if (end == text || *end || errno || !(*secs > 0 && *secs <= max))
		return cli_usage("replay", "bad %s '%s': expected seconds, more than 0 and at most %g", opt, text, max);
	return 0;
}

static int parse_option(struct replay_args *a, int c)
{
	uint64_t v;
	double secs;
	switch (c) {
	case 'e': a->engines = optarg; return 0;
	case 'o': a->out = optarg; return 0;
	case 'q': a->quiet = true; return 0;
	case 'h': a->help = true; return 0;
	case OPT_PIN: a->o.pin = true; return 0;
	case OPT_NO_TIMING: a->o.timing = false; return 0;
	case OPT_ENGINE_PATH: a->engine_path = optarg; return 0;
	case OPT_PROFILE: a->profile_path = optarg; return 0;
	case OPT_NO_PROFILE: a->no_profile = true; return 0;
	case 'm': return parse_map(optarg, &a->o.map);
	case 'p': return parse_pace(optarg, &a->o);
	case 'O': return add_opt(a, optarg);
	case 't':
		if (cli_parse_range("replay", "--threads", optarg, 1, 1024, &v))
			return CLI_USAGE;
		a->o.threads = (unsigned)v;
		return 0;
	case 'r':
		if (cli_parse_range("replay", "--repeat", optarg, 1, 1000, &v))
			return CLI_USAGE;
		a->o.repeat = (unsigned)v;
		return 0;
	case 'n':
		return cli_parse_range("replay", "--events", optarg, 1, UINT64_MAX, &a->o.max_events) ? CLI_USAGE : 0;
	case OPT_WINDOW:
		return cli_parse_range("replay", "--window", optarg, 1, UINT64_MAX, &a->o.window_ops) ? CLI_USAGE : 0;
	case OPT_AS:
		if ((a->o.as_family = mmr_family_from_name(optarg)) < 0)
			return cli_usage("replay", "unknown family '%s' for --as", optarg);
		if (a->o.as_family == MMR_FAM_LOCK)
			return cli_usage("replay", "--as lock: lock is the kernel's contention, not an allocator family");
		return 0;
	case OPT_WATCHDOG:
		if (parse_secs(optarg, "--watchdog", 1e6, &secs))
			return CLI_USAGE;
		a->o.watchdog_s = secs;
		return 0;
	case OPT_MAX_GAP:
		if (parse_secs(optarg, "--max-gap", MMR_MAX_GAP_MAX_S, &secs))
			return CLI_USAGE;
		a->o.max_gap_s = secs;
		return 0;
	case OPT_KERNEL:
		if (strcmp(optarg, "default") && strcmp(optarg, "rt"))
			return cli_usage("replay", "bad --kernel '%s': default or rt", optarg);
		a->o.kernel_rt = strcmp(optarg, "rt") == 0;
		return 0;
	case OPT_SCHED:
		if (mmr_replay_sched_from_name(optarg, &a->o.sched))
			return cli_usage("replay", "bad --sched '%s': auto, fifo or other", optarg);
		return 0;
	default:
		return CLI_USAGE;
	}
}

static int parse_args(int argc, char **argv, struct replay_args *a)
{
	static const struct option longopts[] = {
		{"engine", required_argument, NULL, 'e'},   {"output", required_argument, NULL, 'o'},
		{"threads", required_argument, NULL, 't'},  {"map", required_argument, NULL, 'm'},
		{"pin", no_argument, NULL, OPT_PIN},        {"pace", required_argument, NULL, 'p'},
		{"repeat", required_argument, NULL, 'r'},   {"as", required_argument, NULL, OPT_AS},
		{"engine-opt", required_argument, NULL, 'O'}, {"no-timing", no_argument, NULL, OPT_NO_TIMING},
		{"engine-path", required_argument, NULL, OPT_ENGINE_PATH},
		{"watchdog", required_argument, NULL, OPT_WATCHDOG}, {"max-gap", required_argument, NULL, OPT_MAX_GAP},
		{"events", required_argument, NULL, 'n'},   {"kernel", required_argument, NULL, OPT_KERNEL},
		{"sched", required_argument, NULL, OPT_SCHED},     {"window", required_argument, NULL, OPT_WINDOW},
		{"profile", required_argument, NULL, OPT_PROFILE}, {"no-profile", no_argument, NULL, OPT_NO_PROFILE},
		{"quiet", no_argument, NULL, 'q'},          {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool first = true;
	int c, rc = 0;
	while (!rc && (c = cli_getopt("replay", argc, argv, "e:o:t:m:p:r:n:O:qh", longopts, &first)) != -1)
		rc = parse_option(a, c);
	if (rc || a->help)
		return rc;
	if (optind >= argc)
		return cli_usage("replay", "no trace file given");
	if (argc - optind > 1)
		return cli_usage("replay", "one trace at a time: unexpected '%s'", argv[optind + 1]);
	a->o.trace = argv[optind];
	if (!a->engines)
		return cli_usage("replay", "no engine given: -e ENGINE (see 'mmreplay list engines')");
	if (!a->out)
		return cli_usage("replay", "no results directory given: -o RESULTS_DIR");
	if (a->profile_path && a->no_profile)
		return cli_usage("replay", "--profile and --no-profile: one or the other");
	return cli_check_trace("replay", a->o.trace);
}

/* Every --engine-opt key must belong to some chosen engine. */
static int check_opt_keys(const struct replay_args *a, const struct mmr_engine_ops *const *e, size_t n)
{
	for (size_t i = 0; i < a->nopts; i++) {
		bool known = false;
		for (size_t k = 0; k < n && !known; k++)
			for (const struct mmr_engine_param *p = e[k]->params; p && p->key && !known; p++)
				known = strcmp(p->key, a->keys[i]) == 0;
		if (!known)
			return cli_usage("replay", "no chosen engine takes option '%s' (see 'mmreplay list engines -v')",
					 a->keys[i]);
	}
	return 0;
}

/* Replay against E with the options it declares.  Returns an exit code. */
static int replay_one(struct replay_args *a, const struct mmr_engine_ops *e)
{
	const char *keys[MAX_OPTS], *values[MAX_OPTS];
	struct mmr_replay_opts o = a->o;
	struct mmr_error err;
	o.engine = e;
	o.nopts = 0;
	for (size_t i = 0; i < a->nopts; i++)
		for (const struct mmr_engine_param *p = e->params; p && p->key; p++)
			if (strcmp(p->key, a->keys[i]) == 0) {
				keys[o.nopts] = a->keys[i];
				values[o.nopts++] = a->values[i];
			}
	o.opt_keys = keys;
	o.opt_values = values;
	struct mmr_replay_result *r = mmr_replay_run(&o, &err);
	if (!r)
		return cli_fail("replay", "%s", err.msg);
	/* Once, before the first engine's figures: what of the trace was lost. */
	if (mmr_replay_trace_warning(r) && !a->warned) {
		cli_warn("replay", "%s", mmr_replay_trace_warning(r));
		a->warned = true;
	}
	int rc = mmr_replay_write(r, a->out, &err) ? cli_fail("replay", "%s", err.msg) : CLI_OK;
	if (!a->quiet) {
		mmr_replay_print(r, stdout);
		printf("results in %s/%s/\n\n", a->out, e->name);
	}
	mmr_replay_result_free(r);
	return rc;
}

/* Load the engines, check the -e list and options, replay against each.  Returns an exit code. */
static int replay_engines(struct replay_args *a)
{
	const struct mmr_engine_ops *engines[MAX_ENGINES];
	size_t n = 0;
	char *path = cli_engine_path(a->engine_path);
	struct mmr_engine_catalog *cat = path ? mmr_engines_load(path, stderr) : NULL;
	int rc = cat ? cli_pick_engines("replay", cat, a->engines, engines, MAX_ENGINES, &n) : cli_fail("replay", "out of memory");
	if (!rc)
		rc = check_opt_keys(a, engines, n);
	a->o.progress = !a->quiet && isatty(STDERR_FILENO);
	for (size_t i = 0; !rc && i < n; i++)
		rc = replay_one(a, engines[i]);
	mmr_engines_free(cat);
	free(path);
	return rc;
}

static int replay_run(int argc, char **argv)
{
	struct replay_args a = {.o = {.timing = true, .as_family = -1, .pace_factor = 1.0}};
	int rc = parse_args(argc, argv, &a);
	if (!rc && !a.help)
		rc = cli_load_profile("replay", a.profile_path, a.no_profile, a.quiet, &a.profile, &a.o.profile);
	if (!rc)
		rc = a.help ? cli_print_help(&cli_cmd_replay) : replay_engines(&a);
	for (size_t i = 0; i < a.nopts; i++)
		free(a.opt_copy[i]);
	return rc;
}

const struct cli_cmd cli_cmd_replay = {
	.name = "replay",
	.summary = "replay a trace against engines on threads, timing every call",
	.help = replay_help,
	.run = replay_run,
};
