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

#define CHK_OBJECTS (1u << 16) /* objects a test makes at most */
#define CHK_MOVED (1ull << 32) /* handle bit: made by a realloc */

/*
 * Objects are told apart by handle, not slot: a slot is taken again once
 * the trace ended its object, and an object whose free was refused is
 * still the engine's while its slot holds another.
 */
struct checker {
	atomic_uchar *state; /* per handle: 0 never allocated, 1 live, 2 freed */
	atomic_ulong next, allocs, frees, bad;
	uint64_t alloc_busy_ns;
};

static struct checker *the_checker;

static void *chk_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	struct checker *c = the_checker;
	(void)err;
	(void)env;
	c->state = calloc(CHK_OBJECTS, sizeof(*c->state));
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
	uint64_t h = atomic_fetch_add(&k->next, 1) + 1;
	unsigned char expect = 0;
	if (h >= CHK_OBJECTS || !atomic_compare_exchange_strong(&k->state[h], &expect, 1))
		atomic_fetch_add(&k->bad, 1);
	if (k->alloc_busy_ns)
		busy(k->alloc_busy_ns);
	atomic_fetch_add(&k->allocs, 1);
	c->handle = h;
	return 0;
}

/* The free must come after its allocation, whatever thread made it: it then has the live object's handle. */
static int chk_free(void *thread, struct mmr_call *c)
{
	struct checker *k = thread;
	uint64_t h = c->handle & (CHK_MOVED - 1);
	unsigned char expect = 1;
	if (!h || h >= CHK_OBJECTS || !atomic_compare_exchange_strong(&k->state[h], &expect, 2))
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
				      .id = 0x10000 + (uint64_t)(i % 512) * 64, .bytes_req = 32 + i % 2, .node = -1};
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

