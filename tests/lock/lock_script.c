/* SPDX-License-Identifier: MIT */
/* lock_script.c - helpers for scripting contention in the lock tests (lock_script.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lock_script.h"

pthread_t script_start(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, fn, arg), 0);
	return t;
}

void script_join(pthread_t t)
{
	assert_int_equal(pthread_join(t, NULL), 0);
}

static uint64_t raw_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void script_hold_ms(unsigned ms)
{
	uint64_t end = raw_ns() + (uint64_t)ms * 1000000ull;
	for (uint64_t now = raw_ns(); now < end; now = raw_ns()) {
		struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)(end - now) };
		if (end - now >= 1000000000ull)
			ts = (struct timespec){ .tv_sec = 1 };
		nanosleep(&ts, NULL);
	}
}

void script_wait_waiters(const struct mmr_lock_class *cls, unsigned n)
{
	const struct timespec tick = { .tv_nsec = 50 * 1000 };
	while (mmr_lock_class_waiting(cls) < n)
		nanosleep(&tick, NULL);
}

void script_signal_init(struct script_signal *s)
{
	assert_int_equal(sem_init(&s->sem, 0, 0), 0);
}

void script_signal_post(struct script_signal *s)
{
	assert_int_equal(sem_post(&s->sem), 0);
}

void script_signal_wait(struct script_signal *s)
{
	while (sem_wait(&s->sem) != 0)
		assert_int_equal(errno, EINTR);
}

void script_signal_destroy(struct script_signal *s)
{
	sem_destroy(&s->sem);
}

struct mmr_lock_stats *script_stats(const char *name)
{
	size_t n;
	struct mmr_lock_stats *all = mmr_lock_stats_collect(&n);
	assert_non_null(all);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(all[i].name, name) != 0)
			continue;
		struct mmr_lock_stats *one = malloc(sizeof(*one));
		assert_non_null(one);
		memcpy(one, &all[i], sizeof(*one));
		free(all);
		return one;
	}
	free(all);
	fail_msg("no statistics for class %s", name);
	return NULL;
}

struct mmr_lock_side script_side(const char *name, unsigned side)
{
	struct mmr_lock_stats *st = script_stats(name);
	struct mmr_lock_side out = st->side[side];
	free(st);
	return out;
}

void script_assert_side_untimed(const struct mmr_lock_side *s)
{
	assert_int_equal(s->wait_ns_total, 0);
	assert_int_equal(s->wait_ns_max, 0);
	assert_int_equal(s->hold_ns_total, 0);
	assert_int_equal(s->hold_ns_max, 0);
	assert_int_equal(s->wait.count, 0);
	assert_int_equal(s->hold.count, 0);
}

void script_assert_side_empty(const struct mmr_lock_side *s)
{
	assert_int_equal(s->acquisitions, 0);
	assert_int_equal(s->contended, 0);
	script_assert_side_untimed(s);
}
