/* SPDX-License-Identifier: MIT */
/*
 * demo_claims.c - the seed threads' concrete claims, each held against
 * the demo's comparison of its family on the generated workload: the
 * table docs/seed-claims.md is a copy of (made by `mmreplay demo`, never
 * typed by hand), and a section of the demo's index.
 *
 * A claim names the variant it is about, the figure that would show it
 * (a speed figure of the verdicts, or an outcome the engines declare) and
 * which way that figure should move against the family's baseline.  The
 * claims are in our words; "where" says whose they are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "demo.h"

/* Extracted from the seed threads (../shared/seeds/), each claim in our words, with whose it is. */
static const struct mmr_claim claims[] = {
	{.family = "cma", .engine = "cma-nowait", .figure = "atomic_sleeps", .expect = -1,
	 .claim = "Moving a release's bitmap clear into a workqueue means a release issued from atomic context never "
		"has to block on the cma->lock mutex.",
	 .where = "000, Roman Gushchin (patch posted by Mike Kravetz), commit message of \"[1/8] mm: cma: introduce "
		"cma_release_nowait()\", March 25, 2021, 12:28 a.m. UTC",
	 .note = "cma-mutex counts each atomic release that finds the mutex held (where the kernel would sleep in "
		"atomic context); cma-nowait's release_nowait takes no lock, so on a trace with contended "
		"release_nowait calls the count should drop to zero (plain release events still use the mutex)."},
	{.family = "cma", .engine = "cma-nowait", .figure = "alloc p99", .expect = +1,
	 .claim = "Once an area has seen a deferred release, each cma_alloc has to flush the release workqueue first, "
		"which costs enough that the patch only turns the flush on with a per-area flag.",
	 .where = "000, Roman Gushchin (patch posted by Mike Kravetz), commit message of \"[1/8] mm: cma: introduce "
		"cma_release_nowait()\", March 25, 2021, 12:28 a.m. UTC",
	 .note = "the model waits for the queued items inside the timed alloc (see flush_waits and "
		"alloc_p99_ns_flush_wait in the report); one engine thread stands for the workqueue, so the delays "
		"of a busy or overloaded kernel workqueue are not captured."},
	{.family = "cma", .engine = "cma-spinlock", .figure = "release p99", .expect = -1,
	 .claim = "Because cma->lock only guards a short bitmap update and nothing under it sleeps, making it an "
		"irq-safe spinlock gets rid of the sleep and costs too little to justify a deferred-release scheme.",
	 .where = "000, Michal Hocko, March 25, 2021, 10:22 a.m. UTC | #9; backed by Roman Gushchin, March 25, 2021, "
		"11:19 p.m. UTC | #14, and Michal Hocko, March 29, 2021, 7:46 a.m. UTC | #17",
	 .note = "a contended release under the mutex pays a sleep and a wake-up, while the spinlock only spins "
		"through the short bitmap clear; the model has no interrupts, so the irqs-off cost Mike Kravetz "
		"raised (#16) is not counted."},
	{.family = "cma", .engine = "cma-lockless-clear", .figure = "release_nowait p99", .expect = -1,
	 .claim = "If releases clear their bits with atomic bitops and no lock, while allocations keep setting bits "
		"under the lock, releases stop blocking and no range can be handed out twice.",
	 .where = "000, David Hildenbrand, March 25, 2021, 9:56 a.m. UTC | #4 (his point 2), raised again March 25, "
		"2021, 5:15 p.m. UTC | #12",
	 .note = "under cma-mutex a release_nowait try-locks and then waits for the mutex, while under "
		"cma-lockless-clear it takes no lock; this figure does not test the no-double-allocation half of the "
		"claim (the engine's zone_check_ok covers that)."},
	{.family = "dmabuf", .engine = "dmabuf-attach-pin", .figure = "moved_while_mapped", .expect = +1,
	 .claim = "When drm_prime-style exporters pin only at attach time, a vmap done with no attachment leaves the "
		"buffer unpinned, so it can be moved while its mapping is still being used.",
	 .where = "001, Daniel Vetter, reply to Thomas Zimmermann's mail of Thu, Dec 03, 2020 at 07:59:04PM +0100 "
		"(Thomas's quote dates the reply 03.12.20 21:41)",
	 .note = "needs a trace where buffers are vmapped without an attach and moves or evictions fall between vmap "
		"and vunmap; the model counts frames read through a mapping of the place the buffer has left, which "
		"the pinning baseline never allows."},
	{.family = "dmabuf", .engine = "dmabuf-vmap-locked", .figure = "eviction_failures", .expect = -1,
	 .claim = "A pin taken inside vmap holds the buffer in whatever domain it is in, so moves fail while it is "
		"mapped; the proposed contract (caller holds the reservation lock, exporter does not pin) lets those "
		"moves go through once the holder lets go.",
	 .where = "001, Thomas Zimmermann, mail of 04.12.20 09:32 as quoted in Christian König's reply (Christian "
		"agrees that this is the problem); the contract itself is in Thomas Zimmermann's vmap documentation "
		"patch v2, Thu, Dec 03, 2020 at 03:02:59PM +0100",
	 .note = "under dmabuf-vmap-pin the evictor's move fails on a pinned buffer, while under -vmap-locked it "
		"waits for the lock and then succeeds (the cost moves into waiting and deferred_ops); scanout_blocked "
		"counts the refused moves whose pin held the buffer outside VRAM, where scanout needs it."},
	{.family = "dmabuf", .engine = "dmabuf-vmap-cached", .figure = "vmap p99", .expect = -1,
	 .claim = "The new lock-held, pin-free vmap should make frequent vmap/vunmap pairs cheap, and that means "
		"exporters should cache the mapping instead of rebuilding it on every call.",
	 .where = "001, Daniel Vetter, same reply (03.12.20 21:41), where the second variant wants some caching in "
		"exporters; and Thomas Zimmermann's patch v2 notes to implementors, Thu, Dec 03, 2020 at 03:02:59PM "
		"+0100",
	 .note = "a cache hit skips vmap_ns_per_page for each page, and the cache lasts only until the next move "
		"tears the mapping down, so a short evict_us shrinks the gain (see cache_hits and maps_built); the "
		"thread gives no cache design, so the lifetime is the model's choice."},
	{.family = "vmalloc", .engine = "vmalloc-nodes", .figure = "global_allocs", .expect = -1,
	 .claim = "Per-node pools of freed areas, filled by what each node's users free and tried before anything "
		"else, take most small allocations off the global free_vmap_area_lock.",
	 .where = "002, Uladzislau Rezki (Sony), [PATCH v3 07/11] mm: vmalloc: Offload free_vmap_area_lock lock, "
		"01/02/24 07:46pm (the patch as quoted in Baoquan He's reply)",
	 .note = "needs more than one vmap node (nodes=0 gives one per replay thread) and repeated sizes of 1..256 "
		"pages; larger requests, and any whose pool head has the wrong alignment, still search the global "
		"tree."},
	{.family = "vmalloc", .engine = "vmalloc-nodes", .figure = "alloc p99", .expect = -1,
	 .claim = "With most allocations off the one global spinlock, allocating vmalloc space from many CPUs at once "
		"should wait less on that lock.",
	 .where = "002, Uladzislau Rezki (Sony), [PATCH v3 07/11] mm: vmalloc: Offload free_vmap_area_lock lock, "
		"01/02/24 07:46pm (the purpose in the patch's subject and node_alloc() comments, as quoted by "
		"Baoquan He)",
	 .note = "the gain only appears with several replay threads contending, and a single-thread replay should "
		"show none; the file does not include the series' own benchmark numbers, so this is the mechanism's "
		"prediction, not a reported result."},
	{.family = "kvfree_rcu", .engine = "kvfree-rcu-lockless", .figure = "kvfree_rcu p99", .expect = -1,
	 .claim = "Taking the block page straight off this CPU's per-CPU list, with no zone->lock, no refill and no "
		"slow path, makes getting a page much faster than GFP_NOWAIT.",
	 .where = "003, Uladzislau Rezki, commit message of [RFC-PATCH,2/4] mm: Add __rcu_alloc_page_lockless() func., "
		"Sept. 18, 2020, 7:48 p.m. UTC",
	 .note = "only about one call in 509 needs a page, so p99 may not move (check p99.9/max and the zone->lock "
		"row); the refill still takes zone->lock, but in the worker rather than under krcp->lock."},
	{.family = "kvfree_rcu", .engine = "kvfree-rcu-lockless", .figure = "fallback_rcu_head", .expect = +1,
	 .claim = "Since it never refills an empty per-CPU list, the lockless take fails to get a page more often than "
		"the normal path does, so more calls end up on the fallback.",
	 .where = "003, Uladzislau Rezki, commit message of [RFC-PATCH,2/4] mm: Add __rcu_alloc_page_lockless() func., "
		"Sept. 18, 2020, 7:48 p.m. UTC; argued again by Mel Gorman, Sept. 23, 2020, 11:22 p.m. UTC | #15 "
		"(anything that relies on the pcp list holding a page needs a fallback)",
	 .note = "2-argument calls (free events replayed --as kvfree_rcu) link the object's rcu_head when no page "
		"comes back; with headless events the same failures show up as fallback_sync and block the caller "
		"(Mel Gorman's point in #12 that this does not make timing predictable)."},
	{.family = "kvfree_rcu", .engine = "kvfree-rcu-pool", .figure = "fallback_rcu_head", .expect = +1,
	 .claim = "A private page pool refilled by a background worker has a window, stretched by scheduler delays, in "
		"which a burst empties the pool and calls have to take the fallback.",
	 .where = "003, Uladzislau Rezki, Sept. 24, 2020, 8:16 a.m. UTC | #16 (his drawback a), with Paul E. McKenney, "
		"Sept. 23, 2020, 3:41 p.m. UTC | #14",
	 .note = "the baseline gets a page synchronously and fails only when the zone runs low; the result depends on "
		"pool_pages/pool_low (the thread quotes 100 to 400 pages) and on burst size, so sweeping pool_pages "
		"also tests Michal Hocko's counter-claim (Sept. 25, 2020, 8:05 a.m. UTC | #22) that a few dozen "
		"pages per CPU would do."},
	{.family = "kvfree_rcu", .engine = "kvfree-rcu-sync", .figure = "kvfree_rcu p99", .expect = +1,
	 .claim = "With no block page, the single-argument form has to wait out a whole grace period in the caller "
		"before freeing, which is extremely slow next to just storing the pointer.",
	 .where = "003, Uladzislau Rezki, Sept. 21, 2020, 7:48 p.m. UTC | #4 (and the RFC's commit message, Sept. 18, "
		"2020, 7:48 p.m. UTC, on synchronize_rcu() blocking the current context)",
	 .note = "kvfree-rcu-sync takes the 1-argument fallback on every call, with real liburcu grace periods that "
		"wait for the engine's RCU readers, so it measures what one fallback_sync costs in the other variants, "
		"not how often it happens. The demo expedites them (-O expedited=1: about 60 us here); a normal one "
		"lasts at least gp_ns (8 ms measured here), over 100 times longer (BENCHMARKS.md)."},
	{.family = "zsmalloc", .engine = "zsmalloc-migrate-lock", .figure = "map p99", .expect = +1,
	 .claim = "One pool-wide migrate_lock is coarser than per-handle pins, so map and free wait more on compaction "
		"and page migration when the two run at the same time.",
	 .where = "004, Minchan Kim, commit message of \"zsmalloc: replace per zpage lock with pool->migrate_lock\" "
		"(mm-commits copy signed off by Andrew Morton, Link 20211115185909.3949505-9; the file gives no date)",
	 .note = "readers only contend with the write side, so the rise needs the worker (interval_us) or compact "
		"events overlapping the maps; the same message expects the rise to be small because the writer "
		"mostly copies pages, so a non-significant change would support that half."},
	{.family = "zsmalloc", .engine = "zsmalloc-migrate-lock", .figure = "migrate_backoffs", .expect = -1,
	 .claim = "Page migration now shuts users out with the pool's write lock instead of try-pinning every object "
		"on the page, so it no longer gives up because one of those objects is in use.",
	 .where = "004, Minchan Kim, same commit (the zs_page_migrate hunk that removes the trypin loop and its "
		"-EAGAIN exit)",
	 .note = "in the model pinbit gives up on a page when any object's pin is taken, while migrate-lock waits and "
		"gives up only on a zspage whose mapping is parked outside the engine; the cost therefore shows up "
		"as waiting (pause_*, map/free latency), not as failures."},
	{.family = "zsmalloc", .engine = "zsmalloc-migrate-lock", .figure = "compact_op_pages_freed", .expect = -1,
	 .claim = "Compaction that holds the pool write lock gives up on a class once readers queue on migrate_lock, "
		"so with concurrent I/O each compaction frees fewer pages than under the pin bit, which only skips "
		"pinned objects.",
	 .where = "004, Minchan Kim, same commit (the __zs_compact hunk that breaks out when rwlock_is_contended())",
	 .note = "the trace's compact events run on replay threads while other threads map and free, and backoffs "
		"counts the give-ups; the commit's text does not state this effect, which follows from its code."},
	{.family = "cma", .untestable = true,
	 .claim = "An irq-safe spinlock keeps interrupts off for the whole bitmap scan, which could hurt small or "
		"embedded systems whose bitmaps are large.",
	 .where = "000, Mike Kravetz, March 26, 2021, 9:32 p.m. UTC | #16 (Michal Hocko asks how large the bitmaps "
		"really are, March 29, 2021, 7:46 a.m. UTC | #17)",
	 .note = "the lock table gives cma->lock's time with interrupts off under cma-spinlock (irqs_off_ns_total), "
		"but what that costs a system is the interrupts it delays, and the replay has none to delay."},
	{.family = "cma", .untestable = true,
	 .claim = "A fail-fast cma_alloc mode that skips PCP/LRU draining and retries, and resumes searching at the "
		"last failed pfn, gathers many small chunks faster than normal mode, at some cost in success rate.",
	 .where = "001, Minchan Kim, Wed 02-12-20 09:54:29 (as Michal Hocko quotes it), proposing enum cma_alloc_mode "
		"with CMA_ALLOC_FAIL_FAST; Michal Hocko agrees, Wed, Dec 02, 2020 at 07:51:07PM +0100 (as Minchan "
		"Kim quotes it)",
	 .note = "fail-fast is the mode option of every cma engine, not a variant; compare measures a variant against "
		"cma-mutex and refuses the same engine twice, so normal vs fail-fast cannot produce a verdict (two "
		"separate replays can only be read side by side), and cma_alloc_bulk is not modelled."},
	{.family = "vmalloc", .untestable = true,
	 .claim = "Areas taken from the global heap get the asking CPU's node id wherever their address lies, so a "
		"node's pools may end up holding mostly areas that belong to other nodes.",
	 .where = "002, Baoquan He, Re: [PATCH v3 07/11] mm: vmalloc: Offload free_vmap_area_lock lock, Wed Feb 07 "
		"2024 - 19:25:45 EST",
	 .note = "the model copies the tagging and reports pool_other_node, but that count is not an outcome compare "
		"tests, and whether it matters depends on NUMA placement and remote-access cost, which the model "
		"does not have."},
	{.family = "kvfree_rcu", .untestable = true,
	 .claim = "If RCU can empty the shared per-CPU page lists, one heavy user can take them over and slow down "
		"unrelated page-allocator users on that CPU.",
	 .where = "003, Michal Hocko, Sept. 21, 2020, 7:47 a.m. UTC | #1 and Sept. 22, 2020, 8:03 a.m. UTC | #7",
	 .note = "judged on the generated flood, which has no page events: only block pages use the zone there. On "
		"the real trace (kvfree_rcu/real/report) the trace's own page allocations share the zone and pcp lists "
		"with the block pages, and a slowdown of theirs shows in its alloc p99 and zone->lock row."},
	{.family = "kvfree_rcu", .untestable = true,
	 .claim = "Skipping the watermarks eats into the emergency reserves that atomic allocations depend on and can "
		"slow kswapd's reclaim, raising the risk of OOM under memory pressure.",
	 .where = "003, Mel Gorman, Sept. 23, 2020, 10:37 a.m. UTC | #12",
	 .note = "the page model has no reclaim, kswapd, atomic reserves or OOM, and nothing else allocates from the "
		"zone under pressure."},
	{.family = "zsmalloc", .rt = true, .engine = "zsmalloc-migrate-lock", .figure = "rt_in_atomic", .expect = -1,
	 .claim = "Replacing the per-handle bit spinlock with an rwlock is what makes zsmalloc usable under "
		"PREEMPT_RT, as well as making the code simpler.",
	 .where = "004, Minchan Kim, commit message of \"zsmalloc: replace per zpage lock with pool->migrate_lock\" "
		"(Acked-by and Tested-by Sebastian Andrzej Siewior)",
	 .note = "judged by the --kernel rt comparison: the pin bit still spins on RT while zspage->lock and "
		"class->lock, which map and free take under it, sleep there, so each such acquisition is a sleep in "
		"atomic context (rt_in_atomic); migrate-lock takes no sleeping lock under a spinning one. Simpler code "
		"is not measured."},
};

