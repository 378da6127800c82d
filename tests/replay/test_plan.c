/* SPDX-License-Identifier: MIT */
/*
 * test_plan.c - the replay planner on hand-built traces: which ops go to
 * which thread, where the cross-thread waits go, and how every event that
 * cannot be replayed is counted.
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

#include "run_internal.h"

static char path[256];

/* The cross-thread bits of an op's sync flags. */
#define XSYNC(op) ((op).sync & (RP_WAIT | RP_PUBLISH | RP_AUX_WAIT | RP_AUX_PUBLISH))

static int any_op(void *thread, struct mmr_call *c)
{
	(void)thread;
	c->handle = 1;
	return 0;
}

static void *no_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	(void)env;
	(void)err;
	return NULL;
}

static void no_destroy(void *e)
{
	(void)e;
}

/* A slab engine with alloc, free and realloc; no map. */
static const struct mmr_engine_ops slab_engine = {
	.abi = MMR_ENGINE_ABI, .name = "t", .families = 1u << MMR_FAM_SLAB,
	.create = no_create, .destroy = no_destroy,
	.op = {[MMR_OP_ALLOC] = any_op, [MMR_OP_FREE] = any_op, [MMR_OP_REALLOC] = any_op},
};

static struct mmr_event ev(uint64_t ts, uint32_t cpu, unsigned fam, unsigned op, uint64_t id)
{
	return (struct mmr_event){.ts_ns = ts, .cpu = cpu, .pid = (int32_t)(100 + cpu), .family = (uint8_t)fam,
				  .op = (uint8_t)op, .id = id, .bytes_req = 64, .node = -1};
}

static void write_events(const struct mmr_event *e, size_t n)
{
	struct mmr_meta meta = {.clock = "mono", .source = "test_plan", .nr_cpus = 4};
	struct mmr_error err = {{0}};
	struct mmr_writer *w = mmr_writer_open(path, &meta, NULL, &err);
	assert_non_null(w);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(mmr_writer_write(w, &e[i], &err), 0);
	assert_int_equal(mmr_writer_close(w, &err), 0);
}

static int plan(const struct mmr_engine_ops *eng, struct mmr_replay_opts *o, struct rp_plan *p,
		struct mmr_error *err)
{
	struct mmr_reader *r = mmr_reader_open(path, err);
	assert_non_null(r);
	o->trace = path;
	o->engine = eng;
	int rc = rp_plan_build(r, eng, o, p, err);
	mmr_reader_close(r);
	return rc;
}

/*
 * A on cpu0 allocated, freed on cpu1: the free waits, the alloc publishes.
 * B allocated and freed on cpu0: no sync at all.
 */
