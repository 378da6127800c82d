/* SPDX-License-Identifier: MIT */
/*
 * plot.c - every plot of one engine's results: which .dat file feeds
 * which script, what the file is called, how it is titled.
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

/* The title every plot of R carries: engine, trace, threads and machine. */
static void plot_title(const struct mmr_results *r, char *buf, size_t n)
{
	int len = snprintf(buf, n, "%s, trace %s, %u thread%s on %u CPUs", r->engine, mmr_results_trace_name(r),
			   r->threads, r->threads == 1 ? "" : "s", r->online_cpus);
	if (r->kernel[0] && len > 0 && (size_t)len < n)
		snprintf(buf + len, n - (size_t)len, ", Linux %s", r->kernel);
}

/*
 * The timed mechanisms of DIR's timers.dat (mmr_tclock.h) for the
 * timeline: V[0] the file, V[1] their names as gnuplot words ("a b" "c"),
 * in NAMES.  Returns how many vars (0: no such file or no firing), or -1
 * with ERR for a damaged file.
 */
static int timer_marks(const char *dir, char *path, size_t npath, char *names, size_t nnames,
		       struct mmr_gnuplot_var *v, struct mmr_error *err)
{
	size_t rows, len = 0;
	char line[256];
	if ((size_t)snprintf(path, npath, "%s/timers.dat", dir) >= npath || (access(path, F_OK) != 0 && errno == ENOENT))
		return 0;
	if (mmr_dat_check(path, "ns", &rows, err))
		return -1;
	FILE *f = rows ? mmr_open_regular(path, "r") : NULL;
	if (!f)
		return 0; /* no firing, or the file went since the check: no marks */
	names[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		char *q = line[0] == '#' ? NULL : strchr(line, '"'), *end = q ? strchr(q + 1, '"') : NULL;
		if (!end)
			continue;
		end[1] = '\0';
		if (!strstr(names, q) && len + strlen(q) + 2 < nnames)
			len += (size_t)snprintf(names + len, nnames - len, "%s%s", len ? " " : "", q);
	}
	fclose(f);
	v[0] = (struct mmr_gnuplot_var){"marks", path, true};
	v[1] = (struct mmr_gnuplot_var){"marknames", names, false};
	return 2;
}

/*
 * SCRIPT on DIR/DATA (fields COLUMNS, mmr_dat_check) into OUTDIR/NAME,
 * titled "WHAT: TITLE", with NEXTRA more vars; nothing when DATA is not
 * there or has no rows.
 */
static int draw(struct mmr_gnuplot *g, const char *dir, const char *data, const char *columns, const char *outdir,
		const char *name, const char *script, const char *what, const char *title,
		const struct mmr_gnuplot_var *extra, int nextra, struct mmr_error *err)
{
	char in[PATH_MAX], out[PATH_MAX], t[1536];
	int a = snprintf(in, sizeof(in), "%s/%s", dir, data), b = snprintf(out, sizeof(out), "%s/%s", outdir, name);
	size_t rows;
	if (a < 0 || b < 0 || (size_t)a >= sizeof(in) || (size_t)b >= sizeof(out)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: path too long", outdir);
		return -1;
	}
	if (access(in, F_OK) != 0 && errno == ENOENT)
		return 0;
	if (mmr_dat_check(in, columns, &rows, err))
		return -1;
	if (!rows)
		return 0;
	snprintf(t, sizeof(t), "%s: %s", what, title);
	struct mmr_gnuplot_var v[3] = {{"data", in, true}};
	for (int i = 0; i < nextra && i < 2; i++)
		v[1 + i] = extra[i];
	return mmr_gnuplot_draw(g, script, out, t, v, 1 + (size_t)(nextra < 2 ? nextra : 2), err);
}

int mmr_plot_results(struct mmr_gnuplot *g, const char *dir, const char *outdir, struct mmr_error *err)
{
	/* The tables' fields: docs/results-json.md. */
	static const struct {
		const char *script, *data, *columns, *name, *what;
	} per_op[] = {
		{"hist.gp", "hist", "nnnn", "hist", "latency histogram"},
		{"percentiles.gp", "percentiles", "nnn", "percentiles", "percentile spectrum"},
		{"cdf.gp", "hist", "nnnn", "cdf", "latency CDF"},
	}, whole[] = {
		{"locks.gp", "locks.dat", "swnnnnnn", "plot_locks", "lock contention"},
		{"timeline.gp", "timeline.dat", "nnnn", "plot_timeline", "throughput and live memory over the replay"},
		{"footprint.gp", "footprint.dat", "sn", "plot_footprint", "memory footprint"},
	};
	struct mmr_results r;
	char title[1280], data[64], name[64];
	if (mmr_results_load(dir, &r, err))
		return -1;
	plot_title(&r, title, sizeof(title));
	mmr_results_free(&r);
	if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot create: %s", outdir, strerror(errno));
		return -1;
	}
	int rc = 0;
	for (unsigned op = 0; op < MMR_OP_COUNT && !rc; op++)
		for (size_t k = 0; k < sizeof(per_op) / sizeof(per_op[0]) && !rc; k++) {
			char what[96];
			snprintf(data, sizeof(data), "%s_%s.dat", per_op[k].data, mmr_op_name(op));
			snprintf(name, sizeof(name), "plot_%s_%s", per_op[k].name, mmr_op_name(op));
			snprintf(what, sizeof(what), "%s %s", mmr_op_name(op), per_op[k].what);
			rc = draw(g, dir, data, per_op[k].columns, outdir, name, per_op[k].script, what, title, NULL, 0, err);
		}
	/* The timeline marks when the engine's timed mechanisms fired. */
	char marks[PATH_MAX], names[1024];
	struct mmr_gnuplot_var mv[2];
	int nmv = rc ? 0 : timer_marks(dir, marks, sizeof(marks), names, sizeof(names), mv, err);
	if (nmv < 0)
		rc = -1;
	for (size_t k = 0; k < sizeof(whole) / sizeof(whole[0]) && !rc; k++) {
		bool timeline = strcmp(whole[k].script, "timeline.gp") == 0;
		rc = draw(g, dir, whole[k].data, whole[k].columns, outdir, whole[k].name, whole[k].script, whole[k].what,
			  title, timeline ? mv : NULL, timeline ? nmv : 0, err);
	}
	return rc;
}
