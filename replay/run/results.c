/* SPDX-License-Identifier: MIT */
/*
 * results.c - RESULTS_DIR/ENGINE/results.json (schema: docs/results-json.md),
 * all the runner writes: plots/ derives the tables gnuplot reads from it
 * (plots/dat.c), so it holds every figure they draw.
 *
 * Latencies are stored as clock ticks; every figure written here is in ns
 * with the timer's own cost (timer_overhead_ns) taken off, and the file
 * says so (but for the histograms' low and high, kept as readers of
 * older files take them, beside low_ns and high_ns: docs/results-json.md).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmr_fs.h"
#include "mmr_json.h"
#include "mmr_lock_stats.h"
#include "run_internal.h"

static const struct {
	const char *key;
	double p;
} pcts[] = {{"p50_ns", 50}, {"p90_ns", 90}, {"p99_ns", 99}, {"p999_ns", 99.9}, {"p9999_ns", 99.99}};

#define NPCTS (sizeof(pcts) / sizeof(pcts[0]))

/* Two-sided 95% Student t quantiles for 1..30 degrees of freedom; 1.96 beyond. */
static double t95(unsigned df)
{
	static const double t[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
				   2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
				   2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
	return df >= 1 && df <= 30 ? t[df - 1] : 1.96;
}

/* {mean, stddev, ci95_low, ci95_high} of N values; the interval is null for one run. */
static void json_spread(struct mmr_json *j, cJSON *parent, const char *key, const double *v, unsigned n)
{
	cJSON *o = mmr_json_obj(j, parent, key);
	double mean = 0, var = 0;
	for (unsigned i = 0; i < n; i++)
		mean += v[i] / n;
	for (unsigned i = 0; n > 1 && i < n; i++)
		var += (v[i] - mean) * (v[i] - mean) / (n - 1);
	double sd = sqrt(var), half = n > 1 ? t95(n - 1) * sd / sqrt(n) : NAN;
	mmr_json_fixed(j, o, "mean", mean, 1);
	mmr_json_fixed(j, o, "stddev", n > 1 ? sd : NAN, 1);
	mmr_json_fixed(j, o, "ci95_low", mean - half, 1);
	mmr_json_fixed(j, o, "ci95_high", mean + half, 1);
}

/* One run's figure of TICKS in ns, the timer's cost taken off (never below 0); NAN (null) untimed. */
static double run_ns(const struct mmr_replay_result *r, double ticks)
{
	if (!r->timing)
		return NAN;
	double ns = ticks * r->tick_ns - r->timer_overhead_ns;
	return ns > 0 ? ns : 0;
}

/*
 * An op's latency histogram H: its non-empty buckets as mmr_hist_json
 * writes them (low, high: whole ns, the timer's cost still on, as readers
 * of older files take them), each with the bounds as every other latency
 * here (low_ns, high_ns: the timer's cost off, never below 0, one
 * decimal): the figures the plots' hist_OP.dat and percentiles_OP.dat
 * hold, to the digit.
 */
static void json_latency_hist(struct mmr_json *j, cJSON *o, const struct mmr_replay_result *r,
			      const struct mmr_hist *h)
{
	mmr_hist_json(j, o, "histogram", h, r->tick_ns);
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "histogram");
	cJSON *e = arr ? arr->child : NULL;
	for (unsigned b = 0; e && b < MMR_HIST_BUCKETS; b++) {
		if (!h->buckets[b])
			continue;
		mmr_json_fixed(j, e, "low_ns", run_ns(r, (double)mmr_hist_bucket_low(b)), 1);
		mmr_json_fixed(j, e, "high_ns", run_ns(r, (double)mmr_hist_bucket_high(b)), 1);
		e = e->next;
	}
}

