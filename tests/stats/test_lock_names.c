/* SPDX-License-Identifier: MIT */
/*
 * test_lock_names.c - naming the kernel's locks: the embedded table
 * (docs/kernel-locks.tsv) looked up by caller, with and without the wait's
 * type and address to tell apart a function's several locks, and stats
 * naming each lock of a hand-built trace (through the real writer and
 * reader, whose symbols name addresses): a static lock's symbol wins, else
 * its most frequent caller's lock, else it stays an address and caller.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdbool.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "lock_names.h"
#include "mmr_stats.h"
#include "stats_internal.h"

static void test_lookup(void **state)
{
	(void)state;
	assert_true(mmr_kernel_lock_rows() > 50);
	assert_string_equal(mmr_kernel_lock_of_caller("rmqueue_bulk"), "zone->lock");
	assert_string_equal(mmr_kernel_lock_of_caller("free_pcppages_bulk"), "zone->lock");
	assert_string_equal(mmr_kernel_lock_of_caller("get_partial_node"), "n->list_lock");
	assert_string_equal(mmr_kernel_lock_of_caller("kvfree_call_rcu"), "krcp->lock");
	assert_string_equal(mmr_kernel_lock_of_caller("cma_clear_bitmap"), "cma->lock");
	assert_string_equal(mmr_kernel_lock_of_caller("free_vmap_area_noflush"), "vn->lazy.lock");
	assert_string_equal(mmr_kernel_lock_of_caller("drain_vmap_area_work"), "vmap_purge_lock");
	/* kallsyms' suffixes and a symbol's offset name the same function. */
	assert_string_equal(mmr_kernel_lock_of_caller("get_partial_node.isra.0"), "n->list_lock");
	assert_string_equal(mmr_kernel_lock_of_caller("__rmqueue_pcplist+0x2d1"), "zone->lock");
	/* Not in the table; a prefix of a name is not the name. */
	assert_null(mmr_kernel_lock_of_caller("anon_pipe_write"));
	assert_null(mmr_kernel_lock_of_caller("rmqueue_bul"));
	assert_null(mmr_kernel_lock_of_caller("rmqueue_bulkx"));
	assert_null(mmr_kernel_lock_of_caller(""));
	assert_null(mmr_kernel_lock_of_caller(NULL));
	/* A function that takes several locks names none by itself... */
	assert_null(mmr_kernel_lock_of_caller("zs_free"));
	assert_null(mmr_kernel_lock_of_caller("free_vmap_area"));
}

/* Every row of the table file is whole and says a known type and place: none is passed over. */
static void test_table_rows(void **state)
{
	(void)state;
	FILE *f = fopen(MMR_KERNEL_LOCKS_TSV, "r");
	assert_non_null(f);
	char line[512];
	size_t rows = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		char fn[128], lock[64], type[32], where[32], src[64];
		if (sscanf(line, "%127[^\t]\t%63[^\t]\t%31[^\t]\t%31[^\t]\t%63[^\n]", fn, lock, type, where, src) != 5)
			fail_msg("not a whole row: %s", line);
		const char *types[] = {"any", "spinlock", "rwlock", "mutex", "rwsem"};
		bool ok = false;
		for (size_t i = 0; i < 5; i++)
			ok |= strcmp(type, types[i]) == 0;
		if (!ok || (strcmp(where, "any") && strcmp(where, "static") && strcmp(where, "dynamic")))
			fail_msg("bad type or where: %s", line);
		rows++;
	}
	fclose(f);
	assert_int_equal(mmr_kernel_lock_rows(), rows);
}

