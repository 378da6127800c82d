/* SPDX-License-Identifier: MIT */
/*
 * timeline.c - how throughput and live memory move over a replay: each
 * replay thread samples its own counters into its own array while it
 * runs, and after the run the samples are merged into equal time bins.
 *
 * The threads share nothing for this: a thread's live figures are the sums
 * of what its own calls did (a free of an object another thread allocated
 * makes them negative), and only their total over the threads means
 * anything.  A sample costs one clock read every EVERY ops, with or
 * without --no-timing.  Live memory is the bytes the trace asked for, not
 * what the engine holds: that is the engine's footprint.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mmr_clock.h"
#include "run_internal.h"

int rp_tl_init(struct rp_tl *tl, size_t ops, unsigned nthreads)
{
	/* Enough never to thin out a short stream; past that, a share of the total. */
	size_t cap = ops / RP_TL_EVERY + 2;
	size_t share = RP_TL_TOTAL / (nthreads ? nthreads : 1);
	if (share > RP_TL_CAP)
		share = RP_TL_CAP;
	if (share < 64)
		share = 64;
	if (cap > share)
		cap = share;
	cap += cap & 1; /* thinning keeps every other sample: an even count */
	memset(tl, 0, sizeof(*tl));
	tl->s = malloc(cap * sizeof(*tl->s));
	if (!tl->s)
		return -1;
	/* Written now, not faulted in during the replay. */
	memset(tl->s, 0, cap * sizeof(*tl->s));
	tl->cap = (uint32_t)cap;
	tl->every = RP_TL_EVERY;
	return 0;
}

void rp_tl_free(struct rp_tl *tl)
{
	free(tl->s);
	tl->s = NULL;
	tl->n = tl->cap = 0;
}

/*
 * Samples are taken at EVERY, 2 EVERY, ... ops.  When the array is full,
 * the odd ones go: what stays are the multiples of 2 EVERY, the new
 * interval.  The array is never full on return, so the last sample fits.
 */
uint64_t rp_tl_sample(struct rp_tl *tl, uint64_t ops, struct rp_delta d)
{
	tl->s[tl->n++] = (struct rp_sample){mmr_clock_ticks() - tl->shift, ops, d.bytes, d.objects};
	if (tl->n == tl->cap) {
		for (uint32_t j = 0; j < tl->cap / 2; j++)
			tl->s[j] = tl->s[2 * j + 1];
		tl->n = tl->cap / 2;
		tl->every *= 2;
	}
	return ops + tl->every;
}

void rp_tl_end(struct rp_tl *tl, uint64_t ticks, uint64_t ops, struct rp_delta d)
{
	tl->s[tl->n++] = (struct rp_sample){ticks, ops, d.bytes, d.objects};
}

/* A thread's counters at one tick: ops, bytes, objects. */
struct point {
	double v[3];
};

static struct point point_of(const struct rp_sample *s)
{
	/* One thread's sums may be below zero (rp_delta): as signed values, for interpolation. */
	return (struct point){{(double)s->ops, (double)(int64_t)s->bytes, (double)(int64_t)s->objects}};
}

/*
 * TL's counters at tick X (from the start signal at START, when all were
 * 0), interpolated between the samples around it; after the last sample,
 * the last.  *AT is where the previous, earlier X was found: bin edges only
 * move forward, so every thread's samples are walked once.
 */
static struct point tl_at(const struct rp_tl *tl, uint64_t start, uint64_t x, uint32_t *at)
{
	while (*at < tl->n && tl->s[*at].ticks < x)
		(*at)++;
	if (*at == tl->n)
		return tl->n ? point_of(&tl->s[tl->n - 1]) : (struct point){{0, 0, 0}};
	struct point hi = point_of(&tl->s[*at]), lo = {{0, 0, 0}};
	uint64_t t1 = tl->s[*at].ticks, t0 = start;
	if (*at > 0) {
		lo = point_of(&tl->s[*at - 1]);
		t0 = tl->s[*at - 1].ticks;
	}
	double f = t1 > t0 && x > t0 ? (double)(x - t0) / (double)(t1 - t0) : 1;
	struct point p;
	for (int k = 0; k < 3; k++)
		p.v[k] = lo.v[k] + (hi.v[k] - lo.v[k]) * f;
	return p;
}

/* A live total for the file: sampling at different times can make one slightly negative. */
static uint64_t nonneg(double v)
{
	return v > 0 ? (uint64_t)llround(v) : 0;
}

