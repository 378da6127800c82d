/* SPDX-License-Identifier: MIT */
/*
 * mmr_report.h - from results directories to pictures and verdicts: the
 * gnuplot runner, the results.json reader, the significance tests, and
 * the comparison report (report.md and a self-contained report.html).
 *
 * The plots themselves are gnuplot scripts beside this file, one per plot
 * kind; the C side reads results.json, derives from it the small .dat
 * tables the scripts read (the runner writes results.json only) and runs
 * gnuplot.  Every function that can fail fills a struct mmr_error with
 * one line: what, where and why.
 */
#ifndef MMR_REPORT_H
#define MMR_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mmr_trace.h"

struct mmr_hist;

#ifdef __cplusplus
extern "C" {
#endif

/* ---- gnuplot.c: running the plot scripts --------------------------------- */

struct mmr_gnuplot {
	const char *binary;  /* MMREPLAY_GNUPLOT, or "gnuplot" found on PATH */
	const char *scripts; /* MMREPLAY_PLOTS_DIR, or this build's plots/ */
	bool png, svg;       /* formats to draw; png when neither is set */
	unsigned made;       /* files written so far */
};

/* One variable a script reads, set with gnuplot -e (the value single-quoted). */
struct mmr_gnuplot_var {
	const char *name, *value;
	bool path; /* a file the script opens: given as "./VALUE" unless absolute */
};

/*
 * Find gnuplot and the plot scripts for G.  Returns 0, or -1 with ERR
 * naming what is missing (gnuplot: the Debian package gnuplot-nox;
 * scripts: MMREPLAY_PLOTS_DIR).
 */
int mmr_gnuplot_init(struct mmr_gnuplot *g, struct mmr_error *err);

/*
 * Run SCRIPT (a file in G's scripts) once per format, writing OUT.png
 * and/or OUT.svg titled TITLE; the script also gets dir, out, title,
 * term and the NVARS VARS.  No value can run a command (gnuplot.c says
 * how).  gnuplot's own messages are caught, not shown.  Returns 0, or -1
 * with ERR naming the script, the file it failed on and gnuplot's error.
 */
int mmr_gnuplot_draw(struct mmr_gnuplot *g, const char *script, const char *out, const char *title,
		     const struct mmr_gnuplot_var *vars, size_t nvars, struct mmr_error *err);


/* ---- results.c: one engine's results.json -------------------------------- */

/* The latency figures a comparison looks at, in table order. */
enum mmr_stat { MMR_STAT_P50, MMR_STAT_P90, MMR_STAT_P99, MMR_STAT_P999, MMR_STAT_MAX, MMR_STAT_COUNT };

/* "p50", "p90", "p99", "p99.9", "max". */
const char *mmr_stat_name(enum mmr_stat s);

/*
 * A bucket of an op's latency histogram (ops.OP.histogram[]): LOW and
 * HIGH whole ns with the timer's cost on, LOW_NS and HIGH_NS with it off
 * (the file's own, or in an older file, LOW and HIGH less
 * timer_overhead_ns, never below 0).
 */
struct mmr_results_bucket {
	uint64_t low, high, count;
	double low_ns, high_ns;
};

struct mmr_results_op {
	bool present;
	uint64_t count, failed;
	double stat[MMR_STAT_COUNT];  /* ns over all runs; NAN when not timed */
	double *runs[MMR_STAT_COUNT]; /* per run (nruns of them, NAN where a run lacks it); NULL: none */
	double *run_count;            /* calls per run (nruns), or NULL */
	char same_code[48];           /* the code it runs where other engines run it too, "" when its own */
	struct mmr_results_bucket *hist; /* ops.OP.histogram[], non-empty buckets in order; NULL: none */
	size_t nhist;
};

/* Which way an outcome counts (the engine's MMR_BETTER_*). */
enum mmr_direction { MMR_DIR_NEITHER, MMR_DIR_MORE, MMR_DIR_FEWER };

/*
 * An outcome of a run (mmr_engine.h's struct mmr_engine_outcome): a count
 * the engine declared, or the calls an op failed, which the reader adds
 * for every op replayed.
 */
struct mmr_results_outcome {
	char key[48], unit[24], help[160];
	enum mmr_direction better;
	int op;            /* enum mmr_op, or -1: the engine's background work */
	bool work;         /* what OP's calls achieve */
	bool failed_calls; /* OP's failed calls, from the runner */
	double mean;       /* per run */
	double *runs;      /* nruns of them (NAN where a run lacks it), or NULL */
};

/* A cost option of the run (results.json costs[]): its value, where it came from, its range. */
struct mmr_results_cost {
	char key[48], value[32], source[200];
	char measurement[32]; /* the calibrate measurement it takes, "" for an assumption */
	double lo, hi;
};

/* An --engine-opt of the run. */
struct mmr_results_opt {
	char key[48], value[80];
};

/* How the run was made, as far as a re-run (compare --robust) needs it. */
struct mmr_results_how {
	char map[8], pace[12], as_family[16]; /* as_family "" when none */
	bool pinned;
	bool kernel_rt;                       /* replayed with --kernel rt */
	char sched[8];                        /* --sched as asked: auto, fifo, other ("" when not said) */
	char sched_policy[8];                 /* what it gave: fifo, other ("" when not said) */
	double pace_factor, max_gap_s;        /* NAN when asap / not said */
	uint64_t max_events;                  /* 0: all */
};

struct mmr_results_lock {
	char name[96], side[12];
	char kernel_type[24];    /* "spinlock_t"...; "" when the results do not say */
	bool irqs_off, rt_hazard;
	uint64_t acquisitions, contended, wait_ns_total, wait_ns_max, hold_ns_total, hold_ns_max;
	uint64_t contended_queued; /* contended behind another waiter (mmr_lock.h); UINT64_MAX: not in the file */
	uint64_t irqs_off_ns_total, spin_ns_total; /* what the kernel would pay (docs/locks.md) */
	uint64_t rt_in_atomic;   /* taken under a raw or bit spinlock though it sleeps on PREEMPT_RT */
	uint64_t holds_preempted, waits_preempted; /* counted apart from the figures above */
	struct mmr_hist *wait_hist; /* its wait_histogram[] (mmr_hist.h), NULL when the file has none */
};

/* A time bin of the last run (timeline.by_bin[]): its end, its calls per second, live at its end. */
struct mmr_results_bin {
	double time_s, ops_per_s;
	uint64_t live_bytes, live_objects;
};

/* A timed mechanism of the engine (timers[]) and when it fired in the last run. */
struct mmr_results_timer {
	char name[48];
	uint64_t *marks_ns; /* wall ns since the run's start; NULL when none */
	size_t nmarks;
	bool has_marks;     /* marks_ns[] is in the file (not in older ones) */
};

struct mmr_results {
	char dir[1024];
	char engine[64];
	char trace[1024];
	uint64_t trace_events;
	unsigned threads, online_cpus, nruns;
	bool timing;
	double wall_ns, throughput;   /* means over the runs */
	double *run_throughput;       /* nruns of them, or NULL */
	double *run_wall_ns;          /* nruns of them, or NULL */
	bool baseline;                /* the engine is its family's baseline */
	struct mmr_results_op ops[MMR_OP_COUNT];
	struct mmr_results_outcome *outcomes;
	size_t noutcomes;
	struct mmr_results_cost *costs;
	size_t ncosts;
	struct mmr_results_opt *opts;
	size_t nopts;
	struct mmr_results_how how;
	struct mmr_results_lock *locks;
	size_t nlocks;
	double footprint_bytes, peak_rss_bytes; /* NAN when unknown */
	char kernel[96], cpu_model[128];        /* "" when the file does not say */
	char hostname[128];                     /* machine.hostname: "" when the file does not say */
	char notes[256];                        /* optional parts missing, for the report */
	/* What only the plots read (results_series.c): the tables of dat.c come from these. */
	double timer_overhead_ns;               /* taken off every latency; 0 when not said */
	double peak_live_bytes, end_live_bytes; /* the timeline's; NAN when not said */
	uint64_t timeline_bins;                 /* timeline.bins: how many bins the run had */
	struct mmr_results_bin *bins;           /* timeline.by_bin[] (older files: none), nbins of them */
	size_t nbins;
	struct mmr_results_timer *timers;
	size_t ntimers;
	char damaged[400];                      /* "PATH: KEY: what", the first of those not as replay writes it */
};

/*
 * Read DIR/results.json into R.  Returns 0, or -1 with ERR (unreadable,
 * not JSON, a required key missing or of the wrong type: named).
 * Optional parts that are missing (repeats, locks) leave R's fields
 * empty and are listed in R->notes.  A histogram, a timeline bin or a
 * timer mark that is not what replay writes leaves that part empty and
 * says so in R->damaged: the tables of dat.c refuse R then, and a report
 * without plots does not need them.
 */
int mmr_results_load(const char *dir, struct mmr_results *r, struct mmr_error *err);
void mmr_results_free(struct mmr_results *r);

/*
 * The engine results under DIR: DIR itself when it holds results.json,
 * else its subdirectories that do, sorted by name.  Returns a malloc'd
 * array of malloc'd paths (*N of them; NULL with *N = 0 when none).
 */
char **mmr_results_dirs(const char *dir, size_t *n);
void mmr_results_dirs_free(char **dirs, size_t n);

/* The trace's file name without its directories. */
const char *mmr_results_trace_name(const struct mmr_results *r);

/* ---- dat.c: the tables gnuplot reads, derived from results.json ---------- */

/* The tables (docs/results-json.md, "The plots' tables"): per op, then per engine. */
enum mmr_dat {
	MMR_DAT_HIST,        /* hist_OP.dat: low_ns high_ns count cumulative_fraction */
	MMR_DAT_PERCENTILES, /* percentiles_OP.dat: percentile latency_ns one_over_one_minus_p */
	MMR_DAT_LOCKS,       /* locks.dat: "name" side acquisitions contended wait/hold totals and maxima */
	MMR_DAT_TIMELINE,    /* timeline.dat: time_s ops_per_s live_bytes live_objects */
	MMR_DAT_TIMERS,      /* timers.dat: time_s "name" */
	MMR_DAT_FOOTPRINT,   /* footprint.dat: "what" bytes */
	MMR_DAT_COUNT
};

/* Table T's file name ("hist_alloc.dat" for MMR_DAT_HIST of op alloc; OP is ignored for the others). */
const char *mmr_dat_name(enum mmr_dat t, unsigned op, char *buf, size_t n);

/*
 * Write table T of R (OP for the per-op ones) as DIR/mmr_dat_name(T),
 * replacing whatever is there (a symlink is removed, not followed).
 * Nothing is written when R holds no such figures (no latencies, no
 * locks, an older results.json without timeline.by_bin).  Returns the
 * table's rows, 0 for none, or -1 with ERR (R->damaged, a write error).
 */
long mmr_dat_write(const struct mmr_results *r, enum mmr_dat t, unsigned op, const char *dir,
		   struct mmr_error *err);

/* ---- plot.c: one engine's plots ------------------------------------------ */

/*
 * Every plot of one engine's results DIR (per op: histogram, percentile
 * spectrum, CDF; lock contention; timeline and footprint) into OUTDIR,
 * created if missing, each beside the table it was drawn from (dat.c).
 * What an older results.json lacks (the timeline's bins, the timers'
 * marks) is left out with a warning on WARN (NULL: stderr).  Returns 0,
 * or -1 with ERR.
 */
int mmr_plot_results(struct mmr_gnuplot *g, const char *dir, const char *outdir, FILE *warn,
		     struct mmr_error *err);

/* ---- signif.c: is a difference real? ------------------------------------- */

/* NOISE: the interval excludes 0, but the change is no larger than the noise floor (compare.c). */
enum mmr_sig { MMR_SIG_UNKNOWN, MMR_SIG_NO, MMR_SIG_YES, MMR_SIG_NOISE };

struct mmr_signif {
	unsigned na, nb;           /* finite values used */
	double diff;               /* mean(b) - mean(a) */
	double ci_low, ci_high;    /* its 95% confidence interval (Welch); NAN when unknown */
	double mw_p;               /* two-sided Mann-Whitney U p-value; NAN when unknown */
	enum mmr_sig sig;          /* YES: the interval excludes 0; UNKNOWN: fewer than 2 runs a side */
};

/* Compare per-run figures B against baseline A (NAN entries are left out). */
void mmr_signif_test(const double *a, unsigned na, const double *b, unsigned nb, struct mmr_signif *s);

/*
 * The two-sided p-value of the Mann-Whitney U test of A against B: exact
 * for up to 20 values without ties, else the normal approximation with a
 * tie correction.  NAN when either side is empty.
 */
double mmr_mann_whitney_p(const double *a, unsigned na, const double *b, unsigned nb);

/* ---- compare.c: the comparison report ------------------------------------- */

/*
 * compare --robust: the engines replayed again with cost option KEY set to
 * VALUE (its range LO..HI), compared like the original into RES.
 */
struct mmr_robust_point {
	const char *key;
	double value, lo, hi;
	const struct mmr_compare_result *res;
};

struct mmr_robust {
	const struct mmr_robust_point *points;
	size_t n;
};

struct mmr_compare_opts {
	const char *const *dirs; /* results directories (an engine's, or a replay's -o) */
	size_t ndirs;
	const char *baseline;    /* engine name, or NULL: the one marked its family's baseline, else the first */
	bool aa;                 /* also test the baseline's runs split in two against each other (A/A) */
	const struct mmr_robust *robust; /* the re-runs of compare --robust, or NULL */
	const char *outdir;      /* REPORT_DIR, created if missing */
	const char *title;       /* heading, or NULL for one made from the trace */
	bool plots;              /* draw the overlays (needs gnuplot) */
	FILE *warn;              /* warnings (threads differ...); NULL: stderr */
};

/* One figure of a verdict: "release p99" (FIG) from BASE to VALUE, PCT percent, with that significance. */
struct mmr_verdict_item {
	char fig[64];
	double pct, base, value; /* base and value: outcomes' means per run; NAN for speed figures */
	enum mmr_sig sig;
};

#define MMR_VERDICT_ITEMS (2 * MMR_OP_COUNT + 1)
#define MMR_VERDICT_OUTCOMES 48

/* One verdict line, and how much it matters: its largest change, significant ones counting most. */
struct mmr_verdict {
	char text[1280];
	double weight;
	char engine[64];
	struct mmr_verdict_item items[MMR_VERDICT_ITEMS]; /* every speed figure, weightiest first: items[0] leads */
	size_t nitems;
	struct mmr_verdict_item outcomes[MMR_VERDICT_OUTCOMES]; /* every outcome both have, FIG its key */
	size_t noutcomes;
};

struct mmr_compare_result {
	struct mmr_verdict *verdicts;
	size_t nverdicts;
	unsigned engines;
	char trace[256];
};

/*
 * Compare the engines of O->dirs (all replays of one trace; the first
 * engine, or O->baseline, is the baseline) into O->outdir: report.md,
 * report.html (plots embedded), plots/ and data/.  Fills RES (free with
 * mmr_compare_result_free) when not NULL.  Returns 0, or -1 with ERR
 * (fewer than two engines, different traces, unreadable results,
 * gnuplot failures).
 */
int mmr_compare(const struct mmr_compare_opts *o, struct mmr_compare_result *res, struct mmr_error *err);
void mmr_compare_result_free(struct mmr_compare_result *res);

/* ---- sweep.c: one trace at several thread counts ------------------------- */

struct mmr_sweep_opts {
	const unsigned *threads;  /* the thread counts, ascending */
	const char *const *dirs;  /* per thread count: the replay's -o directory */
	size_t n;
	const char *outdir;       /* the sweep's report directory (created) */
	const char *baseline;     /* engine name, or NULL: the first */
	FILE *warn;               /* NULL: stderr */
	/*
	 * NULL: each count's comparison is made here, in DIRS[i]/report.  Else
	 * per count the comparison report the caller made (a link relative to
	 * OUTDIR; a NULL entry: none), with its verdicts in COMPARED[i]
	 * (COMPARED NULL: none), and none is made here.
	 */
	const char *const *hrefs;
	const struct mmr_compare_result *compared;
};

/*
 * The sweep report in O->outdir: throughput and p99 per op against
 * threads, one line per engine (tables, plots, data/), one per engine
 * and host when the results come from more than one host (their
 * machine.hostname), and with two or
 * more engines the comparison report of each thread count in
 * DIRS[i]/report (or O->hrefs'), linked and its verdicts repeated.  RES (when not NULL)
 * gets every verdict, prefixed with its thread count.  Returns 0, or -1
 * with ERR.
 */
int mmr_sweep_report(const struct mmr_sweep_opts *o, struct mmr_compare_result *res, struct mmr_error *err);

/* ---- claims.c: the seed threads' claims against what was measured --------- */

enum mmr_agreement { MMR_AGREES, MMR_DISAGREES, MMR_INCONCLUSIVE, MMR_UNTESTABLE };

/* "agrees", "disagrees", "inconclusive", "cannot be tested here". */
const char *mmr_agreement_name(enum mmr_agreement a);

/* A claim of a seed thread, and the figure that tests it. */
struct mmr_claim {
	const char *family, *claim, *where;
	const char *engine; /* the variant it is about */
	const char *figure; /* a verdict's speed figure ("release_nowait p99", "throughput") or an outcome key */
	int expect;         /* -1: lower than the baseline's if the claim is right; +1: higher */
	const char *note;   /* why the figure tests it, or why it cannot be tested here */
	bool untestable;
	bool rt;            /* judged by the family's comparison under --kernel rt */
};

struct mmr_claim_result {
	enum mmr_agreement agreement;
	char measured[320]; /* what the comparison says of the figure */
};

/* Judge claim C by the comparison RES of its family against BASELINE into OUT (RES NULL: none ran). */
void mmr_claim_judge(const struct mmr_claim *c, const struct mmr_compare_result *res, const char *baseline,
		     struct mmr_claim_result *out);

/* The claims page: OUTDIR/NAME.md and .html. */
struct mmr_claims_page {
	const char *outdir, *name, *title;
	const char *const *intro;
	size_t nintro;
	const struct mmr_claim *claims;
	const struct mmr_claim_result *results;
	size_t n;
	const char *const *commands; /* paragraphs under the table: how each family's figures were made */
	size_t ncommands;
};

/* Write the page.  Returns 0, or -1 with ERR. */
int mmr_claims_write(const struct mmr_claims_page *p, struct mmr_error *err);

/* ---- index.c: a page of reports ------------------------------------------ */

/* One report the index links to, with what it found. */
struct mmr_index_entry {
	const char *heading;   /* the section: "CMA: who may sleep in cma_release" */
	const char *intro;     /* the section's paragraph (from its first entry), or NULL */
	const char *text;      /* what this report is, under its verdicts, or NULL */
	const char *href;      /* the report, relative to the index; NULL: none (no link) */
	const char *label;     /* the link's text */
	const char *column;    /* the verdicts' column heading, or NULL: "verdict: each variant against the baseline" */
	const struct mmr_verdict *verdicts;
	size_t nverdicts;
};

struct mmr_index_opts {
	const char *outdir;    /* where index.md and index.html go */
	const char *title;
	const char *const *intro; /* paragraphs under the title */
	size_t nintro;
	const struct mmr_index_entry *entries; /* entries with one heading share a section, in order */
	size_t n;
	size_t top;            /* how many verdicts to list first: the weightiest of each entry, the weightiest entries */
};

/*
 * Write OUTDIR/index.md and OUTDIR/index.html: the weightiest verdict
 * of each of the TOP weightiest entries first, then a section per heading with its
 * links and verdicts.  Returns 0, or -1 with ERR.
 */
int mmr_index_write(const struct mmr_index_opts *o, struct mmr_error *err);

/*
 * The verdicts the index puts first: the weightiest of each entry, the
 * O->top weightiest of those, into OUT (room for O->top).  Returns how
 * many (0 also when out of memory).
 */
size_t mmr_index_top(const struct mmr_index_opts *o, const struct mmr_verdict **out);

/* ---- validate.c: a model's lock contention against the kernel's ---------- */

/*
 * log10(MODEL / KERNEL), one lock's figure in the model against the
 * kernel's: -INFINITY when only the model's is 0 (it never contended
 * where the kernel did), +INFINITY when only the kernel's is, NAN when
 * both are 0 or either is not a number (nothing to compare).
 */
double mmr_validate_log_ratio(double model, double kernel);

/*
 * The fidelity of a model: the median of |R[i]| over the N log ratios
 * that are not NAN (an infinite one counts as the largest), so 0 is a
 * model on the kernel's figures and 1 one a factor of 10 off for half of
 * the locks.  NAN when no ratio is left.
 */
double mmr_validate_fidelity(const double *r, size_t n);

struct mmr_validate_opts {
	const char *kernel_stats; /* the trace's statistics (`mmreplay stats --json`), lock contention in it */
	const char *const *dirs;  /* per engine: its results (replays of that trace) */
	size_t ndirs;
	const char *outdir;       /* REPORT_DIR, created if missing */
	bool plots;               /* draw the model-against-kernel plot (needs gnuplot) */
	/*
	 * Which of a model spinlock's waits the kernel's tracepoint sees: false
	 * (x86's native queued spinlock) only those queued behind another
	 * waiter; true (paravirt spinlocks) every slow-path wait.
	 */
	bool spin_all;
	FILE *warn;               /* warnings; NULL: stderr */
};

/* One engine's outcome: how close its locks came to the kernel's. */
struct mmr_validate_engine {
	char engine[64];
	double fidelity;        /* mmr_validate_fidelity of its contended acquisitions per 1000 ops; NAN: none paired */
	unsigned paired;        /* kernel locks it has a lock of the same name for */
	unsigned unmodelled;    /* kernel locks it has none for */
	char worst[200];        /* the paired locks it gets most wrong, with their ratios; "" when none */
};

/*
 * X's outcome as one line into BUF (N bytes): "slub: fidelity 0.42 over 3
 * locks (1 not modelled); most wrong: ...", or why there is no fidelity.
 * The report's verdicts, validate's output and the demo's index all say
 * it this way.
 */
void mmr_validate_line(const struct mmr_validate_engine *x, char *buf, size_t n);

/*
 * Write OUTDIR/validate.md and validate.html: per engine, each lock the
 * kernel reported contended beside the model's lock of the same name
 * (contended acquisitions per 1000 ops, wait share, p50 and p99 wait, and
 * the ratios), the kernel's locks it does not model, and its fidelity.
 * *OUT (malloc'd, *N of them, may be NULL) gets each engine's outcome.
 * Returns 0, or -1 with ERR (a file unreadable, results of another trace,
 * gnuplot missing while O->plots).
 */
int mmr_validate_report(const struct mmr_validate_opts *o, struct mmr_validate_engine **out, size_t *n,
			struct mmr_error *err);

#ifdef __cplusplus
}
#endif

#endif /* MMR_REPORT_H */
