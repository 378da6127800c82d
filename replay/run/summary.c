/* SPDX-License-Identifier: MIT */
/*
 * summary.c - the table `mmreplay replay` prints: the run, per-op latency
 * percentiles, what was skipped, then the locks by total wait time in the
 * manner of `perf lock contention`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmr_lock_stats.h"
#include "run_internal.h"

/* NS in a short human unit: "850 ns", "12.3 us", "4.56 ms", "1.20 s". */
static const char *human(char *buf, size_t len, double ns)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

static void print_head(const struct mmr_replay_result *r, FILE *f)
{
	double wall = 0, tput = 0;
	for (unsigned i = 0; i < r->nruns; i++) {
		wall += (double)r->runs[i].wall_ns / r->nruns;
		tput += r->runs[i].ops_per_s / r->nruns;
	}
	char b[32];
	fprintf(f, "engine %s, trace %s\n", r->engine, r->trace);
	if (r->kernel_rt)
		fprintf(f, "kernel: PREEMPT_RT locks (--kernel rt): spinlock_t and rwlock_t sleep\n");
	fprintf(f, "%u threads on %u online CPUs%s, %u run%s, %llu of %llu events replayed, %s wall, %.2f M ops/s\n",
		r->threads, r->online_cpus, r->pinned ? " (pinned)" : "", r->nruns, r->nruns == 1 ? "" : "s",
		(unsigned long long)r->replayed, (unsigned long long)r->events, human(b, sizeof(b), wall),
		tput / 1e6);
	fprintf(f, "sched: %s (%s)%s; lock holders %s\n", r->sched.fifo ? "SCHED_FIFO, pinned" : "default policy",
		r->sched.why, r->sched_refused ? ", but the kernel refused some threads" : "",
		r->sched.watched ? "watched for preemption" : r->sched.watch_why);
	if (r->threads > r->online_cpus)
		fprintf(f, "note: %u threads on %u CPUs: threads wait for a CPU, so latencies and lock "
			"contention are inflated\n", r->threads, r->online_cpus);
	if (r->pace == MMR_PACE_ORIGINAL && r->gaps_cut)
		fprintf(f, "pace: %llu gaps longer than %g s in the trace cut to %g s (%s of trace time not slept)\n",
			(unsigned long long)r->gaps_cut, r->max_gap_s, r->max_gap_s,
			human(b, sizeof(b), (double)r->gap_ns_cut));
	for (size_t i = 0; i < r->ntimers; i++) {
		char late[32];
		const struct rp_timer *t = &r->timers[i];
		fprintf(f, "trace time: %s fired %llu times in %s of trace (the replay up to %s past a due)\n",
			t->name, (unsigned long long)t->fired, human(b, sizeof(b), (double)r->clock_end),
			human(late, sizeof(late), (double)t->late_ns_max));
		if (t->cut_due != UINT64_MAX)
			fprintf(f, "warning: %s fell behind the replay and was stopped at %s of trace time, its later "
				"firings not run: its counts depend on this machine's speed\n", t->name,
				human(late, sizeof(late), (double)t->cut_due));
	}
	if (r->timing)
		fprintf(f, "timer: %s, %.1f ns per reading pair, taken off every latency below\n",
			r->clock, r->timer_overhead_ns);
	else
		fprintf(f, "timer: off (--no-timing): throughput only\n");
}

static void print_ops(const struct mmr_replay_result *r, FILE *f)
{
	static const double ps[] = {50, 90, 99, 99.9, 99.99, 100};
	fprintf(f, "\n%-14s %12s %8s %8s %10s %10s %10s %10s %10s %10s\n", "op", "count", "failed", "refused",
		"p50", "p90", "p99", "p99.9", "p99.99", "max");
	for (unsigned k = 0; k < MMR_OP_COUNT; k++) {
		const struct rp_ophist *h = &r->ops[k];
		if (!h->count)
			continue;
		fprintf(f, "%-14s %12llu %8llu %8llu", mmr_op_name(k), (unsigned long long)h->count,
			(unsigned long long)h->failed, (unsigned long long)h->refused);
		for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
			char b[32];
			fprintf(f, " %10s", r->timing ? human(b, sizeof(b), rp_latency_ns(r, &h->lat, ps[i])) : "-");
		}
		fputc('\n', f);
	}
}

