/* SPDX-License-Identifier: MIT */
/*
 * mmr_plan.h - experiments as data: a plan (docs/plans.md) names traces,
 * engines, thread counts, engine-option grids, kernel modes and repeats;
 * expanded, it is a list of jobs, each one `mmreplay replay` of one engine
 * in one cell (a trace, a thread count, a kernel mode, one point of the
 * option grid) with an id derived from what the job does, so that a job's
 * results are found again, reused, and never run twice.
 *
 * Reading a plan checks all of it, so that a typo stops the experiment
 * before its first replay, not hours into it; every error is one line
 * naming the file and the key.
 */
#ifndef MMR_PLAN_H
#define MMR_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mmr_event.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The plan format this build reads ("mmreplay_plan": 1). */
#define MMR_PLAN_VERSION 1

/* Bounds that keep a plan's expansion countable (docs/plans.md). */
#define MMR_PLAN_MAX_LIST 64      /* traces, engines, thread counts, kernels, values of one option */
#define MMR_PLAN_MAX_OPTS 16      /* options in the grid */
#define MMR_PLAN_MAX_JOBS 100000  /* jobs of one plan */

/* A key=value pair, both owned by the plan. */
struct mmr_plan_kv {
	char *key, *value;
};

/* Where a trace comes from. */
enum mmr_plan_source { MMR_PLAN_FILE, MMR_PLAN_GENERATE };

struct mmr_plan_trace {
	char *name;                 /* unique within the plan: what reports call it */
	enum mmr_plan_source source;
	char *file;                 /* FILE: a path (relative to the plan's folder), or a bundled trace's name */
	char *workload;             /* GENERATE: the workload, its event count, seed and CPUs, and its params */
	uint64_t ops, seed, cpus;
	struct mmr_plan_kv *params;
	size_t nparams;
};

/* One option of the grid and the values it takes. */
struct mmr_plan_opt {
	char *key;
	char **values;
	size_t nvalues;
};

struct mmr_plan {
	char *path;                 /* the file it was read from */
	char *name, *description;
	struct mmr_plan_trace *traces;
	size_t ntraces;
	char **engines;             /* in report order */
	size_t nengines;
	char *baseline;             /* one of engines */
	unsigned *threads;          /* rising */
	size_t nthreads;
	char **kernels;             /* "default", "rt" */
	size_t nkernels;
	struct mmr_plan_opt *opts;  /* the grid, keys in the file's order */
	size_t nopts;
	struct mmr_plan_kv *fixed;  /* engine options every job takes */
	size_t nfixed;
	unsigned repeat;
	bool compare, sweep;        /* the reports to build */
};

/*
 * Read and check the plan at PATH.  Returns the plan (mmr_plan_free it),
 * or NULL with ERR's one line ("PATH: traces[1].generate.ops: not a
 * whole number above 0") when the file cannot be read, is not JSON, has
 * another version, a missing, mistyped or unknown key, a duplicate, or a
 * value out of range.  Engines and workloads are names here: whether
 * they exist is the runner's to check, against the engines it loads.
 */
struct mmr_plan *mmr_plan_read(const char *path, struct mmr_error *err);
void mmr_plan_free(struct mmr_plan *p);

/* One replay of the expanded plan. */
struct mmr_plan_job {
	char id[17];               /* 16 hex digits: a hash of everything the job's results depend on */
	char cell_id[17];          /* the same without the engine: the jobs of a cell share it, and its folder */
	size_t trace, engine;      /* indices into the plan's traces and engines */
	unsigned threads;
	const char *kernel;
	size_t point;              /* the option grid's point: one value index per option, mixed radix */
	size_t cell;               /* the jobs of one cell differ only in their engine */
};

/* A plan's jobs, in order: trace, kernel, grid point, thread count, engine. */
struct mmr_plan_jobs {
	struct mmr_plan_job *v;
	size_t n, cells;
	char (*trace_ids)[17];     /* per trace: the hash of its content, or of how it is generated */
	char **trace_paths;        /* per trace: a file trace's path as found; NULL for a generated one */
	size_t ntraces;
};

/*
 * Expand P into *JOBS (mmr_plan_jobs_free them).  A file trace is looked
 * for beside the plan (a relative path is the plan folder's), then among
 * the bundled traces in BUNDLED (may be NULL); its id is the hash of its
 * content, read once here, so that the same trace under another name or
 * on another machine gives the same job ids.  Returns 0, or -1 with ERR
 * when a trace file is not found or cannot be read, or the plan would
 * make more than MMR_PLAN_MAX_JOBS jobs.
 */
int mmr_plan_expand(const struct mmr_plan *p, const char *bundled, struct mmr_plan_jobs *jobs,
		    struct mmr_error *err);
void mmr_plan_jobs_free(struct mmr_plan_jobs *jobs);

