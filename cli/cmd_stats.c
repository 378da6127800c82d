/* SPDX-License-Identifier: MIT */
/*
 * cmd_stats.c - `mmreplay stats TRACE [--json]`: what a trace holds, in the
 * manner of `perf kmem stat`.  The figures come from the stats library;
 * this file only opens the trace and picks the report.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "mmr_stats.h"

static const char stats_help[] =
	"usage: mmreplay stats TRACE [--json]\n"
	"\n"
	"Summarize a .mmr trace like 'perf kmem stat': events per family and op,\n"
	"slab bytes requested, allocated and freed, internal fragmentation, pages by\n"
	"order, frees on another CPU than their allocation, object lifetimes, the top\n"
	"call sites by bytes, and what is still live at the end.\n"
	"\n"
	"  -j, --json   print a JSON document instead (keys in docs/stats-json.md)\n"
	"  -h, --help   show this help\n"
	"\n"
	"A trace whose writer was killed is read up to its last complete block, with\n"
	"a warning.  A corrupt or truncated trace is an error naming the byte offset.\n";

static int stats_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool first = true, json = false;
	int c;
	while ((c = cli_getopt("stats", argc, argv, "jh", longopts, &first)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'h': return cli_print_help(&cli_cmd_stats);
		default: return CLI_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage("stats", "no trace file given");
	if (argc - optind > 1)
		return cli_usage("stats", "one trace at a time: unexpected '%s'", argv[optind + 1]);
	const char *path = argv[optind];
	struct mmr_reader *r;
	int rc = cli_open_trace("stats", path, &r);
	if (rc)
		return rc;
	struct mmr_error err;
	struct mmr_stats *s = mmr_stats_from_reader(r, &err);
	if (!s) {
		mmr_reader_close(r);
		return cli_fail("stats", "%s", err.msg);
	}
	rc = CLI_OK;
	if (json) {
		char *text = mmr_stats_json(s, r);
		if (text)
			printf("%s\n", text);
		else
			rc = cli_fail("stats", "out of memory building the JSON report");
		free(text);
	} else {
		mmr_stats_print(s, r, stdout);
	}
	mmr_stats_free(s);
	mmr_reader_close(r);
	return rc;
}

const struct cli_cmd cli_cmd_stats = {
	.name = "stats",
	.summary = "summarize a trace (counts, bytes, fragmentation, lifetimes, call sites)",
	.help = stats_help,
	.run = stats_run,
};
