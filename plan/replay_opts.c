/* SPDX-License-Identifier: MIT */
/*
 * replay_opts.c - the replay options a plan may give its jobs (its
 * "replay" object): which of `mmreplay replay`'s options they are, what
 * values replay takes for each (its own names and bounds, from
 * mmr_replay.h and the trace library, so that a plan refuses what replay
 * would), and each value's canonical text, which is what job ids hash.
 *
 * Why canonical text: "x1" and "original", 10 and 10.0 ask the same
 * replay, and a value equal to replay's default asks the same as none;
 * they must give the same id, or results already made are made again.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmr_replay.h"
#include "mmr_trace.h"
#include "plan_internal.h"

enum ro_kind { RO_MAP, RO_PACE, RO_SCHED, RO_FAMILY, RO_COUNT, RO_SECS, RO_BOOL };

struct ro {
	struct mmr_plan_replay_opt o;
	enum ro_kind kind;
	double max;      /* RO_COUNT, RO_SECS: the largest value */
	const char *def; /* replay's default, as canonical text: given, it is dropped */
};

/* In key order, which is the order of the canonical text and of the command line. */
static const struct ro opts[] = {
	{{"as", "--as", 0, true, true}, RO_FAMILY, 0, NULL},
	{{"events", "--events", 'n', true, true}, RO_COUNT, 9007199254740992.0, NULL},
	{{"map", "--map", 'm', true, true}, RO_MAP, 0, "cpu"},
	{{"max_gap", "--max-gap", 0, true, true}, RO_SECS, MMR_MAX_GAP_MAX_S, "10"},
	{{"no_timing", "--no-timing", 0, false, true}, RO_BOOL, 0, "false"},
	{{"pace", "--pace", 'p', true, true}, RO_PACE, 0, "asap"},
	{{"pin", "--pin", 0, false, true}, RO_BOOL, 0, "false"},
	{{"sched", "--sched", 0, true, true}, RO_SCHED, 0, "auto"},
	/* How long a stuck replay may stay stuck: no input of its results when it finishes. */
	{{"watchdog", "--watchdog", 0, true, false}, RO_SECS, 1e6, "30"},
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

/* Replay's map kinds, in enum mmr_replay_map's order. */
static const char *const map_names[] = {[MMR_MAP_CPU] = "cpu", [MMR_MAP_PID] = "pid", [MMR_MAP_HASH] = "hash"};

static const struct ro *find(const char *name)
{
	for (size_t i = 0; name && i < NOPTS; i++)
		if (!strcmp(name, opts[i].o.key) || !strcmp(name, opts[i].o.flag) ||
		    (opts[i].o.short_flag && name[0] == '-' && name[1] == opts[i].o.short_flag && !name[2]))
			return &opts[i];
	return NULL;
}

const struct mmr_plan_replay_opt *mmr_plan_replay_find(const char *name)
{
	const struct ro *r = find(name);
	return r ? &r->o : NULL;
}

const struct mmr_plan_replay_opt *mmr_plan_replay_get(size_t i)
{
	return i < NOPTS ? &opts[i].o : NULL;
}

/* TEXT as a number in (0, MAX] (RO_SECS) or a whole one in 1..MAX (RO_COUNT), canonical into OUT. */
static int number(const struct ro *r, const char *text, char *out, size_t n, char *why, size_t wn)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	bool ok = end != text && !*end && !errno && v <= r->max;
	if (r->kind == RO_COUNT && !(ok && v >= 1 && v == floor(v)))
		return snprintf(why, wn, "'%s' is not a whole number in 1..%.0f", text, r->max), -1;
	if (r->kind == RO_SECS && !(ok && v > 0))
		return snprintf(why, wn, "'%s' is not seconds, more than 0 and at most %g", text, r->max), -1;
	snprintf(out, n, r->kind == RO_COUNT ? "%.0f" : "%.15g", v);
	return 0;
}

/* TEXT as replay's --pace takes it: asap, original, xF; "x1" is "original". */
static int pace(const char *text, char *out, size_t n, char *why, size_t wn)
{
	char *end;
	if (!strcmp(text, "asap") || !strcmp(text, "original"))
		return snprintf(out, n, "%s", text), 0;
	errno = 0;
	double f = text[0] == 'x' ? strtod(text + 1, &end) : NAN;
	if (text[0] != 'x' || end == text + 1 || *end || errno || !(f >= MMR_PACE_FACTOR_MIN && f <= MMR_PACE_FACTOR_MAX))
		return snprintf(why, wn, "'%s' is not asap, original or xFACTOR with FACTOR %g..%g (x2, x0.5)", text,
				MMR_PACE_FACTOR_MIN, MMR_PACE_FACTOR_MAX), -1;
	snprintf(out, n, f == 1 ? "original" : "x%.15g", f);
	return 0;
}

