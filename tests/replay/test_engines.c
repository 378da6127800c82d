/* SPDX-License-Identifier: MIT */
/*
 * test_engines.c - loading engine plugins: the build's engines load and
 * name themselves; a file that is not a shared object, a shared object
 * that is not an engine, and an engine built for another ABI are each
 * refused with one line naming the file and the reason.
 */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_engines_load),
		cmocka_unit_test(test_not_a_shared_object),
		cmocka_unit_test(test_not_an_engine),
		cmocka_unit_test(test_other_abi),
		cmocka_unit_test(test_incomplete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
