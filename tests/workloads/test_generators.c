/* SPDX-License-Identifier: MIT */
/*
 * test_generators.c - every workload, written with the real trace writer
 * and read back with the real reader: exactly --ops events, byte-identical
 * for the same seed and different for another, timestamps in order, CPUs
 * in range, the workload's family only, named tasks and call sites, and
 * every free, release, kvfree_rcu, unmap, vunmap and detach naming
 * something live.  Then what each workload promises on top of that.
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

#include "mmr_idmap.h"
#include "mmr_trace.h"
#include "mmr_workload.h"

#define OPS 20000
#define CPUS 3

static char dir[] = "/tmp/mmr-test-wlgen-XXXXXX";

static const char *tmp_path(const char *name)
{
	static char buf[4][256];
	static int slot;
	char *p = buf[slot++ % 4];
	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	const char *names[] = {"a.mmr", "b.mmr", "c.mmr", "t.mmr"};
	for (size_t i = 0; i < 4; i++)
		unlink(tmp_path(names[i]));
	rmdir(dir);
	return 0;
}

static struct mmr_workload_config config(const char *name, uint64_t seed, uint32_t cpus,
					 uint64_t ops)
{
	struct mmr_workload_config cfg = {.seed = seed, .cpus = cpus, .ops = ops};
	mmr_workload_defaults(mmr_workload_find(name), &cfg);
	return cfg;
}

static void set_param(const char *wl, struct mmr_workload_config *cfg, const char *p, uint64_t v)
{
	int i = mmr_workload_param_index(mmr_workload_find(wl), p);
	assert_true(i >= 0);
	cfg->params[i] = v;
}

/* Generate NAME into PATH the way the CLI does, and check it holds exactly cfg->ops events. */
static void generate(const char *name, const struct mmr_workload_config *cfg, const char *path)
{
	struct mmr_error err = {{0}};
	if (mmr_workload_write(mmr_workload_find(name), cfg, path, NULL, &err))
		fail_msg("%s", err.msg);
	struct mmr_reader *r = mmr_reader_open(path, &err);
	if (!r)
		fail_msg("%s", err.msg);
	assert_int_equal(mmr_reader_event_count(r), cfg->ops);
	assert_non_null(strstr(mmr_reader_meta(r)->source, name));
	mmr_reader_close(r);
}

/* What a pass over a trace found. */
struct summary {
	uint64_t events;
	uint64_t op[MMR_OP_COUNT];
	uint64_t flag[8];      /* events with flag bit i */
	uint64_t frees;        /* events ending a life */
	uint64_t cross_frees;  /* ... on another CPU than the allocation */
	uint64_t max_live;
	uint64_t reused;       /* allocations of an id that an earlier life had */
	uint64_t live_end, maps_end, vmaps_end, attach_end;
};

typedef void (*each_fn)(const struct mmr_event *ev, void *arg);

/* Object state in the live map: allocating cpu, then flag bits, then attachments. */
#define ST_MAPPED (1ull << 32)
#define ST_VMAPPED (1ull << 33)
#define ST_ATT1 (1ull << 40)

