/* SPDX-License-Identifier: MIT */
/*
 * test_plan_read.c - plans (plan/, docs/plans.md): the shipped examples
 * read and expand to the jobs their grids make; job ids follow what the
 * results depend on and nothing else; every malformed plan is one error
 * naming its key; commands quote what the shell would split.
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
#include "mmr_plan.h"

#ifndef PLANS_DIR
#error "PLANS_DIR: the shipped plans' folder"
#endif
#ifndef TRACES_DIR
#error "TRACES_DIR: the bundled traces' folder"
#endif

static char tmpdir[] = "/tmp/mmr_plan_XXXXXX";

/* Write TEXT to a plan file in the test's folder; its path. */
static const char *write_plan(const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Every job's id its own, and the jobs of one cell share its folder, and only they do. */
static void assert_ids_apart(const struct mmr_plan_jobs *jobs)
{
	for (size_t i = 0; i < jobs->n; i++)
		for (size_t k = i + 1; k < jobs->n; k++) {
			assert_string_not_equal(jobs->v[i].id, jobs->v[k].id);
			assert_int_equal(!strcmp(jobs->v[i].cell_id, jobs->v[k].cell_id), jobs->v[i].cell == jobs->v[k].cell);
		}
}

static struct mmr_plan *read_ok(const char *path, struct mmr_plan_jobs *jobs)
{
	struct mmr_error err = {{0}};
	struct mmr_plan *p = mmr_plan_read(path, &err);
	if (!p)
		fail_msg("%s", err.msg);
	if (mmr_plan_expand(p, TRACES_DIR, jobs, &err))
		fail_msg("%s", err.msg);
	return p;
}

static void test_shipped_plans(void **state)
{
	(void)state;
	struct mmr_plan_jobs jobs;
	struct mmr_plan *p = read_ok(PLANS_DIR "/vmalloc-threads.json", &jobs);
	/* 2 traces x 4 thread counts = 8 cells, 2 engines each. */
	assert_int_equal(jobs.cells, 8);
	assert_int_equal(jobs.n, 16);
	assert_string_equal(p->defaults.baseline, "vmalloc-global");
	/* The ids the plan had before "replay" and "groups" existed: a plan that gives neither keeps them. */
	assert_string_equal(jobs.v[0].id, "2b6f3a5603f26759");
	assert_string_equal(jobs.v[1].id, "1c681f7219729323");
	assert_true(p->compare && p->sweep);
	assert_ids_apart(&jobs);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
	p = read_ok(PLANS_DIR "/cma-options.json", &jobs);
	/* 2 kernels x (2 x 3) grid points x 1 thread count = 12 cells; retries is fixed, not a grid axis. */
	assert_int_equal(jobs.cells, 12);
	assert_int_equal(jobs.n, 24);
	assert_int_equal(p->defaults.nopts, 2);
	assert_int_equal(p->defaults.nfixed, 1);
	assert_string_equal(jobs.v[0].id, "4785e3644bebe126");
	assert_string_equal(jobs.v[1].id, "d4bd9243906889ae");
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
}

#define BASE_HEAD "{\"mmreplay_plan\": 1, \"name\": \"t\", \"traces\": [{\"name\": \"%s\", \"file\": \"" TRACES_DIR "/fs-walk.mmr\"}], "

/* The id of the first job of a one-trace plan whose rest is REST. */
static void first_id(const char *trace_name, const char *rest, char id[17])
{
	char text[2048];
	snprintf(text, sizeof(text), BASE_HEAD "%s}", trace_name, rest);
	struct mmr_plan_jobs jobs;
	struct mmr_plan *p = read_ok(write_plan("id.json", text), &jobs);
	memcpy(id, jobs.v[0].id, 17);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
}

static void test_ids_follow_the_inputs(void **state)
{
	(void)state;
	char a[17], b[17];
	first_id("x", "\"engines\": [\"slub\"], \"threads\": [2], \"engine_opts\": {\"a\": 1, \"b\": [2]}", a);
	/* The trace's name and the options' order in the file are not inputs of the results. */
	first_id("y", "\"engines\": [\"slub\"], \"threads\": [2], \"engine_opts\": {\"b\": [2], \"a\": 1}", b);
	assert_string_equal(a, b);
	/* An option's value, the thread count, the engine, the repeat count are. */
	first_id("x", "\"engines\": [\"slub\"], \"threads\": [2], \"engine_opts\": {\"a\": 1, \"b\": [3]}", b);
	assert_string_not_equal(a, b);
	first_id("x", "\"engines\": [\"slub\"], \"threads\": [1], \"engine_opts\": {\"a\": 1, \"b\": [2]}", b);
	assert_string_not_equal(a, b);
	first_id("x", "\"engines\": [\"libc\"], \"threads\": [2], \"engine_opts\": {\"a\": 1, \"b\": [2]}", b);
	assert_string_not_equal(a, b);
	first_id("x", "\"engines\": [\"slub\"], \"threads\": [2], \"repeat\": 2, \"engine_opts\": {\"a\": 1, \"b\": [2]}", b);
	assert_string_not_equal(a, b);
}

/* The trace id of a one-trace plan generating slab-mix with PARAMS. */
static void generated_trace_id(const char *params, char id[17])
{
	char text[1024];
	snprintf(text, sizeof(text), "{\"mmreplay_plan\": 1, \"name\": \"t\", \"traces\": [{\"name\": \"g\", \"generate\": "
		 "{\"workload\": \"slab-mix\", \"ops\": 100, \"params\": {%s}}}], \"engines\": [\"slub\"], \"threads\": [2]}",
		 params);
	struct mmr_plan_jobs jobs;
	struct mmr_plan *p = read_ok(write_plan("gen.json", text), &jobs);
	memcpy(id, jobs.trace_ids[0], 17);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
}

static void test_generated_ids(void **state)
{
	(void)state;
	char a[17], b[17];
	generated_trace_id("\"cache-pct\": 40, \"long-pct\": 5", a);
	/* The params' order in the file makes the same trace; a value does not. */
	generated_trace_id("\"long-pct\": 5, \"cache-pct\": 40", b);
	assert_string_equal(a, b);
	generated_trace_id("\"cache-pct\": 41, \"long-pct\": 5", b);
	assert_string_not_equal(a, b);
}

static void expect_error(const char *text, const char *want)
{
	struct mmr_error err = {{0}};
	const char *path = write_plan("bad.json", text);
	struct mmr_plan *p = mmr_plan_read(path, &err);
	struct mmr_plan_jobs jobs;
	if (p && mmr_plan_expand(p, TRACES_DIR, &jobs, &err) == 0) {
		mmr_plan_jobs_free(&jobs);
		mmr_plan_free(p);
		fail_msg("accepted: %s", text);
	}
	mmr_plan_free(p);
	if (!strstr(err.msg, want) || strncmp(err.msg, path, strlen(path)) || strchr(err.msg, '\n'))
		fail_msg("error '%s' for %s: wanted one line starting with the path, holding '%s'", err.msg, text, want);
}

#define OK_TRACES "\"traces\": [{\"name\": \"g\", \"generate\": {\"workload\": \"slab-mix\", \"ops\": 100}}]"
#define PLAN(...) "{\"mmreplay_plan\": 1, \"name\": \"t\", " __VA_ARGS__ "}"

static void test_errors_name_their_key(void **state)
{
	(void)state;
	expect_error("[1, 2]", "not a JSON object");
	expect_error("{\"name\": \"t\"}", "mmreplay_plan: missing");
	expect_error("{\"mmreplay_plan\": 2}", "mmreplay_plan: version 2; this build reads version 1");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"slub\"], \"thread\": [2]"), "thread: unknown key");
	expect_error(PLAN(OK_TRACES ", \"threads\": [2]"), "engines: missing");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [1], \"threads\": [8]"), "threads: given twice");
	expect_error(PLAN(OK_TRACES ", \"engines\": [], \"threads\": [2]"), "engines: empty");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\", \"a\"], \"threads\": [2]"), "engines[1]: \"a\" given twice");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\", \"b\"], \"baseline\": \"c\", \"threads\": [2]"),
		     "baseline: 'c' is not one of the plan's engines");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2, 2]"), "threads[1]: 2 after 2: thread counts rise");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [0]"), "threads[0]: 0 is not a whole number in 1..1024");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [1.5]"), "threads[0]: 1.5 is not a whole number in 1..1024");
	/* The checks plans share with the family catalog (json_read.c): type, emptiness, a key twice. */
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [\"2\"]"),
		     "threads[0]: not a number (a whole number in 1..1024)");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a,b\"], \"threads\": [2]"), "engines[0]: 'a,b' holds a ','");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\", 3], \"threads\": [2]"), "engines[1]: not a string");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"baseline\": \"\""), "baseline: empty");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"engine_opts\": {\"k\": 1, \"k\": 2}"),
		     "engine_opts.k: given twice");
	expect_error(PLAN("\"traces\": [{\"name\": \"g\", \"generate\": {\"workload\": \"w\", \"ops\": 5, "
			  "\"params\": {\"p\": 1, \"p\": 2}}}], \"engines\": [\"a\"], \"threads\": [2]"),
		     "traces[0].generate.params.p: given twice");
	expect_error(PLAN("\"traces\": [{\"name\": \"g\", \"generate\": {\"workload\": \"w\", \"ops\": 5, "
			  "\"params\": {\"p\": true}}}], \"engines\": [\"a\"], \"threads\": [2]"),
		     "traces[0].generate.params.p: not a whole number or a non-empty string");
	expect_error(PLAN("\"traces\": [{\"name\": 7, \"file\": \"f.mmr\"}], \"engines\": [\"a\"], \"threads\": [2]"),
		     "traces[0].name: not a string");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"reports\": []"), "reports: not an object");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"kernel\": [\"preempt\"]"),
		     "kernel: 'preempt' is neither default nor rt");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"repeat\": 0"), "repeat: 0 is not a whole number in 1..1000");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"engine_opts\": {\"k\": \"x,y\"}"),
		     "engine_opts.k: not a whole number or a non-empty string");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"engine_opts\": {\"k\": [1, 1]}"),
		     "engine_opts.k[1]: '1' a second time");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"reports\": {\"compare\": true}"),
		     "reports.compare: a comparison needs two engines or more");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"reports\": {\"sweep\": 1}"),
		     "reports.sweep: not true or false");
	/* replay: each value as replay itself would take it. */
	static const struct {
		const char *replay, *want;
	} replays[] = {
		{"[]", "replay: not an object"},
		{"{\"mapp\": \"cpu\"}", "replay.mapp: unknown key (docs/plans.md lists the keys)"},
		{"{\"map\": \"pid\", \"map\": \"cpu\"}", "replay.map: given twice"},
		{"{\"map\": \"cpus\"}", "replay.map: 'cpus' is not cpu, pid or hash"},
		{"{\"map\": 1}", "replay.map: not a string"},
		{"{\"pace\": \"slow\"}", "replay.pace: 'slow' is not asap, original or xFACTOR with FACTOR 0.001..1e+06"},
		{"{\"pace\": \"x1e-300\"}", "replay.pace: 'x1e-300' is not asap"},
		{"{\"pace\": \"xnan\"}", "replay.pace: 'xnan' is not asap"},
		{"{\"sched\": \"rr\"}", "replay.sched: 'rr' is not auto, fifo or other"},
		{"{\"as\": \"slub\"}", "replay.as: 'slub' is no event family"},
		{"{\"as\": \"lock\"}", "replay.as: 'lock' is the kernel's contention, not an allocator family"},
		{"{\"events\": 0}", "replay.events: '0' is not a whole number in 1..9007199254740992"},
		{"{\"events\": 1.5}", "replay.events: '1.5' is not a whole number"},
		{"{\"events\": \"5\"}", "replay.events: not a number"},
		{"{\"watchdog\": 0}", "replay.watchdog: '0' is not seconds, more than 0 and at most 1e+06"},
		{"{\"max_gap\": 7200}", "replay.max_gap: '7200' is not seconds, more than 0 and at most 3600"},
		{"{\"pin\": \"yes\"}", "replay.pin: not true or false"},
		{"{\"no_timing\": 1}", "replay.no_timing: not true or false"},
	};
	for (size_t i = 0; i < sizeof(replays) / sizeof(replays[0]); i++) {
		char text[512];
		snprintf(text, sizeof(text), PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"replay\": %s"),
			 replays[i].replay);
		expect_error(text, replays[i].want);
	}
	expect_error(PLAN("\"traces\": [{\"name\": \"g\"}], \"engines\": [\"a\"], \"threads\": [2]"),
		     "traces[0]: names neither or both of \"file\" and \"generate\"");
	expect_error(PLAN("\"traces\": [{\"name\": \"g\", \"generate\": {\"workload\": \"w\"}}], \"engines\": [\"a\"], \"threads\": [2]"),
		     "traces[0].generate: no \"ops\"");
	expect_error(PLAN("\"traces\": [{\"name\": \"g\", \"generate\": {\"workload\": \"w\", \"ops\": 5, \"seeds\": 1}}], "
			  "\"engines\": [\"a\"], \"threads\": [2]"),
		     "traces[0].generate.seeds: unknown key");
	expect_error(PLAN("\"traces\": [{\"name\": \"g\", \"file\": \"f.mmr\"}, {\"name\": \"g\", \"file\": \"f.mmr\"}], "
			  "\"engines\": [\"a\"], \"threads\": [2]"),
		     "traces[1]: a second trace named 'g'");
	expect_error(PLAN("\"traces\": [{\"name\": \"g\", \"file\": \"no-such.mmr\"}], \"engines\": [\"a\"], \"threads\": [2]"),
		     "traces[0].file: cannot read");
}

