/* SPDX-License-Identifier: MIT */
/*
 * buffer.c - what every variant does to a buffer: build and tear down its
 * kernel mapping (a page-table cost per page), account a use of the
 * mapping (a frame of the damage worker), copy the damage for real, and
 * move the buffer between domains under its reservation lock.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dmabuf.h"

static uint64_t pages_of(const struct db_buf *b)
{
	return (b->size + DB_PAGE - 1) / DB_PAGE;
}

int db_map(struct db_thread *t, struct db_buf *b)
{
	struct db_engine *e = t->e;
	if (b->mapped)
		return 0;
	/* The buffer's memory: made when first mapped, as only mapped buffers are ever written here. */
	if (!b->pages) {
		if (!(b->pages = malloc(b->size ? b->size : 1)))
			return -1;
		t->n.mem_bytes += b->size;
	}
	mmr_busy_ns(pages_of(b) * e->vmap_ns_per_page);
	b->mapped = true;
	t->n.maps_built++;
	return 0;
}

void db_unmap(struct db_thread *t, struct db_buf *b)
{
	if (!b->mapped)
		return;
	mmr_busy_ns(pages_of(b) * t->e->vunmap_ns_per_page);
	b->mapped = false;
	t->n.maps_torn++;
}

void db_use_begin(struct db_buf *b, uint64_t t0)
{
	/* A nested use shares the mapping the first one made: its frame and placement are the first's. */
	if (b->vmap_count++)
		return;
	b->frame_ns = mmr_now_ns() - t0;
	b->mapped_domain = b->domain;
}

void db_use_end(struct db_thread *t, struct db_buf *b)
{
	b->vmap_count--;
	/* A buffer that moved while its mapping was in use was read through a stale mapping. */
	if (b->domain != b->mapped_domain)
		t->n.moved_while_mapped++;
	/*
	 * The frame is the model's work for it, the vmap call and this vunmap
	 * with its copy: the trace's own gap between the two events is the
	 * kernel's copy, which the model does itself, so pacing changes nothing.
	 */
	uint64_t ns = b->frame_ns + (mmr_now_ns() - t->call_t0);
	t->n.frames++;
	t->n.frame_ns_total += ns;
	if (ns > t->n.frame_ns_max)
		t->n.frame_ns_max = ns;
	if (ns > t->e->frame_ns)
		t->n.missed_frames++;
}

void db_copy(struct db_thread *t, struct db_buf *b)
{
	struct db_engine *e = t->e;
	uint64_t n = e->copy_bytes < b->size ? e->copy_bytes : b->size;
	if (!b->pages || !n)
		return;
	memcpy(b->pages, e->shadow, n);
	t->n.copy_bytes += n;
}

int db_move(struct db_thread *t, struct db_buf *b)
{
	mmr_mutex_lock(&b->resv);
	if (b->pin) {
		/*
		 * Pinned where it was: outside VRAM, scanout cannot have it until
		 * the pin goes (seed 001: the VRAM helpers pin in whatever domain
		 * the buffer is in, and scanout needs VRAM).
		 */
		t->n.scanout_blocked += b->domain != DB_VRAM;
		mmr_mutex_unlock(&b->resv);
		return -1;
	}
	/* A cached mapping nobody uses goes with the old placement. */
	if (b->mapped && !b->vmap_count)
		db_unmap(t, b);
	mmr_busy_ns(pages_of(b) * t->e->move_ns_per_page);
	b->domain = (b->domain + 1) % DB_DOMAINS;
	if (b->pin)
		t->n.moved_while_pinned++;
	mmr_mutex_unlock(&b->resv);
	return 0;
}

void db_put(struct db_thread *t, struct db_buf *b)
{
	if (atomic_fetch_sub(&b->refs, 1) != 1)
		return;
	if (b->pages)
		t->n.mem_bytes -= b->size;
	mmr_mutex_destroy(&b->resv);
	free(b->pending);
	free(b->pages);
	free(b);
}

void db_held_add(struct db_thread *t, struct db_buf *b)
{
	b->held_prev = NULL;
	b->held_next = t->held;
	if (t->held)
		t->held->held_prev = b;
	t->held = b;
	atomic_store_explicit(&b->holder, t->tid + 1, memory_order_relaxed);
}

void db_held_del(struct db_thread *t, struct db_buf *b)
{
	if (b->held_prev)
		b->held_prev->held_next = b->held_next;
	else
		t->held = b->held_next;
	if (b->held_next)
		b->held_next->held_prev = b->held_prev;
	b->held_prev = b->held_next = NULL;
	atomic_store_explicit(&b->holder, 0, memory_order_relaxed);
}

/*
 * The holder is set and cleared by the holder alone, under resv; another
 * thread reads it only for an op the trace orders after the holder's vmap
 * (the runner publishes that vmap's end before the op starts), so the value
 * it sees is the holder's at that vmap's end, or 0 when the holder's
 * vunmap has begun to let go.
 */
bool db_held_by(const struct db_thread *t, const struct db_buf *b)
{
	return atomic_load_explicit(&((struct db_buf *)b)->holder, memory_order_relaxed) == t->tid + 1;
}

bool db_held_elsewhere(const struct db_thread *t, const struct db_buf *b)
{
	unsigned h = atomic_load_explicit(&((struct db_buf *)b)->holder, memory_order_relaxed);
	return h && h != t->tid + 1;
}

bool db_held_vmap(struct db_thread *t, struct db_buf *b, uint64_t t0, int *rc)
{
	if (db_held_by(t, b)) {
		t->n.nested_vmaps++;
		db_use_begin(b, t0);
		*rc = MMR_CALL_OK;
		return true;
	}
	if (db_held_elsewhere(t, b)) {
		t->n.refused_vmap_held++;
		*rc = MMR_CALL_REFUSED;
		return true;
	}
	return false;
}

bool db_held_vunmap_refused(struct db_thread *t, const struct db_buf *b)
{
	if (db_held_by(t, b))
		return false;
	if (db_held_elsewhere(t, b))
		t->n.vunmap_other_thread++;
	else
		t->n.refused_vunmap_unmapped++;
	return true;
}
