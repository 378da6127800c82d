/* SPDX-License-Identifier: MIT */
/*
 * tracedat_synth.c - a synthetic trace-cmd trace.dat, version 6 (see
 * perf_synth.h): the tracing data block of perf_synth.c, then per CPU its
 * ring-buffer pages of kmalloc and kfree records, laid out as the kernel
 * lays them (page header: timestamp, commit; each event a 4-byte header
 * whose low 5 bits are its length in words and the rest its time delta),
 * with the encodings a reader must follow: a time extend before a long
 * gap, a discarded event (padding with a length), an event of the long
 * form (length word), and on CPU 1's first page a count of lost events.
 * Version 7 holds the same in sections, optionally zstd-compressed.
 */
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "perf_synth.h"

#define DAT_PAGE 4096
#define DAT_PAGE_HEAD 16 /* u64 timestamp, u64 commit (header_page in perf_synth.c) */
#define LOST_ON_CPU1 5

struct dat_page {
	uint8_t p[DAT_PAGE];
	size_t at;
};

static void page_start(struct dat_page *pg, uint64_t ts)
{
	memset(pg->p, 0, sizeof(pg->p));
	memcpy(pg->p, &ts, 8);
	pg->at = DAT_PAGE_HEAD;
}

/* Close the page: its commit (with the lost count after the data when LOST), and append it. */
static void page_end(struct ps_buf *b, struct dat_page *pg, uint64_t lost)
{
	uint64_t commit = pg->at - DAT_PAGE_HEAD;
	if (lost) {
		memcpy(pg->p + pg->at, &lost, 8);
		commit |= 3ull << 30; /* missed events, and the count stored */
	}
	memcpy(pg->p + 8, &commit, 8);
	ps_put(b, pg->p, sizeof(pg->p));
}

static void put_word(struct dat_page *pg, uint32_t w)
{
	memcpy(pg->p + pg->at, &w, 4);
	pg->at += 4;
}

/* One CPU's pages: EVENTS records, alternately a kmalloc and the kfree of it. */
static void dat_cpu(struct ps_buf *b, uint32_t cpu, uint32_t events)
{
	struct dat_page pg;
	unsigned pages = 1;
	uint64_t ts = 1000000 + cpu;
	page_start(&pg, ts);
	for (uint32_t i = 0; i < events; i++) {
		struct ps_buf rec = {0};
		uint64_t ptr = 0xffff888000100000ull + ((uint64_t)cpu << 20) + (i / 2) * 64;
		uint64_t kmalloc[6] = {0xffffffff81001010ull, ptr, 40, 64, 0xcc0, 0};
		uint64_t kfree[2] = {0xffffffff81002020ull, ptr};
		bool alloc = i % 2 == 0;
		ps_raw_record(&rec, alloc ? PS_KMALLOC : PS_KFREE, alloc ? 100 : 101, alloc ? kmalloc : kfree);
		/* ps_raw_record writes perf's u32 size first; the ring buffer wants the record (4-byte words). */
		size_t len = rec.len - 4;
		bool gap = i % 37 == 36, discard = i % 53 == 52, longform = i % 29 == 28;
		if (pg.at + 4 + len + 8 + 8 + 8 + 8 > DAT_PAGE) {
			page_end(b, &pg, cpu == 1 && pages == 1 ? LOST_ON_CPU1 : 0);
			page_start(&pg, ts);
			pages++;
		}
		uint32_t delta = 10 + i;
		if (gap) {
			/* A gap past 27 bits of delta: a time extend carries its high part. */
			uint64_t big = (3ull << 27) + 12345;
			put_word(&pg, 30 | (uint32_t)(big & ((1u << 27) - 1)) << 5);
			put_word(&pg, (uint32_t)(big >> 27));
			ts += big;
		}
		if (discard) {
			/* A discarded event: padding with a delta and its length. */
			put_word(&pg, 29 | 1u << 5);
			put_word(&pg, 12);
			pg.at += 8;
			ts += 1;
		}
		ts += delta;
		if (longform) {
			put_word(&pg, delta << 5);
			put_word(&pg, (uint32_t)len + 4);
		} else {
			put_word(&pg, (uint32_t)(len / 4) | delta << 5);
		}
		memcpy(pg.p + pg.at, rec.p + 4, len);
		pg.at += len;
		ps_free(&rec);
	}
	page_end(b, &pg, cpu == 1 && pages == 1 ? LOST_ON_CPU1 : 0);
}

