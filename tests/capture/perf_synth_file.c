/* SPDX-License-Identifier: MIT */
/*
 * perf_synth_file.c - synthetic perf.data files (see perf_synth.h), laid
 * out as perf record lays out a system-wide capture: the synthesized comms
 * and the kernel map first, then rounds in which each CPU's buffer is
 * written in turn, each round closed by FINISHED_ROUND, the events' own
 * lost counts at the end, then the feature sections.
 *
 * Alongside, the builder works out what a correct import yields: the
 * events, in the order perf's flush rule puts them (simulated here on the
 * samples as written), the lost counts per CPU and the names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/perf_event.h>
#include <zstd.h>

#include "perf_synth.h"

#define ROUND_EVENTS 16
#define DUMMY_ATTR PS_NKINDS /* the attr after the tracepoints' */

struct ps_ev {
	enum ps_kind kind;
	uint32_t cpu;
	int32_t pid;
	uint64_t ts, vals[6];
	size_t seq; /* order in the file */
};

struct ps_gen {
	const struct ps_opts *o;
	struct ps_file *f;
	struct ps_buf data, pending; /* the data section; records waiting to be compressed */
	ZSTD_CCtx *cctx;
	uint64_t rng;
	uint64_t sample_type, read_format;
	size_t nattrs;
	uint64_t lost_rec[8], lost_samples[8];
	/* perf's ordering, simulated on what is written (see capture/perf_records.c). */
	struct ps_ev *queue;
	size_t nq, qcap;
	bool wrote;
	uint64_t last_written, oe_max, next_flush;
};

