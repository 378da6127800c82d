/* SPDX-License-Identifier: MIT */
/*
 * mmr_capture.h - getting real kernel events into .mmr traces: live
 * capture from tracefs (libtracefs, libtraceevent), and importers for
 * perf.data and trace-cmd trace.dat files.  Every source goes through the
 * same tracepoint decoders, so the same tracepoints give the same events
 * whichever way they came in.  See docs/capture.md.
 */
#ifndef MMR_CAPTURE_H
#define MMR_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "mmr_trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Groups of tracepoints a capture can record (`-e slab,page`). */
enum mmr_capture_family {
	MMR_CAP_SLAB,    /* kmem:kmalloc, kmem:kfree, kmem:kmem_cache_alloc, ... */
	MMR_CAP_PAGE,    /* kmem:mm_page_alloc, kmem:mm_page_free, ... */
	MMR_CAP_VMALLOC, /* vmalloc:alloc_vmap_area, ... */
	MMR_CAP_PERCPU,  /* percpu:percpu_alloc_percpu, percpu:percpu_free_percpu */
	MMR_CAP_CMA,     /* cma:cma_alloc_finish, cma:cma_release */
	MMR_CAP_DMA,     /* dma:dma_alloc*, dma:dma_free* */
	MMR_CAP_RCU,     /* rcu:rcu_kvfree_callback, rcu:rcu_invoke_kfree_bulk_callback */
	MMR_CAP_LOCK,    /* lock:contention_begin, lock:contention_end: the kernel's lock waits */
	MMR_CAP_COUNT
};

/* All families, as a mask. */
#define MMR_CAP_ALL ((1u << MMR_CAP_COUNT) - 1)
/* What `capture` records without -e. */
#define MMR_CAP_DEFAULT ((1u << MMR_CAP_SLAB) | (1u << MMR_CAP_PAGE) | (1u << MMR_CAP_VMALLOC))

/* Family name ("slab"), or NULL when out of range. */
const char *mmr_capture_family_name(unsigned fam);

/*
 * Parse a comma-separated family list ("slab,page" or "all") into *MASK.
 * Returns 0, or -1 with ERR naming the unknown family.
 */
int mmr_capture_parse_families(const char *list, unsigned *mask, struct mmr_error *err);

/* One tracepoint a family records. */
struct mmr_capture_tracepoint {
	const char *system, *event; /* "kmem", "kmalloc" */
	unsigned family;            /* enum mmr_capture_family */
	bool optional;              /* absent on many kernels: no warning when missing */
};

/* The tracepoints capture knows, in family order: count and I-th (NULL past the end). */
size_t mmr_capture_tracepoint_count(void);
const struct mmr_capture_tracepoint *mmr_capture_tracepoint_get(size_t i);

/*
 * Print, per family, which of its tracepoints the running kernel has, from
 * tracefs.  Returns 0, or -1 with ERR when tracefs cannot be found or
 * mounted.
 */
int mmr_capture_list_events(FILE *out, struct mmr_error *err);

/* ---- live capture ------------------------------------------------------ */

/*
 * Stacks `capture --lock-stacks` takes by default.  Each lengthens its
 * wait by 1-2 us warm and up to about 45 us cold (measured on the test VM,
 * docs/kernel-locks.md), so 1000 add at most about 46 ms of waiting to a
 * whole capture, while a lock needs only a few stacked waits to be named
 * by its most frequent caller.
 */
#define MMR_CAPTURE_LOCK_STACKS_DEFAULT 1000u

struct mmr_capture_opts {
	const char *output;       /* .mmr file to write */
	const char *trace_dat;    /* also write a trace-cmd trace.dat here; NULL: no */
	unsigned families;        /* mask of enum mmr_capture_family; 0 picks MMR_CAP_DEFAULT */
	double duration_s;        /* stop after this long; 0: until SIGINT or the command ends */
	pid_t pid;                /* record only this process and its children; 0: all */
	char *const *command;     /* run this (argv, NULL-terminated) and record around it; NULL: none */
	bool follow_command;      /* with command: record only its process tree */
	unsigned buffer_kb;       /* per-CPU ring buffer size; 0 keeps the kernel's default */
	bool status;              /* a live one-line status on LOG (for a TTY) */
	/*
	 * With the lock family: kernel stacks taken at the first LOCK_STACKS
	 * lock:contention_begin events (a stacktrace trigger), naming the
	 * code that contended; 0: none.  The CLI's default is
	 * MMR_CAPTURE_LOCK_STACKS_DEFAULT.
	 */
	unsigned lock_stacks;
	FILE *log;                /* warnings, status and the summary; NULL: stderr */
	/*
	 * Close the trace once it holds MAX_SIZE bytes and go on in the next:
	 * OUTPUT is then a directory of parts (NNNNNN.mmr, each a complete
	 * trace), which every reader takes as one trace.  0: one file.
	 */
	uint64_t max_size;
	unsigned max_parts;       /* with max_size: keep only the newest MAX_PARTS parts; 0: all */
};