#define ONE_ENGINE "\"engines\": [\"slub\"], \"threads\": [2]"

static void test_replay_ids(void **state)
{
	(void)state;
	char a[17], b[17];
	first_id("x", ONE_ENGINE, a);
	/* Nothing given, replay's defaults given, or only the watchdog (no input of results): the same id. */
	first_id("x", ONE_ENGINE ", \"replay\": {}", b);
	assert_string_equal(a, b);
	first_id("x", ONE_ENGINE ", \"replay\": {\"map\": \"cpu\", \"pin\": false, \"sched\": \"auto\", "
		 "\"pace\": \"asap\", \"max_gap\": 10.0, \"no_timing\": false}", b);
	assert_string_equal(a, b);
	first_id("x", ONE_ENGINE ", \"replay\": {\"watchdog\": 99}", b);
	assert_string_equal(a, b);
	/* Each option that can change results changes the id. */
	static const char *const changes[] = {
		"\"map\": \"pid\"", "\"pace\": \"original\"", "\"pin\": true", "\"sched\": \"fifo\"", "\"as\": \"slab\"",
		"\"events\": 100", "\"max_gap\": 5", "\"no_timing\": true",
	};
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		char rest[256];
		snprintf(rest, sizeof(rest), ONE_ENGINE ", \"replay\": {%s}", changes[i]);
		first_id("x", rest, b);
		if (!strcmp(a, b))
			fail_msg("replay {%s} left the id as it was", changes[i]);
	}
	/* Values that ask the same replay are the same input; different ones are not. */
	first_id("x", ONE_ENGINE ", \"replay\": {\"pace\": \"x1\", \"events\": 100}", a);
	first_id("x", ONE_ENGINE ", \"replay\": {\"events\": 100.0, \"pace\": \"original\"}", b);
	assert_string_equal(a, b);
	first_id("x", ONE_ENGINE ", \"replay\": {\"pace\": \"x1\", \"events\": 200}", b);
	assert_string_not_equal(a, b);
}