#define NCLAIMS (sizeof(claims) / sizeof(claims[0]))

void demo_claim_commands(struct demo *d, const struct demo_family *f, size_t fi, const char *trace)
{
	if (fi >= DEMO_FAMILIES || d->claim_cmds[fi])
		return;
	if (asprintf(&d->claim_cmds[fi],
		     "%s: mmreplay generate %s -o %s --seed 1 --cpus 2 --ops %s && mmreplay replay %s -e %s -t 2 "
		     "--repeat %s%s%s -o results && mmreplay compare results -o report (the demo's %s/generated/report).",
		     f->name, f->workload, strrchr(trace, '/') ? strrchr(trace, '/') + 1 : trace, f->ops,
		     strrchr(trace, '/') ? strrchr(trace, '/') + 1 : trace, f->engines, d->repeat, f->opt ? " -O " : "",
		     f->opt ? f->opt : "", f->name) < 0)
		d->claim_cmds[fi] = NULL;
}

/*
 * The comparison of family NAME on its generated workload (the first of
 * its entries; with RT, the one replayed with --kernel rt), and its baseline.
 */
static const struct mmr_compare_result *family_result(const struct demo *d, const char *name, bool rt,
						      char *baseline, size_t n)
{
	for (size_t fi = 0; fi < nfamilies; fi++) {
		if (strcmp(families[fi].name, name))
			continue;
		snprintf(baseline, n, "%.*s", (int)strcspn(families[fi].engines, ","), families[fi].engines);
		for (size_t e = 0; e < d->nentries; e++)
			if (!strcmp(d->entries[e].heading, families[fi].heading) &&
			    (!rt || (d->entries[e].label && strstr(d->entries[e].label, "PREEMPT_RT"))))
				return &d->results[e];
	}
	return NULL;
}

