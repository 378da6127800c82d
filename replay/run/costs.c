/* SPDX-License-Identifier: MIT */
/*
 * costs.c - where each cost option of the engine gets its value for a
 * run: --engine-opt when given; else the profile's measurement the option
 * names (mmreplay calibrate), passed to the engine as if given; else the
 * engine's default and its citation.  Each cost's value and source go into
 * the results, so that no figure rests on a number nobody can trace.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mmr_calibrate.h"
#include "run_internal.h"

/* The value the user gave for KEY, or NULL. */
static const char *given(const struct mmr_replay_opts *o, const char *key)
{
	for (size_t i = 0; i < o->nopts; i++)
		if (!strcmp(o->opt_keys[i], key))
			return o->opt_values[i];
	return NULL;
}

/* Cost P's value from the profile into C, passed on as an option.  0, or -1 with ERR. */
static int from_profile(struct rp_costs *cs, struct rp_cost *c, const struct mmr_engine_param *p,
			const struct mmr_profile *prof, struct mmr_error *err)
{
	int k = mmr_cal_key_from_name(p->profile);
	if (k < 0) {
		snprintf(err->msg, sizeof(err->msg),
			 "engine option %s takes its default from the measurement '%s', which mmreplay calibrate does "
			 "not make: fix the engine", p->key, p->profile);
		return -1;
	}
	const struct mmr_cal_value *v = &prof->v[k];
	if (!isfinite(v->ns)) {
		snprintf(c->value, sizeof(c->value), "%s", p->def);
		snprintf(c->source, sizeof(c->source), "default %.20s: the profile has no %.31s (%.127s)%s%.250s", p->def, p->profile,
			 v->why[0] ? v->why : "not measured", p->source ? "; " : "", p->source ? p->source : "");
		return 0;
	}
	snprintf(c->value, sizeof(c->value), "%.0f", v->ns > 1 ? v->ns : 1);
	snprintf(c->source, sizeof(c->source), "measured: %s in %.300s (%.60s, %.31s)", p->profile, prof->path, prof->hostname,
		 prof->created);
	cs->keys[cs->nopts] = p->key;
	cs->values[cs->nopts++] = c->value;
	return 0;
}

int rp_costs_resolve(const struct mmr_replay_opts *o, struct rp_costs *cs, struct mmr_error *err)
{
	memset(cs, 0, sizeof(*cs));
	for (size_t i = 0; i < o->nopts && i < RP_MAX_OPTS; i++) {
		cs->keys[cs->nopts] = o->opt_keys[i];
		cs->values[cs->nopts++] = o->opt_values[i];
	}
	for (const struct mmr_engine_param *p = o->engine->params; p && p->key; p++) {
		if (!p->profile && !p->source)
			continue;
		if (cs->n == RP_MAX_COSTS || cs->nopts == RP_MAX_OPTS) {
			snprintf(err->msg, sizeof(err->msg), "engine %s has more than %d cost options", o->engine->name,
				 RP_MAX_COSTS);
			return -1;
		}
		struct rp_cost *c = &cs->v[cs->n++];
		const char *v = given(o, p->key);
		snprintf(c->key, sizeof(c->key), "%s", p->key);
		snprintf(c->measurement, sizeof(c->measurement), "%s", p->profile ? p->profile : "");
		c->lo = p->lo;
		c->hi = p->hi;
		if (v) {
			snprintf(c->value, sizeof(c->value), "%s", v);
			snprintf(c->source, sizeof(c->source), "--engine-opt");
		} else if (p->profile && o->profile) {
			if (from_profile(cs, c, p, o->profile, err))
				return -1;
		} else {
			snprintf(c->value, sizeof(c->value), "%s", p->def);
			snprintf(c->source, sizeof(c->source), "default %.20s: %.380s%s%.31s", p->def,
				 p->source ? p->source : "not measured here",
				 p->profile ? "; no profile (mmreplay calibrate measures " : "", p->profile ? p->profile : "");
			if (p->profile)
				strncat(c->source, ")", sizeof(c->source) - strlen(c->source) - 1);
		}
	}
	return 0;
}