/* The pages dat_cpu writes for EVENTS records (it is deterministic: run it on a scratch buffer). */
static uint64_t dat_cpu_size(uint32_t cpu, uint32_t events)
{
	struct ps_buf b = {0};
	dat_cpu(&b, cpu, events);
	uint64_t n = b.len;
	ps_free(&b);
	return n;
}

void ps_trace_dat(struct ps_buf *b, uint32_t nr_cpus, uint32_t events)
{
	ps_tracing_data(b, &(struct ps_td_opts){.version = "6"});
	ps_u32(b, nr_cpus);
	ps_put(b, "options  ", 10);
	ps_u16(b, 0);
	ps_put(b, "flyrecord", 10);
	uint64_t at = (b->len + 16ull * nr_cpus + DAT_PAGE - 1) / DAT_PAGE * DAT_PAGE;
	for (uint32_t c = 0; c < nr_cpus; c++) {
		uint64_t size = dat_cpu_size(c, events);
		ps_u64(b, at);
		ps_u64(b, size);
		at += size;
	}
	while (b->len % DAT_PAGE)
		ps_u8(b, 0);
	for (uint32_t c = 0; c < nr_cpus; c++)
		dat_cpu(b, c, events);
}

/* ---- version 7 ------------------------------------------------------------------- */

/* A section: header (id, flags, no description, size), then BODY, zstd-compressed when Z. */
static void v7_section(struct ps_buf *b, uint16_t id, bool z, const uint8_t *body, size_t len)
{
	ps_u16(b, id);
	ps_u16(b, z);
	ps_u32(b, 0);
	if (!z) {
		ps_u64(b, len);
		ps_put(b, body, len);
		return;
	}
	size_t cap = ZSTD_compressBound(len);
	uint8_t *zbuf = malloc(cap);
	if (!zbuf)
		abort();
	size_t n = ZSTD_compress(zbuf, cap, body, len, 1);
	if (ZSTD_isError(n))
		abort();
	ps_u64(b, 8 + n);
	ps_u32(b, (uint32_t)n);
	ps_u32(b, (uint32_t)len);
	ps_put(b, zbuf, n);
	free(zbuf);
}

/* Where the parts of a version 6 tracing data block (ps_tracing_data) end: 6 offsets after the preamble. */
static void v6_parts(const struct ps_buf *td, size_t end[6])
{
	const uint8_t *p = td->p;
	size_t at = 18; /* magic, "6", endian, long size, page size */
	uint64_t n, size;
	for (int h = 0; h < 2; h++) {
		at += strlen((const char *)p + at) + 1;
		memcpy(&size, p + at, 8);
		at += 8 + size;
	}
	end[0] = at;
	uint32_t count;
	memcpy(&count, p + at, 4);
	at += 4;
	for (n = 0; n < count; n++, at += 8 + size)
		memcpy(&size, p + at, 8);
	end[1] = at;
	uint32_t nsys;
	memcpy(&nsys, p + at, 4);
	at += 4;
	for (uint32_t s = 0; s < nsys; s++) {
		at += strlen((const char *)p + at) + 1;
		memcpy(&count, p + at, 4);
		at += 4;
		for (n = 0; n < count; n++, at += 8 + size)
			memcpy(&size, p + at, 8);
	}
	end[2] = at;
	for (int t = 3; t < 5; t++) {
		uint32_t len;
		memcpy(&len, p + at, 4);
		at += 4 + len;
		end[t] = at;
	}
	memcpy(&size, p + at, 8);
	end[5] = at + 8 + size;
}