/* The claims page and its index entry: one line per claim, weighing nothing in the index's top. */
static int claims_page(struct demo *d)
{
	char intro[2][512];
	const char *lines[] = {intro[0], intro[1]};
	const char *cmds[DEMO_FAMILIES];
	size_t ncmds = 0;
	snprintf(intro[0], sizeof(intro[0]), "Each concrete claim of the five seed threads, in our words, held against "
		 "what the demo measured on this machine: the family's variants on its generated workload, %s runs "
		 "each, against the family's baseline.", d->repeat);
	snprintf(intro[1], sizeof(intro[1]), "Written by `mmreplay demo`; the commands below make the same figures.");
	for (size_t fi = 0; fi < DEMO_FAMILIES; fi++)
		if (d->claim_cmds[fi])
			cmds[ncmds++] = d->claim_cmds[fi];
	struct mmr_claims_page p = {.outdir = d->out, .name = "seed-claims",
				    .title = "mmreplay: the seed threads' claims, measured", .intro = lines, .nintro = 2,
				    .claims = claims, .results = d->claims, .n = NCLAIMS, .commands = cmds,
				    .ncommands = ncmds};
	struct mmr_error err;
	if (mmr_claims_write(&p, &err))
		return cli_fail("demo", "%s", err.msg);
	for (size_t i = 0; i < NCLAIMS; i++)
		snprintf(d->claim_lines[i].text, sizeof(d->claim_lines[i].text), "%s (%s): %s: %s",
			 mmr_agreement_name(d->claims[i].agreement), claims[i].family, claims[i].claim,
			 d->claims[i].measured);
	d->entries[d->nentries++] = (struct mmr_index_entry){
		.heading = "The seed threads' claims", .href = "seed-claims.html", .label = "the table",
		.intro = "Each claim against the figure that tests it: agrees, disagrees, inconclusive, or cannot be "
			 "tested here.", .verdicts = d->claim_lines, .nverdicts = NCLAIMS};
	return CLI_OK;
}

int demo_claims(struct demo *d)
{
	d->claims = calloc(NCLAIMS, sizeof(*d->claims));
	d->claim_lines = calloc(NCLAIMS, sizeof(*d->claim_lines));
	if (!d->claims || !d->claim_lines)
		return cli_fail("demo", "out of memory");
	for (size_t i = 0; i < NCLAIMS; i++) {
		char baseline[64] = "";
		const struct mmr_compare_result *res =
			family_result(d, claims[i].family, claims[i].rt, baseline, sizeof(baseline));
		mmr_claim_judge(&claims[i], res, baseline, &d->claims[i]);
	}
	return claims_page(d);
}

void demo_claims_free(struct demo *d)
{
	free(d->claims);
	free(d->claim_lines);
	for (size_t fi = 0; fi < DEMO_FAMILIES; fi++)
		free(d->claim_cmds[fi]);
}
