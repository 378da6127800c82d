/* SPDX-License-Identifier: MIT */
/*
 * zram_swap.c - "zram-swap": zram as a swap device under memory pressure,
 * the zsmalloc load seed 004 (the per-handle pin bit lock against one
 * pool-wide migrate_lock) is about.  Each CPU swaps pages out (zs_malloc,
 * map for write, copy, unmap), swaps them back in (map for read,
 * decompress, unmap, usually followed by freeing the slot) and frees slots
 * of exiting processes, while kswapd's shrinker asks the pool to compact
 * now and then: compaction is the writer side of migrate_lock.
 */
#include <stdlib.h>

#include "wl_internal.h"

enum { P_INCOMP, P_SLOTS, P_READ, P_COMPACT, NPARAMS };

static const struct mmr_workload_param zs_params[NPARAMS] = {
	[P_INCOMP] = {"incompressible-pct", 10, 0, 100,
		      "share of pages that do not compress and are stored whole (4096 B)"},
	[P_SLOTS] = {"slots", 32768, 1, 1u << 26,
		     "zram disk size in pages: at most this many handles live at once"},
	[P_READ] = {"read-pct", 30, 0, 85, "share of a CPU's operations that swap a page back in"},
	[P_COMPACT] = {"compact-ms", 50, 0, 600000,
		       "mean time between compaction requests; 0: never"},
};

/* The rest of the operations: FREE_PCT slot frees (munmap/exit), the
 * remainder swap-outs, so the pool fills until --slots and then churns. */
#define FREE_PCT 15
/* A page read back from swap usually leaves the swap cache soon, freeing its slot. */
#define READ_FREE_PCT 67
/* zram stores pages compressing worse than this whole: the size class just
 * below a page would waste as much as it saves (huge_class_size on 4K pages). */
#define HUGE_CLASS 3264
/* __GFP_HIGHMEM | __GFP_MOVABLE | __GFP_RECLAIM: handle memory may be
 * highmem and migrated, and the swap path must not recurse into IO. */
#define ZS_GFP (WL_GFP_NOIO | 0x02u | 0x08u)

#define PID_TASK 20000 /* "stress-ng-vm": the memory hogs being swapped */
#define PID_KSWAPD 90  /* "kswapd0": the shrinker asks for compaction */

enum zs_state { Z_IDLE, Z_W_ALLOCATED, Z_W_MAPPED, Z_R_MAPPED, Z_R_FREE };
enum zs_kind { K_CPU, K_COMPACT };
enum {
	SITE_ALLOC, SITE_MAP_W, SITE_UNMAP_W, SITE_MAP_R, SITE_UNMAP_R, SITE_FREE, SITE_COMPACT,
	NSITES
};

struct zs_cpu {
	enum zs_state state;
	uint32_t slot; /* the object being written or read */
};

struct zs {
	uint64_t incomp_pct, slots, read_pct, compact_ns;
	struct zs_cpu *cpu;
	struct wl_objs objs;
	struct wl_set stored; /* written, unmapped, not in anyone's hands */
	struct wl_addr handles;
	struct wl_table comp;
	uint64_t site[NSITES];
};

/* Compressed sizes of anonymous pages under lzo-rle or zstd, in 256-byte
 * buckets: most pages compress 2:1 to 4:1, few below 256 B (near-empty
 * pages are same-filled and never reach zsmalloc), a thinning tail toward
 * a whole page. */
static const uint32_t comp_weights[16] = {2, 6, 10, 13, 14, 13, 11, 9, 6, 4, 3, 3, 2, 2, 1, 1};

static uint64_t zs_compressed_size(struct zs *zs, struct wl_rng *r)
{
	if (wl_chance(r, zs->incomp_pct))
		return WL_PAGE_SIZE;
	uint64_t b = wl_table_pick(&zs->comp, r);
	uint64_t size = wl_range(r, b ? b * 256 : 24, b * 256 + 255);
	return size > HUGE_CLASS ? WL_PAGE_SIZE : size;
}

/* zsmalloc size classes: 32 bytes to a page in 16-byte steps. */
static uint64_t zs_class(uint64_t size)
{
	uint64_t c = (size + 15) & ~15ull;
	return c < 32 ? 32 : c;
}

static int zs_event(struct wl_sim *s, struct zs *zs, uint32_t cpu, unsigned op, uint32_t slot,
		    unsigned site)
{
	struct mmr_event ev = wl_event(s, cpu, PID_TASK + (int32_t)cpu, op, zs->objs.v[slot].id);
	ev.call_site = zs->site[site];
	ev.flags = op == MMR_OP_MAP && site == SITE_MAP_W ? MMR_EF_MAP_WRITE : 0;
	return wl_emit(s, &ev);
}

