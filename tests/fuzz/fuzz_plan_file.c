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
 * file; a plan read that breaks what docs/plans.md promises, for the plan's
 * own lists (the defaults, which a plan of groups may leave without
 * engines or threads) and for each group (lists in bounds, names unique,
 * its traces the plan's and each once, thread counts rising, an engine
 * option or a param given twice, replay options in key order, each value
 * canonical and not replay's default); an expansion refused under
 * MMR_PLAN_MAX_JOBS or made past it, in another order or with other ids
 * the second time; a plan with two cells of the same inputs (in one group
 * or two) expanded, or one without them refused; two cells with one id, or
 * a cell's jobs with two; a command that does not fit a buffer it fits, is
 * cut short, writes past a buffer it does not fit, or whose words, split
 * as the shell splits them, are not the job's (with its group's engine,
 * options and replay flags).
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

/* The index of replay option KEY in key order (mmr_plan_replay_get), or SIZE_MAX. */
static size_t replay_index(const char *key)
{
	const struct mmr_plan_replay_opt *o = mmr_plan_replay_find(key), *q;
	for (size_t i = 0; o && (q = mmr_plan_replay_get(i)); i++)
		if (q == o)
			return i;
	return SIZE_MAX;
}

/* Replay options: plan keys in key order, each once, each value canonical and not replay's default. */
static void check_replay(const struct mmr_plan_kv *kv, size_t n, const char *at)
{
	size_t last = 0;
	for (size_t i = 0; i < n; i++) {
		char canon[128], why[200];
		size_t k = replay_index(kv[i].key);
		if (k == SIZE_MAX || strcmp(mmr_plan_replay_get(k)->key, kv[i].key) || (i && k <= last))
			fz_finding("%s.replay[%zu]: key %s unknown, not a plan key, out of order or twice", at, i, kv[i].key);
		last = k;
		int rc = mmr_plan_replay_value(kv[i].key, kv[i].value, canon, sizeof(canon), why, sizeof(why));
		if (rc != 1 || strcmp(canon, kv[i].value))
			fz_finding("%s.replay.%s: value '%s' not canonical (%d, '%s')", at, kv[i].key, kv[i].value, rc,
				   rc < 0 ? why : canon);
	}
}

/* Engine options: fixed and grid keys unique (two -O of one key otherwise), values command-safe. */
static void check_opts(const struct mmr_plan_group *g, const char *at)
{
	if (g->nopts + g->nfixed > MMR_PLAN_MAX_OPTS)
		fz_finding("%s: %zu+%zu engine options", at, g->nfixed, g->nopts);
	for (size_t i = 0; i < g->nfixed + g->nopts; i++) {
		const char *key = i < g->nfixed ? g->fixed[i].key : g->opts[i - g->nfixed].key;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(key, k < g->nfixed ? g->fixed[k].key : g->opts[k - g->nfixed].key))
				fz_finding("%s: engine option %s given twice", at, key);
		if (i < g->nfixed) {
			check_value(key, g->fixed[i].value, "engine option");
			continue;
		}
		const struct mmr_plan_opt *o = &g->opts[i - g->nfixed];
		if (!o->nvalues || o->nvalues > MMR_PLAN_MAX_LIST)
			fz_finding("%s: engine option %s: %zu values", at, key, o->nvalues);
		for (size_t v = 0; v < o->nvalues; v++) {
			check_value(key, o->values[v], "engine option");
			if (among(o->values, v, o->values[v]))
				fz_finding("%s: engine option %s: value %s twice", at, key, o->values[v]);
		}
	}
}

/* The lists of group G (or the plan's own, TOP: engines and threads may be empty there). */
static void check_lists(const struct mmr_plan_group *g, const char *at, bool top)
{
	if ((!top && !g->nengines) || g->nengines > MMR_PLAN_MAX_LIST || (!top && !g->nthreads) ||
	    g->nthreads > MMR_PLAN_MAX_LIST || !g->nkernels || g->nkernels > 2 || g->repeat < 1 || g->repeat > 1000)
		fz_finding("%s out of bounds: %zu engines, %zu thread counts, %zu kernels, repeat %u", at, g->nengines,
			   g->nthreads, g->nkernels, g->repeat);
	for (size_t i = 0; i < g->nengines; i++)
		if (!*g->engines[i] || strchr(g->engines[i], ',') || among(g->engines, i, g->engines[i]))
			fz_finding("%s.engines[%zu]: '%s' empty, with ',' or twice", at, i, g->engines[i]);
	if (g->nengines ? !g->baseline || !among(g->engines, g->nengines, g->baseline) : g->baseline != NULL)
		fz_finding("%s: baseline %s is not an engine", at, g->baseline ? g->baseline : "(null)");
	for (size_t i = 0; i < g->nthreads; i++)
		if (g->threads[i] < 1 || g->threads[i] > 1024 || (i && g->threads[i] <= g->threads[i - 1]))
			fz_finding("%s.threads[%zu]: %u", at, i, g->threads[i]);
	for (size_t i = 0; i < g->nkernels; i++)
		if ((strcmp(g->kernels[i], "default") && strcmp(g->kernels[i], "rt")) || among(g->kernels, i, g->kernels[i]))
			fz_finding("%s.kernel[%zu]: %s", at, i, g->kernels[i]);
	check_opts(g, at);
	check_replay(g->replay, g->nreplay, at);
}

