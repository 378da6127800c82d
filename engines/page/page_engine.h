/* SPDX-License-Identifier: MIT */
/*
 * page_engine.h - what the page engines' variants share: the engine over
 * one zone of the page model, and the options every variant takes.  A
 * variant (variant_*.c) only says how it sets up the zone (struct
 * page_variant), so the diff between two variants is one file.
 */
#ifndef PAGE_ENGINE_H
#define PAGE_ENGINE_H

#include "mmr_engine.h"
#include "mmr_pages.h"

extern const struct mmr_engine_outcome page_outcomes[];

/* Options of every page variant, for the start of a variant's params[]. */
#define PAGE_ENGINE_PARAMS                                                                   \
	MMR_OPTION("zone_mb", "4096", "size of the zone in MiB (frame numbers only: no memory behind them)"), \
	MMR_OPTION("max_order", "11", "orders 0 .. max_order-1, as the kernel's NR_PAGE_ORDERS")

/*
 * A page engine: its ops (the mmr_engines[] entry; page_engine_create
 * finds the rest from env->engine) and how it sets up the zone.
 */
struct page_variant {
	struct mmr_engine_ops ops;
	/*
	 * The variant's part of the zone: per-CPU lists or none, set in CFG
	 * from its own options in ENV.  0, or -1 with ERR on a bad value.
	 */
	int (*zone_cfg)(const struct mmr_engine_env *env, struct mmr_zone_cfg *cfg, struct mmr_error *err);
};

/*
 * The engine for ENV over a zone set up as the variant env->engine is the
 * ops of says, its size and orders from the common options (and one pcp
 * set per replay thread).  Returns NULL with ERR on a bad option, an
 * engine that is no page variant, or when memory runs out.
 */
void *page_engine_create(const struct mmr_engine_env *env, struct mmr_error *err);

/* The members of a page variant's mmr_engine_ops besides name, description and params. */
#define PAGE_ENGINE_OPS                                                                        \
	.abi = MMR_ENGINE_ABI, .families = 1u << MMR_FAM_PAGE, .create = page_engine_create,         \
	.destroy = page_engine_destroy, .outcomes = page_outcomes,                                   \
	.thread_init = page_engine_thread_init,                                                      \
	.op = {[MMR_OP_ALLOC] = page_engine_alloc, [MMR_OP_FREE] = page_engine_free},                 \
	.footprint = page_engine_footprint, .report = page_engine_report

void page_engine_destroy(void *engine);
void *page_engine_thread_init(void *engine, unsigned tid);
int page_engine_alloc(void *thread, struct mmr_call *op);
int page_engine_free(void *thread, struct mmr_call *op);
uint64_t page_engine_footprint(void *engine);
void page_engine_report(void *engine, const struct mmr_figures *r);

extern const struct page_variant page_zonelock, page_pcp;

#endif /* PAGE_ENGINE_H */