static void test_lookup_wait(void **state)
{
	(void)state;
	const uint64_t heap = 0xffff888100002000ull, image = 0xffffffff82e08080ull;
	/* ...but the wait's type tells zsmalloc's rwlock from its spinlock, */
	assert_string_equal(mmr_kernel_lock_of_wait("zs_free", MMR_LCB_SPIN | MMR_LCB_READ, heap), "pool->migrate_lock");
	assert_string_equal(mmr_kernel_lock_of_wait("zs_free+0x40", MMR_LCB_SPIN, heap), "class->lock");
	/* and the address a static lock from a heap one. */
	assert_string_equal(mmr_kernel_lock_of_wait("free_vmap_area", MMR_LCB_SPIN, image), "free_vmap_area_lock");
	assert_string_equal(mmr_kernel_lock_of_wait("free_vmap_area", MMR_LCB_SPIN, heap), "vn->busy.lock");
	assert_string_equal(mmr_kernel_lock_of_wait("decay_va_pool_node", MMR_LCB_SPIN, heap), "vn->pool_lock");
	/* Still two heap spinlocks (alloc_vmap_area inlines node_alloc): unnamed rather than guessed. */
	assert_null(mmr_kernel_lock_of_wait("alloc_vmap_area", MMR_LCB_SPIN, heap));
	assert_string_equal(mmr_kernel_lock_of_wait("alloc_vmap_area", MMR_LCB_SPIN, image), "free_vmap_area_lock");
	/* A wait of a kind the function's lock is not: no name. */
	assert_null(mmr_kernel_lock_of_wait("rmqueue_bulk", MMR_LCB_MUTEX, heap));
	assert_string_equal(mmr_kernel_lock_of_wait("rmqueue_bulk", MMR_LCB_SPIN, heap), "zone->lock");
	/* zone->lock is static on a kernel without NUMA (contig_page_data): any place will do. */
	assert_string_equal(mmr_kernel_lock_of_wait("rmqueue_bulk", MMR_LCB_SPIN, image), "zone->lock");
	assert_true(mmr_kernel_addr_static(image));
	assert_false(mmr_kernel_addr_static(heap));
}

/* ---- naming in stats, through the writer and reader ---------------------- */

#define STATIC_LOCK 0xffffffff82e10000ull /* named by its symbol */
#define ZONE_LOCK 0xffff88813fffa000ull   /* named by its caller */
#define PIPE_LOCK 0xffff888100003000ull   /* unknown: an address and its caller */
#define SITE_RMQ 0xffffffff81300010ull
#define SITE_FREE 0xffffffff81300100ull
#define SITE_PIPE 0xffffffff81500020ull

static struct mmr_event lev(uint64_t ts, int32_t pid, unsigned op, uint64_t addr, uint64_t site, bool stacked)
{
	struct mmr_event e;
	memset(&e, 0, sizeof(e));
	e.ts_ns = ts;
	e.pid = pid;
	e.family = MMR_FAM_LOCK;
	e.op = (uint8_t)op;
	e.id = addr;
	e.aux = op == MMR_OP_CONTENTION_BEGIN ? MMR_LCB_SPIN : 0;
	e.call_site = site;
	e.flags = stacked ? MMR_EF_STACKED : 0;
	e.node = -1;
	return e;
}

#define B(ts, pid, addr, site, st) lev(ts, pid, MMR_OP_CONTENTION_BEGIN, addr, site, st)
#define E(ts, pid, addr) lev(ts, pid, MMR_OP_CONTENTION_END, addr, 0, false)

/*
 * The zone lock's begins come twice from rmqueue_bulk and once from
 * anon_pipe_write (a stack that named the wrong frame would): the most
 * frequent caller names it.  The static lock's caller maps to zone->lock,
 * but its own symbol wins.  The pipe lock's caller is in no table row.
 */
static struct mmr_reader *naming_trace(char *path)
{
	const struct mmr_event evs[] = {
		B(100, 1, ZONE_LOCK, SITE_RMQ, true),    E(150, 1, ZONE_LOCK),
		B(200, 2, ZONE_LOCK, SITE_PIPE, true),   E(260, 2, ZONE_LOCK),
		B(300, 3, ZONE_LOCK, SITE_RMQ, true),    E(330, 3, ZONE_LOCK),
		B(400, 4, ZONE_LOCK, 0, false),          E(420, 4, ZONE_LOCK),
		B(500, 5, STATIC_LOCK, SITE_FREE, true), E(900, 5, STATIC_LOCK),
		B(600, 6, PIPE_LOCK, SITE_PIPE, true),   E(610, 6, PIPE_LOCK),
	};
	struct mmr_error err;
	struct mmr_meta meta = {.kernel_release = "6.18-test", .clock = "mono", .source = "test", .nr_cpus = 1};
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct mmr_writer *w = mmr_writer_open(path, &meta, NULL, &err);
	if (!w)
		fail_msg("%s", err.msg);
	assert_int_equal(mmr_writer_add_symbol(w, STATIC_LOCK, "free_vmap_area_lock", &err), 0);
	assert_int_equal(mmr_writer_add_symbol(w, SITE_RMQ, "__rmqueue_pcplist+0x10", &err), 0);
	assert_int_equal(mmr_writer_add_symbol(w, SITE_FREE, "free_one_page+0x30", &err), 0);
	assert_int_equal(mmr_writer_add_symbol(w, SITE_PIPE, "anon_pipe_write+0x53", &err), 0);
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		assert_int_equal(mmr_writer_write(w, &evs[i], &err), 0);
	if (mmr_writer_close(w, &err))
		fail_msg("%s", err.msg);
	struct mmr_reader *r = mmr_reader_open(path, &err);
	if (!r)
		fail_msg("%s", err.msg);
	return r;
}