static void print_skips(const struct mmr_replay_result *r, FILE *f)
{
	const struct rp_skips *s = &r->skip;
	uint64_t skipped = r->events - r->replayed;
	if (!skipped)
		return;
	fprintf(f, "\nskipped %llu events:", (unsigned long long)skipped);
	for (unsigned k = 0; k < MMR_FAM_COUNT; k++)
		if (s->family[k])
			fprintf(f, " %llu %s (family not replayed),", (unsigned long long)s->family[k], mmr_family_name(k));
	for (unsigned k = 0; k < MMR_OP_COUNT; k++)
		if (s->op[k])
			fprintf(f, " %llu %s (op the engine lacks),", (unsigned long long)s->op[k], mmr_op_name(k));
	fprintf(f, " %llu frees of objects from before the trace, %llu double frees, %llu uses of no "
		   "live object, %llu allocations that failed in the trace, %llu out of their valid range\n",
		(unsigned long long)s->unknown_frees, (unsigned long long)s->double_frees,
		(unsigned long long)s->unknown_uses, (unsigned long long)s->failed_allocs,
		(unsigned long long)s->invalid.total);
	if (s->invalid.total) {
		fprintf(f, "out of range (docs/trace-format.md, valid events):");
		unsigned why, fam, op;
		uint64_t n;
		const char *sep = " ";
		for (size_t pos = 0; mmr_invalid_next(&s->invalid, &pos, &why, &fam, &op, &n); sep = ", ")
			fprintf(f, "%s%llu %s %s (%s)", sep, (unsigned long long)n, mmr_family_name(fam), mmr_op_name(op),
				mmr_event_invalid_name(why));
		fputc('\n', f);
	}
	if (s->unpaired_maps || s->unpaired_unmaps)
		fprintf(f, "skipped %llu zsmalloc maps with no unmap on their CPU and %llu unmaps with no map "
			"(a mapping is replayed as a map just before its unmap)\n",
			(unsigned long long)s->unpaired_maps, (unsigned long long)s->unpaired_unmaps);
	if (s->live_reuse)
		fprintf(f, "note: %llu allocations reused a live address (their frees were lost); the "
			"old objects stay allocated\n", (unsigned long long)s->live_reuse);
}

static int by_wait(const void *a, const void *b)
{
	const struct mmr_lock_stats *x = a, *y = b;
	uint64_t wx = x->side[0].wait_ns_total + x->side[1].wait_ns_total;
	uint64_t wy = y->side[0].wait_ns_total + y->side[1].wait_ns_total;
	return wx < wy ? 1 : wx > wy ? -1 : strcmp(x->name, y->name);
}

struct mmr_lock_stats *rp_locks_by_wait(const struct mmr_replay_result *r)
{
	struct mmr_lock_stats *l = r->nlocks ? malloc(r->nlocks * sizeof(*l)) : NULL;
	if (l) {
		memcpy(l, r->locks, r->nlocks * sizeof(*l));
		qsort(l, r->nlocks, sizeof(*l), by_wait);
	}
	return l;
}

/* The holds and waits a preempted holder (or waiter) made: kept out of the table, said here. */
static void print_preempted(const struct mmr_replay_result *r, const struct mmr_lock_stats *l, FILE *f)
{
	for (size_t i = 0; i < r->nlocks; i++) {
		uint64_t holds = 0, waits = 0, hmax = 0, wmax = 0;
		for (unsigned s = 0; s < MMR_LOCK_SIDES; s++) {
			const struct mmr_lock_side *d = &l[i].side[s];
			holds += d->holds_preempted;
			waits += d->waits_preempted;
			hmax = d->hold_preempted_ns_max > hmax ? d->hold_preempted_ns_max : hmax;
			wmax = d->wait_preempted_ns_max > wmax ? d->wait_preempted_ns_max : wmax;
		}
		char b1[32], b2[32];
		if (holds || waits)
			fprintf(f, "preempted: %s: %llu holds (up to %s) and %llu waits (up to %s) had a preempted "
				"holder or waiter; not in the table's figures\n", l[i].name, (unsigned long long)holds,
				human(b1, sizeof(b1), (double)hmax), (unsigned long long)waits,
				human(b2, sizeof(b2), (double)wmax));
	}
}