/* Check one event against the live objects; fails the test with the event's index. */
static void check_pairing(const struct mmr_event *ev, uint64_t i, struct mmr_idmap *live,
			  struct mmr_idmap *atts, struct mmr_idmap *dead, struct summary *sum)
{
	uint64_t *st = mmr_idmap_get(live, ev->id);
	const char *op = mmr_op_name(ev->op);
	if (ev->op == MMR_OP_ALLOC || ev->op == MMR_OP_REALLOC) {
		if (st)
			fail_msg("event %llu: %s of id %#llx, which is already live",
				 (unsigned long long)i, op, (unsigned long long)ev->id);
		assert_int_equal(mmr_idmap_put(live, ev->id, ev->cpu), 0);
		sum->reused += mmr_idmap_del(dead, ev->id, NULL);
		return;
	}
	if (ev->op == MMR_OP_COMPACT || ev->op == MMR_OP_PURGE)
		return;
	if (!st)
		fail_msg("event %llu: %s of id %#llx, which is not live", (unsigned long long)i, op,
			 (unsigned long long)ev->id);
	switch (ev->op) {
	case MMR_OP_MAP:
		assert_false(*st & ST_MAPPED);
		*st |= ST_MAPPED;
		break;
	case MMR_OP_UNMAP:
		assert_true(*st & ST_MAPPED);
		*st &= ~ST_MAPPED;
		break;
	case MMR_OP_VMAP:
		assert_false(*st & ST_VMAPPED);
		*st |= ST_VMAPPED;
		break;
	case MMR_OP_VUNMAP:
		assert_true(*st & ST_VMAPPED);
		*st &= ~ST_VMAPPED;
		break;
	case MMR_OP_ATTACH:
		assert_null(mmr_idmap_get(atts, ev->aux));
		*st += ST_ATT1;
		assert_int_equal(mmr_idmap_put(atts, ev->aux, ev->id), 0);
		break;
	case MMR_OP_DETACH: {
		uint64_t *owner = mmr_idmap_get(atts, ev->aux);
		if (!owner || *owner != ev->id)
			fail_msg("event %llu: detach of attachment %#llx not on buffer %#llx",
				 (unsigned long long)i, (unsigned long long)ev->aux,
				 (unsigned long long)ev->id);
		*st -= ST_ATT1;
		mmr_idmap_del(atts, ev->aux, NULL);
		break;
	}
	case MMR_OP_MOVE:
		break;
	default:
		assert_true(mmr_op_ends_object(ev->op));
		if (*st & ~0xffffffffull)
			fail_msg("event %llu: %s of id %#llx while mapped or attached",
				 (unsigned long long)i, op, (unsigned long long)ev->id);
		sum->frees++;
		sum->cross_frees += (uint32_t)*st != ev->cpu;
		mmr_idmap_del(live, ev->id, NULL);
		assert_int_equal(mmr_idmap_put(dead, ev->id, 1), 0);
	}
}

static void summarise_end(struct mmr_idmap *live, struct summary *sum)
{
	size_t pos = 0;
	uint64_t key, val;
	sum->live_end = live->len;
	while (mmr_idmap_next(live, &pos, &key, &val)) {
		sum->maps_end += !!(val & ST_MAPPED);
		sum->vmaps_end += !!(val & ST_VMAPPED);
		sum->attach_end += val >> 40;
	}
}

