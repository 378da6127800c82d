/* SPDX-License-Identifier: MIT */
/*
 * test_timeline.c - the replay's timeline and per-run figures against what
 * the trace makes certain: live memory at the end exactly (failed
 * allocations not counted, a realloc moving an object's size), the peak
 * between what sampling must catch and the true peak, throughput summing
 * to the ops replayed, the thinning of a thread's samples, and each run's
 * percentiles in order.  Nothing here depends on how fast the machine is.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "run_internal.h"

static char path[256];
static int engine_ctx;

static void *t_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	(void)env;
	(void)err;
	return &engine_ctx;
}

static void t_destroy(void *e)
{
	(void)e;
}

/* Every fifth allocation (by slot) fails, as an engine out of memory would. */
static int t_alloc(void *thread, struct mmr_call *c)
{
	(void)thread;
	if (c->slot % 5 == 0)
		return -1;
	c->handle = (uint64_t)c->slot + 1;
	return 0;
}

static int t_realloc(void *thread, struct mmr_call *c)
{
	(void)thread;
	c->handle = (uint64_t)c->slot + 1;
	return 0;
}

static int t_free(void *thread, struct mmr_call *c)
{
	(void)thread;
	(void)c;
	return 0;
}

static const struct mmr_engine_ops t_ops = {
	.abi = MMR_ENGINE_ABI, .name = "tl", .families = 1u << MMR_FAM_SLAB,
	.create = t_create, .destroy = t_destroy,
	.op = {[MMR_OP_ALLOC] = t_alloc, [MMR_OP_FREE] = t_free, [MMR_OP_REALLOC] = t_realloc},
};

static struct mmr_writer *open_trace(unsigned cpus)
{
	struct mmr_meta meta = {.clock = "mono", .source = "test_timeline", .nr_cpus = cpus};
	struct mmr_error err = {{0}};
	struct mmr_writer *w = mmr_writer_open(path, &meta, NULL, &err);
	assert_non_null(w);
	return w;
}

static void put(struct mmr_writer *w, struct mmr_event e)
{
	struct mmr_error err = {{0}};
	e.node = -1;
	e.family = MMR_FAM_SLAB;
	assert_int_equal(mmr_writer_write(w, &e, &err), 0);
}

static void close_trace(struct mmr_writer *w)
{
	struct mmr_error err = {{0}};
	assert_int_equal(mmr_writer_close(w, &err), 0);
}

static struct mmr_replay_result *run(unsigned threads, bool timing, unsigned repeat)
{
	struct mmr_replay_opts o = {.trace = path, .engine = &t_ops, .threads = threads, .as_family = -1,
				    .timing = timing, .pace_factor = 1.0, .watchdog_s = 60, .repeat = repeat};
	struct mmr_error err = {{0}};
	struct mmr_replay_result *r = mmr_replay_run(&o, &err);
	if (!r)
		fail_msg("%s", err.msg);
	return r;
}

#define NALLOC 3000
#define NFREE 1000
#define BIG 5000

static uint64_t size_of(unsigned i)
{
	return 16 * (i % 8 + 1);
}

/*
 * One CPU: NALLOC allocations (slot i has size_of(i); every fifth fails in
 * the engine), then the first NFREE freed, then the last one reallocated
 * to BIG bytes.  The peak is when all allocations are done.
 */
