/* SPDX-License-Identifier: MIT */
/*
 * capture.c - `mmreplay capture`: the live capture loop.
 *
 * Every POLL_NS the loop notes the time, reads every CPU's full pages
 * (and a CPU's last page when it has waited LAG_NS), and lets the sink
 * write everything older than the ring's watermark (ring.c): the clock is
 * CLOCK_MONOTONIC, the same as the trace's "mono", and MARGIN_NS covers an
 * event still being written while its CPU was read.  So the trace comes
 * out in timestamp order while memory stays bounded by a fraction of a
 * second of events.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <traceevent/event-parse.h>
#include <tracefs.h>

#include "cap_internal.h"

/*
 * The longest sleep between rounds.  A busy buffer wakes the loop sooner
 * (a quarter full), and a signal at once; this only bounds how late a
 * quiet capture notices its command's exit, and how long events wait in
 * memory.  (At 20 ms, a quiet capture's CPU was the same within noise:
 * it is start-up, kallsyms most of it, that costs.)
 */
#define POLL_NS (100 * 1000 * 1000ull)
#define MARGIN_NS (10 * 1000 * 1000ull)
/*
 * How long a CPU's page still being written may hold the trace's order
 * back before it is read anyway.  Events younger than the watermark wait
 * in memory: at a million events a second, 200 ms of them is 16 MB.
 */
#define LAG_NS (200 * 1000 * 1000ull)
#define STATUS_NS (1000 * 1000 * 1000ull)
/* Pages in one round that mean the buffers are filling fast (256 KiB of 4 KiB pages). */
#define BUSY_PAGES 64

static volatile sig_atomic_t stop_signal;

/* The first signal is the one that stopped the capture; later ones only repeat it. */
static void on_signal(int sig)
{
	if (!stop_signal)
		stop_signal = sig;
}

/*
 * The signals that end a capture the way Ctrl-C does: the trace is
 * finished and the instance removed.  Left at their defaults they would
 * kill the capture with its instance still in tracefs and the trace cut.
 */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define NSTOP (sizeof(stop_signals) / sizeof(stop_signals[0]))

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct run {
	const struct mmr_capture_opts *o;
	FILE *log;
	unsigned families;
	struct cap_instance ci;
	struct cap_ring ring;
	struct cap_sink sink;
	bool sink_open;
	struct tep_handle *tep;
	struct cap_ksyms *ksyms; /* names the tep resolves call sites with; outlives it */
	struct cap_command cmd;
	bool have_cmd;
	uint64_t enabled; /* tracepoints enabled, mask over mmr_capture_tracepoint_get() */
	uint64_t t0;      /* CLOCK_MONOTONIC at the start of tracing */
	uint64_t *lost;
	const char *out;          /* the trace being written: o->output, or the part being written */
	struct cap_parts parts;   /* with --max-size */
	uint64_t *lost_before;    /* with --max-size: the lost counts when this part began */
	uint64_t *lost_part;      /* with --max-size: the part's own lost counts */
	uint64_t parts_bytes;     /* the sizes of the parts closed */
	char *cmdlines; /* the kernel's saved_cmdlines (at the end, or at the last part's end), or NULL */
	bool recording; /* tracing was on: a failure from here keeps what was recorded */
	bool stacks_on; /* the lock stack trigger is installed */
	bool stacks_rearm; /* the trigger may still be put back with a filter (stacks left, none refused) */
	unsigned skipped_locks; /* named lock addresses the trigger's filter leaves out (lock_trigger.c) */
	struct sigaction old_stop[NSTOP], old_pipe;
	sigset_t ignored; /* signals we were started with ignored, and the command is too */
};

/*
 * The running kernel's ring-buffer header and the formats of the chosen
 * families' tracepoints, with its symbols.  Only what is recorded is
 * parsed, which also keeps a sanitizer build's start-up short.
 */