static void json_op(struct mmr_json *j, cJSON *ops, const struct mmr_replay_result *r, unsigned k)
{
	const struct rp_ophist *h = &r->ops[k];
	cJSON *o = mmr_json_obj(j, ops, mmr_op_name(k));
	mmr_json_u64(j, o, "count", h->count);
	mmr_json_u64(j, o, "failed", h->failed);
	mmr_json_u64(j, o, "refused", h->refused);
	mmr_json_u64(j, o, "orphaned", h->orphaned);
	if (!r->timing || !h->lat.count) {
		for (size_t i = 0; i < NPCTS; i++)
			mmr_json_null(j, o, pcts[i].key);
		mmr_json_null(j, o, "max_ns");
		mmr_json_null(j, o, "mean_ns");
		return;
	}
	for (size_t i = 0; i < NPCTS; i++)
		mmr_json_fixed(j, o, pcts[i].key, rp_latency_ns(r, &h->lat, pcts[i].p), 1);
	mmr_json_fixed(j, o, "max_ns", rp_latency_ns(r, &h->lat, 100), 1);
	double mean = mmr_hist_mean(&h->lat) * r->tick_ns - r->timer_overhead_ns;
	mmr_json_fixed(j, o, "mean_ns", mean > 0 ? mean : 0, 1);
	json_latency_hist(j, o, r, &h->lat);
	cJSON *bs = mmr_json_arr(j, o, "by_size");
	for (unsigned c = 0; c < RP_SIZECLASSES; c++) {
		const struct mmr_hist *sh = h->by_size[c];
		cJSON *e = sh && sh->count ? mmr_json_push_obj(j, bs) : NULL;
		if (!e)
			continue;
		mmr_json_u64(j, e, "size_up_to", c ? 1ull << c : 1);
		mmr_json_u64(j, e, "count", sh->count);
		mmr_json_fixed(j, e, "p50_ns", rp_latency_ns(r, sh, 50), 1);
		mmr_json_fixed(j, e, "p99_ns", rp_latency_ns(r, sh, 99), 1);
	}
}

static void json_locks(struct mmr_json *j, cJSON *root, const struct mmr_replay_result *r)
{
	cJSON *arr = mmr_json_arr(j, root, "locks");
	for (size_t i = 0; i < r->nlocks; i++) {
		const struct mmr_lock_stats *l = &r->locks[i];
		for (unsigned s = 0; s < MMR_LOCK_SIDES; s++) {
			const struct mmr_lock_side *d = &l->side[s];
			if (s == MMR_LOCK_READ && l->kind != MMR_LOCK_RWLOCK)
				continue;
			cJSON *e = mmr_json_push_obj(j, arr);
			mmr_json_str(j, e, "name", l->name);
			mmr_json_str(j, e, "kind", mmr_lock_kind_name(l->kind));
			mmr_json_str(j, e, "kernel_type", mmr_kernel_lock_name(l->kernel_type));
			mmr_json_bool(j, e, "irqs_off", l->irqs_off);
			/* What the kernel pays that a userspace lock cannot show: interrupts off, CPU spent spinning. */
			bool irqs = mmr_kernel_lock_irqs_off(l->kernel_type, l->irqs_off, r->kernel_rt);
			mmr_json_u64(j, e, "irqs_off_ns_total", irqs ? d->hold_ns_total : 0);
			mmr_json_u64(j, e, "spin_ns_total",
				     mmr_kernel_lock_spins(l->kernel_type, r->kernel_rt) ? d->wait_ns_total : 0);
			mmr_json_u64(j, e, "slept", d->slept);
			mmr_json_u64(j, e, "rt_in_atomic", d->in_atomic);
			mmr_json_bool(j, e, "rt_hazard", r->kernel_rt && mmr_kernel_lock_rt_hazard(l->kernel_type));
			mmr_json_str(j, e, "side", l->kind != MMR_LOCK_RWLOCK ? "exclusive" : s ? "read" : "write");
			mmr_json_u64(j, e, "acquisitions", d->acquisitions);
			mmr_json_u64(j, e, "contended", d->contended);
			mmr_json_u64(j, e, "contended_queued", d->contended_queued);
			mmr_json_u64(j, e, "wait_ns_total", d->wait_ns_total);
			mmr_json_u64(j, e, "wait_ns_max", d->wait_ns_max);
			mmr_json_u64(j, e, "hold_ns_total", d->hold_ns_total);
			mmr_json_u64(j, e, "hold_ns_max", d->hold_ns_max);
			/* Counted apart from the figures above: what a kernel spinlock cannot suffer. */
			mmr_json_u64(j, e, "holds_preempted", d->holds_preempted);
			mmr_json_u64(j, e, "hold_preempted_ns_total", d->hold_preempted_ns_total);
			mmr_json_u64(j, e, "hold_preempted_ns_max", d->hold_preempted_ns_max);
			mmr_json_u64(j, e, "waits_preempted", d->waits_preempted);
			mmr_json_u64(j, e, "wait_preempted_ns_total", d->wait_preempted_ns_total);
			mmr_json_u64(j, e, "wait_preempted_ns_max", d->wait_preempted_ns_max);
			mmr_hist_json(j, e, "wait_histogram", &d->wait, 1.0);
			mmr_hist_json(j, e, "hold_histogram", &d->hold, 1.0);
		}
	}
}

