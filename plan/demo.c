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

/*
 * The document is built with every addition checked (OK goes false at
 * the first that fails): a key dropped when memory runs out would make
 * another plan that still reads.
 */
static void item(cJSON *o, const char *key, cJSON *v, bool *ok)
{
	bool added = o && v && (key ? cJSON_AddItemToObject(o, key, v) : cJSON_AddItemToArray(o, v));
	if (!added)
		cJSON_Delete(v), *ok = false;
}

static void str(cJSON *o, const char *key, const char *v, bool *ok)
{
	item(o, key, cJSON_CreateString(v), ok);
}

static void num(cJSON *o, const char *key, double v, bool *ok)
{
	item(o, key, cJSON_CreateNumber(v), ok);
}

/* An array of the N strings of V. */
static cJSON *strings(const char *const *v, size_t n, bool *ok)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a && i < n; i++)
		str(a, NULL, v[i], ok);
	return a;
}

/* The trace called NAME in TRACES, added (FILE, or a generated WORKLOAD of OPS) when not there yet. */
static void add_trace(cJSON *traces, const char *name, const char *file, const char *workload, uint64_t ops, bool *ok)
{
	for (const cJSON *t = traces->child; t; t = t->next) {
		const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "name"));
		if (n && !strcmp(n, name))
			return;
	}
	cJSON *t = cJSON_CreateObject(), *g = file ? NULL : cJSON_CreateObject();
	str(t, "name", name, ok);
	if (file) {
		str(t, "file", file, ok);
	} else {
		str(g, "workload", workload, ok);
		num(g, "ops", (double)ops, ok);
		num(g, "seed", 1, ok);
		num(g, "cpus", MMR_DEMO_THREADS, ok);
		item(t, "generate", g, ok);
	}
	item(traces, NULL, t, ok);
}

/* Family F's options, KEY=VALUE each, as engine_opts. */
static cJSON *engine_opts(const struct mmr_catalog_family *f, bool *ok)
{
	cJSON *opts = cJSON_CreateObject();
	for (size_t k = 0; k < f->nengine_opts; k++) {
		const char *kv = f->engine_opts[k], *eq = strchr(kv, '=');
		char key[128];
		snprintf(key, sizeof(key), "%.*s", (int)(eq ? eq - kv : 0), kv);
		str(opts, key, eq ? eq + 1 : "", ok);
	}
	return opts;
}

/* Family F's group on trace TRACE (REAL: its real trace group, AS: replayed --as the family), into GROUPS. */
static void add_group(cJSON *groups, const struct mmr_catalog_family *f, const char *trace, bool real, bool as,
		      bool *ok)
{
	char name[160], *d = NULL;
	snprintf(name, sizeof(name), "%s%s", f->name, real ? "-real" : "");
	cJSON *g = cJSON_CreateObject();
	str(g, "name", name, ok);
	str(g, "title", f->heading, ok);
	/* Why the family has no real trace, under its only section's heading. */
	if (f->no_real && !real && asprintf(&d, "%s %s", f->question, f->no_real) < 0)
		d = NULL, *ok = false;
	str(g, "description", d ? d : f->question, ok);
	free(d);
	item(g, "traces", strings(&trace, 1, ok), ok);
	item(g, "engines", strings(f->engines, f->nengines, ok), ok);
	str(g, "baseline", f->baseline, ok);
	if (f->nreferences)
		item(g, "references", strings(f->references, f->nreferences, ok), ok);
	if (f->rt && !real)
		item(g, "kernel", strings((const char *const[]){"default", "rt"}, 2, ok), ok);
	if (f->nengine_opts)
		item(g, "engine_opts", engine_opts(f, ok), ok);
	if (as) {
		cJSON *r = cJSON_CreateObject();
		str(r, "as", f->name, ok);
		num(r, "events", MMR_DEMO_REAL_EVENTS, ok);
		item(g, "replay", r, ok);
	}
	item(groups, NULL, g, ok);
}

struct mmr_plan *mmr_demo_plan(const struct mmr_catalog *cat, const char *real, unsigned repeat, struct mmr_error *err)
{
	const char *slash = strrchr(real, '/'), *real_name = slash ? slash + 1 : real;
	cJSON *d = cJSON_CreateObject(), *traces = cJSON_CreateArray(), *groups = cJSON_CreateArray(), *r;
	struct mmr_plan *p = NULL;
	char *text = NULL, desc[512];
	bool ok = d && traces && groups;
	num(d, "mmreplay_plan", MMR_PLAN_VERSION, &ok);
	str(d, "name", "demo", &ok);
	snprintf(desc, sizeof(desc), "mmreplay demo: each seed family's variants (plan/families.json) on the family's "
		 "generated workload and on a real trace (here %s), %d threads, %u runs each.", real_name,
		 MMR_DEMO_THREADS, repeat);
	str(d, "description", desc, &ok);
	for (size_t i = 0; ok && i < cat->nfamilies; i++) {
		const struct mmr_catalog_family *f = &cat->families[i];
		bool live = f->real && !strcmp(f->real, "live");
		add_trace(traces, f->workload, NULL, f->workload, f->ops, &ok);
		add_group(groups, f, f->workload, false, false, &ok);
		if (!f->real)
			continue;
		add_trace(traces, live ? real_name : f->real, live ? real : f->real, NULL, 0, &ok);
		add_group(groups, f, live ? real_name : f->real, true, live, &ok);
	}
	item(d, "traces", traces, &ok), traces = NULL;
	item(d, "threads", cJSON_CreateIntArray((const int[]){MMR_DEMO_THREADS}, 1), &ok);
	num(d, "repeat", repeat, &ok);
	item(d, "groups", groups, &ok), groups = NULL;
	r = cJSON_CreateObject();
	item(r, "compare", cJSON_CreateTrue(), &ok);
	item(d, "reports", r, &ok);
	if (ok)
		text = cJSON_Print(d);
	if (text)
		p = mmr_plan_read_text(text, strlen(text), "demo", err);
	else
		snprintf(err->msg, sizeof(err->msg), "demo: the plan: out of memory");
	free(text);
	cJSON_Delete(d);
	return p;
}
