/* SPDX-License-Identifier: MIT */
/*
 * test_demo_plan.c - the demo as a plan (plan/demo.c): made from the family
 * catalog, family by family; the same as the bundled plan/plans/demo.json;
 * a live capture in place of the bundled real trace; and the group keys
 * that present it (title, description, references), read and refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mmr_catalog.h"
#include "mmr_demo.h"
#include "mmr_plan.h"

#ifndef PLANS_DIR
#error "PLANS_DIR: the shipped plans' folder"
#endif
#ifndef TRACES_DIR
#error "TRACES_DIR: the bundled traces' folder"
#endif

static struct mmr_catalog cat;

static int load_catalog(void **state)
{
	char path[4096];
	struct mmr_error err;
	(void)state;
	unsetenv("MMREPLAY_FAMILIES");
	if (mmr_catalog_path(path, sizeof(path)) || mmr_catalog_load(path, &cat, &err))
		return -1;
	return 0;
}

static int free_catalog(void **state)
{
	(void)state;
	mmr_catalog_free(&cat);
	return 0;
}

/* The group of P called NAME. */
static const struct mmr_plan_group *group_named(const struct mmr_plan *p, const char *name)
{
	for (size_t i = 0; i < p->ngroups; i++)
		if (!strcmp(p->groups[i].name, name))
			return &p->groups[i];
	return NULL;
}

static struct mmr_plan *demo_plan(const char *real, unsigned repeat, struct mmr_plan_jobs *jobs)
{
	struct mmr_error err = {{0}};
	struct mmr_plan *p = mmr_demo_plan(&cat, real, repeat, &err);
	if (!p)
		fail_msg("%s", err.msg);
	if (jobs && mmr_plan_expand(p, TRACES_DIR, jobs, &err))
		fail_msg("%s", err.msg);
	return p;
}

/* Group G replays family F's engines, baseline, references and options, titled and described by it. */
static void check_family_group(const struct mmr_plan_group *g, const struct mmr_catalog_family *f, unsigned repeat)
{
	assert_non_null(g);
	assert_int_equal(g->nengines, f->nengines);
	for (size_t e = 0; e < f->nengines; e++)
		assert_string_equal(g->engines[e], f->engines[e]);
	assert_string_equal(g->baseline, f->baseline);
	assert_int_equal(g->nreferences, f->nreferences);
	for (size_t e = 0; e < f->nreferences; e++)
		assert_string_equal(g->references[e], f->references[e]);
	assert_string_equal(g->title, f->heading);
	assert_non_null(strstr(g->description, f->question));
	assert_int_equal(g->nfixed, f->nengine_opts);
	for (size_t k = 0; k < f->nengine_opts; k++) {
		char kv[256];
		snprintf(kv, sizeof(kv), "%s=%s", g->fixed[k].key, g->fixed[k].value);
		assert_string_equal(kv, f->engine_opts[k]);
	}
	assert_int_equal(g->nopts, 0);
	assert_int_equal(g->nthreads, 1);
	assert_int_equal(g->threads[0], MMR_DEMO_THREADS);
	assert_int_equal(g->repeat, repeat);
	assert_int_equal(g->ntraces, 1);
}

/* Each family: its generated workload (both kernel modes where it says rt), and its real trace where it has one. */
static void test_demo_plan_is_the_catalog(void **state)
{
	(void)state;
	struct mmr_plan_jobs jobs;
	struct mmr_plan *p = demo_plan(MMR_DEMO_BUNDLED, 3, &jobs);
	size_t want_groups = 0, want_cells = 0, want_jobs = 0;
	for (size_t i = 0; i < cat.nfamilies; i++) {
		const struct mmr_catalog_family *f = &cat.families[i];
		const struct mmr_plan_group *g = group_named(p, f->name);
		check_family_group(g, f, 3);
		const struct mmr_plan_trace *t = &p->traces[g->traces[0]];
		assert_int_equal(t->source, MMR_PLAN_GENERATE);
		assert_string_equal(t->workload, f->workload);
		assert_int_equal(t->ops, f->ops);
		assert_int_equal(t->seed, 1);
		assert_int_equal(t->cpus, MMR_DEMO_THREADS);
		assert_int_equal(g->nkernels, f->rt ? 2 : 1);
		assert_int_equal(g->nreplay, 0);
		assert_non_null(strstr(g->description, f->no_real ? f->no_real : f->question));
		want_groups++, want_cells += g->nkernels, want_jobs += g->nkernels * g->nengines;
		char real[160];
		snprintf(real, sizeof(real), "%s-real", f->name);
		const struct mmr_plan_group *r = group_named(p, real);
		if (!f->real) {
			assert_null(r);
			continue;
		}
		check_family_group(r, f, 3);
		t = &p->traces[r->traces[0]];
		assert_int_equal(t->source, MMR_PLAN_FILE);
		assert_int_equal(r->nkernels, 1);
		if (!strcmp(f->real, "live")) {
			/* The bundled trace in the live capture's place, replayed as the family, its first events. */
			assert_string_equal(t->file, MMR_DEMO_BUNDLED);
			assert_int_equal(r->nreplay, 2);
			assert_string_equal(r->replay[0].key, "as");
			assert_string_equal(r->replay[0].value, f->name);
			assert_string_equal(r->replay[1].key, "events");
			assert_int_equal(atoi(r->replay[1].value), MMR_DEMO_REAL_EVENTS);
		} else {
			assert_string_equal(t->file, f->real);
			assert_int_equal(r->nreplay, 0);
		}
		want_groups++, want_cells++, want_jobs += r->nengines;
	}
	assert_int_equal(p->ngroups, want_groups);
	assert_int_equal(jobs.cells, want_cells);
	assert_int_equal(jobs.n, want_jobs);
	assert_int_equal(jobs.n, 33);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
}

