/* SPDX-License-Identifier: MIT */
/*
 * emit.c - a prepared plan directory's jobs written out for engines that
 * run jobs on many machines, rather than a scheduler of our own: jobs.tsv
 * (a line per job not done), and a GNU parallel script or a Slurm array
 * job over it.  Each job is the same command the local runner execs
 * (command.c), run from DIR with relative paths, so DIR can be copied to
 * hosts (parallel) or shared (Slurm).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "mmr_fs.h"
#include "mmr_trace.h"
#include "plan_internal.h"

/* The plan's name as a script's comments and Slurm's --job-name can hold it. */
static void safe_name(const char *name, char *buf, size_t len)
{
	size_t i = 0;
	for (; name[i] && i + 1 < len; i++)
		buf[i] = strchr(PLAN_ALNUM "._-", name[i]) ? name[i] : '_';
	buf[i] = '\0';
}

static const char parallel_script[] =
	"#!/usr/bin/env bash\n"
	"# run-parallel.sh - the %zu jobs of plan %s not done when `mmreplay run --emit parallel`\n"
	"# wrote it (%s), run by GNU parallel from this folder: a line of jobs.tsv\n"
	"# (JOB_ID, CELL_ID, ENGINE, COMMAND) a job, its results in cells/CELL_ID/ENGINE,\n"
	"# its output in logs/JOB_ID.log.\n"
	"#\n"
	"#   ./run-parallel.sh                        this machine, a job at a time\n"
	"#   ./run-parallel.sh --sshloginfile hosts   the hosts of file hosts (parallel's format,\n"
	"#                                            ':' is this machine), a job at a time on each\n"
	"#\n"
	"# Every argument goes to parallel, after this script's -j1 (replays measure the machine:\n"
	"# jobs run side by side disturb each other's timings).  With hosts (-S, --sshlogin,\n"
	"# --sshloginfile, --slf) each host gets plan.json and traces/ once (--basefile), in the\n"
	"# folder at this folder's path relative to the home directory (--workdir .), runs its\n"
	"# jobs there, sends back each job's cells/CELL_ID/ENGINE and logs/JOB_ID.log (--return)\n"
	"# and removes what it was sent (--cleanup).  Assumed: ssh to every host without a\n"
	"# password, rsync on each, and mmreplay of this version on each one's PATH (results\n"
	"# record the version; mmreplay collect refuses mixed ones).  The exit status is\n"
	"# parallel's: the number of jobs that failed.  Rerun mmreplay run --emit parallel for\n"
	"# the jobs still not done.\n"
	"set -eu\n"
	"cd \"$(dirname \"$0\")\"\n"
	"remote=()\n"
	"for a in \"$@\"; do\n"
	"\tcase $a in\n"
	"\t-S | -S?* | --sshlogin | --sshlogin=* | --slf | --slf=* | --sshloginfile | --sshloginfile=*)\n"
	"\t\tremote=(--workdir . --basefile plan.json --basefile traces --return 'cells/{2}/{3}'\n"
	"\t\t\t--return 'logs/{1}.log' --cleanup) ;;\n"
	"\tesac\n"
	"done\n"
	"mkdir -p logs\n"
	"exec parallel --colsep '\\t' -j1 \"${remote[@]}\" \"$@\" 'mkdir -p logs && eval {4} >logs/{1}.log 2>&1' :::: jobs.tsv\n";

static const char slurm_script[] =
	"#!/bin/bash\n"
	"#SBATCH --job-name=mmreplay-%s\n"
	"#SBATCH --array=1-%zu\n"
	"#SBATCH --output=%s/logs/slurm-%%A_%%a.out\n"
	"#\n"
	"# slurm.sbatch - the %zu jobs of plan %s not done when `mmreplay run --emit slurm`\n"
	"# wrote it (%s): an array job whose task I runs line I of %s\n"
	"# (JOB_ID, CELL_ID, ENGINE, COMMAND) from %s, its results into\n"
	"# cells/CELL_ID/ENGINE, its output into logs/JOB_ID.log.\n"
	"#\n"
	"#   sbatch %s/slurm.sbatch\n"
	"#\n"
	"# sbatch's own options on its command line win over these lines: --partition,\n"
	"# --time, --array=1-%zu%%K to run at most K tasks at once.  Assumed: this folder on a\n"
	"# file system every node shares, at the same path, and mmreplay of this version on\n"
	"# every node's PATH.  Task ids stop below the cluster's MaxArraySize (1001 by\n"
	"# default): submit more jobs in parts, each from line MMR_OFFSET + 1 on:\n"
	"#   sbatch --array=1-1000 slurm.sbatch\n"
	"#   sbatch --array=1-1000 --export=ALL,MMR_OFFSET=1000 slurm.sbatch   (and so on)\n"
	"# That list is this script's own copy of jobs.tsv, named for its content: rerun\n"
	"# mmreplay run --emit slurm for the jobs still not done at any time, even while\n"
	"# this array is queued (Slurm keeps the script a job was submitted with).\n"
	"set -eu\n"
	"cd '%s'\n"
	"IFS=$'\\t' read -r job cell engine cmd < <(sed -n \"$((SLURM_ARRAY_TASK_ID + ${MMR_OFFSET:-0}))p\" %s)\n"
	"echo \"mmreplay job $job: $engine in cell $cell on $(hostname)\"\n"
	"# Done already (run here, or by an earlier array): never twice.\n"
	"[ -e \"cells/$cell/$engine/results.json\" ] && exit 0\n"
	"eval \"$cmd\" >\"logs/$job.log\" 2>&1\n";

