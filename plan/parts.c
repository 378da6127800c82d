/* SPDX-License-Identifier: MIT */
/*
 * parts.c - a plan's lists: its traces (files, or workloads to generate),
 * its engines and baseline, kernel modes, thread counts and the engine
 * option grid; and freeing a plan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_internal.h"

/*
 * Member C of object O, at AT, as a name a command line keeps whole
 * (--KEY=VALUE, -O KEY=VALUE): given once (cJSON keeps both of a repeated
 * key, and both would be passed), not empty, without ',' or '='.
 * Returns 0, or -1 after jr_fail.
 */
static int read_key(struct jr *r, const char *at, const cJSON *o, const cJSON *c)
{
	if (cJSON_GetObjectItemCaseSensitive(o, c->string) != c)
		return jr_fail(r, at, c->string, "given twice");
	if (!c->string[0] || strpbrk(c->string, ",="))
		return jr_fail(r, at, c->string, "not a name without ',' or '='");
	return 0;
}

/* Object PS (at AT) of KEY=VALUE pairs into a new *KV of *N: a generated trace's params. */
static int read_kvs(struct jr *r, const char *at, const cJSON *ps, struct mmr_plan_kv **kv, size_t *n)
{
	int count = cJSON_IsObject(ps) ? cJSON_GetArraySize(ps) : -1;
	if (count < 0)
		return jr_fail(r, at, NULL, "not an object");
	if (count > MMR_PLAN_MAX_LIST)
		return jr_fail(r, at, NULL, "%d members, more than %d", count, MMR_PLAN_MAX_LIST);
	if (!(*kv = calloc((size_t)count + 1, sizeof(**kv))))
		return jr_fail(r, at, NULL, "out of memory");
	for (const cJSON *c = ps->child; c; c = c->next) {
		struct mmr_plan_kv *e = &(*kv)[(*n)++];
		if (read_key(r, at, ps, c) || jr_dup(r, at, c->string, c->string, &e->key) || jr_value(r, at, c->string, c, &e->value))
			return -1;
	}
	return 0;
}

/* A generated trace (G, at AT): the workload, its event count, seed, CPUs and params. */
static int read_generate(struct jr *r, const cJSON *g, const char *at, struct mmr_plan_trace *t)
{
	static const char *const keys[] = {"workload", "ops", "seed", "cpus", "params", NULL};
	double ops = 0, seed = 1, cpus = 2;
	char where[160];
	t->source = MMR_PLAN_GENERATE;
	if (jr_keys(r, at, g, keys) || jr_str_dup(r, at, g, "workload", true, &t->workload) ||
	    jr_int(r, at, g, "ops", false, 1, 1e12, &ops) || jr_int(r, at, g, "seed", false, 0, UINT32_MAX, &seed) ||
	    jr_int(r, at, g, "cpus", false, 1, MMR_MAX_CPUS, &cpus))
		return -1;
	if (!ops)
		return jr_fail(r, at, NULL, "no \"ops\": a generated trace names its event count");
	t->ops = (uint64_t)ops, t->seed = (uint64_t)seed, t->cpus = (uint64_t)cpus;
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(g, "params");
	jr_path(where, sizeof(where), at, "params");
	return ps ? read_kvs(r, where, ps, &t->params, &t->nparams) : 0;
}

int plan_read_traces(struct jr *r, const cJSON *d, struct mmr_plan *p)
{
	static const char *const keys[] = {"name", "file", "generate", NULL};
	const cJSON *a;
	if (jr_list(r, "", d, "traces", true, MMR_PLAN_MAX_LIST, &a))
		return -1;
	if (!(p->traces = calloc((size_t)cJSON_GetArraySize(a), sizeof(*p->traces))))
		return jr_fail(r, "", "traces", "out of memory");
	for (const cJSON *c = a->child; c; c = c->next) {
		struct mmr_plan_trace *t = &p->traces[p->ntraces++];
		char at[32], gen[48];
		snprintf(at, sizeof(at), "traces[%zu]", p->ntraces - 1);
		if (jr_keys(r, at, c, keys) || jr_str_dup(r, at, c, "name", true, &t->name) ||
		    jr_str_dup(r, at, c, "file", false, &t->file))
			return -1;
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(c, "generate");
		if (!t->file == !g)
			return jr_fail(r, at, NULL, "names neither or both of \"file\" and \"generate\"");
		if (g && read_generate(r, g, (snprintf(gen, sizeof(gen), "%s.generate", at), gen), t))
			return -1;
		for (size_t i = 0; i + 1 < p->ntraces; i++)
			if (!strcmp(p->traces[i].name, t->name))
				return jr_fail(r, at, NULL, "a second trace named '%s'", t->name);
	}
	return 0;
}

