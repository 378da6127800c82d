/* SPDX-License-Identifier: MIT */
/*
 * dat.c - the gnuplot-ready text files of a result: whitespace-separated
 * columns, a '#' header naming them, one file per figure.
 *
 *   hist_OP.dat         low_ns high_ns count cumulative_fraction   (non-empty buckets)
 *   percentiles_OP.dat  percentile latency_ns one_over_one_minus_p (to 99.99, for the
 *                       HdrHistogram-style percentile spectrum)
 *   locks.dat           name side acquisitions contended wait_ns_total wait_ns_max
 *                       hold_ns_total hold_ns_max                  (by total wait)
 *   timeline.dat        time_s ops_per_s live_bytes live_objects   (the last run, in
 *                       equal time bins: timeline.c)
 *   footprint.dat       what bytes                                 (one line per measure)
 *   timers.dat          time_s name                                (the last run's timed
 *                       mechanisms firing, a sample of each: mmr_tclock.h; only when
 *                       the engine has some)
 *
 * Latencies are in ns with the timer's cost taken off, as in results.json.
 * Names and labels are quoted: gnuplot reads one with spaces as one column.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmr_lock_stats.h"
#include "run_internal.h"

static FILE *open_dat(const char *dir, const char *name, struct mmr_error *err)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot write: %s", path, strerror(errno));
	return f;
}

static int close_dat(FILE *f, const char *dir, const char *name, struct mmr_error *err)
{
	if (ferror(f) | (fclose(f) != 0)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s/%s: write failed", dir, name);
		return -1;
	}
	return 0;
}

static int write_hist(const struct mmr_replay_result *r, unsigned k, const char *dir, struct mmr_error *err)
{
	char name[64];
	const struct mmr_hist *h = &r->ops[k].lat;
	snprintf(name, sizeof(name), "hist_%s.dat", mmr_op_name(k));
	FILE *f = open_dat(dir, name, err);
	if (!f)
		return -1;
	fprintf(f, "# %s %s: latency histogram, ns, timer overhead %.1f ns taken off\n"
		   "# low_ns high_ns count cumulative_fraction\n", r->engine, mmr_op_name(k),
		r->timer_overhead_ns);
	uint64_t seen = 0;
	for (unsigned b = 0; b < MMR_HIST_BUCKETS; b++) {
		if (!h->buckets[b])
			continue;
		seen += h->buckets[b];
		double lo = (double)mmr_hist_bucket_low(b) * r->tick_ns - r->timer_overhead_ns;
		double hi = (double)mmr_hist_bucket_high(b) * r->tick_ns - r->timer_overhead_ns;
		fprintf(f, "%.1f %.1f %llu %.6f\n", lo > 0 ? lo : 0, hi > 0 ? hi : 0,
			(unsigned long long)h->buckets[b], (double)seen / (double)h->count);
	}
	return close_dat(f, dir, name, err);
}

static int write_percentiles(const struct mmr_replay_result *r, unsigned k, const char *dir,
			     struct mmr_error *err)
{
	static const double ps[] = {0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97,
				    97.5, 98, 98.5, 99, 99.25, 99.5, 99.75, 99.9, 99.95, 99.99};
	char name[64];
	snprintf(name, sizeof(name), "percentiles_%s.dat", mmr_op_name(k));
	FILE *f = open_dat(dir, name, err);
	if (!f)
		return -1;
	fprintf(f, "# %s %s: latency by percentile, ns, timer overhead taken off\n"
		   "# percentile latency_ns one_over_one_minus_p\n", r->engine, mmr_op_name(k));
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
		fprintf(f, "%g %.1f %.1f\n", ps[i], rp_latency_ns(r, &r->ops[k].lat, ps[i]),
			1.0 / (1.0 - ps[i] / 100.0));
	return close_dat(f, dir, name, err);
}

static int write_locks(const struct mmr_replay_result *r, const char *dir, struct mmr_error *err)
{
	FILE *f = open_dat(dir, "locks.dat", err);
	if (!f)
		return -1;
	struct mmr_lock_stats *l = rp_locks_by_wait(r);
	fprintf(f, "# %s: lock contention by total wait\n"
		   "# name side acquisitions contended wait_ns_total wait_ns_max hold_ns_total hold_ns_max\n",
		r->engine);
	for (size_t i = 0; l && i < r->nlocks; i++)
		for (unsigned s = 0; s < MMR_LOCK_SIDES; s++) {
			const struct mmr_lock_side *d = &l[i].side[s];
			if (s == MMR_LOCK_READ && l[i].kind != MMR_LOCK_RWLOCK)
				continue;
			/* Quoted: some kernel lock names have spaces ("handle pin bit"); gnuplot reads it as one column. */
			fprintf(f, "\"%s\" %s %llu %llu %llu %llu %llu %llu\n", l[i].name,
				l[i].kind != MMR_LOCK_RWLOCK ? "exclusive" : s ? "read" : "write",
				(unsigned long long)d->acquisitions, (unsigned long long)d->contended,
				(unsigned long long)d->wait_ns_total, (unsigned long long)d->wait_ns_max,
				(unsigned long long)d->hold_ns_total, (unsigned long long)d->hold_ns_max);
		}
	free(l);
	return close_dat(f, dir, "locks.dat", err);
}

