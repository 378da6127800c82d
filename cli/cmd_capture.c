/* SPDX-License-Identifier: MIT */
/*
 * cmd_capture.c - `mmreplay capture`: record the kernel's allocation and
 * free tracepoints live into a .mmr trace (and optionally a trace.dat).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "mmr_capture.h"

static const char capture_help[] =
	"usage: mmreplay capture -o TRACE [-e FAMILY[,FAMILY...]] [-d SECONDS] [--pid PID]\n"
	"                        [--buffer-kb N] [--trace-dat FILE] [--lock-stacks N] [-F]\n"
	"                        [--max-size SIZE [--rotate N]] [-- COMMAND [ARGS...]]\n"
	"\n"
	"Record the kernel's allocation and free tracepoints into a .mmr trace, in a\n"
	"private tracefs instance that leaves your own tracing alone.  Runs until\n"
	"Ctrl-C (or SIGTERM, SIGHUP), for -d SECONDS, or for as long as COMMAND runs.\n"
	"Needs root.\n"
	"\n"
	"  -o, --output TRACE     the .mmr file to write\n"
	"  -e, --events LIST      families: slab, page, vmalloc, percpu, cma, dma, rcu, lock, all\n"
	"                         (default slab,page,vmalloc; 'mmreplay list events' shows\n"
	"                         which tracepoints this kernel has; lock: the kernel's\n"
	"                         own lock contention, which 'mmreplay stats' tabulates)\n"
	"  -d, --duration SECS    stop after SECS seconds (a fraction is fine)\n"
	"  -p, --pid PID          record only PID and the children it forks from now on\n"
	"  -F, --follow           with COMMAND: record only COMMAND and its children\n"
	"  -b, --buffer-kb N      ring buffer per CPU, in KiB (default: the kernel's)\n"
	"  -t, --trace-dat FILE   also write a trace-cmd trace.dat for trace-cmd report\n"
	"  -s, --lock-stacks N    with lock: take a kernel stack at the first N lock waits,\n"
	"                         naming the code that contended (default 1000; 0: none;\n"
	"                         each stack lengthens its wait by tens of microseconds)\n"
	"      --max-size SIZE    write parts of SIZE bytes (K, M, G: KiB, MiB, GiB) into the\n"
	"                         directory TRACE (000001.mmr, 000002.mmr, ...); every command\n"
	"                         reads the directory as one trace, and each part alone\n"
	"      --rotate N         with --max-size: keep only the newest N parts\n"
	"  -q, --quiet            no live status line and no summary\n"
	"  -h, --help             show this help\n"
	"\n"
	"The summary ends with the number of events the kernel dropped; a non-zero\n"
	"count means the ring buffer filled: raise --buffer-kb or record fewer families.\n";

struct cap_args {
	struct mmr_capture_opts o;
	bool quiet, help;
};

static int parse_duration(const char *text, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v) || v <= 0)
		return cli_usage("capture", "bad duration '%s' for --duration: expected seconds > 0", text);
	*out = v;
	return 0;
}

/*
 * A --pid that names no process would record nothing and look like a quiet
 * system.  A process that exits between this check and the start is caught
 * by the capture itself.
 */
static int check_pid(pid_t pid)
{
	if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH)
		return cli_usage("capture", "--pid %d: no such process", (int)pid);
	return 0;
}

/* SIZE in bytes, or with a K, M or G suffix (powers of 1024), at least 4 KiB. */
static int parse_size(const char *text, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	unsigned shift = 0;
	if (*end && !end[1])
		shift = *end == 'K' || *end == 'k' ? 10 : *end == 'M' || *end == 'm' ? 20
			: *end == 'G' || *end == 'g' ? 30 : 64;
	if (end == text || !isdigit((unsigned char)text[0]) || errno == ERANGE || shift == 64 || (*end && end[1]) ||
	    v > (UINT64_MAX >> shift) || (v << shift) < 4096)
		return cli_usage("capture", "bad size '%s' for --max-size: expected bytes (at least 4096), "
				 "or a number with K, M or G", text);
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_args(int argc, char **argv, struct cap_args *a)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},   {"events", required_argument, NULL, 'e'},
		{"duration", required_argument, NULL, 'd'}, {"pid", required_argument, NULL, 'p'},
		{"follow", no_argument, NULL, 'F'},         {"buffer-kb", required_argument, NULL, 'b'},
		{"trace-dat", required_argument, NULL, 't'}, {"quiet", no_argument, NULL, 'q'},
		{"lock-stacks", required_argument, NULL, 's'}, {"max-size", required_argument, NULL, 'M'},
		{"rotate", required_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	bool first = true;
	int c, rc = 0;
	uint64_t v;
	struct mmr_error err;
	/* '+': the first word that is not an option starts the command. */
	while (!rc && (c = cli_getopt("capture", argc, argv, "+o:e:d:p:Fb:t:s:qh", longopts, &first)) != -1) {
		switch (c) {
		case 'o': a->o.output = optarg; break;
		case 't': a->o.trace_dat = optarg; break;
		case 'F': a->o.follow_command = true; break;
		case 'q': a->quiet = true; break;
		case 'h': a->help = true; return 0;
		case 'd': rc = parse_duration(optarg, &a->o.duration_s); break;
		case 'e':
			if (mmr_capture_parse_families(optarg, &a->o.families, &err))
				rc = cli_usage("capture", "%s", err.msg);
			break;
		case 'p':
			rc = cli_parse_range("capture", "--pid", optarg, 1, INT32_MAX, &v);
			a->o.pid = (pid_t)v;
			break;
		case 'b':
			rc = cli_parse_range("capture", "--buffer-kb", optarg, 4, 1u << 22, &v);
			a->o.buffer_kb = (unsigned)v;
			break;
		case 's':
			rc = cli_parse_range("capture", "--lock-stacks", optarg, 0, 1000000, &v);
			a->o.lock_stacks = (unsigned)v;
			break;
		case 'M': rc = parse_size(optarg, &a->o.max_size); break;
		case 'R':
			rc = cli_parse_range("capture", "--rotate", optarg, 1, 999999, &v);
			a->o.max_parts = (unsigned)v;
			break;
		default: rc = CLI_USAGE; break;
		}
	}
	if (rc)
		return rc;
	if (optind < argc)
		a->o.command = argv + optind;
	if (!a->o.output)
		return cli_usage("capture", "no output file given: -o TRACE");
	if (a->o.follow_command && !a->o.command)
		return cli_usage("capture", "--follow needs a command to follow (-- COMMAND)");
	if (a->o.pid && a->o.command)
		return cli_usage("capture", "--pid and a command exclude each other (use --follow)");
	if (a->o.max_parts && !a->o.max_size)
		return cli_usage("capture", "--rotate needs --max-size: it counts the parts that size makes");
	/* The trace.dat is written at the end from every page spooled: no size would bound it. */
	if (a->o.max_size && a->o.trace_dat)
		return cli_usage("capture", "--trace-dat and --max-size exclude each other (a trace.dat is "
			"written whole at the end)");
	if (a->o.max_size)
		return check_pid(a->o.pid);
	if ((rc = cli_check_output("capture", a->o.output)) ||
	    (a->o.trace_dat && (rc = cli_check_output("capture", a->o.trace_dat))))
		return rc;
	/* The trace.dat is written last: onto the .mmr it would replace the finished trace. */
	const struct cli_file files[] = {{a->o.output, "-o", true}, {a->o.trace_dat, "--trace-dat", true}};
	if ((rc = cli_check_distinct("capture", files, 2)))
		return rc;
	return check_pid(a->o.pid);
}