static const struct stats_lock_row *row_of(const struct mmr_stats *s, uint64_t addr)
{
	for (size_t i = 0; i < s->locks.nrows; i++)
		if (s->locks.rows[i].addr == addr)
			return &s->locks.rows[i];
	fail_msg("no row for lock 0x%llx", (unsigned long long)addr);
	return NULL;
}

static const cJSON *lock_json(const cJSON *locks, const char *addr)
{
	const cJSON *l;
	cJSON_ArrayForEach(l, locks) if (strcmp(cJSON_GetObjectItemCaseSensitive(l, "addr")->valuestring, addr) == 0) return l;
	fail_msg("no lock %s in the JSON", addr);
	return NULL;
}

static void assert_jstr(const cJSON *o, const char *key, const char *want)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!want) {
		assert_true(cJSON_IsNull(v));
		return;
	}
	assert_true(cJSON_IsString(v));
	assert_string_equal(v->valuestring, want);
}

static void check_rows(const struct mmr_stats *s, const struct mmr_reader *r)
{
	const char *by;
	const struct stats_lock_row *zone = row_of(s, ZONE_LOCK), *st = row_of(s, STATIC_LOCK),
				    *pipe = row_of(s, PIPE_LOCK);
	assert_int_equal(zone->caller, SITE_RMQ);
	assert_int_equal(zone->caller_hits, 2);
	assert_int_equal(zone->stacked, 3);
	assert_string_equal(stats_lock_name_by(zone, r, &by), "zone->lock");
	assert_string_equal(by, "caller");
	assert_string_equal(stats_lock_name(st, r), "free_vmap_area_lock");
	assert_string_equal(stats_lock_name_by(st, r, &by), "free_vmap_area_lock");
	assert_string_equal(by, "symbol");
	assert_null(stats_lock_name_by(pipe, r, &by));
	assert_null(by);
	assert_int_equal(pipe->caller, SITE_PIPE);
	/* Without the trace's symbols nothing is named. */
	assert_null(stats_lock_name(zone, NULL));
}

static void check_json(const struct mmr_stats *s, const struct mmr_reader *r)
{
	char *text = mmr_stats_json(s, r);
	cJSON *root = cJSON_Parse(text);
	assert_non_null(root);
	const cJSON *locks = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "lock_contention"), "locks");
	const cJSON *z = lock_json(locks, "0xffff88813fffa000"), *p = lock_json(locks, "0xffff888100003000");
	assert_jstr(z, "name", "zone->lock");
	assert_jstr(z, "named_by", "caller");
	assert_jstr(z, "caller", "0xffffffff81300010");
	assert_jstr(z, "caller_symbol", "__rmqueue_pcplist+0x10");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(z, "stacked")->valuedouble, 3);
	assert_jstr(lock_json(locks, "0xffffffff82e10000"), "named_by", "symbol");
	assert_jstr(p, "name", NULL);
	assert_jstr(p, "named_by", NULL);
	assert_jstr(p, "caller_symbol", "anon_pipe_write+0x53");
	cJSON_Delete(root);
	free(text);
}

static void check_text(const struct mmr_stats *s, const struct mmr_reader *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	mmr_stats_print(s, r, f);
	fclose(f);
	assert_non_null(strstr(buf, "| zone->lock           | __rmqueue_pcplist+0x10"));
	assert_non_null(strstr(buf, "| free_vmap_area_lock  | free_one_page+0x30"));
	assert_non_null(strstr(buf, "| 0xffff888100003000   | anon_pipe_write+0x53"));
	free(buf);
}

static void test_stats_naming(void **state)
{
	(void)state;
	char path[] = "/tmp/mmr_test_lock_names_XXXXXX";
	struct mmr_reader *r = naming_trace(path);
	struct mmr_error err;
	struct mmr_stats *s = mmr_stats_from_reader(r, &err);
	if (!s)
		fail_msg("%s", err.msg);
	check_rows(s, r);
	check_json(s, r);
	check_text(s, r);
	mmr_stats_free(s);
	mmr_reader_close(r);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_table_rows),
		cmocka_unit_test(test_lookup_wait),
		cmocka_unit_test(test_stats_naming),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
