/* SPDX-License-Identifier: MIT */
/*
 * compare_plots.c - the comparison's plots: every engine on shared axes.
 * Per op, the percentile spectra, CDFs and histograms overlaid (straight
 * from each engine's own .dat files); calls per second and live memory
 * over the replay; then bar charts of p99 per op, throughput, lock wait
 * and footprint, from small tables this file writes to REPORT_DIR/data so
 * that each plot can be redrawn by hand.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

/* A gnuplot word list: each entry double-quoted (gnuplot's word() keeps quoted spaces). */
struct words {
	char buf[16384];
	size_t len;
	bool full;
};

static void add_word(struct words *w, const char *s)
{
	int n = snprintf(w->buf + w->len, sizeof(w->buf) - w->len, "%s\"%s\"", w->len ? " " : "", s);
	if (n < 0 || (size_t)n >= sizeof(w->buf) - w->len || strchr(s, '"'))
		w->full = true;
	else
		w->len += (size_t)n;
}

/* Draw SCRIPT into plots/NAME.png and add it to the report as CAPTION. */
static int figure(struct rpt_cmp *c, struct mmr_gnuplot *g, const char *script, const char *name,
		  const char *caption, const struct mmr_gnuplot_var *vars, size_t nvars, struct mmr_error *err)
{
	char out[4200], file[256], title[900];
	snprintf(file, sizeof(file), "plots/%s", name);
	snprintf(out, sizeof(out), "%s/%s", c->o->outdir, file);
	snprintf(title, sizeof(title), "%s: %s (%s)", caption, c->doc.title ? c->doc.title : "", c->where);
	if (mmr_gnuplot_draw(g, script, out, title, vars, nvars, err))
		return -1;
	strncat(file, ".png", sizeof(file) - strlen(file) - 1);
	rpt_figure(&c->doc, c->plots, file, caption);
	return 0;
}

/* Overlay of every engine's DATA_OP.dat with SCRIPT into plots/NAME_OP, when at least one has rows. */
static int overlay(struct rpt_cmp *c, struct mmr_gnuplot *g, unsigned op, const char *data, const char *script,
		   const char *name_prefix, const char *what, struct mmr_error *err)
{
	struct words files = {0}, titles = {0};
	unsigned have = 0;
	for (size_t i = 0; i < c->n; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s_%s.dat", c->res[i].dir, data, mmr_op_name(op));
		if (!c->res[i].ops[op].present || access(path, R_OK) != 0 || !c->res[i].timing)
			continue;
		add_word(&files, path);
		add_word(&titles, c->res[i].engine);
		have++;
	}
	if (!have)
		return 0;
	if (files.full || titles.full) {
		snprintf(err->msg, sizeof(err->msg), "compare: too many or oddly named results to plot %s", what);
		return -1;
	}
	char name[96], caption[160];
	snprintf(name, sizeof(name), "%s_%s", name_prefix, mmr_op_name(op));
	snprintf(caption, sizeof(caption), "%s %s", mmr_op_name(op), what);
	struct mmr_gnuplot_var v[] = {{"files", files.buf}, {"titles", titles.buf}};
	return figure(c, g, script, name, caption, v, 2, err);
}