static void test_replay_command(void **state)
{
	(void)state;
	char text[1024], line[4096], want[1024];
	snprintf(text, sizeof(text), PLAN(OK_TRACES ", " ONE_ENGINE ", \"replay\": {\"watchdog\": 60, \"sched\": \"other\", "
					  "\"pin\": true, \"pace\": \"x2\", \"no_timing\": true, \"max_gap\": 0.5, \"map\": \"pid\", "
					  "\"events\": 500, \"as\": \"kvfree_rcu\"}"));
	struct mmr_plan_jobs jobs;
	struct mmr_plan *p = read_ok(write_plan("replay.json", text), &jobs);
	assert_int_equal(p->defaults.nreplay, 9);
	assert_int_equal(mmr_plan_job_command(p, &jobs, &jobs.v[0], "d", line, sizeof(line)), 0);
	/* Key order, whatever the file's; a flag only when true. */
	snprintf(want, sizeof(want), "mmreplay replay d/traces/%s.mmr -e slub --threads=2 --kernel=default --repeat=1 "
		 "--as=kvfree_rcu --events=500 --map=pid --max-gap=0.5 --no-timing --pace=x2 --pin --sched=other --watchdog=60 "
		 "-o d/cells/%s -q", jobs.trace_ids[0], jobs.v[0].cell_id);
	assert_string_equal(line, want);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
	/* The options a sweep forwards by their flags. */
	assert_string_equal(mmr_plan_replay_find("-n")->key, "events");
	assert_string_equal(mmr_plan_replay_find("--max-gap")->key, "max_gap");
	assert_null(mmr_plan_replay_find("--threads"));
}

