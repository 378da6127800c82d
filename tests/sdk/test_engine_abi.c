/* SPDX-License-Identifier: MIT */
/*
 * test_engine_abi.c - MMR_ENGINE_ABI covers every struct an engine and
 * mmreplay share: the engine interface's, and the locks and timers an
 * engine embeds in its own memory, which the shared libraries write into.
 * An out-of-tree engine built against an older SDK is refused by its ABI
 * number; this test is what makes a layout change without a bump fail.
 * The layouts are those of x86_64 (LP64) at the ABI below: change a
 * struct of include/mmreplay, bump MMR_ENGINE_ABI, and write the new
 * figures here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mmr_engine.h"
#include "mmr_lock.h"
#include "mmr_tclock.h"

#define TESTED_ABI 8

struct layout {
	const char *what;
	size_t got, want;
};

static void test_abi_layouts(void **state)
{
	(void)state;
#if defined(__x86_64__) && defined(__LP64__)
	const struct layout v[] = {
		{"struct mmr_call", sizeof(struct mmr_call), 72},
		{"struct mmr_engine_env", sizeof(struct mmr_engine_env), 56},
		{"struct mmr_engine_ops", sizeof(struct mmr_engine_ops), 456},
		{"struct mmr_engine_param", sizeof(struct mmr_engine_param), 56},
		{"struct mmr_engine_outcome", sizeof(struct mmr_engine_outcome), 48},
		{"struct mmr_figures", sizeof(struct mmr_figures), 24},
		{"struct mmr_error", sizeof(struct mmr_error), 512},
		{"struct mmr_ttimer", sizeof(struct mmr_ttimer), 2144},
		{"struct mmr_spinlock", sizeof(struct mmr_spinlock), 16},
		{"struct mmr_mutex", sizeof(struct mmr_mutex), 48},
		{"struct mmr_rwlock", sizeof(struct mmr_rwlock), 16},
		{"mmr_engine_ops.kernel", offsetof(struct mmr_engine_ops, kernel), 448},
		{"mmr_engine_env.engine", offsetof(struct mmr_engine_env, engine), 0},
		{"mmr_call.family", offsetof(struct mmr_call, family), 71},
		{"MMR_OP_COUNT", MMR_OP_COUNT, 20},
		{"MMR_FAM_COUNT", MMR_FAM_COUNT, 10},
	};
	assert_int_equal(MMR_ENGINE_ABI, TESTED_ABI);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (v[i].got != v[i].want)
			fail_msg("%s is %zu, %zu at engine ABI %d: a layout engines share changed; bump "
				 "MMR_ENGINE_ABI and write the new layouts here", v[i].what, v[i].got, v[i].want,
				 TESTED_ABI);
	}
#else
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_abi_layouts)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
