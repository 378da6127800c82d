/* SPDX-License-Identifier: MIT */
/*
 * expand.c - a plan's jobs: one replay per engine in every cell (trace x
 * kernel mode x option-grid point x thread count), each with an id that
 * is the hash of everything its results depend on, and the commands that
 * make its trace and run it.
 *
 * Why content-derived ids: a job's directory is named by its id, so a
 * rerun of the plan, a second plan sharing cells, or a job run on another
 * machine finds results already made and never makes them twice; a
 * change to anything that changes the results (the trace's bytes, an
 * option, the thread count) is a new id and a new job.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* XXH64_state_t on the stack: an id per job needs no allocation. */
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "mmr_fs.h"
#include "plan_internal.h"

const char *mmr_plan_group_opt_value(const struct mmr_plan_group *g, size_t opt, size_t point)
{
	for (size_t i = g->nopts; i-- > opt + 1;)
		point /= g->opts[i].nvalues;
	return g->opts[opt].values[point % g->opts[opt].nvalues];
}

const struct mmr_plan_group *mmr_plan_job_group(const struct mmr_plan *p, const struct mmr_plan_job *j)
{
	return &p->groups[j->group];
}

const char *mmr_plan_job_engine(const struct mmr_plan *p, const struct mmr_plan_job *j)
{
	return p->groups[j->group].engines[j->engine];
}

static void hex(char out[17], uint64_t h)
{
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

int plan_hash_file(const char *path, uint64_t *h)
{
	FILE *f = mmr_open_regular(path, "rb");
	XXH64_state_t *s = f ? XXH64_createState() : NULL;
	char buf[1 << 16];
	size_t n;
	int rc = -1;
	if (s && XXH64_reset(s, 0) == XXH_OK) {
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			XXH64_update(s, buf, n);
		if (!ferror(f)) {
			*h = XXH64_digest(s);
			rc = 0;
		} else {
			errno = EIO;
		}
	}
	XXH64_freeState(s);
	if (f)
		fclose(f);
	return rc;
}

/* Where file trace T is: beside the plan, else among the bundled traces. */
static char *find_trace(const struct mmr_plan *p, const struct mmr_plan_trace *t, const char *bundled)
{
	char path[4096];
	struct stat st;
	const char *slash = strrchr(p->path, '/');
	if (t->file[0] == '/' || !slash)
		snprintf(path, sizeof(path), "%s", t->file);
	else
		snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - p->path), p->path, t->file);
	if (stat(path, &st) != 0 && bundled && !strchr(t->file, '/'))
		snprintf(path, sizeof(path), "%s/%s", bundled, t->file);
	return strdup(path);
}

/* Feed the NULL-ended strings to S: an id's canonical text is hashed as it is made, so no buffer can cut it. */
static void feed(XXH64_state_t *s, ...)
{
	va_list ap;
	va_start(ap, s);
	for (const char *piece; (piece = va_arg(ap, const char *));)
		XXH64_update(s, piece, strlen(piece));
	va_end(ap);
}

/*
 * Feed "PREFIX KEY=VALUE\n" to S for the N pairs in key order: the order
 * a plan file lists options or params in is not an input of the results.
 */
static void feed_sorted(XXH64_state_t *s, const char *prefix, const char **keys, const char **vals, size_t n)
{
	for (size_t a = 1; a < n; a++) /* insertion sort: at most 64 pairs */
		for (size_t b = a; b > 0 && strcmp(keys[b - 1], keys[b]) > 0; b--) {
			const char *k = keys[b], *v = vals[b];
			keys[b] = keys[b - 1], vals[b] = vals[b - 1];
			keys[b - 1] = k, vals[b - 1] = v;
		}
	for (size_t i = 0; i < n; i++)
		feed(s, prefix, " ", keys[i], "=", vals[i], "\n", NULL);
}

/* The id of generated trace T: the hash of how it is made (the generator is deterministic). */
static uint64_t generated_id(const struct mmr_plan_trace *t)
{
	const char *keys[MMR_PLAN_MAX_LIST], *vals[MMR_PLAN_MAX_LIST];
	char nums[128];
	XXH64_state_t s;
	snprintf(nums, sizeof(nums), "\nops %llu\nseed %llu\ncpus %llu\n", (unsigned long long)t->ops,
		 (unsigned long long)t->seed, (unsigned long long)t->cpus);
	XXH64_reset(&s, 0);
	feed(&s, "generate ", t->workload, nums, NULL);
	for (size_t i = 0; i < t->nparams; i++)
		keys[i] = t->params[i].key, vals[i] = t->params[i].value;
	feed_sorted(&s, "param", keys, vals, t->nparams);
	return XXH64_digest(&s);
}

