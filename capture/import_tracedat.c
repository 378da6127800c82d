/* SPDX-License-Identifier: MIT */
/*
 * import_tracedat.c - the records of a trace-cmd trace.dat: every CPU's
 * ring-buffer pages (tracedat_read.c found them), its events decoded here
 * and merged across CPUs in timestamp order into the sink, exactly as a
 * live capture's records go, so both give the same events for the same
 * tracepoints.
 *
 * The ring buffer's event encoding is read here rather than by
 * libtraceevent's kbuffer: kbuffer trusts the lengths in a page (one that
 * points backwards loops forever, one past the page reads beyond it).
 * Here every event must lie inside its page's committed data.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <traceevent/event-parse.h>
#include <zstd.h>

#include "cap_internal.h"

#define COMMIT_MASK ((1u << 27) - 1)
#define MISSING_EVENTS (1ull << 31)
#define MISSING_STORED (1ull << 30)
#define TS_MSB (0xf8ull << 56) /* an absolute time stamp lacks these bits: they are kept */
#define MAX_CHUNK (64u << 20)  /* a decompressed chunk of pages */
#define FLUSH_EVERY 4096       /* events between flushes of the sink's ordering */

/* Ring buffer event types (the kernel's ring_buffer.h); 1..28 are data of that many words. */
enum { RB_LONG_DATA = 0, RB_PADDING = 29, RB_TIME_EXTEND = 30, RB_TIME_STAMP = 31 };

/* One CPU's pages, and the event of them that is next. */
struct src {
	const struct cap_dat_cpu *c;
	uint64_t done;            /* bytes of the CPU's data consumed */
	uint32_t chunks;          /* compressed: chunks left */
	bool started;
	uint8_t *chunk;           /* compressed: the current chunk, decompressed */
	size_t chunk_len, chunk_pos;
	uint8_t *page;            /* the current page */
	uint64_t page_at;         /* where it is in the file (compressed: its chunk), for messages */
	size_t pos, end;          /* the next event in the page, the end of its data */
	uint64_t ts;
	const uint8_t *data;      /* the current event, NULL when the CPU has no more */
	size_t size;
};

struct dat_import {
	struct cap_dat d;
	struct cap_sink sink;
	struct mmr_error *err;
	struct src *src;
	uint64_t *lost;           /* per CPU number, nr_cpus of them */
	struct mmr_idmap pids;    /* pids seen, to name from the file's cmdlines */
	uint8_t *checked;         /* event ids whose format was checked: CAP_EVENT_IDS entries */
};

__attribute__((format(printf, 3, 4))) static int fail_at(struct dat_import *im, uint64_t at, const char *fmt, ...)
{
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	mmr_error_at(im->err, im->d.file, at, "%s", what);
	return -1;
}

/*
 * The next chunk of a compressed CPU into S->chunk.  Returns 1, 0 when
 * there is none, or -1 (ERR).  A CPU's data is a u32 count of chunks and
 * the chunks; the size the file gives counts the chunks only (trace-cmd
 * 3.1), so the count comes on top of it (tracedat_read.c checked that it
 * is inside the file).
 */
static int next_chunk(struct dat_import *im, struct src *s)
{
	const uint8_t *base = im->d.map + s->c->off;
	uint64_t size = s->c->size + 4;
	if (!s->started) {
		s->started = true;
		if (size < 4)
			return fail_at(im, s->c->off, "CPU %u's compressed data of %llu bytes (corrupt)", s->c->cpu,
				       (unsigned long long)size);
		s->chunks = cap_rd32(base);
		s->done = 4;
	}
	if (!s->chunks)
		return 0;
	uint64_t at = s->c->off + s->done;
	if (size - s->done < 8)
		return fail_at(im, at, "CPU %u's data ends inside a chunk header (truncated or corrupt)", s->c->cpu);
	uint32_t zsize = cap_rd32(base + s->done), usize = cap_rd32(base + s->done + 4);
	if (zsize > size - s->done - 8 || !usize || usize > MAX_CHUNK || usize % im->d.page_size)
		return fail_at(im, at, "CPU %u's chunk sizes %u and %u do not fit (corrupt)", s->c->cpu, zsize, usize);
	if (s->chunk_len < usize) {
		free(s->chunk);
		s->chunk = malloc(usize);
		if (!s->chunk)
			return fail_at(im, at, "out of memory decompressing %u bytes", usize);
	}
	size_t n = ZSTD_decompress(s->chunk, usize, base + s->done + 8, zsize);
	if (ZSTD_isError(n) || n != usize)
		return fail_at(im, at, "CPU %u's chunk does not decompress to its %u bytes (corrupt)", s->c->cpu, usize);
	s->chunk_len = usize;
	s->chunk_pos = 0;
	s->page_at = at;
	s->done += 8 + (uint64_t)zsize;
	s->chunks--;
	return 1;
}

