/* SPDX-License-Identifier: MIT */
/*
 * perf_synth.c - synthetic tracing data and perf.data files for the import
 * tests (see perf_synth.h): bytes, the event formats, raw tracepoint
 * records and the tracing data block.  perf_synth_file.c builds perf.data
 * files from them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf_synth.h"

/* ---- bytes ----------------------------------------------------------------- */

void ps_put(struct ps_buf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *p = realloc(b->p, cap);
		if (!p)
			abort();
		b->p = p;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, d, n);
	b->len += n;
}

void ps_u8(struct ps_buf *b, uint8_t v) { ps_put(b, &v, 1); }
void ps_u16(struct ps_buf *b, uint16_t v) { ps_put(b, &v, 2); }
void ps_u32(struct ps_buf *b, uint32_t v) { ps_put(b, &v, 4); }
void ps_u64(struct ps_buf *b, uint64_t v) { ps_put(b, &v, 8); }

void ps_free(struct ps_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void ps_pad8(struct ps_buf *b)
{
	while (b->len % 8)
		ps_u8(b, 0);
}

int ps_write(const struct ps_buf *b, const char *path)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = b->len ? fwrite(b->p, 1, b->len, f) : 0;
	return fclose(f) == 0 && n == b->len ? 0 : -1;
}

/* ---- the event formats ------------------------------------------------------ */

struct ps_field {
	const char *type, *name;
	int off, size, sign;
};

static const struct ps_fmt {
	const char *sys, *name;
	uint64_t id;
	int size;
	struct ps_field f[6];
} fmts[PS_NKINDS] = {
#define SLAB_ALLOC_FIELDS                                                                  \
	{{"unsigned long", "call_site", 8, 8, 0}, {"const void *", "ptr", 16, 8, 0},         \
	 {"size_t", "bytes_req", 24, 8, 0},       {"size_t", "bytes_alloc", 32, 8, 0},       \
	 {"unsigned long", "gfp_flags", 40, 8, 0}, {"int", "node", 48, 4, 1}}
	[PS_KMALLOC] = {"kmem", "kmalloc", 10, 52, SLAB_ALLOC_FIELDS},
	[PS_KFREE] = {"kmem", "kfree", 11, 24, {{"unsigned long", "call_site", 8, 8, 0},
						 {"const void *", "ptr", 16, 8, 0}}},
	[PS_CACHE_ALLOC] = {"kmem", "kmem_cache_alloc", 12, 52, SLAB_ALLOC_FIELDS},
	[PS_CACHE_FREE] = {"kmem", "kmem_cache_free", 13, 24, {{"unsigned long", "call_site", 8, 8, 0},
							      {"const void *", "ptr", 16, 8, 0}}},
	[PS_PAGE_ALLOC] = {"kmem", "mm_page_alloc", 14, 36,
			   {{"unsigned long", "pfn", 8, 8, 0}, {"unsigned int", "order", 16, 4, 0},
			    {"unsigned long", "gfp_flags", 24, 8, 0}, {"int", "migratetype", 32, 4, 1}}},
	[PS_PAGE_FREE] = {"kmem", "mm_page_free", 15, 20,
			  {{"unsigned long", "pfn", 8, 8, 0}, {"unsigned int", "order", 16, 4, 0}}},
	[PS_OTHER] = {"sched", "ps_other", 20, 16, {{"unsigned long", "value", 8, 8, 0}}},
#undef SLAB_ALLOC_FIELDS
};

uint64_t ps_kind_id(enum ps_kind kind)
{
	return fmts[kind].id;
}

__attribute__((format(printf, 2, 3))) static void ps_printf(struct ps_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	ps_put(b, tmp, (size_t)n);
}

static void ps_field_line(struct ps_buf *b, const struct ps_field *f)
{
	ps_printf(b, "\tfield:%s %s;\toffset:%d;\tsize:%d;\tsigned:%d;\n", f->type, f->name, f->off,
		  f->size, f->sign);
}

/* The format text of one event, in the kernel's syntax. */
static void ps_format(struct ps_buf *b, const char *name, uint64_t id, const struct ps_field *f,
		      size_t nf)
{
	static const struct ps_field common[] = {
		{"unsigned short", "common_type", 0, 2, 0},
		{"unsigned char", "common_flags", 2, 1, 0},
		{"unsigned char", "common_preempt_count", 3, 1, 0},
		{"int", "common_pid", 4, 4, 1},
	};
	ps_printf(b, "name: %s\nID: %llu\nformat:\n", name, (unsigned long long)id);
	for (size_t i = 0; i < 4; i++)
		ps_field_line(b, &common[i]);
	ps_printf(b, "\n");
	for (size_t i = 0; i < nf && f[i].name; i++)
		ps_field_line(b, &f[i]);
	ps_printf(b, "\nprint fmt: \"%s=%%lu\", REC->%s\n", f[0].name, f[0].name);
}