/* Read PATH back and check everything every workload must hold. */
static struct summary check_trace(const char *path, const char *name,
				  const struct mmr_workload_config *cfg, each_fn each, void *arg)
{
	const struct mmr_workload *wl = mmr_workload_find(name);
	struct summary sum = {0};
	struct mmr_error err = {{0}};
	struct mmr_idmap live, atts, dead;
	struct mmr_event ev;
	uint64_t prev_ts = 0;
	int rc;
	struct mmr_reader *r = mmr_reader_open(path, &err);
	if (!r)
		fail_msg("%s", err.msg);
	assert_null(mmr_reader_warning(r));
	assert_int_equal(mmr_reader_event_count(r), cfg->ops);
	assert_int_equal(mmr_reader_meta(r)->nr_cpus, cfg->cpus);
	assert_int_equal(mmr_idmap_init(&live, 1024), 0);
	assert_int_equal(mmr_idmap_init(&atts, 64), 0);
	assert_int_equal(mmr_idmap_init(&dead, 1024), 0);
	while ((rc = mmr_reader_next(r, &ev, &err)) == 1) {
		uint64_t i = sum.events++;
		if (ev.ts_ns < prev_ts)
			fail_msg("%s event %llu: timestamp %llu after %llu", name,
				 (unsigned long long)i, (unsigned long long)ev.ts_ns,
				 (unsigned long long)prev_ts);
		prev_ts = ev.ts_ns;
		assert_true(ev.cpu < cfg->cpus);
		assert_int_equal(ev.family, wl->family);
		assert_true(ev.op < MMR_OP_COUNT);
		if (!mmr_reader_comm(r, ev.pid))
			fail_msg("%s event %llu: pid %d has no comm", name, (unsigned long long)i,
				 ev.pid);
		assert_true(ev.call_site != 0);
		if (!mmr_reader_symbol(r, ev.call_site))
			fail_msg("%s event %llu: call site %#llx has no symbol", name,
				 (unsigned long long)i, (unsigned long long)ev.call_site);
		sum.op[ev.op]++;
		for (int b = 0; b < 8; b++)
			sum.flag[b] += (ev.flags >> b) & 1;
		check_pairing(&ev, i, &live, &atts, &dead, &sum);
		if (live.len > sum.max_live)
			sum.max_live = live.len;
		if (each)
			each(&ev, arg);
	}
	if (rc < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(sum.events, cfg->ops);
	summarise_end(&live, &sum);
	mmr_idmap_destroy(&live);
	mmr_idmap_destroy(&atts);
	mmr_idmap_destroy(&dead);
	mmr_reader_close(r);
	return sum;
}

/* Generate with CFG and check the common rules; the trace is left at t.mmr. */
static struct summary run(const char *name, const struct mmr_workload_config *cfg, each_fn each,
			  void *arg)
{
	const char *path = tmp_path("t.mmr");
	generate(name, cfg, path);
	return check_trace(path, name, cfg, each, arg);
}

static bool same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	assert_non_null(fa);
	assert_non_null(fb);
	bool same = true;
	int ca, cb;
	do {
		ca = fgetc(fa);
		cb = fgetc(fb);
		same = ca == cb;
	} while (same && ca != EOF);
	fclose(fa);
	fclose(fb);
	return same;
}

static void test_determinism(void **state)
{
	(void)state;
	for (size_t i = 0; i < mmr_workload_count(); i++) {
		const char *name = mmr_workload_get(i)->name;
		struct mmr_workload_config one = config(name, 1, CPUS, OPS);
		struct mmr_workload_config two = config(name, 2, CPUS, OPS);
		generate(name, &one, tmp_path("a.mmr"));
		generate(name, &one, tmp_path("b.mmr"));
		generate(name, &two, tmp_path("c.mmr"));
		if (!same_file(tmp_path("a.mmr"), tmp_path("b.mmr")))
			fail_msg("%s: same seed, different traces", name);
		if (same_file(tmp_path("a.mmr"), tmp_path("c.mmr")))
			fail_msg("%s: seeds 1 and 2 gave the same trace", name);
	}
}

/* The trace ends balanced: everything closed, except at most one object
 * allocated by the very last events when the budget left no room to close
 * it (an odd number of events cannot be all pairs). */
static void assert_balanced(const char *name, const struct summary *sum)
{
	if (sum->live_end > 1 || sum->maps_end + sum->vmaps_end + sum->attach_end > 0)
		fail_msg("%s: %llu objects, %llu maps, %llu vmaps, %llu attachments left open", name,
			 (unsigned long long)sum->live_end, (unsigned long long)sum->maps_end,
			 (unsigned long long)sum->vmaps_end, (unsigned long long)sum->attach_end);
}

/* Every workload at its defaults, on several seeds: the common rules, balanced. */
static void test_common_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < mmr_workload_count(); i++) {
		const char *name = mmr_workload_get(i)->name;
		for (uint64_t seed = 7; seed < 10; seed++) {
			struct mmr_workload_config cfg = config(name, seed, CPUS, OPS);
			struct summary sum = run(name, &cfg, NULL, NULL);
			assert_true(sum.op[MMR_OP_ALLOC] > 0);
			assert_true(sum.frees > 0);
			assert_balanced(name, &sum);
			/* Freed addresses come back, as from a real allocator (a
			 * kvfree_rcu()'d one only after a grace period: see below). */
			if (strcmp(name, "kfree-rcu-flood") != 0 && !sum.reused)
				fail_msg("%s: no address was ever reused", name);
		}
	}
}

