/* SPDX-License-Identifier: MIT */
/*
 * slab_mix.c - "slab-mix": the general slab load of a busy server, the
 * background every other family's allocations compete with (the page
 * pcp lists of seed 003 are refilled from the same zones).  Each CPU
 * allocates from kmalloc caches and named kmem caches; objects live for a
 * sampled time and are mostly freed on the CPU that allocated them, some
 * on another one (network buffers completed on another CPU, RCU callbacks,
 * work items), which is what makes a slab's remote-free path matter.
 */
#include <stdlib.h>

#include "wl_internal.h"

enum { P_CACHE, P_CROSS, P_LONG, P_ATOMIC, P_SHORT_US, P_LONG_MS, P_GAP, NPARAMS };

static const struct mmr_workload_param sm_params[NPARAMS] = {
	[P_CACHE] = {"cache-pct", 40, 0, 100,
		     "share of kmem_cache_alloc (named caches) rather than kmalloc"},
	[P_CROSS] = {"cross-cpu-pct", 10, 0, 100, "share of objects freed on another CPU"},
	[P_LONG] = {"long-pct", 5, 0, 100, "share of long-lived objects"},
	[P_ATOMIC] = {"atomic-pct", 10, 0, 100,
		      "share of allocations with GFP_ATOMIC (softirq context)"},
	[P_SHORT_US] = {"short-us", 20, 1, 1000000, "mean lifetime of a short-lived object"},
	[P_LONG_MS] = {"long-ms", 2000, 1, 3600000, "mean lifetime of a long-lived object"},
	[P_GAP] = {"gap-ns", 800, 1, 1000000000, "mean time between one CPU's allocations"},
};

#define PID_TASK 30000   /* "nginx": a worker per CPU doing syscalls and IO */
#define PID_SOFTIRQ 1000 /* "ksoftirqd/N": atomic allocations in softirq */

/* Of the objects that are not long-lived, this share lives MEDIUM_MULT
 * times longer than the short ones: objects that outlive one syscall (an IO
 * in flight, a socket buffer waiting to be read) rather than a scratch
 * buffer freed before returning. */
#define MEDIUM_PCT 20
#define MEDIUM_MULT 50

/* kmalloc request sizes by class, 8 .. 8192: a busy kernel's requests are
 * dominated by 32..256 bytes (small structs, strings, skb heads); page-sized
 * and larger requests are rare. */
static const uint32_t kmalloc_weights[WL_KMALLOC_CLASSES] = {4, 8, 14, 16, 8, 10, 8, 10, 8, 6, 4, 3, 1};

/* Named caches: requested object size, the cache's object size, weight. */
struct sm_cache {
	uint32_t req, size, weight;
};

static const struct sm_cache caches[] = {
	{192, 192, 5}, /* dentry */
	{232, 256, 4}, /* filp */
	{200, 208, 4}, /* vm_area_struct */
	{232, 256, 6}, /* skbuff_head_cache */
	{104, 104, 2}, /* buffer_head */
	{576, 584, 1}, /* radix_tree_node */
};
#define NCACHES (sizeof(caches) / sizeof(caches[0]))
#define NKMALLOC_SITES 6
#define NREGIONS (WL_KMALLOC_CLASSES + NCACHES)

/* Call sites, alloc then free, kmalloc callers first, then one pair per cache. */
static const char *const sm_site_names[2 * (NKMALLOC_SITES + NCACHES)] = {
	"__alloc_skb+0x8b",          "skb_release_data+0x10f",
	"seq_read_iter+0x1b6",       "seq_release+0x1d",
	"load_elf_phdrs+0x4f",       "load_elf_binary+0x5e3",
	"kobject_get_path+0x4d",     "kobject_uevent_env+0x1c7",
	"alloc_pipe_info+0x9c",      "free_pipe_info+0x8a",
	"ext4_find_extent+0x13a",    "ext4_ext_map_blocks+0x2f4",
	"d_alloc+0x3a",              "__dentry_kill+0x14c",
	"alloc_empty_file+0x44",     "file_free_rcu+0x2d",
	"vm_area_alloc+0x1c",        "vm_area_free+0x15",
	"__alloc_skb+0x4e",          "kfree_skbmem+0x4e",
	"alloc_buffer_head+0x21",    "free_buffer_head+0x22",
	"radix_tree_node_alloc+0x4a", "radix_tree_node_rcu_free+0x3a",
};

enum sm_kind { K_ALLOC, K_FREE };

