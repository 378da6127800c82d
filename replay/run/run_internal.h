/* SPDX-License-Identifier: MIT */
/*
 * run_internal.h - what the replay runner's files share.  Not public.
 *
 * A replay is: load the engine (engine.c), turn the trace into one op
 * stream per replay thread with dense object slots and the few cross-thread
 * waits the trace implies (plan.c), run the streams on threads against the
 * engine, timing every call (run.c), watch for a thread that stops moving
 * (watchdog.c), then write the results (results.c, summary.c).
 */
#ifndef RUN_INTERNAL_H
#define RUN_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "mmr_engine.h"
#include "mmr_hist.h"
#include "mmr_replay.h"

/* ---- plan.c: per-thread op streams -------------------------------------- */

#define RP_NO_SLOT UINT32_MAX

enum rp_op_flag {
	RP_WAIT = 1u << 0,     /* the slot's previous op ran on another thread: wait for it */
	RP_PUBLISH = 1u << 1,  /* the slot's next op runs on another thread: publish completion */
	RP_AUX_WAIT = 1u << 2, /* as RP_WAIT, for aux_slot */
	RP_AUX_PUBLISH = 1u << 3,
	RP_STARTS = 1u << 4,   /* the op starts its slot's object (alloc, realloc) */
};

/* One op of a thread's stream: an event, resolved to slots. */
struct rp_op {
	uint64_t ts;          /* ns since the trace's first replayed event */
	uint64_t size, bytes_alloc, aux, call_site;
	uint32_t slot, seq;   /* the object, and how many ops on it came before */
	uint32_t aux_slot, aux_seq;
	uint32_t gfp;
	int32_t node;
	uint16_t flags;       /* MMR_EF_* */
	uint8_t op, family, order;
	uint8_t sync;         /* enum rp_op_flag */
	uint8_t sizeclass;    /* ceil(log2(size)), 0 for 0 and 1 */
};

struct rp_stream {
	struct rp_op *ops;
	size_t n, cap;
};

/* Events the plan leaves out, and why. */
struct rp_skips {
	uint64_t family[MMR_FAM_COUNT];  /* of a family the engine does not take */
	uint64_t op[MMR_OP_COUNT];       /* an op the engine does not do */
	uint64_t unknown_frees;          /* ends of objects allocated before the trace began */
	uint64_t double_frees;           /* ends of objects already ended */
	uint64_t unknown_uses;           /* map, vmap, attach... of no live object */
	uint64_t live_reuse;             /* a start of a live id: its free was lost; the old object stays */
	uint64_t failed_allocs;          /* allocations that failed in the trace */
};

struct rp_plan {
	unsigned nthreads;
	struct rp_stream *streams;
	uint32_t nslots;
	uint64_t events;    /* events read */
	uint64_t ops;       /* ops planned, all threads */
	uint64_t ops_by[MMR_OP_COUNT];
	uint64_t span_ns;   /* trace time from the first to the last planned op */
	unsigned trace_cpus; /* distinct CPUs among the planned events */
	struct rp_skips skip;
	/* Objects the trace leaves allocated: freed after the timed replay, untimed. */
	struct rp_live {
		uint32_t slot;
		uint8_t family;
	} *live_end;
	size_t nlive_end;
};

/*
 * Plan R's events for ENGINE with O's thread count, mapping and --as.
 * Returns 0, or -1 with ERR (corrupt trace, out of memory, or nothing the
 * engine can replay, naming what it accepts).
 */
int rp_plan_build(struct mmr_reader *r, const struct mmr_engine_ops *engine,
		  const struct mmr_replay_opts *o, struct rp_plan *p, struct mmr_error *err);
void rp_plan_free(struct rp_plan *p);

/* ---- run.c: the threads --------------------------------------------------- */

#define RP_SIZECLASSES 48
#define RP_MAX_REPORT 64

/* One op kind's figures on one thread, or merged. */
struct rp_ophist {
	uint64_t count;       /* calls made */
	uint64_t failed;      /* calls that returned -1 */
	uint64_t orphaned;    /* ops on an object whose allocation failed: not called */
	struct mmr_hist lat;  /* clock ticks per call (timer cost included) */
	struct mmr_hist *by_size[RP_SIZECLASSES]; /* alloc and free only, made on first use */
};

enum rp_state { RS_START, RS_RUN, RS_WAIT, RS_ENGINE, RS_PACE, RS_DONE };

struct rp_run;

