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
 * takes milliseconds.  Both are measured: rcu_gp_ns with the switch at 0,
 * rcu_gp_exp_ns at 1.  The one the kernel does not run is measured only
 * where the switch can be written (root): it is set for the measurement
 * and put back at once.  The profile records the kernel's own setting.
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
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

#define RCU_EXPEDITED "/sys/kernel/rcu_expedited"

/* /sys/kernel/rcu_expedited: 1 or 0, or -1 when it cannot be read. */
static int rcu_expedited(void)
{
	FILE *f = fopen(RCU_EXPEDITED, "r");
	int v = -1;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v == 0 || v == 1 ? v : -1;
}

/* Write V to /sys/kernel/rcu_expedited; false when it cannot be written (not root). */
static bool set_rcu_expedited(int v)
{
	FILE *f = fopen(RCU_EXPEDITED, "w");
	if (!f)
		return false;
	bool ok = fprintf(f, "%d\n", v) > 0;
	return fclose(f) == 0 && ok;
}

/* V with the kernel's switch at MODE, set for it and put back when it is not there already. */
static void measure_mode(struct mmr_cal_value *v, int mode, int was, bool quick)
{
	v->ns = NAN;
	if (was != mode && !set_rcu_expedited(mode)) {
		snprintf(v->why, sizeof(v->why), "this kernel %s every grace period and only root may switch %s",
			 mode ? "expedites no" : "expedites", RCU_EXPEDITED);
		return;
	}
	/* A grace period is milliseconds at most: as many samples as the other measurements take. */
	mmr_cal_measure(sample_gp, NULL, quick ? 3 : 9, quick ? 2 : 4, v);
	if (was != mode)
		set_rcu_expedited(was);
	if (!isfinite(v->ns))
		snprintf(v->why, sizeof(v->why), "membarrier(GLOBAL) failed");
}

/* Both grace periods into P. */
static void measure_both(struct mmr_profile *p, bool quick)
{
	struct mmr_cal_value *gp = &p->v[MMR_CAL_RCU_GP], *exp = &p->v[MMR_CAL_RCU_GP_EXP];
	long mask = membarrier(MEMBARRIER_CMD_QUERY);
	p->rcu_expedited = rcu_expedited();
	gp->ns = exp->ns = NAN;
	const char *why = p->online_cpus < 2 ? "needs 2 CPUs online: on one, membarrier(GLOBAL) waits for no grace period"
		: mask < 0 || !(mask & MEMBARRIER_CMD_GLOBAL) ? "membarrier(GLOBAL) not offered here"
		: p->rcu_expedited < 0 ? "cannot read " RCU_EXPEDITED : NULL;
	if (why) {
		snprintf(gp->why, sizeof(gp->why), "%s", why);
		snprintf(exp->why, sizeof(exp->why), "%s", why);
		return;
	}
	measure_mode(gp, 0, p->rcu_expedited, quick);
	measure_mode(exp, 1, p->rcu_expedited, quick);
}

/*
 * Calibrations side by side (the test suite runs several) would put back
 * each other's switch, one reading the value another set: one at a time,
 * through an advisory lock held over the reading, the switching and the
 * putting back.  The descriptor, or -1 when there is no place for it.
 */
static int lock_switch(void)
{
	int fd = open("/run/lock/mmreplay-rcu_expedited.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		fd = open("/tmp/mmreplay-rcu_expedited.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	while (fd >= 0 && flock(fd, LOCK_EX) && errno == EINTR)
		;
	return fd;
}

void cal_rcu_gp(struct mmr_profile *p, bool quick)
{
	int fd = lock_switch();
	measure_both(p, quick);
	if (fd >= 0)
		close(fd);
}
