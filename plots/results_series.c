/* SPDX-License-Identifier: MIT */
/*
 * results_series.c - the parts of results.json only the plots read: each
 * op's latency histogram, the timeline's bins, the timers' marks, the
 * timer's cost and the live-memory figures (dat.c turns them into the
 * tables gnuplot reads).
 *
 * These numbers reach gnuplot, so they are checked here as the .dat
 * files once were when the runner wrote them: a count is a whole number
 * within 2^64, a figure a finite one within 2^64 (gnuplot's axes cannot
 * take more, and its error would not say which file).  A part that is
 * damaged is named in r->damaged, and plot.c and mmr_dat_write then
 * refuse the engine's tables, as one bad .dat file once stopped plot; a
 * part that is missing (an
 * older results.json has no timeline.by_bin, no timers[].marks_ns) is
 * simply empty, and plot.c says what it leaves out.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mmr_report.h"
#include "report.h"

#define TWO_64 18446744073709551616.0

/* Note the first damage as "PATH: what" in R.  Returns 0: the load goes on without that part. */
__attribute__((format(printf, 3, 4))) static int damaged(struct mmr_results *r, const char *path, const char *fmt, ...)
{
	if (r->damaged[0])
		return 0;
	int n = snprintf(r->damaged, sizeof(r->damaged), "%.200s: ", path);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(r->damaged))
		vsnprintf(r->damaged + n, sizeof(r->damaged) - (size_t)n, fmt, ap);
	va_end(ap);
	return 0;
}

/* Member KEY of O as a count: a whole number, 0 to 2^64 - 1.  Returns false when it is not one. */
static bool count_of(const cJSON *o, const char *key, uint64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble >= TWO_64 ||
	    v->valuedouble != floor(v->valuedouble))
		return false;
	*out = (uint64_t)v->valuedouble;
	return true;
}

/* Member KEY of O as a figure: finite, within 2^64 either side.  Returns false when it is not one. */
static bool figure_of(const cJSON *o, const char *key, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(v) || !(fabs(v->valuedouble) <= TWO_64))
		return false;
	*out = v->valuedouble;
	return true;
}

/* ARR's length when it is an array; 0 (and *BAD) when it is there but not one. */
static size_t array_len(const cJSON *arr, bool *bad)
{
	*bad = arr && !cJSON_IsArray(arr);
	return cJSON_IsArray(arr) ? (size_t)cJSON_GetArraySize(arr) : 0;
}

/*
 * B's bounds with the timer's cost off: E's low_ns and high_ns, or in a
 * file from before they were written, its whole-ns bounds less the cost
 * (within 0.5 ns of what the runner had: those are rounded).  False when
 * E has them but not as numbers within 2^64, low_ns <= high_ns.
 */
static bool bounds_ns(const struct mmr_results *r, const cJSON *e, struct mmr_results_bucket *b)
{
	if (!cJSON_GetObjectItemCaseSensitive(e, "low_ns") && !cJSON_GetObjectItemCaseSensitive(e, "high_ns")) {
		b->low_ns = fmax((double)b->low - r->timer_overhead_ns, 0);
		b->high_ns = fmax((double)b->high - r->timer_overhead_ns, 0);
		return true;
	}
	return figure_of(e, "low_ns", &b->low_ns) && figure_of(e, "high_ns", &b->high_ns) && b->low_ns <= b->high_ns;
}

/*
 * ops.OP.histogram[] of op K: the non-empty buckets, in rising order as
 * mmr_hist_json writes them.  Rising, not apart: bounds in clock ticks
 * rounded to whole ns can meet, even repeat, where a tick is under a ns.
 */
static int load_hist(struct mmr_results *r, unsigned k, const cJSON *arr, const char *path)
{
	struct mmr_results_op *op = &r->ops[k];
	bool bad;
	size_t n = array_len(arr, &bad), i = 0;
	if (bad)
		return damaged(r, path, "ops.%s.histogram: not an array", mmr_op_name(k));
	if (n && !(op->hist = calloc(n, sizeof(*op->hist))))
		return -1;
	const cJSON *e;
	cJSON_ArrayForEach(e, arr)
	{
		struct mmr_results_bucket *b = &op->hist[i];
		if (!count_of(e, "low", &b->low) || !count_of(e, "high", &b->high) || !count_of(e, "count", &b->count) ||
		    b->high < b->low || (i && b->low < op->hist[i - 1].low) || !bounds_ns(r, e, b)) {
			free(op->hist);
			op->hist = NULL;
			return damaged(r, path,
				       "ops.%s.histogram[%zu]: not a bucket {low, high, count} of whole numbers within "
				       "2^64, low <= high, in rising order, low_ns <= high_ns", mmr_op_name(k), i);
		}
		i++;
	}
	op->nhist = i;
	return 0;
}

/*
 * Member KEY of O (named ONAME in messages) as bytes for footprint.dat:
 * NAN when it is not there or null (unknown), damage when it is not a
 * whole number within 2^64.
 */
static double bytes_of(struct mmr_results *r, const char *path, const cJSON *o, const char *oname, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	uint64_t n;
	if (!v || cJSON_IsNull(v))
		return NAN;
	if (count_of(o, key, &n))
		return (double)n;
	damaged(r, path, "%s.%s: not a whole number of bytes within 2^64", oname, key);
	return NAN;
}

