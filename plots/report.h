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

/*
 * Write " V" to a table gnuplot reads (NAN as nan, which it leaves out);
 * *LOG_OK turns false when V would show as 0, which a log axis cannot draw.
 */
void rpt_dat_value(FILE *f, double v, bool *log_ok);

/* ---- compare_plots.c: the overlays ------------------------------------------ */

struct rpt_cmp;

/* Draw the comparison's plots into OUTDIR/plots (data in OUTDIR/data) and add them to D.  0 or -1 (ERR). */
int rpt_compare_plots(struct rpt_cmp *c, struct mmr_gnuplot *g, struct mmr_error *err);

/* What compare.c and compare_plots.c share: the loaded engines, baseline first. */
struct rpt_cmp {
	const struct mmr_compare_opts *o;
	struct mmr_results *res;
	size_t n;
	struct rpt_doc doc;
	struct rpt_section *plots; /* where the figures go */
	char ncols[16];            /* columns of the per-engine tables in data/, as text for gnuplot */
	char where[160];           /* "2 threads on 2 CPUs, Linux 6.1.0": every plot's title ends with it */
};

#endif /* MMR_REPORT_INTERNAL_H */
