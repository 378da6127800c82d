/* SPDX-License-Identifier: MIT */
/*
 * fuzz_plan_file.c - an experiment plan (docs/plans.md): the reader
 * (plan/plan.c, parts.c), the expansion into jobs with their ids
 * (expand.c) and the command lines that make its traces and run its jobs
 * (command.c).  Not fuzz_plan, which is the replay's planner.
 *
 * The input is a plan file, read with mmr_plan_read_text as if it were
 * SCRATCH/plan/fuzz.json; a plan is expanded when it makes at most
 * MAX_EXPANDED jobs, or too many.  Expansion hashes file traces: so that no input
 * makes it read what it names (a FIFO, /proc), a file trace that is not
 * one of the few small files the target puts beside the plan is pointed
 * at one of them before the expansion.
 *
 * Besides crashes, a finding is an error that is not one line naming the
 * file; a plan read that breaks what docs/plans.md promises (lists in
 * bounds, names unique, thread counts rising, an engine option or a
 * param given twice); an expansion refused under MMR_PLAN_MAX_JOBS or
 * made past it, in another order or with other ids the second time; two
 * different cells with one id; a command that does not fit a buffer it
 * fits, is cut short, writes past a buffer it does not fit, or whose
 * words, split as the shell splits them, are not the job's.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "mmr_plan.h"

/* The files a file trace may name, beside the plan. */
static const char *const trace_files[] = {"t.mmr", "kernel-stacks.mmr", "a b'c $x.mmr"};
#define NFILES (sizeof(trace_files) / sizeof(trace_files[0]))
/* Results folders, chosen by the input: plain, and one only quoting keeps whole. */
static const char *const dirs[] = {"out", "/tmp/r s/it's", "cells&x"};
/*
 * Plans of more jobs are read and counted, not expanded: a 100,000-job
 * expansion takes a second and a half under the sanitizers, and it is
 * the same code as a small one's.  A plan of too many jobs is expanded:
 * its refusal is quick.
 */
#define MAX_EXPANDED 4096
/*
 * Commands built and checked per input: the first jobs and the last; into
 * buffers of every size tried for the first few only, as command.c quotes
 * a byte at a time and a plan's long names make that slow.
 */
#define MAX_COMMANDS 16
#define MAX_SIZED 4
/* Big enough for any command whose words fit command.c's 4400 bytes. */
#define BIG (1u << 20)

static char plan_path[512];
static char *big;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char dir[400], path[500];
	fz_path(dir, sizeof(dir), "plan");
	if (mkdir(dir, 0700) && access(dir, F_OK))
		fz_fatal("cannot make %s", dir);
	for (size_t i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, trace_files[i]);
		fz_write_file(path, trace_files[i], strlen(trace_files[i]));
	}
	snprintf(plan_path, sizeof(plan_path), "%s/fuzz.json", dir);
	if (!(big = malloc(BIG)))
		fz_fatal("out of memory");
	return 0;
}

/* FNV-1a of the input, mixed with K: the buffer sizes and folder an input gets, the same each run. */
static uint64_t pick(const uint8_t *data, size_t size, uint64_t k)
{
	uint64_t h = 1469598103934665603ull ^ k;
	for (size_t i = 0; i < size && i < 256; i++)
		h = (h ^ data[i]) * 1099511628211ull;
	return (h ^ size ^ (h >> 29)) * 0x9e3779b97f4a7c15ull;
}

