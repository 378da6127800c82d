/* SPDX-License-Identifier: MIT */
/*
 * test_stats.c - the accounting, with hand-built event sequences whose
 * answers are worked out in the comments, a randomized sequence checked
 * against a naive reference, the JSON parsed back with cJSON, the text
 * report's figures and column alignment, and a trace written with the real
 * writer and read back through mmr_stats_from_reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "mmr_stats.h"
#include "stats_internal.h"

/* ---- helpers ------------------------------------------------------------- */

static struct mmr_event ev(uint64_t ts, uint32_t cpu, unsigned fam, unsigned op, uint64_t id)
{
	struct mmr_event e;
	memset(&e, 0, sizeof(e));
	e.ts_ns = ts;
	e.cpu = cpu;
	e.family = (uint8_t)fam;
	e.op = (uint8_t)op;
	e.id = id;
	e.node = -1;
	return e;
}

static struct mmr_event kmalloc_ev(uint64_t ts, uint32_t cpu, uint64_t id, uint64_t req,
				   uint64_t alloc, uint64_t site)
{
	struct mmr_event e = ev(ts, cpu, MMR_FAM_SLAB, MMR_OP_ALLOC, id);
	e.bytes_req = req;
	e.bytes_alloc = alloc;
	e.call_site = site;
	return e;
}

static struct mmr_event page_ev(uint64_t ts, uint32_t cpu, unsigned op, uint64_t pfn,
				unsigned order)
{
	struct mmr_event e = ev(ts, cpu, MMR_FAM_PAGE, op, pfn);
	e.order = (uint8_t)order;
	return e;
}

static void add(struct mmr_stats *s, struct mmr_event e)
{
	assert_int_equal(mmr_stats_add(s, &e), 0);
}

static cJSON *to_json(const struct mmr_stats *s, const struct mmr_reader *r)
{
	char *text = mmr_stats_json(s, r);
	assert_non_null(text);
	cJSON *root = cJSON_Parse(text);
	assert_non_null(root);
	free(text);
	return root;
}

/* The item at a dotted PATH ("slab.bytes_freed", "top_call_sites.0.symbol"), or NULL. */
static cJSON *jget(cJSON *root, const char *path)
{
	char buf[256], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", path);
	cJSON *cur = root;
	for (char *tok = strtok_r(buf, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save)) {
		if (cJSON_IsArray(cur))
			cur = cJSON_GetArrayItem(cur, atoi(tok));
		else
			cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
	}
	return cur;
}

static double jnum(cJSON *root, const char *path)
{
	cJSON *it = jget(root, path);
	if (!it || !cJSON_IsNumber(it))
		fail_msg("%s: missing or not a number", path);
	return it->valuedouble;
}

static const char *jstr(cJSON *root, const char *path)
{
	cJSON *it = jget(root, path);
	if (!it || !cJSON_IsString(it))
		fail_msg("%s: missing or not a string", path);
	return it->valuestring;
}

#define assert_jnum(root, path, want) assert_true(jnum(root, path) == (double)(want))
#define assert_jnear(root, path, want) assert_true(fabs_(jnum(root, path) - (want)) < 0.001)

static double fabs_(double x)
{
	return x < 0 ? -x : x;
}

/* ---- hand-built sequences ------------------------------------------------ */

/*
 * Three kmallocs (req/alloc 10/16 at site 0xa on cpu 0, 100/128 at 0xb on
 * cpu 1, 50/64 at 0xa on cpu 0), frees of the first two on cpu 0 after 1000
 * and 2000 ns, a free of an unknown pointer and a kfree(NULL):
 * requested 160, allocated 208, freed 16 + 128 = 144, fragmentation
 * 48/208 = 23.077%, one cross-CPU free (the second), one unmatched free,
 * one NULL free, one live object of 64 bytes; site 0xb (128 bytes) before
 * 0xa (80 bytes).
 */
static struct mmr_stats *slab_basic(void)
{
	struct mmr_stats *s = mmr_stats_new();
	assert_non_null(s);
	add(s, kmalloc_ev(100, 0, 0x1000, 10, 16, 0xa));
	add(s, kmalloc_ev(200, 1, 0x2000, 100, 128, 0xb));
	add(s, kmalloc_ev(300, 0, 0x3000, 50, 64, 0xa));
	add(s, ev(1100, 0, MMR_FAM_SLAB, MMR_OP_FREE, 0x1000));
	add(s, ev(2200, 0, MMR_FAM_SLAB, MMR_OP_FREE, 0x2000));
	add(s, ev(2300, 3, MMR_FAM_SLAB, MMR_OP_FREE, 0x9000));
	add(s, ev(2400, 3, MMR_FAM_SLAB, MMR_OP_FREE, 0));
	return s;
}

