/* SPDX-License-Identifier: MIT */
/*
 * results.c - reading back what `mmreplay replay` wrote (results.json,
 * docs/results-json.md) for plots and comparisons, and finding the
 * results directories under a path.  What only the plots read is in
 * results_series.c.
 *
 * The reader is strict about the keys a comparison cannot do without
 * (engine, trace, threads, ops) and lenient about the rest: a file from
 * an older mmreplay, or one edited by hand, still compares, and the
 * report says what it lacked.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "mmr_fs.h"
#include "mmr_hist.h"
#include "mmr_report.h"
#include "report.h"

static const char *const stat_keys[MMR_STAT_COUNT] = {"p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns"};
static const char *const stat_names[MMR_STAT_COUNT] = {"p50", "p90", "p99", "p99.9", "max"};

const char *mmr_stat_name(enum mmr_stat s)
{
	return s < MMR_STAT_COUNT ? stat_names[s] : "?";
}


/* A number member, or NAN when missing or not a number (null with --no-timing). */
static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

uint64_t rpt_json_count(const cJSON *o, const char *key)
{
	double v = num(o, key);
	if (!(v > 0))
		return 0;
	return v >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)v;
}

static void note(struct mmr_results *r, const char *what)
{
	size_t n = strlen(r->notes);
	snprintf(r->notes + n, sizeof(r->notes) - n, "%s%s", n ? "; " : "", what);
}

void rpt_copy_name(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src);
	for (char *p = dst; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static void copy_str(char *dst, size_t n, const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	rpt_copy_name(dst, n, cJSON_IsString(v) ? v->valuestring : "");
}

/* Per-run figures from repeats[]: each op's stats and the throughput.  Returns 0 or -1 (memory). */
static int load_repeats(struct mmr_results *r, const cJSON *reps)
{
	unsigned n = (unsigned)cJSON_GetArraySize(reps);
	if (!cJSON_IsArray(reps) || !n) {
		note(r, "no per-run figures (repeats)");
		return 0;
	}
	r->nruns = n;
	if (!(r->run_throughput = calloc(n, sizeof(double))) || !(r->run_wall_ns = calloc(n, sizeof(double))))
		return -1;
	bool partial = false;
	for (unsigned i = 0; i < n; i++) {
		const cJSON *run = cJSON_GetArrayItem(reps, (int)i);
		r->run_throughput[i] = num(run, "throughput_ops_s");
		r->run_wall_ns[i] = num(run, "wall_ns");
		const cJSON *ops = cJSON_GetObjectItemCaseSensitive(run, "ops");
		for (unsigned k = 0; k < MMR_OP_COUNT; k++) {
			struct mmr_results_op *op = &r->ops[k];
			const cJSON *o = cJSON_GetObjectItemCaseSensitive(ops, mmr_op_name(k));
			if (!op->present)
				continue;
			if (!op->run_count && !(op->run_count = calloc(n, sizeof(double))))
				return -1;
			op->run_count[i] = num(o, "count");
			for (unsigned s = 0; s < MMR_STAT_COUNT; s++) {
				if (!op->runs[s] && !(op->runs[s] = calloc(n, sizeof(double))))
					return -1;
				op->runs[s][i] = num(o, stat_keys[s]);
				partial |= r->timing && !isfinite(op->runs[s][i]);
			}
		}
	}
	if (partial)
		note(r, "some per-run latency figures missing");
	return 0;
}

/* A new outcome at the end of R's list, zeroed; NULL when out of memory. */
static struct mmr_results_outcome *new_outcome(struct mmr_results *r)
{
	struct mmr_results_outcome *g = realloc(r->outcomes, (r->noutcomes + 1) * sizeof(*g));
	if (!g)
		return NULL;
	r->outcomes = g;
	memset(&g[r->noutcomes], 0, sizeof(*g));
	g[r->noutcomes].op = -1;
	return &g[r->noutcomes++];
}

/*
 * O's per-run values from the repeats: member KEY of each run's object
 * SUB (or of SUB's member OP when OP is not NULL); its mean over the
 * runs that have it, TOTAL over RUNS runs when none has (an older file).
 */
static int outcome_runs(struct mmr_results *r, struct mmr_results_outcome *o, const cJSON *reps, const char *sub,
			const char *op, const char *key, double total, double runs)
{
	unsigned n = r->nruns, have = 0;
	double sum = 0;
	if (n && !(o->runs = calloc(n, sizeof(double))))
		return -1;
	for (unsigned i = 0; i < n; i++) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(reps, (int)i), sub);
		o->runs[i] = num(op ? cJSON_GetObjectItemCaseSensitive(s, op) : s, key);
		if (isfinite(o->runs[i]))
			sum += o->runs[i], have++;
	}
	o->mean = have ? sum / have : total / (runs >= 1 ? runs : 1);
	return 0;
}

