/* SPDX-License-Identifier: MIT */
/*
 * run_internal.h - what the replay runner's files share.  Not public.
 *
 * A replay is: load the engine (loader.c), turn the trace into one op
 * stream per replay thread with dense object slots and the few cross-thread
 * waits the trace implies (plan.c), run the streams on threads against the
 * engine, timing every call and sampling progress and live memory (run.c,
 * timeline.c), watch for a thread that stops moving (monitor.c), then
 * write the results (results.c, dat.c, summary.c).
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
#include "mmr_calibrate.h"
#include "mmr_replay.h"
#include "mmr_tclock_run.h"

/* ---- plan.c: per-thread op streams -------------------------------------- */

#define RP_NO_SLOT UINT32_MAX

enum rp_op_flag {
	RP_WAIT = 1u << 0,     /* the slot's previous op ran on another thread: wait for it */
	RP_PUBLISH = 1u << 1,  /* the slot's next op runs on another thread: publish completion */
	RP_AUX_WAIT = 1u << 2, /* as RP_WAIT, for the extension's aux_slot */
	RP_AUX_PUBLISH = 1u << 3,
	RP_STARTS = 1u << 4,   /* the op starts its slot's object (alloc, realloc) */
	RP_ENDS = 1u << 5,     /* the op ends its slot's object (free, release, kvfree_rcu) */
	RP_EXT = 1u << 6,      /* the op's values are in its extension (struct rp_op_ext) */
};

/*
 * What an op shares with many others: interned once per plan (ops.c), so
 * that the record a thread streams through carries a 32-bit index instead
 * of these 20 bytes.  A trace has a few thousand of them at most (call
 * sites times gfp masks); an adversarial one at most one per event.
 */
struct rp_site {
	uint64_t call_site;
	uint32_t gfp;
	int32_t node;
	uint16_t flags;       /* MMR_EF_* */
	uint8_t order, family; /* family after --as */
};

/*
 * One op of a thread's stream: an event, resolved to slots, in the 32
 * bytes the replay loop reads for each op.  Replay is bound by how fast a
 * thread streams through its ops (BENCHMARKS.md, "Replay harness"), so
 * whatever most ops do not need lives elsewhere: what they share in the
 * plan's sites, what few ops have (an aux value, a second object, a size
 * of 4 GiB or more, a size on an end) in the op's extension, which the
 * thread reads in the same order from its stream's second array.
 */
struct rp_op {
	uint64_t ts;          /* trace time (mmr_tclock.h): ns since the first replayed event, gaps cut */
	uint32_t slot, seq;   /* the object, and how many ops on it came before */
	uint32_t site;        /* index in rp_plan.sites */
	/*
	 * Without RP_EXT: an end's live bytes of the object it ends (its own
	 * size is 0), other ops' bytes requested.  With RP_EXT: unused.
	 */
	uint32_t bytes;
	uint32_t bytes_alloc; /* without RP_EXT */
	uint8_t op;
	uint8_t sync;         /* enum rp_op_flag */
	uint8_t sizeclass;    /* ceil(log2(size)), 0 for 0 and 1 */
	uint8_t unused;
};
_Static_assert(sizeof(struct rp_op) == 32, "the op record is what the replay loop streams through");

/* An op's values that do not fit its record (RP_EXT). */
struct rp_op_ext {
	uint64_t size, bytes_alloc, aux;
	uint64_t end_bytes;   /* live bytes of the object it ends (its slot's, or a realloc's old one) */
	uint64_t index;       /* the op's index in its stream */
	uint32_t aux_slot, aux_seq; /* a realloc's old object: RP_NO_SLOT when none */
};

/* A thread's ops of one window, and the extensions of those with RP_EXT, in the same order. */
struct rp_stream {
	struct rp_op *ops;
	size_t n, cap;
	size_t base;          /* the thread's ops in the windows before */
	struct rp_op_ext *ext;
	size_t next, cap_ext;
};

/* Everything about one op, as the engine's call gets it: for the planner's checks and tests, not the replay loop. */
struct rp_op_view {
	uint64_t ts;
	uint64_t size, bytes_alloc, aux, call_site, end_bytes;
	uint32_t slot, seq, aux_slot, aux_seq, site;
	uint32_t gfp;
	int32_t node;
	uint16_t flags;
	uint8_t op, family, order, sync, sizeclass;
};

