/* SPDX-License-Identifier: MIT */
/*
 * test_registry.c - the workload table: lookups by name and index, param
 * tables that make sense, defaults, and the one-line errors for configs
 * out of range (nothing is written then).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "mmr_trace.h"
#include "mmr_workload.h"

static char dir[] = "/tmp/mmr-test-wlreg-XXXXXX";
static char trace_path[256];

static const struct {
	const char *name;
	int family;
} expected[] = {
	{"vmalloc-test", MMR_FAM_VMALLOC},  {"kfree-rcu-flood", MMR_FAM_KVFREE_RCU},
	{"zram-swap", MMR_FAM_ZSMALLOC},    {"hugetlb-cma", MMR_FAM_CMA},
	{"fbdev-damage", MMR_FAM_DMABUF},   {"slab-mix", MMR_FAM_SLAB},
	{"cma-bulk", MMR_FAM_CMA},
};
#define NEXPECTED (sizeof(expected) / sizeof(expected[0]))

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(trace_path, sizeof(trace_path), "%s/t.mmr", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(trace_path);
	rmdir(dir);
	return 0;
}

static void test_table(void **state)
{
	(void)state;
	assert_int_equal(mmr_workload_count(), NEXPECTED);
	assert_null(mmr_workload_get(mmr_workload_count()));
	assert_null(mmr_workload_get((size_t)-1));
	for (size_t i = 0; i < NEXPECTED; i++) {
		const struct mmr_workload *wl = mmr_workload_find(expected[i].name);
		assert_non_null(wl);
		assert_string_equal(wl->name, expected[i].name);
		assert_int_equal(wl->family, expected[i].family);
		assert_ptr_equal(mmr_workload_get(i), wl);
		assert_non_null(wl->generate);
		assert_true(wl->summary && *wl->summary);
		assert_true(wl->mirrors && *wl->mirrors);
	}
}

static void test_unknown_names(void **state)
{
	(void)state;
	const struct mmr_workload *wl = mmr_workload_find("zram-swap");
	assert_null(mmr_workload_find("no-such-workload"));
	assert_null(mmr_workload_find(""));
	assert_null(mmr_workload_find(NULL));
	assert_null(mmr_workload_find("zram"));
	assert_null(mmr_workload_find("zram-swap "));
	assert_int_equal(mmr_workload_param_index(wl, "no-such-param"), -1);
	assert_int_equal(mmr_workload_param_index(wl, ""), -1);
	assert_int_equal(mmr_workload_param_index(wl, NULL), -1);
	assert_int_equal(mmr_workload_param_index(NULL, "slots"), -1);
	/* A param of another workload is not this one's. */
	assert_int_equal(mmr_workload_param_index(wl, "max-pages"), -1);
}

static void test_params(void **state)
{
	(void)state;
	for (size_t i = 0; i < mmr_workload_count(); i++) {
		const struct mmr_workload *wl = mmr_workload_get(i);
		assert_true(wl->nparams >= 1 && wl->nparams <= MMR_WORKLOAD_MAX_PARAMS);
		for (size_t j = 0; j < wl->nparams; j++) {
			const struct mmr_workload_param *p = &wl->params[j];
			assert_true(p->name && *p->name && p->help && *p->help);
			assert_true(p->min <= p->def && p->def <= p->max);
			assert_int_equal(mmr_workload_param_index(wl, p->name), (int)j);
			for (size_t k = 0; k < j; k++)
				assert_string_not_equal(wl->params[k].name, p->name);
		}
	}
	assert_int_equal(mmr_workload_param_index(mmr_workload_find("zram-swap"),
						   "incompressible-pct"), 0);
}

static void test_defaults(void **state)
{
	(void)state;
	for (size_t i = 0; i < mmr_workload_count(); i++) {
		const struct mmr_workload *wl = mmr_workload_get(i);
		struct mmr_workload_config cfg;
		memset(&cfg, 0xa5, sizeof(cfg));
		mmr_workload_defaults(wl, &cfg);
		for (size_t j = 0; j < MMR_WORKLOAD_MAX_PARAMS; j++)
			assert_int_equal(cfg.params[j], j < wl->nparams ? wl->params[j].def : 0);
		/* seed, cpus and ops are the caller's. */
		assert_int_equal(cfg.cpus, 0xa5a5a5a5u);
		assert_int_equal(cfg.ops, 0xa5a5a5a5a5a5a5a5ull);
	}
}

/* Run WL with CFG against a fresh writer; expect failure, nothing written, and MSG. */
static void expect_error(const struct mmr_workload *wl, const struct mmr_workload_config *cfg,
			 const char *msg)
{
	struct mmr_meta meta = {.clock = "synthetic", .source = "test", .nr_cpus = 1};
	struct mmr_error err = {{0}};
	struct mmr_writer *w = mmr_writer_open(trace_path, &meta, NULL, &err);
	assert_non_null(w);
	assert_int_equal(mmr_workload_generate(wl, cfg, w, &err), -1);
	assert_string_equal(err.msg, msg);
	assert_null(strchr(err.msg, '\n'));
	assert_int_equal(mmr_writer_events(w), 0);
	assert_int_equal(mmr_writer_close(w, &err), 0);
}

static struct mmr_workload_config defaults(const struct mmr_workload *wl)
{
	struct mmr_workload_config cfg = {.seed = 1, .cpus = 2, .ops = 100};
	mmr_workload_defaults(wl, &cfg);
	return cfg;
}

