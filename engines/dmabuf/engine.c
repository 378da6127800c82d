/* SPDX-License-Identifier: MIT */
/*
 * engine.c - the dma-buf engines' common part: buffers' lives, attach and
 * detach, the trace's moves, the evictor worker and the report.  A
 * buffer's handle is its descriptor's address.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dmabuf.h"
#include "mmr_counters.h"
#include "mmr_size.h"

const struct mmr_engine_param db_params[] = {
	MMR_COST("vmap_ns_per_page", MMR_REF_PTE_MAP_NS, "page-table setup per page when a mapping is built, ns", "pte_map_ns",
		 MMR_REF_MACHINE, 5, 1000),
	MMR_COST("vunmap_ns_per_page", MMR_REF_PTE_UNMAP_NS, "teardown per page (with its TLB flush share), ns", "pte_unmap_ns",
		 MMR_REF_MACHINE, 2, 1000),
	MMR_COST("move_ns_per_page", "230", "copy between domains per page of a move, ns (a page copy: a lower bound)",
		 "page_copy_ns", MMR_REF_MACHINE, 20, 10000),
	MMR_OPTION("copy_kib", "2048", "damage copied per frame, KiB: real memcpy from a shadow buffer"),
	MMR_COST("frame_us", "16667", "the damage worker's deadline per frame (60 Hz), us", NULL,
		 "60 Hz, the refresh of the fbdev emulation's display (seed 001a's damage worker)", 6944, 33334),
	MMR_COST("evict_us", "1000", "the evictor tries to move a random buffer this often in trace time, us; 0: none", NULL,
		 "assumed: TTM evicts under memory pressure, at no fixed rate; 1 ms is one attempt a millisecond", 100, 100000),
	{0},
};

/* What the buffers' users got, beside the ops' latencies; failed moves are the runner's move.failed. */
const struct mmr_engine_outcome db_outcomes[] = {
	{.key = "moved_while_mapped", .unit = "frames", .better = MMR_BETTER_FEWER, .op = "vunmap",
	 .help = "frames read through a mapping of the place the buffer had left (moved while mapped)"},
	{.key = "missed_frames", .unit = "frames", .better = MMR_BETTER_FEWER, .op = "vunmap",
	 .help = "frames whose work (the vmap call, and the vunmap call with the copy) took longer than frame_us"},
	{.key = "maps_built", .unit = "mappings", .better = MMR_BETTER_FEWER, .op = "vmap",
	 .help = "kernel mappings built (vmap_ns_per_page a page each)"},
	{.key = "cache_hits", .unit = "vmaps", .better = MMR_BETTER_MORE, .op = "vmap",
	 .help = "vmaps that found the exporter's cached mapping"},
	{.key = "evictions", .unit = "moves", .better = MMR_BETTER_MORE, .help = "buffers the evictor moved"},
	{.key = "eviction_failures", .unit = "moves", .better = MMR_BETTER_FEWER,
	 .help = "evictor moves that failed: the buffer was pinned"},
	{.key = "scanout_blocked", .unit = "moves", .better = MMR_BETTER_FEWER,
	 .help = "moves (the trace's and the evictor's) refused by a pin holding the buffer outside VRAM, where scanout needs it"},
	{.key = "deferred_ops", .unit = "calls", .better = MMR_BETTER_NEITHER,
	 .help = "ops queued behind a holder's vunmap (their cost is paid there)"},
	{0},
};

static int read_opts(struct db_engine *e, const struct mmr_engine_env *env, struct mmr_error *err)
{
	uint64_t copy_kib, frame_us;
	if (mmr_engine_param_u64(env, db_params, "vmap_ns_per_page", &e->vmap_ns_per_page, err) ||
	    mmr_engine_param_u64(env, db_params, "vunmap_ns_per_page", &e->vunmap_ns_per_page, err) ||
	    mmr_engine_param_u64(env, db_params, "move_ns_per_page", &e->move_ns_per_page, err) ||
	    mmr_engine_param_u64(env, db_params, "copy_kib", &copy_kib, err) ||
	    mmr_engine_param_u64(env, db_params, "frame_us", &frame_us, err) ||
	    mmr_engine_param_u64(env, db_params, "evict_us", &e->evict_us, err))
		return -1;
	if (e->vmap_ns_per_page > 1000000 || e->vunmap_ns_per_page > 1000000 || e->move_ns_per_page > 1000000 ||
	    copy_kib > (1u << 20) || frame_us == 0 || frame_us > 10000000 || e->evict_us > 10000000) {
		snprintf(err->msg, sizeof(err->msg),
			 "dmabuf: per-page costs up to 1000000 ns, copy_kib up to 1048576, frame_us 1..10000000, "
			 "evict_us up to 10000000");
		return -1;
	}
	e->copy_bytes = copy_kib * 1024;
	e->frame_ns = frame_us * 1000;
	return 0;
}

