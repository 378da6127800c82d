/* SPDX-License-Identifier: MIT */
/*
 * cmd_generate.c - `mmreplay generate WORKLOAD -o TRACE [--seed N]
 * [--cpus N] [--ops N] [--PARAM VALUE...]`: a synthetic trace from one of
 * the built-in workloads.
 *
 * Workload options are only known once the workload is, and getopt wants
 * its table up front, so the table holds the common options plus every
 * workload's params; a param the chosen workload lacks is refused after
 * parsing, naming the workload.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "mmr_workload.h"

#define GEN_DEFAULT_SEED 1
#define GEN_DEFAULT_CPUS 4
#define GEN_DEFAULT_OPS 1000000
/* getopt values of workload params: GEN_PARAM_BASE + index into the names table. */
#define GEN_PARAM_BASE 256
#define GEN_MAX_NAMES 128
#define GEN_NCOMMON 6

static const char generate_help[] =
	"usage: mmreplay generate WORKLOAD -o TRACE [--seed N] [--cpus N] [--ops N]\n"
	"                         [--PARAM VALUE...]\n"
	"\n"
	"Write a synthetic trace from a built-in workload ('mmreplay list workloads').\n"
	"The same workload, seed, CPUs, ops and params give a byte-identical file.\n"
	"\n"
	"  -o, --output TRACE  the .mmr file to write (replaced if it exists)\n"
	"  -s, --seed N        PRNG seed (default 1)\n"
	"  -c, --cpus N        simulated CPUs (default 4)\n"
	"  -n, --ops N         exact number of events (default 1000000)\n"
	"  -q, --quiet         do not print the summary line\n"
	"  -h, --help          show this help; after WORKLOAD, that workload's params\n"
	"\n"
	"Numbers take a k, M or G suffix (powers of 1000): --ops 2M.  Each workload's\n"
	"params are listed by 'mmreplay generate WORKLOAD --help' and docs/workloads.md.\n";

/* Every param name of every workload, once: the long options beyond the common ones. */
static size_t collect_param_names(const char **names)
{
	size_t n = 0;
	for (size_t w = 0; w < mmr_workload_count(); w++) {
		const struct mmr_workload *wl = mmr_workload_get(w);
		for (size_t p = 0; p < wl->nparams; p++) {
			size_t i = 0;
			while (i < n && strcmp(names[i], wl->params[p].name) != 0)
				i++;
			if (i == n && n < GEN_MAX_NAMES)
				names[n++] = wl->params[p].name;
		}
	}
	return n;
}

static int print_workload_help(const struct mmr_workload *wl)
{
	printf("%s: %s\nMirrors: %s\nFamily: %s\n\nParams:\n", wl->name, wl->summary,
	       wl->mirrors, mmr_family_name(wl->family));
	for (size_t i = 0; i < wl->nparams; i++) {
		const struct mmr_workload_param *p = &wl->params[i];
		printf("  --%-22s %s (default %" PRIu64 ", %" PRIu64 "..%" PRIu64 ")\n", p->name,
		       p->help, p->def, p->min, p->max);
	}
	if (wl->nparams == 0)
		printf("  (none)\n");
	return CLI_OK;
}

/* What the command line asked for. */
struct gen_args {
	const char *workload, *output;
	uint64_t seed, cpus, ops;
	bool quiet, help;
	/* Workload params as typed: names-table index and value text, in order. */
	size_t nset;
	struct {
		size_t name;
		const char *value;
	} set[GEN_MAX_NAMES];
};

/* Record param NAME = VALUE; a repeated param keeps its last value, as the common options do. */
static void set_param(struct gen_args *a, size_t name, const char *value)
{
	size_t i = 0;
	while (i < a->nset && a->set[i].name != name)
		i++;
	a->set[i].name = name;
	a->set[i].value = value;
	if (i == a->nset)
		a->nset++;
}

