/* SPDX-License-Identifier: MIT */
/*
 * stats.c - accounting: pairs every object-ending event with the event
 * that started the object, by (family, id), the way `perf kmem stat` pairs
 * kfree with kmalloc.  The reports are in stats_json.c and stats_text.c.
 *
 * Semantics (docs/stats-json.md has the full list):
 * - realloc is the free of aux followed by the allocation of id;
 * - a free with no live object is unmatched; for slab it still adds the
 *   bytes of the pointer's last life, if it had one in the trace, to
 *   bytes_freed, as perf kmem stat does, so the two agree on real traces
 *   where the ring buffer lost events;
 * - a second start of a live id means the end was lost: the old object is
 *   dropped (never freed, never in a lifetime) and counted unmatched_allocs;
 * - an allocation flagged failed starts no object; its bytes count as
 *   requested and allocated, as in perf;
 * - slab ids are pointers, so id 0 is NULL: a slab start of 0 is a failed
 *   allocation too, and a slab end of 0 is kfree(NULL), counted apart;
 * - lock events are no objects: stats_lock.c accounts them per lock;
 * - an event out of its valid range (docs/trace-format.md) counts in
 *   events and in invalid, by reason, family and op, and nowhere else, as
 *   the replay skips it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_internal.h"

struct mmr_stats *mmr_stats_new(void)
{
	struct mmr_stats *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	mmr_hist_init(&s->lifetime);
	s->first_ts_ns = UINT64_MAX;
	/* The maps start empty (zeroed) and allocate on first use. */
	return s;
}

uint64_t mmr_stats_family_events(const struct mmr_stats *s, unsigned family)
{
	return family < MMR_FAM_COUNT ? s->fam[family].events : 0;
}

void mmr_stats_free(struct mmr_stats *s)
{
	if (!s)
		return;
	for (unsigned f = 0; f < MMR_FAM_COUNT; f++) {
		mmr_idmap_destroy(&s->fam[f].map);
		mmr_idmap_destroy(&s->fam[f].gone);
		free(s->fam[f].objs);
	}
	mmr_idmap_destroy(&s->site_map);
	free(s->sites);
	stats_locks_free(&s->locks);
	free(s);
}

/* Bytes an object holds: the page family records an order, the others bytes_alloc. */
static uint64_t obj_bytes(const struct mmr_event *ev)
{
	if (ev->family != MMR_FAM_PAGE)
		return ev->bytes_alloc;
	return ev->order < 52 ? STATS_PAGE_SIZE << ev->order : UINT64_MAX;
}

/* Bytes asked for; for pages, the whole block (the buddy allocator has no finer request). */
static uint64_t obj_req(const struct mmr_event *ev)
{
	return ev->family == MMR_FAM_PAGE ? obj_bytes(ev) : ev->bytes_req;
}

/* Index of the call site ADDR, creating it.  Returns 0, or -1 when out of memory. */
static int site_index(struct mmr_stats *s, uint64_t addr, uint32_t *out)
{
	uint64_t *idx = mmr_idmap_get(&s->site_map, addr);
	if (idx) {
		*out = (uint32_t)*idx;
		return 0;
	}
	if (s->nsites == s->cap_sites) {
		size_t cap = s->cap_sites ? s->cap_sites * 2 : 64;
		if (cap >= STATS_NO_SITE)
			return -1;
		struct stats_site *v = realloc(s->sites, cap * sizeof(*v));
		if (!v)
			return -1;
		s->sites = v;
		s->cap_sites = cap;
	}
	if (mmr_idmap_put(&s->site_map, addr, s->nsites))
		return -1;
	memset(&s->sites[s->nsites], 0, sizeof(s->sites[0]));
	s->sites[s->nsites].addr = addr;
	*out = (uint32_t)s->nsites++;
	return 0;
}

/* Room for one more live object in F.  Returns 0, or -1 when out of memory. */
static int objs_reserve(struct stats_family *f)
{
	if (f->nobjs < f->cap_objs)
		return 0;
	size_t cap = f->cap_objs ? f->cap_objs * 2 : 256;
	if (cap > SIZE_MAX / sizeof(struct stats_obj))
		return -1;
	struct stats_obj *v = realloc(f->objs, cap * sizeof(*v));
	if (!v)
		return -1;
	f->objs = v;
	f->cap_objs = cap;
	return 0;
}

