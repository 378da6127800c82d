/* SPDX-License-Identifier: MIT */
/*
 * tracedat_synth.c - a synthetic trace-cmd trace.dat, version 6 (see
 * perf_synth.h): the tracing data block of perf_synth.c, then per CPU one
 * ring-buffer page of kmalloc and kfree records, as the kernel lays them
 * out (page header: timestamp, commit; each event a 4-byte header whose
 * low 5 bits are its length in words and the rest its time delta).
 */
#include <string.h>

#include "perf_synth.h"

#define DAT_PAGE 4096
#define DAT_PAGE_HEAD 16 /* u64 timestamp, u64 commit (header_page in perf_synth.c) */

/* One CPU's page: EVENTS records, alternately a kmalloc and the kfree of it. */
static void dat_page(struct ps_buf *b, uint32_t cpu, uint32_t events)
{
	uint8_t page[DAT_PAGE] = {0};
	size_t at = DAT_PAGE_HEAD;
	uint64_t ts = 1000000 + cpu;
	memcpy(page, &ts, 8);
	for (uint32_t i = 0; i < events; i++) {
		struct ps_buf rec = {0};
		uint64_t ptr = 0xffff888000100000ull + ((uint64_t)cpu << 20) + (i / 2) * 64;
		uint64_t kmalloc[6] = {0xffffffff81001010ull, ptr, 40, 64, 0xcc0, 0};
		uint64_t kfree[2] = {0xffffffff81002020ull, ptr};
		bool alloc = i % 2 == 0;
		ps_raw_record(&rec, alloc ? PS_KMALLOC : PS_KFREE, alloc ? 100 : 101, alloc ? kmalloc : kfree);
		/* ps_raw_record writes perf's u32 size first; the ring buffer wants the record (4-byte words). */
		size_t len = rec.len - 4;
		if (at + 4 + len > DAT_PAGE) {
			ps_free(&rec);
			break;
		}
		uint32_t head = (uint32_t)(len / 4) | (uint32_t)(10 + i) << 5;
		memcpy(page + at, &head, 4);
		memcpy(page + at + 4, rec.p + 4, len);
		at += 4 + len;
		ps_free(&rec);
	}
	uint64_t commit = at - DAT_PAGE_HEAD;
	memcpy(page + 8, &commit, 8);
	ps_put(b, page, sizeof(page));
}

void ps_trace_dat(struct ps_buf *b, uint32_t nr_cpus, uint32_t events)
{
	ps_tracing_data(b, &(struct ps_td_opts){.version = "6"});
	ps_u32(b, nr_cpus);
	ps_put(b, "options  ", 10);
	ps_u16(b, 0);
	ps_put(b, "flyrecord", 10);
	uint64_t first = (b->len + 16ull * nr_cpus + DAT_PAGE - 1) / DAT_PAGE * DAT_PAGE;
	for (uint32_t c = 0; c < nr_cpus; c++) {
		ps_u64(b, first + (uint64_t)c * DAT_PAGE);
		ps_u64(b, DAT_PAGE);
	}
	while (b->len < first)
		ps_u8(b, 0);
	for (uint32_t c = 0; c < nr_cpus; c++)
		dat_page(b, c, events);
}
