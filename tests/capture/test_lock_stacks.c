/* SPDX-License-Identifier: MIT */
/*
 * test_lock_stacks.c - naming the code that contended for a kernel lock:
 * the caller chosen from hand-built frame lists (lock_caller.c), and the
 * sink pairing a lock:contention_begin with the ftrace kernel_stack record
 * a stacktrace trigger writes after it on the same CPU, or with a perf
 * call chain, through a real trace read back.
 */
#include <limits.h>
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

/* ---- the caller of a frame list ----------------------------------------- */

static const struct {
	uint64_t addr;
	const char *name;
} names[] = {
	{0x100, "trace_event_raw_event_contention_begin"},
	{0x110, "__traceiter_contention_begin"},
	{0x120, "queued_spin_lock_slowpath"},
	{0x130, "_raw_spin_lock_irqsave"},
	{0x140, "__mutex_lock.constprop.0"},
	{0x150, "mutex_lock_killable"},
	{0x160, "rwsem_down_write_slowpath"},
	{0x170, "down_write"},
	{0x180, "perf_trace_contention_begin"},
	{0x190, "stacktrace_trigger"},
	{0x200, "rmqueue_bulk"},
	{0x210, "__rmqueue_pcplist"},
	{0x220, "anon_pipe_write"},
	{0x230, "mutex_unlock"},
	{0x240, "downgrade_write"},
	{0x250, "compact_lock_irqsave.isra.0"},
	{0x260, "isolate_freepages_block"},
};

static const char *name_of(void *ctx, uint64_t addr)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].addr == addr)
			return names[i].name;
	return NULL;
}

/* The caller cap_lock_caller picks from the frames given, innermost first (a compound literal: plain C17). */
#define CALLER(...)                                                                                   \
	cap_lock_caller((const uint64_t[]){__VA_ARGS__},                                               \
			sizeof((const uint64_t[]){__VA_ARGS__}) / sizeof(uint64_t), name_of, NULL)

static void test_caller_choice(void **state)
{
	(void)state;
	const uint64_t kernel = (uint64_t)-128; /* PERF_CONTEXT_KERNEL */
	/* A spinlock: tracing and the lock's slow path passed over. */
	assert_int_equal(CALLER(0x100, 0x120, 0x130, 0x200, 0x210), 0x200);
	/* A mutex (a suffixed name), with the trigger's own frames first. */
	assert_int_equal(CALLER(0x190, 0x100, 0x140, 0x150, 0x220), 0x220);
	/* An rwsem. */
	assert_int_equal(CALLER(0x100, 0x160, 0x170, 0x220), 0x220);
	/* perf: markers passed over, its tracepoint frame too. */
	assert_int_equal(CALLER(kernel, 0x180, 0x110, 0x130, 0x210), 0x210);
	/* Names that only begin like a lock function's are callers. */
	assert_int_equal(CALLER(0x100, 0x230), 0x230);
	assert_int_equal(CALLER(0x100, 0x240), 0x240);
	/* compaction's lock helper gives way to the function whose lock it takes. */
	assert_int_equal(CALLER(0x100, 0x120, 0x250, 0x260), 0x260);
	/* Nothing but lock code, an empty stack, user frames, an unnamed frame: no caller. */
	assert_int_equal(CALLER(0x100, 0x120, 0x130), 0);
	assert_int_equal(cap_lock_caller(NULL, 0, name_of, NULL), 0);
	assert_int_equal(CALLER(kernel, 0x100, 0x130, CAP_PERF_CONTEXT_USER, 0x220), 0);
	assert_int_equal(CALLER(0x100, 0x999, 0x200), 0);
	/* An old kernel's ULONG_MAX end marker and zeros are not frames. */
	assert_int_equal(CALLER(0x100, 0, 0x130, 0x200, (uint64_t)-1), 0x200);
}

