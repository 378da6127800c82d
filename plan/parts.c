/* SPDX-License-Identifier: MIT */
/*
 * parts.c - a plan's lists: its traces (files, or workloads to generate),
 * its engines and baseline, thread counts, kernel modes and the engine
 * option grid; and freeing a plan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_internal.h"

/*
 * Member C of object O, at PATH, as a key the command line keeps whole
 * (--KEY=VALUE, -O KEY=VALUE): given once (cJSON keeps both of a repeated
 * key, and both would be passed), not empty, without '=' or ','.
 */
static bool read_key(struct plan_reader *r, const cJSON *o, const cJSON *c, const char *path)
{
	if (cJSON_GetObjectItemCaseSensitive(o, c->string) != c)
		plan_bad(r, path, "given twice");
	else if (!c->string[0] || strpbrk(c->string, ",="))
		plan_bad(r, path, "not a name without ',' or '='");
	return !r->failed;
}

/* A generated trace: the workload, its event count, seed, CPUs and params. */
static int read_generate(struct plan_reader *r, const cJSON *g, const char *where, struct mmr_plan_trace *t)
{
	static const char *const keys[] = {"workload", "ops", "seed", "cpus", "params", NULL};
	if (!cJSON_IsObject(g) || !plan_only_keys(r, g, where, keys)) {
		if (!r->failed)
			plan_bad(r, where, "not an object");
		return -1;
	}
	t->source = MMR_PLAN_GENERATE;
	t->workload = plan_str(r, g, where, "workload", true);
	plan_num_key(r, g, where, "ops", 1, 1000000000000ull, 0, &t->ops);
	plan_num_key(r, g, where, "seed", 0, UINT32_MAX, 1, &t->seed);
	plan_num_key(r, g, where, "cpus", 1, MMR_MAX_CPUS, 2, &t->cpus);
	if (!r->failed && !t->ops)
		plan_bad(r, where, "no \"ops\": a generated trace names its event count");
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(g, "params");
	if (r->failed || !ps)
		return r->failed ? -1 : 0;
	char path[200];
	snprintf(path, sizeof(path), "%s.params", where);
	int n = cJSON_IsObject(ps) ? cJSON_GetArraySize(ps) : -1;
	if (n < 0 || n > MMR_PLAN_MAX_LIST || !(t->params = calloc((size_t)n + 1, sizeof(*t->params)))) {
		plan_bad(r, path, n < 0 ? "not an object" : "too many params, or out of memory");
		return -1;
	}
	for (const cJSON *c = ps->child; c && !r->failed; c = c->next) {
		struct mmr_plan_kv *kv = &t->params[t->nparams++];
		snprintf(path, sizeof(path), "%s.params.%s", where, c->string);
		if (!read_key(r, ps, c, path))
			break;
		if (!(kv->key = strdup(c->string)))
			plan_bad(r, path, "out of memory");
		else
			kv->value = plan_value(r, c, path);
	}
	return r->failed ? -1 : 0;
}

int plan_read_traces(struct plan_reader *r, const cJSON *d, struct mmr_plan *p)
{
	static const char *const keys[] = {"name", "file", "generate", NULL};
	const cJSON *a = plan_list(r, d, "traces", true);
	if (!a || !(p->traces = calloc((size_t)cJSON_GetArraySize(a), sizeof(*p->traces)))) {
		if (a)
			plan_bad(r, "traces", "out of memory");
		return -1;
	}
	for (const cJSON *c = a->child; c && !r->failed; c = c->next) {
		struct mmr_plan_trace *t = &p->traces[p->ntraces++];
		char where[32];
		snprintf(where, sizeof(where), "traces[%zu]", p->ntraces - 1);
		if (!cJSON_IsObject(c) || !plan_only_keys(r, c, where, keys)) {
			if (!r->failed)
				plan_bad(r, where, "not an object");
			break;
		}
		t->name = plan_str(r, c, where, "name", true);
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(c, "generate");
		t->file = plan_str(r, c, where, "file", false);
		if (!r->failed && !t->file == !g)
			plan_bad(r, where, "names neither or both of \"file\" and \"generate\"");
		else if (!r->failed && g)
			read_generate(r, g, (snprintf(where + strlen(where), sizeof(where) - strlen(where), ".generate"), where), t);
		for (size_t i = 0; !r->failed && i + 1 < p->ntraces; i++)
			if (!strcmp(p->traces[i].name, t->name))
				plan_bad(r, where, "a second trace named '%s'", t->name);
	}
	return r->failed ? -1 : 0;
}

/* Array KEY of D as distinct strings into *V, *N. */
static int read_names(struct plan_reader *r, const cJSON *d, const char *key, bool required, char ***v, size_t *n)
{
	const cJSON *a = plan_list(r, d, key, required);
	if (!a)
		return r->failed ? -1 : 0;
	if (!(*v = calloc((size_t)cJSON_GetArraySize(a), sizeof(**v)))) {
		plan_bad(r, key, "out of memory");
		return -1;
	}
	for (const cJSON *c = a->child; c && !r->failed; c = c->next) {
		char path[64];
		snprintf(path, sizeof(path), "%s[%zu]", key, *n);
		if (!cJSON_IsString(c) || !c->valuestring[0] || strchr(c->valuestring, ',')) {
			plan_bad(r, path, "not a non-empty name without ','");
			break;
		}
		for (size_t i = 0; i < *n; i++)
			if (!strcmp((*v)[i], c->valuestring))
				plan_bad(r, path, "'%s' a second time", c->valuestring);
		if (!((*v)[(*n)++] = strdup(c->valuestring)))
			plan_bad(r, path, "out of memory");
	}
	return r->failed ? -1 : 0;
}