static struct tep_handle *load_formats(unsigned families, struct cap_ksyms **ksyms)
{
	struct tep_handle *tep = tep_alloc();
	int size;
	char *header = tracefs_instance_file_read(NULL, "events/header_page", &size);
	if (!tep || !header) {
		free(header);
		tep_free(tep);
		return NULL;
	}
	tep_set_page_size(tep, (int)sysconf(_SC_PAGESIZE));
	tep_set_long_size(tep, (int)sizeof(long));
	tep_parse_header_page(tep, header, (unsigned long)size, (int)sizeof(long));
	free(header);
	for (size_t i = 0; i < mmr_capture_tracepoint_count(); i++) {
		const struct mmr_capture_tracepoint *tp = mmr_capture_tracepoint_get(i);
		if (!(families & (1u << tp->family)))
			continue;
		char *fmt = tracefs_event_file_read(NULL, tp->system, tp->event, "format", &size);
		/* A tracepoint this kernel lacks is reported when enabling; here it is just absent. */
		if (fmt)
			tep_parse_event(tep, fmt, (unsigned long)size, tp->system);
		free(fmt);
	}
	/* The stacks a trigger takes at a lock wait come as ftrace's kernel_stack events. */
	if (families & (1u << MMR_CAP_LOCK)) {
		char *fmt = tracefs_event_file_read(NULL, "ftrace", "kernel_stack", "format", &size);
		if (fmt)
			tep_parse_event(tep, fmt, (unsigned long)size, "ftrace");
		free(fmt);
	}
	/* Without symbols, call sites stay addresses: a loss of names, not of events. */
	*ksyms = cap_ksyms_load("/proc/kallsyms");
	if (*ksyms)
		cap_ksyms_attach(*ksyms, tep);
	return tep;
}

/* META for the trace (or part) starting now: SOURCE (room 256) says how it was made. */
static void make_meta(struct run *r, struct mmr_meta *meta, struct utsname *u, char *source)
{
	size_t len = (size_t)snprintf(source, 256, "capture -e");
	const char *sep = " ";
	for (unsigned f = 0; f < MMR_CAP_COUNT && len < 256; f++) {
		if (!(r->families & (1u << f)))
			continue;
		len += (size_t)snprintf(source + len, 256 - len, "%s%s", sep,
					mmr_capture_family_name(f));
		sep = ",";
	}
	if (r->have_cmd && len < 256)
		snprintf(source + len, 256 - len, " -- %s", r->cmd.name);
	*meta = (struct mmr_meta){
		.kernel_release = uname(u) == 0 ? u->release : "",
		.clock = "mono",
		.source = source,
		.nr_cpus = (uint32_t)r->ring.ncpus,
		.start_realtime_ns = now_ns(CLOCK_REALTIME),
	};
}

static int open_sink(struct run *r, struct mmr_error *err)
{
	struct utsname u;
	struct mmr_meta meta;
	char source[256];
	make_meta(r, &meta, &u, source);
	if (cap_sink_open(&r->sink, r->out, &meta, r->tep, r->families, err))
		return -1;
	r->sink.ksyms = r->ksyms;
	r->sink_open = true;
	return 0;
}

/*
 * With the lock family, a stacktrace:N trigger on lock:contention_begin in
 * the instance (removed with it): the kernel stacks that name the code
 * that contended.  A kernel that refuses it is one warning line; the
 * capture goes on without stacks, its locks then named by symbol only.
 */
static void lock_stacks(struct run *r)
{
	size_t tp;
	for (tp = 0; tp < mmr_capture_tracepoint_count(); tp++) {
		const struct mmr_capture_tracepoint *t = mmr_capture_tracepoint_get(tp);
		if (strcmp(t->system, "lock") == 0 && strcmp(t->event, "contention_begin") == 0)
			break;
	}
	if (r->o->lock_stacks == 0 || tp >= 64 || !(r->enabled & (1ull << tp)))
		return;
	if (r->sink.stack_id < 0) {
		fprintf(r->log, "mmreplay capture: warning: this kernel has no ftrace:kernel_stack event; "
				"lock waits are recorded without stacks\n");
		return;
	}
	char trig[64];
	snprintf(trig, sizeof(trig), "stacktrace:%u", r->o->lock_stacks);
	errno = 0;
	if (tracefs_event_file_write(r->ci.inst, "lock", "contention_begin", "trigger", trig) < 0) {
		fprintf(r->log, "mmreplay capture: warning: the kernel refused the trigger '%s' on "
				"lock:contention_begin in tracing instance %s: %s; lock waits are recorded "
				"without stacks\n", trig, r->ci.name, errno ? strerror(errno) : "unknown error");
		return;
	}
	r->stacks_on = true;
	r->stacks_rearm = true;
}

