/* SPDX-License-Identifier: MIT */
/*
 * perf_internal.h - what the perf.data reader's two files share:
 * import_perf.c reads the file header, the event attributes and the
 * feature sections and drives the import; perf_records.c walks the data
 * section's records.  Not public.
 *
 * perf.data is written in the byte order of the machine that recorded it
 * (the magic tells); this reader takes files of its own byte order.
 */
#ifndef CAP_PERF_INTERNAL_H
#define CAP_PERF_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cap_internal.h"

/* Limits that keep a hostile file from asking for huge allocations. */
#define CAP_PERF_MAX_ATTRS 4096             /* events in one file */
#define CAP_PERF_MAX_IDS (1u << 22)         /* event ids, all events together */
#define CAP_PERF_MAX_CPUS 65536
#define CAP_PERF_MAX_TDATA (512ull << 20)   /* tracing data block */

/* One event of the attrs section: the fields of perf_event_attr this reader uses. */
struct cap_perf_attr {
	uint32_t type;        /* PERF_TYPE_TRACEPOINT for tracepoints */
	uint64_t config;      /* the tracepoint's event id */
	uint64_t sample_type; /* PERF_SAMPLE_* bits: which fields a sample has */
	uint64_t read_format; /* PERF_FORMAT_* bits: what PERF_SAMPLE_READ holds */
	bool sample_id_all;   /* non-sample records end with a sample_id trailer */
	/* Precomputed from sample_type, in u64 words from the start of a sample's body. */
	int time_at, cpu_at;  /* -1 when absent */
	unsigned fixed_words; /* IDENTIFIER .. PERIOD: the fixed-size head */
	unsigned trailer_words;
};

/* A u64 min-heap of timestamps (perf_records.c). */
struct cap_perf_ts_heap {
	uint64_t *v;
	size_t n, cap;
};

struct cap_perf {
	const char *file;
	int fd;
	uint64_t file_size;
	struct mmr_error *err;

	uint64_t data_off, data_size;
	struct cap_perf_attr *attrs;
	size_t nattrs;
	uint64_t attrs_off, attr_size; /* where the attrs section is, for error offsets */
	struct mmr_idmap id_attr;  /* sample id -> index into attrs */
	struct {
		uint64_t id;
		uint32_t idx;
		bool valid;
	} id_cache[64];            /* recent lookups in id_attr: samples repeat a few ids */
	int id_pos;                /* u64 index of the id in a sample's body; -1: none */
	int is_pos;                /* u64 index of the id counted back from a record's end; -1: none */

	struct tep_handle *tep;
	uint64_t tdata_off;        /* file offset of the tracing data */
	int type_off, type_size;   /* a raw record's common_type, when it can be read natively; size 0: ask tep */
	char osrelease[256];
	uint32_t nr_cpus;          /* 0 until HEADER_NRCPUS says; 1 when it never does */
	bool fold_lost;            /* no CPU count: every lost event goes to CPU 0 */

	struct cap_sink sink;
	bool sink_open;
	struct mmr_idmap id_cpu;   /* PERF_RECORD_ID_INDEX: event id -> CPU */
	uint64_t *lost;            /* per CPU, from PERF_RECORD_LOST */
	uint64_t *lost_samples;    /* per CPU, from PERF_RECORD_LOST_SAMPLES */
	uint64_t records;          /* tracepoint samples read */

	/* perf's own ordering (perf_records.c): see perf_round(). */
	uint64_t oe_max;           /* largest timestamp queued since the queue was last empty */
	uint64_t next_flush;       /* what the next FINISHED_ROUND flushes up to */
	struct cap_perf_ts_heap side; /* timestamps of queued non-sample records */

	/* Kernel symbols from the running kernel, when it is the recorded one. */
	bool want_kallsyms, kallsyms_done;
	struct cap_ksyms *ksyms;
	uint64_t kref_addr;        /* the recorded kernel's reference symbol, from its mmap record */
	char kref[64];             /* its name ("_text"); "" until seen */

	/* Reading the data section through a window (perf_records.c). */
	uint8_t *win;
	size_t win_len, win_cap;
	uint64_t win_off;
	/* PERF_RECORD_COMPRESSED: one zstd stream across records, and its output. */
	void *dctx;
	uint8_t *zbuf;
	size_t zlen, zcap;
};

/* Fill P's error with "FILE: offset OFF: what" and return -1. */
__attribute__((format(printf, 3, 4))) int cap_perf_fail(struct cap_perf *p, uint64_t off,
							const char *fmt, ...);

/*
 * Walk the data section: samples into the sink, comms, lost counts,
 * flushes at each finished round, compressed records unpacked.  Returns 0,
 * or -1 with P's error set.
 */
int cap_perf_read_data(struct cap_perf *p);

/* Free what cap_perf_read_data allocated. */
void cap_perf_data_free(struct cap_perf *p);

/*
 * Load the running kernel's symbols into P's tep handle, once, when the
 * import asked for them (import_perf.c).  Called before the first sample.
 */
void cap_perf_load_kallsyms(struct cap_perf *p);

#endif /* CAP_PERF_INTERNAL_H */