/* zs_malloc for a page just compressed. */
static int zs_alloc(struct wl_sim *s, struct zs *zs, uint32_t cpu)
{
	int64_t slot = wl_obj_new(&zs->objs);
	if (slot < 0)
		return wl_oom(s);
	struct wl_obj *o = &zs->objs.v[slot];
	uint64_t size = zs_compressed_size(zs, &s->rng);
	o->id = wl_addr_get(&zs->handles);
	o->bytes = zs_class(size);
	struct mmr_event ev = wl_event(s, cpu, PID_TASK + (int32_t)cpu, MMR_OP_ALLOC, o->id);
	ev.bytes_req = size;
	ev.bytes_alloc = o->bytes;
	ev.gfp = ZS_GFP;
	ev.call_site = zs->site[SITE_ALLOC];
	int rc = wl_emit(s, &ev);
	if (rc)
		return rc < 0 ? -1 : 0;
	s->owed += 3; /* map, unmap, free */
	zs->cpu[cpu].state = Z_W_ALLOCATED;
	zs->cpu[cpu].slot = (uint32_t)slot;
	return 0;
}

static int zs_free(struct wl_sim *s, struct zs *zs, uint32_t cpu, uint32_t slot)
{
	int rc = zs_event(s, zs, cpu, MMR_OP_FREE, slot, SITE_FREE);
	if (rc)
		return rc < 0 ? -1 : 0;
	s->owed--;
	if (wl_addr_put(&zs->handles, zs->objs.v[slot].id) || wl_obj_del(&zs->objs, slot))
		return wl_oom(s);
	return 0;
}

enum zs_choice { C_WRITE, C_READ, C_FREE, C_COMPACT, C_PASS };

/* What an idle CPU does: the mix, bounded by the disk size, then by the budget. */
static enum zs_choice zs_choose(struct wl_sim *s, struct zs *zs)
{
	size_t n = zs->stored.len;
	bool full = zs->objs.len - zs->objs.free_slots.len >= zs->slots;
	uint64_t r = wl_below(&s->rng, 100);
	enum zs_choice c = C_WRITE;
	if (n && r < zs->read_pct)
		c = C_READ;
	else if (n && (r < zs->read_pct + FREE_PCT || full))
		c = C_FREE;
	else if (full)
		c = C_PASS; /* the disk is full and every page is in some CPU's hands */
	if ((c == C_WRITE && !wl_afford(s, 3)) || (c == C_READ && !wl_afford(s, 1))) {
		/* Only frees fit now; with nothing stored, wait for the CPUs
		 * mid-operation.  With nothing open at all, spend the last
		 * events on compaction requests, which open nothing, or, with
		 * compaction off, let the exact event count win. */
		c = n ? C_FREE : s->owed ? C_PASS : zs->compact_ns ? C_COMPACT : C_WRITE;
	}
	return c;
}

static int zs_compact(struct wl_sim *s, struct zs *zs, uint32_t cpu)
{
	struct mmr_event ev = wl_event(s, cpu, PID_KSWAPD, MMR_OP_COMPACT, 0);
	ev.call_site = zs->site[SITE_COMPACT];
	return wl_emit(s, &ev) < 0 ? -1 : 0;
}

/* An idle CPU starts an operation; returns the mean gap to its next step. */
static int zs_start(struct wl_sim *s, struct zs *zs, uint32_t cpu, uint64_t *gap)
{
	struct zs_cpu *c = &zs->cpu[cpu];
	uint32_t slot;
	int rc = 0;
	switch (zs_choose(s, zs)) {
	case C_WRITE:
		*gap = 150; /* zs_malloc to map */
		return zs_alloc(s, zs, cpu);
	case C_READ:
		slot = wl_set_pick(&zs->stored, &s->rng);
		rc = zs_event(s, zs, cpu, MMR_OP_MAP, slot, SITE_MAP_R);
		if (rc)
			return rc < 0 ? -1 : 0;
		wl_set_del(&zs->stored, slot);
		s->owed++; /* the unmap */
		c->state = Z_R_MAPPED;
		c->slot = slot;
		*gap = 1500; /* decompression */
		return 0;
	case C_FREE:
		slot = wl_set_pick(&zs->stored, &s->rng);
		wl_set_del(&zs->stored, slot);
		return zs_free(s, zs, cpu, slot);
	case C_COMPACT:
		return zs_compact(s, zs, cpu);
	case C_PASS:
		break;
	}
	return 0;
}