/* timeline: its bin count, its peak and end figures and, in files that have them, its bins. */
static int load_bins(struct mmr_results *r, const cJSON *tl, const char *path)
{
	uint64_t v;
	r->timeline_bins = count_of(tl, "bins", &v) ? v : 0;
	r->peak_live_bytes = bytes_of(r, path, tl, "timeline", "peak_live_bytes");
	r->end_live_bytes = bytes_of(r, path, tl, "timeline", "end_live_bytes");
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(tl, "by_bin"), *e;
	bool bad;
	size_t n = array_len(arr, &bad), i = 0;
	if (bad)
		return damaged(r, path, "timeline.by_bin: not an array");
	if (n && !(r->bins = calloc(n, sizeof(*r->bins))))
		return -1;
	cJSON_ArrayForEach(e, arr)
	{
		struct mmr_results_bin *b = &r->bins[i];
		if (!figure_of(e, "time_s", &b->time_s) || !figure_of(e, "ops_per_s", &b->ops_per_s) ||
		    !count_of(e, "live_bytes", &b->live_bytes) || !count_of(e, "live_objects", &b->live_objects)) {
			free(r->bins);
			r->bins = NULL;
			return damaged(r, path,
				       "timeline.by_bin[%zu]: not a bin {time_s, ops_per_s, live_bytes, live_objects} of "
				       "numbers within 2^64 (counts whole)", i);
		}
		i++;
	}
	r->nbins = i;
	return 0;
}

/* timers[i].marks_ns[] into T, when the file has them. */
static int load_marks(struct mmr_results *r, struct mmr_results_timer *t, size_t i, const cJSON *arr,
		      const char *path)
{
	bool bad;
	size_t n = array_len(arr, &bad), k = 0;
	t->has_marks = cJSON_IsArray(arr);
	if (bad)
		return damaged(r, path, "timers[%zu].marks_ns: not an array", i);
	if (n && !(t->marks_ns = calloc(n, sizeof(*t->marks_ns))))
		return -1;
	const cJSON *e;
	cJSON_ArrayForEach(e, arr)
	{
		double v = cJSON_IsNumber(e) ? e->valuedouble : -1;
		if (!(v >= 0) || v >= TWO_64 || v != floor(v)) {
			free(t->marks_ns);
			t->marks_ns = NULL;
			t->has_marks = false;
			return damaged(r, path, "timers[%zu].marks_ns[%zu]: not a whole number of ns within 2^64", i, k);
		}
		t->marks_ns[k++] = (uint64_t)v;
	}
	t->nmarks = k;
	return 0;
}

/* timers[]: each named mechanism and its marks. */
static int load_timers(struct mmr_results *r, const cJSON *arr, const char *path)
{
	size_t n = cJSON_IsArray(arr) ? (size_t)cJSON_GetArraySize(arr) : 0;
	if (n && !(r->timers = calloc(n, sizeof(*r->timers))))
		return -1;
	size_t i = 0;
	for (const cJSON *e = n ? arr->child : NULL; e; e = e->next, i++) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
		if (!cJSON_IsString(name))
			continue;
		struct mmr_results_timer *t = &r->timers[r->ntimers++];
		rpt_copy_name(t->name, sizeof(t->name), name->valuestring);
		if (load_marks(r, t, i, cJSON_GetObjectItemCaseSensitive(e, "marks_ns"), path))
			return -1;
	}
	return 0;
}

int rpt_load_series(struct mmr_results *r, const cJSON *d, const char *path)
{
	const cJSON *ovh = cJSON_GetObjectItemCaseSensitive(d, "timer_overhead_ns");
	if (cJSON_IsNumber(ovh) && !figure_of(d, "timer_overhead_ns", &r->timer_overhead_ns))
		damaged(r, path, "timer_overhead_ns: not a number within 2^64");
	if (r->timer_overhead_ns < 0)
		damaged(r, path, "timer_overhead_ns: below 0");
	/* results.c read these as any number, for the report; footprint.dat needs them to be bytes. */
	const cJSON *mem = cJSON_GetObjectItemCaseSensitive(d, "memory");
	(void)bytes_of(r, path, mem, "memory", "footprint_bytes");
	(void)bytes_of(r, path, mem, "memory", "peak_rss_bytes");
	const cJSON *ops = cJSON_GetObjectItemCaseSensitive(d, "ops");
	for (unsigned k = 0; k < MMR_OP_COUNT; k++) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(ops, mmr_op_name(k));
		if (r->ops[k].present && load_hist(r, k, cJSON_GetObjectItemCaseSensitive(o, "histogram"), path))
			return -1;
	}
	if (load_bins(r, cJSON_GetObjectItemCaseSensitive(d, "timeline"), path))
		return -1;
	return load_timers(r, cJSON_GetObjectItemCaseSensitive(d, "timers"), path);
}

void rpt_free_series(struct mmr_results *r)
{
	for (unsigned k = 0; k < MMR_OP_COUNT; k++) {
		free(r->ops[k].hist);
		r->ops[k].hist = NULL;
		r->ops[k].nhist = 0;
	}
	free(r->bins);
	r->bins = NULL;
	r->nbins = 0;
	for (size_t i = 0; i < r->ntimers; i++)
		free(r->timers[i].marks_ns);
	free(r->timers);
	r->timers = NULL;
	r->ntimers = 0;
}