/*
 * Give memory back once the live set has shrunk well below the array, so a
 * long trace's peak does not pin memory for the rest of it.  Failure to
 * shrink is harmless: the old array stays.
 */
static void objs_maybe_shrink(struct stats_family *f)
{
	if (f->cap_objs <= 4096 || f->nobjs > f->cap_objs / 4)
		return;
	struct stats_obj *v = realloc(f->objs, f->cap_objs / 2 * sizeof(*v));
	if (v) {
		f->objs = v;
		f->cap_objs /= 2;
	}
}

/* Start object ID of EV's family.  Returns 0, or -1 when out of memory (nothing counted). */
static int start_object(struct mmr_stats *s, const struct mmr_event *ev, uint64_t id)
{
	struct stats_family *f = &s->fam[ev->family];
	uint32_t site;
	if (site_index(s, ev->call_site, &site) || objs_reserve(f))
		return -1;
	struct stats_obj rec = {
		.id = id, .ts_ns = ev->ts_ns, .bytes = obj_bytes(ev),
		.cpu = ev->cpu, .site = site,
	};
	uint64_t *slot = mmr_idmap_get(&f->map, id);
	if (slot) {
		/* The old object's end never made it into the trace. */
		f->unmatched_allocs++;
		f->live_bytes -= f->objs[*slot].bytes;
		f->objs[*slot] = rec;
	} else {
		if (mmr_idmap_put(&f->map, id, f->nobjs))
			return -1;
		f->objs[f->nobjs++] = rec;
	}
	f->allocs++;
	f->bytes_req += obj_req(ev);
	f->bytes_alloc += rec.bytes;
	f->live_bytes += rec.bytes;
	s->sites[site].allocs++;
	s->sites[site].bytes_req += obj_req(ev);
	s->sites[site].bytes_alloc += rec.bytes;
	if (ev->family == MMR_FAM_PAGE)
		s->page_by_order[ev->order]++;
	return 0;
}

/* An end of ID with no live object: perf's rule for slab freed bytes (see the top). */
static void end_unmatched(struct stats_family *f, const struct mmr_event *ev, uint64_t id)
{
	f->unmatched_frees++;
	if (ev->family != MMR_FAM_SLAB)
		return;
	uint64_t *last = mmr_idmap_get(&f->gone, id);
	if (last)
		f->bytes_freed += *last;
}

/* End object ID of EV's family.  Returns 0, or -1 when out of memory. */
static int end_object(struct mmr_stats *s, const struct mmr_event *ev, uint64_t id)
{
	struct stats_family *f = &s->fam[ev->family];
	uint64_t idx;
	f->frees++;
	if (!mmr_idmap_del(&f->map, id, &idx)) {
		end_unmatched(f, ev, id);
		return 0;
	}
	const struct stats_obj *o = &f->objs[idx];
	struct stats_site *site = o->site != STATS_NO_SITE ? &s->sites[o->site] : NULL;
	f->bytes_freed += o->bytes;
	f->live_bytes -= o->bytes;
	/* Out-of-order timestamps (merged per-CPU buffers) clamp to 0. */
	mmr_hist_add(&s->lifetime, ev->ts_ns > o->ts_ns ? ev->ts_ns - o->ts_ns : 0);
	if (site)
		site->frees++;
	if (ev->cpu != o->cpu) {
		f->cross_cpu_frees++;
		if (site)
			site->cross_cpu_frees++;
	}
	int rc = ev->family == MMR_FAM_SLAB ? mmr_idmap_put(&f->gone, id, o->bytes) : 0;
	/* Keep the array dense: the last record moves into the hole. */
	if (idx != --f->nobjs) {
		f->objs[idx] = f->objs[f->nobjs];
		*mmr_idmap_get(&f->map, f->objs[idx].id) = idx;
	}
	objs_maybe_shrink(f);
	return rc;
}