/* Tiny and odd budgets: still exactly ops events, still sane pairs. */
static void test_exact_ops(void **state)
{
	(void)state;
	static const uint64_t ops[] = {1, 2, 3, 4, 5, 7, 11, 50, 333, 1001};
	static const uint32_t cpus[] = {1, 2, 5};
	for (size_t i = 0; i < mmr_workload_count(); i++) {
		const char *name = mmr_workload_get(i)->name;
		for (size_t j = 0; j < sizeof(ops) / sizeof(ops[0]); j++)
			for (size_t k = 0; k < sizeof(cpus) / sizeof(cpus[0]); k++) {
				struct mmr_workload_config cfg = config(name, j + 1, cpus[k], ops[j]);
				struct summary sum = run(name, &cfg, NULL, NULL);
				assert_balanced(name, &sum);
			}
	}
}

/* ---- vmalloc-test ------------------------------------------------------ */

struct vm_seen {
	uint64_t max_bytes, aligned, partial, lazy;
	struct mmr_idmap freed; /* freed since the last purge (lazy mode) */
};

static void vm_each(const struct mmr_event *ev, void *arg)
{
	struct vm_seen *v = arg;
	if (ev->op == MMR_OP_PURGE) {
		mmr_idmap_destroy(&v->freed);
		assert_int_equal(mmr_idmap_init(&v->freed, 64), 0);
		return;
	}
	if (ev->op == MMR_OP_FREE && v->lazy)
		assert_int_equal(mmr_idmap_put(&v->freed, ev->id, 1), 0);
	if (ev->op != MMR_OP_ALLOC)
		return;
	/* vfree is lazy: an address comes back only after a purge. */
	if (mmr_idmap_get(&v->freed, ev->id))
		fail_msg("vmalloc-test: %#llx reused before a purge", (unsigned long long)ev->id);
	uint64_t pages = (ev->bytes_req + 4095) / 4096;
	/* Whole pages plus the guard page. */
	assert_int_equal(ev->bytes_alloc, (pages + 1) * 4096);
	assert_true(ev->aux >= 4096 && (ev->aux & (ev->aux - 1)) == 0);
	assert_int_equal(ev->id % ev->aux, 0);
	assert_int_equal(ev->gfp, 0xcc0);
	v->max_bytes = ev->bytes_req > v->max_bytes ? ev->bytes_req : v->max_bytes;
	v->aligned += ev->aux > 4096;
	v->partial += ev->bytes_req % 4096 != 0;
}

static void test_vmalloc(void **state)
{
	(void)state;
	struct vm_seen v = {.lazy = 1};
	struct mmr_workload_config cfg = config("vmalloc-test", 3, CPUS, OPS);
	set_param("vmalloc-test", &cfg, "lazy-max-pages", 2048);
	assert_int_equal(mmr_idmap_init(&v.freed, 64), 0);
	struct summary sum = run("vmalloc-test", &cfg, vm_each, &v);
	mmr_idmap_destroy(&v.freed);
	assert_true(sum.op[MMR_OP_FREE] > 0);
	assert_true(sum.op[MMR_OP_PURGE] > 0);
	assert_true(v.aligned > 0 && v.partial > 0);
	assert_true(v.max_bytes <= 100 * 4096 && v.max_bytes > 50 * 4096);
	/* full-fit keeps 2 * loops areas per CPU live. */
	assert_true(sum.max_live >= 2 * 256);

	/* Only the random-size test, no purges, a small size limit. */
	memset(&v, 0, sizeof(v));
	cfg = config("vmalloc-test", 3, 2, OPS);
	set_param("vmalloc-test", &cfg, "tests", 4);
	set_param("vmalloc-test", &cfg, "max-pages", 3);
	set_param("vmalloc-test", &cfg, "lazy-max-pages", 0);
	assert_int_equal(mmr_idmap_init(&v.freed, 64), 0);
	sum = run("vmalloc-test", &cfg, vm_each, &v);
	mmr_idmap_destroy(&v.freed);
	assert_int_equal(sum.op[MMR_OP_PURGE], 0);
	assert_int_equal(v.aligned, 0);
	assert_true(v.max_bytes <= 3 * 4096);
	assert_true(sum.max_live <= 2);
}

