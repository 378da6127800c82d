/* SPDX-License-Identifier: MIT */
/*
 * rcu_gp.c - the running kernel's RCU grace period, for the kvfree_rcu
 * engines' readers (engines/kvfree_rcu/readers.c).
 *
 * No userspace call is documented as "wait for a grace period", but one
 * is implemented as exactly that: membarrier(2) with
 * MEMBARRIER_CMD_GLOBAL.  In the kernel's kernel/sched/membarrier.c
 * (torvalds/linux, read at 0420af54c2c2), the system call's
 * MEMBARRIER_CMD_GLOBAL case returns -EINVAL when nohz_full is enabled,
 * calls synchronize_rcu() when more than one CPU is online, and returns
 * 0.  So timing it times this kernel's synchronize_rcu(), with whatever
 * else runs on the machine: on one CPU it waits for nothing, and the
 * figure is not taken.
 *
 * A kernel may expedite every grace period (/sys/kernel/rcu_expedited,
 * the rcupdate.rcu_expedited boot option): synchronize_rcu() then
 * interrupts the other CPUs instead of waiting for them to pass through
 * a quiescent state, and takes microseconds where a normal grace period
 * takes milliseconds.  The profile records which it was (rcu_expedited).
 */

#include <errno.h>
#include <linux/membarrier.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cal_internal.h"

static long membarrier(int cmd)
{
	return syscall(SYS_membarrier, cmd, 0, 0);
}

/* One synchronize_rcu() of the kernel, in ns; NAN when the call failed. */
static double sample_gp(void *ctx)
{
	(void)ctx;
	uint64_t t0 = cal_now_ns();
	long rc = membarrier(MEMBARRIER_CMD_GLOBAL);
	uint64_t t1 = cal_now_ns();
	return rc == 0 ? (double)(t1 - t0) : NAN;
}

/* /sys/kernel/rcu_expedited: 1 or 0, or -1 when it cannot be read. */
static int rcu_expedited(void)
{
	FILE *f = fopen("/sys/kernel/rcu_expedited", "r");
	int v = -1;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v == 0 || v == 1 ? v : -1;
}

void cal_rcu_gp(struct mmr_profile *p, bool quick)
{
	struct mmr_cal_value *v = &p->v[MMR_CAL_RCU_GP];
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	long mask = membarrier(MEMBARRIER_CMD_QUERY);
	p->rcu_expedited = rcu_expedited();
	v->ns = NAN;
	if (online < 2) {
		snprintf(v->why, sizeof(v->why), "needs 2 CPUs online: on one, membarrier(GLOBAL) waits for no grace period");
		return;
	}
	if (mask < 0 || !(mask & MEMBARRIER_CMD_GLOBAL)) {
		snprintf(v->why, sizeof(v->why), "membarrier(GLOBAL) not offered here (%s)",
			 mask < 0 ? strerror(errno) : "nohz_full CPUs");
		return;
	}
	/* A grace period is milliseconds at most: as many samples as the other measurements take. */
	mmr_cal_measure(sample_gp, NULL, quick ? 3 : 9, quick ? 2 : 4, v);
	if (!isfinite(v->ns))
		snprintf(v->why, sizeof(v->why), "membarrier(GLOBAL) failed");
}
