/* SPDX-License-Identifier: MIT */
/*
 * compare_robust.c - compare --robust: replay the compared engines again
 * with each cost option (results.json costs[]) at points of its declared
 * range, one option at a time, every engine that takes it alike, and
 * compare each set the way the original was compared; the report then
 * says of each verdict whether it held (plots/robust.c).
 *
 * A re-run is the original replay: the same trace (found from where the
 * replay ran, as results.json names it), threads, mapping, pacing,
 * --events, --as and --engine-opt values, with at most REPEAT runs.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "mmr_calibrate.h"
#include "mmr_replay.h"
#include "mmr_report.h"
#include "robust.h"

/* The points of cost C: its ends, and STEPS - 2 between on a log scale (linear from 0). */
static size_t points_of(const struct mmr_results_cost *c, unsigned steps, double *out)
{
	steps = steps < 2 ? 2 : steps > 9 ? 9 : steps;
	for (unsigned s = 0; s < steps; s++) {
		double f = (double)s / (steps - 1);
		out[s] = c->lo > 0 ? c->lo * pow(c->hi / c->lo, f) : c->lo + (c->hi - c->lo) * f;
		out[s] = out[s] >= 10 ? round(out[s]) : round(out[s] * 1000) / 1000;
	}
	return steps;
}

/* Whether R declares cost KEY. */
static bool takes(const struct mmr_results *r, const char *key)
{
	for (size_t i = 0; i < r->ncosts; i++)
		if (!strcmp(r->costs[i].key, key))
			return true;
	return false;
}

/* Whose messages these are: compare's, or the demo's. */
static const char *who(const struct robust *rb)
{
	return rb->cmd ? rb->cmd : "compare";
}

/* The replay options of R's run, with KEY=VALUE among its engine options, into O (KEYS, VALUES: room for nopts + 1). */
static int rerun_opts(const struct robust *rb, const struct mmr_results *r, const char *key, const char *value,
		      struct mmr_replay_opts *o, const char **keys, const char **values)
{
	const struct mmr_engine_ops *e = mmr_engines_find(rb->cat, r->engine);
	if (!e)
		return cli_fail(who(rb), "--robust: engine %s of %s is not among the engines here", r->engine, r->dir);
	*o = (struct mmr_replay_opts){
		.trace = r->trace, .engine = e, .threads = r->threads, .pin = r->how.pinned, .timing = r->timing,
		.kernel_rt = r->how.kernel_rt,
		.repeat = r->nruns < rb->repeat ? (r->nruns ? r->nruns : 1) : rb->repeat, .max_events = r->how.max_events,
		.as_family = r->how.as_family[0] ? mmr_family_from_name(r->how.as_family) : -1,
		.pace = strcmp(r->how.pace, "original") ? MMR_PACE_ASAP : MMR_PACE_ORIGINAL,
		.pace_factor = isfinite(r->how.pace_factor) ? r->how.pace_factor : 1,
		.max_gap_s = isfinite(r->how.max_gap_s) ? r->how.max_gap_s : 0, .watchdog_s = 30,
		.profile = rb->profile, .log = stderr,
		.map = !strcmp(r->how.map, "pid") ? MMR_MAP_PID : !strcmp(r->how.map, "hash") ? MMR_MAP_HASH : MMR_MAP_CPU,
	};
	/* As it was asked for; results from before --sched say nothing: auto. */
	if (mmr_replay_sched_from_name(r->how.sched, &o->sched))
		o->sched = MMR_SCHED_AUTO;
	for (size_t i = 0; i < r->nopts; i++)
		if (strcmp(r->opts[i].key, key)) {
			keys[o->nopts] = r->opts[i].key;
			values[o->nopts++] = r->opts[i].value;
		}
	if (*key) { /* "": the control, replayed as it was */
		keys[o->nopts] = key;
		values[o->nopts++] = value;
	}
	o->opt_keys = keys;
	o->opt_values = values;
	return 0;
}