static bool one_line_error(const struct mmr_error *err, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(err->msg, name, n) || strncmp(err->msg + n, ": ", 2))
		return false;
	for (const unsigned char *s = (const unsigned char *)err->msg; *s; s++)
		if (*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* ---- what a read plan promises (mmr_plan.h, docs/plans.md) ---------------- */

static bool among(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static void check_value(const char *key, const char *value, const char *what)
{
	if (!key || !*key || strpbrk(key, ",=") || !value || !*value || strpbrk(value, ",="))
		fz_finding("%s %s: value '%s'", what, key ? key : "(null)", value ? value : "(null)");
}

static void check_plan(const struct mmr_plan *p)
{
	if (!p->name || !*p->name || !p->ntraces || p->ntraces > MMR_PLAN_MAX_LIST || !p->nengines ||
	    p->nengines > MMR_PLAN_MAX_LIST || !p->nthreads || p->nthreads > MMR_PLAN_MAX_LIST || !p->nkernels ||
	    p->nkernels > 2 || p->repeat < 1 || p->repeat > 1000 || p->nopts + p->nfixed > MMR_PLAN_MAX_OPTS)
		fz_finding("a plan out of bounds: %zu traces, %zu engines, %zu thread counts, %zu kernels, %zu+%zu options, repeat %u",
			   p->ntraces, p->nengines, p->nthreads, p->nkernels, p->nopts, p->nfixed, p->repeat);
	for (size_t i = 0; i < p->ntraces; i++) {
		const struct mmr_plan_trace *t = &p->traces[i];
		if (!t->name || !*t->name || (t->source == MMR_PLAN_FILE) != (t->file && !t->workload))
			fz_finding("traces[%zu]: no name, or neither or both of file and generate", i);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(p->traces[k].name, t->name))
				fz_finding("traces[%zu] and [%zu] both named %s", k, i, t->name);
		if (t->source == MMR_PLAN_GENERATE && (!t->ops || t->ops > 1000000000000ull || !t->cpus || t->seed > UINT32_MAX))
			fz_finding("traces[%zu]: ops %llu, cpus %llu", i, (unsigned long long)t->ops, (unsigned long long)t->cpus);
		for (size_t k = 0; k < t->nparams; k++) {
			check_value(t->params[k].key, t->params[k].value, "param");
			for (size_t m = 0; m < k; m++)
				if (!strcmp(t->params[m].key, t->params[k].key))
					fz_finding("traces[%zu]: param %s given twice", i, t->params[k].key);
		}
	}
	for (size_t i = 0; i < p->nengines; i++)
		if (!*p->engines[i] || strchr(p->engines[i], ',') || among(p->engines, i, p->engines[i]))
			fz_finding("engines[%zu]: '%s' empty, with ',' or twice", i, p->engines[i]);
	if (!p->baseline || !among(p->engines, p->nengines, p->baseline))
		fz_finding("baseline %s is not an engine", p->baseline ? p->baseline : "(null)");
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i] < 1 || p->threads[i] > 1024 || (i && p->threads[i] <= p->threads[i - 1]))
			fz_finding("threads[%zu]: %u", i, p->threads[i]);
	for (size_t i = 0; i < p->nkernels; i++)
		if ((strcmp(p->kernels[i], "default") && strcmp(p->kernels[i], "rt")) || among(p->kernels, i, p->kernels[i]))
			fz_finding("kernel[%zu]: %s", i, p->kernels[i]);
	/* An option given twice (fixed, or in the grid) would reach the replay as two -O of one key. */
	for (size_t i = 0; i < p->nfixed + p->nopts; i++) {
		const char *key = i < p->nfixed ? p->fixed[i].key : p->opts[i - p->nfixed].key;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(key, k < p->nfixed ? p->fixed[k].key : p->opts[k - p->nfixed].key))
				fz_finding("engine option %s given twice", key);
		if (i < p->nfixed)
			check_value(key, p->fixed[i].value, "engine option");
		else if (!p->opts[i - p->nfixed].nvalues || p->opts[i - p->nfixed].nvalues > MMR_PLAN_MAX_LIST)
			fz_finding("engine option %s: %zu values", key, p->opts[i - p->nfixed].nvalues);
		else
			for (size_t v = 0; v < p->opts[i - p->nfixed].nvalues; v++) {
				check_value(key, p->opts[i - p->nfixed].values[v], "engine option");
				if (among(p->opts[i - p->nfixed].values, v, p->opts[i - p->nfixed].values[v]))
					fz_finding("engine option %s: value %s twice", key, p->opts[i - p->nfixed].values[v]);
			}
	}
	if ((p->compare && p->nengines < 2) || (p->sweep && p->nthreads < 2))
		fz_finding("a comparison of %zu engines or a sweep of %zu thread counts", p->nengines, p->nthreads);
}

