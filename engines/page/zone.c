/* SPDX-License-Identifier: MIT */
/*
 * zone.c - a zone's life: its configuration with kernel-like defaults,
 * its frames, optional backing memory and pcp lists, and its figures.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "page_internal.h"

#define PG_MAX_PAGES (UINT32_MAX - 1ull) /* frame numbers fit the 32-bit list links */
#define PG_MAX_CPUS 4096u

/*
 * The kernel sizes a pcp batch at a quarter of a 1/1024th of the zone,
 * capped at 1 MiB, rounded down to a power of two (after adding half)
 * minus one: 63 for zones of 1 GiB and more.
 */
static unsigned default_batch(uint64_t pages)
{
	uint64_t b = pages >> 10;
	if (b > (1u << 20) / MMR_PAGE_SIZE)
		b = (1u << 20) / MMR_PAGE_SIZE;
	b /= 4;
	b += b / 2;
	uint64_t p = 1;
	while (p * 2 <= b)
		p *= 2;
	return p > 1 ? (unsigned)(p - 1) : 1;
}

/*
 * min_free_kbytes is sqrt(16 * KiB of memory); low and high sit a quarter
 * of min (or a thousandth of the zone, when larger) above min and above
 * low, as the kernel's watermark_scale_factor of 10 sets them.
 */
static void default_wmarks(struct mmr_zone_cfg *c)
{
	double kib = (double)c->pages * (MMR_PAGE_SIZE / 1024);
	uint64_t min = (uint64_t)sqrt(kib * 16) / (MMR_PAGE_SIZE / 1024);
	uint64_t step = min / 4 > c->pages / 1000 ? min / 4 : c->pages / 1000;
	c->wmark_min = min;
	c->wmark_low = min + step;
	c->wmark_high = min + 2 * step;
}

/* CFG with its 0s filled in; -1 with ERR for a value out of range. */
static int fill_cfg(struct mmr_zone_cfg *c, struct mmr_error *err)
{
	if (!c->pages)
		c->pages = (1ull << 30) / MMR_PAGE_SIZE;
	if (!c->max_order)
		c->max_order = 11;
	if (!c->cpus)
		c->cpus = 1;
	if (!c->pcp_orders)
		c->pcp_orders = c->max_order < 4 ? c->max_order : 4;
	if (!c->pcp_batch)
		c->pcp_batch = default_batch(c->pages);
	/* Six batches, as the kernel's pcp high was for years; at least two of the largest pcp blocks. */
	if (!c->pcp_high)
		c->pcp_high = 6 * c->pcp_batch > (2u << (c->pcp_orders - 1)) ? 6 * c->pcp_batch : 2u << (c->pcp_orders - 1);
	if (!c->wmark_min && !c->wmark_low && !c->wmark_high)
		default_wmarks(c);
	const char *bad = c->pages > PG_MAX_PAGES ? "more frames than 2^32 - 1"
		: c->max_order > PG_MAX_ORDERS ? "max_order above 16"
		: c->cpus > PG_MAX_CPUS ? "more than 4096 CPUs"
		: c->pcp && c->pcp_orders > c->max_order ? "more pcp orders than orders"
		: c->pcp && c->pcp_high < c->pcp_batch ? "pcp high below batch"
		: c->pcp && c->pcp_high < (1u << (c->pcp_orders - 1)) ? "pcp high below one block of the largest pcp order"
		: c->wmark_min > c->wmark_low || c->wmark_low > c->wmark_high ? "watermarks not min <= low <= high"
		: c->wmark_high >= c->pages ? "high watermark not below the zone's pages" : NULL;
	if (bad) {
		snprintf(err->msg, sizeof(err->msg), "page zone: %s", bad);
		return -1;
	}
	return 0;
}

