/* SPDX-License-Identifier: MIT */
/*
 * test_engines.c - loading engine plugins: the build's engines load and
 * name themselves; a file that is not a shared object, a shared object
 * that is not an engine, and an engine built for another ABI are each
 * refused with one line naming the file and the reason, as are wrong
 * outcome and cost declarations; every family has one baseline; the
 * engines that malloc a trace's size fail a size no kernel allocates.
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

#include "mmr_replay.h"

/* Paths from CMake: the engine directory, the test plugins, and a library that is no engine. */
#ifndef ENGINE_DIR
#error ENGINE_DIR must be defined
#endif

static void expect_refused(const char *file, const char *why)
{
	struct mmr_engine_catalog *c = mmr_engines_load(NULL, NULL);
	struct mmr_error err = {{0}};
	assert_non_null(c);
	assert_int_equal(mmr_engines_add_file(c, file, &err), -1);
	if (!strstr(err.msg, file) || !strstr(err.msg, why))
		fail_msg("refusing %s: expected '%s' in: %s", file, why, err.msg);
	assert_null(strchr(err.msg, '\n'));
	assert_int_equal(mmr_engines_count(c), 0);
	mmr_engines_free(c);
}

static void test_build_engines_load(void **state)
{
	(void)state;
	struct mmr_engine_catalog *c = mmr_engines_load(ENGINE_DIR, stderr);
	assert_non_null(c);
	const struct mmr_engine_ops *null = mmr_engines_find(c, "null");
	const struct mmr_engine_ops *libc = mmr_engines_find(c, "libc");
	assert_non_null(null);
	assert_non_null(libc);
	assert_non_null(mmr_engines_find(c, "example"));
	assert_null(mmr_engines_find(c, "no-such-engine"));
	assert_true(libc->families == 1u << MMR_FAM_SLAB);
	const char *file = NULL;
	for (size_t i = 0; i < mmr_engines_count(c); i++)
		if (mmr_engines_get(c, i, &file) == null)
			break;
	assert_non_null(strstr(file, "null.so"));
	mmr_engines_free(c);
}

static void test_not_a_shared_object(void **state)
{
	(void)state;
	char path[256];
	snprintf(path, sizeof(path), "%s/test_engines.%d.so", P_tmpdir, (int)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("not an ELF file\n", f);
	fclose(f);
	expect_refused(path, "cannot load");
	/* In a directory, such a file is a warning and is left out. */
	unlink(path);
}

static void test_not_an_engine(void **state)
{
	(void)state;
	expect_refused(NOT_AN_ENGINE, "no mmr_engines symbol: not an mmreplay engine");
}

static void test_other_abi(void **state)
{
	(void)state;
	char why[96];
	snprintf(why, sizeof(why), "engine ABI 9999, this mmreplay speaks ABI %d", MMR_ENGINE_ABI);
	expect_refused(BAD_ABI_ENGINE, why);
}

static void test_incomplete(void **state)
{
	(void)state;
	expect_refused(NO_ALLOC_ENGINE, "lacks a name, create, destroy, an alloc op or families");
}

static void test_bad_declarations(void **state)
{
	(void)state;
	expect_refused(BAD_OUTCOME_ENGINE, "engine 'bad': outcome 'moves_failed' names no op");
	expect_refused(BAD_COST_ENGINE, "engine 'bad': option 'flush_ns' is a cost without a range lo < hi");
}

/*
 * compare takes a family's baseline from the engines: each family the
 * build's engines replay has exactly one (the engines of every family
 * excepted), and every cost option of theirs has a source.
 */
static void test_one_baseline_per_family(void **state)
{
	(void)state;
	struct mmr_engine_catalog *c = mmr_engines_load(ENGINE_DIR, stderr);
	assert_non_null(c);
	unsigned baselines[MMR_FAM_COUNT] = {0}, engines[MMR_FAM_COUNT] = {0};
	for (size_t i = 0; i < mmr_engines_count(c); i++) {
		const struct mmr_engine_ops *e = mmr_engines_get(c, i, NULL);
		if ((e->families & (e->families - 1)) != 0)
			continue; /* null: every family */
		unsigned f = (unsigned)__builtin_ctz(e->families);
		engines[f]++;
		baselines[f] += e->baseline;
		for (const struct mmr_engine_param *p = e->params; p && p->key; p++)
			if (p->lo || p->hi)
				assert_true(p->profile || p->source);
	}
	for (unsigned f = 0; f < MMR_FAM_COUNT; f++)
		if (engines[f] && baselines[f] != 1)
			fail_msg("family %s: %u engines marked baseline, one expected", mmr_family_name(f), baselines[f]);
	mmr_engines_free(c);
}

/*
 * The engines that malloc a trace's size (libc, example) fail what no
 * kernel allocates and what would wrap beside their header, and keep a
 * realloc's old object when the new size fails.
 */
static void test_sizes_past_the_bound(void **state)
{
	(void)state;
	struct mmr_engine_catalog *c = mmr_engines_load(ENGINE_DIR, stderr);
	assert_non_null(c);
	const char *const names[] = {"libc", "example"};
	const uint64_t bad[] = {UINT64_MAX - 8, UINT64_MAX, MMR_MAX_BYTES, (uint64_t)INT_MAX + 1};
	for (size_t k = 0; k < 2; k++) {
		const struct mmr_engine_ops *e = mmr_engines_find(c, names[k]);
		assert_non_null(e);
		struct mmr_engine_env env = {.engine = e, .threads = 1, .online_cpus = 1, .slots = 16};
		struct mmr_error err = {{0}};
		void *engine = e->create(&env, &err);
		assert_non_null(engine);
		struct mmr_call a = {.size = 64, .node = -1};
		assert_int_equal(e->op[MMR_OP_ALLOC](engine, &a), 0);
		memset((void *)(uintptr_t)a.handle, 0x5a, 64);
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct mmr_call m = {.size = bad[i], .node = -1};
			assert_int_equal(e->op[MMR_OP_ALLOC](engine, &m), MMR_CALL_FAILED);
			if (!e->op[MMR_OP_REALLOC])
				continue;
			m = (struct mmr_call){.size = bad[i], .aux_handle = a.handle, .node = -1};
			assert_int_equal(e->op[MMR_OP_REALLOC](engine, &m), MMR_CALL_FAILED);
			assert_int_equal(((unsigned char *)(uintptr_t)a.handle)[63], 0x5a);
		}
		assert_int_equal(e->op[MMR_OP_FREE](engine, &a), 0);
		e->destroy(engine);
	}
	mmr_engines_free(c);
}