/* The script of KIND for N jobs (Slurm's reading the job list LIST) into *TEXT (free() it), or -1 with ERR. */
static int script(const struct mmr_plan *p, const char *dir, enum mmr_plan_emit_kind kind, size_t n, const char *list,
		  char **text, struct mmr_error *err)
{
	char name[128], abs[PATH_MAX];
	safe_name(p->name, name, sizeof(name));
	const char *v = mmr_tool_version();
	if (kind == MMR_PLAN_EMIT_PARALLEL)
		return asprintf(text, parallel_script, n, name, v) < 0 ? -1 : 0;
	if (!realpath(dir, abs)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: %s", dir, strerror(errno));
		return -1;
	}
	/* #SBATCH lines are not a shell's: a path they hold cannot be quoted. */
	if (strspn(abs, PLAN_ALNUM "._-+/@:,=") != strlen(abs)) {
		snprintf(err->msg, sizeof(err->msg),
			 "%.400s: a path with a space, a quote or a '%%' (Slurm's own) cannot go into an #SBATCH line: choose another -o", abs);
		return -1;
	}
	return asprintf(text, slurm_script, name, n, abs, n, name, v, list, abs, abs, n, abs, list) < 0 ? -1 : 0;
}

/* jobs.tsv's text for the jobs not done into *TEXT (free() it), *N lines; -1 with ERR. */
static int jobs_tsv(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const char *dir, char **text,
		    size_t *n, struct mmr_error *err)
{
	char *buf = NULL, line[16384];
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	*n = 0;
	for (size_t i = 0; f && i < jobs->n; i++) {
		const struct mmr_plan_job *j = &jobs->v[i];
		if (mmr_plan_job_done(p, j, dir))
			continue;
		if (mmr_plan_job_command(p, jobs, j, NULL, line, sizeof(line)) || strpbrk(line, "\t\n\r")) {
			snprintf(err->msg, sizeof(err->msg), "%.300s: job %s: its command is too long or holds a tab or a newline, which jobs.tsv cannot",
				 p->path, j->id);
			fclose(f), free(buf);
			return -1;
		}
		fprintf(f, "%s\t%s\t%s\t%s\n", j->id, j->cell_id, mmr_plan_job_engine(p, j), line);
		++*n;
	}
	if (!f || fclose(f) != 0) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		free(buf);
		return -1;
	}
	*text = buf;
	return 0;
}

int mmr_plan_emit(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const char *dir,
		  enum mmr_plan_emit_kind kind, size_t *pending, struct mmr_error *err)
{
	const char *file = kind == MMR_PLAN_EMIT_PARALLEL ? "run-parallel.sh" : "slurm.sbatch";
	char *tsv = NULL, *sh = NULL, path[PATH_MAX], list[64] = "jobs.tsv";
	int rc = jobs_tsv(p, jobs, dir, &tsv, pending, err);
	/*
	 * Slurm's tasks read a copy named for its content: a task still queued
	 * from an earlier emit reads the list its array was made for, which
	 * a new jobs.tsv (the jobs done since left out) would shift.
	 */
	if (rc == 0 && *pending && kind == MMR_PLAN_EMIT_SLURM) {
		snprintf(list, sizeof(list), "slurm-jobs-%016llx.tsv", (unsigned long long)XXH64(tsv, strlen(tsv), 0));
		snprintf(path, sizeof(path), "%s/%s", dir, list);
		if (mmr_write_atomic(path, tsv, 0644) != 0)
			rc = -1, snprintf(err->msg, sizeof(err->msg), "cannot write %.400s: %s", path, strerror(errno));
	}
	if (rc == 0 && *pending)
		rc = script(p, dir, kind, *pending, list, &sh, err);
	snprintf(path, sizeof(path), "%s/jobs.tsv", dir);
	if (rc == 0 && mmr_write_atomic(path, tsv, 0644) != 0)
		rc = -1, snprintf(err->msg, sizeof(err->msg), "cannot write %.400s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (rc == 0 && sh && mmr_write_atomic(path, sh, 0755) != 0)
		rc = -1, snprintf(err->msg, sizeof(err->msg), "cannot write %.400s: %s", path, strerror(errno));
	else if (rc == 0 && !sh && unlink(path) != 0 && errno != ENOENT)
		rc = -1, snprintf(err->msg, sizeof(err->msg), "cannot remove %.400s: %s", path, strerror(errno));
	/* One kind's script at a time: the one just written is how these jobs are to be run. */
	snprintf(path, sizeof(path), "%s/%s", dir, kind == MMR_PLAN_EMIT_PARALLEL ? "slurm.sbatch" : "run-parallel.sh");
	if (rc == 0 && unlink(path) != 0 && errno != ENOENT)
		rc = -1, snprintf(err->msg, sizeof(err->msg), "cannot remove %.400s: %s", path, strerror(errno));
	free(tsv), free(sh);
	return rc;
}
