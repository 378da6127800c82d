/* SPDX-License-Identifier: MIT */
/*
 * report.h - the comparison report as a document model, shared by the
 * code that fills it (compare.c, compare_plots.c) and the two renderers
 * (report_md.c, report_html.c), so Markdown and HTML always say the same
 * thing.  Not public.
 */
#ifndef MMR_REPORT_INTERNAL_H
#define MMR_REPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "mmr_report.h"

/* A table: row 0 is the header; cells are owned strings. */
struct rpt_table {
	char *caption;
	char *legend;   /* a line under the table, or NULL */
	size_t ncols, nrows;
	char **cells;   /* nrows * ncols */
};

/* A plot, PNG, relative to the report directory. */
struct rpt_figure {
	char *file;     /* plots/NAME.png */
	char *caption;
};

/* A section: a heading, then paragraphs, then tables and figures in that order. */
struct rpt_section {
	char *heading;
	char **paras;
	size_t nparas;
	struct rpt_table **tables; /* pointers: a table stays put while more are added */
	size_t ntables;
	struct rpt_figure *figures;
	size_t nfigures;
	struct rpt_figure *links;  /* file: the target, relative; caption: its text */
	size_t nlinks;
};

struct rpt_doc {
	char *title;
	char **intro;   /* paragraphs under the title */
	size_t nintro;
	char **verdicts;
	size_t nverdicts;
	struct rpt_section **sections;
	size_t nsections;
	bool oom;       /* set by any builder below that ran out of memory */
};

/* ---- report.c: building the model (every function notes failure in D->oom) ---- */