/* The next step of the operation a CPU is in the middle of. */
static int zs_continue(struct wl_sim *s, struct zs *zs, uint32_t cpu, uint64_t *gap)
{
	struct zs_cpu *c = &zs->cpu[cpu];
	uint32_t slot = c->slot;
	int rc = 0;
	switch (c->state) {
	case Z_W_ALLOCATED:
		if (s->ops - s->emitted < 2) {
			/* A forced last write with no room for map and unmap:
			 * give the handle back rather than end on an open map. */
			c->state = Z_IDLE;
			s->owed -= 2;
			return zs_free(s, zs, cpu, slot);
		}
		rc = zs_event(s, zs, cpu, MMR_OP_MAP, slot, SITE_MAP_W);
		c->state = Z_W_MAPPED;
		/* the copy of the compressed data, at memcpy speed */
		*gap = 50 + zs->objs.v[slot].bytes / 8;
		break;
	case Z_W_MAPPED:
	case Z_R_MAPPED:
		rc = zs_event(s, zs, cpu, MMR_OP_UNMAP, slot, c->state == Z_W_MAPPED ? SITE_UNMAP_W
										    : SITE_UNMAP_R);
		if (c->state == Z_R_MAPPED && wl_chance(&s->rng, READ_FREE_PCT)) {
			c->state = Z_R_FREE;
			*gap = 200;
			break;
		}
		c->state = Z_IDLE;
		if (!rc && wl_set_add(&zs->stored, slot))
			return wl_oom(s);
		break;
	case Z_R_FREE:
		c->state = Z_IDLE;
		return zs_free(s, zs, cpu, slot);
	case Z_IDLE:
		return 0;
	}
	if (rc)
		return rc < 0 ? -1 : 0;
	s->owed--;
	return 0;
}

static int zs_step(struct wl_sim *s, void *ctx, const struct wl_wake *wk)
{
	struct zs *zs = ctx;
	int rc;
	if (wk->kind == K_COMPACT) {
		if (wl_afford(s, 0) && zs_compact(s, zs, wk->cpu))
			return -1;
		uint32_t cpu = (uint32_t)wl_below(&s->rng, s->cpus);
		return wl_wake_at(s, s->now + 1 + wl_exp(&s->rng, zs->compact_ns), cpu, K_COMPACT, 0);
	}
	/* Between operations: compressing the next page, faulting, other work. */
	uint64_t gap = 4000;
	if (zs->cpu[wk->cpu].state == Z_IDLE)
		rc = zs_start(s, zs, wk->cpu, &gap);
	else
		rc = zs_continue(s, zs, wk->cpu, &gap);
	if (rc)
		return rc;
	return wl_wake_at(s, s->now + 1 + wl_exp(&s->rng, gap), wk->cpu, K_CPU, 0);
}

static const char *const zs_site_names[NSITES] = {
	[SITE_ALLOC] = "zram_bvec_write+0x1a0",  [SITE_MAP_W] = "zram_bvec_write+0x1f4",
	[SITE_UNMAP_W] = "zram_bvec_write+0x262", [SITE_MAP_R] = "__zram_bvec_read+0xd8",
	[SITE_UNMAP_R] = "__zram_bvec_read+0x13b", [SITE_FREE] = "zram_free_page+0x5c",
	[SITE_COMPACT] = "zs_shrinker_scan+0x2e",
};

static int zs_setup(struct wl_sim *s, struct zs *zs, const struct mmr_workload_config *cfg)
{
	zs->incomp_pct = cfg->params[P_INCOMP];
	zs->slots = cfg->params[P_SLOTS];
	zs->read_pct = cfg->params[P_READ];
	zs->compact_ns = cfg->params[P_COMPACT] * WL_NS_PER_MS;
	wl_table_init(&zs->comp, comp_weights, 16);
	/* Handles are objects of the 8-byte zs_handle cache. */
	wl_addr_init(&zs->handles, wl_slab_region(20), 8);
	zs->cpu = calloc(s->cpus, sizeof(*zs->cpu));
	if (!zs->cpu)
		return wl_oom(s);
	if (wl_symbols(s, WL_KERNEL_TEXT + 0x700000, zs_site_names, NSITES, zs->site) ||
	    wl_comms(s, PID_TASK, "stress-ng-vm") || wl_comm(s, PID_KSWAPD, "kswapd0"))
		return -1;
	for (uint32_t cpu = 0; cpu < s->cpus; cpu++)
		if (wl_wake_at(s, wl_exp(&s->rng, 2000), cpu, K_CPU, 0))
			return -1;
	if (zs->compact_ns)
		return wl_wake_at(s, wl_exp(&s->rng, zs->compact_ns), 0, K_COMPACT, 0);
	return 0;
}

static int zs_generate(const struct mmr_workload_config *cfg, struct mmr_writer *w,
		       struct mmr_error *err)
{
	struct wl_sim s;
	struct zs zs = {0};
	int rc = wl_sim_init(&s, &wl_zram_swap, cfg, w, err);
	if (!rc)
		rc = zs_setup(&s, &zs, cfg);
	if (!rc)
		rc = wl_sim_run(&s, zs_step, &zs);
	free(zs.cpu);
	wl_objs_free(&zs.objs);
	wl_set_free(&zs.stored);
	wl_addr_free(&zs.handles);
	wl_sim_destroy(&s);
	return rc;
}

/* The zram-swap workload. */
const struct mmr_workload wl_zram_swap = {
	.name = "zram-swap",
	.summary = "zram swap-out/in: zs_malloc, map/unmap for write and read, free, compaction",
	.mirrors = "zram swap device under memory pressure (seed 004: zsmalloc migrate_lock)",
	.family = MMR_FAM_ZSMALLOC,
	.params = zs_params,
	.nparams = NPARAMS,
	.generate = zs_generate,
};
