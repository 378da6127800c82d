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

#endif /* VM_TEST_H */
