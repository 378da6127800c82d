/* SPDX-License-Identifier: MIT */
/*
 * mmr_trace.h - the .mmr trace format: the events of mmr_event.h from every
 * source (live capture, perf.data and trace.dat importers, synthetic
 * workloads), a streaming writer with bounded memory, a verifying reader,
 * and the names and checks of the event model.
 *
 * The on-disk layout is described in docs/trace-format.md.
 */
#ifndef MMR_TRACE_H
#define MMR_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmr_event.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The kind of lock the flags of a contention_begin name, as `perf lock
 * contention` words it ("spinlock", "rwsem:R", "mutex"); "unknown" for a
 * combination no kernel lock reports.
 */
const char *mmr_lock_type_name(uint64_t flags);

/* Short lowercase names ("slab", "kvfree_rcu", "release_nowait"); NULL when out of range. */
const char *mmr_family_name(unsigned family);
const char *mmr_op_name(unsigned op);
/* Name of flag bit BIT (MMR_EF_ATOMIC is bit 0: "atomic"); NULL past the last flag. */
const char *mmr_event_flag_name(unsigned bit);
/* Inverse lookups: return the enum value, or -1 when the name is unknown. */
int mmr_family_from_name(const char *name);
int mmr_op_from_name(const char *name);

/* True for ops that bring an object to life (alloc, realloc's new id). */
bool mmr_op_starts_object(unsigned op);
/* True for ops that end an object's life (free, release, release_nowait, kvfree_rcu). */
bool mmr_op_ends_object(unsigned op);


/* Why an event is out of range: MMR_EVENT_VALID, or the first reason that applies. */
enum mmr_event_invalid {
	MMR_EVENT_VALID,
	MMR_INVALID_OP,     /* an op that is not one of its family's (a slab vmap, a page map) */
	MMR_INVALID_ORDER,  /* order above MMR_MAX_ORDER */
	MMR_INVALID_SIZE,   /* bytes_req or bytes_alloc above MMR_MAX_BYTES */
	MMR_INVALID_ALIGN,  /* vmalloc alloc: alignment (aux) neither 0 nor a power of two <= MMR_MAX_BYTES */
	MMR_INVALID_CPU,    /* cpu not below MMR_MAX_CPUS */
	MMR_INVALID_NODE,   /* node neither -1 nor below MMR_MAX_NODES */
	MMR_INVALID_COUNT
};

/* Whether EV is in range: MMR_EVENT_VALID or why not.  Family and op must be known values. */
enum mmr_event_invalid mmr_event_check(const struct mmr_event *ev);

/* Events out of range, counted by reason, family and op: what the replay and stats report. */
struct mmr_invalid_counts {
	uint64_t total;
	uint64_t n[MMR_INVALID_COUNT][MMR_FAM_COUNT][MMR_OP_COUNT];
};

/* Check EV; when it is out of range, count it in C.  Returns true when EV is valid. */
bool mmr_invalid_note(struct mmr_invalid_counts *c, const struct mmr_event *ev);

/*
 * The non-zero counts of C, one per call from *POS (start at 0): the
 * reason, family, op and count.  Returns false after the last.
 */
bool mmr_invalid_next(const struct mmr_invalid_counts *c, size_t *pos, unsigned *why, unsigned *family,
		      unsigned *op, uint64_t *count);

struct mmr_json;
struct cJSON;

/* Add C's non-zero counts to the JSON object PARENT as array KEY of {"family", "op", "reason", "count"}. */
void mmr_invalid_json(struct mmr_json *j, struct cJSON *parent, const char *key, const struct mmr_invalid_counts *c);

/* What reason WHY means, in a few words ("order above 20"); NULL when out of range. */
const char *mmr_event_invalid_name(unsigned why);

/* Short key of reason WHY for JSON ("order"); NULL when out of range or MMR_EVENT_VALID. */
const char *mmr_event_invalid_key(unsigned why);


/*
 * Fill ERR (when not NULL) with "PATH: offset OFF: " and the formatted
 * message: the one error line every reader of a file gives, the .mmr
 * reader and the importers alike.
 */
void mmr_error_at(struct mmr_error *err, const char *path, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Trace-wide metadata, stored in the file header (lost counts at the end). */
struct mmr_meta {
	const char *kernel_release; /* uname -r of the traced system, or "" */
	const char *clock;          /* trace clock name: "local", "mono", "boot", "synthetic" */
	const char *source;         /* how the trace was made: "capture", "workload slab-mix seed=1" */
	const char *tool_version;   /* writer's version; filled in by the writer */
	uint32_t nr_cpus;           /* CPUs of the traced system */
	uint64_t start_realtime_ns; /* wall-clock time of the first event, ns since the epoch */
	/* Per-CPU lost events (nr_cpus entries), NULL when unknown (a killed writer). */
	const uint64_t *lost;
};

/* Per-block figures, as found in the file's index. */
struct mmr_block_info {
	uint64_t offset;      /* byte offset of the block header */
	uint64_t nr_events;
	uint64_t first_ts_ns; /* smallest timestamp in the block */
	uint64_t last_ts_ns;  /* largest timestamp in the block */
	uint32_t raw_size;    /* payload bytes before compression */
	uint32_t stored_size; /* payload bytes on disk */
};

/* ---- Writer ---------------------------------------------------------- */

struct mmr_writer;

struct mmr_writer_opts {
	uint32_t block_events; /* events per block; 0 picks the default (65536) */
	int zstd_level;        /* 0 picks the default (3) */
	/*
	 * Blocks uncompressed (codec 0), whatever zstd would save: a fuzzer's
	 * seed whose every field it can change in place (tests/fuzz), a file
	 * whose hexdump shows the columns.
	 */
	bool stored;
};

/*
 * Create PATH (truncating it) and write the header from META (lost is
 * ignored: see mmr_writer_set_lost).  OPTS may be NULL.  Memory stays
 * bounded by one block.  Returns NULL and fills ERR on failure.
 */
struct mmr_writer *mmr_writer_open(const char *path, const struct mmr_meta *meta,
				   const struct mmr_writer_opts *opts, struct mmr_error *err);

/*
 * Append one event.  Events go out in blocks as they fill; a block on disk
 * survives the writer being killed.  Returns 0, or -1 with ERR filled.
 * After a write fails (a full disk, an I/O error) the file is cut back to
 * its last whole block and written no more: every later call fails with
 * that error, and the file reads as a killed writer's, its whole blocks
 * recovered.
 */
int mmr_writer_write(struct mmr_writer *w, const struct mmr_event *ev, struct mmr_error *err);

/* Name the symbol at a call-site address.  Returns 0, or -1 (ERR) when out of memory. */
int mmr_writer_add_symbol(struct mmr_writer *w, uint64_t addr, const char *name,
			  struct mmr_error *err);

/* Name a task.  Returns 0, or -1 (ERR) when out of memory. */
int mmr_writer_add_comm(struct mmr_writer *w, int32_t pid, const char *comm,
			struct mmr_error *err);

/* Record CPU's lost-event count, written when the writer is closed.  Returns 0 or -1 (ERR). */
int mmr_writer_set_lost(struct mmr_writer *w, uint32_t cpu, uint64_t lost, struct mmr_error *err);

/* Events written so far, and file bytes written so far. */
uint64_t mmr_writer_events(const struct mmr_writer *w);
uint64_t mmr_writer_bytes(const struct mmr_writer *w);

/*
 * Flush the last block, write lost counts, the index and the footer, mark
 * the header complete and free W.  Returns 0, or -1 (ERR) when any write
 * failed, now or before (the file is then left as its whole blocks, which
 * the reader recovers); W is freed either way.
 */
int mmr_writer_close(struct mmr_writer *w, struct mmr_error *err);

/* ---- Reader ---------------------------------------------------------- */

struct mmr_reader;

/*
 * Open and check a trace: header, footer, index and string tables.  A file
 * whose writer never finished is recovered up to its last complete block
 * (see mmr_reader_warning).  Returns NULL and fills ERR for anything
 * missing, truncated, corrupt, of another version or not a trace at all.
 */
struct mmr_reader *mmr_reader_open(const char *path, struct mmr_error *err);

/* The trace's metadata; valid until mmr_reader_close. */
const struct mmr_meta *mmr_reader_meta(const struct mmr_reader *r);

/* The blocks of the trace, in file order. */
size_t mmr_reader_block_count(const struct mmr_reader *r);
const struct mmr_block_info *mmr_reader_block(const struct mmr_reader *r, size_t i);

/* Total events in the trace (sum over its blocks). */
uint64_t mmr_reader_event_count(const struct mmr_reader *r);

/*
 * Position the reader at block I (0 rewinds).  Returns 0, or -1 (ERR)
 * when I is out of range.
 */
int mmr_reader_seek_block(struct mmr_reader *r, size_t i, struct mmr_error *err);

/*
 * Decode the next block and point *EVS at its *N events (valid until the
 * next call).  Returns 1 for a block, 0 at the end, -1 with ERR filled when
 * the block is corrupt (checksum, sizes or encoding).
 */
int mmr_reader_next_block(struct mmr_reader *r, const struct mmr_event **evs, size_t *n,
			  struct mmr_error *err);

/* One event at a time, on top of mmr_reader_next_block: 1, 0 at the end, -1 (ERR). */
int mmr_reader_next(struct mmr_reader *r, struct mmr_event *ev, struct mmr_error *err);

/* Symbol of a call-site address, or NULL when the trace does not name it. */
const char *mmr_reader_symbol(const struct mmr_reader *r, uint64_t addr);
/* Comm of a pid, or NULL when the trace does not name it. */
const char *mmr_reader_comm(const struct mmr_reader *r, int32_t pid);

/*
 * NULL for a trace that was closed properly; otherwise one line saying
 * the writer did not finish and how many blocks (events) were recovered,
 * or that the header says so of a file that is whole.  Every command
 * that reads a trace prints it.
 */
const char *mmr_reader_warning(const struct mmr_reader *r);

/*
 * Bytes of a killed writer's file from its first incomplete or damaged
 * block on, which the reader could not read (the events in them are
 * lost); 0 for a file that was closed properly.
 */
uint64_t mmr_reader_discarded(const struct mmr_reader *r);

/* Free R and everything it returned. */
void mmr_reader_close(struct mmr_reader *r);

/* The version string the writer stores ("mmreplay 0.1.0"). */
const char *mmr_tool_version(void);

#ifdef __cplusplus
}
#endif

#endif /* MMR_TRACE_H */