static int trace_ids(const struct mmr_plan *p, const char *bundled, struct mmr_plan_jobs *jobs, struct mmr_error *err)
{
	jobs->trace_ids = calloc(p->ntraces, sizeof(*jobs->trace_ids));
	jobs->trace_paths = calloc(p->ntraces, sizeof(*jobs->trace_paths));
	jobs->ntraces = p->ntraces;
	if (!jobs->trace_ids || !jobs->trace_paths) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: out of memory", p->path);
		return -1;
	}
	for (size_t i = 0; i < p->ntraces; i++) {
		const struct mmr_plan_trace *t = &p->traces[i];
		uint64_t h;
		if (t->source == MMR_PLAN_GENERATE) {
			hex(jobs->trace_ids[i], generated_id(t));
			continue;
		}
		if (!(jobs->trace_paths[i] = find_trace(p, t, bundled)) || plan_hash_file(jobs->trace_paths[i], &h)) {
			snprintf(err->msg, sizeof(err->msg), "%.200s: traces[%zu].file: cannot read %.200s: %.60s", p->path, i,
				 jobs->trace_paths[i] ? jobs->trace_paths[i] : t->file,
				 errno == EINVAL ? "not a regular file" : strerror(errno));
			jr_oneline(err->msg);
			return -1;
		}
		hex(jobs->trace_ids[i], h);
	}
	return 0;
}

/*
 * The canonical text of job J's cell, whose hash is the cell's id: every
 * input of its results but the engine, options in key order.  The job's
 * id hashes the same text with the engine added, so the jobs of one cell
 * write into one folder (DIR/cells/CELL/ENGINE), which is what compare
 * and sweep read.  The header's "1" is the text's version: a change to it
 * is a change to every id.
 */
static void job_id(const struct mmr_plan_group *g, const struct mmr_plan_jobs *jobs, struct mmr_plan_job *j)
{
	const char *keys[2 * MMR_PLAN_MAX_OPTS + 1], *vals[2 * MMR_PLAN_MAX_OPTS + 1];
	size_t n = 0;
	for (size_t i = 0; i < g->nfixed; i++)
		keys[n] = g->fixed[i].key, vals[n++] = g->fixed[i].value;
	for (size_t i = 0; i < g->nopts; i++)
		keys[n] = g->opts[i].key, vals[n++] = mmr_plan_group_opt_value(g, i, j->point);
	char nums[64], reps[64];
	XXH64_state_t s;
	snprintf(nums, sizeof(nums), "\nthreads %u\nkernel ", j->threads);
	snprintf(reps, sizeof(reps), "\nrepeat %u\n", g->repeat);
	XXH64_reset(&s, 0);
	feed(&s, "mmreplay-cell 1\ntrace ", jobs->trace_ids[j->trace], nums, j->kernel, reps, NULL);
	feed_sorted(&s, "opt", keys, vals, n);
	/* Replay options only when given: a plan without them keeps the ids it had before they existed. */
	n = 0;
	for (size_t i = 0; i < g->nreplay; i++)
		if (mmr_plan_replay_find(g->replay[i].key)->in_id)
			keys[n] = g->replay[i].key, vals[n++] = g->replay[i].value;
	feed_sorted(&s, "replay", keys, vals, n);
	hex(j->cell_id, XXH64_digest(&s)); /* a digest leaves the state as it was: the job's text goes on */
	feed(&s, "engine ", g->engines[j->engine], "\n", NULL);
	hex(j->id, XXH64_digest(&s));
}

/* Points of G's option grid: the product of its options' value counts, or 0 past MAX. */
static size_t grid_points(const struct mmr_plan_group *g, size_t max)
{
	size_t n = 1;
	for (size_t i = 0; i < g->nopts; i++)
		if ((n *= g->opts[i].nvalues) > max)
			return 0;
	return n;
}