static int setup(struct run *r, struct mmr_error *err)
{
	const struct mmr_capture_opts *o = r->o;
	if (!cap_tracefs_dir(true, err))
		return -1;
	cap_instance_remove_stale(r->log);
	if (o->command) {
		if (cap_command_fork(&r->cmd, o->command, &r->ignored, err))
			return -1;
		r->have_cmd = true;
	}
	pid_t filter = o->pid > 0 ? o->pid : (o->command && o->follow_command ? r->cmd.pid : 0);
	if (cap_instance_create(&r->ci, err) || cap_instance_setup(&r->ci, o->buffer_kb, filter, err))
		return -1;
	r->tep = load_formats(r->families, &r->ksyms);
	if (!r->tep) {
		snprintf(err->msg, sizeof(err->msg), "cannot read the kernel's event formats from tracefs");
		return -1;
	}
	r->out = o->output;
	if (o->max_size) {
		if (cap_parts_open(&r->parts, o->output, o->max_parts, err))
			return -1;
		r->out = r->parts.path;
	}
	if (cap_instance_enable(&r->ci, r->families, &r->enabled, r->log, err) ||
	    cap_ring_open(&r->ring, &r->ci, r->tep, o->trace_dat != NULL, err) || open_sink(r, err))
		return -1;
	if (r->have_cmd && cap_sink_comm(&r->sink, r->cmd.pid, r->cmd.name, err))
		return -1;
	lock_stacks(r);
	/* Say how locks get their names here, rather than leave the user to wonder. */
	if ((r->families & (1u << MMR_CAP_LOCK)) && (!r->ksyms || cap_ksyms_data_count(r->ksyms) == 0))
		fprintf(r->log, "mmreplay capture: note: /proc/kallsyms lists no data symbols (a kernel without "
				"CONFIG_KALLSYMS_ALL, or kptr_restrict): no lock is named by its symbol; %s\n",
			r->stacks_on ? "locks are named by the code that contended (--lock-stacks)"
				     : "locks stay addresses");
	return 0;
}

static int collect_lost(struct run *r, struct mmr_error *err);

/*
 * The live status line: time, events and their rate, the bytes written
 * and per event, and the events lost so far by the kernel's own counters
 * (a buffer that fills without overwrite drops events no page header
 * mentions).
 */
static void print_status(struct run *r, uint64_t now)
{
	double secs = (double)(now - r->t0) / 1e9;
	uint64_t lost = 0, events = r->sink.events, bytes = mmr_writer_bytes(r->sink.w);
	struct mmr_error err;
	if (collect_lost(r, &err) == 0)
		for (int c = 0; c < r->ring.ncpus; c++)
			lost += r->lost[c];
	bytes += r->parts_bytes;
	fprintf(r->log, "\r\033[Kcapturing: %.1f s, %llu events (%.0f/s), %.1f MB written (%.2f bytes/event), "
		"lost %llu", secs, (unsigned long long)events, secs > 0 ? (double)events / secs : 0.0,
		(double)bytes / 1e6, events ? (double)bytes / (double)events : 0.0, (unsigned long long)lost);
	if (r->o->max_size)
		fprintf(r->log, ", part %u", r->parts.number);
	fflush(r->log);
}

/* True when the capture should end: a signal, the duration, or the command's exit. */
static bool should_stop(struct run *r, uint64_t now)
{
	if (stop_signal)
		return true;
	if (r->o->duration_s > 0 && (double)(now - r->t0) >= r->o->duration_s * 1e9)
		return true;
	return r->have_cmd && cap_command_exited(&r->cmd);
}

static int add_comms(struct run *r, struct mmr_error *err);

/*
 * The lost counts of the part being written (the whole capture's without
 * --max-size), after collect_lost.  NULL when out of memory.
 */
static const uint64_t *lost_of_part(struct run *r)
{
	if (!r->o->max_size)
		return r->lost;
	size_t n = (size_t)r->ring.ncpus;
	if (!r->lost_before)
		r->lost_before = calloc(n, sizeof(*r->lost_before));
	if (!r->lost_part)
		r->lost_part = calloc(n, sizeof(*r->lost_part));
	if (!r->lost_before || !r->lost_part)
		return NULL;
	for (size_t c = 0; c < n; c++)
		r->lost_part[c] = r->lost[c] - r->lost_before[c];
	return r->lost_part;
}

/*
 * Close the part being written, complete with the tasks' names and its
 * lost counts, and go on into the next; with --rotate, remove the part
 * that falls out of the newest N.  Returns 0, or -1 (ERR).
 */