/*
 * The next page of S into S->page, its header read: events between
 * S->pos and S->end, lost events counted.  Returns 1, 0 at the CPU's end,
 * or -1 (ERR).
 */
static int next_page(struct dat_import *im, struct src *s)
{
	uint32_t ps = im->d.page_size;
	if (im->d.compressed) {
		int rc = s->chunk_pos < s->chunk_len ? 1 : next_chunk(im, s);
		if (rc <= 0)
			return rc;
		memcpy(s->page, s->chunk + s->chunk_pos, ps);
		s->chunk_pos += ps;
	} else {
		if (s->done == s->c->size)
			return 0;
		s->page_at = s->c->off + s->done;
		memcpy(s->page, im->d.map + s->page_at, ps);
		s->done += ps;
	}
	size_t lsize = im->d.long_size, start = 8 + lsize;
	uint64_t commit = lsize == 8 ? cap_rd64(s->page + 8) : cap_rd32(s->page + 8);
	size_t used = commit & COMMIT_MASK;
	if (used > ps - start)
		return fail_at(im, s->page_at, "a page of CPU %u commits %zu bytes, more than the page holds (corrupt)",
			       s->c->cpu, used);
	if (commit & MISSING_EVENTS) {
		/* The count follows the data when the kernel stored it; -1 otherwise: at least one. */
		uint64_t n = (commit & MISSING_STORED) && used + lsize <= ps - start
				     ? (lsize == 8 ? cap_rd64(s->page + start + used) : cap_rd32(s->page + start + used))
				     : 1;
		im->lost[s->c->cpu] += n ? n : 1;
	}
	s->ts = cap_rd64(s->page);
	s->pos = start;
	s->end = start + used;
	return 1;
}

/*
 * The next event of S (S->data, S->size, S->ts), across pages; S->data
 * NULL at the CPU's end.  Returns 0, or -1 (ERR) for an event that does
 * not lie inside its page's data.
 */
static int next_event(struct dat_import *im, struct src *s)
{
	for (;;) {
		if (s->pos >= s->end) {
			int rc = next_page(im, s);
			if (rc <= 0) {
				s->data = NULL;
				return rc;
			}
			continue;
		}
		size_t left = s->end - s->pos;
		const uint8_t *e = s->page + s->pos;
		uint32_t head = cap_rd32(e), type = head & 31, delta = head >> 5;
		if (left < 4 || ((type == RB_LONG_DATA || type >= RB_PADDING) && left < 8))
			break;
		uint64_t word = cap_rd32(e + 4);
		size_t len;
		if (type == RB_TIME_EXTEND || type == RB_TIME_STAMP) {
			uint64_t t = word << 27 | delta;
			s->ts = type == RB_TIME_STAMP ? t | (s->ts & TS_MSB) : s->ts + t;
			s->pos += 8;
			continue;
		}
		if (type == RB_PADDING) {
			/* Padding with no delta is the rest of the page; with one, a discarded event of WORD bytes. */
			if (delta && word > left - 4)
				break;
			s->pos = delta ? s->pos + 4 + (size_t)word : s->end;
			s->ts += delta;
			continue;
		}
		size_t hdr = type == RB_LONG_DATA ? 8 : 4;
		len = type == RB_LONG_DATA ? (word < 4 ? SIZE_MAX : (size_t)(word - 4 + 3) / 4 * 4) : (size_t)type * 4;
		if (len > left - hdr)
			break;
		s->ts += delta;
		s->data = e + hdr;
		s->size = len;
		s->pos += hdr + len;
		return 0;
	}
	return fail_at(im, s->page_at, "an event of CPU %u at byte %zu of its page overruns the page's data (corrupt)",
		       s->c->cpu, s->pos);
}

/*
 * Every recorded event must have a format, and a capture tracepoint's
 * must have bound: otherwise its records would be dropped without a word.
 */
static int check_type(struct dat_import *im, const struct src *s, struct tep_record *rec)
{
	int type = tep_data_type(im->sink.tep, rec);
	if (type < 0 || type >= (int)CAP_EVENT_IDS || im->checked[type])
		return 0;
	im->checked[type] = 1;
	struct tep_event *e = tep_find_event(im->sink.tep, type);
	if (!e)
		return fail_at(im, s->page_at, "a record of event id %d, which has no format in the file (corrupt)", type);
	if (!cap_sink_usable(&im->sink, e))
		return fail_at(im, s->page_at, "the format of %s:%s lacks a field it needs (corrupt, or a kernel this "
			       "build does not know)", e->system, e->name);
	return 0;
}

/* ns from the ring buffer's clock: TSC cycles scaled when the file says how (TSC2NSEC). */
static uint64_t to_ns(const struct cap_dat *d, uint64_t ts)
{
	return d->tsc_mult ? (uint64_t)(((unsigned __int128)ts * d->tsc_mult) >> d->tsc_shift) : ts;
}

