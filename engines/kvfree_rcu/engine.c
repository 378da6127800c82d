/* SPDX-License-Identifier: MIT */
/*
 * engine.c - the kvfree_rcu engines' common part: options, the zone the
 * block pages come from, per-CPU state, objects, and the helpers that
 * use a CPU's pcp set "on that CPU".
 *
 * The handle of an object is its address.  An allocation is a real
 * malloc() of the trace's size (at least the 16 bytes of an rcu_head)
 * behind a hidden header (kvfree_rcu.h); past MMR_OBJ_MAX_BYTES
 * (mmr_size.h) it fails, as kvmalloc would.  A page event's allocation is
 * 2^order frames of the zone instead, taken on the replay thread's CPU as
 * the page engines take them (handle: first frame + 1, never 0); its
 * failure is the runner's failed alloc.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvfree_rcu.h"
#include "mmr_size.h"

/* What became of the calls, beside their latencies: the fallbacks are what seed 003 argues about. */
const struct mmr_engine_outcome kr_outcomes[] = {
	{.key = "fallback_rcu_head", .unit = "calls", .better = MMR_BETTER_FEWER, .op = "kvfree_rcu",
	 .help = "calls with no block page that linked the object's rcu_head instead"},
	{.key = "fallback_sync", .unit = "calls", .better = MMR_BETTER_FEWER, .op = "kvfree_rcu",
	 .help = "headless calls with no block page that waited in synchronize_rcu() then freed"},
	{.key = "page_failures", .unit = "pages", .better = MMR_BETTER_FEWER, .op = "kvfree_rcu",
	 .help = "block pages asked for and not got"},
	{.key = "block_pages_taken", .unit = "pages", .better = MMR_BETTER_NEITHER, .op = "kvfree_rcu",
	 .help = "block pages got"},
	{.key = "trace_page_allocs", .unit = "allocs", .better = MMR_BETTER_NEITHER, .op = "alloc",
	 .help = "the trace's own page allocations (page events) served by the zone the block pages share"},
	{.key = "trace_page_failures", .unit = "allocs", .better = MMR_BETTER_FEWER, .op = "alloc",
	 .help = "the trace's own page allocations the zone could not serve (also in alloc.failed)"},
	{.key = "objects_freed", .unit = "objects", .better = MMR_BETTER_NEITHER,
	 .help = "objects freed after their grace period by the end of the run"},
	{.key = "synchronize_rcu_calls", .unit = "grace periods", .better = MMR_BETTER_NEITHER,
	 .help = "synchronize_rcu() waits for the readers: a monitor's batch, a headless fallback, kvfree-rcu-sync's call"},
	{0},
};

