/* SPDX-License-Identifier: MIT */
/*
 * cap_internal.h - what the capture stage's files share.  Not public.
 *
 * Data flows one way: a source (live ring buffers, perf.data, trace.dat)
 * hands raw tracepoint records to a sink (sink.c); the sink decodes them
 * with the running or recorded kernel's event formats (tracepoints.c),
 * names their call sites, puts them in timestamp order (merge.c) and
 * writes them to the .mmr writer.
 */
#ifndef CAP_INTERNAL_H
#define CAP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "mmr_capture.h"
#include "mmr_idmap.h"
#include "mmr_trace.h"

struct tep_handle;
struct tep_event;
struct tep_format_field;

/* ---- tracepoints.c: decoding one tracepoint record -------------------- */

/* Fields a decoder may read; which ones exist depends on the kernel. */
enum cap_field {
	F_CALL_SITE, F_PTR, F_BYTES_REQ, F_BYTES_ALLOC, F_GFP, F_NODE,
	F_PFN, F_PAGE, F_ORDER, F_PERCPU_REFILL,
	F_ADDR, F_SIZE, F_ALIGN, F_FAILED, F_VA_START, F_START, F_END, F_NPURGED,
	F_IS_ATOMIC, F_COUNT, F_ERRNO, F_DMA_ADDR, F_FLAGS,
	F_RHP, F_OFFSET, F_NR_RECORDS, F_P, F_LOCK_ADDR, F_RET,
	F_COUNT_FIELDS
};

/* Where one field lies in a record; size 0 when the kernel lacks it. */
struct cap_field_at {
	uint16_t offset;
	uint8_t size;      /* 1 to 8 */
	bool is_signed;
};

/* One recognised event of a tep handle: its decoder and its fields. */
struct cap_event {
	const struct cap_tp *tp;
	struct tep_format_field *field[F_COUNT_FIELDS]; /* NULL when the kernel lacks it */
	struct cap_field_at at[F_COUNT_FIELDS];         /* the same, for reading */
	struct tep_handle *tep;
	bool native;     /* the recorded kernel has our byte order: fields are read directly */
	size_t min_size; /* the record must hold every field found */
};

/* How to turn one tracepoint's record into an mmr_event (tracepoints.c). */
struct cap_tp {
	struct mmr_capture_tracepoint pub;
	/* Fill EV (family, op, fields) from DATA; return false to drop the record. */
	bool (*decode)(const struct cap_event *ce, const uint8_t *data, struct mmr_event *ev);
	uint64_t required; /* bits (1 << enum cap_field) of fields the decoder cannot do without */
	uint16_t flags;    /* MMR_EF_* bits every event of this tracepoint carries */
};

/* The tracepoint table: count, and entry I. */
size_t cap_tp_count(void);
const struct cap_tp *cap_tp_get(size_t i);

/* The capture tracepoint SYSTEM:EVENT, or NULL when it is not one. */
const struct cap_tp *cap_tp_find(const char *system, const char *event);