/* Open OUTDIR/data/NAME for writing; NULL with ERR. */
static FILE *data_file(struct rpt_cmp *c, const char *name, char *path, size_t n, struct mmr_error *err)
{
	snprintf(path, n, "%s/data/%s", c->o->outdir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot write: %s", path, strerror(errno));
	return f;
}

static int close_data(FILE *f, const char *path, struct mmr_error *err)
{
	if (ferror(f) | (fclose(f) != 0)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot write: %s", path, strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}

/* The header line of a matrix: a label column, then one column per engine. */
static void engine_header(const struct rpt_cmp *c, FILE *f, const char *label)
{
	fprintf(f, "\"%s\"", label);
	for (size_t i = 0; i < c->n; i++)
		fprintf(f, " \"%s\"", c->res[i].engine);
	fputc('\n', f);
}

/* data/p99.dat: a row per op any engine did, p99 in us per engine (NaN: not replayed). */
static int p99_bars(struct rpt_cmp *c, struct mmr_gnuplot *g, struct mmr_error *err)
{
	char path[4200];
	FILE *f = data_file(c, "p99.dat", path, sizeof(path), err);
	unsigned rows = 0;
	bool log_ok = true; /* false: a p99 of 0 (the null engine's), which only a linear axis shows */
	if (!f)
		return -1;
	engine_header(c, f, "op");
	for (unsigned k = 0; k < MMR_OP_COUNT; k++) {
		bool any = false;
		for (size_t i = 0; i < c->n; i++)
			any |= c->res[i].ops[k].present && isfinite(c->res[i].ops[k].stat[MMR_STAT_P99]);
		if (!any)
			continue;
		fprintf(f, "\"%s\"", mmr_op_name(k));
		for (size_t i = 0; i < c->n; i++)
			rpt_dat_value(f, c->res[i].ops[k].present ? c->res[i].ops[k].stat[MMR_STAT_P99] / 1e3 : NAN,
				      &log_ok);
		fputc('\n', f);
		rows++;
	}
	if (close_data(f, path, err))
		return -1;
	struct mmr_gnuplot_var v[] = {{"data", path}, {"ylabel", "p99 latency (us)"}, {"logy", log_ok ? "1" : "0"}, {"ncols", c->ncols}};
	return rows ? figure(c, g, "cmp_bars.gp", "p99", "p99 latency per op", v, 4, err) : 0;
}

/* data/throughput.dat: engine, mean ops/s, lowest and highest run. */
static int throughput_bars(struct rpt_cmp *c, struct mmr_gnuplot *g, struct mmr_error *err)
{
	char path[4200];
	FILE *f = data_file(c, "throughput.dat", path, sizeof(path), err);
	if (!f)
		return -1;
	fputs("# \"engine\" mean_ops_s lowest_run highest_run\n", f);
	for (size_t i = 0; i < c->n; i++) {
		const struct mmr_results *r = &c->res[i];
		double lo = r->throughput, hi = r->throughput;
		for (unsigned k = 0; r->run_throughput && k < r->nruns; k++) {
			lo = fmin(lo, r->run_throughput[k]);
			hi = fmax(hi, r->run_throughput[k]);
		}
		fprintf(f, "\"%s\" %.1f %.1f %.1f\n", r->engine, r->throughput, lo, hi);
	}
	if (close_data(f, path, err))
		return -1;
	struct mmr_gnuplot_var v = {"data", path};
	return figure(c, g, "cmp_throughput.gp", "throughput", "throughput (bars: mean; whiskers: lowest and highest run)",
		      &v, 1, err);
}

/* data/locks.dat: a row per lock and side, total wait in ms per engine. */
static int lock_bars(struct rpt_cmp *c, struct mmr_gnuplot *g, struct mmr_error *err)
{
	char path[4200];
	unsigned rows = 0;
	FILE *f = data_file(c, "locks.dat", path, sizeof(path), err);
	if (!f)
		return -1;
	engine_header(c, f, "lock");
	for (size_t i = 0; i < c->n; i++)
		for (size_t l = 0; l < c->res[i].nlocks; l++) {
			const struct mmr_results_lock *lk = &c->res[i].locks[l];
			bool seen = false;
			for (size_t j = 0; j < i && !seen; j++)
				for (size_t m = 0; m < c->res[j].nlocks && !seen; m++)
					seen = !strcmp(c->res[j].locks[m].name, lk->name) && !strcmp(c->res[j].locks[m].side, lk->side);
			if (seen)
				continue;
			if (!lk->wait_ns_total)
				continue; /* the table says it was never waited on; a bar of 0 says nothing */
			fprintf(f, "\"%s (%s)\"", lk->name, lk->side);
			for (size_t e = 0; e < c->n; e++) {
				double ms = 0;
				for (size_t m = 0; m < c->res[e].nlocks; m++)
					if (!strcmp(c->res[e].locks[m].name, lk->name) && !strcmp(c->res[e].locks[m].side, lk->side))
						ms = (double)c->res[e].locks[m].wait_ns_total / 1e6;
				fprintf(f, " %.4f", ms);
			}
			fputc('\n', f);
			rows++;
		}
	if (close_data(f, path, err))
		return -1;
	struct mmr_gnuplot_var v[] = {{"data", path}, {"ylabel", "total wait (ms)"}, {"logy", "0"}, {"ncols", c->ncols}};
	if (!rows)
		return 0;
	if (figure(c, g, "cmp_bars.gp", "locks", "total lock wait per lock", v, 4, err))
		return -1;
	/* The same table, a bar per engine stacked by lock: where each engine's waiting goes. */
	struct mmr_gnuplot_var w[] = {{"data", path}, {"ncols", c->ncols}};
	return figure(c, g, "cmp_stacked.gp", "locks_stacked", "total lock wait per engine, stacked by lock", w, 2, err);
}

/* data/footprint.dat: a row per engine, footprint and peak RSS in MiB. */
static int footprint_bars(struct rpt_cmp *c, struct mmr_gnuplot *g, struct mmr_error *err)
{
	char path[4200];
	FILE *f = data_file(c, "footprint.dat", path, sizeof(path), err);
	if (!f)
		return -1;
	fputs("\"engine\" \"engine footprint\" \"peak RSS (process)\"\n", f);
	for (size_t i = 0; i < c->n; i++)
		fprintf(f, "\"%s\" %.3f %.3f\n", c->res[i].engine, c->res[i].footprint_bytes / 1048576.0,
			c->res[i].peak_rss_bytes / 1048576.0);
	if (close_data(f, path, err))
		return -1;
	struct mmr_gnuplot_var v[] = {{"data", path}, {"ylabel", "MiB"}, {"logy", "0"}, {"ncols", "3"}};
	return figure(c, g, "cmp_bars.gp", "footprint", "memory footprint (NaN: the engine does not say)", v, 4, err);
}

/* Every engine's ops/s over the replay, when every engine has a timeline. */
static int timelines(struct rpt_cmp *c, struct mmr_gnuplot *g, struct mmr_error *err)
{
	struct words files = {0}, titles = {0};
	for (size_t i = 0; i < c->n; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/timeline.dat", c->res[i].dir);
		if (access(path, R_OK) != 0)
			return 0;
		add_word(&files, path);
		add_word(&titles, c->res[i].engine);
	}
	if (files.full || titles.full)
		return 0;
	struct mmr_gnuplot_var v[] = {{"files", files.buf}, {"titles", titles.buf}, {"column", "2"}, {"ylabel", "calls per second"}};
	if (figure(c, g, "cmp_timeline.gp", "timeline", "calls per second over the replay", v, 4, err))
		return -1;
	v[2].value = "3";
	v[3].value = "live memory (bytes)";
	return figure(c, g, "cmp_timeline.gp", "live", "live memory over the replay (what the trace's objects asked for)", v, 4,
		      err);
}

int rpt_compare_plots(struct rpt_cmp *c, struct mmr_gnuplot *g, struct mmr_error *err)
{
	snprintf(c->ncols, sizeof(c->ncols), "%zu", c->n + 1);
	int rc = p99_bars(c, g, err);
	if (!rc)
		rc = throughput_bars(c, g, err);
	for (unsigned k = 0; k < MMR_OP_COUNT && !rc; k++) {
		rc = overlay(c, g, k, "percentiles", "cmp_percentiles.gp", "percentiles", "percentile spectrum", err);
		if (!rc)
			rc = overlay(c, g, k, "hist", "cmp_cdf.gp", "cdf", "latency CDF", err);
		if (!rc)
			rc = overlay(c, g, k, "hist", "cmp_hist.gp", "hist", "latency histogram", err);
	}
	if (!rc)
		rc = lock_bars(c, g, err);
	if (!rc)
		rc = footprint_bars(c, g, err);
	if (!rc)
		rc = timelines(c, g, err);
	return rc;
}
