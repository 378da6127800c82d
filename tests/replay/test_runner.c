/* SPDX-License-Identifier: MIT */
/*
 * test_runner.c - the replay runner with engines defined right here: calls
 * on one object keep the trace's order across threads (an engine that
 * checks it), with more threads than CPUs too; a call's time is measured;
 * the watchdog ends a replay whose engine never returns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "run_internal.h"

static char path[256];

/* ---- an engine that checks the order of calls on each object ----------- */

struct checker {
	atomic_uchar *state; /* per slot: 0 never allocated, 1 live, 2 freed */
	atomic_ulong allocs, frees, bad;
	uint64_t alloc_busy_ns;
	uint32_t nslots;
};

static struct checker *the_checker;

static void *chk_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	struct checker *c = the_checker;
	(void)err;
	c->state = calloc(env->slots, sizeof(*c->state));
	c->nslots = env->slots;
	return c->state ? c : NULL;
}

static void chk_destroy(void *e)
{
	struct checker *c = e;
	free(c->state);
	c->state = NULL;
}

static void busy(uint64_t ns)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((uint64_t)(t.tv_sec - t0.tv_sec) * 1000000000ull + (uint64_t)(t.tv_nsec - t0.tv_nsec) < ns);
}

static int chk_alloc(void *thread, struct mmr_call *c)
{
	struct checker *k = thread;
	unsigned char expect = 0;
	if (!atomic_compare_exchange_strong(&k->state[c->slot], &expect, 1))
		atomic_fetch_add(&k->bad, 1);
	if (k->alloc_busy_ns)
		busy(k->alloc_busy_ns);
	atomic_fetch_add(&k->allocs, 1);
	c->handle = (uint64_t)c->slot + 1;
	return 0;
}

static int chk_free(void *thread, struct mmr_call *c)
{
	struct checker *k = thread;
	unsigned char expect = 1;
	/* The free must come after its allocation, whatever thread made it. */
	if (c->handle != (uint64_t)c->slot + 1 || !atomic_compare_exchange_strong(&k->state[c->slot], &expect, 2))
		atomic_fetch_add(&k->bad, 1);
	atomic_fetch_add(&k->frees, 1);
	return 0;
}

static const struct mmr_engine_ops checker_ops = {
	.abi = MMR_ENGINE_ABI, .name = "checker", .families = 1u << MMR_FAM_SLAB,
	.create = chk_create, .destroy = chk_destroy,
	.op = {[MMR_OP_ALLOC] = chk_alloc, [MMR_OP_FREE] = chk_free},
};

/*
 * N objects, each allocated on one CPU and freed on another, allocations
 * and frees interleaved so that a free often comes soon after its
 * allocation in trace time.
 */
static void write_ping_pong(unsigned n, unsigned cpus)
{
	struct mmr_meta meta = {.clock = "mono", .source = "test_runner", .nr_cpus = cpus};
	struct mmr_error err = {{0}};
	struct mmr_writer *w = mmr_writer_open(path, &meta, NULL, &err);
	assert_non_null(w);
	uint64_t ts = 0;
	for (unsigned i = 0; i < n; i++) {
		struct mmr_event a = {.ts_ns = ts++, .cpu = i % cpus, .family = MMR_FAM_SLAB, .op = MMR_OP_ALLOC,
				      .id = 0x10000 + (uint64_t)(i % 512) * 64, .bytes_req = 32, .node = -1};
		assert_int_equal(mmr_writer_write(w, &a, &err), 0);
		if (i >= 3) {
			unsigned j = i - 3; /* free the object allocated three steps ago, on the next CPU */
			struct mmr_event f = {.ts_ns = ts++, .cpu = (j + 1) % cpus, .family = MMR_FAM_SLAB,
					      .op = MMR_OP_FREE, .id = 0x10000 + (uint64_t)(j % 512) * 64, .node = -1};
			assert_int_equal(mmr_writer_write(w, &f, &err), 0);
		}
	}
	assert_int_equal(mmr_writer_close(w, &err), 0);
}

static struct mmr_replay_result *run(const struct mmr_engine_ops *e, unsigned threads, bool timing)
{
	struct mmr_replay_opts o = {.trace = path, .engine = e, .threads = threads, .as_family = -1,
				    .timing = timing, .pace_factor = 1.0, .watchdog_s = 60};
	struct mmr_error err = {{0}};
	struct mmr_replay_result *r = mmr_replay_run(&o, &err);
	if (!r)
		fail_msg("%s", err.msg);
	return r;
}

