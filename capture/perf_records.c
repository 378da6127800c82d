/* SPDX-License-Identifier: MIT */
/*
 * perf_records.c - the data section of a perf.data file: a stream of
 * records, each an 8-byte header (u32 type, u16 misc, u16 size) and a body.
 *
 *   SAMPLE         a tracepoint hit: its raw record goes to the sink
 *   COMM           a task's name
 *   LOST, LOST_SAMPLES   events the kernel dropped, per CPU
 *   MMAP           the kernel's own map says where its symbols were
 *   FINISHED_ROUND nothing older than the previous round can follow:
 *                  the sink may write what it holds up to there
 *   ID_INDEX       which CPU each event id recorded
 *   COMPRESSED(2)  perf record -z: zstd frames holding more records
 *
 * The section is read through a 256 KiB window rather than mapped, so a
 * file that shrinks underneath is an error, not a SIGBUS; a window that
 * stays in cache also made the import faster than a larger one or a
 * mapping did.  Records never exceed 64 KiB, so a window holds a whole one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/perf_event.h>
#include <traceevent/event-parse.h>
#include <zstd.h>

#include "perf_internal.h"

/* Record types perf itself adds (tools/perf/Documentation/perf.data-file-format.txt). */
enum {
	REC_USER_START = 64,
	REC_FINISHED_ROUND = 68,
	REC_ID_INDEX = 69,
	REC_AUXTRACE = 71,
	REC_COMPRESSED = 81,
	REC_COMPRESSED2 = 83, /* 8-byte aligned, with an explicit data size */
};

#define WIN_CAP (256u << 10)
/* Call-chain frames read per sample: the caller of a lock wait is within the first few. */
#define PERF_CHAIN_MAX 64u
#define ZBUF_CAP (1u << 20) /* decompressed bytes held at once: > 2 records of 64 KiB */

/* What a non-sample record's sample_id trailer says. */
struct perf_sid {
	uint64_t time, id;
	uint32_t cpu;
	bool has_time, has_id, has_cpu;
	size_t bytes; /* the trailer's size: the body ends this far before the record's end */
};

/* ---- perf's ordering ------------------------------------------------------ */

static int ts_push(struct cap_perf *p, uint64_t ts)
{
	struct cap_perf_ts_heap *h = &p->side;
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		uint64_t *v = realloc(h->v, cap * sizeof(*v));
		if (!v)
			return cap_perf_fail(p, 0, "out of memory ordering records");
		h->v = v;
		h->cap = cap;
	}
	size_t i = h->n++;
	while (i > 0 && ts < h->v[(i - 1) / 2]) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = ts;
	return 0;
}

static void ts_pop(struct cap_perf_ts_heap *h)
{
	uint64_t last = h->v[--h->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1] < h->v[c])
			c++;
		if (h->v[c] >= last)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
}

/* Records perf would queue for ordering: what is held in the sink, and timed side records. */
static size_t perf_queued(const struct cap_perf *p)
{
	return cap_merge_held(p->sink.merge) + p->side.n;
}

/*
 * Note that a record with timestamp TS joined perf's ordering queue.
 * perf's largest queued timestamp restarts when its queue has emptied,
 * and records without a timestamp (0) skip the queue altogether.
 */
static void perf_queue_ts(struct cap_perf *p, uint64_t ts, bool was_empty)
{
	if (was_empty || ts >= p->oe_max)
		p->oe_max = ts;
}

/*
 * PERF_RECORD_FINISHED_ROUND.  perf record writes one after each pass
 * over the per-CPU buffers; what a pass wrote can be older than the end
 * of the pass before, but not older than that pass's start.  So perf
 * flushes up to the largest timestamp seen before the previous round, and
 * only then moves that mark to the largest seen now; an empty queue
 * leaves the mark alone.  Following the same rule writes events in the
 * order perf's own tools see them.
 */
static int perf_round(struct cap_perf *p)
{
	if (perf_queued(p) == 0)
		return 0;
	if (p->next_flush) {
		if (cap_sink_flush(&p->sink, p->next_flush, p->err))
			return -1;
		while (p->side.n && p->side.v[0] <= p->next_flush)
			ts_pop(&p->side);
	}
	p->next_flush = p->oe_max;
	return 0;
}

