/* SPDX-License-Identifier: MIT */
/*
 * test_validate.c - validate's figures from hand-built ones: the log
 * ratio's cases, the fidelity as the median of their absolute values, and
 * a whole report from a hand-written kernel statistics file and one
 * engine's results, whose fidelity must be the one worked out here from
 * the figures its table prints.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mmr_report.h"

static void test_log_ratio(void **state)
{
	(void)state;
	assert_float_equal(mmr_validate_log_ratio(10, 1), 1.0, 1e-12);
	assert_float_equal(mmr_validate_log_ratio(1, 100), -2.0, 1e-12);
	assert_float_equal(mmr_validate_log_ratio(3, 3), 0.0, 1e-12);
	assert_true(mmr_validate_log_ratio(0, 5) == -INFINITY);
	assert_true(mmr_validate_log_ratio(5, 0) == INFINITY);
	assert_true(isnan(mmr_validate_log_ratio(0, 0)));
	assert_true(isnan(mmr_validate_log_ratio(NAN, 1)));
	assert_true(isnan(mmr_validate_log_ratio(-1, 1)));
}

static void test_fidelity_median(void **state)
{
	(void)state;
	double odd[] = {0.5, -2, 1};
	assert_float_equal(mmr_validate_fidelity(odd, 3), 1.0, 1e-12);
	double even[] = {-0.2, 0.4, 3, -1};
	assert_float_equal(mmr_validate_fidelity(even, 4), (0.4 + 1) / 2, 1e-12);
	/* NAN ratios (nothing to compare) are left out; infinities count as the largest. */
	double mixed[] = {NAN, -INFINITY, 0.1, NAN};
	assert_true(isinf(mmr_validate_fidelity(mixed, 4)));
	double three[] = {-INFINITY, 0.1, 0.3};
	assert_float_equal(mmr_validate_fidelity(three, 3), 0.3, 1e-12);
	double none[] = {NAN};
	assert_true(isnan(mmr_validate_fidelity(none, 1)));
	assert_true(isnan(mmr_validate_fidelity(NULL, 0)));
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* Remove DIR and everything under it: a test leaves nothing behind. */
static void remove_tree(const char *dir)
{
	assert_int_equal(nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* PATH's text into BUF (N bytes), cut to fit. */
static void read_file(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t len = fread(buf, 1, n - 1, f);
	fclose(f);
	buf[len] = '\0';
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/*
 * The kernel: zone->lock at two addresses (40 + 20 contended, a spinlock),
 * cma->lock (10), an unnamed lock (7).  The model replayed 6000 ops per run
 * over 2 runs and contended zone->lock 2 x 45 times per run, 2 x 30 of them
 * queued behind another waiter (the ones the kernel's queued spinlock
 * traces), cma->lock 2 x 1000 times, and also a lock the kernel never
 * reported.
 */
static const char kernel_json[] =
	"{\"trace\": {\"kernel_release\": \"6.18.44\", \"nr_cpus\": 2}, \"duration_ns\": 1000000000,"
	" \"lock_contention\": {\"locks\": ["
	"  {\"addr\": \"0xa\", \"name\": \"zone->lock\", \"type\": \"spinlock\", \"contended\": 40, \"wait_total_ns\": 4000,"
	"   \"wait_histogram\": [{\"low\": 100, \"high\": 100, \"count\": 40}]},"
	"  {\"addr\": \"0xb\", \"name\": \"zone->lock\", \"contended\": 20, \"wait_total_ns\": 2000,"
	"   \"wait_histogram\": [{\"low\": 100, \"high\": 100, \"count\": 20}]},"
	"  {\"addr\": \"0xc\", \"name\": \"cma->lock\", \"contended\": 10, \"wait_total_ns\": 500},"
	"  {\"addr\": \"0xd\", \"name\": null, \"caller_symbol\": \"pipe_write+0x3a\", \"contended\": 7,"
	"   \"wait_total_ns\": 70}]}}";

static const char results_json[] =
	"{\"engine\": \"model-x\", \"trace\": \"t.mmr\", \"threads\": 2, \"online_cpus\": 2, \"wall_ns\": 1e9,"
	" \"ops\": {\"alloc\": {\"count\": 8000}, \"free\": {\"count\": 4000}},"
	" \"repeats\": [{\"wall_ns\": 1e9}, {\"wall_ns\": 1e9}],"
	" \"locks\": ["
	"  {\"name\": \"zone->lock\", \"side\": \"exclusive\", \"kernel_type\": \"spinlock_t\", \"acquisitions\": 900,"
	"   \"contended\": 90, \"contended_queued\": 60,"
	"   \"wait_ns_total\": 600, \"wait_histogram\": [{\"low\": 10, \"high\": 10, \"count\": 60}]},"
	"  {\"name\": \"cma->lock\", \"side\": \"exclusive\", \"acquisitions\": 9000, \"contended\": 2000,"
	"   \"wait_ns_total\": 9},"
	"  {\"name\": \"n->list_lock\", \"side\": \"exclusive\", \"acquisitions\": 50, \"contended\": 5}]}";

static void test_report(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_validate.XXXXXX", path[512], res[128], out[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kernel.json", dir);
	write_file(path, kernel_json);
	snprintf(res, sizeof(res), "%s/model-x", dir);
	assert_int_equal(mkdir(res, 0777), 0);
	snprintf(out, sizeof(out), "%s/results.json", res);
	write_file(out, results_json);
	snprintf(out, sizeof(out), "%s/report", dir);
	const char *dirs[] = {res};
	struct mmr_validate_opts o = {.kernel_stats = path, .dirs = dirs, .ndirs = 1, .outdir = out};
	struct mmr_validate_engine *x = NULL;
	size_t n = 0;
	struct mmr_error err;
	assert_int_equal(mmr_validate_report(&o, &x, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(x[0].engine, "model-x");
	assert_int_equal(x[0].paired, 2);
	assert_int_equal(x[0].unmodelled, 1);
	/*
	 * Per 1000 of the 6000 ops a run: zone->lock kernel 60 -> 10, model 30
	 * -> 5, ratio 0.5; cma->lock kernel 10 -> 1.667, model 1000 -> 166.7,
	 * ratio 100.  Median of |log10| over the two: (0.30103 + 2) / 2.
	 */
	assert_float_equal(x[0].fidelity, (log10(2) + 2) / 2, 1e-9);
	assert_non_null(strstr(x[0].worst, "cma->lock (x100)"));
	snprintf(path, sizeof(path), "%s/validate.md", out);
	char text[16384];
	read_file(path, text, sizeof(text));
	/* The table prints the figures the fidelity came from, and what is not modelled. */
	assert_non_null(strstr(text, "| 10 / 5 (queued) | x0.5 |"));
	assert_non_null(strstr(text, "| 1.67 / 167 | x100 |"));
	assert_non_null(strstr(text, "pipe\\_write+0x3a"));
	assert_non_null(strstr(text, "n-\\>list\\_lock (0.417 per 1000 ops)"));
	free(x);
	remove_tree(dir);
}

/*
 * A kernel that traced no spinlock wait (only a mutex here) cannot check a
 * model's spinlock: its contention is listed as not checkable, while a
 * model mutex the kernel did not report is listed as contention the kernel
 * did not have.
 */
static void test_unchecked_spinlock(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_validate.XXXXXX", k[128], res[128], p[512];
	assert_non_null(mkdtemp(dir));
	snprintf(k, sizeof(k), "%s/kernel.json", dir);
	write_file(k, "{\"trace\": {\"nr_cpus\": 2}, \"duration_ns\": 1000, \"lock_contention\": {\"locks\": ["
		      "{\"addr\": \"0xa\", \"name\": \"pcpu_alloc_mutex\", \"type\": \"mutex\", \"contended\": 3}]}}");
	snprintf(res, sizeof(res), "%s/m", dir);
	assert_int_equal(mkdir(res, 0777), 0);
	snprintf(p, sizeof(p), "%s/results.json", res);
	write_file(p, "{\"engine\": \"m\", \"trace\": \"t.mmr\", \"threads\": 2, \"online_cpus\": 2, \"wall_ns\": 1e9,"
		      " \"ops\": {\"alloc\": {\"count\": 1000}}, \"locks\": ["
		      " {\"name\": \"zone->lock\", \"kernel_type\": \"spinlock_t\", \"acquisitions\": 9, \"contended\": 5,"
		      "  \"contended_queued\": 2},"
		      " {\"name\": \"slab_mutex\", \"kernel_type\": \"mutex\", \"acquisitions\": 9, \"contended\": 4}]}");
	snprintf(p, sizeof(p), "%s/report", dir);
	const char *dirs[] = {res};
	struct mmr_validate_opts o = {.kernel_stats = k, .dirs = dirs, .ndirs = 1, .outdir = p};
	struct mmr_error err;
	assert_int_equal(mmr_validate_report(&o, NULL, NULL, &err), 0);
	snprintf(p, sizeof(p), "%s/report/validate.md", dir);
	char text[16384];
	read_file(p, text, sizeof(text));
	assert_non_null(strstr(text, "which this capture cannot check"));
	assert_non_null(strstr(text, "zone-\\>lock (2 per 1000 ops queued, 5 in all)"));
	assert_non_null(strstr(text, "contended where the kernel reported no contention: slab\\_mutex (4 per 1000 ops)"));
	assert_null(strstr(text, "contended where the kernel reported no contention: zone"));
	remove_tree(dir);
}

/*
 * 300 unnamed lock addresses with more wait than the one named lock do not
 * crowd it out of the kernel's list (256 at most): it is still paired, and
 * the unnamed ones past the list are summed in its last row.  A name too
 * long to keep whole is still one lock.
 */
static void test_named_not_crowded(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_validate.XXXXXX", k[128], res[128], p[512];
	assert_non_null(mkdtemp(dir));
	size_t cap = 64 * 1024, len = 0;
	char *json = malloc(cap), name[400];
	assert_non_null(json);
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	len += (size_t)snprintf(json + len, cap - len, "{\"trace\": {\"nr_cpus\": 2}, \"duration_ns\": 1000000000, "
				"\"lock_contention\": {\"locks\": [");
	for (int i = 0; i < 300; i++)
		len += (size_t)snprintf(json + len, cap - len, "{\"addr\": \"0x%x\", \"contended\": 9, "
					"\"wait_total_ns\": 900}, ", 0x1000 + i);
	len += (size_t)snprintf(json + len, cap - len, "{\"addr\": \"0xa\", \"name\": \"%s\", \"contended\": 1}, "
				"{\"addr\": \"0xb\", \"name\": \"%s\", \"contended\": 2}, "
				"{\"addr\": \"0xc\", \"name\": \"zone->lock\", \"contended\": 6, \"wait_total_ns\": 10}]}}",
				name, name);
	assert_true(len < cap);
	snprintf(k, sizeof(k), "%s/kernel.json", dir);
	write_file(k, json);
	free(json);
	snprintf(res, sizeof(res), "%s/m", dir);
	assert_int_equal(mkdir(res, 0777), 0);
	snprintf(p, sizeof(p), "%s/results.json", res);
	write_file(p, "{\"engine\": \"m\", \"trace\": \"t.mmr\", \"threads\": 2, \"online_cpus\": 2, \"wall_ns\": 1e9,"
		      " \"ops\": {\"alloc\": {\"count\": 1000}}, \"locks\": ["
		      " {\"name\": \"zone->lock\", \"kernel_type\": \"mutex\", \"acquisitions\": 90, \"contended\": 6}]}");
	snprintf(p, sizeof(p), "%s/report", dir);
	const char *dirs[] = {res};
	struct mmr_validate_opts o = {.kernel_stats = k, .dirs = dirs, .ndirs = 1, .outdir = p};
	struct mmr_validate_engine *x = NULL;
	size_t n = 0;
	struct mmr_error err;
	assert_int_equal(mmr_validate_report(&o, &x, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(x[0].paired, 1);
	assert_float_equal(x[0].fidelity, 0, 1e-12);
	/* zone->lock, the long name (one lock), 253 unnamed ones, and the row summing the other 47. */
	assert_int_equal(x[0].paired + x[0].unmodelled, 256);
	free(x);
	remove_tree(dir);
}

/* Results of another trace than the first's are refused, with the file named. */
static void test_other_trace(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_validate.XXXXXX", k[128], a[128], b[128], p[300];
	assert_non_null(mkdtemp(dir));
	snprintf(k, sizeof(k), "%s/kernel.json", dir);
	write_file(k, kernel_json);
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	assert_int_equal(mkdir(a, 0777), 0);
	assert_int_equal(mkdir(b, 0777), 0);
	snprintf(p, sizeof(p), "%s/results.json", a);
	write_file(p, results_json);
	snprintf(p, sizeof(p), "%s/results.json", b);
	write_file(p, "{\"engine\": \"y\", \"trace\": \"other.mmr\", \"threads\": 2, \"online_cpus\": 2, \"ops\": {}}");
	const char *dirs[] = {a, b};
	snprintf(p, sizeof(p), "%s/report", dir);
	struct mmr_validate_opts o = {.kernel_stats = k, .dirs = dirs, .ndirs = 2, .outdir = p};
	struct mmr_error err;
	assert_int_equal(mmr_validate_report(&o, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "other.mmr"));
	remove_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_ratio),
		cmocka_unit_test(test_fidelity_median),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_unchecked_spinlock),
		cmocka_unit_test(test_named_not_crowded),
		cmocka_unit_test(test_other_trace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