static int zone_alloc_parts(struct mmr_zone *z, struct mmr_error *err)
{
	const struct mmr_zone_cfg *c = &z->cfg;
	z->pb_order = c->max_order - 1 < PG_PAGEBLOCK_ORDER ? c->max_order - 1 : PG_PAGEBLOCK_ORDER;
	z->frame = calloc(c->pages, sizeof(*z->frame));
	z->pb_mt = malloc((c->pages >> z->pb_order) + 1);
	z->pcp = aligned_alloc(64, c->cpus * sizeof(*z->pcp));
	if (!z->frame || !z->pb_mt || !z->pcp) {
		snprintf(err->msg, sizeof(err->msg), "page zone: out of memory for %llu frames",
			 (unsigned long long)c->pages);
		return -1;
	}
	if (c->backed) {
		z->mem_bytes = c->pages * MMR_PAGE_SIZE;
		z->mem = mmap(NULL, z->mem_bytes, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (z->mem == MAP_FAILED) {
			z->mem = NULL;
			snprintf(err->msg, sizeof(err->msg), "page zone: cannot map %zu bytes of memory", z->mem_bytes);
			return -1;
		}
		/* The kernel's direct map uses huge pages; asking for them also makes prefaulting quick. */
		madvise(z->mem, z->mem_bytes, MADV_HUGEPAGE);
		if (c->prefault)
			for (size_t off = 0; off < z->mem_bytes; off += MMR_PAGE_SIZE)
				((volatile uint8_t *)z->mem)[off] = 0;
	}
	if (mmr_spin_init(&z->lock, "zone->lock")) {
		snprintf(err->msg, sizeof(err->msg), "page zone: cannot create lock class zone->lock");
		return -1;
	}
	mmr_lock_class_declare(z->lock.cls, MMR_KL_SPINLOCK, true); /* spin_lock_irqsave in mm/page_alloc.c */
	return 0;
}

struct mmr_zone *mmr_zone_create(const struct mmr_zone_cfg *cfg, struct mmr_error *err)
{
	struct mmr_zone *z = calloc(1, sizeof(*z));
	if (!z) {
		snprintf(err->msg, sizeof(err->msg), "page zone: out of memory");
		return NULL;
	}
	z->cfg = *cfg;
	if (fill_cfg(&z->cfg, err) || zone_alloc_parts(z, err)) {
		mmr_zone_destroy(z);
		return NULL;
	}
	memset(z->pcp, 0, z->cfg.cpus * sizeof(*z->pcp));
	for (unsigned c = 0; c < z->cfg.cpus; c++)
		for (unsigned o = 0; o < PG_MAX_ORDERS; o++)
			for (unsigned m = 0; m < MMR_MT_COUNT; m++)
				z->pcp[c].list[o][m] = (struct pg_list){PG_NIL, PG_NIL};
	for (unsigned o = 0; o < PG_MAX_ORDERS; o++)
		for (unsigned m = 0; m < MMR_MT_COUNT; m++)
			z->free[o][m] = (struct pg_list){PG_NIL, PG_NIL};
	/* Boot memory is movable, as most of a kernel's is; unmovable users claim pageblocks as they go. */
	memset(z->pb_mt, MMR_MT_MOVABLE, (z->cfg.pages >> z->pb_order) + 1);
	pg_buddy_put_run(z, 0, z->cfg.pages);
	return z;
}

void mmr_zone_destroy(struct mmr_zone *z)
{
	if (!z)
		return;
	if (z->mem)
		munmap(z->mem, z->mem_bytes);
	free(z->frame);
	free(z->pb_mt);
	free(z->pcp);
	free(z);
}

void *mmr_page_address(const struct mmr_zone *z, uint64_t pfn)
{
	if (!z->mem || pfn >= z->cfg.pages)
		return NULL;
	return z->mem + pfn * MMR_PAGE_SIZE;
}

void mmr_zone_stats(const struct mmr_zone *z, struct mmr_zone_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->pages = z->cfg.pages;
	st->free_pages = pg_read(&z->free_pages);
	for (unsigned c = 0; c < z->cfg.cpus; c++) {
		const struct pg_pcp *p = &z->pcp[c];
		st->pcp_pages += pg_read(&p->count);
		st->allocs += pg_read(&p->allocs);
		st->frees += pg_read(&p->frees);
		st->failed += pg_read(&p->failed);
		st->pcp_hits += pg_read(&p->pcp_hits);
		st->bad_frees += pg_read(&p->bad_frees);
		st->order_mismatch += pg_read(&p->order_mismatch);
		st->direct += pg_read(&p->direct);
	}
	st->bad_frees += pg_read(&z->range_bad_frees);
	st->direct += pg_read(&z->range_ops);
	st->refills = pg_read(&z->refills);
	st->drains = pg_read(&z->drains);
	st->zone_lock_acquisitions = pg_read(&z->lock_acquisitions);
	st->splits = pg_read(&z->splits);
	st->merges = pg_read(&z->merges);
	st->below_low = pg_read(&z->below_low);
	st->fallbacks = pg_read(&z->fallbacks);
	for (unsigned o = 0; o < z->cfg.max_order && o < 16; o++)
		st->by_order_free[o] = pg_read(&z->nr_free[o]);
}

const struct mmr_zone_cfg *mmr_zone_cfg(const struct mmr_zone *z)
{
	return &z->cfg;
}