/* S's text report (with R's symbols when not NULL), as a malloc'd string. */
static char *report_text(const struct mmr_stats *s, const struct mmr_reader *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	mmr_stats_print(s, r, f);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void test_slab_basic(void **state)
{
	(void)state;
	struct mmr_stats *s = slab_basic();
	cJSON *j = to_json(s, NULL);
	assert_jnum(j, "events", 7);
	assert_jnum(j, "duration_ns", 2300);
	assert_jnum(j, "families.slab.alloc", 3);
	assert_jnum(j, "families.slab.free", 4);
	assert_null(jget(j, "families.slab.realloc")); /* zero counts are left out */
	assert_null(jget(j, "families.page"));         /* so are absent families */
	assert_jnum(j, "slab.allocs", 3);
	assert_jnum(j, "slab.frees", 3);
	assert_jnum(j, "slab.bytes_requested", 160);
	assert_jnum(j, "slab.bytes_allocated", 208);
	assert_jnum(j, "slab.bytes_freed", 144);
	assert_jnear(j, "slab.fragmentation_pct", 100.0 * 48 / 208);
	assert_jnum(j, "slab.unmatched_frees", 1);
	assert_jnum(j, "slab.unmatched_allocs", 0);
	assert_jnum(j, "slab.null_frees", 1);
	assert_jnum(j, "slab.failed_allocs", 0);
	assert_jnum(j, "slab.cross_cpu_frees", 1);
	assert_jnum(j, "slab.live_objects", 1);
	assert_jnum(j, "slab.live_bytes", 64);
	assert_jnum(j, "cross_cpu_frees", 1);
	assert_jnum(j, "cross_cpu_frees_by_family.slab", 1);
	assert_jnum(j, "lifetime_ns.count", 2);
	assert_jnum(j, "lifetime_ns.min", 1000);
	assert_jnum(j, "lifetime_ns.max", 2000);
	assert_jnum(j, "lifetime_ns.p50", 1003); /* the top of 1000's bucket, [1000, 1003] */
	assert_jnum(j, "lifetime_ns.p99", 2000); /* 2000's bucket tops at 2007: clamped to max */
	assert_jnum(j, "lifetime_ns.mean", 1500);
	assert_jnum(j, "live.objects", 1);
	assert_jnum(j, "live.bytes", 64);
	assert_true(cJSON_IsNull(jget(j, "trace")));

	cJSON *sites = jget(j, "top_call_sites");
	assert_true(cJSON_IsArray(sites));
	assert_int_equal(cJSON_GetArraySize(sites), 2);
	assert_string_equal(jstr(j, "top_call_sites.0.call_site"), "0xb");
	assert_true(cJSON_IsNull(jget(j, "top_call_sites.0.symbol")));
	assert_jnum(j, "top_call_sites.0.allocs", 1);
	assert_jnum(j, "top_call_sites.0.bytes_allocated", 128);
	assert_jnum(j, "top_call_sites.0.bytes_requested", 100);
	assert_jnear(j, "top_call_sites.0.fragmentation_pct", 100.0 * 28 / 128);
	assert_jnum(j, "top_call_sites.0.cross_cpu_frees", 1);
	assert_string_equal(jstr(j, "top_call_sites.1.call_site"), "0xa");
	assert_jnum(j, "top_call_sites.1.allocs", 2);
	assert_jnum(j, "top_call_sites.1.bytes_allocated", 80);
	assert_jnum(j, "top_call_sites.1.bytes_requested", 60);
	assert_jnum(j, "top_call_sites.1.frees", 1);
	assert_jnum(j, "top_call_sites.1.cross_cpu_frees", 0);

	assert_jnum(j, "by_family.slab.events", 7);
	assert_jnum(j, "by_family.slab.live_bytes", 64);
	assert_null(jget(j, "by_family.page"));
	cJSON_Delete(j);
	mmr_stats_free(s);
}

/*
 * perf kmem stat's freed-bytes rule: a free counts the bytes of its
 * pointer's last allocation in the trace, live or not.  kmalloc 0x1000
 * (64), free it, free it again (a lost allocation in between): 128 freed,
 * one unmatched.  A free of a pointer never allocated here adds nothing.
 * The page family matches live objects only (perf --page erases on free).
 */
static void test_freed_bytes_follow_perf(void **state)
{
	(void)state;
	struct mmr_stats *s = mmr_stats_new();
	assert_non_null(s);
	add(s, kmalloc_ev(10, 0, 0x1000, 60, 64, 0xa));
	add(s, ev(20, 0, MMR_FAM_SLAB, MMR_OP_FREE, 0x1000));
	add(s, ev(30, 1, MMR_FAM_SLAB, MMR_OP_FREE, 0x1000));
	add(s, ev(40, 1, MMR_FAM_SLAB, MMR_OP_FREE, 0x2000));
	add(s, kmalloc_ev(50, 0, 0x1000, 20, 32, 0xa)); /* the pointer comes back smaller */
	add(s, ev(60, 0, MMR_FAM_SLAB, MMR_OP_FREE, 0x1000));
	add(s, ev(70, 0, MMR_FAM_SLAB, MMR_OP_FREE, 0x1000));
	add(s, page_ev(80, 0, MMR_OP_ALLOC, 77, 1));
	add(s, page_ev(90, 0, MMR_OP_FREE, 77, 1));
	add(s, page_ev(95, 0, MMR_OP_FREE, 77, 1));
	struct mmr_event failed = page_ev(96, 0, MMR_OP_ALLOC, UINT64_MAX, 2);
	failed.flags = MMR_EF_FAILED; /* no page: counted, bytes too, but no object */
	add(s, failed);
	cJSON *j = to_json(s, NULL);
	assert_jnum(j, "slab.bytes_freed", 64 + 64 + 32 + 32);
	assert_jnum(j, "slab.unmatched_frees", 3);
	assert_jnum(j, "slab.live_bytes", 0);
	assert_jnum(j, "page.unmatched_frees", 1);
	assert_jnum(j, "by_family.page.bytes_freed", 8192);
	assert_jnum(j, "page.allocs", 1);
	assert_jnum(j, "page.failed_allocs", 1);
	assert_jnum(j, "page.bytes_allocated", 8192 + 16384);
	assert_jnum(j, "page.live_objects", 0);
	cJSON_Delete(j);
	mmr_stats_free(s);
}

/*
 * kmalloc 0x1000 (10/16) on cpu 0 at 0; krealloc to 0x5000 (40/64) on cpu 1
 * at 50; kfree 0x5000 on cpu 1 at 150: two allocs, two frees, requested
 * 50, allocated 80, freed 80, lifetimes 50 and 100, one cross-CPU free (the
 * realloc's free of the old object), nothing live.  Then krealloc(NULL) and
 * a krealloc of an unknown pointer, and a failed kmalloc.
 */
static void test_slab_realloc(void **state)
{
	(void)state;
	struct mmr_stats *s = mmr_stats_new();
	assert_non_null(s);
	add(s, kmalloc_ev(0, 0, 0x1000, 10, 16, 0xa));
	struct mmr_event re = kmalloc_ev(50, 1, 0x5000, 40, 64, 0xa);
	re.op = MMR_OP_REALLOC;
	re.aux = 0x1000;
	add(s, re);
	add(s, ev(150, 1, MMR_FAM_SLAB, MMR_OP_FREE, 0x5000));
	cJSON *j = to_json(s, NULL);
	assert_jnum(j, "families.slab.alloc", 1);
	assert_jnum(j, "families.slab.realloc", 1);
	assert_jnum(j, "families.slab.free", 1);
	assert_jnum(j, "slab.allocs", 2);
	assert_jnum(j, "slab.frees", 2);
	assert_jnum(j, "slab.bytes_requested", 50);
	assert_jnum(j, "slab.bytes_allocated", 80);
	assert_jnum(j, "slab.bytes_freed", 80);
	assert_jnum(j, "slab.cross_cpu_frees", 1);
	assert_jnum(j, "slab.unmatched_frees", 0);
	assert_jnum(j, "lifetime_ns.count", 2);
	assert_jnum(j, "lifetime_ns.min", 50);
	assert_jnum(j, "lifetime_ns.max", 100);
	assert_jnum(j, "live.objects", 0);
	assert_jnum(j, "live.bytes", 0);
	cJSON_Delete(j);

	re = kmalloc_ev(200, 0, 0x6000, 8, 8, 0xa); /* krealloc(NULL, 8) */
	re.op = MMR_OP_REALLOC;
	add(s, re);
	re = kmalloc_ev(300, 0, 0x7000, 8, 8, 0xa); /* old pointer never seen */
	re.op = MMR_OP_REALLOC;
	re.aux = 0xdead0;
	add(s, re);
	add(s, kmalloc_ev(400, 0, 0, 8, 8, 0xa)); /* kmalloc failed */
	j = to_json(s, NULL);
	assert_jnum(j, "slab.allocs", 4);
	assert_jnum(j, "slab.frees", 3);
	assert_jnum(j, "slab.unmatched_frees", 1);
	assert_jnum(j, "slab.failed_allocs", 1);
	/* perf counts a failed allocation's bytes too: 80 + 8 + 8 + 8. */
	assert_jnum(j, "slab.bytes_allocated", 104);
	assert_jnum(j, "slab.live_objects", 2);
	assert_jnum(j, "slab.live_bytes", 16);
	cJSON_Delete(j);
	mmr_stats_free(s);
}

/* A second kmalloc of a live pointer: the free was lost; the newer object replaces it. */
static void test_lost_free(void **state)
{
	(void)state;
	struct mmr_stats *s = mmr_stats_new();
	assert_non_null(s);
	add(s, kmalloc_ev(10, 0, 0x1000, 10, 16, 0xa));
	add(s, kmalloc_ev(20, 2, 0x1000, 200, 256, 0xb));
	add(s, ev(120, 3, MMR_FAM_SLAB, MMR_OP_FREE, 0x1000));
	cJSON *j = to_json(s, NULL);
	assert_jnum(j, "slab.unmatched_allocs", 1);
	assert_jnum(j, "slab.bytes_allocated", 272);
	assert_jnum(j, "slab.bytes_freed", 256);
	assert_jnum(j, "lifetime_ns.count", 1);
	assert_jnum(j, "lifetime_ns.min", 100); /* from the second allocation */
	assert_jnum(j, "slab.cross_cpu_frees", 1);
	assert_jnum(j, "live.objects", 0);
	assert_jnum(j, "live.bytes", 0);
	cJSON_Delete(j);
	mmr_stats_free(s);
}

/*
 * Pages: pfn 100 order 0, pfns 200 and 300 order 3, a free of 200 on
 * another CPU and of the unknown pfn 999: by order {0: 1, 3: 2}, 9 pages
 * (36864 bytes) live.
 */
static void test_pages(void **state)
{
	(void)state;
	struct mmr_stats *s = mmr_stats_new();
	assert_non_null(s);
	add(s, page_ev(1, 0, MMR_OP_ALLOC, 100, 0));
	add(s, page_ev(2, 0, MMR_OP_ALLOC, 200, 3));
	add(s, page_ev(3, 1, MMR_OP_ALLOC, 300, 3));
	add(s, page_ev(4, 1, MMR_OP_FREE, 200, 3));
	add(s, page_ev(5, 1, MMR_OP_FREE, 999, 0));
	cJSON *j = to_json(s, NULL);
	assert_jnum(j, "families.page.alloc", 3);
	assert_jnum(j, "families.page.free", 2);
	assert_jnum(j, "page.allocs", 3);
	assert_jnum(j, "page.frees", 2);
	assert_jnum(j, "page.by_order.0", 1);
	assert_jnum(j, "page.by_order.3", 2);
	assert_null(jget(j, "page.by_order.1"));
	assert_jnum(j, "page.live_pages", 9);
	assert_jnum(j, "page.live_bytes", 9 * 4096);
	assert_jnum(j, "page.unmatched_frees", 1);
	assert_jnum(j, "page.cross_cpu_frees", 1);
	assert_jnum(j, "cross_cpu_frees", 1);
	assert_jnum(j, "live.objects", 2);
	assert_jnum(j, "live.bytes", 9 * 4096);
	assert_jnum(j, "slab.allocs", 0);
	assert_jnum(j, "slab.fragmentation_pct", 0);
	/* Pages have no call site (0): not a site to rank. */
	assert_int_equal(cJSON_GetArraySize(jget(j, "top_call_sites")), 0);
	cJSON_Delete(j);
	mmr_stats_free(s);
}

/*
 * Events out of their valid range count in events and in invalid, and in
 * no other figure: a page of order 200 (4096 << 200 overflowed), a slab
 * size past 1 TiB, a slab map.
 */
static void test_out_of_range(void **state)
{
	(void)state;
	struct mmr_stats *s = mmr_stats_new();
	assert_non_null(s);
	add(s, page_ev(1, 0, MMR_OP_ALLOC, 100, 200));
	add(s, page_ev(2, 0, MMR_OP_ALLOC, 101, 200));
	add(s, kmalloc_ev(3, 0, 0x1000, 1ull << 41, 1ull << 41, 0xa));
	add(s, ev(4, 0, MMR_FAM_SLAB, MMR_OP_MAP, 0x1000));
	add(s, page_ev(5, 0, MMR_OP_ALLOC, 102, 1));
	cJSON *j = to_json(s, NULL);
	assert_jnum(j, "events", 5);
	assert_jnum(j, "page.allocs", 1);
	assert_jnum(j, "page.live_bytes", 8192);
	assert_jnum(j, "slab.allocs", 0);
	assert_jnum(j, "slab.bytes_requested", 0);
	assert_jnum(j, "invalid.events", 4);
	assert_string_equal(jstr(j, "invalid.by.0.reason"), "op");
	assert_string_equal(jstr(j, "invalid.by.0.op"), "map");
	assert_string_equal(jstr(j, "invalid.by.1.reason"), "order");
	assert_jnum(j, "invalid.by.1.count", 2);
	assert_string_equal(jstr(j, "invalid.by.2.reason"), "size");
	assert_string_equal(jstr(j, "invalid.by.2.family"), "slab");
	cJSON_Delete(j);
	char *text = report_text(s, NULL);
	assert_non_null(strstr(text, "2 page alloc: order above 20"));
	free(text);
	mmr_stats_free(s);
}

/*
 * A lifetime near 2^64 ns (a free's timestamp near the top of its range):
 * the text report's mean rounded to 2^64 as a double and was converted to
 * uint64_t, undefined (0 with gcc); it must say the largest value
 * (issue 15: tests/fuzz/corpus/reader/stats-mean-2p64).
 */
static void test_lifetime_near_2p64(void **state)
{
	(void)state;
	struct mmr_stats *s = mmr_stats_new();
	assert_non_null(s);
	add(s, kmalloc_ev(705, 0, 0x1000, 10, 16, 0xa));
	add(s, ev(UINT64_MAX - 204, 1, MMR_FAM_SLAB, MMR_OP_FREE, 0x1000));
	char *text = report_text(s, NULL);
	const char *mean = strstr(text, "mean:");
	assert_non_null(mean);
	if (!strstr(mean, "18,446,744,073,709,551,615 ns"))
		fail_msg("the mean: %.80s", mean);
	free(text);
	mmr_stats_free(s);
}

/* Every ending op ends objects, ops that neither start nor end change no object. */
static void test_other_families(void **state)
{
	(void)state;
	struct mmr_stats *s = mmr_stats_new();
	assert_non_null(s);
	struct mmr_event e = ev(0, 0, MMR_FAM_CMA, MMR_OP_ALLOC, 0x40000);
	e.bytes_req = e.bytes_alloc = 2 << 20;
	add(s, e);
	e = ev(1, 0, MMR_FAM_CMA, MMR_OP_ALLOC, 0x40200);
	e.bytes_req = e.bytes_alloc = 2 << 20;
	add(s, e);
	add(s, ev(10, 0, MMR_FAM_CMA, MMR_OP_RELEASE, 0x40000));
	add(s, ev(11, 2, MMR_FAM_CMA, MMR_OP_RELEASE_NOWAIT, 0x40200));
	e = ev(20, 0, MMR_FAM_KVFREE_RCU, MMR_OP_ALLOC, 0xffff0000);
	e.bytes_req = 100;
	e.bytes_alloc = 128;
	add(s, e);
	add(s, ev(25, 1, MMR_FAM_KVFREE_RCU, MMR_OP_KVFREE_RCU, 0xffff0000));
	e = ev(30, 0, MMR_FAM_ZSMALLOC, MMR_OP_ALLOC, 7);
	e.bytes_req = 300;
	e.bytes_alloc = 304;
	add(s, e);
	add(s, ev(31, 0, MMR_FAM_ZSMALLOC, MMR_OP_MAP, 7));
	add(s, ev(32, 0, MMR_FAM_ZSMALLOC, MMR_OP_UNMAP, 7));
	add(s, ev(33, 0, MMR_FAM_ZSMALLOC, MMR_OP_COMPACT, 0));
	cJSON *j = to_json(s, NULL);
	assert_jnum(j, "events", 10);
	assert_jnum(j, "families.cma.alloc", 2);
	assert_jnum(j, "families.cma.release", 1);
	assert_jnum(j, "families.cma.release_nowait", 1);
	assert_jnum(j, "families.kvfree_rcu.kvfree_rcu", 1);
	assert_jnum(j, "families.zsmalloc.map", 1);
	assert_jnum(j, "families.zsmalloc.compact", 1);
	assert_jnum(j, "by_family.cma.frees", 2);
	assert_jnum(j, "by_family.cma.cross_cpu_frees", 1);
	assert_jnum(j, "by_family.cma.bytes_freed", 4 << 20);
	assert_jnum(j, "by_family.cma.live_objects", 0);
	assert_jnum(j, "by_family.kvfree_rcu.cross_cpu_frees", 1);
	assert_jnum(j, "by_family.zsmalloc.live_objects", 1);
	assert_jnum(j, "by_family.zsmalloc.live_bytes", 304);
	assert_jnum(j, "cross_cpu_frees", 2);
	assert_jnum(j, "cross_cpu_frees_by_family.cma", 1);
	assert_jnum(j, "cross_cpu_frees_by_family.kvfree_rcu", 1);
	assert_jnum(j, "cross_cpu_frees_by_family.zsmalloc", 0);
	assert_null(jget(j, "cross_cpu_frees_by_family.slab"));
	assert_jnum(j, "lifetime_ns.count", 3);
	assert_jnum(j, "live.objects", 1);
	assert_jnum(j, "live.bytes", 304);
	assert_jnum(j, "slab.allocs", 0);
	cJSON_Delete(j);
	mmr_stats_free(s);
}

static void test_empty(void **state)
{
	(void)state;
	struct mmr_stats *s = mmr_stats_new();
	assert_non_null(s);
	cJSON *j = to_json(s, NULL);
	assert_jnum(j, "events", 0);
	assert_jnum(j, "duration_ns", 0);
	assert_int_equal(cJSON_GetArraySize(jget(j, "families")), 0);
	assert_jnum(j, "lifetime_ns.count", 0);
	assert_true(cJSON_IsNull(jget(j, "lifetime_ns.min")));
	assert_true(cJSON_IsNull(jget(j, "lifetime_ns.p99")));
	assert_int_equal(cJSON_GetArraySize(jget(j, "lifetime_ns.buckets")), 0);
	assert_int_equal(cJSON_GetArraySize(jget(j, "top_call_sites")), 0);
	assert_jnum(j, "slab.fragmentation_pct", 0);
	cJSON_Delete(j);
	char *buf = report_text(s, NULL);
	assert_non_null(strstr(buf, "SUMMARY"));
	free(buf);
	mmr_stats_free(s);
}

/* Fifteen sites; site k allocates k objects of 100 bytes, sites 3 and 4 tie on bytes. */
static void test_top_sites_order(void **state)
{
	(void)state;
	struct mmr_stats *s = mmr_stats_new();
	uint64_t ts = 0, id = 0x1000;
	assert_non_null(s);
	for (uint64_t k = 1; k <= 15; k++)
		for (uint64_t i = 0; i < k; i++)
			add(s, kmalloc_ev(ts++, 0, id++ * 64, 100, 100, 0xffffffff81000000ull + k));
	/* One 400-byte object at a site below the others: ties with site 4 on bytes, fewer allocs. */
	add(s, kmalloc_ev(ts++, 0, id++ * 64, 400, 400, 0xffffffff80000000ull));
	cJSON *j = to_json(s, NULL);
	cJSON *sites = jget(j, "top_call_sites");
	assert_int_equal(cJSON_GetArraySize(sites), 10);
	double prev = 1e300;
	for (int i = 0; i < 10; i++) {
		char path[64];
		snprintf(path, sizeof(path), "top_call_sites.%d.bytes_allocated", i);
		double b = jnum(j, path);
		assert_true(b <= prev);
		prev = b;
		snprintf(path, sizeof(path), "top_call_sites.%d.call_site", i);
		char want[32];
		snprintf(want, sizeof(want), "0xffffffff810000%02x", 15 - i);
		assert_string_equal(jstr(j, path), want);
	}
	cJSON_Delete(j);

	/* Below the top 10 the tie breaks on allocations: site 4 (4 allocs) before the single one. */
	uint32_t idx[16];
	size_t n = stats_top_sites(s, idx, 16);
	assert_int_equal(n, 16);
	assert_true(s->sites[idx[11]].addr == 0xffffffff81000004ull);
	assert_true(s->sites[idx[12]].addr == 0xffffffff80000000ull);
	assert_true(s->sites[idx[15]].addr == 0xffffffff81000001ull);
	mmr_stats_free(s);
}

/* ---- randomized, against a naive reference ----------------------------- */

struct ref_obj {
	bool live, ever; /* ever: had a life in the trace (perf's alloc tree never forgets) */
	uint64_t ts, bytes;
	uint32_t cpu;
};

struct ref_totals {
	uint64_t req, alloc, freed, unmatched_frees, unmatched_allocs, cross, matched, life_sum;
	uint64_t live_objs, live_bytes;
};

static void ref_end(struct ref_obj *o, uint64_t ts, uint32_t cpu, struct ref_totals *t)
{
	if (!o->live) {
		t->unmatched_frees++;
		t->freed += o->ever ? o->bytes : 0; /* perf: the last life's bytes, again */
		return;
	}
	o->live = false;
	t->freed += o->bytes;
	t->matched++;
	t->life_sum += ts - o->ts;
	t->cross += cpu != o->cpu;
}

static void ref_start(struct ref_obj *o, uint64_t ts, uint32_t cpu, uint64_t bytes,
		      struct ref_totals *t)
{
	t->unmatched_allocs += o->live;
	*o = (struct ref_obj){.live = true, .ever = true, .ts = ts, .bytes = bytes, .cpu = cpu};
}

static void test_random_against_reference(void **state)
{
	(void)state;
	enum { IDS = 96, EVENTS = 30000 };
	struct ref_obj ref[IDS];
	struct ref_totals t;
	uint64_t rng = 0x1234567;
	struct mmr_stats *s = mmr_stats_new();
	assert_non_null(s);
	memset(ref, 0, sizeof(ref));
	memset(&t, 0, sizeof(t));
	for (uint64_t ts = 1; ts <= EVENTS; ts++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		unsigned r = (unsigned)(rng >> 33), k = r % IDS, what = (r >> 8) % 10;
		uint32_t cpu = (r >> 12) % 4;
		uint64_t req = 1 + (r >> 16) % 500, alloc = req + (r >> 24) % 64;
		if (what < 5) {
			t.req += req;
			t.alloc += alloc;
			ref_start(&ref[k], ts, cpu, alloc, &t);
			add(s, kmalloc_ev(ts, cpu, 0x10000 + k * 64ull, req, alloc, 0xa + k % 3));
		} else if (what < 9) {
			ref_end(&ref[k], ts, cpu, &t);
			add(s, ev(ts, cpu, MMR_FAM_SLAB, MMR_OP_FREE, 0x10000 + k * 64ull));
		} else {
			unsigned old = (r >> 4) % IDS;
			ref_end(&ref[old], ts, cpu, &t);
			t.req += req;
			t.alloc += alloc;
			ref_start(&ref[k], ts, cpu, alloc, &t);
			struct mmr_event e = kmalloc_ev(ts, cpu, 0x10000 + k * 64ull, req, alloc, 0xa);
			e.op = MMR_OP_REALLOC;
			e.aux = 0x10000 + old * 64ull;
			add(s, e);
		}
	}
	for (unsigned k = 0; k < IDS; k++) {
		t.live_objs += ref[k].live;
		t.live_bytes += ref[k].live ? ref[k].bytes : 0;
	}
	const struct stats_family *f = &s->fam[MMR_FAM_SLAB];
	assert_int_equal(s->events, EVENTS);
	assert_int_equal(f->bytes_req, t.req);
	assert_int_equal(f->bytes_alloc, t.alloc);
	assert_int_equal(f->bytes_freed, t.freed);
	assert_int_equal(f->unmatched_frees, t.unmatched_frees);
	assert_int_equal(f->unmatched_allocs, t.unmatched_allocs);
	assert_int_equal(f->cross_cpu_frees, t.cross);
	assert_int_equal(s->lifetime.count, t.matched);
	assert_int_equal(s->lifetime.sum, t.life_sum);
	assert_int_equal(f->nobjs, t.live_objs);
	assert_int_equal(f->live_bytes, t.live_bytes);
	assert_int_equal(f->map.len, t.live_objs);
	/* Every live record is where the map says. */
	for (size_t i = 0; i < f->nobjs; i++) {
		uint64_t *at = mmr_idmap_get(&f->map, f->objs[i].id);
		assert_non_null(at);
		assert_int_equal(*at, i);
	}
	mmr_stats_free(s);
}

/* Memory follows the live set: a million events with 8 objects live never grow the arrays. */
static void test_memory_follows_live_set(void **state)
{
	(void)state;
	struct mmr_stats *s = mmr_stats_new();
	assert_non_null(s);
	for (uint64_t i = 0; i < 500000; i++) {
		add(s, kmalloc_ev(2 * i, 0, 0xffff888000000000ull + i * 64, 32, 32, 0xa));
		if (i >= 8)
			add(s, ev(2 * i + 1, 1, MMR_FAM_SLAB, MMR_OP_FREE,
				  0xffff888000000000ull + (i - 8) * 64));
	}
	const struct stats_family *f = &s->fam[MMR_FAM_SLAB];
	assert_int_equal(f->nobjs, 8);
	assert_true(f->cap_objs <= 256);
	assert_true(f->map.cap <= 64);
	assert_int_equal(s->lifetime.count, 500000 - 8);
	assert_int_equal(s->lifetime.min, 17);
	assert_int_equal(s->lifetime.max, 17);
	mmr_stats_free(s);
}

/* ---- text report --------------------------------------------------------- */

/* In every run of table lines, the column separators line up. */
static void check_tables_aligned(const char *text)
{
	char prev[512] = "";
	const char *line = text;
	int tables = 0;
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char cur[512] = "";
		/* The separator positions of this line: '|' in rows, '+' in rules. */
		for (size_t i = 0, o = 0; i < len && o + 8 < sizeof(cur); i++)
			if (line[i] == '|' || line[i] == '+')
				o += (size_t)snprintf(cur + o, sizeof(cur) - o, "%zu,", i);
		if (cur[0] && prev[0])
			assert_string_equal(cur, prev);
		if (cur[0] && !prev[0])
			tables++;
		snprintf(prev, sizeof(prev), "%s", cur);
		line += len + (nl != NULL);
	}
	assert_true(tables >= 3);
}

