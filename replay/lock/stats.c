/* SPDX-License-Identifier: MIT */
/*
 * stats.c - per-thread statistics blocks, their merging and zeroing.
 *
 * Each thread counts into blocks of its own, one per class it has used,
 * so an acquisition writes no cache line that another thread writes: the
 * counts cost what plain increments cost, and the report does not perturb
 * the contention it measures.  A thread's blocks are registered once, on
 * its first acquisition of a class; collect walks every registered thread.
 *
 * A block holds four histograms (wait and hold, two sides for rwlocks),
 * about 59 KiB each, of which a thread touches a few buckets.  Blocks are
 * therefore mapped straight from the kernel: untouched pages stay the
 * shared zero page, and a thread that uses ten classes costs what it
 * touches, not 2 MiB.
 *
 * When a thread exits, a key destructor merges its blocks into the class's
 * "retired" totals and frees them, so counts survive the thread until
 * collected (or reset) and thread churn does not pile up memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lock_internal.h"

__thread struct lock_thread *mmr_lock_self __attribute__((tls_model("initial-exec")));
atomic_bool mmr_lock_timing_on = true;
atomic_bool mmr_lock_rt_on = false;

/** Replay as PREEMPT_RT would (sleeping spinlock_t and rwlock_t) or as the default kernel. */
void mmr_lock_set_kernel_rt(bool on)
{
	atomic_store_explicit(&mmr_lock_rt_on, on, memory_order_relaxed);
}

/** Whether the locks run as PREEMPT_RT's. */
bool mmr_lock_kernel_rt(void)
{
	return atomic_load_explicit(&mmr_lock_rt_on, memory_order_relaxed);
}

static pthread_key_t thread_key;
static pthread_once_t thread_key_once = PTHREAD_ONCE_INIT;
/* Every registered, live thread; under mmr_lock_registry. */
static struct lock_thread *threads;

/** Locks the calling thread holds (see mmr_lock.h). */
unsigned mmr_lock_held_by_self(void)
{
	return mmr_lock_self ? mmr_lock_self->nheld : 0;
}

/** Time waits and holds, or only count (see mmr_lock.h). */
void mmr_lock_set_timing(bool on)
{
	atomic_store_explicit(&mmr_lock_timing_on, on, memory_order_relaxed);
}

/* ---- one side ------------------------------------------------------------- */

/* Empty side S whose memory is already zero: only the histograms' minimums need setting. */
static void side_init_zeroed(struct mmr_lock_side *s)
{
	s->wait.min = UINT64_MAX;
	s->hold.min = UINT64_MAX;
}

/* Empty S, writing only what was written: an empty histogram is all zero but its minimum. */
static void side_reset(struct mmr_lock_side *s)
{
	s->acquisitions = s->contended = s->contended_queued = s->slept = s->in_atomic = 0;
	s->wait_ns_total = s->wait_ns_max = 0;
	s->hold_ns_total = s->hold_ns_max = 0;
	s->holds_preempted = s->hold_preempted_ns_total = s->hold_preempted_ns_max = 0;
	s->waits_preempted = s->wait_preempted_ns_total = s->wait_preempted_ns_max = 0;
	if (s->wait.count)
		mmr_hist_init(&s->wait);
	if (s->hold.count)
		mmr_hist_init(&s->hold);
}

void mmr_lock_side_merge(struct mmr_lock_side *dst, const struct mmr_lock_side *src)
{
	dst->acquisitions += src->acquisitions;
	dst->contended += src->contended;
	dst->contended_queued += src->contended_queued;
	dst->slept += src->slept;
	dst->in_atomic += src->in_atomic;
	dst->wait_ns_total += src->wait_ns_total;
	dst->hold_ns_total += src->hold_ns_total;
	if (src->wait_ns_max > dst->wait_ns_max)
		dst->wait_ns_max = src->wait_ns_max;
	if (src->hold_ns_max > dst->hold_ns_max)
		dst->hold_ns_max = src->hold_ns_max;
	dst->holds_preempted += src->holds_preempted;
	dst->hold_preempted_ns_total += src->hold_preempted_ns_total;
	if (src->hold_preempted_ns_max > dst->hold_preempted_ns_max)
		dst->hold_preempted_ns_max = src->hold_preempted_ns_max;
	dst->waits_preempted += src->waits_preempted;
	dst->wait_preempted_ns_total += src->wait_preempted_ns_total;
	if (src->wait_preempted_ns_max > dst->wait_preempted_ns_max)
		dst->wait_preempted_ns_max = src->wait_preempted_ns_max;
	mmr_hist_merge(&dst->wait, &src->wait);
	mmr_hist_merge(&dst->hold, &src->hold);
}