#define TWO_TRACES "\"traces\": [{\"name\": \"a\", \"generate\": {\"workload\": \"slab-mix\", \"ops\": 100}}, " \
	"{\"name\": \"b\", \"generate\": {\"workload\": \"page-mix\", \"ops\": 100}}]"

static void test_groups_expand(void **state)
{
	(void)state;
	struct mmr_plan_jobs jobs;
	/* The plan's lists are defaults; each group's keys replace them. */
	struct mmr_plan *p = read_ok(write_plan("groups.json", PLAN(TWO_TRACES ", \"engines\": [\"x\", \"y\"], \"threads\": [1, 2], "
		"\"repeat\": 3, \"replay\": {\"map\": \"pid\"}, \"groups\": ["
		"{\"name\": \"one\", \"traces\": [\"a\"]}, "
		"{\"name\": \"two\", \"traces\": [\"b\", \"a\"], \"engines\": [\"u\", \"v\", \"w\"], \"baseline\": \"w\", "
		"\"threads\": [4], \"kernel\": [\"default\", \"rt\"], \"engine_opts\": {\"k\": [1, 2]}, \"repeat\": 2, "
		"\"replay\": {}}]")), &jobs);
	assert_int_equal(p->ngroups, 2);
	/* one: 1 trace x 2 thread counts x 2 engines; two: 2 traces x 2 kernels x 2 grid points x 1 count x 3 engines. */
	assert_int_equal(jobs.cells, 2 + 8);
	assert_int_equal(jobs.n, 4 + 24);
	const struct mmr_plan_group *one = &p->groups[0], *two = &p->groups[1];
	assert_ptr_equal(one->engines, p->defaults.engines);
	assert_string_equal(one->baseline, "x");
	assert_int_equal(one->repeat, 3);
	assert_int_equal(one->nreplay, 1);
	assert_string_equal(two->baseline, "w");
	assert_int_equal(two->repeat, 2);
	assert_int_equal(two->nreplay, 0);
	assert_int_equal(two->traces[0], 1);
	assert_true(p->compare && p->sweep);
	/* Jobs in group order, then the group's traces in its order; cells numbered across groups. */
	assert_int_equal(jobs.v[4].group, 1);
	assert_int_equal(jobs.v[4].trace, 1);
	assert_int_equal(jobs.v[4].cell, 2);
	assert_string_equal(mmr_plan_job_engine(p, &jobs.v[4]), "u");
	char line[4096];
	assert_int_equal(mmr_plan_job_command(p, &jobs, &jobs.v[0], "d", line, sizeof(line)), 0);
	assert_non_null(strstr(line, " -e x --threads=1 --kernel=default --repeat=3 --map=pid -o "));
	assert_int_equal(mmr_plan_job_command(p, &jobs, &jobs.v[4], "d", line, sizeof(line)), 0);
	assert_non_null(strstr(line, " -e u --threads=4 --kernel=default --repeat=2 -O k=1 -o "));
	char ungrouped[17];
	memcpy(ungrouped, jobs.v[0].id, 17);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
	/* A group is no input of the ids: the same cell alone in a plan without groups has the same id. */
	p = read_ok(write_plan("flat.json", PLAN("\"traces\": [{\"name\": \"a\", \"generate\": {\"workload\": \"slab-mix\", "
		"\"ops\": 100}}], \"engines\": [\"x\", \"y\"], \"threads\": [1, 2], \"repeat\": 3, \"replay\": {\"map\": \"pid\"}")),
		&jobs);
	assert_int_equal(p->ngroups, 1);
	assert_string_equal(p->groups[0].name, "t");
	assert_string_equal(jobs.v[0].id, ungrouped);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
}