__attribute__((format(printf, 2, 3))) void rpt_intro(struct rpt_doc *d, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void rpt_verdict(struct rpt_doc *d, const char *fmt, ...);
/* A new section, or NULL (out of memory, noted). */
struct rpt_section *rpt_section(struct rpt_doc *d, const char *heading);
__attribute__((format(printf, 3, 4))) void rpt_para(struct rpt_doc *d, struct rpt_section *s, const char *fmt, ...);
/* A new table of NCOLS columns with the header row from HEADER; NULL when out of memory. */
struct rpt_table *rpt_table(struct rpt_doc *d, struct rpt_section *s, const char *caption, size_t ncols,
			    const char *const *header);
/* A new row; its cells start empty.  Returns the row's index, or -1 when out of memory. */
long rpt_row(struct rpt_doc *d, struct rpt_table *t);
__attribute__((format(printf, 5, 6))) void rpt_cell(struct rpt_doc *d, struct rpt_table *t, long row, size_t col,
						     const char *fmt, ...);
__attribute__((format(printf, 3, 4))) void rpt_legend(struct rpt_doc *d, struct rpt_table *t, const char *fmt, ...);
void rpt_figure(struct rpt_doc *d, struct rpt_section *s, const char *file, const char *caption);
/* A link to another page (HREF relative to the report), listed after the figures. */
void rpt_link(struct rpt_doc *d, struct rpt_section *s, const char *href, const char *text);
void rpt_doc_free(struct rpt_doc *d);

/* Latency as people read it: "812 ns", "8.12 us", "8.12 ms", "1.23 s"; "-" for NAN. */
void rpt_ns(char *buf, size_t n, double ns);

/*
 * results.c: the whole file PATH as a string (free()), or NULL with errno
 * set.  Only a regular file: a FIFO called results.json would wait for a
 * writer forever.
 */

struct cJSON;
/*
 * results.c: member KEY of O as a count: 0 unless a positive number, at
 * most UINT64_MAX (a larger double has no uint64_t).
 */
uint64_t rpt_json_count(const struct cJSON *o, const char *key);

/*
 * results.c: a name from a file into DST (N bytes), its control
 * characters as '?': names end up in one-line messages, verdict lines,
 * tables and plot titles.
 */
void rpt_copy_name(char *dst, size_t n, const char *src);

/*
 * results_series.c: what only the plots read from the parsed results.json
 * D (histograms, the timeline's bins, the timers' marks, the timer's
 * cost) into R, damage noted in R->damaged.  Returns 0, or -1 when out of
 * memory.  rpt_free_series frees it (mmr_results_free calls it).
 */
int rpt_load_series(struct mmr_results *r, const struct cJSON *d, const char *path);
void rpt_free_series(struct mmr_results *r);

/* ---- report_md.c, report_html.c: rendering --------------------------------- */

/*
 * Write HREF, a relative link, to F percent-encoded: every byte but
 * letters, digits, '-', '.', '_', '~' and '/' as %XX, so that no name in
 * it can end the link, start a scheme ("javascript:") or a query.
 */
void rpt_url(FILE *f, const char *href);
/* Write D to F as Markdown.  Returns 0, or -1 on a write error (errno). */
int rpt_write_md(const struct rpt_doc *d, FILE *f);
/* Write D to F as one HTML page, the figures read from DIR and embedded.  Returns 0 or -1 (errno). */
int rpt_write_html(const struct rpt_doc *d, const char *dir, FILE *f);
/* DIR/BASE.md and DIR/BASE.html.  Returns 0, or -1 with ERR (out of memory noted in D, a write error). */
int rpt_write_named(const struct rpt_doc *d, const char *dir, const char *base, struct mmr_error *err);
/* rpt_write_named with BASE "report". */
int rpt_write_all(const struct rpt_doc *d, const char *dir, struct mmr_error *err);
/* mkdir DIR, DIR/plots and DIR/data (those that exist are fine).  Returns 0, or -1 with ERR. */
int rpt_make_dirs(const char *dir, struct mmr_error *err);

/* ---- gnuplot.c: the data files behind the bar and line plots ---------------- */

/*
 * Write S to a table gnuplot reads as a double-quoted name.  gnuplot has
 * no escape inside one, so a '"' in S is written as ' and a control
 * character as a space: the label stays one field of one line.
 */
void rpt_dat_label(FILE *f, const char *s);
/* C as rpt_dat_label writes it. */
char rpt_dat_label_char(char c);

/*
 * Write " V" to a table gnuplot reads (NAN as nan, which it leaves out);
 * *LOG_OK turns false when V would show as 0, which a log axis cannot draw.
 */
void rpt_dat_value(FILE *f, double v, bool *log_ok);

/* ---- compare_plots.c: the overlays ------------------------------------------ */

struct rpt_cmp;

/* Draw SCRIPT into OUTDIR/plots/NAME.png and add it to section S as CAPTION.  0, or -1 with ERR. */
int rpt_cmp_figure(struct rpt_cmp *c, struct mmr_gnuplot *g, struct rpt_section *s, const char *script,
		   const char *name, const char *caption, const struct mmr_gnuplot_var *vars, size_t nvars,
		   struct mmr_error *err);
/* OUTDIR/data/NAME opened for writing, its path in PATH; NULL with ERR.  Closed with rpt_cmp_close_data. */
FILE *rpt_cmp_data_file(struct rpt_cmp *c, const char *name, char *path, size_t n, struct mmr_error *err);
int rpt_cmp_close_data(FILE *f, const char *path, struct mmr_error *err);

/* Draw the comparison's plots into OUTDIR/plots (data in OUTDIR/data) and add them to D.  0 or -1 (ERR). */
int rpt_compare_plots(struct rpt_cmp *c, struct mmr_gnuplot *g, struct mmr_error *err);

/* Per figure (the MMR_STAT_* and, last, the throughput): the largest change in percent seen; NAN: none. */
#define RPT_FIGURES (MMR_STAT_COUNT + 1)

/*
 * The noise floor of a comparison, measured where only noise can make a
 * difference: the ops the baseline and one engine run with the same code
 * (that pair's floor, PAIR[i]), and with --aa the baseline's runs split in
 * two (AA, every pair's).  TESTS and FALSE_POS count those tests and how
 * many the interval called significant.
 */
struct rpt_noise {
	double (*pair)[RPT_FIGURES]; /* per engine, NULL when out of memory */
	double aa[RPT_FIGURES];
	unsigned tests, false_pos;
	unsigned aa_tests, aa_false_pos;
};

/* The floor for engine I's figure F (the larger of its pair's and the A/A one); NAN when none. */
double rpt_noise_floor(const struct rpt_cmp *c, size_t i, unsigned f);

/* What compare.c, verdict.c, outcomes.c and compare_plots.c share: the loaded engines, baseline first. */
struct rpt_cmp {
	const struct mmr_compare_opts *o;
	struct mmr_results *res;
	size_t n;
	struct rpt_noise noise;
	struct rpt_doc doc;
	struct rpt_section *plots; /* where the figures go */
	char ncols[16];            /* columns of the per-engine tables in data/, as text for gnuplot */
	char where[160];           /* "2 threads on 2 CPUs, Linux 6.1.0": every plot's title ends with it */
};

/* ---- verdict.c: changes against the baseline and the verdict lines ------- */

/* A change against the baseline: in percent, and whether it is more than noise. */
struct rpt_change {
	double pct; /* NAN when there is nothing to compare */
	struct mmr_signif sig;
};

/* The change from BASE to V, tested on the per-run figures where both sides have them (NULL: none). */
struct rpt_change rpt_change_of(double base, const double *base_runs, unsigned nb, double v, const double *runs,
				unsigned n);
/* Engine I's change in op K's statistic S, and in throughput, the noise floor applied. */
struct rpt_change rpt_op_change(const struct rpt_cmp *c, size_t i, unsigned k, unsigned s);
struct rpt_change rpt_tput_change(const struct rpt_cmp *c, size_t i);
/* Whether engine I runs op K with the baseline's code (both declare one same_code name). */
bool rpt_same_code(const struct rpt_cmp *c, size_t i, unsigned k);
/* ", sig." / ", n.s." / ", noise" / "", and the long forms for the verdicts and tables. */
const char *rpt_sig_short(enum mmr_sig s);
const char *rpt_sig_long(const struct mmr_signif *s);
/* "+3.2%" or "-87%" into BUF; "n/a" for NAN. */
void rpt_pct_text(char *buf, size_t n, double pct);
/*
 * Whether a change from BASE to V counts: significant, or with too few
 * runs to test, at least 10% of the larger of the two.
 */
bool rpt_material(const struct rpt_change *ch, double base, double v);
/* R's outcome KEY, or NULL. */
const struct mmr_results_outcome *rpt_outcome_find(const struct mmr_results *r, const char *key);
/* Engine I's outcome O against the baseline's B. */
struct rpt_change rpt_outcome_change(const struct rpt_cmp *c, size_t i, const struct mmr_results_outcome *b,
				     const struct mmr_results_outcome *o);

/* An op's work: done per call and per second, against the baseline. */
struct rpt_work {
	char unit[64];            /* "successful move calls", or the op's work outcome */
	struct rpt_change share;  /* work per call */
	struct rpt_change rate;   /* work per second of wall time */
	double base_share, v_share;
	bool differs;             /* the work per call differs materially */
};

void rpt_work_of(const struct rpt_cmp *c, size_t i, unsigned k, struct rpt_work *w);

/* Engine I's verdict line against the baseline c->res[0], and its weight. */
void rpt_verdict_line(const struct rpt_cmp *c, size_t i, struct mmr_verdict *v);

/* ---- robust.c: whether a verdict survives the assumptions -------------------- */

/* Whether item IT (from another set of runs) upholds the leading item LEAD: same sign, significant if it was. */
bool rpt_robust_holds(const struct mmr_verdict_item *lead, const struct mmr_verdict_item *it);
/* Append V's robustness label ("[robust: ...]" or "[depends on KEY: ...]") when C->o->robust has points. */
void rpt_robust_label(const struct rpt_cmp *c, struct mmr_verdict *v);
/* The Robustness section: the table, and with G a plot per verdict.  0, or -1 with ERR. */
int rpt_robust_section(struct rpt_cmp *c, const struct mmr_verdict *v, size_t nv, struct mmr_gnuplot *g,
		       struct mmr_error *err);

/* ---- outcomes.c: the work done, and the noise floor ------------------------ */

/* Fill C->noise from the same-code ops and, with C->o->aa, the baseline's runs split in two. */
void rpt_noise_measure(struct rpt_cmp *c);
void rpt_noise_free(struct rpt_cmp *c);
/* The section on the noise floor: what was tested, what it found. */
void rpt_noise_section(struct rpt_cmp *c);
/* The table of outcomes and work done, every engine. */
void rpt_outcome_table(struct rpt_cmp *c);

#endif /* MMR_REPORT_INTERNAL_H */
