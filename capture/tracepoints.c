/* SPDX-License-Identifier: MIT */
/*
 * tracepoints.c - which kernel tracepoints each capture family records,
 * and how one record of each becomes an mmr_event.
 *
 * Field offsets and sizes always come from the kernel's own format files
 * (through libtraceevent), never from this file: the same binary reads
 * kernels whose events moved fields around.  A field a decoder can live
 * without (node on older kmalloc, bytes_alloc on older percpu) reads as 0;
 * a field it needs is "required", and an event whose format lacks one is
 * treated as absent.
 */
#include <string.h>

#include <traceevent/event-parse.h>

#include "cap_internal.h"

static const char *const field_names[F_COUNT_FIELDS] = {
	[F_CALL_SITE] = "call_site", [F_PTR] = "ptr", [F_BYTES_REQ] = "bytes_req",
	[F_BYTES_ALLOC] = "bytes_alloc", [F_GFP] = "gfp_flags", [F_NODE] = "node",
	[F_PFN] = "pfn", [F_PAGE] = "page", [F_ORDER] = "order",
	[F_PERCPU_REFILL] = "percpu_refill", [F_ADDR] = "addr", [F_SIZE] = "size",
	[F_ALIGN] = "align", [F_FAILED] = "failed", [F_VA_START] = "va_start",
	[F_START] = "start", [F_END] = "end", [F_NPURGED] = "npurged",
	[F_IS_ATOMIC] = "is_atomic", [F_COUNT] = "count", [F_ERRNO] = "errorno",
	[F_DMA_ADDR] = "dma_addr", [F_FLAGS] = "flags", [F_RHP] = "rhp",
	[F_OFFSET] = "offset", [F_NR_RECORDS] = "nr_records", [F_P] = "p",
	[F_LOCK_ADDR] = "lock_addr", [F_RET] = "ret",
};

uint64_t cap_field(const struct cap_event *ce, enum cap_field f, const uint8_t *data)
{
	const struct cap_field_at *at = &ce->at[f];
	if (!at->size)
		return 0;
	uint64_t v = ce->native ? cap_read_native(data + at->offset, at->size)
				: tep_read_number(ce->tep, data + at->offset, at->size);
	/* Sign-extend signed fields narrower than 64 bits: node -1 stays -1. */
	if (at->is_signed && at->size < 8) {
		unsigned bits = (unsigned)at->size * 8;
		uint64_t sign = 1ull << (bits - 1);
		v = ((v & ((sign << 1) - 1)) ^ sign) - sign;
	}
	return v;
}

bool cap_has_field(const struct cap_event *ce, enum cap_field f)
{
	return ce->field[f] != NULL;
}

static void base(struct mmr_event *ev, unsigned family, unsigned op)
{
	ev->family = (uint8_t)family;
	ev->op = (uint8_t)op;
}

/* Smallest order whose block holds N pages (a CMA count is any number of pages). */
static uint8_t order_for(uint64_t n)
{
	uint8_t k = 0;
	while (k < 63 && (1ull << k) < n)
		k++;
	return k;
}

/* ---- slab ---------------------------------------------------------------- */

static bool slab_alloc(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_SLAB, MMR_OP_ALLOC);
	ev->id = cap_field(ce, F_PTR, d);
	ev->call_site = cap_field(ce, F_CALL_SITE, d);
	ev->bytes_req = cap_field(ce, F_BYTES_REQ, d);
	ev->bytes_alloc = cap_field(ce, F_BYTES_ALLOC, d);
	ev->gfp = (uint32_t)cap_field(ce, F_GFP, d);
	/* The node asked for; NUMA_NO_NODE (-1) when the caller named none. */
	ev->node = cap_has_field(ce, F_NODE) ? (int32_t)cap_field(ce, F_NODE, d) : -1;
	if (ev->node >= 0)
		ev->flags |= MMR_EF_NODE;
	if (ev->id == 0)
		ev->flags |= MMR_EF_FAILED;
	return true;
}

static bool slab_free(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_SLAB, MMR_OP_FREE);
	ev->id = cap_field(ce, F_PTR, d);
	ev->call_site = cap_field(ce, F_CALL_SITE, d);
	return true;
}

/* ---- page ---------------------------------------------------------------- */

/* The block: its pfn, or on old kernels the struct page pointer. */
static uint64_t page_id(const struct cap_event *ce, const uint8_t *d)
{
	return cap_has_field(ce, F_PFN) ? cap_field(ce, F_PFN, d) : cap_field(ce, F_PAGE, d);
}

