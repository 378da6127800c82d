/* SPDX-License-Identifier: MIT */
/*
 * collect.c - the results of one plan, run in parts on several machines
 * (GNU parallel's --return, a Slurm array, copies by hand), merged into
 * one results directory that the plan's reports read.
 *
 * Everything is checked before anything is written: the directories hold
 * one plan (the same jobs, whose ids cover the traces' contents, every
 * option and the engines), and every results.json was made by one version
 * of mmreplay, so that a refused collection leaves OUT as it was.  A
 * job's results found in two places are taken once; results of a job run
 * twice differ in their timings, which is not an error, but which copy is
 * kept is said.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmr_fs.h"
#include "plan_internal.h"

#define PATH_LEN 4400

struct collect {
	const char *out;
	FILE *warn;
	const char **srcs;         /* where results come from, in the order they are kept: OUT first when it has any */
	size_t nsrc;
	bool out_src;              /* srcs[0] is OUT */
	struct mmr_plan *plan;     /* srcs[0]'s */
	struct mmr_plan_jobs jobs;
	int *from;                 /* per job: the source whose results are kept, -1: none */
	int *differs;              /* per job: a later source whose copy differs, -1: none */
	struct plan_meta *meta;    /* per job: its kept results' */
	char tool_path[PATH_LEN];  /* the first results.json seen, and its tool */
	struct mmr_plan_collected *c;
};

