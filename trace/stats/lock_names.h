/* SPDX-License-Identifier: MIT */
/*
 * lock_names.h - the kernel's names for its locks, from the function that
 * contended: the table docs/kernel-locks.tsv, embedded at build time and
 * described in docs/kernel-locks.md.
 */
#ifndef MMR_LOCK_NAMES_H
#define MMR_LOCK_NAMES_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The kernel lock FUNCTION takes ("zone->lock" for "rmqueue_bulk"), when
 * the table gives it exactly one.  FUNCTION may carry a compiler suffix
 * (".constprop.0") or an offset ("+0x1c"): both are ignored.  Returns a
 * static string, or NULL when the function is not in the table, takes
 * several locks (use mmr_kernel_lock_of_wait), or the table cannot be read
 * (out of memory).
 */
const char *mmr_kernel_lock_of_caller(const char *function);

/*
 * The kernel lock a wait is on: the table's rows for FUNCTION whose type
 * matches the wait's MMR_LCB_* FLAGS and whose place (static, dynamic)
 * matches the lock's address ADDR.  Returns a static string when those
 * rows name exactly one lock, else NULL (unknown, or still ambiguous).
 */
const char *mmr_kernel_lock_of_wait(const char *function, uint64_t flags, uint64_t addr);

/*
 * True when ADDR lies in the kernel image (a static variable) rather than
 * in the heap, per-CPU or node memory: x86-64's image mapping starts at
 * 0xffffffff80000000, above every other kernel address.
 */
bool mmr_kernel_addr_static(uint64_t addr);

/* Rows in the table (0 when it cannot be read): for tests and `list`. */
size_t mmr_kernel_lock_rows(void);

#endif /* MMR_LOCK_NAMES_H */
