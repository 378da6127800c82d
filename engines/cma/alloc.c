/* SPDX-License-Identifier: MIT */
/*
 * alloc.c - cma_alloc and cma_release on the page model, calling the
 * variant's hooks (cma.h's struct cma_variant) where the variants differ.
 *
 * An allocation searches the bitmap under cma->lock, sets the bits it
 * found, and drops the lock before the slow part, the migration, as the
 * kernel does: the lock guards the bitmap only.  A range whose migration
 * fails gets its bits cleared (under the lock) and the search goes on
 * past it.  Normal mode drains the calling CPU's pcp lists before each
 * migration and, when a whole search met only busy ranges, searches again
 * up to `retries` times; fail-fast mode does neither and starts each
 * search where the last range failed, wrapping around (seed 001's
 * CMA_ALLOC_FAIL_FAST with the last failed pfn cached).
 */
#include <sched.h>
#include <time.h>

#include "cma.h"

/*
 * Whether pageblock PB of the area holds an unmovable page: fixed for the
 * run, as a page pinned for the long term stays where it is, so a range
 * that met one meets it again on every retry and the search must go
 * elsewhere.  A hash of the pageblock (splitmix64's finaliser) draws the
 * pageblocks with the chance unmovable_ppm.
 */
static bool unmovable(const struct cma *c, uint64_t pb)
{
	uint64_t x = pb + 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x % 1000000 < c->unmovable_ppm;
}

/*
 * The rest of the system's page users on this CPU: one movable order-0
 * page allocated and the oldest of the CPU's ring given back (to its pcp
 * list), per cma_alloc.  Their pages land anywhere in the zone, the area
 * included, and are what a migration finds busy.
 */
static void churn(struct cma_thread *t)
{
	struct cma *c = t->c;
	if (!c->movable_pages)
		return;
	uint64_t *slot = &t->ring[t->ring_head];
	if (t->ring_len == c->movable_pages)
		mmr_pages_free(c->zone, t->cpu, *slot - 1, 0);
	else
		t->ring_len++;
	uint64_t pfn = mmr_pages_alloc(c->zone, t->cpu, 0, MMR_MT_MOVABLE, 0);
	if (pfn == MMR_NO_PAGE) {
		t->n.movable_failures++;
		t->ring_len--;
		return;
	}
	*slot = pfn + 1;
	t->ring_head = (t->ring_head + 1) % c->movable_pages;
}

/* Busy-wait NS: the copying a migration does, on the CPU, with no lock held. */
static void spin_ns(uint64_t ns)
{
	uint64_t end = mmr_now_ns() + ns;
	while (mmr_now_ns() < end)
		;
}

/*
 * alloc_contig_range's stand-in: the frames [pfn, pfn + count) taken out of
 * the page model.  Returns 0, or -1 when an unmovable page or a busy frame
 * (another user's, or on a pcp list) stops it; counted on T.
 */
static int migrate(struct cma_thread *t, uint64_t pfn, uint64_t count)
{
	struct cma *c = t->c;
	if (c->unmovable_ppm) {
		const uint64_t pb = 512; /* pageblock: 2 MiB */
		for (uint64_t b = pfn / pb; b <= (pfn + count - 1) / pb; b++)
			if (unmovable(c, b)) {
				t->n.unmovable_failures++;
				return -1;
			}
	}
	if (!c->fail_fast) {
		/* Normal mode empties this CPU's pcp lists first, so its own freed pages are no obstacle. */
		mmr_pages_drain(c->zone, t->cpu);
		t->n.drains++;
	}
	if (mmr_pages_take_range(c->zone, pfn, count)) {
		t->n.busy_failures++;
		return -1;
	}
	if (c->migrate_ns)
		spin_ns(count * c->migrate_ns);
	t->n.migrated_pages += count;
	return 0;
}

/*
 * One pass over the bits [from, before) as starting points: 0 with *BIT
 * the range allocated, 1 when a range failed migration and no other was
 * found, -1 when no free range was found at all.
 */
static int search(struct cma_thread *t, uint64_t from, uint64_t before, uint64_t count, uint64_t mask,
		  uint64_t *bit)
{
	uint64_t len = cma_pages_to_bits(t->c, count);
	struct cma *c = t->c;
	int busy = -1;
	for (;;) {
		/* The top of cma_alloc's loop, where cma-nowait's patch flushes its workqueue. */
		if (c->v->before_range)
			c->v->before_range(t);
		cma_lock(c);
		uint64_t i = cma_bitmap_find(c->bitmap, c->nbits, from, before, len, mask);
		if (i != UINT64_MAX)
			cma_bitmap_set(c->bitmap, i, len);
		cma_unlock(c);
		if (i == UINT64_MAX)
			return busy;
		/* Only COUNT pages: the rest of a last partial bit stays with the buddy lists, as in the kernel. */
		if (migrate(t, i << c->order_per_bit, count) == 0) {
			*bit = i;
			return 0;
		}
		t->n.migrate_failures++;
		cma_lock(c);
		cma_bitmap_clear(c->bitmap, i, len);
		cma_unlock(c);
		if (c->fail_fast)
			atomic_store_explicit(&c->last_failed, i, memory_order_relaxed);
		busy = 1;
		from = i + mask + 1;
	}
}