/* A timed non-sample record joins perf's queue too, which moves its flush mark. */
static int perf_side_time(struct cap_perf *p, const struct perf_sid *sid)
{
	if (!sid->has_time || sid->time == 0 || sid->time == UINT64_MAX)
		return 0;
	bool was_empty = perf_queued(p) == 0;
	if (ts_push(p, sid->time))
		return -1;
	perf_queue_ts(p, sid->time, was_empty);
	return 0;
}

/* ---- records ---------------------------------------------------------------- */

/* The attr of event id ID, or NULL when no event has it. */
static const struct cap_perf_attr *perf_attr_of(struct cap_perf *p, uint64_t id)
{
	size_t slot = id % (sizeof(p->id_cache) / sizeof(p->id_cache[0]));
	if (p->id_cache[slot].valid && p->id_cache[slot].id == id)
		return &p->attrs[p->id_cache[slot].idx];
	const uint64_t *idx = mmr_idmap_get(&p->id_attr, id);
	/* perf's synthesized records carry id 0: they belong to the first event. */
	if (!idx && id != 0)
		return NULL;
	uint32_t i = idx ? (uint32_t)*idx : 0;
	p->id_cache[slot].id = id;
	p->id_cache[slot].idx = i;
	p->id_cache[slot].valid = true;
	return &p->attrs[i];
}

/* The attr of a sample R (SIZE bytes). */
static int perf_sample_attr(struct cap_perf *p, const uint8_t *r, size_t size, uint64_t off,
			    const struct cap_perf_attr **a)
{
	if (p->nattrs == 1) {
		*a = &p->attrs[0];
		return 0;
	}
	size_t at = 8 + 8 * (size_t)p->id_pos;
	if (size < at + 8)
		return cap_perf_fail(p, off, "sample of %zu bytes too short to hold its event id", size);
	uint64_t id = cap_rd64(r + at);
	*a = perf_attr_of(p, id);
	if (!*a)
		return cap_perf_fail(p, off + at, "sample of unknown event id %llu (corrupt)",
				     (unsigned long long)id);
	return 0;
}

/* The event type of raw record RAW (at least 8 bytes). */
static uint64_t perf_raw_type(const struct cap_perf *p, const uint8_t *raw, size_t len)
{
	switch (p->type_size) {
	case 2: return cap_rd16(raw + p->type_off);
	case 4: return cap_rd32(raw + p->type_off);
	default: break;
	}
	struct tep_record rec = {.data = (void *)raw, .size = (int)len};
	return (uint64_t)tep_data_type(p->tep, &rec);
}

/* Bytes of a PERF_SAMPLE_READ value at Q (LEFT bytes available), or -1. */
static int64_t perf_read_size(uint64_t rf, const uint8_t *q, size_t left)
{
	uint64_t per = 1 + !!(rf & PERF_FORMAT_ID) + !!(rf & PERF_FORMAT_LOST);
	uint64_t times = !!(rf & PERF_FORMAT_TOTAL_TIME_ENABLED) + !!(rf & PERF_FORMAT_TOTAL_TIME_RUNNING);
	if (!(rf & PERF_FORMAT_GROUP))
		return (int64_t)(8 * (per + times));
	if (left < 8)
		return -1;
	uint64_t nr = cap_rd64(q);
	if (nr > left / 8 / per)
		return -1;
	return (int64_t)(8 * (1 + times + nr * per));
}