int mmr_stats_add(struct mmr_stats *s, const struct mmr_event *ev)
{
	s->events++;
	if (ev->ts_ns < s->first_ts_ns)
		s->first_ts_ns = ev->ts_ns;
	if (ev->ts_ns > s->last_ts_ns)
		s->last_ts_ns = ev->ts_ns;
	/* The reader rejects unknown values; in-memory events are only counted. */
	if (ev->family >= MMR_FAM_COUNT || ev->op >= MMR_OP_COUNT)
		return 0;
	if (!mmr_invalid_note(&s->invalid, ev))
		return 0;
	struct stats_family *f = &s->fam[ev->family];
	bool slab = ev->family == MMR_FAM_SLAB;
	f->events++;
	f->ops[ev->op]++;
	if (ev->family == MMR_FAM_LOCK)
		return stats_locks_add(&s->locks, ev);

	if (mmr_op_ends_object(ev->op)) {
		if (!slab || ev->id != 0)
			return end_object(s, ev, ev->id);
		s->slab_null_frees++;
		return 0;
	}
	if (!mmr_op_starts_object(ev->op))
		return 0;
	if ((ev->flags & MMR_EF_FAILED) || (slab && ev->id == 0)) {
		/* A failed krealloc leaves the old object alive. */
		f->failed_allocs++;
		f->bytes_req += obj_req(ev);
		f->bytes_alloc += obj_bytes(ev);
		return 0;
	}
	/* krealloc(NULL, ...) frees nothing. */
	if (ev->op == MMR_OP_REALLOC && ev->aux != 0 && end_object(s, ev, ev->aux))
		return -1;
	return start_object(s, ev, ev->id);
}

struct mmr_stats *mmr_stats_from_reader(struct mmr_reader *r, struct mmr_error *err)
{
	struct mmr_stats *s = mmr_stats_new();
	const struct mmr_event *evs;
	size_t n;
	int rc;

	if (!s) {
		if (err)
			snprintf(err->msg, sizeof(err->msg), "stats: out of memory");
		return NULL;
	}
	if (mmr_reader_seek_block(r, 0, err))
		goto fail;
	while ((rc = mmr_reader_next_block(r, &evs, &n, err)) == 1) {
		for (size_t i = 0; i < n; i++) {
			if (mmr_stats_add(s, &evs[i]) == 0)
				continue;
			if (err)
				snprintf(err->msg, sizeof(err->msg),
					 "stats: out of memory after %llu events",
					 (unsigned long long)s->events);
			goto fail;
		}
	}
	if (rc == 0)
		return s;
fail:
	mmr_stats_free(s);
	return NULL;
}

/* ---- figures shared by the reports ------------------------------------ */

/* True when site A ranks before site B: more bytes, then more allocations, then lower address. */
static bool site_before(const struct stats_site *a, const struct stats_site *b)
{
	if (a->bytes_alloc != b->bytes_alloc)
		return a->bytes_alloc > b->bytes_alloc;
	if (a->allocs != b->allocs)
		return a->allocs > b->allocs;
	return a->addr < b->addr;
}

size_t stats_top_sites(const struct mmr_stats *s, uint32_t *idx, size_t max)
{
	size_t n = 0;
	/* Insertion into a short sorted list: no allocation, O(sites * max). */
	for (size_t i = 0; i < s->nsites; i++) {
		const struct stats_site *c = &s->sites[i];
		size_t at = n;
		/*
		 * Address 0 is "unknown", not a call site: every mm_page_alloc
		 * event has it, and would push the real sites off the list.
		 */
		if (c->addr == 0)
			continue;
		while (at > 0 && site_before(c, &s->sites[idx[at - 1]]))
			at--;
		if (at >= max)
			continue;
		if (n < max)
			n++;
		memmove(&idx[at + 1], &idx[at], (n - 1 - at) * sizeof(*idx));
		idx[at] = (uint32_t)i;
	}
	return n;
}

uint64_t stats_live_objects(const struct mmr_stats *s)
{
	uint64_t n = 0;
	for (unsigned f = 0; f < MMR_FAM_COUNT; f++)
		n += s->fam[f].nobjs;
	return n;
}

uint64_t stats_live_bytes(const struct mmr_stats *s)
{
	uint64_t n = 0;
	for (unsigned f = 0; f < MMR_FAM_COUNT; f++)
		n += s->fam[f].live_bytes;
	return n;
}

uint64_t stats_cross_cpu_frees(const struct mmr_stats *s)
{
	uint64_t n = 0;
	for (unsigned f = 0; f < MMR_FAM_COUNT; f++)
		n += s->fam[f].cross_cpu_frees;
	return n;
}

uint64_t stats_duration_ns(const struct mmr_stats *s)
{
	return s->events > 1 ? s->last_ts_ns - s->first_ts_ns : 0;
}

double stats_frag_pct(uint64_t req, uint64_t alloc)
{
	if (alloc == 0)
		return 0.0;
	return 100.0 * ((double)alloc - (double)req) / (double)alloc;
}
