/* SPDX-License-Identifier: MIT */
/*
 * cmd_import.c - `mmreplay import FILE -o TRACE [-q]`: a perf.data or a
 * trace-cmd trace.dat recorded elsewhere, turned into a .mmr trace.  What
 * the file is comes from its first bytes; the work is the capture
 * library's (capture/import*.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "mmr_capture.h"

static const char import_help[] =
	"usage: mmreplay import FILE -o TRACE [-q]\n"
	"\n"
	"Convert a perf.data (perf record -e kmem:kmalloc ...) or a trace-cmd\n"
	"trace.dat into a .mmr trace.  The allocator tracepoints the file holds\n"
	"(kmem, vmalloc, percpu, cma, dma, rcu) and the kernel's lock waits\n"
	"(lock:contention_begin/end) become events in timestamp order;\n"
	"other events are read and skipped.  The kernel release, CPU count and lost\n"
	"event counts come from the file.  A text file of events, one a line as\n"
	"'mmreplay dump' prints them, is imported too (a hand-written trace).\n"
	"\n"
	"  -o, --output TRACE  the .mmr file to write (replaced if it exists)\n"
	"  -q, --quiet         do not print the summary line\n"
	"  -h, --help          show this help\n"
	"\n"
	"perf.data must be written to a file (not a pipe), in this machine's byte\n"
	"order; 'perf record -z' files are read.  See docs/capture.md.\n";

static int import_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool first = true, quiet = false;
	const char *out = NULL;
	int c;
	while ((c = cli_getopt("import", argc, argv, "o:qh", longopts, &first)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'q': quiet = true; break;
		case 'h': return cli_print_help(&cli_cmd_import);
		default: return CLI_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage("import", "no input file given");
	if (argc - optind > 1)
		return cli_usage("import", "one file at a time: unexpected '%s'", argv[optind + 1]);
	const char *in = argv[optind];
	if (!out)
		return cli_usage("import", "no output file given: -o TRACE");
	int rc = cli_check_input("import", in);
	if (rc || (rc = cli_check_output("import", out)))
		return rc;
	/* The writer truncates its output before the input is read. */
	const struct cli_file files[] = {{in, "the input", false}, {out, "-o", true}};
	if ((rc = cli_check_distinct("import", files, 2)))
		return rc;

	struct timespec t0, t1;
	struct mmr_import_summary sum;
	struct mmr_error err;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (mmr_import(in, out, &sum, &err))
		return cli_fail("import", "%s", err.msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!quiet) {
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
		printf("wrote %s: %" PRIu64 " events from %s %s (%" PRIu64 " records read, %" PRIu64
		       " lost), %" PRIu64 " bytes, %.2f bytes/event, %.2f s\n", out, sum.events,
		       mmr_import_type_name(sum.type), in, sum.records, sum.lost, sum.file_bytes,
		       sum.events ? (double)sum.file_bytes / (double)sum.events : 0.0, secs);
	}
	return CLI_OK;
}

const struct cli_cmd cli_cmd_import = {
	.name = "import",
	.summary = "convert a perf.data or trace.dat into a trace",
	.help = import_help,
	.run = import_run,
};