static int perf_sample(struct cap_perf *p, const uint8_t *r, size_t size, uint64_t off)
{
	const struct cap_perf_attr *a = NULL;
	if (perf_sample_attr(p, r, size, off, &a))
		return -1;
	const uint8_t *body = r + 8;
	size_t len = size - 8, pos = 8 * (size_t)a->fixed_words;
	uint64_t st = a->sample_type;
	if (pos > len)
		return cap_perf_fail(p, off, "sample of %zu bytes too short for its fields (corrupt)", size);
	uint64_t ts = a->time_at >= 0 ? cap_rd64(body + 8 * a->time_at) : 0;
	uint32_t cpu = a->cpu_at >= 0 ? cap_rd32(body + 8 * a->cpu_at) : 0;
	if (!(st & PERF_SAMPLE_RAW) || a->type != PERF_TYPE_TRACEPOINT) {
		/* Not a tracepoint: nothing to import, but perf orders it too. */
		struct perf_sid sid = {.time = ts, .has_time = a->time_at >= 0};
		return perf_side_time(p, &sid);
	}
	if (st & PERF_SAMPLE_READ) {
		int64_t n = perf_read_size(a->read_format, body + pos, len - pos);
		if (n < 0 || (uint64_t)n > len - pos)
			return cap_perf_fail(p, off + 8 + pos, "sample's read values overrun the record (corrupt)");
		pos += (size_t)n;
	}
	/* perf record -g: the first frames name a lock wait's caller; more are never needed. */
	uint64_t chain[PERF_CHAIN_MAX];
	size_t nchain = 0;
	bool has_chain = false;
	if (st & PERF_SAMPLE_CALLCHAIN) {
		if (len - pos < 8 || cap_rd64(body + pos) > (len - pos - 8) / 8)
			return cap_perf_fail(p, off + 8 + pos, "sample's call chain overruns the record (corrupt)");
		size_t n = (size_t)cap_rd64(body + pos);
		for (nchain = 0; nchain < n && nchain < PERF_CHAIN_MAX; nchain++)
			chain[nchain] = cap_rd64(body + pos + 8 + 8 * nchain);
		has_chain = true;
		pos += 8 + 8 * n;
	}
	if (len - pos < 4 || cap_rd32(body + pos) > len - pos - 4)
		return cap_perf_fail(p, off + 8 + pos, "sample's raw data overruns the record (corrupt)");
	const uint8_t *raw = body + pos + 4;
	size_t rawlen = cap_rd32(body + pos);
	/* The raw record must be the tracepoint the event was opened for. */
	if (rawlen < 8 || perf_raw_type(p, raw, rawlen) != a->config)
		return cap_perf_fail(p, off + 8 + pos, "sample of tracepoint %llu holds a record of another event (corrupt)",
				     (unsigned long long)a->config);
	cap_perf_load_kallsyms(p);
	size_t held = cap_merge_held(p->sink.merge);
	bool was_empty = held + p->side.n == 0;
	p->records++;
	if (cap_sink_record_chain(&p->sink, raw, rawlen, ts, cpu, has_chain ? chain : NULL, nchain, p->err))
		return -1;
	if (!ts)
		return 0;
	/* A record the sink dropped (an event it does not decode) still sat in perf's queue. */
	if (cap_merge_held(p->sink.merge) == held && ts_push(p, ts))
		return -1;
	perf_queue_ts(p, ts, was_empty);
	return 0;
}

/* The sample_id trailer of non-sample record R, BODY_MIN bytes of body before it. */
static int perf_trailer(struct cap_perf *p, const uint8_t *r, size_t size, size_t body_min,
			uint64_t off, struct perf_sid *sid)
{
	memset(sid, 0, sizeof(*sid));
	if (!p->attrs[0].sample_id_all)
		return 0;
	const struct cap_perf_attr *a = &p->attrs[0];
	if (p->nattrs > 1) {
		if (size < 8 + body_min + 8 * (size_t)p->is_pos)
			return cap_perf_fail(p, off, "record of %zu bytes too short for its event id (corrupt)", size);
		uint64_t id = cap_rd64(r + size - 8 * (size_t)p->is_pos);
		a = perf_attr_of(p, id);
		if (!a)
			return cap_perf_fail(p, off, "record of unknown event id %llu (corrupt)",
					     (unsigned long long)id);
	}
	sid->bytes = 8 * (size_t)a->trailer_words;
	if (size < 8 + body_min + sid->bytes)
		return cap_perf_fail(p, off, "record of %zu bytes too short for its sample id (corrupt)", size);
	const uint8_t *q = r + size - sid->bytes;
	uint64_t st = a->sample_type;
	if (st & PERF_SAMPLE_TID)
		q += 8;
	if (st & PERF_SAMPLE_TIME) {
		sid->time = cap_rd64(q);
		sid->has_time = true;
		q += 8;
	}
	if (st & PERF_SAMPLE_ID) {
		sid->id = cap_rd64(q);
		sid->has_id = true;
		q += 8;
	}
	if (st & PERF_SAMPLE_STREAM_ID)
		q += 8;
	if (st & PERF_SAMPLE_CPU) {
		sid->cpu = cap_rd32(q);
		sid->has_cpu = true;
		q += 8;
	}
	if (st & PERF_SAMPLE_IDENTIFIER) {
		sid->id = cap_rd64(q);
		sid->has_id = true;
	}
	return 0;
}