/* Events the plan leaves out, and why. */
struct rp_skips {
	uint64_t family[MMR_FAM_COUNT];  /* of a family the engine does not take */
	uint64_t op[MMR_OP_COUNT];       /* an op the engine does not do */
	uint64_t unknown_frees;          /* ends of objects allocated before the trace began */
	uint64_t double_frees;           /* ends of objects already ended */
	uint64_t unknown_uses;           /* map, vmap, attach... of no live object */
	uint64_t live_reuse;             /* a start of a live id: its free was lost; the old object stays */
	uint64_t unpaired_maps;          /* zsmalloc maps with no unmap on their CPU before the object's next op */
	uint64_t unpaired_unmaps;        /* zsmalloc unmaps with no map on their CPU */
	uint64_t failed_allocs;          /* allocations that failed in the trace */
	struct mmr_invalid_counts invalid; /* out of their valid range (mmr_event_check) */
};

struct rp_planner;

struct rp_plan {
	const struct mmr_engine_ops *engine;
	const char *trace;
	unsigned nthreads;
	struct rp_stream *streams; /* the window's ops; all of them when the plan is one window */
	struct rp_planner *pl;     /* while windows are left to plan (plan_stream.c) */
	unsigned windows;          /* windows planned so far; once PL is NULL, the figures below are the trace's */
	/*
	 * Slots used: a slot is taken again once its object ended, by a start
	 * on the thread that ended it, so this follows the live set, not the
	 * trace's length, where objects die on the thread they were born on.
	 */
	uint32_t nslots;
	uint64_t objects;   /* objects started: lifetimes in the plan */
	uint64_t events;    /* events read */
	uint64_t ops;       /* ops planned, all threads */
	uint64_t ops_by[MMR_OP_COUNT];
	struct rp_site *sites; /* what rp_op.site indexes */
	uint32_t nsites, cap_sites;
	uint64_t span_ns;   /* trace time from the first to the last planned op */
	uint64_t first_ts;  /* trace timestamp of the first planned op: rp_op.ts counts from it */
	uint64_t clock_end; /* rp_op.ts of the last planned op: where the trace clock ends */
	/*
	 * Gaps longer than max_gap_s that the trace clock leaves out, so that
	 * neither pacing nor a timer sleeps through them: at trace timestamp
	 * first_ts + END and after, CUT ns are left out in all.  Sorted by END.
	 */
	struct rp_gap {
		uint64_t end, cut;
	} *gaps;
	size_t ngaps, cap_gaps;
	unsigned trace_cpus; /* distinct CPUs among the planned events */
	struct rp_skips skip;
	/* Objects the trace leaves allocated: freed after the timed replay, untimed. */
	struct rp_live {
		uint32_t slot;
		uint8_t family;
	} *live_end;
	size_t nlive_end;
};

/* ---- plan_stream.c: the plan, whole or a window at a time ---------------- */

/*
 * Start planning R's events for ENGINE with O's thread count, mapping and
 * --as into P: its threads and empty streams.  Returns 0, or -1 with ERR.
 */
int rp_plan_open(struct mmr_reader *r, const struct mmr_engine_ops *engine, const struct mmr_replay_opts *o,
		 struct rp_plan *p, struct mmr_error *err);
/*
 * Plan P's next window: the streams emptied, then the ops of the next
 * events until there are MAX_OPS (one event more may add two) or the trace
 * ends.  Returns 1 when the trace may go on after it, 0 when it ends the
 * trace (P's totals, skips and live objects are then the trace's), -1
 * with ERR (a corrupt trace, out of memory, nothing the engine can replay).
 */
int rp_plan_window(struct rp_plan *p, uint64_t max_ops, struct mmr_error *err);
/* Plan R whole, in one window (rp_plan_open, rp_plan_window).  Returns 0, or -1 with ERR. */
int rp_plan_build(struct mmr_reader *r, const struct mmr_engine_ops *engine,
		  const struct mmr_replay_opts *o, struct rp_plan *p, struct mmr_error *err);
void rp_plan_free(struct rp_plan *p);

/* The trace's own timestamp (what 'mmreplay dump' shows) of trace-clock time TS. */
uint64_t rp_plan_trace_ts(const struct rp_plan *p, uint64_t ts);

/* ---- ops.c: the op record, its extension and the sites ------------------ */

/* Planner-side state of ops.c: the sites' index. */
struct mmr_idmap;
struct rp_sites_index {
	struct mmr_idmap *map; /* hash of a site (probed past collisions) -> its index; made on first use */
};