/* ---- kfree-rcu-flood --------------------------------------------------- */

/* When each kvfree_rcu()'d address was freed. */
static void kf_each(const struct mmr_event *ev, void *arg)
{
	struct mmr_idmap *freed_at = arg;
	if (ev->op == MMR_OP_ALLOC) {
		assert_int_equal(ev->bytes_req, 24);
		assert_int_equal(ev->bytes_alloc, 32);
		/* Not before a grace period (20 ms by default) has passed. */
		uint64_t *t = mmr_idmap_get(freed_at, ev->id);
		if (t && ev->ts_ns - *t < 20000000)
			fail_msg("kfree-rcu-flood: %#llx reused %llu ns after kvfree_rcu",
				 (unsigned long long)ev->id, (unsigned long long)(ev->ts_ns - *t));
	} else {
		assert_int_equal(ev->op, MMR_OP_KVFREE_RCU);
		assert_int_equal(ev->flags & ~MMR_EF_HEADLESS, 0);
		assert_int_equal(mmr_idmap_put(freed_at, ev->id, ev->ts_ns), 0);
	}
}

static void test_kfree_rcu(void **state)
{
	(void)state;
	struct mmr_idmap freed_at;
	struct mmr_workload_config cfg = config("kfree-rcu-flood", 4, CPUS, OPS);
	set_param("kfree-rcu-flood", &cfg, "burst", 500);
	set_param("kfree-rcu-flood", &cfg, "pause-us", 5000);
	assert_int_equal(mmr_idmap_init(&freed_at, 1024), 0);
	struct summary sum = run("kfree-rcu-flood", &cfg, kf_each, &freed_at);
	mmr_idmap_destroy(&freed_at);
	assert_true(sum.reused > 0);
	uint64_t n = sum.op[MMR_OP_KVFREE_RCU];
	assert_int_equal(sum.op[MMR_OP_ALLOC], n);
	assert_int_equal(n, OPS / 2);
	/* 50% headless by default. */
	assert_true(sum.flag[1] > n * 40 / 100 && sum.flag[1] < n * 60 / 100);
	/* Bursts: a CPU holds up to a burst of objects before freeing them. */
	assert_true(sum.max_live > 500 && sum.max_live <= 500 * CPUS);

	set_param("kfree-rcu-flood", &cfg, "headless-pct", 0);
	sum = run("kfree-rcu-flood", &cfg, NULL, NULL);
	assert_int_equal(sum.flag[1], 0);
	set_param("kfree-rcu-flood", &cfg, "headless-pct", 100);
	sum = run("kfree-rcu-flood", &cfg, NULL, NULL);
	assert_int_equal(sum.flag[1], sum.op[MMR_OP_KVFREE_RCU]);
}

/* ---- zram-swap --------------------------------------------------------- */

struct zs_seen {
	uint64_t allocs, whole, map_write, map_read;
};

