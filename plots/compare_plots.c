/* SPDX-License-Identifier: MIT */
/*
 * compare_plots.c - the comparison's plots: every engine on shared axes.
 * Per op, the percentile spectra, CDFs and histograms overlaid (each
 * engine's own tables, derived from its results.json by dat.c into
 * REPORT_DIR/data/N-ENGINE); calls per second and live memory over the
 * replay; then bar charts of p99 per op, throughput, lock wait and
 * footprint, from small tables this file writes to REPORT_DIR/data.
 * Every table stays there, so that each plot can be redrawn by hand.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"

/*
 * An overlay's files and their titles as gnuplot variables file1..fileN,
 * title1..titleN and nfiles, which the cmp_*.gp scripts read with
 * value('file'.i): each its own single-quoted string, whatever it holds.
 */
struct overlay {
	char (*names)[2][16];
	char (*paths)[PATH_MAX];
	struct mmr_gnuplot_var *v; /* 2 per file, nfiles, and room for EXTRA more */
	size_t n, nv;
	char count[24];
};

static int overlay_init(struct overlay *o, size_t max, size_t extra, struct mmr_error *err)
{
	memset(o, 0, sizeof(*o));
	o->names = calloc(max ? max : 1, sizeof(*o->names));
	o->paths = calloc(max ? max : 1, sizeof(*o->paths));
	o->v = calloc(2 * max + 1 + extra, sizeof(*o->v));
	if (o->names && o->paths && o->v)
		return 0;
	snprintf(err->msg, sizeof(err->msg), "compare: out of memory");
	return -1;
}

/*
 * REPORT_DIR/data/N-ENGINE, created: where engine I's own tables (dat.c)
 * go for the overlays, so that each can be redrawn by hand.  The name is
 * made a file name (anything but a letter, a digit, '.', '_', '+' or '-'
 * as '_': a name from results.json may hold '/'); N, the engine's place
 * in the comparison, keeps two names that come out alike apart.
 */
static int engine_dir(const struct rpt_cmp *c, size_t i, char *dir, size_t n, struct mmr_error *err)
{
	char name[sizeof(c->res[i].engine)];
	size_t k = 0;
	for (const char *p = c->res[i].engine; *p && k + 1 < sizeof(name); p++, k++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			  strchr("._+-", *p);
		name[k] = ok ? *p : '_';
	}
	name[k] = '\0';
	int len = snprintf(dir, n, "%s/data/%zu-%s", c->o->outdir, i + 1, name);
	if (len < 0 || (size_t)len >= n) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: path too long", c->o->outdir);
		return -1;
	}
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot create: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Derive table T of engine I (OP for a per-op one) into its data
 * directory and add it, titled with the engine's name, when it has rows.
 * 0, or -1 with ERR.
 */
static int overlay_add(struct overlay *o, const struct rpt_cmp *c, size_t i, enum mmr_dat t, unsigned op,
		       struct mmr_error *err)
{
	char dir[PATH_MAX], file[64], *path = o->paths[o->n];
	if (engine_dir(c, i, dir, sizeof(dir), err))
		return -1;
	long rows = mmr_dat_write(&c->res[i], t, op, dir, err);
	if (rows <= 0)
		return (int)rows;
	int len = snprintf(path, PATH_MAX, "%s/%s", dir, mmr_dat_name(t, op, file, sizeof(file)));
	if (len < 0 || len >= PATH_MAX) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: path too long", dir);
		return -1;
	}
	snprintf(o->names[o->n][0], sizeof(o->names[o->n][0]), "file%zu", o->n + 1);
	snprintf(o->names[o->n][1], sizeof(o->names[o->n][1]), "title%zu", o->n + 1);
	o->v[o->nv++] = (struct mmr_gnuplot_var){o->names[o->n][0], path, true};
	o->v[o->nv++] = (struct mmr_gnuplot_var){o->names[o->n][1], c->res[i].engine, false};
	o->n++;
	return 0;
}

/* Close the list: nfiles, then room for the caller's own variables at o->v + o->nv. */
static void overlay_done(struct overlay *o)
{
	snprintf(o->count, sizeof(o->count), "%zu", o->n);
	o->v[o->nv++] = (struct mmr_gnuplot_var){"nfiles", o->count, false};
}

static void overlay_free(struct overlay *o)
{
	free(o->names);
	free(o->paths);
	free(o->v);
}

int rpt_cmp_figure(struct rpt_cmp *c, struct mmr_gnuplot *g, struct rpt_section *s, const char *script,
		   const char *name, const char *caption, const struct mmr_gnuplot_var *vars, size_t nvars,
		   struct mmr_error *err)
{
	char out[4200], file[256], title[900];
	snprintf(file, sizeof(file), "plots/%s", name);
	snprintf(out, sizeof(out), "%s/%s", c->o->outdir, file);
	snprintf(title, sizeof(title), "%s: %s (%s)", caption, c->doc.title ? c->doc.title : "", c->where);
	if (mmr_gnuplot_draw(g, script, out, title, vars, nvars, err))
		return -1;
	strncat(file, ".png", sizeof(file) - strlen(file) - 1);
	rpt_figure(&c->doc, s, file, caption);
	return 0;
}

