/* SPDX-License-Identifier: MIT */
/*
 * dat.c - the gnuplot-ready tables of one engine's results, derived from
 * its results.json (as results.c and results_series.c read it) right
 * before a plot is drawn: whitespace-separated columns, a '#' header
 * naming them, one file per figure.  The runner writes results.json
 * only, so data flows one way: replay -> results.json -> plots/.
 *
 *   hist_OP.dat         low_ns high_ns count cumulative_fraction   (non-empty buckets)
 *   percentiles_OP.dat  percentile latency_ns one_over_one_minus_p (to 99.99, for the
 *                       HdrHistogram-style percentile spectrum)
 *   locks.dat           name side acquisitions contended wait_ns_total wait_ns_max
 *                       hold_ns_total hold_ns_max                  (by total wait)
 *   timeline.dat        time_s ops_per_s live_bytes live_objects   (the last run, in
 *                       equal time bins)
 *   timers.dat          time_s name                                (the last run's timed
 *                       mechanisms firing, a sample of each)
 *   footprint.dat       what bytes                                 (one line per measure)
 *
 * Latencies are in ns with the timer's cost taken off, as every latency
 * in results.json: a histogram's bounds are its buckets' low_ns and
 * high_ns (results_series.c), and a percentile is the high bound of the
 * bucket that holds it, at most the op's max_ns, as the runner finds its
 * own: so the tables are, to the digit, those the runner once wrote.
 * Names are quoted (rpt_dat_label): gnuplot reads one with spaces as one
 * column.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmr_report.h"
#include "report.h"

const char *mmr_dat_name(enum mmr_dat t, unsigned op, char *buf, size_t n)
{
	static const char *const names[MMR_DAT_COUNT] = {"hist", "percentiles", "locks", "timeline", "timers",
							 "footprint"};
	if (t <= MMR_DAT_PERCENTILES)
		snprintf(buf, n, "%s_%s.dat", names[t], mmr_op_name(op < MMR_OP_COUNT ? op : 0));
	else
		snprintf(buf, n, "%s.dat", t < MMR_DAT_COUNT ? names[t] : "unknown");
	return buf;
}

/* The percentiles of the spectrum: where HdrHistogram's plots put their points. */
static const double spectrum[] = {0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97,
				  97.5, 98, 98.5, 99, 99.25, 99.5, 99.75, 99.9, 99.95, 99.99};

#define NSPECTRUM (sizeof(spectrum) / sizeof(spectrum[0]))

/* A histogram's calls: the sum of its buckets (a double: exact to 2^53, and no overflow). */
static double hist_total(const struct mmr_results_op *op)
{
	double total = 0;
	for (size_t b = 0; b < op->nhist; b++)
		total += (double)op->hist[b].count;
	return total;
}

/* The rows table T of R would have; 0: R has none of those figures. */
static size_t rows_of(const struct mmr_results *r, enum mmr_dat t, unsigned op)
{
	bool timed = op < MMR_OP_COUNT && r->timing && r->ops[op].present && hist_total(&r->ops[op]) > 0;
	size_t n = 0;
	switch (t) {
	case MMR_DAT_HIST: return timed ? r->ops[op].nhist : 0;
	case MMR_DAT_PERCENTILES: return timed ? NSPECTRUM : 0;
	case MMR_DAT_LOCKS: return r->nlocks;
	case MMR_DAT_TIMELINE: return r->nbins;
	case MMR_DAT_TIMERS:
		for (size_t i = 0; i < r->ntimers; i++)
			n += r->timers[i].nmarks;
		return n;
	case MMR_DAT_FOOTPRINT:
		return (size_t)!!isfinite(r->peak_live_bytes) + !!isfinite(r->end_live_bytes) +
		       !!isfinite(r->footprint_bytes) + !!isfinite(r->peak_rss_bytes);
	default: return 0;
	}
}

/*
 * DIR/NAME opened for writing afresh.  Whatever is there is removed
 * first and the file made with O_EXCL: plot writes its tables beside the
 * results by default, a directory that may come from anyone, where a
 * symlink of that name would have the table written through it, and a
 * FIFO would block.  NULL with ERR.
 */
