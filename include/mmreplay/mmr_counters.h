/* SPDX-License-Identifier: MIT */
/*
 * mmr_counters.h - an engine's figures counted per thread and reported
 * combined: the one way every engine family counts what its calls did
 * (vmaps, fallbacks, pages freed) and hands it to the runner's
 * struct mmr_figures.
 *
 * Why per thread: a counter the replay threads share bounces its cache
 * line between the CPUs on every call, contention the modelled kernel
 * does not have, timed into the very latencies the variants are compared
 * on.  So each thread (each replay thread, each worker) keeps a set of
 * its own, bumped with plain increments, and the sets are combined once
 * the run is over: the runner joins the replay threads and the workers
 * before it calls report, so a plain read then sees every increment.
 * A set written under a lock instead (one CPU's counters under its
 * krcp->lock) is the same: one writer at a time, read after the run.
 *
 * A set is a struct of uint64_t counters, bumped by name in the hot path
 * (t->n.vmaps++).  The engine declares its figures once, as a table of
 * rows in the order the report gives them: for each counter the struct
 * field, the report key and how the threads' values combine.
 *
 *     struct my_counts { uint64_t allocs, waits, wait_ns_max, wait_ns_total; };
 *
 *     #define C(field, key, how) MMR_COUNTER(struct my_counts, field, key, how)
 *     static const struct mmr_counter my_rows[] = {
 *             C(allocs, "allocs", MMR_SUM), C(waits, "waits", MMR_SUM),
 *             C(wait_ns_max, "wait_ns_max", MMR_MAX),
 *             C(wait_ns_total, NULL, MMR_SUM), // for the mean, which report gives itself
 *     };
 *     #undef C
 *     MMR_COUNTERS_ALL(my_rows, struct my_counts);
 *     static const struct mmr_counters my_counters = MMR_COUNTERS(my_rows);
 *
 * and in report:
 *
 *     struct my_counts sum = {0};
 *     for (unsigned i = 0; i < e->threads; i++)
 *             mmr_counters_add(&my_counters, &sum, &e->thread[i].n);
 *     mmr_counters_report(&my_counters, &sum, r);
 *
 * The sum is a struct my_counts again, so the figures made from the
 * counters (a mean, a rate) read it by name.  Not for counters read while
 * threads still write them (the page model's zone statistics, which a
 * footprint may read mid-run, are relaxed atomics of their own).
 */
#ifndef MMR_COUNTERS_H
#define MMR_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "mmr_engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How the threads' values of one counter make the engine's figure. */
enum mmr_combine {
	/*
	 * Added: counts and totals.  Modulo 2^64, so a gauge that one thread
	 * raises and another lowers (bytes one allocates, another frees)
	 * sums right when the result is read as int64_t.
	 */
	MMR_SUM,
	/* The largest any thread saw: a worst wait, a longest pass. */
	MMR_MAX,
};

/* One counter of a set: where it is, how sets combine it, what the report calls it. */
struct mmr_counter {
	/* The report key; NULL: combined for the engine's own use (a total a mean is made of), not reported. */
	const char *key;
	size_t off;               /* its offset in the set, in bytes: MMR_COUNTER computes it */
	enum mmr_combine combine;
};

/* A set's figures: its rows, in report order. */
struct mmr_counters {
	const struct mmr_counter *row;
	size_t rows;
};

/*
 * The offset of FIELD in the set TYPE, a constant.  A FIELD that is not a
 * uint64_t does not compile (an array of size -1): the functions below
 * read and write every counter as one.
 */
#define MMR_COUNTER_OFF(type, field)                                                                     \
	(offsetof(type, field) + 0 * sizeof(char[_Generic(((type *)0)->field, uint64_t: 1, default: -1)]))

/* A row: counter FIELD of set TYPE, reported under KEY (or NULL), combined by HOW (MMR_SUM, MMR_MAX). */
#define MMR_COUNTER(type, field, key, how) {(key), MMR_COUNTER_OFF(type, field), (how)}

/* The table of ROWS, an array of struct mmr_counter. */
#define MMR_COUNTERS(rows) {(rows), sizeof(rows) / sizeof((rows)[0])}

/*
 * A build-time check that ROWS has as many rows as TYPE has words: for a
 * set that is all counters, a counter added to the struct without its
 * row (and so never reported) fails the build.
 */
#define MMR_COUNTERS_ALL(rows, type)                                                                      \
	_Static_assert(sizeof(rows) / sizeof((rows)[0]) == sizeof(type) / sizeof(uint64_t),              \
		       #rows ": every counter of " #type " needs its row")

/*
 * Combine the set SRC into ACC, both sets of T's type: each counter T
 * names added, or its maximum kept.  Start ACC zeroed and add each
 * thread's set; members T does not name are left alone.
 */
static inline void mmr_counters_add(const struct mmr_counters *t, void *acc, const void *src)
{
	for (size_t i = 0; i < t->rows; i++) {
		uint64_t *a = (uint64_t *)((char *)acc + t->row[i].off);
		uint64_t s = *(const uint64_t *)((const char *)src + t->row[i].off);
		if (t->row[i].combine == MMR_MAX)
			*a = s > *a ? s : *a;
		else
			*a += s;
	}
}

/* Give R every counter of SET that has a key, as a u64, in T's order. */
static inline void mmr_counters_report(const struct mmr_counters *t, const void *set, const struct mmr_figures *r)
{
	for (size_t i = 0; i < t->rows; i++)
		if (t->row[i].key)
			r->u64(r->ctx, t->row[i].key, *(const uint64_t *)((const char *)set + t->row[i].off));
}

#ifdef __cplusplus
}
#endif

#endif /* MMR_COUNTERS_H */