static uint64_t rnd(struct ps_gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t attr_id(size_t attr, uint32_t cpu)
{
	return 1000 + attr * 16 + cpu;
}

static bool multi(const struct ps_gen *g)
{
	return g->o->layout != PS_SINGLE;
}

/* ---- the import a correct reader makes ------------------------------------ */

/* What KIND's decoder makes of E (capture/tracepoints.c), or false for no event. */
static bool expect_event(const struct ps_ev *e, struct mmr_event *ev)
{
	*ev = (struct mmr_event){.ts_ns = e->ts, .cpu = e->cpu, .pid = e->pid, .node = -1};
	const uint64_t *v = e->vals;
	switch (e->kind) {
	case PS_KMALLOC:
	case PS_CACHE_ALLOC:
		ev->family = MMR_FAM_SLAB;
		ev->op = MMR_OP_ALLOC;
		ev->call_site = v[0];
		ev->id = v[1];
		ev->bytes_req = v[2];
		ev->bytes_alloc = v[3];
		ev->gfp = (uint32_t)v[4];
		ev->node = (int32_t)(uint32_t)v[5];
		ev->flags = (ev->node >= 0 ? MMR_EF_NODE : 0) | (ev->id == 0 ? MMR_EF_FAILED : 0) |
			    (e->kind == PS_CACHE_ALLOC ? MMR_EF_CACHE : 0);
		return true;
	case PS_KFREE:
	case PS_CACHE_FREE:
		ev->family = MMR_FAM_SLAB;
		ev->op = MMR_OP_FREE;
		ev->call_site = v[0];
		ev->id = v[1];
		ev->flags = e->kind == PS_CACHE_FREE ? MMR_EF_CACHE : 0;
		return true;
	case PS_PAGE_ALLOC:
		ev->family = MMR_FAM_PAGE;
		ev->op = MMR_OP_ALLOC;
		ev->id = v[0];
		ev->order = (uint8_t)v[1];
		ev->gfp = (uint32_t)v[2];
		ev->flags = ev->id == UINT64_MAX ? MMR_EF_FAILED : 0;
		return true;
	case PS_PAGE_FREE:
		ev->family = MMR_FAM_PAGE;
		ev->op = MMR_OP_FREE;
		ev->id = v[0];
		ev->order = (uint8_t)v[1];
		return true;
	default:
		return false;
	}
}

static void sim_emit(struct ps_gen *g, const struct ps_ev *e)
{
	struct ps_file *f = g->f;
	struct mmr_event ev;
	if (!expect_event(e, &ev))
		return;
	f->expect = realloc(f->expect, (f->nexpect + 1) * sizeof(*f->expect));
	if (!f->expect)
		abort();
	f->expect[f->nexpect++] = ev;
	if (!g->wrote || ev.ts_ns > g->last_written)
		g->last_written = ev.ts_ns;
	g->wrote = true;
}

/* A sample joins the queue; an allocator event older than one already written is out of order. */
static void sim_push(struct ps_gen *g, const struct ps_ev *e)
{
	struct mmr_event ev;
	if (expect_event(e, &ev) && g->wrote && e->ts < g->last_written)
		g->f->out_of_order++;
	if (g->nq == 0 || e->ts >= g->oe_max)
		g->oe_max = e->ts;
	if (g->nq == g->qcap) {
		g->qcap = g->qcap ? 2 * g->qcap : 64;
		g->queue = realloc(g->queue, g->qcap * sizeof(*g->queue));
		if (!g->queue)
			abort();
	}
	g->queue[g->nq++] = *e;
}

/* Emit, smallest (ts, seq) first, every queued sample with ts <= LIMIT. */
static void sim_flush(struct ps_gen *g, uint64_t limit)
{
	for (;;) {
		size_t best = g->nq;
		for (size_t i = 0; i < g->nq; i++)
			if (g->queue[i].ts <= limit &&
			    (best == g->nq || g->queue[i].ts < g->queue[best].ts ||
			     (g->queue[i].ts == g->queue[best].ts && g->queue[i].seq < g->queue[best].seq)))
				best = i;
		if (best == g->nq)
			return;
		sim_emit(g, &g->queue[best]);
		g->queue[best] = g->queue[--g->nq];
	}
}

static void sim_round(struct ps_gen *g)
{
	if (g->nq == 0)
		return;
	if (g->next_flush)
		sim_flush(g, g->next_flush);
	g->next_flush = g->oe_max;
}

/* ---- records ------------------------------------------------------------------- */

/* Compress what is pending into records of at most 512 payload bytes: frames span records, as perf's do. */
static void flush_pending(struct ps_gen *g)
{
	if (!g->pending.len)
		return;
	ZSTD_inBuffer in = {g->pending.p, g->pending.len, 0};
	size_t rc;
	do {
		uint8_t out[512];
		ZSTD_outBuffer ob = {out, sizeof(out), 0};
		rc = ZSTD_compressStream2(g->cctx, &ob, &in, ZSTD_e_end);
		if (ZSTD_isError(rc))
			abort();
		if (!ob.pos)
			continue;
		bool two = g->o->compress == 2;
		size_t size = 8 + (two ? 8 : 0) + ob.pos;
		size_t padded = two ? (size + 7) / 8 * 8 : size;
		ps_u32(&g->data, two ? 83 : 81);
		ps_u16(&g->data, 0);
		ps_u16(&g->data, (uint16_t)padded);
		if (two)
			ps_u64(&g->data, ob.pos);
		ps_put(&g->data, out, ob.pos);
		for (size_t i = size; i < padded; i++)
			ps_u8(&g->data, 0);
	} while (rc != 0);
	g->pending.len = 0;
}

/* A record of TYPE with BODY; COMPRESSIBLE ones go through compression when it is on. */
static void record(struct ps_gen *g, uint32_t type, const struct ps_buf *body, bool compressible)
{
	struct ps_buf *to = compressible && g->o->compress ? &g->pending : &g->data;
	if (!compressible)
		flush_pending(g);
	ps_u32(to, type);
	ps_u16(to, 0);
	ps_u16(to, (uint16_t)(8 + body->len));
	ps_put(to, body->p, body->len);
}

/* The sample_id trailer of ATTR's non-sample records. */
static void trailer(struct ps_gen *g, struct ps_buf *b, size_t attr, uint32_t cpu, int32_t pid,
		    uint64_t ts, bool zero)
{
	if (!multi(g))
		return;
	uint64_t id = zero && attr == 0 ? 0 : attr_id(attr, cpu);
	uint64_t st = g->sample_type;
	if (st & PERF_SAMPLE_TID) {
		ps_u32(b, zero ? 0 : (uint32_t)pid);
		ps_u32(b, zero ? 0 : (uint32_t)pid);
	}
	if (st & PERF_SAMPLE_TIME)
		ps_u64(b, zero ? 0 : ts);
	if (st & PERF_SAMPLE_ID)
		ps_u64(b, id);
	if (st & PERF_SAMPLE_STREAM_ID)
		ps_u64(b, id);
	if (st & PERF_SAMPLE_CPU) {
		ps_u32(b, zero ? 0 : cpu);
		ps_u32(b, 0);
	}
	if (st & PERF_SAMPLE_IDENTIFIER)
		ps_u64(b, id);
}

/* A sample of E: the fields of its attr's sample_type in the kernel's order. */
static void sample(struct ps_gen *g, const struct ps_ev *e, bool dummy)
{
	struct ps_buf b = {0};
	size_t attr = dummy ? DUMMY_ATTR : multi(g) ? e->kind : 0;
	uint64_t st = g->sample_type, id = attr_id(attr, e->cpu);
	if (dummy)
		st &= ~(uint64_t)(PERF_SAMPLE_RAW | PERF_SAMPLE_PERIOD | PERF_SAMPLE_READ | PERF_SAMPLE_CALLCHAIN);
	if (st & PERF_SAMPLE_IDENTIFIER)
		ps_u64(&b, id);
	if (st & PERF_SAMPLE_IP)
		ps_u64(&b, 0xffffffff81001234ull);
	if (st & PERF_SAMPLE_TID) {
		ps_u32(&b, (uint32_t)e->pid);
		ps_u32(&b, (uint32_t)e->pid);
	}
	if (st & PERF_SAMPLE_TIME)
		ps_u64(&b, e->ts);
	if (st & PERF_SAMPLE_ADDR)
		ps_u64(&b, 0);
	if (st & PERF_SAMPLE_ID)
		ps_u64(&b, id);
	if (st & PERF_SAMPLE_STREAM_ID)
		ps_u64(&b, id);
	if (st & PERF_SAMPLE_CPU) {
		ps_u32(&b, e->cpu);
		ps_u32(&b, 0);
	}
	if (st & PERF_SAMPLE_PERIOD)
		ps_u64(&b, 1);
	if (st & PERF_SAMPLE_READ) { /* a group of two: nr, time enabled, {value, id, lost} x 2 */
		ps_u64(&b, 2);
		ps_u64(&b, 12345);
		for (int i = 0; i < 2; i++) {
			ps_u64(&b, 7);
			ps_u64(&b, id);
			ps_u64(&b, 0);
		}
	}
	if (st & PERF_SAMPLE_CALLCHAIN) {
		ps_u64(&b, 3);
		for (int i = 0; i < 3; i++)
			ps_u64(&b, 0xffffffff81000000ull + 0x100 * (uint64_t)i);
	}
	if (st & PERF_SAMPLE_RAW)
		ps_raw_record(&b, e->kind, e->pid, e->vals);
	record(g, PERF_RECORD_SAMPLE, &b, true);
	ps_free(&b);
	struct ps_ev q = *e;
	if (dummy)
		q.kind = PS_NKINDS; /* queued by perf too, but no event */
	else
		g->f->records++;
	sim_push(g, &q);
}

/* The start of a capture: comms and the kernel map (synthesized: zero trailers), the id index. */
static void preamble(struct ps_gen *g)
{
	struct ps_file *f = g->f;
	struct ps_buf b = {0};
	for (int i = 0; i < 4; i++) {
		b.len = 0;
		ps_u32(&b, (uint32_t)f->pids[i]);
		ps_u32(&b, (uint32_t)f->pids[i]);
		ps_put(&b, f->comms[i], strlen(f->comms[i]) + 1);
		ps_pad8(&b);
		trailer(g, &b, 0, 0, 0, 0, true);
		record(g, PERF_RECORD_COMM, &b, false);
	}
	b.len = 0;
	ps_u32(&b, UINT32_MAX);
	ps_u32(&b, 0);
	ps_u64(&b, 0xffffffff81000000ull);
	ps_u64(&b, 0x1000000);
	ps_u64(&b, 0xffffffff81000000ull);
	ps_put(&b, "[kernel.kallsyms]_text", 23);
	ps_pad8(&b);
	trailer(g, &b, 0, 0, 0, 0, true);
	record(g, PERF_RECORD_MMAP, &b, false);
	if (multi(g)) {
		b.len = 0;
		ps_u64(&b, g->nattrs * f->nr_cpus);
		for (size_t a = 0; a < g->nattrs; a++)
			for (uint32_t c = 0; c < f->nr_cpus; c++) {
				ps_u64(&b, attr_id(a, c));
				ps_u64(&b, c);
				ps_u64(&b, c);
				ps_u64(&b, UINT64_MAX);
			}
		record(g, 69, &b, false);
	}
	ps_free(&b);
}

/* A ring buffer overflow on CPU: the kernel's LOST record, with a real time. */
static void lost_record(struct ps_gen *g, uint32_t cpu, uint64_t n, uint64_t ts)
{
	struct ps_buf b = {0};
	ps_u64(&b, attr_id(multi(g) ? PS_PAGE_ALLOC : 0, cpu));
	ps_u64(&b, n);
	trailer(g, &b, multi(g) ? PS_PAGE_ALLOC : 0, cpu, -1, ts, false);
	record(g, PERF_RECORD_LOST, &b, true);
	ps_free(&b);
	g->lost_rec[multi(g) ? cpu : 0] += n;
}

/*
 * At the end, perf writes each event's own lost count, its trailer zero but
 * for the id.  Each CPU's count is split over two events and, on CPU 1,
 * is two more than its LOST records said: the import takes the larger.
 */
static void lost_samples(struct ps_gen *g)
{
	uint32_t ncpu = multi(g) ? g->f->nr_cpus : 1;
	for (uint32_t c = 0; c < ncpu; c++) {
		uint64_t total = g->lost_rec[c] + (c == 1 || !multi(g) ? 2 : 0);
		for (int part = 0; part < 2; part++) {
			struct ps_buf b = {0};
			uint64_t n = part ? 1 : total - 1;
			ps_u64(&b, n);
			if (multi(g)) {
				uint64_t st = g->sample_type, id = attr_id(part ? PS_KFREE : PS_KMALLOC, c);
				size_t words = (size_t)__builtin_popcountll(st & (PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
					PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_IDENTIFIER));
				for (size_t w = 0; w < words; w++)
					ps_u64(&b, 0);
				size_t id_at = 8 + 8 * (size_t)!!(st & PERF_SAMPLE_TID) + 8 * (size_t)!!(st & PERF_SAMPLE_TIME);
				if (st & PERF_SAMPLE_IDENTIFIER)
					memcpy(b.p + b.len - 8, &id, 8);
				if (st & PERF_SAMPLE_ID)
					memcpy(b.p + id_at, &id, 8);
			}
			record(g, PERF_RECORD_LOST_SAMPLES, &b, false);
			g->lost_samples[c] += n;
			ps_free(&b);
		}
	}
}

/* ---- events ---------------------------------------------------------------------- */

/* Live objects, so that most frees free something. */
struct ps_live {
	uint64_t v[64];
	size_t n;
};

static uint64_t live_take(struct ps_gen *g, struct ps_live *l, uint64_t fallback)
{
	if (!l->n || rnd(g) % 8 == 0)
		return fallback;
	size_t i = rnd(g) % l->n;
	uint64_t v = l->v[i];
	l->v[i] = l->v[--l->n];
	return v;
}

static void live_add(struct ps_live *l, uint64_t v)
{
	if (l->n < 64)
		l->v[l->n++] = v;
}

/* Event I: a kind (kmalloc only with one event), a CPU, a pid, a unique timestamp, values. */
static void make_event(struct ps_gen *g, size_t i, struct ps_live *slab, struct ps_live *page,
		       struct ps_ev *e)
{
	const struct ps_file *f = g->f;
	static const enum ps_kind mix[20] = {
		PS_KMALLOC, PS_KMALLOC, PS_KMALLOC, PS_KMALLOC, PS_KMALLOC, PS_KFREE, PS_KFREE,
		PS_KFREE, PS_KFREE, PS_CACHE_ALLOC, PS_CACHE_ALLOC, PS_CACHE_FREE, PS_CACHE_FREE,
		PS_PAGE_ALLOC, PS_PAGE_ALLOC, PS_PAGE_ALLOC, PS_PAGE_FREE, PS_PAGE_FREE,
		PS_PAGE_FREE, PS_OTHER};
	memset(e, 0, sizeof(*e));
	e->kind = multi(g) ? mix[rnd(g) % 20] : PS_KMALLOC;
	e->cpu = (uint32_t)(rnd(g) % f->nr_cpus);
	e->pid = f->pids[rnd(g) % 4];
	/* One 1000 ns slot per event keeps timestamps unique. */
	e->ts = 1000000 + 1000 * (uint64_t)i + rnd(g) % 500;
	uint64_t *v = e->vals, r = rnd(g);
	switch (e->kind) {
	case PS_KMALLOC:
	case PS_CACHE_ALLOC:
		v[0] = f->site[r % 3];
		v[1] = r % 29 == 0 ? 0 : 0xffff888000000000ull + 64 * (i + 1);
		v[2] = 8 + r % 500;
		v[3] = (v[2] + 63) / 64 * 64;
		v[4] = 0xcc0;
		v[5] = r % 5 == 0 ? 1 : UINT32_MAX; /* node 1, or NUMA_NO_NODE as the kernel writes -1 */
		if (v[1])
			live_add(slab, v[1]);
		break;
	case PS_KFREE:
	case PS_CACHE_FREE:
		v[0] = f->site[r % 3];
		v[1] = r % 31 == 0 ? 0 : live_take(g, slab, 0xffff888000000000ull + 64 * (i + 1) + 8);
		break;
	case PS_PAGE_ALLOC:
		v[0] = r % 37 == 0 ? UINT64_MAX : 0x100000 + i;
		v[1] = r % 4;
		v[2] = 0x100cca;
		v[3] = 1;
		if (v[0] != UINT64_MAX)
			live_add(page, v[0] | v[1] << 56);
		break;
	case PS_PAGE_FREE: {
		uint64_t x = live_take(g, page, 0x900000 + i);
		v[0] = x & ((1ull << 56) - 1);
		v[1] = x >> 56;
		break;
	}
	default:
		v[0] = r;
		break;
	}
}

/* Write the events in rounds: each CPU's share of ROUND_EVENTS slots in turn. */
static void write_rounds(struct ps_gen *g, struct ps_ev *ev, size_t n)
{
	size_t nrounds = (n + ROUND_EVENTS - 1) / ROUND_EVENTS, seq = 0;
	for (size_t r = 0; r < nrounds; r++) {
		for (uint32_t c = 0; c < g->f->nr_cpus; c++) {
			if (g->o->lost && r == (nrounds > 1 ? 1 : 0))
				lost_record(g, c, 5 + c, 1000000 + 1000 * r * ROUND_EVENTS + 700);
			for (size_t i = r * ROUND_EVENTS; i < n && i < (r + 1) * ROUND_EVENTS; i++) {
				if (ev[i].cpu != c)
					continue;
				ev[i].seq = seq++;
				sample(g, &ev[i], false);
				if (multi(g) && i == 0)
					sample(g, &ev[i], true); /* a dummy event's sample: no raw data */
			}
		}
		struct ps_buf none = {0};
		record(g, 68, &none, false);
		sim_round(g);
	}
}

/* ---- the file -------------------------------------------------------------------- */

/* One attrs entry: a 128-byte perf_event_attr, then where its ids are. */
static void attr_entry(struct ps_gen *g, struct ps_buf *b, size_t a, uint64_t ids_off)
{
	bool dummy = a == DUMMY_ATTR;
	uint64_t st = g->sample_type;
	if (dummy)
		st &= ~(uint64_t)(PERF_SAMPLE_RAW | PERF_SAMPLE_PERIOD | PERF_SAMPLE_READ | PERF_SAMPLE_CALLCHAIN);
	uint8_t attr[128] = {0};
	uint32_t type = dummy ? PERF_TYPE_SOFTWARE : PERF_TYPE_TRACEPOINT, size = sizeof(attr);
	uint64_t config = dummy ? PERF_COUNT_SW_DUMMY : ps_kind_id((enum ps_kind)(multi(g) ? a : PS_KMALLOC));
	uint64_t period = 1, flags = multi(g) ? 1ull << 18 : 0; /* sample_id_all */
	memcpy(attr, &type, 4);
	memcpy(attr + 4, &size, 4);
	memcpy(attr + 8, &config, 8);
	memcpy(attr + 16, &period, 8);
	memcpy(attr + 24, &st, 8);
	memcpy(attr + 32, &g->read_format, 8);
	memcpy(attr + 40, &flags, 8);
	ps_put(b, attr, sizeof(attr));
	ps_u64(b, ids_off + 8 * (uint64_t)a * g->f->nr_cpus);
	ps_u64(b, multi(g) ? 8 * (uint64_t)g->f->nr_cpus : 0);
}

/* A perf_header_string: u32 length (padded to 8 with NULs), then the text. */
static void feat_string(struct ps_buf *b, const char *text)
{
	size_t len = (strlen(text) + 1 + 7) / 8 * 8;
	ps_u32(b, (uint32_t)len);
	ps_put(b, text, strlen(text));
	for (size_t i = strlen(text); i < len; i++)
		ps_u8(b, 0);
}

/*
 * The features, in bit order as perf writes them: those the importer
 * reads (tracing data, os release, CPU count) among some it does not
 * (hostname, perf version, arch, CPU description, total memory, command
 * line), so that a file cut inside one of those is a case too.  Returns
 * the feature bits.
 */
static uint64_t features(struct ps_gen *g, struct ps_buf *out)
{
	struct ps_buf body[10] = {{0}}, table = {0};
	int bits[10], n = 0;
	const struct ps_file *f = g->f;
	char ks[256];
	snprintf(ks, sizeof(ks), "ffffffff81000000 T _text\n%016llx T %s\n%016llx T %s\n%016llx t %s\nffffffff81004000 T ps_end\n",
		 (unsigned long long)(f->site[0] & ~0xfffull), "ps_alpha",
		 (unsigned long long)(f->site[1] & ~0xfffull), "ps_beta",
		 (unsigned long long)(f->site[2] & ~0xfffull), "ps_gamma");
	bits[n] = 1;
	ps_tracing_data(&body[n++], &(struct ps_td_opts){.kallsyms = ks});
	bits[n] = 3;
	feat_string(&body[n++], "ps-host");
	bits[n] = 4;
	const char *rel = g->o->osrelease ? g->o->osrelease : "synthetic-0";
	ps_u32(&body[n], 64);
	ps_put(&body[n], rel, strlen(rel) + 1);
	while (body[n].len < 68)
		ps_u8(&body[n], 0);
	n++;
	bits[n] = 5;
	feat_string(&body[n++], "6.1.synthetic");
	bits[n] = 6;
	feat_string(&body[n++], "x86_64");
	if (!g->o->no_nrcpus) {
		bits[n] = 7;
		ps_u32(&body[n], f->nr_cpus);
		ps_u32(&body[n++], f->nr_cpus);
	}
	bits[n] = 8;
	feat_string(&body[n++], "Synthetic CPU @ 1.00GHz");
	bits[n] = 10;
	ps_u64(&body[n++], 8ull << 20);
	bits[n] = 11;
	ps_u32(&body[n], 2);
	feat_string(&body[n], "perf");
	feat_string(&body[n++], "record");
	uint64_t at = out->len + 16 * (uint64_t)n, mask = 0;
	for (int i = 0; i < n; i++) {
		ps_u64(&table, at);
		ps_u64(&table, body[i].len);
		at += body[i].len;
		mask |= 1ull << bits[i];
	}
	ps_put(out, table.p, table.len);
	for (int i = 0; i < n; i++) {
		ps_put(out, body[i].p, body[i].len);
		ps_free(&body[i]);
	}
	ps_free(&table);
	return mask;
}

static void setup(struct ps_gen *g, struct ps_file *f, const struct ps_opts *o)
{
	static const int32_t pids[4] = {0, 100, 101, 4242};
	static const char *const comms[4] = {"swapper/0", "ps-init", "ps-worker", "ps-long-name"};
	memset(f, 0, sizeof(*f));
	memset(g, 0, sizeof(*g));
	g->o = o;
	g->f = f;
	g->rng = o->seed ? o->seed : 1;
	f->nr_cpus = o->nr_cpus ? (o->nr_cpus > 8 ? 8 : o->nr_cpus) : 2;
	for (int i = 0; i < 4; i++) {
		f->pids[i] = pids[i];
		f->comms[i] = comms[i];
	}
	static const uint64_t sites[3] = {0xffffffff81001010ull, 0xffffffff81002020ull, 0xffffffff81003008ull};
	static const char *const names[3] = {"ps_alpha+0x10", "ps_beta+0x20", "ps_gamma+0x8"};
	memcpy(f->site, sites, sizeof(sites));
	memcpy(f->site_name, names, sizeof(names));
	switch (o->layout) {
	case PS_SINGLE:
		g->sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW;
		g->nattrs = 1;
		break;
	case PS_IDENTIFIER:
		g->sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
				 PERF_SAMPLE_PERIOD | PERF_SAMPLE_RAW | PERF_SAMPLE_IDENTIFIER;
		g->read_format = PERF_FORMAT_ID | PERF_FORMAT_LOST;
		g->nattrs = PS_NKINDS + 1;
		break;
	case PS_ID_FULL:
		g->sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR |
				 PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD |
				 PERF_SAMPLE_READ | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW;
		g->read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_ID | PERF_FORMAT_LOST;
		g->nattrs = PS_NKINDS + 1;
		break;
	}
	if (o->compress) {
		g->cctx = ZSTD_createCCtx();
		if (!g->cctx)
			abort();
	}
}

void ps_perf_data(struct ps_file *f, const struct ps_opts *o)
{
	struct ps_gen g;
	setup(&g, f, o);
	size_t n = o->events ? o->events : 200;
	struct ps_ev *ev = calloc(n, sizeof(*ev));
	struct ps_live slab = {0}, page = {0};
	if (!ev)
		abort();
	for (size_t i = 0; i < n; i++)
		make_event(&g, i, &slab, &page, &ev[i]);
	/* An event of round 5 stamped before the end of round 1: written after newer ones. */
	if (o->late_event && n > 6 * ROUND_EVENTS)
		ev[5 * ROUND_EVENTS].ts = ev[ROUND_EVENTS].ts + 1;
	preamble(&g);
	write_rounds(&g, ev, n);
	flush_pending(&g);
	if (o->lost)
		lost_samples(&g);
	sim_flush(&g, UINT64_MAX);
	uint64_t rec = 0, smp = 0;
	for (uint32_t c = 0; c < f->nr_cpus; c++) {
		f->lost[c] = g.lost_rec[c] > g.lost_samples[c] ? g.lost_rec[c] : g.lost_samples[c];
		rec += g.lost_rec[c];
		smp += g.lost_samples[c];
	}
	f->lost_folded = rec > smp ? rec : smp;

	/* header | ids | attrs | data | features */
	struct ps_buf *b = &f->buf;
	uint64_t ids_off = 104, nids = multi(&g) ? g.nattrs * f->nr_cpus : 0;
	uint64_t attrs_off = ids_off + 8 * nids, attr_size = 128 + 16;
	f->data_off = attrs_off + g.nattrs * attr_size;
	f->data_size = g.data.len;
	ps_put(b, "PERFILE2", 8);
	ps_u64(b, 104);
	ps_u64(b, attr_size);
	ps_u64(b, attrs_off);
	ps_u64(b, g.nattrs * attr_size);
	ps_u64(b, f->data_off);
	ps_u64(b, f->data_size);
	ps_u64(b, 0);
	ps_u64(b, 0);
	size_t bits_at = b->len;
	for (int i = 0; i < 4; i++)
		ps_u64(b, 0);
	for (size_t a = 0; a < g.nattrs && multi(&g); a++)
		for (uint32_t c = 0; c < f->nr_cpus; c++)
			ps_u64(b, attr_id(a, c));
	for (size_t a = 0; a < g.nattrs; a++)
		attr_entry(&g, b, a, ids_off);
	ps_put(b, g.data.p, g.data.len);
	uint64_t bits = features(&g, b);
	memcpy(b->p + bits_at, &bits, 8);

	free(ev);
	free(g.queue);
	ps_free(&g.data);
	ps_free(&g.pending);
	ZSTD_freeCCtx(g.cctx);
}

void ps_file_free(struct ps_file *f)
{
	ps_free(&f->buf);
	free(f->expect);
	memset(f, 0, sizeof(*f));
}