/* cma_alloc of COUNT pages aligned to 2^ALIGN pages: the first bit, or UINT64_MAX. */
static uint64_t cma_alloc(struct cma_thread *t, uint64_t count, unsigned align)
{
	struct cma *c = t->c;
	uint64_t mask = align > c->order_per_bit ? (1ull << (align - c->order_per_bit)) - 1 : 0;
	uint64_t bit;
	if (c->fail_fast) {
		uint64_t start = atomic_load_explicit(&c->last_failed, memory_order_relaxed) & ~mask;
		if (search(t, start, c->nbits, count, mask, &bit) == 0 ||
		    (start && search(t, 0, start, count, mask, &bit) == 0))
			return bit;
		return UINT64_MAX;
	}
	for (unsigned attempt = 0;; attempt++) {
		int rc = search(t, 0, c->nbits, count, mask, &bit);
		if (rc == 0)
			return bit;
		/* A full area stays full however often it is searched; busy ranges may clear. */
		if (rc < 0 || attempt == c->retries)
			return UINT64_MAX;
		t->n.retries++;
		sched_yield();
	}
}

int cma_op_alloc(void *thread, struct mmr_call *op)
{
	struct cma_thread *t = thread;
	struct cma *c = t->c;
	uint64_t count = op->size ? (op->size + MMR_PAGE_SIZE - 1) / MMR_PAGE_SIZE : 1ull << op->order;
	uint64_t t0 = mmr_now_ns(), waits = t->n.flush_waits;
	churn(t);
	uint64_t bit = count <= c->pages ? cma_alloc(t, count, op->order) : UINT64_MAX;
	bool waited = t->n.flush_waits != waits;
	mmr_hist_add(waited ? t->alloc_waited : t->alloc_nowait, mmr_now_ns() - t0);
	if (bit == UINT64_MAX) {
		t->n.alloc_failures++;
		return -1;
	}
	t->n.allocs++;
	op->handle = cma_handle(bit << c->order_per_bit, count);
	return 0;
}

/* The pages a call names: from its bytes, else its order (at most 2^20: the planner's bound). */
static uint64_t call_pages(const struct mmr_call *op)
{
	return op->size ? (op->size + MMR_PAGE_SIZE - 1) / MMR_PAGE_SIZE : 1ull << op->order;
}

struct cma_range cma_release_range(struct cma_thread *t, const struct mmr_call *op)
{
	struct cma *c = t->c;
	uint64_t held = cma_handle_count(op->handle), asked = call_pages(op);
	struct cma_range r = {.pfn = cma_handle_pfn(op->handle)};
	r.pages = asked < held ? asked : held;
	r.bit = r.pfn >> c->order_per_bit;
	if (asked == held) {
		r.bits = cma_pages_to_bits(c, held);
		return r;
	}
	/*
	 * A short release leaves the rest allocated, as the kernel's
	 * free_contig_range of the smaller count would: only bits all of whose
	 * pages went back are cleared, so that a clear bit still means free
	 * frames.  A long one stops at the allocation's end: the pages past it
	 * are another allocation's, or no one's.
	 */
	r.bits = r.pages >> c->order_per_bit;
	t->n.release_mismatches++;
	if (asked > held)
		t->n.release_pages_beyond += asked - held;
	else
		t->n.release_pages_kept += held - asked;
	return r;
}

/*
 * cma_release: frames back to the page model, then the bits cleared by the
 * variant (under cma->lock, or not), so that a search that finds the bits
 * clear finds the frames free.
 */
void cma_release(struct cma_thread *t, const struct cma_range *r, bool atomic)
{
	struct cma *c = t->c;
	mmr_pages_free_range(c->zone, r->pfn, r->pages);
	t->n.releases++;
	t->n.atomic_releases += atomic;
	c->v->clear(t, r, atomic);
}

int cma_op_release(void *thread, struct mmr_call *op)
{
	struct cma_thread *t = thread;
	struct cma_range r = cma_release_range(t, op);
	cma_release(t, &r, op->flags & MMR_EF_ATOMIC);
	return 0;
}

/*
 * cma_release_nowait: what the variant does with it (cma-nowait defers
 * it), else a release in place, as an atomic caller.
 */
int cma_op_release_nowait(void *thread, struct mmr_call *op)
{
	struct cma_thread *t = thread;
	struct cma_range r = cma_release_range(t, op);
	if (!t->c->v->release_nowait || !t->c->v->release_nowait(t, &r))
		cma_release(t, &r, true);
	return 0;
}