void *db_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	const struct db_variant *v = MMR_ENGINE_VARIANT(env, struct db_variant, ops, db_create);
	if (!v) {
		snprintf(err->msg, sizeof(err->msg), "dmabuf: env->engine is not a dma-buf variant's ops");
		return NULL;
	}
	struct db_engine *e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err->msg, sizeof(err->msg), "dmabuf: out of memory");
		return NULL;
	}
	e->v = v;
	/* The evictor's timer only when there is an evictor to sleep on it. */
	if (read_opts(e, env, err) ||
	    (e->evict_us && mmr_engine_timer_init(&e->evict_timer, env, "dma-buf evictor", err))) {
		free(e);
		return NULL;
	}
	e->nr_threads = env->threads ? env->threads : 1;
	/* One more for the evictor; each on its own cache lines, as a thread's counts change on every call. */
	e->threads = aligned_alloc(64, (e->nr_threads + 1) * sizeof(*e->threads));
	e->shadow = malloc(e->copy_bytes ? e->copy_bytes : 1);
	if (!e->threads || !e->shadow) {
		snprintf(err->msg, sizeof(err->msg), "dmabuf: out of memory");
		mmr_ttimer_fini(&e->evict_timer);
		free(e->threads);
		free(e->shadow);
		free(e);
		return NULL;
	}
	memset(e->shadow, 0x5a, e->copy_bytes);
	for (unsigned t = 0; t <= e->nr_threads; t++)
		e->threads[t] = (struct db_thread){.e = e, .tid = t};
	pthread_mutex_init(&e->live_mu, NULL);
	return e;
}

void db_destroy(void *engine)
{
	struct db_engine *e = engine;
	mmr_ttimer_fini(&e->evict_timer);
	for (unsigned i = 0; i < e->nlive; i++)
		db_put(&e->threads[e->nr_threads], e->live[i]);
	pthread_mutex_destroy(&e->live_mu);
	free(e->live);
	free(e->threads);
	free(e->shadow);
	free(e);
}

void *db_thread_init(void *engine, unsigned tid)
{
	struct db_engine *e = engine;
	return &e->threads[tid % e->nr_threads];
}

/*
 * A vmap the trace never unmapped would keep its buffer's resv for good:
 * every move of it (the evictor's too) would wait for ever.  The thread's
 * end unmaps it, on the thread that holds the lock, and runs what waited.
 */
void db_thread_exit(void *thread)
{
	struct db_thread *t = thread;
	while (t->held) {
		t->n.implicit_vunmaps++;
		t->call_t0 = mmr_now_ns();
		t->e->v->vunmap(t, t->held); /* each ends one use; the last takes it off the list */
	}
}

static int live_add(struct db_engine *e, struct db_buf *b)
{
	int rc = 0;
	pthread_mutex_lock(&e->live_mu);
	if (e->nlive == e->cap_live) {
		unsigned cap = e->cap_live ? e->cap_live * 2 : 64;
		struct db_buf **a = realloc(e->live, cap * sizeof(*a));
		if (a) {
			e->live = a;
			e->cap_live = cap;
		}
	}
	if (e->nlive < e->cap_live) {
		b->slot = e->nlive;
		e->live[e->nlive++] = b;
	} else {
		rc = -1;
	}
	pthread_mutex_unlock(&e->live_mu);
	return rc;
}

static void live_del(struct db_engine *e, struct db_buf *b)
{
	pthread_mutex_lock(&e->live_mu);
	struct db_buf *last = e->live[--e->nlive];
	e->live[b->slot] = last;
	last->slot = b->slot;
	pthread_mutex_unlock(&e->live_mu);
}

static void queue_lock(struct db_buf *b)
{
	while (atomic_exchange_explicit(&b->qlock, true, memory_order_acquire))
		sched_yield();
}

