/* SPDX-License-Identifier: MIT */
/*
 * cmd_list.c - `mmreplay list WHAT`: what this build can do.  Each kind of
 * thing listed is one entry of the table below; later stages add theirs
 * (engines, events) the same way.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "mmr_capture.h"
#include "mmr_replay.h"
#include "mmr_workload.h"

static const char list_help[] =
	"usage: mmreplay list WHAT [-v] [--engine-path PATH]\n"
	"\n"
	"Show what this build of mmreplay has.  WHAT is one of:\n"
	"  workloads   the synthetic workloads of 'mmreplay generate'\n"
	"  events      per capture family, the tracepoints and whether this kernel has them\n"
	"  engines     the replay engines found (the install's or build's, $MMREPLAY_ENGINE_PATH, --engine-path)\n"
	"\n"
	"  -v, --verbose      also show each entry's options, defaults and ranges\n"
	"      --engine-path P  engines: also load them from P (directories or .so files,\n"
	"                     ':'-separated), searched first\n"
	"  -h, --help         show this help\n";

static int list_workloads(bool verbose)
{
	printf("%-16s %-11s %s\n", "WORKLOAD", "FAMILY", "SUMMARY");
	for (size_t i = 0; i < mmr_workload_count(); i++) {
		const struct mmr_workload *wl = mmr_workload_get(i);
		printf("%-16s %-11s %s\n", wl->name, mmr_family_name(wl->family), wl->summary);
		if (!verbose)
			continue;
		printf("%-16s %-11s mirrors %s\n", "", "", wl->mirrors);
		for (size_t p = 0; p < wl->nparams; p++) {
			const struct mmr_workload_param *pa = &wl->params[p];
			printf("%-16s %-11s --%s %" PRIu64 " (%" PRIu64 "..%" PRIu64 "): %s\n", "", "",
			       pa->name, pa->def, pa->min, pa->max, pa->help);
		}
	}
	return CLI_OK;
}

static int list_events(bool verbose)
{
	struct mmr_error err;
	(void)verbose;
	if (mmr_capture_list_events(stdout, &err))
		return cli_fail("list", "%s", err.msg);
	return CLI_OK;
}

/* --engine-path of `list engines`. */
static const char *engine_path_opt;

static void print_families(uint32_t families)
{
	char buf[128];
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned f = 0; f < MMR_FAM_COUNT && n < sizeof(buf); f++)
		if (families & (1u << f))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "", mmr_family_name(f));
	printf("%-22s", (families & MMR_FAM_ALLOCATORS) == MMR_FAM_ALLOCATORS ? "all" : buf);
}

static int list_engines(bool verbose)
{
	char *path = cli_engine_path(engine_path_opt);
	struct mmr_engine_catalog *c = path ? mmr_engines_load(path, stderr) : NULL;
	if (!c) {
		free(path);
		return cli_fail("list", "out of memory");
	}
	printf("%-20s %-22s %s\n", "ENGINE", "FAMILIES", "DESCRIPTION");
	for (size_t i = 0; i < mmr_engines_count(c); i++) {
		const char *file;
		const struct mmr_engine_ops *e = mmr_engines_get(c, i, &file);
		printf("%-20s ", e->name);
		print_families(e->families);
		const char *why = e->unavailable ? e->unavailable() : NULL;
		printf(" %s%s%s%s\n", e->description ? e->description : "", why ? " (unavailable: " : "",
		       why ? why : "", why ? ")" : "");
		if (!verbose)
			continue;
		printf("%-20s file %s\n", "", file);
		if (e->kernel)
			printf("%-20s models the kernel's own design in releases %s (mmreplay validate)\n", "", e->kernel);
		for (const struct mmr_engine_param *p = e->params; p && p->key; p++)
			printf("%-20s --engine-opt %s=%s: %s\n", "", p->key, p->def ? p->def : "", p->help ? p->help : "");
	}
	if (mmr_engines_count(c) == 0)
		printf("(none found in %s)\n", path);
	mmr_engines_free(c);
	free(path);
	return CLI_OK;
}

static const struct {
	const char *what;
	int (*list)(bool verbose);
} listers[] = {
	{"workloads", list_workloads},
	{"events", list_events},
	{"engines", list_engines},
};

static int list_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"verbose", no_argument, NULL, 'v'},
		{"engine-path", required_argument, NULL, 'E'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool first = true, verbose = false;
	int c;
	while ((c = cli_getopt("list", argc, argv, "vhE:", longopts, &first)) != -1) {
		switch (c) {
		case 'v': verbose = true; break;
		case 'E': engine_path_opt = optarg; break;
		case 'h': return cli_print_help(&cli_cmd_list);
		default: return CLI_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage("list", "nothing to list: say 'workloads', 'events' or 'engines'");
	if (argc - optind > 1)
		return cli_usage("list", "one thing at a time: unexpected '%s'", argv[optind + 1]);
	for (size_t i = 0; i < sizeof(listers) / sizeof(listers[0]); i++)
		if (strcmp(argv[optind], listers[i].what) == 0)
			return listers[i].list(verbose);
	return cli_usage("list", "cannot list '%s': say 'workloads', 'events' or 'engines'", argv[optind]);
}

const struct cli_cmd cli_cmd_list = {
	.name = "list",
	.summary = "list what this build has (workloads, events, engines)",
	.help = list_help,
	.run = list_run,
};