static void check_order(unsigned threads)
{
	struct checker c = {0};
	the_checker = &c;
	write_ping_pong(20000, 4);
	struct mmr_replay_result *r = run(&checker_ops, threads, threads % 2 == 0);
	assert_int_equal(atomic_load(&c.bad), 0);
	assert_int_equal(atomic_load(&c.allocs), 20000);
	/* 19,997 frees in the trace, 3 objects left live and freed by the runner after the replay. */
	assert_int_equal(atomic_load(&c.frees), 20000);
	assert_int_equal(r->ops[MMR_OP_FREE].count, 19997);
	assert_int_equal(r->threads, threads);
	assert_int_equal(r->replayed, 39997);
	mmr_replay_result_free(r);
}

static void test_order_two_threads(void **state)
{
	(void)state;
	check_order(2);
}

/* More threads than this machine's CPUs: waits must yield, not starve the thread waited for. */
static void test_order_oversubscribed(void **state)
{
	(void)state;
	check_order(8);
}

static void test_order_one_thread(void **state)
{
	(void)state;
	check_order(1);
}

/* A call that busy-waits 200 us measures at least that (lower bound only: machines are shared). */
static void test_latency_measured(void **state)
{
	(void)state;
	struct checker c = {.alloc_busy_ns = 200000};
	the_checker = &c;
	write_ping_pong(50, 2);
	struct mmr_replay_result *r = run(&checker_ops, 2, true);
	double p50 = rp_latency_ns(r, &r->ops[MMR_OP_ALLOC].lat, 50);
	assert_true(p50 >= 200000 * 0.99);
	assert_true(rp_latency_ns(r, &r->ops[MMR_OP_FREE].lat, 50) < p50);
	assert_int_equal(r->ops[MMR_OP_ALLOC].lat.count, 50);
	mmr_replay_result_free(r);
}

/* ---- an engine that refuses what it cannot do ----------------------------- */

/* Refuses every allocation of an even slot and every third free it gets. */
static int refusing_alloc(void *thread, struct mmr_call *c)
{
	return c->slot % 2 ? chk_alloc(thread, c) : MMR_CALL_REFUSED;
}

static int refusing_free(void *thread, struct mmr_call *c)
{
	static atomic_uint n;
	return atomic_fetch_add(&n, 1) % 3 == 0 ? MMR_CALL_REFUSED : chk_free(thread, c);
}

static const struct mmr_engine_ops refusing_ops = {
	.abi = MMR_ENGINE_ABI, .name = "refusing", .families = 1u << MMR_FAM_SLAB,
	.create = chk_create, .destroy = chk_destroy,
	.op = {[MMR_OP_ALLOC] = refusing_alloc, [MMR_OP_FREE] = refusing_free},
};

/*
 * A refused call is counted apart from failures and kept out of the
 * latencies; the object of a refused allocation gets no further calls.
 */
static void test_refused_counted(void **state)
{
	(void)state;
	struct checker c = {0};
	the_checker = &c;
	write_ping_pong(1000, 2); /* 1,000 objects in 1,000 slots, 997 freed in the trace */
	struct mmr_replay_result *r = run(&refusing_ops, 2, true);
	const struct rp_ophist *a = &r->ops[MMR_OP_ALLOC], *f = &r->ops[MMR_OP_FREE];
	assert_int_equal(a->count, 1000);
	assert_int_equal(a->refused, 500);
	assert_int_equal(a->failed, 0);
	assert_int_equal(a->lat.count, 500);
	/* The trace frees objects 0..996: those of the 499 even (refused) ones are orphaned. */
	assert_int_equal(f->orphaned, 499);
	assert_int_equal(f->count, 498);
	assert_int_equal(f->refused, 166); /* every third of the 498 calls */
	assert_int_equal(f->lat.count, 498 - 166);
	assert_int_equal(f->failed, 0);
	assert_int_equal(atomic_load(&c.bad), 0);
	mmr_replay_result_free(r);
}

/* ---- objects whose end failed or was refused are freed after the replay ------ */

/* A realloc that fails for even slots and otherwise moves the object (handle: slot + 1). */
static int failing_realloc(void *thread, struct mmr_call *c)
{
	struct checker *k = thread;
	if (c->slot % 2 == 0)
		return MMR_CALL_FAILED;
	unsigned char live = 1;
	if (!c->aux_handle || !atomic_compare_exchange_strong(&k->state[c->aux_handle - 1], &live, 2))
		atomic_fetch_add(&k->bad, 1);
	atomic_fetch_add(&k->frees, 1);
	return chk_alloc(thread, c);
}

/* Refuses the first free of each realloc's new object (slots 8..15), and frees it at the second. */
static int refuse_once_free(void *thread, struct mmr_call *c)
{
	static atomic_uchar asked[64];
	if (c->slot >= 8 && atomic_fetch_add(&asked[c->slot % 64], 1) == 0)
		return MMR_CALL_REFUSED;
	return chk_free(thread, c);
}

static const struct mmr_engine_ops keeping_ops = {
	.abi = MMR_ENGINE_ABI, .name = "keeping", .families = 1u << MMR_FAM_SLAB,
	.create = chk_create, .destroy = chk_destroy,
	.op = {[MMR_OP_ALLOC] = chk_alloc, [MMR_OP_FREE] = refuse_once_free, [MMR_OP_REALLOC] = failing_realloc},
};