/* Refuses every allocation of an even size (write_ping_pong's even objects) and every third free it gets. */
static int refusing_alloc(void *thread, struct mmr_call *c)
{
	return c->size % 2 ? chk_alloc(thread, c) : MMR_CALL_REFUSED;
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
	write_ping_pong(1000, 2); /* 1,000 objects, 997 freed in the trace */
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

/* A realloc that fails for an even size (64 + i) and otherwise moves the object (its handle marked CHK_MOVED). */
static int failing_realloc(void *thread, struct mmr_call *c)
{
	struct checker *k = thread;
	if (c->size % 2 == 0)
		return MMR_CALL_FAILED;
	uint64_t old = c->aux_handle & (CHK_MOVED - 1);
	unsigned char live = 1;
	if (!old || old >= CHK_OBJECTS || !atomic_compare_exchange_strong(&k->state[old], &live, 2))
		atomic_fetch_add(&k->bad, 1);
	atomic_fetch_add(&k->frees, 1);
	int rc = chk_alloc(thread, c);
	c->handle |= CHK_MOVED;
	return rc;
}

/* Refuses the first free of each realloc's new object, and frees it at the second. */
static int refuse_once_free(void *thread, struct mmr_call *c)
{
	static atomic_uchar asked[CHK_OBJECTS];
	uint64_t h = c->handle & (CHK_MOVED - 1);
	if ((c->handle & CHK_MOVED) && h < CHK_OBJECTS && atomic_fetch_add(&asked[h], 1) == 0)
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
	for (uint32_t i = 0; i < CHK_OBJECTS; i++)
		if (atomic_load(&c->state[i]) == 1)
			atomic_fetch_add(&c->bad, 1); /* still allocated: nobody will free it now */
	chk_destroy(e);
}

/*
 * Eight objects on two CPUs, each reallocated once (the even ones' reallocs
 * fail) and the new object freed (its first free refused).  The trace ends each original at its realloc and never names it
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
				      .id = 0x2000 + i, .aux = 0x1000 + i, .bytes_req = 64 + i, .node = -1};
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

/*
 * Run O in a child with the watchdog's report in a file; the child's exit
 * status is returned and the report read into BUF.
 */
static int watchdog_child(struct mmr_replay_opts *o, char *buf, size_t len)
{
	FILE *log = tmpfile();
	assert_non_null(log);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct mmr_error err;
		o->log = log;
		mmr_replay_run(o, &err);
		_exit(0); /* not reached: the watchdog exits 3 */
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	rewind(log);
	size_t n = fread(buf, 1, len - 1, log);
	buf[n] = '\0';
	fclose(log);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* Both threads end up stuck: thread 0 in its first free, thread 1 in its own or waiting on thread 0. */
static void test_watchdog_fires(void **state)
{
	(void)state;
	struct checker c = {0};
	the_checker = &c;
	write_ping_pong(100, 2);
	struct mmr_replay_opts o = {.trace = path, .engine = &stuck_ops, .threads = 2, .as_family = -1,
				    .timing = true, .pace_factor = 1.0, .watchdog_s = 0.5};
	char report[8192];
	assert_int_equal(watchdog_child(&o, report, sizeof(report)), 3);
	/* The report says where: the thread in the engine, its op, the object and the trace time. */
	assert_non_null(strstr(report, "watchdog: "));
	assert_non_null(strstr(report, "thread 0: in an engine call, "));
	assert_non_null(strstr(report, ": slab free of slot "));
	assert_non_null(strstr(report, "trace time "));
}

/*
 * A thread stuck in the engine is found while another still moves: thread
 * 1 paces through a trace of 200 s (x4: 50 s) while thread 0 never comes
 * back from its first free; a half-second watchdog fires long before.
 */
static void test_watchdog_sees_one_stuck_thread(void **state)
{
	(void)state;
	struct checker c = {0};
	the_checker = &c;
	struct mmr_meta meta = {.clock = "mono", .source = "test_runner", .nr_cpus = 2};
	struct mmr_error err = {{0}};
	struct mmr_writer *w = mmr_writer_open(path, &meta, NULL, &err);
	assert_non_null(w);
	struct mmr_event a = {.cpu = 0, .family = MMR_FAM_SLAB, .op = MMR_OP_ALLOC, .id = 0x40, .bytes_req = 8, .node = -1};
	struct mmr_event f = a;
	f.op = MMR_OP_FREE;
	f.ts_ns = 1;
	assert_int_equal(mmr_writer_write(w, &a, &err), 0);
	assert_int_equal(mmr_writer_write(w, &f, &err), 0);
	for (unsigned i = 0; i < 200; i++) {
		struct mmr_event b = {.ts_ns = 2 + i * 1000000000ull, .cpu = 1, .family = MMR_FAM_SLAB, .op = MMR_OP_ALLOC,
				      .id = 0x1000 + i * 64, .bytes_req = 8, .node = -1};
		assert_int_equal(mmr_writer_write(w, &b, &err), 0);
	}
	assert_int_equal(mmr_writer_close(w, &err), 0);
	struct mmr_replay_opts o = {.trace = path, .engine = &stuck_ops, .threads = 2, .as_family = -1,
				    .timing = true, .pace = MMR_PACE_ORIGINAL, .pace_factor = 4.0, .watchdog_s = 0.5};
	char report[8192];
	assert_int_equal(watchdog_child(&o, report, sizeof(report)), 3);
	assert_non_null(strstr(report, "a thread has been in one engine call for 0.5 s"));
	assert_non_null(strstr(report, "thread 0: in an engine call, 1 of 2 ops done; op 2 of 2: slab free of slot 0"));
	assert_non_null(strstr(report, "thread 1: pacing"));
}

/* An engine whose worker never looks at its stop flag, and one whose destroy never returns. */
static unsigned one_worker(void *e)
{
	(void)e;
	return 1;
}

static void deaf_worker(void *e, unsigned idx, const atomic_bool *stop)
{
	(void)e;
	(void)idx;
	(void)stop;
	for (;;)
		pause();
}

static void stuck_destroy(void *e)
{
	(void)e;
	for (;;)
		pause();
}

static const struct mmr_engine_ops deaf_ops = {
	.abi = MMR_ENGINE_ABI, .name = "deaf", .families = 1u << MMR_FAM_SLAB,
	.create = chk_create, .destroy = chk_destroy, .workers = one_worker, .worker = deaf_worker,
	.op = {[MMR_OP_ALLOC] = chk_alloc, [MMR_OP_FREE] = chk_free},
};

static const struct mmr_engine_ops undying_ops = {
	.abi = MMR_ENGINE_ABI, .name = "undying", .families = 1u << MMR_FAM_SLAB,
	.create = chk_create, .destroy = stuck_destroy,
	.op = {[MMR_OP_ALLOC] = chk_alloc, [MMR_OP_FREE] = chk_free},
};

/* An engine that hangs outside the replay loop is caught too, naming what it was doing. */
static void test_watchdog_outside_replay(void **state)
{
	(void)state;
	struct checker c = {0};
	the_checker = &c;
	write_ping_pong(100, 2);
	struct mmr_replay_opts o = {.trace = path, .engine = &deaf_ops, .threads = 2, .as_family = -1,
				    .timing = true, .pace_factor = 1.0, .watchdog_s = 0.5};
	char report[8192];
	assert_int_equal(watchdog_child(&o, report, sizeof(report)), 3);
	assert_non_null(strstr(report, "watchdog: engine deaf has been ending its replay threads and workers for 0.5 s"));
	o.engine = &undying_ops;
	assert_int_equal(watchdog_child(&o, report, sizeof(report)), 3);
	assert_non_null(strstr(report, "watchdog: engine undying has been destroying the engine for 0.5 s"));
}

/* Pace factors and gaps out of their bounds are refused before anything runs. */
static void test_pace_bounds(void **state)
{
	(void)state;
	struct checker c = {0};
	the_checker = &c;
	write_ping_pong(10, 2);
	static const double bad[] = {1e-300, 0, -1, 1e7, 0.0 / 0.0};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mmr_replay_opts o = {.trace = path, .engine = &checker_ops, .threads = 1, .as_family = -1,
					    .pace = MMR_PACE_ORIGINAL, .pace_factor = bad[i]};
		struct mmr_error err = {{0}};
		assert_null(mmr_replay_run(&o, &err));
		assert_non_null(strstr(err.msg, "pace factor"));
	}
	struct mmr_replay_opts o = {.trace = path, .engine = &checker_ops, .threads = 1, .as_family = -1,
				    .pace_factor = 1, .max_gap_s = 1e9};
	struct mmr_error err = {{0}};
	assert_null(mmr_replay_run(&o, &err));
	assert_non_null(strstr(err.msg, "max gap"));
}

/*
 * A trace with a gap of 2^62 ns paces through it in no time: the gap is
 * cut to --max-gap (here 1 ms) and counted.
 */
/* ---- outcomes: taken from every run's report, and a missing one is an error --- */

static void counting_report(void *engine, const struct mmr_figures *r)
{
	struct checker *c = engine;
	r->f64(r->ctx, "allocs_seen", 0.5); /* a figure of the same name but not a count: not the outcome */
	r->u64(r->ctx, "allocs_seen", atomic_load(&c->allocs));
	r->u64(r->ctx, "frees_seen", atomic_load(&c->frees));
}

static const struct mmr_engine_outcome counting_outcomes[] = {
	{.key = "frees_seen", .unit = "frees", .better = MMR_BETTER_NEITHER},
	{.key = "allocs_seen", .unit = "allocs", .better = MMR_BETTER_MORE, .op = "alloc", .work = true},
	{0},
};

static const struct mmr_engine_ops counting_ops = {
	.abi = MMR_ENGINE_ABI, .name = "counting", .families = 1u << MMR_FAM_SLAB,
	.create = chk_create, .destroy = chk_destroy, .report = counting_report, .outcomes = counting_outcomes,
	.op = {[MMR_OP_ALLOC] = chk_alloc, [MMR_OP_FREE] = chk_free},
};

static const struct mmr_engine_outcome silent_outcomes[] = {
	{.key = "moves_failed", .unit = "moves", .better = MMR_BETTER_FEWER},
	{0},
};

static const struct mmr_engine_ops silent_ops = {
	.abi = MMR_ENGINE_ABI, .name = "silent", .families = 1u << MMR_FAM_SLAB,
	.create = chk_create, .destroy = chk_destroy, .report = counting_report, .outcomes = silent_outcomes,
	.op = {[MMR_OP_ALLOC] = chk_alloc, [MMR_OP_FREE] = chk_free},
};

static void test_outcomes_per_run(void **state)
{
	(void)state;
	struct checker c = {0};
	the_checker = &c;
	write_ping_pong(100, 2);
	struct mmr_replay_opts o = {.trace = path, .engine = &counting_ops, .threads = 2, .as_family = -1,
				    .timing = true, .pace_factor = 1.0, .watchdog_s = 60, .repeat = 2};
	struct mmr_error err = {{0}};
	struct mmr_replay_result *r = mmr_replay_run(&o, &err);
	if (!r)
		fail_msg("%s", err.msg);
	/* In declaration order, each run's own count (the checker's counters run on across runs). */
	assert_int_equal(r->noutcomes, 2);
	assert_int_equal(r->runs[0].outcome[0], 97); /* the report comes before the 3 live objects are freed */
	assert_int_equal(r->runs[0].outcome[1], 100);
	assert_int_equal(r->runs[1].outcome[1], 200);
	assert_int_equal(r->runs[1].failed[MMR_OP_ALLOC], 0);
	mmr_replay_result_free(r);

	o.engine = &silent_ops;
	assert_null(mmr_replay_run(&o, &err));
	assert_string_equal(err.msg, "engine silent declares outcome 'moves_failed' but its report did not give it "
				     "as a count: fix the engine");
}

static void test_pace_gap_cut(void **state)
{
	(void)state;
	struct checker c = {0};
	the_checker = &c;
	struct mmr_meta meta = {.clock = "mono", .source = "test_runner", .nr_cpus = 1};
	struct mmr_error err = {{0}};
	struct mmr_writer *w = mmr_writer_open(path, &meta, NULL, &err);
	assert_non_null(w);
	static const uint64_t ts[] = {5, 1000, 1ull << 62, (1ull << 62) + 2000000, (1ull << 62) + 2000100};
	for (unsigned i = 0; i < 5; i++) {
		struct mmr_event a = {.ts_ns = ts[i], .family = MMR_FAM_SLAB, .op = MMR_OP_ALLOC, .id = 0x40 + i * 64,
				      .bytes_req = 8, .node = -1};
		assert_int_equal(mmr_writer_write(w, &a, &err), 0);
	}
	assert_int_equal(mmr_writer_close(w, &err), 0);
	struct mmr_replay_opts o = {.trace = path, .engine = &checker_ops, .threads = 1, .as_family = -1,
				    .pace = MMR_PACE_ORIGINAL, .pace_factor = 1, .max_gap_s = 0.001, .watchdog_s = 5};
	struct mmr_replay_result *r = mmr_replay_run(&o, &err);
	if (!r)
		fail_msg("%s", err.msg);
	/* Two gaps: 2^62 - 1000 ns and 2 ms, each cut to 1 ms. */
	assert_int_equal(r->gaps_cut, 2);
	assert_int_equal(r->gap_ns_cut, (1ull << 62) - 1000 - 1000000 + 2000000 - 1000000);
	assert_int_equal(r->ops[MMR_OP_ALLOC].count, 5); /* (without the cut it would sleep 146 years) */
	mmr_replay_result_free(r);
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
		cmocka_unit_test(test_watchdog_sees_one_stuck_thread),
		cmocka_unit_test(test_watchdog_outside_replay),
		cmocka_unit_test(test_pace_bounds),
		cmocka_unit_test(test_pace_gap_cut),
		cmocka_unit_test(test_outcomes_per_run),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