const struct mmr_engine_param kr_params[] = {
	MMR_COST("drain_ms", "20", "a CPU's batch goes to RCU this long (trace time) after its first object, ms", NULL,
		 "kernel/rcu/tree.c KFREE_DRAIN_JIFFIES: HZ/50 from v5.5, seed 003's time; 5*HZ since v6.0 (commit 51824b78)",
		 20, 5000),
	MMR_OPTION("flush_blocks", "0", "also hand a CPU's batch over as soon as it has this many full blocks; 0: only after drain_ms"),
	/*
	 * The block pages share the zone with the trace's page events: a live
	 * capture reading 20,000 files under /usr held 72,070 pages at its
	 * peak (BENCHMARKS.md, issue 17), past the old 65536.  4 GiB of 4 KiB
	 * frames, mapped MAP_NORESERVE with only block pages written: an
	 * untouched frame costs its 12-byte entry in the frame array.
	 */
	MMR_OPTION("zone_pages", "1048576",
		   "frames in the zone the block pages and the trace's page events share (small: pages run out); "
		   "default 4 GiB, the page engines' zone_mb=4096, so trace pages see the zone page-pcp gives them"),
	MMR_OPTION("pcp_high", "0", "pages a CPU's pcp lists hold before draining; 0: the page model's default"),
	MMR_OPTION("pcp_batch", "0", "pages per pcp refill or drain; 0: the page model's default"),
	MMR_OPTION("pool_pages", "200", "kvfree-rcu-pool: pages a CPU's pool is filled to (the thread: 100 to 400)"),
	MMR_OPTION("pool_low", "50", "kvfree-rcu-pool: the watermark; below it the refill worker fills the pool"),
	MMR_OPTION("pool_trim_ms", "1000", "kvfree-rcu-pool: a pool not taken from this long (trace time) is trimmed to pool_low"),
	MMR_OPTION("poison", "0", "1: write 0x6b over an object before freeing it (use-after-free shows)"),
	/*
	 * The readers (readers.c): a grace period lasts one to two sections,
	 * so the kernel's measured grace period is the section's length.
	 */
	MMR_COST("gp_ns", "8000000",
		 "a normal grace period lasts at least this, ns: the kernel's grace-period machinery (its kthread, "
		 "quiescent states noticed at ticks, the forcing scans every few jiffies), whatever the readers do",
		 "rcu_gp_ns",
		 "membarrier(MEMBARRIER_CMD_GLOBAL), the kernel's synchronize_rcu(), timed back to back by mmreplay "
		 "calibrate on the reference machine with /sys/kernel/rcu_expedited 0: 8.0 ms (passes 7.99 and 8.00; "
		 "BENCHMARKS.md, kvfree_rcu grace periods); range: one tick at HZ=1000 to the slowest seen here, 16 ms",
		 1000000, 16000000),
	MMR_COST("reader_ns", "4000000",
		 "an RCU reader's read-side section, ns: a CPU's stretch between the quiescent states RCU notices; a "
		 "normal grace period waits 1 to 2 of them, or gp_ns if longer; 0: no readers", NULL,
		 "one scheduler tick, at which a CPU reports a quiescent state: CONFIG_HZ=250 in the reference "
		 "machine's kernel (/proc/config.gz); range: a tick at HZ=1000 to one at HZ=100", 1000000, 10000000),
	MMR_OPTION("readers", "1", "reader threads (up to 64); a grace period waits for the slowest; 0: none, as before readers"),
	MMR_OPTION("reader_jitter_pct", "0", "a section lasts reader_ns plus up to this percent more, drawn uniformly; 0: exactly reader_ns"),
	MMR_OPTION("reader_gap_ns", "0", "a reader's pause outside any section between two, ns; 0: back to back"),
	MMR_OPTION("expedited", "0",
		   "1: every grace period expedited, as a kernel booted with rcu_expedited=1 (the reference machine "
		   "is): it ends the readers' sections in flight instead of waiting for the next ones"),
	MMR_OPTION("qhimark", "10000",
		   "callbacks a CPU's list grows by past the last forcing before the next grace period forces "
		   "quiescent states, kernel/rcu/tree.c DEFAULT_RCU_QHIMARK (seed 003: \"auto-expediting steps when "
		   "any CPU's callback list exceeds 10,000\"); only kvfree-rcu-callrcu queues a callback per "
		   "object, the block variants one per batch; 0: never"),
	{0},
};

/* The readers' options into E (readers.c).  0, or -1 with ERR. */
static int read_reader_opts(struct kr_engine *e, const struct mmr_engine_env *env, struct mmr_error *err)
{
	uint64_t n, len, jitter, gap, expedited;
	if (mmr_engine_param_u64(env, kr_params, "gp_ns", &e->gp_ns, err) ||
	    mmr_engine_param_u64(env, kr_params, "reader_ns", &len, err) ||
	    mmr_engine_param_u64(env, kr_params, "readers", &n, err) ||
	    mmr_engine_param_u64(env, kr_params, "reader_jitter_pct", &jitter, err) ||
	    mmr_engine_param_u64(env, kr_params, "reader_gap_ns", &gap, err) ||
	    mmr_engine_param_u64(env, kr_params, "expedited", &expedited, err) ||
	    mmr_engine_param_u64(env, kr_params, "qhimark", &e->qhimark, err))
		return -1;
	/* Up to 1 s each: a longer section would hold a run's end (the runner stops readers between sections). */
	const char *bad = n > KR_READERS_MAX ? "readers up to 64"
		: len > 1000000000u ? "reader_ns up to 1000000000"
		: e->gp_ns > 1000000000u ? "gp_ns up to 1000000000"
		: jitter > 1000 ? "reader_jitter_pct up to 1000"
		: gap > 1000000000u ? "reader_gap_ns up to 1000000000"
		: expedited > 1 ? "expedited 0 or 1" : NULL;
	if (bad) {
		snprintf(err->msg, sizeof(err->msg), "kvfree_rcu: %s", bad);
		return -1;
	}
	e->readers.n = len ? (unsigned)n : 0; /* a section of 0 ns: no readers, not readers spinning */
	e->readers.len_ns = len;
	e->readers.jitter_ns = len * jitter / 100;
	e->readers.gap_ns = gap;
	e->expedited = expedited;
	return 0;
}

