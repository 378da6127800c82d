/* SPDX-License-Identifier: MIT */
/*
 * groups.c - a plan's groups (docs/plans.md): traces with engine sets of
 * their own, as the demo replays each seed family's engines on the
 * family's own workload.  A group names the plan's traces it replays and
 * gives any of the plan's lists it wants otherwise; what it does not give
 * it takes from the plan.  A plan without groups is one group of all its
 * traces, so that expansion, ids and commands have one path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_internal.h"

/* The group of every trace with the plan's own lists: a plan without "groups". */
static int one_group(struct jr *r, struct mmr_plan *p)
{
	if (!(p->groups = calloc(1, sizeof(*p->groups))))
		return jr_fail(r, "", NULL, "out of memory");
	struct mmr_plan_group *g = &p->groups[p->ngroups++];
	*g = p->defaults; /* its lists the plan's, shared (mmr_plan_free frees them once) */
	if (jr_dup(r, "", "name", p->name, &g->name))
		return -1;
	if (!(g->traces = calloc(p->ntraces, sizeof(*g->traces))))
		return jr_fail(r, "", "traces", "out of memory");
	for (g->ntraces = 0; g->ntraces < p->ntraces; g->ntraces++)
		g->traces[g->ntraces] = g->ntraces;
	return 0;
}

/* Group C's "traces": names of the plan's traces, as indices. */
static int group_traces(struct jr *r, const char *at, const cJSON *c, const struct mmr_plan *p, struct mmr_plan_group *g)
{
	const char **names;
	size_t n;
	if (jr_strs(r, at, c, "traces", JR_REQUIRED | JR_NONEMPTY, MMR_PLAN_MAX_LIST, &names, &n))
		return free(names), -1;
	if (!(g->traces = calloc(n, sizeof(*g->traces)))) {
		free(names);
		return jr_fail(r, at, "traces", "out of memory");
	}
	for (size_t i = 0; i < n && !r->failed; i++) {
		size_t t = 0;
		while (t < p->ntraces && strcmp(p->traces[t].name, names[i]))
			t++;
		if (t == p->ntraces) {
			char where[96];
			snprintf(where, sizeof(where), "%s.traces[%zu]", at, i);
			jr_fail(r, where, NULL, "'%s' is none of the plan's traces", names[i]);
		}
		g->traces[g->ntraces++] = t;
	}
	free(names);
	return r->failed ? -1 : 0;
}

/*
 * Group C's "title", "description" and "references" (engines of G's, which
 * are known by now): how reports present it.
 */
static int group_present(struct jr *r, const char *at, const cJSON *c, struct mmr_plan_group *g)
{
	const char **refs;
	size_t n;
	if (jr_str_dup(r, at, c, "title", false, &g->title) || jr_str_dup(r, at, c, "description", false, &g->description) ||
	    jr_strs(r, at, c, "references", 0, MMR_PLAN_MAX_LIST, &refs, &n))
		return -1;
	if (n && !(g->references = calloc(n, sizeof(*g->references)))) {
		free(refs);
		return jr_fail(r, at, "references", "out of memory");
	}
	for (size_t i = 0; i < n && !r->failed; i++) {
		char where[96];
		snprintf(where, sizeof(where), "%s.references[%zu]", at, i);
		if (!jr_in((const char *const *)g->engines, g->nengines, refs[i]))
			jr_fail(r, where, NULL, "'%s' is not one of the group's engines", refs[i]);
		else if (jr_in((const char *const *)g->references, g->nreferences, refs[i]))
			jr_fail(r, where, NULL, "'%s' is given twice", refs[i]);
		else if (!jr_dup(r, where, NULL, refs[i], &g->references[g->nreferences]))
			g->nreferences++;
	}
	free(refs);
	return r->failed ? -1 : 0;
}

/* Group C (at AT): its own lists, the rest the plan's (TOP). */
static int read_group(struct jr *r, const char *at, const cJSON *c, struct mmr_plan *p, const struct mmr_plan_group *top,
		      struct mmr_plan_group *g)
{
	static const char *const keys[] = {"name", "traces", "engines", "baseline", "threads", "kernel",
					   "engine_opts", "replay", "repeat", "title", "description", "references", NULL};
	double rep = top->repeat;
	if (jr_keys(r, at, c, keys) || jr_str_dup(r, at, c, "name", true, &g->name) || group_traces(r, at, c, p, g) ||
	    plan_read_engines(r, at, c, g, !top->nengines) || plan_read_kernels(r, at, c, g) ||
	    plan_read_threads(r, at, c, g, !top->nthreads) || plan_read_opts(r, at, c, g) ||
	    plan_read_replay(r, at, c, &g->replay, &g->nreplay) || jr_int(r, at, c, "repeat", false, 1, 1000, &rep))
		return -1;
	g->repeat = (unsigned)rep;
	for (const struct mmr_plan_group *o = p->groups; o < g; o++)
		if (!strcmp(o->name, g->name))
			return jr_fail(r, at, "name", "'%s' is groups[%td]'s name too", g->name, o - p->groups);
	/* What the group does not give, it takes from the plan. */
	if (!g->nengines) {
		if (g->baseline && !jr_in((const char *const *)top->engines, top->nengines, g->baseline))
			return jr_fail(r, at, "baseline", "'%s' is not one of the plan's engines", g->baseline);
		g->engines = top->engines, g->nengines = top->nengines;
		if (!g->baseline)
			g->baseline = top->baseline;
	}
	if (!g->nkernels)
		free(g->kernels), g->kernels = top->kernels, g->nkernels = top->nkernels;
	if (!g->nthreads)
		free(g->threads), g->threads = top->threads, g->nthreads = top->nthreads;
	if (!cJSON_GetObjectItemCaseSensitive(c, "engine_opts"))
		g->opts = top->opts, g->nopts = top->nopts, g->fixed = top->fixed, g->nfixed = top->nfixed;
	if (!cJSON_GetObjectItemCaseSensitive(c, "replay"))
		g->replay = top->replay, g->nreplay = top->nreplay;
	return group_present(r, at, c, g);
}

int plan_read_groups(struct jr *r, const cJSON *d, struct mmr_plan *p)
{
	const cJSON *a;
	const struct mmr_plan_group *top = &p->defaults;
	if (jr_list(r, "", d, "groups", false, MMR_PLAN_MAX_LIST, &a))
		return -1;
	if (!a)
		return one_group(r, p);
	if (top->baseline && !top->nengines)
		return jr_fail(r, "", "baseline", "given without engines");
	if (!(p->groups = calloc((size_t)cJSON_GetArraySize(a), sizeof(*p->groups))))
		return jr_fail(r, "", "groups", "out of memory");
	for (const cJSON *c = a->child; c; c = c->next) {
		char at[32];
		snprintf(at, sizeof(at), "groups[%zu]", p->ngroups);
		if (read_group(r, at, c, p, top, &p->groups[p->ngroups++]))
			return -1;
	}
	/* A trace no group replays is a plan that does not say what it wants done with it. */
	for (size_t t = 0; t < p->ntraces; t++) {
		bool used = false;
		for (size_t i = 0; i < p->ngroups && !used; i++)
			for (size_t k = 0; k < p->groups[i].ntraces && !used; k++)
				used = p->groups[i].traces[k] == t;
		if (!used) {
			char at[32];
			snprintf(at, sizeof(at), "traces[%zu]", t);
			return jr_fail(r, at, NULL, "'%s' is in no group", p->traces[t].name);
		}
	}
	return 0;
}