/*
 * Append to stream ST the op of EV (FAMILY after --as, trace time TS), no
 * slot yet, its site interned in P.  Returns its index, or -1 when out of
 * memory or past 2^32 - 1 sites.
 */
long rp_ops_append(struct rp_plan *p, struct rp_sites_index *ix, struct rp_stream *st,
		   const struct mmr_event *ev, uint8_t family, uint64_t ts);
/* Set the live bytes op I (the stream's last) takes off when it ends its object.  Returns 0 or -1. */
int rp_ops_set_end_bytes(struct rp_stream *st, size_t i, uint64_t bytes);
/* Give op I (the stream's last) its second object, a realloc's old one.  Returns 0 or -1. */
int rp_ops_set_aux(struct rp_stream *st, size_t i, uint32_t slot, uint32_t seq, uint64_t end_bytes);
/* Everything about op I of thread T's stream (a search for its extension: not for the replay loop). */
void rp_ops_view(const struct rp_plan *p, unsigned t, size_t i, struct rp_op_view *v);
void rp_sites_index_free(struct rp_sites_index *ix);
/* Empty ST for the next window, its pages past the last window's ops given back. */
void rp_stream_next_window(struct rp_stream *st);
/* Free ST's arrays. */
void rp_stream_free(struct rp_stream *st);

/* ---- run.c: the threads --------------------------------------------------- */

#define RP_SIZECLASSES 48
#define RP_MAX_REPORT 128
#define RP_MAX_TIMERS 16 /* timer names a result keeps; more are counted in timers_dropped */

/* Bytes an object of SIZE, FAMILY and ORDER counts in live memory: what it asked for; a page block records only its order. */
static inline uint64_t rp_object_bytes(uint64_t size, uint8_t family, uint8_t order)
{
	if (size || family != MMR_FAM_PAGE)
		return size;
	return order < 40 ? 4096ull << order : 0;
}

/* ---- timeline.c: throughput and live memory over the replay ------------- */

#define RP_TL_EVERY 256        /* ops between a thread's samples, at first */
#define RP_TL_CAP 4096         /* samples a thread keeps at most (fewer with many threads) */
#define RP_TL_TOTAL (1u << 20) /* samples all threads keep at most: bounds memory and the merge */
#define RP_TL_BINS 200         /* time bins of the merged timeline */

/*
 * What a thread's calls did to live memory: its own running sums, modulo
 * 2^64.  A thread's sum goes below zero after frees of other threads'
 * objects, and a trace can add more than 2^63 bytes (sizes go to 2^40):
 * unsigned arithmetic cannot overflow, and the sum over all threads is
 * the true total whenever that is below 2^63 (rp_live_total).
 */
struct rp_delta {
	uint64_t bytes, objects;
};

/* A thread's counters at one point of the replay. */
struct rp_sample {
	uint64_t ticks, ops;
	uint64_t bytes, objects;
};

/* A live total summed over threads (modulo 2^64): the value, or 0 when sampling skew made it negative. */
static inline uint64_t rp_live_total(uint64_t sum)
{
	return sum < (1ull << 63) ? sum : 0;
}

/*
 * One thread's samples, every EVERY ops; when the array fills, every other
 * sample goes and EVERY doubles, so memory stays bounded on any trace.
 */
struct rp_tl {
	struct rp_sample *s;
	uint32_t n, cap;
	uint64_t every;
	uint64_t shift;  /* ticks the run paused to plan windows so far: taken off each sample's */
};

/* One time bin of the merged timeline: live figures at its end. */
struct rp_tlbin {
	double time_s, ops_per_s;
	uint64_t live_bytes, live_objects;
};

struct rp_timeline {
	struct rp_tlbin *bins;
	size_t nbins;
	uint64_t peak_bytes, peak_objects, end_bytes, end_objects;
};

/* Room for a thread replaying OPS ops, of NTHREADS.  Returns 0, or -1 when out of memory. */
int rp_tl_init(struct rp_tl *tl, size_t ops, unsigned nthreads);
void rp_tl_free(struct rp_tl *tl);

/*
 * Record D after OPS ops, now.  Returns the op count of the next sample.
 * D comes by value: its address never escapes the replay loop, which keeps
 * it in registers across the engine's calls.
 */
uint64_t rp_tl_sample(struct rp_tl *tl, uint64_t ops, struct rp_delta d);

/* The thread's last sample: D after all its OPS ops, at TICKS (it always fits). */
void rp_tl_end(struct rp_tl *tl, uint64_t ticks, uint64_t ops, struct rp_delta d);