void mmr_lock_record_hold(struct mmr_lock_side *s, uint64_t ns, bool preempted)
{
	if (LOCK_UNLIKELY(preempted)) {
		s->holds_preempted++;
		s->hold_preempted_ns_total += ns;
		if (ns > s->hold_preempted_ns_max)
			s->hold_preempted_ns_max = ns;
		return;
	}
	s->hold_ns_total += ns;
	if (ns > s->hold_ns_max)
		s->hold_ns_max = ns;
	mmr_hist_add(&s->hold, ns);
}

void mmr_lock_record_wait(struct mmr_lock_side *s, uint64_t ns, bool preempted)
{
	if (LOCK_UNLIKELY(preempted)) {
		s->waits_preempted++;
		s->wait_preempted_ns_total += ns;
		if (ns > s->wait_preempted_ns_max)
			s->wait_preempted_ns_max = ns;
		return;
	}
	s->wait_ns_total += ns;
	if (ns > s->wait_ns_max)
		s->wait_ns_max = ns;
	mmr_hist_add(&s->wait, ns);
}

/* ---- blocks --------------------------------------------------------------- */

/* N empty sides in fresh zero pages. */
static struct mmr_lock_side *block_new(unsigned n)
{
	void *p = mmap(NULL, n * sizeof(struct mmr_lock_side), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		mmr_lock_die("no memory for a statistics block", errno);
	struct mmr_lock_side *b = p;
	for (unsigned i = 0; i < n; i++)
		side_init_zeroed(&b[i]);
	return b;
}

static void block_free(struct mmr_lock_side *b, unsigned n)
{
	munmap(b, n * sizeof(struct mmr_lock_side));
}

/* ---- threads -------------------------------------------------------------- */

/*
 * Thread exit: fold T's counts into each class's retired totals and free
 * T.  Under the registry lock, so a concurrent collect sees either T's
 * blocks or the retired totals, never both or neither.
 */
static void thread_exit(void *arg)
{
	struct lock_thread *t = arg;
	pthread_mutex_lock(&mmr_lock_registry);
	for (unsigned id = 0; id < t->nblocks; id++) {
		struct mmr_lock_side *b = t->blocks[id];
		if (!b)
			continue;
		struct mmr_lock_class *c = mmr_lock_classes[id];
		if (!c->retired)
			c->retired = block_new(c->nsides);
		for (unsigned s = 0; s < c->nsides; s++)
			mmr_lock_side_merge(&c->retired[s], &b[s]);
		block_free(b, c->nsides);
	}
	if (t->prev)
		t->prev->next = t->next;
	else
		threads = t->next;
	if (t->next)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&mmr_lock_registry);
	mmr_lock_pwatch_close(t);
	free(t->blocks);
	free(t->held);
	free(t);
	mmr_lock_self = NULL;
}

static void thread_key_create(void)
{
	int err = pthread_key_create(&thread_key, thread_exit);
	if (err)
		mmr_lock_die("pthread_key_create", err);
}

/* The calling thread's lock_thread, registered on first use. */
static struct lock_thread *thread_register(void)
{
	pthread_once(&thread_key_once, thread_key_create);
	/* Whole cache lines: no other thread's data shares them. */
	struct lock_thread *t = aligned_alloc(64, (sizeof(*t) + 63) / 64 * 64);
	if (!t)
		mmr_lock_die("no memory for a thread's lock state", ENOMEM);
	memset(t, 0, sizeof(*t));
	int err = pthread_setspecific(thread_key, t);
	if (err)
		mmr_lock_die("pthread_setspecific", err);
	pthread_mutex_lock(&mmr_lock_registry);
	t->next = threads;
	if (threads)
		threads->prev = t;
	threads = t;
	pthread_mutex_unlock(&mmr_lock_registry);
	mmr_lock_pwatch_open(t);
	mmr_lock_self = t;
	return t;
}

