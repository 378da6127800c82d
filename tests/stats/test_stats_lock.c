/* SPDX-License-Identifier: MIT */
/*
 * test_stats_lock.c - the kernel's lock contention in stats: how begins
 * and ends pair (per task, per CPU for the idle tasks, a nested begin, an
 * end without a begin, a wait still going at the end), the per-lock and
 * per-task figures worked out in the comments, the type names of the
 * flags, the validity of lock events, and both reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "mmr_stats.h"
#include "stats_internal.h"

#define LOCK_A 0xffff888100001000ull
#define LOCK_B 0xffffffff82e08080ull

static struct mmr_event lock_ev(uint64_t ts, uint32_t cpu, int32_t pid, unsigned op, uint64_t addr,
				uint64_t aux)
{
	struct mmr_event e;
	memset(&e, 0, sizeof(e));
	e.ts_ns = ts;
	e.cpu = cpu;
	e.pid = pid;
	e.family = MMR_FAM_LOCK;
	e.op = (uint8_t)op;
	e.id = addr;
	e.aux = aux;
	e.node = -1;
	return e;
}

#define BEGIN(ts, cpu, pid, addr, fl) lock_ev(ts, cpu, pid, MMR_OP_CONTENTION_BEGIN, addr, fl)
#define END(ts, cpu, pid, addr) lock_ev(ts, cpu, pid, MMR_OP_CONTENTION_END, addr, 0)

/*
 * A: pid 10 spins then sleeps (one wait, 100..400, woken on CPU 1: 300 ns),
 *    pid 20 waits 200..260 (60 ns): 2 contended, 360 total, max 300, min 60.
 * B: the idle tasks (pid 0) of CPUs 0 and 1 overlap: CPU 0 waits 500..600
 *    (100), CPU 1 510..530 (20); pid 40 begins at 800 and never ends:
 *    3 contended, 2 acquired, 120 total, max 100, min 20.
 * pid 30 ends A with no begin: unmatched, nowhere else.
 */
static struct mmr_stats *scenario(void)
{
	const struct mmr_event evs[] = {
		BEGIN(100, 0, 10, LOCK_A, MMR_LCB_SPIN | MMR_LCB_MUTEX),
		BEGIN(150, 0, 10, LOCK_A, MMR_LCB_MUTEX),
		BEGIN(200, 1, 20, LOCK_A, MMR_LCB_MUTEX),
		END(260, 1, 20, LOCK_A),
		END(400, 1, 10, LOCK_A),
		BEGIN(500, 0, 0, LOCK_B, MMR_LCB_SPIN),
		BEGIN(510, 1, 0, LOCK_B, MMR_LCB_SPIN),
		END(530, 1, 0, LOCK_B),
		END(600, 0, 0, LOCK_B),
		END(700, 0, 30, LOCK_A),
		BEGIN(800, 1, 40, LOCK_B, MMR_LCB_SPIN),
	};
	struct mmr_stats *s = mmr_stats_new();
	assert_non_null(s);
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		assert_int_equal(mmr_stats_add(s, &evs[i]), 0);
	return s;
}

static const struct stats_lock_row *row(const struct mmr_stats *s, uint64_t addr)
{
	for (size_t i = 0; i < s->locks.nrows; i++)
		if (s->locks.rows[i].addr == addr)
			return &s->locks.rows[i];
	fail_msg("no row for lock 0x%llx", (unsigned long long)addr);
	return NULL;
}

static const struct stats_lock_task *task(const struct mmr_stats *s, int32_t pid)
{
	for (size_t i = 0; i < s->locks.ntasks; i++)
		if (s->locks.tasks[i].pid == pid)
			return &s->locks.tasks[i];
	fail_msg("no row for pid %d", pid);
	return NULL;
}

