/* SPDX-License-Identifier: MIT */
/*
 * replay.c - mmr_replay_run: plan the trace once (a window at a time, and
 * again in each run, when it is longer than a window), run it REPEAT times
 * on fresh engines, and gather each run's figures into one result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mmr_clock.h"
#include "mmr_lock_stats.h"
#include "mmr_machine.h"
#include "run_internal.h"

double rp_latency_ns(const struct mmr_replay_result *r, const struct mmr_hist *h, double p)
{
	if (!h->count)
		return 0;
	double ns = (double)mmr_hist_percentile(h, p) * r->tick_ns - r->timer_overhead_ns;
	return ns > 0 ? ns : 0;
}

/* Add SRC's figures to DST. */
static void merge_ophist(struct rp_ophist *dst, const struct rp_ophist *src)
{
	dst->count += src->count;
	dst->failed += src->failed;
	dst->refused += src->refused;
	dst->orphaned += src->orphaned;
	mmr_hist_merge(&dst->lat, &src->lat);
	for (unsigned c = 0; c < RP_SIZECLASSES; c++) {
		if (!src->by_size[c])
			continue;
		if (!dst->by_size[c] && (dst->by_size[c] = malloc(sizeof(struct mmr_hist))))
			mmr_hist_init(dst->by_size[c]);
		if (dst->by_size[c])
			mmr_hist_merge(dst->by_size[c], src->by_size[c]);
	}
}

/* The lock classes of one run, added to R's by name. */
static int merge_locks(struct mmr_replay_result *r)
{
	size_t n;
	struct mmr_lock_stats *s = mmr_lock_stats_collect(&n);
	for (size_t i = 0; i < n; i++) {
		/* Classes live as long as the process: one this run never took is another engine's. */
		if (!s[i].side[MMR_LOCK_EXCL].acquisitions && !s[i].side[MMR_LOCK_READ].acquisitions)
			continue;
		size_t j = 0;
		while (j < r->nlocks && strcmp(r->locks[j].name, s[i].name) != 0)
			j++;
		if (j == r->nlocks) {
			struct mmr_lock_stats *grown = realloc(r->locks, (r->nlocks + 1) * sizeof(*grown));
			if (!grown) {
				free(s);
				return -1;
			}
			r->locks = grown;
			r->locks[r->nlocks++] = s[i];
			continue;
		}
		/* Every figure, the preempted ones and the queued waits too: one merge serves threads and runs. */
		for (unsigned k = 0; k < MMR_LOCK_SIDES; k++)
			mmr_lock_side_merge(&r->locks[j].side[k], &s[i].side[k]);
	}
	free(s);
	return 0;
}

static void report_u64(void *ctx, const char *key, uint64_t v)
{
	struct mmr_replay_result *r = ctx;
	r->report_dropped += r->nreport == RP_MAX_REPORT;
	if (r->nreport < RP_MAX_REPORT) {
		struct rp_kv *kv = &r->report[r->nreport++];
		snprintf(kv->key, sizeof(kv->key), "%s", key);
		kv->value = (double)v;
		kv->integer = true;
	}
}

static void report_f64(void *ctx, const char *key, double v)
{
	struct mmr_replay_result *r = ctx;
	r->report_dropped += r->nreport == RP_MAX_REPORT;
	if (r->nreport < RP_MAX_REPORT) {
		struct rp_kv *kv = &r->report[r->nreport++];
		snprintf(kv->key, sizeof(kv->key), "%s", key);
		kv->value = v;
		kv->integer = false;
	}
}

/*
 * The run's outcomes (mmr_engine.h) from the report the engine just gave
 * into RS.  Returns 0, or -1 with ERR naming an outcome the engine
 * declared and did not report as a count.
 */
static int take_outcomes(struct mmr_replay_result *r, struct rp_runstat *rs, struct mmr_error *err)
{
	for (size_t i = 0; i < r->noutcomes; i++) {
		const char *key = r->decl->outcomes[i].key;
		size_t j = 0;
		while (j < r->nreport && (strcmp(r->report[j].key, key) || !r->report[j].integer))
			j++;
		if (j == r->nreport) {
			snprintf(err->msg, sizeof(err->msg),
				 "engine %s declares outcome '%s' but its report did not give it as a count: fix the engine",
				 r->engine, key);
			return -1;
		}
		rs->outcome[i] = (uint64_t)r->report[j].value;
	}
	return 0;
}

