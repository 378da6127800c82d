/* SPDX-License-Identifier: MIT */
/*
 * test_plan_runner.c - how a plan's results directory is prepared
 * (plan/prepare.c): a file trace rewritten after its id was taken is
 * refused, not copied under an id that is not its content's; and how the
 * plan runner (plan/runner.c) stops: a job that
 * ignores the signals passed on is killed at the third, and the temporary
 * results a killed job was writing are removed, so that a stopped run
 * leaves nothing half made.  The job is a shell script standing in for
 * mmreplay: it ignores SIGINT and SIGTERM, starts writing its results
 * (results.json.PID.tmp, as the results writer names its temporary) and
 * sleeps; without the SIGKILL the test would wait for it (ctest's timeout).
 */
#include <glob.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mmr_plan.h"

static char tmpdir[] = "/tmp/mmr_runner_XXXXXX";

/* The stand-in job: its results' temporary in -o DIR/ENGINE, then "started", then asleep, deaf to INT and TERM. */
static const char job_script[] =
	"#!/bin/sh\n"
	"trap '' INT TERM\n"
	"while [ $# -gt 0 ]; do case $1 in -o) out=$2; shift ;; -e) engine=$2; shift ;; esac; shift; done\n"
	"mkdir -p \"$out/$engine\" && echo '{' >\"$out/$engine/results.json.$$.tmp\" && touch started\n"
	"exec sleep 300\n";

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* How many files match PATTERN. */
static size_t count(const char *pattern)
{
	glob_t g;
	size_t n = glob(pattern, 0, NULL, &g) == 0 ? g.gl_pathc : 0;
	globfree(&g);
	return n;
}

static void nap(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&t, NULL);
}

/*
 * The signaller: once the job has started, SIGTERM to PARENT every 100 ms
 * (signals sent faster than the runner takes them would merge into one)
 * until the job's temporary is gone; at most 30 s.
 */
static void signaller(pid_t parent, const char *started, const char *tmps)
{
	for (int i = 0; i < 300 && access(started, F_OK) != 0; i++)
		nap(100);
	for (int i = 0; i < 300 && count(tmps); i++) {
		kill(parent, SIGTERM);
		nap(100);
	}
	_exit(0);
}

static void test_third_signal_kills(void **state)
{
	(void)state;
	char exe[300], trace[300], plan[300], dir[300], started[320], tmps[400];
	snprintf(exe, sizeof(exe), "%s/job.sh", tmpdir);
	snprintf(trace, sizeof(trace), "%s/t.mmr", tmpdir);
	snprintf(plan, sizeof(plan), "%s/plan.json", tmpdir);
	snprintf(dir, sizeof(dir), "%s/out", tmpdir);
	snprintf(started, sizeof(started), "%s/started", dir);
	snprintf(tmps, sizeof(tmps), "%s/cells/*/a/results.json.*.tmp", dir);
	write_file(exe, job_script, 0755);
	write_file(trace, "not a trace: the runner only copies it", 0644);
	static const char text[] = "{\"mmreplay_plan\": 1, \"name\": \"r\", \"traces\": [{\"name\": \"t\", \"file\": \"t.mmr\"}], "
				   "\"engines\": [\"a\"], \"threads\": [1]}";
	struct mmr_error err = {{0}};
	struct mmr_plan *p = mmr_plan_read_text(text, strlen(text), plan, &err);
	struct mmr_plan_jobs jobs = {0};
	if (!p || mmr_plan_expand(p, NULL, &jobs, &err) || mmr_plan_prepare(p, &jobs, dir, exe, &err))
		fail_msg("%s", err.msg);
	/* TERM stays blocked here once the runner gives the mask back: the signaller's last ones are harmless. */
	sigset_t term, old;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	assert_int_equal(sigprocmask(SIG_BLOCK, &term, &old), 0);
	pid_t sig = fork();
	assert_true(sig >= 0);
	if (sig == 0)
		signaller(getppid(), started, tmps);
	struct mmr_plan_run_opts o = {.exe = exe, .jobs = 1, .quiet = true};
	struct mmr_plan_run_stats s;
	int rc = mmr_plan_run(p, &jobs, dir, &o, &s, &err);
	kill(sig, SIGKILL);
	waitpid(sig, NULL, 0);
	if (rc)
		fail_msg("%s", err.msg);
	assert_int_equal(s.signal, SIGTERM);
	assert_int_equal(s.done, 0);
	assert_false(mmr_plan_job_done(p, &jobs.v[0], dir));
	assert_int_equal(access(started, F_OK), 0); /* the job did start */
	assert_int_equal(count(tmps), 0);          /* and what it was writing is gone */
	/* The signaller's last ones, still pending, taken before TERM is unblocked. */
	struct timespec zero = {0, 0};
	while (sigtimedwait(&term, NULL, &zero) == SIGTERM)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	mmr_plan_jobs_free(&jobs);
	mmr_plan_free(p);
}

/* A trace that changes between expansion (its id, its content's hash) and the copy: refused, nothing left. */
static void test_trace_changed(void **state)
{
	(void)state;
	char trace[300], plan[300], dir[300], pattern[400];
	snprintf(trace, sizeof(trace), "%s/c.mmr", tmpdir);
	snprintf(plan, sizeof(plan), "%s/changed.json", tmpdir);
	snprintf(dir, sizeof(dir), "%s/changed", tmpdir);
	snprintf(pattern, sizeof(pattern), "%s/traces/*", dir);
	write_file(trace, "the trace as the plan was expanded", 0644);
	static const char text[] = "{\"mmreplay_plan\": 1, \"name\": \"c\", \"traces\": [{\"name\": \"t\", \"file\": \"c.mmr\"}], "
				   "\"engines\": [\"a\"], \"threads\": [1]}";
	struct mmr_error err = {{0}};
	struct mmr_plan *p = mmr_plan_read_text(text, strlen(text), plan, &err);
	struct mmr_plan_jobs jobs = {0};
	if (!p || mmr_plan_expand(p, NULL, &jobs, &err))
		fail_msg("%s", err.msg);
	write_file(trace, "the trace written again", 0644);
	assert_int_equal(mmr_plan_prepare(p, &jobs, dir, "/bin/false", &err), -1);
	if (!strstr(err.msg, "changed while the plan was being prepared") || strchr(err.msg, '\n'))
		fail_msg("got '%s'", err.msg);
	assert_int_equal(count(pattern), 0);
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
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace_changed),
		cmocka_unit_test(test_third_signal_kills),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
