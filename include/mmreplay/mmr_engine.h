/* SPDX-License-Identifier: MIT */
/*
 * mmr_engine.h - the interface between the replay runner and an allocator
 * engine: a model of one kernel allocator variant, or a real allocator.
 *
 * An engine is a shared object in the engine directory exporting
 *
 *     const struct mmr_engine_ops *const mmr_engines[];
 *
 * a NULL-terminated list (a family's variants may share one object, each
 * variant in its own .c file).  The runner dlopen()s it, checks .abi, and
 * calls create once per run, thread_init on every replay thread, the op
 * functions from the trace's events, the workers beside them, then
 * report and destroy.  docs/engines.md walks through a minimal engine.
 *
 * Engines take locks only through mmr_lock.h, with the kernel's names, so
 * that their contention shows up in the results, and time their
 * mechanisms (a drain every 20 ms, a compaction pass every 10 ms) by the
 * trace's clock (mmr_tclock.h), so that they fire as often per event as
 * the kernel's did whatever the pacing.
 */
#ifndef MMR_ENGINE_H
#define MMR_ENGINE_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mmr_tclock.h"
#include "mmr_event.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Bumped whenever a layout an engine shares with mmreplay changes: this
 * header's structs, and the locks and timers of mmr_lock.h and
 * mmr_tclock.h that engines embed and the shared libraries write into
 * (tests/sdk/test_engine_abi.c pins them), or what a field promises (8:
 * a slot is taken again once the trace ended its object).  A plugin built
 * for another ABI is refused.
 */
#define MMR_ENGINE_ABI 8

/* The symbol every engine object exports. */
#define MMR_ENGINE_SYMBOL "mmr_engines"

/* One replayed event, as an engine call sees it. */
struct mmr_call {
	uint64_t handle;      /* in: the object's handle (all but alloc); out: alloc and realloc set it */
	uint64_t aux_handle;  /* realloc: the old object's handle; attach/detach: the attachment's */
	uint64_t size;        /* bytes requested (page and cma: bytes of the block) */
	uint64_t bytes_alloc; /* bytes the traced allocator handed out (0 when unknown) */
	uint64_t aux;         /* the event's aux value (vmalloc alloc: alignment, purge: areas) */
	uint64_t call_site;   /* caller address in the trace, 0 when unknown */
	uint64_t ts;          /* the event's trace time (mmr_tclock.h): this thread's clock */
	uint32_t slot;        /* the object's slot, below mmr_engine_env.slots; UINT32_MAX: none.  A slot
			       * is reused once its object ended in the trace: two objects the
			       * trace has live at once never share one. */
	uint32_t gfp;
	int32_t node;         /* NUMA node asked for, -1 when none */
	uint16_t flags;       /* MMR_EF_* */
	uint8_t order;        /* page order (page, cma) */
	uint8_t family;       /* the event's family, after --as */
};

/*
 * What an op function returns:
 *   MMR_CALL_OK (0)       done;
 *   MMR_CALL_FAILED (-1)  the engine could not do it, as the kernel could
 *                         not (an allocation failure): counted per op as
 *                         failed, part of the work measured;
 *   MMR_CALL_REFUSED (1)  the op is impossible in the engine's state (a
 *                         vunmap of nothing mapped, a vmap of a buffer
 *                         another thread holds locked, a map of a handle
 *                         another thread has mapped): the engine changed
 *                         nothing and the op is counted per op as refused,
 *                         apart from the work.  A refused start leaves no
 *                         object behind.  Where the kernel gives such an op
 *                         a meaning (dma_buf_vmap of a mapped buffer takes
 *                         a reference), the engine does that instead.
 * Neither is fatal: an engine must never crash, block for ever or
 * overflow on a sequence a trace can hold; it refuses it instead.
 */
enum mmr_call_result { MMR_CALL_FAILED = -1, MMR_CALL_OK = 0, MMR_CALL_REFUSED = 1 };

typedef int (*mmr_engine_op_fn)(void *thread, struct mmr_call *op);

