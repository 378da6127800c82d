/* SPDX-License-Identifier: MIT */
/*
 * purge.c - giving lazily freed areas back, as the kernel's drain work
 * does: under vmap_purge_lock, decay the pools (the decayed areas merged
 * with each other before free_vmap_area_lock, as decay_va_pool_node
 * does), take every node's lazy list, flush the TLB once for all of them,
 * then hand each node's areas to its pools or back to the free space
 * (one by one under the lock, as purge_vmap_node's reclaim_list_global
 * does).  When the lazy pages are several times the limit, helper
 * workers purge some nodes in parallel (one helper per lazy_max_pages
 * beyond the first, at most one per node).
 *
 * The workqueue is modelled with a mutex and condition variable of our
 * own: it is machinery, not one of the kernel locks under study, so it
 * stays out of the lock report.
 */
#include <time.h>

#include "vmalloc.h"

void vm_purge_request(struct vm_engine *e)
{
	atomic_fetch_add_explicit(&e->n.purge_requests, 1, memory_order_relaxed);
	if (atomic_exchange(&e->purge_pending, true))
		return;
	pthread_mutex_lock(&e->wq_mu);
	e->purge_wanted = true;
	pthread_cond_broadcast(&e->wq_cv);
	pthread_mutex_unlock(&e->wq_mu);
}

/* Node VN's purge list: each area to its pools or to the free space. */
static void purge_node(struct vm_engine *e, struct vm_node *vn)
{
	struct vm_list to_free = {0};
	vn->purged = 0;
	while (vn->purge.head) {
		struct vm_area *va = vn->purge.head;
		vm_list_del(&vn->purge, va);
		atomic_fetch_sub_explicit(&e->lazy_pages, (va->end - va->start) / VM_PAGE, memory_order_relaxed);
		vn->purged++;
		if (va->vn_id && !vn->skip_populate && e->v->pool_add(e, vn, va))
			continue;
		vm_list_add(&to_free, va);
	}
	vm_reclaim(e, &to_free);
}

/* Give node INDEX to an idle live helper; false when there is none. */
static bool give_helper(struct vm_engine *e, int index)
{
	bool given = false;
	pthread_mutex_lock(&e->wq_mu);
	for (unsigned h = 0; h < e->nr_helpers && !given; h++)
		if (e->helpers[h].alive && e->helpers[h].node < 0) {
			e->helpers[h].node = index;
			given = true;
		}
	if (given)
		pthread_cond_broadcast(&e->wq_cv);
	pthread_mutex_unlock(&e->wq_mu);
	return given;
}

/* Wait until no helper holds a node. */
static void wait_helpers(struct vm_engine *e)
{
	pthread_mutex_lock(&e->wq_mu);
	for (;;) {
		bool busy = false;
		for (unsigned h = 0; h < e->nr_helpers; h++)
			busy |= e->helpers[h].node >= 0;
		if (!busy)
			break;
		pthread_cond_wait(&e->wq_cv, &e->wq_mu);
	}
	pthread_mutex_unlock(&e->wq_mu);
}

/* Take every node's lazy list onto its purge list; how many nodes had some. */
static unsigned collect_lazy(struct vm_engine *e, bool full)
{
	unsigned nodes = 0;
	for (unsigned i = 0; i < e->nr_nodes; i++) {
		struct vm_node *vn = &e->nodes[i];
		struct vm_list decayed = {0};
		vn->skip_populate = full;
		e->v->decay(e, vn, full, &decayed);
		atomic_fetch_add_explicit(&e->n.decayed, decayed.len, memory_order_relaxed);
		vm_reclaim_merged(e, &decayed);
		mmr_spin_lock(&vn->lazy_lock);
		vm_list_splice(&vn->purge, &vn->lazy);
		mmr_spin_unlock(&vn->lazy_lock);
		nodes += vn->purge.len > 0;
	}
	return nodes;
}

void vm_purge(struct vm_engine *e, bool full)
{
	mmr_mutex_lock(&e->purge_lock);
	uint64_t t0 = mmr_now_ns();
	unsigned nodes = collect_lazy(e, full);
	if (nodes) {
		mmr_busy_ns(e->flush_ns); /* one TLB flush covers every node's areas */
		uint64_t helpers = atomic_load_explicit(&e->lazy_pages, memory_order_relaxed) / e->lazy_max;
		helpers = (helpers < 1 ? 1 : helpers > nodes ? nodes : helpers) - 1;
		uint64_t areas = 0;
		for (unsigned i = 0; i < e->nr_nodes; i++) {
			struct vm_node *vn = &e->nodes[i];
			if (!vn->purge.len)
				continue;
			areas += vn->purge.len;
			if (helpers && give_helper(e, (int)i)) {
				helpers--;
				e->n.helper_purges++;
			} else {
				purge_node(e, vn);
			}
		}
		wait_helpers(e);
		e->n.areas_purged += areas;
	}
	uint64_t ns = mmr_now_ns() - t0;
	e->n.purges++;
	e->n.purge_ns_total += ns;
	if (ns > e->n.purge_ns_max)
		e->n.purge_ns_max = ns;
	mmr_mutex_unlock(&e->purge_lock);
}

unsigned vm_purge_workers(void *engine)
{
	struct vm_engine *e = engine;
	return 1 + e->nr_helpers;
}

/* Wait on the workqueue for at most a millisecond, so that STOP is seen soon. */
static void wq_wait(struct vm_engine *e)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&e->wq_cv, &e->wq_mu, &ts);
}

/* Worker 0: the drain work, run whenever a free asked for it. */
static void drain_worker(struct vm_engine *e, const atomic_bool *stop)
{
	while (!atomic_load(stop)) {
		pthread_mutex_lock(&e->wq_mu);
		if (!e->purge_wanted)
			wq_wait(e);
		bool run = e->purge_wanted;
		e->purge_wanted = false;
		pthread_mutex_unlock(&e->wq_mu);
		if (!run)
			continue;
		atomic_store(&e->purge_pending, false);
		vm_purge(e, false);
	}
}

/* A helper: purges the nodes the drain work gives it until told to stop, finishing any it holds. */
static void helper_worker(struct vm_engine *e, struct vm_helper *h, const atomic_bool *stop)
{
	pthread_mutex_lock(&e->wq_mu);
	h->alive = true;
	for (;;) {
		if (h->node >= 0) {
			struct vm_node *vn = &e->nodes[h->node];
			pthread_mutex_unlock(&e->wq_mu);
			purge_node(e, vn);
			pthread_mutex_lock(&e->wq_mu);
			h->node = -1;
			pthread_cond_broadcast(&e->wq_cv);
			continue;
		}
		if (atomic_load(stop))
			break;
		wq_wait(e);
	}
	h->alive = false;
	pthread_mutex_unlock(&e->wq_mu);
}

void vm_purge_worker(void *engine, unsigned idx, const atomic_bool *stop)
{
	struct vm_engine *e = engine;
	if (idx == 0)
		drain_worker(e, stop);
	else if (idx <= e->nr_helpers)
		helper_worker(e, &e->helpers[idx - 1], stop);
}