/* One op kind's figures on one thread, or merged. */
struct rp_ophist {
	uint64_t count;       /* calls made */
	uint64_t failed;      /* calls that returned MMR_CALL_FAILED */
	uint64_t refused;     /* calls the engine refused as impossible (MMR_CALL_REFUSED) */
	uint64_t orphaned;    /* ops on an object whose allocation failed: not called */
	struct mmr_hist lat;  /* clock ticks per call (timer cost included) */
	struct mmr_hist *by_size[RP_SIZECLASSES]; /* alloc and free only, made on first use */
};

/*
 * A replay thread's state; RS_RUN covers its engine calls (nothing else of
 * the loop can block).  RS_WINDOW: at the end of a window, waiting for
 * the others and the next window's plan.
 */
enum rp_state { RS_START, RS_RUN, RS_WAIT, RS_PACE, RS_DONE, RS_WINDOW };

struct rp_run;

struct rp_thread {
	struct rp_run *run;
	unsigned tid;
	pthread_t th;
	bool started;
	void *ctx;
	struct rp_ophist *ops;  /* MMR_OP_COUNT of them */
	atomic_uint_fast64_t done;    /* ops replayed, all windows: progress */
	atomic_uint_fast64_t next_ts; /* trace time of its next op, UINT64_MAX when none is left: the watermark */
	atomic_uint state;            /* enum rp_state */
	atomic_uint wait_slot, wait_seq;
	uint64_t end_ticks;
	/*
	 * Objects the trace ended on this thread that the engine still holds:
	 * their free was refused or failed, or their realloc was.  The trace
	 * never names them again, and their slot goes to another object:
	 * rp_free_live frees them, by handle, with the leftovers.
	 */
	struct rp_kept {
		uint64_t handle;
		uint32_t slot;
		uint8_t family;
	} *kept;
	size_t nkept, cap_kept;
	struct rp_tl tl;              /* samples of this thread's progress: written by it alone */
	uint64_t warm;                /* what warming the stream read: kept so it is not optimized away */
};

/*
 * Per slot: what the engine's alloc returned (0: it failed).  Nothing
 * else: replay reads this array at random, and doubling it to keep each
 * object's live bytes beside the handle cost the null engine 60% of its
 * untimed throughput on a 5 M-event trace (BENCHMARKS.md); the bytes an
 * end takes off ride in its op instead (rp_op.end_bytes), read in order.
 */
struct rp_slot {
	uint64_t handle;
};

/* What --sched gave, and whether lock holders are watched for preemption (sched.c). */
struct rp_sched {
	enum mmr_replay_sched want;
	bool fifo;            /* replay threads (pinned) and workers run SCHED_FIFO */
	char why[160];        /* the rule that chose, in words */
	bool watched;         /* holds and waits are checked for preemption */
	char watch_why[200];  /* how, or why not */
};

/* The kernel's preemption granularity the replay threads offer their CPU at: one tick at CONFIG_HZ=1000. */
#define RP_SCHED_TICK_NS 1e6

/* A replay thread's last offer of its CPU, in clock ticks. */
struct rp_sched_tick {
	uint64_t every, last;
};

/*
 * Decide --sched WANT for THREADS on ONLINE CPUs into S.  Returns 0, or -1
 * with ERR when fifo was asked for and cannot be had.
 */
int rp_sched_decide(enum mmr_replay_sched want, unsigned threads, unsigned online, struct rp_sched *s,
		    struct mmr_error *err);
/* Watch lock holders for preemption when TIMING (and the kernel allows it), saying how in S. */
void rp_sched_preempt_watch(struct rp_sched *s, bool timing);

struct rp_run;
/* The calling replay thread, once every thread is ready, takes the run's policy. */
void rp_sched_replay_thread(struct rp_run *run);
/* The calling worker takes the run's policy. */
void rp_sched_worker(struct rp_run *run);
/* Start K's tick at now. */
void rp_sched_tick_init(struct rp_sched_tick *k);
/* Between two ops: once a tick, when the thread holds no lock, let a runnable worker have the CPU. */
void rp_sched_offer(struct rp_sched_tick *k);