/* The value option OPT takes at grid point POINT. */
const char *mmr_plan_opt_value(const struct mmr_plan *p, size_t opt, size_t point);

/*
 * The shell command, into BUF (LEN bytes), that makes generated trace T
 * (mmreplay generate ... -o DIR/traces/ID.mmr), or that runs job J
 * (mmreplay replay TRACE -e ENGINE ... -o DIR/cells/CELL_ID, which writes
 * DIR/cells/CELL_ID/ENGINE/results.json): what a plan's jobs
 * are, whoever runs them.  Arguments that need it are single-quoted.
 * Returns 0, or -1 when it does not fit.
 */
int mmr_plan_generate_command(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, size_t t,
			      const char *dir, char *buf, size_t len);
/* "mkdir -p DIR/SUB" into BUF, quoted as the commands are.  Returns 0, or -1 when it does not fit. */
int mmr_plan_mkdir_command(const char *dir, const char *sub, char *buf, size_t len);
int mmr_plan_job_command(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const struct mmr_plan_job *j,
			 const char *dir, char *buf, size_t len);

/* ---- report.c: a plan's reports ------------------------------------------ */

/* A machine results came from (results.json's machine), and how many jobs ran there. */
struct mmr_plan_host {
	char name[128], cpu_model[128]; /* "" where the results do not say */
	size_t jobs;
};

/*
 * Build plan P's reports (JOBS its expansion) from the results in its
 * directory DIR (DIR/cells/CELL/ENGINE/results.json, docs/plans.md): with
 * P->compare, a comparison of each cell where two engines or more have
 * results, the baseline among them (DIR/reports/cells/CELL); with
 * P->sweep, a sweep of each trace, kernel mode and grid point across the
 * thread counts that have results, two or more (DIR/reports/sweeps/
 * TRACEID-KERNEL-POINT), a line per engine and host where hosts differ;
 * and always DIR/index.html and index.md, every cell listed with its
 * verdicts and links, a cell with jobs missing as missing.  A cell whose
 * engines ran on different hosts is compared with a warning, on stderr
 * once and first in its report.  Returns 0, or -1 with ERR: gnuplot or
 * the plot scripts missing, the index not written, or a comparison or
 * sweep that failed (the first, and how many more: the others are still
 * made, and the index says which failed and why).
 */
int mmr_plan_report(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const char *dir, struct mmr_error *err);

/* ---- collect.c: results from several places into one ------------------------ */

/* What one source directory gave to mmr_plan_collect. */
struct mmr_plan_collect_src {
	const char *dir;
	bool out;      /* it is OUT: its results were kept where they are */
	size_t taken;  /* results taken from it (copied, or kept when it is OUT) */
	size_t dups;   /* results it has of jobs already taken from OUT or an earlier directory */
	size_t differ; /* of those, the ones whose bytes differ from the results kept */
};

struct mmr_plan_collected {
	struct mmr_plan *plan;             /* OUT/plan.json, read */
	struct mmr_plan_jobs jobs;         /* and expanded */
	struct mmr_plan_collect_src *src;  /* per source directory, in order (OUT first when it held results) */
	size_t nsrc;
	size_t done, missing;              /* the plan's jobs with results in OUT, and without */
	struct mmr_plan_host *hosts;       /* the machines OUT's results come from */
	size_t nhosts;
	char tool[64];                     /* the mmreplay version that made them ("" when none says) */
};

/*
 * Merge the results directories DIRS (N of them) of one plan into OUT:
 * each DIR holds plan.json (the plan as run, its file traces in DIR/traces),
 * traces/, cells/CELL/ENGINE/results.json and maybe logs/JOB.log (docs/plans.md).
 * OUT may be one of DIRS, or hold an earlier collection of the same plan:
 * its results are kept; otherwise it must be missing or empty.  A job's
 * results found twice are taken once, from the first place (OUT, then
 * DIRS in order); a copy whose bytes differ is a warning on WARN (NULL:
 * stderr) naming the one kept.  Results are copied into a temporary name
 * and renamed, so a result in OUT is whole.  Nothing is written unless
 * every DIR holds the same plan (the same jobs, ids and all, and
 * baseline) and every results.json the same tool version.  Returns 0
 * with *C filled (mmr_plan_collected_free it), or -1 with ERR's one line
 * naming the files: a plan unreadable or another than the first, results
 * of another version, an unreadable or damaged results.json, results of
 * another engine than their folder's, OUT not a results directory, a
 * write error.
 */
int mmr_plan_collect(const char *const *dirs, size_t n, const char *out, FILE *warn, struct mmr_plan_collected *c,
		     struct mmr_error *err);
void mmr_plan_collected_free(struct mmr_plan_collected *c);

#ifdef __cplusplus
}
#endif

#endif /* MMR_PLAN_H */