struct sm {
	uint64_t cache_pct, cross_pct, long_pct, atomic_pct, short_ns, long_ns, gap_ns;
	struct wl_objs objs; /* kind = region, aux = call-site pair, count = CPU that frees it */
	struct wl_set *live;  /* per freeing CPU: live objects it will free */
	uint32_t ncpu;
	struct wl_addr addr[NREGIONS];
	struct wl_table kmalloc_sizes, cache_pick;
	uint64_t site[2 * (NKMALLOC_SITES + NCACHES)];
};

/* Lifetimes: a mixture of exponentials, many short, some medium, a few long. */
static uint64_t sm_lifetime(struct sm *sm, struct wl_rng *r)
{
	if (wl_chance(r, sm->long_pct))
		return wl_exp(r, sm->long_ns);
	if (wl_chance(r, MEDIUM_PCT))
		return wl_exp(r, sm->short_ns * MEDIUM_MULT);
	return wl_exp(r, sm->short_ns);
}

/* Pick what to allocate: fills the object's region and site, returns bytes_req. */
static uint64_t sm_pick(struct sm *sm, struct wl_rng *r, struct wl_obj *o)
{
	if (wl_chance(r, sm->cache_pct)) {
		size_t j = wl_table_pick(&sm->cache_pick, r);
		o->kind = (uint32_t)(WL_KMALLOC_CLASSES + j);
		o->aux = NKMALLOC_SITES + j;
		o->bytes = caches[j].size;
		return caches[j].req;
	}
	unsigned c = (unsigned)wl_table_pick(&sm->kmalloc_sizes, r);
	o->kind = c;
	o->aux = wl_below(r, NKMALLOC_SITES);
	o->bytes = wl_kmalloc_class_size(c);
	return wl_range(r, c ? wl_kmalloc_class_size(c - 1) + 1 : 1, o->bytes);
}

static int sm_alloc(struct wl_sim *s, struct sm *sm, uint32_t cpu)
{
	int64_t slot = wl_obj_new(&sm->objs);
	if (slot < 0)
		return wl_oom(s);
	struct wl_obj *o = &sm->objs.v[slot];
	uint64_t req = sm_pick(sm, &s->rng, o);
	bool cache = o->kind >= WL_KMALLOC_CLASSES;
	bool atomic = wl_chance(&s->rng, sm->atomic_pct);
	o->id = wl_addr_get(&sm->addr[o->kind]);
	o->cpu = cpu;
	int32_t pid = atomic ? PID_SOFTIRQ + (int32_t)cpu : PID_TASK + (int32_t)cpu;
	struct mmr_event ev = wl_event(s, cpu, pid, MMR_OP_ALLOC, o->id);
	ev.bytes_req = req;
	ev.bytes_alloc = o->bytes;
	ev.gfp = atomic ? WL_GFP_ATOMIC : WL_GFP_KERNEL;
	ev.flags = (uint16_t)((cache ? MMR_EF_CACHE : 0) | (atomic ? MMR_EF_ATOMIC : 0));
	ev.call_site = sm->site[2 * o->aux];
	int rc = wl_emit(s, &ev);
	if (rc)
		return rc < 0 ? -1 : 0;
	s->owed++;
	uint32_t free_cpu = cpu;
	if (s->cpus > 1 && wl_chance(&s->rng, sm->cross_pct)) {
		free_cpu = (uint32_t)wl_below(&s->rng, s->cpus - 1);
		free_cpu += free_cpu >= cpu;
	}
	o->count = free_cpu;
	if (wl_set_add(&sm->live[free_cpu], (uint32_t)slot))
		return wl_oom(s);
	return wl_wake_at(s, s->now + 1 + sm_lifetime(sm, &s->rng), free_cpu, K_FREE,
			  (uint64_t)slot | (uint64_t)o->gen << 32);
}

static int sm_free(struct wl_sim *s, struct sm *sm, uint32_t cpu, uint32_t slot)
{
	struct wl_obj *o = &sm->objs.v[slot];
	struct mmr_event ev = wl_event(s, cpu, PID_TASK + (int32_t)cpu, MMR_OP_FREE, o->id);
	ev.flags = o->kind >= WL_KMALLOC_CLASSES ? MMR_EF_CACHE : 0;
	ev.call_site = sm->site[2 * o->aux + 1];
	int rc = wl_emit(s, &ev);
	if (rc)
		return rc < 0 ? -1 : 0;
	s->owed--;
	wl_set_del(&sm->live[cpu], slot);
	if (wl_addr_put(&sm->addr[o->kind], o->id) || wl_obj_del(&sm->objs, slot))
		return wl_oom(s);
	return 0;
}

