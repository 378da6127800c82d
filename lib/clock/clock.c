/* SPDX-License-Identifier: MIT */
/*
 * clock.c - choosing and calibrating the replay's timer.
 *
 * The TSC is used only when the CPU says it is invariant (CPUID leaf
 * 0x80000007, EDX bit 8): then it ticks at one rate on every CPU whatever
 * the frequency or sleep state, and a thread that migrates mid-call still
 * reads a consistent clock.  Its rate comes from timing it against
 * CLOCK_MONOTONIC_RAW, which the kernel keeps from the same hardware.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "mmr_clock.h"

bool mmr_clock_tsc;
static double ns_per_tick = 1.0;
static double overhead_ns;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static uint64_t raw_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool tsc_invariant(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;
	if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u)
		return false;
	__get_cpuid(0x80000007u, &a, &b, &c, &d);
	return (d >> 8) & 1;
#else
	return false;
#endif
}

/* ns per TSC tick, from a 20 ms window bracketed by raw clock readings. */
static double calibrate(void)
{
	uint64_t n0 = raw_ns(), t0 = mmr_clock_ticks();
	while (raw_ns() - n0 < 20 * 1000 * 1000)
		;
	uint64_t n1 = raw_ns(), t1 = mmr_clock_ticks();
	return t1 > t0 ? (double)(n1 - n0) / (double)(t1 - t0) : 1.0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Median of many empty intervals: immune to the odd interrupt. */
static double measure_overhead(void)
{
	enum { N = 10001 };
	uint64_t *d = malloc(N * sizeof(*d));
	if (!d)
		return 0;
	for (int i = 0; i < N; i++) {
		uint64_t t0 = mmr_clock_ticks();
		uint64_t t1 = mmr_clock_ticks();
		d[i] = t1 - t0;
	}
	qsort(d, N, sizeof(*d), cmp_u64);
	double med = (double)d[N / 2] * ns_per_tick;
	free(d);
	return med;
}

static void init_once(void)
{
	const char *force = getenv("MMR_CLOCK");
	mmr_clock_tsc = tsc_invariant() && !(force && strcmp(force, "monotonic") == 0);
	ns_per_tick = mmr_clock_tsc ? calibrate() : 1.0;
	overhead_ns = measure_overhead();
}

void mmr_clock_init(void)
{
	pthread_once(&once, init_once);
}

uint64_t mmr_clock_to_ns(uint64_t ticks)
{
	return (uint64_t)((double)ticks * ns_per_tick + 0.5);
}

const char *mmr_clock_name(void)
{
	return mmr_clock_tsc ? "tsc" : "monotonic_raw";
}

double mmr_clock_hz(void)
{
	return 1e9 / ns_per_tick;
}

double mmr_clock_overhead_ns(void)
{
	return overhead_ns;
}
