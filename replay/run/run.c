/* SPDX-License-Identifier: MIT */
/*
 * run.c - one replay: the engine created, its workers started, every
 * thread's stream replayed against it with each call timed, then the
 * figures merged.
 *
 * The hot loop does as little as it can: index the slot arrays, maybe wait
 * for another thread's op on the same object (an acquire load), read the
 * clock, call, read the clock, add to a per-thread histogram, add the
 * call's effect on live memory to the thread's own running sums, maybe
 * publish (a release store), and every few hundred ops note a sample in
 * the thread's own array (timeline.c).  Nothing is shared between threads
 * but the slots that the trace itself shares.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mmr_clock.h"
#include "run_internal.h"

/* Spins before a waiting thread starts yielding the CPU to the one it waits for. */
#define WAIT_SPINS 256

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Wait until slot S has completed SEQ ops.  Spins a little, then yields:
 * with more threads than CPUs the thread we wait for may need our CPU.
 */
static void wait_slot(struct rp_thread *t, uint32_t s, uint32_t seq)
{
	atomic_uint *d = &t->run->done[s];
	if (atomic_load_explicit(d, memory_order_acquire) >= seq)
		return;
	atomic_store_explicit(&t->wait_slot, s, memory_order_relaxed);
	atomic_store_explicit(&t->wait_seq, seq, memory_order_relaxed);
	atomic_store_explicit(&t->state, RS_WAIT, memory_order_relaxed);
	for (unsigned i = 0; atomic_load_explicit(d, memory_order_acquire) < seq; i++) {
		if (i < WAIT_SPINS)
			cpu_relax();
		else
			sched_yield();
	}
	atomic_store_explicit(&t->state, RS_RUN, memory_order_relaxed);
}

/* Sleep until the op's trace time, scaled, has come (--pace original). */
static void pace(struct rp_thread *t, const struct rp_op *op)
{
	const struct mmr_replay_opts *o = t->run->o;
	/* Clamped well below 2^64: a cast of a larger double is undefined, and such a sleep never ends anyway. */
	double after = (double)op->ts / o->pace_factor;
	uint64_t due = t->run->start_mono_ns + (after < 0x1p62 ? (uint64_t)after : (uint64_t)1 << 62);
	uint64_t now = mono_ns();
	if (due <= now)
		return;
	atomic_store_explicit(&t->state, RS_PACE, memory_order_relaxed);
	struct timespec ts = {(time_t)(due / 1000000000ull), (long)(due % 1000000000ull)};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	atomic_store_explicit(&t->state, RS_RUN, memory_order_relaxed);
}

/* The engine call's arguments for OP (X: its extension, NULL when it has none). */
static inline void fill(const struct rp_run *run, const struct rp_op *op, const struct rp_op_ext *x,
			struct mmr_call *m)
{
	const struct rp_site *s = &run->win->sites[op->site];
	*m = (struct mmr_call){
		.call_site = s->call_site, .ts = op->ts, .slot = op->slot, .gfp = s->gfp, .node = s->node,
		.flags = s->flags, .order = s->order, .family = s->family,
	};
	if (x) {
		m->size = x->size;
		m->bytes_alloc = x->bytes_alloc;
		m->aux = x->aux;
		if (x->aux_slot != RP_NO_SLOT)
			m->aux_handle = run->slots[x->aux_slot].handle;
	} else {
		m->size = (op->sync & RP_ENDS) ? 0 : op->bytes;
		m->bytes_alloc = op->bytes_alloc;
	}
	if (op->slot != RP_NO_SLOT && !(op->sync & RP_STARTS))
		m->handle = run->slots[op->slot].handle;
}

/* The live bytes op OP (X: its extension) ends: its slot's object, or a realloc's old one. */
static inline uint64_t end_bytes(const struct rp_op *op, const struct rp_op_ext *x)
{
	return x ? x->end_bytes : op->bytes;
}