static int perf_comm(struct cap_perf *p, const uint8_t *r, size_t size, uint64_t off)
{
	struct perf_sid sid;
	if (size < 17)
		return cap_perf_fail(p, off, "comm record of %zu bytes too short (corrupt)", size);
	if (perf_trailer(p, r, size, 9, off, &sid) || perf_side_time(p, &sid))
		return -1;
	/* u32 pid, u32 tid, the name: NUL-terminated before the trailer. */
	const char *comm = (const char *)r + 16;
	if (!memchr(comm, 0, size - 16 - sid.bytes))
		return cap_perf_fail(p, off, "comm record without a terminated name (corrupt)");
	int32_t tid = (int32_t)cap_rd32(r + 12);
	return cap_sink_comm(&p->sink, tid, comm, p->err);
}

/* LOST (u64 id, u64 lost) and LOST_SAMPLES (u64 lost): per-CPU counts. */
static int perf_lost(struct cap_perf *p, const uint8_t *r, size_t size, uint64_t off, bool samples)
{
	struct perf_sid sid;
	size_t body = samples ? 8 : 16;
	if (size < 8 + body)
		return cap_perf_fail(p, off, "lost record of %zu bytes too short (corrupt)", size);
	if (perf_trailer(p, r, size, body, off, &sid) || perf_side_time(p, &sid))
		return -1;
	uint64_t id = samples ? sid.id : cap_rd64(r + 8), n = cap_rd64(r + 8 + body - 8);
	bool has_id = samples ? sid.has_id : true;
	/*
	 * The CPU: ID_INDEX knows each id's CPU even for the counts perf
	 * writes at the end, whose trailers it leaves zero; else the trailer.
	 */
	const uint64_t *c = has_id ? mmr_idmap_get(&p->id_cpu, id) : NULL;
	uint64_t cpu = c ? *c : sid.has_cpu ? sid.cpu : 0;
	if (p->fold_lost)
		cpu = 0;
	if (cpu >= p->nr_cpus)
		return cap_perf_fail(p, off, "lost events on CPU %llu, but the file has %u CPUs (corrupt)",
				     (unsigned long long)cpu, p->nr_cpus);
	uint64_t *slot = samples ? &p->lost_samples[cpu] : &p->lost[cpu];
	*slot = n > UINT64_MAX - *slot ? UINT64_MAX : *slot + n;
	return 0;
}

/* The kernel's map ("[kernel.kallsyms]_text" at pgoff): where the recorded kernel's symbols were. */
static int perf_mmap(struct cap_perf *p, const uint8_t *r, size_t size, uint64_t off)
{
	struct perf_sid sid;
	if (size < 41)
		return cap_perf_fail(p, off, "mmap record of %zu bytes too short (corrupt)", size);
	if (perf_trailer(p, r, size, 33, off, &sid) || perf_side_time(p, &sid))
		return -1;
	/* u32 pid, tid; u64 start, len, pgoff; the file name. */
	static const char kname[] = "[kernel.kallsyms]";
	const char *name = (const char *)r + 40;
	size_t room = size - 40 - sid.bytes;
	if (!p->want_kallsyms || cap_rd32(r + 8) != UINT32_MAX || room < sizeof(kname) ||
	    memcmp(name, kname, sizeof(kname) - 1) || !memchr(name, 0, room))
		return 0;
	snprintf(p->kref, sizeof(p->kref), "%s", name[sizeof(kname) - 1] ? name + sizeof(kname) - 1 : "_text");
	p->kref_addr = cap_rd64(r + 32);
	return 0;
}