static void check_group(const struct mmr_plan *p, size_t gi)
{
	const struct mmr_plan_group *g = &p->groups[gi];
	char at[32];
	snprintf(at, sizeof(at), "groups[%zu]", gi);
	if (!g->name || !*g->name || !g->ntraces || g->ntraces > MMR_PLAN_MAX_LIST)
		fz_finding("%s: no name, or %zu traces", at, g->ntraces);
	for (size_t k = 0; k < gi; k++)
		if (!strcmp(p->groups[k].name, g->name))
			fz_finding("groups[%zu] and [%zu] both named %s", k, gi, g->name);
	for (size_t i = 0; i < g->ntraces; i++) {
		if (g->traces[i] >= p->ntraces)
			fz_finding("%s.traces[%zu]: %zu of %zu", at, i, g->traces[i], p->ntraces);
		for (size_t k = 0; k < i; k++)
			if (g->traces[k] == g->traces[i])
				fz_finding("%s: trace %zu twice", at, g->traces[i]);
	}
	check_lists(g, at, false);
	/* How reports present it: a title and description never empty, references among its engines, once each. */
	if ((g->title && !*g->title) || (g->description && !*g->description) || g->nreferences > g->nengines)
		fz_finding("%s: an empty title or description, or %zu references", at, g->nreferences);
	for (size_t i = 0; i < g->nreferences; i++)
		if (!among(g->engines, g->nengines, g->references[i]) || among(g->references, i, g->references[i]))
			fz_finding("%s.references[%zu]: '%s' no engine, or twice", at, i, g->references[i]);
}

static void check_traces(const struct mmr_plan *p)
{
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
		bool used = false;
		for (size_t g = 0; g < p->ngroups && !used; g++)
			for (size_t k = 0; k < p->groups[g].ntraces && !used; k++)
				used = p->groups[g].traces[k] == i;
		if (!used)
			fz_finding("traces[%zu] (%s) is in no group", i, t->name);
	}
}

static void check_plan(const struct mmr_plan *p)
{
	if (!p->name || !*p->name || !p->ntraces || p->ntraces > MMR_PLAN_MAX_LIST || !p->ngroups ||
	    p->ngroups > MMR_PLAN_MAX_LIST)
		fz_finding("a plan out of bounds: %zu traces, %zu groups", p->ntraces, p->ngroups);
	const struct mmr_plan_group top = p->defaults;
	check_lists(&top, "plan", true);
	bool engines = false, threads = false;
	for (size_t i = 0; i < p->ngroups; i++) {
		check_group(p, i);
		engines |= p->groups[i].nengines > 1, threads |= p->groups[i].nthreads > 1;
	}
	check_traces(p);
	if ((p->compare && !engines) || (p->sweep && !threads))
		fz_finding("a comparison without two engines or a sweep without two thread counts in a group");
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
	const struct mmr_plan_job *j = c->j;
	const struct mmr_plan_group *g = mmr_plan_job_group(c->p, j);
	struct expect e = {0};
	char num[32];
	add(&e, "mmreplay", "", ""), add(&e, "replay", "", "");
	trace_word(&e, c, j->trace);
	add(&e, "-e", "", ""), add(&e, "%s", g->engines[j->engine], "");
	snprintf(num, sizeof(num), "%u", j->threads);
	add(&e, "--threads=%s", num, ""), add(&e, "--kernel=%s", j->kernel, "");
	snprintf(num, sizeof(num), "%u", g->repeat);
	add(&e, "--repeat=%s", num, "");
	for (size_t i = 0; i < g->nfixed; i++)
		add(&e, "-O", "", ""), add(&e, "%s=%s", g->fixed[i].key, g->fixed[i].value);
	for (size_t i = 0; i < g->nopts; i++)
		add(&e, "-O", "", ""), add(&e, "%s=%s", g->opts[i].key, mmr_plan_group_opt_value(g, i, j->point));
	/* Replay options as replay's flags: a value as --flag=VALUE, a flag as --flag when true (false is dropped). */
	for (size_t i = 0; i < g->nreplay; i++) {
		const struct mmr_plan_replay_opt *o = mmr_plan_replay_find(g->replay[i].key);
		if (o && o->takes_value)
			add(&e, "%s=%s", o->flag, g->replay[i].value);
		else if (o)
			add(&e, "%s%s", o->flag, "");
	}
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
	size_t n = 0;
	for (size_t i = 0; i < p->ngroups; i++) {
		const struct mmr_plan_group *g = &p->groups[i];
		size_t m = g->ntraces * g->nkernels * g->nthreads * g->nengines;
		for (size_t o = 0; o < g->nopts && m <= MMR_PLAN_MAX_JOBS; o++)
			m *= g->opts[o].nvalues;
		if (m > MMR_PLAN_MAX_JOBS || (n += m) > MMR_PLAN_MAX_JOBS)
			return 0;
	}
	return n;
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

/*
 * A cell as the target sees it: its group, trace, kernel, grid point and
 * thread count, and SAME, what makes two traces' results the same: the
 * target's file (0..NFILES-1), or NFILES + the first trace generated alike.
 */
struct cell {
	size_t group, trace, kernel, point, same;
	unsigned threads;
};

static const struct mmr_plan *cmp_plan;

/* The engine options (REPLAY false) or the replay options of the ids of cell C, sorted by key; their number. */
static size_t cell_pairs(const struct cell *c, bool replay, const char **k, const char **v)
{
	const struct mmr_plan_group *g = &cmp_plan->groups[c->group];
	size_t n = 0;
	if (replay) {
		for (size_t i = 0; i < g->nreplay; i++)
			if (mmr_plan_replay_find(g->replay[i].key)->in_id)
				k[n] = g->replay[i].key, v[n++] = g->replay[i].value;
	} else {
		for (size_t i = 0; i < g->nfixed; i++)
			k[n] = g->fixed[i].key, v[n++] = g->fixed[i].value;
		for (size_t i = 0; i < g->nopts; i++)
			k[n] = g->opts[i].key, v[n++] = mmr_plan_group_opt_value(g, i, c->point);
	}
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0 && strcmp(k[b - 1], k[b]) > 0; b--) {
			const char *x = k[b], *y = v[b];
			k[b] = k[b - 1], v[b] = v[b - 1], k[b - 1] = x, v[b - 1] = y;
		}
	return n;
}