static void queue_unlock(struct db_buf *b)
{
	atomic_store_explicit(&b->qlock, false, memory_order_release);
}

enum defer_result { RUN_NOW, DEFERRED, NO_ROOM };

/*
 * While a caller holds B's lock across its mapping's use, OP is queued for
 * its vunmap (DEFERRED).  NO_ROOM: the queue cannot grow, and running the
 * op now would wait for the lock behind that vunmap: the caller refuses it.
 * With no holder (the common case) one load decides.
 */
static enum defer_result defer(struct db_thread *t, unsigned op, struct db_buf *b)
{
	if (!atomic_load_explicit(&b->holder, memory_order_acquire))
		return RUN_NOW;
	enum defer_result d = DEFERRED;
	queue_lock(b);
	if (!atomic_load_explicit(&b->holder, memory_order_relaxed)) {
		d = RUN_NOW; /* let go meanwhile: the op waits for the lock as any other */
	} else if (b->npending == b->cap_pending) {
		unsigned cap = b->cap_pending ? b->cap_pending * 2 : 8;
		unsigned *p = realloc(b->pending, cap * sizeof(*p));
		if (p) {
			b->pending = p;
			b->cap_pending = cap;
		} else {
			d = NO_ROOM;
		}
	}
	if (d == DEFERRED)
		b->pending[b->npending++] = op;
	queue_unlock(b);
	t->n.deferred_ops += d == DEFERRED;
	t->n.refused_no_memory += d == NO_ROOM;
	return d;
}

/* The op's result for a defer() that did not say RUN_NOW. */
static int deferred_rc(enum defer_result d)
{
	return d == DEFERRED ? MMR_CALL_OK : MMR_CALL_REFUSED;
}

static void do_free(struct db_thread *t, struct db_buf *b);
static bool do_attach(struct db_thread *t, struct db_buf *b, bool attach);
static int do_move(struct db_thread *t, struct db_buf *b);

void db_let_go(struct db_thread *t, struct db_buf *b)
{
	queue_lock(b);
	db_held_del(t, b);
	unsigned *ops = b->pending, n = b->npending;
	b->pending = NULL;
	b->npending = b->cap_pending = 0;
	queue_unlock(b);
	mmr_mutex_unlock(&b->resv);
	/* Timed inside the vunmap that runs them: the report says how much of it was theirs. */
	uint64_t t0 = n ? mmr_now_ns() : 0;
	for (unsigned i = 0; i < n; i++) {
		if (ops[i] == MMR_OP_FREE) {
			do_free(t, b); /* the trace's last op on B */
			break;
		}
		if (ops[i] == MMR_OP_MOVE)
			do_move(t, b);
		else
			do_attach(t, b, ops[i] == MMR_OP_ATTACH);
	}
	if (n)
		t->n.deferred_ns += mmr_now_ns() - t0;
	free(ops);
}

int db_op_alloc(void *thread, struct mmr_call *op)
{
	struct db_thread *t = thread;
	size_t bytes;
	/* A mapped buffer is real memory here: none past the bound every engine keeps. */
	if (!mmr_obj_bytes(op->size, DB_PAGE - 1, &bytes))
		return MMR_CALL_FAILED;
	struct db_buf *b = calloc(1, sizeof(*b));
	if (!b)
		return -1;
	b->size = (op->size + DB_PAGE - 1) & ~(DB_PAGE - 1);
	b->domain = DB_SYSTEM;
	atomic_init(&b->refs, 1);
	if (mmr_mutex_init(&b->resv, "dma_resv") || live_add(t->e, b)) {
		free(b);
		return -1;
	}
	mmr_lock_class_declare(b->resv.cls, MMR_KL_WW_MUTEX, false); /* a buffer's reservation: dma_resv's ww_mutex */
	op->handle = (uint64_t)(uintptr_t)b;
	return 0;
}

static void do_free(struct db_thread *t, struct db_buf *b)
{
	live_del(t->e, b);
	mmr_mutex_lock(&b->resv);
	bool busy = b->vmap_count || b->attachments;
	mmr_mutex_unlock(&b->resv);
	if (busy)
		t->n.bad_frees++;
	db_put(t, b);
}