static int perf_id_index(struct cap_perf *p, const uint8_t *r, size_t size, uint64_t off)
{
	if (size < 16 || cap_rd64(r + 8) > (size - 16) / 32)
		return cap_perf_fail(p, off, "id index record does not hold its entries (corrupt)");
	uint64_t nr = cap_rd64(r + 8);
	for (uint64_t i = 0; i < nr; i++) {
		const uint8_t *e = r + 16 + 32 * i;
		uint64_t cpu = cap_rd64(e + 16);
		/* Per-thread events have CPU -1: no CPU to name. */
		if (cpu != UINT64_MAX && mmr_idmap_put(&p->id_cpu, cap_rd64(e), cpu))
			return cap_perf_fail(p, off, "out of memory reading the id index");
	}
	return 0;
}

static int perf_compressed(struct cap_perf *p, const uint8_t *src, size_t n, uint64_t off);

/* One record R of SIZE bytes at file offset OFF; INNER: from inside compressed data. */
static int perf_record(struct cap_perf *p, const uint8_t *r, size_t size, uint64_t off, bool inner)
{
	uint32_t type = cap_rd32(r);
	struct perf_sid sid;
	switch (type) {
	case PERF_RECORD_SAMPLE:
		return perf_sample(p, r, size, off);
	case PERF_RECORD_COMM:
		return perf_comm(p, r, size, off);
	case PERF_RECORD_LOST:
		return perf_lost(p, r, size, off, false);
	case PERF_RECORD_LOST_SAMPLES:
		return perf_lost(p, r, size, off, true);
	case PERF_RECORD_MMAP:
		return perf_mmap(p, r, size, off);
	case REC_FINISHED_ROUND:
		return perf_round(p);
	case REC_ID_INDEX:
		return perf_id_index(p, r, size, off);
	case REC_COMPRESSED:
	case REC_COMPRESSED2:
		if (inner)
			return cap_perf_fail(p, off, "compressed record inside compressed data (corrupt)");
		if (type == REC_COMPRESSED)
			return perf_compressed(p, r + 8, size - 8, off);
		if (size < 16 || cap_rd64(r + 8) > size - 16)
			return cap_perf_fail(p, off, "compressed record's data size overruns it (corrupt)");
		return perf_compressed(p, r + 16, (size_t)cap_rd64(r + 8), off);
	case REC_AUXTRACE:
		/* Its payload follows the record; the outer walker skips it. */
		return inner ? cap_perf_fail(p, off, "AUX trace data inside compressed data (corrupt)") : 0;
	default:
		/* Kernel records with a sample_id still take part in perf's ordering. */
		if (type < REC_USER_START)
			return perf_trailer(p, r, size, 0, off, &sid) || perf_side_time(p, &sid) ? -1 : 0;
		return 0;
	}
}

/* ---- compressed records ------------------------------------------------------ */

/* Hand every whole record in the decompression buffer to perf_record; keep the rest. */
static int perf_inner_records(struct cap_perf *p, uint64_t off)
{
	size_t at = 0;
	while (p->zlen - at >= 8) {
		size_t size = cap_rd16(p->zbuf + at + 6);
		if (size < 8)
			return cap_perf_fail(p, off, "in compressed data: record size %zu smaller than its header (corrupt)", size);
		if (size > p->zlen - at)
			break;
		if (perf_record(p, p->zbuf + at, size, off, true))
			return -1;
		at += size;
	}
	memmove(p->zbuf, p->zbuf + at, p->zlen - at);
	p->zlen -= at;
	return 0;
}

/*
 * perf record -z compresses the per-CPU buffers as one zstd stream whose
 * frames may end in the middle of a record and continue in the next
 * compressed record, so the decompressor and its unfinished output
 * persist from one compressed record to the next.  Output is taken in
 * bounded steps: a small record that decompresses to gigabytes costs
 * time, not memory.
 */
