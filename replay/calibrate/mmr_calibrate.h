/* SPDX-License-Identifier: MIT */
/*
 * mmr_calibrate.h - what the engines' cost assumptions are worth on this
 * machine: `mmreplay calibrate` measures the operations the models stand
 * in for with busy-waits (a page copied, page-table entries set up and
 * torn down, a TLB shootdown, a cache line moved between CPUs, a futex
 * wake, a wake-up on another CPU, a context switch), with real memory,
 * real mappings and real threads, and keeps them in a profile (JSON) that
 * replays take their cost defaults from (docs/calibrate.md).
 *
 * Every function that can fail fills a struct mmr_error with one line.
 */
#ifndef MMR_CALIBRATE_H
#define MMR_CALIBRATE_H

#include <stdbool.h>
#include <stddef.h>

#include "mmr_trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The measurements, in profile order. */
enum mmr_cal_key {
	MMR_CAL_PAGE_COPY,    /* "page_copy_ns": memcpy of one 4 KiB page, data not in cache */
	MMR_CAL_PTE_MAP,      /* "pte_map_ns": page-table set-up per page of a mapping of resident pages */
	MMR_CAL_PTE_UNMAP,    /* "pte_unmap_ns": its teardown per page, the TLB flush included */
	MMR_CAL_TLB_SHOOTDOWN, /* "tlb_shootdown_ns": an mprotect another CPU's TLB must hear of */
	MMR_CAL_CACHELINE,    /* "cacheline_ns": a cache line's move from one CPU to another */
	MMR_CAL_FUTEX_WAKE,   /* "futex_wake_ns": the FUTEX_WAKE call that wakes one waiter */
	MMR_CAL_WAKEUP,       /* "wakeup_ns": from a wake on one CPU to the waiter running on another */
	MMR_CAL_CTX_SWITCH,   /* "ctx_switch_ns": one switch between two threads on one CPU */
	/*
	 * "rcu_gp_ns": the running kernel's own synchronize_rcu(), timed
	 * through membarrier(MEMBARRIER_CMD_GLOBAL), a normal grace period;
	 * "rcu_gp_exp_ns": an expedited one.  Last, and optional in a
	 * profile: profiles written before them still load without them.
	 */
	MMR_CAL_RCU_GP,
	MMR_CAL_RCU_GP_EXP,
	MMR_CAL_COUNT
};

/* "page_copy_ns"...; NULL past the end. */
const char *mmr_cal_key_name(unsigned k);
/* The measurement named NAME, or -1. */
int mmr_cal_key_from_name(const char *name);
/* How it is measured, one line, for the profile and the docs. */
const char *mmr_cal_key_how(unsigned k);

struct mmr_cal_value {
	double ns;            /* the mean of the two rounds; NAN when not measured (why says so) */
	double rounds[2];     /* the two rounds' medians (mmr_calibrate: its two passes') */
	double spread_pct;    /* |round 1 - round 2| over the smaller, percent */
	bool repeatable;      /* the rounds agree within MMR_CAL_TOLERANCE_PCT (and, for a pass, its own did) */
	char why[128];        /* "" when measured; else why not ("one CPU online") */
};

/* Two rounds of a measurement agree when they differ by no more than this, percent of the smaller. */
#define MMR_CAL_TOLERANCE_PCT 25.0

/* A machine's profile. */
struct mmr_profile {
	char path[1024];      /* where it was read from or written to; "" when neither */
	char kernel[128], cpu_model[256], hostname[256], created[32];
	unsigned online_cpus;
	/*
	 * /sys/kernel/rcu_expedited as the kernel ran it: 1, it expedites
	 * every synchronize_rcu() (microseconds instead of milliseconds); 0,
	 * it does not; -1, unknown (not readable, or an older profile).  As
	 * root, calibrate sets it for each grace-period measurement and puts
	 * it back.
	 */
	int rcu_expedited;
	struct mmr_cal_value v[MMR_CAL_COUNT];
};

/* One measurement's body: the cost of one unit in ns for one sample, or NAN when it cannot be taken. */
typedef double (*mmr_cal_sample_fn)(void *ctx);

/*
 * Measure with SAMPLE (SAMPLES of them a round, two rounds), up to TRIES
 * times until the rounds agree, into *V.  Returns true when they did.
 */
bool mmr_cal_measure(mmr_cal_sample_fn sample, void *ctx, unsigned samples, unsigned tries, struct mmr_cal_value *v);

/*
 * Measure everything on this machine into P (the machine filled in), in
 * two whole passes whose figures are P's two rounds.  QUICK takes fewer
 * samples (for tests).  Not thread-safe.  Returns 0, or -1 with ERR when a
 * measurement's set-up fails (no memory, no thread).
 */
int mmr_calibrate(struct mmr_profile *p, bool quick, struct mmr_error *err);

/* The profile's default path: $MMREPLAY_PROFILE, else $XDG_CACHE_HOME or ~/.cache, /mmreplay/profile.json. */
int mmr_profile_default_path(char *buf, size_t n, struct mmr_error *err);

/* Write P to PATH (directories created).  Returns 0, or -1 with ERR. */
int mmr_profile_write(const struct mmr_profile *p, const char *path, struct mmr_error *err);

/*
 * Read PATH into P.  Returns 0; 1 when there is no such file; -1 with ERR
 * when it is not a profile: not JSON, a measurement missing (named), a
 * value not positive.  A measurement added after profiles were first
 * written (rcu_gp_ns, rcu_gp_exp_ns) may be missing: it reads as not measured, its
 * why saying the profile predates it, and the costs that take it keep
 * their defaults.
 */
int mmr_profile_read(struct mmr_profile *p, const char *path, struct mmr_error *err);

/* The profile as JSON text (free()), or NULL when out of memory. */
char *mmr_profile_json(const struct mmr_profile *p);

#ifdef __cplusplus
}
#endif

#endif /* MMR_CALIBRATE_H */