static void test_out_of_range(void **state)
{
	(void)state;
	char msg[512];
	for (size_t i = 0; i < mmr_workload_count(); i++) {
		const struct mmr_workload *wl = mmr_workload_get(i);
		for (size_t j = 0; j < wl->nparams; j++) {
			const struct mmr_workload_param *p = &wl->params[j];
			struct mmr_workload_config cfg = defaults(wl);
			if (p->max < UINT64_MAX) {
				cfg.params[j] = p->max + 1;
				snprintf(msg, sizeof(msg),
					 "workload %s: --%s %llu out of range %llu..%llu", wl->name,
					 p->name, (unsigned long long)cfg.params[j],
					 (unsigned long long)p->min, (unsigned long long)p->max);
				expect_error(wl, &cfg, msg);
			}
			if (p->min > 0) {
				cfg = defaults(wl);
				cfg.params[j] = p->min - 1;
				snprintf(msg, sizeof(msg),
					 "workload %s: --%s %llu out of range %llu..%llu", wl->name,
					 p->name, (unsigned long long)cfg.params[j],
					 (unsigned long long)p->min, (unsigned long long)p->max);
				expect_error(wl, &cfg, msg);
			}
		}
		struct mmr_workload_config cfg = defaults(wl);
		cfg.cpus = 0;
		snprintf(msg, sizeof(msg), "workload %s: --cpus 0 out of range 1..8192", wl->name);
		expect_error(wl, &cfg, msg);
		cfg = defaults(wl);
		cfg.ops = 0;
		snprintf(msg, sizeof(msg), "workload %s: --ops must be at least 1", wl->name);
		expect_error(wl, &cfg, msg);
	}
}

static void test_example_message(void **state)
{
	(void)state;
	const struct mmr_workload *wl = mmr_workload_find("zram-swap");
	struct mmr_workload_config cfg = defaults(wl);
	cfg.params[mmr_workload_param_index(wl, "incompressible-pct")] = 150;
	expect_error(wl, &cfg, "workload zram-swap: --incompressible-pct 150 out of range 0..100");
	/* The generator behind the table checks too, not only the public entry point. */
	struct mmr_meta meta = {.clock = "synthetic", .source = "test", .nr_cpus = 1};
	struct mmr_error err = {{0}};
	struct mmr_writer *w = mmr_writer_open(trace_path, &meta, NULL, &err);
	assert_non_null(w);
	assert_int_equal(wl->generate(&cfg, w, &err), -1);
	assert_string_equal(err.msg, "workload zram-swap: --incompressible-pct 150 out of range 0..100");
	assert_int_equal(mmr_writer_close(w, &err), 0);
}

static void test_no_writer(void **state)
{
	(void)state;
	const struct mmr_workload *wl = mmr_workload_find("slab-mix");
	struct mmr_workload_config cfg = defaults(wl);
	struct mmr_error err = {{0}};
	assert_int_equal(mmr_workload_generate(wl, &cfg, NULL, &err), -1);
	assert_string_equal(err.msg, "workload slab-mix: no trace writer given");
	assert_int_equal(mmr_workload_generate(NULL, &cfg, NULL, &err), -1);
	assert_true(strlen(err.msg) > 0);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* A config mmr_workload_write refuses creates no file at all. */
static void test_write_bad_config_creates_nothing(void **state)
{
	(void)state;
	const struct mmr_workload *wl = mmr_workload_find("slab-mix");
	struct mmr_workload_config cfg = defaults(wl);
	struct mmr_error err = {{0}};
	unlink(trace_path);
	cfg.ops = 0;
	assert_int_equal(mmr_workload_write(wl, &cfg, trace_path, NULL, &err), -1);
	assert_string_equal(err.msg, "workload slab-mix: --ops must be at least 1");
	assert_false(exists(trace_path));
}

/*
 * A write that fails part-way (here: the file-size limit, so writes return
 * EFBIG) is reported and leaves no half-written trace behind.
 */
static void test_write_failure_removes_file(void **state)
{
	(void)state;
	const struct mmr_workload *wl = mmr_workload_find("slab-mix");
	struct mmr_workload_config cfg = defaults(wl);
	struct mmr_error err = {{0}};
	struct rlimit old, small;
	cfg.ops = 2000000;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 200000;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	int rc = mmr_workload_write(wl, &cfg, trace_path, NULL, &err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err.msg, trace_path));
	assert_false(exists(trace_path));
}

/* A good run writes exactly the events asked for, and says how to make them again. */
static void test_write_metadata(void **state)
{
	(void)state;
	const struct mmr_workload *wl = mmr_workload_find("zram-swap");
	struct mmr_workload_config cfg = defaults(wl);
	struct mmr_error err = {{0}};
	cfg.seed = 42;
	cfg.cpus = 3;
	cfg.ops = 5000;
	assert_int_equal(mmr_workload_write(wl, &cfg, trace_path, NULL, &err), 0);
	struct mmr_reader *r = mmr_reader_open(trace_path, &err);
	assert_non_null(r);
	assert_int_equal(mmr_reader_event_count(r), 5000);
	const struct mmr_meta *m = mmr_reader_meta(r);
	assert_string_equal(m->clock, "synthetic");
	assert_int_equal(m->nr_cpus, 3);
	assert_non_null(strstr(m->source, "workload zram-swap seed=42 cpus=3 ops=5000 --"));
	assert_non_null(strstr(m->source, " --incompressible-pct "));
	mmr_reader_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),      cmocka_unit_test(test_unknown_names),
		cmocka_unit_test(test_params),     cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_out_of_range), cmocka_unit_test(test_example_message),
		cmocka_unit_test(test_no_writer),
		cmocka_unit_test(test_write_bad_config_creates_nothing),
		cmocka_unit_test(test_write_failure_removes_file),
		cmocka_unit_test(test_write_metadata),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