static void test_skip_names(void **state)
{
	(void)state;
	assert_true(cap_lock_frame_skipped("native_queued_spin_lock_slowpath"));
	assert_true(cap_lock_frame_skipped("_raw_spin_lock"));
	assert_true(cap_lock_frame_skipped("_raw_read_lock_irqsave+0x3e"));
	assert_true(cap_lock_frame_skipped("down_read_killable"));
	assert_true(cap_lock_frame_skipped("down"));
	assert_true(cap_lock_frame_skipped("percpu_down_write"));
	assert_false(cap_lock_frame_skipped("downgrade_write"));
	assert_false(cap_lock_frame_skipped("rmqueue_bulk"));
	assert_false(cap_lock_frame_skipped("down_the_hall")); /* prefixes end at a word: down_ is one */
	assert_int_equal(cap_func_len("get_partial_node.isra.0"), strlen("get_partial_node"));
	assert_int_equal(cap_func_len("anon_pipe_write+0x53"), strlen("anon_pipe_write"));
}

/* ---- the sink: begins and their stacks ------------------------------------ */

#define COMMON                                                                              \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"                 \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"                 \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"         \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"

static const char begin_fmt[] =
	"name: contention_begin\nID: 408\nformat:\n" COMMON
	"\tfield:void * lock_addr;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned int flags;\toffset:16;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"%p (flags=%x)\", REC->lock_addr, REC->flags\n";

static const char end_fmt[] =
	"name: contention_end\nID: 407\nformat:\n" COMMON
	"\tfield:void * lock_addr;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:int ret;\toffset:16;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"%p (ret=%d)\", REC->lock_addr, REC->ret\n";

/* ftrace's kernel_stack as 6.18 prints it (print fmt shortened): the array is as long as size says. */
static const char stack_fmt[] =
	"name: kernel_stack\nID: 4\nformat:\n" COMMON
	"\tfield:int size;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:unsigned long caller[8];\toffset:16;\tsize:64;\tsigned:0;\n\n"
	"print fmt: \"\\t=> %ps\\n\", (void *)REC->caller[0]\n";

#define F_TRACE 0xffffffff81100000ull
#define F_MUTEX 0xffffffff81200000ull
#define F_PIPE 0xffffffff81300000ull
#define F_VFS 0xffffffff81400000ull
#define LOCK 0xffff888100004000ull

static const char ksyms_text[] = "ffffffff81000000 T _text\n"
				  "ffffffff81100000 t trace_event_raw_event_contention_begin\n"
				  "ffffffff81200000 t __mutex_lock.constprop.0\n"
				  "ffffffff81300000 t anon_pipe_write\n"
				  "ffffffff81400000 T vfs_write\n"
				  "ffffffff81500000 T _etext\n";

struct fixture {
	char out[256];
	struct tep_handle *tep;
	struct cap_ksyms *k;
	struct cap_sink s;
};

static void put(uint8_t *rec, size_t off, uint64_t v, size_t size)
{
	for (size_t i = 0; i < size; i++)
		rec[off + i] = (uint8_t)(v >> (8 * i));
}

static void open_fixture(struct fixture *fx, bool with_stack_format)
{
	snprintf(fx->out, sizeof(fx->out), "%s/test_lock_stacks.%d.mmr", P_tmpdir, (int)getpid());
	char kpath[] = "/tmp/mmr-ksyms-XXXXXX";
	int fd = mkstemp(kpath);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, ksyms_text, sizeof(ksyms_text) - 1), (ssize_t)sizeof(ksyms_text) - 1);
	close(fd);
	fx->k = cap_ksyms_load(kpath);
	unlink(kpath);
	assert_non_null(fx->k);
	fx->tep = tep_alloc();
	tep_set_long_size(fx->tep, 8);
	tep_set_page_size(fx->tep, 4096);
	tep_set_file_bigendian(fx->tep, TEP_LITTLE_ENDIAN);
	assert_int_equal(tep_parse_event(fx->tep, begin_fmt, strlen(begin_fmt), "lock"), 0);
	assert_int_equal(tep_parse_event(fx->tep, end_fmt, strlen(end_fmt), "lock"), 0);
	if (with_stack_format)
		assert_int_equal(tep_parse_event(fx->tep, stack_fmt, strlen(stack_fmt), "ftrace"), 0);
	assert_int_equal(cap_ksyms_attach(fx->k, fx->tep), 0);
	struct mmr_meta meta = {.kernel_release = "test", .clock = "mono", .source = "test", .nr_cpus = 2};
	struct mmr_error err = {{0}};
	if (cap_sink_open(&fx->s, fx->out, &meta, fx->tep, MMR_CAP_ALL, &err))
		fail_msg("%s", err.msg);
}