/* Array KEY of D (at AT) as distinct names (non-empty, no ',' that would split a -e list) into a new *V of *N. */
static int read_names(struct jr *r, const char *at, const cJSON *d, const char *key, bool required, char ***v,
		      size_t *n)
{
	const char **names;
	size_t count;
	char where[96];
	*n = 0;
	if (jr_strs(r, at, d, key, required ? JR_REQUIRED | JR_NONEMPTY : JR_NONEMPTY, MMR_PLAN_MAX_LIST, &names,
		    &count) || !names) {
		free(names);
		return r->failed ? -1 : 0;
	}
	*v = calloc(count + 1, sizeof(**v));
	for (size_t i = 0; *v && i < count && !r->failed; i++) {
		jr_path(where, sizeof(where), at, key);
		snprintf(where + strlen(where), sizeof(where) - strlen(where), "[%zu]", i);
		if (strchr(names[i], ','))
			jr_fail(r, where, NULL, "'%s' holds a ','", names[i]);
		else
			jr_dup(r, where, NULL, names[i], &(*v)[(*n)++]);
	}
	free(names);
	return !*v ? jr_fail(r, at, key, "out of memory") : r->failed ? -1 : 0;
}

int plan_read_engines(struct jr *r, const char *at, const cJSON *d, struct mmr_plan_group *g, bool required)
{
	if (read_names(r, at, d, "engines", required, &g->engines, &g->nengines) ||
	    jr_str_dup(r, at, d, "baseline", false, &g->baseline))
		return -1;
	if (g->baseline && !g->nengines)
		return 0; /* a group's baseline among the plan's engines: the group's reader checks it */
	if (!g->baseline)
		return g->nengines ? jr_dup(r, at, "baseline", g->engines[0], &g->baseline) : 0;
	if (!jr_in((const char *const *)g->engines, g->nengines, g->baseline))
		return jr_fail(r, at, "baseline", "'%s' is not one of the %s engines", g->baseline,
			       *at ? "group's" : "plan's");
	return 0;
}

int plan_read_kernels(struct jr *r, const char *at, const cJSON *d, struct mmr_plan_group *g)
{
	if (read_names(r, at, d, "kernel", false, &g->kernels, &g->nkernels))
		return -1;
	for (size_t i = 0; i < g->nkernels; i++)
		if (strcmp(g->kernels[i], "default") && strcmp(g->kernels[i], "rt"))
			return jr_fail(r, at, "kernel", "'%s' is neither default nor rt", g->kernels[i]);
	return 0;
}

int plan_read_threads(struct jr *r, const char *at, const cJSON *d, struct mmr_plan_group *g, bool required)
{
	const cJSON *a;
	if (jr_list(r, at, d, "threads", required, MMR_PLAN_MAX_LIST, &a) || !a)
		return r->failed ? -1 : 0;
	if (!(g->threads = calloc((size_t)cJSON_GetArraySize(a), sizeof(*g->threads))))
		return jr_fail(r, at, "threads", "out of memory");
	for (const cJSON *c = a->child; c; c = c->next) {
		char where[64];
		double t;
		jr_path(where, sizeof(where), at, "threads");
		snprintf(where + strlen(where), sizeof(where) - strlen(where), "[%zu]", g->nthreads);
		if (jr_whole(r, where, NULL, c, 1, 1024, &t))
			return -1;
		if (g->nthreads && t <= g->threads[g->nthreads - 1])
			return jr_fail(r, where, NULL, "%.0f after %u: thread counts rise", t, g->threads[g->nthreads - 1]);
		g->threads[g->nthreads++] = (unsigned)t;
	}
	return 0;
}

