/* SPDX-License-Identifier: MIT */
/*
 * outcome_check.h - for the engine family tests: an engine's report taken
 * whole, the check that every outcome the engine declares
 * (mmr_engine_ops.outcomes) is in it once, as a u64, under its exact key,
 * and a figure looked up by key.
 *
 * The runner refuses a run whose report lacks a declared outcome, and a
 * comparison reads each outcome as a u64: an outcome misspelled in the
 * report, given as a double or given twice would only show in a replay.
 * Each family test checks it here on a workload that moves the outcome,
 * so that the figure is also known to mean what its declaration says.
 *
 * Include after <cmocka.h> (the checks fail through cmocka).
 */
#ifndef MMR_TEST_OUTCOME_CHECK_H
#define MMR_TEST_OUTCOME_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mmr_engine.h"

/* More figures than any engine reports (zsmalloc, the most, gives about 50). */
#define OC_MAX_FIGURES 512
#define OC_KEY_MAX 96

/* One figure as the report gave it. */
struct oc_figure {
	char key[OC_KEY_MAX];
	bool is_u64;
	uint64_t u;
	double f;
};

/* Everything one call of an engine's report gave, in order. */
struct oc_report {
	struct oc_figure fig[OC_MAX_FIGURES];
	size_t n;
	bool overflow; /* more figures than fit, or a key longer than OC_KEY_MAX - 1 */
};

static inline struct oc_figure *oc_add(struct oc_report *r, const char *key)
{
	size_t len = strlen(key);
	if (r->n == OC_MAX_FIGURES || len >= OC_KEY_MAX) {
		r->overflow = true;
		return NULL;
	}
	struct oc_figure *f = &r->fig[r->n++];
	memcpy(f->key, key, len + 1);
	return f;
}

static inline void oc_u64(void *ctx, const char *key, uint64_t v)
{
	struct oc_figure *f = oc_add(ctx, key);
	if (f) {
		f->is_u64 = true;
		f->u = v;
	}
}

static inline void oc_f64(void *ctx, const char *key, double v)
{
	struct oc_figure *f = oc_add(ctx, key);
	if (f)
		f->f = v;
}

/*
 * ENGINE's report (OPS->report) into R, as the runner takes it after a
 * run: the caller has ended the replay threads the engine needs ended
 * first (SLUB adds a thread's counts at its thread_exit).  R is large:
 * make it static or allocate it.
 */
static inline void oc_take(struct oc_report *r, const struct mmr_engine_ops *ops, void *engine)
{
	memset(r, 0, sizeof(*r));
	assert_non_null(ops->report);
	ops->report(engine, &(struct mmr_figures){.ctx = r, .u64 = oc_u64, .f64 = oc_f64});
	if (r->overflow)
		fail_msg("%s: report of more than %d figures, or a key of %d characters or more", ops->name,
			 OC_MAX_FIGURES, OC_KEY_MAX);
}

/*
 * Every outcome OPS declares (at least one) is in R exactly once, as a
 * u64 under its key, and never as a double under that key.
 */
static inline void oc_check_declared(const struct oc_report *r, const struct mmr_engine_ops *ops)
{
	assert_non_null(ops->outcomes);
	assert_non_null(ops->outcomes[0].key);
	for (const struct mmr_engine_outcome *o = ops->outcomes; o->key; o++) {
		unsigned as_u64 = 0, as_f64 = 0;
		for (size_t i = 0; i < r->n; i++)
			if (!strcmp(r->fig[i].key, o->key)) {
				as_u64 += r->fig[i].is_u64;
				as_f64 += !r->fig[i].is_u64;
			}
		if (as_u64 != 1 || as_f64 != 0)
			fail_msg("%s: outcome %s reported %u times as a u64 and %u times as a double (want 1 and 0)",
				 ops->name, o->key, as_u64, as_f64);
	}
}

/* ENGINE's report, checked against OPS's declared outcomes. */
static inline void oc_take_checked(struct oc_report *r, const struct mmr_engine_ops *ops, void *engine)
{
	oc_take(r, ops, engine);
	oc_check_declared(r, ops);
}

/* The u64 figure KEY of R; fails when R has none. */
static inline uint64_t oc_value(const struct oc_report *r, const char *key)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->fig[i].is_u64 && !strcmp(r->fig[i].key, key))
			return r->fig[i].u;
	fail_msg("no u64 figure %s in the report", key);
	return 0;
}

#endif /* MMR_TEST_OUTCOME_CHECK_H */