/* Column where the value after LABEL starts on its line. */
static size_t value_col(const char *text, const char *label)
{
	const char *p = strstr(text, label);
	assert_non_null(p);
	const char *start = p;
	while (start > text && start[-1] != '\n')
		start--;
	p += strlen(label);
	p += strspn(p, " ");
	return (size_t)(p - start);
}

static void test_text_report(void **state)
{
	(void)state;
	struct mmr_stats *s = slab_basic();
	add(s, page_ev(3000, 0, MMR_OP_ALLOC, 100, 2));
	char *buf = report_text(s, NULL);
	static const char *const want[] = {
		"SUMMARY",
		"Total bytes requested:",
		"Total bytes allocated:",
		"Total bytes freed:",
		"Internal fragmentation:",
		"23.077%",
		"Cross CPU frees:",
		"Unmatched frees / allocs:",
		"Callsite",
		"0xb",
		"Total_alloc/Per",
		"128/128",
		"80/40",
		"p50:",
		"p99:",
		"1,000 ns",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(buf, want[i]))
			fail_msg("report lacks \"%s\":\n%s", want[i], buf);
	/* The values of the summary in one column. */
	size_t col = value_col(buf, "Total bytes requested:");
	assert_int_equal(value_col(buf, "Total bytes freed:"), col);
	assert_int_equal(value_col(buf, "Total bytes wasted on internal fragmentation:"), col);
	assert_int_equal(value_col(buf, "Events:"), col);
	check_tables_aligned(buf);
	free(buf);
	mmr_stats_free(s);
}