int db_op_free(void *thread, struct mmr_call *op)
{
	struct db_buf *b = (struct db_buf *)(uintptr_t)op->handle;
	enum defer_result d = defer(thread, MMR_OP_FREE, b);
	if (d != RUN_NOW)
		return deferred_rc(d);
	do_free(thread, b);
	return MMR_CALL_OK;
}

/*
 * An importer attaches (ATTACH) or detaches; with attach-pin its
 * attachment pins the buffer.  False for a detach with no attachment,
 * which changes nothing (the pin count must not go below the pins taken).
 */
static bool do_attach(struct db_thread *t, struct db_buf *b, bool attach)
{
	bool pins = t->e->v->pin_at_attach, done = true;
	mmr_mutex_lock(&b->resv);
	if (attach) {
		b->attachments++;
		b->pin += pins;
	} else if (b->attachments) {
		b->attachments--;
		b->pin -= pins;
	} else {
		done = false;
	}
	mmr_mutex_unlock(&b->resv);
	if (!done)
		t->n.refused_detach_unattached++;
	return done;
}

static int attach_op(struct db_thread *t, struct mmr_call *op, bool attach)
{
	struct db_buf *b = (struct db_buf *)(uintptr_t)op->handle;
	enum defer_result d = defer(t, attach ? MMR_OP_ATTACH : MMR_OP_DETACH, b);
	if (d != RUN_NOW)
		return deferred_rc(d);
	return do_attach(t, b, attach) ? MMR_CALL_OK : MMR_CALL_REFUSED;
}

int db_op_attach(void *thread, struct mmr_call *op)
{
	return attach_op(thread, op, true);
}

int db_op_detach(void *thread, struct mmr_call *op)
{
	return attach_op(thread, op, false);
}

int db_op_vmap(void *thread, struct mmr_call *op)
{
	struct db_thread *t = thread;
	int rc = t->e->v->vmap(t, (struct db_buf *)(uintptr_t)op->handle);
	t->n.vmaps += rc == MMR_CALL_OK;
	return rc;
}

int db_op_vunmap(void *thread, struct mmr_call *op)
{
	struct db_thread *t = thread;
	t->call_t0 = mmr_now_ns();
	int rc = t->e->v->vunmap(t, (struct db_buf *)(uintptr_t)op->handle);
	t->n.vunmaps += rc == MMR_CALL_OK;
	return rc;
}

static int do_move(struct db_thread *t, struct db_buf *b)
{
	int rc = db_move(t, b);
	if (rc)
		t->n.move_failures++;
	else
		t->n.moves++;
	return rc;
}

/* A move from the trace (TTM moving a buffer): fails, and is counted, when the buffer is pinned. */
int db_op_move(void *thread, struct mmr_call *op)
{
	struct db_buf *b = (struct db_buf *)(uintptr_t)op->handle;
	enum defer_result d = defer(thread, MMR_OP_MOVE, b);
	return d != RUN_NOW ? deferred_rc(d) : do_move(thread, b);
}

unsigned db_workers(void *engine)
{
	struct db_engine *e = engine;
	return e->evict_us ? 1 : 0;
}

/* A live buffer at random, with a reference taken; NULL when there is none. */
static struct db_buf *pick(struct db_engine *e, uint64_t *rng)
{
	*rng = *rng * 6364136223846793005ull + 1442695040888963407ull;
	pthread_mutex_lock(&e->live_mu);
	struct db_buf *b = e->nlive ? e->live[(*rng >> 33) % e->nlive] : NULL;
	if (b)
		atomic_fetch_add(&b->refs, 1);
	pthread_mutex_unlock(&e->live_mu);
	return b;
}

/* Memory pressure: every evict_us of trace time, try to move a random buffer out of its domain. */
void db_evictor(void *engine, unsigned idx, const atomic_bool *stop)
{
	struct db_engine *e = engine;
	struct db_thread *self = &e->threads[e->nr_threads]; /* the one evictor (db_workers) */
	uint64_t rng = 0x2545f4914f6cdd1dull + idx;
	uint64_t period = e->evict_us * 1000, due = mmr_tclock_origin(e->evict_timer.clock) + period;
	enum mmr_ttimer_wake why;
	while ((why = mmr_ttimer_sleep(&e->evict_timer, due, stop)) != MMR_TT_STOP) {
		if (why != MMR_TT_DUE)
			continue;
		due += period;
		struct db_buf *b = pick(e, &rng);
		if (!b)
			continue;
		uint64_t t0 = mmr_now_ns();
		int rc = db_move(self, b);
		uint64_t ns = mmr_now_ns() - t0;
		db_put(self, b);
		if (rc)
			self->n.eviction_failures++;
		else
			self->n.evictions++;
		self->n.eviction_ns_total += ns;
		if (ns > self->n.eviction_ns_max)
			self->n.eviction_ns_max = ns;
	}
}

