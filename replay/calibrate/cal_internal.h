/* SPDX-License-Identifier: MIT */
/* cal_internal.h - what the calibrate module's files share. */
#ifndef CAL_INTERNAL_H
#define CAL_INTERNAL_H

#include <stdint.h>

#include "mmr_calibrate.h"

#define CAL_PAGE 4096

/* A byte the measurements read back, so that the work measured is not optimised away. */
extern volatile uint8_t cal_sink;

uint64_t cal_now_ns(void);

/* measure.c: the page copy, page-table set-up and teardown into P.  0, or -1 with ERR. */
int cal_pages(struct mmr_profile *p, bool quick, struct mmr_error *err);

/* threads.c: TLB shootdown, cache-line transfer, futex wake, wake-up and context switch into P.  0, or -1. */
int cal_threads(struct mmr_profile *p, bool quick, struct mmr_error *err);

/* rcu_gp.c: the kernel's grace period (membarrier(MEMBARRIER_CMD_GLOBAL)) into P.  Never fails. */
void cal_rcu_gp(struct mmr_profile *p, bool quick);

#endif /* CAL_INTERNAL_H */
