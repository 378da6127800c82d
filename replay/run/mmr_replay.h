/* SPDX-License-Identifier: MIT */
/*
 * mmr_replay.h - replay a trace against an engine on many threads and
 * measure it: per-op latency histograms, throughput, lock contention,
 * memory.  The results schema is docs/results-json.md.
 */
#ifndef MMR_REPLAY_H
#define MMR_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mmr_engine.h"
#include "mmr_trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- engines: finding and loading plugins ------------------------------ */

struct mmr_engine_catalog;

/*
 * Load every engine object in the directories of PATH (colon-separated;
 * a file names one object).  Objects that fail to load (no engine symbol,
 * another ABI) are reported on WARN, one line each, when WARN is not NULL,
 * and left out.  Returns the catalog, or NULL when memory runs out.
 */
struct mmr_engine_catalog *mmr_engines_load(const char *path, FILE *warn);
void mmr_engines_free(struct mmr_engine_catalog *c);

/* Engines in the catalog, and the I-th with the file it came from. */
size_t mmr_engines_count(const struct mmr_engine_catalog *c);
const struct mmr_engine_ops *mmr_engines_get(const struct mmr_engine_catalog *c, size_t i,
					     const char **file);

/* The engine called NAME, or NULL. */
const struct mmr_engine_ops *mmr_engines_find(const struct mmr_engine_catalog *c, const char *name);

/*
 * Load the one object FILE and check it.  Returns 0, or -1 with ERR naming
 * FILE and what is wrong (cannot load, no mmr_engines symbol, ABI).
 */
int mmr_engines_add_file(struct mmr_engine_catalog *c, const char *file, struct mmr_error *err);

/*
 * Whether E models the design the kernel RELEASE ("6.18.44-fc", as uname -r
 * gives it) runs: its `kernel` range holds RELEASE's version (major.minor,
 * and .patch when the range names one).  False for an engine with no
 * range, a RELEASE with no version at its start, or a malformed range.
 */
bool mmr_engine_models_kernel(const struct mmr_engine_ops *e, const char *release);

/* The engine directory of this build, where `list engines` and -e look first. */
const char *mmr_engines_default_dir(void);

/*
 * Call first thing in main() of a program that will load engines: Debian's
 * jemalloc uses 2.6 KiB of initial-exec TLS, more than glibc keeps for a
 * library dlopen()ed after startup, and the reserve can only be set before
 * the process starts.  So the program re-executes itself (ARGV) once with
 * glibc's optional_static_tls tunable added, unless it is set already or
 * MMR_NO_TLS_REEXEC is.  Returns only when no exec was needed or the exec
 * failed: the process then goes on as is, and the jemalloc engine says
 * what to set.
 */
void mmr_engines_reserve_tls(char **argv);

/* ---- the runner ---------------------------------------------------------- */

enum mmr_replay_map {
	MMR_MAP_CPU,  /* one thread per CPU of the trace (default) */
	MMR_MAP_PID,  /* one thread per task */
	MMR_MAP_HASH, /* objects spread by a hash of their id */
};

/* --sched: how replay threads and workers are scheduled (sched.c). */
enum mmr_replay_sched {
	MMR_SCHED_AUTO,  /* fifo when there is a CPU per thread and SCHED_FIFO is allowed, else other */
	MMR_SCHED_FIFO,  /* pinned SCHED_FIFO; refused when it cannot be had */
	MMR_SCHED_OTHER, /* the default policy, unpinned unless pin */
};

/* "auto", "fifo" or "other" for S; NULL out of range. */
const char *mmr_replay_sched_name(enum mmr_replay_sched s);
/* The policy NAME names into *S.  Returns 0, or -1 when it names none. */
int mmr_replay_sched_from_name(const char *name, enum mmr_replay_sched *s);

enum mmr_replay_pace {
	MMR_PACE_ASAP,     /* as fast as the engine goes */
	MMR_PACE_ORIGINAL, /* the trace's own times, scaled by pace_factor */
};

