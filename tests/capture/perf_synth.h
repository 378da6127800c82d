/* SPDX-License-Identifier: MIT */
/*
 * perf_synth.h - build tracing data blocks and perf.data files in memory,
 * with the events they hold, so the importer can be tested on any machine
 * (no perf, no root, no tracefs) against what the builder knows it wrote.
 *
 * The event formats are small hand-written ones in the kernel's format
 * syntax: kmem's six allocation tracepoints and one unrelated event.
 */
#ifndef PERF_SYNTH_H
#define PERF_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmr_trace.h"

/* A growable byte buffer; on allocation failure the test aborts. */
struct ps_buf {
	uint8_t *p;
	size_t len, cap;
};

void ps_put(struct ps_buf *b, const void *d, size_t n);
void ps_u8(struct ps_buf *b, uint8_t v);
void ps_u16(struct ps_buf *b, uint16_t v);
void ps_u32(struct ps_buf *b, uint32_t v);
void ps_u64(struct ps_buf *b, uint64_t v);
void ps_free(struct ps_buf *b);
/* Zero bytes up to the next multiple of 8. */
void ps_pad8(struct ps_buf *b);

/* The synthetic tracepoints. */
enum ps_kind {
	PS_KMALLOC, PS_KFREE, PS_CACHE_ALLOC, PS_CACHE_FREE, PS_PAGE_ALLOC, PS_PAGE_FREE,
	PS_OTHER, /* sched:ps_other: read, counted, not an allocator event */
	PS_NKINDS
};

/* Event id of KIND in the synthetic formats. */
uint64_t ps_kind_id(enum ps_kind kind);

/*
 * Append a sample's raw data for KIND: u32 size, then the record (common
 * fields, then VALS in the format's field order), padded as the kernel
 * pads it.
 */
void ps_raw_record(struct ps_buf *b, enum ps_kind kind, int32_t pid, const uint64_t *vals);

struct ps_td_opts {
	const char *version; /* "0.6" (default), "0.5" or "6" */
	bool big_endian;     /* write sizes (not formats) big-endian, endian byte 1 */
	const char *kallsyms; /* text, or NULL for none */
	const char *printk;   /* printk formats, or NULL for one good line */
	const char *cmdlines; /* saved cmdlines (0.6 on), or NULL for two good lines */
};

/* Append a tracing data block (layout in capture/tracing_data.c). */
void ps_tracing_data(struct ps_buf *b, const struct ps_td_opts *o);

/*
 * Append a trace-cmd trace.dat, version 6 (tracedat_synth.c): this
 * tracing data, then per CPU (NR_CPUS) the pages of EVENTS records
 * (kmalloc by pid 100 and kfree by pid 101, alternately), with time
 * extends, discarded events, long-form events and, on CPU 1's first page,
 * 5 lost events.
 */
void ps_trace_dat(struct ps_buf *b, uint32_t nr_cpus, uint32_t events);
/* The same as trace.dat version 7 (at most 8 CPUs): sections, zstd-compressed when Z. */
void ps_trace_dat7(struct ps_buf *b, uint32_t nr_cpus, uint32_t events, bool z);

/* How the perf.data is laid out. */
enum ps_layout {
	PS_SINGLE,     /* one event (kmalloc), samples without ids, no sample_id_all */
	PS_IDENTIFIER, /* an attr per kind + a dummy, PERF_SAMPLE_IDENTIFIER, sample_id_all, ID_INDEX */
	PS_ID_FULL,    /* as PS_IDENTIFIER with PERF_SAMPLE_ID, ADDR, STREAM_ID, READ (group) and CALLCHAIN */
};

struct ps_opts {
	enum ps_layout layout;
	uint32_t nr_cpus;     /* 1..8; default 2 */
	uint32_t events;      /* allocator events to write; default 200 */
	uint64_t seed;        /* default 1 */
	int compress;         /* 0 none, 1 PERF_RECORD_COMPRESSED, 2 COMPRESSED2 */
	bool lost;            /* LOST records and, at the end, LOST_SAMPLES */
	bool late_event;      /* one event older than what was already flushed */
	bool no_nrcpus;       /* leave HEADER_NRCPUS out */
	const char *osrelease; /* default "synthetic-0" */
};

/* A built file and what a correct import of it gives. */
struct ps_file {
	struct ps_buf buf;
	struct mmr_event *expect; /* events in the order the trace must hold them */
	size_t nexpect;
	uint64_t records;          /* tracepoint samples (allocator and PS_OTHER) */
	uint64_t lost[8];          /* per CPU */
	uint64_t lost_folded;      /* all on CPU 0, when the file has no CPU count */
	uint32_t nr_cpus;
	uint64_t out_of_order;
	uint64_t data_off, data_size;
	/* Names a correct import gives: pid -> comm, call site -> symbol. */
	int32_t pids[4];
	const char *comms[4];
	uint64_t site[3];
	const char *site_name[3];
};

/* Build a perf.data with O into F (free with ps_file_free). */
void ps_perf_data(struct ps_file *f, const struct ps_opts *o);
void ps_file_free(struct ps_file *f);

/* Write F's bytes to PATH.  Returns 0 or -1. */
int ps_write(const struct ps_buf *b, const char *path);

#endif /* PERF_SYNTH_H */