static int parse_args(int argc, char **argv, const char **names, size_t nnames,
		      struct gen_args *a)
{
	struct option longopts[GEN_NCOMMON + GEN_MAX_NAMES + 1] = {
		{"output", required_argument, NULL, 'o'}, {"seed", required_argument, NULL, 's'},
		{"cpus", required_argument, NULL, 'c'},   {"ops", required_argument, NULL, 'n'},
		{"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
	};
	for (size_t i = 0; i < nnames; i++)
		longopts[GEN_NCOMMON + i] = (struct option){names[i], required_argument, NULL,
							    GEN_PARAM_BASE + (int)i};
	bool first = true;
	int c, rc = 0;
	while (!rc && (c = cli_getopt("generate", argc, argv, "o:s:c:n:qh", longopts, &first)) != -1) {
		switch (c) {
		case 'o': a->output = optarg; break;
		case 's': rc = cli_parse_u64("generate", "--seed", optarg, &a->seed); break;
		case 'c': rc = cli_parse_range("generate", "--cpus", optarg, 1, UINT32_MAX, &a->cpus); break;
		case 'n': rc = cli_parse_range("generate", "--ops", optarg, 1, UINT64_MAX, &a->ops); break;
		case 'q': a->quiet = true; break;
		case 'h': a->help = true; break;
		case '?': rc = CLI_USAGE; break;
		default:
			set_param(a, (size_t)(c - GEN_PARAM_BASE), optarg);
			break;
		}
	}
	if (rc)
		return rc;
	if (optind < argc)
		a->workload = argv[optind];
	if (argc - optind > 1)
		return cli_usage("generate", "one workload at a time: unexpected '%s'", argv[optind + 1]);
	return 0;
}

/* Fill CFG from A for WL: defaults, then the params A sets.  Returns 0 or CLI_USAGE. */
static int build_config(const struct mmr_workload *wl, const struct gen_args *a,
			const char **names, struct mmr_workload_config *cfg)
{
	cfg->seed = a->seed;
	cfg->cpus = (uint32_t)a->cpus;
	cfg->ops = a->ops;
	mmr_workload_defaults(wl, cfg);
	for (size_t i = 0; i < a->nset; i++) {
		const char *name = names[a->set[i].name];
		char opt[80];
		int idx = mmr_workload_param_index(wl, name);
		if (idx < 0)
			return cli_usage("generate", "workload %s has no option --%s (see 'mmreplay generate %s --help')",
					 wl->name, name, wl->name);
		snprintf(opt, sizeof(opt), "--%s", name);
		if (cli_parse_u64("generate", opt, a->set[i].value, &cfg->params[idx]))
			return CLI_USAGE;
	}
	struct mmr_error err;
	if (mmr_workload_check(wl, cfg, &err))
		return cli_usage("generate", "%s", err.msg);
	return 0;
}

static int generate_run(int argc, char **argv)
{
	const char *names[GEN_MAX_NAMES];
	size_t nnames = collect_param_names(names);
	struct gen_args a = {.seed = GEN_DEFAULT_SEED, .cpus = GEN_DEFAULT_CPUS, .ops = GEN_DEFAULT_OPS};
	int rc = parse_args(argc, argv, names, nnames, &a);
	if (rc)
		return rc;
	const struct mmr_workload *wl = a.workload ? mmr_workload_find(a.workload) : NULL;
	if (a.help)
		return wl ? print_workload_help(wl) : cli_print_help(&cli_cmd_generate);
	if (!a.workload)
		return cli_usage("generate", "no workload given (see 'mmreplay list workloads')");
	if (!wl)
		return cli_usage("generate", "unknown workload '%s' (see 'mmreplay list workloads')", a.workload);
	if (!a.output)
		return cli_usage("generate", "no output file given: -o TRACE");

	struct mmr_workload_config cfg;
	if ((rc = build_config(wl, &a, names, &cfg)) || (rc = cli_check_output("generate", a.output)))
		return rc;
	struct timespec t0, t1;
	struct mmr_error err;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (mmr_workload_write(wl, &cfg, a.output, NULL, &err))
		return cli_fail("generate", "%s", err.msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	struct stat st;
	if (!a.quiet && stat(a.output, &st) == 0) {
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
		printf("wrote %s: %" PRIu64 " events of workload %s (seed %" PRIu64 ", %" PRIu64
		       " cpus), %lld bytes, %.2f bytes/event, %.2f s\n", a.output, cfg.ops, wl->name,
		       cfg.seed, (uint64_t)cfg.cpus, (long long)st.st_size,
		       (double)st.st_size / (double)cfg.ops, secs);
	}
	return CLI_OK;
}

const struct cli_cmd cli_cmd_generate = {
	.name = "generate",
	.summary = "write a synthetic trace from a built-in workload",
	.help = generate_help,
	.run = generate_run,
};