/* Cells of the same inputs compare equal: the group is none of them (docs/plans.md). */
static int by_inputs(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;
	const struct mmr_plan_group *gx = &cmp_plan->groups[x->group], *gy = &cmp_plan->groups[y->group];
	int c;
	if (x->same != y->same)
		return x->same < y->same ? -1 : 1;
	if (x->threads != y->threads)
		return x->threads < y->threads ? -1 : 1;
	if (gx->repeat != gy->repeat)
		return gx->repeat < gy->repeat ? -1 : 1;
	if ((c = strcmp(gx->kernels[x->kernel], gy->kernels[y->kernel])))
		return c;
	for (int r = 0; r < 2; r++) {
		const char *kx[2 * MMR_PLAN_MAX_OPTS + 16], *vx[2 * MMR_PLAN_MAX_OPTS + 16];
		const char *ky[2 * MMR_PLAN_MAX_OPTS + 16], *vy[2 * MMR_PLAN_MAX_OPTS + 16];
		size_t nx = cell_pairs(x, r, kx, vx), ny = cell_pairs(y, r, ky, vy);
		if (nx != ny)
			return nx < ny ? -1 : 1;
		for (size_t i = 0; i < nx; i++)
			if ((c = strcmp(kx[i], ky[i])) || (c = strcmp(vx[i], vy[i])))
				return c;
	}
	return 0;
}

/* The plan's cells in job order (group, trace, kernel, point, threads) into *CELLS; their number. */
static size_t make_cells(const struct mmr_plan *p, size_t jobs, struct cell **cells)
{
	size_t n = 0, same[MMR_PLAN_MAX_LIST];
	for (size_t t = 0; t < p->ntraces; t++) {
		const struct mmr_plan_trace *tr = &p->traces[t];
		same[t] = NFILES + t;
		if (tr->source == MMR_PLAN_FILE)
			for (same[t] = 0; strcmp(tr->file, trace_files[same[t]]); same[t]++)
				;
		else
			for (size_t k = 0; k < t && same[t] == NFILES + t; k++)
				if (p->traces[k].source == MMR_PLAN_GENERATE && made_alike(&p->traces[k], tr))
					same[t] = NFILES + k;
	}
	if (!(*cells = malloc((jobs ? jobs : 1) * sizeof(**cells))))
		fz_fatal("out of memory");
	for (size_t gi = 0; gi < p->ngroups; gi++) {
		const struct mmr_plan_group *g = &p->groups[gi];
		size_t points = 1;
		for (size_t o = 0; o < g->nopts; o++)
			points *= g->opts[o].nvalues;
		for (size_t t = 0; t < g->ntraces; t++)
			for (size_t k = 0; k < g->nkernels; k++)
				for (size_t pt = 0; pt < points; pt++)
					for (size_t th = 0; th < g->nthreads; th++)
						(*cells)[n++] = (struct cell){.group = gi, .trace = g->traces[t], .kernel = k,
									      .point = pt, .same = same[g->traces[t]],
									      .threads = g->threads[th]};
	}
	return n;
}