struct rp_run {
	const struct mmr_replay_opts *o;
	const struct rp_plan *plan;      /* the whole trace's: totals, slots, what stays live */
	/*
	 * Whose streams and sites the threads replay: PLAN when it holds every
	 * op; else SRC, the plan of this run's windows, planned as the run
	 * goes by the last thread to reach each window's end (run.c).
	 */
	const struct rp_plan *win;
	struct rp_plan *src;
	uint64_t window_ops;
	pthread_mutex_t win_mu;  /* guards the fields below; win_cv: the next window is out */
	pthread_cond_t win_cv;
	unsigned at_end;         /* threads at the window's end */
	unsigned generation;     /* windows out so far */
	bool last_window;        /* the window out is the trace's last */
	bool win_failed;         /* planning a window (or starting a thread) failed: the threads stop; win_err says why */
	atomic_bool planning;    /* a thread is planning the next window: the watchdog waits */
	struct mmr_error win_err;
	uint64_t paused_ticks;   /* ticks spent planning windows, the threads stopped: left out of every time */
	void *engine;
	struct rp_slot *slots;
	atomic_uint *done;       /* per slot: ops completed, published across threads */
	struct rp_thread *threads;
	pthread_t *workers;
	unsigned nworkers;
	atomic_bool go;
	atomic_bool stop_workers;
	atomic_uint ready;
	uint64_t start_ticks;
	uint64_t start_mono_ns;  /* for pacing */
	/* What the run does outside the replay loop, for the guard (monitor.c); NULL when done. */
	_Atomic(const char *) phase;
	struct mmr_tclock *clock;       /* the trace clock the engine's timers run by */
	struct mmr_tclock_stat *timers; /* their figures, once the workers stopped */
	int ntimers;
	const struct rp_sched *sched;
	atomic_uint sched_refused; /* threads whose SCHED_FIFO the kernel refused after all */
};

/* Phases of a run that call into the engine outside the replay loop (rp_run.phase). */
#define RP_PHASE_REPLAY "replaying" /* rp_monitor watches this one */

/*
 * Allocate RUN's slot arrays and threads for PLAN, the whole trace's.
 * SRC: NULL when PLAN holds every op; else a plan opened on the same trace
 * (rp_plan_open), whose windows of WINDOW_OPS ops the run replays, the
 * first planned here.  Returns 0, or -1 (ERR); rp_run_free either way.
 */
int rp_run_init(struct rp_run *run, const struct mmr_replay_opts *o, const struct rp_plan *plan,
		struct rp_plan *src, uint64_t window_ops, struct mmr_error *err);
void rp_run_free(struct rp_run *run);

/*
 * Replay the plan once against a fresh engine (left in run->engine for
 * the caller to read and destroy); *WALL_TICKS from the start signal to
 * the last thread's end.  Returns 0, or -1 (ERR) with the engine freed.
 */
int rp_run_once(struct rp_run *run, const struct mmr_engine_env *env, uint64_t *wall_ticks,
		struct mmr_error *err);

/*
 * Merge RUN's thread samples into TL: RP_TL_BINS equal bins over WALL_TICKS
 * from the start signal, TICK_NS a tick.  Returns 0, or -1 when out of memory.
 */
int rp_timeline_build(struct rp_timeline *tl, const struct rp_run *run, uint64_t wall_ticks, double tick_ns);

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

/*
 * The guard: a thread that watches RUN's phase while it is not the replay
 * (creating the engine, stopping its workers, reading its figures,
 * freeing what the trace left, destroying it), and when one phase lasts
 * WATCHDOG_S (0: 30 s) says which engine hung in which phase on LOG and
 * exits with status 3, as the watchdog does for the replay itself: an
 * engine stuck there would otherwise hang the process with no word.
 */
struct rp_guard {
	pthread_t th;
	struct rp_run *run;
	double limit_s;
	FILE *log;
	pthread_mutex_t lock; /* guards stop; wake tells the guard it changed */
	pthread_cond_t wake;
	bool stop;
	bool started;
};

/* Start G on RUN.  Returns 0, or -1 when no thread can be made (then nothing guards). */
int rp_guard_start(struct rp_guard *g, struct rp_run *run, double watchdog_s, FILE *log);
void rp_guard_stop(struct rp_guard *g);

/* ---- costs.c: each cost option's value and source ------------------------------ */

#define RP_MAX_COSTS 32
#define RP_MAX_OPTS 96

struct rp_cost {
	char key[48], value[32], measurement[32];
	char source[480]; /* "--engine-opt", "measured: pte_map_ns in PATH (HOST, DATE)", "default 10: CITATION" */
	double lo, hi;
};

/* The engine's options for a run: the user's, then the costs taken from the profile. */
struct rp_costs {
	struct rp_cost v[RP_MAX_COSTS];
	size_t n;
	const char *keys[RP_MAX_OPTS], *values[RP_MAX_OPTS];
	size_t nopts;
};

