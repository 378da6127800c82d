/* SPDX-License-Identifier: MIT */
/*
 * plot.c - every plot of one engine's results: which table (dat.c,
 * derived from results.json into the plot's directory) feeds which
 * script, what the plot is called, how it is titled.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmr_report.h"
#include "report.h"

/* The title every plot of R carries: engine, trace, threads and machine. */
static void plot_title(const struct mmr_results *r, char *buf, size_t n)
{
	int len = snprintf(buf, n, "%s, trace %s, %u thread%s on %u CPUs", r->engine, mmr_results_trace_name(r),
			   r->threads, r->threads == 1 ? "" : "s", r->online_cpus);
	if (r->kernel[0] && len > 0 && (size_t)len < n)
		snprintf(buf + len, n - (size_t)len, ", Linux %s", r->kernel);
}

/*
 * The timed mechanisms that fired, for the timeline's marks: TIMERS,
 * the table of their firings (dat.c), written into OUTDIR, and their
 * names as gnuplot words ("a b" "c", quoted as in the table), in NAMES.
 * V[0] and V[1] name them to timeline.gp.  Returns how many vars (0: no
 * firing), or -1 with ERR.
 */
static int timer_marks(const struct mmr_results *r, const char *outdir, char *path, size_t npath, char *names,
		       size_t nnames, struct mmr_gnuplot_var *v, struct mmr_error *err)
{
	char file[64], q[sizeof(r->timers[0].name) + 2];
	long rows = mmr_dat_write(r, MMR_DAT_TIMERS, 0, outdir, err);
	if (rows <= 0)
		return (int)rows;
	snprintf(path, npath, "%s/%s", outdir, mmr_dat_name(MMR_DAT_TIMERS, 0, file, sizeof(file)));
	size_t len = 0;
	names[0] = '\0';
	for (size_t i = 0; i < r->ntimers; i++) {
		size_t n = 0;
		q[n++] = '"';
		for (const char *c = r->timers[i].name; *c; c++)
			q[n++] = rpt_dat_label_char(*c);
		q[n++] = '"';
		q[n] = '\0';
		if (r->timers[i].nmarks && !strstr(names, q) && len + n + 2 < nnames)
			len += (size_t)snprintf(names + len, nnames - len, "%s%s", len ? " " : "", q);
	}
	v[0] = (struct mmr_gnuplot_var){"marks", path, true};
	v[1] = (struct mmr_gnuplot_var){"marknames", names, false};
	return 2;
}

/*
 * Table T of R (OP for a per-op one) derived into OUTDIR (dat.c), then
 * SCRIPT on it into OUTDIR/NAME, titled "WHAT: TITLE", with NEXTRA more
 * vars; nothing when R has no such figures.
 */
static int draw(struct mmr_gnuplot *g, const struct mmr_results *r, enum mmr_dat t, unsigned op, const char *outdir,
		const char *name, const char *script, const char *what, const char *title,
		const struct mmr_gnuplot_var *extra, int nextra, struct mmr_error *err)
{
	char in[PATH_MAX], out[PATH_MAX], file[64], tt[1536];
	int a = snprintf(in, sizeof(in), "%s/%s", outdir, mmr_dat_name(t, op, file, sizeof(file)));
	int b = snprintf(out, sizeof(out), "%s/%s", outdir, name);
	if (a < 0 || b < 0 || (size_t)a >= sizeof(in) || (size_t)b >= sizeof(out)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: path too long", outdir);
		return -1;
	}
	long rows = mmr_dat_write(r, t, op, outdir, err);
	if (rows <= 0)
		return (int)rows;
	snprintf(tt, sizeof(tt), "%s: %s", what, title);
	struct mmr_gnuplot_var v[3] = {{"data", in, true}};
	for (int i = 0; i < nextra && i < 2; i++)
		v[1 + i] = extra[i];
	return mmr_gnuplot_draw(g, script, out, tt, v, 1 + (size_t)(nextra < 2 ? nextra : 2), err);
}

/*
 * What an older results.json lacks, said once each: the plots drawn
 * without it are what that file can give (docs/results-json.md, "Older
 * results").
 */