static void test_live_one_thread(void **state)
{
	(void)state;
	struct mmr_writer *w = open_trace(1);
	uint64_t ts = 0, peak = 0, end = 0, end_objs = 0;
	for (unsigned i = 0; i < NALLOC; i++) {
		put(w, (struct mmr_event){.ts_ns = ts++, .op = MMR_OP_ALLOC, .id = 0x1000 + i * 64ull,
					  .bytes_req = size_of(i)});
		peak += i % 5 ? size_of(i) : 0;
	}
	for (unsigned i = 0; i < NFREE; i++)
		put(w, (struct mmr_event){.ts_ns = ts++, .op = MMR_OP_FREE, .id = 0x1000 + i * 64ull});
	unsigned last = NALLOC - 1; /* 2999: its allocation succeeds */
	put(w, (struct mmr_event){.ts_ns = ts++, .op = MMR_OP_REALLOC, .id = 0x900000, .aux = 0x1000 + last * 64ull,
				  .bytes_req = BIG});
	close_trace(w);
	for (unsigned i = NFREE; i < NALLOC; i++)
		if (i % 5 && i != last) {
			end += size_of(i);
			end_objs++;
		}
	end += BIG;
	end_objs++;

	/* Without timing the timeline is still sampled. */
	struct mmr_replay_result *r = run(1, false, 1);
	const struct rp_timeline *t = &r->timeline;
	assert_int_equal(t->end_bytes, end);
	assert_int_equal(t->end_objects, end_objs);
	assert_int_equal(t->nbins, RP_TL_BINS);
	assert_int_equal(t->bins[t->nbins - 1].live_bytes, end);
	assert_int_equal(t->bins[t->nbins - 1].live_objects, end_objs);
	/* One thread samples at fixed op counts: one interval's worth below the peak at worst. */
	assert_true(t->peak_bytes <= peak);
	assert_true(t->peak_bytes + RP_TL_EVERY * size_of(7) >= peak);
	assert_true(t->peak_objects <= NALLOC - NALLOC / 5);
	assert_true(t->peak_objects + RP_TL_EVERY >= NALLOC - NALLOC / 5);
	assert_int_equal(r->ops[MMR_OP_ALLOC].failed, NALLOC / 5);
	mmr_replay_result_free(r);
}

/*
 * Two CPUs, each object freed on the other one: the threads' own sums go
 * negative, their total does not.  3 of N objects are left live.
 */
static void test_live_two_threads(void **state)
{
	(void)state;
	const unsigned n = 4000;
	struct mmr_writer *w = open_trace(2);
	uint64_t ts = 0;
	for (unsigned i = 0; i < n; i++) {
		/* Ids are distinct, so object i has slot i (and fails when i % 5 == 0). */
		put(w, (struct mmr_event){.ts_ns = ts++, .cpu = i % 2, .op = MMR_OP_ALLOC, .id = 0x10000 + i * 64ull,
					  .bytes_req = 32});
		if (i >= 3)
			put(w, (struct mmr_event){.ts_ns = ts++, .cpu = (i - 2) % 2, .op = MMR_OP_FREE,
						  .id = 0x10000 + (i - 3) * 64ull});
	}
	close_trace(w);
	/* Left live: slots n-3..n-1 that did not fail. */
	uint64_t live = 0;
	for (unsigned i = n - 3; i < n; i++)
		live += i % 5 != 0;
	struct mmr_replay_result *r = run(2, true, 1);
	const struct rp_timeline *t = &r->timeline;
	assert_int_equal(t->end_objects, live);
	assert_int_equal(t->end_bytes, live * 32);
	assert_true(t->peak_objects >= live && t->peak_objects <= n);
	assert_true(t->peak_bytes >= t->end_bytes && t->peak_bytes <= 32ull * n);
	/* The bins' rates over their widths add up to the calls made, and time moves forward. */
	double ops = 0, width = t->bins[0].time_s;
	for (size_t b = 0; b < t->nbins; b++) {
		ops += t->bins[b].ops_per_s * width;
		assert_true(b == 0 || t->bins[b].time_s > t->bins[b - 1].time_s);
		assert_true(t->bins[b].live_objects <= n);
	}
	assert_true(fabs(ops - (double)r->replayed) <= 1e-6 * (double)r->replayed + 1);
	assert_true(fabs(t->bins[t->nbins - 1].time_s - (double)r->runs[0].wall_ns / 1e9) < 1e-6);
	mmr_replay_result_free(r);
}

/* A thread's samples, thinned as they fill: bounded, ordered, on the interval's multiples. */
/*
 * Live totals past 2^63 on one thread: a thread that allocated 2^23
 * objects of 1 TiB (the largest valid size) while another freed a quarter
 * of them.  The threads' counters wrap, never overflow, and the totals
 * come out exact.
 */
