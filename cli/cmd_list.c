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
#include "mmr_workload.h"

static const char list_help[] =
	"usage: mmreplay list WHAT [-v]\n"
	"\n"
	"Show what this build of mmreplay has.  WHAT is one of:\n"
	"  workloads   the synthetic workloads of 'mmreplay generate'\n"
	"  events      per capture family, the tracepoints and whether this kernel has them\n"
	"\n"
	"  -v, --verbose  also show each entry's options, defaults and ranges\n"
	"  -h, --help     show this help\n";

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

static const struct {
	const char *what;
	int (*list)(bool verbose);
} listers[] = {
	{"workloads", list_workloads},
	{"events", list_events},
};

static int list_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool first = true, verbose = false;
	int c;
	while ((c = cli_getopt("list", argc, argv, "vh", longopts, &first)) != -1) {
		switch (c) {
		case 'v': verbose = true; break;
		case 'h': return cli_print_help(&cli_cmd_list);
		default: return CLI_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage("list", "nothing to list: say 'workloads' or 'events'");
	if (argc - optind > 1)
		return cli_usage("list", "one thing at a time: unexpected '%s'", argv[optind + 1]);
	for (size_t i = 0; i < sizeof(listers) / sizeof(listers[0]); i++)
		if (strcmp(argv[optind], listers[i].what) == 0)
			return listers[i].list(verbose);
	return cli_usage("list", "cannot list '%s': say 'workloads' or 'events'", argv[optind]);
}

const struct cli_cmd cli_cmd_list = {
	.name = "list",
	.summary = "list what this build has (workloads, events)",
	.help = list_help,
	.run = list_run,
};