struct rp_thread {
	struct rp_run *run;
	unsigned tid;
	pthread_t th;
	bool started;
	void *ctx;
	struct rp_ophist *ops;  /* MMR_OP_COUNT of them */
	atomic_uint_fast64_t done;    /* ops replayed: progress */
	atomic_uint state;            /* enum rp_state */
	atomic_uint cur_op;           /* what a stuck thread is doing */
	atomic_uint wait_slot, wait_seq;
	uint64_t end_ticks;
	uint64_t warm;                /* what warming the stream read: kept so it is not optimized away */
};

struct rp_run {
	const struct mmr_replay_opts *o;
	const struct rp_plan *plan;
	void *engine;
	uint64_t *handles;       /* per slot: what the engine's alloc returned */
	atomic_uint *done;       /* per slot: ops completed, published across threads */
	struct rp_thread *threads;
	pthread_t *workers;
	unsigned nworkers;
	atomic_bool go;
	atomic_bool stop_workers;
	atomic_uint ready;
	uint64_t start_ticks;
	uint64_t start_mono_ns;  /* for pacing */
};

/* Allocate RUN's slot arrays and threads for PLAN.  Returns 0, or -1 (ERR). */
int rp_run_init(struct rp_run *run, const struct mmr_replay_opts *o, const struct rp_plan *plan,
		struct mmr_error *err);
void rp_run_free(struct rp_run *run);

/*
 * Replay the plan once against a fresh engine (left in run->engine for
 * the caller to read and destroy); *WALL_TICKS from the start signal to
 * the last thread's end.  Returns 0, or -1 (ERR) with the engine freed.
 */
int rp_run_once(struct rp_run *run, const struct mmr_engine_env *env, uint64_t *wall_ticks,
		struct mmr_error *err);

/*
 * Free, untimed and on the calling thread, what the trace leaves
 * allocated: after the results are read, before the engine is destroyed.
 */
void rp_free_live(struct rp_run *run);

/* ---- monitor.c: progress line and watchdog -------------------------------- */

/*
 * Watch RUN until every replay thread is done: a progress line on LOG
 * when PROGRESS, and when no thread has moved for WATCHDOG_S seconds
 * (threads pacing themselves excepted) a report of what each thread waits
 * on, then exit(3).  Runs on the calling thread.
 */
void rp_monitor(struct rp_run *run, bool progress, double watchdog_s, FILE *log);

/* ---- the result ------------------------------------------------------------ */

/* One run's headline figures, for the repeat statistics. */
struct rp_runstat {
	uint64_t wall_ns;
	double ops_per_s;
	uint64_t p50_ticks[MMR_OP_COUNT], p99_ticks[MMR_OP_COUNT];
	uint64_t count[MMR_OP_COUNT];
	uint64_t footprint_bytes;
};

struct rp_kv {
	char key[48];
	double value;
	bool integer;
};

struct mmr_lock_stats;

struct mmr_replay_result {
	char engine[64];
	char trace[1024];
	char clock[16];
	unsigned threads, online_cpus, workers;
	bool timing, pinned;
	enum mmr_replay_map map;
	enum mmr_replay_pace pace;
	double pace_factor;
	double tick_ns;            /* ns per clock tick */
	double timer_overhead_ns;
	uint64_t events, replayed, nslots, span_ns;
	unsigned trace_cpus;
	struct rp_skips skip;
	struct rp_ophist ops[MMR_OP_COUNT]; /* merged over threads and runs */
	struct rp_runstat *runs;
	unsigned nruns;
	struct mmr_lock_stats *locks;       /* summed over runs */
	size_t nlocks;
	uint64_t footprint_bytes;           /* after the last run, as the engine says; 0: unknown */
	bool have_footprint;
	uint64_t peak_rss_bytes;
	struct rp_kv report[RP_MAX_REPORT]; /* the engine's own figures, last run */
	size_t nreport;
};

/* The .dat files of R in DIR (dat.c).  Returns 0, or -1 with ERR. */
int rp_write_dat(const struct mmr_replay_result *r, const char *dir, struct mmr_error *err);

/* A copy of R's lock classes, most total wait first (free()); NULL when none or out of memory. */
struct mmr_lock_stats *rp_locks_by_wait(const struct mmr_replay_result *r);

/* Percentile P of ticks histogram H in ns, the timer's cost taken off (never below 0). */
double rp_latency_ns(const struct mmr_replay_result *r, const struct mmr_hist *h, double p);

#endif /* RUN_INTERNAL_H */