/*
 * R's trace as a plan's job named it, relative to the plan's results
 * directory it ran in (DIR/cells/CELL/ENGINE: DIR holds plan.json), into
 * BUF: so that compare --robust finds it from anywhere, as the demo's
 * does.  Whether R is a plan job's results; false when not.
 */
static bool plan_trace(const struct mmr_results *r, char *buf, size_t len)
{
	char dir[PATH_MAX], plan[PATH_MAX + 16];
	snprintf(dir, sizeof(dir), "%s", r->dir);
	for (int up = 0; up < 3; up++) {
		char *slash = strrchr(dir, '/');
		if (!slash || r->trace[0] == '/')
			return false;
		*slash = '\0';
	}
	snprintf(plan, sizeof(plan), "%s/plan.json", dir);
	return access(plan, R_OK) == 0 && snprintf(buf, len, "%s/%s", dir, r->trace) < (int)len;
}

/* Replay R with KEY=VALUE into DIR.  Returns 0, or an exit code after one line. */
static int rerun(const struct robust *rb, const struct mmr_results *r, const char *key, double value, const char *dir)
{
	char text[32];
	const char **keys = calloc(r->nopts + 1, sizeof(*keys)), **values = calloc(r->nopts + 1, sizeof(*values));
	struct mmr_replay_opts o;
	struct mmr_error err;
	int rc = keys && values ? 0 : cli_fail(who(rb), "out of memory");
	char trace[PATH_MAX];
	snprintf(text, sizeof(text), "%.17g", value);
	if (!rc)
		rc = rerun_opts(rb, r, key, text, &o, keys, values);
	if (!rc && access(o.trace, R_OK) != 0 && plan_trace(r, trace, sizeof(trace)))
		o.trace = trace;
	if (!rc && access(o.trace, R_OK) != 0)
		rc = cli_fail(who(rb), "--robust: cannot read %s, the trace %s replayed (%s): run compare where the "
			      "replay ran", o.trace, r->engine, strerror(errno));
	struct mmr_replay_result *res = rc ? NULL : mmr_replay_run(&o, &err);
	if (!rc && (!res || mmr_replay_write(res, dir, &err)))
		rc = cli_fail(who(rb), "--robust: %s with %s=%s: %s", r->engine, key, text, err.msg);
	mmr_replay_result_free(res);
	free(keys);
	free(values);
	return rc;
}

/*
 * The comparison with KEY=VALUE: every engine taking KEY replayed into
 * DIR, the others as they were; with C's key "" (the control), every
 * engine replayed again as it was.
 */
static int one_point(struct robust *rb, const struct mmr_results_cost *c, double value)
{
	struct mmr_robust_point *pt = &rb->points[rb->npoints];
	struct mmr_compare_result *res = &rb->results[rb->npoints];
	char dir[1200], report[1300];
	const char **dirs = calloc(rb->n, sizeof(*dirs));
	char (*keep)[1300] = calloc(rb->n, sizeof(*keep));
	int rc = dirs && keep ? 0 : cli_fail(who(rb), "out of memory");
	if (*c->key)
		snprintf(dir, sizeof(dir), "%.1000s/robust/%.47s=%g", rb->opts->outdir, c->key, value);
	else
		snprintf(dir, sizeof(dir), "%.1000s/robust/as-run", rb->opts->outdir);
	if (!rb->quiet && !rc)
		fprintf(stderr, "mmreplay %s: --robust: %s\n", who(rb), dir + strlen(rb->opts->outdir) + 8);
	for (size_t i = 0; !rc && i < rb->n; i++) {
		const struct mmr_results *r = &rb->res[i];
		if (!*c->key || takes(r, c->key)) {
			rc = rerun(rb, r, c->key, value, dir);
			snprintf(keep[i], sizeof(keep[i]), "%.1200s/%.63s", dir, r->engine);
		} else {
			snprintf(keep[i], sizeof(keep[i]), "%s", r->dir);
		}
		dirs[i] = keep[i];
	}
	struct mmr_compare_opts o = *rb->opts;
	struct mmr_error err;
	o.dirs = dirs;
	o.ndirs = rb->n;
	o.plots = false;
	o.robust = NULL;
	o.outdir = report;
	o.warn = stderr;
	snprintf(report, sizeof(report), "%s/report", dir);
	if (!rc && mmr_compare(&o, res, &err))
		rc = cli_fail(who(rb), "--robust: %s=%g: %s", c->key, value, err.msg);
	if (!rc)
		*pt = (struct mmr_robust_point){.key = c->key, .value = value, .lo = c->lo, .hi = c->hi, .res = res};
	rb->npoints += !rc;
	free(dirs);
	free(keep);
	return rc;
}

