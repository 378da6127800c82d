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
	assert_string_equal(p->baseline, "vmalloc-global");
	assert_true(p->compare && p->sweep);
	for (size_t i = 0; i < jobs.n; i++)
		for (size_t k = i + 1; k < jobs.n; k++) {
			assert_string_not_equal(jobs.v[i].id, jobs.v[k].id);
			/* The jobs of one cell share its folder, and only they do. */
			assert_int_equal(!strcmp(jobs.v[i].cell_id, jobs.v[k].cell_id), jobs.v[i].cell == jobs.v[k].cell);
		}
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
	p = read_ok(PLANS_DIR "/cma-options.json", &jobs);
	/* 2 kernels x (2 x 3) grid points x 1 thread count = 12 cells; retries is fixed, not a grid axis. */
	assert_int_equal(jobs.cells, 12);
	assert_int_equal(jobs.n, 24);
	assert_int_equal(p->nopts, 2);
	assert_int_equal(p->nfixed, 1);
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
	expect_error(PLAN(OK_TRACES ", \"engines\": [], \"threads\": [2]"), "engines: not an array of 1 to 64 items");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\", \"a\"], \"threads\": [2]"), "engines[1]: 'a' a second time");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\", \"b\"], \"baseline\": \"c\", \"threads\": [2]"),
		     "baseline: 'c' is not one of the plan's engines");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2, 2]"), "threads[1]: 2 after 2: thread counts rise");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [0]"), "threads[0]: not a whole number in 1..1024");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [1.5]"), "threads[0]: not a whole number");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"kernel\": [\"preempt\"]"),
		     "kernel: 'preempt' is neither default nor rt");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"repeat\": 0"), "repeat: not a whole number in 1..1000");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"engine_opts\": {\"k\": \"x,y\"}"),
		     "engine_opts.k: not a whole number or a non-empty string");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"engine_opts\": {\"k\": [1, 1]}"),
		     "engine_opts.k[1]: '1' a second time");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"reports\": {\"compare\": true}"),
		     "reports.compare: a comparison needs two engines or more");
	expect_error(PLAN(OK_TRACES ", \"engines\": [\"a\"], \"threads\": [2], \"reports\": {\"sweep\": 1}"),
		     "reports.sweep: not true or false");
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

/* Found with fuzz_plan_file (docs/fuzzing.md): what the reader let through. */
static void test_fuzz_findings(void **state)
{
	(void)state;
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
	for (size_t i = 0; i < jobs.n; i++)
		for (size_t k = i + 1; k < jobs.n; k++) {
			assert_string_not_equal(jobs.v[i].id, jobs.v[k].id);
			assert_int_equal(!strcmp(jobs.v[i].cell_id, jobs.v[k].cell_id), jobs.v[i].cell == jobs.v[k].cell);
		}
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
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
		cmocka_unit_test(test_fuzz_findings),
		cmocka_unit_test(test_read_text),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