static void test_groups_errors(void **state)
{
	(void)state;
	static const struct {
		const char *rest, *want;
	} bads[] = {
		{"\"engines\": [\"x\"], \"threads\": [1], \"groups\": []", "groups: not an array of 1 to 64 items"},
		{"\"engines\": [\"x\"], \"threads\": [1], \"groups\": [{\"traces\": [\"a\", \"b\"]}]", "groups[0].name: missing"},
		{"\"engines\": [\"x\"], \"threads\": [1], \"groups\": [{\"name\": \"g\", \"traces\": [\"a\", \"b\"], \"colour\": 1}]",
		 "groups[0].colour: unknown key (docs/plans.md lists the keys)"},
		{"\"engines\": [\"x\"], \"threads\": [1], \"groups\": [{\"name\": \"g\"}]", "groups[0].traces: missing"},
		{"\"engines\": [\"x\"], \"threads\": [1], \"groups\": [{\"name\": \"g\", \"traces\": [\"a\", \"c\"]}]",
		 "groups[0].traces[1]: 'c' is none of the plan's traces"},
		{"\"engines\": [\"x\"], \"threads\": [1], \"groups\": [{\"name\": \"g\", \"traces\": [\"a\", \"a\"]}]",
		 "groups[0].traces[1]: \"a\" given twice"},
		{"\"engines\": [\"x\"], \"threads\": [1], \"groups\": [{\"name\": \"g\", \"traces\": [\"a\"]}]", "traces[1]: 'b' is in no group"},
		{"\"engines\": [\"x\"], \"threads\": [1], \"groups\": [{\"name\": \"g\", \"traces\": [\"a\"]}, "
		 "{\"name\": \"g\", \"traces\": [\"b\"]}]", "groups[1].name: 'g' is groups[0]'s name too"},
		{"\"threads\": [1], \"groups\": [{\"name\": \"g\", \"traces\": [\"a\", \"b\"]}]", "groups[0].engines: missing"},
		{"\"engines\": [\"x\"], \"groups\": [{\"name\": \"g\", \"traces\": [\"a\", \"b\"]}]", "groups[0].threads: missing"},
		{"\"threads\": [1], \"baseline\": \"x\", \"groups\": [{\"name\": \"g\", \"traces\": [\"a\", \"b\"], \"engines\": [\"x\"]}]",
		 "baseline: given without engines"},
		{"\"threads\": [1], \"groups\": [{\"name\": \"g\", \"traces\": [\"a\", \"b\"], \"engines\": [\"x\"], \"baseline\": \"y\"}]",
		 "groups[0].baseline: 'y' is not one of the group's engines"},
		{"\"engines\": [\"x\"], \"threads\": [1], \"groups\": [{\"name\": \"g\", \"traces\": [\"a\", \"b\"], \"baseline\": \"y\"}]",
		 "groups[0].baseline: 'y' is not one of the plan's engines"},
		{"\"engines\": [\"x\"], \"threads\": [1], \"groups\": [{\"name\": \"g\", \"traces\": [\"a\", \"b\"], \"threads\": [2, 1]}]",
		 "groups[0].threads[1]: 1 after 2: thread counts rise"},
		{"\"engines\": [\"x\"], \"threads\": [1], \"groups\": [{\"name\": \"g\", \"traces\": [\"a\", \"b\"], \"kernel\": [\"x\"]}]",
		 "groups[0].kernel: 'x' is neither default nor rt"},
		{"\"engines\": [\"x\"], \"threads\": [1], \"groups\": [{\"name\": \"g\", \"traces\": [\"a\", \"b\"], \"repeat\": 0}]",
		 "groups[0].repeat: 0 is not a whole number in 1..1000"},
		{"\"engines\": [\"x\"], \"threads\": [1], \"groups\": [{\"name\": \"g\", \"traces\": [\"a\", \"b\"], "
		 "\"engine_opts\": {\"k\": [1, 1]}}]", "groups[0].engine_opts.k[1]: '1' a second time"},
		{"\"engines\": [\"x\"], \"threads\": [1], \"groups\": [{\"name\": \"g\", \"traces\": [\"a\", \"b\"], "
		 "\"replay\": {\"map\": \"x\"}}]", "groups[0].replay.map: 'x' is not cpu, pid or hash"},
		{"\"engines\": [\"x\"], \"threads\": [1], \"groups\": [{\"name\": \"g\", \"traces\": [\"a\", \"b\"], \"engines\": [\"x\"]}], "
		 "\"reports\": {\"compare\": true}", "reports.compare: a comparison needs two engines or more"},
		/* The same cell from two groups: one folder, the same jobs twice. */
		{"\"engines\": [\"x\"], \"threads\": [1], \"groups\": [{\"name\": \"g\", \"traces\": [\"a\", \"b\"]}, "
		 "{\"name\": \"h\", \"traces\": [\"b\"], \"engines\": [\"y\"]}]",
		 "groups[1] (trace 'b') makes cell "},
	};
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		char text[1024];
		snprintf(text, sizeof(text), PLAN(TWO_TRACES ", %s"), bads[i].rest);
		expect_error(text, bads[i].want);
	}
	/* The same trace in two groups, with different options: two cells, fine. */
	struct mmr_plan_jobs jobs;
	struct mmr_plan *p = read_ok(write_plan("two.json", PLAN(TWO_TRACES ", \"engines\": [\"x\"], \"threads\": [1], \"groups\": "
		"[{\"name\": \"g\", \"traces\": [\"a\", \"b\"]}, {\"name\": \"h\", \"traces\": [\"b\"], \"replay\": {\"pin\": true}}]")), &jobs);
	assert_int_equal(jobs.cells, 3);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
}