static int write_timeline(const struct mmr_replay_result *r, const char *dir, struct mmr_error *err)
{
	FILE *f = open_dat(dir, "timeline.dat", err);
	if (!f)
		return -1;
	const struct rp_timeline *t = &r->timeline;
	fprintf(f, "# %s: the last run in %zu equal time bins; live figures at each bin's end\n"
		   "# time_s ops_per_s live_bytes live_objects\n", r->engine, t->nbins);
	for (size_t b = 0; b < t->nbins; b++)
		fprintf(f, "%.6f %.1f %llu %llu\n", t->bins[b].time_s, t->bins[b].ops_per_s,
			(unsigned long long)t->bins[b].live_bytes, (unsigned long long)t->bins[b].live_objects);
	return close_dat(f, dir, "timeline.dat", err);
}

/* When each timed mechanism fired in the last run, in seconds since its start, for the timeline. */
static int write_timers(const struct mmr_replay_result *r, const char *dir, struct mmr_error *err)
{
	if (!r->ntimers)
		return 0;
	FILE *f = open_dat(dir, "timers.dat", err);
	if (!f)
		return -1;
	fprintf(f, "# %s: the last run's timed mechanisms firing (every firing, or an even sample "
		   "of each mechanism's)\n# time_s name\n", r->engine);
	for (size_t i = 0; i < r->ntimers; i++)
		for (uint32_t k = 0; k < r->timers[i].nmarks; k++)
			fprintf(f, "%.6f \"%s\"\n", (double)r->timers[i].marks[k] / 1e9, r->timers[i].name);
	return close_dat(f, dir, "timers.dat", err);
}

/* The memory measures side by side: the trace's own, the engine's, the process's. */
static int write_footprint(const struct mmr_replay_result *r, const char *dir, struct mmr_error *err)
{
	FILE *f = open_dat(dir, "footprint.dat", err);
	if (!f)
		return -1;
	fprintf(f, "# %s: memory, bytes (trace: what the trace's live objects asked for, last run)\n"
		   "# what bytes\n", r->engine);
	fprintf(f, "\"peak live (trace)\" %llu\n", (unsigned long long)r->timeline.peak_bytes);
	fprintf(f, "\"live at end (trace)\" %llu\n", (unsigned long long)r->timeline.end_bytes);
	if (r->have_footprint)
		fprintf(f, "\"engine footprint\" %llu\n", (unsigned long long)r->footprint_bytes);
	fprintf(f, "\"peak RSS (process)\" %llu\n", (unsigned long long)r->peak_rss_bytes);
	return close_dat(f, dir, "footprint.dat", err);
}

int rp_write_dat(const struct mmr_replay_result *r, const char *dir, struct mmr_error *err)
{
	for (unsigned k = 0; r->timing && k < MMR_OP_COUNT; k++)
		if (r->ops[k].lat.count &&
		    (write_hist(r, k, dir, err) || write_percentiles(r, k, dir, err)))
			return -1;
	if (write_timeline(r, dir, err) || write_timers(r, dir, err) || write_footprint(r, dir, err))
		return -1;
	return write_locks(r, dir, err);
}
