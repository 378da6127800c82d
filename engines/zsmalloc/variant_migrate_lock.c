/* SPDX-License-Identifier: MIT */
/*
 * variant_migrate_lock.c - zsmalloc-migrate-lock: the seed patch.  One
 * pool-wide rwlock, pool->migrate_lock, replaces the pin bit: map and free
 * take it for read while they find the object's zspage from the handle
 * (readers never wait for each other), compaction and page migration take
 * it for write while they move objects and rewrite handles.  Map then
 * holds zspage->lock for read until unmap, so compaction, which takes
 * every zspage it touches for write, leaves a mapped object alone; free
 * holds class->lock.  Compaction drops everything between source zspages
 * and gives up on a class when migrate_lock is contended.  Lock order, as
 * the patch documents it: pool->migrate_lock, class->lock, zspage->lock.
 */
#include "zsmalloc.h"

enum { R_MIGRATE = 1, R_CLASS = 2, R_ZSPAGE = 3 };

static void migrate_write(struct zs_pool *p)
{
	zs_ld_acquire(R_MIGRATE, false);
	mmr_write_lock(&p->migrate_lock);
}

static void migrate_write_unlock(struct zs_pool *p)
{
	mmr_write_unlock(&p->migrate_lock);
	zs_ld_release(R_MIGRATE);
}

static struct zs_zspage *ml_map_lock(struct zs_pool *p, struct zs_handle *h)
{
	zs_ld_acquire(R_MIGRATE, false);
	mmr_read_lock(&p->migrate_lock); /* the handle's zspage cannot change under it */
	struct zs_zspage *z = zs_handle_zspage(p, h);
	/* The mapping may last: hand over to the zspage's lock, finer than class->lock. */
	zs_zspage_read_lock(p, z);
	mmr_read_unlock(&p->migrate_lock);
	zs_ld_release(R_MIGRATE);
	return z;
}

static void ml_map_unlock(struct zs_pool *p, struct zs_handle *h, struct zs_zspage *z)
{
	(void)h;
	zs_zspage_read_unlock(p, z);
}

static struct zs_zspage *ml_free_lock(struct zs_pool *p, struct zs_handle *h)
{
	zs_ld_acquire(R_MIGRATE, false);
	mmr_read_lock(&p->migrate_lock);
	struct zs_zspage *z = zs_handle_zspage(p, h);
	zs_class_lock(p, z->class); /* from here class->lock keeps the object in place */
	mmr_read_unlock(&p->migrate_lock);
	zs_ld_release(R_MIGRATE);
	return z;
}

static void ml_free_nothing(struct zs_pool *p, struct zs_handle *h, struct zs_zspage *z)
{
	(void)p, (void)h, (void)z;
}

static void ml_free_unlock(struct zs_pool *p, struct zs_handle *h)
{
	(void)p, (void)h;
}

/*
 * Move what SRC holds into targets, each write-locked (nested), counted on
 * thread CPU; false when it backed off or ran out.
 */
static bool drain_src(struct zs_pool *p, struct zs_class *c, struct zs_zspage *src, unsigned cpu)
{
	unsigned idx = 0;
	struct zs_zspage *dst;
	while ((dst = zs_isolate_zspage(c, false))) {
		if (!zs_zspage_write_lock_unparked(p, dst, true)) {
			zs_putback_zspage(c, dst);
			return false;
		}
		bool done = zs_migrate_zspage(p, src, dst, &idx, false, cpu);
		zs_putback_zspage(c, dst);
		zs_zspage_write_unlock(p, dst);
		if (done)
			return true;
		if (mmr_rwlock_is_contended(&p->migrate_lock)) {
			zs_cpu_counts(p, cpu)->backoffs++;
			return false;
		}
	}
	return false;
}

static uint64_t ml_compact_class(struct zs_pool *p, struct zs_class *c, unsigned cpu)
{
	uint64_t freed = 0;
	migrate_write(p);
	uint64_t t = mmr_now_ns();
	zs_class_lock(p, c);
	uint64_t budget = c->zspages; /* as the pin bit variant, for a like comparison */
	struct zs_zspage *src;
	while (budget-- && (src = zs_isolate_zspage(c, true))) {
		/* Waits for whoever maps an object of it, unless that mapping waits outside the engine. */
		if (!zs_zspage_write_lock_unparked(p, src, false)) {
			zs_putback_zspage(c, src);
			break;
		}
		bool go = zs_can_compact(c) && drain_src(p, c, src, cpu);
		int fg = zs_putback_zspage(c, src);
		zs_zspage_write_unlock(p, src);
		if (fg == ZS_EMPTY) {
			zs_free_zspage(p, c, src, cpu);
			freed += c->pages_per_zspage;
		}
		if (!go)
			break;
		zs_class_unlock(p, c);
		migrate_write_unlock(p);
		zs_note_pause(p, mmr_now_ns() - t);
		migrate_write(p);
		t = mmr_now_ns();
		zs_class_lock(p, c);
	}
	zs_class_unlock(p, c);
	migrate_write_unlock(p);
	zs_note_pause(p, mmr_now_ns() - t);
	return freed;
}

static int ml_migrate_page(struct zs_pool *p, struct zs_zspage *z, unsigned page_i, uint64_t new_pfn)
{
	migrate_write(p); /* no map or free is finding a zspage now */
	uint64_t t = mmr_now_ns();
	zs_class_lock(p, z->class);
	if (!zs_zspage_write_lock_unparked(p, z, false)) { /* nor holding an object of this one mapped */
		zs_class_unlock(p, z->class);
		migrate_write_unlock(p);
		zs_note_pause(p, mmr_now_ns() - t);
		return -1;
	}
	zs_move_page(p, z, page_i, new_pfn);
	migrate_write_unlock(p);
	zs_note_pause(p, mmr_now_ns() - t);
	zs_class_unlock(p, z->class);
	zs_zspage_write_unlock(p, z);
	return 0;
}

const struct zs_variant zs_migrate_lock_variant = {
	.ops = {
		ZS_ENGINE_OPS,
		.name = "zsmalloc-migrate-lock",
		.description = "zsmalloc model of the 2021 patch: one pool-wide rwlock pool->migrate_lock for map, free and compaction",
	},
	.name = "migrate-lock",
	.rank_migrate = R_MIGRATE,
	.rank_class = R_CLASS,
	.rank_zspage = R_ZSPAGE,
	.map_lock = ml_map_lock,
	.map_unlock = ml_map_unlock,
	.free_lock = ml_free_lock,
	.free_zspage_unlock = ml_free_nothing,
	.free_unlock = ml_free_unlock,
	.compact_class = ml_compact_class,
	.migrate_page = ml_migrate_page,
};