/*
 * Pacing bounds.  A factor outside them is refused: below, a second of
 * trace becomes more than a quarter of an hour; above, pacing is asap.  A
 * gap between events longer than max_gap_s of trace time is cut to it
 * (counted in the results), so that no trace, whatever its timestamps,
 * makes a thread sleep longer than max_gap_s / pace_factor at once.
 */
#define MMR_PACE_FACTOR_MIN 1e-3
#define MMR_PACE_FACTOR_MAX 1e6
#define MMR_MAX_GAP_DEFAULT_S 10.0
#define MMR_MAX_GAP_MAX_S 3600.0

struct mmr_replay_opts {
	const char *trace;                   /* the .mmr file */
	const struct mmr_engine_ops *engine;
	unsigned threads;                    /* 0: as many as the mapping gives (up to 256) */
	enum mmr_replay_map map;
	bool pin;                            /* pin thread i to online CPU i mod online */
	bool kernel_rt;                      /* --kernel rt: spinlock_t and rwlock_t sleep, as on PREEMPT_RT */
	enum mmr_replay_sched sched;         /* --sched */
	enum mmr_replay_pace pace;
	double pace_factor;                  /* original: 1; x2 replays twice as fast (MMR_PACE_FACTOR_*) */
	double max_gap_s;                    /* trace gaps longer than this are cut; 0: MMR_MAX_GAP_DEFAULT_S */
	unsigned repeat;                     /* fresh runs; 0 means 1 */
	int as_family;                       /* -1, or the family other families' events become (never lock) */
	uint64_t max_events;                 /* replay only the trace's first N events; 0: all */
	/*
	 * Ops planned and held in memory at once, all threads (--window); a
	 * trace with more is planned a window at a time while it replays,
	 * the threads meeting between windows.  0: MMR_WINDOW_DEFAULT_OPS.
	 */
	uint64_t window_ops;
	size_t nopts;                        /* --engine-opt key=value, parallel arrays */
	const char *const *opt_keys;
	const char *const *opt_values;
	bool timing;                         /* time every call (default); off: throughput only */
	double watchdog_s;                   /* no progress for this long aborts; 0: 30 s */
	bool progress;                       /* a progress line on LOG */
	FILE *log;                           /* progress and notes; NULL: stderr */
	/* Where cost options without --engine-opt take their value (mmr_calibrate.h); NULL: the engines' defaults. */
	const struct mmr_profile *profile;
};

/* The default window: 8 M ops, 256 MB of op records. */
#define MMR_WINDOW_DEFAULT_OPS 8000000ull

struct mmr_replay_result;
struct mmr_profile;

/*
 * Replay O->trace against O->engine.  Returns the results, or NULL with
 * ERR filled (unreadable trace, nothing the engine can replay, engine
 * create failure, a pace factor or gap out of bounds, out of memory).  A stuck replay never returns: the
 * watchdog prints which thread waits on what and exits the process with
 * status 3.
 */
struct mmr_replay_result *mmr_replay_run(const struct mmr_replay_opts *o, struct mmr_error *err);

/*
 * Write DIR/ENGINE/results.json of R (creating the directories): all the
 * runner writes; `mmreplay plot` and compare derive their tables from it.
 * Returns 0, or -1 with ERR.
 */
int mmr_replay_write(const struct mmr_replay_result *r, const char *dir, struct mmr_error *err);

/* The trace reader's warning (a killed writer's file, what was discarded), or NULL. */
const char *mmr_replay_trace_warning(const struct mmr_replay_result *r);

/* The summary table: per-op percentiles, then locks by total wait. */
void mmr_replay_print(const struct mmr_replay_result *r, FILE *f);

void mmr_replay_result_free(struct mmr_replay_result *r);

#ifdef __cplusplus
}
#endif

#endif /* MMR_REPLAY_H */
