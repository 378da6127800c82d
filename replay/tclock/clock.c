/* SPDX-License-Identifier: MIT */
/*
 * clock.c - the runner's side of the trace clock: the watermark, firing
 * what it passes, the end of a run, and the figures.
 *
 * The replay loop pays for the clock only with a relaxed load of the
 * earliest due per event; it calls mmr_tclock_poke when its next event
 * lies past that due and its current one does not, which happens once per
 * thread per due.  The last thread to cross a due sees every other past it
 * (the fence in poke orders its own progress before its reads of the
 * others'), so the due fires then.  A sleeper that armed its due just as
 * a thread crossed it can miss that poke; it re-reads the watermark after
 * a few milliseconds, which bounds how late such a firing runs, never
 * whether it does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tclock_internal.h"

uint64_t tc_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct mmr_tclock *mmr_tclock_create(uint64_t end, double pace_factor, mmr_tclock_watermark_fn fn, void *ctx)
{
	struct mmr_tclock *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->end = end;
	c->pace_factor = pace_factor > 0 ? pace_factor : 0;
	c->fn = fn;
	c->ctx = ctx;
	atomic_init(&c->earliest, TC_NEVER);
	atomic_init(&c->watermark, 0);
	atomic_init(&c->start_mono, 0);
	atomic_init(&c->ended, false);
	atomic_init(&c->end_deadline, TC_NEVER);
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

void mmr_tclock_destroy(struct mmr_tclock *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->mu);
	free(c->timers);
	free(c);
}

uint64_t tc_watermark(struct mmr_tclock *c)
{
	if (atomic_load_explicit(&c->ended, memory_order_acquire))
		return TC_NEVER;
	uint64_t w = c->fn(c->ctx);
	uint64_t old = atomic_load_explicit(&c->watermark, memory_order_relaxed);
	while (w > old && !atomic_compare_exchange_weak_explicit(&c->watermark, &old, w, memory_order_relaxed,
								  memory_order_relaxed))
		;
	return w > old ? w : old;
}

uint64_t mmr_tclock_now(struct mmr_tclock *c)
{
	if (!c)
		return tc_mono_ns();
	uint64_t w = tc_watermark(c);
	return w < c->end ? w : c->end;
}

uint64_t mmr_tclock_origin(struct mmr_tclock *c)
{
	return c ? 0 : tc_mono_ns();
}

const atomic_uint_fast64_t *mmr_tclock_earliest(const struct mmr_tclock *c)
{
	return &c->earliest;
}

void tc_update_earliest_locked(struct mmr_tclock *c)
{
	uint64_t e = TC_NEVER;
	for (unsigned i = 0; i < c->ntimers; i++) {
		struct mmr_ttimer *t = c->timers[i];
		uint64_t due = atomic_load(&t->due);
		if (atomic_load(&t->state) == MMR_TT_SLEEPING && due < e)
			e = due;
	}
	atomic_store(&c->earliest, e);
}

/* Wake the sleepers of C whose due the watermark W has passed (all of them with W TC_NEVER). */
static void wake_passed(struct mmr_tclock *c, uint64_t w)
{
	pthread_mutex_lock(&c->mu);
	for (unsigned i = 0; i < c->ntimers; i++) {
		struct mmr_ttimer *t = c->timers[i];
		if (w == TC_NEVER || (atomic_load(&t->state) == MMR_TT_SLEEPING && atomic_load(&t->due) < w))
			tc_wake(t);
	}
	pthread_mutex_unlock(&c->mu);
}

void mmr_tclock_poke(struct mmr_tclock *c)
{
	atomic_thread_fence(memory_order_seq_cst);
	uint64_t w = tc_watermark(c);
	if (w > atomic_load_explicit(&c->earliest, memory_order_relaxed))
		wake_passed(c, w);
}

void mmr_tclock_start(struct mmr_tclock *c, uint64_t start_mono_ns)
{
	atomic_store(&c->start_mono, start_mono_ns ? start_mono_ns : 1);
	wake_passed(c, TC_NEVER);
}