static void zs_each(const struct mmr_event *ev, void *arg)
{
	struct zs_seen *z = arg;
	if (ev->op == MMR_OP_ALLOC) {
		assert_true(ev->bytes_req >= 1 && ev->bytes_req <= 4096);
		assert_true(ev->bytes_alloc >= ev->bytes_req && ev->bytes_alloc >= 32);
		assert_true(ev->bytes_alloc <= 4096 && ev->bytes_alloc % 16 == 0);
		assert_true(ev->bytes_alloc - ev->bytes_req < 32);
		/* Pages compressing worse than the huge class are stored whole. */
		assert_true(ev->bytes_req <= 3264 || ev->bytes_req == 4096);
		z->allocs++;
		z->whole += ev->bytes_req == 4096;
	} else if (ev->op == MMR_OP_MAP) {
		z->map_write += (ev->flags & MMR_EF_MAP_WRITE) != 0;
		z->map_read += (ev->flags & MMR_EF_MAP_WRITE) == 0;
	}
}

static void test_zram(void **state)
{
	(void)state;
	struct zs_seen z = {0};
	struct mmr_workload_config cfg = config("zram-swap", 5, CPUS, OPS);
	struct summary sum = run("zram-swap", &cfg, zs_each, &z);
	assert_true(sum.op[MMR_OP_COMPACT] > 0);
	assert_true(z.map_read > 0);
	/* Every handle is written once, right after zs_malloc (but a last
	 * zs_malloc may end the trace). */
	assert_true(z.allocs - z.map_write <= 1);
	assert_int_equal(sum.op[MMR_OP_MAP], sum.op[MMR_OP_UNMAP]);
	/* 10% incompressible plus 90% * 4.5% too poor to store compressed. */
	assert_true(z.whole > z.allocs * 11 / 100 && z.whole < z.allocs * 18 / 100);

	memset(&z, 0, sizeof(z));
	set_param("zram-swap", &cfg, "incompressible-pct", 100);
	set_param("zram-swap", &cfg, "compact-ms", 0);
	set_param("zram-swap", &cfg, "slots", 50);
	sum = run("zram-swap", &cfg, zs_each, &z);
	assert_int_equal(z.whole, z.allocs);
	assert_int_equal(sum.op[MMR_OP_COMPACT], 0);
	assert_true(sum.max_live <= 50);
}

/* ---- hugetlb-cma ------------------------------------------------------- */

/* The pfn released last; a new allocation takes it (the bitmap's first fit). */
static void hc_each(const struct mmr_event *ev, void *arg)
{
	uint64_t *last_released = arg;
	if (ev->op == MMR_OP_ALLOC && *last_released)
		assert_int_equal(ev->id, *last_released);
	*last_released = ev->op == MMR_OP_ALLOC ? 0 : ev->id;
	assert_int_equal(ev->order, 18);
	assert_int_equal(ev->bytes_req, 1ull << 30);
	assert_int_equal(ev->id % (1u << 18), 0);
	if (ev->op == MMR_OP_ALLOC)
		assert_int_equal(ev->bytes_alloc, 1ull << 30);
	assert_int_equal(ev->op == MMR_OP_RELEASE_NOWAIT, (ev->flags & MMR_EF_ATOMIC) != 0);
}

static void test_hugetlb_cma(void **state)
{
	(void)state;
	uint64_t last = 0;
	struct mmr_workload_config cfg = config("hugetlb-cma", 6, CPUS, OPS);
	struct summary sum = run("hugetlb-cma", &cfg, hc_each, &last);
	uint64_t rel = sum.op[MMR_OP_RELEASE], nowait = sum.op[MMR_OP_RELEASE_NOWAIT];
	assert_int_equal(sum.op[MMR_OP_ALLOC], rel + nowait);
	assert_true(nowait > (rel + nowait) * 40 / 100 && nowait < (rel + nowait) * 60 / 100);
	assert_true(sum.max_live == 8);

	set_param("hugetlb-cma", &cfg, "area-pages", 2);
	set_param("hugetlb-cma", &cfg, "nowait-pct", 0);
	last = 0;
	sum = run("hugetlb-cma", &cfg, hc_each, &last);
	assert_int_equal(sum.op[MMR_OP_RELEASE_NOWAIT], 0);
	assert_true(sum.max_live <= 2);
	set_param("hugetlb-cma", &cfg, "nowait-pct", 100);
	last = 0;
	sum = run("hugetlb-cma", &cfg, hc_each, &last);
	assert_int_equal(sum.op[MMR_OP_RELEASE], 0);
}