static bool page_alloc(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_PAGE, MMR_OP_ALLOC);
	ev->id = page_id(ce, d);
	ev->order = (uint8_t)cap_field(ce, F_ORDER, d);
	ev->gfp = (uint32_t)cap_field(ce, F_GFP, d);
	/* A failed allocation prints pfn -1 (no page). */
	if (cap_has_field(ce, F_PFN) ? ev->id == UINT64_MAX : ev->id == 0)
		ev->flags |= MMR_EF_FAILED;
	return true;
}

static bool page_free(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_PAGE, MMR_OP_FREE);
	ev->id = page_id(ce, d);
	ev->order = (uint8_t)cap_field(ce, F_ORDER, d); /* batched frees are order 0 */
	return true;
}

static bool page_pcp_drain(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_PAGE, MMR_OP_PCP_DRAIN);
	ev->id = page_id(ce, d);
	ev->order = (uint8_t)cap_field(ce, F_ORDER, d);
	return true;
}

static bool page_zone_alloc(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_PAGE, MMR_OP_ZONE_ALLOC);
	ev->id = page_id(ce, d);
	ev->order = (uint8_t)cap_field(ce, F_ORDER, d);
	ev->aux = cap_field(ce, F_PERCPU_REFILL, d) != 0;
	return true;
}

/* ---- vmalloc ------------------------------------------------------------- */

static bool vmap_alloc(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_VMALLOC, MMR_OP_ALLOC);
	ev->id = cap_field(ce, F_ADDR, d);
	ev->bytes_req = ev->bytes_alloc = cap_field(ce, F_SIZE, d);
	ev->aux = cap_field(ce, F_ALIGN, d);
	if (cap_field(ce, F_FAILED, d))
		ev->flags |= MMR_EF_FAILED;
	return true;
}

static bool vmap_free(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_VMALLOC, MMR_OP_FREE);
	ev->id = cap_field(ce, F_VA_START, d);
	return true;
}

static bool vmap_purge(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_VMALLOC, MMR_OP_PURGE);
	ev->id = cap_field(ce, F_START, d);
	uint64_t end = cap_field(ce, F_END, d);
	ev->bytes_req = end > ev->id ? end - ev->id : 0;
	ev->aux = cap_field(ce, F_NPURGED, d);
	return true;
}

/* ---- percpu, cma, dma, rcu ----------------------------------------------- */

static bool percpu_alloc(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_PERCPU, MMR_OP_ALLOC);
	ev->id = cap_field(ce, F_PTR, d);
	ev->call_site = cap_field(ce, F_CALL_SITE, d);
	ev->bytes_req = cap_field(ce, F_SIZE, d);
	/* Kernels before 6.2 have no bytes_alloc: the size is what they hand out. */
	ev->bytes_alloc = cap_has_field(ce, F_BYTES_ALLOC) ? cap_field(ce, F_BYTES_ALLOC, d)
							 : ev->bytes_req;
	ev->aux = cap_field(ce, F_ALIGN, d);
	ev->gfp = (uint32_t)cap_field(ce, F_GFP, d);
	if (cap_field(ce, F_IS_ATOMIC, d))
		ev->flags |= MMR_EF_ATOMIC;
	return true;
}

static bool percpu_free(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_PERCPU, MMR_OP_FREE);
	ev->id = cap_field(ce, F_PTR, d);
	return true;
}

/* Page size of the traced kernel, for CMA page counts. */
static uint64_t page_size(const struct cap_event *ce)
{
	int ps = tep_get_page_size(ce->field[F_PFN]->event->tep);
	return ps > 0 ? (uint64_t)ps : 4096;
}

static bool cma_alloc(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_CMA, MMR_OP_ALLOC);
	ev->id = cap_field(ce, F_PFN, d);
	uint64_t count = cap_field(ce, F_COUNT, d);
	ev->bytes_req = ev->bytes_alloc = count * page_size(ce);
	ev->order = order_for(count);
	ev->aux = cap_field(ce, F_ALIGN, d);
	if (ev->id == UINT64_MAX || cap_field(ce, F_ERRNO, d) != 0)
		ev->flags |= MMR_EF_FAILED;
	return true;
}

static bool cma_release(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_CMA, MMR_OP_RELEASE);
	ev->id = cap_field(ce, F_PFN, d);
	uint64_t count = cap_field(ce, F_COUNT, d);
	ev->bytes_req = count * page_size(ce);
	ev->order = order_for(count);
	return true;
}