/* The run's timed mechanisms into R and RS: the figures of the last run, the firings of each. */
static void take_timers(struct mmr_replay_result *r, struct rp_runstat *rs, struct rp_run *run)
{
	bool first = r->nruns == 1;
	for (int i = 0; i < run->ntimers; i++) {
		struct mmr_tclock_stat *s = &run->timers[i];
		size_t k = 0;
		while (k < r->ntimers && strcmp(r->timers[k].name, s->name))
			k++;
		if (k == r->ntimers) {
			if (k == RP_MAX_TIMERS) {
				r->timers_dropped += first;
				continue;
			}
			snprintf(r->timers[r->ntimers++].name, sizeof(r->timers[k].name), "%s", s->name);
			r->timers[k].fired_min = UINT64_MAX;
		}
		struct rp_timer *t = &r->timers[k];
		free(t->marks);
		t->marks = s->marks; /* the result's now */
		s->marks = NULL;
		t->nmarks = s->nmarks;
		t->timers = s->timers;
		t->fired = s->fired;
		t->fired_min = s->fired < t->fired_min ? s->fired : t->fired_min;
		t->fired_max = s->fired > t->fired_max ? s->fired : t->fired_max;
		t->late_ns_total = s->late_ns_total;
		t->late_ns_max = s->late_ns_max;
		t->first_due = s->first_due;
		t->last_due = s->last_due;
		t->cut_due = s->cut_due;
		rs->timer_fired[k] = s->fired;
	}
}

/* Everything about one finished run, then its engine destroyed.  Returns 0 or -1 with ERR. */
static int gather(struct mmr_replay_result *r, struct rp_run *run, uint64_t wall_ticks, struct mmr_error *err)
{
	const struct mmr_engine_ops *e = run->o->engine;
	struct rp_runstat *rs = &r->runs[r->nruns++];
	/* Histograms are 59 KB each: off the stack. */
	struct rp_ophist *merged = calloc(MMR_OP_COUNT, sizeof(*merged));
	uint64_t ops = 0;
	if (!merged) {
		e->destroy(run->engine);
		run->engine = NULL;
		snprintf(err->msg, sizeof(err->msg), "replay: out of memory");
		return -1;
	}
	rs->wall_ns = (uint64_t)((double)wall_ticks * r->tick_ns);
	for (unsigned k = 0; k < MMR_OP_COUNT; k++) {
		mmr_hist_init(&merged[k].lat);
		for (unsigned i = 0; i < run->plan->nthreads; i++)
			merge_ophist(&merged[k], &run->threads[i].ops[k]);
		rs->count[k] = merged[k].count;
		rs->failed[k] = merged[k].failed;
		rs->p50_ticks[k] = mmr_hist_percentile(&merged[k].lat, 50);
		rs->p90_ticks[k] = mmr_hist_percentile(&merged[k].lat, 90);
		rs->p99_ticks[k] = mmr_hist_percentile(&merged[k].lat, 99);
		rs->p999_ticks[k] = mmr_hist_percentile(&merged[k].lat, 99.9);
		rs->max_ticks[k] = mmr_hist_percentile(&merged[k].lat, 100);
		rs->mean_ticks[k] = mmr_hist_mean(&merged[k].lat);
		ops += merged[k].count;
		merge_ophist(&r->ops[k], &merged[k]);
		for (unsigned c = 0; c < RP_SIZECLASSES; c++)
			free(merged[k].by_size[c]);
	}
	free(merged);
	rs->ops_per_s = rs->wall_ns ? (double)ops * 1e9 / (double)rs->wall_ns : 0;
	take_timers(r, rs, run);
	/* Every run's replaces the one before: the last run's is kept, as the engine report is. */
	if (rp_timeline_build(&r->timeline, run, wall_ticks, r->tick_ns)) {
		e->destroy(run->engine);
		run->engine = NULL;
		snprintf(err->msg, sizeof(err->msg), "replay: out of memory");
		return -1;
	}
	atomic_store(&run->phase, "reading its footprint and figures");
	r->have_footprint = e->footprint != NULL;
	r->footprint_bytes = rs->footprint_bytes = e->footprint ? e->footprint(run->engine) : 0;
	r->nreport = 0;
	r->report_dropped = 0;
	if (e->report)
		e->report(run->engine, &(struct mmr_figures){r, report_u64, report_f64});
	int rc = take_outcomes(r, rs, err);
	/* The locks as the replay left them: the untimed clean-up below is no part of it. */
	if (!rc && (rc = merge_locks(r)))
		snprintf(err->msg, sizeof(err->msg), "replay: out of memory");
	atomic_store(&run->phase, "freeing what the trace left allocated");
	rp_free_live(run);
	atomic_store(&run->phase, "destroying the engine");
	e->destroy(run->engine);
	atomic_store(&run->phase, NULL);
	run->engine = NULL;
	return rc;
}