/* One member C of engine_opts (at AT): a value every job takes, or an array: the grid's values of that option. */
static int read_opt(struct jr *r, const char *at, const cJSON *c, struct mmr_plan_group *g)
{
	if (!cJSON_IsArray(c)) {
		struct mmr_plan_kv *kv = &g->fixed[g->nfixed++];
		return jr_dup(r, at, c->string, c->string, &kv->key) || jr_value(r, at, c->string, c, &kv->value) ? -1 : 0;
	}
	int n = cJSON_GetArraySize(c);
	struct mmr_plan_opt *o = &g->opts[g->nopts++];
	if (n < 1 || n > MMR_PLAN_MAX_LIST)
		return jr_fail(r, at, c->string, "not 1 to %d values", MMR_PLAN_MAX_LIST);
	if (!(o->values = calloc((size_t)n, sizeof(*o->values))) || jr_dup(r, at, c->string, c->string, &o->key))
		return jr_fail(r, at, c->string, "out of memory");
	for (const cJSON *v = c->child; v; v = v->next) {
		char where[200];
		jr_path(where, sizeof(where), at, c->string);
		snprintf(where + strlen(where), sizeof(where) - strlen(where), "[%zu]", o->nvalues);
		if (jr_value(r, where, NULL, v, &o->values[o->nvalues++]))
			return -1;
		for (size_t i = 0; i + 1 < o->nvalues; i++)
			if (!strcmp(o->values[i], o->values[o->nvalues - 1]))
				return jr_fail(r, where, NULL, "'%s' a second time", o->values[i]);
	}
	return 0;
}

int plan_read_opts(struct jr *r, const char *at, const cJSON *d, struct mmr_plan_group *g)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(d, "engine_opts");
	char where[64];
	if (!o)
		return 0;
	int n = cJSON_IsObject(o) ? cJSON_GetArraySize(o) : -1;
	if (n < 0 || n > MMR_PLAN_MAX_OPTS)
		return jr_fail(r, at, "engine_opts", "not an object of at most %d options", MMR_PLAN_MAX_OPTS);
	if (!(g->opts = calloc((size_t)n + 1, sizeof(*g->opts))) || !(g->fixed = calloc((size_t)n + 1, sizeof(*g->fixed))))
		return jr_fail(r, at, "engine_opts", "out of memory");
	jr_path(where, sizeof(where), at, "engine_opts");
	for (const cJSON *c = o->child; c; c = c->next)
		if (read_key(r, where, o, c) || read_opt(r, where, c, g))
			return -1;
	return 0;
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static void free_kvs(struct mmr_plan_kv *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].key), free(v[i].value);
	free(v);
}

/* G's lists, but those it shares with the plan's (TOP): a group that does not give a key takes the plan's. */
void plan_group_free(struct mmr_plan_group *g, const struct mmr_plan_group *top)
{
	bool own = !top;
	if (own || g->opts != top->opts) {
		for (size_t i = 0; i < g->nopts; i++) {
			free(g->opts[i].key);
			free_strs(g->opts[i].values, g->opts[i].nvalues);
		}
		free(g->opts);
	}
	if (own || g->fixed != top->fixed)
		free_kvs(g->fixed, g->nfixed);
	if (own || g->threads != top->threads)
		free(g->threads);
	if (own || g->engines != top->engines)
		free_strs(g->engines, g->nengines);
	if (own || g->baseline != top->baseline)
		free(g->baseline);
	if (own || g->kernels != top->kernels)
		free_strs(g->kernels, g->nkernels);
	if (own || g->replay != top->replay)
		free_kvs(g->replay, g->nreplay);
	free(g->name);
	free(g->traces);
	free(g->title);
	free(g->description);
	free_strs(g->references, g->nreferences);
}

void mmr_plan_free(struct mmr_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ntraces; i++) {
		struct mmr_plan_trace *t = &p->traces[i];
		free(t->name), free(t->file), free(t->workload);
		free_kvs(t->params, t->nparams);
	}
	for (size_t i = 0; p->groups && i < p->ngroups; i++)
		plan_group_free(&p->groups[i], &p->defaults);
	plan_group_free(&p->defaults, NULL);
	free(p->groups), free(p->traces);
	free(p->path), free(p->text), free(p->name), free(p->description);
	free(p);
}
