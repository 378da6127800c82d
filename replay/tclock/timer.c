/* SPDX-License-Identifier: MIT */
/*
 * timer.c - the engines' side of the trace clock: a worker sleeps on its
 * timer until its due comes in trace time, the engine kicks it, or the run
 * stops.  The sleeper waits on a futex of its own, which the clock bumps
 * when the watermark passes its due and a kick bumps too; everything it
 * decides on is re-read after each wake-up, so a spurious one costs a
 * loop, never a firing.
 */
#include <linux/futex.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tclock_internal.h"

/* How long a sleeper waits at most before re-reading the watermark (see clock.c). */
#define TC_RECHECK_NS 5000000ull
/* With no clock to wake it, how long a wall-time sleeper waits at most before seeing STOP. */
#define TC_WALL_SLICE_NS 1000000ull
/* A timer past the end of the trace waits for STOP alone; this only bounds a lost wake-up. */
#define TC_PARKED_NS 100000000ull

void tc_wake(struct mmr_ttimer *t)
{
	atomic_fetch_add_explicit(&t->wake, 1, memory_order_release);
	syscall(SYS_futex, (unsigned *)&t->wake, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

int mmr_ttimer_init(struct mmr_ttimer *t, struct mmr_tclock *c, const char *name)
{
	*t = (struct mmr_ttimer){.clock = c, .name = name, .stride = 1, .cut_due = TC_NEVER};
	atomic_init(&t->wake, 0);
	atomic_init(&t->kicks, 0);
	atomic_init(&t->state, MMR_TT_NEW);
	atomic_init(&t->due, TC_NEVER);
	if (!c)
		return 0;
	int rc = 0;
	pthread_mutex_lock(&c->mu);
	if (c->ntimers == c->cap) {
		unsigned cap = c->cap ? c->cap * 2 : 16;
		struct mmr_ttimer **v = cap <= TC_MAX_TIMERS ? realloc(c->timers, cap * sizeof(*v)) : NULL;
		if (v) {
			c->timers = v;
			c->cap = cap;
		}
	}
	if (c->ntimers < c->cap)
		c->timers[c->ntimers++] = t;
	else
		rc = -1;
	pthread_mutex_unlock(&c->mu);
	if (rc)
		t->clock = NULL; /* not on C: fini has nothing to take off */
	return rc;
}

void mmr_ttimer_fini(struct mmr_ttimer *t)
{
	struct mmr_tclock *c = t->clock;
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	for (unsigned i = 0; i < c->ntimers; i++)
		if (c->timers[i] == t) {
			c->timers[i] = c->timers[--c->ntimers];
			break;
		}
	pthread_mutex_unlock(&c->mu);
	t->clock = NULL;
}

void mmr_ttimer_kick(struct mmr_ttimer *t)
{
	atomic_fetch_add_explicit(&t->kicks, 1, memory_order_release);
	tc_wake(t);
}

/* Keep T's firing at wall time NOW for the timeline: every STRIDE-th, thinned when full. */
static void mark(struct mmr_ttimer *t, uint64_t now)
{
	if ((t->fired - 1) % t->stride)
		return;
	if (t->nmarks == MMR_TTIMER_MARKS) {
		for (uint32_t i = 0; i < MMR_TTIMER_MARKS / 2; i++)
			t->marks[i] = t->marks[2 * i];
		t->nmarks = MMR_TTIMER_MARKS / 2;
		t->stride *= 2;
		if ((t->fired - 1) % t->stride)
			return;
	}
	t->marks[t->nmarks++] = now;
}

/* Count a firing of T at DUE, the replay then at trace time AT. */
static void fire(struct mmr_ttimer *t, uint64_t due, uint64_t at)
{
	uint64_t late = at > due ? at - due : 0;
	if (!t->fired)
		t->first_due = due;
	t->last_due = due;
	t->fired++;
	t->late_ns_total += late;
	if (late > t->late_ns_max)
		t->late_ns_max = late;
	mark(t, tc_mono_ns());
}

/* The run is over and its budget for catching up is spent: DUE and later go unrun. */
static bool cut(struct mmr_ttimer *t, uint64_t due)
{
	struct mmr_tclock *c = t->clock;
	return c && due <= c->end && atomic_load(&c->ended) && tc_mono_ns() > atomic_load(&c->end_deadline);
}

/*
 * How long T must still sleep for DUE, at most a slice after which it
 * looks again; 0: due now, with *AT the trace time the replay is at.
 */
static uint64_t wait_ns(struct mmr_ttimer *t, uint64_t due, uint64_t *at)
{
	struct mmr_tclock *c = t->clock;
	uint64_t now = tc_mono_ns();
	if (!c) {
		*at = now;
		return due <= now ? 0 : due - now < TC_WALL_SLICE_NS ? due - now : TC_WALL_SLICE_NS;
	}
	if (due > c->end)
		return TC_PARKED_NS; /* never due on this trace */
	uint64_t start = atomic_load(&c->start_mono);
	if (!start)
		return TC_RECHECK_NS; /* the start wakes it */
	/* Paced, a due waits for its wall time too; once the replay is over, nothing more comes to wait for. */
	if (c->pace_factor > 0 && !atomic_load(&c->ended)) {
		double after = (double)due / c->pace_factor;
		uint64_t wall = start + (after < 0x1p62 ? (uint64_t)after : (uint64_t)1 << 62);
		if (now < wall)
			return wall - now < TC_RECHECK_NS ? wall - now : TC_RECHECK_NS;
	}
	uint64_t w = tc_watermark(c);
	if (w <= due)
		return TC_RECHECK_NS;
	*at = w < c->end ? w : c->end;
	return 0;
}

/*
 * T's state and due change together under its clock's lock: the end of a
 * run must never see a sleeper's old state with its new due ("sleeping
 * past the end") while it is about to fire.
 */
static void set_state(struct mmr_ttimer *t, enum mmr_ttimer_state s, uint64_t due)
{
	struct mmr_tclock *c = t->clock;
	if (c)
		pthread_mutex_lock(&c->mu);
	atomic_store(&t->due, due);
	atomic_store(&t->state, s);
	if (c)
		tc_update_earliest_locked(c);
	if (c)
		pthread_mutex_unlock(&c->mu);
}

enum mmr_ttimer_wake mmr_ttimer_sleep(struct mmr_ttimer *t, uint64_t due, const atomic_bool *stop)
{
	enum mmr_ttimer_wake why;
	set_state(t, MMR_TT_SLEEPING, due);
	for (;;) {
		unsigned w = atomic_load_explicit(&t->wake, memory_order_acquire);
		if (atomic_load(stop)) {
			why = MMR_TT_STOP;
			break;
		}
		if (cut(t, due)) {
			t->cut_due = due;
			why = MMR_TT_STOP;
			break;
		}
		unsigned k = atomic_load_explicit(&t->kicks, memory_order_acquire);
		if (k != t->kicks_seen) {
			t->kicks_seen = k;
			why = MMR_TT_KICKED;
			break;
		}
		uint64_t at, ns = wait_ns(t, due, &at);
		if (ns == 0) {
			fire(t, due, at);
			why = MMR_TT_DUE;
			break;
		}
		struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
		syscall(SYS_futex, (unsigned *)&t->wake, FUTEX_WAIT_PRIVATE, w, &ts, NULL, 0);
	}
	set_state(t, why == MMR_TT_STOP ? MMR_TT_IDLE : MMR_TT_BUSY, TC_NEVER);
	return why;
}