/* The options into E and CFG; -1 with ERR for a value out of range. */
static int read_opts(struct kr_engine *e, struct mmr_zone_cfg *cfg, const struct mmr_engine_env *env,
		     struct mmr_error *err)
{
	uint64_t drain, zone, high, batch, trim, poison;
	if (mmr_engine_param_u64(env, kr_params, "drain_ms", &drain, err) ||
	    mmr_engine_param_u64(env, kr_params, "flush_blocks", &e->flush_blocks, err) ||
	    mmr_engine_param_u64(env, kr_params, "zone_pages", &zone, err) ||
	    mmr_engine_param_u64(env, kr_params, "pcp_high", &high, err) ||
	    mmr_engine_param_u64(env, kr_params, "pcp_batch", &batch, err) ||
	    mmr_engine_param_u64(env, kr_params, "pool_pages", &e->pool_pages, err) ||
	    mmr_engine_param_u64(env, kr_params, "pool_low", &e->pool_low, err) ||
	    mmr_engine_param_u64(env, kr_params, "pool_trim_ms", &trim, err) ||
	    mmr_engine_param_u64(env, kr_params, "poison", &poison, err))
		return -1;
	const char *bad = drain > 60000 ? "drain_ms up to 60000"
		: zone < 64 || zone > (1ull << 24) ? "zone_pages 64..16777216"
		: high > (1u << 20) || batch > (1u << 20) ? "pcp_high and pcp_batch up to 1048576"
		: e->pool_pages > (1u << 20) ? "pool_pages up to 1048576"
		: e->pool_low > e->pool_pages ? "pool_low above pool_pages"
		: trim > 3600000 ? "pool_trim_ms up to 3600000"
		: poison > 1 ? "poison 0 or 1" : NULL;
	if (bad) {
		snprintf(err->msg, sizeof(err->msg), "kvfree_rcu: %s", bad);
		return -1;
	}
	e->drain_ns = drain * 1000000ull;
	e->trim_ns = trim * 1000000ull;
	e->poison = poison;
	/* The monitors look four times per drain delay: a batch goes at most a quarter late. */
	e->tick_ns = e->drain_ns / 4;
	if (e->tick_ns < 200000)
		e->tick_ns = 200000;
	if (e->tick_ns > 5000000)
		e->tick_ns = 5000000;
	*cfg = (struct mmr_zone_cfg){.pages = zone, .backed = true, .pcp = true, .cpus = env->threads,
				     .pcp_high = (unsigned)high, .pcp_batch = (unsigned)batch};
	return 0;
}

static int init_cpus(struct kr_engine *e)
{
	int rc = 0;
	for (unsigned i = 0; i < e->ncpu; i++) {
		struct kr_cpu *c = &e->cpus[i];
		rc |= mmr_spin_init(&c->lock, "krcp->lock");
		mmr_lock_class_declare(c->lock.cls, MMR_KL_RAW_SPINLOCK, true); /* raw_spin_lock_irqsave */
		rc |= pthread_mutex_init(&c->on_cpu, NULL);
		if (e->v->cpu_pool && e->pool_pages &&
		    !(c->pool = calloc(e->pool_pages, sizeof(*c->pool))))
			rc = -1;
	}
	return rc;
}

unsigned kr_monitors(const struct kr_engine *e)
{
	return e->v->call && !e->v->callbacks ? 1 : e->ncpu;
}

/* The monitors' timers and the refill worker's. */
static int init_timers(struct kr_engine *e, const struct mmr_engine_env *env, struct mmr_error *err)
{
	unsigned n = kr_monitors(e);
	if (!(e->monitors = calloc(n, sizeof(*e->monitors))))
		return -1;
	for (; e->nmonitors < n; e->nmonitors++)
		if (mmr_engine_timer_init(&e->monitors[e->nmonitors], env, "kvfree_rcu monitor", err))
			return -1;
	return e->v->refill ? mmr_engine_timer_init(&e->refill_timer, env, "kvfree_rcu refill", err) : 0;
}