static void json_skips(struct mmr_json *j, cJSON *root, const struct mmr_replay_result *r)
{
	const struct rp_skips *s = &r->skip;
	cJSON *o = mmr_json_obj(j, root, "skipped");
	cJSON *fam = mmr_json_obj(j, o, "by_family");
	for (unsigned f = 0; f < MMR_FAM_COUNT; f++)
		if (s->family[f])
			mmr_json_u64(j, fam, mmr_family_name(f), s->family[f]);
	cJSON *op = mmr_json_obj(j, o, "by_op");
	for (unsigned k = 0; k < MMR_OP_COUNT; k++)
		if (s->op[k])
			mmr_json_u64(j, op, mmr_op_name(k), s->op[k]);
	mmr_json_u64(j, o, "unknown_frees", s->unknown_frees);
	mmr_json_u64(j, o, "double_frees", s->double_frees);
	mmr_json_u64(j, o, "unknown_uses", s->unknown_uses);
	mmr_json_u64(j, o, "live_reuse", s->live_reuse);
	mmr_json_u64(j, o, "failed_allocs", s->failed_allocs);
	mmr_json_u64(j, o, "unpaired_maps", s->unpaired_maps);
	mmr_json_u64(j, o, "unpaired_unmaps", s->unpaired_unmaps);
	mmr_json_u64(j, o, "invalid", s->invalid.total);
	mmr_invalid_json(j, o, "invalid_by", &s->invalid);
}

/* One run's per-op figures: enough for a significance test between two engines' runs. */
static void json_run_ops(struct mmr_json *j, cJSON *e, const struct mmr_replay_result *r,
			 const struct rp_runstat *rs)
{
	cJSON *ops = mmr_json_obj(j, e, "ops");
	for (unsigned k = 0; k < MMR_OP_COUNT; k++) {
		if (!rs->count[k])
			continue;
		cJSON *o = mmr_json_obj(j, ops, mmr_op_name(k));
		mmr_json_u64(j, o, "count", rs->count[k]);
		mmr_json_u64(j, o, "failed", rs->failed[k]);
		mmr_json_fixed(j, o, "p50_ns", run_ns(r, (double)rs->p50_ticks[k]), 1);
		mmr_json_fixed(j, o, "p90_ns", run_ns(r, (double)rs->p90_ticks[k]), 1);
		mmr_json_fixed(j, o, "p99_ns", run_ns(r, (double)rs->p99_ticks[k]), 1);
		mmr_json_fixed(j, o, "p999_ns", run_ns(r, (double)rs->p999_ticks[k]), 1);
		mmr_json_fixed(j, o, "max_ns", run_ns(r, (double)rs->max_ticks[k]), 1);
		mmr_json_fixed(j, o, "mean_ns", run_ns(r, rs->mean_ticks[k]), 1);
	}
}