/* ---- through the real writer and reader --------------------------------- */

static void write_trace(const char *path, const struct mmr_event *evs, size_t n)
{
	struct mmr_error err;
	struct mmr_meta meta = {
		.kernel_release = "6.1.0-test",
		.clock = "mono",
		.source = "test_stats",
		.nr_cpus = 4,
		.start_realtime_ns = 1700000000123456789ull,
	};
	struct mmr_writer_opts opts = {.block_events = 3};
	struct mmr_writer *w = mmr_writer_open(path, &meta, &opts, &err);
	if (!w)
		fail_msg("%s", err.msg);
	assert_int_equal(mmr_writer_add_symbol(w, 0xa, "kmalloc_site_a", &err), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(mmr_writer_write(w, &evs[i], &err), 0);
	assert_int_equal(mmr_writer_set_lost(w, 0, 3, &err), 0);
	assert_int_equal(mmr_writer_set_lost(w, 2, 4, &err), 0);
	if (mmr_writer_close(w, &err))
		fail_msg("%s", err.msg);
}

static void test_from_reader(void **state)
{
	(void)state;
	struct mmr_event evs[] = {
		kmalloc_ev(100, 0, 0x1000, 10, 16, 0xa),
		kmalloc_ev(200, 1, 0x2000, 100, 128, 0xb),
		kmalloc_ev(300, 0, 0x3000, 50, 64, 0xa),
		ev(1100, 0, MMR_FAM_SLAB, MMR_OP_FREE, 0x1000),
		ev(2200, 0, MMR_FAM_SLAB, MMR_OP_FREE, 0x2000),
		ev(2300, 3, MMR_FAM_SLAB, MMR_OP_FREE, 0x9000),
		ev(2400, 3, MMR_FAM_SLAB, MMR_OP_FREE, 0),
		page_ev(2500, 2, MMR_OP_ALLOC, 4242, 1),
	};
	size_t n = sizeof(evs) / sizeof(evs[0]);
	char path[] = "/tmp/mmr_test_stats_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_trace(path, evs, n);

	struct mmr_error err;
	struct mmr_reader *r = mmr_reader_open(path, &err);
	if (!r)
		fail_msg("%s", err.msg);
	/* Read part of it first: from_reader must start over. */
	struct mmr_event one;
	assert_int_equal(mmr_reader_next(r, &one, &err), 1);
	struct mmr_stats *s = mmr_stats_from_reader(r, &err);
	if (!s)
		fail_msg("%s", err.msg);
	cJSON *j = to_json(s, r);
	assert_jnum(j, "events", n);
	assert_jnum(j, "slab.bytes_requested", 160);
	assert_jnum(j, "slab.bytes_freed", 144);
	assert_jnum(j, "page.by_order.1", 1);
	assert_string_equal(jstr(j, "top_call_sites.0.call_site"), "0xb");
	assert_true(cJSON_IsNull(jget(j, "top_call_sites.0.symbol")));
	assert_string_equal(jstr(j, "top_call_sites.1.symbol"), "kmalloc_site_a");
	assert_string_equal(jstr(j, "trace.kernel_release"), "6.1.0-test");
	assert_string_equal(jstr(j, "trace.clock"), "mono");
	assert_string_equal(jstr(j, "trace.source"), "test_stats");
	assert_string_equal(jstr(j, "trace.tool_version"), mmr_tool_version());
	assert_jnum(j, "trace.nr_cpus", 4);
	assert_jnum(j, "trace.lost_events", 7);
	assert_jnum(j, "trace.blocks", (n + 2) / 3);
	assert_jnum(j, "trace.trace_events", n);
	assert_true(cJSON_IsNull(jget(j, "trace.warning")));

	/* The same events in memory give the same document, but for what the reader adds. */
	struct mmr_stats *mem = mmr_stats_new();
	assert_non_null(mem);
	for (size_t i = 0; i < n; i++)
		add(mem, evs[i]);
	cJSON *jm = to_json(mem, NULL);
	cJSON_DeleteItemFromObject(j, "trace");
	cJSON_DeleteItemFromObject(jm, "trace");
	cJSON *sa = jget(j, "top_call_sites"), *sb = jget(jm, "top_call_sites");
	for (int i = 0; i < cJSON_GetArraySize(sa); i++) {
		cJSON_DeleteItemFromObject(cJSON_GetArrayItem(sa, i), "symbol");
		cJSON_DeleteItemFromObject(cJSON_GetArrayItem(sb, i), "symbol");
	}
	assert_true(cJSON_Compare(j, jm, true));
	cJSON_Delete(jm);
	cJSON_Delete(j);
	mmr_stats_free(mem);

	/* Wall-clock ns are past 2^53: the JSON text keeps every digit. */
	char *text = mmr_stats_json(s, r);
	assert_non_null(text);
	assert_non_null(strstr(text, "1700000000123456789"));
	free(text);

	/* The text report names the symbol and the trace. */
	char *buf = report_text(s, r);
	assert_non_null(strstr(buf, "kmalloc_site_a"));
	assert_non_null(strstr(buf, "6.1.0-test"));
	check_tables_aligned(buf);
	free(buf);
	mmr_stats_free(s);
	mmr_reader_close(r);
	unlink(path);
}

/* A corrupt event block: no statistics, and the reader's one-line error. */
static void test_from_reader_corrupt(void **state)
{
	(void)state;
	struct mmr_event evs[6];
	for (int i = 0; i < 6; i++)
		evs[i] = kmalloc_ev(10 * (uint64_t)i, 0, 0x1000 + 64 * (uint64_t)i, 8, 8, 0xa);
	char path[] = "/tmp/mmr_test_stats_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_trace(path, evs, 6);

	struct mmr_error err;
	struct mmr_reader *r = mmr_reader_open(path, &err);
	if (!r)
		fail_msg("%s", err.msg);
	size_t nb = mmr_reader_block_count(r);
	assert_true(nb >= 2);
	uint64_t off = mmr_reader_block(r, nb - 1)->offset + 48 + 1;
	mmr_reader_close(r);

	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, (long)off, SEEK_SET), 0);
	int c = fgetc(f);
	assert_int_equal(fseek(f, (long)off, SEEK_SET), 0);
	fputc(c ^ 0x40, f);
	fclose(f);

	r = mmr_reader_open(path, &err);
	if (r) { /* event payloads are checked when read */
		err.msg[0] = '\0';
		assert_null(mmr_stats_from_reader(r, &err));
		assert_non_null(strstr(err.msg, path));
		assert_null(strchr(err.msg, '\n'));
		mmr_reader_close(r);
	}
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slab_basic),
		cmocka_unit_test(test_slab_realloc),
		cmocka_unit_test(test_lost_free),
		cmocka_unit_test(test_freed_bytes_follow_perf),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_lifetime_near_2p64),
		cmocka_unit_test(test_other_families),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_top_sites_order),
		cmocka_unit_test(test_random_against_reference),
		cmocka_unit_test(test_memory_follows_live_set),
		cmocka_unit_test(test_text_report),
		cmocka_unit_test(test_from_reader),
		cmocka_unit_test(test_from_reader_corrupt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