/* Draw SCRIPT into plots/NAME.png and add it to the Plots section as CAPTION. */
static int figure(struct rpt_cmp *c, struct mmr_gnuplot *g, const char *script, const char *name,
		  const char *caption, const struct mmr_gnuplot_var *vars, size_t nvars, struct mmr_error *err)
{
	return rpt_cmp_figure(c, g, c->plots, script, name, caption, vars, nvars, err);
}

/*
 * Overlay of every timed engine's table T of op OP with SCRIPT into
 * plots/NAME_OP, when at least one has rows.
 */
static int overlay(struct rpt_cmp *c, struct mmr_gnuplot *g, unsigned op, enum mmr_dat t, const char *script,
		   const char *name_prefix, const char *what, struct mmr_error *err)
{
	struct overlay o;
	int rc = overlay_init(&o, c->n, 0, err);
	for (size_t i = 0; i < c->n && !rc; i++)
		if (c->res[i].ops[op].present && c->res[i].timing)
			rc = overlay_add(&o, c, i, t, op, err);
	if (!rc && o.n) {
		char name[96], caption[160];
		overlay_done(&o);
		snprintf(name, sizeof(name), "%s_%s", name_prefix, mmr_op_name(op));
		snprintf(caption, sizeof(caption), "%s %s", mmr_op_name(op), what);
		rc = figure(c, g, script, name, caption, o.v, o.nv, err);
	}
	overlay_free(&o);
	return rc;
}