struct mmr_capture_summary {
	uint64_t events;                  /* events written to the trace */
	uint64_t by_family[MMR_FAM_COUNT];
	uint64_t lost;                    /* events the kernel dropped, all CPUs */
	uint64_t out_of_order;            /* events that came later than a newer one was written */
	uint64_t file_bytes;              /* size of the .mmr file (with max_size: of every part written) */
	unsigned parts;                   /* with max_size: parts written */
	unsigned parts_removed;           /* of those, removed to keep max_parts */
	uint64_t dat_bytes;               /* size of the trace.dat, when written */
	double seconds;                   /* wall time of the capture */
	int command_status;               /* the command's exit status (shell style), -1 without one */
	int stop_signal;                  /* the signal that ended the capture (SIGINT...), 0: none */
	bool lock_stacks_on;              /* the stacktrace trigger was installed */
	uint64_t lock_stacks;             /* kernel stacks read (at most lock_stacks, less any lost) */
	uint64_t lock_stacked;            /* contention_begin events given a stack (stacked flag) */
	uint64_t lock_callers;            /* of those, the ones whose caller was found */
};

/*
 * Record the chosen tracepoints into O->output, in a private tracefs
 * instance that is removed on return.  SIGINT, SIGTERM and SIGHUP (unless
 * ignored when called: nohup) end the capture with the trace complete;
 * SIGPIPE is ignored meanwhile; the old handlers are back on return.
 * Prints warnings (missing tracepoints), the status line and a summary on
 * O->log.  Returns 0, or -1 with ERR filled (nothing to record, no
 * permission, tracefs missing, I/O error).  A failure once recording began
 * keeps what was recorded, and ERR's line ends saying whether O->output is
 * complete, cut (the reader recovers its whole blocks, with a warning) or
 * removed because nothing reached it.
 */
int mmr_capture_run(const struct mmr_capture_opts *o, struct mmr_capture_summary *sum,
		    struct mmr_error *err);

/* ---- importers --------------------------------------------------------- */

enum mmr_import_type {
	MMR_IMPORT_PERF,     /* perf.data from perf record -e kmem:... */
	MMR_IMPORT_TRACEDAT, /* trace-cmd trace.dat */
	MMR_IMPORT_TEXT,     /* events as text, one a line, as `mmreplay dump` prints them */
};

struct mmr_import_summary {
	enum mmr_import_type type;
	uint64_t records;      /* tracepoint records read */
	uint64_t events;       /* events written (records of tracepoints capture knows) */
	uint64_t by_family[MMR_FAM_COUNT];
	uint64_t lost;         /* events the recorder lost, as the input says */
	uint64_t out_of_order;
	uint64_t file_bytes;
};

/* Name of an input type ("perf.data", "trace.dat", "text"). */
const char *mmr_import_type_name(enum mmr_import_type type);

/*
 * Detect what FILE is from its first bytes.  Returns 0 with *TYPE set, or
 * -1 with ERR saying what the file is not.
 */
int mmr_import_detect(const char *path, enum mmr_import_type *type, struct mmr_error *err);

/*
 * Convert IN (perf.data, trace.dat or a text trace) into the .mmr trace
 * OUT.  Returns 0, or -1 with ERR naming the file, the offset (a text
 * trace: the line) and what was wrong; OUT is then removed.
 */
int mmr_import(const char *in, const char *out, struct mmr_import_summary *sum,
	       struct mmr_error *err);

#ifdef __cplusplus
}
#endif

#endif /* MMR_CAPTURE_H */
