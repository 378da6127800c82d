/* SPDX-License-Identifier: MIT */
/*
 * test_ualloc.c - the engines over a loaded userspace allocator (jemalloc,
 * mimalloc, tcmalloc) leave the process's malloc alone: loading one and
 * replaying through it must not make the library's malloc, free or
 * realloc the ones the rest of the process calls (RTLD_LOCAL,
 * engines/common/mmr_dlib.h).  Their objects go back to the library, a
 * realloc keeps the object's bytes, and a size no kernel allocates fails
 * without reaching the library.
 */
#include <dlfcn.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mmr_replay.h"

#ifndef ENGINE_DIR
#error ENGINE_DIR must be defined
#endif

static const char *const fns[] = {"malloc", "free", "realloc", "calloc"};

/* What the process's own lookup gives for FNS now. */
static void process_fns(void *out[4])
{
	for (int i = 0; i < 4; i++)
		out[i] = dlsym(RTLD_DEFAULT, fns[i]);
}

/* Replay a few allocations through engine NAME (from library SONAME) and check the process's malloc. */
static void check_engine(const char *name, const char *soname)
{
	void *before[4], *after[4];
	process_fns(before);
	struct mmr_engine_catalog *c = mmr_engines_load(ENGINE_DIR, stderr);
	assert_non_null(c);
	const struct mmr_engine_ops *e = mmr_engines_find(c, name);
	assert_non_null(e);
	const char *why = e->unavailable();
	if (why)
		fail_msg("engine %s unavailable (make.sh installs its library): %s", name, why);

	struct mmr_engine_env env = {.engine = e, .threads = 1, .online_cpus = 1, .slots = 16};
	struct mmr_error err = {{0}};
	void *engine = e->create(&env, &err);
	assert_non_null(engine);
	struct mmr_call a = {.size = 100, .slot = 0, .node = -1}, r, f;
	assert_int_equal(e->op[MMR_OP_ALLOC](engine, &a), 0);
	assert_true(a.handle != 0);
	memset((void *)(uintptr_t)a.handle, 0x5a, 100);
	r = (struct mmr_call){.size = 5000, .aux_handle = a.handle, .slot = 1, .node = -1};
	assert_int_equal(e->op[MMR_OP_REALLOC](engine, &r), 0);
	assert_true(((unsigned char *)(uintptr_t)r.handle)[99] == 0x5a);
	assert_true(e->footprint(engine) > 0);
	/* Past the bound every engine keeps (mmr_size.h): failed, not asked of the library; the old object stays. */
	const uint64_t bad[] = {UINT64_MAX, MMR_MAX_BYTES, (uint64_t)INT_MAX + 1};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mmr_call m = {.size = bad[i], .slot = 2, .node = -1};
		assert_int_equal(e->op[MMR_OP_ALLOC](engine, &m), MMR_CALL_FAILED);
		m = (struct mmr_call){.size = bad[i], .aux_handle = r.handle, .slot = 2, .node = -1};
		assert_int_equal(e->op[MMR_OP_REALLOC](engine, &m), MMR_CALL_FAILED);
		assert_true(((unsigned char *)(uintptr_t)r.handle)[99] == 0x5a);
	}
	f = (struct mmr_call){.handle = r.handle, .slot = 1, .node = -1};
	assert_int_equal(e->op[MMR_OP_FREE](engine, &f), 0);
	e->destroy(engine);

	/* The library is loaded, its malloc defined, and still not the process's. */
	void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
	assert_non_null(lib);
	process_fns(after);
	for (int i = 0; i < 4; i++) {
		void *theirs = dlsym(lib, fns[i]);
		if (after[i] != before[i] || after[i] == theirs)
			fail_msg("%s: after loading %s the process's %s is %p (was %p, the library's %p)", name, soname,
				 fns[i], after[i], before[i], theirs);
	}
	char *p = malloc(64);
	assert_non_null(p);
	free(p);
	dlclose(lib);
	mmr_engines_free(c);
}

static void test_jemalloc(void **state)
{
	(void)state;
	check_engine("jemalloc", "libjemalloc.so.2");
}

static void test_mimalloc(void **state)
{
	(void)state;
	check_engine("mimalloc", "libmimalloc.so.2");
}

static void test_tcmalloc(void **state)
{
	(void)state;
	check_engine("tcmalloc", "libtcmalloc_minimal.so.4");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jemalloc),
		cmocka_unit_test(test_mimalloc),
		cmocka_unit_test(test_tcmalloc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