static bool dma_alloc(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_DMA, MMR_OP_ALLOC);
	ev->id = cap_field(ce, F_DMA_ADDR, d);
	ev->bytes_req = ev->bytes_alloc = cap_field(ce, F_SIZE, d);
	ev->gfp = (uint32_t)cap_field(ce, F_FLAGS, d);
	return true;
}

static bool dma_free(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_DMA, MMR_OP_FREE);
	ev->id = cap_field(ce, F_DMA_ADDR, d);
	ev->bytes_req = cap_field(ce, F_SIZE, d);
	return true;
}

/* The object of an rcu_head: the head sits OFFSET bytes into it. */
static uint64_t rcu_object(const struct cap_event *ce, const uint8_t *d)
{
	return cap_field(ce, F_RHP, d) - cap_field(ce, F_OFFSET, d);
}

static bool rcu_kvfree(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_KVFREE_RCU, MMR_OP_KVFREE_RCU);
	ev->id = rcu_object(ce, d);
	ev->aux = cap_field(ce, F_OFFSET, d);
	return true;
}

static bool rcu_reclaim_one(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_KVFREE_RCU, MMR_OP_RCU_RECLAIM);
	ev->id = rcu_object(ce, d);
	ev->aux = 1;
	return true;
}

static bool rcu_reclaim_bulk(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_KVFREE_RCU, MMR_OP_RCU_RECLAIM);
	ev->id = cap_field(ce, F_P, d);
	ev->aux = cap_field(ce, F_NR_RECORDS, d);
	return true;
}

/* ---- lock ---------------------------------------------------------------- */

static bool lock_begin(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_LOCK, MMR_OP_CONTENTION_BEGIN);
	ev->id = cap_field(ce, F_LOCK_ADDR, d);
	ev->aux = cap_field(ce, F_FLAGS, d);
	return true;
}

static bool lock_end(const struct cap_event *ce, const uint8_t *d, struct mmr_event *ev)
{
	base(ev, MMR_FAM_LOCK, MMR_OP_CONTENTION_END);
	ev->id = cap_field(ce, F_LOCK_ADDR, d);
	ev->aux = cap_field(ce, F_RET, d); /* signed: -EINTR stays -EINTR as a 64-bit value */
	return true;
}

/* ---- the table ----------------------------------------------------------- */

#define REQ(f) (1ull << (f))

static const struct cap_tp table[] = {
#define TP(sys, name, fam, opt, fn, fl, req) {{sys, name, MMR_CAP_##fam, opt}, fn, req, fl}
	TP("kmem", "kmalloc", SLAB, false, slab_alloc, 0, REQ(F_PTR) | REQ(F_BYTES_ALLOC)),
	TP("kmem", "kmalloc_node", SLAB, true, slab_alloc, 0, REQ(F_PTR) | REQ(F_BYTES_ALLOC)),
	TP("kmem", "kfree", SLAB, false, slab_free, 0, REQ(F_PTR)),
	TP("kmem", "kmem_cache_alloc", SLAB, false, slab_alloc, MMR_EF_CACHE, REQ(F_PTR) | REQ(F_BYTES_ALLOC)),
	TP("kmem", "kmem_cache_alloc_node", SLAB, true, slab_alloc, MMR_EF_CACHE, REQ(F_PTR) | REQ(F_BYTES_ALLOC)),
	TP("kmem", "kmem_cache_free", SLAB, false, slab_free, MMR_EF_CACHE, REQ(F_PTR)),
	TP("kmem", "mm_page_alloc", PAGE, false, page_alloc, 0, REQ(F_ORDER)),
	TP("kmem", "mm_page_free", PAGE, false, page_free, 0, REQ(F_ORDER)),
	TP("kmem", "mm_page_free_batched", PAGE, false, page_free, MMR_EF_BATCHED, 0),
	TP("kmem", "mm_page_pcpu_drain", PAGE, false, page_pcp_drain, 0, REQ(F_ORDER)),
	TP("kmem", "mm_page_alloc_zone_locked", PAGE, false, page_zone_alloc, 0, REQ(F_ORDER)),
	TP("vmalloc", "alloc_vmap_area", VMALLOC, false, vmap_alloc, 0, REQ(F_ADDR) | REQ(F_SIZE)),
	TP("vmalloc", "free_vmap_area_noflush", VMALLOC, false, vmap_free, 0, REQ(F_VA_START)),
	TP("vmalloc", "purge_vmap_area_lazy", VMALLOC, false, vmap_purge, 0, REQ(F_START) | REQ(F_END)),
	TP("percpu", "percpu_alloc_percpu", PERCPU, false, percpu_alloc, 0, REQ(F_PTR) | REQ(F_SIZE)),
	TP("percpu", "percpu_free_percpu", PERCPU, false, percpu_free, 0, REQ(F_PTR)),
	TP("cma", "cma_alloc_finish", CMA, false, cma_alloc, 0, REQ(F_PFN) | REQ(F_COUNT)),
	TP("cma", "cma_alloc", CMA, true, cma_alloc, 0, REQ(F_PFN) | REQ(F_COUNT)),
	TP("cma", "cma_release", CMA, false, cma_release, 0, REQ(F_PFN) | REQ(F_COUNT)),
	TP("dma", "dma_alloc", DMA, false, dma_alloc, 0, REQ(F_DMA_ADDR) | REQ(F_SIZE)),
	TP("dma", "dma_alloc_pages", DMA, true, dma_alloc, 0, REQ(F_DMA_ADDR) | REQ(F_SIZE)),
	TP("dma", "dma_alloc_sgt", DMA, true, dma_alloc, 0, REQ(F_DMA_ADDR) | REQ(F_SIZE)),
	TP("dma", "dma_free", DMA, false, dma_free, 0, REQ(F_DMA_ADDR)),
	TP("dma", "dma_free_pages", DMA, true, dma_free, 0, REQ(F_DMA_ADDR)),
	TP("dma", "dma_free_sgt", DMA, true, dma_free, 0, REQ(F_DMA_ADDR)),
	TP("rcu", "rcu_kvfree_callback", RCU, false, rcu_kvfree, 0, REQ(F_RHP) | REQ(F_OFFSET)),
	TP("rcu", "rcu_invoke_kvfree_callback", RCU, true, rcu_reclaim_one, 0, REQ(F_RHP) | REQ(F_OFFSET)),
	TP("rcu", "rcu_invoke_kfree_bulk_callback", RCU, false, rcu_reclaim_bulk, 0, REQ(F_P) | REQ(F_NR_RECORDS)),
	TP("lock", "contention_begin", LOCK, false, lock_begin, 0, REQ(F_LOCK_ADDR) | REQ(F_FLAGS)),
	TP("lock", "contention_end", LOCK, false, lock_end, 0, REQ(F_LOCK_ADDR)),
#undef TP
};