/*
 * The machine the figures come from: its kernel, CPU and name, so results
 * from different machines are not compared unawares.  The CPU model is
 * /proc/cpuinfo's "model name", which not every architecture prints: ""
 * then.
 */
static void machine_info(struct mmr_replay_result *r)
{
	struct mmr_machine m;
	mmr_machine_get(&m);
	snprintf(r->kernel, sizeof(r->kernel), "%s", m.kernel);
	snprintf(r->hostname, sizeof(r->hostname), "%s", m.hostname);
	snprintf(r->cpu_model, sizeof(r->cpu_model), "%s", m.cpu_model);
}

/* The result's fixed part: what ran, on what, how timed. */
static struct mmr_replay_result *result_new(const struct mmr_replay_opts *o, const struct rp_plan *p,
					    unsigned repeats)
{
	struct mmr_replay_result *r = calloc(1, sizeof(*r));
	if (!r || !(r->runs = calloc(repeats, sizeof(*r->runs)))) {
		free(r);
		return NULL;
	}
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(r->engine, sizeof(r->engine), "%s", o->engine->name);
	r->decl = o->engine;
	while (o->engine->outcomes && o->engine->outcomes[r->noutcomes].key)
		r->noutcomes++;
	snprintf(r->trace, sizeof(r->trace), "%s", o->trace);
	snprintf(r->clock, sizeof(r->clock), "%s", mmr_clock_name());
	r->threads = p->nthreads;
	r->online_cpus = online > 0 ? (unsigned)online : 1;
	r->timing = o->timing;
	r->pinned = o->pin;
	r->kernel_rt = o->kernel_rt;
	r->map = o->map;
	r->pace = o->pace;
	r->pace_factor = o->pace_factor;
	r->tick_ns = 1e9 / mmr_clock_hz();
	r->timer_overhead_ns = o->timing ? mmr_clock_overhead_ns() : 0;
	r->events = p->events;
	r->replayed = p->ops;
	r->nslots = p->nslots;
	r->objects = p->objects;
	r->span_ns = p->span_ns;
	r->clock_end = p->clock_end;
	r->gaps_cut = p->ngaps;
	r->gap_ns_cut = p->ngaps ? p->gaps[p->ngaps - 1].cut : 0;
	r->max_gap_s = o->max_gap_s > 0 ? o->max_gap_s : MMR_MAX_GAP_DEFAULT_S;
	r->trace_cpus = p->trace_cpus;
	r->skip = p->skip;
	/* What a re-run needs (compare --robust): the options given, --events, --as, the profile. */
	for (size_t i = 0; i < o->nopts && i < RP_MAX_OPTS; i++, r->ngiven++) {
		snprintf(r->given[i].key, sizeof(r->given[i].key), "%s", o->opt_keys[i]);
		snprintf(r->given[i].value, sizeof(r->given[i].value), "%s", o->opt_values[i]);
	}
	r->max_events = o->max_events;
	r->as_family = o->as_family;
	if ((r->have_profile = o->profile != NULL))
		r->profile = *o->profile;
	for (unsigned k = 0; k < MMR_OP_COUNT; k++)
		mmr_hist_init(&r->ops[k].lat);
	machine_info(r);
	return r;
}