/* One CPU's data in the BUFFER section: its pages, or (Z) one zstd chunk of them after the chunk count. */
static uint64_t v7_cpu(struct ps_buf *b, uint32_t cpu, uint32_t events, bool z)
{
	struct ps_buf pages = {0};
	dat_cpu(&pages, cpu, events);
	size_t start = b->len;
	if (!z) {
		ps_put(b, pages.p, pages.len);
	} else {
		size_t cap = ZSTD_compressBound(pages.len);
		uint8_t *zbuf = malloc(cap);
		if (!zbuf)
			abort();
		size_t n = ZSTD_compress(zbuf, cap, pages.p, pages.len, 1);
		if (ZSTD_isError(n))
			abort();
		ps_u32(b, 1);
		ps_u32(b, (uint32_t)n);
		ps_u32(b, (uint32_t)pages.len);
		ps_put(b, zbuf, n);
		free(zbuf);
		start += 4; /* trace-cmd's size leaves the chunk count out */
	}
	ps_free(&pages);
	return b->len - start;
}

void ps_trace_dat7(struct ps_buf *b, uint32_t nr_cpus, uint32_t events, bool z)
{
	struct ps_buf td = {0}, opt = {0};
	size_t end[6], from = 18;
	uint64_t sec[6], cpu_off[8], cpu_size[8];
	ps_tracing_data(&td, &(struct ps_td_opts){.version = "6"});
	v6_parts(&td, end);
	ps_put(b, td.p, 10);
	ps_put(b, "7", 2);
	ps_put(b, td.p + 12, 6); /* endian, long size, page size */
	ps_put(b, z ? "zstd\0" "1.5.4" : "none\0", z ? 11 : 6);
	size_t first_opt = b->len;
	ps_u64(b, 0);
	for (int s = 0; s < 6; from = end[s++]) {
		sec[s] = b->len;
		v7_section(b, (uint16_t)(16 + s), z, td.p + from, end[s] - from);
	}
	/* The BUFFER section: its header, then each CPU's data from a page boundary. */
	size_t buf_at = b->len;
	v7_section(b, 3, z, NULL, 0);
	for (uint32_t c = 0; c < nr_cpus && c < 8; c++) {
		while (b->len % DAT_PAGE)
			ps_u8(b, 0);
		cpu_off[c] = b->len;
		cpu_size[c] = v7_cpu(b, c, events, z);
	}
	uint64_t buf_size = b->len - buf_at - 16;
	memcpy(b->p + buf_at + 8, &buf_size, 8);
	/* The options: where the sections are, the CPU count, the buffer. */
	for (int s = 0; s < 6; s++) {
		ps_u16(&opt, (uint16_t)(16 + s));
		ps_u32(&opt, 8);
		ps_u64(&opt, sec[s]);
	}
	ps_u16(&opt, 8);
	ps_u32(&opt, 4);
	ps_u32(&opt, nr_cpus);
	ps_u16(&opt, 3);
	ps_u32(&opt, 8 + 1 + 6 + 8 + 20 * (nr_cpus < 8 ? nr_cpus : 8));
	ps_u64(&opt, buf_at);
	ps_put(&opt, "\0local", 7);
	ps_u32(&opt, DAT_PAGE);
	ps_u32(&opt, nr_cpus < 8 ? nr_cpus : 8);
	for (uint32_t c = 0; c < nr_cpus && c < 8; c++) {
		ps_u32(&opt, c);
		ps_u64(&opt, cpu_off[c]);
		ps_u64(&opt, cpu_size[c]);
	}
	ps_u16(&opt, 0);
	ps_u32(&opt, 8);
	ps_u64(&opt, 0);
	uint64_t opt_at = b->len;
	memcpy(b->p + first_opt, &opt_at, 8);
	v7_section(b, 0, false, opt.p, opt.len);
	ps_free(&opt);
	ps_free(&td);
}