static void test_pairing(void **state)
{
	(void)state;
	struct mmr_stats *s = scenario();
	const struct stats_lock_row *a = row(s, LOCK_A), *b = row(s, LOCK_B);
	assert_int_equal(a->contended, 2);
	assert_int_equal(a->acquired, 2);
	assert_int_equal(a->wait_total, 360);
	assert_int_equal(a->wait_max, 300);
	assert_int_equal(a->wait_min, 60);
	assert_int_equal(a->flags, MMR_LCB_SPIN | MMR_LCB_MUTEX);
	assert_int_equal(b->contended, 3);
	assert_int_equal(b->acquired, 2);
	assert_int_equal(b->wait_total, 120);
	assert_int_equal(b->wait_max, 100);
	assert_int_equal(b->wait_min, 20);
	assert_int_equal(s->locks.nested_begins, 1);
	assert_int_equal(s->locks.unmatched_ends, 1);
	assert_int_equal(s->locks.nwaits, 1);
	assert_int_equal(stats_locks_contended(&s->locks), 5);
	assert_int_equal(stats_locks_wait(&s->locks), 480);
	/* Per task, the idle tasks together as perf -t lists tid 0. */
	assert_int_equal(task(s, 10)->wait_total, 300);
	assert_int_equal(task(s, 20)->wait_total, 60);
	assert_int_equal(task(s, 0)->contended, 2);
	assert_int_equal(task(s, 0)->wait_total, 120);
	assert_int_equal(task(s, 0)->wait_max, 100);
	assert_int_equal(task(s, 40)->contended, 1);
	assert_int_equal(task(s, 40)->acquired, 0);
	/* Lock events are no objects. */
	assert_int_equal(s->fam[MMR_FAM_LOCK].events, 11);
	assert_int_equal(s->fam[MMR_FAM_LOCK].allocs, 0);
	assert_int_equal(stats_live_objects(s), 0);
	mmr_stats_free(s);
}

static void test_order(void **state)
{
	(void)state;
	struct mmr_stats *s = scenario();
	/* pid 30's end alone makes no row: add a lock seen only that way. */
	struct mmr_event lone = END(900, 0, 50, 0x1234);
	assert_int_equal(mmr_stats_add(s, &lone), 0);
	uint32_t *idx;
	size_t n = stats_locks_order(&s->locks, &idx);
	assert_non_null(idx);
	assert_int_equal(n, 2);
	assert_int_equal(s->locks.rows[idx[0]].addr, LOCK_A); /* 360 ns before 120 */
	assert_int_equal(s->locks.rows[idx[1]].addr, LOCK_B);
	free(idx);
	mmr_stats_free(s);
}

static void test_type_names(void **state)
{
	(void)state;
	static const struct {
		uint64_t flags;
		const char *name;
	} t[] = {
		{MMR_LCB_SPIN, "spinlock"},
		{MMR_LCB_SPIN | MMR_LCB_READ, "rwlock:R"},
		{MMR_LCB_SPIN | MMR_LCB_WRITE, "rwlock:W"},
		{MMR_LCB_READ, "rwsem:R"},
		{MMR_LCB_WRITE, "rwsem:W"},
		{0, "semaphore"},
		{MMR_LCB_MUTEX, "mutex"},
		{MMR_LCB_MUTEX | MMR_LCB_SPIN, "mutex"},
		{MMR_LCB_RT, "rtmutex"},
		{MMR_LCB_RT | MMR_LCB_READ, "rwlock-rt:R"},
		{MMR_LCB_PERCPU | MMR_LCB_READ, "pcpu-sem:R"},
		{MMR_LCB_PERCPU | MMR_LCB_WRITE, "pcpu-sem:W"},
		{MMR_LCB_READ | MMR_LCB_WRITE, "unknown"},
		{MMR_LCB_MUTEX | MMR_LCB_READ, "unknown"},
		{MMR_LCB_PERCPU, "unknown"},
		{1ull << 6, "unknown"},
		{UINT64_MAX, "unknown"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_string_equal(mmr_lock_type_name(t[i].flags), t[i].name);
}

static void test_valid(void **state)
{
	(void)state;
	struct mmr_event e = BEGIN(1, 0, 1, LOCK_A, MMR_LCB_SPIN);
	assert_int_equal(mmr_event_check(&e), MMR_EVENT_VALID);
	e.op = MMR_OP_CONTENTION_END;
	assert_int_equal(mmr_event_check(&e), MMR_EVENT_VALID);
	/* Nothing comes to life in the lock family, and no allocator waits in it. */
	e.op = MMR_OP_ALLOC;
	assert_int_equal(mmr_event_check(&e), MMR_INVALID_OP);
	e.op = MMR_OP_FREE;
	assert_int_equal(mmr_event_check(&e), MMR_INVALID_OP);
	e.family = MMR_FAM_SLAB;
	e.op = MMR_OP_CONTENTION_BEGIN;
	assert_int_equal(mmr_event_check(&e), MMR_INVALID_OP);
	/* An invalid one reaches no lock figure. */
	struct mmr_stats *s = mmr_stats_new();
	assert_int_equal(mmr_stats_add(s, &e), 0);
	assert_int_equal(s->locks.nrows, 0);
	assert_int_equal(s->invalid.total, 1);
	assert_string_equal(mmr_family_name(MMR_FAM_LOCK), "lock");
	assert_int_equal(mmr_op_from_name("contention_end"), MMR_OP_CONTENTION_END);
	assert_false(MMR_FAM_ALLOCATORS & (1u << MMR_FAM_LOCK));
	mmr_stats_free(s);
}

static uint64_t num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	assert_true(cJSON_IsNumber(v));
	return (uint64_t)v->valuedouble;
}

static void test_json(void **state)
{
	(void)state;
	struct mmr_stats *s = scenario();
	char *text = mmr_stats_json(s, NULL);
	assert_non_null(text);
	cJSON *root = cJSON_Parse(text);
	assert_non_null(root);
	const cJSON *lc = cJSON_GetObjectItemCaseSensitive(root, "lock_contention");
	assert_int_equal(num(lc, "contended"), 5);
	assert_int_equal(num(lc, "wait_total_ns"), 480);
	assert_int_equal(num(lc, "waiting_at_end"), 1);
	assert_int_equal(num(lc, "nested_begins"), 1);
	assert_int_equal(num(lc, "unmatched_ends"), 1);
	const cJSON *locks = cJSON_GetObjectItemCaseSensitive(lc, "locks");
	assert_int_equal(cJSON_GetArraySize(locks), 2);
	const cJSON *a = cJSON_GetArrayItem(locks, 0);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(a, "addr")->valuestring, "0xffff888100001000");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(a, "type")->valuestring, "mutex");
	assert_int_equal(num(a, "avg_wait_ns"), 180);
	assert_int_equal(num(a, "wait_min_ns"), 60);
	/* pid 30 only ended a wait: not a task that waited. */
	const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(lc, "tasks"), *t;
	assert_int_equal(cJSON_GetArraySize(tasks), 4);
	cJSON_ArrayForEach(t, tasks) assert_int_not_equal(num(t, "pid"), 30);
	cJSON_Delete(root);
	free(text);
	mmr_stats_free(s);
}