/*
 * An option an engine takes as --engine-opt KEY=VALUE.
 *
 * A cost assumption (a time the model charges by busy-waiting or
 * sleeping, standing for work it does not do: a page-table update, a TLB
 * flush, a copy between domains) says where its value comes from, so
 * that no result rests on a number without a source: PROFILE names the
 * `mmreplay calibrate` measurement the default is taken from on this
 * machine (docs/calibrate.md), SOURCE cites where DEF comes from (a seed
 * thread, kernel documentation); one of the two at least.  LO..HI is the
 * range the cost may plausibly take, which `compare --robust` tries.
 * Other options leave all four zero.
 */
struct mmr_engine_param {
	const char *key;
	const char *def;     /* default, as text */
	const char *help;    /* one line */
	const char *profile; /* cost: the calibrate measurement its default comes from, or NULL */
	const char *source;  /* cost: the citation for DEF ("seed 000: ..."), or NULL */
	double lo, hi;       /* cost: its plausible range (lo < hi); 0, 0 for other options */
};

/* Outcome keys are shorter than this; an engine declares at most MMR_OUTCOMES_MAX of them. */
#define MMR_OUTCOME_KEY_MAX 48
#define MMR_OUTCOMES_MAX 32

/* A params[] entry for an option that is not a cost; end the array with {0}. */
#define MMR_OPTION(key_, def_, help_) {.key = (key_), .def = (def_), .help = (help_)}

/* A params[] entry for a cost assumption: PROFILE or SOURCE (or both) and its range LO..HI. */
#define MMR_COST(key_, def_, help_, profile_, source_, lo_, hi_)                                         \
	{.key = (key_), .def = (def_), .help = (help_), .profile = (profile_), .source = (source_),      \
	 .lo = (lo_), .hi = (hi_)}

/* The SOURCE of a cost default measured by `mmreplay calibrate` on the project's reference machine. */
#define MMR_REF_MACHINE "measured by mmreplay calibrate on the reference machine (BENCHMARKS.md, Calibration)"
/*
 * The reference machine's page-table figures (pte_map_ns, pte_unmap_ns),
 * defaults of every engine that maps pages: one value, however many take it.
 */
#define MMR_REF_PTE_MAP_NS "103"
#define MMR_REF_PTE_UNMAP_NS "64"

/* Which way an outcome counts. */
enum mmr_better { MMR_BETTER_NEITHER = 0, MMR_BETTER_MORE, MMR_BETTER_FEWER };

/*
 * An outcome: a count of what the engine's work came to (pages freed by
 * compaction, moves that failed because the buffer was pinned, fallbacks
 * taken), which a comparison shows and tests beside the latencies, so a
 * variant that did less is not called faster for it.  The engine's
 * report gives it after every run, as a u64 under KEY; the runner checks
 * that it does.  Calls an op failed (MMR_CALL_FAILED) are outcomes the
 * runner counts itself: declare only what it cannot see.
 */
struct mmr_engine_outcome {
	const char *key;  /* the report key */
	const char *unit; /* what one of it is, plural: "pages", "moves", "calls" */
	enum mmr_better better;
	const char *op;   /* the op it belongs to ("compact"), or NULL: the engine's background work */
	bool work;        /* it is what OP's calls achieve: OP's work rate is this per second */
	const char *help; /* one line */
};

struct mmr_engine_ops;

/* What the runner tells create about the run. */
struct mmr_engine_env {
	/*
	 * The entry of mmr_engines[] being created: a family whose variants
	 * share one create finds the variant's own hooks from it
	 * (MMR_ENGINE_VARIANT), so that no variant needs a create of its own.
	 */
	const struct mmr_engine_ops *engine;
	unsigned threads;     /* replay threads */
	unsigned online_cpus;
	uint32_t slots;       /* slot numbers the replay uses: from the most objects live at once
			       * up to every object of the trace (a slot is taken again only
			       * by the thread that ended its object) */
	/*
	 * The run's trace clock: timed mechanisms sleep on mmr_ttimer timers
	 * made on it in create, never on wall time.  NULL outside a replay
	 * (an engine's own tests): wall time.
	 */
	struct mmr_tclock *clock;
	/* The --engine-opt values, parallel arrays of NOPTS; only keys the engine declares. */
	size_t nopts;
	const char *const *keys;
	const char *const *values;
};