/* The bins: each thread's counters interpolated at the edges, summed.  Returns 0 or -1. */
static int make_bins(struct rp_timeline *tl, const struct rp_run *run, uint64_t wall, double tick_ns)
{
	unsigned nthreads = run->plan->nthreads;
	size_t nb = wall < RP_TL_BINS ? (wall ? wall : 1) : RP_TL_BINS;
	uint32_t *at = calloc(nthreads ? nthreads : 1, sizeof(*at));
	tl->bins = calloc(nb, sizeof(*tl->bins));
	if (!at || !tl->bins) {
		free(at);
		return -1;
	}
	tl->nbins = nb;
	double width_s = (double)wall / (double)nb * tick_ns / 1e9, prev_ops = 0;
	for (size_t b = 0; b < nb; b++) {
		/* The last edge is the last thread's end exactly: every final sample counts whole. */
		uint64_t x = run->start_ticks + (uint64_t)((double)wall * (double)(b + 1) / (double)nb);
		if (b + 1 == nb)
			x = run->start_ticks + wall;
		struct point sum = {{0, 0, 0}};
		for (unsigned i = 0; i < nthreads; i++) {
			struct point p = tl_at(&run->threads[i].tl, run->start_ticks, x, &at[i]);
			for (int k = 0; k < 3; k++)
				sum.v[k] += p.v[k];
		}
		struct rp_tlbin *bin = &tl->bins[b];
		bin->time_s = width_s * (double)(b + 1);
		bin->ops_per_s = width_s > 0 ? (sum.v[0] - prev_ops) / width_s : 0;
		bin->live_bytes = nonneg(sum.v[1]);
		bin->live_objects = nonneg(sum.v[2]);
		prev_ops = sum.v[0];
	}
	free(at);
	return 0;
}

/* A change of one thread's counters at a tick (modulo 2^64, as the counters), for the sweep. */
struct step {
	uint64_t ticks;
	uint64_t bytes, objects;
};

static int by_ticks(const void *a, const void *b)
{
	uint64_t x = ((const struct step *)a)->ticks, y = ((const struct step *)b)->ticks;
	return (x > y) - (x < y);
}

/*
 * The peaks: the highest of the bins, and of the sum of every thread's
 * latest sample at each sample's time (which a bin can fall between).
 * Sampling can still miss a spike shorter than a sampling interval.
 * Returns 0, or -1 when out of memory.
 */
static int find_peaks(struct rp_timeline *tl, const struct rp_run *run)
{
	size_t n = 0, k = 0;
	for (unsigned i = 0; i < run->plan->nthreads; i++)
		n += run->threads[i].tl.n;
	struct step *st = malloc((n ? n : 1) * sizeof(*st));
	if (!st)
		return -1;
	for (unsigned i = 0; i < run->plan->nthreads; i++) {
		const struct rp_tl *t = &run->threads[i].tl;
		for (uint32_t j = 0; j < t->n; j++) {
			const struct rp_sample *prev = j ? &t->s[j - 1] : NULL;
			st[k++] = (struct step){t->s[j].ticks, t->s[j].bytes - (prev ? prev->bytes : 0),
						t->s[j].objects - (prev ? prev->objects : 0)};
		}
	}
	qsort(st, n, sizeof(*st), by_ticks);
	uint64_t bytes = 0, objects = 0;
	for (size_t j = 0; j < n; j++) {
		bytes += st[j].bytes;
		objects += st[j].objects;
		/* Only once all changes at this tick are in. */
		if (j + 1 < n && st[j + 1].ticks == st[j].ticks)
			continue;
		if (rp_live_total(bytes) > tl->peak_bytes)
			tl->peak_bytes = rp_live_total(bytes);
		if (rp_live_total(objects) > tl->peak_objects)
			tl->peak_objects = rp_live_total(objects);
	}
	free(st);
	for (size_t b = 0; b < tl->nbins; b++) {
		if (tl->bins[b].live_bytes > tl->peak_bytes)
			tl->peak_bytes = tl->bins[b].live_bytes;
		if (tl->bins[b].live_objects > tl->peak_objects)
			tl->peak_objects = tl->bins[b].live_objects;
	}
	return 0;
}

int rp_timeline_build(struct rp_timeline *tl, const struct rp_run *run, uint64_t wall_ticks, double tick_ns)
{
	free(tl->bins);
	memset(tl, 0, sizeof(*tl));
	/* The end exactly, from the integers: every thread's last sample is its end. */
	uint64_t bytes = 0, objects = 0;
	for (unsigned i = 0; i < run->plan->nthreads; i++) {
		const struct rp_tl *t = &run->threads[i].tl;
		if (t->n) {
			bytes += t->s[t->n - 1].bytes;
			objects += t->s[t->n - 1].objects;
		}
	}
	tl->end_bytes = rp_live_total(bytes);
	tl->end_objects = rp_live_total(objects);
	if (make_bins(tl, run, wall_ticks, tick_ns) || find_peaks(tl, run)) {
		free(tl->bins);
		memset(tl, 0, sizeof(*tl));
		return -1;
	}
	return 0;
}
