/* SPDX-License-Identifier: MIT */
/*
 * test_collect.c - collecting a plan's results (plan/collect.c) and its
 * index (plan/report.c) on results directories written by hand: parts
 * merge into the whole, a job found twice is taken once and a differing
 * copy said, another plan, another tool version or results in the wrong
 * engine's folder are refused with nothing written, and the index lists
 * every cell, a missing job as missing; a plan of groups collected from
 * parts has the whole's index, each group headed, and a group's other
 * baseline is another plan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mmr_fs.h"
#include "mmr_plan.h"

static char tmpdir[] = "/tmp/mmr_collect_XXXXXX";
static int serial;

/* A plan of 2 engines at 2 thread counts on a generated trace: 4 jobs in 2 cells; no plots needed. */
static const char plan_text[] =
	"{\"mmreplay_plan\": 1, \"name\": \"u\", \"traces\": [{\"name\": \"g\", \"generate\": "
	"{\"workload\": \"slab-mix\", \"ops\": 100}}], \"engines\": [\"a\", \"b\"], \"threads\": [1, 2], "
	"\"reports\": {\"compare\": false, \"sweep\": false}}";

static void write_file(const char *path, const char *text)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(mmr_mkdir_p(dir), 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A fresh results directory NAME with PLAN; its path. */
static const char *results_dir(const char *name, const char *plan, char *buf, size_t len)
{
	char path[512];
	snprintf(buf, len, "%s/%d-%s", tmpdir, serial, name);
	snprintf(path, sizeof(path), "%s/plan.json", buf);
	write_file(path, plan);
	return buf;
}

/* Job I of the plan (expanded into JOBS) done in DIR on HOST by TOOL, as engine ENGINE (NULL: the job's). */
static void result(const char *dir, const struct mmr_plan_jobs *jobs, size_t i, const char *host, const char *tool,
		   const char *engine)
{
	const char *names[] = {"a", "b"};
	const struct mmr_plan_job *j = &jobs->v[i];
	char path[512], text[512];
	snprintf(path, sizeof(path), "%s/cells/%s/%s/results.json", dir, j->cell_id, names[j->engine]);
	snprintf(text, sizeof(text), "{\"tool\": \"%s\", \"engine\": \"%s\", \"threads\": %u, "
		 "\"machine\": {\"hostname\": \"%s\", \"cpu_model\": \"cpu\"}}\n", tool, engine ? engine : names[j->engine],
		 j->threads, host);
	write_file(path, text);
}

/* The plan's jobs, read from DIR/plan.json. */
static struct mmr_plan *expand(const char *dir, struct mmr_plan_jobs *jobs)
{
	char path[512];
	struct mmr_error err = {{0}};
	snprintf(path, sizeof(path), "%s/plan.json", dir);
	struct mmr_plan *p = mmr_plan_read(path, &err);
	if (!p || mmr_plan_expand(p, NULL, jobs, &err))
		fail_msg("%s", err.msg);
	return p;
}

static bool exists(const char *dir, const struct mmr_plan_job *j, const char *engine)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/cells/%s/%s/results.json", dir, j->cell_id, engine);
	return access(path, F_OK) == 0;
}

static int setup(void **state)
{
	(void)state;
	serial++;
	return 0;
}