void mmr_tclock_stop(struct mmr_tclock *c)
{
	wake_passed(c, TC_NEVER);
}

/*
 * True when no timer of C has a due at or before the end left to fire.  A
 * timer whose worker has not slept on it yet may still have dues to fire:
 * it counts once its worker armed it, or (an engine that made a timer no
 * worker sleeps on) once the catch-up budget is spent.
 */
static bool all_parked(struct mmr_tclock *c)
{
	bool parked = true, late = tc_mono_ns() > atomic_load(&c->end_deadline);
	pthread_mutex_lock(&c->mu);
	for (unsigned i = 0; i < c->ntimers && parked; i++) {
		struct mmr_ttimer *t = c->timers[i];
		unsigned s = atomic_load(&t->state);
		parked = s == MMR_TT_IDLE || (s == MMR_TT_NEW && late) ||
			 (s == MMR_TT_SLEEPING && atomic_load(&t->due) > c->end);
	}
	pthread_mutex_unlock(&c->mu);
	return parked;
}

void mmr_tclock_end(struct mmr_tclock *c, uint64_t budget_ns)
{
	atomic_store(&c->end_deadline, tc_mono_ns() + budget_ns);
	atomic_store_explicit(&c->ended, true, memory_order_release);
	wake_passed(c, TC_NEVER);
	/* Once per run: a poll keeps the timers free of a second wake-up path for it. */
	while (!all_parked(c))
		nanosleep(&(struct timespec){0, 200000}, NULL);
}

/* Add T's figures to S. */
static void stat_add(struct mmr_tclock_stat *s, const struct mmr_ttimer *t, uint64_t start)
{
	if (t->fired && (!s->fired || t->first_due < s->first_due))
		s->first_due = t->first_due;
	if (t->last_due > s->last_due)
		s->last_due = t->last_due;
	s->timers++;
	s->fired += t->fired;
	if (t->cut_due < s->cut_due)
		s->cut_due = t->cut_due;
	s->late_ns_total += t->late_ns_total;
	if (t->late_ns_max > s->late_ns_max)
		s->late_ns_max = t->late_ns_max;
	for (uint32_t i = 0; i < t->nmarks; i++)
		s->marks[s->nmarks++] = t->marks[i] > start ? t->marks[i] - start : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

int mmr_tclock_stats(const struct mmr_tclock *c, struct mmr_tclock_stat **out)
{
	*out = NULL;
	if (!c || !c->ntimers)
		return 0;
	struct mmr_tclock_stat *s = calloc(c->ntimers, sizeof(*s));
	if (!s)
		return -1;
	uint64_t start = atomic_load(&c->start_mono);
	int n = 0;
	for (unsigned i = 0; i < c->ntimers; i++) {
		const struct mmr_ttimer *t = c->timers[i];
		int k = 0;
		while (k < n && strcmp(s[k].name, t->name))
			k++;
		if (k == n) {
			snprintf(s[n].name, sizeof(s[n].name), "%s", t->name);
			s[n].cut_due = TC_NEVER;
			unsigned same = 0;
			for (unsigned j = i; j < c->ntimers; j++)
				same += strcmp(c->timers[j]->name, t->name) == 0;
			if (!(s[n++].marks = malloc((size_t)same * MMR_TTIMER_MARKS * sizeof(uint64_t)))) {
				mmr_tclock_stats_free(s, n);
				return -1;
			}
		}
		stat_add(&s[k], t, start);
	}
	for (int k = 0; k < n; k++)
		qsort(s[k].marks, s[k].nmarks, sizeof(uint64_t), cmp_u64);
	*out = s;
	return n;
}

void mmr_tclock_stats_free(struct mmr_tclock_stat *s, int n)
{
	for (int i = 0; s && i < n; i++)
		free(s[i].marks);
	free(s);
}