/* The jobs of the plan's groups, or 0 past MMR_PLAN_MAX_JOBS. */
static size_t count_jobs(const struct mmr_plan *p)
{
	size_t jobs = 0;
	for (size_t i = 0; i < p->ngroups; i++) {
		const struct mmr_plan_group *g = &p->groups[i];
		size_t points = grid_points(g, MMR_PLAN_MAX_JOBS);
		size_t cells = points * g->ntraces * g->nkernels * g->nthreads;
		if (!points || cells > MMR_PLAN_MAX_JOBS / g->nengines || (jobs += cells * g->nengines) > MMR_PLAN_MAX_JOBS)
			return 0;
	}
	return jobs;
}

static int by_cell_id(const void *a, const void *b)
{
	return strcmp((*(const struct mmr_plan_job *const *)a)->cell_id, (*(const struct mmr_plan_job *const *)b)->cell_id);
}

/*
 * Refuse two cells with one id: two groups (or two traces of the same
 * bytes) that would make the same results into one folder, and run the
 * same jobs twice.  A cell belongs to one group.  0, or -1 with ERR.
 */
static int distinct_cells(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, struct mmr_error *err)
{
	const struct mmr_plan_job **first = calloc(jobs->cells ? jobs->cells : 1, sizeof(*first));
	size_t n = 0;
	if (!first) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: out of memory", p->path);
		return -1;
	}
	for (size_t i = 0; i < jobs->n; i++)
		if (!i || jobs->v[i].cell != jobs->v[i - 1].cell)
			first[n++] = &jobs->v[i];
	qsort(first, n, sizeof(*first), by_cell_id);
	int rc = 0;
	for (size_t i = 1; i < n && !rc; i++)
		if (!strcmp(first[i - 1]->cell_id, first[i]->cell_id)) {
			const struct mmr_plan_job *a = first[i - 1]->cell < first[i]->cell ? first[i - 1] : first[i];
			const struct mmr_plan_job *b = a == first[i] ? first[i - 1] : first[i];
			snprintf(err->msg, sizeof(err->msg), "%.200s: groups[%zu] (trace '%.64s') makes cell %s, which "
				 "groups[%zu] (trace '%.64s') makes too: a cell belongs to one group", p->path, b->group,
				 p->traces[b->trace].name, b->cell_id, a->group, p->traces[a->trace].name);
			jr_oneline(err->msg);
			rc = -1;
		}
	free(first);
	return rc;
}

/* Group GI's jobs, appended to JOBS. */
static void expand_group(const struct mmr_plan *p, size_t gi, struct mmr_plan_jobs *jobs)
{
	const struct mmr_plan_group *g = &p->groups[gi];
	size_t points = grid_points(g, MMR_PLAN_MAX_JOBS);
	for (size_t t = 0; t < g->ntraces; t++)
		for (size_t k = 0; k < g->nkernels; k++)
			for (size_t pt = 0; pt < points; pt++)
				for (size_t th = 0; th < g->nthreads; th++, jobs->cells++)
					for (size_t e = 0; e < g->nengines; e++) {
						struct mmr_plan_job *j = &jobs->v[jobs->n++];
						*j = (struct mmr_plan_job){.group = gi, .trace = g->traces[t], .engine = e,
									   .threads = g->threads[th], .kernel = g->kernels[k],
									   .point = pt, .cell = jobs->cells};
						job_id(g, jobs, j);
					}
}

int mmr_plan_expand(const struct mmr_plan *p, const char *bundled, struct mmr_plan_jobs *jobs, struct mmr_error *err)
{
	*jobs = (struct mmr_plan_jobs){0};
	size_t n = count_jobs(p);
	if (!n) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: the plan makes more than %d jobs", p->path, MMR_PLAN_MAX_JOBS);
		return -1;
	}
	err->msg[0] = '\0';
	if (trace_ids(p, bundled, jobs, err) || !(jobs->v = calloc(n, sizeof(*jobs->v)))) {
		if (!err->msg[0])
			snprintf(err->msg, sizeof(err->msg), "%.400s: out of memory", p->path);
		mmr_plan_jobs_free(jobs);
		return -1;
	}
	for (size_t g = 0; g < p->ngroups; g++)
		expand_group(p, g, jobs);
	if (distinct_cells(p, jobs, err)) {
		mmr_plan_jobs_free(jobs);
		return -1;
	}
	return 0;
}

void mmr_plan_jobs_free(struct mmr_plan_jobs *jobs)
{
	for (size_t i = 0; jobs->trace_paths && i < jobs->ntraces; i++)
		free(jobs->trace_paths[i]);
	free(jobs->trace_paths);
	free(jobs->trace_ids);
	free(jobs->v);
	*jobs = (struct mmr_plan_jobs){0};
}