/* Whether A and B are the same directory. */
static bool same_dir(const char *a, const char *b)
{
	struct stat x, y;
	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* Whether directory D has nothing in it. */
static bool empty_dir(const char *d)
{
	DIR *dir = opendir(d);
	struct dirent *e;
	bool empty = dir != NULL;
	while (dir && empty && (e = readdir(dir)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	if (dir)
		closedir(dir);
	return empty;
}

/* The sources in the order their results are kept: OUT when it holds a plan's results, then DIRS. */
static int sources(struct collect *co, const char *const *dirs, size_t n, struct mmr_error *err)
{
	struct stat st;
	char plan[PATH_LEN];
	if (!(co->srcs = calloc(n + 1, sizeof(*co->srcs)))) {
		snprintf(err->msg, sizeof(err->msg), "collect: out of memory");
		return -1;
	}
	snprintf(plan, sizeof(plan), "%s/plan.json", co->out);
	bool out_listed = false;
	for (size_t i = 0; i < n; i++)
		out_listed |= same_dir(dirs[i], co->out);
	if (stat(co->out, &st) == 0 && !S_ISDIR(st.st_mode)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: not a directory", co->out);
		return -1;
	}
	if (out_listed || stat(plan, &st) == 0) {
		co->srcs[co->nsrc++] = co->out;
		co->out_src = true;
	} else if (stat(co->out, &st) == 0 && !empty_dir(co->out)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: neither empty nor a plan's results (no plan.json in it)",
			 co->out);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (!same_dir(dirs[i], co->out))
			co->srcs[co->nsrc++] = dirs[i];
	return 0;
}

/*
 * Why plan B (jobs JB) is not plan A (JA), into WHY; "" when it is the
 * same: the same jobs, and what the reports take from the plan that ids
 * do not cover (each group's baseline and, with groups, its name).
 */
static void plan_diff(const struct mmr_plan *a, const struct mmr_plan_jobs *ja, const struct mmr_plan *b,
		      const struct mmr_plan_jobs *jb, char *why, size_t len)
{
	why[0] = '\0';
	if (ja->n != jb->n) {
		snprintf(why, len, "%zu jobs against %zu", jb->n, ja->n);
		return;
	}
	for (size_t i = 0; i < ja->n; i++)
		if (strcmp(ja->v[i].id, jb->v[i].id)) {
			snprintf(why, len, "its job %zu is %s, the first's %s", i + 1, jb->v[i].id, ja->v[i].id);
			return;
		}
	if (a->ngroups != b->ngroups) {
		snprintf(why, len, "%zu groups against %zu", b->ngroups, a->ngroups);
		return;
	}
	/* A plan of groups may have no baseline of its own: each group's is what its cells are compared with. */
	for (size_t g = 0; g < a->ngroups && !why[0]; g++) {
		const struct mmr_plan_group *x = &a->groups[g], *y = &b->groups[g];
		if (a->ngroups > 1 && strcmp(x->name, y->name))
			snprintf(why, len, "groups[%zu] is %.40s, the first's %.40s", g, y->name, x->name);
		else if (strcmp(x->baseline, y->baseline) && a->ngroups > 1)
			snprintf(why, len, "group %.40s's baseline %.40s against %.40s", x->name, y->baseline, x->baseline);
		else if (strcmp(x->baseline, y->baseline))
			snprintf(why, len, "baseline %.60s against %.60s", y->baseline, x->baseline);
	}
	if (!why[0] && (a->compare != b->compare || a->sweep != b->sweep))
		snprintf(why, len, "other reports");
}

/* Read and expand every source's plan.json; each must be the first's.  Returns 0, or -1 with ERR. */
static int read_plans(struct collect *co, struct mmr_error *err)
{
	for (size_t s = 0; s < co->nsrc; s++) {
		char path[PATH_LEN], why[200];
		struct mmr_plan_jobs jobs;
		snprintf(path, sizeof(path), "%s/plan.json", co->srcs[s]);
		/* No bundled traces: a results directory holds its own (DIR/traces), so its ids are its own. */
		struct mmr_plan *p = mmr_plan_read(path, err);
		if (!p || mmr_plan_expand(p, NULL, &jobs, err)) {
			mmr_plan_free(p);
			return -1;
		}
		if (!s) {
			co->plan = p;
			co->jobs = jobs;
			continue;
		}
		plan_diff(co->plan, &co->jobs, p, &jobs, why, sizeof(why));
		mmr_plan_jobs_free(&jobs);
		mmr_plan_free(p);
		if (why[0]) {
			snprintf(err->msg, sizeof(err->msg), "%.160s: another plan than %.160s/plan.json (%.140s)", path,
				 co->srcs[0], why);
			return -1;
		}
	}
	return 0;
}

/* Whether files A and B hold the same bytes (false when either cannot be read). */
static bool same_bytes(const char *a, const char *b)
{
	char *x = mmr_slurp(a), *y = x ? mmr_slurp(b) : NULL;
	bool same = x && y && !strcmp(x, y);
	free(x);
	free(y);
	return same;
}

/* Job I's results in source S (a results.json at PATH, read into M): checked, kept if first.  0, or -1 with ERR. */
static int found(struct collect *co, size_t i, size_t s, const char *path, const struct plan_meta *m,
		 struct mmr_error *err)
{
	const struct mmr_plan_job *j = &co->jobs.v[i];
	const char *engine = mmr_plan_job_engine(co->plan, j);
	if (strcmp(m->engine, engine)) {
		snprintf(err->msg, sizeof(err->msg), "%.380s: results of engine %.40s in engine %.40s's folder", path,
			 m->engine, engine);
		return -1;
	}
	if (!co->tool_path[0]) {
		snprintf(co->tool_path, sizeof(co->tool_path), "%s", path);
		snprintf(co->c->tool, sizeof(co->c->tool), "%s", m->tool);
	} else if (strcmp(m->tool, co->c->tool)) {
		snprintf(err->msg, sizeof(err->msg), "%.180s: made by %.40s, %.180s by %.40s: results of different "
			 "versions are not collected", path, m->tool[0] ? m->tool : "an unnamed version", co->tool_path,
			 co->c->tool[0] ? co->c->tool : "an unnamed version");
		return -1;
	}
	if (co->from[i] < 0) {
		co->from[i] = (int)s;
		co->meta[i] = *m;
		co->c->src[s].taken++;
		return 0;
	}
	char kept[PATH_LEN];
	snprintf(kept, sizeof(kept), "%s/cells/%s/%s/results.json", co->srcs[co->from[i]], j->cell_id, engine);
	co->c->src[s].dups++;
	if (!same_bytes(kept, path)) {
		co->c->src[s].differ++;
		if (co->differs[i] < 0)
			co->differs[i] = (int)s;
	}
	return 0;
}

/* Every source's results of every job: read, checked, the first of each kept.  0, or -1 with ERR. */
static int scan(struct collect *co, struct mmr_error *err)
{
	for (size_t i = 0; i < co->jobs.n; i++) {
		const struct mmr_plan_job *j = &co->jobs.v[i];
		co->from[i] = co->differs[i] = -1;
		for (size_t s = 0; s < co->nsrc; s++) {
			char path[PATH_LEN];
			struct plan_meta m;
			snprintf(path, sizeof(path), "%s/cells/%s/%s/results.json", co->srcs[s], j->cell_id,
				 mmr_plan_job_engine(co->plan, j));
			int rc = plan_meta_read(path, &m, err);
			if (rc < 0 || (rc == 0 && found(co, i, s, path, &m, err)))
				return -1;
		}
	}
	return 0;
}

/*
 * SRC as DST, through a temporary name renamed into place, so that DST is
 * whole or absent (a results.json there means its job is done): a hard
 * link when LINK (a trace, never rewritten), else a copy.  0, or -1 with ERR.
 */
static int put_file(const char *src, const char *dst, bool link_ok, struct mmr_error *err)
{
	char tmp[PATH_LEN + 40];
	snprintf(tmp, sizeof(tmp), "%s.collect-%ld", dst, (long)getpid());
	unlink(tmp);
	int rc = -1;
	if (link_ok && link(src, tmp) == 0 && (rc = rename(tmp, dst)) != 0)
		unlink(tmp);
	if (rc)
		rc = mmr_copy_atomic(src, dst);
	if (rc) {
		int e = errno;
		snprintf(err->msg, sizeof(err->msg), "%.200s: cannot copy to %.200s: %s", src, dst, strerror(e));
	}
	return rc;
}

/* mkdir -p the folder of file PATH.  0, or -1 with ERR. */
static int parent_dir(const char *path, struct mmr_error *err)
{
	char d[PATH_LEN];
	snprintf(d, sizeof(d), "%s", path);
	char *slash = strrchr(d, '/');
	if (slash)
		*slash = '\0';
	if (slash && mmr_mkdir_p(d)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot create: %s", d, strerror(errno));
		return -1;
	}
	return 0;
}

/* FILE (relative) from the first source that has it into OUT, unless OUT has it.  0, or -1 with ERR. */
static int put_first(struct collect *co, const char *file, bool link_ok, struct mmr_error *err)
{
	char src[PATH_LEN], dst[PATH_LEN];
	struct stat st;
	snprintf(dst, sizeof(dst), "%.3800s/%.300s", co->out, file);
	if (stat(dst, &st) == 0)
		return 0;
	for (size_t s = 0; s < co->nsrc; s++) {
		snprintf(src, sizeof(src), "%.3800s/%.300s", co->srcs[s], file);
		if (stat(src, &st) == 0 && S_ISREG(st.st_mode))
			return parent_dir(dst, err) || put_file(src, dst, link_ok, err) ? -1 : 0;
	}
	return 0;
}

/* The plan, its traces, the kept results and their logs into OUT.  0, or -1 with ERR. */
static int write_out(struct collect *co, struct mmr_error *err)
{
	char file[300], src[PATH_LEN], dst[PATH_LEN];
	if (mmr_mkdir_p(co->out)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot create: %s", co->out, strerror(errno));
		return -1;
	}
	/* The plan and the traces first: OUT holding results but no plan.json would not be collected into again. */
	if (put_first(co, "plan.json", false, err))
		return -1;
	for (size_t t = 0; t < co->jobs.ntraces; t++) {
		snprintf(file, sizeof(file), "traces/%s.mmr", co->jobs.trace_ids[t]);
		if (put_first(co, file, true, err))
			return -1;
	}
	for (size_t i = 0; i < co->jobs.n; i++) {
		const struct mmr_plan_job *j = &co->jobs.v[i];
		int s = co->from[i];
		if (s < 0 || (s == 0 && co->out_src))
			continue;
		snprintf(file, sizeof(file), "cells/%s/%.200s/results.json", j->cell_id, mmr_plan_job_engine(co->plan, j));
		snprintf(src, sizeof(src), "%.3800s/%s", co->srcs[s], file);
		snprintf(dst, sizeof(dst), "%.3800s/%s", co->out, file);
		if (parent_dir(dst, err) || put_file(src, dst, false, err))
			return -1;
		snprintf(src, sizeof(src), "%s/logs/%s.log", co->srcs[s], j->id);
		snprintf(dst, sizeof(dst), "%s/logs/%s.log", co->out, j->id);
		if (access(src, F_OK) == 0 && access(dst, F_OK) != 0 && (parent_dir(dst, err) || put_file(src, dst, false, err)))
			return -1;
	}
	return 0;
}

/* OUT's plan read back, what it holds counted, the copies that differed said.  0, or -1 with ERR. */
static int finish(struct collect *co, struct mmr_error *err)
{
	struct mmr_plan_collected *c = co->c;
	char path[PATH_LEN];
	snprintf(path, sizeof(path), "%s/plan.json", co->out);
	if (!(c->plan = mmr_plan_read(path, err)) || mmr_plan_expand(c->plan, NULL, &c->jobs, err))
		return -1;
	for (size_t i = 0; i < co->jobs.n; i++) {
		const struct mmr_plan_job *j = &co->jobs.v[i];
		if (co->from[i] < 0) {
			c->missing++;
			continue;
		}
		c->done++;
		if (plan_host_add(&c->hosts, &c->nhosts, &co->meta[i].host)) {
			snprintf(err->msg, sizeof(err->msg), "collect: out of memory");
			return -1;
		}
		if (co->differs[i] >= 0)
			fprintf(co->warn, "mmreplay collect: warning: job %s (%s, cell %s): its results in %s differ from "
				"those in %s: kept %s's\n", j->id, mmr_plan_job_engine(co->plan, j), j->cell_id,
				co->srcs[co->differs[i]], co->srcs[co->from[i]], co->srcs[co->from[i]]);
	}
	return 0;
}

int mmr_plan_collect(const char *const *dirs, size_t n, const char *out, FILE *warn, struct mmr_plan_collected *c,
		     struct mmr_error *err)
{
	struct collect co = {.out = out, .warn = warn ? warn : stderr, .c = c};
	*c = (struct mmr_plan_collected){0};
	int rc = sources(&co, dirs, n, err);
	if (!rc && !co.nsrc) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: nothing to collect from", out);
		rc = -1;
	}
	if (!rc)
		rc = read_plans(&co, err);
	if (!rc) {
		co.from = calloc(co.jobs.n, sizeof(*co.from));
		co.differs = calloc(co.jobs.n, sizeof(*co.differs));
		co.meta = calloc(co.jobs.n, sizeof(*co.meta));
		c->src = calloc(co.nsrc, sizeof(*c->src));
		c->nsrc = co.nsrc;
		for (size_t s = 0; c->src && s < co.nsrc; s++)
			c->src[s] = (struct mmr_plan_collect_src){.dir = co.srcs[s], .out = co.out_src && !s};
		if (!co.from || !co.differs || !co.meta || !c->src) {
			snprintf(err->msg, sizeof(err->msg), "collect: out of memory");
			rc = -1;
		}
	}
	if (!rc)
		rc = scan(&co, err);
	if (!rc)
		rc = write_out(&co, err);
	if (!rc)
		rc = finish(&co, err);
	free(co.from);
	free(co.differs);
	free(co.meta);
	free(co.srcs);
	mmr_plan_jobs_free(&co.jobs);
	mmr_plan_free(co.plan);
	if (rc)
		mmr_plan_collected_free(c);
	return rc;
}

void mmr_plan_collected_free(struct mmr_plan_collected *c)
{
	mmr_plan_jobs_free(&c->jobs);
	mmr_plan_free(c->plan);
	free(c->src);
	free(c->hosts);
	*c = (struct mmr_plan_collected){0};
}