static int perf_compressed(struct cap_perf *p, const uint8_t *src, size_t n, uint64_t off)
{
	if (!p->dctx) {
		p->dctx = ZSTD_createDCtx();
		p->zbuf = malloc(ZBUF_CAP);
		p->zcap = ZBUF_CAP;
		if (!p->dctx || !p->zbuf)
			return cap_perf_fail(p, off, "out of memory decompressing");
	}
	ZSTD_inBuffer in = {src, n, 0};
	for (;;) {
		ZSTD_outBuffer out = {p->zbuf, p->zcap, p->zlen};
		size_t rc = ZSTD_decompressStream(p->dctx, &out, &in);
		if (ZSTD_isError(rc))
			return cap_perf_fail(p, off, "compressed record does not decompress: %s (corrupt)",
					     ZSTD_getErrorName(rc));
		bool full = out.pos == out.size;
		p->zlen = out.pos;
		if (perf_inner_records(p, off))
			return -1;
		if (in.pos == in.size && !full)
			return 0;
	}
}

/* ---- the data section ---------------------------------------------------------- */

/* Make the N bytes at file offset OFF readable through the window (OFF + N inside the data). */
static const uint8_t *perf_window(struct cap_perf *p, uint64_t off, size_t n)
{
	if (off >= p->win_off && off + n <= p->win_off + p->win_len)
		return p->win + (off - p->win_off);
	if (!p->win) {
		/* A small file needs no full window. */
		p->win_cap = p->data_size < WIN_CAP ? (size_t)p->data_size + 64 : WIN_CAP;
		p->win = malloc(p->win_cap);
		if (!p->win) {
			cap_perf_fail(p, off, "out of memory");
			return NULL;
		}
	}
	uint64_t end = p->data_off + p->data_size;
	size_t want = end - off < p->win_cap ? (size_t)(end - off) : p->win_cap;
	size_t got = 0;
	p->win_off = off;
	p->win_len = 0;
	while (got < want) {
		ssize_t r = pread(p->fd, p->win + got, want - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (got >= n)
				break;
			if (r < 0)
				cap_perf_fail(p, off + got, "read error: %s", strerror(errno));
			else
				cap_perf_fail(p, off + got, "the file ended early (did it shrink while being read?)");
			return NULL;
		}
		got += (size_t)r;
	}
	p->win_len = got;
	return p->win;
}

int cap_perf_read_data(struct cap_perf *p)
{
	uint64_t off = p->data_off, end = p->data_off + p->data_size;
	while (off < end) {
		if (end - off < 8)
			return cap_perf_fail(p, off, "%llu bytes left at the end of the data section, too few for a record (corrupt)",
					     (unsigned long long)(end - off));
		const uint8_t *h = perf_window(p, off, 8);
		if (!h)
			return -1;
		size_t size = cap_rd16(h + 6);
		uint32_t type = cap_rd32(h);
		if (size < 8)
			return cap_perf_fail(p, off, "record size %zu smaller than its header (corrupt)", size);
		if (size > end - off)
			return cap_perf_fail(p, off, "record of %zu bytes runs past the end of the data section at %llu (truncated or corrupt)",
					     size, (unsigned long long)end);
		const uint8_t *r = perf_window(p, off, size);
		if (!r || perf_record(p, r, size, off, false))
			return -1;
		uint64_t skip = 0;
		if (type == REC_AUXTRACE) {
			if (size < 16)
				return cap_perf_fail(p, off, "AUX trace record too short (corrupt)");
			skip = cap_rd64(r + 8);
		}
		if (skip > end - off - size)
			return cap_perf_fail(p, off, "AUX trace data of %llu bytes runs past the data section (corrupt)",
					     (unsigned long long)skip);
		off += size + skip;
	}
	if (p->zlen)
		return cap_perf_fail(p, end, "compressed data ends inside a record (truncated or corrupt)");
	return 0;
}

void cap_perf_data_free(struct cap_perf *p)
{
	free(p->win);
	free(p->zbuf);
	free(p->side.v);
	ZSTD_freeDCtx(p->dctx);
	p->win = p->zbuf = NULL;
	p->side.v = NULL;
	p->dctx = NULL;
}