static void test_parts_merge(void **state)
{
	(void)state;
	char a[256], b[256], out[256];
	struct mmr_plan_jobs jobs;
	struct mmr_plan *p = expand(results_dir("A", plan_text, a, sizeof(a)), &jobs);
	results_dir("B", plan_text, b, sizeof(b));
	result(a, &jobs, 0, "h1", "mmreplay 9.9", NULL);
	result(a, &jobs, 1, "h1", "mmreplay 9.9", NULL);
	result(b, &jobs, 2, "h2", "mmreplay 9.9", NULL);
	result(b, &jobs, 3, "h2", "mmreplay 9.9", NULL);
	snprintf(out, sizeof(out), "%s/%d-OUT", tmpdir, serial);
	const char *dirs[] = {a, b};
	struct mmr_plan_collected c;
	struct mmr_error err = {{0}};
	if (mmr_plan_collect(dirs, 2, out, NULL, &c, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(c.done, 4);
	assert_int_equal(c.missing, 0);
	assert_int_equal(c.nsrc, 2);
	assert_int_equal(c.src[0].taken, 2);
	assert_int_equal(c.src[1].taken, 2);
	assert_false(c.src[0].out);
	assert_int_equal(c.nhosts, 2);
	assert_string_equal(c.tool, "mmreplay 9.9");
	for (size_t i = 0; i < jobs.n; i++)
		assert_true(exists(out, &jobs.v[i], p->defaults.engines[jobs.v[i].engine]));
	/* The index lists both cells, and collects again into OUT, kept. */
	if (mmr_plan_report(c.plan, &c.jobs, out, NULL, NULL, &err))
		fail_msg("%s", err.msg);
	mmr_plan_collected_free(&c);
	const char *again[] = {b};
	if (mmr_plan_collect(again, 1, out, NULL, &c, &err))
		fail_msg("%s", err.msg);
	assert_true(c.src[0].out);
	assert_int_equal(c.src[0].taken, 4);
	assert_int_equal(c.src[1].dups, 2);
	assert_int_equal(c.src[1].differ, 0);
	mmr_plan_collected_free(&c);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
}

static void test_twice_differing(void **state)
{
	(void)state;
	char a[256], b[256], out[256], warned[4096] = "";
	struct mmr_plan_jobs jobs;
	struct mmr_plan *p = expand(results_dir("A", plan_text, a, sizeof(a)), &jobs);
	results_dir("B", plan_text, b, sizeof(b));
	result(a, &jobs, 0, "h1", "t", NULL);
	result(b, &jobs, 0, "h2", "t", NULL); /* the same job, other bytes */
	result(b, &jobs, 1, "h2", "t", NULL);
	/* OUT is A: B merged into it, A's copy kept. */
	snprintf(out, sizeof(out), "%s", a);
	const char *dirs[] = {b, a};
	struct mmr_plan_collected c;
	struct mmr_error err = {{0}};
	FILE *w = fmemopen(warned, sizeof(warned) - 1, "w");
	assert_non_null(w);
	if (mmr_plan_collect(dirs, 2, out, w, &c, &err))
		fail_msg("%s", err.msg);
	fclose(w);
	assert_int_equal(c.done, 2);
	assert_int_equal(c.missing, 2);
	assert_true(c.src[0].out);
	assert_int_equal(c.src[1].taken, 1);
	assert_int_equal(c.src[1].dups, 1);
	assert_int_equal(c.src[1].differ, 1);
	assert_non_null(strstr(warned, jobs.v[0].id));
	assert_non_null(strstr(warned, "kept"));
	assert_non_null(strchr(warned, '\n'));
	assert_ptr_equal(strchr(warned, '\n'), strrchr(warned, '\n')); /* one line */
	/* The index: every cell, the missing jobs named. */
	if (mmr_plan_report(c.plan, &c.jobs, out, NULL, NULL, &err))
		fail_msg("%s", err.msg);
	char path[512];
	snprintf(path, sizeof(path), "%s/index.md", out);
	char *md = mmr_slurp(path);
	assert_non_null(md);
	for (size_t i = 0; i < jobs.n; i += 2)
		assert_non_null(strstr(md, jobs.v[i].cell_id));
	for (size_t i = 2; i < jobs.n; i++)
		assert_non_null(strstr(md, jobs.v[i].id));
	assert_non_null(strstr(md, "jobs missing"));
	assert_non_null(strstr(md, "2 of the plan's 4 jobs have results"));
	free(md);
	mmr_plan_collected_free(&c);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
}

/* Collecting A and B into a new OUT fails with an error holding WANT, and writes nothing. */
static void refused(const char *a, const char *b, const char *want)
{
	char out[256];
	snprintf(out, sizeof(out), "%s/%d-OUT", tmpdir, serial);
	const char *dirs[] = {a, b};
	struct mmr_plan_collected c;
	struct mmr_error err = {{0}};
	assert_int_equal(mmr_plan_collect(dirs, 2, out, NULL, &c, &err), -1);
	if (!strstr(err.msg, want))
		fail_msg("'%s' does not say '%s'", err.msg, want);
	assert_null(strchr(err.msg, '\n'));
	assert_int_equal(access(out, F_OK), -1);
	assert_null(c.plan);
}

static void test_refusals(void **state)
{
	(void)state;
	char a[256], b[256];
	struct mmr_plan_jobs jobs;
	struct mmr_plan *p = expand(results_dir("A", plan_text, a, sizeof(a)), &jobs);
	result(a, &jobs, 0, "h1", "mmreplay 0.1.0", NULL);
	/* Another version. */
	results_dir("B", plan_text, b, sizeof(b));
	result(b, &jobs, 1, "h1", "mmreplay 0.0.9", NULL);
	refused(a, b, "mmreplay 0.0.9");
	refused(a, b, "results of different versions are not collected");
	/* Results in another engine's folder. */
	serial++;
	results_dir("B", plan_text, b, sizeof(b));
	result(b, &jobs, 1, "h1", "mmreplay 0.1.0", "a");
	refused(a, b, "results of engine a in engine b's folder");
	/* Another plan: 3 thread counts. */
	serial++;
	char other[sizeof(plan_text) + 8];
	snprintf(other, sizeof(other), "%s", plan_text);
	memcpy(strstr(other, "[1, 2]"), "[1, 4]", 6);
	results_dir("B", other, b, sizeof(b));
	refused(a, b, "plan.json: another plan than");
	/* A damaged results.json. */
	serial++;
	results_dir("B", plan_text, b, sizeof(b));
	result(b, &jobs, 1, "h1", "mmreplay 0.1.0", NULL);
	char path[512];
	snprintf(path, sizeof(path), "%s/cells/%s/b/results.json", b, jobs.v[1].cell_id);
	write_file(path, "{\"engine\":");
	refused(a, b, "not JSON");
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
}

static void test_out_not_results(void **state)
{
	(void)state;
	char a[256], out[256], path[600];
	struct mmr_plan_jobs jobs;
	struct mmr_plan *p = expand(results_dir("A", plan_text, a, sizeof(a)), &jobs);
	snprintf(out, sizeof(out), "%s/%d-OUT", tmpdir, serial);
	snprintf(path, sizeof(path), "%s/notes.txt", out);
	write_file(path, "mine\n");
	const char *dirs[] = {a};
	struct mmr_plan_collected c;
	struct mmr_error err = {{0}};
	assert_int_equal(mmr_plan_collect(dirs, 1, out, NULL, &c, &err), -1);
	assert_non_null(strstr(err.msg, "neither empty nor a plan's results"));
	snprintf(path, sizeof(path), "%s/plan.json", out);
	assert_int_equal(access(path, F_OK), -1);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
}

/* Two groups, other engines and thread counts (a baseline not the first engine): 3 + 2 jobs in 3 cells. */
static const char groups_text[] =
	"{\"mmreplay_plan\": 1, \"name\": \"ug\", \"traces\": [{\"name\": \"g\", \"generate\": "
	"{\"workload\": \"slab-mix\", \"ops\": 100}}, {\"name\": \"h\", \"generate\": {\"workload\": \"slab-mix\", "
	"\"ops\": 100, \"seed\": 2}}], \"threads\": [1], \"groups\": ["
	"{\"name\": \"x\", \"traces\": [\"g\"], \"engines\": [\"a\", \"b\", \"c\"], \"baseline\": \"b\"}, "
	"{\"name\": \"y\", \"traces\": [\"h\"], \"engines\": [\"c\"], \"threads\": [1, 2]}], "
	"\"reports\": {\"compare\": false, \"sweep\": false}}";

/* Job I of plan P done in DIR on HOST, as its group's engine. */
static void group_result(const char *dir, const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, size_t i)
{
	const struct mmr_plan_job *j = &jobs->v[i];
	char path[512], text[512];
	snprintf(path, sizeof(path), "%s/cells/%s/%s/results.json", dir, j->cell_id, mmr_plan_job_engine(p, j));
	snprintf(text, sizeof(text), "{\"tool\": \"t\", \"engine\": \"%s\", \"threads\": %u, \"machine\": "
		 "{\"hostname\": \"h\", \"cpu_model\": \"cpu\"}}\n", mmr_plan_job_engine(p, j), j->threads);
	write_file(path, text);
}

static char *index_md(const char *dir)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/index.md", dir);
	char *md = mmr_slurp(path);
	assert_non_null(md);
	return md;
}

static void test_groups(void **state)
{
	(void)state;
	char a[256], b[256], w[256], out[256];
	struct mmr_plan_jobs jobs;
	struct mmr_plan *p = expand(results_dir("A", groups_text, a, sizeof(a)), &jobs);
	assert_int_equal(jobs.n, 5);
	results_dir("B", groups_text, b, sizeof(b));
	results_dir("W", groups_text, w, sizeof(w));
	for (size_t i = 0; i < jobs.n; i++) {
		group_result(i < 2 ? a : b, p, &jobs, i); /* the parts split group x */
		group_result(w, p, &jobs, i);
	}
	struct mmr_error err = {{0}};
	if (mmr_plan_report(p, &jobs, w, NULL, NULL, &err))
		fail_msg("%s", err.msg);
	snprintf(out, sizeof(out), "%s/%d-OUT", tmpdir, serial);
	const char *dirs[] = {a, b};
	struct mmr_plan_collected c;
	if (mmr_plan_collect(dirs, 2, out, NULL, &c, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(c.done, 5);
	assert_int_equal(c.missing, 0);
	if (mmr_plan_report(c.plan, &c.jobs, out, NULL, NULL, &err))
		fail_msg("%s", err.msg);
	/* The parts collected are the whole: the same index, byte for byte. */
	char *whole = index_md(w), *md = index_md(out);
	assert_string_equal(md, whole);
	assert_non_null(strstr(md, "5 of the plan's 5 jobs have results, in 3 cells"));
	assert_non_null(strstr(md, "2 groups, each with its engines and baseline: x (baseline b); y (one engine, c: "
				   "no comparison)."));
	assert_non_null(strstr(md, "\n## group x: g, kernel default\n"));
	assert_non_null(strstr(md, "\n## group y: h, kernel default\n"));
	assert_non_null(strstr(md, "Group y: one engine, c: no comparison, which needs two or more; thread counts 1, 2 "
				   "(no sweeps: the plan's reports leave them out)."));
	for (size_t i = 0; i < jobs.n; i++)
		assert_non_null(strstr(md, jobs.v[i].cell_id));
	free(whole);
	free(md);
	mmr_plan_collected_free(&c);
	/* Another baseline for group x: the same jobs, but not the same plan's reports. */
	serial++;
	char other[sizeof(groups_text)];
	snprintf(other, sizeof(other), "%s", groups_text);
	memcpy(strstr(other, "\"baseline\": \"b\""), "\"baseline\": \"c\"", 15);
	results_dir("B", other, b, sizeof(b));
	results_dir("A", groups_text, a, sizeof(a));
	refused(a, b, "another plan than");
	refused(a, b, "(group x's baseline c against b)");
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_parts_merge, setup),
		cmocka_unit_test_setup(test_twice_differing, setup),
		cmocka_unit_test_setup(test_refusals, setup),
		cmocka_unit_test_setup(test_out_not_results, setup),
		cmocka_unit_test_setup(test_groups, setup),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
