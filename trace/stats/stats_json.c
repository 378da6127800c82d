/* SPDX-License-Identifier: MIT */
/*
 * stats_json.c - the statistics as JSON (cJSON).  Every key is documented
 * in docs/stats-json.md; a change here is a change there.
 *
 * Integers are written as raw number text rather than through cJSON's
 * doubles, which would round anything past 2^53 (wall-clock ns already
 * are): consumers that read integers exactly get them exactly.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "mmr_json.h"

#include "stats_internal.h"

/* "families": {family: {op: count}} for the families and ops that occur. */
static void json_families(struct mmr_json *j, cJSON *root, const struct mmr_stats *s)
{
	cJSON *fams = mmr_json_obj(j, root, "families");
	for (unsigned f = 0; f < MMR_FAM_COUNT; f++) {
		if (!s->fam[f].events)
			continue;
		cJSON *ops = mmr_json_obj(j, fams, mmr_family_name(f));
		for (unsigned op = 0; op < MMR_OP_COUNT; op++)
			if (s->fam[f].ops[op])
				mmr_json_u64(j, ops, mmr_op_name(op), s->fam[f].ops[op]);
	}
}

/* The counters every family has: one list for slab, page and by_family alike. */
static void json_family_counts(struct mmr_json *j, cJSON *o, const struct stats_family *f)
{
	mmr_json_u64(j, o, "allocs", f->allocs);
	mmr_json_u64(j, o, "frees", f->frees);
	mmr_json_u64(j, o, "unmatched_frees", f->unmatched_frees);
	mmr_json_u64(j, o, "unmatched_allocs", f->unmatched_allocs);
	mmr_json_u64(j, o, "failed_allocs", f->failed_allocs);
	mmr_json_u64(j, o, "cross_cpu_frees", f->cross_cpu_frees);
	mmr_json_u64(j, o, "bytes_requested", f->bytes_req);
	mmr_json_u64(j, o, "bytes_allocated", f->bytes_alloc);
	mmr_json_u64(j, o, "bytes_freed", f->bytes_freed);
	mmr_json_u64(j, o, "live_objects", f->nobjs);
	mmr_json_u64(j, o, "live_bytes", f->live_bytes);
}

static void json_slab(struct mmr_json *j, cJSON *root, const struct mmr_stats *s)
{
	const struct stats_family *f = &s->fam[MMR_FAM_SLAB];
	cJSON *o = mmr_json_obj(j, root, "slab");
	json_family_counts(j, o, f);
	mmr_json_fixed(j, o, "fragmentation_pct", stats_frag_pct(f->bytes_req, f->bytes_alloc), 3);
	mmr_json_u64(j, o, "null_frees", s->slab_null_frees);
}

static void json_page(struct mmr_json *j, cJSON *root, const struct mmr_stats *s)
{
	const struct stats_family *f = &s->fam[MMR_FAM_PAGE];
	cJSON *o = mmr_json_obj(j, root, "page");
	json_family_counts(j, o, f);
	mmr_json_u64(j, o, "live_pages", f->live_bytes / STATS_PAGE_SIZE);
	cJSON *orders = mmr_json_obj(j, o, "by_order");
	for (unsigned k = 0; k < STATS_ORDERS; k++) {
		char key[8];
		if (!s->page_by_order[k])
			continue;
		snprintf(key, sizeof(key), "%u", k);
		mmr_json_u64(j, orders, key, s->page_by_order[k]);
	}
}

static void json_cross_cpu(struct mmr_json *j, cJSON *root, const struct mmr_stats *s)
{
	mmr_json_u64(j, root, "cross_cpu_frees", stats_cross_cpu_frees(s));
	cJSON *o = mmr_json_obj(j, root, "cross_cpu_frees_by_family");
	for (unsigned f = 0; f < MMR_FAM_COUNT; f++)
		if (s->fam[f].events)
			mmr_json_u64(j, o, mmr_family_name(f), s->fam[f].cross_cpu_frees);
}

static void json_lifetime(struct mmr_json *j, cJSON *root, const struct mmr_stats *s)
{
	const struct mmr_hist *h = &s->lifetime;
	static const struct {
		const char *key;
		double p;
	} pcts[] = {{"p50", 50}, {"p90", 90}, {"p99", 99}};
	cJSON *o = mmr_json_obj(j, root, "lifetime_ns");

	mmr_json_u64(j, o, "count", h->count);
	if (h->count)
		mmr_json_u64(j, o, "min", h->min);
	else
		mmr_json_null(j, o, "min");
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		if (h->count)
			mmr_json_u64(j, o, pcts[i].key, mmr_hist_percentile(h, pcts[i].p));
		else
			mmr_json_null(j, o, pcts[i].key);
	}
	if (h->count) {
		mmr_json_u64(j, o, "max", h->max);
		mmr_json_fixed(j, o, "mean", mmr_hist_mean(h), 1);
	} else {
		mmr_json_null(j, o, "max");
		mmr_json_null(j, o, "mean");
	}
	mmr_hist_json(j, o, "buckets", h, 1.0);
}

