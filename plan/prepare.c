/* SPDX-License-Identifier: MIT */
/*
 * prepare.c - a plan's results directory made self-contained before any
 * job runs (docs/plans.md): every trace copied or generated into
 * DIR/traces under its id, and DIR/plan.json, the plan rewritten to read
 * them there.  Why: so DIR can be copied to other hosts (GNU parallel) or
 * shared (Slurm), its jobs run there from DIR with relative paths, and
 * read again anywhere to the same job ids, without the machine that
 * planned it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "mmr_fs.h"
#include "plan_internal.h"

bool mmr_plan_job_done(const struct mmr_plan *p, const struct mmr_plan_job *j, const char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	int n = snprintf(path, sizeof(path), "%s/cells/%s/%s/results.json", dir, j->cell_id, mmr_plan_job_engine(p, j));
	return n > 0 && (size_t)n < sizeof(path) && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Generated trace T made into DEST (DIR/traces/ID.mmr) by EXE.  0, -1 with ERR, or the signal that stopped it. */
static int generate(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, size_t t, const char *dir,
		    const char *exe, const char *dest, struct mmr_error *err)
{
	char tmp[64], log[PATH_MAX], **argv = NULL, why[200];
	snprintf(tmp, sizeof(tmp), "traces/%s.mmr.%ld.tmp", jobs->trace_ids[t], (long)getpid());
	snprintf(log, sizeof(log), "%s/logs/generate-%s.log", dir, jobs->trace_ids[t]);
	if (mmr_plan_generate_argv(p, t, tmp, &argv)) {
		snprintf(err->msg, sizeof(err->msg), "%.300s: traces[%zu]: out of memory", p->path, t);
		return -1;
	}
	struct plan_sigs old;
	int st = 0, sig = 0;
	plan_signals_block(&old);
	pid_t pid = plan_spawn(exe, argv, dir, log, &old.mask), got = pid;
	int e = errno;
	while (pid > 0 && (got = plan_wait(&st, &sig)) == 0)
		kill(pid, sig); /* passed on; its end is waited for, then the half-made trace removed */
	plan_signals_restore(&old);
	if (pid > 0 && got != pid && !sig)
		st = -1; /* lost track of it (no status): not taken as made */
	mmr_plan_argv_free(argv);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, tmp);
	if (pid > 0 && !sig && WIFEXITED(st) && WEXITSTATUS(st) == 0 && rename(path, dest) == 0)
		return 0;
	e = pid < 0 ? e : errno;
	unlink(path);
	if (sig)
		return sig;
	if (pid < 0)
		snprintf(err->msg, sizeof(err->msg), "%.250s: cannot start %.150s: %.60s", log, exe, strerror(e));
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		snprintf(err->msg, sizeof(err->msg), "%.400s: %.60s", dest, strerror(e));
	else
		plan_last_line(log, why, sizeof(why)),
			snprintf(err->msg, sizeof(err->msg), "traces[%zu] (%.60s): generate failed (%.150s): %.200s", t,
				 p->traces[t].name, log, why[0] ? why : "no output");
	return -1;
}

/*
 * File trace T copied to DEST (a reflink where the file system can),
 * through a temporary name, and renamed into place only when the copy's
 * hash is the id mmr_plan_expand took of it: a trace rewritten in
 * between would otherwise sit under an id that is not its content's, and
 * a later run would trust the name.  0, or -1 with ERR.
 */
static int copy_trace(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, size_t t, const char *dest,
		      struct mmr_error *err)
{
	const char *src = jobs->trace_paths[t];
	char tmp[PATH_MAX + 32], id[17];
	uint64_t h = 0;
	snprintf(tmp, sizeof(tmp), "%s.%ld.copy", dest, (long)getpid());
	bool copied = mmr_copy_atomic(src, tmp) == 0;
	int rc = copied ? plan_hash_file(tmp, &h) : -1;
	snprintf(id, sizeof(id), "%016llx", (unsigned long long)h);
	if (rc)
		snprintf(err->msg, sizeof(err->msg), "traces[%zu] (%.60s): cannot %s %.150s to %.150s: %.60s", t,
			 p->traces[t].name, copied ? "read back the copy of" : "copy", src, tmp, strerror(errno));
	else if (strcmp(id, jobs->trace_ids[t]))
		rc = -1, snprintf(err->msg, sizeof(err->msg), "traces[%zu] (%.60s): %.200s changed while the plan was "
				  "being prepared (its hash was %s, its copy's is %s): run again once it is written",
				  t, p->traces[t].name, src, jobs->trace_ids[t], id);
	else if (rename(tmp, dest))
		rc = -1, snprintf(err->msg, sizeof(err->msg), "traces[%zu] (%.60s): cannot rename %.150s to %.150s: %.60s",
				  t, p->traces[t].name, tmp, dest, strerror(errno));
	if (rc)
		unlink(tmp);
	return rc;
}

/* Every trace into DIR/traces/ID.mmr, those there already kept: their name is their content's id. */
static int place_traces(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const char *dir, const char *exe,
			struct mmr_error *err)
{
	for (size_t t = 0; t < p->ntraces; t++) {
		char dest[PATH_MAX];
		struct stat st;
		snprintf(dest, sizeof(dest), "%s/traces/%s.mmr", dir, jobs->trace_ids[t]);
		if (stat(dest, &st) == 0 && S_ISREG(st.st_mode))
			continue;
		if (p->traces[t].source == MMR_PLAN_GENERATE) {
			int rc = generate(p, jobs, t, dir, exe, dest, err);
			if (rc)
				return rc;
			continue;
		}
		/*
		 * A copy, not a hard link: a trace written again in place (generate
		 * or capture -o the same file) would change the results folder's
		 * copy through the link, and its name would no longer be its
		 * content's hash.  A reflink, where the file system has them, costs
		 * no space until one of them changes.
		 */
		if (copy_trace(p, jobs, t, dest, err))
			return -1;
	}
	return 0;
}