static void json_repeats(struct mmr_json *j, cJSON *root, const struct mmr_replay_result *r)
{
	cJSON *arr = mmr_json_arr(j, root, "repeats");
	double *v = calloc(r->nruns ? r->nruns : 1, sizeof(*v));
	for (unsigned i = 0; i < r->nruns; i++) {
		const struct rp_runstat *rs = &r->runs[i];
		cJSON *e = mmr_json_push_obj(j, arr);
		mmr_json_u64(j, e, "wall_ns", rs->wall_ns);
		mmr_json_fixed(j, e, "throughput_ops_s", rs->ops_per_s, 1);
		json_run_ops(j, e, r, rs);
		cJSON *out = mmr_json_obj(j, e, "outcomes");
		for (size_t q = 0; q < r->noutcomes; q++)
			mmr_json_u64(j, out, r->decl->outcomes[q].key, rs->outcome[q]);
		cJSON *fired = mmr_json_obj(j, e, "timers_fired");
		for (size_t q = 0; q < r->ntimers; q++)
			mmr_json_u64(j, fired, r->timers[q].name, rs->timer_fired[q]);
	}
	if (!v) {
		j->ok = false;
		return;
	}
	cJSON *st = mmr_json_obj(j, root, "repeat_stats");
	for (unsigned i = 0; i < r->nruns; i++)
		v[i] = r->runs[i].ops_per_s;
	json_spread(j, st, "throughput_ops_s", v, r->nruns);
	for (unsigned k = 0; r->timing && k < MMR_OP_COUNT; k++) {
		if (!r->ops[k].count)
			continue;
		cJSON *o = mmr_json_obj(j, st, mmr_op_name(k));
		for (unsigned i = 0; i < r->nruns; i++)
			v[i] = run_ns(r, (double)r->runs[i].p50_ticks[k]);
		json_spread(j, o, "p50_ns", v, r->nruns);
		for (unsigned i = 0; i < r->nruns; i++)
			v[i] = run_ns(r, (double)r->runs[i].p99_ticks[k]);
		json_spread(j, o, "p99_ns", v, r->nruns);
	}
	free(v);
}

/*
 * What the engine says of itself that a comparison needs: whether it is
 * its family's baseline, the ops it runs with another engine's code, and
 * its outcomes with their meaning (the per-run counts are in repeats).
 */
static void json_declared(struct mmr_json *j, cJSON *root, const struct mmr_replay_result *r)
{
	static const char *const better[] = {"neither", "more", "fewer"};
	mmr_json_bool(j, root, "baseline", r->decl->baseline);
	cJSON *sc = mmr_json_obj(j, root, "same_code");
	for (unsigned k = 0; k < MMR_OP_COUNT; k++)
		if (r->decl->same_code[k])
			mmr_json_str(j, sc, mmr_op_name(k), r->decl->same_code[k]);
	cJSON *arr = mmr_json_arr(j, root, "outcomes");
	for (size_t i = 0; i < r->noutcomes; i++) {
		const struct mmr_engine_outcome *d = &r->decl->outcomes[i];
		cJSON *o = mmr_json_push_obj(j, arr);
		uint64_t total = 0;
		for (unsigned k = 0; k < r->nruns; k++)
			total += r->runs[k].outcome[i];
		mmr_json_str(j, o, "key", d->key);
		mmr_json_str(j, o, "unit", d->unit);
		mmr_json_str(j, o, "better", better[d->better]);
		if (d->op)
			mmr_json_str(j, o, "op", d->op);
		else
			mmr_json_null(j, o, "op");
		mmr_json_bool(j, o, "work", d->work);
		mmr_json_str(j, o, "help", d->help ? d->help : "");
		mmr_json_u64(j, o, "total", total);
	}
}

/*
 * Each cost option's value and where it came from, and the profile the
 * measured ones were taken from: what a reviewer asks of every busy-wait.
 */
static void json_costs(struct mmr_json *j, cJSON *root, const struct mmr_replay_result *r)
{
	cJSON *arr = mmr_json_arr(j, root, "costs");
	for (size_t i = 0; i < r->costs.n; i++) {
		const struct rp_cost *c = &r->costs.v[i];
		cJSON *o = mmr_json_push_obj(j, arr);
		mmr_json_str(j, o, "key", c->key);
		mmr_json_str(j, o, "value", c->value);
		mmr_json_str(j, o, "source", c->source);
		if (c->measurement[0])
			mmr_json_str(j, o, "measurement", c->measurement);
		else
			mmr_json_null(j, o, "measurement");
		mmr_json_fixed(j, o, "range_low", c->lo, 3);
		mmr_json_fixed(j, o, "range_high", c->hi, 3);
	}
	if (!r->have_profile) {
		mmr_json_null(j, root, "profile");
		return;
	}
	const struct mmr_profile *p = &r->profile;
	cJSON *po = mmr_json_obj(j, root, "profile");
	mmr_json_str(j, po, "path", p->path);
	mmr_json_str(j, po, "created", p->created);
	mmr_json_str(j, po, "hostname", p->hostname);
	mmr_json_str(j, po, "kernel", p->kernel);
	mmr_json_str(j, po, "cpu_model", p->cpu_model);
	cJSON *ms = mmr_json_obj(j, po, "measurements_ns");
	for (unsigned k = 0; k < MMR_CAL_COUNT; k++)
		mmr_json_fixed(j, ms, mmr_cal_key_name(k), p->v[k].ns, 1);
}