/* ADDR under KEY as "0x..." and its symbol (null when none, or no reader R) under "symbol". */
static void json_address(struct mmr_json *j, cJSON *e, const char *key, uint64_t addr, const struct mmr_reader *r)
{
	char hex[24];
	snprintf(hex, sizeof(hex), "0x%" PRIx64, addr);
	mmr_json_str(j, e, key, hex);
	mmr_json_str(j, e, "symbol", r ? mmr_reader_symbol(r, addr) : NULL);
}

static void json_sites(struct mmr_json *j, cJSON *root, const struct mmr_stats *s,
		       const struct mmr_reader *r)
{
	uint32_t idx[STATS_TOP_SITES];
	size_t n = stats_top_sites(s, idx, STATS_TOP_SITES);
	cJSON *arr = mmr_json_arr(j, root, "top_call_sites");

	for (size_t i = 0; i < n; i++) {
		const struct stats_site *site = &s->sites[idx[i]];
		cJSON *e = mmr_json_push_obj(j, arr);
		if (!e)
			return;
		json_address(j, e, "call_site", site->addr, r);
		mmr_json_u64(j, e, "allocs", site->allocs);
		mmr_json_u64(j, e, "bytes_requested", site->bytes_req);
		mmr_json_u64(j, e, "bytes_allocated", site->bytes_alloc);
		mmr_json_fixed(j, e, "fragmentation_pct", stats_frag_pct(site->bytes_req, site->bytes_alloc), 3);
		mmr_json_u64(j, e, "frees", site->frees);
		mmr_json_u64(j, e, "cross_cpu_frees", site->cross_cpu_frees);
	}
}

static void json_by_family(struct mmr_json *j, cJSON *root, const struct mmr_stats *s)
{
	cJSON *o = mmr_json_obj(j, root, "by_family");
	for (unsigned i = 0; i < MMR_FAM_COUNT; i++) {
		const struct stats_family *f = &s->fam[i];
		if (!f->events)
			continue;
		cJSON *e = mmr_json_obj(j, o, mmr_family_name(i));
		mmr_json_u64(j, e, "events", f->events);
		json_family_counts(j, e, f);
	}
}

static void json_invalid(struct mmr_json *j, cJSON *root, const struct mmr_stats *s)
{
	cJSON *o = mmr_json_obj(j, root, "invalid");
	mmr_json_u64(j, o, "events", s->invalid.total);
	mmr_invalid_json(j, o, "by", &s->invalid);
}

/* A lock row's name, how it got it, its most frequent caller and its stacked begins. */
static void json_lock_name(struct mmr_json *j, cJSON *e, const struct stats_lock_row *row, const struct mmr_reader *r)
{
	const char *by = NULL, *name = stats_lock_name_by(row, r, &by);
	char hex[24];
	snprintf(hex, sizeof(hex), "0x%" PRIx64, row->caller);
	mmr_json_str(j, e, "name", name);
	mmr_json_str(j, e, "named_by", by);
	mmr_json_str(j, e, "caller", row->caller ? hex : NULL);
	mmr_json_str(j, e, "caller_symbol", row->caller && r ? mmr_reader_symbol(r, row->caller) : NULL);
	mmr_json_u64(j, e, "stacked", row->stacked);
}

static void json_lock_rows(struct mmr_json *j, cJSON *o, const struct stats_locks *l, const struct mmr_reader *r)
{
	uint32_t *idx;
	size_t n = stats_locks_order(l, &idx);
	cJSON *arr = mmr_json_check(j, idx ? mmr_json_arr(j, o, "locks") : NULL);
	for (size_t i = 0; arr && i < n; i++) {
		const struct stats_lock_row *row = &l->rows[idx[i]];
		cJSON *e = mmr_json_push_obj(j, arr);
		if (!e)
			break;
		json_address(j, e, "addr", row->addr, r);
		mmr_json_str(j, e, "type", mmr_lock_type_name(row->flags));
		mmr_json_u64(j, e, "flags", row->flags);
		mmr_json_u64(j, e, "contended", row->contended);
		mmr_json_u64(j, e, "acquired", row->acquired);
		mmr_json_u64(j, e, "wait_total_ns", row->wait_total);
		mmr_json_u64(j, e, "wait_max_ns", row->wait_max);
		mmr_json_u64(j, e, "wait_min_ns", row->wait_min);
		mmr_json_u64(j, e, "avg_wait_ns", row->acquired ? row->wait_total / row->acquired : 0);
		if (row->wait_hist) {
			mmr_json_u64(j, e, "wait_p50_ns", mmr_hist_percentile(row->wait_hist, 50));
			mmr_json_u64(j, e, "wait_p99_ns", mmr_hist_percentile(row->wait_hist, 99));
			mmr_hist_json(j, e, "wait_histogram", row->wait_hist, 1);
		} else {
			mmr_json_null(j, e, "wait_p50_ns");
			mmr_json_null(j, e, "wait_p99_ns");
		}
		json_lock_name(j, e, row, r);
	}
	free(idx);
}

