/* SPDX-License-Identifier: MIT */
/*
 * cmd_sweep.c - `mmreplay sweep TRACE -e ENGINES -t 1,2,4,8 -o DIR`: the
 * replay at every thread count (through the replay command itself, so
 * every replay option means the same here), then the sweep report
 * (plots/sweep.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "mmr_fs.h"
#include "mmr_report.h"

#define MAX_COUNTS 16
#define MAX_ARGS 128

static const char sweep_help[] =
	"usage: mmreplay sweep TRACE -e ENGINE[,ENGINE...] -o DIR [-t LIST] [--repeat N]\n"
	"                      [--baseline ENGINE] [REPLAY OPTIONS...]\n"
	"\n"
	"Replay TRACE against every engine at every thread count of LIST, then\n"
	"write DIR/report.html and report.md: throughput and p99 per op against\n"
	"threads (one line per engine) and, with two engines or more, the\n"
	"comparison report of each thread count (DIR/threads-N/report).  Thread\n"
	"counts above the online CPUs are run, with a warning: they oversubscribe.\n"
	"\n"
	"  -t, --threads LIST     thread counts, comma-separated (default 1,2,4,8)\n"
	"  -o, --output DIR       the sweep's directory (created): DIR/threads-N/ENGINE\n"
	"                         holds each replay's results\n"
	"  -b, --baseline ENGINE  the engine the others are compared with (default:\n"
	"                         the first of -e)\n"
	"  -q, --quiet            do not print the verdict lines\n"
	"  -h, --help             show this help\n"
	"Every other option (-e, --repeat, --map, --pin, -O, --as, ...) is\n"
	"replay's ('mmreplay help replay').\n";

struct sweep_args {
	const char *list, *out, *baseline;
	const char *engines; /* the -e list: its first engine is the default baseline */
	bool quiet, help;
	char *fwd[MAX_ARGS]; /* argv for replay, minus -t, -o, -q */
	int nfwd;
};

/* Whether replay option ARG takes a value in the next argument. */
static bool takes_value(const char *arg)
{
	static const char *const with[] = {"-e", "--engine", "-m", "--map", "-p", "--pace", "-r", "--repeat",
					   "-n", "--events", "--as", "-O", "--engine-opt", "--engine-path", "--watchdog",
					   "--max-gap"};
	for (size_t i = 0; i < sizeof(with) / sizeof(with[0]); i++)
		if (!strcmp(arg, with[i]))
			return true;
	return false;
}

/* ARG is OPT's short or long form with its value inside ("-t4", "--threads=4"): the value, else NULL. */
static const char *inline_value(const char *arg, const char *s, const char *l)
{
	size_t n = strlen(l);
	if (!strncmp(arg, l, n) && arg[n] == '=')
		return arg + n + 1;
	return !strncmp(arg, s, 2) && arg[2] ? arg + 2 : NULL;
}

/* Take sweep's own options out of ARGV; the rest goes to replay.  Returns 0 or CLI_USAGE. */
static int split_args(int argc, char **argv, struct sweep_args *a)
{
	static const struct {
		const char *s, *l;
	} own[] = {{"-t", "--threads"}, {"-o", "--output"}, {"-b", "--baseline"}};
	const char **dst[] = {&a->list, &a->out, &a->baseline};
	a->fwd[a->nfwd++] = "replay";
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *v = NULL;
		size_t k = 0;
		for (; k < 3; k++)
			if (!strcmp(arg, own[k].s) || !strcmp(arg, own[k].l) || (v = inline_value(arg, own[k].s, own[k].l)))
				break;
		if (k < 3) {
			if (!v && i + 1 >= argc)
				return cli_usage("sweep", "option '%s' needs a value", arg);
			*dst[k] = v ? v : argv[++i];
			continue;
		}
		if (!strcmp(arg, "-q") || !strcmp(arg, "--quiet") || !strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			*(arg[1] == 'q' || arg[2] == 'q' ? &a->quiet : &a->help) = true;
			continue;
		}
		if (a->nfwd + 6 >= MAX_ARGS)
			return cli_usage("sweep", "too many arguments");
		a->fwd[a->nfwd++] = argv[i];
		if (takes_value(arg) && i + 1 < argc) {
			a->fwd[a->nfwd++] = argv[++i];
			if (!strcmp(arg, "-e") || !strcmp(arg, "--engine"))
				a->engines = argv[i];
		} else if ((v = inline_value(arg, "-e", "--engine"))) {
			a->engines = v;
		}
	}
	return 0;
}