/* plan/plans/demo.json is the demo's plan without a live capture: the same jobs, ids and all. */
static void test_bundled_demo_json(void **state)
{
	(void)state;
	struct mmr_plan_jobs a, b;
	struct mmr_error err = {{0}};
	struct mmr_plan *p = demo_plan(MMR_DEMO_BUNDLED, 5, &a), *q = mmr_plan_read(PLANS_DIR "/demo.json", &err);
	if (!q || mmr_plan_expand(q, TRACES_DIR, &b, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(a.n, b.n);
	for (size_t i = 0; i < a.n; i++)
		assert_string_equal(a.v[i].id, b.v[i].id);
	mmr_plan_jobs_free(&a);
	mmr_plan_jobs_free(&b);
	mmr_plan_free(p);
	mmr_plan_free(q);
}

/* A live capture is one trace, named for its file, that every "live" family's real group replays. */
static void test_live_capture(void **state)
{
	(void)state;
	struct mmr_plan *p = demo_plan("/var/tmp/demo/capture/live.mmr", 5, NULL);
	size_t live = 0;
	for (size_t t = 0; t < p->ntraces; t++)
		if (!strcmp(p->traces[t].name, "live.mmr")) {
			assert_string_equal(p->traces[t].file, "/var/tmp/demo/capture/live.mmr");
			live++;
		}
	assert_int_equal(live, 1);
	for (size_t i = 0; i < cat.nfamilies; i++) {
		char real[160];
		snprintf(real, sizeof(real), "%s-real", cat.families[i].name);
		const struct mmr_plan_group *r = group_named(p, real);
		if (cat.families[i].real && !strcmp(cat.families[i].real, "live"))
			assert_string_equal(p->traces[r->traces[0]].name, "live.mmr");
	}
	mmr_plan_free(p);
}

#define GROUP_PLAN(GROUP) "{\"mmreplay_plan\": 1, \"name\": \"g\", \"traces\": [{\"name\": \"a\", \"generate\": " \
	"{\"workload\": \"slab-mix\", \"ops\": 100}}], \"threads\": [1], \"groups\": [{\"name\": \"g\", " \
	"\"traces\": [\"a\"], \"engines\": [\"x\", \"y\", \"z\"]" GROUP "}]}"

/* A group's title, description and references: read as given, refused in one line naming the key. */
static void test_group_presentation(void **state)
{
	(void)state;
	static const char ok[] = GROUP_PLAN(", \"title\": \"T\", \"description\": \"D.\", \"references\": [\"z\", \"y\"]");
	struct mmr_error err = {{0}};
	struct mmr_plan *p = mmr_plan_read_text(ok, strlen(ok), "p.json", &err);
	if (!p)
		fail_msg("%s", err.msg);
	assert_string_equal(p->groups[0].title, "T");
	assert_string_equal(p->groups[0].description, "D.");
	assert_int_equal(p->groups[0].nreferences, 2);
	assert_string_equal(p->groups[0].references[0], "z");
	assert_string_equal(p->groups[0].references[1], "y");
	mmr_plan_free(p);
	static const struct {
		const char *text, *want;
	} bads[] = {
		{GROUP_PLAN(", \"references\": [\"w\"]"), "p.json: groups[0].references[0]: 'w' is not one of the group's engines"},
		{GROUP_PLAN(", \"references\": [\"z\", \"z\"]"), "p.json: groups[0].references"},
		{GROUP_PLAN(", \"title\": 3"), "p.json: groups[0].title: "},
		{GROUP_PLAN(", \"description\": \"\""), "p.json: groups[0].description: "},
	};
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		err.msg[0] = '\0';
		p = mmr_plan_read_text(bads[i].text, strlen(bads[i].text), "p.json", &err);
		if (p || strncmp(err.msg, bads[i].want, strlen(bads[i].want)) || strchr(err.msg, '\n'))
			fail_msg("%zu: got '%s', want '%s...'", i, p ? "(read)" : err.msg, bads[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_plan_is_the_catalog),
		cmocka_unit_test(test_bundled_demo_json),
		cmocka_unit_test(test_live_capture),
		cmocka_unit_test(test_group_presentation),
	};
	return cmocka_run_group_tests(tests, load_catalog, free_catalog);
}