/* Mean wall time and throughput over the runs. */
static void run_means(const struct mmr_replay_result *r, double *wall, double *tput)
{
	*wall = *tput = 0;
	for (unsigned i = 0; i < r->nruns; i++) {
		*wall += (double)r->runs[i].wall_ns / r->nruns;
		*tput += r->runs[i].ops_per_s / r->nruns;
	}
}

/* --sched and preemption watching (sched.c). */
static void json_sched(struct mmr_json *j, cJSON *root, const struct mmr_replay_result *r)
{
	const struct rp_sched *s = &r->sched;
	cJSON *o = mmr_json_obj(j, root, "sched");
	mmr_json_str(j, o, "requested", mmr_replay_sched_name(s->want));
	mmr_json_str(j, o, "policy", s->fifo ? "fifo" : "other");
	mmr_json_str(j, o, "why", s->why);
	mmr_json_u64(j, o, "refused_threads", r->sched_refused);
	cJSON *w = mmr_json_obj(j, root, "preempt_watch");
	mmr_json_bool(j, w, "on", s->watched);
	mmr_json_str(j, w, "how", s->watch_why);
	mmr_json_u64(j, w, "unwatched_threads", r->preempt_unwatched);
}

static void json_head(struct mmr_json *j, cJSON *root, const struct mmr_replay_result *r)
{
	static const char *const maps[] = {"cpu", "pid", "hash"};
	double wall, tput;
	uint64_t skipped = r->events - r->replayed;
	run_means(r, &wall, &tput);
	mmr_json_str(j, root, "tool", mmr_tool_version());
	mmr_json_str(j, root, "engine", r->engine);
	mmr_json_str(j, root, "trace", r->trace);
	mmr_json_u64(j, root, "threads", r->threads);
	mmr_json_u64(j, root, "online_cpus", r->online_cpus);
	mmr_json_bool(j, root, "oversubscribed", r->threads > r->online_cpus);
	mmr_json_str(j, root, "map", maps[r->map]);
	mmr_json_bool(j, root, "pinned", r->pinned);
	mmr_json_str(j, root, "kernel", r->kernel_rt ? "rt" : "default");
	json_sched(j, root, r);
	if (r->trace_warning[0])
		mmr_json_str(j, root, "trace_warning", r->trace_warning);
	else
		mmr_json_null(j, root, "trace_warning");
	mmr_json_u64(j, root, "trace_discarded_bytes", r->trace_discarded);
	mmr_json_str(j, root, "pace", r->pace == MMR_PACE_ASAP ? "asap" : "original");
	mmr_json_fixed(j, root, "pace_factor", r->pace == MMR_PACE_ASAP ? NAN : r->pace_factor, 3);
	mmr_json_fixed(j, root, "pace_max_gap_s", r->max_gap_s, 9);
	mmr_json_u64(j, root, "pace_gaps_cut", r->gaps_cut);
	mmr_json_u64(j, root, "pace_gap_ns_cut", r->gap_ns_cut);
	mmr_json_bool(j, root, "timing", r->timing);
	mmr_json_u64(j, root, "max_events", r->max_events);
	if (r->as_family >= 0)
		mmr_json_str(j, root, "as_family", mmr_family_name((unsigned)r->as_family));
	else
		mmr_json_null(j, root, "as_family");
	cJSON *given = mmr_json_obj(j, root, "engine_opts");
	for (size_t i = 0; i < r->ngiven; i++)
		mmr_json_str(j, given, r->given[i].key, r->given[i].value);
	mmr_json_str(j, root, "clock", r->clock);
	mmr_json_fixed(j, root, "timer_overhead_ns", r->timer_overhead_ns, 1);
	mmr_json_bool(j, root, "latencies_exclude_timer_overhead", true);
	mmr_json_u64(j, root, "trace_events", r->events);
	mmr_json_u64(j, root, "trace_cpus", r->trace_cpus);
	mmr_json_u64(j, root, "trace_span_ns", r->span_ns);
	mmr_json_u64(j, root, "objects", r->objects);
	mmr_json_u64(j, root, "slots", r->nslots);
	mmr_json_u64(j, root, "windows", r->windows);
	mmr_json_u64(j, root, "window_ops", r->window_ops);
	mmr_json_u64(j, root, "replayed_events", r->replayed);
	mmr_json_u64(j, root, "skipped_events", skipped);
	mmr_json_u64(j, root, "runs", r->nruns);
	mmr_json_u64(j, root, "wall_ns", (uint64_t)llround(wall));
	mmr_json_fixed(j, root, "throughput_ops_s", tput, 1);
}