static void chk_destroy_all_freed(void *e)
{
	struct checker *c = e;
	for (uint32_t i = 0; i < c->nslots; i++)
		if (atomic_load(&c->state[i]) == 1)
			atomic_fetch_add(&c->bad, 1); /* still allocated: nobody will free it now */
	chk_destroy(e);
}

/*
 * Eight objects on two CPUs, each reallocated once (slots 0..7 the
 * originals, 8..15 the reallocs: the even ones fail) and the new object
 * freed (its first free refused).  The trace ends each original at its realloc and never names it
 * again, so one whose realloc failed, and every object whose free was
 * refused, is freed by the runner after the replay; none twice.
 */
static void test_kept_freed(void **state)
{
	(void)state;
	struct mmr_meta meta = {.clock = "mono", .source = "test_runner", .nr_cpus = 2};
	struct mmr_error err = {{0}};
	struct mmr_writer *w = mmr_writer_open(path, &meta, NULL, &err);
	assert_non_null(w);
	uint64_t ts = 0;
	for (unsigned i = 0; i < 8; i++) {
		struct mmr_event a = {.ts_ns = ts++, .cpu = i % 2, .family = MMR_FAM_SLAB, .op = MMR_OP_ALLOC,
				      .id = 0x1000 + i, .bytes_req = 32, .node = -1};
		assert_int_equal(mmr_writer_write(w, &a, &err), 0);
	}
	for (unsigned i = 0; i < 8; i++) {
		struct mmr_event r = {.ts_ns = ts++, .cpu = (i + 1) % 2, .family = MMR_FAM_SLAB, .op = MMR_OP_REALLOC,
				      .id = 0x2000 + i, .aux = 0x1000 + i, .bytes_req = 64, .node = -1};
		assert_int_equal(mmr_writer_write(w, &r, &err), 0);
	}
	for (unsigned i = 0; i < 8; i++) {
		struct mmr_event f = {.ts_ns = ts++, .cpu = i % 2, .family = MMR_FAM_SLAB, .op = MMR_OP_FREE,
				      .id = 0x2000 + i, .node = -1};
		assert_int_equal(mmr_writer_write(w, &f, &err), 0);
	}
	assert_int_equal(mmr_writer_close(w, &err), 0);
	struct checker c = {0};
	the_checker = &c;
	struct mmr_engine_ops ops = keeping_ops;
	ops.destroy = chk_destroy_all_freed;
	struct mmr_replay_result *r = run(&ops, 2, false);
	assert_int_equal(r->ops[MMR_OP_REALLOC].failed, 4);
	assert_int_equal(r->ops[MMR_OP_FREE].orphaned, 4); /* the new objects of the failed reallocs */
	assert_int_equal(r->ops[MMR_OP_FREE].refused, 4);
	assert_int_equal(atomic_load(&c.bad), 0);
	/* 8 originals and 4 new objects; 4 originals moved by a realloc, the other 8 freed after the replay. */
	assert_int_equal(atomic_load(&c.allocs), 8 + 4);
	assert_int_equal(atomic_load(&c.frees), 4 + 8);
	mmr_replay_result_free(r);
}

/* ---- an engine that never returns from a free ----------------------------- */

static int stuck_free(void *thread, struct mmr_call *c)
{
	(void)thread;
	(void)c;
	for (;;)
		pause();
	return 0;
}

static const struct mmr_engine_ops stuck_ops = {
	.abi = MMR_ENGINE_ABI, .name = "stuck", .families = 1u << MMR_FAM_SLAB,
	.create = chk_create, .destroy = chk_destroy,
	.op = {[MMR_OP_ALLOC] = chk_alloc, [MMR_OP_FREE] = stuck_free},
};

static void test_watchdog_fires(void **state)
{
	(void)state;
	struct checker c = {0};
	the_checker = &c;
	write_ping_pong(100, 2);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The report goes to stderr; the exit status is what the test reads. */
		struct mmr_replay_opts o = {.trace = path, .engine = &stuck_ops, .threads = 2, .as_family = -1,
					    .timing = true, .pace_factor = 1.0, .watchdog_s = 0.5};
		struct mmr_error err;
		mmr_replay_run(&o, &err);
		_exit(0); /* not reached: the watchdog exits 3 */
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 3);
}

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "%s/test_runner.%d.mmr", P_tmpdir, (int)getpid());
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
		cmocka_unit_test(test_order_one_thread),
		cmocka_unit_test(test_order_two_threads),
		cmocka_unit_test(test_order_oversubscribed),
		cmocka_unit_test(test_latency_measured),
		cmocka_unit_test(test_refused_counted),
		cmocka_unit_test(test_kept_freed),
		cmocka_unit_test(test_watchdog_fires),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
