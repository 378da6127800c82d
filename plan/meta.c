/* SPDX-License-Identifier: MIT */
/*
 * meta.c - the little of a job's results.json that collecting and the
 * plan's reports need: which mmreplay made it (results of two versions
 * are not merged), which engine, and on which machine (a comparison never
 * mixes machines silently).  The figures themselves are plots/' to read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mmr_fs.h"
#include "plan_internal.h"

/* String KEY of O into DST (N bytes), control characters as '?': these names end up in one-line messages. */
static void copy_name(char *dst, size_t n, const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	snprintf(dst, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
	for (char *s = dst; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

int plan_meta_read(const char *path, struct plan_meta *m, struct mmr_error *err)
{
	*m = (struct plan_meta){.host.jobs = 1};
	char *text = mmr_slurp(path);
	if (!text) {
		if (errno == ENOENT)
			return 1;
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot read: %s",
			 path, errno == EINVAL ? "not a regular file" : strerror(errno));
		return -1;
	}
	cJSON *d = cJSON_Parse(text);
	free(text);
	const cJSON *engine = cJSON_GetObjectItemCaseSensitive(d, "engine");
	int rc = 0;
	if (!cJSON_IsObject(d)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: not JSON (a damaged results file)", path);
		rc = -1;
	} else if (!cJSON_IsString(engine) || !engine->valuestring[0]) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: not a replay's results ('engine' missing)", path);
		rc = -1;
	} else {
		const cJSON *mach = cJSON_GetObjectItemCaseSensitive(d, "machine");
		copy_name(m->tool, sizeof(m->tool), d, "tool");
		copy_name(m->engine, sizeof(m->engine), d, "engine");
		copy_name(m->host.name, sizeof(m->host.name), mach, "hostname");
		copy_name(m->host.cpu_model, sizeof(m->host.cpu_model), mach, "cpu_model");
	}
	cJSON_Delete(d);
	return rc;
}

int plan_host_add(struct mmr_plan_host **v, size_t *n, const struct mmr_plan_host *h)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i].name, h->name) && !strcmp((*v)[i].cpu_model, h->cpu_model)) {
			(*v)[i].jobs++;
			return 0;
		}
	struct mmr_plan_host *g = realloc(*v, (*n + 1) * sizeof(**v));
	if (!g)
		return -1;
	*v = g;
	g[*n] = *h;
	g[(*n)++].jobs = 1;
	return 0;
}

const char *plan_host_text(const struct mmr_plan_host *h, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", h->name[0] ? h->name : "an unnamed host", h->cpu_model[0] ? " (" : "",
		 h->cpu_model, h->cpu_model[0] ? ")" : "");
	return buf;
}