static void fini_timers(struct kr_engine *e)
{
	for (unsigned i = 0; i < e->nmonitors; i++)
		mmr_ttimer_fini(&e->monitors[i]);
	free(e->monitors);
	mmr_ttimer_fini(&e->refill_timer);
}

void *kr_engine_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	const struct kr_variant *v = MMR_ENGINE_VARIANT(env, struct kr_variant, ops, kr_engine_create);
	if (!v) {
		snprintf(err->msg, sizeof(err->msg), "kvfree_rcu: env->engine is not a kvfree_rcu variant's ops");
		return NULL;
	}
	struct mmr_zone_cfg cfg;
	struct kr_engine *e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err->msg, sizeof(err->msg), "kvfree_rcu: out of memory");
		return NULL;
	}
	e->v = v;
	e->ncpu = env->threads ? env->threads : 1;
	if (read_opts(e, &cfg, env, err) || read_reader_opts(e, env, err)) {
		free(e);
		return NULL;
	}
	cfg.cpus = e->ncpu;
	e->cpus = aligned_alloc(64, e->ncpu * sizeof(*e->cpus));
	if (e->cpus)
		memset(e->cpus, 0, e->ncpu * sizeof(*e->cpus));
	err->msg[0] = '\0';
	if (!e->cpus || !(e->zone = mmr_zone_create(&cfg, err)) || init_cpus(e) || init_timers(e, env, err) ||
	    kr_readers_init(&e->readers)) {
		if (!err->msg[0])
			snprintf(err->msg, sizeof(err->msg), "kvfree_rcu: out of memory");
		kr_readers_fini(&e->readers);
		fini_timers(e);
		if (e->zone)
			mmr_zone_destroy(e->zone);
		if (e->cpus)
			for (unsigned i = 0; i < e->ncpu; i++)
				free(e->cpus[i].pool);
		free(e->cpus);
		free(e);
		return NULL;
	}
	e->start_ns = mmr_tclock_origin(env->clock);
	e->sample_ns = 100000000ull; /* 100 ms, doubled whenever the samples fill */
	e->next_sample_ns = e->start_ns;
	if (v->start)
		v->start(e);
	return e;
}

void kr_engine_destroy(void *engine)
{
	struct kr_engine *e = engine;
	kr_drain_all(e);
	kr_wait_reclaimed(e); /* nothing is left after the drain: a check that costs one load */
	for (unsigned i = 0; i < e->ncpu; i++) {
		struct kr_cpu *c = &e->cpus[i];
		for (uint64_t k = 0; k < c->pool_n; k++)
			kr_block_page_free(e, i, c->pool[k]);
		free(c->pool);
		pthread_mutex_destroy(&c->on_cpu);
	}
	fini_timers(e);
	kr_readers_fini(&e->readers);
	mmr_zone_destroy(e->zone);
	free(e->cpus);
	free(e);
}

void *kr_engine_thread_init(void *engine, unsigned tid)
{
	struct kr_engine *e = engine;
	struct kr_thread *t = malloc(sizeof(*t));
	if (!t)
		return NULL;
	*t = (struct kr_thread){e, tid % e->ncpu};
	kr_rcu_register();
	return t;
}

void kr_engine_thread_exit(void *thread)
{
	kr_rcu_unregister();
	free(thread);
}

/* The allocation of a trace's page event on T's CPU, counted apart from the block pages. */
static int trace_page_alloc(struct kr_thread *t, struct mmr_call *op)
{
	struct kr_cpu_counts *n = &t->e->cpus[t->cpu].n;
	uint64_t pfn = kr_cpu_page_alloc(t->e, t->cpu, op->order, mmr_gfp_migratetype(op->gfp),
					 mmr_gfp_pages_flags(op->gfp, op->flags));
	if (pfn == MMR_NO_PAGE) {
		n->trace_page_failures++;
		return MMR_CALL_FAILED;
	}
	n->trace_page_allocs++;
	op->handle = pfn + 1;
	return MMR_CALL_OK;
}