struct mmr_lock_side *mmr_lock_side_slow(struct mmr_lock_class *cls, unsigned side)
{
	struct lock_thread *t = mmr_lock_self;
	if (!t)
		t = thread_register();
	/* Under the registry lock: collect and thread exits read these arrays. */
	pthread_mutex_lock(&mmr_lock_registry);
	if (cls->id >= t->nblocks) {
		unsigned n = t->nblocks ? t->nblocks : 16;
		while (n <= cls->id)
			n *= 2;
		struct mmr_lock_side **a = realloc(t->blocks, n * sizeof(*a));
		if (!a)
			mmr_lock_die("no memory for a thread's block table", ENOMEM);
		memset(a + t->nblocks, 0, (n - t->nblocks) * sizeof(*a));
		t->blocks = a;
		t->nblocks = n;
	}
	if (!t->blocks[cls->id])
		t->blocks[cls->id] = block_new(cls->nsides);
	struct mmr_lock_side *s = t->blocks[cls->id] + side;
	pthread_mutex_unlock(&mmr_lock_registry);
	return s;
}

/* ---- collect and reset ---------------------------------------------------- */

/** Every class's statistics, summed over live and exited threads; free() the array. */
struct mmr_lock_stats *mmr_lock_stats_collect(size_t *n)
{
	*n = 0;
	pthread_mutex_lock(&mmr_lock_registry);
	unsigned nc = mmr_lock_nclasses;
	struct mmr_lock_stats *out = nc ? calloc(nc, sizeof(*out)) : NULL;
	for (unsigned id = 0; out && id < nc; id++) {
		const struct mmr_lock_class *c = mmr_lock_classes[id];
		struct mmr_lock_stats *st = &out[id];
		memcpy(st->name, c->name, sizeof(st->name));
		st->kind = c->kind;
		st->kernel_type = (enum mmr_kernel_lock)atomic_load_explicit(&c->kernel_type, memory_order_relaxed);
		st->irqs_off = atomic_load_explicit(&c->irqs_off, memory_order_relaxed);
		for (unsigned s = 0; s < MMR_LOCK_SIDES; s++) {
			mmr_hist_init(&st->side[s].wait);
			mmr_hist_init(&st->side[s].hold);
		}
		for (unsigned s = 0; c->retired && s < c->nsides; s++)
			mmr_lock_side_merge(&st->side[s], &c->retired[s]);
		for (const struct lock_thread *t = threads; t; t = t->next) {
			if (id >= t->nblocks || !t->blocks[id])
				continue;
			for (unsigned s = 0; s < c->nsides; s++)
				mmr_lock_side_merge(&st->side[s], &t->blocks[id][s]);
		}
	}
	pthread_mutex_unlock(&mmr_lock_registry);
	if (out)
		*n = nc;
	return out;
}

/** Zero every class's statistics, in live threads' blocks and exited threads' totals. */
void mmr_lock_stats_reset(void)
{
	pthread_mutex_lock(&mmr_lock_registry);
	for (unsigned id = 0; id < mmr_lock_nclasses; id++) {
		const struct mmr_lock_class *c = mmr_lock_classes[id];
		for (unsigned s = 0; c->retired && s < c->nsides; s++)
			side_reset(&c->retired[s]);
	}
	for (struct lock_thread *t = threads; t; t = t->next) {
		for (unsigned id = 0; id < t->nblocks; id++) {
			struct mmr_lock_side *b = t->blocks[id];
			for (unsigned s = 0; b && s < mmr_lock_classes[id]->nsides; s++)
				side_reset(&b[s]);
		}
	}
	pthread_mutex_unlock(&mmr_lock_registry);
}