static const char *signal_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "a signal";
}

static void print_summary(const struct cap_args *a, const struct mmr_capture_summary *s)
{
	fprintf(stderr, "mmreplay capture: %" PRIu64 " events in %.1f s written to %s (%" PRIu64
		" bytes, %.2f bytes/event)\n", s->events, s->seconds, a->o.output, s->file_bytes,
		s->events ? (double)s->file_bytes / (double)s->events : 0.0);
	if (a->o.max_size)
		fprintf(stderr, "mmreplay capture: %u parts written, %u removed (--rotate), %u kept\n", s->parts,
			s->parts_removed, s->parts - s->parts_removed);
	fprintf(stderr, "mmreplay capture: by family:");
	for (unsigned f = 0; f < MMR_FAM_COUNT; f++)
		if (s->by_family[f])
			fprintf(stderr, " %s %" PRIu64, mmr_family_name(f), s->by_family[f]);
	fprintf(stderr, "%s\n", s->events ? "" : " none");
	if (s->lock_stacks_on)
		fprintf(stderr, "mmreplay capture: lock stacks: %" PRIu64 " taken (at most %u), %" PRIu64
			" lock waits stacked, %" PRIu64 " with their caller found\n", s->lock_stacks,
			a->o.lock_stacks, s->lock_stacked, s->lock_callers);
	if (a->o.trace_dat)
		fprintf(stderr, "mmreplay capture: trace.dat written to %s (%" PRIu64 " bytes)\n",
			a->o.trace_dat, s->dat_bytes);
	if (s->stop_signal)
		fprintf(stderr, "mmreplay capture: stopped by %s\n", signal_name(s->stop_signal));
	if (a->o.command)
		fprintf(stderr, "mmreplay capture: '%s' exited with status %d\n", a->o.command[0],
			s->command_status);
	if (s->out_of_order)
		fprintf(stderr, "mmreplay capture: warning: %" PRIu64 " events arrived after newer ones "
			"had been written; they are in the trace, out of order\n", s->out_of_order);
	if (s->lost)
		fprintf(stderr, "mmreplay capture: WARNING: the kernel dropped %" PRIu64 " events: the "
			"ring buffer filled (raise --buffer-kb or record fewer families)\n", s->lost);
	else
		fprintf(stderr, "mmreplay capture: lost events: none\n");
}

static int capture_run(int argc, char **argv)
{
	struct cap_args a = {.o.lock_stacks = MMR_CAPTURE_LOCK_STACKS_DEFAULT};
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;
	if (a.help)
		return cli_print_help(&cli_cmd_capture);
	a.o.status = !a.quiet && isatty(STDERR_FILENO);
	a.o.log = stderr;
	struct mmr_capture_summary sum;
	struct mmr_error err;
	int ran = mmr_capture_run(&a.o, &sum, &err);
	/*
	 * The trace is written and tracefs clean: a reader of stderr that went
	 * away with the Ctrl-C (`capture ... 2>&1 | tee`) must not turn that
	 * into death by SIGPIPE.
	 */
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	if (ran)
		rc = cli_fail("capture", "%s", err.msg);
	else if (!a.quiet)
		print_summary(&a, &sum);
	sigaction(SIGPIPE, &old, NULL);
	return ran ? rc : CLI_OK;
}

const struct cli_cmd cli_cmd_capture = {
	.name = "capture",
	.summary = "record the kernel's allocation tracepoints live (root)",
	.help = capture_help,
	.run = capture_run,
};