static void print_locks(const struct mmr_replay_result *r, FILE *f)
{
	struct mmr_lock_stats *l = rp_locks_by_wait(r);
	if (!l)
		return;
	/* As the kernel would pay: an irq-safe lock's holds with interrupts off, a spinning lock's waits as CPU burnt. */
	fprintf(f, "\n%12s %12s %12s %10s %10s %10s %10s %10s  %-16s %s\n", "acquired", "contended", "total wait",
		"max wait", "avg wait", "max hold", "irqs off", "spinning", "kernel type", "lock");
	for (size_t i = 0; i < r->nlocks; i++)
		for (unsigned s = 0; s < MMR_LOCK_SIDES; s++) {
			const struct mmr_lock_side *d = &l[i].side[s];
			char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32], type[32];
			if (s == MMR_LOCK_READ && l[i].kind != MMR_LOCK_RWLOCK)
				continue;
			snprintf(type, sizeof(type), "%s%s",
				 l[i].kernel_type ? mmr_kernel_lock_name(l[i].kernel_type) : mmr_lock_kind_name(l[i].kind),
				 l[i].kind != MMR_LOCK_RWLOCK ? "" : s ? ":R" : ":W");
			fprintf(f, "%12llu %12llu %12s %10s %10s %10s %10s %10s  %-16s %s\n",
				(unsigned long long)d->acquisitions, (unsigned long long)d->contended,
				human(b1, sizeof(b1), (double)d->wait_ns_total), human(b2, sizeof(b2), (double)d->wait_ns_max),
				human(b3, sizeof(b3), d->contended ? (double)d->wait_ns_total / (double)d->contended : 0),
				human(b4, sizeof(b4), (double)d->hold_ns_max),
				mmr_kernel_lock_irqs_off(l[i].kernel_type, l[i].irqs_off, r->kernel_rt)
					? human(b5, sizeof(b5), (double)d->hold_ns_total) : "-",
				mmr_kernel_lock_spins(l[i].kernel_type, r->kernel_rt)
					? human(b6, sizeof(b6), (double)d->wait_ns_total) : "-",
				type, l[i].name);
		}
	print_preempted(r, l, f);
	for (size_t i = 0; r->kernel_rt && i < r->nlocks; i++) {
		uint64_t bad = l[i].side[MMR_LOCK_EXCL].in_atomic + l[i].side[MMR_LOCK_READ].in_atomic;
		if (bad)
			fprintf(f, "RT violation: %s (a %s: it sleeps on PREEMPT_RT) taken %llu times under a raw or bit "
				"spinlock\n", l[i].name, mmr_kernel_lock_name(l[i].kernel_type), (unsigned long long)bad);
	}
	for (size_t i = 0; r->kernel_rt && i < r->nlocks; i++)
		if (mmr_kernel_lock_rt_hazard(l[i].kernel_type) && l[i].side[MMR_LOCK_EXCL].acquisitions)
			fprintf(f, "RT hazard: %s is a %s: it spins with preemption off on PREEMPT_RT too "
				"(held up to %.1f us here)\n", l[i].name, mmr_kernel_lock_name(l[i].kernel_type),
				(double)l[i].side[MMR_LOCK_EXCL].hold_ns_max / 1e3);
	free(l);
}

void mmr_replay_print(const struct mmr_replay_result *r, FILE *f)
{
	print_head(r, f);
	print_ops(r, f);
	print_skips(r, f);
	print_locks(r, f);
}