static int word(const struct ro *r, const char *text, char *out, size_t n, char *why, size_t wn)
{
	enum mmr_replay_sched s;
	int fam;
	switch (r->kind) {
	case RO_MAP:
		for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++)
			if (!strcmp(text, map_names[i]))
				return snprintf(out, n, "%s", text), 0;
		return snprintf(why, wn, "'%s' is not cpu, pid or hash", text), -1;
	case RO_SCHED:
		if (mmr_replay_sched_from_name(text, &s))
			return snprintf(why, wn, "'%s' is not auto, fifo or other", text), -1;
		return snprintf(out, n, "%s", mmr_replay_sched_name(s)), 0;
	case RO_FAMILY:
		fam = mmr_family_from_name(text);
		if (fam < 0 || fam == MMR_FAM_LOCK)
			return snprintf(why, wn, fam < 0 ? "'%s' is no event family" :
					"'%s' is the kernel's contention, not an allocator family", text), -1;
		return snprintf(out, n, "%s", mmr_family_name((unsigned)fam)), 0;
	default:
		if (strcmp(text, "true") && strcmp(text, "false"))
			return snprintf(why, wn, "'%s' is not true or false", text), -1;
		return snprintf(out, n, "%s", text), 0;
	}
}

int mmr_plan_replay_value(const char *key, const char *value, char *canon, size_t n, char *why, size_t wn)
{
	const struct ro *r = find(key);
	int rc;
	if (!r)
		return snprintf(why, wn, "no replay option a plan can give (docs/plans.md lists them)"), -1;
	if (r->kind == RO_PACE)
		rc = pace(value, canon, n, why, wn);
	else if (r->kind == RO_COUNT || r->kind == RO_SECS)
		rc = number(r, value, canon, n, why, wn);
	else
		rc = word(r, value, canon, n, why, wn);
	if (rc)
		return -1;
	return r->def && !strcmp(canon, r->def) ? 0 : 1;
}

/* Member C of "replay" (at AT) as the text replay's option would take, into BUF; NULL after an error. */
static const char *json_text(struct jr *r, const char *at, const struct ro *o, const cJSON *c, char *buf, size_t n)
{
	bool str = o->kind == RO_MAP || o->kind == RO_PACE || o->kind == RO_SCHED || o->kind == RO_FAMILY;
	if (str && cJSON_IsString(c))
		return c->valuestring;
	if (o->kind == RO_BOOL && cJSON_IsBool(c))
		return cJSON_IsTrue(c) ? "true" : "false";
	if ((o->kind == RO_COUNT || o->kind == RO_SECS) && cJSON_IsNumber(c))
		return snprintf(buf, n, "%.17g", c->valuedouble), buf;
	jr_fail(r, at, c->string, str ? "not a string" : o->kind == RO_BOOL ? "not true or false" : "not a number");
	return NULL;
}

int plan_read_replay(struct jr *r, const char *at, const cJSON *d, struct mmr_plan_kv **kv, size_t *n)
{
	const char *keys[NOPTS + 1];
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(d, "replay");
	char where[64];
	jr_path(where, sizeof(where), at, "replay");
	for (size_t i = 0; i < NOPTS; i++)
		keys[i] = opts[i].o.key;
	keys[NOPTS] = NULL;
	*kv = NULL, *n = 0;
	if (!o)
		return 0;
	if (jr_keys(r, where, o, keys))
		return -1;
	if (!(*kv = calloc(NOPTS, sizeof(**kv))))
		return jr_fail(r, where, NULL, "out of memory");
	/* In the table's order, not the file's: the command line is then the same for the same options. */
	for (size_t i = 0; i < NOPTS; i++) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, opts[i].o.key);
		char buf[64], canon[64], why[160];
		const char *text = c ? json_text(r, where, &opts[i], c, buf, sizeof(buf)) : NULL;
		if (c && !text)
			return -1;
		int given = text ? mmr_plan_replay_value(opts[i].o.key, text, canon, sizeof(canon), why, sizeof(why)) : 0;
		if (given < 0)
			return jr_fail(r, where, opts[i].o.key, "%s", why);
		if (given > 0 && (jr_dup(r, where, opts[i].o.key, opts[i].o.key, &(*kv)[*n].key) ||
				  jr_dup(r, where, opts[i].o.key, canon, &(*kv)[(*n)++].value)))
			return -1;
	}
	return 0;
}
