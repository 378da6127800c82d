/* SPDX-License-Identifier: MIT */
/*
 * mmr_workload.h - synthetic workload generators.  Each workload mirrors a
 * benchmark the seed threads rely on (or lack) and writes a deterministic
 * event stream into a .mmr trace.  See docs/workloads.md.
 */
#ifndef MMR_WORKLOAD_H
#define MMR_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "mmr_trace.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MMR_WORKLOAD_MAX_PARAMS 16

/* A workload option, given on the command line as --NAME VALUE. */
struct mmr_workload_param {
	const char *name; /* e.g. "max-pages" */
	uint64_t def;     /* default */
	uint64_t min;     /* smallest accepted value */
	uint64_t max;     /* largest accepted value */
	const char *help; /* one line */
};

/* What a generator is asked to produce. */
struct mmr_workload_config {
	uint64_t seed;  /* same seed, same config: byte-identical trace */
	uint32_t cpus;  /* simulated CPUs, >= 1 */
	uint64_t ops;   /* exact number of events to emit, >= 1 */
	/* Values for the workload's params, in the order of its params array. */
	uint64_t params[MMR_WORKLOAD_MAX_PARAMS];
};

struct mmr_workload {
	const char *name;    /* "vmalloc-test" */
	const char *summary; /* one line for `mmreplay list workloads` */
	const char *mirrors; /* the benchmark or system it imitates */
	uint8_t family;      /* main enum mmr_family it produces */
	const struct mmr_workload_param *params;
	size_t nparams;
	/* Emit exactly cfg->ops events into W.  Returns 0, or -1 with ERR filled. */
	int (*generate)(const struct mmr_workload_config *cfg, struct mmr_writer *w,
			struct mmr_error *err);
};

/* Number of built-in workloads, and the I-th of them (NULL when out of range). */
size_t mmr_workload_count(void);
const struct mmr_workload *mmr_workload_get(size_t i);

/* The workload called NAME, or NULL. */
const struct mmr_workload *mmr_workload_find(const char *name);

/* Index of WL's param NAME, or -1 when it has none of that name. */
int mmr_workload_param_index(const struct mmr_workload *wl, const char *name);

/* Fill CFG->params with WL's defaults (seed, cpus and ops are left alone). */
void mmr_workload_defaults(const struct mmr_workload *wl, struct mmr_workload_config *cfg);

/*
 * Check CFG (cpus, ops, every param) against WL's limits without
 * generating anything.  Returns 0, or -1 with ERR naming the option and
 * its accepted range: "workload zram-swap: --incompressible-pct 150 out
 * of range 0..100".
 */
int mmr_workload_check(const struct mmr_workload *wl, const struct mmr_workload_config *cfg,
		       struct mmr_error *err);

/*
 * Check CFG against WL's limits and run the generator.  Returns 0, or -1
 * with ERR naming the offending option or the write that failed.
 */
int mmr_workload_generate(const struct mmr_workload *wl, const struct mmr_workload_config *cfg,
			  struct mmr_writer *w, struct mmr_error *err);

/*
 * Check CFG, then create PATH and write WL's trace into it, with metadata
 * naming the workload, seed, CPUs, ops and every param value (so the file
 * says how to make it again).  OPTS may be NULL.  Returns 0, or -1 with
 * ERR filled; a failed run removes PATH rather than leave half a trace.
 */
int mmr_workload_write(const struct mmr_workload *wl, const struct mmr_workload_config *cfg,
		       const char *path, const struct mmr_writer_opts *opts, struct mmr_error *err);

#ifdef __cplusplus
}
#endif

#endif /* MMR_WORKLOAD_H */
