/* SPDX-License-Identifier: MIT */
/*
 * vm_test.h - what the vmalloc tests share.  Include after cmocka.h.
 */
#ifndef VM_TEST_H
#define VM_TEST_H

#include "vmalloc.h"

/* Fail the test with the model's own message when E's invariants do not hold. */
static inline void check_ok(struct vm_engine *e)
{
	struct mmr_error err = {{0}};
	if (vm_engine_check(e, &err))
		fail_msg("%s", err.msg);
}

/* An engine of OPS on two replay threads with options KEYS = VALUES (N of them). */
static inline struct vm_engine *make_opts(const struct mmr_engine_ops *ops, size_t n, const char **keys,
					  const char **values)
{
	struct mmr_engine_env env = {.engine = ops, .threads = 2, .online_cpus = 2, .slots = 64, .nopts = n, .keys = keys,
				     .values = values};
	struct mmr_error err = {{0}};
	struct vm_engine *e = ops->create(&env, &err);
	if (!e)
		fail_msg("%s", err.msg);
	return e;
}

#endif /* VM_TEST_H */