static void json_lock_tasks(struct mmr_json *j, cJSON *o, const struct stats_locks *l, const struct mmr_reader *r)
{
	cJSON *arr = mmr_json_arr(j, o, "tasks");
	for (size_t i = 0; arr && i < l->ntasks; i++) {
		const struct stats_lock_task *t = &l->tasks[i];
		if (!t->contended) /* only ends whose begins came before the trace */
			continue;
		cJSON *e = mmr_json_push_obj(j, arr);
		if (!e)
			break;
		mmr_json_fixed(j, e, "pid", t->pid, 0);
		mmr_json_str(j, e, "comm", r ? mmr_reader_comm(r, t->pid) : NULL);
		mmr_json_u64(j, e, "contended", t->contended);
		mmr_json_u64(j, e, "acquired", t->acquired);
		mmr_json_u64(j, e, "wait_total_ns", t->wait_total);
		mmr_json_u64(j, e, "wait_max_ns", t->wait_max);
	}
}

/* "lock_contention": the kernel's lock waits, per lock and per task (stats_lock.c). */
static void json_locks(struct mmr_json *j, cJSON *root, const struct mmr_stats *s, const struct mmr_reader *r)
{
	const struct stats_locks *l = &s->locks;
	cJSON *o = mmr_json_obj(j, root, "lock_contention");
	mmr_json_u64(j, o, "contended", stats_locks_contended(l));
	mmr_json_u64(j, o, "wait_total_ns", stats_locks_wait(l));
	mmr_json_u64(j, o, "waiting_at_end", l->nwaits);
	mmr_json_u64(j, o, "nested_begins", l->nested_begins);
	mmr_json_u64(j, o, "locks_without_histogram", l->no_hist);
	mmr_json_u64(j, o, "unmatched_ends", l->unmatched_ends);
	json_lock_rows(j, o, l, r);
	json_lock_tasks(j, o, l, r);
}

static void json_trace(struct mmr_json *j, cJSON *root, const struct mmr_reader *r)
{
	if (!r) {
		mmr_json_null(j, root, "trace");
		return;
	}
	const struct mmr_meta *m = mmr_reader_meta(r);
	cJSON *o = mmr_json_obj(j, root, "trace");
	mmr_json_str(j, o, "kernel_release", m->kernel_release);
	mmr_json_str(j, o, "clock", m->clock);
	mmr_json_str(j, o, "source", m->source);
	mmr_json_str(j, o, "tool_version", m->tool_version);
	mmr_json_u64(j, o, "nr_cpus", m->nr_cpus);
	mmr_json_u64(j, o, "start_realtime_ns", m->start_realtime_ns);
	if (m->lost) {
		uint64_t lost = 0;
		for (uint32_t c = 0; c < m->nr_cpus; c++)
			lost += m->lost[c];
		mmr_json_u64(j, o, "lost_events", lost);
	} else {
		mmr_json_null(j, o, "lost_events");
	}
	mmr_json_u64(j, o, "blocks", mmr_reader_block_count(r));
	mmr_json_u64(j, o, "trace_events", mmr_reader_event_count(r));
	mmr_json_str(j, o, "warning", mmr_reader_warning(r));
}

char *mmr_stats_json(const struct mmr_stats *s, const struct mmr_reader *r)
{
	struct mmr_json j = {.ok = true};
	cJSON *root = mmr_json_check(&j, cJSON_CreateObject());
	if (!root)
		return NULL;
	mmr_json_u64(&j, root, "events", s->events);
	mmr_json_u64(&j, root, "duration_ns", stats_duration_ns(s));
	json_families(&j, root, s);
	json_slab(&j, root, s);
	json_page(&j, root, s);
	json_cross_cpu(&j, root, s);
	json_lifetime(&j, root, s);
	cJSON *live = mmr_json_obj(&j, root, "live");
	mmr_json_u64(&j, live, "objects", stats_live_objects(s));
	mmr_json_u64(&j, live, "bytes", stats_live_bytes(s));
	json_sites(&j, root, s, r);
	json_by_family(&j, root, s);
	json_invalid(&j, root, s);
	json_locks(&j, root, s, r);
	json_trace(&j, root, r);

	char *out = j.ok ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	return out;
}