/* Only the --engine-opt keys the engine declares; another is an error naming them. */
static int check_opts(const struct mmr_replay_opts *o, struct mmr_error *err)
{
	for (size_t i = 0; i < o->nopts; i++) {
		const struct mmr_engine_param *p = o->engine->params;
		while (p && p->key && strcmp(p->key, o->opt_keys[i]) != 0)
			p++;
		if (p && p->key)
			continue;
		size_t n = (size_t)snprintf(err->msg, sizeof(err->msg), "engine %s has no option '%s' (it takes:",
					    o->engine->name, o->opt_keys[i]);
		for (p = o->engine->params; p && p->key && n < sizeof(err->msg); p++)
			n += (size_t)snprintf(err->msg + n, sizeof(err->msg) - n, " %s", p->key);
		if (n < sizeof(err->msg))
			snprintf(err->msg + n, sizeof(err->msg) - n, "%s)", o->engine->params && o->engine->params->key ? "" : " none");
		return -1;
	}
	return 0;
}

/* Pacing within its bounds (mmr_replay.h).  Returns 0, or -1 with ERR. */
static int check_pace(const struct mmr_replay_opts *o, struct mmr_error *err)
{
	if (o->pace == MMR_PACE_ORIGINAL &&
	    !(o->pace_factor >= MMR_PACE_FACTOR_MIN && o->pace_factor <= MMR_PACE_FACTOR_MAX)) {
		snprintf(err->msg, sizeof(err->msg), "replay: pace factor %g out of range %g..%g", o->pace_factor,
			 MMR_PACE_FACTOR_MIN, MMR_PACE_FACTOR_MAX);
		return -1;
	}
	if (!(o->max_gap_s >= 0 && o->max_gap_s <= MMR_MAX_GAP_MAX_S)) {
		snprintf(err->msg, sizeof(err->msg), "replay: max gap %g s out of range 0..%g", o->max_gap_s,
			 MMR_MAX_GAP_MAX_S);
		return -1;
	}
	return 0;
}

/*
 * One run, on a fresh engine, into R.  A streamed plan (more than one
 * window) is planned again as the run goes, from RD: SO is O with the
 * thread count the whole plan found, so the trace is not counted again.
 */
static int run_one(struct mmr_replay_result *r, const struct mmr_replay_opts *so, const struct rp_plan *plan,
		   struct mmr_reader *rd, const struct mmr_engine_env *env, struct mmr_error *err)
{
	struct rp_run run;
	struct rp_plan src;
	uint64_t wall;
	struct rp_guard guard;
	bool streamed = plan->windows > 1;
	mmr_lock_stats_reset();
	if (streamed && rp_plan_open(rd, so->engine, so, &src, err))
		return -1;
	int rc = rp_run_init(&run, so, plan, streamed ? &src : NULL, r->window_ops, err);
	run.sched = &r->sched;
	bool guarded = rc == 0 && rp_guard_start(&guard, &run, so->watchdog_s, so->log ? so->log : stderr) == 0;
	if (rc == 0)
		rc = rp_run_once(&run, env, &wall, err);
	if (rc == 0)
		rc = gather(r, &run, wall, err);
	unsigned refused = atomic_load(&run.sched_refused);
	if (refused > r->sched_refused)
		r->sched_refused = refused;
	if (guarded)
		rp_guard_stop(&guard);
	rp_run_free(&run);
	if (streamed)
		rp_plan_free(&src);
	return rc;
}