/* `sweep TRACE -e slub,libc -t 1,2,4 -O touch=all --map pid -n 500 --pin --pace x1 -m hash` as a plan. */
static void test_sweep_plan(void **state)
{
	(void)state;
	static const char *const opts[] = {"touch=all"};
	static const char *const names[] = {"--map", "-n", "--pin", "pace", "-m"};
	static const char *const values[] = {"pid", "500", NULL, "x1", "hash"};
	struct mmr_plan_sweep sw = {.trace = TRACES_DIR "/fs-walk.mmr", .engines = "slub,libc", .threads = "1,2,4",
				    .engine_opts = opts, .nengine_opts = 1, .replay_names = names,
				    .replay_values = values, .nreplay = 5};
	struct mmr_error err = {{0}};
	struct mmr_plan_jobs jobs, file_jobs;
	struct mmr_plan *p = mmr_plan_for_sweep(&sw, "command line", &err);
	if (!p)
		fail_msg("%s", err.msg);
	if (mmr_plan_expand(p, TRACES_DIR, &jobs, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(jobs.n, 6);
	assert_int_equal(jobs.cells, 3);
	assert_string_equal(p->traces[0].name, "fs-walk.mmr");
	assert_string_equal(p->defaults.baseline, "slub");
	assert_true(p->compare && p->sweep);
	char line[4096];
	assert_int_equal(mmr_plan_job_command(p, &jobs, &jobs.v[0], "d", line, sizeof(line)), 0);
	/* -m hash after --map pid: the last one, as on replay's command line. */
	assert_non_null(strstr(line, " -e slub --threads=1 --kernel=default --repeat=1 -O touch=all --events=500 --map=hash "
				     "--pace=original --pin -o d/cells/"));
	/* The same sweep written as a plan file has the same jobs. */
	struct mmr_plan *f = read_ok(write_plan("sweep.json", PLAN("\"traces\": [{\"name\": \"w\", \"file\": \"" TRACES_DIR
		"/fs-walk.mmr\"}], \"engines\": [\"slub\", \"libc\"], \"threads\": [1, 2, 4], \"engine_opts\": {\"touch\": \"all\"}, "
		"\"replay\": {\"map\": \"hash\", \"events\": 500, \"pin\": true, \"pace\": \"original\"}")), &file_jobs);
	assert_int_equal(file_jobs.n, jobs.n);
	for (size_t i = 0; i < jobs.n; i++)
		assert_string_equal(file_jobs.v[i].id, jobs.v[i].id);
	mmr_plan_jobs_free(&file_jobs);
	mmr_plan_free(f);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
	/* The defaults: replay's repeat, no options. */
	sw = (struct mmr_plan_sweep){.trace = TRACES_DIR "/fs-walk.mmr", .engines = "slub", .threads = "2", .repeat = 3};
	assert_non_null(p = mmr_plan_for_sweep(&sw, "command line", &err));
	assert_int_equal(p->groups[0].repeat, 3);
	assert_false(p->compare || p->sweep);
	mmr_plan_free(p);
}

/* Sweep SW refused, with WANT after "command line: ". */
static void sweep_error(struct mmr_plan_sweep sw, const char *want)
{
	struct mmr_error err = {{0}};
	struct mmr_plan *p = mmr_plan_for_sweep(&sw, "command line", &err);
	char full[512];
	snprintf(full, sizeof(full), "command line: %s", want);
	if (p) {
		mmr_plan_free(p);
		fail_msg("accepted, wanted %s", full);
	}
	if (strncmp(err.msg, full, strlen(full)) || strchr(err.msg, '\n'))
		fail_msg("error '%s', wanted '%s...'", err.msg, full);
}

static void test_sweep_errors(void **state)
{
	(void)state;
	const struct mmr_plan_sweep ok = {.trace = "t.mmr", .engines = "a,b", .threads = "1,2"};
	struct mmr_plan_sweep sw = ok;
	sw.threads = "2,2";
	sweep_error(sw, "threads[1]: 2 after 2: thread counts rise");
	sw.threads = "1,x";
	sweep_error(sw, "threads[1]: not a number");
	sw.threads = "1,1.5";
	sweep_error(sw, "threads[1]: 1.5 is not a whole number in 1..1024");
	sw = ok, sw.threads = NULL;
	sweep_error(sw, "threads: missing");
	sw = ok, sw.engines = "a,,b";
	sweep_error(sw, "engines[1]: empty");
	sw = ok, sw.engines = "a,a";
	sweep_error(sw, "engines[1]: \"a\" given twice");
	sw = ok, sw.baseline = "z";
	sweep_error(sw, "baseline: 'z' is not one of the plan's engines");
	sw = ok, sw.repeat = 1001;
	sweep_error(sw, "repeat: 1001 is not a whole number in 1..1000");
	static const char *const bad_opt[] = {"k"}, *const twice[] = {"k=1", "k=2"}, *const comma[] = {"k=1,2"};
	sw = ok, sw.engine_opts = bad_opt, sw.nengine_opts = 1;
	sweep_error(sw, "engine_opts: 'k' is not KEY=VALUE");
	sw.engine_opts = twice, sw.nengine_opts = 2;
	sweep_error(sw, "engine_opts.k: given twice");
	sw.engine_opts = comma, sw.nengine_opts = 1;
	sweep_error(sw, "engine_opts.k: not a whole number or a non-empty string without ',' or '='");
	static const char *const map[] = {"--map"}, *const cpus[] = {"cpus"}, *const prof[] = {"--profile"};
	static const char *const ev[] = {"-n"}, *const soon[] = {"soon"};
	sw = ok, sw.replay_names = map, sw.replay_values = cpus, sw.nreplay = 1;
	sweep_error(sw, "replay.map: 'cpus' is not cpu, pid or hash");
	sw.replay_names = prof;
	sweep_error(sw, "replay: '--profile' is no replay option a plan can give");
	sw.replay_names = ev, sw.replay_values = soon;
	sweep_error(sw, "replay.events: not a number");
}

/* Found with fuzz_plan_file (docs/fuzzing.md): what the reader let through. */
static void test_fuzz_findings(void **state)
{
	(void)state;
	/* The name is the default results folder: never a path out of the current one (found in review). */
	static const char *const names[] = {"../x", "/tmp/x", ".", ".hidden", "-o", "a/b"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char text[512], want[128];
		snprintf(text, sizeof(text), "{\"mmreplay_plan\": 1, \"name\": \"%s\", " OK_TRACES
			 ", \"engines\": [\"a\"], \"threads\": [2]}", names[i]);
		snprintf(want, sizeof(want), "name: '%s' is no folder name", names[i]);
		expect_error(text, want);
	}
	/* A key given twice, or that the command line would split: as engine option or as param. */
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"engine_opts\": {\"k\": 1, \"k\": [1, 2]}"),
		     "engine_opts.k: given twice");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"engine_opts\": {\"k=v\": 1}"),
		     "engine_opts.k=v: not a name without ',' or '='");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"engine_opts\": {\"\": 1}"),
		     "engine_opts.: not a name");
	expect_error(PLAN("\"traces\": [{\"name\": \"g\", \"generate\": {\"workload\": \"w\", \"ops\": 5, "
			  "\"params\": {\"p\": 1, \"p\": 2}}}], \"engines\": [\"a\"], \"threads\": [2]"),
		     "traces[0].generate.params.p: given twice");
	/* Text after the plan, which was silently ignored; an error quoting a newline is still one line. */
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2]") " {\"threads\": [4]}",
		     "not a JSON object (near byte");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"thr\\neads\": 1"), "thr?eads: unknown key");
	struct mmr_error err = {{0}};
	static const char nul[] = "{\"mmreplay_plan\": 1\0}";
	assert_null(mmr_plan_read_text(nul, sizeof(nul) - 1, "n.json", &err));
	assert_string_equal(err.msg, "n.json: not a JSON object (near byte 19)");
	/*
	 * An option or param longer than the 8 KiB the id's text had: the cells
	 * (and generated traces) that differ after it had one id, and every
	 * engine of a cell the cell's id.
	 */
	static char text[40000], big[9001];
	memset(big, 'x', sizeof(big) - 1);
	snprintf(text, sizeof(text), PLAN("\"traces\": [{\"name\": \"g\", \"generate\": {\"workload\": \"w\", \"ops\": 5, "
					  "\"params\": {\"a\": \"%s\", \"b\": 1}}}, {\"name\": \"h\", \"generate\": {\"workload\": \"w\", "
					  "\"ops\": 5, \"params\": {\"a\": \"%s\", \"b\": 2}}}], \"engines\": [\"a\", \"b\"], \"threads\": [2], "
					  "\"engine_opts\": {\"a\": \"%s\", \"b\": [1, 2]}"),
		 big, big, big);
	struct mmr_plan *p = mmr_plan_read_text(text, strlen(text), "long.json", &err);
	struct mmr_plan_jobs jobs;
	assert_non_null(p);
	assert_int_equal(mmr_plan_expand(p, NULL, &jobs, &err), 0);
	assert_int_equal(jobs.n, 8);
	assert_string_not_equal(jobs.trace_ids[0], jobs.trace_ids[1]);
	assert_ids_apart(&jobs);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
}