int plan_read_engines(struct plan_reader *r, const cJSON *d, struct mmr_plan *p)
{
	if (read_names(r, d, "engines", true, &p->engines, &p->nengines) ||
	    read_names(r, d, "kernel", false, &p->kernels, &p->nkernels))
		return -1;
	for (size_t i = 0; i < p->nkernels; i++)
		if (strcmp(p->kernels[i], "default") && strcmp(p->kernels[i], "rt"))
			plan_bad(r, "kernel", "'%s' is neither default nor rt", p->kernels[i]);
	if (!p->nkernels && (!(p->kernels = calloc(1, sizeof(*p->kernels))) || !(p->kernels[p->nkernels++] = strdup("default"))))
		plan_bad(r, "kernel", "out of memory");
	p->baseline = plan_str(r, d, "", "baseline", false);
	if (!r->failed && !p->baseline && !(p->baseline = strdup(p->engines[0])))
		plan_bad(r, "baseline", "out of memory");
	size_t i = 0;
	while (!r->failed && i < p->nengines && strcmp(p->engines[i], p->baseline))
		i++;
	if (!r->failed && i == p->nengines)
		plan_bad(r, "baseline", "'%s' is not one of the plan's engines", p->baseline);
	return r->failed ? -1 : 0;
}

int plan_read_threads(struct plan_reader *r, const cJSON *d, struct mmr_plan *p)
{
	const cJSON *a = plan_list(r, d, "threads", true);
	if (!a || !(p->threads = calloc((size_t)cJSON_GetArraySize(a), sizeof(*p->threads)))) {
		if (a)
			plan_bad(r, "threads", "out of memory");
		return -1;
	}
	for (const cJSON *c = a->child; c && !r->failed; c = c->next) {
		char path[32];
		uint64_t t = 0; /* plan_num leaves it alone when it fails */
		snprintf(path, sizeof(path), "threads[%zu]", p->nthreads);
		if (plan_num(r, c, path, 1, 1024, &t) && p->nthreads && t <= p->threads[p->nthreads - 1])
			plan_bad(r, path, "%llu after %u: thread counts rise", (unsigned long long)t, p->threads[p->nthreads - 1]);
		p->threads[p->nthreads++] = (unsigned)t;
	}
	return r->failed ? -1 : 0;
}

/* One member of engine_opts: a value every job takes, or an array: the grid's values of that option. */
static void read_opt(struct plan_reader *r, const cJSON *c, struct mmr_plan *p)
{
	char path[160];
	snprintf(path, sizeof(path), "engine_opts.%s", c->string);
	if (!cJSON_IsArray(c)) {
		struct mmr_plan_kv *kv = &p->fixed[p->nfixed++];
		if (!(kv->key = strdup(c->string)))
			plan_bad(r, path, "out of memory");
		else
			kv->value = plan_value(r, c, path);
		return;
	}
	int n = cJSON_GetArraySize(c);
	struct mmr_plan_opt *o = &p->opts[p->nopts++];
	if (n < 1 || n > MMR_PLAN_MAX_LIST || !(o->values = calloc((size_t)n, sizeof(*o->values))) ||
	    !(o->key = strdup(c->string))) {
		plan_bad(r, path, "not 1 to %d values", MMR_PLAN_MAX_LIST);
		return;
	}
	for (const cJSON *v = c->child; v && !r->failed; v = v->next) {
		char vp[200];
		snprintf(vp, sizeof(vp), "%s[%zu]", path, o->nvalues);
		o->values[o->nvalues++] = plan_value(r, v, vp);
		for (size_t i = 0; !r->failed && i + 1 < o->nvalues; i++)
			if (!strcmp(o->values[i], o->values[o->nvalues - 1]))
				plan_bad(r, vp, "'%s' a second time", o->values[i]);
	}
}

int plan_read_opts(struct plan_reader *r, const cJSON *d, struct mmr_plan *p)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(d, "engine_opts");
	if (!o)
		return 0;
	int n = cJSON_IsObject(o) ? cJSON_GetArraySize(o) : -1;
	if (n < 0 || n > MMR_PLAN_MAX_OPTS) {
		plan_bad(r, "engine_opts", "not an object of at most %d options", MMR_PLAN_MAX_OPTS);
		return -1;
	}
	if (!(p->opts = calloc((size_t)n + 1, sizeof(*p->opts))) || !(p->fixed = calloc((size_t)n + 1, sizeof(*p->fixed)))) {
		plan_bad(r, "engine_opts", "out of memory");
		return -1;
	}
	for (const cJSON *c = o->child; c && !r->failed; c = c->next) {
		char path[160];
		snprintf(path, sizeof(path), "engine_opts.%s", c->string);
		if (read_key(r, o, c, path))
			read_opt(r, c, p);
	}
	return r->failed ? -1 : 0;
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
	free(p->path), free(p->name), free(p->description), free(p->baseline);
	free(p);
}
