/* SPDX-License-Identifier: MIT */
/*
 * test_sink.c - tracepoint decoding and ordering without a kernel: event
 * formats written out as a kernel prints them (two kernels whose kmalloc
 * differs in field layout), raw records built byte by byte, fed through
 * the sink into a real trace, and read back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <traceevent/event-parse.h>

#include "cap_internal.h"

#define COMMON                                                                              \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"                 \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"                 \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"         \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"

/* kmalloc as 6.x prints it: node at 48, signed. */
static const char kmalloc_new[] =
	"name: kmalloc\nID: 300\nformat:\n" COMMON
	"\tfield:unsigned long call_site;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:const void * ptr;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:size_t bytes_req;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:size_t bytes_alloc;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long gfp_flags;\toffset:40;\tsize:8;\tsigned:0;\n"
	"\tfield:int node;\toffset:48;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"ptr=%p\", REC->ptr\n";

/* An older layout: no node, a 4-byte gfp_flags, ptr before call_site. */
static const char kmalloc_old[] =
	"name: kmalloc\nID: 301\nformat:\n" COMMON
	"\tfield:const void * ptr;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long call_site;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:size_t bytes_req;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:size_t bytes_alloc;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned int gfp_flags;\toffset:40;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"ptr=%p\", REC->ptr\n";

static const char kfree_fmt[] =
	"name: kfree\nID: 302\nformat:\n" COMMON
	"\tfield:unsigned long call_site;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:const void * ptr;\toffset:16;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"ptr=%p\", REC->ptr\n";

static const char page_alloc_fmt[] =
	"name: mm_page_alloc\nID: 310\nformat:\n" COMMON
	"\tfield:unsigned long pfn;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned int order;\toffset:16;\tsize:4;\tsigned:0;\n"
	"\tfield:unsigned long gfp_flags;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:int migratetype;\toffset:32;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"pfn=0x%lx\", REC->pfn\n";

/* The lock tracepoints as 6.18 prints them (print fmt shortened). */
static const char lock_begin_fmt[] =
	"name: contention_begin\nID: 408\nformat:\n" COMMON
	"\tfield:void * lock_addr;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned int flags;\toffset:16;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"%p (flags=%x)\", REC->lock_addr, REC->flags\n";

static const char lock_end_fmt[] =
	"name: contention_end\nID: 407\nformat:\n" COMMON
	"\tfield:void * lock_addr;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:int ret;\toffset:16;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"%p (ret=%d)\", REC->lock_addr, REC->ret\n";

static char out_path[256];

static struct tep_handle *make_tep(const char *kmalloc_fmt)
{
	struct tep_handle *tep = tep_alloc();
	assert_non_null(tep);
	tep_set_long_size(tep, 8);
	tep_set_page_size(tep, 4096);
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	assert_int_equal(tep_parse_event(tep, kmalloc_fmt, strlen(kmalloc_fmt), "kmem"), 0);
	assert_int_equal(tep_parse_event(tep, kfree_fmt, strlen(kfree_fmt), "kmem"), 0);
	assert_int_equal(tep_parse_event(tep, page_alloc_fmt, strlen(page_alloc_fmt), "kmem"), 0);
	return tep;
}

static void put(uint8_t *rec, size_t off, uint64_t v, size_t size)
{
	for (size_t i = 0; i < size; i++)
		rec[off + i] = (uint8_t)(v >> (8 * i));
}

/* A record's common fields: type and pid. */
static void common(uint8_t *rec, uint16_t type, int32_t pid)
{
	put(rec, 0, type, 2);
	put(rec, 4, (uint32_t)pid, 4);
}

static void open_sink(struct cap_sink *s, struct tep_handle *tep)
{
	struct mmr_meta meta = {.kernel_release = "test", .clock = "mono", .source = "test", .nr_cpus = 2};
	struct mmr_error err = {{0}};
	if (cap_sink_open(s, out_path, &meta, tep, MMR_CAP_ALL, &err))
		fail_msg("%s", err.msg);
}

static void record(struct cap_sink *s, const uint8_t *rec, size_t size, uint64_t ts, uint32_t cpu)
{
	struct mmr_error err = {{0}};
	if (cap_sink_record(s, rec, size, ts, cpu, &err))
		fail_msg("%s", err.msg);
}

/* Close S and read its trace back into EV (at most MAX).  Returns the count. */
static size_t close_and_read(struct cap_sink *s, struct mmr_event *ev, size_t max)
{
	struct mmr_error err = {{0}};
	uint64_t lost[2] = {3, 4};
	if (cap_sink_close(s, lost, 2, &err))
		fail_msg("%s", err.msg);
	struct mmr_reader *r = mmr_reader_open(out_path, &err);
	if (!r)
		fail_msg("%s", err.msg);
	assert_int_equal(mmr_reader_meta(r)->lost[1], 4);
	size_t n = 0;
	while (n < max && mmr_reader_next(r, &ev[n], &err) == 1)
		n++;
	mmr_reader_close(r);
	return n;
}