/* Engine-specific figures for the results ("purges": 12), through the runner's callbacks. */
struct mmr_figures {
	void *ctx;
	void (*u64)(void *ctx, const char *key, uint64_t value);
	void (*f64)(void *ctx, const char *key, double value);
};

struct mmr_engine_ops {
	uint32_t abi;            /* MMR_ENGINE_ABI */
	const char *name;        /* "vmalloc-nodes": what -e names */
	const char *description; /* one line for `mmreplay list engines` */
	uint32_t families;       /* (1u << MMR_FAM_*) of every family it replays */
	const struct mmr_engine_param *params; /* NULL-terminated by key, or NULL */
	const struct mmr_engine_outcome *outcomes; /* NULL-terminated by key, or NULL */
	/* The family's baseline, that compare measures the others against unless -b names another. */
	bool baseline;
	/*
	 * Per op (enum mmr_op): a name for the code the op runs where other
	 * engines run the very same code ("cma-release-mutex"), or NULL.  A
	 * difference between two engines whose op has one name is the run's
	 * noise, and compare says so instead of calling it a finding.
	 */
	const char *same_code[MMR_OP_COUNT];

	/* The engine for one run; NULL with ERR filled on failure (bad option value). */
	void *(*create)(const struct mmr_engine_env *env, struct mmr_error *err);
	/* Free everything, objects still allocated included. */
	void (*destroy)(void *engine);
	/* Per replay thread TID (0..threads-1): its context for the op calls; NULL means ENGINE. */
	void *(*thread_init)(void *engine, unsigned tid);
	void (*thread_exit)(void *thread);

	/* Indexed by enum mmr_op; NULL: the engine does not do that op and such events are skipped. */
	mmr_engine_op_fn op[MMR_OP_COUNT];

	/* Background workers (purge, compaction, RCU reclaim): how many, and the body of one. */
	unsigned (*workers)(void *engine);
	/* Run until *STOP is true; the runner starts them before the replay and stops them after. */
	void (*worker)(void *engine, unsigned idx, const atomic_bool *stop);

	/* Bytes the engine holds now (its footprint), or NULL when it cannot say. */
	uint64_t (*footprint)(void *engine);
	/* Engine-specific figures after the run, or NULL. */
	void (*report)(void *engine, const struct mmr_figures *r);

	/*
	 * NULL when the engine can run here; otherwise one line saying why
	 * not ("libjemalloc.so.2 not found: install libjemalloc2").  The
	 * engine is still listed, marked with the reason, and refused by -e.
	 * May be NULL: always available.
	 */
	const char *(*unavailable)(void);

	/*
	 * The kernel releases that run the design this engine models, as
	 * "FROM-UNTIL" with either side left empty for open ("6.9-": 6.9 and
	 * later; "-6.8": up to 6.8), or NULL for a design no released kernel
	 * runs (a proposal, a userspace allocator).  `mmreplay validate`
	 * replays a capture against the engines whose range holds the
	 * capture's kernel, since only those can be checked against the
	 * contention that kernel reported.
	 */
	const char *kernel;
};

/*
 * The value of option KEY in ENV, or NULL when it was not given (the
 * engine then uses the default it declared).
 */
static inline const char *mmr_engine_opt(const struct mmr_engine_env *env, const char *key)
{
	for (size_t i = 0; i < env->nopts; i++) {
		const char *k = env->keys[i], *q = key;
		while (*k && *k == *q)
			k++, q++;
		if (*k == '\0' && *q == '\0')
			return env->values[i];
	}
	return NULL;
}

/*
 * Option KEY as an unsigned number (decimal or 0x hex), DEF when absent.
 * Returns 0, or -1 with ERR naming the option when its value is not a
 * number.
 */
