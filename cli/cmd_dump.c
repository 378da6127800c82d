/* SPDX-License-Identifier: MIT */
/*
 * cmd_dump.c - `mmreplay dump TRACE`: every event as a line of text, in
 * the manner of `perf script` and `trace-cmd report`, for reading a trace
 * and for comparing two traces with diff.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "mmr_trace.h"

static const char dump_help[] =
	"usage: mmreplay dump TRACE [-n COUNT]\n"
	"\n"
	"Print the events of a .mmr trace, one per line:\n"
	"  TIMESTAMP_NS CPU PID COMM FAMILY OP id=ID [field=value...]\n"
	"Fields that are zero (or -1 for node) are left out; call sites are shown\n"
	"by symbol when the trace names them.\n"
	"\n"
	"  -n, --count N  stop after N events\n"
	"  -h, --help     show this help\n";

static void print_event(const struct mmr_reader *r, const struct mmr_event *e)
{
	const char *comm = mmr_reader_comm(r, e->pid);
	printf("%" PRIu64 " %" PRIu32 " %" PRId32 " %s %s %s id=0x%" PRIx64, e->ts_ns, e->cpu, e->pid,
	       comm ? comm : "-", mmr_family_name(e->family), mmr_op_name(e->op), e->id);
	if (e->aux)
		printf(" aux=0x%" PRIx64, e->aux);
	if (e->bytes_req)
		printf(" req=%" PRIu64, e->bytes_req);
	if (e->bytes_alloc)
		printf(" alloc=%" PRIu64, e->bytes_alloc);
	if (e->order)
		printf(" order=%u", e->order);
	if (e->gfp)
		printf(" gfp=0x%" PRIx32, e->gfp);
	if (e->node != -1)
		printf(" node=%" PRId32, e->node);
	for (unsigned b = 0; b < 16; b++)
		if (e->flags & (1u << b))
			printf(" %s", mmr_event_flag_name(b) ? mmr_event_flag_name(b) : "flag?");
	if (e->call_site) {
		const char *sym = mmr_reader_symbol(r, e->call_site);
		if (sym)
			printf(" site=%s", sym);
		else
			printf(" site=0x%" PRIx64, e->call_site);
	}
	putchar('\n');
}

static int dump_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"count", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool first = true;
	uint64_t limit = UINT64_MAX;
	int c, rc = 0;
	while (!rc && (c = cli_getopt("dump", argc, argv, "n:h", longopts, &first)) != -1) {
		switch (c) {
		case 'n': rc = cli_parse_u64("dump", "--count", optarg, &limit); break;
		case 'h': return cli_print_help(&cli_cmd_dump);
		default: rc = CLI_USAGE; break;
		}
	}
	if (rc)
		return rc;
	if (optind >= argc)
		return cli_usage("dump", "no trace file given");
	if (argc - optind > 1)
		return cli_usage("dump", "one trace at a time: unexpected '%s'", argv[optind + 1]);
	struct mmr_reader *r;
	if ((rc = cli_open_trace("dump", argv[optind], &r)))
		return rc;
	struct mmr_error err;
	struct mmr_event ev;
	uint64_t n = 0;
	while (n < limit && (rc = mmr_reader_next(r, &ev, &err)) == 1) {
		print_event(r, &ev);
		n++;
	}
	mmr_reader_close(r);
	if (rc < 0)
		return cli_fail("dump", "%s", err.msg);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_dump = {
	.name = "dump",
	.summary = "print a trace's events as text, one per line",
	.help = dump_help,
	.run = dump_run,
};