static int next_part(struct run *r, struct mmr_error *err)
{
	if (add_comms(r, err) || collect_lost(r, err))
		return -1;
	const uint64_t *lost = lost_of_part(r);
	if (!lost) {
		snprintf(err->msg, sizeof(err->msg), "capture: out of memory");
		return -1;
	}
	struct stat st;
	char closed[sizeof(r->parts.path)];
	snprintf(closed, sizeof(closed), "%s", r->parts.path);
	if (cap_parts_next(&r->parts, err))
		return -1;
	struct utsname u;
	struct mmr_meta meta;
	char source[256];
	make_meta(r, &meta, &u, source);
	if (cap_sink_rotate(&r->sink, r->parts.path, &meta, lost, (uint32_t)r->ring.ncpus, err)) {
		/* What the error line goes on to describe is the part closed (or cut), not one never made. */
		snprintf(r->parts.path, sizeof(r->parts.path), "%s", closed);
		r->parts.number--;
		return -1;
	}
	if (stat(closed, &st) == 0)
		r->parts_bytes += (uint64_t)st.st_size;
	memcpy(r->lost_before, r->lost, (size_t)r->ring.ncpus * sizeof(*r->lost));
	cap_parts_trim(&r->parts, r->log);
	return 0;
}

static int loop(struct run *r, struct mmr_error *err)
{
	bool status = r->o->status;
	uint64_t next_status = r->t0 + STATUS_NS;
	for (;;) {
		uint64_t round = now_ns(CLOCK_MONOTONIC);
		if (should_stop(r, round))
			break;
		long pages = cap_ring_drain(&r->ring, &r->sink, round, LAG_NS, MARGIN_NS, err);
		if (pages < 0 || cap_sink_flush(&r->sink, cap_ring_watermark(&r->ring), err))
			return -1;
		if (r->o->max_size && mmr_writer_bytes(r->sink.w) >= r->o->max_size && next_part(r, err))
			return -1;
		/* Newly named locks: their stacks go to the others from now on. */
		if (r->stacks_rearm && r->sink.nnamed_locks > r->skipped_locks) {
			r->skipped_locks = r->sink.nnamed_locks;
			r->stacks_rearm = cap_lock_trigger_rearm(r->ci.inst, r->sink.named_locks, r->skipped_locks,
								 r->log) == 0;
		}
		if (status && round >= next_status) {
			print_status(r, round);
			next_status = round + STATUS_NS;
		}
		/*
		 * A busy round goes straight into the next: the buffers fill while we
		 * sleep.  Otherwise sleep out the rest of the period, or until a
		 * buffer is a quarter full; a signal cuts the sleep short (no
		 * SA_RESTART), so Ctrl-C stops at once.
		 */
		uint64_t done = now_ns(CLOCK_MONOTONIC), until = round + POLL_NS;
		if (r->o->duration_s > 0 && r->t0 + (uint64_t)(r->o->duration_s * 1e9) < until)
			until = r->t0 + (uint64_t)(r->o->duration_s * 1e9);
		if (pages < BUSY_PAGES && done < until)
			cap_ring_wait(&r->ring, until - done);
	}
	if (status)
		fprintf(r->log, "\r\033[K");
	return 0;
}

/*
 * Per CPU, the events the kernel dropped: its counters are exact, the page
 * flags are what the reader saw; the larger of the two.
 */
static int collect_lost(struct run *r, struct mmr_error *err)
{
	if (!r->lost)
		r->lost = calloc((size_t)r->ring.ncpus, sizeof(*r->lost));
	if (!r->lost) {
		snprintf(err->msg, sizeof(err->msg), "capture: out of memory");
		return -1;
	}
	for (int c = 0; c < r->ring.ncpus; c++) {
		uint64_t kernel = 0;
		if (cap_instance_lost(&r->ci, c, &kernel) != 0)
			kernel = 0;
		/*
		 * Counts only grow: a stats file that could not be read this time
		 * must not take one back below what a part already began from.
		 */
		uint64_t now = kernel > r->ring.missed[c] ? kernel : r->ring.missed[c];
		if (now > r->lost[c])
			r->lost[c] = now;
	}
	return 0;
}

/* Stop tracing, read what is left, and collect the per-CPU lost counts. */
static int drain_rest(struct run *r, struct mmr_error *err)
{
	tracefs_trace_off(r->ci.inst);
	while (true) {
		long pages = cap_ring_drain(&r->ring, &r->sink, now_ns(CLOCK_MONOTONIC), 0, MARGIN_NS, err);
		if (pages < 0)
			return -1;
		if (pages == 0)
			break;
	}
	return collect_lost(r, err);
}

