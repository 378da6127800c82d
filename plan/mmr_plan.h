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

/*
 * A group: traces replayed with their own engines, baseline, thread
 * counts, kernel modes, engine and replay options and repeats (the
 * demo's families, each on its own workload).  A plan without "groups"
 * is one group of all its traces; with them, the plan's own lists are
 * the defaults of every group that does not give the key.  A list a group
 * takes from the plan is the plan's (the same pointer), not a copy.
 */
struct mmr_plan_group {
	char *name;                 /* unique within the plan; a plan without groups: the plan's name */
	size_t *traces;             /* indices into the plan's traces, in the group's order */
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
	struct mmr_plan_kv *replay; /* replay options every job takes: canonical values, in key order */
	size_t nreplay;
	unsigned repeat;
	/* How reports present it (docs/plans.md): NULL, or as the file gives them. */
	char *title;                /* its section's heading in the index */
	char *description;          /* the paragraph under it */
	char **references;          /* engines measured as reference points: their verdicts weigh nothing */
	size_t nreferences;         /* in the index's first ones */
};

struct mmr_plan {
	char *path;                 /* the file it was read from */
	char *text;                 /* its JSON as read: what a results folder's plan.json is made from */
	char *name, *description;
	struct mmr_plan_trace *traces;
	size_t ntraces;
	/*
	 * The plan's own lists (its engines, baseline, threads, kernel modes,
	 * engine options, replay options and repeat; no name or traces).
	 * Without "groups" in the file, the one group is these; with it, they
	 * are the groups' defaults, and engines and threads may be empty: read
	 * a job's engines, options and the like from its group
	 * (mmr_plan_job_group).
	 */
	struct mmr_plan_group defaults;
	bool compare, sweep;        /* the reports to build */
	struct mmr_plan_group *groups; /* at least one */
	size_t ngroups;
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
/*
 * Read and check the plan TEXT (LEN bytes, not NUL-terminated) as if it
 * were the file PATH: PATH names it in errors, and its folder is where a
 * relative file trace is looked for (a plan built in memory: "./sweep"
 * looks in the current folder).  Returns the plan, or NULL with ERR as
 * mmr_plan_read; a NUL byte, or anything but space after the object, is
 * "not a JSON object".
 */
struct mmr_plan *mmr_plan_read_text(const char *text, size_t len, const char *path, struct mmr_error *err);
void mmr_plan_free(struct mmr_plan *p);

/*
 * A replay option a plan can give its jobs ("replay": {KEY: VALUE}): one
 * of `mmreplay replay`'s own options that are not already plan keys.
 */
struct mmr_plan_replay_opt {
	const char *key;   /* the plan's key: "map", "max_gap", "no_timing" */
	const char *flag;  /* replay's long option: "--map", "--max-gap" */
	char short_flag;   /* replay's short option letter, or 0 */
	bool takes_value;  /* false: a flag (pin, no_timing), given as true or false */
	bool in_id;        /* an input of job ids: it can change results (the watchdog cannot) */
};

/* The option NAME names (its plan key, "--flag" or "-f"), or NULL. */
const struct mmr_plan_replay_opt *mmr_plan_replay_find(const char *name);
/* The I-th option in key order, or NULL past the last. */
const struct mmr_plan_replay_opt *mmr_plan_replay_get(size_t i);
/*
 * Check VALUE for replay option KEY as replay checks it (a flag's value
 * is "true" or "false") and write its canonical text into CANON (N
 * bytes): what job ids hash and the command line passes.  Returns 1; 0
 * when the value is replay's default, which asks nothing of it (the plan
 * drops it, so that it does not change ids); -1 with WHY (WN bytes, "'x'
 * is not cpu, pid or hash") for a value replay would refuse or an
 * unknown KEY.
 */
int mmr_plan_replay_value(const char *key, const char *value, char *canon, size_t n, char *why, size_t wn);

/*
 * `mmreplay sweep TRACE -e ENGINES -t THREADS [-b BASELINE] [--repeat N]
 * [--kernel K] [-O KEY=VALUE...] [replay options]` as a plan: its arguments, as given.
 */
struct mmr_plan_sweep {
	const char *trace;                 /* the trace file (relative: the current folder's) */
	const char *engines;               /* -e: "E1,E2" */
	const char *threads;               /* -t: "1,2,4,8" */
	const char *baseline;              /* -b, or NULL: the first engine */
	unsigned repeat;                   /* --repeat, or 0: replay's 1 */
	const char *kernels;               /* --kernel: "default", "rt" or "default,rt"; NULL: default */
	const char *const *engine_opts;    /* -O: "KEY=VALUE", each key once */
	size_t nengine_opts;
	const char *const *replay_names;   /* replay options: a plan key, "--flag" or "-f" (mmr_plan_replay_find) */
	const char *const *replay_values;  /* their values as given; a flag's NULL or "true" (set), "false" */
	size_t nreplay;
};

/*
 * The plan of sweep S: one trace, its engines at every thread count,
 * checked as a plan file is (the same ids as the same cells in any plan).
 * ORIGIN names it in errors ("command line": no '/' in it, so that a
 * relative trace is the current folder's).  Returns the plan
 * (mmr_plan_free it), or NULL with ERR's one line naming the plan key an
 * argument became ("command line: threads[1]: 2 after 2: thread counts
 * rise", "command line: replay.map: 'cpus' is not cpu, pid or hash").
 */
struct mmr_plan *mmr_plan_for_sweep(const struct mmr_plan_sweep *s, const char *origin, struct mmr_error *err);

/* One replay of the expanded plan. */
struct mmr_plan_job {
	char id[17];               /* 16 hex digits: a hash of everything the job's results depend on */
	char cell_id[17];          /* the same without the engine: the jobs of a cell share it, and its folder */
	size_t group;              /* index into the plan's groups */
	size_t trace, engine;      /* indices into the plan's traces and the group's engines */
	unsigned threads;
	const char *kernel;
	size_t point;              /* the option grid's point: one value index per option, mixed radix */
	size_t cell;               /* the jobs of one cell differ only in their engine */
};

/* A plan's jobs, in order: group, trace, kernel, grid point, thread count, engine. */
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

/* The value option OPT of group G's grid takes at grid point POINT. */
const char *mmr_plan_group_opt_value(const struct mmr_plan_group *g, size_t opt, size_t point);
/* Job J's group, and its engine's name. */
const struct mmr_plan_group *mmr_plan_job_group(const struct mmr_plan *p, const struct mmr_plan_job *j);
const char *mmr_plan_job_engine(const struct mmr_plan *p, const struct mmr_plan_job *j);

/*
 * The words of the command (argv[0] "mmreplay"), NULL-terminated and
 * malloc'd (mmr_plan_argv_free them), into *ARGV: the one place a job's
 * options are listed; the quoted lines below are made from these words.
 *
 * mmr_plan_generate_argv: mmreplay generate ... -o OUT that makes
 * generated trace T.  mmr_plan_job_argv: mmreplay replay TRACE -e ENGINE
 * ... -o DIR/cells/CELL_ID that runs job J and writes
 * DIR/cells/CELL_ID/ENGINE/results.json.  With DIR NULL the paths are
 * those of a prepared results directory, relative to it (traces/ID.mmr,
 * cells/CELL_ID), for commands run from inside it; with a DIR, a file
 * trace is read where mmr_plan_expand found it.  Returns 0, or -1 (out
 * of memory, T not a generated trace) with *ARGV NULL.
 */
int mmr_plan_generate_argv(const struct mmr_plan *p, size_t t, const char *out, char ***argv);
int mmr_plan_job_argv(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const struct mmr_plan_job *j,
		      const char *dir, char ***argv);
void mmr_plan_argv_free(char **argv);

/*
 * ARGV as one shell line into BUF (LEN bytes): words the shell would read
 * as more than letters single-quoted.  Returns 0, or -1 when it does not fit.
 */
int mmr_plan_quote(char *const *argv, char *buf, size_t len);

/*
 * The shell command, into BUF (LEN bytes), that makes generated trace T
 * (mmreplay generate ... -o DIR/traces/ID.mmr), or that runs job J
 * (mmreplay replay TRACE -e ENGINE ... -o DIR/cells/CELL_ID, which writes
 * DIR/cells/CELL_ID/ENGINE/results.json): what a plan's jobs
 * are, whoever runs them.  DIR NULL: relative paths, as mmr_plan_job_argv.
 * Returns 0, or -1 when it does not fit.
 */
int mmr_plan_generate_command(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, size_t t,
			      const char *dir, char *buf, size_t len);
/* "mkdir -p DIR/SUB" into BUF, quoted as the commands are.  Returns 0, or -1 when it does not fit. */
int mmr_plan_mkdir_command(const char *dir, const char *sub, char *buf, size_t len);
int mmr_plan_job_command(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const struct mmr_plan_job *j,
			 const char *dir, char *buf, size_t len);

/* Whether job J's results (DIR/cells/CELL_ID/ENGINE/results.json) are in DIR: a job done is never rerun. */
bool mmr_plan_job_done(const struct mmr_plan *p, const struct mmr_plan_job *j, const char *dir);

/*
 * Prepare DIR, a plan's self-contained results directory (docs/plans.md),
 * for P's JOBS: DIR/traces/ID.mmr for every trace (a file trace copied, or
 * reflinked where the file system can; a generated one made once by EXE, the mmreplay binary,
 * into a temporary name renamed into place, its output in
 * DIR/logs/generate-ID.log), DIR/logs/, and DIR/plan.json, the plan with
 * its file traces as "traces/ID.mmr", which mmr_plan_read and
 * mmr_plan_expand read anywhere to the same job ids.  DIR/.lock is held
 * until the process ends, so that two runs never share a DIR.  A DIR that holds
 * the same plan already is resumed; one holding another plan's is refused;
 * P's own file as DIR/plan.json (PLAN -o its folder) is left as it is.
 * Returns 0; -1 with ERR's one line when DIR is in use or holds another plan, a trace
 * cannot be copied or generated, or a write fails; or the signal number
 * (SIGINT, SIGTERM) that interrupted a generation, which leaves no trace half made.
 */
int mmr_plan_prepare(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const char *dir, const char *exe,
		     struct mmr_error *err);

/* How mmr_plan_run runs a prepared directory's jobs. */
struct mmr_plan_run_opts {
	const char *exe;   /* the mmreplay binary the jobs run ("/proc/self/exe": this one) */
	unsigned jobs;     /* jobs at a time, 1 or more */
	bool tty;          /* progress as one line on stderr, rewritten, rather than a line per job */
	bool quiet;        /* no line per job (failures are still reported) */
	const char *name;  /* the command the progress and failure lines name; NULL: "run" */
	/*
	 * Words every job's command takes after its own, NULL-terminated, or
	 * NULL: replay options that say where things are on this machine
	 * (--engine-path DIR, --profile FILE, --no-profile), which are not
	 * inputs of job ids.  Jobs run in DIR: give paths absolute.
	 */
	const char *const *extra;
};

/* What a run did. */
struct mmr_plan_run_stats {
	size_t skipped;    /* done before the run started */
	size_t done;       /* run and done now */
	size_t failed;     /* run and failed: each reported on stderr with its log */
	int signal;        /* SIGINT or SIGTERM that stopped the run; 0 when it ran to the end */
};

/*
 * Run the jobs of prepared directory DIR that are not done, O->jobs at a
 * time, each as O->exe with mmr_plan_job_argv's words, in DIR, its stdout
 * and stderr into DIR/logs/JOB_ID.log, stdin /dev/null.  A job that fails
 * (exit status, signal, or no results.json) is reported on stderr in one
 * line, with its log's path and last line, and the others go on.  SIGINT
 * and SIGTERM are passed on to the running jobs, which are waited for
 * (results.json is written atomically, so none is left half made), and no
 * job is started after them.  Progress goes to stderr.  Returns 0 with *S
 * filled (S->failed and S->signal say how it went), or -1 with ERR when a
 * job cannot be started at all (no /dev/null, a log that cannot be made).
 */
int mmr_plan_run(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const char *dir,
		 const struct mmr_plan_run_opts *o, struct mmr_plan_run_stats *s, struct mmr_error *err);

/* What mmr_plan_emit writes beside jobs.tsv. */
enum mmr_plan_emit_kind { MMR_PLAN_EMIT_PARALLEL, MMR_PLAN_EMIT_SLURM };

/*
 * Write DIR/jobs.tsv, a line per job of prepared directory DIR not done
 * (JOB_ID, CELL_ID, ENGINE, and the shell command run from DIR, with
 * relative paths; tab-separated), and DIR/run-parallel.sh (a GNU parallel
 * run of it, executable) or DIR/slurm.sbatch (a Slurm array job, a task
 * per line, DIR's absolute path written in).  *PENDING gets the number
 * of lines; with none, no script is written and an old sbatch file is
 * removed (its array would name lines that are gone).  Returns 0, or -1
 * with ERR when a write fails, a command holds a tab or a newline, or
 * DIR's path cannot go into an #SBATCH line.
 */
int mmr_plan_emit(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const char *dir,
		  enum mmr_plan_emit_kind kind, size_t *pending, struct mmr_error *err);

/* ---- report.c: a plan's reports ------------------------------------------ */

/* A machine results came from (results.json's machine), and how many jobs ran there. */
struct mmr_plan_host {
	char name[128], cpu_model[128]; /* "" where the results do not say */
	size_t jobs;
};

/* How many of the index's first verdicts mmr_plan_report hands back. */
#define MMR_PLAN_SUMMARY_TOP 5

/* What mmr_plan_report tells its caller besides the files. */
struct mmr_plan_summary {
	char top[MMR_PLAN_SUMMARY_TOP][1400]; /* the index's first verdicts, as it lists them */
	size_t ntop;
	char sweep[128];                      /* the first sweep report, relative to DIR; "" when none */
};

struct mmr_compare_opts;
struct mmr_compare_result;
struct mmr_index_entry;

/* How mmr_plan_report presents a plan's reports where the plan's own way is not wanted (the demo's). */
struct mmr_plan_report_opts {
	const char *title;             /* the index's title; NULL: "mmreplay plan NAME" */
	const char *const *intro;      /* the index's paragraphs; NULL: the plan's (what ran, where) */
	size_t nintro;
	size_t top;                    /* verdicts the index lists first; 0: 5 */
	/*
	 * Called before each cell's comparison, O as it will be made: may set
	 * O->robust.  Returns 0, or -1 with ERR: that comparison fails (the
	 * index says so), the others are made.
	 */
	int (*before_compare)(void *arg, struct mmr_compare_opts *o, struct mmr_error *err);
	/*
	 * Called once every comparison is made, before the index is written:
	 * CELLS[c] is cell c's comparison (NULL where it has none), alive for
	 * the call.  May give entries to list after the plan's (*EXTRA, *N of
	 * them: the caller's, alive until mmr_plan_report returns).  Returns
	 * 0, or -1 with ERR: the index is written without them, and
	 * mmr_plan_report fails.
	 */
	int (*before_index)(void *arg, const struct mmr_compare_result *const *cells,
			    const struct mmr_index_entry **extra, size_t *n, struct mmr_error *err);
	void *arg;
};

/*
 * Build plan P's reports (JOBS its expansion) from the results in its
 * directory DIR (DIR/cells/CELL/ENGINE/results.json, docs/plans.md), each
 * cell with its group's engines and baseline: with P->compare, a
 * comparison of each cell where two engines or more have results, the
 * baseline among them (DIR/reports/cells/CELL); with P->sweep, a sweep of
 * each group's traces, kernel modes and grid points across its thread
 * counts that have results, two or more (DIR/reports/sweeps/
 * TRACEID-KERNEL-POINT, GROUP-TRACEID-KERNEL-POINT with more than one
 * group), a line per engine and host where hosts differ; and always
 * DIR/index.html and index.md, every cell listed with its verdicts and
 * links, a cell with jobs missing as missing, each group headed (GROUP
 * is the group's index).  A cell whose engines ran on different hosts is
 * compared with a warning, on stderr once and first in its report.
 * Returns 0, or -1 with ERR: JOBS not P's expansion, gnuplot or the plot
 * scripts missing, the index not written, or a comparison or sweep that
 * failed (the first, and how many more: the others are still made, and
 * the index says which failed and why).  O (may be NULL) changes how
 * they are presented (above); each group's title, description and
 * references are used as docs/plans.md says.  SUM (may be NULL) gets the
 * index's first verdicts and the first sweep's path, whatever the return.
 */
int mmr_plan_report(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const char *dir,
		    const struct mmr_plan_report_opts *o, struct mmr_plan_summary *sum, struct mmr_error *err);

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
