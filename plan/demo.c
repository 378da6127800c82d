/* SPDX-License-Identifier: MIT */
/*
 * demo.c - the demo's plan, made from the family catalog: the catalog
 * says what each seed family is (engines, baseline, workload, real trace,
 * question), the plan says what runs, and it is written as a plan
 * document and read by the plan reader, so that the demo's replays are
 * checked, expanded, run, emitted and collected as any plan's are, and
 * plan/plans/demo.json (the same plan, checked in) cannot drift from it
 * unseen: a test compares their job ids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mmr_demo.h"
#include "plan_internal.h"

/* An array of the N strings of V. */
static cJSON *strings(const char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

/* The trace called NAME in TRACES, added (FILE, or a generated WORKLOAD of OPS) when not there yet. */
static void add_trace(cJSON *traces, const char *name, const char *file, const char *workload, uint64_t ops)
{
	for (const cJSON *t = traces->child; t; t = t->next) {
		const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "name"));
		if (n && !strcmp(n, name))
			return;
	}
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "name", name);
	if (file) {
		cJSON_AddStringToObject(t, "file", file);
	} else {
		cJSON *g = cJSON_AddObjectToObject(t, "generate");
		cJSON_AddStringToObject(g, "workload", workload);
		cJSON_AddNumberToObject(g, "ops", (double)ops);
		cJSON_AddNumberToObject(g, "seed", 1);
		cJSON_AddNumberToObject(g, "cpus", MMR_DEMO_THREADS);
	}
	cJSON_AddItemToArray(traces, t);
}

/* Family F's group on trace TRACE (REAL: its real trace group), into GROUPS. */
static void add_group(cJSON *groups, const struct mmr_catalog_family *f, const char *trace, bool real, bool as)
{
	char name[160];
	snprintf(name, sizeof(name), "%s%s", f->name, real ? "-real" : "");
	cJSON *g = cJSON_CreateObject(), *opts;
	cJSON_AddStringToObject(g, "name", name);
	cJSON_AddStringToObject(g, "title", f->heading);
	if (f->no_real && !real) {
		char *d = NULL;
		if (asprintf(&d, "%s %s", f->question, f->no_real) >= 0)
			cJSON_AddStringToObject(g, "description", d);
		free(d);
	} else {
		cJSON_AddStringToObject(g, "description", f->question);
	}
	cJSON_AddItemToObject(g, "traces", strings(&trace, 1));
	cJSON_AddItemToObject(g, "engines", strings(f->engines, f->nengines));
	cJSON_AddStringToObject(g, "baseline", f->baseline);
	if (f->nreferences)
		cJSON_AddItemToObject(g, "references", strings(f->references, f->nreferences));
	if (f->rt && !real)
		cJSON_AddItemToObject(g, "kernel", strings((const char *const[]){"default", "rt"}, 2));
	if (f->nengine_opts && (opts = cJSON_AddObjectToObject(g, "engine_opts")))
		for (size_t k = 0; k < f->nengine_opts; k++) {
			const char *kv = f->engine_opts[k], *eq = strchr(kv, '=');
			char key[128];
			snprintf(key, sizeof(key), "%.*s", (int)(eq ? eq - kv : 0), kv);
			cJSON_AddStringToObject(opts, key, eq ? eq + 1 : "");
		}
	if (as) {
		cJSON *r = cJSON_AddObjectToObject(g, "replay");
		cJSON_AddStringToObject(r, "as", f->name);
		cJSON_AddNumberToObject(r, "events", MMR_DEMO_REAL_EVENTS);
	}
	cJSON_AddItemToArray(groups, g);
}

struct mmr_plan *mmr_demo_plan(const struct mmr_catalog *cat, const char *real, unsigned repeat, struct mmr_error *err)
{
	const char *slash = strrchr(real, '/'), *real_name = slash ? slash + 1 : real;
	cJSON *d = cJSON_CreateObject(), *traces = cJSON_CreateArray(), *groups = cJSON_CreateArray();
	struct mmr_plan *p = NULL;
	char *text = NULL, desc[512];
	if (d && traces && groups) {
		cJSON_AddNumberToObject(d, "mmreplay_plan", MMR_PLAN_VERSION);
		cJSON_AddStringToObject(d, "name", "demo");
		snprintf(desc, sizeof(desc), "mmreplay demo: each seed family's variants (plan/families.json) on the "
			 "family's generated workload and on a real trace (here %s), %d threads, %u runs each.",
			 real_name, MMR_DEMO_THREADS, repeat);
		cJSON_AddStringToObject(d, "description", desc);
		for (size_t i = 0; i < cat->nfamilies; i++) {
			const struct mmr_catalog_family *f = &cat->families[i];
			bool live = f->real && !strcmp(f->real, "live");
			add_trace(traces, f->workload, NULL, f->workload, f->ops);
			add_group(groups, f, f->workload, false, false);
			if (!f->real)
				continue;
			add_trace(traces, live ? real_name : f->real, live ? real : f->real, NULL, 0);
			add_group(groups, f, live ? real_name : f->real, true, live);
		}
		cJSON_AddItemToObject(d, "traces", traces), traces = NULL;
		cJSON_AddItemToObject(d, "threads", cJSON_CreateIntArray((const int[]){MMR_DEMO_THREADS}, 1));
		cJSON_AddNumberToObject(d, "repeat", repeat);
		cJSON_AddItemToObject(d, "groups", groups), groups = NULL;
		cJSON *r = cJSON_AddObjectToObject(d, "reports");
		cJSON_AddBoolToObject(r, "compare", true);
		text = cJSON_Print(d);
	}
	err->msg[0] = '\0';
	if (text)
		p = mmr_plan_read_text(text, strlen(text), "demo", err);
	else
		snprintf(err->msg, sizeof(err->msg), "demo: the plan: out of memory");
	free(text);
	cJSON_Delete(d), cJSON_Delete(traces), cJSON_Delete(groups);
	return p;
}
