/* SPDX-License-Identifier: MIT */
/*
 * test_dat.c - the plots' tables derived from a results.json written by
 * hand (plots/dat.c): the percentile spectrum found as the runner finds
 * its percentiles, the lock table ordered by each class's total wait
 * with an rwlock's sides together, an older file's histogram bounds, a
 * damaged histogram refused with its key named, and a symlink where a
 * table goes replaced rather than written through.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mmr_report.h"

/* A fresh directory under the test's temporary directory. */
static void make_dir(char *dir, size_t n)
{
	snprintf(dir, n, "%s/test_dat.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
}

/* DIR/results.json: the keys every reader needs, then BODY (more members, comma-led). */
static void write_results(const char *dir, const char *body)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/results.json", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "{\"engine\": \"e\", \"trace\": \"t.mmr\", \"threads\": 2, \"online_cpus\": 2%s}", body);
	assert_int_equal(fclose(f), 0);
}

/* The data lines of DIR/NAME (no '#' ones), as one string (free()). */
static char *rows(const char *dir, const char *name)
{
	char path[PATH_MAX], line[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *out = calloc(1, 1 << 16);
	assert_non_null(out);
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#')
			strncat(out, line, (1 << 16) - strlen(out) - 1);
	fclose(f);
	return out;
}

static void clean(const char *dir)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* 100 calls: 50 in [10, 10], 40 in [20, 21], 10 in [40, 47]; the slowest took 44 ns. */
static const char hist_body[] =
	", \"timer_overhead_ns\": 2.0, \"ops\": {\"alloc\": {\"count\": 100, \"max_ns\": 44.0, \"histogram\": ["
	"{\"low\": 12, \"high\": 12, \"count\": 50, \"low_ns\": 10.0, \"high_ns\": 10.0},"
	"{\"low\": 22, \"high\": 23, \"count\": 40, \"low_ns\": 20.0, \"high_ns\": 21.0},"
	"{\"low\": 42, \"high\": 49, \"count\": 10, \"low_ns\": 40.0, \"high_ns\": 47.0}]}}";

static void test_hist_and_spectrum(void **state)
{
	(void)state;
	char dir[PATH_MAX];
	struct mmr_results r;
	struct mmr_error err;
	make_dir(dir, sizeof(dir));
	write_results(dir, hist_body);
	assert_int_equal(mmr_results_load(dir, &r, &err), 0);
	assert_int_equal(mmr_dat_write(&r, MMR_DAT_HIST, MMR_OP_ALLOC, dir, &err), 3);
	assert_int_equal(mmr_dat_write(&r, MMR_DAT_PERCENTILES, MMR_OP_ALLOC, dir, &err), 26);
	/* Nothing to draw: no table, and no file. */
	assert_int_equal(mmr_dat_write(&r, MMR_DAT_HIST, MMR_OP_FREE, dir, &err), 0);
	assert_int_equal(mmr_dat_write(&r, MMR_DAT_TIMELINE, 0, dir, &err), 0);
	mmr_results_free(&r);
	char *h = rows(dir, "hist_alloc.dat"), *p = rows(dir, "percentiles_alloc.dat");
	assert_string_equal(h, "10.0 10.0 50 0.500000\n20.0 21.0 40 0.900000\n40.0 47.0 10 1.000000\n");
	/* p50: rank 50, the first bucket; p50.5 would be the second; p90 the second; p99 the third, at most max_ns. */
	assert_non_null(strstr(p, "\n50 10.0 2.0\n"));
	assert_non_null(strstr(p, "\n60 21.0 2.5\n"));
	assert_non_null(strstr(p, "\n90 21.0 10.0\n"));
	assert_non_null(strstr(p, "\n99 44.0 100.0\n"));
	assert_int_equal(strncmp(p, "0 10.0 1.0\n", 11), 0);
	free(h);
	free(p);
	char none[PATH_MAX + 16];
	snprintf(none, sizeof(none), "%s/hist_free.dat", dir);
	assert_int_equal(access(none, F_OK), -1);
	clean(dir);
}

/* A histogram from before low_ns and high_ns: its bounds less the timer's cost, never below 0. */
static void test_older_histogram(void **state)
{
	(void)state;
	char dir[PATH_MAX];
	struct mmr_results r;
	struct mmr_error err;
	make_dir(dir, sizeof(dir));
	write_results(dir, ", \"timer_overhead_ns\": 5.0, \"ops\": {\"free\": {\"count\": 3, \"max_ns\": 20.0, \"histogram\": ["
			   "{\"low\": 3, \"high\": 3, \"count\": 1}, {\"low\": 24, \"high\": 25, \"count\": 2}]}}");
	assert_int_equal(mmr_results_load(dir, &r, &err), 0);
	assert_int_equal(mmr_dat_write(&r, MMR_DAT_HIST, MMR_OP_FREE, dir, &err), 2);
	mmr_results_free(&r);
	char *h = rows(dir, "hist_free.dat");
	assert_string_equal(h, "0.0 0.0 1 0.333333\n19.0 20.0 2 1.000000\n");
	free(h);
	clean(dir);
}

/*
 * The runner's order: the class with the most wait over both its sides
 * first (an rwlock's write and read rows together, as results.json lists
 * them), equal waits by name.
 */
static void test_lock_order(void **state)
{
	(void)state;
	char dir[PATH_MAX];
	struct mmr_results r;
	struct mmr_error err;
	make_dir(dir, sizeof(dir));
	write_results(dir, ", \"ops\": {}, \"locks\": ["
			   "{\"name\": \"b\", \"side\": \"exclusive\", \"acquisitions\": 1, \"wait_ns_total\": 100},"
			   "{\"name\": \"rw lock\", \"side\": \"write\", \"acquisitions\": 2, \"wait_ns_total\": 10, \"hold_ns_total\": 7, \"hold_ns_max\": 5},"
			   "{\"name\": \"rw lock\", \"side\": \"read\", \"acquisitions\": 3, \"wait_ns_total\": 95},"
			   "{\"name\": \"a\", \"side\": \"exclusive\", \"acquisitions\": 4, \"wait_ns_total\": 100}]");
	assert_int_equal(mmr_results_load(dir, &r, &err), 0);
	assert_int_equal(mmr_dat_write(&r, MMR_DAT_LOCKS, 0, dir, &err), 4);
	mmr_results_free(&r);
	char *l = rows(dir, "locks.dat");
	assert_string_equal(l, "\"rw lock\" write 2 0 10 0 7 5\n\"rw lock\" read 3 0 95 0 0 0\n"
			       "\"a\" exclusive 4 0 100 0 0 0\n\"b\" exclusive 1 0 100 0 0 0\n");
	free(l);
	clean(dir);
}

/* Buckets out of order: the load goes on (a report needs no histogram), every table is refused. */
static void test_damaged(void **state)
{
	(void)state;
	char dir[PATH_MAX];
	struct mmr_results r;
	struct mmr_error err;
	make_dir(dir, sizeof(dir));
	write_results(dir, ", \"ops\": {\"alloc\": {\"count\": 2, \"histogram\": ["
			   "{\"low\": 9, \"high\": 9, \"count\": 1}, {\"low\": 5, \"high\": 5, \"count\": 1}]}}");
	assert_int_equal(mmr_results_load(dir, &r, &err), 0);
	assert_int_equal(mmr_dat_write(&r, MMR_DAT_FOOTPRINT, 0, dir, &err), -1);
	assert_non_null(strstr(err.msg, "/results.json: ops.alloc.histogram[1]: not a bucket"));
	mmr_results_free(&r);
	clean(dir);
}

/* A symlink named as a table is removed, not followed: its target keeps what it held. */
static void test_replaces_symlink(void **state)
{
	(void)state;
	char dir[PATH_MAX], target[PATH_MAX + 16], link[PATH_MAX + 16];
	struct mmr_results r;
	struct mmr_error err;
	make_dir(dir, sizeof(dir));
	write_results(dir, hist_body);
	snprintf(target, sizeof(target), "%s/precious", dir);
	snprintf(link, sizeof(link), "%s/hist_alloc.dat", dir);
	FILE *f = fopen(target, "w");
	assert_non_null(f);
	fputs("keep\n", f);
	fclose(f);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(mmr_results_load(dir, &r, &err), 0);
	assert_int_equal(mmr_dat_write(&r, MMR_DAT_HIST, MMR_OP_ALLOC, dir, &err), 3);
	mmr_results_free(&r);
	char *t = rows(dir, "precious");
	assert_string_equal(t, "keep\n");
	free(t);
	char buf[8];
	assert_int_equal(readlink(link, buf, sizeof(buf)), -1);
	clean(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_and_spectrum),
		cmocka_unit_test(test_older_histogram),
		cmocka_unit_test(test_lock_order),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_replaces_symlink),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