/* A SIZE-byte number (1 to 8) at P, in our byte order. */
static inline uint64_t cap_read_native(const uint8_t *p, unsigned size)
{
	switch (size) {
	case 1:
		return *p;
	case 2: {
		uint16_t v;
		memcpy(&v, p, 2);
		return v;
	}
	case 4: {
		uint32_t v;
		memcpy(&v, p, 4);
		return v;
	}
	case 8: {
		uint64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	default: {
		/* An odd size (3, 5, 6, 7): the low bytes of a little or big-endian number. */
		uint64_t v = 0;
		uint8_t b[8] = {0};
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		memcpy(b + 8 - size, p, size);
#else
		memcpy(b, p, size);
#endif
		memcpy(&v, b, 8);
		return v;
	}
	}
}

/* Read field F of DATA: 0 when the kernel lacks it; signed fields sign-extended. */
uint64_t cap_field(const struct cap_event *ce, enum cap_field f, const uint8_t *data);
/* True when the kernel's format has field F. */
bool cap_has_field(const struct cap_event *ce, enum cap_field f);

/* Bind TP to EVENT of a tep handle: look up its fields.  Returns 0, or -1 when a required one is missing. */
int cap_event_bind(struct cap_event *ce, const struct cap_tp *tp, struct tep_event *event);

/* ---- merge.c: timestamp order ------------------------------------------ */

/*
 * A min-heap of events by (timestamp, arrival), between the sources (each
 * CPU in order, CPUs interleaved arbitrarily) and the writer, which wants
 * the whole trace in timestamp order.  Sources say up to which timestamp
 * nothing older can still come (cap_merge_flush); what is older than what
 * was already written is written anyway and counted.
 */
struct cap_merge;

struct cap_merge *cap_merge_new(struct mmr_writer *w);
/* Write to W from now on (the sink's next part). */
void cap_merge_set_writer(struct cap_merge *m, struct mmr_writer *w);
void cap_merge_free(struct cap_merge *m);
/* Hold EV until it is flushed.  Returns 0, or -1 when out of memory (ERR). */
int cap_merge_push(struct cap_merge *m, const struct mmr_event *ev, struct mmr_error *err);
/* Write, in order, every held event with ts <= UNTIL.  Returns 0, or -1 (ERR) when a write fails. */
int cap_merge_flush(struct cap_merge *m, uint64_t until, struct mmr_error *err);
/* Call FN on every event held, until it returns non-zero.  Returns 0, or -1 when FN did. */
int cap_merge_each(struct cap_merge *m, int (*fn)(void *ctx, const struct mmr_event *ev), void *ctx);
/* Events held now, and events written after a newer one had been. */
size_t cap_merge_held(const struct cap_merge *m);
uint64_t cap_merge_out_of_order(const struct cap_merge *m);

/* ---- sink.c: records in, ordered events out ---------------------------- */

/* Event ids are the u16 common_type of every record. */
#define CAP_EVENT_IDS 65536u
/*
 * Lock addresses the stack trigger's filter leaves out once named, at most:
 * a filter of 16 comparisons is short work for the kernel on every wait,
 * and the 17th lock named is rarely worth a stack more than the others.
 */
#define CAP_NAMED_LOCKS 16

struct cap_sink {
	struct mmr_writer *w;
	struct tep_handle *tep;     /* formats of the recorded kernel (not owned) */
	struct cap_merge *merge;
	uint8_t *slot;              /* tep event id -> 1 + index into ev, 0: not ours */
	/* The common type and pid fields, read directly when native (else through libtraceevent). */
	struct cap_field_at common_type, common_pid;
	bool native;
	struct cap_event *ev;
	size_t nev;
	struct mmr_idmap named;     /* call sites already named in the trace */
	bool have_kallsyms;         /* tep holds the kernel's symbols */
	/* The running kernel's symbols when they are the recorded one's (names static locks), or NULL. */
	const struct cap_ksyms *ksyms;
	const char *out_path;
	bool write_failed;          /* a write to OUT failed: nothing more may go there */
	uint64_t records, malformed;
	uint64_t by_family[MMR_FAM_COUNT];
	uint64_t events;
	/*
	 * ftrace's kernel_stack event, which a stacktrace trigger on
	 * lock:contention_begin writes right after the begin on the same CPU:
	 * its id (-1: the formats lack it) and fields.  A begin is held per CPU
	 * (pend) until the next record there says whether a stack follows.
	 */
	int stack_id;
	struct tep_format_field *stack_size, *stack_caller;
	size_t ev_stack_min; /* a kernel_stack record shorter than this is not one */
	struct cap_pend *pend;
	size_t npend;
	uint64_t stacks;  /* kernel stacks read (kernel_stack records, perf call chains of begins) */
	uint64_t stacked; /* begins given a stack (MMR_EF_STACKED) */
	uint64_t callers; /* of those, the ones a caller was found for */
	/* The lock addresses a caller was found for, in that order (the first CAP_NAMED_LOCKS): lock_trigger.c. */
	uint64_t named_locks[CAP_NAMED_LOCKS];
	unsigned nnamed_locks;
};

/*
 * Create OUT with META and get ready to decode records of TEP's events of
 * the families in FAMILIES (a mmr_capture_family mask).  Returns 0, or -1
 * with ERR filled (no known tracepoint in TEP, or OUT cannot be created).
 */
int cap_sink_open(struct cap_sink *s, const char *out, const struct mmr_meta *meta,
		  struct tep_handle *tep, unsigned families, struct mmr_error *err);


/*
 * True when the sink can take E's records: E is not a capture tracepoint,
 * or it is and its format had every field its decoder needs.  Importers
 * refuse a file whose recorded tracepoint fails this, rather than drop its
 * records without a word.
 */
bool cap_sink_usable(const struct cap_sink *s, const struct tep_event *e);

/*
 * Decode one raw record (common fields first, as in the ring buffer) taken
 * at TS on CPU, and hold it for ordering.  Records of other events are
 * counted and dropped.  Returns 0, or -1 with ERR on a write error.
 */
int cap_sink_record(struct cap_sink *s, const void *data, size_t size, uint64_t ts, uint32_t cpu,
		    struct mmr_error *err);

/*
 * cap_sink_record for a record that came with a kernel call chain
 * (perf's PERF_SAMPLE_CALLCHAIN, innermost first, context markers
 * included): a lock:contention_begin gets its caller from it
 * (cap_lock_caller) and the stacked flag.  CHAIN NULL: none.
 */
int cap_sink_record_chain(struct cap_sink *s, const void *data, size_t size, uint64_t ts, uint32_t cpu,
			  const uint64_t *chain, size_t nchain, struct mmr_error *err);

/*
 * Close the trace being written as a complete one, with LOST[cpu] for
 * NR_CPUS CPUs, and go on into a new trace OUT with META: the events still
 * held for ordering go there, and every call site is named again, so each
 * trace reads on its own.  Returns 0, or -1 (ERR) with nothing more to be
 * written (write_failed set).
 */
int cap_sink_rotate(struct cap_sink *s, const char *out, const struct mmr_meta *meta, const uint64_t *lost,
		    uint32_t nr_cpus, struct mmr_error *err);

/* Write every held event up to UNTIL (UINT64_MAX: all).  Returns 0 or -1 (ERR). */
int cap_sink_flush(struct cap_sink *s, uint64_t until, struct mmr_error *err);

/* Name task PID in the trace.  Returns 0 or -1 (ERR). */
int cap_sink_comm(struct cap_sink *s, int32_t pid, const char *comm, struct mmr_error *err);

/*
 * Flush everything, record LOST[cpu] for NR_CPUS CPUs (LOST may be NULL),
 * and close the trace.  Returns 0 or -1 (ERR); the sink is freed either way.
 * After a failed write the file is cut back to its last whole block, which
 * the reader recovers (with a warning that the writer did not finish).
 */
int cap_sink_close(struct cap_sink *s, const uint64_t *lost, uint32_t nr_cpus, struct mmr_error *err);

/*
 * After a write to the output failed (write_failed): free the sink; the
 * writer has left the output as its whole blocks and writes no more.
 */
void cap_sink_cut(struct cap_sink *s);

/* Free the sink and remove its half-written output (after an error). */
void cap_sink_abort(struct cap_sink *s);

/* ---- instance.c: tracefs and the private instance ---------------------- */

struct tracefs_instance;

struct cap_instance {
	struct tracefs_instance *inst;
	char name[64]; /* "mmreplay-PID" */
};

/*
 * The tracefs mount point, mounting tracefs when it is not mounted and we
 * are root.  WRITE: also check that an instance can be created.  Returns
 * the path, or NULL with ERR saying exactly what permission is missing.
 */
const char *cap_tracefs_dir(bool write, struct mmr_error *err);

/* Remove instances of mmreplay runs that no longer exist, saying so on LOG.  Returns how many. */
int cap_instance_remove_stale(FILE *log);

/* Create this process's instance.  Returns 0, or -1 (ERR). */
int cap_instance_create(struct cap_instance *ci, struct mmr_error *err);

/*
 * Tracing off, clock mono, no overwrite, BUFFER_KB per CPU (0: keep), and
 * with PID > 0 only that process and the children it forks from now on.
 * Returns 0, or -1 (ERR).
 */
int cap_instance_setup(struct cap_instance *ci, unsigned buffer_kb, pid_t pid, struct mmr_error *err);

/*
 * Enable every tracepoint of FAMILIES this kernel has; *ENABLED gets a
 * bitmask over mmr_capture_tracepoint_get() indices.  Missing required
 * tracepoints are one warning line on LOG.  Returns 0, or -1 (ERR) when
 * one the kernel has cannot be enabled, or none of them exists.
 */
int cap_instance_enable(struct cap_instance *ci, unsigned families, uint64_t *enabled, FILE *log,
			struct mmr_error *err);

/* True when the running kernel has TP. */
bool cap_tracepoint_exists(const struct mmr_capture_tracepoint *tp);

/*
 * Events the kernel lost on CPU of the instance so far: overruns, commit
 * overruns and dropped events from per_cpu/cpuN/stats.  Returns 0, or -1
 * when the stats cannot be read.
 */
int cap_instance_lost(struct cap_instance *ci, int cpu, uint64_t *lost);

/* Turn tracing off and remove the instance (safe to call twice).  Returns 0, or -1 (errno) when it stays. */
int cap_instance_destroy(struct cap_instance *ci);

/* ---- ring.c: the per-CPU ring buffers ----------------------------------- */

struct kbuffer;
struct pollfd;

/* One CPU's trace_pipe_raw and what the reader knows of it. */
struct cap_ring_cpu {
	int fd;           /* trace_pipe_raw, non-blocking; -1: the CPU has no buffer */
	int pipe[2];      /* full pages are spliced through here; -1: splice refused, read() only */
	uint64_t done_ts; /* every event of this CPU older than this has been read (at least the newest read) */
};

struct cap_ring {
	int ncpus;                 /* possible CPUs */
	struct cap_ring_cpu *cpu;
	struct kbuffer *kbuf;
	uint8_t *buf;              /* what one splice can bring: pipe_size bytes */
	size_t pipe_size;          /* bytes of each pipe, a multiple of page_size */
	int page_size;             /* of the ring buffer's pages (sub-buffers) */
	uint64_t *missed;          /* per CPU: events the page headers say were lost */
	FILE **spool;              /* per CPU: raw pages for trace.dat, or NULLs */
	struct pollfd *poll;       /* per opened CPU, only to wait on */
	int npoll;
};

/*
 * Open every CPU's trace_pipe_raw of CI for non-blocking reads, parsing
 * with TEP's formats; SPOOL keeps the raw pages (anonymous temporary
 * files).  Returns 0, or -1 (ERR).
 */
int cap_ring_open(struct cap_ring *r, struct cap_instance *ci, struct tep_handle *tep, bool spool,
		  struct mmr_error *err);

/*
 * Sleep until some CPU's buffer is filling up (the instance's
 * buffer_percent) or TIMEOUT_NS pass, whichever is first; a signal ends it
 * early too.
 */
void cap_ring_wait(struct cap_ring *r, uint64_t timeout_ns);

/*
 * Read every CPU's full pages into S (at most a few pipes' worth a CPU),
 * and read to empty, the page being written included, each CPU that
 * filled no page, cannot be spliced, or whose done_ts is older than NOW -
 * LAG_NS; every CPU with LAG_NS 0 (the end).  NOW (CLOCK_MONOTONIC, taken
 * before the call) less MARGIN_NS becomes the done_ts of a CPU seen empty.
 * Returns the pages read, or -1 (ERR).
 */
long cap_ring_drain(struct cap_ring *r, struct cap_sink *s, uint64_t now, uint64_t lag_ns,
		    uint64_t margin_ns, struct mmr_error *err);

/* The oldest done_ts of the CPUs: every event older than this has been read. */
uint64_t cap_ring_watermark(const struct cap_ring *r);

void cap_ring_close(struct cap_ring *r);

/* ---- parts.c: a capture as a directory of parts (--max-size) ------------ */

struct cap_parts {
	const char *dir;
	unsigned keep;     /* the newest parts kept (--rotate); 0: all */
	unsigned number;   /* of the part being written, from 1 */
	unsigned removed;  /* older parts removed to keep KEEP */
	bool created;      /* DIR was made by cap_parts_open */
	char path[4096];   /* of the part being written: DIR/NNNNNN.mmr */
};

/*
 * Make DIR (or take it, when it exists and holds no .mmr file) for the
 * parts of a capture, and name the first part in P->path.  Returns 0, or
 * -1 with ERR (not a directory, another capture's files in it).
 */
int cap_parts_open(struct cap_parts *p, const char *dir, unsigned keep, struct mmr_error *err);

/* Name the next part in P->path.  Returns 0, or -1 (ERR) after the 999,999th. */
int cap_parts_next(struct cap_parts *p, struct mmr_error *err);

/*
 * With keep, remove the part that fell out of the newest KEEP now that
 * the part numbered P->number is being written.  Returns 0, or -1 after a
 * warning on LOG (the capture goes on).
 */
int cap_parts_trim(struct cap_parts *p, FILE *log);

/* ---- tracedat.c: trace-cmd trace.dat v6 -------------------------------- */

/*
 * Write PATH as a trace.dat v6: the running kernel's headers, the formats
 * of the ENABLED tracepoints (mask over mmr_capture_tracepoint_get()),
 * kallsyms, printk formats, the saved CMDLINES text (NULL: none), then
 * R's spooled pages.  *BYTES gets the file size.  Returns 0, or -1 (ERR)
 * with PATH removed.
 */
int cap_tracedat_write(const char *path, struct cap_ring *r, uint64_t enabled, const char *cmdlines,
		       uint64_t *bytes, struct mmr_error *err);

/* ---- command.c: the command a capture records around ------------------- */

struct cap_command {
	pid_t pid;        /* -1 once reaped */
	int go_fd;        /* write end: tells the child to exec */
	int status_fd;    /* read end: the exec's errno, or EOF on success */
	const char *name; /* argv[0] */
	int exit_status;  /* shell style (128 + signal), -1 until known */
};

/*
 * Fork a child that will exec ARGV once started, with the signals the
 * capture catches back at their defaults, or ignored when in IGNORE (as the
 * capture found them: nohup's SIGHUP, a background job's SIGINT).  Returns
 * 0, or -1 (ERR).
 */
int cap_command_fork(struct cap_command *cmd, char *const *argv, const sigset_t *ignore,
		     struct mmr_error *err);

/* Let the child exec.  Returns 0, or -1 (ERR) when the exec failed (the child is reaped). */
int cap_command_start(struct cap_command *cmd, struct mmr_error *err);

/* True once the child has exited (its status is then in exit_status). */
bool cap_command_exited(struct cap_command *cmd);

/* Wait for the child, sending SIGTERM first with TERMINATE, SIGKILL after a second. */
void cap_command_reap(struct cap_command *cmd, bool terminate);

/*
 * Unaligned native-endian reads of recorded files (perf.data, trace.dat):
 * the importers refuse files of the other byte order up front.
 */
static inline uint16_t cap_rd16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t cap_rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t cap_rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* ---- kallsyms.c: the running kernel's code symbols ---------------------- */

struct cap_ksyms;

/*
 * The whole of a file whose size stat cannot tell (/proc/kallsyms), NUL
 * terminated, its length in *LEN.  NULL (and *LEN 0) when unreadable or
 * past 256 MiB.
 */
char *cap_slurp(const char *path, size_t *len);

/*
 * Read the code symbols of kallsyms text at PATH ("/proc/kallsyms").
 * Returns the table, or NULL when the file cannot be read or memory runs
 * out (symbols are a nicety: callers go on without names).
 */
struct cap_ksyms *cap_ksyms_load(const char *path);
void cap_ksyms_free(struct cap_ksyms *k);
/* Address of symbol NAME, or 0 when absent or hidden (kptr_restrict). */
uint64_t cap_ksyms_addr(const struct cap_ksyms *k, const char *name);
/*
 * Make TEP name addresses from K (tep_find_function and friends).  K must
 * outlive TEP's use.  Returns 0, or -1 when out of memory.
 */
int cap_ksyms_attach(struct cap_ksyms *k, struct tep_handle *tep);
/* How many data and bss symbols K has: none on a kernel built without CONFIG_KALLSYMS_ALL. */
size_t cap_ksyms_data_count(const struct cap_ksyms *k);
/* The data or bss symbol that starts exactly at ADDR (a static lock), or NULL. */
const char *cap_ksyms_data_at(const struct cap_ksyms *k, uint64_t addr);

/* ---- lock_caller.c: the code that contended, from a kernel stack ----- */

/* perf's call-chain markers before user frames (PERF_CONTEXT_USER, PERF_CONTEXT_GUEST_USER). */
#define CAP_PERF_CONTEXT_USER ((uint64_t)-512)
#define CAP_PERF_CONTEXT_GUEST_USER ((uint64_t)-2560)

/* The function name of code address ADDR (any "+0x..." offset allowed), or NULL when unknown. */
typedef const char *(*cap_frame_name_fn)(void *ctx, uint64_t addr);

/*
 * The caller of a lock wait from its kernel stack FRAMES[0..N) (innermost
 * first): the first frame whose function is neither the lock
 * implementation nor tracing (cap_lock_frame_skipped), named through NAME.
 * perf's context markers are passed over.  Returns its address, or 0 when
 * every frame is skipped, a frame before it has no name (it could be lock
 * code), or the kernel frames end.
 */
uint64_t cap_lock_caller(const uint64_t *frames, size_t n, cap_frame_name_fn name, void *ctx);

/* ---- lock_trigger.c: the stacks spread over the locks ------------------------- */

/*
 * The trigger "stacktrace:COUNT if lock_addr != A && ..." leaving out the
 * NSKIP addresses of SKIP (no filter when NSKIP is 0) into BUF (N bytes).
 * Returns 0, or -1 when it does not fit.
 */
int cap_lock_trigger_text(char *buf, size_t n, unsigned count, const uint64_t *skip, size_t nskip);

/*
 * The stacks a trigger has left, from the text of its event's trigger file
 * ("stacktrace:count=K ..."); UINT_MAX when TEXT has no counted stacktrace
 * trigger (or is NULL).
 */
unsigned cap_lock_trigger_left(const char *text);

struct tracefs_instance;
/*
 * Put INST's stacktrace trigger on lock:contention_begin back with the
 * count it has left and a filter leaving out the NSKIP lock addresses of
 * SKIP.  Returns 0; 1 when there is nothing to re-arm (its stacks spent,
 * or no counted trigger there); -1 after a warning on LOG when the kernel
 * refused (no more stacks are taken then).
 */
int cap_lock_trigger_rearm(struct tracefs_instance *inst, const uint64_t *skip, size_t nskip, FILE *log);

/* True when function NAME ("_raw_spin_lock_irqsave", "__mutex_lock.constprop.0") is lock or tracing code. */
bool cap_lock_frame_skipped(const char *name);

/* Length of NAME without a compiler suffix (".constprop.0") or an offset ("+0x1c"). */
size_t cap_func_len(const char *name);

/* ---- import.c, tracing_data.c, import_*.c: reading recorded files ---- */

/* What a tracing data block said besides its event formats. */
struct cap_tdata_info {
	char version[8];        /* "0.6" (perf), "6" (trace-cmd) */
	bool big_endian;        /* byte order of the recorded kernel */
	bool has_cmdlines;      /* the block ends with saved cmdlines (0.6 on) */
	uint8_t long_size;      /* 4 or 8 */
	uint32_t page_size;
	uint64_t nr_events;     /* event formats parsed, ftrace's included */
	uint64_t kallsyms_size; /* bytes of kallsyms the block carried; 0: none */
	size_t used;            /* bytes of the buffer the block took */
};

/*
 * Parse the tracing data block at BUF[0..LEN) (layout in tracing_data.c)
 * into a new libtraceevent handle: byte order, long and page size, the
 * header_page format, every event format, and the kallsyms, printk
 * formats and saved cmdlines it carries.  FILE and BASE, the file offset
 * of BUF, only place error messages.  Returns the handle (tep_free it),
 * or NULL with ERR "FILE: offset N: tracing data: what" when the block is
 * truncated, malformed, of an unknown version, or memory runs out.
 */
struct tep_handle *cap_tracing_data_parse(const void *buf, size_t len, const char *file,
					  uint64_t base, struct cap_tdata_info *info,
					  struct mmr_error *err);

/*
 * Whether TEP holds a usable format of any tracepoint the capture decodes
 * (import.c): checked before the sink opens, whose own refusal would not
 * name the input file.
 */
bool cap_tp_known(struct tep_handle *tep);

/* The parts of a tracing data block, which trace.dat version 7 keeps in sections of their own. */
enum cap_td_part {
	CAP_TD_HEADERS,  /* header_page and header_event */
	CAP_TD_FTRACE,   /* the ftrace formats */
	CAP_TD_SYSTEMS,  /* every other system's formats */
	CAP_TD_KALLSYMS,
	CAP_TD_PRINTK,
	CAP_TD_CMDLINES,
};

/*
 * Parse PART alone from BUF[0..LEN) into TEP, whose byte order, long and
 * page size are set, with the checks of cap_tracing_data_parse.  BASE is
 * the file offset of BUF, or with PACKED (BUF was decompressed) that of
 * its section, which is all an error can then name.  INFO->used: the
 * bytes the part took.  Returns 0, or -1 with ERR.
 */
int cap_tracing_data_part(struct tep_handle *tep, enum cap_td_part part, const void *buf, size_t len,
			  const char *file, uint64_t base, bool packed, struct cap_tdata_info *info,
			  struct mmr_error *err);

/*
 * Convert the perf.data file IN into the .mmr trace OUT (import_perf.c).
 * Returns 0 with SUM filled, or -1 with ERR "IN: offset N: what"; OUT is
 * then removed.
 */
int cap_import_perf(const char *in, const char *out, struct mmr_import_summary *sum,
		    struct mmr_error *err);

/* ---- tracedat_read.c: a trace.dat's header, checked; import_tracedat.c reads its pages ---- */

/* Where one CPU's ring-buffer pages lie in the file. */
struct cap_dat_cpu {
	uint32_t cpu;
	uint64_t off, size;
};

struct cap_dat {
	const uint8_t *map;           /* the whole file, mapped */
	size_t len;
	const char *file;
	struct tep_handle *tep;       /* its event formats, kallsyms, printk formats and cmdlines */
	uint32_t page_size;
	uint8_t long_size;            /* 4 or 8: the page header's commit field */
	uint32_t nr_cpus;             /* the machine's, as the file says (at least every CPU's number + 1) */
	struct cap_dat_cpu *cpus;     /* the CPUs with data */
	size_t ncpus;
	bool compressed;              /* each CPU's pages in zstd chunks (version 7) */
	uint32_t tsc_mult, tsc_shift; /* TSC2NSEC: ns = cycles * mult >> shift; mult 0: ns already */
	uint64_t formats_off;         /* where the event formats are, for messages */
};

/*
 * Map FILE, a trace-cmd trace.dat of version 6 or 7, and read its header
 * into D.  Returns 0, or -1 with ERR "FILE: offset N: what" (unreadable,
 * truncated, corrupt, or of a kind this build does not read).
 */
int cap_dat_open(struct cap_dat *d, const char *file, struct mmr_error *err);
void cap_dat_close(struct cap_dat *d);

/* The same for a trace-cmd trace.dat (import_tracedat.c). */
int cap_import_tracedat(const char *in, const char *out, struct mmr_import_summary *sum,
			struct mmr_error *err);

/* The same for a text trace in `mmreplay dump`'s form (import_text.c); ERR "IN: line N: what". */
int cap_import_text(const char *in, const char *out, struct mmr_import_summary *sum, struct mmr_error *err);

#endif /* CAP_INTERNAL_H */