/* ---- cma-bulk ---------------------------------------------------------- */

struct cb_seen {
	uint64_t live, max_live, bursts, last_cpu_op[2];
};

/* Order-4 chunks, aligned, inside the area; a session's chunks come in a burst before any goes back. */
static void cb_each(const struct mmr_event *ev, void *arg)
{
	struct cb_seen *c = arg;
	assert_int_equal(ev->order, 4);
	assert_int_equal(ev->bytes_req, 16 * 4096);
	assert_int_equal(ev->id % 16, 0);
	assert_true(ev->id >= 0x100000 && ev->id < 0x100000 + 8192 * 16);
	assert_true(ev->op == MMR_OP_ALLOC || ev->op == MMR_OP_RELEASE);
	if (ev->op == MMR_OP_ALLOC) {
		if (++c->live > c->max_live)
			c->max_live = c->live;
	} else {
		c->live--;
	}
	if (ev->cpu < 2) {
		c->bursts += ev->op == MMR_OP_ALLOC && c->last_cpu_op[ev->cpu] != MMR_OP_ALLOC;
		c->last_cpu_op[ev->cpu] = ev->op;
	}
}

static void test_cma_bulk(void **state)
{
	(void)state;
	struct cb_seen c = {.last_cpu_op = {MMR_OP_RELEASE, MMR_OP_RELEASE}};
	struct mmr_workload_config cfg = config("cma-bulk", 7, 2, 60000);
	set_param("cma-bulk", &cfg, "chunks", 4800);
	struct summary sum = run("cma-bulk", &cfg, cb_each, &c);
	assert_int_equal(sum.op[MMR_OP_ALLOC], sum.op[MMR_OP_RELEASE]);
	/* Two players of 4800 chunks do not fit 8192: the area fills and a session plays with less. */
	assert_int_equal(c.max_live, 8192);
	/* Thousands of events, a handful of sessions: the chunks come in bursts. */
	assert_true(c.bursts >= 2 && c.bursts < sum.op[MMR_OP_ALLOC] / 1000);

	memset(&c, 0, sizeof(c));
	c.last_cpu_op[0] = c.last_cpu_op[1] = MMR_OP_RELEASE;
	set_param("cma-bulk", &cfg, "chunks", 100);
	sum = run("cma-bulk", &cfg, cb_each, &c);
	assert_true(c.max_live <= 200);
}

/* ---- fbdev-damage ------------------------------------------------------ */

struct fd_seen {
	uint64_t last_vmap, vmaps, off_beat, fb;
};

static void fd_each(const struct mmr_event *ev, void *arg)
{
	struct fd_seen *f = arg;
	if (ev->op == MMR_OP_ALLOC && !f->fb)
		f->fb = ev->id; /* the framebuffer comes first */
	if (ev->op == MMR_OP_ATTACH || ev->op == MMR_OP_DETACH)
		assert_true(ev->aux != 0);
	if (ev->op != MMR_OP_VMAP && ev->op != MMR_OP_VUNMAP)
		return;
	assert_int_equal(ev->id, f->fb);
	assert_int_equal(ev->bytes_req, 1920 * 1080 * 4);
	if (ev->op == MMR_OP_VMAP) {
		uint64_t gap = ev->ts_ns - f->last_vmap;
		if (f->vmaps++ && gap != 16666666 && gap != 16666667)
			f->off_beat++;
		f->last_vmap = ev->ts_ns;
	} else {
		assert_int_equal(ev->ts_ns - f->last_vmap, 1500000);
	}
}