/*
 * Name the tasks the kernel remembers (saved_cmdlines: "pid comm" lines).
 * One snapshot serves the .mmr and the trace.dat: the kernel's list keeps
 * changing while other tasks run, and two reads could name a pid apart.
 */
static int add_comms(struct run *r, struct mmr_error *err)
{
	free(r->cmdlines);
	r->cmdlines = tracefs_instance_file_read(NULL, "saved_cmdlines", NULL);
	char *text = r->cmdlines ? strdup(r->cmdlines) : NULL;
	char *save = NULL;
	int rc = 0;
	for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line && !rc;
	     line = strtok_r(NULL, "\n", &save)) {
		char *comm;
		long pid = strtol(line, &comm, 10);
		if (pid > 0 && *comm == ' ' && comm[1])
			rc = cap_sink_comm(&r->sink, (int32_t)pid, comm + 1, err);
	}
	free(text);
	return rc;
}

static int finish(struct run *r, struct mmr_capture_summary *sum, struct mmr_error *err)
{
	if (drain_rest(r, err) || add_comms(r, err))
		return -1;
	sum->events = r->sink.events;
	memcpy(sum->by_family, r->sink.by_family, sizeof(sum->by_family));
	sum->out_of_order = cap_merge_out_of_order(r->sink.merge);
	sum->lock_stacks_on = r->stacks_on;
	sum->lock_stacks = r->sink.stacks;
	sum->lock_stacked = r->sink.stacked;
	sum->lock_callers = r->sink.callers;
	for (int c = 0; c < r->ring.ncpus; c++)
		sum->lost += r->lost[c];
	const uint64_t *lost = lost_of_part(r);
	r->sink_open = false;
	if (cap_sink_close(&r->sink, lost, (uint32_t)r->ring.ncpus, err))
		return -1;
	struct stat st;
	if (stat(r->out, &st) == 0)
		sum->file_bytes = r->parts_bytes + (uint64_t)st.st_size;
	sum->parts = r->parts.number;
	sum->parts_removed = r->parts.removed;
	if (r->o->trace_dat &&
	    cap_tracedat_write(r->o->trace_dat, &r->ring, r->enabled, r->cmdlines, &sum->dat_bytes, err))
		return -1;
	return 0;
}

/*
 * After a failure while recording, keep what was recorded: live events
 * cannot be had again.  A trace whose writes failed (a full disk, an I/O
 * error) is left as its whole blocks, which the reader recovers with a
 * warning; one that failed elsewhere (reading the buffers, the trace.dat)
 * is closed as a complete trace.  ERR's line then says which, and how many
 * events the file holds, or that nothing was kept.
 */
static void keep_output(struct run *r, struct mmr_error *err)
{
	const char *out = r->out;
	if (r->sink_open) {
		r->sink_open = false;
		if (r->sink.write_failed) {
			cap_sink_cut(&r->sink);
		} else {
			tracefs_trace_off(r->ci.inst);
			struct mmr_error cerr;
			bool lost = collect_lost(r, &cerr) == 0;
			cap_sink_close(&r->sink, lost ? lost_of_part(r) : NULL, (uint32_t)r->ring.ncpus, &cerr);
		}
	}
	struct mmr_error rerr;
	struct mmr_reader *rd = mmr_reader_open(out, &rerr);
	uint64_t n = rd ? mmr_reader_event_count(rd) : 0;
	bool cut = rd && mmr_reader_warning(rd);
	if (rd)
		mmr_reader_close(rd);
	size_t len = strnlen(err->msg, sizeof(err->msg));
	char *tail = err->msg + len;
	size_t room = sizeof(err->msg) - len;
	if (rd && !cut) {
		snprintf(tail, room, "; %s is complete (%" PRIu64 " events)", out, n);
	} else if (rd && n) {
		snprintf(tail, room, "; %s is cut after %" PRIu64 " events (mmreplay stats reads them, "
			 "warning that the writer did not finish)", out, n);
	} else if (!rd) {
		/* Its header went down at the start, so this is damage: keep it for a closer look. */
		snprintf(tail, room, "; %s is kept but unreadable: %s", out, rerr.msg);
	} else {
		struct stat st;
		if (lstat(out, &st) == 0 && S_ISREG(st.st_mode))
			unlink(out);
		snprintf(tail, room, "; no event reached %s, removed", out);
	}
}