/* ---- commands ------------------------------------------------------------ */

/* Words as the shell reads them (plain words of safe characters, '...' and \'), or a finding. */
struct words {
	char *v[200];
	size_t n;
	char store[BIG];
};

static void split(const char *cmd, struct words *w)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=.,/:@%";
	char *o = w->store;
	bool in = false;
	w->n = 0;
	for (const char *s = cmd;; s++) {
		if (*s == ' ' || !*s) {
			if (in) {
				*o++ = '\0';
				in = false;
			}
			if (!*s)
				return;
			continue;
		}
		if (!in) {
			if (w->n == sizeof(w->v) / sizeof(w->v[0]))
				fz_finding("a command of over %zu words: %.200s", w->n, cmd);
			w->v[w->n++] = o;
			in = true;
		}
		if (*s == '\'') {
			const char *q = strchr(s + 1, '\'');
			if (!q)
				fz_finding("an unclosed quote in %.300s", cmd);
			memcpy(o, s + 1, (size_t)(q - s - 1));
			o += q - s - 1;
			s = q;
		} else if (*s == '\\' && s[1]) {
			*o++ = *++s;
		} else if (!strchr(safe, *s)) {
			fz_finding("'%c' unquoted in %.300s", *s, cmd);
		} else {
			*o++ = *s;
		}
	}
}

/* The words a command is expected to have. */
struct expect {
	char *v[200];
	size_t n;
	size_t longest;
};

static void add(struct expect *e, const char *fmt, const char *a, const char *b)
{
	int n = snprintf(NULL, 0, fmt, a, b);
	char *s = malloc((size_t)n + 1);
	if (!s)
		fz_fatal("out of memory");
	snprintf(s, (size_t)n + 1, fmt, a, b);
	if ((size_t)n > e->longest)
		e->longest = (size_t)n;
	e->v[e->n++] = s;
}

static void expect_free(struct expect *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i]);
	e->n = 0;
}

typedef int (*build_fn)(const void *ctx, char *buf, size_t len);

/*
 * Build a command with BUILD into the big buffer, compare its words with
 * E, then into buffers of exactly the size it needs, one byte less, one
 * more and one the input picks: it must fit exactly those it fits, and
 * then be the same text.
 */
static void check_command(build_fn build, const void *ctx, const struct expect *e, uint64_t r, bool sized,
			  const char *what)
{
	static struct words w;
	if (build(ctx, big, BIG)) {
		/* command.c's words stop at 4400 bytes: a longer one is refused, never cut. */
		if (e->longest < 4000)
			fz_finding("%s: no command in %u bytes", what, BIG);
		return;
	}
	size_t len = strlen(big);
	split(big, &w);
	bool same = w.n == e->n;
	for (size_t i = 0; same && i < w.n; i++)
		same = !strcmp(w.v[i], e->v[i]);
	if (!same)
		fz_finding("%s: the command's %zu words are not the %zu expected (word %s): %.400s", what, w.n, e->n,
			   e->n ? e->v[0] : "-", big);
	size_t sizes[] = {len + 1, len, len + 2, r % (len + 3), 0};
	for (size_t i = 0; sized && i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *buf = malloc(sizes[i] ? sizes[i] : 1); /* exactly: ASan sees a byte written past it */
		if (!buf)
			fz_fatal("out of memory");
		int rc = build(ctx, buf, sizes[i]);
		if (rc != (sizes[i] > len ? 0 : -1))
			fz_finding("%s: %d into %zu bytes, the command being %zu", what, rc, sizes[i], len);
		if (!rc && strcmp(buf, big))
			fz_finding("%s: another command into %zu bytes: %.300s", what, sizes[i], buf);
		free(buf);
	}
}

struct job_ctx {
	const struct mmr_plan *p;
	const struct mmr_plan_jobs *jobs;
	const struct mmr_plan_job *j;
	size_t t;
	const char *dir;
};