/* The same kmalloc, laid out the way each kernel prints its format, decodes the same. */
static void decode_kmalloc(const char *fmt, uint16_t id, bool has_node)
{
	struct tep_handle *tep = make_tep(fmt);
	struct cap_sink s;
	uint8_t rec[64] = {0};
	bool old = id == 301;
	open_sink(&s, tep);
	common(rec, id, 4242);
	put(rec, old ? 16 : 8, 0xffffffff81234567ull, 8);  /* call_site */
	put(rec, old ? 8 : 16, 0xffff888100001000ull, 8);  /* ptr */
	put(rec, 24, 100, 8);
	put(rec, 32, 128, 8);
	put(rec, 40, 0xcc0, old ? 4 : 8);
	if (has_node)
		put(rec, 48, (uint32_t)-1, 4); /* NUMA_NO_NODE */
	record(&s, rec, has_node ? 52 : 44, 1000, 1);
	struct mmr_event ev[4];
	assert_int_equal(close_and_read(&s, ev, 4), 1);
	assert_int_equal(ev[0].family, MMR_FAM_SLAB);
	assert_int_equal(ev[0].op, MMR_OP_ALLOC);
	assert_int_equal(ev[0].id, 0xffff888100001000ull);
	assert_int_equal(ev[0].call_site, 0xffffffff81234567ull);
	assert_int_equal(ev[0].bytes_req, 100);
	assert_int_equal(ev[0].bytes_alloc, 128);
	assert_int_equal(ev[0].gfp, 0xcc0);
	assert_int_equal(ev[0].node, -1); /* sign-extended, or absent */
	assert_int_equal(ev[0].flags & MMR_EF_NODE, 0);
	assert_int_equal(ev[0].pid, 4242);
	assert_int_equal(ev[0].cpu, 1);
	assert_int_equal(ev[0].ts_ns, 1000);
	tep_free(tep);
}

static void test_kmalloc_new_layout(void **state)
{
	(void)state;
	decode_kmalloc(kmalloc_new, 300, true);
}

static void test_kmalloc_old_layout(void **state)
{
	(void)state;
	decode_kmalloc(kmalloc_old, 301, false);
}

/*
 * Records arrive per CPU, CPUs interleaved: the trace comes out in
 * timestamp order.  A record too short for its fields, one of an unknown
 * event and one shorter than the common fields are dropped and counted.
 * A node asked for sets the node flag; a page allocation of pfn -1 failed.
 */
static void test_order_and_bad_records(void **state)
{
	(void)state;
	struct tep_handle *tep = make_tep(kmalloc_new);
	struct cap_sink s;
	struct mmr_error err = {{0}};
	uint8_t a[64] = {0}, f[32] = {0}, p[40] = {0}, junk[64] = {0};
	open_sink(&s, tep);
	common(a, 300, 1);
	put(a, 16, 0x5000, 8);
	put(a, 48, 1, 4); /* node 1 */
	common(f, 302, 2);
	put(f, 16, 0x5000, 8);
	common(p, 310, 3);
	put(p, 8, UINT64_MAX, 8);
	put(p, 16, 2, 4);
	common(junk, 999, 4);
	record(&s, f, sizeof(f), 300, 0);   /* CPU 0's free, read first... */
	record(&s, a, 52, 200, 1);          /* ...before CPU 1's older allocation */
	assert_int_equal(cap_sink_flush(&s, 250, &err), 0); /* writes the allocation only */
	record(&s, p, 36, 100, 1);          /* late: older than what was written */
	record(&s, a, 51, 400, 1);          /* too short for node */
	record(&s, junk, sizeof(junk), 500, 0);
	record(&s, junk, 6, 600, 0);
	assert_int_equal(s.malformed, 2);
	assert_int_equal(s.records, 6);
	assert_int_equal(cap_merge_out_of_order(s.merge), 1);
	struct mmr_event ev[8];
	assert_int_equal(close_and_read(&s, ev, 8), 3);
	assert_int_equal(ev[0].ts_ns, 200);
	assert_int_equal(ev[0].node, 1);
	assert_true(ev[0].flags & MMR_EF_NODE);
	assert_int_equal(ev[1].ts_ns, 100); /* written when it came: after a newer one */
	assert_int_equal(ev[1].family, MMR_FAM_PAGE);
	assert_int_equal(ev[1].order, 2);
	assert_true(ev[1].flags & MMR_EF_FAILED);
	assert_int_equal(ev[2].ts_ns, 300);
	assert_int_equal(ev[2].op, MMR_OP_FREE);
	assert_int_equal(ev[2].id, 0x5000);
	tep_free(tep);
}