static FILE *create(const char *dir, const char *name, char *path, size_t n, struct mmr_error *err)
{
	int len = snprintf(path, n, "%s/%s", dir, name);
	if (len < 0 || (size_t)len >= n) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: path too long", dir);
		return NULL;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot replace: %s", path, strerror(errno));
		return NULL;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot write: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

static void write_hist(FILE *f, const struct mmr_results *r, unsigned k)
{
	const struct mmr_results_op *op = &r->ops[k];
	double total = hist_total(op), seen = 0;
	fprintf(f, "# %s %s: latency histogram, ns, timer overhead %.1f ns taken off\n"
		   "# low_ns high_ns count cumulative_fraction\n", r->engine, mmr_op_name(k), r->timer_overhead_ns);
	for (size_t b = 0; b < op->nhist; b++) {
		seen += (double)op->hist[b].count;
		fprintf(f, "%.1f %.1f %llu %.6f\n", op->hist[b].low_ns, op->hist[b].high_ns,
			(unsigned long long)op->hist[b].count, seen / total);
	}
}

/*
 * The latency at percentile P of OP (TOTAL calls), as mmr_hist_percentile
 * finds it: the high bound of the bucket holding the call of rank
 * ceil(P% of TOTAL), the timer's cost off, at most the op's max_ns (the
 * runner clamps to the largest value recorded, which max_ns is).
 */
static double percentile_ns(const struct mmr_results_op *op, double total, double p)
{
	double want = ceil(p * total / 100.0), rank = want < 1 ? 1 : want >= total ? total : want, seen = 0;
	size_t b = 0;
	for (; b + 1 < op->nhist; b++) {
		seen += (double)op->hist[b].count;
		if (seen >= rank)
			break;
	}
	double ns = op->hist[b].high_ns, max = op->stat[MMR_STAT_MAX];
	return isfinite(max) && ns > max ? max : ns;
}

static void write_percentiles(FILE *f, const struct mmr_results *r, unsigned k)
{
	const struct mmr_results_op *op = &r->ops[k];
	double total = hist_total(op);
	fprintf(f, "# %s %s: latency by percentile, ns, timer overhead taken off\n"
		   "# percentile latency_ns one_over_one_minus_p\n", r->engine, mmr_op_name(k));
	for (size_t i = 0; i < NSPECTRUM; i++)
		fprintf(f, "%g %.1f %.1f\n", spectrum[i], percentile_ns(op, total, spectrum[i]),
			1.0 / (1.0 - spectrum[i] / 100.0));
}

/*
 * S as one word of a table: the side of a lock ("exclusive", "read",
 * "write") from a file anyone can write, where a space would shift every
 * column after it and a quote open a string.
 */
static void put_word(FILE *f, const char *s)
{
	if (!*s)
		fputc('?', f);
	for (; *s; s++)
		fputc(*s == '"' || (unsigned char)*s <= ' ' || *s == 0x7f ? '_' : *s, f);
}

/* A lock table row and the key it is ordered by: its class's total wait (both sides), then its name. */
struct lock_row {
	const struct mmr_results_lock *l;
	uint64_t class_wait;
	size_t i;
};

/* Most total wait first, then by name, then as results.json lists them (a class's write side before its read side). */
static int by_wait(const void *a, const void *b)
{
	const struct lock_row *x = a, *y = b;
	if (x->class_wait != y->class_wait)
		return x->class_wait < y->class_wait ? 1 : -1;
	int c = strcmp(x->l->name, y->l->name);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/*
 * locks[] has a row per lock class and side, a class's sides next to
 * each other; the runner orders its table by the class's total wait, so
 * each row gets the sum over the rows of its name around it.
 */
static int write_locks(FILE *f, const struct mmr_results *r, struct mmr_error *err)
{
	struct lock_row *v = calloc(r->nlocks, sizeof(*v));
	if (!v) {
		snprintf(err->msg, sizeof(err->msg), "plot: out of memory");
		return -1;
	}
	for (size_t i = 0, j; i < r->nlocks; i = j) {
		uint64_t sum = 0;
		for (j = i; j < r->nlocks && !strcmp(r->locks[j].name, r->locks[i].name); j++)
			sum = sum + r->locks[j].wait_ns_total < sum ? UINT64_MAX : sum + r->locks[j].wait_ns_total;
		for (size_t k = i; k < j; k++)
			v[k] = (struct lock_row){&r->locks[k], sum, k};
	}
	qsort(v, r->nlocks, sizeof(*v), by_wait);
	fprintf(f, "# %s: lock contention by total wait\n"
		   "# name side acquisitions contended wait_ns_total wait_ns_max hold_ns_total hold_ns_max\n", r->engine);
	for (size_t i = 0; i < r->nlocks; i++) {
		const struct mmr_results_lock *l = v[i].l;
		rpt_dat_label(f, l->name);
		fputc(' ', f);
		put_word(f, l->side);
		fprintf(f, " %llu %llu %llu %llu %llu %llu\n", (unsigned long long)l->acquisitions,
			(unsigned long long)l->contended, (unsigned long long)l->wait_ns_total,
			(unsigned long long)l->wait_ns_max, (unsigned long long)l->hold_ns_total,
			(unsigned long long)l->hold_ns_max);
	}
	free(v);
	return 0;
}

static void write_timeline(FILE *f, const struct mmr_results *r)
{
	fprintf(f, "# %s: the last run in %zu equal time bins; live figures at each bin's end\n"
		   "# time_s ops_per_s live_bytes live_objects\n", r->engine, r->nbins);
	for (size_t b = 0; b < r->nbins; b++)
		fprintf(f, "%.6f %.1f %llu %llu\n", r->bins[b].time_s, r->bins[b].ops_per_s,
			(unsigned long long)r->bins[b].live_bytes, (unsigned long long)r->bins[b].live_objects);
}

/* When each timed mechanism fired in the last run, in seconds since its start, for the timeline's marks. */
static void write_timers(FILE *f, const struct mmr_results *r)
{
	fprintf(f, "# %s: the last run's timed mechanisms firing (every firing, or an even sample "
		   "of each mechanism's)\n# time_s name\n", r->engine);
	for (size_t i = 0; i < r->ntimers; i++)
		for (size_t k = 0; k < r->timers[i].nmarks; k++) {
			fprintf(f, "%.6f ", (double)r->timers[i].marks_ns[k] / 1e9);
			rpt_dat_label(f, r->timers[i].name);
			fputc('\n', f);
		}
}

/* The memory measures side by side: the trace's own, the engine's, the process's; those the file holds. */
static void write_footprint(FILE *f, const struct mmr_results *r)
{
	const struct {
		const char *what;
		double bytes;
	} m[] = {{"peak live (trace)", r->peak_live_bytes}, {"live at end (trace)", r->end_live_bytes},
		 {"engine footprint", r->footprint_bytes}, {"peak RSS (process)", r->peak_rss_bytes}};
	fprintf(f, "# %s: memory, bytes (trace: what the trace's live objects asked for, last run)\n"
		   "# what bytes\n", r->engine);
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (isfinite(m[i].bytes))
			fprintf(f, "\"%s\" %llu\n", m[i].what, (unsigned long long)m[i].bytes);
}

long mmr_dat_write(const struct mmr_results *r, enum mmr_dat t, unsigned op, const char *dir, struct mmr_error *err)
{
	char name[64], path[4200];
	if (r->damaged[0]) {
		snprintf(err->msg, sizeof(err->msg), "%s", r->damaged);
		return -1;
	}
	size_t rows = rows_of(r, t, op);
	if (!rows)
		return 0;
	FILE *f = create(dir, mmr_dat_name(t, op, name, sizeof(name)), path, sizeof(path), err);
	if (!f)
		return -1;
	errno = 0; /* create's unlink may have left ENOENT: only the writes' own errno names a failure */
	int rc = 0;
	switch (t) {
	case MMR_DAT_HIST: write_hist(f, r, op); break;
	case MMR_DAT_PERCENTILES: write_percentiles(f, r, op); break;
	case MMR_DAT_LOCKS: rc = write_locks(f, r, err); break;
	case MMR_DAT_TIMELINE: write_timeline(f, r); break;
	case MMR_DAT_TIMERS: write_timers(f, r); break;
	default: write_footprint(f, r); break;
	}
	if ((ferror(f) | (fclose(f) != 0)) && !rc) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: write failed: %s", path, strerror(errno ? errno : EIO));
		rc = -1;
	}
	return rc ? -1 : (long)rows;
}