/* Where the figures come from: what a comparison of results from two machines must check first. */
static void json_machine(struct mmr_json *j, cJSON *root, const struct mmr_replay_result *r)
{
	cJSON *m = mmr_json_obj(j, root, "machine");
	mmr_json_str(j, m, "kernel", r->kernel);
	if (r->cpu_model[0])
		mmr_json_str(j, m, "cpu_model", r->cpu_model);
	else
		mmr_json_null(j, m, "cpu_model");
	mmr_json_str(j, m, "hostname", r->hostname);
}

/*
 * The timeline's bins, one object each: what plots/ draws calls per
 * second and live memory over the run from.  time_s and ops_per_s have
 * the decimals the plots' tables print, so a table derived from this file
 * is the one the runner would have written.
 */
static void json_bins(struct mmr_json *j, cJSON *tl, const struct rp_timeline *t)
{
	cJSON *arr = mmr_json_arr(j, tl, "by_bin");
	for (size_t b = 0; arr && b < t->nbins; b++) {
		cJSON *e = mmr_json_push_obj(j, arr);
		mmr_json_fixed(j, e, "time_s", t->bins[b].time_s, 6);
		mmr_json_fixed(j, e, "ops_per_s", t->bins[b].ops_per_s, 1);
		mmr_json_u64(j, e, "live_bytes", t->bins[b].live_bytes);
		mmr_json_u64(j, e, "live_objects", t->bins[b].live_objects);
	}
}

/* The memory figures and the last run's timeline. */
static void json_memory(struct mmr_json *j, cJSON *root, const struct mmr_replay_result *r)
{
	cJSON *mem = mmr_json_obj(j, root, "memory");
	if (r->have_footprint)
		mmr_json_u64(j, mem, "footprint_bytes", r->footprint_bytes);
	else
		mmr_json_null(j, mem, "footprint_bytes");
	mmr_json_u64(j, mem, "peak_rss_bytes", r->peak_rss_bytes);
	const struct rp_timeline *t = &r->timeline;
	cJSON *tl = mmr_json_obj(j, root, "timeline");
	mmr_json_u64(j, tl, "bins", t->nbins);
	mmr_json_u64(j, tl, "peak_live_bytes", t->peak_bytes);
	mmr_json_u64(j, tl, "peak_live_objects", t->peak_objects);
	mmr_json_u64(j, tl, "end_live_bytes", t->end_bytes);
	mmr_json_u64(j, tl, "end_live_objects", t->end_objects);
	json_bins(j, tl, t);
}

/*
 * The trace clock and the engine's timed mechanisms on it: how often each
 * fired in the last run (and the least and most of any run: the same on
 * every run and pacing of one trace), when, and how far the replay had
 * run past a due when its mechanism ran.
 */