/* validate picks engines by the kernel range they declare: the bounds, open ends, bad ranges. */
static void test_kernel_range(void **state)
{
	(void)state;
	struct mmr_engine_ops e = {.kernel = "6.9-"};
	assert_true(mmr_engine_models_kernel(&e, "6.18.44-fc-v1272"));
	assert_true(mmr_engine_models_kernel(&e, "6.9.0"));
	assert_false(mmr_engine_models_kernel(&e, "6.8.12"));
	assert_false(mmr_engine_models_kernel(&e, "5.15"));
	e.kernel = "-6.8";
	assert_true(mmr_engine_models_kernel(&e, "6.8.12-amd64"));
	assert_false(mmr_engine_models_kernel(&e, "6.9"));
	assert_true(mmr_engine_models_kernel(&e, "2.6.32"));
	e.kernel = "5.13-6.1";
	assert_true(mmr_engine_models_kernel(&e, "6.1.0-18-amd64"));
	assert_false(mmr_engine_models_kernel(&e, "5.12.19"));
	assert_false(mmr_engine_models_kernel(&e, "6.2"));
	e.kernel = "2.6.32-";
	assert_false(mmr_engine_models_kernel(&e, "2.6.31"));
	assert_true(mmr_engine_models_kernel(&e, "3.0"));
	e.kernel = "-";
	assert_true(mmr_engine_models_kernel(&e, "1.0"));
	/* No release version, no range, a malformed range: never. */
	assert_false(mmr_engine_models_kernel(&e, ""));
	assert_false(mmr_engine_models_kernel(&e, "linux"));
	const char *const bad[] = {"6.9", "6-", "6.9-x", "6.9--", "x-6.9"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.kernel = bad[i];
		assert_false(mmr_engine_models_kernel(&e, "6.9.1"));
	}
	e.kernel = NULL;
	assert_false(mmr_engine_models_kernel(&e, "6.9.1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_engines_load),
		cmocka_unit_test(test_not_a_shared_object),
		cmocka_unit_test(test_not_an_engine),
		cmocka_unit_test(test_other_abi),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_bad_declarations),
		cmocka_unit_test(test_one_baseline_per_family),
		cmocka_unit_test(test_sizes_past_the_bound),
		cmocka_unit_test(test_kernel_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