/* The text report of S (a string to free). */
static char *report(const struct mmr_stats *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	mmr_stats_print(s, NULL, f);
	fclose(f);
	return buf;
}

static void test_text(void **state)
{
	(void)state;
	struct mmr_stats *s = scenario();
	char *buf = report(s);
	assert_non_null(strstr(buf, "Kernel lock contention (lock:contention_begin/end), 5 waits on 2 locks, 480 ns waited"));
	/* perf's columns and units: contended, total, max, avg, type, then the lock. */
	assert_non_null(strstr(buf, "2 |       360 ns |       300 ns |       180 ns |       mutex | 0xffff888100001000"));
	assert_non_null(strstr(buf, "3 |       120 ns |       100 ns |        60 ns |    spinlock | 0xffffffff82e08080"));
	assert_non_null(strstr(buf, "1 waits still going at the end"));
	/* Its ops are listed; no row of objects for a family that has none. */
	assert_non_null(strstr(buf, " lock       | contention_begin"));
	const char *objs = strstr(buf, "Objects by family"), *end = objs ? strstr(objs, "\n\n") : NULL;
	assert_non_null(end);
	assert_null(memmem(objs, (size_t)(end - objs), " lock ", 6));
	free(buf);
	mmr_stats_free(s);
}

/*
 * Waits print as perf prints them, to the digit: perf divides in single
 * precision, so 125,405 ns is 125.40 us there (seen on a real recording;
 * in double precision it would round to 125.41).
 */
static void test_text_perf_rounding(void **state)
{
	(void)state;
	struct mmr_stats *s = mmr_stats_new();
	const struct mmr_event evs[] = {BEGIN(1000, 0, 7, LOCK_A, MMR_LCB_SPIN), END(126405, 0, 7, LOCK_A)};
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(mmr_stats_add(s, &evs[i]), 0);
	char *buf = report(s);
	assert_non_null(strstr(buf, "1 |    125.40 us |    125.40 us |    125.40 us |    spinlock |"));
	free(buf);
	mmr_stats_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairing), cmocka_unit_test(test_order), cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_valid),	cmocka_unit_test(test_json),  cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_perf_rounding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