/*
 * What a call that succeeded did to live memory: a start adds its object
 * (ADD bytes; a realloc takes off the old one, when that one had started),
 * an end takes its object off.  A failed call changes nothing: a failed
 * allocation made nothing, a failed free or realloc leaves the object as
 * it was (krealloc's rule).
 */
static inline void account(const struct rp_op *op, const struct rp_op_ext *x, const struct mmr_call *m,
			   uint64_t add, struct rp_delta *d)
{
	if (op->sync & RP_STARTS) {
		if (!m->handle)
			return;
		d->bytes += add;
		d->objects++;
		if (x && x->aux_slot != RP_NO_SLOT && m->aux_handle) {
			d->bytes -= x->end_bytes;
			d->objects--;
		}
	} else if (op->sync & RP_ENDS) {
		d->bytes -= end_bytes(op, x);
		d->objects--;
	}
}

static void record(struct rp_thread *t, const struct rp_op *op, uint64_t ticks)
{
	struct rp_ophist *h = &t->ops[op->op];
	mmr_hist_add(&h->lat, ticks);
	if (op->op != MMR_OP_ALLOC && op->op != MMR_OP_FREE)
		return;
	unsigned c = op->sizeclass < RP_SIZECLASSES ? op->sizeclass : RP_SIZECLASSES - 1;
	if (!h->by_size[c] && (h->by_size[c] = malloc(sizeof(struct mmr_hist))))
		mmr_hist_init(h->by_size[c]);
	if (h->by_size[c])
		mmr_hist_add(h->by_size[c], ticks);
}

/*
 * The engine still holds the object in SLOT that the trace ended with an
 * op (its free or realloc failed or was refused): the trace never names
 * it again and the slot goes to another object, so its handle goes on the
 * thread's list for rp_free_live.  Off the common path; out of memory, the
 * handle is lost and the engine still holds the object when destroyed.
 */
static void keep(struct rp_thread *t, uint32_t slot, uint8_t family)
{
	if (t->nkept == t->cap_kept) {
		size_t cap = t->cap_kept ? t->cap_kept * 2 : 16;
		struct rp_kept *k = realloc(t->kept, cap * sizeof(*k));
		if (!k)
			return;
		t->kept = k;
		t->cap_kept = cap;
	}
	t->kept[t->nkept++] = (struct rp_kept){t->run->slots[slot].handle, slot, family};
}

/* Replay one op (X: its extension, or NULL).  The object of a failed or refused allocation gets no further calls. */
static void replay_op(struct rp_thread *t, const struct rp_op *op, const struct rp_op_ext *x, mmr_engine_op_fn fn,
		      bool timing, struct rp_delta *live)
{
	struct rp_run *run = t->run;
	struct mmr_call m;
	uint32_t aux_slot = x ? x->aux_slot : RP_NO_SLOT;
	if (op->sync & RP_WAIT)
		wait_slot(t, op->slot, op->seq);
	if (op->sync & RP_AUX_WAIT)
		wait_slot(t, aux_slot, x->aux_seq);
	fill(run, op, x, &m);
	bool starts = op->sync & RP_STARTS;
	bool orphan = op->slot != RP_NO_SLOT && !starts && m.handle == 0;
	if (orphan) {
		t->ops[op->op].orphaned++;
	} else {
		/* Taken before the call: the engine may write to M. */
		uint64_t add = starts ? rp_object_bytes(m.size, m.family, m.order) : 0;
		uint64_t t0 = timing ? mmr_clock_ticks() : 0;
		int rc = fn(t->ctx, &m);
		uint64_t t1 = timing ? mmr_clock_ticks() : 0;
		t->ops[op->op].count++;
		if (rc == MMR_CALL_REFUSED)
			t->ops[op->op].refused++; /* no work: kept out of the latencies */
		else if (rc)
			t->ops[op->op].failed++;
		if (timing && rc != MMR_CALL_REFUSED)
			record(t, op, t1 - t0);
		if (starts)
			run->slots[op->slot].handle = m.handle = rc ? 0 : m.handle;
		if (!rc)
			account(op, x, &m, add, live);
		else if (starts && aux_slot != RP_NO_SLOT && m.aux_handle)
			keep(t, aux_slot, m.family);
		else if ((op->sync & RP_ENDS) && op->slot != RP_NO_SLOT)
			keep(t, op->slot, m.family);
	}
	if (op->sync & RP_PUBLISH)
		atomic_store_explicit(&run->done[op->slot], op->seq + 1, memory_order_release);
	if (op->sync & RP_AUX_PUBLISH)
		atomic_store_explicit(&run->done[aux_slot], x->aux_seq + 1, memory_order_release);
}