/* The counts as the report gives them; the totals the means are made of, and the memory, it does not. */
#define C(field, key, how) MMR_COUNTER(struct db_counts, field, key, how)
static const struct mmr_counter db_counter_rows[] = {
	C(vmaps, "vmaps", MMR_SUM), C(vunmaps, "vunmaps", MMR_SUM), C(maps_built, "maps_built", MMR_SUM),
	C(maps_torn, "maps_torn", MMR_SUM), C(cache_hits, "cache_hits", MMR_SUM), C(frames, "frames", MMR_SUM),
	C(missed_frames, "missed_frames", MMR_SUM), C(frame_ns_max, "frame_ns_max", MMR_MAX),
	C(moves, "moves", MMR_SUM), C(move_failures, "move_failures", MMR_SUM),
	C(evictions, "evictions", MMR_SUM), C(eviction_failures, "eviction_failures", MMR_SUM),
	C(eviction_ns_max, "eviction_ns_max", MMR_MAX), C(moved_while_mapped, "moved_while_mapped", MMR_SUM),
	C(moved_while_pinned, "moved_while_pinned", MMR_SUM), C(scanout_blocked, "scanout_blocked", MMR_SUM),
	C(bad_frees, "bad_frees", MMR_SUM), C(vunmap_other_thread, "vunmap_other_thread", MMR_SUM),
	C(deferred_ops, "deferred_ops", MMR_SUM), C(deferred_ns, "deferred_ns", MMR_SUM),
	C(copy_bytes, "copy_bytes", MMR_SUM), C(nested_vmaps, "nested_vmaps", MMR_SUM),
	C(implicit_vunmaps, "implicit_vunmaps", MMR_SUM), C(refused_vmap_held, "refused_vmap_held", MMR_SUM),
	C(refused_vunmap_unmapped, "refused_vunmap_unmapped", MMR_SUM),
	C(refused_detach_unattached, "refused_detach_unattached", MMR_SUM),
	C(refused_no_memory, "refused_no_memory", MMR_SUM),
	C(frame_ns_total, NULL, MMR_SUM), C(eviction_ns_total, NULL, MMR_SUM), C(mem_bytes, NULL, MMR_SUM),
};
#undef C
MMR_COUNTERS_ALL(db_counter_rows, struct db_counts);
static const struct mmr_counters db_counters = MMR_COUNTERS(db_counter_rows);

struct db_counts db_counts_sum(const struct db_engine *e)
{
	struct db_counts s = {0};
	for (unsigned i = 0; i <= e->nr_threads; i++)
		mmr_counters_add(&db_counters, &s, &e->threads[i].n);
	return s;
}

/* The runner takes the footprint and the report after joining the replay threads and the evictor. */
uint64_t db_footprint(void *engine)
{
	/* A set's mem_bytes may be below 0 (mmr_counters.h's MMR_SUM): the sum is signed. */
	int64_t mem = (int64_t)db_counts_sum(engine).mem_bytes;
	return mem > 0 ? (uint64_t)mem : 0;
}

void db_report(void *engine, const struct mmr_figures *r)
{
	struct db_engine *e = engine;
	const struct db_counts n = db_counts_sum(e);
	unsigned mapped = 0;
	pthread_mutex_lock(&e->live_mu);
	unsigned live = e->nlive;
	for (unsigned i = 0; i < live; i++)
		mapped += e->live[i]->vmap_count;
	pthread_mutex_unlock(&e->live_mu);
	mmr_counters_report(&db_counters, &n, r);
	uint64_t tries = n.evictions + n.eviction_failures;
	r->f64(r->ctx, "frame_ns_mean", n.frames ? (double)n.frame_ns_total / (double)n.frames : 0);
	r->f64(r->ctx, "eviction_ns_mean", tries ? (double)n.eviction_ns_total / (double)tries : 0);
	r->u64(r->ctx, "live_buffers", live);
	r->u64(r->ctx, "mappings_in_use", mapped);
}