/* The outcomes the engine declared, then each replayed op's failed calls.  0, or -1 (memory). */
static int load_outcomes(struct mmr_results *r, const cJSON *d)
{
	static const char *const dirs[] = {"neither", "more", "fewer"};
	const cJSON *reps = cJSON_GetObjectItemCaseSensitive(d, "repeats"), *decl;
	double runs = num(d, "runs");
	cJSON_ArrayForEach(decl, cJSON_GetObjectItemCaseSensitive(d, "outcomes"))
	{
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(decl, "key");
		const cJSON *op = cJSON_GetObjectItemCaseSensitive(decl, "op");
		const cJSON *better = cJSON_GetObjectItemCaseSensitive(decl, "better");
		struct mmr_results_outcome *o;
		if (!cJSON_IsString(key))
			continue;
		if (!(o = new_outcome(r)))
			return -1;
		rpt_copy_name(o->key, sizeof(o->key), key->valuestring);
		copy_str(o->unit, sizeof(o->unit), decl, "unit");
		copy_str(o->help, sizeof(o->help), decl, "help");
		for (unsigned b = 0; b < 3 && cJSON_IsString(better); b++)
			o->better = !strcmp(better->valuestring, dirs[b]) ? (enum mmr_direction)b : o->better;
		o->op = cJSON_IsString(op) ? mmr_op_from_name(op->valuestring) : -1;
		o->work = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(decl, "work")) && o->op >= 0;
		if (outcome_runs(r, o, reps, "outcomes", NULL, o->key, num(decl, "total"), runs))
			return -1;
	}
	for (unsigned k = 0; k < MMR_OP_COUNT; k++) {
		struct mmr_results_outcome *o;
		if (!r->ops[k].present)
			continue;
		if (!(o = new_outcome(r)))
			return -1;
		snprintf(o->key, sizeof(o->key), "%s.failed", mmr_op_name(k));
		snprintf(o->unit, sizeof(o->unit), "calls");
		snprintf(o->help, sizeof(o->help), "%s calls the engine failed", mmr_op_name(k));
		o->better = MMR_DIR_FEWER;
		o->op = (int)k;
		o->failed_calls = true;
		if (outcome_runs(r, o, reps, "ops", mmr_op_name(k), "failed", (double)r->ops[k].failed, runs))
			return -1;
	}
	return 0;
}

/* The cost options, the --engine-opt values and how the run was made.  0, or -1 (memory). */
static int load_how(struct mmr_results *r, const cJSON *d)
{
	const cJSON *costs = cJSON_GetObjectItemCaseSensitive(d, "costs"), *c;
	const cJSON *opts = cJSON_GetObjectItemCaseSensitive(d, "engine_opts");
	size_t nc = cJSON_IsArray(costs) ? (size_t)cJSON_GetArraySize(costs) : 0;
	size_t no = cJSON_IsObject(opts) ? (size_t)cJSON_GetArraySize(opts) : 0;
	if ((nc && !(r->costs = calloc(nc, sizeof(*r->costs)))) || (no && !(r->opts = calloc(no, sizeof(*r->opts)))))
		return -1;
	cJSON_ArrayForEach(c, costs)
	{
		if (r->ncosts == nc)
			break;
		struct mmr_results_cost *k = &r->costs[r->ncosts];
		copy_str(k->key, sizeof(k->key), c, "key");
		copy_str(k->value, sizeof(k->value), c, "value");
		copy_str(k->source, sizeof(k->source), c, "source");
		copy_str(k->measurement, sizeof(k->measurement), c, "measurement");
		k->lo = num(c, "range_low");
		k->hi = num(c, "range_high");
		r->ncosts += k->key[0] && k->lo < k->hi;
	}
	cJSON_ArrayForEach(c, opts)
	{
		if (r->nopts == no || !cJSON_IsString(c) || !c->string)
			continue;
		rpt_copy_name(r->opts[r->nopts].key, sizeof(r->opts[0].key), c->string);
		rpt_copy_name(r->opts[r->nopts].value, sizeof(r->opts[0].value), c->valuestring);
		r->nopts++;
	}
	struct mmr_results_how *h = &r->how;
	copy_str(h->map, sizeof(h->map), d, "map");
	copy_str(h->pace, sizeof(h->pace), d, "pace");
	copy_str(h->as_family, sizeof(h->as_family), d, "as_family");
	h->pinned = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "pinned"));
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(d, "kernel");
	h->kernel_rt = cJSON_IsString(k) && k->valuestring && strcmp(k->valuestring, "rt") == 0;
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(d, "sched");
	copy_str(h->sched, sizeof(h->sched), sc, "requested");
	copy_str(h->sched_policy, sizeof(h->sched_policy), sc, "policy");
	h->pace_factor = num(d, "pace_factor");
	h->max_gap_s = num(d, "pace_max_gap_s");
	h->max_events = rpt_json_count(d, "max_events");
	return 0;
}