#define NTP (sizeof(table) / sizeof(table[0]))

size_t cap_tp_count(void)
{
	return NTP;
}

const struct cap_tp *cap_tp_get(size_t i)
{
	return i < NTP ? &table[i] : NULL;
}

const struct cap_tp *cap_tp_find(const char *system, const char *event)
{
	for (size_t i = 0; i < NTP; i++)
		if (strcmp(table[i].pub.system, system) == 0 && strcmp(table[i].pub.event, event) == 0)
			return &table[i];
	return NULL;
}

size_t mmr_capture_tracepoint_count(void)
{
	return NTP;
}

const struct mmr_capture_tracepoint *mmr_capture_tracepoint_get(size_t i)
{
	return i < NTP ? &table[i].pub : NULL;
}

int cap_event_bind(struct cap_event *ce, const struct cap_tp *tp, struct tep_event *event)
{
	memset(ce, 0, sizeof(*ce));
	ce->tp = tp;
	ce->tep = event->tep;
	ce->native = tep_is_file_bigendian(event->tep) == tep_is_local_bigendian(event->tep);
	for (unsigned f = 0; f < F_COUNT_FIELDS; f++) {
		struct tep_format_field *fld = tep_find_field(event, field_names[f]);
		/* Only plain numbers: a string or array of the same name is not the field we mean. */
		if (fld && (fld->flags & (TEP_FIELD_IS_ARRAY | TEP_FIELD_IS_DYNAMIC)))
			fld = NULL;
		if (fld && (fld->size < 1 || fld->size > 8 || fld->offset < 0 || fld->offset > UINT16_MAX))
			fld = NULL;
		if (!fld) {
			if (tp->required & REQ(f))
				return -1;
			continue;
		}
		ce->field[f] = fld;
		ce->at[f] = (struct cap_field_at){(uint16_t)fld->offset, (uint8_t)fld->size,
						  (fld->flags & TEP_FIELD_IS_SIGNED) != 0};
		if ((size_t)(fld->offset + fld->size) > ce->min_size)
			ce->min_size = (size_t)(fld->offset + fld->size);
	}
	/* cma's page size comes through the pfn field's event. */
	if (tp->decode == cma_alloc || tp->decode == cma_release)
		return ce->field[F_PFN] ? 0 : -1;
	return 0;
}