int kr_trace_page_free(struct kr_thread *t, const struct mmr_call *op)
{
	kr_cpu_page_free(t->e, t->cpu, op->handle - 1, op->order);
	t->e->cpus[t->cpu].n.trace_page_frees++;
	return MMR_CALL_OK;
}

int kr_engine_alloc(void *thread, struct mmr_call *op)
{
	struct kr_thread *t = thread;
	if (op->family == MMR_FAM_PAGE)
		return trace_page_alloc(t, op);
	uint64_t size = op->size > KR_MIN_OBJ ? op->size : KR_MIN_OBJ;
	size_t bytes;
	/* Checked: the header plus a trace's size must neither wrap nor ask for absurd memory. */
	struct kr_obj_hdr *h = mmr_obj_bytes(size, sizeof(*h), &bytes) ? malloc(bytes) : NULL;
	if (!h)
		return -1;
	*h = (struct kr_obj_hdr){.e = t->e, .size = size};
	atomic_fetch_add_explicit(&t->e->n.live_bytes, size, memory_order_relaxed);
	op->handle = (uint64_t)(uintptr_t)(h + 1);
	return 0;
}

void kr_obj_free(struct kr_engine *e, void *obj)
{
	struct kr_obj_hdr *h = (struct kr_obj_hdr *)obj - 1;
	uint64_t size = h->size;
	if (e->poison)
		memset(obj, KR_POISON, size);
	free(h);
	atomic_fetch_sub_explicit(&e->n.live_bytes, size, memory_order_relaxed);
	atomic_fetch_add_explicit(&e->n.freed, 1, memory_order_relaxed);
	/* Last: once waiting reaches 0 the engine may be destroyed (kr_wait_reclaimed). */
	atomic_fetch_sub_explicit(&e->n.waiting, 1, memory_order_release);
}

void kr_wait_reclaimed(struct kr_engine *e)
{
	struct timespec ts = {0, 100000};
	while (atomic_load_explicit(&e->n.waiting, memory_order_acquire))
		nanosleep(&ts, NULL);
}

/* Take CPU's on_cpu, counting the times another thread was on it. */
static void enter_cpu(struct kr_cpu *c)
{
	if (pthread_mutex_trylock(&c->on_cpu) == 0)
		return;
	atomic_fetch_add_explicit(&c->on_cpu_waits, 1, memory_order_relaxed);
	pthread_mutex_lock(&c->on_cpu);
}

uint64_t kr_cpu_page_alloc(struct kr_engine *e, unsigned cpu, unsigned order, unsigned mt, unsigned flags)
{
	struct kr_cpu *c = &e->cpus[cpu];
	enter_cpu(c);
	uint64_t pfn = mmr_pages_alloc(e->zone, cpu, order, mt, flags);
	pthread_mutex_unlock(&c->on_cpu);
	return pfn;
}

void kr_cpu_page_free(struct kr_engine *e, unsigned cpu, uint64_t pfn, unsigned order)
{
	struct kr_cpu *c = &e->cpus[cpu];
	enter_cpu(c);
	mmr_pages_free(e->zone, cpu, pfn, order);
	pthread_mutex_unlock(&c->on_cpu);
}

uint64_t kr_block_page_alloc(struct kr_engine *e, unsigned cpu, unsigned flags)
{
	return kr_cpu_page_alloc(e, cpu, 0, MMR_MT_UNMOVABLE, flags);
}

void kr_block_page_free(struct kr_engine *e, unsigned cpu, uint64_t pfn)
{
	kr_cpu_page_free(e, cpu, pfn, 0);
}

void kr_refill_request(struct kr_engine *e, unsigned cpu)
{
	struct kr_cpu *c = &e->cpus[cpu];
	if (atomic_load_explicit(&c->need_refill, memory_order_relaxed) ||
	    atomic_exchange_explicit(&c->need_refill, true, memory_order_acq_rel))
		return;
	mmr_ttimer_kick(&e->refill_timer);
}

void kr_note_gp(struct kr_engine *e, uint64_t gp)
{
	atomic_fetch_add_explicit(&e->n.gp_batches, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&e->n.gp_ns_total, gp, memory_order_relaxed);
	mmr_max_u64(&e->n.gp_ns_max, gp);
}

void kr_synchronize_counted(struct kr_engine *e, bool force)
{
	kr_note_gp(e, kr_synchronize(e, force));
}