/* S's current event to the sink, its pid noted. */
static int emit(struct dat_import *im, const struct src *s)
{
	struct tep_record rec = {.data = (void *)s->data, .size = (int)s->size, .cpu = (int)s->c->cpu};
	if (s->size >= 8) {
		if (check_type(im, s, &rec))
			return -1;
		int pid = tep_data_pid(im->sink.tep, &rec);
		if (pid > 0 && !mmr_idmap_get(&im->pids, (uint64_t)pid) && mmr_idmap_put(&im->pids, (uint64_t)pid, 1))
			return fail_at(im, 0, "out of memory");
	}
	return cap_sink_record(&im->sink, s->data, s->size, to_ns(&im->d, s->ts), s->c->cpu, im->err);
}

/* Every CPU's events, the oldest first (the lower CPU on a tie), into the sink. */
static int merge(struct dat_import *im)
{
	size_t n = im->d.ncpus;
	for (size_t i = 0; i < n; i++)
		if (next_event(im, &im->src[i]))
			return -1;
	for (uint64_t count = 1;; count++) {
		struct src *best = NULL;
		for (size_t i = 0; i < n; i++)
			if (im->src[i].data && (!best || im->src[i].ts < best->ts))
				best = &im->src[i];
		if (!best)
			return 0;
		if (emit(im, best))
			return -1;
		/* Events wait in the sink only until every CPU is past them. */
		if (count % FLUSH_EVERY == 0 && cap_sink_flush(&im->sink, to_ns(&im->d, best->ts), im->err))
			return -1;
		if (next_event(im, best))
			return -1;
	}
}

/* Name every pid seen from the file's saved cmdlines. */
static int add_comms(struct dat_import *im)
{
	size_t pos = 0;
	uint64_t pid, one;
	while (mmr_idmap_next(&im->pids, &pos, &pid, &one)) {
		const char *comm = tep_data_comm_from_pid(im->sink.tep, (int)pid);
		if (comm && strcmp(comm, "<...>") != 0 && cap_sink_comm(&im->sink, (int32_t)pid, comm, im->err))
			return -1;
	}
	return 0;
}

/* Buffers for every CPU with data.  Returns 0 or -1 (ERR). */
static int setup(struct dat_import *im)
{
	im->src = calloc(im->d.ncpus ? im->d.ncpus : 1, sizeof(*im->src));
	im->lost = calloc(im->d.nr_cpus, sizeof(*im->lost));
	im->checked = calloc(CAP_EVENT_IDS, 1);
	if (!im->src || !im->lost || !im->checked || mmr_idmap_init(&im->pids, 256))
		return fail_at(im, 0, "out of memory");
	for (size_t i = 0; i < im->d.ncpus; i++) {
		im->src[i].c = &im->d.cpus[i];
		/* Slack past the page: a page header's lost count may sit at its very end. */
		im->src[i].page = calloc(1, (size_t)im->d.page_size + 16);
		if (!im->src[i].page)
			return fail_at(im, 0, "out of memory");
	}
	return 0;
}

static void release(struct dat_import *im)
{
	for (size_t i = 0; im->src && i < im->d.ncpus; i++) {
		free(im->src[i].page);
		free(im->src[i].chunk);
	}
	free(im->src);
	free(im->lost);
	free(im->checked);
	mmr_idmap_destroy(&im->pids);
	cap_dat_close(&im->d);
}

int cap_import_tracedat(const char *in, const char *out, struct mmr_import_summary *sum,
			struct mmr_error *err)
{
	struct dat_import im = {.err = err};
	tep_set_loglevel(TEP_LOG_NONE); /* libtraceevent's own diagnostics; ours is the one error line */
	if (cap_dat_open(&im.d, in, err))
		return -1;
	struct mmr_meta meta = {.kernel_release = "", .clock = "unknown", .source = "import trace.dat",
				.nr_cpus = im.d.nr_cpus};
	int rc = setup(&im);
	if (!rc && !cap_tp_known(im.d.tep))
		rc = fail_at(&im, im.d.formats_off, "no allocator tracepoint among the file's event formats "
			     "(see 'mmreplay help import')");
	if (!rc)
		rc = cap_sink_open(&im.sink, out, &meta, im.d.tep, MMR_CAP_ALL, err);
	if (rc) {
		release(&im);
		return -1;
	}
	if (merge(&im) || add_comms(&im)) {
		cap_sink_abort(&im.sink);
		release(&im);
		return -1;
	}
	sum->records = im.sink.records;
	sum->events = im.sink.events;
	memcpy(sum->by_family, im.sink.by_family, sizeof(sum->by_family));
	sum->out_of_order = cap_merge_out_of_order(im.sink.merge);
	for (uint32_t c = 0; c < im.d.nr_cpus; c++)
		sum->lost += im.lost[c];
	rc = cap_sink_close(&im.sink, im.lost, im.d.nr_cpus, err);
	struct stat st;
	if (!rc)
		sum->file_bytes = stat(out, &st) == 0 ? (uint64_t)st.st_size : 0;
	release(&im);
	return rc;
}