/*
 * Resolve every cost option of O->engine (mmr_engine.h) into CS, and the
 * options to pass the engine.  Returns 0, or -1 with ERR (an option that
 * names a measurement calibrate does not make).
 */
int rp_costs_resolve(const struct mmr_replay_opts *o, struct rp_costs *cs, struct mmr_error *err);

/* ---- the result ------------------------------------------------------------ */

/* One run's headline figures, for the repeat statistics. */
struct rp_runstat {
	uint64_t wall_ns;
	double ops_per_s;
	uint64_t p50_ticks[MMR_OP_COUNT], p90_ticks[MMR_OP_COUNT], p99_ticks[MMR_OP_COUNT];
	uint64_t p999_ticks[MMR_OP_COUNT], max_ticks[MMR_OP_COUNT];
	double mean_ticks[MMR_OP_COUNT];
	uint64_t count[MMR_OP_COUNT], failed[MMR_OP_COUNT];
	uint64_t outcome[MMR_OUTCOMES_MAX]; /* the engine's declared outcomes, in its order */
	uint64_t timer_fired[RP_MAX_TIMERS]; /* mmr_replay_result.timers[i]'s firings in this run */
	uint64_t footprint_bytes;
};

/* One name's timed mechanisms (mmr_tclock.h): the last run's figures, the firings of every run. */
struct rp_timer {
	char name[48];
	unsigned timers;
	uint64_t fired, fired_min, fired_max;      /* last run; least and most over the runs */
	uint64_t late_ns_total, late_ns_max, first_due, last_due;
	uint64_t cut_due;  /* the last run's first due left unrun when the end's budget ran out; UINT64_MAX: none */
	uint64_t *marks; /* the last run's firings, wall ns from its start (a sample: mmr_tclock.h) */
	uint32_t nmarks;
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
	char trace_warning[1024];  /* the reader's warning (a killed writer's file), "" when none */
	uint64_t trace_discarded;  /* bytes of the trace the reader could not read */
	char clock[16];
	unsigned threads, online_cpus, workers;
	bool timing, pinned;
	bool kernel_rt;            /* --kernel rt */
	struct rp_sched sched;     /* --sched and preemption watching */
	unsigned sched_refused;    /* threads refused SCHED_FIFO, most in one run */
	uint64_t preempt_unwatched; /* threads that took locks unwatched, all runs */
	enum mmr_replay_map map;
	enum mmr_replay_pace pace;
	double pace_factor;
	double tick_ns;            /* ns per clock tick */
	double timer_overhead_ns;
	uint64_t events, replayed, objects, nslots, span_ns, gaps_cut, gap_ns_cut;
	uint64_t window_ops;       /* ops planned at once at most (--window) */
	unsigned windows;          /* windows the trace took: 1 when it replayed from memory whole */
	double max_gap_s;
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
	struct rp_timeline timeline;        /* the last run's */
	struct rp_timer timers[RP_MAX_TIMERS]; /* the engine's timed mechanisms, in the order made */
	size_t ntimers;
	uint64_t timers_dropped;            /* names past RP_MAX_TIMERS, not kept */
	uint64_t clock_end;                 /* trace time of the last event */
	char kernel[128], hostname[256], cpu_model[256]; /* cpu_model "": unknown */
	struct rp_kv report[RP_MAX_REPORT]; /* the engine's own figures, last run */
	size_t nreport;
	uint64_t report_dropped;            /* figures past RP_MAX_REPORT, not kept */
	const struct mmr_engine_ops *decl;  /* the engine: its outcomes, baseline mark, same-code ops */
	size_t noutcomes;
	struct rp_costs costs;              /* each cost option's value and source */
	struct mmr_profile profile;         /* the profile the costs came from, when HAVE_PROFILE */
	bool have_profile;
	/* What a re-run needs besides the above (compare --robust): the options given, --events, --as. */
	struct {
		char key[48], value[80];
	} given[RP_MAX_OPTS];
	size_t ngiven;
	uint64_t max_events;
	int as_family;
};

/* A copy of R's lock classes, most total wait first (free()); NULL when none or out of memory. */
struct mmr_lock_stats *rp_locks_by_wait(const struct mmr_replay_result *r);

/* Percentile P of ticks histogram H in ns, the timer's cost taken off (never below 0). */
double rp_latency_ns(const struct mmr_replay_result *r, const struct mmr_hist *h, double p);

#endif /* RUN_INTERNAL_H */