/*
 * fuzz_plan_file: two traces generated alike make one cell twice, which
 * the expansion refuses; its error quoted a trace's name, control bytes
 * and all (a name holding 0x03 or a newline), and so was not one line.
 * The same for a file trace's path that cannot be read.
 */
static void test_fuzz_expand_error_one_line(void **state)
{
	(void)state;
	static const char alike[] = PLAN("\"traces\": [{\"name\": \"g\x03\\n\", \"generate\": {\"workload\": \"w\", "
					 "\"ops\": 1}}, {\"name\": \"h\", \"generate\": {\"workload\": \"w\", \"ops\": 1}}], "
					 "\"engines\": [\"a\"], \"threads\": [1]");
	static const char missing[] = PLAN("\"traces\": [{\"name\": \"f\", \"file\": \"no\\nsuch.mmr\"}], "
					   "\"engines\": [\"a\"], \"threads\": [1]");
	const char *texts[] = {alike, missing}, *want[] = {"(trace 'g?" "?') makes too", "cannot read "};
	for (size_t i = 0; i < 2; i++) {
		struct mmr_error err = {{0}};
		struct mmr_plan_jobs jobs;
		struct mmr_plan *p = mmr_plan_read_text(texts[i], strlen(texts[i]), "cells.json", &err);
		assert_non_null(p);
		assert_int_equal(mmr_plan_expand(p, NULL, &jobs, &err), -1);
		assert_non_null(strstr(err.msg, want[i]));
		for (const unsigned char *c = (const unsigned char *)err.msg; *c; c++)
			assert_true(*c >= 0x20 && *c != 0x7f);
		mmr_plan_free(p);
	}
}