/* Every cost option any engine declares, once (the first engine's range). */
static size_t cost_keys(const struct robust *rb, const struct mmr_results_cost **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < rb->n; i++)
		for (size_t k = 0; k < rb->res[i].ncosts; k++) {
			bool seen = rb->measured_only && !rb->res[i].costs[k].measurement[0];
			for (size_t j = 0; j < n; j++)
				seen |= !strcmp(out[j]->key, rb->res[i].costs[k].key);
			if (!seen && n < max)
				out[n++] = &rb->res[i].costs[k];
		}
	return n;
}

int cli_robust_run(struct robust *rb)
{
	const struct mmr_results_cost *keys[64];
	size_t nkeys = cost_keys(rb, keys, 64);
	double values[9];
	size_t total = 0;
	for (size_t k = 0; k < nkeys; k++)
		total += points_of(keys[k], rb->steps, values);
	rb->points = calloc(total + 1, sizeof(*rb->points));
	rb->results = calloc(total + 1, sizeof(*rb->results));
	if (!rb->points || !rb->results)
		return cli_fail(who(rb), "out of memory");
	if (!nkeys && !rb->quiet)
		cli_warn(who(rb), "--robust: no engine declares a %scost option: only the control re-run",
			 rb->measured_only ? "measured " : "");
	/* First the control: nothing changed, so a verdict that fails here is the runs' noise, not an assumption's. */
	static const struct mmr_results_cost control = {.key = ""};
	if (one_point(rb, &control, NAN))
		return CLI_FAIL;
	for (size_t k = 0; k < nkeys; k++) {
		size_t n = points_of(keys[k], rb->steps, values);
		for (size_t p = 0; p < n; p++)
			if (one_point(rb, keys[k], values[p]))
				return CLI_FAIL;
	}
	rb->robust = (struct mmr_robust){.points = rb->points, .n = rb->npoints};
	return CLI_OK;
}

int cli_robust_load(struct robust *rb, const struct mmr_compare_opts *o)
{
	struct mmr_error err;
	rb->opts = o;
	for (size_t d = 0; d < o->ndirs; d++) {
		size_t n;
		char **dirs = mmr_results_dirs(o->dirs[d], &n);
		struct mmr_results *g = realloc(rb->res, (rb->n + n + 1) * sizeof(*g));
		if (!g) {
			mmr_results_dirs_free(dirs, n);
			return cli_fail(who(rb), "out of memory");
		}
		rb->res = g;
		for (size_t i = 0; i < n; i++) {
			if (mmr_results_load(dirs[i], &rb->res[rb->n], &err)) {
				mmr_results_dirs_free(dirs, n);
				return cli_fail(who(rb), "%s", err.msg);
			}
			rb->n++;
		}
		mmr_results_dirs_free(dirs, n);
	}
	char *path = cli_engine_path(NULL);
	rb->cat = path ? mmr_engines_load(path, stderr) : NULL;
	free(path);
	if (!rb->cat)
		return cli_fail(who(rb), "out of memory");
	return cli_load_profile(who(rb), NULL, false, rb->quiet, &rb->profile_store, &rb->profile);
}

void cli_robust_free(struct robust *rb)
{
	for (size_t i = 0; i < rb->n; i++)
		mmr_results_free(&rb->res[i]);
	for (size_t p = 0; p < rb->npoints; p++)
		mmr_compare_result_free(&rb->results[p]);
	free(rb->res);
	free(rb->points);
	free(rb->results);
	mmr_engines_free(rb->cat);
}