static int run_all(struct mmr_replay_result *r, const struct mmr_replay_opts *o, const struct rp_plan *plan,
		   struct mmr_reader *rd, unsigned repeats, struct mmr_error *err)
{
	struct mmr_engine_env env = {
		.threads = plan->nthreads, .online_cpus = r->online_cpus, .slots = plan->nslots,
		.nopts = r->costs.nopts, .keys = r->costs.keys, .values = r->costs.values,
	};
	struct mmr_replay_opts so = *o;
	so.threads = plan->nthreads;
	mmr_lock_set_timing(o->timing);
	mmr_lock_set_kernel_rt(o->kernel_rt);
	rp_sched_preempt_watch(&r->sched, o->timing);
	r->pinned = o->pin || r->sched.fifo;
	uint64_t unwatched0 = mmr_lock_preempt_unwatched();
	for (unsigned k = 0; k < repeats; k++)
		if (run_one(r, &so, plan, rd, &env, err))
			return -1;
	r->preempt_unwatched = mmr_lock_preempt_unwatched() - unwatched0;
	return 0;
}

/*
 * Plan RD whole into PLAN, a window of WINDOW ops at a time: a trace that
 * fits one keeps its ops; a longer one keeps the totals, slots and live
 * objects, and its runs plan their windows again (run_one).  Returns 0,
 * or -1 with ERR.
 */
static int plan_whole(struct mmr_reader *rd, const struct mmr_replay_opts *o, uint64_t window, struct rp_plan *plan,
		      struct mmr_error *err)
{
	if (rp_plan_open(rd, o->engine, o, plan, err))
		return -1;
	int more;
	while ((more = rp_plan_window(plan, window, err)) == 1)
		;
	if (more < 0) {
		rp_plan_free(plan);
		return -1;
	}
	if (plan->windows > 1)
		for (unsigned t = 0; t < plan->nthreads; t++)
			rp_stream_free(&plan->streams[t]); /* the last window's: the runs plan their own */
	return 0;
}

struct mmr_replay_result *mmr_replay_run(const struct mmr_replay_opts *o, struct mmr_error *err)
{
	struct rp_plan plan;
	unsigned repeats = o->repeat ? o->repeat : 1;
	uint64_t window = o->window_ops ? o->window_ops : MMR_WINDOW_DEFAULT_OPS;
	const char *why = o->engine->unavailable ? o->engine->unavailable() : NULL;
	if (why) {
		snprintf(err->msg, sizeof(err->msg), "engine %s is not available here: %s", o->engine->name, why);
		return NULL;
	}
	if (check_opts(o, err) || check_pace(o, err))
		return NULL;
	mmr_clock_init();
	struct mmr_reader *rd = mmr_reader_open(o->trace, err);
	if (!rd)
		return NULL;
	if (plan_whole(rd, o, window, &plan, err)) {
		mmr_reader_close(rd);
		return NULL;
	}
	const char *warning = mmr_reader_warning(rd);
	struct mmr_replay_result *r = result_new(o, &plan, repeats);
	if (r) {
		snprintf(r->trace_warning, sizeof(r->trace_warning), "%s", warning ? warning : "");
		r->trace_discarded = mmr_reader_discarded(rd);
		r->window_ops = window;
		r->windows = plan.windows;
	}
	if (!r) {
		snprintf(err->msg, sizeof(err->msg), "replay: out of memory");
	} else if (rp_costs_resolve(o, &r->costs, err) ||
		   rp_sched_decide(o->sched, plan.nthreads, r->online_cpus, &r->sched, err) ||
		   run_all(r, o, &plan, rd, repeats, err)) {
		mmr_replay_result_free(r);
		r = NULL;
	}
	mmr_reader_close(rd);
	rp_plan_free(&plan);
	struct rusage ru;
	if (r && getrusage(RUSAGE_SELF, &ru) == 0)
		r->peak_rss_bytes = (uint64_t)ru.ru_maxrss * 1024;
	return r;
}

const char *mmr_replay_trace_warning(const struct mmr_replay_result *r)
{
	return r->trace_warning[0] ? r->trace_warning : NULL;
}

void mmr_replay_result_free(struct mmr_replay_result *r)
{
	if (!r)
		return;
	for (unsigned k = 0; k < MMR_OP_COUNT; k++)
		for (unsigned c = 0; c < RP_SIZECLASSES; c++)
			free(r->ops[k].by_size[c]);
	free(r->timeline.bins);
	for (size_t i = 0; i < r->ntimers; i++)
		free(r->timers[i].marks);
	free(r->runs);
	free(r->locks);
	free(r);
}
