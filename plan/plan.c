/* SPDX-License-Identifier: MIT */
/*
 * plan.c - reading a plan file (docs/plans.md): every key checked, every
 * unknown one refused, so that a misspelt "thread" is an error now rather
 * than a plan that silently ran at the default.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mmr_fs.h"
#include "plan_internal.h"

static int read_header(struct jr *r, const cJSON *d, struct mmr_plan *p)
{
	static const char *const keys[] = {"mmreplay_plan", "name", "description", "traces", "engines", "baseline",
					   "threads", "kernel", "engine_opts", "repeat", "reports", "replay", "groups", NULL};
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(d, "mmreplay_plan");
	if (!cJSON_IsNumber(v))
		return jr_fail(r, "", "mmreplay_plan", "missing: not a plan file (docs/plans.md)");
	if (v->valuedouble != MMR_PLAN_VERSION)
		return jr_fail(r, "", "mmreplay_plan", "version %g; this build reads version %d", v->valuedouble,
			       MMR_PLAN_VERSION);
	double rep = 1;
	if (jr_keys(r, "", d, keys) || jr_str_dup(r, "", d, "name", true, &p->name) ||
	    jr_str_dup(r, "", d, "description", false, &p->description) || jr_int(r, "", d, "repeat", false, 1, 1000, &rep))
		return -1;
	/* The name is the default results folder (run, plan show -o): one folder here, not a path. */
	if (strchr(p->name, '/') || p->name[0] == '.' || p->name[0] == '-')
		return jr_fail(r, "", "name", "'%.60s' is no folder name (no '/', not starting with '.' or '-')", p->name);
	p->defaults.repeat = (unsigned)rep;
	return 0;
}

/* The plan's own lists: every job's, or with "groups" the groups' defaults (engines and threads then optional). */
static int read_lists(struct jr *r, const cJSON *d, struct mmr_plan *p)
{
	struct mmr_plan_group *top = &p->defaults;
	bool grouped = cJSON_GetObjectItemCaseSensitive(d, "groups") != NULL;
	int rc = plan_read_engines(r, "", d, top, !grouped) || plan_read_kernels(r, "", d, top) ||
		 plan_read_threads(r, "", d, top, !grouped) || plan_read_opts(r, "", d, top) ||
		 plan_read_replay(r, "", d, &top->replay, &top->nreplay) ? -1 : 0;
	if (!rc && !top->nkernels && (!(top->kernels = calloc(1, sizeof(*top->kernels))) ||
				      jr_dup(r, "", "kernel", "default", &top->kernels[top->nkernels++])))
		rc = jr_fail(r, "", "kernel", "out of memory");
	return rc;
}

static int read_reports(struct jr *r, const cJSON *d, struct mmr_plan *p)
{
	static const char *const keys[] = {"compare", "sweep", NULL};
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(d, "reports");
	bool engines = false, threads = false; /* whether a group has two engines, two thread counts */
	for (size_t i = 0; i < p->ngroups; i++)
		engines |= p->groups[i].nengines > 1, threads |= p->groups[i].nthreads > 1;
	p->compare = engines;
	p->sweep = threads;
	if (!o)
		return 0;
	bool c = false, s = false;
	if (jr_keys(r, "reports", o, keys) || jr_bool(r, "reports", o, "compare", false, &c) ||
	    jr_bool(r, "reports", o, "sweep", false, &s))
		return -1;
	if (cJSON_GetObjectItemCaseSensitive(o, "compare"))
		p->compare = c;
	if (cJSON_GetObjectItemCaseSensitive(o, "sweep"))
		p->sweep = s;
	if (p->compare && !engines)
		return jr_fail(r, "reports", "compare", "a comparison needs two engines or more");
	if (p->sweep && !threads)
		return jr_fail(r, "reports", "sweep", "a sweep needs two thread counts or more");
	return 0;
}

struct mmr_plan *mmr_plan_read_text(const char *text, size_t len, const char *path, struct mmr_error *err)
{
	struct jr r = {.file = path, .err = err, .keys_doc = "docs/plans.md"};
	struct mmr_plan *p = calloc(1, sizeof(*p));
	/* A NUL is no part of a JSON text: cJSON would skip it as space, or end a string at it. */
	const char *end = NULL, *nul = memchr(text, '\0', len);
	cJSON *d = nul ? NULL : cJSON_ParseWithLengthOpts(text, len, &end, false);
	/* cJSON stops at the value's end: anything but space after it would be silently ignored. */
	while (d && end < text + len && memchr(" \t\r\n", *end, 4))
		end++;
	if (!p || !(p->path = strdup(path)) || !(p->text = strndup(text, len)))
		jr_fail(&r, "", NULL, "out of memory");
	else if (!cJSON_IsObject(d) || end != text + len)
		snprintf(err->msg, sizeof(err->msg), "%.400s: not a JSON object (near byte %td)", path,
			 nul ? nul - text : d && !cJSON_IsObject(d) ? (ptrdiff_t)0 : end ? end - text : (ptrdiff_t)0),
			r.failed = true;
	if (!r.failed && !read_header(&r, d, p) && !plan_read_traces(&r, d, p) && !read_lists(&r, d, p) &&
	    !plan_read_groups(&r, d, p))
		read_reports(&r, d, p);
	cJSON_Delete(d);
	if (r.failed) {
		mmr_plan_free(p);
		return NULL;
	}
	return p;
}

struct mmr_plan *mmr_plan_read(const char *path, struct mmr_error *err)
{
	char *text = mmr_slurp(path);
	if (!text) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot read: %s", path,
			 errno == EINVAL ? "not a regular file" : strerror(errno));
		return NULL;
	}
	struct mmr_plan *p = mmr_plan_read_text(text, strlen(text), path, err);
	free(text);
	return p;
}