/* Equal timestamps keep their arrival order; flush writes nothing newer than asked. */
static void test_merge_ties(void **state)
{
	(void)state;
	struct mmr_meta meta = {.clock = "mono", .source = "test", .nr_cpus = 1};
	struct mmr_error err = {{0}};
	struct mmr_writer *w = mmr_writer_open(out_path, &meta, NULL, &err);
	assert_non_null(w);
	struct cap_merge *m = cap_merge_new(w);
	assert_non_null(m);
	for (uint64_t i = 0; i < 10000; i++) {
		struct mmr_event e = {.ts_ns = (i * 7919) % 100, .id = i, .node = -1};
		assert_int_equal(cap_merge_push(m, &e, &err), 0);
	}
	assert_int_equal(cap_merge_flush(m, 49, &err), 0);
	assert_int_equal(cap_merge_held(m), 5000);
	assert_int_equal(cap_merge_flush(m, UINT64_MAX, &err), 0);
	cap_merge_free(m);
	assert_int_equal(mmr_writer_close(w, &err), 0);
	struct mmr_reader *r = mmr_reader_open(out_path, &err);
	assert_non_null(r);
	struct mmr_event prev = {0}, e;
	uint64_t n = 0;
	while (mmr_reader_next(r, &e, &err) == 1) {
		if (n++) {
			assert_true(e.ts_ns >= prev.ts_ns);
			if (e.ts_ns == prev.ts_ns)
				assert_true(e.id > prev.id);
		}
		prev = e;
	}
	assert_int_equal(n, 10000);
	mmr_reader_close(r);
}

/*
 * Three CPUs, each in order, pushed interleaved and flushed in steps: the
 * trace is in timestamp order, equal timestamps by CPU, nothing counted late.
 */
static void test_merge_cpus(void **state)
{
	(void)state;
	struct mmr_meta meta = {.clock = "mono", .source = "test", .nr_cpus = 3};
	struct mmr_error err = {{0}};
	struct mmr_writer *w = mmr_writer_open(out_path, &meta, NULL, &err);
	assert_non_null(w);
	struct cap_merge *m = cap_merge_new(w);
	assert_non_null(m);
	uint64_t ts[3] = {0, 0, 0}, rng = 12345;
	for (uint64_t i = 0; i < 30000; i++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		uint32_t cpu = (uint32_t)(rng >> 40) % 3;
		ts[cpu] += (rng >> 20) % 4; /* steps of 0..3: many ties within and across CPUs */
		struct mmr_event e = {.ts_ns = ts[cpu], .cpu = cpu, .id = i, .node = -1};
		assert_int_equal(cap_merge_push(m, &e, &err), 0);
		if (i % 1000 == 999) {
			uint64_t lo = ts[0] < ts[1] ? ts[0] : ts[1];
			lo = lo < ts[2] ? lo : ts[2];
			assert_int_equal(cap_merge_flush(m, lo > 5 ? lo - 5 : 0, &err), 0);
		}
	}
	assert_int_equal(cap_merge_flush(m, UINT64_MAX, &err), 0);
	assert_int_equal(cap_merge_held(m), 0);
	assert_int_equal(cap_merge_out_of_order(m), 0);
	cap_merge_free(m);
	assert_int_equal(mmr_writer_close(w, &err), 0);
	struct mmr_reader *r = mmr_reader_open(out_path, &err);
	assert_non_null(r);
	struct mmr_event prev = {0}, e;
	uint64_t n = 0, last_id[3] = {0, 0, 0};
	bool seen[3] = {false, false, false};
	while (mmr_reader_next(r, &e, &err) == 1) {
		if (n++) {
			assert_true(e.ts_ns > prev.ts_ns || (e.ts_ns == prev.ts_ns && e.cpu >= prev.cpu));
		}
		/* Within a CPU, arrival order. */
		if (seen[e.cpu])
			assert_true(e.id > last_id[e.cpu]);
		seen[e.cpu] = true;
		last_id[e.cpu] = e.id;
		prev = e;
	}
	assert_int_equal(n, 30000);
	mmr_reader_close(r);
}