/* Whether two of the N cells have the same inputs: the plan must then be refused (a cell is one group's). */
static bool same_inputs(const struct mmr_plan *p, const struct cell *cells, size_t n)
{
	struct cell *s = malloc((n ? n : 1) * sizeof(*s));
	bool dup = false;
	if (!s)
		fz_fatal("out of memory");
	memcpy(s, cells, n * sizeof(*s));
	cmp_plan = p;
	qsort(s, n, sizeof(*s), by_inputs);
	for (size_t i = 1; i < n && !dup; i++)
		dup = !by_inputs(&s[i - 1], &s[i]);
	free(s);
	return dup;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether two of the N ids are one. */
static bool twice(const char **ids, size_t n)
{
	qsort(ids, n, sizeof(*ids), by_text);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(ids[i - 1], ids[i]))
			return true;
	return false;
}

/*
 * The jobs in their order (group, trace, kernel, grid point, thread count,
 * engine), the same twice; a cell id shared by the jobs of a cell and no
 * other's, a job id by no two jobs.
 */
static void check_jobs(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const struct mmr_plan_jobs *again,
		       const struct cell *cells, size_t ncells)
{
	if (jobs->cells != ncells || jobs->ntraces != p->ntraces || again->n != jobs->n)
		fz_finding("%zu jobs in %zu cells (%zu expected; %zu jobs the second time)", jobs->n, jobs->cells, ncells,
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
	const char **ids = malloc((jobs->n + 1) * sizeof(*ids)), **cell_ids = malloc((ncells + 1) * sizeof(*cell_ids));
	if (!ids || !cell_ids)
		fz_fatal("out of memory");
	size_t i = 0;
	for (size_t c = 0; c < ncells; c++) {
		const struct cell *x = &cells[c];
		const struct mmr_plan_group *g = &p->groups[x->group];
		cell_ids[c] = i < jobs->n ? jobs->v[i].cell_id : "";
		for (size_t e = 0; e < g->nengines; e++, i++) {
			const struct mmr_plan_job *j = &jobs->v[i];
			if (i >= jobs->n || j->group != x->group || j->trace != x->trace || j->engine != e ||
			    j->threads != x->threads || j->point != x->point || j->kernel != g->kernels[x->kernel] ||
			    j->cell != c || mmr_plan_job_group(p, j) != g || mmr_plan_job_engine(p, j) != g->engines[e])
				fz_finding("job %zu out of order (cell %zu, engine %zu)", i, c, e);
			if (strlen(j->id) != 16 || strlen(j->cell_id) != 16 || strcmp(j->id, again->v[i].id) ||
			    strcmp(j->cell_id, again->v[i].cell_id) || strcmp(j->cell_id, cell_ids[c]))
				fz_finding("job %zu: ids %s %s, then %s %s, its cell's %s", i, j->id, j->cell_id, again->v[i].id,
					   again->v[i].cell_id, cell_ids[c]);
			ids[i] = j->id;
		}
	}
	if (i != jobs->n)
		fz_finding("%zu jobs, %zu expected", jobs->n, i);
	if (twice(cell_ids, ncells))
		fz_finding("two cells share an id (of %zu cells)", ncells);
	if (twice(ids, jobs->n))
		fz_finding("two jobs share an id (of %zu jobs)", jobs->n);
	free(ids);
	free(cell_ids);
}

static void expand(struct mmr_plan *p, const uint8_t *data, size_t size)
{
	struct mmr_plan_jobs jobs, again;
	struct mmr_error err = {0};
	struct cell *cells = NULL;
	size_t want = count_jobs(p), ncells = 0;
	if (want > MAX_EXPANDED)
		return;
	own_files(p);
	if (want)
		ncells = make_cells(p, want, &cells);
	bool dup = want && same_inputs(p, cells, ncells);
	if (mmr_plan_expand(p, NULL, &jobs, &err)) {
		if ((want && !dup) || !one_line_error(&err, plan_path))
			fz_finding("expansion (of %zu jobs) refused: %s", want, err.msg);
		free(cells);
		return;
	}
	if (!want || jobs.n != want || dup)
		fz_finding("expanded into %zu jobs, %zu expected%s", jobs.n, want, dup ? ", two cells of the same inputs" : "");
	if (mmr_plan_expand(p, NULL, &again, &err))
		fz_finding("expanded once, then refused: %s", err.msg);
	check_jobs(p, &jobs, &again, cells, ncells);
	free(cells);
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