/* mmr_plan_read_text is mmr_plan_read without the file: the same plan, the same ids. */
static void test_read_text(void **state)
{
	(void)state;
	static const char text[] = PLAN(OK_TRACES ", \"engines\": [\"a\", \"b\"], \"threads\": [1, 2]");
	struct mmr_plan_jobs a, b;
	struct mmr_error err = {{0}};
	const char *path = write_plan("text.json", text);
	struct mmr_plan *p = read_ok(path, &a), *q = mmr_plan_read_text(text, sizeof(text) - 1, path, &err);
	assert_non_null(q);
	assert_string_equal(q->path, path);
	assert_int_equal(mmr_plan_expand(q, NULL, &b, &err), 0);
	assert_int_equal(a.n, 4);
	assert_int_equal(b.n, a.n);
	for (size_t i = 0; i < a.n; i++)
		assert_string_equal(a.v[i].id, b.v[i].id);
	mmr_plan_jobs_free(&a), mmr_plan_jobs_free(&b);
	mmr_plan_free(p), mmr_plan_free(q);
}

static void test_commands_quote(void **state)
{
	(void)state;
	char text[1024], line[4096];
	snprintf(text, sizeof(text), PLAN("\"traces\": [{\"name\": \"g\", \"generate\": {\"workload\": \"slab-mix\", \"ops\": 100, "
					  "\"params\": {\"cache-pct\": 40}}}], \"engines\": [\"slub\"], \"threads\": [2], "
					  "\"engine_opts\": {\"touch\": \"all\"}"));
	struct mmr_plan_jobs jobs;
	struct mmr_plan *p = read_ok(write_plan("cmd.json", text), &jobs);
	assert_int_equal(mmr_plan_generate_command(p, &jobs, 0, "out dir", line, sizeof(line)), 0);
	char want[512];
	snprintf(want, sizeof(want), "mmreplay generate slab-mix -o 'out dir/traces/%s.mmr' --ops=100 --seed=1 --cpus=2 --cache-pct=40 -q",
		 jobs.trace_ids[0]);
	assert_string_equal(line, want);
	assert_int_equal(mmr_plan_job_command(p, &jobs, &jobs.v[0], "it's", line, sizeof(line)), 0);
	snprintf(want, sizeof(want), "mmreplay replay 'it'\\''s/traces/%s.mmr' -e slub --threads=2 --kernel=default --repeat=1 "
		 "-O touch=all -o 'it'\\''s/cells/%s' -q", jobs.trace_ids[0], jobs.v[0].cell_id);
	assert_string_equal(line, want);
	/* Too small a buffer is an error, never a cut command. */
	assert_int_equal(mmr_plan_job_command(p, &jobs, &jobs.v[0], "d", line, 40), -1);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
}

/* The argv the local runner execs: the same words as the quoted line, paths relative to a prepared directory. */
static void test_job_argv(void **state)
{
	(void)state;
	char text[1024], line[4096], want[4096];
	snprintf(text, sizeof(text), PLAN("\"traces\": [{\"name\": \"g\", \"generate\": {\"workload\": \"slab-mix\", \"ops\": 100}}], "
					  "\"engines\": [\"slub\"], \"threads\": [2], \"engine_opts\": {\"touch\": [\"all\", \"a b\"]}"));
	struct mmr_plan_jobs jobs;
	struct mmr_plan *p = read_ok(write_plan("argv.json", text), &jobs);
	char **argv = NULL;
	assert_int_equal(mmr_plan_job_argv(p, &jobs, &jobs.v[1], NULL, &argv), 0);
	char trace[64], cell[64];
	snprintf(trace, sizeof(trace), "traces/%s.mmr", jobs.trace_ids[0]);
	snprintf(cell, sizeof(cell), "cells/%s", jobs.v[1].cell_id);
	const char *words[] = {"mmreplay", "replay", trace, "-e", "slub", "--threads=2", "--kernel=default", "--repeat=1",
			       "-O", "touch=a b", "-o", cell, "-q", NULL};
	for (size_t i = 0; words[i]; i++)
		assert_string_equal(argv[i], words[i]);
	assert_null(argv[13]);
	/* The quoted line is made of those words: one list of options, whoever runs the job. */
	assert_int_equal(mmr_plan_quote(argv, want, sizeof(want)), 0);
	assert_int_equal(mmr_plan_job_command(p, &jobs, &jobs.v[1], NULL, line, sizeof(line)), 0);
	assert_string_equal(line, want);
	assert_non_null(strstr(line, " -O 'touch=a b' -o cells/"));
	mmr_plan_argv_free(argv);
	assert_int_equal(mmr_plan_generate_argv(p, 0, "x.mmr", &argv), 0);
	assert_string_equal(argv[4], "x.mmr");
	mmr_plan_argv_free(argv);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_plans),
		cmocka_unit_test(test_ids_follow_the_inputs),
		cmocka_unit_test(test_generated_ids),
		cmocka_unit_test(test_errors_name_their_key),
		cmocka_unit_test(test_commands_quote),
		cmocka_unit_test(test_replay_ids),
		cmocka_unit_test(test_replay_command),
		cmocka_unit_test(test_groups_expand),
		cmocka_unit_test(test_groups_errors),
		cmocka_unit_test(test_sweep_plan),
		cmocka_unit_test(test_sweep_errors),
		cmocka_unit_test(test_job_argv),
		cmocka_unit_test(test_fuzz_findings),
		cmocka_unit_test(test_fuzz_expand_error_one_line),
		cmocka_unit_test(test_read_text),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