static void feed(struct fixture *fx, const uint8_t *rec, size_t size, uint64_t ts, uint32_t cpu)
{
	struct mmr_error err = {{0}};
	if (cap_sink_record(&fx->s, rec, size, ts, cpu, &err))
		fail_msg("%s", err.msg);
}

static void begin(struct fixture *fx, uint64_t ts, uint32_t cpu, int32_t pid)
{
	uint8_t rec[24] = {0};
	put(rec, 0, 408, 2);
	put(rec, 4, (uint32_t)pid, 4);
	put(rec, 8, LOCK, 8);
	put(rec, 16, MMR_LCB_SPIN | MMR_LCB_MUTEX, 4);
	feed(fx, rec, 20, ts, cpu);
}

static void end(struct fixture *fx, uint64_t ts, uint32_t cpu, int32_t pid)
{
	uint8_t rec[24] = {0};
	put(rec, 0, 407, 2);
	put(rec, 4, (uint32_t)pid, 4);
	put(rec, 8, LOCK, 8);
	feed(fx, rec, 20, ts, cpu);
}

/* A kernel_stack record of N frames, whose size field says SAID. */
static void stack(struct fixture *fx, uint64_t ts, uint32_t cpu, int32_t pid, const uint64_t *frames, size_t n,
		  uint32_t said)
{
	uint8_t rec[16 + 8 * 8] = {0};
	put(rec, 0, 4, 2);
	put(rec, 4, (uint32_t)pid, 4);
	put(rec, 8, said, 4);
	for (size_t i = 0; i < n; i++)
		put(rec, 16 + 8 * i, frames[i], 8);
	feed(fx, rec, 16 + 8 * n, ts, cpu);
}

/* Close the sink, read its events into EV (at most MAX), free the fixture.  Returns the count. */
static size_t finish(struct fixture *fx, struct mmr_event *ev, size_t max)
{
	struct mmr_error err = {{0}};
	if (cap_sink_close(&fx->s, NULL, 0, &err))
		fail_msg("%s", err.msg);
	struct mmr_reader *r = mmr_reader_open(fx->out, &err);
	if (!r)
		fail_msg("%s", err.msg);
	size_t n = 0;
	while (n < max && mmr_reader_next(r, &ev[n], &err) == 1)
		n++;
	if (n && ev[0].call_site)
		assert_string_equal(mmr_reader_symbol(r, ev[0].call_site), "anon_pipe_write+0x53");
	mmr_reader_close(r);
	unlink(fx->out);
	tep_free(fx->tep);
	cap_ksyms_free(fx->k);
	return n;
}

static void test_sink_stacks(void **state)
{
	(void)state;
	struct fixture fx;
	open_fixture(&fx, true);
	assert_true(fx.s.stack_id == 4);
	const uint64_t frames[] = {F_TRACE + 0x10, F_MUTEX + 0x20, F_PIPE + 0x53, F_VFS + 0x8};
	/* 1: the begin and its stack, on CPU 0. */
	begin(&fx, 100, 0, 5);
	stack(&fx, 101, 0, 5, frames, 4, 4);
	end(&fx, 150, 0, 5);
	/* 2: a begin on CPU 1 followed by its end: no stack came (the trigger's count ran out). */
	begin(&fx, 200, 1, 6);
	end(&fx, 210, 1, 6);
	/* 3: a stack of another task does not belong to the begin before it. */
	begin(&fx, 300, 0, 7);
	stack(&fx, 301, 0, 8, frames, 4, 4);
	/* 4: a size field past the record's bytes reads only the frames there. */
	begin(&fx, 400, 1, 9);
	stack(&fx, 401, 1, 9, frames, 3, 1000);
	/* 5: a begin last on its CPU is written at the close, without a stack. */
	begin(&fx, 500, 0, 10);
	assert_int_equal(fx.s.stacks, 3);
	assert_int_equal(fx.s.stacked, 2);
	assert_int_equal(fx.s.callers, 2);
	/* Both named the one lock: it is listed once, for the trigger's filter to leave out. */
	assert_int_equal(fx.s.nnamed_locks, 1);
	assert_int_equal(fx.s.named_locks[0], LOCK);
	struct mmr_event ev[16];
	assert_int_equal(finish(&fx, ev, 16), 7);
	assert_int_equal(ev[0].ts_ns, 100);
	assert_int_equal(ev[0].call_site, F_PIPE + 0x53);
	assert_true(ev[0].flags & MMR_EF_STACKED);
	assert_int_equal(ev[2].ts_ns, 200);
	assert_int_equal(ev[2].call_site, 0);
	assert_false(ev[2].flags & MMR_EF_STACKED);
	assert_int_equal(ev[4].ts_ns, 300);
	assert_false(ev[4].flags & MMR_EF_STACKED);
	assert_int_equal(ev[5].ts_ns, 400);
	assert_int_equal(ev[5].call_site, F_PIPE + 0x53);
	assert_true(ev[5].flags & MMR_EF_STACKED);
	assert_int_equal(ev[6].ts_ns, 500);
	assert_false(ev[6].flags & MMR_EF_STACKED);
}