static void test_live_totals_wrap(void **state)
{
	(void)state;
	uint64_t tib = 1ull << 40, n = 1ull << 23;
	struct rp_sample s0[2] = {{100, 1, n / 2 * tib, n / 2}, {200, 2, n * tib + tib, n + 1}};
	struct rp_sample s1[1] = {{150, 1, 0 - n / 4 * tib, 0 - n / 4}};
	struct rp_plan plan = {.nthreads = 2};
	struct rp_thread th[2] = {{.tl = {.s = s0, .n = 2, .cap = 2}}, {.tl = {.s = s1, .n = 1, .cap = 1}}};
	struct rp_run run = {.plan = &plan, .threads = th, .start_ticks = 0};
	struct rp_timeline tl = {0};
	assert_int_equal(rp_timeline_build(&tl, &run, 200, 1.0), 0);
	assert_int_equal(tl.end_bytes, (n - n / 4 + 1) * tib);
	assert_int_equal(tl.end_objects, n - n / 4 + 1);
	assert_int_equal(tl.peak_bytes, (n - n / 4 + 1) * tib);
	free(tl.bins);
}

static void test_thinning(void **state)
{
	(void)state;
	struct rp_tl tl;
	/* So many threads that each gets the least room. */
	assert_int_equal(rp_tl_init(&tl, 100000000, RP_TL_TOTAL), 0);
	assert_int_equal(tl.cap, 64);
	uint64_t next = tl.every, ops;
	for (ops = 1; ops <= 64ull * RP_TL_EVERY * 5; ops++)
		if (ops == next)
			next = rp_tl_sample(&tl, ops, (struct rp_delta){(int64_t)ops, -(int64_t)ops});
	assert_true(tl.n < tl.cap);
	assert_int_equal(tl.every, 8 * RP_TL_EVERY);
	for (uint32_t j = 0; j < tl.n; j++) {
		assert_int_equal(tl.s[j].ops, (j + 1) * tl.every);
		assert_int_equal(tl.s[j].bytes, (int64_t)tl.s[j].ops);
		assert_int_equal(tl.s[j].objects, -(int64_t)tl.s[j].ops);
	}
	rp_tl_end(&tl, 1, ops - 1, (struct rp_delta){0, 0});
	assert_int_equal(tl.s[tl.n - 1].ops, ops - 1);
	rp_tl_free(&tl);
}

/* Each run's own percentiles, for significance tests between runs: in order, and the mean below the max. */
static void test_run_percentiles(void **state)
{
	(void)state;
	struct mmr_writer *w = open_trace(2);
	for (unsigned i = 0; i < 2000; i++) {
		put(w, (struct mmr_event){.ts_ns = 2 * i, .cpu = i % 2, .op = MMR_OP_ALLOC, .id = 0x10000 + i * 64ull,
					  .bytes_req = 64});
		put(w, (struct mmr_event){.ts_ns = 2 * i + 1, .cpu = i % 2, .op = MMR_OP_FREE, .id = 0x10000 + i * 64ull});
	}
	close_trace(w);
	struct mmr_replay_result *r = run(2, true, 2);
	assert_int_equal(r->nruns, 2);
	for (unsigned i = 0; i < r->nruns; i++) {
		const struct rp_runstat *rs = &r->runs[i];
		assert_int_equal(rs->count[MMR_OP_ALLOC], 2000);
		for (unsigned k = 0; k < MMR_OP_COUNT; k++) {
			if (!rs->count[k])
				continue;
			assert_true(rs->p50_ticks[k] <= rs->p90_ticks[k]);
			assert_true(rs->p90_ticks[k] <= rs->p99_ticks[k]);
			assert_true(rs->p99_ticks[k] <= rs->p999_ticks[k]);
			assert_true(rs->p999_ticks[k] <= rs->max_ticks[k]);
			assert_true(rs->mean_ticks[k] <= (double)rs->max_ticks[k]);
			assert_true(rs->max_ticks[k] > 0);
		}
	}
	/* Nothing left live: every object was freed (or its allocation failed). */
	assert_int_equal(r->timeline.end_objects, 0);
	assert_int_equal(r->timeline.end_bytes, 0);
	mmr_replay_result_free(r);
}

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "%s/test_timeline.%d.mmr", P_tmpdir, (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_one_thread),
		cmocka_unit_test(test_live_two_threads),
		cmocka_unit_test(test_live_totals_wrap),
		cmocka_unit_test(test_thinning),
		cmocka_unit_test(test_run_percentiles),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
