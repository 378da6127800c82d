/* SPDX-License-Identifier: MIT */
/*
 * variant_pinbit.c - zsmalloc-pinbit: the design before the seed patch.
 * Map and free pin the handle (a bit spinlock in the handle's own word,
 * HANDLE_PIN_BIT), so that compaction, which try-pins every object it
 * moves and skips one that is busy, cannot move it underneath them; map
 * and free also hold the zspage's rwlock for read, which page migration
 * takes for write before it try-pins every object of the page and backs
 * off (-EAGAIN) when one is busy.  class->lock guards allocation and free.
 * Lock order: pin bit, zspage->lock, class->lock (compaction only
 * try-pins under class->lock, so it keeps the order).
 */
#include "zsmalloc.h"

enum { R_PIN = 1, R_ZSPAGE = 2, R_CLASS = 3 };

static void pin(struct zs_pool *p, struct zs_handle *h)
{
	zs_ld_acquire(R_PIN, false);
	mmr_bit_lock(&h->obj, ZS_PIN_BIT, p->pin_class);
}

static void unpin(struct zs_pool *p, struct zs_handle *h)
{
	mmr_bit_unlock(&h->obj, ZS_PIN_BIT, p->pin_class);
	zs_ld_release(R_PIN);
}

static struct zs_zspage *pin_map_lock(struct zs_pool *p, struct zs_handle *h)
{
	pin(p, h); /* from now on compaction cannot move the object */
	struct zs_zspage *z = zs_handle_zspage(p, h);
	zs_zspage_read_lock(p, z); /* nor migration any page of its zspage */
	return z;
}

static void pin_map_unlock(struct zs_pool *p, struct zs_handle *h, struct zs_zspage *z)
{
	zs_zspage_read_unlock(p, z);
	unpin(p, h);
}

static struct zs_zspage *pin_free_lock(struct zs_pool *p, struct zs_handle *h)
{
	pin(p, h);
	struct zs_zspage *z = zs_handle_zspage(p, h);
	zs_zspage_read_lock(p, z);
	zs_class_lock(p, z->class);
	return z;
}

static void pin_free_zspage_unlock(struct zs_pool *p, struct zs_handle *h, struct zs_zspage *z)
{
	(void)h;
	zs_zspage_read_unlock(p, z);
}

static void pin_free_unlock(struct zs_pool *p, struct zs_handle *h)
{
	unpin(p, h);
}

/* One class under class->lock, dropped between source zspages; busy objects stay where they are. */
static uint64_t pin_compact_class(struct zs_pool *p, struct zs_class *c, unsigned cpu)
{
	uint64_t freed = 0;
	zs_class_lock(p, c);
	uint64_t t = mmr_now_ns(), budget = c->zspages; /* a pinned object must not keep us looping */
	struct zs_zspage *src = NULL, *dst = NULL;
	while (budget-- && (src = zs_isolate_zspage(c, true))) {
		if (!zs_can_compact(c))
			break;
		unsigned idx = 0;
		while ((dst = zs_isolate_zspage(c, false))) {
			if (zs_migrate_zspage(p, src, dst, &idx, true, cpu))
				break;
			zs_putback_zspage(c, dst); /* full: the next target */
		}
		if (!dst)
			break;
		zs_putback_zspage(c, dst);
		if (zs_putback_zspage(c, src) == ZS_EMPTY) {
			zs_free_zspage(p, c, src, cpu);
			freed += c->pages_per_zspage;
		}
		src = NULL;
		zs_class_unlock(p, c);
		zs_note_pause(p, mmr_now_ns() - t);
		zs_class_lock(p, c);
		t = mmr_now_ns();
	}
	if (src)
		zs_putback_zspage(c, src);
	zs_class_unlock(p, c);
	zs_note_pause(p, mmr_now_ns() - t);
	return freed;
}

static int pin_migrate_page(struct zs_pool *p, struct zs_zspage *z, unsigned page_i, uint64_t new_pfn)
{
	struct zs_handle *hs[ZS_PAGE / ZS_MIN_SIZE + 1];
	if (!zs_zspage_write_lock_unparked(p, z, false)) /* no map or free inside the zspage */
		return -1;
	zs_class_lock(p, z->class);
	uint64_t t = mmr_now_ns();
	unsigned n = zs_page_handles(p, z, page_i, hs), pinned = 0;
	while (pinned < n && mmr_bit_trylock(&hs[pinned]->obj, ZS_PIN_BIT, p->pin_class))
		zs_ld_acquired(R_PIN), pinned++;
	bool ok = pinned == n;
	if (ok)
		zs_move_page(p, z, page_i, new_pfn);
	while (pinned--)
		unpin(p, hs[pinned]);
	zs_class_unlock(p, z->class);
	zs_zspage_write_unlock(p, z);
	zs_note_pause(p, mmr_now_ns() - t);
	return ok ? 0 : -1;
}

const struct zs_variant zs_pinbit_variant = {
	.ops = {
		ZS_ENGINE_OPS,
		.name = "zsmalloc-pinbit",
		.baseline = true,
		.description = "zsmalloc model before 2021: a pin bit spinlock in each handle, a per-zspage rwlock",
	},
	.name = "pinbit",
	.rank_pin = R_PIN,
	.rank_class = R_CLASS,
	.rank_zspage = R_ZSPAGE,
	.map_lock = pin_map_lock,
	.map_unlock = pin_map_unlock,
	.free_lock = pin_free_lock,
	.free_zspage_unlock = pin_free_zspage_unlock,
	.free_unlock = pin_free_unlock,
	.compact_class = pin_compact_class,
	.migrate_page = pin_migrate_page,
};
