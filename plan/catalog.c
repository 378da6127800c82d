/* SPDX-License-Identifier: MIT */
/*
 * catalog.c - the family catalog (plan/families.json, docs/families.md):
 * finding the file, reading it, and checking each family.  The claims
 * are checked in catalog_claims.c.  The strings point into the parsed
 * document, which the catalog keeps, so nothing is copied twice.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmr_fs.h"
#include "catalog_internal.h"
#include "mmr_catalog.h"
#include "mmr_plan.h"
#include "mmr_install.h"

#ifndef MMR_CATALOG_SOURCE
#define MMR_CATALOG_SOURCE "plan/families.json"
#endif

int mmr_catalog_path(char *buf, size_t n)
{
	const char *env = getenv("MMREPLAY_FAMILIES");
	char dir[PATH_MAX];
	int w;
	if (env && *env)
		w = snprintf(buf, n, "%s", env);
	else if (mmr_install_path(MMR_INSTALL_DATADIR, dir, sizeof(dir)) == 0)
		w = snprintf(buf, n, "%s/%s", dir, MMR_CATALOG_FILE);
	else
		w = snprintf(buf, n, "%s", MMR_CATALOG_SOURCE); /* the build tree reads the source's copy */
	return w > 0 && (size_t)w < n ? 0 : -1;
}

/* A family's workload: {"name": ..., "ops": ...}. */
static int family_workload(struct jr *c, const char *at, const cJSON *o, struct mmr_catalog_family *f)
{
	static const char *const keys[] = {"name", "ops", NULL};
	char where[160];
	double ops;
	jr_path(where, sizeof(where), at, "workload");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "workload");
	if (!w)
		return jr_fail(c, at, "workload", "missing");
	if (jr_keys(c, where, w, keys) || jr_str(c, where, w, "name", true, &f->workload) ||
	    jr_int(c, where, w, "ops", true, 1, 1e15, &ops))
		return -1;
	f->ops = (uint64_t)ops;
	snprintf(f->ops_arg, sizeof(f->ops_arg), "%llu", (unsigned long long)f->ops);
	return 0;
}

/* real: "live", a bundled trace's name or null; no_real, the reason, exactly when it is null. */
static int family_real(struct jr *c, const char *at, const cJSON *o, struct mmr_catalog_family *f)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "real");
	if (!r)
		return jr_fail(c, at, "real", "missing (null when the family has no real trace)");
	if (!cJSON_IsNull(r) && (!cJSON_IsString(r) || !*r->valuestring))
		return jr_fail(c, at, "real", "not \"live\", a bundled trace's file name or null");
	f->real = cJSON_IsNull(r) ? NULL : r->valuestring;
	if (f->real && strchr(f->real, '/'))
		return jr_fail(c, at, "real", "\"%.64s\": a file name in the bundled traces' folder, not a path", f->real);
	if (jr_str(c, at, o, "no_real", false, &f->no_real))
		return -1;
	if (!f->real && !f->no_real)
		return jr_fail(c, at, "no_real", "missing: why there is no real trace, when real is null");
	if (f->real && f->no_real)
		return jr_fail(c, at, "no_real", "given with a real trace");
	return 0;
}

/* Engines, baseline among them, references among them, options KEY=VALUE. */
static int family_engines(struct jr *c, const char *at, const cJSON *o, struct mmr_catalog_family *f)
{
	if (jr_strs(c, at, o, "engines", JR_REQUIRED | JR_NONEMPTY, 0, &f->engines, &f->nengines) ||
	    jr_str(c, at, o, "baseline", true, &f->baseline) ||
	    jr_strs(c, at, o, "references", JR_REQUIRED, 0, &f->references, &f->nreferences) ||
	    jr_strs(c, at, o, "engine_opts", JR_REQUIRED, 0, &f->engine_opts, &f->nengine_opts))
		return -1;
	if (!jr_in(f->engines, f->nengines, f->baseline))
		return jr_fail(c, at, "baseline", "\"%.64s\" is not one of the family's engines", f->baseline);
	for (size_t i = 0; i < f->nreferences; i++)
		if (!jr_in(f->engines, f->nengines, f->references[i]))
			return jr_fail(c, at, "references", "\"%.64s\" is not one of the family's engines",
					f->references[i]);
	for (size_t i = 0; i < f->nengine_opts; i++) {
		const char *eq = strchr(f->engine_opts[i], '=');
		if (!eq || eq == f->engine_opts[i])
			return jr_fail(c, at, "engine_opts", "\"%.64s\" is not KEY=VALUE", f->engine_opts[i]);
	}
	return 0;
}