/* Families not asked for are not decoded; a tep with none of ours is an error. */
static void test_families_filter(void **state)
{
	(void)state;
	struct tep_handle *tep = make_tep(kmalloc_new);
	struct mmr_meta meta = {.clock = "mono", .source = "test", .nr_cpus = 1};
	struct mmr_error err = {{0}};
	struct cap_sink s;
	assert_int_equal(cap_sink_open(&s, out_path, &meta, tep, 1u << MMR_CAP_VMALLOC, &err), -1);
	assert_non_null(strstr(err.msg, "no allocator tracepoint"));
	assert_int_equal(cap_sink_open(&s, out_path, &meta, tep, 1u << MMR_CAP_PAGE, &err), 0);
	uint8_t a[64] = {0};
	common(a, 300, 1);
	record(&s, a, 52, 10, 0);
	assert_int_equal(s.events, 0);
	cap_sink_abort(&s);
	assert_int_equal(access(out_path, F_OK), -1);
	tep_free(tep);
}

static int setup(void **state)
{
	(void)state;
	snprintf(out_path, sizeof(out_path), "%s/test_sink.%d.mmr", P_tmpdir, (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(out_path);
	return 0;
}

/*
 * Lock waits decode into the lock family: address, flags, a negative ret
 * kept negative.  A static lock (a data symbol starting at its address) is
 * named in the trace; a heap lock and one inside a bigger variable are not.
 */
static void test_lock_events(void **state)
{
	(void)state;
	static const uint64_t heap = 0xffff888100002000ull, named = 0xffffffff82e08080ull;
	char ksyms_path[] = "/tmp/mmr-ksyms-XXXXXX";
	int fd = mkstemp(ksyms_path);
	assert_true(fd >= 0);
	static const char ksyms[] = "ffffffff81000000 T _text\nffffffff81001000 t some_function\n"
				    "ffffffff82e08080 d free_vmap_area_lock\nffffffff82e08100 b big_table\n";
	assert_int_equal(write(fd, ksyms, sizeof(ksyms) - 1), (ssize_t)sizeof(ksyms) - 1);
	close(fd);
	struct cap_ksyms *k = cap_ksyms_load(ksyms_path);
	unlink(ksyms_path);
	assert_non_null(k);
	assert_int_equal(cap_ksyms_data_count(k), 2);
	struct tep_handle *tep = make_tep(kmalloc_new);
	assert_int_equal(tep_parse_event(tep, lock_begin_fmt, strlen(lock_begin_fmt), "lock"), 0);
	assert_int_equal(tep_parse_event(tep, lock_end_fmt, strlen(lock_end_fmt), "lock"), 0);
	struct cap_sink s;
	open_sink(&s, tep);
	s.ksyms = k;
	uint8_t rec[24] = {0};
	const uint64_t addr[] = {named, heap, 0xffffffff82e08108ull};
	for (int i = 0; i < 3; i++) {
		common(rec, 408, 77);
		put(rec, 8, addr[i], 8);
		put(rec, 16, MMR_LCB_SPIN | MMR_LCB_MUTEX, 4);
		record(&s, rec, 20, 100 + 10 * (uint64_t)i, 0);
	}
	common(rec, 407, 77);
	put(rec, 8, heap, 8);
	put(rec, 16, (uint32_t)-4, 4); /* -EINTR: a killable wait given up */
	record(&s, rec, 20, 200, 1);
	struct mmr_event ev[8];
	assert_int_equal(close_and_read(&s, ev, 8), 4);
	assert_int_equal(ev[0].family, MMR_FAM_LOCK);
	assert_int_equal(ev[0].op, MMR_OP_CONTENTION_BEGIN);
	assert_int_equal(ev[0].id, named);
	assert_int_equal(ev[0].aux, MMR_LCB_SPIN | MMR_LCB_MUTEX);
	assert_int_equal(ev[0].pid, 77);
	assert_int_equal(ev[3].op, MMR_OP_CONTENTION_END);
	assert_int_equal(ev[3].id, heap);
	assert_int_equal((int64_t)ev[3].aux, -4);
	assert_int_equal(ev[3].cpu, 1);
	struct mmr_error err = {{0}};
	struct mmr_reader *r = mmr_reader_open(out_path, &err);
	assert_non_null(r);
	assert_string_equal(mmr_reader_symbol(r, named), "free_vmap_area_lock");
	assert_null(mmr_reader_symbol(r, heap));
	assert_null(mmr_reader_symbol(r, 0xffffffff82e08108ull)); /* 8 bytes into big_table */
	mmr_reader_close(r);
	cap_ksyms_free(k);
	tep_free(tep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kmalloc_new_layout),
		cmocka_unit_test(test_kmalloc_old_layout),
		cmocka_unit_test(test_order_and_bad_records),
		cmocka_unit_test(test_merge_ties),
		cmocka_unit_test(test_merge_cpus),
		cmocka_unit_test(test_families_filter),
		cmocka_unit_test(test_lock_events),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