FILE *rpt_cmp_data_file(struct rpt_cmp *c, const char *name, char *path, size_t n, struct mmr_error *err)
{
	snprintf(path, n, "%s/data/%s", c->o->outdir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot write: %s", path, strerror(errno));
	return f;
}

int rpt_cmp_close_data(FILE *f, const char *path, struct mmr_error *err)
{
	if (ferror(f) | (fclose(f) != 0)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot write: %s", path, strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}

/* The header line of a matrix: a label column, then one column per engine that TAKE (NULL: all) says. */
static void engine_header(const struct rpt_cmp *c, FILE *f, const char *label, const bool *take)
{
	rpt_dat_label(f, label);
	for (size_t i = 0; i < c->n; i++) {
		if (take && !take[i])
			continue;
		fputc(' ', f);
		rpt_dat_label(f, c->res[i].engine);
	}
	fputc('\n', f);
}

/*
 * data/p99.dat: a row per op a timed engine did, p99 in us per timed
 * engine (NaN: not replayed).  An engine replayed with --no-timing has no
 * p99 to draw: a column of nothing but NaN is an error to gnuplot.
 */
static int p99_bars(struct rpt_cmp *c, struct mmr_gnuplot *g, struct mmr_error *err)
{
	char path[4200], ncols[16];
	bool log_ok = true; /* false: a p99 of 0 (the null engine's), which only a linear axis shows */
	bool *timed = calloc(c->n, sizeof(*timed));
	size_t ntimed = 0;
	unsigned rows = 0;
	for (size_t i = 0; timed && i < c->n; i++)
		ntimed += timed[i] = c->res[i].timing;
	FILE *f = timed && ntimed ? rpt_cmp_data_file(c, "p99.dat", path, sizeof(path), err) : NULL;
	if (!f) {
		free(timed);
		if (!timed)
			snprintf(err->msg, sizeof(err->msg), "compare: out of memory");
		return timed && !ntimed ? 0 : -1;
	}
	engine_header(c, f, "op", timed);
	for (unsigned k = 0; k < MMR_OP_COUNT; k++) {
		bool any = false;
		for (size_t i = 0; i < c->n; i++)
			any |= timed[i] && c->res[i].ops[k].present && isfinite(c->res[i].ops[k].stat[MMR_STAT_P99]);
		if (!any)
			continue;
		rpt_dat_label(f, mmr_op_name(k));
		for (size_t i = 0; i < c->n; i++)
			if (timed[i])
				rpt_dat_value(f, c->res[i].ops[k].present ? c->res[i].ops[k].stat[MMR_STAT_P99] / 1e3 : NAN,
					      &log_ok);
		fputc('\n', f);
		rows++;
	}
	free(timed);
	if (rpt_cmp_close_data(f, path, err))
		return -1;
	snprintf(ncols, sizeof(ncols), "%zu", ntimed + 1);
	struct mmr_gnuplot_var v[] = {{"data", path, true}, {"ylabel", "p99 latency (us)", false},
				      {"logy", log_ok ? "1" : "0", false}, {"ncols", ncols, false}};
	return rows ? figure(c, g, "cmp_bars.gp", "p99", "p99 latency per op", v, 4, err) : 0;
}

/* data/throughput.dat: engine, mean ops/s, lowest and highest run. */
static int throughput_bars(struct rpt_cmp *c, struct mmr_gnuplot *g, struct mmr_error *err)
{
	char path[4200];
	FILE *f = rpt_cmp_data_file(c, "throughput.dat", path, sizeof(path), err);
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
		rpt_dat_label(f, r->engine);
		fprintf(f, " %.1f %.1f %.1f\n", r->throughput, lo, hi);
	}
	if (rpt_cmp_close_data(f, path, err))
		return -1;
	struct mmr_gnuplot_var v = {"data", path, true};
	return figure(c, g, "cmp_throughput.gp", "throughput", "throughput (bars: mean; whiskers: lowest and highest run)",
		      &v, 1, err);
}

/* data/locks.dat: a row per lock and side, total wait in ms per engine. */
static int lock_bars(struct rpt_cmp *c, struct mmr_gnuplot *g, struct mmr_error *err)
{
	char path[4200];
	unsigned rows = 0;
	FILE *f = rpt_cmp_data_file(c, "locks.dat", path, sizeof(path), err);
	if (!f)
		return -1;
	engine_header(c, f, "lock", NULL);
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
			char label[sizeof(lk->name) + sizeof(lk->side) + 4];
			snprintf(label, sizeof(label), "%s (%s)", lk->name, lk->side);
			rpt_dat_label(f, label);
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
	if (rpt_cmp_close_data(f, path, err))
		return -1;
	struct mmr_gnuplot_var v[] = {{"data", path, true}, {"ylabel", "total wait (ms)", false}, {"logy", "0", false},
				      {"ncols", c->ncols, false}};
	if (!rows)
		return 0;
	if (figure(c, g, "cmp_bars.gp", "locks", "total lock wait per lock", v, 4, err))
		return -1;
	/* The same table, a bar per engine stacked by lock: where each engine's waiting goes. */
	struct mmr_gnuplot_var w[] = {{"data", path, true}, {"ncols", c->ncols, false}};
	return figure(c, g, "cmp_stacked.gp", "locks_stacked", "total lock wait per engine, stacked by lock", w, 2, err);
}

/* data/footprint.dat: a row per engine, footprint and peak RSS in MiB. */
static int footprint_bars(struct rpt_cmp *c, struct mmr_gnuplot *g, struct mmr_error *err)
{
	char path[4200];
	FILE *f = rpt_cmp_data_file(c, "footprint.dat", path, sizeof(path), err);
	if (!f)
		return -1;
	fputs("\"engine\" \"engine footprint\" \"peak RSS (process)\"\n", f);
	for (size_t i = 0; i < c->n; i++) {
		rpt_dat_label(f, c->res[i].engine);
		fprintf(f, " %.3f %.3f\n", c->res[i].footprint_bytes / 1048576.0, c->res[i].peak_rss_bytes / 1048576.0);
	}
	if (rpt_cmp_close_data(f, path, err))
		return -1;
	struct mmr_gnuplot_var v[] = {{"data", path, true}, {"ylabel", "MiB", false}, {"logy", "0", false},
				      {"ncols", "3", false}};
	return figure(c, g, "cmp_bars.gp", "footprint", "memory footprint (NaN: the engine does not say)", v, 4, err);
}

/* Every engine's ops/s over the replay, when every engine has a timeline. */
static int timelines(struct rpt_cmp *c, struct mmr_gnuplot *g, struct mmr_error *err)
{
	struct overlay o;
	int rc = overlay_init(&o, c->n, 2, err);
	for (size_t i = 0; i < c->n && !rc; i++)
		rc = overlay_add(&o, c, i, MMR_DAT_TIMELINE, 0, err);
	if (!rc && o.n == c->n) {
		overlay_done(&o);
		struct mmr_gnuplot_var *v = o.v + o.nv;
		v[0] = (struct mmr_gnuplot_var){"column", "2", false};
		v[1] = (struct mmr_gnuplot_var){"ylabel", "calls per second", false};
		rc = figure(c, g, "cmp_timeline.gp", "timeline", "calls per second over the replay", o.v, o.nv + 2, err);
		v[0].value = "3";
		v[1].value = "live memory (bytes)";
		if (!rc)
			rc = figure(c, g, "cmp_timeline.gp", "live",
				    "live memory over the replay (what the trace's objects asked for)", o.v, o.nv + 2, err);
	}
	overlay_free(&o);
	return rc;
}

int rpt_compare_plots(struct rpt_cmp *c, struct mmr_gnuplot *g, struct mmr_error *err)
{
	snprintf(c->ncols, sizeof(c->ncols), "%zu", c->n + 1);
	int rc = p99_bars(c, g, err);
	if (!rc)
		rc = throughput_bars(c, g, err);
	for (unsigned k = 0; k < MMR_OP_COUNT && !rc; k++) {
		rc = overlay(c, g, k, MMR_DAT_PERCENTILES, "cmp_percentiles.gp", "percentiles", "percentile spectrum", err);
		if (!rc)
			rc = overlay(c, g, k, MMR_DAT_HIST, "cmp_cdf.gp", "cdf", "latency CDF", err);
		if (!rc)
			rc = overlay(c, g, k, MMR_DAT_HIST, "cmp_hist.gp", "hist", "latency histogram", err);
	}
	if (!rc)
		rc = lock_bars(c, g, err);
	if (!rc)
		rc = footprint_bars(c, g, err);
	if (!rc)
		rc = timelines(c, g, err);
	return rc;
}