static int sm_step(struct wl_sim *s, void *ctx, const struct wl_wake *wk)
{
	struct sm *sm = ctx;
	int rc;
	if (wk->kind == K_FREE) {
		uint32_t slot = (uint32_t)wk->arg;
		/* Already freed early by the end-of-trace drain: a stale wake-up. */
		if (sm->objs.v[slot].gen != (uint32_t)(wk->arg >> 32) ||
		    !wl_set_has(&sm->live[wk->cpu], slot))
			return 0;
		return sm_free(s, sm, wk->cpu, slot);
	}
	/* Once only frees fit in the budget, free this CPU's share of the live
	 * objects now rather than wait out their lifetimes (on the CPU each was
	 * bound for, so the cross-CPU share holds); with none here, wait for
	 * the others; with nothing live anywhere, the exact count wins. */
	struct wl_set *mine = &sm->live[wk->cpu];
	if (wl_afford(s, 1) || !s->owed)
		rc = sm_alloc(s, sm, wk->cpu);
	else if (mine->len)
		rc = sm_free(s, sm, wk->cpu, wl_set_pick(mine, &s->rng));
	else
		rc = 0;
	if (rc)
		return rc;
	return wl_wake_at(s, s->now + 1 + wl_exp(&s->rng, sm->gap_ns), wk->cpu, K_ALLOC, 0);
}

static int sm_setup(struct wl_sim *s, struct sm *sm, const struct mmr_workload_config *cfg)
{
	uint32_t cache_weights[NCACHES];
	sm->cache_pct = cfg->params[P_CACHE];
	sm->cross_pct = cfg->params[P_CROSS];
	sm->long_pct = cfg->params[P_LONG];
	sm->atomic_pct = cfg->params[P_ATOMIC];
	sm->short_ns = cfg->params[P_SHORT_US] * WL_NS_PER_US;
	sm->long_ns = cfg->params[P_LONG_MS] * WL_NS_PER_MS;
	sm->gap_ns = cfg->params[P_GAP];
	for (size_t j = 0; j < NCACHES; j++)
		cache_weights[j] = caches[j].weight;
	wl_table_init(&sm->kmalloc_sizes, kmalloc_weights, WL_KMALLOC_CLASSES);
	wl_table_init(&sm->cache_pick, cache_weights, NCACHES);
	sm->live = calloc(s->cpus, sizeof(*sm->live));
	if (!sm->live)
		return wl_oom(s);
	sm->ncpu = s->cpus;
	for (unsigned i = 0; i < NREGIONS; i++) {
		uint64_t size = i < WL_KMALLOC_CLASSES ? wl_kmalloc_class_size(i)
						       : caches[i - WL_KMALLOC_CLASSES].size;
		wl_addr_init(&sm->addr[i], wl_slab_region(i), size);
	}
	if (wl_symbols(s, WL_KERNEL_TEXT + 0x400000, sm_site_names, 2 * (NKMALLOC_SITES + NCACHES),
		       sm->site) ||
	    wl_comms(s, PID_TASK, "nginx") || wl_comms(s, PID_SOFTIRQ, "ksoftirqd/%u"))
		return -1;
	for (uint32_t cpu = 0; cpu < s->cpus; cpu++)
		if (wl_wake_at(s, wl_exp(&s->rng, sm->gap_ns), cpu, K_ALLOC, 0))
			return -1;
	return 0;
}

static int sm_generate(const struct mmr_workload_config *cfg, struct mmr_writer *w,
		       struct mmr_error *err)
{
	struct wl_sim s;
	struct sm sm = {0};
	int rc = wl_sim_init(&s, &wl_slab_mix, cfg, w, err);
	if (!rc)
		rc = sm_setup(&s, &sm, cfg);
	if (!rc)
		rc = wl_sim_run(&s, sm_step, &sm);
	wl_objs_free(&sm.objs);
	for (uint32_t i = 0; i < sm.ncpu; i++)
		wl_set_free(&sm.live[i]);
	free(sm.live);
	for (unsigned i = 0; i < NREGIONS; i++)
		wl_addr_free(&sm.addr[i]);
	wl_sim_destroy(&s);
	return rc;
}

/* The slab-mix workload. */
const struct mmr_workload wl_slab_mix = {
	.name = "slab-mix",
	.summary = "kmalloc and kmem_cache alloc/free with size and lifetime mixes, some cross-CPU frees",
	.mirrors = "a busy server's general slab traffic (background for every seed)",
	.family = MMR_FAM_SLAB,
	.params = sm_params,
	.nparams = NPARAMS,
	.generate = sm_generate,
};