static void pin(unsigned tid)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET((int)(tid % (unsigned)(online > 0 ? online : 1)), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/*
 * Read the thread's stream once before the start: the planner wrote it a
 * while ago, and its first touch (page faults, the host's cold pages) is
 * not what the replay should measure.  A quarter of the replay's time on
 * a 5 M-event trace, here.
 */
static uint64_t warm(const struct rp_stream *st)
{
	uint64_t sum = 0;
	const volatile uint8_t *p = (const volatile uint8_t *)st->ops;
	for (size_t off = 0; off < st->n * sizeof(*st->ops); off += 64)
		sum += p[off];
	p = (const volatile uint8_t *)st->ext;
	for (size_t off = 0; off < st->next * sizeof(*st->ext); off += 64)
		sum += p[off];
	return sum;
}

/*
 * Make, before the start, the per-size histograms the stream will use:
 * made on first use inside the timed loop, their page faults (59 KB each,
 * up to 96 of them) took the first milliseconds of a short replay and
 * showed as a slow start in its timeline.
 */
static void prepare_hists(struct rp_thread *t, const struct rp_stream *st)
{
	for (size_t i = 0; i < st->n; i++) {
		const struct rp_op *op = &st->ops[i];
		if (op->op != MMR_OP_ALLOC && op->op != MMR_OP_FREE)
			continue;
		unsigned c = op->sizeclass < RP_SIZECLASSES ? op->sizeclass : RP_SIZECLASSES - 1;
		struct mmr_hist **h = &t->ops[op->op].by_size[c];
		if (!*h && (*h = malloc(sizeof(struct mmr_hist))))
			mmr_hist_init(*h);
	}
}

/* The trace time the watermark gives a thread past its stream's last op: the window's end, or none left. */
static uint64_t tail_ts(const struct rp_run *run)
{
	return run->last_window ? UINT64_MAX : run->win->clock_end;
}

/*
 * Plan the next window of RUN, all threads stopped at the end of the one
 * before, on the last thread to get there.  The time it takes is left out
 * of every figure (paused_ticks): a paced replay's schedule and the
 * threads' samples move on by it.  Called with win_mu held.
 */
static void plan_next_window(struct rp_run *run)
{
	uint64_t t0 = mmr_clock_ticks(), m0 = mono_ns();
	atomic_store(&run->planning, true);
	int rc = rp_plan_window(run->src, run->window_ops, &run->win_err);
	atomic_store(&run->planning, false);
	if (rc < 0) {
		run->win_failed = true;
		return;
	}
	run->last_window = rc == 0;
	if (run->o->timing)
		for (unsigned i = 0; i < run->plan->nthreads; i++)
			prepare_hists(&run->threads[i], &run->src->streams[i]);
	run->start_mono_ns += mono_ns() - m0;
	run->paused_ticks += mmr_clock_ticks() - t0;
}

/*
 * Thread T is at the end of a window that is not the trace's last: wait
 * for the others, the last one plans the next window.  Returns true when
 * it is out, false when planning it failed (the run then stops).
 */
static bool next_window(struct rp_thread *t)
{
	struct rp_run *run = t->run;
	atomic_store_explicit(&t->next_ts, run->win->clock_end, memory_order_relaxed);
	atomic_store_explicit(&t->state, RS_WINDOW, memory_order_relaxed);
	pthread_mutex_lock(&run->win_mu);
	if (run->win_failed) { /* a thread could not be started: no one plans the next window */
		pthread_mutex_unlock(&run->win_mu);
		return false;
	}
	unsigned gen = run->generation;
	if (++run->at_end == run->plan->nthreads) {
		plan_next_window(run);
		run->at_end = 0;
		run->generation++;
		pthread_cond_broadcast(&run->win_cv);
	}
	while (run->generation == gen)
		pthread_cond_wait(&run->win_cv, &run->win_mu);
	bool ok = !run->win_failed;
	t->tl.shift = run->paused_ticks;
	pthread_mutex_unlock(&run->win_mu);
	atomic_store_explicit(&t->state, RS_RUN, memory_order_relaxed);
	return ok;
}

/* Replay ST, thread T's ops of one window.  LIVE: the thread's running sums. */
static void replay_window(struct rp_thread *t, const struct rp_stream *st, struct rp_sched_tick *tick,
			  struct rp_delta *live, uint64_t *next_sample)
{
	struct rp_run *run = t->run;
	const struct mmr_engine_ops *e = run->o->engine;
	bool timing = run->o->timing, paced = run->o->pace == MMR_PACE_ORIGINAL;
	bool fifo = run->sched && run->sched->fifo;
	const atomic_uint_fast64_t *earliest = mmr_tclock_earliest(run->clock);
	const struct rp_op_ext *ext = st->ext; /* the next op with RP_EXT has this one */
	uint64_t tail = tail_ts(run);
	atomic_store_explicit(&t->next_ts, st->n ? st->ops[0].ts : tail, memory_order_relaxed);
	mmr_tclock_poke(run->clock); /* a due between the windows is passed now */
	for (size_t i = 0; i < st->n; i++) {
		const struct rp_op *op = &st->ops[i];
		if (paced)
			pace(t, op);
		replay_op(t, op, (op->sync & RP_EXT) ? ext++ : NULL, e->op[op->op], timing, live);
		uint64_t done = st->base + i + 1, next = i + 1 < st->n ? st->ops[i + 1].ts : tail;
		atomic_store_explicit(&t->done, done, memory_order_relaxed);
		atomic_store_explicit(&t->next_ts, next, memory_order_relaxed);
		if (fifo && (i & 63) == 63)
			rp_sched_offer(tick);
		/* A timer's due lies between this event and the next: maybe every thread is past it now. */
		uint64_t due = atomic_load_explicit(earliest, memory_order_relaxed);
		if (op->ts <= due && next > due)
			mmr_tclock_poke(run->clock);
		if (done == *next_sample)
			*next_sample = rp_tl_sample(&t->tl, done, *live);
	}
}

static void *thread_main(void *arg)
{
	struct rp_thread *t = arg;
	struct rp_run *run = t->run;
	const struct mmr_engine_ops *e = run->o->engine;
	const struct rp_stream *st = &run->win->streams[t->tid];
	bool fifo = run->sched && run->sched->fifo;
	if (run->o->pin || fifo)
		pin(t->tid);
	t->ctx = e->thread_init ? e->thread_init(run->engine, t->tid) : NULL;
	if (!t->ctx)
		t->ctx = run->engine;
	t->warm = warm(st);
	if (run->o->timing)
		prepare_hists(t, st);
	atomic_fetch_add(&run->ready, 1);
	while (!atomic_load_explicit(&run->go, memory_order_acquire))
		sched_yield();
	rp_sched_replay_thread(run);
	struct rp_sched_tick tick;
	rp_sched_tick_init(&tick);
	atomic_store_explicit(&t->state, RS_RUN, memory_order_relaxed);
	struct rp_delta live = {0, 0};
	uint64_t next_sample = t->tl.every;
	replay_window(t, st, &tick, &live, &next_sample);
	while (!run->last_window && next_window(t))
		replay_window(t, st, &tick, &live, &next_sample);
	t->end_ticks = mmr_clock_ticks() - run->paused_ticks;
	atomic_store_explicit(&t->next_ts, UINT64_MAX, memory_order_relaxed);
	rp_tl_end(&t->tl, t->end_ticks, st->base + st->n, live);
	if (e->thread_exit && t->ctx != run->engine)
		e->thread_exit(t->ctx);
	atomic_store_explicit(&t->state, RS_DONE, memory_order_release);
	return NULL;
}

struct worker_arg {
	struct rp_run *run;
	unsigned idx;
};

static void *worker_main(void *arg)
{
	struct worker_arg *w = arg;
	rp_sched_worker(w->run);
	w->run->o->engine->worker(w->run->engine, w->idx, &w->run->stop_workers);
	free(w);
	return NULL;
}

/* Start the engine's background workers.  Returns 0, or -1 (ERR). */
static int start_workers(struct rp_run *run, struct mmr_error *err)
{
	const struct mmr_engine_ops *e = run->o->engine;
	unsigned n = e->workers && e->worker ? e->workers(run->engine) : 0;
	if (n == 0)
		return 0;
	run->workers = calloc(n, sizeof(*run->workers));
	if (!run->workers)
		goto fail;
	for (unsigned i = 0; i < n; i++) {
		struct worker_arg *w = malloc(sizeof(*w));
		if (!w)
			goto fail;
		*w = (struct worker_arg){run, i};
		if (pthread_create(&run->workers[i], NULL, worker_main, w)) {
			free(w);
			goto fail;
		}
		run->nworkers++;
	}
	return 0;
fail:
	snprintf(err->msg, sizeof(err->msg), "replay: cannot start the engine's workers");
	return -1;
}

static void stop_workers(struct rp_run *run)
{
	atomic_store(&run->stop_workers, true);
	mmr_tclock_stop(run->clock);
	for (unsigned i = 0; i < run->nworkers; i++)
		pthread_join(run->workers[i], NULL);
	free(run->workers);
	run->workers = NULL;
	run->nworkers = 0;
}

/* Start the replay threads, wait until all are ready, let them go.  Returns 0 or -1 (ERR). */
static int start_threads(struct rp_run *run, struct mmr_error *err)
{
	unsigned n = run->plan->nthreads;
	for (unsigned i = 0; i < n; i++) {
		struct rp_thread *t = &run->threads[i];
		if (pthread_create(&t->th, NULL, thread_main, t)) {
			snprintf(err->msg, sizeof(err->msg), "replay: cannot start thread %u", i);
			/* Release those already waiting; they stop at their first window's end. */
			pthread_mutex_lock(&run->win_mu);
			run->win_failed = true;
			run->win_err = *err;
			pthread_cond_broadcast(&run->win_cv);
			pthread_mutex_unlock(&run->win_mu);
			atomic_store(&run->go, true);
			return -1;
		}
		t->started = true;
	}
	while (atomic_load(&run->ready) < n)
		sched_yield();
	run->start_mono_ns = mono_ns();
	run->start_ticks = mmr_clock_ticks();
	mmr_tclock_start(run->clock, run->start_mono_ns);
	atomic_store_explicit(&run->go, true, memory_order_release);
	return 0;
}

/*
 * The trace clock's watermark: the trace time of the earliest event some
 * thread has still to replay.  Each thread says its own (next_ts), relaxed:
 * read stale, the watermark is low, and a due fires a poke later, never
 * early.  The streams themselves are not read: a window may be being
 * planned over them.
 */
static uint64_t watermark(void *arg)
{
	const struct rp_run *run = arg;
	uint64_t w = UINT64_MAX;
	for (unsigned i = 0; i < run->plan->nthreads; i++) {
		uint64_t ts = atomic_load_explicit(&run->threads[i].next_ts, memory_order_relaxed);
		w = ts < w ? ts : w;
	}
	return w;
}

/* Allocate the run's arrays for PLAN.  Returns 0, or -1 (ERR). */
int rp_run_init(struct rp_run *run, const struct mmr_replay_opts *o, const struct rp_plan *plan,
		struct rp_plan *src, uint64_t window_ops, struct mmr_error *err)
{
	memset(run, 0, sizeof(*run));
	atomic_init(&run->phase, NULL);
	run->o = o;
	run->plan = plan;
	run->src = src;
	run->win = src ? src : plan;
	run->window_ops = window_ops;
	run->last_window = true;
	pthread_mutex_init(&run->win_mu, NULL);
	pthread_cond_init(&run->win_cv, NULL);
	atomic_init(&run->planning, false);
	if (src) {
		int rc = rp_plan_window(src, window_ops, err);
		if (rc < 0)
			return -1;
		run->last_window = rc == 0;
	}
	size_t slots = plan->nslots ? plan->nslots : 1;
	run->slots = malloc(slots * sizeof(*run->slots));
	run->done = malloc(slots * sizeof(*run->done));
	/* Written now, not left as untouched zero pages to fault in during the replay. */
	if (run->slots)
		memset(run->slots, 0, slots * sizeof(*run->slots));
	for (size_t i = 0; run->done && i < slots; i++)
		atomic_init(&run->done[i], 0);
	run->threads = calloc(plan->nthreads, sizeof(*run->threads));
	double factor = o->pace == MMR_PACE_ORIGINAL ? o->pace_factor : 0;
	run->clock = mmr_tclock_create(plan->clock_end, factor, watermark, run);
	bool ok = run->slots && run->done && run->threads && run->clock;
	for (unsigned i = 0; ok && i < plan->nthreads; i++) {
		struct rp_thread *t = &run->threads[i];
		t->run = run;
		t->tid = i;
		t->ops = calloc(MMR_OP_COUNT, sizeof(*t->ops));
		size_t ops = src ? plan->ops / plan->nthreads : plan->streams[i].n;
		ok = t->ops != NULL && rp_tl_init(&t->tl, ops, plan->nthreads) == 0;
		for (unsigned k = 0; ok && k < MMR_OP_COUNT; k++)
			mmr_hist_init(&t->ops[k].lat);
	}
	if (!ok)
		snprintf(err->msg, sizeof(err->msg), "replay: out of memory for %u threads", plan->nthreads);
	return ok ? 0 : -1;
}

void rp_run_free(struct rp_run *run)
{
	for (unsigned i = 0; run->threads && i < run->plan->nthreads; i++) {
		struct rp_ophist *h = run->threads[i].ops;
		for (unsigned k = 0; h && k < MMR_OP_COUNT; k++)
			for (unsigned c = 0; c < RP_SIZECLASSES; c++)
				free(h[k].by_size[c]);
		free(h);
		free(run->threads[i].kept);
		rp_tl_free(&run->threads[i].tl);
	}
	free(run->threads);
	free(run->slots);
	free(run->done);
	mmr_tclock_stats_free(run->timers, run->ntimers);
	mmr_tclock_destroy(run->clock);
	pthread_mutex_destroy(&run->win_mu);
	pthread_cond_destroy(&run->win_cv);
}

/* Free HANDLE, an object of FAMILY last in slot S, if the engine made it, on CTX. */
static void free_handle(struct rp_run *run, void *ctx, uint64_t handle, uint32_t s, uint8_t family)
{
	struct mmr_call m = {.handle = handle, .ts = run->plan->clock_end, .slot = s, .node = -1, .family = family};
	if (m.handle)
		run->o->engine->op[MMR_OP_FREE](ctx, &m);
}

/*
 * Free what the trace leaves allocated, untimed, after the replay: the
 * engine ends with nothing of the trace's, as a real workload would once
 * it exits, and a sanitizer build sees no leaks.  That includes objects
 * whose end the engine failed or refused (keep): the engine's state has
 * moved on since (a mapping another thread held is gone), and what it
 * refuses again it still holds at destroy.
 */
void rp_free_live(struct rp_run *run)
{
	const struct mmr_engine_ops *e = run->o->engine;
	const struct rp_plan *p = run->plan;
	size_t kept = 0;
	for (unsigned t = 0; run->threads && t < p->nthreads; t++)
		kept += run->threads[t].nkept;
	if (!e->op[MMR_OP_FREE] || !(p->nlive_end + kept))
		return;
	/* As replay thread 0 would: the engine gets the thread context it expects. */
	void *ctx = e->thread_init ? e->thread_init(run->engine, 0) : NULL;
	if (!ctx)
		ctx = run->engine;
	for (size_t i = 0; i < p->nlive_end; i++) {
		uint32_t s = p->live_end[i].slot;
		free_handle(run, ctx, run->slots[s].handle, s, p->live_end[i].family);
	}
	for (unsigned t = 0; kept && t < p->nthreads; t++)
		for (size_t i = 0; i < run->threads[t].nkept; i++) {
			const struct rp_kept *k = &run->threads[t].kept[i];
			free_handle(run, ctx, k->handle, RP_NO_SLOT, k->family); /* its slot is another's now */
		}
	if (e->thread_exit && ctx != run->engine)
		e->thread_exit(ctx);
}

/*
 * Run the plan once against a fresh engine; the engine is left for the
 * caller to read (footprint, report) and destroy.  Returns 0 or -1 (ERR).
 */
int rp_run_once(struct rp_run *run, const struct mmr_engine_env *env, uint64_t *wall_ticks,
		struct mmr_error *err)
{
	const struct mmr_engine_ops *e = run->o->engine;
	/* The env the caller filled, with this run's clock and the entry being created (its variant). */
	struct mmr_engine_env run_env = *env;
	run_env.clock = run->clock;
	run_env.engine = e;
	atomic_store(&run->phase, "creating the engine");
	run->engine = e->create(&run_env, err);
	if (!run->engine)
		return -1;
	atomic_store(&run->phase, "starting the engine's workers and the replay threads");
	if (start_workers(run, err))
		goto fail;
	int rc = start_threads(run, err);
	atomic_store(&run->phase, RP_PHASE_REPLAY);
	if (rc == 0)
		rp_monitor(run, run->o->progress, run->o->watchdog_s, run->o->log ? run->o->log : stderr);
	/* Threads that started may still be in the engine: a failed start joins them too. */
	atomic_store(&run->phase, "ending its replay threads and workers");
	uint64_t end = run->start_ticks;
	for (unsigned i = 0; i < run->plan->nthreads; i++) {
		struct rp_thread *t = &run->threads[i];
		if (!t->started)
			continue;
		pthread_join(t->th, NULL);
		if (t->end_ticks > end)
			end = t->end_ticks;
	}
	if (rc == 0 && run->win_failed) {
		*err = run->win_err; /* planning a window failed: the threads stopped there */
		rc = -1;
	}
	/*
	 * The timed mechanisms due before the trace's end fire, then the workers
	 * stop.  Catching up may take as long as the replay did (at least a
	 * second), never so long that the guard calls the engine stuck.
	 */
	if (rc == 0) {
		double guard_s = run->o->watchdog_s > 0 ? run->o->watchdog_s : 30;
		double budget = (double)mmr_clock_to_ns(end - run->start_ticks);
		budget = budget < 1e9 ? 1e9 : budget;
		budget = budget > guard_s * 0.5e9 ? guard_s * 0.5e9 : budget;
		mmr_tclock_end(run->clock, (uint64_t)budget);
	}
	stop_workers(run);
	*wall_ticks = end - run->start_ticks;
	if (rc == 0 && (run->ntimers = mmr_tclock_stats(run->clock, &run->timers)) < 0) {
		run->ntimers = 0;
		snprintf(err->msg, sizeof(err->msg), "replay: out of memory");
		rc = -1;
	}
	if (rc == 0)
		return 0;
fail:
	stop_workers(run);
	atomic_store(&run->phase, "destroying the engine");
	e->destroy(run->engine);
	atomic_store(&run->phase, NULL);
	run->engine = NULL;
	return -1;
}