static int load_locks(struct mmr_results *r, const cJSON *locks)
{
	if (!cJSON_IsArray(locks)) {
		note(r, "no lock table");
		return 0;
	}
	size_t n = (size_t)cJSON_GetArraySize(locks);
	if (n && !(r->locks = calloc(n, sizeof(*r->locks))))
		return -1;
	const cJSON *l;
	cJSON_ArrayForEach(l, locks)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(l, "name");
		const cJSON *side = cJSON_GetObjectItemCaseSensitive(l, "side");
		if (!cJSON_IsString(name))
			continue;
		struct mmr_results_lock *d = &r->locks[r->nlocks++];
		rpt_copy_name(d->name, sizeof(d->name), name->valuestring);
		rpt_copy_name(d->side, sizeof(d->side), cJSON_IsString(side) ? side->valuestring : "exclusive");
		d->acquisitions = rpt_json_count(l, "acquisitions");
		d->contended = rpt_json_count(l, "contended");
		d->contended_queued = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(l, "contended_queued"))
					      ? rpt_json_count(l, "contended_queued")
					      : UINT64_MAX;
		d->wait_ns_total = rpt_json_count(l, "wait_ns_total");
		d->wait_ns_max = rpt_json_count(l, "wait_ns_max");
		d->hold_ns_total = rpt_json_count(l, "hold_ns_total");
		d->hold_ns_max = rpt_json_count(l, "hold_ns_max");
		const cJSON *kt = cJSON_GetObjectItemCaseSensitive(l, "kernel_type");
		rpt_copy_name(d->kernel_type, sizeof(d->kernel_type), cJSON_IsString(kt) ? kt->valuestring : "");
		d->irqs_off = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(l, "irqs_off"));
		d->rt_hazard = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(l, "rt_hazard"));
		d->irqs_off_ns_total = rpt_json_count(l, "irqs_off_ns_total");
		d->spin_ns_total = rpt_json_count(l, "spin_ns_total");
		d->rt_in_atomic = rpt_json_count(l, "rt_in_atomic");
		d->holds_preempted = rpt_json_count(l, "holds_preempted");
		d->waits_preempted = rpt_json_count(l, "waits_preempted");
		const cJSON *wh = cJSON_GetObjectItemCaseSensitive(l, "wait_histogram");
		if (cJSON_IsArray(wh) && cJSON_GetArraySize(wh) > 0) {
			if (!(d->wait_hist = malloc(sizeof(*d->wait_hist))))
				return -1;
			mmr_hist_init(d->wait_hist);
			/* A malformed histogram keeps what it read: percentiles are then a lower bound, as noted. */
			if (mmr_hist_from_json(d->wait_hist, wh))
				note(r, "a lock's wait histogram is malformed");
		}
	}
	return 0;
}

/* The keys every comparison needs.  Returns 0, or -1 with ERR naming the first missing one. */
static int load_head(struct mmr_results *r, const cJSON *d, const char *path, struct mmr_error *err)
{
	static const char *const need[] = {"engine", "trace", "threads", "online_cpus", "ops"};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(d, need[i]);
		bool ok = i < 2 ? cJSON_IsString(v) : i < 4 ? cJSON_IsNumber(v) : cJSON_IsObject(v);
		if (!ok) {
			snprintf(err->msg, sizeof(err->msg), "%.400s: not a replay's results ('%s' missing or not a%s)",
				 path, need[i], i < 2 ? " string" : i < 4 ? " number" : "n object");
			return -1;
		}
	}
	copy_str(r->engine, sizeof(r->engine), d, "engine");
	copy_str(r->trace, sizeof(r->trace), d, "trace");
	r->threads = (unsigned)rpt_json_count(d, "threads");
	r->online_cpus = (unsigned)rpt_json_count(d, "online_cpus");
	r->trace_events = rpt_json_count(d, "trace_events");
	r->timing = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(d, "timing"));
	r->wall_ns = num(d, "wall_ns");
	r->throughput = num(d, "throughput_ops_s");
	const cJSON *mem = cJSON_GetObjectItemCaseSensitive(d, "memory");
	r->footprint_bytes = num(mem, "footprint_bytes");
	r->peak_rss_bytes = num(mem, "peak_rss_bytes");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(d, "machine");
	copy_str(r->kernel, sizeof(r->kernel), m, "kernel");
	copy_str(r->cpu_model, sizeof(r->cpu_model), m, "cpu_model");
	copy_str(r->hostname, sizeof(r->hostname), m, "hostname");
	return 0;
}

