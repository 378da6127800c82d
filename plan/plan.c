/* SPDX-License-Identifier: MIT */
/*
 * plan.c - reading a plan file (docs/plans.md): every key checked, every
 * unknown one refused, so that a misspelt "thread" is an error now rather
 * than a plan that silently ran at the default.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mmr_fs.h"
#include "plan_internal.h"

void plan_bad(struct plan_reader *r, const char *key, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!r->failed) {
		snprintf(r->err->msg, sizeof(r->err->msg), "%.200s: %.100s: %.200s", r->path, key, what);
		cat_oneline(r->err->msg); /* a key or value quoted may hold a newline */
	}
	r->failed = true;
}

bool plan_only_keys(struct plan_reader *r, const cJSON *o, const char *where, const char *const *keys)
{
	/* The catalog's check: unknown keys, and a key given twice, which cJSON would keep and we would ignore. */
	struct cat_ck c = {.file = r->path, .err = r->err, .keys_doc = "docs/plans.md"};
	if (r->failed || cat_keys(&c, where, o, keys) == 0)
		return !r->failed;
	r->failed = true;
	return false;
}

char *plan_str(struct plan_reader *r, const cJSON *o, const char *where, const char *key, bool required)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char path[160];
	snprintf(path, sizeof(path), "%s%s%s", where, *where ? "." : "", key);
	if (!v) {
		if (required)
			plan_bad(r, path, "missing");
		return NULL;
	}
	if (!cJSON_IsString(v) || !v->valuestring[0]) {
		plan_bad(r, path, "not a non-empty string");
		return NULL;
	}
	char *s = strdup(v->valuestring);
	if (!s)
		plan_bad(r, path, "out of memory");
	return s;
}

bool plan_num(struct plan_reader *r, const cJSON *v, const char *path, uint64_t lo, uint64_t hi, uint64_t *out)
{
	double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
	if (!(d >= (double)lo && d <= (double)hi && d == floor(d))) {
		plan_bad(r, path, "not a whole number in %llu..%llu", (unsigned long long)lo, (unsigned long long)hi);
		return false;
	}
	*out = (uint64_t)d;
	return true;
}

/* Member KEY of O as a whole number in LO..HI, DEF when absent. */
bool plan_num_key(struct plan_reader *r, const cJSON *o, const char *where, const char *key, uint64_t lo,
		  uint64_t hi, uint64_t def, uint64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char path[160];
	snprintf(path, sizeof(path), "%s%s%s", where, *where ? "." : "", key);
	*out = def;
	return !v || plan_num(r, v, path, lo, hi, out);
}

/* A value of an option or a param: a string, or a number written as the command line would. */
char *plan_value(struct plan_reader *r, const cJSON *v, const char *path)
{
	char buf[64];
	const char *s = NULL;
	if (cJSON_IsString(v) && v->valuestring[0] && !strchr(v->valuestring, ',') && !strchr(v->valuestring, '='))
		s = v->valuestring;
	else if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 9.0e15)
		s = (snprintf(buf, sizeof(buf), "%.0f", v->valuedouble), buf);
	if (!s) {
		plan_bad(r, path, "not a whole number or a non-empty string without ',' or '='");
		return NULL;
	}
	char *c = strdup(s);
	if (!c)
		plan_bad(r, path, "out of memory");
	return c;
}

/* Array KEY of O, of 1..MMR_PLAN_MAX_LIST items; NULL (an error unless !REQUIRED and absent). */
const cJSON *plan_list(struct plan_reader *r, const cJSON *o, const char *key, bool required)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!a) {
		if (required)
			plan_bad(r, key, "missing");
		return NULL;
	}
	int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : -1;
	if (n < 1 || n > MMR_PLAN_MAX_LIST) {
		plan_bad(r, key, "not an array of 1 to %d items", MMR_PLAN_MAX_LIST);
		return NULL;
	}
	return a;
}

static int read_header(struct plan_reader *r, const cJSON *d, struct mmr_plan *p)
{
	static const char *const keys[] = {"mmreplay_plan", "name", "description", "traces", "engines", "baseline",
					   "threads", "kernel", "engine_opts", "repeat", "reports", NULL};
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(d, "mmreplay_plan");
	if (!cJSON_IsNumber(v)) {
		plan_bad(r, "mmreplay_plan", "missing: not a plan file (docs/plans.md)");
		return -1;
	}
	if (v->valuedouble != MMR_PLAN_VERSION) {
		plan_bad(r, "mmreplay_plan", "version %g; this build reads version %d", v->valuedouble, MMR_PLAN_VERSION);
		return -1;
	}
	if (!plan_only_keys(r, d, "", keys))
		return -1;
	p->name = plan_str(r, d, "", "name", true);
	p->description = plan_str(r, d, "", "description", false);
	uint64_t rep;
	if (plan_num_key(r, d, "", "repeat", 1, 1000, 1, &rep))
		p->repeat = (unsigned)rep;
	return r->failed ? -1 : 0;
}

static int read_reports(struct plan_reader *r, const cJSON *d, struct mmr_plan *p)
{
	static const char *const keys[] = {"compare", "sweep", NULL};
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(d, "reports");
	p->compare = p->nengines > 1;
	p->sweep = p->nthreads > 1;
	if (!o)
		return 0;
	if (!cJSON_IsObject(o) || !plan_only_keys(r, o, "reports", keys)) {
		if (!r->failed)
			plan_bad(r, "reports", "not an object");
		return -1;
	}
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "compare"), *s = cJSON_GetObjectItemCaseSensitive(o, "sweep");
	if ((c && !cJSON_IsBool(c)) || (s && !cJSON_IsBool(s))) {
		plan_bad(r, c && !cJSON_IsBool(c) ? "reports.compare" : "reports.sweep", "not true or false");
		return -1;
	}
	if (c)
		p->compare = cJSON_IsTrue(c);
	if (s)
		p->sweep = cJSON_IsTrue(s);
	if (p->compare && p->nengines < 2)
		plan_bad(r, "reports.compare", "a comparison needs two engines or more");
	if (p->sweep && p->nthreads < 2)
		plan_bad(r, "reports.sweep", "a sweep needs two thread counts or more");
	return r->failed ? -1 : 0;
}

struct mmr_plan *mmr_plan_read_text(const char *text, size_t len, const char *path, struct mmr_error *err)
{
	struct plan_reader r = {.path = path, .err = err};
	struct mmr_plan *p = calloc(1, sizeof(*p));
	/* A NUL is no part of a JSON text: cJSON would skip it as space, or end a string at it. */
	const char *end = NULL, *nul = memchr(text, '\0', len);
	cJSON *d = nul ? NULL : cJSON_ParseWithLengthOpts(text, len, &end, false);
	/* cJSON stops at the value's end: anything but space after it would be silently ignored. */
	while (d && end < text + len && memchr(" \t\r\n", *end, 4))
		end++;
	if (!p || !(p->path = strdup(path)))
		plan_bad(&r, "plan", "out of memory");
	else if (!cJSON_IsObject(d) || end != text + len)
		snprintf(err->msg, sizeof(err->msg), "%.400s: not a JSON object (near byte %td)", path,
			 nul ? nul - text : d && !cJSON_IsObject(d) ? (ptrdiff_t)0 : end ? end - text : (ptrdiff_t)0),
			r.failed = true;
	if (!r.failed && !read_header(&r, d, p) && !plan_read_traces(&r, d, p) && !plan_read_engines(&r, d, p) &&
	    !plan_read_threads(&r, d, p) && !plan_read_opts(&r, d, p))
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