static void json_timers(struct mmr_json *j, cJSON *root, const struct mmr_replay_result *r)
{
	cJSON *c = mmr_json_obj(j, root, "trace_clock");
	mmr_json_fixed(j, c, "end_ms", (double)r->clock_end / 1e6, 3);
	mmr_json_str(j, c, "time", "ns since the first replayed event, gaps longer than max_gap_s cut");
	cJSON *arr = mmr_json_arr(j, root, "timers");
	for (size_t i = 0; i < r->ntimers; i++) {
		const struct rp_timer *t = &r->timers[i];
		cJSON *o = mmr_json_push_obj(j, arr);
		mmr_json_str(j, o, "name", t->name);
		mmr_json_u64(j, o, "timers", t->timers);
		mmr_json_u64(j, o, "fired", t->fired);
		mmr_json_u64(j, o, "fired_min", t->fired_min);
		mmr_json_u64(j, o, "fired_max", t->fired_max);
		mmr_json_fixed(j, o, "first_due_ms", (double)t->first_due / 1e6, 3);
		mmr_json_fixed(j, o, "last_due_ms", (double)t->last_due / 1e6, 3);
		mmr_json_fixed(j, o, "late_ms_mean", t->fired ? (double)t->late_ns_total / 1e6 / (double)t->fired : 0, 3);
		mmr_json_fixed(j, o, "late_ms_max", (double)t->late_ns_max / 1e6, 3);
		if (t->cut_due == UINT64_MAX)
			mmr_json_null(j, o, "cut_at_ms");
		else
			mmr_json_fixed(j, o, "cut_at_ms", (double)t->cut_due / 1e6, 3);
		/* When it fired, for the marks on the plotted timeline: exact, as the runner kept them. */
		cJSON *marks = mmr_json_arr(j, o, "marks_ns");
		for (uint32_t k = 0; marks && k < t->nmarks; k++)
			mmr_json_push_u64(j, marks, t->marks[k]);
	}
	mmr_json_u64(j, root, "timers_dropped", r->timers_dropped);
}

/* The whole document as text (free()), or NULL when out of memory. */
static char *results_json(const struct mmr_replay_result *r)
{
	struct mmr_json j = {.ok = true};
	cJSON *root = mmr_json_check(&j, cJSON_CreateObject());
	if (!root)
		return NULL;
	json_head(&j, root, r);
	json_machine(&j, root, r);
	json_skips(&j, root, r);
	cJSON *ops = mmr_json_obj(&j, root, "ops");
	for (unsigned k = 0; k < MMR_OP_COUNT; k++)
		if (r->ops[k].count || r->ops[k].orphaned)
			json_op(&j, ops, r, k);
	json_locks(&j, root, r);
	json_memory(&j, root, r);
	cJSON *eng = mmr_json_obj(&j, root, "engine_report");
	for (size_t i = 0; i < r->nreport; i++) {
		if (r->report[i].integer)
			mmr_json_u64(&j, eng, r->report[i].key, (uint64_t)r->report[i].value);
		else
			mmr_json_fixed(&j, eng, r->report[i].key, r->report[i].value, 3);
	}
	mmr_json_u64(&j, root, "engine_report_dropped", r->report_dropped);
	json_declared(&j, root, r);
	json_timers(&j, root, r);
	json_costs(&j, root, r);
	json_repeats(&j, root, r);
	char *text = j.ok ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	return text;
}

/*
 * Write TEXT to DIR/NAME whole or not at all (mmr_write_atomic): a replay
 * killed while writing leaves no results.json, never half of one, so a
 * plan's runner can take the file's presence as the job being done.
 * Returns 0, or -1 with ERR.
 */
static int write_file(const char *dir, const char *name, const char *text, struct mmr_error *err)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (mmr_write_atomic(path, text, 0644) == 0)
		return 0;
	snprintf(err->msg, sizeof(err->msg), "%.400s: cannot write: %s", path, strerror(errno));
	return -1;
}

int mmr_replay_write(const struct mmr_replay_result *r, const char *dir, struct mmr_error *err)
{
	char sub[4096];
	snprintf(sub, sizeof(sub), "%s/%s", dir, r->engine);
	if (mmr_mkdir_p(sub)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot create: %s", sub, strerror(errno));
		return -1;
	}
	char *text = results_json(r);
	if (!text) {
		snprintf(err->msg, sizeof(err->msg), "replay: out of memory writing results");
		return -1;
	}
	int rc = write_file(sub, "results.json", text, err);
	free(text);
	return rc;
}