static void cleanup(struct run *r)
{
	if (r->sink_open)
		cap_sink_abort(&r->sink);
	cap_ring_close(&r->ring);
	char name[sizeof(r->ci.name)];
	snprintf(name, sizeof(name), "%s", r->ci.name);
	if (cap_instance_destroy(&r->ci) != 0)
		fprintf(r->log, "mmreplay capture: warning: cannot remove tracing instance %s: %s "
			"(the next capture removes it)\n", name, strerror(errno));
	if (r->have_cmd)
		cap_command_reap(&r->cmd, true);
	tep_free(r->tep);
	cap_ksyms_free(r->ksyms);
	free(r->lost);
	free(r->lost_before);
	free(r->lost_part);
	free(r->cmdlines);
}

static void catch_signals(struct run *r)
{
	struct sigaction sa = {.sa_handler = on_signal}, ign = {.sa_handler = SIG_IGN};
	sigemptyset(&sa.sa_mask);
	sigemptyset(&ign.sa_mask);
	sigemptyset(&r->ignored);
	for (size_t i = 0; i < NSTOP; i++) {
		sigaction(stop_signals[i], NULL, &r->old_stop[i]);
		if (r->old_stop[i].sa_handler == SIG_IGN)
			sigaddset(&r->ignored, stop_signals[i]);
		/* Under nohup a hang-up is meant to pass by, so it does. */
		if (stop_signals[i] == SIGHUP && r->old_stop[i].sa_handler == SIG_IGN)
			continue;
		sigaction(stop_signals[i], &sa, NULL);
	}
	/* A status line to a reader that went away must fail as a write, not kill the capture. */
	sigaction(SIGPIPE, &ign, &r->old_pipe);
	if (r->old_pipe.sa_handler == SIG_IGN)
		sigaddset(&r->ignored, SIGPIPE);
}

static void restore_signals(struct run *r)
{
	for (size_t i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], &r->old_stop[i], NULL);
	sigaction(SIGPIPE, &r->old_pipe, NULL);
}

/* True while PID can still run: it exists and has not exited (a zombie waits only to be reaped). */
static bool process_alive(pid_t pid)
{
	char path[64], buf[512];
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return errno != ENOENT;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* "pid (comm) S ...": the state follows the last ')', since comm may hold one. */
	const char *paren = strrchr(buf, ')');
	return !paren || paren[1] != ' ' || (paren[2] != 'Z' && paren[2] != 'X');
}

/* Turn tracing on and let the command go.  Returns 0, or -1 (ERR). */
static int start(struct run *r, struct mmr_error *err)
{
	tracefs_trace_on(r->ci.inst);
	r->t0 = now_ns(CLOCK_MONOTONIC);
	/* The filter is set: from here the process and the children it forks are recorded. */
	if (r->o->pid > 0 && !process_alive(r->o->pid)) {
		snprintf(err->msg, sizeof(err->msg),
			 "process %d (--pid) exited before the capture started: nothing to record",
			 (int)r->o->pid);
		return -1;
	}
	return r->have_cmd ? cap_command_start(&r->cmd, err) : 0;
}

int mmr_capture_run(const struct mmr_capture_opts *o, struct mmr_capture_summary *sum,
		    struct mmr_error *err)
{
	struct run r = {.o = o, .log = o->log ? o->log : stderr,
			.families = o->families ? o->families : MMR_CAP_DEFAULT};
	int rc = -1;
	memset(sum, 0, sizeof(*sum));
	sum->command_status = -1;
	stop_signal = 0;
	catch_signals(&r);
	if (setup(&r, err) == 0 && start(&r, err) == 0) {
		r.recording = true;
		if (loop(&r, err) == 0 && finish(&r, sum, err) == 0)
			rc = 0;
		sum->seconds = (double)(now_ns(CLOCK_MONOTONIC) - r.t0) / 1e9;
	}
	if (rc && r.recording)
		keep_output(&r, err);
	/* A command still running when the capture stops (signal, -d, error) is told to stop too. */
	if (r.have_cmd) {
		cap_command_reap(&r.cmd, !cap_command_exited(&r.cmd));
		sum->command_status = r.cmd.exit_status;
		r.have_cmd = false;
	}
	cleanup(&r);
	/* A directory made for parts that never came (cleanup removed the first, empty one) is not left behind. */
	if (rc && !r.recording && r.parts.created)
		rmdir(r.parts.dir);
	sum->stop_signal = stop_signal;
	restore_signals(&r);
	return rc;
}