static int build_job(const void *ctx, char *buf, size_t len)
{
	const struct job_ctx *c = ctx;
	return mmr_plan_job_command(c->p, c->jobs, c->j, c->dir, buf, len);
}

static int build_generate(const void *ctx, char *buf, size_t len)
{
	const struct job_ctx *c = ctx;
	return mmr_plan_generate_command(c->p, c->jobs, c->t, c->dir, buf, len);
}

static int build_mkdir(const void *ctx, char *buf, size_t len)
{
	const struct job_ctx *c = ctx;
	return mmr_plan_mkdir_command(c->dir, "cells", buf, len);
}

static void trace_word(struct expect *e, const struct job_ctx *c, size_t t)
{
	if (c->p->traces[t].source == MMR_PLAN_FILE)
		add(e, "%s%s", c->jobs->trace_paths[t], "");
	else
		add(e, "%s/traces/%s.mmr", c->dir, c->jobs->trace_ids[t]);
}

static void check_job(struct job_ctx *c, uint64_t r, bool sized)
{
	const struct mmr_plan *p = c->p;
	const struct mmr_plan_job *j = c->j;
	struct expect e = {0};
	char num[32];
	add(&e, "mmreplay", "", ""), add(&e, "replay", "", "");
	trace_word(&e, c, j->trace);
	add(&e, "-e", "", ""), add(&e, "%s", p->engines[j->engine], "");
	snprintf(num, sizeof(num), "%u", j->threads);
	add(&e, "--threads=%s", num, ""), add(&e, "--kernel=%s", j->kernel, "");
	snprintf(num, sizeof(num), "%u", p->repeat);
	add(&e, "--repeat=%s", num, "");
	for (size_t i = 0; i < p->nfixed; i++)
		add(&e, "-O", "", ""), add(&e, "%s=%s", p->fixed[i].key, p->fixed[i].value);
	for (size_t i = 0; i < p->nopts; i++)
		add(&e, "-O", "", ""), add(&e, "%s=%s", p->opts[i].key, mmr_plan_opt_value(p, i, j->point));
	add(&e, "-o", "", ""), add(&e, "%s/cells/%s", c->dir, j->cell_id), add(&e, "-q", "", "");
	check_command(build_job, c, &e, r, sized, "job command");
	expect_free(&e);
}

static void check_generate(struct job_ctx *c, uint64_t r)
{
	const struct mmr_plan_trace *t = &c->p->traces[c->t];
	struct expect e = {0};
	char num[32];
	if (t->source == MMR_PLAN_FILE) {
		if (build_generate(c, big, BIG) != -1)
			fz_finding("a generate command for file trace %zu", c->t);
		return;
	}
	add(&e, "mmreplay", "", ""), add(&e, "generate", "", ""), add(&e, "%s", t->workload, ""), add(&e, "-o", "", "");
	trace_word(&e, c, c->t);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)t->ops);
	add(&e, "--ops=%s", num, "");
	snprintf(num, sizeof(num), "%llu", (unsigned long long)t->seed);
	add(&e, "--seed=%s", num, "");
	snprintf(num, sizeof(num), "%llu", (unsigned long long)t->cpus);
	add(&e, "--cpus=%s", num, "");
	for (size_t i = 0; i < t->nparams; i++)
		add(&e, "--%s=%s", t->params[i].key, t->params[i].value);
	add(&e, "-q", "", "");
	check_command(build_generate, c, &e, r, c->t < MAX_SIZED, "generate command");
	expect_free(&e);
}

/* ---- the expansion -------------------------------------------------------- */

/* Point file traces at the target's own files: never a path the input names. */
static void own_files(struct mmr_plan *p)
{
	for (size_t i = 0; i < p->ntraces; i++) {
		struct mmr_plan_trace *t = &p->traces[i];
		size_t k = 0;
		if (t->source != MMR_PLAN_FILE)
			continue;
		while (k < NFILES && strcmp(t->file, trace_files[k]))
			k++;
		if (k < NFILES)
			continue;
		free(t->file);
		if (!(t->file = strdup(trace_files[strlen(t->name) % NFILES])))
			fz_fatal("out of memory");
	}
}

