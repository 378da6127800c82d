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
		if (cJSON_GetObjectItemCaseSensitive(ps, c->string) != c)
			return jr_fail(r, at, c->string, "given twice");
		if (jr_dup(r, at, c->string, c->string, &e->key) || jr_value(r, at, c->string, c, &e->value))
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

/* Array KEY of D as distinct names (non-empty, no ',' that would split a -e list) into a new *V of *N. */
static int read_names(struct jr *r, const cJSON *d, const char *key, bool required, char ***v, size_t *n)
{
	const char **names;
	size_t count;
	*n = 0;
	if (jr_strs(r, "", d, key, required ? JR_REQUIRED | JR_NONEMPTY : JR_NONEMPTY, MMR_PLAN_MAX_LIST, &names,
		    &count) || !names) {
		free(names);
		return r->failed ? -1 : 0;
	}
	*v = calloc(count + 1, sizeof(**v));
	for (size_t i = 0; *v && i < count && !r->failed; i++) {
		char at[64];
		snprintf(at, sizeof(at), "%s[%zu]", key, i);
		if (strchr(names[i], ','))
			jr_fail(r, at, NULL, "'%s' holds a ','", names[i]);
		else
			jr_dup(r, at, NULL, names[i], &(*v)[(*n)++]);
	}
	free(names);
	return !*v ? jr_fail(r, "", key, "out of memory") : r->failed ? -1 : 0;
}

int plan_read_engines(struct jr *r, const cJSON *d, struct mmr_plan *p)
{
	if (read_names(r, d, "engines", true, &p->engines, &p->nengines) ||
	    jr_str_dup(r, "", d, "baseline", false, &p->baseline))
		return -1;
	if (!p->baseline)
		return jr_dup(r, "", "baseline", p->engines[0], &p->baseline);
	if (!jr_in((const char *const *)p->engines, p->nengines, p->baseline))
		return jr_fail(r, "", "baseline", "'%s' is not one of the plan's engines", p->baseline);
	return 0;
}

int plan_read_kernels(struct jr *r, const cJSON *d, struct mmr_plan *p)
{
	if (read_names(r, d, "kernel", false, &p->kernels, &p->nkernels))
		return -1;
	for (size_t i = 0; i < p->nkernels; i++)
		if (strcmp(p->kernels[i], "default") && strcmp(p->kernels[i], "rt"))
			return jr_fail(r, "", "kernel", "'%s' is neither default nor rt", p->kernels[i]);
	if (!p->nkernels && !(p->kernels = calloc(1, sizeof(*p->kernels))))
		return jr_fail(r, "", "kernel", "out of memory");
	return p->nkernels ? 0 : jr_dup(r, "", "kernel", "default", &p->kernels[p->nkernels++]);
}

int plan_read_threads(struct jr *r, const cJSON *d, struct mmr_plan *p)
{
	const cJSON *a;
	if (jr_list(r, "", d, "threads", true, MMR_PLAN_MAX_LIST, &a))
		return -1;
	if (!(p->threads = calloc((size_t)cJSON_GetArraySize(a), sizeof(*p->threads))))
		return jr_fail(r, "", "threads", "out of memory");
	for (const cJSON *c = a->child; c; c = c->next) {
		char at[32];
		double t;
		snprintf(at, sizeof(at), "threads[%zu]", p->nthreads);
		if (jr_whole(r, at, NULL, c, 1, 1024, &t))
			return -1;
		if (p->nthreads && t <= p->threads[p->nthreads - 1])
			return jr_fail(r, at, NULL, "%.0f after %u: thread counts rise", t, p->threads[p->nthreads - 1]);
		p->threads[p->nthreads++] = (unsigned)t;
	}
	return 0;
}

/* One member of engine_opts: a value every job takes, or an array: the grid's values of that option. */
static int read_opt(struct jr *r, const cJSON *c, struct mmr_plan *p)
{
	if (!cJSON_IsArray(c)) {
		struct mmr_plan_kv *kv = &p->fixed[p->nfixed++];
		return jr_dup(r, "engine_opts", c->string, c->string, &kv->key) ||
		       jr_value(r, "engine_opts", c->string, c, &kv->value) ? -1 : 0;
	}
	int n = cJSON_GetArraySize(c);
	struct mmr_plan_opt *o = &p->opts[p->nopts++];
	if (n < 1 || n > MMR_PLAN_MAX_LIST)
		return jr_fail(r, "engine_opts", c->string, "not 1 to %d values", MMR_PLAN_MAX_LIST);
	if (!(o->values = calloc((size_t)n, sizeof(*o->values))) || jr_dup(r, "engine_opts", c->string, c->string, &o->key))
		return jr_fail(r, "engine_opts", c->string, "out of memory");
	for (const cJSON *v = c->child; v; v = v->next) {
		char at[200];
		snprintf(at, sizeof(at), "engine_opts.%s[%zu]", c->string, o->nvalues);
		if (jr_value(r, at, NULL, v, &o->values[o->nvalues++]))
			return -1;
		for (size_t i = 0; i + 1 < o->nvalues; i++)
			if (!strcmp(o->values[i], o->values[o->nvalues - 1]))
				return jr_fail(r, at, NULL, "'%s' a second time", o->values[i]);
	}
	return 0;
}

int plan_read_opts(struct jr *r, const cJSON *d, struct mmr_plan *p)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(d, "engine_opts");
	if (!o)
		return 0;
	int n = cJSON_IsObject(o) ? cJSON_GetArraySize(o) : -1;
	if (n < 0 || n > MMR_PLAN_MAX_OPTS)
		return jr_fail(r, "", "engine_opts", "not an object of at most %d options", MMR_PLAN_MAX_OPTS);
	if (!(p->opts = calloc((size_t)n + 1, sizeof(*p->opts))) || !(p->fixed = calloc((size_t)n + 1, sizeof(*p->fixed))))
		return jr_fail(r, "", "engine_opts", "out of memory");
	for (const cJSON *c = o->child; c; c = c->next)
		if (cJSON_GetObjectItemCaseSensitive(o, c->string) != c ? jr_fail(r, "engine_opts", c->string, "given twice")
									 : read_opt(r, c, p))
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

void mmr_plan_free(struct mmr_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ntraces; i++) {
		struct mmr_plan_trace *t = &p->traces[i];
		free(t->name), free(t->file), free(t->workload);
		free_kvs(t->params, t->nparams);
	}
	for (size_t i = 0; i < p->nopts; i++) {
		free(p->opts[i].key);
		free_strs(p->opts[i].values, p->opts[i].nvalues);
	}
	free(p->traces), free(p->opts), free(p->threads);
	free_strs(p->engines, p->nengines);
	free_strs(p->kernels, p->nkernels);
	free_kvs(p->fixed, p->nfixed);
	free_kvs(p->replay, p->nreplay);
	free(p->path), free(p->name), free(p->description), free(p->baseline);
	free(p);
}
