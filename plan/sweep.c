/* SPDX-License-Identifier: MIT */
/*
 * sweep.c - the plan of `mmreplay sweep TRACE -e E1,E2 -t 1,2,4 [replay
 * options]`: its arguments written as a plan document and read by the
 * plan reader, so that a sweep is checked, expanded and run as any plan
 * is, its errors name the plan key its argument became, and its jobs have
 * the ids the same cells have in any other plan.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "plan_internal.h"

/* TEXT as a JSON number when all of it is one, else as a string: the reader says what is wrong with it. */
static cJSON *number_or_string(const char *text)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (*text && end != text && !*end && !errno && isfinite(v))
		return cJSON_CreateNumber(v);
	return cJSON_CreateString(text);
}

/* The comma-separated LIST as an array of strings or (NUMBERS) numbers; an empty item is kept, to be refused. */
static cJSON *split(const char *list, bool numbers)
{
	cJSON *a = cJSON_CreateArray();
	char *copy = strdup(list);
	bool ok = a && copy;
	for (char *s = copy, *next; ok && s; s = next) {
		if ((next = strchr(s, ',')))
			*next++ = '\0';
		ok = cJSON_AddItemToArray(a, numbers ? number_or_string(s) : cJSON_CreateString(s));
	}
	free(copy);
	if (!ok)
		cJSON_Delete(a), a = NULL;
	return a;
}

/* The -O KEY=VALUE options as engine_opts; an option without '=' is an error in ERR. */
static cJSON *engine_opts(const struct mmr_plan_sweep *s, const char *origin, struct mmr_error *err)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; o && i < s->nengine_opts; i++) {
		const char *eq = strchr(s->engine_opts[i], '=');
		if (!eq || eq == s->engine_opts[i]) {
			snprintf(err->msg, sizeof(err->msg), "%.100s: engine_opts: '%.200s' is not KEY=VALUE", origin,
				 s->engine_opts[i]);
			cJSON_Delete(o);
			return NULL;
		}
		char key[128];
		snprintf(key, sizeof(key), "%.*s", (int)(eq - s->engine_opts[i]), s->engine_opts[i]);
		/* AddItem, not Replace: a key given twice is the reader's "given twice". */
		cJSON_AddItemToObject(o, key, cJSON_CreateString(eq + 1));
	}
	return o;
}

/* The replay options by plan key, the last of one given twice winning, as on replay's command line. */
static cJSON *replay_opts(const struct mmr_plan_sweep *s, const char *origin, struct mmr_error *err)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; o && i < s->nreplay; i++) {
		const struct mmr_plan_replay_opt *r = mmr_plan_replay_find(s->replay_names[i]);
		const char *v = s->replay_values[i];
		if (!r) {
			snprintf(err->msg, sizeof(err->msg), "%.100s: replay: '%.100s' is no replay option a plan can give "
				 "(docs/plans.md lists them)", origin, s->replay_names[i]);
			cJSON_Delete(o);
			return NULL;
		}
		cJSON *item = !r->takes_value && (!v || !strcmp(v, "true")) ? cJSON_CreateTrue()
			      : !r->takes_value && !strcmp(v, "false")       ? cJSON_CreateFalse()
			      : !strcmp(r->key, "events") || !strcmp(r->key, "max_gap") || !strcmp(r->key, "watchdog")
				      ? number_or_string(v ? v : "")
				      : cJSON_CreateString(v ? v : "");
		cJSON_DeleteItemFromObjectCaseSensitive(o, r->key);
		cJSON_AddItemToObject(o, r->key, item);
	}
	return o;
}

struct mmr_plan *mmr_plan_for_sweep(const struct mmr_plan_sweep *s, const char *origin, struct mmr_error *err)
{
	const char *slash = s->trace ? strrchr(s->trace, '/') : NULL;
	cJSON *d = cJSON_CreateObject(), *traces = cJSON_CreateArray(), *t = cJSON_CreateObject();
	cJSON *opts = NULL, *replay = NULL;
	struct mmr_plan *p = NULL;
	char *text = NULL;
	err->msg[0] = '\0';
	if (d && traces && t) {
		cJSON_AddNumberToObject(d, "mmreplay_plan", MMR_PLAN_VERSION);
		cJSON_AddStringToObject(d, "name", "sweep");
		/* The trace's file name is what reports call it; the path is the current folder's when relative. */
		cJSON_AddStringToObject(t, "name", slash ? slash + 1 : s->trace ? s->trace : "");
		cJSON_AddStringToObject(t, "file", s->trace ? s->trace : "");
		cJSON_AddItemToArray(traces, t), t = NULL;
		cJSON_AddItemToObject(d, "traces", traces), traces = NULL;
		if (s->engines)
			cJSON_AddItemToObject(d, "engines", split(s->engines, false));
		if (s->threads)
			cJSON_AddItemToObject(d, "threads", split(s->threads, true));
		if (s->kernels)
			cJSON_AddItemToObject(d, "kernel", split(s->kernels, false));
		if (s->baseline)
			cJSON_AddStringToObject(d, "baseline", s->baseline);
		if (s->repeat)
			cJSON_AddNumberToObject(d, "repeat", s->repeat);
		if ((opts = engine_opts(s, origin, err)) && (replay = replay_opts(s, origin, err))) {
			if (s->nengine_opts)
				cJSON_AddItemToObject(d, "engine_opts", opts), opts = NULL;
			if (s->nreplay)
				cJSON_AddItemToObject(d, "replay", replay), replay = NULL;
			text = cJSON_PrintUnformatted(d);
		}
	}
	if (text)
		p = mmr_plan_read_text(text, strlen(text), origin, err);
	else if (!err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "%.100s: out of memory", origin);
	free(text);
	cJSON_Delete(opts), cJSON_Delete(replay), cJSON_Delete(d), cJSON_Delete(traces), cJSON_Delete(t);
	return p;
}