/* The jobs a plan makes, or 0 past MMR_PLAN_MAX_JOBS. */
static size_t count_jobs(const struct mmr_plan *p)
{
	size_t n = p->ntraces * p->nkernels * p->nthreads * p->nengines;
	for (size_t i = 0; i < p->nopts && n <= MMR_PLAN_MAX_JOBS; i++)
		n *= p->opts[i].nvalues;
	return n <= MMR_PLAN_MAX_JOBS ? n : 0;
}

static const struct mmr_plan_jobs *cmp_jobs;

static int by_cell_id(const void *a, const void *b)
{
	const struct mmr_plan_job *x = &cmp_jobs->v[*(const size_t *)a], *y = &cmp_jobs->v[*(const size_t *)b];
	int c = strcmp(x->cell_id, y->cell_id);
	return c ? c : strcmp(x->id, y->id);
}

/* Two jobs with one cell id run the same cell; two with one id are one job. */
static void check_ids(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs)
{
	size_t *ix = malloc(jobs->n * sizeof(*ix));
	if (!ix)
		fz_fatal("out of memory");
	for (size_t i = 0; i < jobs->n; i++)
		ix[i] = i;
	cmp_jobs = jobs;
	qsort(ix, jobs->n, sizeof(*ix), by_cell_id);
	for (size_t i = 1; i < jobs->n; i++) {
		const struct mmr_plan_job *a = &jobs->v[ix[i - 1]], *b = &jobs->v[ix[i]];
		if (strcmp(a->cell_id, b->cell_id))
			continue;
		bool same = !strcmp(jobs->trace_ids[a->trace], jobs->trace_ids[b->trace]) && a->threads == b->threads &&
			    !strcmp(a->kernel, b->kernel);
		for (size_t o = 0; same && o < p->nopts; o++)
			same = !strcmp(mmr_plan_opt_value(p, o, a->point), mmr_plan_opt_value(p, o, b->point));
		if (!same)
			fz_finding("jobs %zu and %zu: cells %zu and %zu of other inputs share id %s", ix[i - 1], ix[i], a->cell,
				   b->cell, a->cell_id);
		if (!strcmp(a->id, b->id) && strcmp(p->engines[a->engine], p->engines[b->engine]))
			fz_finding("jobs %zu and %zu: engines %s and %s share id %s", ix[i - 1], ix[i], p->engines[a->engine],
				   p->engines[b->engine], a->id);
	}
	free(ix);
}

/* Whether generated traces A and B are made alike: one workload, ops, seed, CPUs and params (in any order). */
static bool made_alike(const struct mmr_plan_trace *a, const struct mmr_plan_trace *b)
{
	if (strcmp(a->workload, b->workload) || a->ops != b->ops || a->seed != b->seed || a->cpus != b->cpus ||
	    a->nparams != b->nparams)
		return false;
	for (size_t i = 0; i < a->nparams; i++) {
		size_t k = 0;
		while (k < b->nparams && strcmp(a->params[i].key, b->params[k].key))
			k++;
		if (k == b->nparams || strcmp(a->params[i].value, b->params[k].value))
			return false;
	}
	return true;
}