static void test_cross_thread_dependency(void **state)
{
	(void)state;
	struct mmr_event e[] = {
		ev(10, 0, MMR_FAM_SLAB, MMR_OP_ALLOC, 0xa0), ev(20, 0, MMR_FAM_SLAB, MMR_OP_ALLOC, 0xb0),
		ev(30, 1, MMR_FAM_SLAB, MMR_OP_FREE, 0xa0), ev(40, 0, MMR_FAM_SLAB, MMR_OP_FREE, 0xb0),
	};
	write_events(e, 4);
	struct mmr_replay_opts o = {.as_family = -1, .map = MMR_MAP_CPU};
	struct rp_plan p;
	struct mmr_error err = {{0}};
	assert_int_equal(plan(&slab_engine, &o, &p, &err), 0);
	assert_int_equal(p.nthreads, 2);
	assert_int_equal(p.nslots, 2);
	assert_int_equal(p.ops, 4);
	const struct rp_stream *t0 = &p.streams[0], *t1 = &p.streams[1];
	assert_int_equal(t0->n, 3);
	assert_int_equal(t1->n, 1);
	assert_int_equal(XSYNC(t0->ops[0]), RP_PUBLISH);  /* A's alloc */
	assert_int_equal(XSYNC(t0->ops[1]), 0);           /* B's alloc */
	assert_int_equal(XSYNC(t0->ops[2]), 0);           /* B's free, same thread */
	assert_int_equal(XSYNC(t1->ops[0]), RP_WAIT);     /* A's free on the other CPU */
	assert_int_equal(t1->ops[0].slot, t0->ops[0].slot);
	assert_int_equal(t1->ops[0].seq, 1);
	assert_int_equal(t1->ops[0].ts, 20);
	assert_true(t0->ops[0].sync & RP_STARTS);
	assert_false(t1->ops[0].sync & RP_STARTS);            /* ns since the first replayed event */
	assert_int_equal(p.nlive_end, 0);
	rp_plan_free(&p);

	/* Folded onto one thread, nothing waits. */
	o.threads = 1;
	assert_int_equal(plan(&slab_engine, &o, &p, &err), 0);
	assert_int_equal(p.streams[0].n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(XSYNC(p.streams[0].ops[i]), 0);
	rp_plan_free(&p);
}

/* Everything that cannot be replayed is counted, each for its reason. */
static void test_skips_counted(void **state)
{
	(void)state;
	struct mmr_event e[16];
	size_t n = 0;
	e[n++] = ev(1, 0, MMR_FAM_SLAB, MMR_OP_FREE, 0x10);     /* allocated before the trace */
	e[n++] = ev(2, 0, MMR_FAM_SLAB, MMR_OP_ALLOC, 0x20);
	e[n++] = ev(3, 0, MMR_FAM_SLAB, MMR_OP_FREE, 0x20);
	e[n++] = ev(4, 1, MMR_FAM_SLAB, MMR_OP_FREE, 0x20);     /* double free */
	e[n++] = ev(5, 0, MMR_FAM_SLAB, MMR_OP_ALLOC, 0x30);
	e[n++] = ev(6, 1, MMR_FAM_SLAB, MMR_OP_ALLOC, 0x30);    /* reuse of a live address */
	e[n++] = ev(7, 0, MMR_FAM_SLAB, MMR_OP_ALLOC, 0);       /* failed kmalloc */
	e[n++] = ev(8, 0, MMR_FAM_PAGE, MMR_OP_ALLOC, 0x99);    /* a family the engine lacks */
	e[n++] = ev(9, 0, MMR_FAM_SLAB, MMR_OP_REALLOC, 0x50);  /* an op the engine lacks */
	struct mmr_event vm = ev(10, 0, MMR_FAM_SLAB, MMR_OP_ALLOC, 0x40);
	vm.flags = MMR_EF_FAILED;
	e[n++] = vm;
	/* Out of range: counted by reason, family and op, whatever the engine takes. */
	e[n++] = ev(11, 0, MMR_FAM_SLAB, MMR_OP_MAP, 0x30);     /* not a slab op */
	struct mmr_event big = ev(12, 0, MMR_FAM_SLAB, MMR_OP_ALLOC, 0x60);
	big.bytes_req = MMR_MAX_BYTES + 1;
	e[n++] = big;
	struct mmr_event order = ev(13, 0, MMR_FAM_PAGE, MMR_OP_ALLOC, 0x70);
	order.order = MMR_MAX_ORDER + 1;
	e[n++] = order;
	write_events(e, n);
	static const struct mmr_engine_ops alloc_free = {
		.abi = MMR_ENGINE_ABI, .name = "af", .families = 1u << MMR_FAM_SLAB,
		.create = no_create, .destroy = no_destroy, .op = {[MMR_OP_ALLOC] = any_op, [MMR_OP_FREE] = any_op},
	};
	struct mmr_replay_opts o = {.as_family = -1};
	struct rp_plan p;
	struct mmr_error err = {{0}};
	assert_int_equal(plan(&alloc_free, &o, &p, &err), 0);
	assert_int_equal(p.skip.invalid.total, 3);
	assert_int_equal(p.skip.invalid.n[MMR_INVALID_OP][MMR_FAM_SLAB][MMR_OP_MAP], 1);
	assert_int_equal(p.skip.invalid.n[MMR_INVALID_SIZE][MMR_FAM_SLAB][MMR_OP_ALLOC], 1);
	assert_int_equal(p.skip.invalid.n[MMR_INVALID_ORDER][MMR_FAM_PAGE][MMR_OP_ALLOC], 1);
	assert_int_equal(p.events, n);
	assert_int_equal(p.skip.unknown_frees, 1);
	assert_int_equal(p.skip.double_frees, 1);
	assert_int_equal(p.skip.live_reuse, 1);
	assert_int_equal(p.skip.failed_allocs, 2);
	assert_int_equal(p.skip.family[MMR_FAM_PAGE], 1);
	assert_int_equal(p.skip.op[MMR_OP_REALLOC], 1);
	assert_int_equal(p.ops, 4); /* alloc 0x20, free 0x20, alloc 0x30 twice */
	assert_int_equal(p.objects, 3);
	assert_int_equal(p.nslots, 2); /* the first 0x30 takes the slot 0x20 left on cpu0 */
	/* Both lives of 0x30 are still allocated at the end: the runner frees them. */
	assert_int_equal(p.nlive_end, 2);
	rp_plan_free(&p);

	/* --as slab takes the page event too, never the one out of range. */
	o.as_family = MMR_FAM_SLAB;
	assert_int_equal(plan(&alloc_free, &o, &p, &err), 0);
	assert_int_equal(p.skip.invalid.total, 3);
	assert_int_equal(p.skip.family[MMR_FAM_PAGE], 0);
	assert_int_equal(p.ops, 5);
	rp_plan_free(&p);
}

/*
 * The kernel's lock waits are never replayed: skipped with a count by
 * family, even by an engine that claims every family and under --as.
 */
static void test_lock_skipped(void **state)
{
	(void)state;
	struct mmr_event e[5];
	e[0] = ev(1, 0, MMR_FAM_LOCK, MMR_OP_CONTENTION_BEGIN, 0xffff888000001000);
	e[1] = ev(2, 0, MMR_FAM_SLAB, MMR_OP_ALLOC, 0x20);
	e[2] = ev(3, 0, MMR_FAM_LOCK, MMR_OP_CONTENTION_END, 0xffff888000001000);
	e[3] = ev(4, 0, MMR_FAM_SLAB, MMR_OP_FREE, 0x20);
	e[4] = ev(5, 0, MMR_FAM_PAGE, MMR_OP_ALLOC, 0x99);
	write_events(e, 5);
	static const struct mmr_engine_ops greedy = {
		.abi = MMR_ENGINE_ABI, .name = "greedy", .families = UINT32_MAX,
		.create = no_create, .destroy = no_destroy,
		.op = {[MMR_OP_ALLOC] = any_op, [MMR_OP_FREE] = any_op,
		       [MMR_OP_CONTENTION_BEGIN] = any_op, [MMR_OP_CONTENTION_END] = any_op},
	};
	static const int as_families[] = {-1, MMR_FAM_SLAB, MMR_FAM_LOCK};
	for (size_t k = 0; k < 3; k++) {
		int as = as_families[k];
		struct mmr_replay_opts o = {.as_family = as};
		struct rp_plan p;
		struct mmr_error err = {{0}};
		assert_int_equal(plan(&greedy, &o, &p, &err), 0);
		assert_int_equal(p.skip.family[MMR_FAM_LOCK], 2);
		assert_int_equal(p.skip.invalid.total, 0);
		assert_int_equal(p.ops, 3);
		rp_plan_free(&p);
	}
	/* --as lock turns no slab event into a lock wait for an engine that claims the family. */
	static const struct mmr_engine_ops lockish = {
		.abi = MMR_ENGINE_ABI, .name = "lockish", .families = 1u << MMR_FAM_LOCK | 1u << MMR_FAM_PAGE,
		.create = no_create, .destroy = no_destroy,
		.op = {[MMR_OP_ALLOC] = any_op, [MMR_OP_FREE] = any_op,
		       [MMR_OP_CONTENTION_BEGIN] = any_op, [MMR_OP_CONTENTION_END] = any_op},
	};
	struct mmr_replay_opts o = {.as_family = MMR_FAM_LOCK};
	struct rp_plan p;
	struct mmr_error err = {{0}};
	assert_int_equal(plan(&lockish, &o, &p, &err), 0);
	assert_int_equal(p.ops, 1); /* the page alloc */
	assert_int_equal(p.skip.family[MMR_FAM_SLAB], 2);
	assert_int_equal(p.skip.family[MMR_FAM_LOCK], 2);
	rp_plan_free(&p);
}

/* A realloc ends the old object and starts the new one in the same op, on both slots. */
static void test_realloc_two_slots(void **state)
{
	(void)state;
	struct mmr_event re = ev(20, 1, MMR_FAM_SLAB, MMR_OP_REALLOC, 0x200);
	re.aux = 0x100;
	struct mmr_event e[] = {ev(10, 0, MMR_FAM_SLAB, MMR_OP_ALLOC, 0x100), re,
				ev(30, 0, MMR_FAM_SLAB, MMR_OP_FREE, 0x200)};
	write_events(e, 3);
	struct mmr_replay_opts o = {.as_family = -1};
	struct rp_plan p;
	struct mmr_error err = {{0}};
	assert_int_equal(plan(&slab_engine, &o, &p, &err), 0);
	const struct rp_op *a = &p.streams[0].ops[0], *r = &p.streams[1].ops[0], *f = &p.streams[0].ops[1];
	struct rp_op_view rv;
	rp_ops_view(&p, 1, 0, &rv);
	assert_int_equal(rv.aux_slot, a->slot);
	assert_int_equal(rv.aux_seq, 1);
	assert_int_equal(rv.aux, 0x100);
	assert_int_equal(rv.end_bytes, 64); /* the old object's */
	assert_true(r->sync & RP_AUX_WAIT);
	assert_true(a->sync & RP_PUBLISH);
	assert_true(r->sync & RP_PUBLISH); /* the new object is freed on cpu0 */
	assert_int_equal(f->slot, r->slot);
	assert_true(f->sync & RP_WAIT);
	rp_plan_free(&p);
}

/* Mapping by task and by hash, and the error when nothing can be replayed. */
static void test_maps_and_nothing(void **state)
{
	(void)state;
	struct mmr_event e[6];
	for (int i = 0; i < 6; i++) {
		e[i] = ev((uint64_t)i, 0, MMR_FAM_SLAB, MMR_OP_ALLOC, 0x1000 + (uint64_t)i * 64);
		e[i].pid = 7 + i % 3; /* three tasks on one CPU */
	}
	write_events(e, 6);
	struct mmr_replay_opts o = {.as_family = -1, .map = MMR_MAP_PID};
	struct rp_plan p;
	struct mmr_error err = {{0}};
	assert_int_equal(plan(&slab_engine, &o, &p, &err), 0);
	assert_int_equal(p.nthreads, 3);
	for (unsigned t = 0; t < 3; t++)
		assert_int_equal(p.streams[t].n, 2);
	rp_plan_free(&p);
	o.map = MMR_MAP_HASH;
	o.threads = 4;
	assert_int_equal(plan(&slab_engine, &o, &p, &err), 0);
	size_t total = 0;
	for (unsigned t = 0; t < 4; t++)
		total += p.streams[t].n;
	assert_int_equal(total, 6);
	rp_plan_free(&p);

	static const struct mmr_engine_ops vm_engine = {
		.abi = MMR_ENGINE_ABI, .name = "vm", .families = 1u << MMR_FAM_VMALLOC,
		.create = no_create, .destroy = no_destroy, .op = {[MMR_OP_ALLOC] = any_op},
	};
	o.map = MMR_MAP_CPU;
	o.threads = 0;
	assert_int_equal(plan(&vm_engine, &o, &p, &err), -1);
	assert_non_null(strstr(err.msg, "no event engine vm can replay: it takes vmalloc events"));
}

static const struct mmr_engine_ops zs_engine = {
	.abi = MMR_ENGINE_ABI, .name = "zs", .families = 1u << MMR_FAM_ZSMALLOC,
	.create = no_create, .destroy = no_destroy,
	.op = {[MMR_OP_ALLOC] = any_op, [MMR_OP_FREE] = any_op, [MMR_OP_MAP] = any_op, [MMR_OP_UNMAP] = any_op},
};

/* The ops of stream T as their trace-clock times, to compare with a list. */
static void assert_stream_ts(const struct rp_plan *p, unsigned t, const uint64_t *want, size_t n)
{
	assert_int_equal(p->streams[t].n, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(p->streams[t].ops[i].ts, want[i]);
}

/*
 * A zsmalloc mapping is atomic on its CPU: CPUs 0 and 1 folded onto one
 * thread, the map is held back and replayed just before its unmap, after
 * the ops the trace put inside the window; two CPUs mapping one object at
 * once replay one mapping after the other.  Every slot's ops keep their
 * order.
 */
static void test_map_replayed_before_its_unmap(void **state)
{
	(void)state;
	enum { Z = MMR_FAM_ZSMALLOC };
	struct mmr_event e[] = {
		ev(1, 0, Z, MMR_OP_ALLOC, 0xa0), ev(2, 0, Z, MMR_OP_MAP, 0xa0), ev(3, 1, Z, MMR_OP_ALLOC, 0xb0),
		ev(4, 0, Z, MMR_OP_ALLOC, 0xc0), ev(5, 1, Z, MMR_OP_FREE, 0xb0), ev(6, 0, Z, MMR_OP_UNMAP, 0xa0),
		ev(7, 0, Z, MMR_OP_MAP, 0xa0), ev(8, 1, Z, MMR_OP_MAP, 0xa0), ev(9, 1, Z, MMR_OP_UNMAP, 0xa0),
		ev(10, 0, Z, MMR_OP_UNMAP, 0xa0),
	};
	write_events(e, sizeof(e) / sizeof(e[0]));
	struct mmr_replay_opts o = {.as_family = -1, .map = MMR_MAP_CPU, .threads = 1};
	struct rp_plan p;
	struct mmr_error err = {{0}};
	assert_int_equal(plan(&zs_engine, &o, &p, &err), 0);
	/* A held-back map replays at the trace time of the op before its unmap: the clock never goes back. */
	static const uint64_t want[] = {0, 2, 3, 4, 4, 5, 7, 8, 8, 9};
	assert_stream_ts(&p, 0, want, 10);
	const struct rp_op *ops = p.streams[0].ops;
	for (unsigned i = 4; i < 10; i += 2) {
		assert_int_equal(ops[i].op, MMR_OP_MAP);
		assert_int_equal(ops[i + 1].op, MMR_OP_UNMAP);
		assert_int_equal(ops[i].slot, ops[0].slot);
		assert_int_equal(ops[i].seq, i - 3);
		assert_int_equal(ops[i + 1].seq, i - 2);
	}
	assert_int_equal(p.skip.unpaired_maps + p.skip.unpaired_unmaps, 0);
	rp_plan_free(&p);

	/* On two threads the same: each map waits on nothing it holds. */
	o.threads = 2;
	assert_int_equal(plan(&zs_engine, &o, &p, &err), 0);
	static const uint64_t want0[] = {0, 3, 4, 5, 8, 9}, want1[] = {2, 4, 7, 8};
	assert_stream_ts(&p, 0, want0, 6);
	assert_stream_ts(&p, 1, want1, 4);
	assert_int_equal(XSYNC(p.streams[1].ops[2]), RP_WAIT);    /* CPU 1's map after CPU 0's unmap */
	assert_int_equal(XSYNC(p.streams[1].ops[3]), RP_PUBLISH); /* its unmap, before CPU 0's second map */
	assert_int_equal(XSYNC(p.streams[0].ops[4]), RP_WAIT);
	rp_plan_free(&p);
}

/*
 * Maps and unmaps that do not pair on one CPU are skipped and counted:
 * an unmap with no map, an unmap on another CPU than the map, a map whose
 * object is freed first, a second map on a CPU before the unmap of the
 * first, a map the trace never unmaps.  Nothing is left held.
 */
static void test_unpaired_maps_skipped(void **state)
{
	(void)state;
	enum { Z = MMR_FAM_ZSMALLOC };
	struct mmr_event e[] = {
		ev(1, 0, Z, MMR_OP_ALLOC, 0xa0), ev(2, 0, Z, MMR_OP_UNMAP, 0xa0),           /* no map */
		ev(3, 0, Z, MMR_OP_MAP, 0xa0), ev(4, 1, Z, MMR_OP_UNMAP, 0xa0),              /* other CPU */
		ev(5, 0, Z, MMR_OP_FREE, 0xa0),                                                /* frees it */
		ev(6, 0, Z, MMR_OP_ALLOC, 0xb0), ev(7, 0, Z, MMR_OP_MAP, 0xb0),
		ev(8, 0, Z, MMR_OP_MAP, 0xb0), ev(9, 0, Z, MMR_OP_UNMAP, 0xb0),              /* first never closed */
		ev(10, 0, Z, MMR_OP_MAP, 0xb0),                                                /* never unmapped */
	};
	write_events(e, sizeof(e) / sizeof(e[0]));
	struct mmr_replay_opts o = {.as_family = -1, .map = MMR_MAP_CPU, .threads = 2};
	struct rp_plan p;
	struct mmr_error err = {{0}};
	assert_int_equal(plan(&zs_engine, &o, &p, &err), 0);
	assert_int_equal(p.skip.unpaired_unmaps, 2);
	assert_int_equal(p.skip.unpaired_maps, 3);
	static const uint64_t want[] = {0, 4, 5, 7, 8};
	assert_stream_ts(&p, 0, want, 5);
	assert_int_equal(p.streams[1].n, 0);
	assert_int_equal(p.ops, 5);
	assert_int_equal(p.events, 10);
	rp_plan_free(&p);
}

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "%s/test_plan.%d.mmr", P_tmpdir, (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/*
 * A slot is taken again by the next start on the thread that ended its
 * object, and by no other thread; its op numbers go on.  A realloc's old
 * slot is not its new one (a failed realloc leaves the old object there).
 */
static void test_slots_reused(void **state)
{
	(void)state;
	struct mmr_event re = ev(50, 0, MMR_FAM_SLAB, MMR_OP_REALLOC, 0xd0);
	re.aux = 0xc0;
	struct mmr_event e[] = {
		ev(10, 0, MMR_FAM_SLAB, MMR_OP_ALLOC, 0xa0), ev(20, 0, MMR_FAM_SLAB, MMR_OP_FREE, 0xa0),
		ev(30, 1, MMR_FAM_SLAB, MMR_OP_ALLOC, 0xb0), /* cpu0's free slot is not cpu1's */
		ev(40, 0, MMR_FAM_SLAB, MMR_OP_ALLOC, 0xc0), /* takes 0xa0's slot */
		re,                                           /* 0xc0 ends, 0xd0 gets a new slot */
		ev(60, 0, MMR_FAM_SLAB, MMR_OP_ALLOC, 0xe0), /* takes 0xc0's slot */
		ev(70, 1, MMR_FAM_SLAB, MMR_OP_FREE, 0xe0),  /* waits for the alloc, op 4 of its slot */
	};
	write_events(e, sizeof(e) / sizeof(e[0]));
	struct mmr_replay_opts o = {.as_family = -1, .map = MMR_MAP_CPU};
	struct rp_plan p;
	struct mmr_error err = {{0}};
	assert_int_equal(plan(&slab_engine, &o, &p, &err), 0);
	const struct rp_op *t0 = p.streams[0].ops, *t1 = p.streams[1].ops;
	assert_int_equal(p.objects, 5);
	assert_int_equal(p.nslots, 3);
	uint32_t a = t0[0].slot;
	assert_int_not_equal(t1[0].slot, a);
	assert_int_equal(t0[2].slot, a);
	assert_int_equal(t0[2].seq, 2);
	assert_int_equal(XSYNC(t0[2]), 0); /* same thread as the free before it */
	struct rp_op_view rv;
	rp_ops_view(&p, 0, 3, &rv);
	assert_int_equal(rv.aux_slot, a);
	assert_int_not_equal(rv.slot, a);
	assert_int_equal(t0[4].slot, a);
	assert_int_equal(t0[4].seq, 4);
	assert_int_equal(XSYNC(t0[4]), RP_PUBLISH);
	assert_int_equal(t1[1].slot, a);
	assert_int_equal(t1[1].seq, 5);
	assert_int_equal(XSYNC(t1[1]), RP_WAIT);
	rp_plan_free(&p);
}

/* The 32-byte record and its extension give back every value of the event, whatever its size. */
static void test_op_records(void **state)
{
	(void)state;
	struct mmr_event e[8];
	size_t n = 0;
	e[n] = ev(10, 0, MMR_FAM_SLAB, MMR_OP_ALLOC, 0xa0);
	e[n].bytes_alloc = 96;
	e[n].call_site = 0xffffffff81000000ull;
	e[n++].gfp = 0xcc0;
	e[n] = ev(20, 0, MMR_FAM_SLAB, MMR_OP_ALLOC, 0xb0);
	e[n].bytes_req = 5ull << 32; /* past 32 bits */
	e[n].bytes_alloc = 6ull << 32;
	e[n++].call_site = 0xffffffff81000000ull;
	e[n] = ev(30, 0, MMR_FAM_SLAB, MMR_OP_FREE, 0xa0);
	e[n].bytes_req = 0;
	e[n++].call_site = 0xffffffff81000000ull;
	e[n] = ev(40, 0, MMR_FAM_SLAB, MMR_OP_FREE, 0xb0);
	e[n++].bytes_req = 7; /* a size on an end */
	e[n] = ev(50, 0, MMR_FAM_SLAB, MMR_OP_ALLOC, 0xc0);
	e[n].call_site = 0xffffffff81000000ull;
	e[n].bytes_alloc = 96;
	e[n++].gfp = 0xcc0; /* the first op's site again */
	write_events(e, n);
	struct mmr_replay_opts o = {.as_family = -1, .threads = 1};
	struct rp_plan p;
	struct mmr_error err = {{0}};
	assert_int_equal(plan(&slab_engine, &o, &p, &err), 0);
	assert_int_equal(p.streams[0].n, n);
	struct rp_op_view v[8];
	for (size_t i = 0; i < n; i++) {
		rp_ops_view(&p, 0, i, &v[i]);
		assert_int_equal(v[i].call_site, e[i].call_site);
		assert_int_equal(v[i].gfp, e[i].gfp);
		assert_int_equal(v[i].node, -1);
		assert_int_equal(v[i].op, e[i].op);
		assert_int_equal(v[i].ts, e[i].ts_ns - 10);
		assert_int_equal(v[i].size, e[i].bytes_req);
		assert_int_equal(v[i].bytes_alloc, e[i].bytes_alloc);
	}
	assert_int_equal(v[2].end_bytes, 64);
	assert_int_equal(v[3].end_bytes, 5ull << 32);
	const struct rp_op *ops = p.streams[0].ops;
	assert_false(ops[0].sync & RP_EXT);
	assert_true(ops[1].sync & RP_EXT);
	assert_false(ops[2].sync & RP_EXT);
	assert_true(ops[3].sync & RP_EXT);
	assert_int_equal(p.streams[0].next, 2);
	assert_int_equal(ops[4].site, ops[0].site);
	assert_int_equal(p.nsites, 3); /* the first op's, the second's (gfp 0), the fourth's (no call site) */
	rp_plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cross_thread_dependency),
		cmocka_unit_test(test_skips_counted),
		cmocka_unit_test(test_lock_skipped),
		cmocka_unit_test(test_realloc_two_slots),
		cmocka_unit_test(test_slots_reused),
		cmocka_unit_test(test_op_records),
		cmocka_unit_test(test_maps_and_nothing),
		cmocka_unit_test(test_map_replayed_before_its_unmap),
		cmocka_unit_test(test_unpaired_maps_skipped),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