static void test_fbdev(void **state)
{
	(void)state;
	struct fd_seen f = {0};
	struct mmr_workload_config cfg = config("fbdev-damage", 8, CPUS, OPS);
	struct summary sum = run("fbdev-damage", &cfg, fd_each, &f);
	assert_true(f.vmaps > 50);
	assert_int_equal(f.off_beat, 0);
	assert_true(sum.op[MMR_OP_ATTACH] > 0 && sum.op[MMR_OP_DETACH] > 0);
	assert_true(sum.op[MMR_OP_MOVE] > 0);
	assert_int_equal(sum.op[MMR_OP_ALLOC], sum.op[MMR_OP_FREE]);
	/* 16 client buffers at most, and the framebuffer. */
	assert_true(sum.max_live > 8 && sum.max_live <= 17);

	set_param("fbdev-damage", &cfg, "move-pct", 0);
	set_param("fbdev-damage", &cfg, "max-buffers", 2);
	sum = run("fbdev-damage", &cfg, NULL, NULL);
	assert_int_equal(sum.op[MMR_OP_MOVE], 0);
	assert_true(sum.max_live <= 3);
}

/* ---- slab-mix ---------------------------------------------------------- */

struct sm_seen {
	uint64_t cache_allocs, cache_frees, atomic;
};

static void sm_each(const struct mmr_event *ev, void *arg)
{
	static const uint64_t classes[] = {8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192};
	struct sm_seen *m = arg;
	if (ev->op == MMR_OP_FREE) {
		m->cache_frees += (ev->flags & MMR_EF_CACHE) != 0;
		return;
	}
	assert_true(ev->bytes_alloc >= ev->bytes_req && ev->bytes_req >= 1);
	assert_true(ev->gfp == 0xcc0 || ev->gfp == 0xa20);
	assert_int_equal(ev->gfp == 0xa20, (ev->flags & MMR_EF_ATOMIC) != 0);
	m->atomic += ev->gfp == 0xa20;
	if (ev->flags & MMR_EF_CACHE) {
		m->cache_allocs++;
		return;
	}
	/* kmalloc: the smallest class that holds the request. */
	size_t i = 0;
	while (classes[i] < ev->bytes_req)
		i++;
	assert_int_equal(ev->bytes_alloc, classes[i]);
}

static void test_slab(void **state)
{
	(void)state;
	struct sm_seen m = {0};
	struct mmr_workload_config cfg = config("slab-mix", 9, CPUS, OPS);
	struct summary sum = run("slab-mix", &cfg, sm_each, &m);
	uint64_t allocs = sum.op[MMR_OP_ALLOC];
	assert_int_equal(allocs, sum.op[MMR_OP_FREE]);
	assert_int_equal(m.cache_allocs, m.cache_frees);
	assert_true(m.cache_allocs > allocs * 30 / 100 && m.cache_allocs < allocs * 50 / 100);
	assert_true(m.atomic > allocs * 5 / 100 && m.atomic < allocs * 15 / 100);
	assert_true(sum.cross_frees > sum.frees * 7 / 100 && sum.cross_frees < sum.frees * 13 / 100);

	set_param("slab-mix", &cfg, "cross-cpu-pct", 0);
	set_param("slab-mix", &cfg, "cache-pct", 0);
	memset(&m, 0, sizeof(m));
	sum = run("slab-mix", &cfg, sm_each, &m);
	assert_int_equal(sum.cross_frees, 0);
	assert_int_equal(m.cache_allocs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_determinism), cmocka_unit_test(test_common_rules),
		cmocka_unit_test(test_exact_ops),   cmocka_unit_test(test_vmalloc),
		cmocka_unit_test(test_kfree_rcu),   cmocka_unit_test(test_zram),
		cmocka_unit_test(test_hugetlb_cma), cmocka_unit_test(test_cma_bulk), cmocka_unit_test(test_fbdev),
		cmocka_unit_test(test_slab),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