/* The jobs in their order (trace, kernel, grid point, thread count, engine), the same twice. */
static void check_jobs(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const struct mmr_plan_jobs *again)
{
	size_t points = jobs->n / (p->ntraces * p->nkernels * p->nthreads * p->nengines);
	if (jobs->cells * p->nengines != jobs->n || jobs->ntraces != p->ntraces || again->n != jobs->n)
		fz_finding("%zu jobs in %zu cells of %zu engines (%zu the second time)", jobs->n, jobs->cells, p->nengines,
			   again->n);
	for (size_t i = 0; i < jobs->ntraces; i++)
		if (strlen(jobs->trace_ids[i]) != 16 || strcmp(jobs->trace_ids[i], again->trace_ids[i]) ||
		    !jobs->trace_paths[i] != (p->traces[i].source == MMR_PLAN_GENERATE))
			fz_finding("trace %zu: id %s, then %s", i, jobs->trace_ids[i], again->trace_ids[i]);
	for (size_t i = 0; i < jobs->ntraces; i++)
		for (size_t k = 0; k < i; k++)
			if (p->traces[i].source == MMR_PLAN_GENERATE && p->traces[k].source == MMR_PLAN_GENERATE &&
			    !strcmp(jobs->trace_ids[i], jobs->trace_ids[k]) && !made_alike(&p->traces[i], &p->traces[k]))
				fz_finding("traces %zu and %zu, made differently, share id %s", k, i, jobs->trace_ids[i]);
	for (size_t i = 0; i < jobs->n; i++) {
		const struct mmr_plan_job *j = &jobs->v[i];
		size_t r = i;
		size_t e = r % p->nengines, th = (r /= p->nengines) % p->nthreads, pt = (r /= p->nthreads) % points;
		size_t k = (r /= points) % p->nkernels, t = r / p->nkernels;
		if (j->engine != e || j->threads != p->threads[th] || j->point != pt || strcmp(j->kernel, p->kernels[k]) ||
		    j->trace != t || j->cell != i / p->nengines)
			fz_finding("job %zu out of order", i);
		if (strlen(j->id) != 16 || strlen(j->cell_id) != 16 || strcmp(j->id, again->v[i].id) ||
		    strcmp(j->cell_id, again->v[i].cell_id))
			fz_finding("job %zu: ids %s %s, then %s %s", i, j->id, j->cell_id, again->v[i].id, again->v[i].cell_id);
	}
	check_ids(p, jobs);
}

static void expand(struct mmr_plan *p, const uint8_t *data, size_t size)
{
	struct mmr_plan_jobs jobs, again;
	struct mmr_error err = {0};
	size_t want = count_jobs(p);
	if (want > MAX_EXPANDED)
		return;
	own_files(p);
	if (mmr_plan_expand(p, NULL, &jobs, &err)) {
		if (want || !one_line_error(&err, plan_path))
			fz_finding("expansion (of %zu jobs) refused: %s", want, err.msg);
		return;
	}
	if (!want || jobs.n != want)
		fz_finding("expanded into %zu jobs, %zu expected", jobs.n, want);
	if (mmr_plan_expand(p, NULL, &again, &err))
		fz_finding("expanded once, then refused: %s", err.msg);
	check_jobs(p, &jobs, &again);
	mmr_plan_jobs_free(&again);
	struct job_ctx c = {.p = p, .jobs = &jobs, .dir = dirs[pick(data, size, 0) % 3]};
	struct expect e = {0};
	add(&e, "mkdir", "", ""), add(&e, "-p", "", ""), add(&e, "%s/%s", c.dir, "cells");
	check_command(build_mkdir, &c, &e, pick(data, size, 1), true, "mkdir command");
	expect_free(&e);
	for (size_t i = 0; i < jobs.n && i < MAX_COMMANDS + 1; i++) {
		c.j = &jobs.v[i < MAX_COMMANDS ? i : jobs.n - 1];
		check_job(&c, pick(data, size, 2 + i), i < MAX_SIZED || i == MAX_COMMANDS);
	}
	for (c.t = 0; c.t < p->ntraces; c.t++)
		check_generate(&c, pick(data, size, 1000 + c.t));
	mmr_plan_jobs_free(&jobs);
	if (jobs.v || jobs.n || jobs.trace_ids)
		fz_finding("freed jobs not empty");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_error err = {0};
	struct mmr_plan *p = mmr_plan_read_text((const char *)data, size, plan_path, &err);
	if (!p) {
		if (!one_line_error(&err, plan_path))
			fz_finding("the error is not one line naming the file: \"%s\"", err.msg);
		return 0;
	}
	if (strcmp(p->path, plan_path))
		fz_finding("the plan's path is %s", p->path);
	check_plan(p);
	expand(p, data, size);
	mmr_plan_free(p);
	return 0;
}