/* ---- tracing data -------------------------------------------------------------- */

static void td_num(struct ps_buf *b, uint64_t v, int size, bool big)
{
	for (int i = 0; i < size; i++)
		ps_u8(b, (uint8_t)(v >> (8 * (big ? size - 1 - i : i))));
}

/* SIZE_BYTES-sized length, then TEXT. */
static void td_text(struct ps_buf *b, const struct ps_buf *text, int size_bytes, bool big)
{
	td_num(b, text->len, size_bytes, big);
	ps_put(b, text->p, text->len);
}

void ps_tracing_data(struct ps_buf *b, const struct ps_td_opts *o)
{
	const char *ver = o && o->version ? o->version : "0.6";
	bool big = o && o->big_endian;
	struct ps_buf t = {0};
	static const uint8_t magic[] = {0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g'};
	ps_put(b, magic, sizeof(magic));
	ps_put(b, ver, strlen(ver) + 1);
	ps_u8(b, big);
	ps_u8(b, 8);
	td_num(b, 4096, 4, big);

	ps_put(b, "header_page", 12);
	ps_printf(&t, "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		      "\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		      "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
		      "\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n");
	td_text(b, &t, 8, big);
	t.len = 0;
	ps_put(b, "header_event", 13);
	ps_printf(&t, "# compressed entry header\n\ttype_len    :    5 bits\n");
	td_text(b, &t, 8, big);

	/* One ftrace format, then the systems. */
	static const struct ps_field ftrace_f[] = {{"unsigned long", "ip", 8, 8, 0}};
	td_num(b, 1, 4, big);
	t.len = 0;
	ps_format(&t, "ps_function", 1, ftrace_f, 1);
	td_text(b, &t, 8, big);
	td_num(b, 2, 4, big);
	const char *systems[2] = {"kmem", "sched"};
	for (int s = 0; s < 2; s++) {
		ps_put(b, systems[s], strlen(systems[s]) + 1);
		uint32_t n = 0;
		for (int k = 0; k < PS_NKINDS; k++)
			n += strcmp(fmts[k].sys, systems[s]) == 0;
		td_num(b, n, 4, big);
		for (int k = 0; k < PS_NKINDS; k++) {
			if (strcmp(fmts[k].sys, systems[s]))
				continue;
			t.len = 0;
			ps_format(&t, fmts[k].name, fmts[k].id, fmts[k].f, 6);
			td_text(b, &t, 8, big);
		}
	}
	t.len = 0;
	if (o && o->kallsyms)
		ps_put(&t, o->kallsyms, strlen(o->kallsyms));
	td_text(b, &t, 4, big);
	t.len = 0;
	if (o && o->printk)
		ps_put(&t, o->printk, strlen(o->printk));
	else
		ps_printf(&t, "0xffffffff81800000 : \"ps printk %%d\\n\"\n");
	td_text(b, &t, 4, big);
	if (strcmp(ver, "0.5") != 0) {
		t.len = 0;
		if (o && o->cmdlines)
			ps_put(&t, o->cmdlines, strlen(o->cmdlines));
		else
			ps_printf(&t, "100 ps-init\n101 ps-worker\n");
		td_text(b, &t, 8, big);
	}
	ps_free(&t);
}

void ps_raw_record(struct ps_buf *b, enum ps_kind kind, int32_t pid, const uint64_t *vals)
{
	const struct ps_fmt *f = &fmts[kind];
	uint8_t rec[64] = {0};
	uint16_t type = (uint16_t)f->id;
	memcpy(rec, &type, 2);
	memcpy(rec + 4, &pid, 4);
	for (size_t i = 0; i < 6 && f->f[i].name; i++)
		memcpy(rec + f->f[i].off, &vals[i], (size_t)f->f[i].size); /* little-endian host */
	/* The u32 size and the record together fill whole u64s, as the kernel pads them. */
	uint32_t size = (uint32_t)((f->size + 4 + 7) / 8 * 8 - 4);
	ps_u32(b, size);
	ps_put(b, rec, size);
}