/*
 * P as DIR/plan.json holds it (free() it), NULL when out of memory: the
 * plan's own JSON with every file trace read from traces/, so that it
 * reads the same on any machine.  Everything else (groups, replay options,
 * the grid's order, which is the jobs' order) is the text as the user
 * wrote it: a rebuilt document would have to follow every key the format
 * gains.
 */
static char *plan_text(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs)
{
	cJSON *d = cJSON_Parse(p->text);
	cJSON *ts = cJSON_GetObjectItemCaseSensitive(d, "traces");
	bool ok = d && cJSON_GetArraySize(ts) == (int)p->ntraces;
	for (size_t t = 0; ok && t < p->ntraces; t++) {
		char file[40];
		if (p->traces[t].source != MMR_PLAN_FILE)
			continue;
		snprintf(file, sizeof(file), "traces/%s.mmr", jobs->trace_ids[t]);
		cJSON *tr = cJSON_GetArrayItem(ts, (int)t), *s = cJSON_CreateString(file);
		ok = s && cJSON_ReplaceItemInObjectCaseSensitive(tr, "file", s);
	}
	char *s = ok ? cJSON_Print(d) : NULL;
	cJSON_Delete(d);
	char *text = s ? malloc(strlen(s) + 2) : NULL;
	if (text)
		sprintf(text, "%s\n", s);
	cJSON_free(s);
	return text;
}

/*
 * Whether DIR/plan.json (PATH), when there is one, is P's: the same name
 * and the same jobs, so that a rerun resumes and results of two plans
 * are never mixed in one folder.  0 when it is or there is none, else -1
 * with ERR.
 */
static int same_plan(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const char *dir, const char *path,
		     struct mmr_error *err)
{
	struct stat st;
	if (lstat(path, &st) != 0 && errno == ENOENT)
		return 0;
	struct mmr_error e = {{0}};
	struct mmr_plan *old = mmr_plan_read(path, &e);
	struct mmr_plan_jobs oj = {0};
	bool same = old && !mmr_plan_expand(old, NULL, &oj, &e) && !strcmp(old->name, p->name) && oj.n == jobs->n;
	for (size_t i = 0; same && i < jobs->n; i++)
		same = !strcmp(oj.v[i].id, jobs->v[i].id);
	if (!same && old && !e.msg[0] && !strcmp(old->name, p->name))
		snprintf(err->msg, sizeof(err->msg), "%.300s holds the results of plan '%.100s' as it was (%zu jobs): the plan "
			 "changed since; choose another -o", dir, old->name, oj.n);
	else if (!same && old && !e.msg[0])
		snprintf(err->msg, sizeof(err->msg), "%.300s holds the results of another plan ('%.100s', %zu jobs): choose another -o",
			 dir, old->name, oj.n);
	else if (!same)
		snprintf(err->msg, sizeof(err->msg), "%.140s holds a plan.json that cannot be read (%.300s): choose another -o",
			 dir, e.msg[0] ? e.msg : "out of memory");
	mmr_plan_jobs_free(&oj);
	mmr_plan_free(old);
	return same ? 0 : -1;
}

/*
 * Hold DIR/.lock until this process ends: two runs of one plan into one
 * folder (a second terminal, a local run beside an emitted one's jobs
 * here) would run the same jobs twice and write the same results at once.
 * 0, or -1 with ERR when another process holds it.
 */
static int lock_dir(const char *dir, struct mmr_error *err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0; /* fd stays open: the lock is the process's */
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (e == EWOULDBLOCK)
		snprintf(err->msg, sizeof(err->msg), "%.400s is in use by another mmreplay run: wait for it, or choose another -o", dir);
	else
		snprintf(err->msg, sizeof(err->msg), "cannot lock %.400s: %.60s", path, strerror(e));
	return -1;
}

int mmr_plan_prepare(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const char *dir, const char *exe,
		     struct mmr_error *err)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/plan.json", dir);
	if (n < 0 || (size_t)n >= sizeof(path) - 64) {
		snprintf(err->msg, sizeof(err->msg), "%.300s: path too long", dir);
		return -1;
	}
	const char *sub[] = {"", "/traces", "/logs"};
	for (size_t i = 0; i < 3; i++) {
		char d[PATH_MAX];
		snprintf(d, sizeof(d), "%s%s", dir, sub[i]);
		struct stat st;
		if (mmr_mkdir_p(d) != 0 || (stat(d, &st) == 0 && !S_ISDIR(st.st_mode) && (errno = ENOTDIR))) {
			snprintf(err->msg, sizeof(err->msg), "cannot create %.400s: %.60s", d, strerror(errno));
			return -1;
		}
		if (i == 0 && (lock_dir(dir, err) || same_plan(p, jobs, dir, path, err)))
			return -1; /* before anything is added to another plan's folder */
	}
	int rc = place_traces(p, jobs, dir, exe, err);
	if (rc)
		return rc;
	/* PLAN run with -o its own folder is DIR/plan.json already: the user's file is not rewritten. */
	struct stat a, b;
	if (stat(p->path, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return 0;
	/* Last, once its traces are all there: a plan.json is a directory whose jobs can run. */
	char *text = plan_text(p, jobs);
	if (!text || mmr_write_atomic(path, text, 0644) != 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot write %.400s: %.60s", path, text ? strerror(errno) : "out of memory");
		free(text);
		return -1;
	}
	free(text);
	return 0;
}