/* Family I of the document's families into F. */
static int family_load(struct jr *c, const cJSON *o, size_t i, const struct mmr_catalog *cat,
		       struct mmr_catalog_family *f)
{
	static const char *const keys[] = {"name", "heading", "question", "engines", "baseline", "references",
					   "workload", "real", "no_real", "rt", "engine_opts", NULL};
	char at[64];
	snprintf(at, sizeof(at), "families[%zu]", i);
	if (jr_keys(c, at, o, keys) || jr_str(c, at, o, "name", true, &f->name) ||
	    jr_str(c, at, o, "heading", true, &f->heading) || jr_str(c, at, o, "question", true, &f->question) ||
	    family_engines(c, at, o, f) || family_workload(c, at, o, f) || family_real(c, at, o, f) ||
	    jr_bool(c, at, o, "rt", true, &f->rt))
		return -1;
	/* The name is a folder of the demo's output and what claims refer to. */
	if (strchr(f->name, '/') || !strcmp(f->name, ".") || !strcmp(f->name, ".."))
		return jr_fail(c, at, "name", "\"%.64s\" cannot name a folder", f->name);
	for (size_t k = 0; k < i; k++)
		if (!strcmp(cat->families[k].name, f->name))
			return jr_fail(c, at, "name", "\"%.64s\" is families[%zu]'s name too", f->name, k);
	/* The demo replays a live trace --as the family: a name replay does not take is its plan refused later. */
	char canon[64], why[160];
	if (f->real && !strcmp(f->real, "live") && mmr_plan_replay_value("as", f->name, canon, sizeof(canon), why, sizeof(why)) < 0)
		return jr_fail(c, at, "name", "\"%.64s\": a family replayed on the live trace is replayed --as its name, and %s",
			       f->name, why);
	return 0;
}

/* The document's head: the version first, so that another version's keys are not reported as unknown. */
static int catalog_head(struct jr *c, const cJSON *doc)
{
	static const char *const keys[] = {"mmreplay_families", "about", "families", "claims", NULL};
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "mmreplay_families");
	const char *about;
	if (!cJSON_IsObject(doc))
		return jr_fail(c, "", NULL, "not a JSON object");
	if (!v)
		return jr_fail(c, "", "mmreplay_families", "missing: not a family catalog");
	if (!cJSON_IsNumber(v))
		return jr_fail(c, "", "mmreplay_families", "not a number (the format's version)");
	if (v->valuedouble != MMR_CATALOG_VERSION)
		return jr_fail(c, "", "mmreplay_families", "version %g, this mmreplay reads version %d", v->valuedouble,
				MMR_CATALOG_VERSION);
	return jr_keys(c, "", doc, keys) || jr_str(c, "", doc, "about", false, &about) ? -1 : 0;
}

int mmr_catalog_parse(const char *text, const char *name, struct mmr_catalog *cat, struct mmr_error *err)
{
	struct jr c = {.file = name, .err = err};
	memset(cat, 0, sizeof(*cat));
	/* Null-terminated: text after the document would otherwise be silently ignored. */
	cJSON *doc = cJSON_ParseWithOpts(text, NULL, true);
	if (!doc)
		return jr_fail(&c, "", NULL, "not JSON (near \"%.24s\")", cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() : "");
	cat->doc = doc;
	const cJSON *fams = cJSON_GetObjectItemCaseSensitive(doc, "families");
	int rc = catalog_head(&c, doc);
	if (!rc && !cJSON_IsArray(fams))
		rc = jr_fail(&c, "", "families", fams ? "not an array" : "missing");
	else if (!rc && !cJSON_GetArraySize(fams))
		rc = jr_fail(&c, "", "families", "empty");
	else if (!rc && cJSON_GetArraySize(fams) > MMR_CATALOG_MAX_FAMILIES)
		rc = jr_fail(&c, "", "families", "%d families: at most %d (the demo's plan has two groups a family, and a plan "
			     "at most %d)", cJSON_GetArraySize(fams), MMR_CATALOG_MAX_FAMILIES, MMR_PLAN_MAX_LIST);
	size_t n = rc ? 0 : (size_t)cJSON_GetArraySize(fams);
	if (!rc && !(cat->families = calloc(n, sizeof(*cat->families))))
		rc = jr_fail(&c, "", "families", "out of memory");
	for (const cJSON *f = rc ? NULL : fams->child; f && !rc; f = f->next, cat->nfamilies++)
		rc = family_load(&c, f, cat->nfamilies, cat, &cat->families[cat->nfamilies]);
	if (!rc)
		rc = cat_claims(&c, doc, cat);
	if (rc) {
		/* Every family's arrays, the one that failed included (the rest are zeroed). */
		cat->nfamilies = cat->families ? n : 0;
		mmr_catalog_free(cat);
	}
	return rc;
}

int mmr_catalog_load(const char *path, struct mmr_catalog *cat, struct mmr_error *err)
{
	memset(cat, 0, sizeof(*cat));
	char *text = mmr_slurp(path);
	if (!text) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot read: %s", path,
			 errno == EINVAL ? "not a regular file" : strerror(errno));
		return -1;
	}
	int rc = mmr_catalog_parse(text, path, cat, err);
	free(text);
	return rc;
}

const struct mmr_catalog_family *mmr_catalog_family(const struct mmr_catalog *cat, const char *name)
{
	for (size_t i = 0; i < cat->nfamilies; i++)
		if (!strcmp(cat->families[i].name, name))
			return &cat->families[i];
	return NULL;
}

void mmr_catalog_free(struct mmr_catalog *cat)
{
	for (size_t i = 0; cat->families && i < cat->nfamilies; i++) {
		free(cat->families[i].engines);
		free(cat->families[i].references);
		free(cat->families[i].engine_opts);
	}
	free(cat->families);
	free(cat->claims);
	cJSON_Delete(cat->doc);
	memset(cat, 0, sizeof(*cat));
}