/* "1,2,4,8" into COUNTS, ascending and distinct.  Returns how many, or 0 after a usage message. */
static size_t parse_counts(const char *list, unsigned *counts)
{
	size_t n = 0;
	bool bad = false;
	char *copy = strdup(list), *save = NULL;
	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t && !bad; t = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		if (n == MAX_COUNTS)
			bad = cli_usage("sweep", "more than %d thread counts", MAX_COUNTS);
		else if (cli_parse_range("sweep", "--threads", t, 1, 1024, &v))
			bad = true;
		else if (n && v <= counts[n - 1])
			bad = cli_usage("sweep", "thread counts must rise: %llu after %u", (unsigned long long)v,
					counts[n - 1]);
		else
			counts[n++] = (unsigned)v;
	}
	if (!copy)
		bad = cli_fail("sweep", "out of memory");
	else if (!n && !bad)
		bad = cli_usage("sweep", "no thread counts in '%s'", list);
	free(copy);
	return bad ? 0 : n;
}

/* Replay at T threads into DIR through the replay command.  Returns its exit code. */
static int replay_at(struct sweep_args *a, unsigned t, const char *dir)
{
	char threads[16];
	char *argv[MAX_ARGS];
	int n = a->nfwd;
	snprintf(threads, sizeof(threads), "%u", t);
	memcpy(argv, a->fwd, (size_t)n * sizeof(*argv));
	argv[n++] = "-t";
	argv[n++] = threads;
	argv[n++] = "-o";
	argv[n++] = (char *)dir;
	argv[n++] = "-q";
	argv[n] = NULL;
	return cli_cmd_replay.run(n, argv);
}

static int sweep_counts(struct sweep_args *a, const unsigned *counts, size_t n)
{
	char *dirs[MAX_COUNTS] = {0};
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	struct mmr_error err;
	int rc = mmr_mkdir_p(a->out) ? cli_fail("sweep", "%s: cannot create: %s", a->out, strerror(errno)) : 0;
	for (size_t i = 0; i < n && !rc; i++) {
		if (online > 0 && counts[i] > (unsigned)online)
			cli_warn("sweep", "%u threads on %ld online CPUs oversubscribe: latencies and lock contention are "
				 "inflated, and they run under the default policy, not pinned SCHED_FIFO as fewer may "
				 "(replay --sched)", counts[i], online);
		if (asprintf(&dirs[i], "%s/threads-%u", a->out, counts[i]) < 0) {
			dirs[i] = NULL;
			rc = cli_fail("sweep", "out of memory");
			break;
		}
		if (!a->quiet && isatty(STDERR_FILENO))
			fprintf(stderr, "mmreplay sweep: %u thread%s (%zu of %zu)\n", counts[i], counts[i] == 1 ? "" : "s",
				i + 1, n);
		rc = replay_at(a, counts[i], dirs[i]);
	}
	char first[64] = "";
	if (a->engines)
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(a->engines, ","), a->engines);
	struct mmr_sweep_opts o = {.threads = counts, .dirs = (const char *const *)dirs, .n = n, .outdir = a->out,
				   .baseline = a->baseline ? a->baseline : first[0] ? first : NULL};
	struct mmr_compare_result res;
	if (!rc && mmr_sweep_report(&o, &res, &err))
		rc = cli_fail("sweep", "%s", err.msg);
	if (!rc) {
		for (size_t i = 0; !a->quiet && i < res.nverdicts; i++)
			printf("%s\n", res.verdicts[i].text);
		printf("sweep of %u engine%s on %s at %zu thread counts: %s/report.html (and report.md)\n", res.engines,
		       res.engines == 1 ? "" : "s", res.trace, n, a->out);
		mmr_compare_result_free(&res);
	}
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	return rc;
}

static int sweep_run(int argc, char **argv)
{
	struct sweep_args a = {.list = "1,2,4,8"};
	unsigned counts[MAX_COUNTS];
	int rc = split_args(argc, argv, &a);
	if (rc)
		return rc;
	if (a.help)
		return cli_print_help(&cli_cmd_sweep);
	if (!a.out)
		return cli_usage("sweep", "no output directory given: -o DIR");
	size_t n = parse_counts(a.list, counts);
	return n ? sweep_counts(&a, counts, n) : CLI_USAGE;
}

const struct cli_cmd cli_cmd_sweep = {
	.name = "sweep",
	.summary = "replay a trace at several thread counts: scaling plots and a comparison per count",
	.help = sweep_help,
	.run = sweep_run,
};