static void warn_missing(const struct mmr_results *r, const char *dir, FILE *warn)
{
	const char *older = "(results of an older mmreplay, or trimmed by hand)";
	for (unsigned k = 0; k < MMR_OP_COUNT; k++)
		if (r->ops[k].present && r->timing && !r->ops[k].nhist)
			fprintf(warn, "mmreplay plot: warning: %s/results.json: no ops.%s.histogram %s: no latency plots of %s\n",
				dir, mmr_op_name(k), older, mmr_op_name(k));
	if (r->timeline_bins && !r->nbins)
		fprintf(warn, "mmreplay plot: warning: %s/results.json: no timeline.by_bin %s: no timeline plot\n", dir,
			older);
	bool marks = true;
	for (size_t i = 0; i < r->ntimers; i++)
		marks &= r->timers[i].has_marks;
	if (r->nbins && !marks)
		fprintf(warn, "mmreplay plot: warning: %s/results.json: no timers[].marks_ns %s: the timeline has no "
			"marks of when the engine's timed mechanisms fired\n", dir, older);
}

int mmr_plot_results(struct mmr_gnuplot *g, const char *dir, const char *outdir, FILE *warn, struct mmr_error *err)
{
	/* The tables: dat.c, docs/results-json.md. */
	static const struct {
		const char *script;
		enum mmr_dat table;
		const char *name, *what;
	} per_op[] = {
		{"hist.gp", MMR_DAT_HIST, "hist", "latency histogram"},
		{"percentiles.gp", MMR_DAT_PERCENTILES, "percentiles", "percentile spectrum"},
		{"cdf.gp", MMR_DAT_HIST, "cdf", "latency CDF"},
	}, whole[] = {
		{"locks.gp", MMR_DAT_LOCKS, "plot_locks", "lock contention"},
		{"timeline.gp", MMR_DAT_TIMELINE, "plot_timeline", "throughput and live memory over the replay"},
		{"footprint.gp", MMR_DAT_FOOTPRINT, "plot_footprint", "memory footprint"},
	};
	struct mmr_results r;
	char title[1280], name[64];
	if (mmr_results_load(dir, &r, err))
		return -1;
	plot_title(&r, title, sizeof(title));
	bool made = !r.damaged[0] && (mkdir(outdir, 0777) == 0 || errno == EEXIST);
	if (!made) {
		if (r.damaged[0])
			snprintf(err->msg, sizeof(err->msg), "%s", r.damaged);
		else
			snprintf(err->msg, sizeof(err->msg), "%.400s: cannot create: %s", outdir, strerror(errno));
		mmr_results_free(&r);
		return -1;
	}
	warn_missing(&r, dir, warn ? warn : stderr);
	int rc = 0;
	for (unsigned op = 0; op < MMR_OP_COUNT && !rc; op++)
		for (size_t k = 0; k < sizeof(per_op) / sizeof(per_op[0]) && !rc; k++) {
			char what[96];
			snprintf(name, sizeof(name), "plot_%s_%s", per_op[k].name, mmr_op_name(op));
			snprintf(what, sizeof(what), "%s %s", mmr_op_name(op), per_op[k].what);
			rc = draw(g, &r, per_op[k].table, op, outdir, name, per_op[k].script, what, title, NULL, 0, err);
		}
	/* The timeline marks when the engine's timed mechanisms fired. */
	char marks[PATH_MAX], names[1024];
	struct mmr_gnuplot_var mv[2];
	int nmv = rc ? 0 : timer_marks(&r, outdir, marks, sizeof(marks), names, sizeof(names), mv, err);
	if (nmv < 0)
		rc = -1;
	for (size_t k = 0; k < sizeof(whole) / sizeof(whole[0]) && !rc; k++) {
		bool timeline = whole[k].table == MMR_DAT_TIMELINE;
		rc = draw(g, &r, whole[k].table, 0, outdir, whole[k].name, whole[k].script, whole[k].what, title,
			  timeline ? mv : NULL, timeline ? nmv : 0, err);
	}
	mmr_results_free(&r);
	return rc;
}