static inline int mmr_engine_opt_u64(const struct mmr_engine_env *env, const char *key,
				     uint64_t def, uint64_t *out, struct mmr_error *err)
{
	const char *v = mmr_engine_opt(env, key);
	char *end;
	if (!v) {
		*out = def;
		return 0;
	}
	errno = 0;
	unsigned long long n = strtoull(v, &end, 0);
	if (*v == '\0' || *v == '-' || *end != '\0' || errno == ERANGE) {
		snprintf(err->msg, sizeof(err->msg), "engine option %s=%s: not an unsigned number", key, v);
		return -1;
	}
	*out = (uint64_t)n;
	return 0;
}

/* The entry PARAMS declares for option KEY, or NULL when it declares none. */
static inline const struct mmr_engine_param *mmr_engine_param_find(const struct mmr_engine_param *params,
								   const char *key)
{
	for (const struct mmr_engine_param *p = params; p && p->key; p++) {
		const char *k = p->key, *q = key;
		while (*k && *k == *q)
			k++, q++;
		if (*k == '\0' && *q == '\0')
			return p;
	}
	return NULL;
}

/*
 * Option KEY's text: the value ENV gives, else the default PARAMS
 * declares for KEY, so that the default a user reads in `mmreplay list
 * engines` and results.json is the one the engine uses and is written
 * once.  Returns 0, or -1 with ERR when PARAMS declares no KEY.
 */
static inline int mmr_engine_param_str(const struct mmr_engine_env *env, const struct mmr_engine_param *params,
				       const char *key, const char **out, struct mmr_error *err)
{
	const struct mmr_engine_param *p = mmr_engine_param_find(params, key);
	if (!p || !p->def) {
		snprintf(err->msg, sizeof(err->msg), "engine option %s: no default declared", key);
		return -1;
	}
	const char *v = mmr_engine_opt(env, key);
	*out = v ? v : p->def;
	return 0;
}

/*
 * Option KEY as mmr_engine_opt_u64 reads it, its default the one PARAMS
 * declares for KEY (as mmr_engine_param_str).  Returns 0, or -1 with ERR.
 */
static inline int mmr_engine_param_u64(const struct mmr_engine_env *env, const struct mmr_engine_param *params,
				       const char *key, uint64_t *out, struct mmr_error *err)
{
	const struct mmr_engine_param *p = mmr_engine_param_find(params, key);
	char *end = NULL;
	unsigned long long def = p && p->def ? strtoull(p->def, &end, 0) : 0;
	if (!end || end == p->def || *end != '\0') {
		snprintf(err->msg, sizeof(err->msg), "engine option %s: no numeric default declared", key);
		return -1;
	}
	return mmr_engine_opt_u64(env, key, (uint64_t)def, out, err);
}

/*
 * For a family whose variants share one create: the structure TYPE, one
 * per variant, whose member MEMBER is the struct mmr_engine_ops ENV
 * creates, so that create finds the variant's hooks beside its ops.
 * NULL when ENV names no engine, or one whose create is not CREATE_FN
 * (not one of the family's: the structure around it is another's).
 */
#define MMR_ENGINE_VARIANT(env, type, member, create_fn)                                                 \
	((env)->engine && (env)->engine->create == (create_fn)                                           \
		 ? (const type *)(const void *)((const char *)(env)->engine - offsetof(type, member))    \
		 : (const type *)NULL)

/*
 * mmr_ttimer_init (mmr_tclock.h) on the run's trace clock, for create:
 * T named NAME.  Returns 0, or -1 with ERR when the clock has no room.
 */
static inline int mmr_engine_timer_init(struct mmr_ttimer *t, const struct mmr_engine_env *env, const char *name,
					struct mmr_error *err)
{
	if (mmr_ttimer_init(t, env->clock, name) == 0)
		return 0;
	snprintf(err->msg, sizeof(err->msg), "%s: no room for its timer on the trace clock", name);
	return -1;
}

#ifdef __cplusplus
}
#endif

#endif /* MMR_ENGINE_H */