static void load_ops(struct mmr_results *r, const cJSON *ops, const cJSON *same_code)
{
	for (unsigned k = 0; k < MMR_OP_COUNT; k++) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(ops, mmr_op_name(k));
		struct mmr_results_op *op = &r->ops[k];
		copy_str(op->same_code, sizeof(op->same_code), same_code, mmr_op_name(k));
		if (!cJSON_IsObject(o) || !rpt_json_count(o, "count"))
			continue;
		op->present = true;
		op->count = rpt_json_count(o, "count");
		op->failed = rpt_json_count(o, "failed");
		for (unsigned s = 0; s < MMR_STAT_COUNT; s++)
			op->stat[s] = num(o, stat_keys[s]);
	}
}

int mmr_results_load(const char *dir, struct mmr_results *r, struct mmr_error *err)
{
	char path[PATH_MAX];
	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	int n = snprintf(path, sizeof(path), "%s/results.json", dir);
	char *text = n > 0 && (size_t)n < sizeof(path) ? mmr_slurp(path) : NULL;
	if (!text) {
		snprintf(err->msg, sizeof(err->msg), "%.400s/results.json: cannot read: %s", dir,
			 errno == EINVAL ? "not a regular file" : strerror(errno));
		return -1;
	}
	cJSON *d = cJSON_Parse(text);
	free(text);
	if (!d) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: not JSON (a truncated or hand-edited file?)", path);
		return -1;
	}
	int rc = load_head(r, d, path, err);
	if (!rc) {
		load_ops(r, cJSON_GetObjectItemCaseSensitive(d, "ops"), cJSON_GetObjectItemCaseSensitive(d, "same_code"));
		r->baseline = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "baseline"));
		if (load_repeats(r, cJSON_GetObjectItemCaseSensitive(d, "repeats")) || load_outcomes(r, d) || load_how(r, d) ||
		    load_locks(r, cJSON_GetObjectItemCaseSensitive(d, "locks")) || rpt_load_series(r, d, path)) {
			snprintf(err->msg, sizeof(err->msg), "%.400s: out of memory", path);
			rc = -1;
		}
	}
	cJSON_Delete(d);
	if (rc)
		mmr_results_free(r);
	return rc;
}

void mmr_results_free(struct mmr_results *r)
{
	rpt_free_series(r);
	for (unsigned k = 0; k < MMR_OP_COUNT; k++) {
		for (unsigned s = 0; s < MMR_STAT_COUNT; s++) {
			free(r->ops[k].runs[s]);
			r->ops[k].runs[s] = NULL;
		}
		free(r->ops[k].run_count);
		r->ops[k].run_count = NULL;
	}
	for (size_t i = 0; i < r->noutcomes; i++)
		free(r->outcomes[i].runs);
	free(r->outcomes);
	r->outcomes = NULL;
	r->noutcomes = 0;
	free(r->costs);
	free(r->opts);
	r->costs = NULL;
	r->opts = NULL;
	r->ncosts = r->nopts = 0;
	free(r->run_wall_ns);
	r->run_wall_ns = NULL;
	free(r->run_throughput);
	for (size_t i = 0; i < r->nlocks; i++)
		free(r->locks[i].wait_hist);
	free(r->locks);
	r->run_throughput = NULL;
	r->locks = NULL;
	r->nlocks = 0;
}

const char *mmr_results_trace_name(const struct mmr_results *r)
{
	const char *base = strrchr(r->trace, '/');
	return base ? base + 1 : r->trace;
}

/* Whether DIR holds one engine's results. */
static bool is_results(const char *dir)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/results.json", dir);
	return n > 0 && (size_t)n < sizeof(path) && access(path, R_OK) == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append a copy of PATH to *V.  Returns false when out of memory. */
static bool push(char ***v, size_t *n, size_t *cap, const char *path)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		char **g = realloc(*v, c * sizeof(*g));
		if (!g)
			return false;
		*v = g;
		*cap = c;
	}
	return ((*v)[*n] = strdup(path)) && ++*n;
}

char **mmr_results_dirs(const char *dir, size_t *n)
{
	char **v = NULL, path[PATH_MAX];
	size_t cap = 0;
	*n = 0;
	if (is_results(dir)) {
		push(&v, n, &cap, dir);
		return v;
	}
	struct dirent *de;
	DIR *d = opendir(dir);
	while (d && (de = readdir(d))) {
		int len = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.' || len < 0 || (size_t)len >= sizeof(path) || !is_results(path))
			continue;
		if (!push(&v, n, &cap, path))
			break;
	}
	if (d)
		closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), by_name);
	return v;
}

void mmr_results_dirs_free(char **dirs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
}