/*
 * The trigger put back after locks are named: their addresses left out by
 * its filter, the count it had left read from the kernel's listing.
 */
static void test_trigger_text(void **state)
{
	(void)state;
	char buf[256];
	assert_int_equal(cap_lock_trigger_text(buf, sizeof(buf), 1000, NULL, 0), 0);
	assert_string_equal(buf, "stacktrace:1000");
	const uint64_t skip[] = {0xffffffff82f15340ull, 0xffff88810070dd88ull};
	assert_int_equal(cap_lock_trigger_text(buf, sizeof(buf), 37, skip, 2), 0);
	assert_string_equal(buf, "stacktrace:37 if lock_addr != 0xffffffff82f15340 && lock_addr != 0xffff88810070dd88");
	/* What does not fit is refused, not cut. */
	assert_int_equal(cap_lock_trigger_text(buf, 40, 37, skip, 2), -1);
	assert_int_equal(cap_lock_trigger_left("stacktrace:count=17 if lock_addr != 0x1\n"), 17);
	assert_int_equal(cap_lock_trigger_left("stacktrace:count=0\n"), 0);
	assert_int_equal(cap_lock_trigger_left("stacktrace:unlimited\n"), UINT_MAX);
	assert_int_equal(cap_lock_trigger_left("# Available triggers:\n"), UINT_MAX);
	assert_int_equal(cap_lock_trigger_left("stacktrace:count=x"), UINT_MAX);
	assert_int_equal(cap_lock_trigger_left(NULL), UINT_MAX);
}

/* A perf sample's call chain names the caller at once; without a kernel_stack format nothing is held. */
static void test_sink_chain(void **state)
{
	(void)state;
	struct fixture fx;
	open_fixture(&fx, false);
	assert_true(fx.s.stack_id < 0);
	uint8_t rec[24] = {0};
	put(rec, 0, 408, 2);
	put(rec, 4, 5, 4);
	put(rec, 8, LOCK, 8);
	put(rec, 16, MMR_LCB_MUTEX, 4);
	const uint64_t chain[] = {(uint64_t)-128, F_TRACE + 0x10, F_MUTEX + 0x20, F_PIPE + 0x53};
	struct mmr_error err = {{0}};
	assert_int_equal(cap_sink_record_chain(&fx.s, rec, 20, 100, 0, chain, 4, &err), 0);
	/* A chain of lock code only: stacked, but no caller. */
	assert_int_equal(cap_sink_record_chain(&fx.s, rec, 20, 200, 0, chain, 3, &err), 0);
	begin(&fx, 300, 0, 5);
	assert_int_equal(fx.s.stacked, 2);
	assert_int_equal(fx.s.callers, 1);
	struct mmr_event ev[4];
	assert_int_equal(finish(&fx, ev, 4), 3);
	assert_int_equal(ev[0].call_site, F_PIPE + 0x53);
	assert_true(ev[0].flags & MMR_EF_STACKED);
	assert_int_equal(ev[1].call_site, 0);
	assert_true(ev[1].flags & MMR_EF_STACKED);
	assert_false(ev[2].flags & MMR_EF_STACKED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caller_choice),
		cmocka_unit_test(test_skip_names),
		cmocka_unit_test(test_sink_stacks),
		cmocka_unit_test(test_sink_chain),
		cmocka_unit_test(test_trigger_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
